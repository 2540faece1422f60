package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Inspection and item states.
const (
	InspectionOpen      = syncproto.InspectionOpen
	InspectionCompleted = syncproto.InspectionCompleted

	ItemPending = syncproto.ItemPending
	ItemPass    = syncproto.ItemPass
	ItemFail    = syncproto.ItemFail

	ActionOpen   = syncproto.ActionOpen
	ActionClosed = syncproto.ActionClosed
)

// Audit actions of inspections.
const (
	ActionInspectionOpen   = "inspection.open"
	ActionInspectionMark   = "inspection.mark"
	ActionCorrectiveOpen   = "corrective_action.open"
	ActionCorrectiveClose  = "corrective_action.close"
	DefaultCorrectiveDue   = 7 * 24 * time.Hour
	maxInspectionItemsEach = 50
)

// SampleCandidate is one record of a courier's month that an inspection
// may sample: an applied op of kind pickup, damage_report, cod_receipt or
// callback_outcome (Primary), or, for a courier with none of those in the
// month, any other applied op, so every active courier is covered.
type SampleCandidate struct {
	CourierID string
	Kind      string
	Ref       string
	Primary   bool
}

// InspectionItem is one sampled record and what the inspector found.
type InspectionItem struct {
	ItemID    string     `json:"item_id"`
	CourierID string     `json:"courier_id"`
	Kind      string     `json:"kind"`
	Ref       string     `json:"ref"`
	Result    string     `json:"result"`
	Finding   string     `json:"finding,omitempty"`
	MarkedBy  string     `json:"marked_by,omitempty"`
	MarkedAt  *time.Time `json:"marked_at,omitempty"`
	ActionID  string     `json:"action_id,omitempty"`
	sortKey   []byte
}

// Inspection is a month's service-quality inspection (id "in-YYYY-MM").
type Inspection struct {
	InspectionID    string           `json:"inspection_id"`
	Month           string           `json:"month"`
	Seed            string           `json:"seed"`
	ItemsPerCourier int              `json:"items_per_courier"`
	Status          string           `json:"status"`
	Couriers        []string         `json:"couriers"`
	Items           []InspectionItem `json:"items"`
	OpenedBy        string           `json:"opened_by"`
	OpenedAt        time.Time        `json:"opened_at"`
	CompletedAt     *time.Time       `json:"completed_at,omitempty"`
}

// CorrectiveAction is what a failed item opens, followed until closed.
type CorrectiveAction syncproto.CorrectiveAction

// OverdueAt reports whether the action was open past its due date at t.
func (a *CorrectiveAction) OverdueAt(t time.Time) bool {
	return t.After(a.DueBy) && (a.ClosedAt == nil || a.ClosedAt.After(t))
}

// OpenAt reports whether the action was open at t.
func (a *CorrectiveAction) OpenAt(t time.Time) bool {
	return !a.OpenedAt.After(t) && (a.ClosedAt == nil || a.ClosedAt.After(t))
}

// Sampler draws a reproducible random sample: each candidate's place is
// HMAC-SHA256(seed, month ‖ kind ‖ ref), and each courier's sample is
// their n candidates with the smallest places. The draw does not depend
// on the order candidates come in, so the same seed and month draw the
// same items from the same records. Memory is n items per courier.
type Sampler struct {
	n         int
	key       []byte
	month     string
	primary   map[string][]InspectionItem
	secondary map[string][]InspectionItem
}

// NewSampler returns a sampler of n items per courier for month.
func NewSampler(seed []byte, month string, n int) *Sampler {
	return &Sampler{n: n, key: seed, month: month, primary: map[string][]InspectionItem{}, secondary: map[string][]InspectionItem{}}
}

// Add offers a candidate.
func (s *Sampler) Add(c SampleCandidate) {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(s.month + "\x00" + c.Kind + "\x00" + c.Ref))
	it := InspectionItem{CourierID: c.CourierID, Kind: c.Kind, Ref: c.Ref, Result: ItemPending, sortKey: m.Sum(nil)}
	pool := s.secondary
	if c.Primary {
		pool = s.primary
	}
	list := pool[c.CourierID]
	i, _ := slices.BinarySearchFunc(list, it, func(a, b InspectionItem) int { return bytes.Compare(a.sortKey, b.sortKey) })
	if i >= s.n {
		return
	}
	list = slices.Insert(list, i, it)
	if len(list) > s.n {
		list = list[:s.n]
	}
	pool[c.CourierID] = list
}

