package storetest

var (

	claimBehaviours, inspectionBehaviours, purgeBehaviours, userBehaviours        []behaviour
	sessionBehaviours, accountBehaviours, damageBehaviours, parcelBehaviours, textBehaviours         []behaviour
	reportBehaviours, blobMetaBehaviours                                                             []behaviour
)
