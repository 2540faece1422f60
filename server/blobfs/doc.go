// Package blobfs keeps blob bytes on the local filesystem under the data
// dir: originals content-addressed by SHA-256 in sharded directories,
// derived variants beside them, and partial uploads that survive restarts.
// Every file is written to a temporary name, fsynced and renamed into place.
package blobfs
