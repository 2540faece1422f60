package server

import (
	"testing"
	"time"
)

func TestRotateRefresh(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	h := func(s string) []byte { return []byte(s) }
	fresh := func() *Session {
		return &Session{RefreshHash: h("t2"), PrevHash: h("t1"), RotatedAt: now.Add(-10 * time.Second),
			UsedHashes: [][]byte{h("t0"), h("t1")}, ExpiresAt: now.Add(time.Hour)}
	}
	revoked := now.Add(-time.Minute)
	tests := []struct {
		name     string
		s        func(*Session)
		old      string
		next     string
		at       time.Time
		want     Rotation
		wantHash string
		revoked  bool
	}{
		{"the current token rotates", nil, "t2", "t3", now, RotationRotated, "t3", false},
		{"the previous token again within the grace gets the same successor", nil, "t1", "t2", now, RotationRepeated, "t2", false},
		{"the previous token after the grace is reuse", nil, "t1", "t2", now.Add(2 * time.Minute), RotationReused, "t2", true},
		{"an older spent token is reuse", nil, "t0", "t1", now, RotationReused, "t2", true},
		{"an unknown token is refused", nil, "zz", "t3", now, RotationRefused, "t2", false},
		{"an expired session is refused", nil, "t2", "t3", now.Add(2 * time.Hour), RotationRefused, "t2", false},
		{"a revoked session is refused", func(s *Session) { s.RevokedAt = &revoked }, "t2", "t3", now, RotationRefused, "t2", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fresh()
			if tt.s != nil {
				tt.s(s)
			}
			got := RotateRefresh(s, h(tt.old), h(tt.next), tt.at, time.Minute)
			if got != tt.want || string(s.RefreshHash) != tt.wantHash || (s.RevokedAt != nil) != tt.revoked {
				t.Fatalf("got %v, hash %q, revoked %v", got, s.RefreshHash, s.RevokedAt)
			}
			if got == RotationRotated && (string(s.PrevHash) != tt.old || !s.RotatedAt.Equal(tt.at) || !s.LastSeenAt.Equal(tt.at)) {
				t.Fatalf("rotation not recorded: %+v", s)
			}
		})
	}
}

func TestASessionKeepsABoundedListOfSpentTokens(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := &Session{RefreshHash: []byte{0}, ExpiresAt: now.Add(time.Hour)}
	for i := 1; i <= MaxUsedHashes+10; i++ {
		if RotateRefresh(s, []byte{byte(i - 1)}, []byte{byte(i)}, now, 0) != RotationRotated {
			t.Fatalf("rotation %d refused", i)
		}
	}
	if len(s.UsedHashes) != MaxUsedHashes {
		t.Fatalf("%d spent hashes kept", len(s.UsedHashes))
	}
}

func TestSessionActiveFor(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := &Session{ExpiresAt: now.Add(time.Hour), UserGen: 2}
	if !s.ActiveFor(&User{SessionGen: 2}, now) || s.ActiveFor(&User{SessionGen: 3}, now) || s.ActiveFor(&User{SessionGen: 2, Disabled: true}, now) ||
		s.ActiveFor(&User{SessionGen: 2}, now.Add(time.Hour)) {
		t.Fatal("wrong activity")
	}
}

func TestPickupSummary(t *testing.T) {
	cod, zero, yes := int64(1990), int64(0), true
	if got := PickupSummary(1200, &cod, &yes); got != "picked up, 1200 g, COD 1990 fen, insured" {
		t.Fatal(got)
	}
	if got := PickupSummary(800, &zero, nil); got != "picked up, 800 g" {
		t.Fatal(got)
	}
}
