package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// TestPushBodySizeOverARealSocket checks the 4 MiB limit where devices meet
// it: through a TCP listener (app.Test turns an oversize body into a Go
// error instead of a reply).
func TestPushBodySizeOverARealSocket(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "wang")
	base := h.listen(t)
	op := c.op("pickup", pickup(waybill()))

	t.Run("a push of exactly 4 MiB is taken", func(t *testing.T) {
		b := paddedPush(t, c.device, op, syncproto.MaxPushBytes)
		var pr syncproto.PushResponse
		postTo(t, base, c.access, bytes.NewReader(b), int64(len(b))).decode(t, 200, &pr)
		if len(pr.Results) != 1 || pr.Results[0].Status != syncproto.StatusApplied {
			t.Fatalf("results = %s", show(pr.Results))
		}
	})
	t.Run("a push of 4 MiB and one byte is 413 payload_too_large", func(t *testing.T) {
		// A plain socket reads the answer whether or not the server reads
		// the whole body first (net/http may lose it: see the test below).
		rawPost(t, base, c.access, paddedPush(t, c.device, op, syncproto.MaxPushBytes+1)).wantError(t, 413, syncproto.CodePayloadTooLarge)
	})
	t.Run("the server still answers after refusing a big body", func(t *testing.T) {
		b := paddedPush(t, c.device, op, 1<<10)
		var pr syncproto.PushResponse
		postTo(t, base, c.access, bytes.NewReader(b), int64(len(b))).decode(t, 200, &pr)
		if len(pr.Results) != 1 || !pr.Results[0].Duplicate {
			t.Fatalf("the resent pickup = %s, want duplicate", show(pr.Results))
		}
	})
}

// TestAnOversizePushSentWholeIsToldWhy sends bodies over 4 MiB the way a
// handheld's HTTP client does: body and all, without Expect: 100-continue,
// on a kept-alive connection. The device must get the 413, not a reset, or
// it cannot tell "split the batch" from a network failure. The race it
// loses is timing-dependent, so each case tries ten times.
func TestAnOversizePushSentWholeIsToldWhy(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "wang")
	base := h.listen(t)
	op := c.op("pickup", pickup(waybill()))
	small := paddedPush(t, c.device, op, 1<<10)
	for _, tc := range []struct {
		name   string
		size   int
		length func(n int) int64
	}{
		{"4 MiB and one byte with a Content-Length", syncproto.MaxPushBytes + 1, func(n int) int64 { return int64(n) }},
		{"4 MiB and 64 KiB chunked", syncproto.MaxPushBytes + 64<<10, func(int) int64 { return -1 }},
	} {
		t.Run(tc.name+" is 413 payload_too_large every time", func(t *testing.T) {
			big := paddedPush(t, c.device, op, tc.size)
			for i := range 10 {
				client := &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second}
				postWith(t, client, base, c.access, bytes.NewReader(small), int64(len(small))).decode(t, 200, nil)
				r, err := tryPost(client, base, c.access, io.MultiReader(bytes.NewReader(big)), tc.length(len(big)))
				if err != nil {
					t.Fatalf("try %d: %v", i+1, err)
				}
				r.wantError(t, 413, syncproto.CodePayloadTooLarge)
				client.CloseIdleConnections()
			}
		})
	}
}

// paddedPush returns a valid push of op, padded with JSON whitespace to
// exactly n bytes.
func paddedPush(tb testing.TB, device string, op syncproto.Op, n int) []byte {
	tb.Helper()
	b, err := json.Marshal(pushBody{DeviceID: device, Ops: []syncproto.Op{op}})
	if err != nil || n < len(b) {
		tb.Fatalf("a push is already %d bytes (%v)", len(b), err)
	}
	return append(b[:len(b)-1], append(bytes.Repeat([]byte{' '}, n-len(b)), '}')...)
}

// rawPost writes a push to a plain TCP connection, the body from another
// goroutine, and reads the reply while the body is still going out.
func rawPost(tb testing.TB, base, token string, body []byte) reply {
	tb.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	if err := conn.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		tb.Fatal(err)
	}
	head := fmt.Sprintf("POST /v1/sync/push HTTP/1.1\r\nHost: courierd\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n", token, len(body))
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		if _, err := io.WriteString(conn, head); err == nil {
			conn.Write(body) // the server may stop reading: an error is expected then
		}
	}()
	defer func() {
		conn.Close()
		<-wrote
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		tb.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: raw}
}

// postTo sends a push through a real HTTP client; length -1 means chunked.
func postTo(tb testing.TB, base, token string, body io.Reader, length int64) reply {
	tb.Helper()
	return postWith(tb, &http.Client{Timeout: 30 * time.Second}, base, token, body, length)
}

func postWith(tb testing.TB, client *http.Client, base, token string, body io.Reader, length int64) reply {
	tb.Helper()
	r, err := tryPost(client, base, token, body, length)
	if err != nil {
		tb.Fatalf("POST: %v", err)
	}
	return r
}

func tryPost(client *http.Client, base, token string, body io.Reader, length int64) (reply, error) {
	req, err := http.NewRequest("POST", base+"/v1/sync/push", body)
	if err != nil {
		return reply{}, err
	}
	req.ContentLength = length
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: raw}, nil
}
