package server

import (
	"strings"
	"unicode/utf8"
)

// PIICipher protects customer personal data at rest: names, phones and
// addresses are sealed (authenticated encryption with a key id, so keys can
// rotate) and looked up by a keyed hash, never by the plain value.
type PIICipher interface {
	// Seal encrypts plain.
	Seal(plain []byte) ([]byte, error)
	// Open decrypts what Seal made, with whichever key sealed it.
	Open(sealed []byte) ([]byte, error)
	// Index returns a keyed hash of a value for equality lookups.
	Index(value string) []byte
}

// MaskName shows the first character of a name and stars the rest:
// 张伟 → 张*, Maria Rossi → M****.
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	r, size := utf8.DecodeRuneInString(name)
	if size == 0 {
		return ""
	}
	rest := utf8.RuneCountInString(name[size:])
	return string(r) + strings.Repeat("*", min(max(rest, 1), 4))
}

// MaskPhone keeps the first three and the last four digits:
// 13812345678 → 138****5678. Short numbers keep only the last two.
func MaskPhone(phone string) string {
	var digits []byte
	for i := 0; i < len(phone); i++ {
		if c := phone[i]; c >= '0' && c <= '9' {
			digits = append(digits, c)
		}
	}
	n := len(digits)
	switch {
	case n == 0:
		return ""
	case n >= 11:
		return string(digits[:3]) + "****" + string(digits[n-4:])
	case n >= 7:
		return strings.Repeat("*", n-4) + string(digits[n-4:])
	default:
		return strings.Repeat("*", max(n-2, 1)) + string(digits[max(n-2, 0):])
	}
}
