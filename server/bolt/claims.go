package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// Buckets of the claim workflow (rules in server/claimflow.go; this file
// only stores):
//   - claims: u64(seq) → server.Claim JSON, for id "cl-N";
//   - claim_waybills: waybill ‖ 0 ‖ u64(seq) → "": lists by waybill;
//   - claim_filed: tkey(filed_at) ‖ u64(seq) → "": the report's claims filed;
//   - claim_decide_due: tkey(decide_due_by) ‖ u64(seq) → "": the report's
//     decisions due in a month;
//   - claim_paid: tkey(paid at) ‖ u64(seq) → "": the report's payouts.
var (
	bucketClaims         = []byte("claims")
	bucketClaimWaybills  = []byte("claim_waybills")
	bucketClaimFiled     = []byte("claim_filed")
	bucketClaimDecideDue = []byte("claim_decide_due")
	bucketClaimPaid      = []byte("claim_paid")
)

// claimBuckets are the buckets of the claim workflow.
var claimBuckets = [][]byte{bucketClaims, bucketClaimWaybills, bucketClaimFiled, bucketClaimDecideDue, bucketClaimPaid}

// claimTx is the claim workflow's view of one write transaction.
type claimTx struct{ tx *bbolt.Tx }

// PickupFacts implements server.ClaimTx.
func (c claimTx) PickupFacts(waybill string) (*server.ClaimFacts, error) {
	pk, err := pickupOf(c.tx, waybill)
	if err != nil || pk == nil || pk.Pickup == nil {
		return nil, err
	}
	f := &server.ClaimFacts{PickupRef: pk.Ref, CourierID: pk.CourierID, RecordedAt: pk.RecordedAt,
		InsuredValueCents: pk.Pickup.InsuredValueCents, FreightCents: pk.Pickup.FreightCents}
	if pk.Pickup.Insured != nil {
		f.Insured = *pk.Pickup.Insured
	}
	if pk.Pickup.DeclaredValueCents != nil {
		f.DeclaredValueCents = *pk.Pickup.DeclaredValueCents
	}
	return f, nil
}

// ComplaintExists implements server.ClaimTx.
func (c claimTx) ComplaintExists(id string) (bool, error) {
	r, err := getComplaint(c.tx, id)
	return r != nil, err
}

// Claim implements server.ClaimTx.
func (c claimTx) Claim(id string) (*server.Claim, error) { return getClaim(c.tx, id) }

func getClaim(tx *bbolt.Tx, id string) (*server.Claim, error) {
	seq, ok := idSeq(id, "cl-")
	if !ok {
		return nil, nil
	}
	v := tx.Bucket(bucketClaims).Get(u64(seq))
	if v == nil {
		return nil, nil
	}
	cl := new(server.Claim)
	return cl, json.Unmarshal(v, cl)
}

// InsertClaim implements server.ClaimTx.
func (c claimTx) InsertClaim(cl *server.Claim) error {
	b := c.tx.Bucket(bucketClaims)
	ref, seq, err := nextRef(b, "cl")
	if err != nil {
		return err
	}
	cl.ClaimID = ref
	if err := putJSON(b, u64(seq), cl); err != nil {
		return err
	}
	puts := []struct {
		bucket []byte
		key    []byte
	}{
		{bucketClaimWaybills, append(append([]byte(cl.Waybill), 0), u64(seq)...)},
		{bucketClaimFiled, append(tkey(cl.FiledAt), u64(seq)...)},
		{bucketClaimDecideDue, append(tkey(cl.DecideDueBy), u64(seq)...)},
	}
	for _, p := range puts {
		if err := c.tx.Bucket(p.bucket).Put(p.key, nil); err != nil {
			return err
		}
	}
	return nil
}

// UpdateClaim implements server.ClaimTx: only a payout adds an index key.
func (c claimTx) UpdateClaim(old, cl *server.Claim) error {
	seq, _ := idSeq(cl.ClaimID, "cl-")
	if err := putJSON(c.tx.Bucket(bucketClaims), u64(seq), cl); err != nil {
		return err
	}
	if old.Payout == nil && cl.Payout != nil {
		return c.tx.Bucket(bucketClaimPaid).Put(append(tkey(cl.Payout.At), u64(seq)...), nil)
	}
	return nil
}

