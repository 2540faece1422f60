package stack_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// The resume test's shape: a ~10 MB photo, cut at this many random byte
// offsets of the client→server stream, all of them within the photo's
// length (so every cut happens: the photo alone must cross the link).
const (
	resumeCuts      = 64
	resumePhotoW    = 2100 // 2100×1600 RGB, stored uncompressed: 10.1 MB
	resumePhotoH    = 1600
	resumeSyncTries = 40
)

// noisyPNG makes a w×h opaque PNG of random pixels, stored without
// compression, so that its size is ~3·w·h bytes and encoding it is cheap.
func noisyPNG(t *testing.T, w, h int, seed uint64) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	var key [32]byte
	key[0] = byte(seed)
	rand.NewChaCha8(key).Read(img.Pix)
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 0xff
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPhotoUploadThroughACuttingLinkResumesAndArrivesWhole(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads a 10 MB photo through 64 cut connections")
	}
	ts := startStack(t, stack.Config{})
	courier := ts.user(t, "courier-r", syncproto.RoleCourier, "console-r")
	disp := ts.user(t, "dispatcher-r", syncproto.RoleDispatcher, "console-d")

	photo := noisyPNG(t, resumePhotoW, resumePhotoH, 7)
	if len(photo) < 10_000_000 || len(photo) > server.MaxBlobBytes {
		t.Fatalf("the photo is %d bytes, want ~10 MB and within the server's limit", len(photo))
	}
	path := filepath.Join(t.TempDir(), "IMG_0001.png")
	if err := os.WriteFile(path, photo, 0o600); err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, strings.TrimPrefix(ts.url, "http://"), resumeCuts, int64(len(photo)), 20261127)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	o, err := mobileapi.Open(filepath.Join(t.TempDir(), "outbox.db"), &mobileapi.Options{
		ServerURL: proxy.URL(), DeviceID: "pda-r", Username: "courier-r", Password: "courier-r-password", Transport: tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })

	digest, err := o.AttachPhoto(path)
	if err != nil {
		t.Fatal(err)
	}
	if digest != digestOf(photo) {
		t.Fatalf("AttachPhoto changed the photo: digest %s, want %s", digest, digestOf(photo))
	}
	if _, err := o.RecordDamageReport(&mobileapi.DamageReport{Waybill: "SF7000000001", Stage: syncproto.StageDelivery,
		Severity: syncproto.SeverityMajor, Description: "box crushed", Photos: []string{digest}}); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	var st *mobileapi.Status
	for try := 1; ; try++ {
		err := o.Sync(context.Background())
		if st, _ = o.Status(); err == nil && st != nil && st.Pending == 0 && st.PhotosPending == 0 {
			break
		}
		if try == resumeSyncTries {
			t.Fatalf("after %d Syncs: %v, status %+v", try, err, st)
		}
	}
	took := time.Since(start)
	sent, cuts := proxy.stats()
	ratio := float64(sent) / float64(len(photo))
	t.Logf("%d-byte photo: %d cuts, %d bytes client→server (%.3f× the photo) in %s", len(photo), cuts, sent, ratio, took.Round(time.Millisecond))

	t.Run("the link was cut at least 50 times", func(t *testing.T) {
		if cuts < 50 {
			t.Fatalf("%d cuts", cuts)
		}
	})
	t.Run("the handheld sent less than twice the photo's size in all", func(t *testing.T) {
		if ratio >= 2 {
			t.Fatalf("%d bytes sent for a %d-byte photo (%.2f×): uploads restarted instead of resuming", sent, len(photo), ratio)
		}
	})
	t.Run("the handheld marks the photo uploaded and holds nothing more", func(t *testing.T) {
		ps, err := o.Photos()
		if err != nil || len(ps) != 1 || ps[0].State != mobileapi.PhotoUploaded || st.PhotosFailed != 0 {
			t.Fatalf("photos %+v (%v), status %+v", ps, err, st)
		}
	})
	t.Run("the uploading courier reads back the exact bytes", func(t *testing.T) {
		resp, body := courier.do(t, "GET", "/v1/blobs/"+digest+"/original", nil, nil)
		if resp.StatusCode != 200 || !bytes.Equal(body, photo) {
			t.Fatalf("original: %d, %d bytes with digest %s; want the %d uploaded bytes", resp.StatusCode, len(body), digestOf(body), len(photo))
		}
	})
	ts.WaitPhotos()
	t.Run("the display copy is served once processed", func(t *testing.T) {
		resp, body := courier.do(t, "GET", "/v1/blobs/"+digest, nil, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("display: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(body))
		if err != nil || cfg.Width != 1600 || cfg.Height != 1600*resumePhotoH/resumePhotoW {
			t.Fatalf("display %dx%d (%v), want 1600x%d", cfg.Width, cfg.Height, err, 1600*resumePhotoH/resumePhotoW)
		}
	})
	t.Run("the dispatcher sees the damage report's photo stored", func(t *testing.T) {
		var list server.DamageReportList
		disp.mustJSON(t, "GET", "/v1/damage-reports?waybill=SF7000000001", nil, 200, &list)
		if len(list.Reports) != 1 || len(list.Reports[0].Photos) != 1 || list.Reports[0].Photos[0].State != server.BlobStored {
			t.Fatalf("reports %+v", list.Reports)
		}
	})
}

// cutProxy forwards TCP connections to a server and cuts them when the
// bytes it has forwarded client→server (over all connections) reach the
// next of a list of positions. At a cut it forwards the bytes up to the
// position, half-closes towards the server, drops whatever the server says
// from then on, and closes the client's side once the server has closed
// its own: a client learns of the cut only after the server has finished
// with the broken request, as with a real network failure noticed by both
// ends.
type cutProxy struct {
	ln     net.Listener
	target string

	mu   sync.Mutex
	sent int64   // client→server bytes forwarded
	cuts []int64 // positions still to cut at, ascending
	made int     // cuts made
	live map[net.Conn]bool
	wg   sync.WaitGroup
}

// newCutProxy starts a proxy to target that cuts at n positions drawn with
// a fixed seed from [1, span).
func newCutProxy(t *testing.T, target string, n int, span int64, seed uint64) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	cuts := make([]int64, n)
	for i := range cuts {
		cuts[i] = 1 + rng.Int64N(span-1)
	}
	slices.Sort(cuts)
	p := &cutProxy{ln: ln, target: target, cuts: cuts, live: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *cutProxy) URL() string { return "http://" + p.ln.Addr().String() }

// stats returns the client→server bytes forwarded and the cuts made.
func (p *cutProxy) stats() (int64, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sent, p.made
}

func (p *cutProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.live {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *cutProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.handle(c)
	}
}

// track registers conns so that close can end them; untrack closes them.
func (p *cutProxy) track(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		p.live[c] = true
	}
}

