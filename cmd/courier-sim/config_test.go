package main

import (
	"io"
	"slices"
	"testing"
)

func TestParseConfig(t *testing.T) {
	noEnv := func(string) string { return "" }
	t.Run("defaults follow the brief and the seed is time-based", func(t *testing.T) {
		cfg, err := parseConfig([]string{"-server", "http://127.0.0.1:8080/"}, noEnv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Server != "http://127.0.0.1:8080" || cfg.Couriers != 50 || cfg.Records != 200 || cfg.FailRate != 0.10 ||
			cfg.SlowRate != 0.05 || cfg.PhotoRate != 0.5 || cfg.Batch != 200 || cfg.BenchBatches != 200 || cfg.Bench != nil {
			t.Errorf("defaults = %+v", cfg)
		}
		if cfg.AdminUser != "admin" || cfg.AdminPass != "admin-demo-pw" {
			t.Errorf("admin = %s:%s, want the demo admin", cfg.AdminUser, cfg.AdminPass)
		}
		if cfg.Seed == 0 {
			t.Error("seed left at 0")
		}
	})
	t.Run("the admin comes from COURIER_SIM_ADMIN and the flag wins over it", func(t *testing.T) {
		env := func(k string) string {
			if k == "COURIER_SIM_ADMIN" {
				return "boss:pw:with:colons"
			}
			return ""
		}
		cfg, err := parseConfig([]string{"-server", "http://h"}, env, io.Discard)
		if err != nil || cfg.AdminUser != "boss" || cfg.AdminPass != "pw:with:colons" {
			t.Errorf("from env: %+v, %v", cfg, err)
		}
		cfg, err = parseConfig([]string{"-server", "http://h", "-admin", "a:b"}, env, io.Discard)
		if err != nil || cfg.AdminUser != "a" || cfg.AdminPass != "b" {
			t.Errorf("from flag: %+v, %v", cfg, err)
		}
	})
	t.Run("the server can come from a file, and the actors run by default", func(t *testing.T) {
		cfg, err := parseConfig([]string{"-server-file", "/tmp/x", "-fcm-fake", "-fcm-url-file", "/tmp/y"}, noEnv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Server != "" || cfg.ServerFile != "/tmp/x" || !cfg.FCMFake || cfg.FCMURLFile != "/tmp/y" || !cfg.Actors || cfg.CallbackShare != 0.2 {
			t.Errorf("config = %+v", cfg)
		}
	})
	t.Run("bench levels and an explicit seed are read", func(t *testing.T) {
		cfg, err := parseConfig([]string{"-server", "http://h", "-bench", "1, 16,64,256", "-seed", "0"}, noEnv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(cfg.Bench, []int{1, 16, 64, 256}) || cfg.Seed != 0 {
			t.Errorf("bench %v seed %d", cfg.Bench, cfg.Seed)
		}
	})
	for _, bad := range [][]string{
		{},
		{"-server", "127.0.0.1:8080"},
		{"-server", "http://h", "-couriers", "0"},
		{"-server", "http://h", "-fail-rate", "1"},
		{"-server", "http://h", "-batch", "501"},
		{"-server", "http://h", "-photo-rate", "1.5"},
		{"-server", "http://h", "-bench", "1,x"},
		{"-server", "http://h", "-admin", "nocolon"},
		{"-server", "http://h", "extra"},
		{"-server", "http://h", "-server-file", "f"},
		{"-server", "http://h", "-fcm-url-file", "f"},
		{"-server", "http://h", "-callback-share", "1.5"},
		{"-server-file", "f", "-server-wait", "0s"},
	} {
		t.Run("refuses "+joinArgs(bad), func(t *testing.T) {
			if _, err := parseConfig(bad, noEnv, io.Discard); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func joinArgs(a []string) string {
	if len(a) == 0 {
		return "no arguments"
	}
	s := a[0]
	for _, x := range a[1:] {
		s += " " + x
	}
	return s
}
