package consoletest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
)

// The console in a real browser, as its users work: the dispatcher, the
// supervisor, the admin and a courier who tries it, each in their own tab.
func TestConsoleJourneys(t *testing.T) {
	w := newWorld(t)
	b := newBrowser(t, w.url)

	disp := b.tab(t)
	t.Run("first load is small and stays on this host", func(t *testing.T) { firstLoad(t, disp) })
	disp.login("disp", staffPass)
	t.Run("dispatcher: parcel, complaint to callback, courier answers", func(t *testing.T) { complaintToCallback(t, w, disp) })
	t.Run("dispatcher: hand-over with a miscount", func(t *testing.T) { handover(t, disp) })
	t.Run("dispatcher: every screen, no phone shown", func(t *testing.T) { dispatcherScreens(t, disp) })
	t.Run("dispatcher: file and acknowledge a claim", func(t *testing.T) { fileClaim(t, disp) })

	sup := b.tab(t)
	sup.login("sup", staffPass)
	t.Run("supervisor: certify a defect", func(t *testing.T) { certify(t, sup) })
	t.Run("supervisor: quality report", func(t *testing.T) { quality(t, sup) })
	t.Run("supervisor: decide and pay a claim", func(t *testing.T) { decideClaim(t, sup) })
	t.Run("supervisor: monthly inspection", func(t *testing.T) { monthlyInspection(t, sup) })

	adm := b.tab(t)
	adm.login("root", rootPass)
	t.Run("admin: disable a courier", func(t *testing.T) { disable(t, w, adm) })

	cour := b.tab(t)
	t.Run("courier sees no dispatcher screens", func(t *testing.T) { courierLogin(t, cour) })
	t.Run("中文", func(t *testing.T) { chinese(t, sup) })
}

// firstLoad: the login page with everything it loads is under 300 KB
// compressed and asks no other host for anything.
func firstLoad(t *testing.T, tb *tab) {
	tb = tb.with(t)
	tb.do(chromedp.Navigate(tb.b.origin+"/console/"), chromedp.WaitVisible(chromedp.CSS("#password")))
	tb.until("the page to settle", `document.readyState === 'complete'`)
	if n := tb.received(); n <= 0 || n > 300*1024 {
		t.Errorf("first load received %d bytes, want 1..300 KB", n)
	} else {
		t.Logf("first load: %d bytes compressed", n)
	}
	if off := tb.offHost(); len(off) > 0 {
		t.Errorf("the console requested other hosts: %v", off)
	}
	if typ := eval[string](tb, `document.querySelector('#password').type`); typ != "password" {
		t.Errorf("password field type %q", typ)
	}
	tb.shot("login")
}

func complaintToCallback(t *testing.T, w *world, tb *tab) {
	tb = tb.with(t)
	tb.until("Today", `!!document.querySelector('#t-risk .count')`)
	if got := eval[string](tb, `document.querySelector('#t-risk .count').textContent`); got != "1" {
		t.Errorf("Today: %s complaints at risk, want 1", got)
	}
	tb.shot("today")
	tb.noPhones("Today", allPhones...)

	// Find the parcel by its waybill.
	tb.do(chromedp.Click(chromedp.CSS("#nav-parcel")), chromedp.WaitVisible(chromedp.CSS("#parcel-input")),
		chromedp.SendKeys(chromedp.CSS("#parcel-input"), waybill), chromedp.Click(chromedp.CSS("#parcel-form button[type=submit]")))
	tb.until("the parcel's timeline", `document.querySelector('#parcel-waybill')?.textContent === '`+waybill+`' && document.querySelectorAll('#timeline li').length > 0`)
	tb.until("the parcel's complaint", `!!document.querySelector('#parcel-result .complaint .act-callback')`)
	tb.shot("parcel")
	tb.noPhones("Parcel lookup", allPhones...)

	// Call the customer back, from the complaint: no contact typed.
	tb.do(chromedp.Click(chromedp.CSS("#parcel-result .complaint .act-callback")), chromedp.WaitVisible(chromedp.CSS("#callback-from-complaint")))
	if got := eval[string](tb, `document.querySelector('#cb-courier').value`); got != w.liID {
		t.Errorf("courier picker preselects %q, want the complaint's courier %q", got, w.liID)
	}
	if n := eval[int](tb, `document.querySelectorAll('#callback-from-complaint input[type=tel]').length`); n != 0 {
		t.Errorf("the callback-from-complaint form asks for a phone")
	}
	tb.shot("complaint-callback")
	tb.do(chromedp.Click(chromedp.CSS("#callback-from-complaint-submit")), chromedp.WaitNotPresent(chromedp.CSS("#callback-from-complaint")))

	// The task is on the callbacks board; the courier syncs and answers.
	tb.open("#/callbacks/all", "#callback-list")
	tb.until("the new task", `[...document.querySelectorAll('#callback-list tbody tr')].some(r => r.textContent.includes('`+waybill+`'))`)
	sync1(t, w.li)
	tasks, err := w.li.OpenTasks()
	if err != nil {
		t.Fatal(err)
	}
	var task *mobileapi.CallbackTask
	for i := 0; i < tasks.Len(); i++ {
		if tasks.Get(i).Waybill == waybill {
			task = tasks.Get(i)
		}
	}
	if task == nil {
		t.Fatal("the courier's handheld did not get the task")
	}
	recorded(t)(w.li.RecordCallbackOutcome(&mobileapi.CallbackOutcome{TaskID: task.TaskID, Result: "reached", Resolved: true, Satisfaction: 5, Note: "apologised; delivered today"}))
	sync1(t, w.li)
	// No reload, no navigation: the board refreshes itself.
	tb.until("the courier's outcome on the board", `[...document.querySelectorAll('#callback-list .outcome')].some(o => o.textContent.includes('reached'))`)
	tb.shot("callbacks")
	tb.noPhones("Callbacks", allPhones...)
	tb.open("#/complaints", "#complaint-board")
	tb.until("the complaint board", `document.querySelectorAll('#complaint-board .complaint').length === 2`)
	tb.shot("complaints")
	tb.noPhones("Complaints", allPhones...)
}