// Items returns the sample: couriers in id order, each courier's items in
// draw order, numbered "1", "2", …; and the couriers covered.
func (s *Sampler) Items() ([]InspectionItem, []string) {
	couriers := make([]string, 0, len(s.primary)+len(s.secondary))
	for id := range s.primary {
		couriers = append(couriers, id)
	}
	for id := range s.secondary {
		if _, ok := s.primary[id]; !ok {
			couriers = append(couriers, id)
		}
	}
	slices.Sort(couriers)
	var items []InspectionItem
	for _, id := range couriers {
		list := s.primary[id]
		if len(list) == 0 {
			list = s.secondary[id]
		}
		items = append(items, list...)
	}
	for i := range items {
		items[i].ItemID = itoa(i + 1)
	}
	return items, couriers
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// NewInspection is the body of POST /v1/inspections. Seed (optional, 64
// hex digits) redraws a sample an auditor wants to check; without it the
// server makes a random one and stores it.
type NewInspection syncproto.NewInspection

// Check validates the request and returns the seed's bytes (nil: make one).
func (r *NewInspection) Check(loc *time.Location, now time.Time) ([]byte, error) {
	start, _, err := ParseMonth(r.Month, loc)
	if err != nil {
		return nil, err
	}
	if start.After(now) {
		return nil, Invalid("month: in the future")
	}
	if r.Seed == "" {
		return nil, nil
	}
	seed, err := hex.DecodeString(r.Seed)
	if err != nil || len(seed) != 32 || strings.ToLower(r.Seed) != r.Seed {
		return nil, Invalid("seed: 64 lowercase hex digits")
	}
	return seed, nil
}

// ItemMark is the body of POST /v1/inspections/{id}/items/{item_id}. A
// fail needs a finding; its corrective action's owner (a user id) and
// due_by default to the item's courier and a week from now.
type ItemMark syncproto.ItemMark

// Check validates the mark and returns the due date (zero when none).
func (r *ItemMark) Check(now time.Time) (time.Time, error) {
	if r.Result != ItemPass && r.Result != ItemFail {
		return time.Time{}, Invalid("result: pass or fail")
	}
	if !utf8.ValidString(r.Finding) || utf8.RuneCountInString(r.Finding) > syncproto.MaxTextRunes {
		return time.Time{}, Invalid("finding: valid UTF-8, at most 2000 characters")
	}
	if r.Result == ItemFail && strings.TrimSpace(r.Finding) == "" {
		return time.Time{}, Invalid("finding: required when an item fails")
	}
	if r.Owner != "" && !ValidRecordID(r.Owner) {
		return time.Time{}, Invalid("owner: a user id")
	}
	if r.DueBy == "" {
		return time.Time{}, nil
	}
	due, ok := syncproto.ParseOpTime(r.DueBy)
	if !ok || !due.After(now) {
		return time.Time{}, Invalid("due_by: an RFC 3339 time in the future")
	}
	return due, nil
}

// ActionClose is the body of POST
// /v1/inspections/corrective-actions/{action_id}/close.
type ActionClose = syncproto.ActionClose

// ActionFilter selects corrective actions.
type ActionFilter struct {
	Status  string
	Overdue bool
	Cursor  string
	Limit   int
}

// Check validates the filter.
func (f *ActionFilter) Check() error {
	if f.Status != "" && f.Status != ActionOpen && f.Status != ActionClosed {
		return Invalid("status: open or closed")
	}
	return nil
}

// InspectionList is the body of GET /v1/inspections.
type InspectionList struct {
	Inspections []Inspection `json:"inspections"`
	Cursor      string       `json:"cursor"`
	HasMore     bool         `json:"has_more"`
}

// ActionList is the body of GET /v1/inspections/corrective-actions.
type ActionList struct {
	Actions []CorrectiveAction `json:"corrective_actions"`
	Cursor  string             `json:"cursor"`
	HasMore bool               `json:"has_more"`
}

// InspectionService runs the monthly service-quality inspections.
type InspectionService interface {
	// OpenInspection opens a month's inspection and draws its sample; a
	// month already opened → conflict.
	OpenInspection(ctx context.Context, p Principal, r *NewInspection) (*Inspection, error)
	// Inspection returns one; unknown → not_found.
	Inspection(ctx context.Context, id string) (*Inspection, error)
	// ListInspections lists inspections, newest month first.
	ListInspections(ctx context.Context, cursor string, limit int) (*InspectionList, error)
	// MarkItem marks one item pass or fail; marked already → conflict.
	MarkItem(ctx context.Context, p Principal, id, item string, r *ItemMark) (*Inspection, error)
	// ListActions lists corrective actions.
	ListActions(ctx context.Context, f ActionFilter) (*ActionList, error)
	// CloseAction closes an open corrective action; closed → conflict.
	CloseAction(ctx context.Context, p Principal, id string, r *ActionClose) (*CorrectiveAction, error)
}
