package main

import (
	"strings"
	"testing"
)

func TestRules(t *testing.T) {
	m := module + "/"
	tests := []struct {
		from, imp string
		broken    bool
	}{
		{"syncproto", "encoding/json", false},
		{"syncproto", "github.com/google/uuid", true},
		{"syncproto/x", m + "syncproto", true},
		{"client", m + "server", true},
		{"client", m + "syncproto", false},
		{"client", "github.com/google/uuid", true},
		{"internal/exiforient", m + "syncproto", true},
		{"internal/exiforient", "image", false},
		{"internal/exiforient", "github.com/disintegration/imaging", true},
		{"mobile-api", m + "syncproto", false},
		{"mobile-api", m + "server", true},
		{"mobile-api/bind", m + "server/photo", true},
		{"server", m + "syncproto", false},
		{"server", "golang.org/x/sync/semaphore", false},
		{"server", m + "server/bolt", true},
		{"server/httpapi", m + "server", false},
		{"server/httpapi", "go.etcd.io/bbolt", true},
		{"server/httpapi", m + "server/bolt", true},
		{"server/bolt", m + "server/crypt", false},
		{"server/bolt", m + "server/photo", true},
		{"server/push", m + "server/metrics", true},
		{"server/stack", m + "server/bolt", false},
		{"cmd/courierd", m + "server/stack", false},
		{"server/push/pushtest", m + "server/push", false},
		{"server/photo/phototest", m + "server/bolt", true},
	}
	for _, tt := range tests {
		why := rule(tt.from, tt.imp)
		if (why != "") != tt.broken {
			t.Errorf("%s importing %s: %q, want broken %v", tt.from, tt.imp, why, tt.broken)
		}
	}
}

func TestDecodeAndCheck(t *testing.T) {
	stream := `{"ImportPath":"` + module + `/server","Imports":["` + module + `/server/bolt","fmt"]}
{"ImportPath":"` + module + `/syncproto","Imports":["fmt"]}
{"ImportPath":"golang.org/x/other","Imports":["` + module + `/server/bolt"]}`
	pkgs, err := decode(strings.NewReader(stream))
	if err != nil || len(pkgs) != 3 {
		t.Fatalf("decode: %d packages, %v", len(pkgs), err)
	}
	bad := check(pkgs)
	if len(bad) != 1 || !strings.Contains(bad[0], "server imports "+module+"/server/bolt") {
		t.Fatalf("check = %q", bad)
	}
	if _, err := decode(strings.NewReader("{")); err == nil {
		t.Fatal("a cut stream decoded")
	}
}

// The tree itself keeps the layering.
func TestTheTreeKeepsTheLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	pkgs, err := list("../..")
	if err != nil {
		t.Fatal(err)
	}
	if bad := check(pkgs); len(bad) > 0 {
		t.Fatalf("layering broken:\n%s", strings.Join(bad, "\n"))
	}
}
