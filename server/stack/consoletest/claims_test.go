package consoletest

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fileClaim: a dispatcher files a claim for a lost parcel (¥300.00, no
// insurance, freight unknown: the fixed cap of ¥100.00 is recommended)
// and acknowledges it.
func fileClaim(t *testing.T, tb *tab) {
	tb = tb.with(t)
	tb.open("#/claims", "#claim-list")
	tb.do(chromedp.Click(chromedp.CSS("#new-claim-open")), chromedp.WaitVisible(chromedp.CSS("#file-claim")),
		chromedp.SendKeys(chromedp.CSS("#cl-waybill"), "NO-SUCH-WB"),
		chromedp.SetValue(chromedp.CSS("#cl-type"), "loss"),
		chromedp.SendKeys(chromedp.CSS("#cl-amount"), "300"),
		chromedp.Click(chromedp.CSS("#file-claim-submit")))
	tb.until("the API's message for an unknown waybill", `document.querySelector('#file-claim .notice.bad')?.textContent.includes('waybill')`)
	tb.do(chromedp.SetValue(chromedp.CSS("#cl-waybill"), waybill), chromedp.Click(chromedp.CSS("#file-claim-submit")),
		chromedp.WaitNotPresent(chromedp.CSS("#file-claim")))
	tb.until("the claim filed with its recommendation", `[...document.querySelectorAll('#claim-list tr.claim-filed')].some(r => r.textContent.includes('`+waybill+`') && r.textContent.includes('¥300.00') && r.textContent.includes('¥100.00') && r.textContent.includes('fixed cap'))`)
	if eval[bool](tb, `!!document.querySelector('#claim-list .act-decide, #claim-list .act-payout')`) {
		t.Errorf("a dispatcher is offered to decide or pay")
	}
	tb.do(chromedp.Click(chromedp.CSS("#claim-list tr.claim-filed .act-ack")))
	tb.until("the claim acknowledged", `!!document.querySelector('#claim-list tr.claim-acknowledged') && !document.querySelector('#claim-list .act-ack')`)
	tb.noPhones("Claims", allPhones...)
}

// decideClaim: a supervisor overrides the recommendation with ¥150.00
// and a written reason, then pays the decided amount (prefilled).
func decideClaim(t *testing.T, tb *tab) {
	tb = tb.with(t)
	tb.open("#/claims", "#claim-list")
	tb.until("the acknowledged claim", `!!document.querySelector('#claim-list tr.claim-acknowledged .act-decide')`)
	tb.do(chromedp.Click(chromedp.CSS("#claim-list tr.claim-acknowledged .act-decide")), chromedp.WaitVisible(chromedp.CSS("#decide-claim")),
		chromedp.Click(chromedp.CSS("#cd-override")))
	if got := eval[string](tb, `document.querySelector('#cd-amount').value`); got != "100.00" {
		t.Errorf("the override amount starts at %q, want the recommendation 100.00", got)
	}
	// No reason: refused in the dialog, nothing sent.
	tb.do(chromedp.SetValue(chromedp.CSS("#cd-amount"), "150.00"), chromedp.Click(chromedp.CSS("#decide-claim-submit")))
	if !eval[bool](tb, `!!document.querySelector('#decide-claim')`) {
		t.Fatal("the override was sent without a reason")
	}
	tb.do(chromedp.SendKeys(chromedp.CSS("#cd-reason"), "Receipt shows the goods were worth more; goodwill."),
		chromedp.Click(chromedp.CSS("#decide-claim-submit")), chromedp.WaitNotPresent(chromedp.CSS("#decide-claim")))
	tb.until("the override decided", `[...document.querySelectorAll('#claim-list tr.claim-decided')].some(r => r.textContent.includes('¥150.00') && r.textContent.includes('overridden') && r.textContent.includes('recommended ¥100.00') && r.textContent.includes('goodwill'))`)
	tb.do(chromedp.Click(chromedp.CSS("#claim-list tr.claim-decided .act-payout")), chromedp.WaitVisible(chromedp.CSS("#payout-claim")))
	if got := eval[string](tb, `document.querySelector('#cp-amount').value`); got != "150.00" {
		t.Errorf("the payout amount is prefilled %q, want 150.00", got)
	}
	tb.do(chromedp.SendKeys(chromedp.CSS("#cp-reference"), "BANK-2026-0042"),
		chromedp.Click(chromedp.CSS("#payout-claim-submit")), chromedp.WaitNotPresent(chromedp.CSS("#payout-claim")))
	tb.until("the claim paid", `[...document.querySelectorAll('#claim-list tr.claim-paid')].some(r => r.textContent.includes('BANK-2026-0042'))`)
	tb.shot("claims")
	tb.noPhones("Claims", allPhones...)
}

// monthlyInspection: a supervisor opens the month's inspection, passes
// one item, fails another with a finding, sees the corrective action and
// closes it.
func monthlyInspection(t *testing.T, tb *tab) {
	tb = tb.with(t)
	loc, err := time.LoadLocation("Asia/Shanghai") // the company's month, as the server counts it
	if err != nil {
		t.Fatal(err)
	}
	month := time.Now().In(loc).Format("2006-01")
	tb.open("#/inspections/"+month, "#insp-open")
	tb.do(chromedp.Click(chromedp.CSS("#insp-open")))
	tb.until("the sampled items per courier", `document.querySelectorAll('#insp-items .insp-courier').length === 2 && document.querySelectorAll('#insp-items tr.item-pending').length >= 2`)
	text := tb.text()
	for _, want := range []string{"李四", "王五"} {
		if !strings.Contains(text, want) {
			t.Errorf("the inspection lacks the courier %s", want)
		}
	}
	tb.do(chromedp.Click(chromedp.CSS("#insp-items tr.item-pending .act-pass")))
	tb.until("one item passed", `document.querySelectorAll('#insp-items tr.item-pass').length === 1`)
	tb.do(chromedp.Click(chromedp.CSS("#insp-items tr.item-pending .act-fail")), chromedp.WaitVisible(chromedp.CSS("#fail-item")),
		chromedp.SendKeys(chromedp.CSS("#if-finding"), "Receipt photo missing for the COD collection."),
		chromedp.Click(chromedp.CSS("#fail-item-submit")), chromedp.WaitNotPresent(chromedp.CSS("#fail-item")))
	tb.until("the failed item and its corrective action", `document.querySelectorAll('#insp-items tr.item-fail').length === 1 && [...document.querySelectorAll('#corrective-actions tr.action-open')].some(r => r.textContent.includes('Receipt photo missing'))`)
	tb.shot("inspections")
	tb.do(chromedp.Click(chromedp.CSS("#corrective-actions tr.action-open .act-close")), chromedp.WaitVisible(chromedp.CSS("#close-action")),
		chromedp.SendKeys(chromedp.CSS("#ca-note"), "Courier retrained; photo added."),
		chromedp.Click(chromedp.CSS("#close-action-submit")), chromedp.WaitNotPresent(chromedp.CSS("#close-action")))
	tb.until("no open action left", `!!document.querySelector('#corrective-actions') && !document.querySelector('#corrective-actions tr.action-open')`)
	tb.do(chromedp.SetValue(chromedp.CSS("#ca-status"), "closed"))
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#ca-status').dispatchEvent(new Event('change'))`))
	tb.until("the action closed", `[...document.querySelectorAll('#corrective-actions tr.action-closed')].some(r => r.textContent.includes('retrained'))`)
	tb.noPhones("Inspections", allPhones...)
}
