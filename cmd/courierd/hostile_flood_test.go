//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/google/uuid"
)

// Item 7: 600 connections × 500 ops from one courier drove memory to
// 3.4 GB and another courier's one-op push to 7–15 s. The flooder's extra
// pushes are now refused (429) before their bodies are decoded, the writer
// takes couriers in turn and caps its groups, so the other courier's
// pushes go on.
//
// The flood comes from a process of its own (this test binary run as
// TestHostileFloodGenerator), as an attacker's would from their own
// machine: measured from inside the flooding process, the victim's
// latency was mostly the wait of its goroutine behind 600 busy ones. The
// two processes still share this machine's cores with the server.
//
// Set HOSTILE_FLOOD_CONNS to change the number of flooding connections
// (default 600; 150 with the race detector, whose server is several times
// slower) and HOSTILE_DEBUG_ADDR (127.0.0.1:port) to profile the server.
// For the figure, run it without -race:
// go test -run TestHostileDataFlood -v ./cmd/courierd/
func TestHostileDataFloodDoesNotSlowOthers(t *testing.T) {
	var env []string
	if a := os.Getenv("HOSTILE_DEBUG_ADDR"); a != "" {
		env = append(env, "COURIERD_DEBUG_ADDR="+a)
	}
	h := startHostile(t, env...)
	_, flooder := h.user("flood-courier", syncproto.RoleCourier, "pda-flood")
	_, victim := h.user("calm-courier", syncproto.RoleCourier, "pda-calm")
	conns, samples, warmup := 600, 200, 5*time.Second
	if raceEnabled {
		conns, samples, warmup = 150, 40, time.Second
	}
	if n, err := strconv.Atoi(os.Getenv("HOSTILE_FLOOD_CONNS")); err == nil && n > 0 {
		conns = n
	}

	// The victim's latency with no flood, for comparison: the machine
	// may be loaded by other work, and the figure that matters is what
	// the flood adds.
	calm := func(n, from int, every time.Duration) []time.Duration {
		lat := make([]time.Duration, 0, n)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for i := from; i < from+n; i++ {
			<-tick.C
			op := hostileOp("cod_receipt", int64(i+1), time.Now(), receipt("SF-CALM-01", "CALM-"+strconv.Itoa(i), 100))
			t0 := time.Now()
			r := h.push(victim, "pda-calm", time.Now().Format(time.RFC3339Nano), op)[0]
			lat = append(lat, time.Since(t0))
			wantApplied(t, r)
		}
		slices.Sort(lat)
		return lat
	}
	base := calm(10, 0, time.Millisecond)

	// The flood runs a while before the victim's pushes (the store and
	// the server's memory grow), and they are spread over seconds of it.
	gen := startFlood(t, h.s.url(), flooder, "pda-flood", conns)
	cpu0, wall0 := serverCPU(h.s), time.Now()
	time.Sleep(warmup)
	lat := calm(samples, 10, 50*time.Millisecond)
	health := make([]time.Duration, 0, 20)
	for i := 0; i < 20; i++ {
		t0 := time.Now()
		var body map[string]any
		h.get("", "/healthz", &body)
		health = append(health, time.Since(t0))
	}
	slices.Sort(health)
	cpu, wall := serverCPU(h.s)-cpu0, time.Since(wall0)
	n := gen.stop(t)
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	t.Logf("flood: %d connections × 500 ops: %d pushes applied, %d refused 429, %d other (cut at the end); "+
		"victim one-op push under flood p50 %v, p99 %v (without flood p50 %v, p99 %v); /healthz under flood p50 %v, max %v; server peak RSS %s; server CPU %v in %v of flood",
		conns, n.OK, n.Busy, n.Other, p50, p99, base[len(base)/2], base[len(base)-1], health[10], health[19], peakRSS(h.s),
		cpu, wall.Round(time.Second))
	if n.Busy == 0 {
		t.Errorf("the flooder was never refused: the per-courier share is not enforced")
	}
	// A generous bound (the goal is 1 s at p99 on an idle machine; this
	// test shares two cores with the flood's own client and perhaps the
	// race detector).
	if p99 > 20*time.Second {
		t.Errorf("victim p99 %v", p99)
	}
}

// floodCounts is what the flood generator saw of its pushes.
type floodCounts struct{ OK, Busy, Other int64 }