func (p *cutProxy) untrack(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		delete(p.live, c)
		c.Close()
	}
}

// take accounts for n bytes about to be forwarded client→server and says
// how many of them may go before a cut, and whether to cut.
func (p *cutProxy) take(n int) (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.cuts) > 0 && p.sent+int64(n) >= p.cuts[0] {
		// A position already passed (two within one read) cuts the next
		// read at its first byte.
		allowed := max(0, int(p.cuts[0]-p.sent))
		p.cuts = p.cuts[1:]
		p.sent += int64(allowed)
		p.made++
		return allowed, true
	}
	p.sent += int64(n)
	return n, false
}

func (p *cutProxy) handle(client net.Conn) {
	defer p.wg.Done()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.track(client, server)
	defer p.untrack(client, server)
	// A guard against a hung test, not a synchronisation.
	deadline := time.Now().Add(2 * time.Minute)
	client.SetDeadline(deadline)
	server.SetDeadline(deadline)

	var cut sync.Once
	dropped := make(chan struct{})
	back := make(chan struct{})
	go func() { // server → client, until the server closes
		defer close(back)
		buf := make([]byte, 32<<10)
		for {
			n, err := server.Read(buf)
			select {
			case <-dropped:
				n = 0 // after a cut nothing reaches the client
			default:
			}
			if n > 0 {
				if _, werr := client.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			allowed, cutNow := p.take(n)
			if cutNow {
				cut.Do(func() { close(dropped) })
			}
			if _, werr := server.Write(buf[:allowed]); werr != nil && !errors.Is(werr, net.ErrClosed) {
				break
			}
			if cutNow {
				break
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				cut.Do(func() { close(dropped) }) // the client went away mid-request
			}
			break
		}
	}
	// Half-close towards the server and let it finish with the request.
	server.(*net.TCPConn).CloseWrite()
	<-back
}
