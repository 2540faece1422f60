package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// The claim and inspection rows of the authorization matrix: each allowed
// caller acts on a record of their own (a filed claim to acknowledge, an
// acknowledged one to decide, a decided one to pay, an inspection month,
// a sampled item, a corrective action).
func init() {
	authzTable = append(authzTable, []authzRow{
		{"POST", "/v1/claims", func(w *authzWorld, _ int) authzReq {
			return authzReq{path: "/v1/claims", body: map[string]any{"waybill": w.per["claim_waybill"][0], "type": "delay",
				"claimed_cents": 100, "filed_at": w.h.clock.Now().Format(time.RFC3339)}}
		}, dispPlus1},
		{"GET", "/v1/claims", fixed("/v1/claims?overdue=true"), dispPlus},
		{"GET", "/v1/claims/:id", fixed("/v1/claims/cl-1"), dispPlus},
		{"POST", "/v1/claims/:id/acknowledge", func(w *authzWorld, who int) authzReq {
			return authzReq{path: "/v1/claims/" + w.mine("claim_ack", who) + "/acknowledge"}
		}, dispPlus},
		{"POST", "/v1/claims/:id/decide", func(w *authzWorld, who int) authzReq {
			return authzReq{path: "/v1/claims/" + w.mine("claim_decide", who) + "/decide", body: map[string]any{"accept_recommendation": true}}
		}, supPlus},
		{"POST", "/v1/claims/:id/payout", func(w *authzWorld, who int) authzReq {
			return authzReq{path: "/v1/claims/" + w.mine("claim_pay", who) + "/payout", body: map[string]any{"amount_cents": 5000, "reference": "BANK-9"}}
		}, supPlus},
		{"POST", "/v1/inspections", func(w *authzWorld, who int) authzReq {
			return authzReq{path: "/v1/inspections", body: map[string]any{"month": w.mine("month", who)}}
		}, supPlus1},
		{"GET", "/v1/inspections", fixed("/v1/inspections"), supPlus},
		{"GET", "/v1/inspections/:id", func(w *authzWorld, _ int) authzReq {
			return authzReq{path: "/v1/inspections/" + w.per["inspection"][0]}
		}, supPlus},
		{"POST", "/v1/inspections/:id/items/:item", func(w *authzWorld, who int) authzReq {
			return authzReq{path: "/v1/inspections/" + w.per["inspection"][0] + "/items/" + w.mine("item", who), body: map[string]any{"result": "pass"}}
		}, supPlus},
		{"GET", "/v1/inspections/corrective-actions", fixed("/v1/inspections/corrective-actions?status=open"), supPlus},
		{"POST", "/v1/inspections/corrective-actions/:id/close", func(w *authzWorld, who int) authzReq {
			return authzReq{path: "/v1/inspections/corrective-actions/" + w.mine("action", who) + "/close", body: map[string]any{"note": "retrained"}}
		}, supPlus},
	}...)
}

// addClaimsAndInspections gives each allowed caller the claims, months,
// items and corrective actions its rows act on.
func (w *authzWorld) addClaimsAndInspections(t *testing.T, wb string) {
	ctx := context.Background()
	disp := server.Principal{UserID: w.s[asDispatcher].userID, Role: syncproto.RoleDispatcher}
	sup := server.Principal{UserID: w.s[asSupervisor].userID, Role: syncproto.RoleSupervisor}
	claimed := int64(5000)
	file := func() string {
		c, err := w.h.db.FileClaim(ctx, disp, &server.NewClaim{Waybill: wb, Type: server.ClaimLoss, ClaimedCents: &claimed,
			FiledAt: w.h.clock.Now().Format(time.RFC3339)})
		if err != nil {
			t.Fatal(err)
		}
		return c.ClaimID
	}
	var ack, dec, pay, months, items, actions [callers]string
	in, err := w.h.db.OpenInspection(ctx, sup, &server.NewInspection{Month: w.h.clock.Now().In(server.DefaultSettings().Location).Format("2006-01")})
	if err != nil || len(in.Items) < 5 {
		t.Fatalf("inspection %+v: %v", in, err)
	}
	for n, i := range []int{asDispatcher, asSupervisor, asAdmin} {
		ack[i], dec[i], pay[i] = file(), file(), file()
		for _, id := range []string{dec[i], pay[i]} {
			if _, err := w.h.db.AcknowledgeClaim(ctx, disp, id); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.h.db.DecideClaim(ctx, sup, pay[i], &server.ClaimDecide{AcceptRecommendation: true}); err != nil {
			t.Fatal(err)
		}
		months[i] = "2025-0" + string(rune('1'+n))
		if i == asDispatcher {
			continue // refused before any item or action matters
		}
		items[i] = in.Items[n].ItemID
		failed, err := w.h.db.MarkItem(ctx, sup, in.InspectionID, in.Items[n+2].ItemID, &server.ItemMark{Result: server.ItemFail, Finding: "no signature"})
		if err != nil {
			t.Fatal(err)
		}
		actions[i] = failed.Items[n+2].ActionID
	}
	w.per["claim_waybill"] = [callers]string{wb}
	w.per["inspection"] = [callers]string{in.InspectionID}
	w.per["claim_ack"], w.per["claim_decide"], w.per["claim_pay"] = ack, dec, pay
	w.per["month"], w.per["item"], w.per["action"] = months, items, actions
}
