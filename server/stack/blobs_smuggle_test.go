package stack_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// smuggled is a whole second request hidden in the tail of a body.
func smuggled(token string) string {
	body := `{"fcm_token":"smuggled-token"}`
	return fmt.Sprintf("PUT /v1/devices/self/push-token HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", token, len(body), body)
}

// TestBytesPastUploadLengthAreNeverARequest is the attack of issue 8 item
// 5: a PATCH whose body runs past its Upload-Length carries a second
// request; the server must not execute it.
func TestBytesPastUploadLengthAreNeverARequest(t *testing.T) {
	ts := startStack(t, stack.Config{})
	photo := noisyJPEG(t, 900, 700, 51) // large enough to be streamed
	cases := []struct {
		name          string
		offset, total int
		chunk         []byte
	}{
		{"a whole upload in one chunk with a request after it", 0, len(photo), photo},
		{"a first chunk declared shorter than its body", 0, len(photo), photo[:100]},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := ts.user(t, fmt.Sprintf("courier-%d", i), syncproto.RoleCourier, fmt.Sprintf("dev-%d", i))
			d := digestOf(photo)
			if i == 1 {
				photo2 := noisyJPEG(t, 900, 700, 52)
				d, tc.total, tc.chunk = digestOf(photo2), len(photo2), photo2[:len(photo2)-10]
			}
			tail := smuggled(a.token)
			conn, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(20 * time.Second))
			body := append(bytes.Clone(tc.chunk), tail...)
			if i == 1 {
				// The chunk claims to fill the upload past its length.
				body = append(bytes.Clone(tc.chunk), bytes.Repeat([]byte{0}, 10)...)
				body = append(body, tail...)
			}
			fmt.Fprintf(conn, "PATCH /v1/blobs/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
				"Content-Type: application/offset+octet-stream\r\nUpload-Offset: %d\r\nUpload-Length: %d\r\nContent-Length: %d\r\n\r\n",
				d, a.token, tc.offset, tc.total, len(body))
			conn.Write(body)
			r := bufio.NewReader(conn)
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				t.Fatalf("no answer to the PATCH: %v", err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode/100 != 4 {
				t.Errorf("PATCH whose body is longer than the upload: %d, want a 4xx refusal", resp.StatusCode)
			}
			// Fixed, the server closes the connection at once; the deadline
			// only bounds the wait of a server that keeps it open.
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			if second, err := http.ReadResponse(r, nil); err == nil {
				t.Errorf("the bytes past the upload were answered as a request: %d", second.StatusCode)
			}
			if tok, _ := ts.DB.PushToken(a.userID, fmt.Sprintf("dev-%d", i)); tok != "" {
				t.Fatalf("the smuggled push-token PUT was stored: %q", tok)
			}
		})
	}
}
