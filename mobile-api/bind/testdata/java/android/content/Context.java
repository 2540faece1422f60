package android.content;

/** Context stands in for Android's class: go.Seq names it only in setContext. */
public class Context {}
