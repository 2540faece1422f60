package bolt

var inspectionBuckets = [][]byte{}
