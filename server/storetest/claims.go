package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// claimBehaviours cover server.ClaimService (and through it the store's
// server.ClaimTx).
var claimBehaviours = []behaviour{
	{"a claim moves filed, acknowledged, decided, paid, one step at a time", claimLifecycle},
	{"claims without a pickup, with an unknown complaint or past the window are refused", claimRefusals},
	{"two payouts at once: exactly one wins", claimPayoutOneWins},
	{"claims list in filing order, filtered and paged", claimList},
}

func (w *world) fileClaim(waybill string, cents int64) *server.Claim {
	w.t.Helper()
	c, err := w.s.Claims.FileClaim(w.ctx, w.disp, &server.NewClaim{Waybill: waybill, Type: server.ClaimLoss, ClaimedCents: ptr(cents), FiledAt: w.now().Format(time.RFC3339)})
	if err != nil {
		w.t.Fatalf("FileClaim(%s): %v", waybill, err)
	}
	return c
}

func claimLifecycle(t *testing.T, w *world) {
	a := w.courier("courier-a")
	a.apply(syncproto.KindPickup, pickup("WB-CL-001", 0))
	c := w.fileClaim("WB-CL-001", 700)
	if c.Status != syncproto.ClaimFiled || c.ClaimID == "" || c.Recommendation == nil || c.CourierID != a.p.UserID {
		t.Fatalf("filed claim %+v", c)
	}
	_, err := w.s.Claims.DecideClaim(w.ctx, w.sup, c.ClaimID, &server.ClaimDecide{AcceptRecommendation: true})
	wantCode(t, err, syncproto.CodeConflict) // not acknowledged yet
	_, err = w.s.Claims.PayClaim(w.ctx, w.sup, c.ClaimID, &server.ClaimPay{AmountCents: ptr(int64(700)), Reference: "B"})
	wantCode(t, err, syncproto.CodeConflict) // not decided
	ack, err := w.s.Claims.AcknowledgeClaim(w.ctx, w.disp, c.ClaimID)
	if err != nil || ack.Status != syncproto.ClaimAcknowledged || ack.AcknowledgedAt == nil {
		t.Fatalf("acknowledge %+v, %v", ack, err)
	}
	_, err = w.s.Claims.AcknowledgeClaim(w.ctx, w.disp, c.ClaimID)
	wantCode(t, err, syncproto.CodeConflict)
	_, err = w.s.Claims.DecideClaim(w.ctx, w.sup, c.ClaimID, &server.ClaimDecide{AmountCents: ptr(int64(701)), Reason: "more than claimed"})
	wantCode(t, err, syncproto.CodeUnprocessable)
	d, err := w.s.Claims.DecideClaim(w.ctx, w.sup, c.ClaimID, &server.ClaimDecide{AcceptRecommendation: true})
	if err != nil || d.Status != syncproto.ClaimDecided || d.Decision == nil || d.Decision.RuleSetVersion != server.DefaultClaimRules().Version {
		t.Fatalf("decide %+v, %v", d, err)
	}
	amount := d.Decision.AmountCents
	_, err = w.s.Claims.PayClaim(w.ctx, w.sup, c.ClaimID, &server.ClaimPay{AmountCents: ptr(amount + 1), Reference: "B"})
	wantCode(t, err, syncproto.CodeUnprocessable)
	p, err := w.s.Claims.PayClaim(w.ctx, w.sup, c.ClaimID, &server.ClaimPay{AmountCents: ptr(amount), Reference: "BANK-1"})
	if err != nil || p.Status != syncproto.ClaimPaid || p.Payout == nil || p.Payout.AmountCents != amount || p.Payout.By != w.sup.UserID {
		t.Fatalf("pay %+v, %v", p, err)
	}
	got, err := w.s.Claims.Claim(w.ctx, c.ClaimID)
	if err != nil || got.Status != syncproto.ClaimPaid || len(got.History) < 3 {
		t.Fatalf("stored claim %+v, %v", got, err)
	}
	_, err = w.s.Claims.Claim(w.ctx, "cl-999999")
	wantCode(t, err, syncproto.CodeNotFound)
	for _, action := range []string{server.ActionClaimFile, server.ActionClaimAcknowledge, server.ActionClaimDecide, server.ActionClaimPayout} {
		if n := len(w.events(action)); n != 1 {
			t.Fatalf("%d %s events, want 1", n, action)
		}
	}
}

