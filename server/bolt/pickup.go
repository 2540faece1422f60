package bolt

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"reflect"

	"github.com/courier-sync/courier-sync/syncproto"
)

// pickupRecord is a stored pickup, keyed by waybill. The payload's sender
// and recipient are blanked; they live sealed beside it. Schema 2 stores
// it compact (encodePickup); records of schema 1, and those the purge has
// rewritten, are JSON: decodePickup reads both, recordJSON turns a compact
// one into its JSON form for code that reads records field by field.
type pickupRecord struct {
	recordMeta
	Pickup    *syncproto.Pickup `json:"pickup"`
	Sender    sealedParty       `json:"sender"`
	Recipient sealedParty       `json:"recipient"`
}

// pickupFormat is the first byte of a compact pickup record.
const pickupFormat byte = 0xB1

// pickupFill is the page fill of the pickups bucket: waybills come in
// runs (each courier's label stock counts up), so a page split at the
// end of a run is appended to like a sequence; bbolt's default of one half
// left the bucket at 54 % fill.
const pickupFill = 0.9

func (a *applier) pickup(po *pendingOp, p *syncproto.Pickup) (string, []string, *syncproto.Error, error) {
	b := a.tx.Bucket(bucketPickups)
	b.FillPercent = pickupFill
	if b.Get([]byte(p.Waybill)) != nil {
		return "", nil, syncproto.Errorf(syncproto.CodeDuplicateWaybill, "waybill already picked up by another op"), nil
	}
	ref, _, err := nextRef(b, "pk")
	if err != nil {
		return "", nil, nil, err
	}
	pre := po.pre
	if pre == nil {
		rec := &pickupRecord{recordMeta: a.meta(po, ""), Pickup: p, Sender: po.sealed[0], Recipient: po.sealed[1]}
		if pre, err = encodePickup(rec); err != nil {
			return "", nil, nil, err
		}
	}
	rec := roomAfter(pre, binary.MaxVarintLen64+len(ref))
	return ref, nil, nil, b.Put([]byte(p.Waybill), appendStr(rec, ref))
}

// encodePickup encodes rec but for its ref, which goes last (appendStr).
func encodePickup(rec *pickupRecord) ([]byte, error) {
	u, ok := syncproto.ParseUUID(rec.OpID)
	if !ok {
		return nil, &unstorableError{err: errors.New("pickup record with a malformed op id")}
	}
	b := make([]byte, 0, pickupSize(rec))
	b = append(b, pickupFormat)
	b = append(b, u[:]...)
	b = appendStr(b, spelledAs(rec.OpID, u[:]))
	b = appendStr(appendStr(b, rec.CourierID), rec.DeviceID)
	b = appendTime(b, rec.RecordedAt)
	b = appendTimePtr(b, rec.RecordedAtCorrected)
	b = appendTime(b, rec.ReceivedAt)
	b = appendStrs(b, rec.Flags)
	b = appendPickupFields(b, rec.Pickup)
	b = appendParty(b, rec.Sender)
	return appendParty(b, rec.Recipient), nil
}

// pickupSize is an upper bound of the length of rec encoded with its
// ref (at most refRoom bytes), so the ref appends in place (roomAfter).
func pickupSize(rec *pickupRecord) int {
	const varint, refRoom = binary.MaxVarintLen64, binary.MaxVarintLen64 + 32
	n := 1 + 16 + 3*(1+3*varint) + 12*varint + refRoom
	n += len(rec.OpID) + len(rec.CourierID) + len(rec.DeviceID) + len(rec.Pickup.Waybill)
	for _, f := range rec.Flags {
		n += varint + len(f)
	}
	for _, s := range []*sealedParty{&rec.Sender, &rec.Recipient} {
		n += 1 + 4*varint + len(s.Sealed) + len(s.PhoneIndex) + len(s.NameMasked) + len(s.PhoneMasked)
	}
	return n
}

// pickupFields is the number of fields of syncproto.Pickup the compact
// form knows: a new field must be added to appendPickupFields and
// readPickupFields (a test checks).
const pickupFields = 10

func appendPickupFields(b []byte, p *syncproto.Pickup) []byte {
	b = appendStr(b, p.Waybill)
	b = binary.AppendVarint(b, p.WeightG)
	b = appendOptInt(b, p.DeclaredValueCents)
	switch {
	case p.Insured == nil:
		b = append(b, 0)
	case *p.Insured:
		b = append(b, 2)
	default:
		b = append(b, 1)
	}
	b = binary.AppendVarint(b, p.InsuredValueCents)
	b = appendOptInt(b, p.CODAmountCents)
	if p.Inspected {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	return appendOptInt(b, p.FreightCents) // Sender, Recipient: blanked, sealed beside
}

func (r *reader) pickupFields() *syncproto.Pickup {
	p := &syncproto.Pickup{Waybill: r.str(), WeightG: r.varint(), DeclaredValueCents: r.optInt()}
	switch r.byte() {
	case 1:
		p.Insured = new(bool)
	case 2:
		t := true
		p.Insured = &t
	}
	p.InsuredValueCents = r.varint()
	p.CODAmountCents = r.optInt()
	p.Inspected = r.byte() == 1
	p.FreightCents = r.optInt()
	return p
}

func appendOptInt(b []byte, v *int64) []byte {
	if v == nil {
		return append(b, 0)
	}
	return binary.AppendVarint(append(b, 1), *v)
}

func (r *reader) optInt() *int64 {
	if r.byte() == 0 {
		return nil
	}
	v := r.varint()
	return &v
}

func appendParty(b []byte, s sealedParty) []byte {
	if s.Purged {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = appendBytes(appendBytes(b, s.Sealed), s.PhoneIndex)
	return appendStr(appendStr(b, s.NameMasked), s.PhoneMasked)
}

func (r *reader) party() sealedParty {
	s := sealedParty{Purged: r.byte() == 1}
	if v := r.bytes(); len(v) > 0 {
		s.Sealed = append([]byte(nil), v...)
	}
	if v := r.bytes(); len(v) > 0 {
		s.PhoneIndex = append([]byte(nil), v...)
	}
	s.NameMasked, s.PhoneMasked = r.str(), r.str()
	return s
}

// decodePickup reads a pickup record, compact or JSON.
func decodePickup(v []byte) (*pickupRecord, error) {
	pk := new(pickupRecord)
	if len(v) == 0 || v[0] != pickupFormat {
		return pk, json.Unmarshal(v, pk)
	}
	r := reader{b: v[1:]}
	key := r.fixed(16)
	if pk.OpID = r.str(); pk.OpID == "" && r.err == nil {
		pk.OpID = formatUUID(key)
	}
	pk.CourierID, pk.DeviceID = r.str(), r.str()
	pk.RecordedAt = r.time()
	pk.RecordedAtCorrected = r.timePtr()
	pk.ReceivedAt = r.time()
	pk.Flags = r.strs()
	pk.Pickup = r.pickupFields()
	pk.Sender, pk.Recipient = r.party(), r.party()
	pk.Ref = r.str()
	return pk, r.end()
}

// recordJSON returns a stored record as JSON: a compact pickup record in
// its JSON form, anything else as it is.
func recordJSON(v []byte) []byte {
	if len(v) == 0 || v[0] != pickupFormat {
		return v
	}
	pk, err := decodePickup(v)
	if err != nil {
		return v
	}
	j, err := json.Marshal(pk)
	if err != nil {
		return v
	}
	return j
}

// pickupFieldCount is the number of fields syncproto.Pickup has now.
func pickupFieldCount() int { return reflect.TypeFor[syncproto.Pickup]().NumField() }
