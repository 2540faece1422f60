package storetest

var (


	damageBehaviours, parcelBehaviours, textBehaviours         []behaviour
	reportBehaviours, blobMetaBehaviours                                                             []behaviour
)