// Audit implements server.ClaimTx.
func (c claimTx) Audit(e server.AuditEvent) error { return appendEvent(c.tx, e) }

// claimRules returns the rule set in force.
func (d *DB) claimRules() server.ClaimRules { return d.opts.Settings.Claims }

// FileClaim implements server.ClaimService.
func (d *DB) FileClaim(ctx context.Context, p server.Principal, r *server.NewClaim) (*server.Claim, error) {
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.Claim, error) {
		return server.FileClaim(claimTx{tx}, p, r, d.claimRules(), now, d.opts.SkewLimit)
	})
}

// AcknowledgeClaim implements server.ClaimService.
func (d *DB) AcknowledgeClaim(ctx context.Context, p server.Principal, id string) (*server.Claim, error) {
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.Claim, error) {
		return server.AcknowledgeClaim(claimTx{tx}, p, id, d.claimRules(), now)
	})
}

// DecideClaim implements server.ClaimService.
func (d *DB) DecideClaim(ctx context.Context, p server.Principal, id string, r *server.ClaimDecide) (*server.Claim, error) {
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.Claim, error) {
		return server.DecideClaim(claimTx{tx}, p, id, r, d.claimRules(), now)
	})
}

// PayClaim implements server.ClaimService.
func (d *DB) PayClaim(ctx context.Context, p server.Principal, id string, r *server.ClaimPay) (*server.Claim, error) {
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.Claim, error) {
		return server.PayClaim(claimTx{tx}, p, id, r, d.claimRules(), now)
	})
}

// Claim implements server.ClaimService.
func (d *DB) Claim(ctx context.Context, id string) (*server.Claim, error) {
	now := d.now()
	var out *server.Claim
	err := d.db.View(func(tx *bbolt.Tx) error {
		c, err := getClaim(tx, id)
		if err != nil {
			return err
		}
		if c == nil {
			return server.ErrNotFound
		}
		c.Clock(now, d.claimRules())
		out = c
		return nil
	})
	return out, err
}

// ListClaims implements server.ClaimService: filing order; with a waybill,
// a walk of that waybill's index keys, else a bounded scan of the claims.
func (d *DB) ListClaims(ctx context.Context, f server.ClaimFilter) (*server.ClaimList, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	after, err := parseCursor(f.Cursor)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	now, rules := d.now(), d.claimRules()
	out := &server.ClaimList{Claims: []server.Claim{}}
	keep := func(_, v []byte) (bool, error) {
		var c server.Claim
		if err := json.Unmarshal(v, &c); err != nil {
			return false, err
		}
		if !f.Match(&c, now) {
			return false, nil
		}
		c.Clock(now, rules)
		out.Claims = append(out.Claims, c)
		return true, nil
	}
	err = d.db.View(func(tx *bbolt.Tx) error {
		if f.Waybill == "" {
			var err error
			out.Cursor, out.HasMore, err = scanPage(tx.Bucket(bucketClaims), after, f.Limit, keep)
			return err
		}
		return d.claimsOfWaybill(tx, f.Waybill, after, f.Limit, keep, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (d *DB) claimsOfWaybill(tx *bbolt.Tx, waybill string, after uint64, limit int, keep func(k, v []byte) (bool, error), out *server.ClaimList) error {
	prefix := append([]byte(waybill), 0)
	claims := tx.Bucket(bucketClaims)
	c := tx.Bucket(bucketClaimWaybills).Cursor()
	out.Cursor = strconv.FormatUint(after, 10)
	for k, _ := c.Seek(append(prefix, u64(after+1)...)); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(out.Claims) == limit {
			out.HasMore = true
			return nil
		}
		seq := k[len(prefix):]
		out.Cursor = strconv.FormatUint(beUint(seq), 10)
		if v := claims.Get(seq); v != nil {
			if _, err := keep(seq, v); err != nil {
				return err
			}
		}
	}
	return nil
}

var _ server.ClaimService = (*DB)(nil)
