package storetest

var (

	purgeBehaviours []behaviour
	damageBehaviours, parcelBehaviours, textBehaviours         []behaviour
	reportBehaviours, blobMetaBehaviours                                                             []behaviour
)
