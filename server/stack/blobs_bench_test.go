package stack_test

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"sync"
	"testing"

	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// BenchmarkUpload50x3MB puts 50 photos of 3 MB at once over loopback and
// reports MB/s of request bodies taken (fsynced and renamed into place).
// Each body is a small real JPEG padded to 3 MB after its end marker, so
// the image pipeline finishes in no time and the figure is the upload path.
func BenchmarkUpload50x3MB(b *testing.B) {
	ts := startStack(b, stack.Config{})
	c := ts.user(b, "bench-uploader", syncproto.RoleCourier, "dev-b")
	head := noisyJPEG(b, 64, 48, 9)
	const n, size = 50, 3 << 20
	b.SetBytes(n * size)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		bodies, names := make([][]byte, n), make([]string, n)
		for j := range bodies {
			body := make([]byte, size)
			copy(body, head)
			rand.Read(body[len(head):])
			bodies[j], names[j] = body, digestOf(body)
		}
		b.StartTimer()
		var wg sync.WaitGroup
		for j, body := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("PUT", c.url+"/v1/blobs/"+names[j], bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+c.token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != 201 {
					b.Errorf("upload: %v %v", resp, err)
					return
				}
				resp.Body.Close()
			}()
		}
		wg.Wait()
	}
}
