package main

import (
	"path/filepath"
	"testing"
	"time"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/syncproto"
)

// generate records n steps of one courier into a fresh outbox file.
func generate(t *testing.T, seed uint64, n int) ([]outcome, *mobileapi.Outbox) {
	t.Helper()
	o, err := mobileapi.Open(filepath.Join(t.TempDir(), "outbox.db"), &mobileapi.Options{DeviceID: "pda-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	g := newGenerator(seed, "1234567890", 7, time.Now)
	out := make([]outcome, n)
	for i := range out {
		if out[i], err = g.step(o); err != nil {
			t.Fatal(err)
		}
	}
	return out, o
}

func TestGeneratedRecordsPassTheHandheldExceptTheInvalidOnes(t *testing.T) {
	const n = 1500
	outs, o := generate(t, 99, n)
	kinds := map[string]int{}
	wants := map[syncproto.Code]int{}
	queued, refused := 0, 0
	for _, out := range outs {
		if out.Surprise != "" {
			t.Errorf("surprise: %s", out.Surprise)
		}
		if out.Refused {
			refused++
			continue
		}
		queued++
		kinds[out.Kind]++
		wants[out.Want]++
	}
	st, err := o.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Pending != queued {
		t.Errorf("outbox holds %d ops, the generator reports %d queued", st.Pending, queued)
	}
	between := func(what string, got int, lo, hi float64) {
		t.Helper()
		if float64(got) < lo*n || float64(got) > hi*n {
			t.Errorf("%s: %d of %d, want %.0f%%–%.0f%%", what, got, n, lo*100, hi*100)
		}
	}
	between("pickups", kinds[syncproto.KindPickup], 0.42, 0.60)
	between("cod receipts", kinds[syncproto.KindCODReceipt], 0.10, 0.19)
	between("complaints", kinds[syncproto.KindComplaint], 0.05, 0.11)
	between("damage reports", kinds[syncproto.KindDamageReport], 0.04, 0.10)
	between("vehicle logs", kinds[syncproto.KindVehicleLog], 0.09, 0.16)
	between("callback outcomes", kinds[syncproto.KindCallbackOutcome], 0.03, 0.08)
	between("refused on the handheld", refused, 0.002, 0.025)
	for _, code := range []syncproto.Code{syncproto.CodeDuplicateWaybill, syncproto.CodeDuplicateReceipt, syncproto.CodeOdometerRegression} {
		if wants[code] == 0 {
			t.Errorf("no op expected to be rejected with %s", code)
		}
	}
	if wants[syncproto.CodeNotAssigned] != kinds[syncproto.KindCallbackOutcome] {
		t.Errorf("%d callback outcomes but %d expected not_assigned: every one must be", kinds[syncproto.KindCallbackOutcome], wants[syncproto.CodeNotAssigned])
	}
}

func TestGeneratorRepeatsItselfForTheSameSeed(t *testing.T) {
	a, _ := generate(t, 5, 300)
	b, _ := generate(t, 5, 300)
	for i := range a {
		if a[i].Kind != b[i].Kind || a[i].Want != b[i].Want || a[i].Refused != b[i].Refused {
			t.Fatalf("step %d: %+v vs %+v", i, a[i], b[i])
		}
	}
}

func TestGeneratorAttachesRealPhotosToTheShareAskedFor(t *testing.T) {
	const n = 90
	run := func(rate float64) ([]outcome, *mobileapi.Outbox) {
		o, err := mobileapi.Open(filepath.Join(t.TempDir(), "outbox.db"), &mobileapi.Options{DeviceID: "pda-test"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { o.Close() })
		g := newGenerator(11, "1234567890", 7, time.Now)
		g.cam, g.photoRate = newCamera(t.TempDir(), 11, 7, time.Now), rate
		out := make([]outcome, n)
		for i := range out {
			if out[i], err = g.step(o); err != nil {
				t.Fatal(err)
			}
		}
		return out, o
	}
	none, noneBox := run(0)
	all, allBox := run(1)

	var reports, big int
	shots := map[string]bool{}
	for i := range all {
		if none[i].Kind != all[i].Kind || none[i].Want != all[i].Want {
			t.Fatalf("step %d: %s/%s with photos, %s/%s without: photos changed the records", i, all[i].Kind, all[i].Want, none[i].Kind, none[i].Want)
		}
		if none[i].RealPhotos || len(none[i].Shots) > 0 {
			t.Errorf("step %d: a photo was taken at photo rate 0", i)
		}
		for _, s := range all[i].Shots {
			shots[s.Digest] = true
			if s.Big {
				big++
			}
		}
		if all[i].Kind == syncproto.KindDamageReport && all[i].OpID != "" {
			reports++
			if !all[i].RealPhotos || len(all[i].Evidence) != 1 || len(all[i].Shots) != 1 || all[i].Evidence[0] != all[i].Shots[0].Digest {
				t.Errorf("step %d: damage report at photo rate 1 carries %v (real %v), shots %+v", i, all[i].Evidence, all[i].RealPhotos, all[i].Shots)
			}
		}
	}
	t.Logf("%d damage reports, %d photos", reports, len(shots))
	if reports == 0 || big != 1 {
		t.Fatalf("%d damage reports, %d big photos: want some reports and exactly one big photo", reports, big)
	}
	queued, err := allBox.Photos()
	if err != nil || len(queued) != len(shots) {
		t.Fatalf("the outbox queues %d photos (%v), the courier took %d", len(queued), err, len(shots))
	}
	for _, p := range queued {
		if !shots[p.Digest] || p.State != mobileapi.PhotoPending {
			t.Errorf("queued photo %s… in state %s was not taken, or is not pending", p.Digest[:12], p.State)
		}
	}
	if ps, _ := noneBox.Photos(); len(ps) != 0 {
		t.Errorf("photo rate 0 queued %d photos", len(ps))
	}
}
