package consoletest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// waitFor bounds every wait on the page: generous, so a loaded 2-core
// machine cannot fail it (the console polls every 4 s).
const waitFor = 45 * time.Second

// chromium finds the browser: $CHROMIUM, /usr/bin/chromium, or on PATH.
// Absent, the test skips, unless CI=true, where a missing browser fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (CI=true): run scripts/install-chromium.sh")
	}
	t.Skip("chromium is not installed: run scripts/install-chromium.sh (apt-get install -y chromium) to run the console's browser tests")
	return ""
}

// browser is one headless Chromium with a fresh profile.
type browser struct {
	alloc  context.Context // the browser's first tab: new tabs are its children
	origin string          // the server's scheme://host:port
	shots  string          // screenshot directory, or ""
}

func newBrowser(t *testing.T, origin string) *browser {
	t.Helper()
	exe := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 768),
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	// The first Run on this context starts the browser, which lives as
	// long as this context: the tabs are its children.
	root, cancelRoot := chromedp.NewContext(alloc)
	t.Cleanup(cancelRoot)
	if err := chromedp.Do(root, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b := &browser{alloc: root, origin: origin, shots: os.Getenv("CONSOLE_SCREENSHOTS")}
	if b.shots != "" {
		if err := os.MkdirAll(b.shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// tab is one browser tab (its own sessionStorage: one signed-in user),
// recording every request it makes.
type tab struct {
	t   *testing.T
	ctx context.Context
	b   *browser
	rec *recorder
}

// recorder keeps what a tab's listener saw.
type recorder struct {
	mu       sync.Mutex
	requests []string       // URLs requested
	sizes    map[string]int // request id → encoded bytes received
	ids      map[network.RequestID]string
}

func (b *browser) tab(t *testing.T) *tab {
	t.Helper()
	tb := &tab{t: t, b: b, rec: &recorder{sizes: map[string]int{}, ids: map[network.RequestID]string{}}}
	ctx, cancel := chromedp.NewContext(b.alloc, chromedp.WithListener(tb.rec.event))
	t.Cleanup(cancel)
	tb.ctx = ctx
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil { // opens the tab: no timeout on its first Run
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	tb.do(chromedp.EmulateViewport(1366, 768))
	return tb
}

// with returns the tab for use in the (sub)test t.
func (tb *tab) with(t *testing.T) *tab { return &tab{t: t, ctx: tb.ctx, b: tb.b, rec: tb.rec} }

// event records the requests of the tab and the bytes they received.
func (tb *recorder) event(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		tb.requests = append(tb.requests, e.Request.URL)
		tb.ids[e.RequestID] = e.Request.URL
	case *network.EventLoadingFinished:
		tb.sizes[string(e.RequestID)] += int(e.EncodedDataLength)
	}
}

// do runs actions with the page's time bound.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, waitFor)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("browser: %v\npage text:\n%s", err, tb.textQuiet())
	}
}

// eval evaluates a JavaScript expression and returns its value.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, waitFor)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// until waits until the JavaScript expression is truthy.
func (tb *tab) until(what, expr string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, waitFor)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(waitFor))); err != nil {
		tb.t.Fatalf("waiting for %s: %v\npage text:\n%s", what, err, tb.textQuiet())
	}
}

func (tb *tab) textQuiet() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`))
	return s
}

// text is the visible text of the page.
func (tb *tab) text() string {
	tb.t.Helper()
	return eval[string](tb, `document.body.innerText`)
}

// open goes to a console route ("#/today") and waits for ready (a CSS
// selector) to be visible.
func (tb *tab) open(hash, ready string) {
	tb.t.Helper()
	tb.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = %q`, hash)))
	tb.do(chromedp.WaitVisible(chromedp.CSS(ready)))
}

// login loads /console/ and signs in.
func (tb *tab) login(user, pass string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.b.origin+"/console/"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), pass),
		chromedp.Click(chromedp.CSS("#login button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#whoami")))
}

// unmaskedPhone matches a mainland mobile number shown whole.
var unmaskedPhone = regexp.MustCompile(`1[3-9]\d{9}`)

// noPhones fails when the page shows any of the phones, or any whole
// mobile number, in its text or its form values.
func (tb *tab) noPhones(screen string, phones ...string) {
	tb.t.Helper()
	values := eval[string](tb, `[...document.querySelectorAll('input,textarea,select')].map(e => e.value).join(' ')`)
	page := tb.text() + "\n" + values
	for _, p := range phones {
		if strings.Contains(page, p) {
			tb.t.Errorf("%s shows the unmasked phone %s", screen, p)
		}
	}
	if m := unmaskedPhone.FindString(page); m != "" {
		tb.t.Errorf("%s shows a whole phone number %s", screen, m)
	}
}

// shot saves a screenshot of the whole page as <name>.png when
// CONSOLE_SCREENSHOTS is set.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	if tb.b.shots == "" {
		return
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`))
	ctx, cancel := context.WithTimeout(tb.ctx, waitFor)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tb.b.shots, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// offHost lists the requests to anything but the console's origin
// (data: and blob: URLs are local).
func (tb *tab) offHost() []string {
	tb.rec.mu.Lock()
	defer tb.rec.mu.Unlock()
	origin, _ := url.Parse(tb.b.origin)
	var out []string
	for _, r := range tb.rec.requests {
		u, err := url.Parse(r)
		if err != nil || (u.Scheme != "data" && u.Scheme != "blob" && u.Host != origin.Host) {
			out = append(out, r)
		}
	}
	return out
}

// received is the total of encoded (compressed) bytes received so far.
func (tb *tab) received() int {
	tb.rec.mu.Lock()
	defer tb.rec.mu.Unlock()
	n := 0
	for _, s := range tb.rec.sizes {
		n += s
	}
	return n
}
