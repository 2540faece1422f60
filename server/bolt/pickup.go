package bolt

import "github.com/courier-sync/courier-sync/syncproto"

// pickupRecord is a stored pickup, keyed by waybill. The payload's sender
// and recipient are blanked; they live sealed beside it.
type pickupRecord struct {
	recordMeta
	Pickup    *syncproto.Pickup `json:"pickup"`
	Sender    sealedParty       `json:"sender"`
	Recipient sealedParty       `json:"recipient"`
}

func (a *applier) pickup(po *pendingOp, p *syncproto.Pickup) (string, []string, *syncproto.Error, error) {
	b := a.tx.Bucket(bucketPickups)
	if b.Get([]byte(p.Waybill)) != nil {
		return "", nil, syncproto.Errorf(syncproto.CodeDuplicateWaybill, "waybill already picked up by another op"), nil
	}
	ref, _, err := nextRef(b, "pk")
	if err != nil {
		return "", nil, nil, err
	}
	if po.pre != nil {
		return ref, nil, nil, b.Put([]byte(p.Waybill), withRef(po.pre, ref))
	}
	rec := &pickupRecord{recordMeta: a.meta(po, ref), Pickup: p, Sender: po.sealed[0], Recipient: po.sealed[1]}
	return ref, nil, nil, putJSON(b, []byte(p.Waybill), rec)
}
