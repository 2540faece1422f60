package server

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestApplyUserPatch(t *testing.T) {
	str := func(s string) *string { return &s }
	yes, no := true, false
	tests := []struct {
		name        string
		user        User
		patch       syncproto.UserPatch
		admins      int
		want        syncproto.Code
		wantEnd     bool
		wantRole    string
		wantDisable bool
	}{
		{"an empty patch is invalid", User{Role: syncproto.RoleCourier}, syncproto.UserPatch{}, 1, syncproto.CodeInvalidRequest, false, syncproto.RoleCourier, false},
		{"an unknown role is invalid", User{Role: syncproto.RoleCourier}, syncproto.UserPatch{Role: str("boss")}, 1, syncproto.CodeInvalidRequest, false, syncproto.RoleCourier, false},
		{"a display name past 128 bytes is invalid", User{}, syncproto.UserPatch{DisplayName: str(strings.Repeat("x", 129))}, 1, syncproto.CodeInvalidRequest, false, "", false},
		{"a display name that is not UTF-8 is invalid", User{}, syncproto.UserPatch{DisplayName: str("\xff")}, 1, syncproto.CodeInvalidRequest, false, "", false},
		{"a new display name keeps the sessions", User{Role: syncproto.RoleCourier}, syncproto.UserPatch{DisplayName: str("Wang Wei")}, 1, "", false, syncproto.RoleCourier, false},
		{"a new role ends the sessions", User{Role: syncproto.RoleCourier}, syncproto.UserPatch{Role: str(syncproto.RoleDispatcher)}, 1, "", true, syncproto.RoleDispatcher, false},
		{"the same role changes nothing", User{Role: syncproto.RoleCourier}, syncproto.UserPatch{Role: str(syncproto.RoleCourier)}, 1, "", false, syncproto.RoleCourier, false},
		{"disabling ends the sessions", User{Role: syncproto.RoleCourier}, syncproto.UserPatch{Active: &no}, 1, "", true, syncproto.RoleCourier, true},
		{"enabling again keeps sessions ended", User{Role: syncproto.RoleCourier, Disabled: true}, syncproto.UserPatch{Active: &yes}, 1, "", false, syncproto.RoleCourier, false},
		{"the last admin cannot be demoted", User{Role: syncproto.RoleAdmin}, syncproto.UserPatch{Role: str(syncproto.RoleCourier)}, 1, syncproto.CodeConflict, false, "", false},
		{"the last admin cannot be disabled", User{Role: syncproto.RoleAdmin}, syncproto.UserPatch{Active: &no}, 1, syncproto.CodeConflict, false, "", false},
		{"one of two admins may be demoted", User{Role: syncproto.RoleAdmin}, syncproto.UserPatch{Role: str(syncproto.RoleSupervisor)}, 2, "", true, syncproto.RoleSupervisor, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.user
			end, err := ApplyUserPatch(&u, &tt.patch, tt.admins)
			if authCode(err) != tt.want {
				t.Fatalf("ApplyUserPatch = %v, want %q", err, tt.want)
			}
			if err != nil {
				return
			}
			if end != tt.wantEnd || u.Role != tt.wantRole || u.Disabled != tt.wantDisable {
				t.Fatalf("end %v role %q disabled %v", end, u.Role, u.Disabled)
			}
			if gen := map[bool]uint64{true: 1, false: 0}[end]; u.SessionGen != gen {
				t.Fatalf("SessionGen %d, want %d", u.SessionGen, gen)
			}
		})
	}
	for pw, want := range map[string]syncproto.Code{"short": syncproto.CodeInvalidRequest, "long-enough": "", strings.Repeat("p", 73): syncproto.CodeInvalidRequest} {
		if got := authCode(CheckPassword(pw)); got != want {
			t.Errorf("CheckPassword(%d bytes) = %q, want %q", len(pw), got, want)
		}
	}
}

func TestUserViewAndLiveness(t *testing.T) {
	u := &User{ID: "u1", Username: "wang", Role: syncproto.RoleCourier, DisplayName: "Wang", PasswordHash: "secret", SessionGen: 2}
	v := u.View()
	if v.UserID != "u1" || v.Username != "wang" || v.Role != syncproto.RoleCourier || !v.Active {
		t.Fatalf("View = %+v", v)
	}
	if !u.Live(2) || u.Live(1) {
		t.Fatal("only the current generation is live")
	}
	u.Disabled = true
	if u.Live(2) || u.View().Active {
		t.Fatal("a disabled account is neither live nor active")
	}
}

func TestSettingsView(t *testing.T) {
	v := DefaultSettings().View()
	if v.ComplaintDueHours != 7*24 || v.CODRetentionDays != 365 || v.PIIRetentionDays != 180 || v.TimeZone != "Asia/Shanghai" {
		t.Fatalf("View = %+v", v)
	}
	if (Settings{}).View().TimeZone != "" {
		t.Fatal("no location, no time zone")
	}
}

func TestSortTimelineKeepsTiesInOrder(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	ev := []ParcelEvent{{At: t0.Add(time.Hour), Type: "c"}, {At: t0, Type: "pickup"}, {At: t0, Type: "a"}}
	SortTimeline(ev)
	if ev[0].Type != "pickup" || ev[1].Type != "a" || ev[2].Type != "c" {
		t.Fatalf("order %v", ev)
	}
	var c Clock
	if c.Now().IsZero() {
		t.Fatal("a nil Clock is time.Now")
	}
}

func TestPasswordGateBoundsChecks(t *testing.T) {
	g := NewPasswordGate(1, 1)
	var nilGate *PasswordGate
	ran := false
	if err := nilGate.Do(context.Background(), func() { ran = true }); err != nil || !ran {
		t.Fatal("a nil gate runs the check")
	}
	inside, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = g.Do(context.Background(), func() { close(inside); <-release })
	}()
	<-inside
	ctx, cancel := context.WithCancel(context.Background())
	waiting := make(chan error, 1)
	go func() { waiting <- g.Do(ctx, func() {}) }()
	for g.Load() < 2 {
		runtime.Gosched() // the second check queues behind the first
	}
	if err := g.Do(context.Background(), func() {}); authCode(err) != syncproto.CodeRateLimited {
		t.Fatalf("a third check with one running and one queued = %v", err)
	}
	cancel()
	if err := <-waiting; err == nil {
		t.Fatal("a queued check whose request ended must not run")
	}
	close(release)
	wg.Wait()
	if g.Load() != 0 {
		t.Fatalf("Load = %d after all ended", g.Load())
	}
	if NewPasswordGate(0, 0).limit < 2 {
		t.Fatal("defaults must allow at least one running and one queued")
	}
}
