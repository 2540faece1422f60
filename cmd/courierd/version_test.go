package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestVersionFlagPrintsTheBuildAndExits(t *testing.T) {
	var out, errOut bytes.Buffer
	// No data dir is touched: -version returns before anything opens.
	err := run(context.Background(), []string{"-version", "-data-dir", "/nonexistent/never-created"}, func(string) string { return "" }, &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "courierd ") || !strings.Contains(out.String(), "go1.") {
		t.Fatalf("-version printed %q", out.String())
	}
}
