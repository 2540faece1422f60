package storetest

var (



	reportBehaviours []behaviour
)
