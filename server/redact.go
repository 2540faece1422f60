package server

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Free text (complaint descriptions, callback reasons, outcome and
// transition notes) is typed by people, and people type phone numbers,
// names and addresses into it. RedactText is what a reader who may see only
// masked personal data (a courier's handheld, a list view) gets instead of
// the text: every phone number, ID-card number and street address the
// detectors below find is masked, and so is every known value the caller
// passes (the record's own customer name and phone, which the detectors
// could not know are names).
//
// The detectors are tuned for Chinese text with English beside it:
//   - mobile numbers: 1[3-9]x xxxx xxxx, with an optional +86/0086 prefix
//     and spaces or dashes between the groups;
//   - landlines: an area code 0xx or 0xxx (optionally in brackets) and
//     7–8 digits, or 7–8 bare digits;
//   - resident ID-card numbers: 18 characters (17 digits and a digit or X)
//     or the old 15 digits;
//   - addresses: a road, street, lane, residential compound or building
//     with its number, unit or room, and English "12 Baker Street";
//   - names after a cue (客户, 收件人, 联系人, 姓名, Mr., Ms., …).
//
// RedactText errs on the side of masking: a long bare digit run that is
// not a phone may be masked too, which costs a reader a number and never
// leaks one.
func RedactText(text string, known ...string) string {
	if text == "" {
		return text
	}
	for _, k := range known {
		text = maskKnown(text, k)
	}
	text = replaceCore(idCardRE, text, maskIDCard)
	text = replaceCore(phoneRE, text, MaskPhone)
	// An address keeps its administrative divisions (province, city,
	// district: where, not whose door).
	text = cnAddressRE.ReplaceAllString(text, "${1}***")
	text = enAddressRE.ReplaceAllString(text, "***")
	text = replaceCore(cnNameCueRE, text, MaskName)
	text = replaceCore(enNameCueRE, text, MaskName)
	return text
}

// maskKnown masks every occurrence of a known personal value: a phone
// (compared by its digits, so "138-1234-5678" is found for 13812345678) or
// a name.
func maskKnown(text, value string) string {
	value = strings.TrimSpace(value)
	if utf8.RuneCountInString(value) < 2 {
		return text // one character would mask half of any Chinese text
	}
	if digits := digitsOf(value); len(digits) >= 7 && len(digits)*2 >= len(value) {
		return replaceCore(phoneRE, text, func(m string) string {
			if d := digitsOf(m); strings.HasSuffix(d, digits) || strings.HasSuffix(digits, d) {
				return MaskPhone(m)
			}
			return m
		})
	}
	return strings.ReplaceAll(text, value, MaskName(value))
}

var (
	// An ID-card number stands alone: no digit or letter either side.
	idCardRE = regexp.MustCompile(`(?:^|[^0-9A-Za-z])([1-9][0-9]{16}[0-9Xx]|[1-9][0-9]{14})(?:$|[^0-9A-Za-z])`)
	// Mobiles (with +86/0086 and separators), landlines with an area
	// code, and 7–8 bare digits; never inside a longer alphanumeric run
	// (a waybill such as SF1234567890 is not a phone).
	phoneRE = regexp.MustCompile(`(?:^|[^0-9A-Za-z*])((?:(?:\+|00)?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}|(?:\(0[0-9]{2,3}\)|0[0-9]{2,3})[ -]?[0-9]{3,4}[ -]?[0-9]{4}|[0-9]{7,8})(?:$|[^0-9A-Za-z])`)

	cnAddressRE = regexp.MustCompile(`((?:\p{Han}{1,10}(?:省|自治区))?(?:\p{Han}{1,10}(?:市|州|盟))?(?:\p{Han}{1,10}(?:区|县|旗))?)` +
		`\p{Han}{1,16}?(?:大道|路|街|道|巷|弄|胡同|里|小区|花园|大厦|公寓|新村|村)` +
		`(?:[0-9０-９一二三四五六七八九十百零甲乙丙A-Za-z-]{1,8}(?:号院|号楼|号|弄|栋|幢|座|单元|层|楼|室|户)){1,6}`)
	enAddressRE = regexp.MustCompile(`\b[0-9]{1,5}[A-Za-z]?,? (?:[A-Z][a-z]+ ){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way)\b\.?(?:,? (?:Apt|Flat|Unit|Room)\.? ?[0-9A-Za-z-]{1,6})?`)

	cnNameCueRE = regexp.MustCompile(`(?:客户|顾客|收件人|寄件人|联系人|姓名|用户)(?:姓名)?(?:是|为|叫|[:：] ?)(\p{Han}{2,3})`)
	enNameCueRE = regexp.MustCompile(`\b(?:Mr|Mrs|Ms|Miss|Dr|customer|recipient|sender|name)\.?:? ([A-Z][a-z]+(?: [A-Z][a-z]+)?)`)
)

// replaceCore replaces the first submatch of every match of re in s with
// mask(submatch). The patterns take one boundary character either side
// (Go's regexp has no look-around); searching again from the end of the
// submatch, not of the match, finds two numbers a space apart.
func replaceCore(re *regexp.Regexp, s string, mask func(string) string) string {
	var b strings.Builder
	pos := 0
	for pos < len(s) {
		loc := re.FindStringSubmatchIndex(s[pos:])
		if loc == nil {
			break
		}
		start, end := pos+loc[2], pos+loc[3]
		b.WriteString(s[pos:start])
		b.WriteString(mask(s[start:end]))
		pos = end
	}
	if pos == 0 {
		return s
	}
	b.WriteString(s[pos:])
	return b.String()
}

// maskIDCard keeps the first two and the last character of an ID-card
// number (region and check digit), starring the birth date and serial.
func maskIDCard(id string) string {
	return id[:2] + strings.Repeat("*", len(id)-3) + id[len(id)-1:]
}

func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
