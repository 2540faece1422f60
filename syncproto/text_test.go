package syncproto_test

import (
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestRequiredTextNeedsAVisibleCharacter(t *testing.T) {
	for _, tc := range []struct {
		name, s string
		text    bool
	}{
		{"a Chinese name", "张伟", true},
		{"a Latin name with an accent", "José", true},
		{"only NUL", "\x00\x00", false},
		{"only spaces and tabs", " \t ", false},
		{"only direction controls", "\u202e\u202d\u2066\u200f", false},
		{"only zero-width characters", "\u200b\u200c\u200d\ufeff", false},
		{"only Hangul fillers", "\u3164\u115f", false},
		{"an ideographic space", "\u3000", false},
		{"invalid UTF-8", "\xff\xfe", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := syncproto.HasText(tc.s); got != tc.text {
				t.Fatalf("HasText(%q) = %v, want %v", tc.s, got, tc.text)
			}
		})
	}
}

func TestANameMayNotHideControlCharacters(t *testing.T) {
	for _, s := range []string{"Li\x00Wei", "Li\u202eieW", "Li\nWei"} {
		if syncproto.ValidName(s, 64) {
			t.Errorf("ValidName(%q) = true", s)
		}
	}
	if !syncproto.ValidName("Li Wei", 64) {
		t.Error("a plain name is refused")
	}
}
