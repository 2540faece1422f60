package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestClaimRulesComeFromAFileNamedByFlagOrEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.json")
	if err := os.WriteFile(path, []byte(`{"version":"acme-3","uninsured_freight_percent":500}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := parseConfig(nil, env(map[string]string{"COURIERD_CLAIM_RULES": path, "COURIERD_INSPECTION_ITEMS": "7"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Settings.Claims.Version != "acme-3" || cfg.Settings.Claims.UninsuredFreightPercent != 500 || cfg.Settings.Claims.WindowDays != 365 || cfg.Settings.InspectionItems != 7 {
		t.Fatalf("settings %+v", cfg.Settings.Claims)
	}
	cfg, err = parseConfig(nil, env(nil), io.Discard)
	if err != nil || cfg.Settings.Claims.Version != "default-2026-12" || cfg.Settings.InspectionItems != 5 {
		t.Fatalf("defaults %+v, %v", cfg, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"claim_window_days":-1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-claim-rules", bad}, {"-claim-rules", bad + ".missing"}, {"-inspection-items", "0"}} {
		if _, err := parseConfig(args, env(nil), io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
