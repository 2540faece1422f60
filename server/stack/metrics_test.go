package stack_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/server/push/pushtest"
	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// scrape reads /metrics without a token, as Prometheus does.
func (ts *testServer) scrape(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(ts.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return string(body)
}

// sample returns the value of the series with exactly these labels, or -1.
func sample(text, series string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// A realistic run: pushes with personal data (applied, resent, refused),
// a callback that wakes a handheld through FCM, a photo, and requests
// whose paths and queries carry a phone number. The operator sees all of
// it in /metrics and the access log, and neither holds personal data.
func TestMetricsAndAccessLogShowTheRunWithoutPersonalData(t *testing.T) {
	fake := pushtest.New()
	defer fake.Close()
	var logs logBuffer
	ts := startQuiet(t, stack.Config{FCMEndpoint: fake.URL, FCMProjectID: "p", Logger: debugLogger(&logs)})
	disp := ts.user(t, "disp", syncproto.RoleDispatcher, "console-1")
	li := ts.courierWithToken(t, "li.si", courierName, "pda-li", "tok-li-pda")

	party := map[string]any{"name": customerName, "phone": customerPhone, "address": customerAddress}
	pickup := newOp(syncproto.KindPickup, 1, map[string]any{"waybill": "SF1234567890", "sender": party, "recipient": party,
		"weight_g": 1200, "declared_value_cents": 5000, "insured": false, "cod_amount_cents": 0, "inspected": true})
	li.push(t, pickup)
	li.push(t, pickup) // a resend: duplicate
	bogus := newOp("kind-"+customerPhone, 2, map[string]any{"waybill": "SF1234567890"})
	if r := li.push(t, bogus); r[0].Status != syncproto.StatusRejected {
		t.Fatalf("bogus kind: %+v", r[0])
	}
	disp.createTask(t, li.userID, "SF1234567890")
	if _, err := fake.Wait(waitFor, func(ms []pushtest.Message) bool { return len(ms) > 0 }); err != nil {
		t.Fatal(err)
	}
	img := noisyJPEG(t, 320, 240, 7)
	if resp, data := li.putBlob(t, digestOf(img), img); resp.StatusCode != 201 {
		t.Fatalf("photo: %d %s", resp.StatusCode, data)
	}
	ts.WaitPhotos()
	li.do(t, "POST", "/v1/callbacks/"+customerPhone+"/contact", nil, nil)
	disp.do(t, "GET", "/v1/callbacks?courier_id="+customerPhone+"&waybill=SF1234567890", nil, nil)
	li.do(t, "GET", "/no/such/"+customerPhone, nil, nil)

	text := ts.scrape(t)
	for _, want := range []struct {
		series  string
		atLeast float64
	}{
		{`courierd_http_requests_total{method="POST",route="/v1/sync/push",status="200"}`, 3},
		{`courierd_http_requests_total{method="GET",route="/v1/callbacks",status="200"}`, 1},
		{`courierd_http_requests_total{method="GET",route="unmatched",status="404"}`, 1},
		{`courierd_sync_ops_total{code="",kind="pickup",status="applied"}`, 1},
		{`courierd_sync_ops_total{code="",kind="pickup",status="duplicate"}`, 1},
		{`courierd_sync_ops_total{code="unknown_kind",kind="other",status="rejected"}`, 1},
		{`courierd_store_commit_group_jobs_count`, 3},
		{`courierd_store_commit_seconds_count`, 3},
		{`courierd_fcm_sends_total{outcome="sent"}`, 1},
		{`courierd_photo_jobs_total{outcome="done"}`, 1},
		{`courierd_photo_job_seconds_count`, 1},
		{`courierd_store_write_queue`, 0},
		{`courierd_photo_queue`, 0},
	} {
		if got := sample(text, want.series); got < want.atLeast {
			t.Errorf("%s = %v, want at least %v", want.series, got, want.atLeast)
		}
	}
	if strings.Contains(text, `route="/v1/callbacks/`+customerPhone) || !strings.Contains(text, `route="/v1/callbacks/:id/contact"`) {
		t.Error("a route label is a raw path, not the route's pattern")
	}
	t.Run("no name, phone, waybill or username in any metric name or label", func(t *testing.T) {
		sc := bufio.NewScanner(strings.NewReader(text))
		for sc.Scan() {
			line := sc.Text()
			if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") {
				line = line[:i] // the sample's value is a number, not a label
			}
			for _, v := range []string{customerName, customerPhone, customerAddress, courierName, "SF1234567890", "li.si", "disp", "tok-li-pda"} {
				if strings.Contains(line, v) {
					t.Errorf("metric line carries %q: %s", v, line)
				}
			}
		}
	})

	ts.quiesce()
	t.Run("every request has an access log line with id, route, status, duration and user", func(t *testing.T) {
		var lines []map[string]any
		dec := json.NewDecoder(bytes.NewReader([]byte(logs.String())))
		for dec.More() {
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			if m["msg"] == "request" {
				lines = append(lines, m)
			}
		}
		if len(lines) < 10 {
			t.Fatalf("%d access log lines", len(lines))
		}
		pushes := 0
		for _, m := range lines {
			if m["level"] != "INFO" || m["request_id"] == "" || m["route"] == "" || m["status"] == nil || m["duration_ms"] == nil {
				t.Errorf("access log line lacks a field: %v", m)
			}
			if m["route"] == "/v1/sync/push" {
				pushes++
				if m["user_id"] != li.userID {
					t.Errorf("push logged with user %v, want %s", m["user_id"], li.userID)
				}
			}
		}
		if pushes != 3 {
			t.Errorf("%d push lines, want 3", pushes)
		}
	})
	t.Run("the log holds no body, query value or raw path", func(t *testing.T) {
		assertNoPersonalData(t, "the server log", []byte(logs.String()))
		if regexp.MustCompile(`SF1234567890|courier_id=|/no/such`).MatchString(logs.String()) {
			t.Fatalf("the log carries a query or a raw path:\n%s", logs.String())
		}
	})
}
