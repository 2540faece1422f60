package stack_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// cutPush sends a push over its own connection and hangs up after
// reading the status line, the headers and keep bytes of the body: the
// server committed and answered, the device never got the whole answer.
func (c *caller) cutPush(t *testing.T, req syncproto.PushRequest, keep int) {
	t.Helper()
	body, _ := json.Marshal(req)
	u, _ := url.Parse(c.url)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r, _ := http.NewRequest("POST", c.url+"/v1/sync/push", bytes.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+c.token)
	r.Header.Set("Content-Type", "application/json")
	if err := r.Write(conn); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), r)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.ContentLength <= int64(keep) {
		t.Fatalf("cut push: %d, %d bytes, want 200 longer than %d", resp.StatusCode, resp.ContentLength, keep)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, keep)); err != nil {
		t.Fatal(err)
	}
}

// Every push's answer is cut mid-body (at a seeded random byte) and the
// device resends the batch, as its outbox does: each op takes effect once
// and the resend answers each with its original result, marked duplicate.
func TestPushAnswersCutMidBodyThenResentTakeEffectOnce(t *testing.T) {
	ts := startQuiet(t, stack.Config{})
	c := ts.user(t, "courier.a", syncproto.RoleCourier, "pda-a")
	rng := rand.New(rand.NewPCG(20261206, 3))
	seq, sent := int64(0), map[string]bool{}
	for b := 0; b < 20; b++ {
		var ops []syncproto.Op
		for i := 0; i < 1+rng.IntN(10); i++ {
			seq++
			op := newOp(syncproto.KindVehicleLog, seq, map[string]any{"vehicle_id": "VAN-1", "type": "odometer", "odometer_km": 1000 + seq})
			ops = append(ops, op)
			sent[op.OpID] = true
		}
		req := syncproto.PushRequest{DeviceID: c.device, Ops: ops}
		c.cutPush(t, req, 1+rng.IntN(40))
		res := c.push(t, ops...)
		for i, r := range res {
			if r.OpID != ops[i].OpID || r.Status != syncproto.StatusApplied || !r.Duplicate {
				t.Fatalf("batch %d: the resend answered %+v, want the original applied result marked duplicate", b, r)
			}
		}
	}
	seen := map[string]int{}
	for cursor := ""; ; {
		var page syncproto.AuditOpList
		ts.root.mustJSON(t, "GET", "/v1/audit/ops?limit=500&cursor="+url.QueryEscape(cursor), nil, 200, &page)
		for _, o := range page.Ops {
			seen[o.OpID]++
		}
		if !page.HasMore {
			break
		}
		cursor = page.Cursor
	}
	for id := range sent {
		if seen[id] != 1 {
			t.Errorf("op %s is in the audit %d times, want once", id, seen[id])
		}
	}
	if len(seen) != len(sent) {
		t.Errorf("the audit holds %d ops, %d were sent", len(seen), len(sent))
	}
	t.Logf("%d ops in 20 batches, every answer cut, every op once", len(sent))
}
