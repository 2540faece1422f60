package storetest

var (

	purgeBehaviours, userBehaviours        []behaviour
	sessionBehaviours, accountBehaviours, damageBehaviours, parcelBehaviours, textBehaviours         []behaviour
	reportBehaviours, blobMetaBehaviours                                                             []behaviour
)
