package courier_test

import (
	"context"
	"flag"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// jvmDir is build/mobile/_jvm as scripts/mobile.sh jvm leaves it: the Go
// side of the Java binding as lib/libgojni.so, the generated Java and the
// test app compiled into classes/. `make test-mobile` sets it.
var jvmDir = flag.String("jvm", "", "directory of the JNI build (scripts/mobile.sh jvm); empty skips the JVM test")

func TestJavaAppThroughJNI(t *testing.T) {
	if *jvmDir == "" {
		t.Skip("needs the JNI build: run `make test-mobile` (scripts/mobile.sh test)")
	}
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatal("java not found, yet the JNI build exists")
	}
	f := newFixture(t, "jvm-courier")
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, java, "-Djava.library.path="+filepath.Join(*jvmDir, "lib"), "-cp", filepath.Join(*jvmDir, "classes"),
		"JvmDrive", f.url, f.courier, f.password, filepath.Join(dir, "outbox.db"), smallJPEG(t), "pda-jvm-1", "SF1000000001")
	out, err := cmd.CombinedOutput()
	t.Logf("java:\n%s", out)
	if err != nil {
		t.Fatalf("the Java app failed: %v", err)
	}
	facts := map[string][]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), " "); ok {
			facts[k] = append(facts[k], v)
		}
	}
	want := func(key, value string) {
		t.Helper()
		for _, v := range facts[key] {
			if v == value {
				return
			}
		}
		t.Errorf("the Java app printed %s %q, want %q", key, facts[key], value)
	}
	want("ERRCODE", "invalid_pickup validation_failed")
	want("ERRCODE", "unknown_task unknown_task")
	want("ERRCODE", "cancelled_sync cancelled")
	want("STATUS", "pending=0 rejected=0 photos_pending=0")
	want("TASK", f.taskID+" SF1000000001 open 138****5678")
	want("WAKE", "ok")
	if len(facts["PHOTO"]) != 1 {
		t.Fatalf("photo digest not printed: %v", facts["PHOTO"])
	}
	want("PHOTOSTATE", facts["PHOTO"][0]+" uploaded")
	if p := strings.Join(facts["PHASES"], ""); !strings.Contains(p, "push") || !strings.Contains(p, "pull") || !strings.Contains(p, "photos") {
		t.Errorf("the listener heard phases %q, want push, pull and photos", p)
	}
	if !strings.Contains(string(out), "\nDONE") {
		t.Error("the Java app did not finish")
	}

	audit := f.auditedOps(t)
	for _, op := range facts["OP"] {
		kind, id, _ := strings.Cut(op, " ")
		if audit[id] != "applied" {
			t.Errorf("%s op %s: audit status %q, want applied", kind, id, audit[id])
		}
	}
	if len(facts["OP"]) != 2 {
		t.Errorf("ops recorded by the app: %v, want a pickup and a damage report", facts["OP"])
	}
}
