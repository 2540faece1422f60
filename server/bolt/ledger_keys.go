package bolt

import (
	"encoding/binary"
	"errors"
	"math"
	"time"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// Keys and values of the ledger's indexes: 8-byte time keys that sort in
// time order, calendar days and months of the company time zone, and the
// per-state count and sum cells.

// ledgerAgg holds count and sum per custody state: [2(s-1)] is the count
// of live entries in state s, [2(s-1)+1] the sum of all entries' amounts
// (a reversed entry and its reversal cancel out in the sum, and neither
// counts).
type ledgerAgg [6]int64

// add adds to state st's cells. Sums are checked (server.AddCents): every
// amount is at most syncproto.MaxCents (10^12), so 9.2 million of them
// fit in an int64; past that, add refuses rather than wrap (the rules ask
// server.CODSums.HasRoom before they write, so this is the last guard).
func (a *ledgerAgg) add(st byte, count, sum int64) error {
	c, ok1 := checkedAdd(a[2*(st-1)], count)
	s, ok2 := checkedAdd(a[2*(st-1)+1], sum)
	if !ok1 || !ok2 {
		return errLedgerOverflow
	}
	a[2*(st-1)], a[2*(st-1)+1] = c, s
	return nil
}

// errLedgerOverflow refuses a write that would take a ledger sum past
// int64. It is an unstorableError: a push rejects the op that caused it
// (validation_failed) and applies its neighbours.
var errLedgerOverflow = &unstorableError{err: errors.New("ledger sum would overflow"), field: "amount_cents",
	rule: "the ledger's total would exceed what it can hold"}

// checkedAdd returns a+b and whether it did not overflow.
func checkedAdd(a, b int64) (int64, bool) { return server.AddCents(a, b) }

func (a *ledgerAgg) count(st byte) int64 { return a[2*(st-1)] }
func (a *ledgerAgg) sum(st byte) int64   { return a[2*(st-1)+1] }

// sums names the cells by custody status.
func (a *ledgerAgg) sums() server.CODSums {
	var s server.CODSums
	for i, st := range []byte{stCollected, stHandedOver, stSettled} {
		s.Count[i], s.Cents[i] = a.count(st), a.sum(st)
	}
	return s
}

func decodeAgg(v []byte) (a ledgerAgg) {
	for i := range a {
		if len(v) >= 8*(i+1) {
			a[i] = int64(binary.BigEndian.Uint64(v[8*i:]))
		}
	}
	return a
}

func (a *ledgerAgg) encode() []byte {
	b := make([]byte, 48)
	for i, x := range a {
		binary.BigEndian.PutUint64(b[8*i:], uint64(x))
	}
	return b
}

func bumpAgg(b *bbolt.Bucket, key []byte, st byte, count, sum int64) error {
	a := decodeAgg(b.Get(key))
	if err := a.add(st, count, sum); err != nil {
		return err
	}
	return b.Put(key, a.encode())
}

// bumpPair adds to a count ‖ sum cell, deleting it when both reach 0.
func bumpPair(b *bbolt.Bucket, key []byte, count, sum int64) error {
	var c, s int64
	if v := b.Get(key); len(v) == 16 {
		c, s = int64(binary.BigEndian.Uint64(v)), int64(binary.BigEndian.Uint64(v[8:]))
	}
	c, ok1 := checkedAdd(c, count)
	s, ok2 := checkedAdd(s, sum)
	if !ok1 || !ok2 {
		return errLedgerOverflow
	}
	if c == 0 && s == 0 {
		return b.Delete(key)
	}
	v := make([]byte, 16)
	binary.BigEndian.PutUint64(v, uint64(c))
	binary.BigEndian.PutUint64(v[8:], uint64(s))
	return b.Put(key, v)
}

func decodePair(v []byte) (count, sum int64) {
	if len(v) != 16 {
		return 0, 0
	}
	return int64(binary.BigEndian.Uint64(v)), int64(binary.BigEndian.Uint64(v[8:]))
}

// The instants an int64 of Unix nanoseconds can hold (years 1677–2262).
var (
	tkeyMin = time.Unix(0, math.MinInt64)
	tkeyMax = time.Unix(0, math.MaxInt64)
)

// tkey encodes t in 8 bytes that sort in time order. Times outside what
// Unix nanoseconds hold saturate (UnixNano itself would wrap): device times
// are bounded to 2000–2200 now, but a query or an old record may lie
// beyond.
func tkey(t time.Time) []byte {
	n := t.UnixNano()
	switch {
	case t.Before(tkeyMin):
		n = math.MinInt64
	case t.After(tkeyMax):
		n = math.MaxInt64
	}
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(n)^(1<<63))
	return b
}

func fromTkey(b []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(b)^(1<<63)))
}

// civilDay numbers the calendar day of t in loc (days since 1970-01-01).
func civilDay(t time.Time, loc *time.Location) int64 {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func dayKey(day int64) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, uint32(int32(day))^(1<<31))
	return b
}

func dayOfKey(k []byte) int64 { return int64(int32(binary.BigEndian.Uint32(k) ^ (1 << 31))) }

// dayBounds returns the first instant of day and of the day after, in loc.
func dayBounds(day int64, loc *time.Location) (time.Time, time.Time) {
	y, m, d := time.Unix(day*86400, 0).UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// monthNum numbers the calendar month of t in loc.
func monthNum(t time.Time, loc *time.Location) uint32 {
	y, m, _ := t.In(loc).Date()
	return uint32(y*12 + int(m) - 1)
}

func u32(v uint32) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, v)
	return b
}

func idxKey(st byte, collected time.Time, seq uint64) []byte {
	k := make([]byte, 17)
	k[0] = st
	copy(k[1:9], tkey(collected))
	binary.BigEndian.PutUint64(k[9:], seq)
	return k
}

func idxValue(amount int64, flags byte, courier string) []byte {
	v := make([]byte, 9+len(courier))
	binary.BigEndian.PutUint64(v, uint64(amount))
	v[8] = flags
	copy(v[9:], courier)
	return v
}

func decodeIdxValue(v []byte) (amount int64, flags byte, courier string) {
	return int64(binary.BigEndian.Uint64(v)), v[8], string(v[9:])
}
