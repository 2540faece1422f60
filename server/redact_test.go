package server

import (
	"strings"
	"testing"
)

func TestRedactTextMasksWhatAReaderMustNotSee(t *testing.T) {
	cases := []struct {
		name, in, want string
		known          []string
	}{
		{"a bare mobile number", "请回电13812345678谢谢", "请回电138****5678谢谢", nil},
		{"a mobile with +86 and dashes", "call +86 138-1234-5678 now", "call 861****5678 now", nil},
		{"a mobile in 3-4-4 groups", "电话 138 1234 5678。", "电话 138****5678。", nil},
		{"two numbers a space apart", "13812345678 13987654321", "138****5678 139****4321", nil},
		{"a Beijing landline with its area code", "座机010-62345678", "座机010****5678", nil},
		{"a landline with the area code in brackets", "(0755) 8765 4321", "075****4321", nil},
		{"a bare 8-digit landline", "tel 62345678.", "tel ****5678.", nil},
		{"an 18-character ID card with X", "身份证11010519491231002X已核对", "身份证11***************X已核对", nil},
		{"a 15-digit old ID card", "ID 110105491231002", "ID 11************2", nil},
		{"a street address keeps the district only", "送到北京市朝阳区建国路88号5号楼1203室了",
			"送到北京市朝阳区***了", nil},
		{"a residential compound with building and room", "放在阳光小区3栋2单元501室门口", "***门口", nil},
		{"an English street address", "left at 221B Baker Street, Flat 2 today", "left at *** today", nil},
		{"a name after a cue with a colon", "联系人：王小明，要求改期", "联系人：王**，要求改期", nil},
		{"an English name after Mr.", "Mr. John Smith called", "Mr. J**** called", nil},
		{"the record's own customer name", "张伟说包裹破了", "张*说包裹破了", []string{"张伟"}},
		{"the record's own phone written with dashes", "打138-1234-5678", "打138****5678", []string{"13812345678"}},
		{"a waybill is not a phone", "运单SF1234567890破损", "运单SF1234567890破损", nil},
		{"a short number stays", "3件包裹，重5kg", "3件包裹，重5kg", nil},
		{"ordinary complaint text stays readable", "客户反映快递员态度差", "客户反映快递员态度差", nil},
		{"empty text", "", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := RedactText(c.in, c.known...); got != c.want {
				t.Errorf("RedactText(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestRedactTextLeavesNoLongDigitRunOfAPhone(t *testing.T) {
	phones := []string{"13812345678", "15900001111", "18611112222", "01062345678", "075587654321"}
	text := "客户A " + strings.Join(phones, "，") + " 和 " + strings.Join(phones, " ")
	out := RedactText(text)
	for _, p := range phones {
		if strings.Contains(out, p) || strings.Contains(out, p[3:]) {
			t.Errorf("phone %s still readable in %q", p, out)
		}
	}
}

func TestRedactTextTakesADigitRunGluedToALetterForAnId(t *testing.T) {
	for _, s := range []string{"sim run r081777306491: verified", "waybill YT0817773064", "SF100200300"} {
		if got := RedactText(s); got != s {
			t.Errorf("RedactText(%q) = %q, want it unchanged", s, got)
		}
	}
	if got := RedactText("sim 081777306491: verified"); got == "sim 081777306491: verified" {
		t.Errorf("a bare 0xxx xxxx xxxx number was not masked: %q", got)
	}
}
