package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/push/pushtest"
	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// BenchmarkCallbackWakeUps creates 10,000 callback tasks over HTTP for
// 1,000 couriers (each with a registered FCM token) from 32 concurrent
// dispatcher clients, against the real stack and a fake FCM on loopback.
// It reports tasks/s of creation and, per task, the time from sending the
// create request to the fake receiving a wake-up that covers it: the first
// message to the courier's token carrying that task or a later one of the
// same courier (wake-ups coalesce; one pull fetches every task before it).
//
//	go test ./server/stack -run '^$' -bench CallbackWakeUps -benchtime 1x
func BenchmarkCallbackWakeUps(b *testing.B) {
	const (
		couriers = 1000
		tasks    = 10_000
		clients  = 32
	)
	fake := pushtest.New()
	defer fake.Close()
	s, err := stack.Open(context.Background(), stack.Config{DataDir: b.TempDir(), BootstrapAdmin: "root:root-password",
		BcryptCost: 4, FCMEndpoint: fake.URL, FCMProjectID: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Shutdown(10 * time.Second)
	base, err := s.Start()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()

	// Couriers and their tokens, straight into the store (setup).
	ids := make([]string, couriers)
	var wg sync.WaitGroup
	errs := make(chan error, couriers)
	sem := make(chan struct{}, 64)
	for i := range couriers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			u := &server.User{Username: fmt.Sprintf("courier-%04d", i), Role: syncproto.RoleCourier, PasswordHash: "x"}
			if err := s.DB.CreateUser(ctx, u); err != nil {
				errs <- err
				return
			}
			ids[i] = u.ID
			p := server.Principal{UserID: u.ID, Role: u.Role, DeviceID: "pda"}
			if err := s.DB.SetPushToken(ctx, p, "tok-"+u.ID); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2}}
	token := benchLogin(b, hc, base, "root", "root-password")
	body, _ := json.Marshal(syncproto.CreateUserRequest{Username: "disp", Password: "disp-password", Role: syncproto.RoleDispatcher})
	if !benchDo(b, hc, base, token, "POST", "/v1/admin/users", body, 201, nil) {
		b.FailNow()
	}
	token = benchLogin(b, hc, base, "disp", "disp-password")

	type created struct {
		courier string
		seq     uint64
		start   time.Time
	}
	var (
		results  []created
		elapsed  time.Duration
		messages int
	)
	b.ResetTimer()
	for range b.N {
		results = make([]created, tasks)
		before := len(fake.Messages())
		var next atomic.Int64
		started := time.Now()
		var cw sync.WaitGroup
		for range clients {
			cw.Add(1)
			go func() {
				defer cw.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= tasks {
						return
					}
					courier := ids[i%couriers]
					body := fmt.Sprintf(`{"courier_id":%q,"waybill":"SF%010d","reason":"call back","customer":{"name":"张伟","phone":"13812345678"}}`, courier, i)
					t0 := time.Now()
					var task server.CallbackTask
					if !benchDo(b, hc, base, token, "POST", "/v1/callbacks", []byte(body), 201, &task) {
						return
					}
					seq, _ := strconv.ParseUint(strings.TrimPrefix(task.TaskID, "cb-"), 10, 64)
					results[i] = created{courier: courier, seq: seq, start: t0}
				}
			}()
		}
		cw.Wait()
		elapsed = time.Since(started)
		if b.Failed() {
			b.FailNow()
		}

		// Wait until every courier got a wake-up covering its last task.
		want := map[string]uint64{}
		for _, r := range results {
			want["tok-"+r.courier] = max(want["tok-"+r.courier], r.seq)
		}
		covered, seen := 0, before
		got := map[string]uint64{}
		msgs, err := fake.Wait(2*time.Minute, func(ms []pushtest.Message) bool {
			for ; seen < len(ms); seen++ {
				m := ms[seen]
				seq, _ := strconv.ParseUint(strings.TrimPrefix(m.Data["task_id"], "cb-"), 10, 64)
				if w, ok := want[m.Token]; ok && got[m.Token] < w && seq >= w {
					covered++
				}
				got[m.Token] = max(got[m.Token], seq)
			}
			return covered == len(want)
		})
		if err != nil {
			b.Fatal(err)
		}
		msgs = msgs[before:]
		messages = len(msgs)

		// Per task: the first message to its courier carrying it or a
		// later task of that courier.
		byToken := map[string][]pushtest.Message{}
		for _, m := range msgs {
			byToken[m.Token] = append(byToken[m.Token], m)
		}
		lat := make([]time.Duration, 0, tasks)
		for _, r := range results {
			for _, m := range byToken["tok-"+r.courier] {
				seq, _ := strconv.ParseUint(strings.TrimPrefix(m.Data["task_id"], "cb-"), 10, 64)
				if seq >= r.seq {
					lat = append(lat, m.At.Sub(r.start))
					break
				}
			}
		}
		if len(lat) != tasks {
			b.Fatalf("%d of %d tasks covered by a wake-up", len(lat), tasks)
		}
		slices.Sort(lat)
		b.ReportMetric(float64(tasks)/elapsed.Seconds(), "tasks/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(messages), "fcm-msgs")
	}
}

func benchLogin(b *testing.B, hc *http.Client, base, user, pass string) string {
	body, _ := json.Marshal(syncproto.LoginRequest{Username: user, Password: pass, DeviceID: "bench-" + user})
	var tok syncproto.TokenResponse
	if !benchDo(b, hc, base, "", "POST", "/v1/auth/login", body, 200, &tok) {
		b.FailNow()
	}
	return tok.AccessToken
}

// benchDo sends a request; it reports failures with b.Error, so it may
// run on any goroutine, and says whether the call succeeded.
func benchDo(b *testing.B, hc *http.Client, base, token, method, path string, body []byte, status int, out any) bool {
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		b.Error(err)
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		b.Error(err)
		return false
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		b.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
		return false
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			b.Error(err)
			return false
		}
	}
	return true
}
