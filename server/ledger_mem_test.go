package server

import (
	"errors"
	"strconv"
	"strings"
)

var errBoom = errors.New("store failed")

// memLedger is the COD ledger's transaction held in memory: the rules are
// tested without any store. fail names a method that fails with errBoom.
type memLedger struct {
	entries       []*CODEntry // by entry id le-(i+1)
	receipts      map[string]string
	couriers      map[string]bool
	pickups       map[string]*CODPickup
	known         map[string]bool
	collected     map[string]bool
	handovers     []Handover
	settlements   []Settlement
	discrepancies []CODDiscrepancyRecord
	balances      []CODBalance
	events        []AuditEvent
	fail          string
}

func newMemLedger() *memLedger {
	return &memLedger{receipts: map[string]string{}, couriers: map[string]bool{"u7": true, "u8": true},
		pickups: map[string]*CODPickup{}, known: map[string]bool{}, collected: map[string]bool{}}
}

func (m *memLedger) err(method string) error {
	if m.fail == method {
		return errBoom
	}
	return nil
}

func (m *memLedger) byID(id string) *CODEntry {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "le-"))
	return m.entries[n-1]
}

func (m *memLedger) IsCourier(id string) (bool, error) { return m.couriers[id], m.err("IsCourier") }
func (m *memLedger) Entry(no string) (*CODEntry, error) {
	id, ok := m.receipts[no]
	if !ok {
		return nil, m.err("Entry")
	}
	cp := *m.byID(id)
	return &cp, m.err("Entry")
}
func (m *memLedger) LiveEntries(courier, status string, max int) ([]*CODEntry, error) {
	var out []*CODEntry
	for _, e := range m.entries {
		if e.CourierID == courier && e.Status == status && !e.Void() && len(out) < max {
			cp := *e
			out = append(out, &cp)
		}
	}
	return out, m.err("LiveEntries")
}
func (m *memLedger) Sums(courier string) (CODSums, error) {
	var s CODSums
	for _, e := range m.entries {
		if courier == "" || e.CourierID == courier {
			s.AddEntry(e)
		}
	}
	return s, m.err("Sums")
}
func (m *memLedger) Insert(e *CODEntry) error {
	e.EntryID = "le-" + strconv.Itoa(len(m.entries)+1)
	cp := *e
	m.entries = append(m.entries, &cp)
	return m.err("Insert")
}
func (m *memLedger) PointReceipt(e *CODEntry) error {
	m.receipts[e.ReceiptNo] = e.EntryID
	return m.err("PointReceipt")
}
func (m *memLedger) Move(old, e *CODEntry) error {
	if m.byID(old.EntryID).Status != old.Status {
		panic("moved from a status it was not in")
	}
	cp := *e
	*m.byID(e.EntryID) = cp
	return m.err("Move")
}
func (m *memLedger) MarkReversed(e *CODEntry) error {
	m.byID(e.EntryID).ReversedBy = e.ReversedBy
	return m.err("MarkReversed")
}
func (m *memLedger) InsertHandover(h *Handover) error {
	h.HandoverID = "ho-" + strconv.Itoa(len(m.handovers)+1)
	m.handovers = append(m.handovers, *h)
	return m.err("InsertHandover")
}
func (m *memLedger) InsertSettlement(s *Settlement) error {
	s.SettlementID = "st-" + strconv.Itoa(len(m.settlements)+1)
	m.settlements = append(m.settlements, *s)
	return m.err("InsertSettlement")
}
func (m *memLedger) AddDiscrepancy(r *CODDiscrepancyRecord) error {
	r.DiscrepancyID = "dc-" + strconv.Itoa(len(m.discrepancies)+1)
	m.discrepancies = append(m.discrepancies, *r)
	return m.err("AddDiscrepancy")
}
func (m *memLedger) PublishBalance(b *CODBalance) error {
	m.balances = append(m.balances, *b)
	return m.err("PublishBalance")
}
func (m *memLedger) Pickup(w string) (*CODPickup, error) { return m.pickups[w], m.err("Pickup") }
func (m *memLedger) Audit(e AuditEvent) error {
	m.events = append(m.events, e)
	return m.err("Audit")
}
func (m *memLedger) ReceiptKnown(no string) (bool, error) { return m.known[no], m.err("ReceiptKnown") }
func (m *memLedger) NoteCollection(w, no string) (bool, error) {
	seen := m.collected[w]
	m.collected[w], m.known[no] = true, true
	return seen, m.err("NoteCollection")
}