func handover(t *testing.T, tb *tab) {
	tb = tb.with(t)
	tb.open("#/cod/handover", "#handover-form")
	tb.do(chromedp.SetValue(chromedp.CSS("#ho-courier"), w0(tb)))
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#ho-courier').dispatchEvent(new Event('change'))`))
	tb.until("the courier's receipts", `document.querySelectorAll('#ho-receipts .ho-tick').length === 3`)
	// Hand over two of the three: ¥120.50 + ¥80.00 = ¥200.50, counted ¥190.50.
	tb.do(chromedp.Click(chromedp.CSS(`#ho-receipts .ho-tick[value="R-0003"]`)), chromedp.SendKeys(chromedp.CSS("#ho-counted"), "190.50"))
	tb.until("the discrepancy before confirming", `document.querySelector('#ho-discrepancy')?.textContent === '-¥10.00' && document.querySelector('#ho-expected').textContent === '¥200.50'`)
	tb.shot("cod-handover")
	tb.do(chromedp.Click(chromedp.CSS("#ho-confirm")))
	tb.until("the recorded hand-over", `document.querySelector('#ho-result-discrepancy')?.textContent === '-¥10.00'`)
	tb.until("the receipt left in hand", `document.querySelectorAll('#ho-receipts .ho-tick').length === 1`)
	tb.shot("cod-handover-done")
	tb.open("#/cod/handovers", "#cod-handovers")
	tb.until("the hand-over in the list", `document.querySelector('#cod-handovers')?.textContent.includes('¥190.50')`)
	tb.shot("cod-handovers")
	tb.open("#/cod/discrepancies", "#cod-discrepancies")
	tb.until("the discrepancies", `document.querySelectorAll('#cod-discrepancies tbody tr').length >= 2`)
	tb.noPhones("COD", allPhones...)
}

// w0 is the value of the first courier option named 李四.
func w0(tb *tab) string {
	return eval[string](tb, `[...document.querySelectorAll('#ho-courier option')].find(o => o.textContent.startsWith('李四')).value`)
}

func dispatcherScreens(t *testing.T, tb *tab) {
	tb = tb.with(t)
	for _, s := range []struct{ hash, ready, shot string }{
		{"#/cod/ledger", "#cod-totals", "cod-ledger"},
		{"#/cod/balances", "#cod-balances table", "cod-balances"},
		{"#/damage", "#damage-list .damage", "damage"},
		{"#/today", "#t-risk", ""},
	} {
		tb.open(s.hash, s.ready)
		if s.hash == "#/damage" {
			tb.until("a thumbnail and a pending photo", `!!document.querySelector('#damage-list img.photo.thumb[src^="blob:"]') && !!document.querySelector('#damage-list .pending-photo')`)
		}
		if s.shot != "" {
			tb.shot(s.shot)
		}
		tb.noPhones(s.hash, allPhones...)
	}
	for _, hidden := range []string{"#nav-vehicles", "#nav-inspections", "#nav-quality", "#nav-admin"} {
		if eval[bool](tb, `!!document.querySelector('`+hidden+`')`) {
			t.Errorf("a dispatcher sees %s", hidden)
		}
	}
	if off := tb.offHost(); len(off) > 0 {
		t.Errorf("the console requested other hosts: %v", off)
	}
}

