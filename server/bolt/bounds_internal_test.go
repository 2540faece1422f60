package bolt

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/google/uuid"
	bbolt "go.etcd.io/bbolt"
)

func openInternal(t *testing.T) (*DB, server.Principal) {
	t.Helper()
	d, err := Open(filepath.Join(t.TempDir(), "courier.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Check(); err != nil {
			t.Errorf("consistency check: %v", err)
		}
		d.Close()
	})
	u := &server.User{Username: "courier", Role: syncproto.RoleCourier, PasswordHash: "x"}
	if err := d.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return d, server.Principal{UserID: u.ID, Role: u.Role, DeviceID: "dev"}
}

func internalOp(kind string, seq int64, at time.Time, payload any) syncproto.Op {
	raw, _ := json.Marshal(payload)
	return syncproto.Op{OpID: uuid.Must(uuid.NewV7()).String(), Seq: seq, Kind: kind, RecordedAt: at.Format(time.RFC3339Nano), Payload: raw}
}

func TestCheckedSumsRejectTheOpThatWouldOverflowAndApplyItsNeighbours(t *testing.T) {
	// A ledger already holding nearly int64's worth (9.2 million receipts
	// of 10^12 would): the next receipt cannot be added without wrapping.
	t.Run("the whole ledger's total is asked first", func(t *testing.T) {
		d, p := openInternal(t)
		seedAgg(t, d, scopeAll, stSettled, math.MaxInt64-1000)
		pushNearOverflow(t, d, p)
	})
	// Should a partial sum ever be fuller than the total (it cannot),
	// the checked addition still refuses the op instead of wrapping, and
	// the push goes on without it.
	t.Run("a partial sum's checked addition refuses the op", func(t *testing.T) {
		d, p := openInternal(t)
		seedAgg(t, d, p.UserID, stCollected, math.MaxInt64-1000)
		pushNearOverflow(t, d, p)
	})
}

func seedAgg(t *testing.T, d *DB, scope string, st byte, sum int64) {
	t.Helper()
	err := d.db.Update(func(tx *bbolt.Tx) error {
		var a ledgerAgg
		if err := a.add(st, 1, sum); err != nil {
			return err
		}
		return tx.Bucket(bucketLedgerBalances).Put([]byte(scope), a.encode())
	})
	if err != nil {
		t.Fatal(err)
	}
}

func pushNearOverflow(t *testing.T, d *DB, p server.Principal) {
	t.Helper()
	party := map[string]any{"name": "王芳", "phone": "13912345678", "address": "文三路 90 号"}
	pk := func(wb string) map[string]any {
		return map[string]any{"waybill": wb, "sender": party, "recipient": party, "weight_g": 1, "declared_value_cents": 0,
			"insured": false, "cod_amount_cents": 5000, "inspected": true}
	}
	now := time.Now()
	ops := []syncproto.Op{
		internalOp("pickup", 1, now, pk("WB-OVER-1")),
		internalOp("cod_receipt", 2, now, map[string]any{"waybill": "WB-OVER-1", "receipt_no": "OVER-1", "amount_cents": 5000, "method": "cash"}),
		internalOp("pickup", 3, now, pk("WB-OVER-2")),
	}
	for round := 0; round < 2; round++ {
		resp, err := d.Push(context.Background(), p, &syncproto.PushRequest{DeviceID: p.DeviceID, Ops: ops})
		if err != nil {
			t.Fatalf("round %d: the push failed as a whole: %v", round, err)
		}
		r := resp.Results
		if r[0].Status != syncproto.StatusApplied || r[2].Status != syncproto.StatusApplied {
			t.Fatalf("round %d: neighbours %+v / %+v", round, r[0], r[2])
		}
		if r[1].Status != syncproto.StatusRejected || r[1].Error.Code != syncproto.CodeValidationFailed || r[1].Error.Message[:len("amount_cents:")] != "amount_cents:" {
			t.Fatalf("round %d: receipt %+v, want validation_failed on amount_cents", round, r[1])
		}
		if r[1].Duplicate != (round == 1) {
			t.Fatalf("round %d: duplicate %v", round, r[1].Duplicate)
		}
	}
	err := d.db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketCOD).Get([]byte("OVER-1")) != nil || tx.Bucket(bucketLedgerReceipts).Get([]byte("OVER-1")) != nil {
			t.Error("the refused receipt left a record")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCheckedAdd(t *testing.T) {
	cases := []struct {
		a, b int64
		ok   bool
	}{
		{1, 2, true}, {math.MaxInt64, 1, false}, {math.MaxInt64 - 1, 1, true}, {math.MinInt64, -1, false},
		{math.MinInt64, 1, true}, {-5, 5, true}, {0, 0, true}, {math.MaxInt64, math.MinInt64, true},
	}
	for _, c := range cases {
		if s, ok := checkedAdd(c.a, c.b); ok != c.ok || ok && s != c.a+c.b {
			t.Errorf("checkedAdd(%d, %d) = %d, %v", c.a, c.b, s, ok)
		}
	}
	if server.SaturatingAddCents(math.MaxInt64, 1) != math.MaxInt64 || server.SaturatingAddCents(math.MinInt64, -1) != math.MinInt64 {
		t.Error("saturatingAdd wraps")
	}
}

// A receipt dated 9999-12-31 stored before the date bounds existed made
// GET /v1/cod/ledger fail for every dispatcher (its due_by, a month later,
// has a five-digit year JSON cannot write). The list must still encode.
func TestALedgerRowOfYear9999StillLists(t *testing.T) {
	d, p := openInternal(t)
	y9999 := time.Date(9999, 12, 31, 12, 0, 0, 0, time.UTC)
	err := d.db.Update(func(tx *bbolt.Tx) error {
		l := d.ledger(tx)
		for i, at := range []time.Time{y9999, time.Now()} {
			row := &ledgerRow{Kind: server.EntryReceipt, ReceiptNo: "OLD-" + string(rune('A'+i)), Waybill: "WB-OLD-1", CourierID: p.UserID,
				AmountCents: 5000, Currency: "CNY", Method: syncproto.MethodCash, CollectedAt: at, WrittenAt: time.Now()}
			if err := l.insert(row, &custody{State: stCollected}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []server.LedgerFilter{{}, {Overdue: true}, {CourierID: p.UserID}, {From: y9999}} {
		page, err := d.ListLedger(context.Background(), f)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		if _, err := json.Marshal(page); err != nil {
			t.Fatalf("%+v: the page does not encode: %v", f, err)
		}
	}
	bal, err := d.CODBalances(context.Background(), p.UserID, "", 10)
	if err != nil || len(bal.Balances) != 1 || bal.Balances[0].CollectedCents != 10000 {
		t.Fatalf("balance %+v, %v", bal, err)
	}
}
