package server

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

func sampleOf(seed []byte, cands []SampleCandidate) []InspectionItem {
	s := NewSampler(seed, "2026-11", 3)
	for _, c := range cands {
		s.Add(c)
	}
	items, _ := s.Items()
	return items
}

func TestTheSampleIsReproducibleAndCoversEveryCourier(t *testing.T) {
	var cands []SampleCandidate
	for i := 0; i < 40; i++ {
		cands = append(cands, SampleCandidate{CourierID: fmt.Sprintf("u%d", i%4), Kind: "pickup", Ref: fmt.Sprintf("pk-%d", i), Primary: true})
	}
	cands = append(cands, SampleCandidate{CourierID: "u9", Kind: "vehicle_log", Ref: "op-1"}) // active through a vehicle log only
	cands = append(cands, SampleCandidate{CourierID: "u0", Kind: "complaint", Ref: "cp-1"})   // u0 has primaries: not drawn
	seed := []byte("0123456789abcdef0123456789abcdef")
	first := sampleOf(seed, cands)
	shuffled := append([]SampleCandidate(nil), cands...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	if again := sampleOf(seed, shuffled); !reflect.DeepEqual(stripKeys(first), stripKeys(again)) {
		t.Fatalf("same seed, other order, other sample:\n%+v\n%+v", first, again)
	}
	per := map[string]int{}
	for _, it := range first {
		per[it.CourierID]++
		if it.Kind == "complaint" {
			t.Fatalf("a secondary candidate drawn for a courier with primaries: %+v", it)
		}
	}
	if len(per) != 5 || per["u0"] != 3 || per["u9"] != 1 {
		t.Fatalf("per courier = %v", per)
	}
	other := sampleOf([]byte("another seed, another sample...."), cands)
	if reflect.DeepEqual(stripKeys(first), stripKeys(other)) {
		t.Fatal("another seed drew the same 13 of 41 items")
	}
}

func stripKeys(items []InspectionItem) []InspectionItem {
	out := append([]InspectionItem(nil), items...)
	for i := range out {
		out[i].sortKey = nil
	}
	return out
}

func TestItemMarksAndActionsAreChecked(t *testing.T) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	for _, bad := range []ItemMark{{Result: "maybe"}, {Result: ItemFail}, {Result: ItemFail, Finding: "x", DueBy: "2020-01-01T00:00:00Z"},
		{Result: ItemPass, Owner: "not an id!"}} {
		if _, err := bad.Check(now); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	a := CorrectiveAction{OpenedAt: now, DueBy: now.Add(time.Hour)}
	if !a.OpenAt(now) || a.OverdueAt(now) || !a.OverdueAt(now.Add(2*time.Hour)) {
		t.Fatal("open action clock")
	}
	closed := now.Add(30 * time.Minute)
	a.ClosedAt = &closed
	if a.OpenAt(now.Add(time.Hour)) || a.OverdueAt(now.Add(2*time.Hour)) {
		t.Fatal("closed action clock")
	}
	if _, err := (&NewInspection{Month: "2026-11", Seed: "XYZ"}).Check(time.UTC, now); err == nil {
		t.Fatal("bad seed accepted")
	}
	if _, err := (&NewInspection{Month: "2027-01"}).Check(time.UTC, now); err == nil {
		t.Fatal("future month accepted")
	}
}