func claimRefusals(t *testing.T, w *world) {
	a := w.courier("courier-a")
	a.apply(syncproto.KindPickup, pickup("WB-CL-002", 0))
	file := func(r server.NewClaim) error {
		_, err := w.s.Claims.FileClaim(w.ctx, w.disp, &r)
		return err
	}
	now := w.now().Format(time.RFC3339)
	wantCode(t, file(server.NewClaim{Waybill: "WB-NONE-01", Type: server.ClaimLoss, ClaimedCents: ptr(int64(100)), FiledAt: now}), syncproto.CodeUnprocessable)
	wantCode(t, file(server.NewClaim{Waybill: "WB-CL-002", Type: server.ClaimLoss, ClaimedCents: ptr(int64(100)), FiledAt: now, ComplaintID: "cp-404"}), syncproto.CodeUnprocessable)
	wantCode(t, file(server.NewClaim{Waybill: "WB-CL-002", Type: "theft", ClaimedCents: ptr(int64(100)), FiledAt: now}), syncproto.CodeInvalidRequest)
	wantCode(t, file(server.NewClaim{Waybill: "WB-CL-002", Type: server.ClaimLoss, FiledAt: now}), syncproto.CodeInvalidRequest)
	w.clock.Advance(time.Duration(server.DefaultClaimRules().WindowDays+30) * 24 * time.Hour)
	late := server.NewClaim{Waybill: "WB-CL-002", Type: server.ClaimLoss, ClaimedCents: ptr(int64(100)), FiledAt: w.now().Format(time.RFC3339)}
	wantCode(t, file(late), syncproto.CodeClaimWindowClosed)
	if l, err := w.s.Claims.ListClaims(w.ctx, server.ClaimFilter{Limit: 10}); err != nil || len(l.Claims) != 0 {
		t.Fatalf("refused claims were kept: %+v, %v", l, err)
	}
}

func claimPayoutOneWins(t *testing.T, w *world) {
	a := w.courier("courier-a")
	a.apply(syncproto.KindPickup, pickup("WB-CL-009", 0))
	c := w.fileClaim("WB-CL-009", 700)
	if _, err := w.s.Claims.AcknowledgeClaim(w.ctx, w.disp, c.ClaimID); err != nil {
		t.Fatal(err)
	}
	d, err := w.s.Claims.DecideClaim(w.ctx, w.sup, c.ClaimID, &server.ClaimDecide{AcceptRecommendation: true})
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.s.Claims.PayClaim(w.ctx, w.sup, c.ClaimID, &server.ClaimPay{AmountCents: ptr(d.Decision.AmountCents), Reference: fmt.Sprint("B", i)})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			wantCode(t, err, syncproto.CodeConflict)
		}
	}
	if won != 1 || len(w.events(server.ActionClaimPayout)) != 1 {
		t.Fatalf("%d payouts went through (%v), want exactly 1 and one event", won, errs)
	}
}

func claimList(t *testing.T, w *world) {
	a := w.courier("courier-a")
	var ids []string
	for i := 0; i < 4; i++ {
		wb := fmt.Sprintf("WB-CL-1%02d", i)
		a.apply(syncproto.KindPickup, pickup(wb, 0))
		ids = append(ids, w.fileClaim(wb, 100).ClaimID)
	}
	if _, err := w.s.Claims.AcknowledgeClaim(w.ctx, w.disp, ids[2]); err != nil {
		t.Fatal(err)
	}
	var got []string
	cursor := ""
	for {
		l, err := w.s.Claims.ListClaims(w.ctx, server.ClaimFilter{Cursor: cursor, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range l.Claims {
			got = append(got, c.ClaimID)
		}
		if !l.HasMore {
			break
		}
		cursor = l.Cursor
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("claims %v, want filing order %v", got, ids)
	}
	if l, err := w.s.Claims.ListClaims(w.ctx, server.ClaimFilter{Status: syncproto.ClaimAcknowledged, Limit: 10}); err != nil || len(l.Claims) != 1 || l.Claims[0].ClaimID != ids[2] {
		t.Fatalf("acknowledged claims %+v, %v", l, err)
	}
	if l, err := w.s.Claims.ListClaims(w.ctx, server.ClaimFilter{Waybill: "WB-CL-101", Limit: 10}); err != nil || len(l.Claims) != 1 || l.Claims[0].ClaimID != ids[1] {
		t.Fatalf("one waybill's claims %+v, %v", l, err)
	}
}