// flood is a running flood generator process.
type flood struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

// startFlood runs the generator against base as the courier with token
// on device, over conns connections, and returns once every connection
// is sending.
func startFlood(t *testing.T, base, token, device string, conns int) *flood {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostileFloodGenerator$", "-test.v=false")
	cmd.Env = append(os.Environ(), "HOSTILE_FLOOD_GENERATOR=1", "HOSTILE_FLOOD_URL="+base,
		"HOSTILE_FLOOD_TOKEN="+token, "HOSTILE_FLOOD_DEVICE="+device, "HOSTILE_FLOOD_N="+strconv.Itoa(conns))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f := &flood{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for f.out.Scan() {
		if f.out.Text() == "ready" {
			return f
		}
	}
	t.Fatalf("the flood generator ended before it was ready: %v", f.out.Err())
	return nil
}

// stop ends the flood and returns its counts.
func (f *flood) stop(t *testing.T) floodCounts {
	t.Helper()
	_ = f.stdin.Close()
	var n floodCounts
	for f.out.Scan() {
		if err := json.Unmarshal(f.out.Bytes(), &n); err == nil {
			break
		}
	}
	if err := f.cmd.Wait(); err != nil {
		t.Fatalf("flood generator: %v", err)
	}
	return n
}

// TestHostileFloodGenerator is the flooding process of
// TestHostileDataFloodDoesNotSlowOthers; alone, it skips. It pushes 500
// fresh COD receipts at a time from HOSTILE_FLOOD_N connections until its
// stdin closes, prints "ready" once every connection is sending, and its
// counts as JSON at the end.
func TestHostileFloodGenerator(t *testing.T) {
	if os.Getenv("HOSTILE_FLOOD_GENERATOR") != "1" {
		t.Skip("run by TestHostileDataFloodDoesNotSlowOthers")
	}
	conns, _ := strconv.Atoi(os.Getenv("HOSTILE_FLOOD_N"))
	url := os.Getenv("HOSTILE_FLOOD_URL") + "/v1/sync/push"
	token, device := os.Getenv("HOSTILE_FLOOD_TOKEN"), os.Getenv("HOSTILE_FLOOD_DEVICE")
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	client := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	stop := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stop) }()

	var (
		wg, ready       sync.WaitGroup
		seq             atomic.Int64
		ok, busy, other atomic.Int64
	)
	ready.Add(conns)
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for first := true; ; first = false {
				select {
				case <-stop:
					return
				default:
				}
				if first {
					ready.Done()
				}
				switch floodPush(client, url, token, floodBody(device, &seq, 500)) {
				case http.StatusOK:
					ok.Add(1)
				case http.StatusTooManyRequests:
					busy.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	ready.Wait()
	os.Stdout.WriteString("ready\n")
	wg.Wait()
	b, _ := json.Marshal(floodCounts{OK: ok.Load(), Busy: busy.Load(), Other: other.Load()})
	os.Stdout.Write(append(b, '\n'))
}

// floodPush sends one push and returns its status (0 when it failed).
func floodPush(client *http.Client, url, token string, body []byte) int {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(syncproto.ProtocolHeader, strconv.Itoa(syncproto.ProtocolVersion))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// floodBody is one push of n fresh COD receipts.
func floodBody(device string, seq *atomic.Int64, n int) []byte {
	b := make([]byte, 0, n*200)
	b = append(b, `{"device_id":`...)
	b = strconv.AppendQuote(b, device)
	b = append(b, `,"ops":[`...)
	at := strconv.Quote(time.Now().Format(time.RFC3339Nano))
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		s := seq.Add(1)
		b = append(b, `{"op_id":"`...)
		b = append(b, uuid.Must(uuid.NewV7()).String()...)
		b = append(b, `","seq":`...)
		b = strconv.AppendInt(b, s, 10)
		b = append(b, `,"kind":"cod_receipt","recorded_at":`...)
		b = append(b, at...)
		b = append(b, `,"payload":{"waybill":"SF-FLOOD-`...)
		b = strconv.AppendInt(b, s%100000, 10)
		b = append(b, `","receipt_no":"F-`...)
		b = append(b, device...)
		b = append(b, '-')
		b = strconv.AppendInt(b, s, 10)
		b = append(b, `","amount_cents":100,"method":"cash"}}`...)
	}
	return append(b, "]}"...)
}