func certify(t *testing.T, tb *tab) {
	tb = tb.with(t)
	tb.open("#/vehicles", "#vehicle-list")
	tb.until("VAN-01 needing attention", `[...document.querySelectorAll('#vehicle-list tr')].some(r => r.textContent.includes('VAN-01') && r.textContent.includes('open defects'))`)
	tb.shot("vehicles")
	tb.do(chromedp.Click(chromedp.CSS(`a.vehicle-link[href="#/vehicles/VAN-01"]`)))
	tb.until("the defect and the checklist", `!!document.querySelector('#vehicle-defects .act-certify') && document.querySelectorAll('#vehicle-logs .checklist li').length === 3`)
	tb.shot("vehicle")
	tb.do(chromedp.Click(chromedp.CSS("#vehicle-defects .act-certify")), chromedp.WaitVisible(chromedp.CSS("#certify")),
		chromedp.SendKeys(chromedp.CSS("#cert-note"), "pads replaced at the depot"), chromedp.Click(chromedp.CSS("#certify-submit")),
		chromedp.WaitNotPresent(chromedp.CSS("#certify")))
	tb.until("the defect certified", `!document.querySelector('#vehicle-defects .act-certify') && !!document.querySelector('#vehicle-defects .defect-certified')`)
	tb.open("#/vehicles", "#vehicle-list")
	tb.until("the attention list without VAN-01's defect", `!![...document.querySelectorAll('#vehicle-list')].length && ![...document.querySelectorAll('#vehicle-list tr')].some(r => r.textContent.includes('VAN-01') && r.textContent.includes('open defects'))`)
}

func quality(t *testing.T, tb *tab) {
	tb = tb.with(t)
	tb.open("#/quality", "#quality table.figures")
	tb.until("the charts", `document.querySelectorAll('#quality svg.chart').length >= 10 && document.querySelectorAll('#quality svg.chart rect').length >= 120`)
	text := tb.text()
	for _, want := range []string{"≥ 90 %", "< 1 %", "Satisfied customers", "Complaint rate", "李四", "Claims decided on time", "n/a", "Month without a completed inspection"} {
		if !strings.Contains(text, want) {
			t.Errorf("quality report lacks %q", want)
		}
	}
	if n := eval[int](tb, `document.querySelectorAll('#quality .target-met, #quality .target-missed').length`); n < 1 {
		t.Errorf("no figure is marked met or missed")
	}
	if eval[bool](tb, `!!document.querySelector('#quality svg.chart[data-figure="complaint_rate_percent"] line.target')`) == false {
		t.Errorf("the complaint rate chart has no target line")
	}
	tb.shot("quality")
	tb.noPhones("Quality report", allPhones...)
}

func disable(t *testing.T, w *world, tb *tab) {
	tb = tb.with(t)
	tb.open("#/admin", "#user-list table")
	tb.shot("admin")
	tb.do(chromedp.Click(chromedp.CSS("#user-list tr.user-lisi .act-disable")), chromedp.WaitVisible(chromedp.CSS("#set-active")),
		chromedp.Click(chromedp.CSS("#set-active-submit")), chromedp.WaitNotPresent(chromedp.CSS("#set-active")))
	tb.until("li shown disabled", `!!document.querySelector('#user-list tr.user-lisi .act-enable')`)
	recorded(t)(w.li.RecordCODReceipt(&mobileapi.CODReceipt{Waybill: waybill, ReceiptNo: "R-0009", AmountCents: 100, Method: "cash"}))
	w.statuses("/v1/sync/push")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := w.li.Sync(ctx)
	if !errors.Is(err, mobileapi.ErrAuth) {
		t.Errorf("the disabled courier's sync: %v, want ErrAuth", err)
	}
	if got := w.statuses("/v1/sync/push"); !slices.Contains(got, 401) {
		t.Errorf("the disabled courier's push got %v, want a 401", got)
	}
	tb.noPhones("Admin", allPhones...)
}

func courierLogin(t *testing.T, tb *tab) {
	tb = tb.with(t)
	tb.login("wang", staffPass)
	tb.until("the courier page", `!!document.querySelector('#no-screens')`)
	if n := eval[int](tb, `document.querySelectorAll('header nav a').length`); n != 0 {
		t.Errorf("a courier sees %d console screens", n)
	}
	for _, hash := range []string{"#/today", "#/complaints", "#/cod/handover", "#/admin"} {
		tb.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = %q`, hash)))
		tb.until("the courier page again", `!!document.querySelector('#no-screens')`)
	}
}

func chinese(t *testing.T, tb *tab) {
	tb = tb.with(t)
	tb.open("#/today", "#t-risk")
	tb.do(chromedp.Click(chromedp.CSS("button.lang")))
	tb.until("Chinese", `document.documentElement.lang === 'zh-CN' && document.querySelector('#nav-today').textContent === '今日' && document.querySelector('#t-risk .label')?.textContent === '临近超时的投诉'`)
	text := tb.text()
	for _, want := range []string{"临近超时的投诉", "代收货款", "退出"} {
		if !strings.Contains(text, want) {
			t.Errorf("Chinese page lacks %q", want)
		}
	}
	tb.shot("today-zh")
	tb.open("#/quality", "#quality table.figures")
	tb.until("the charts", `document.querySelectorAll('#quality svg.chart').length >= 10`)
	tb.shot("quality-zh")
	tb.open("#/complaints", "#complaint-board .complaint")
	tb.shot("complaints-zh")
	tb.do(chromedp.Click(chromedp.CSS("button.lang")))
	tb.until("English again", `document.documentElement.lang === 'en'`)
}
