package server

import "github.com/courier-sync/courier-sync/syncproto"

// DiscrepancyDuplicateCollection: a second COD receipt for a waybill that
// already has one (one parcel collected twice). Nothing more was expected
// for the waybill, so expected_cents is 0 and the whole amount is the
// discrepancy.
const DiscrepancyDuplicateCollection = syncproto.DiscrepancyDuplicateCollection

// DuplicateCollection returns the discrepancy of a receipt for a waybill
// already collected; it takes the place of any amount mismatch (the
// duplicate is the finding a dispatcher must act on).
func DuplicateCollection() *CODDiscrepancy {
	zero := int64(0)
	return &CODDiscrepancy{Code: DiscrepancyDuplicateCollection, ExpectedCents: &zero,
		Note: "waybill already collected by another receipt"}
}
