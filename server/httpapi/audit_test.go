package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestAuditOpsListsEveryOpOnceAcrossPages(t *testing.T) {
	h := newHarness(t)
	sup := h.user(t, "boss", syncproto.RoleSupervisor)
	couriers := []*session{h.courier(t, "wang"), h.courier(t, "zhao"), h.courier(t, "sun")}
	second := h.login(t, "wang", "dev-wang-2")
	devices := append(couriers, second)

	// Interleave pushes of the devices so filtered pages skip others' ops.
	var order []syncproto.Op
	byDevice := map[string][]syncproto.Op{}
	for round := range 5 {
		for _, s := range devices {
			ops := []syncproto.Op{s.op("pickup", pickup(waybill())), s.op("pickup", with(pickup(waybill()), "inspected", false))}
			if round%2 == 0 {
				ops = append(ops, s.op("complaint", complaint(h.clock.Now())))
			}
			s.pushOK(t, ops...)
			s.pushOK(t, ops[0]) // a resend: not a new audit entry
			order = append(order, ops...)
			byDevice[s.device] = append(byDevice[s.device], ops...)
		}
	}

	for _, limit := range []int{1, 7, 100, 500} {
		t.Run(fmt.Sprintf("pages of %d list every op once, in the order taken", limit), func(t *testing.T) {
			got := h.auditAll(t, sup.access, "", limit)
			if len(got) != len(order) {
				t.Fatalf("%d entries, want %d", len(got), len(order))
			}
			for i, e := range got {
				if !strings.EqualFold(e.OpID, order[i].OpID) {
					t.Fatalf("entry %d is %s, want %s", i, e.OpID, order[i].OpID)
				}
			}
		})
	}
	for _, s := range devices {
		t.Run("filtered by device "+s.device+" lists exactly that device's ops", func(t *testing.T) {
			got := h.auditAll(t, sup.access, s.device, 2)
			want := byDevice[s.device]
			if len(got) != len(want) {
				t.Fatalf("%d entries, want %d", len(got), len(want))
			}
			for i, e := range got {
				if !strings.EqualFold(e.OpID, want[i].OpID) || e.Seq != want[i].Seq || e.CourierID != s.userID {
					t.Fatalf("entry %d = %s, want op %s seq %d of %s", i, show(e), want[i].OpID, want[i].Seq, s.userID)
				}
			}
		})
	}
	t.Run("an entry says what was taken and what became of it", func(t *testing.T) {
		got := h.auditAll(t, sup.access, couriers[1].device, 500)
		ok, bad := got[0], got[1]
		if ok.Kind != "pickup" || ok.Status != syncproto.StatusApplied || ok.ErrorCode != "" || ok.RecordedAt == "" || ok.ReceivedAt.IsZero() || ok.CourierID != couriers[1].userID {
			t.Errorf("applied entry = %s", show(ok))
		}
		if bad.Status != syncproto.StatusRejected || bad.ErrorCode != syncproto.CodeInspectionRequired {
			t.Errorf("rejected entry = %s", show(bad))
		}
	})
	t.Run("a device that pushed nothing has an empty audit", func(t *testing.T) {
		if got := h.auditAll(t, sup.access, "dev-nobody", 10); len(got) != 0 {
			t.Fatalf("got %d entries", len(got))
		}
	})
	for _, q := range []string{"limit=0", "limit=501", "cursor=abc", "cursor=-1"} {
		t.Run("an audit query with "+q+" is 400", func(t *testing.T) {
			h.do(t, "GET", "/v1/audit/ops?"+q, sup.access, nil).wantError(t, 400, syncproto.CodeInvalidRequest)
		})
	}
}
