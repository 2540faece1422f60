package syncproto

import (
	"unicode"
	"unicode/utf8"
)

// HasText reports whether s is valid UTF-8 holding at least one visible
// character: "required" text. Spaces, control characters (NUL included),
// format characters (bidirectional controls, zero-width spaces and
// joiners) and the blank fillers some fonts draw as nothing do not count,
// so a name made only of them is missing, not given.
func HasText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if visible(r) {
			return true
		}
	}
	return false
}

// ValidName reports whether s is a usable name of at most max characters:
// HasText, and no control or bidirectional-control characters anywhere (a
// name is one line, and a right-to-left override would make a masked name
// or an audit line read differently from what is stored).
func ValidName(s string, max int) bool {
	if !HasText(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || bidiControl(r) {
			return false
		}
	}
	return true
}

func visible(r rune) bool {
	switch r {
	case '\u115f', '\u1160', '\u3164', '\uffa0', '\u2800', '\u180e', '\ufeff', '\ufffc':
		return false // Hangul fillers, blank Braille, Mongolian vowel separator, BOM, object replacement
	}
	return unicode.IsGraphic(r) && !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) && !unicode.Is(unicode.Mn, r)
}

// bidiControl reports the explicit directional formatting characters
// (Unicode UAX #9): embeddings, overrides, isolates and marks.
func bidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' || r == '\u200e' || r == '\u200f' || r == '\u061c'
}
