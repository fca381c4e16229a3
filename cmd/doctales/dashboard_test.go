package main

// Browser tests of the dashboard: the real server in this process, Debian's
// Chromium driven through the DevTools protocol (chromedp). They skip when
// Chromium is missing, except under CI=true, where that is a failure.
//
// go test ./cmd/doctales -run Dashboard -update-screenshots writes the
// screenshots under docs/screenshots/ (or set DOCTALES_UPDATE_SCREENSHOTS=1).

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
	"github.com/doctales/doctales/sqlite"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the dashboard screenshots to docs/screenshots/")

// screenshotDir is where the screenshots are committed.
const screenshotDir = "../../docs/screenshots"

// chromiumPath returns the browser to drive, or skips the test (fails it
// under CI=true) when there is none.
func chromiumPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("DOCTALES_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "Chromium not found: the dashboard's browser tests need it (apt-get install chromium)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one headless Chromium tab.
type browser struct {
	t   testing.TB
	ctx context.Context

	mu      sync.Mutex
	console []string // console errors and uncaught exceptions
}

// newBrowser starts Chromium with a fresh profile, the flags a machine
// without network needs, a window of width×height and any extra options,
// and closes it at test end.
func newBrowser(t testing.TB, width, height int, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	path := chromiumPath(t)
	opts := append(append([]chromedp.ExecAllocatorOption(nil), chromedp.DefaultExecAllocatorOptions[:]...),
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil { // start the browser, with no timeout
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(strings.ToLower(m.String()), "error") {
				b.mu.Lock()
				b.console = append(b.console, m.String())
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// use makes the helpers report to t (a subtest) until the returned
// function restores the previous test.
func (b *browser) use(t *testing.T) func() {
	prev := b.t
	b.t = t
	return func() { b.t = prev }
}

// setValue sets a form field's value as typing would, with input and
// change events.
func (b *browser) setValue(sel, v string) {
	b.t.Helper()
	b.wait(sel, fmt.Sprintf(`!!document.querySelector(%q)`, sel), 10*time.Second)
	evalJS[chromedp.Void](b, fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q;
		el.dispatchEvent(new Event('input', { bubbles: true })); el.dispatchEvent(new Event('change', { bubbles: true })); })()`, sel, v))
}

// do runs actions with a time limit.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// evalJS evaluates a JavaScript expression and decodes its value into T.
func evalJS[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %.80q: %v", js, err)
	}
	return v
}

// wait polls a JavaScript expression until it is truthy.
func (b *browser) wait(what, js string, timeout time.Duration) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout+5*time.Second)
	defer cancel()
	deadline := time.Now().Add(timeout)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return
		}
		// A navigation replaces the page's execution context under the
		// poll; poll again in the new one.
		if msg := err.Error(); time.Now().Before(deadline) &&
			(strings.Contains(msg, "Cannot find context") || strings.Contains(msg, "context was destroyed") ||
				strings.Contains(msg, "navigated or closed")) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		b.t.Fatalf("waiting for %s: %v\nconsole: %v", what, err, b.consoleErrors())
	}
}

// click clicks the element of a CSS selector with a script, which works
// whatever covers it.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.wait(sel, fmt.Sprintf(`!!document.querySelector(%q)`, sel), 10*time.Second)
	evalJS[chromedp.Void](b, fmt.Sprintf(`document.querySelector(%q).click()`, sel))
}

func (b *browser) consoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

// screenshot saves the viewport as docs/screenshots/<name>.png when the
// screenshots are being updated.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	if !*updateScreenshots && os.Getenv("DOCTALES_UPDATE_SCREENSHOTS") == "" {
		return
	}
	// Let transitions settle.
	time.Sleep(400 * time.Millisecond)
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// audit runs the page's accessibility checks and fails on any finding:
// every form control has a label, every button and link a name, every
// image a text alternative, ids are unique, and text has a contrast of at
// least 4.5:1 (3:1 when large) against its background.
func (b *browser) audit(where string) {
	b.t.Helper()
	problems := evalJS[[]string](b, auditJS)
	if len(problems) > 0 {
		b.t.Errorf("accessibility, %s:\n  %s", where, strings.Join(problems, "\n  "))
	}
}

const auditJS = `(() => {
  const out = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length) && getComputedStyle(el).visibility !== 'hidden';
  const name = (el) => (el.getAttribute('aria-label') || (el.getAttribute('aria-labelledby') || '').split(' ').map((id) => (document.getElementById(id) || {}).textContent || '').join(' ') || el.textContent || el.title || '').trim();
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const labelled = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]')) || el.closest('label') || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!labelled) out.push('unlabelled ' + el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''));
  }
  for (const el of document.querySelectorAll('button, a[href]')) {
    if (visible(el) && !name(el)) out.push('nameless ' + el.tagName.toLowerCase() + ' ' + el.outerHTML.slice(0, 80));
  }
  for (const el of document.querySelectorAll('img')) if (!el.hasAttribute('alt')) out.push('img without alt ' + el.src);
  const ids = {};
  for (const el of document.querySelectorAll('[id]')) { if (ids[el.id]) out.push('duplicate id ' + el.id); ids[el.id] = 1; }

  const parse = (c) => { const m = c.match(/[\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const bgOf = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] >= 0.9) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent.trim() || seen.has(el) || !visible(el) || el.closest('.visually-hidden, [hidden], noscript')) continue;
    seen.add(el);
    const cs = getComputedStyle(el);
    if (parseFloat(cs.opacity) < 0.9 || el.closest('[disabled]')) continue;
    const fg = parse(cs.color).slice(0, 3), bg = bgOf(el);
    const l1 = lum(fg), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight, 10) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) out.push('contrast ' + ratio.toFixed(2) + ' < ' + need + ' for "' + n.textContent.trim().slice(0, 40) + '" (' + cs.color + ' on rgb(' + bg.join(',') + '))');
  }
  return out.slice(0, 20);
})()`

// postJSON posts a communication and returns its id.
func postJSON(t *testing.T, url string, v any) string {
	t.Helper()
	b, _ := json.Marshal(v)
	code, out := post(t, url, string(b))
	if code != http.StatusAccepted {
		t.Fatalf("POST /communications = %d %v", code, out)
	}
	return out["id"].(string)
}

// seedCommunications posts a small, varied set of communications.
func seedCommunications(t *testing.T, url string) {
	t.Helper()
	type m = map[string]any
	for _, c := range []m{
		{"source": "email", "subject": "Available properties in Westside", "from": "Sarah Johnson", "from_email": "sarah@cityhomes.example",
			"to": []string{"alex@example.com"}, "project": "home-purchase", "urgency": "medium",
			"body":        "Hi Alex, I found three properties in Westside that match your criteria. Viewings can be arranged next week.\n\nBest, Sarah",
			"attachments": []m{{"name": "listings.pdf", "type": "application/pdf", "size": 250000}, {"name": "house-front.jpg", "type": "image/jpeg", "size": 90000}}},
		{"source": "email", "subject": "Mortgage pre-approval", "from": "Michael Chen", "from_email": "michael@firstbank.example",
			"to": []string{"alex@example.com"}, "project": "home-purchase", "urgency": "high",
			"body": "Alex, the bank needs your signed pre-approval form. Deadline: end of next month. Please call me at +1 415 555 0100."},
		{"source": "email", "subject": "Interview with TechCorp", "from": "TechCorp Recruiting", "from_email": "jobs@techcorp.example",
			"to": []string{"alex@example.com"}, "project": "career-change",
			"body": "We would like to invite you to an interview on Tuesday. Please confirm your availability."},
		{"source": "email", "subject": "Offer letter draft", "from": "Priya Natarajan", "from_email": "priya@techcorp.example",
			"to": []string{"alex@example.com"}, "project": "career-change", "urgency": "low",
			"body": "Sharing the offer letter draft for your records. No action needed."},
		{"source": "document", "title": "Reunion budget", "author": "Jamie Morgan", "author_id": "jamie@morgan.example",
			"project": "family-event", "fileType": "xlsx", "fileSize": 48000,
			"content": "Budget for the family reunion: venue, catering and travel. Please review the totals."},
		{"source": "social", "platform": "twitter", "user": "Lakeside Venue", "user_id": "lakeside_venue", "project": "family-event",
			"text": "Great news! Your family reunion at Lakeside Venue is confirmed for August. We are excited to host you!"},
		{"source": "email", "subject": "Inspection report", "from": "Home Inspectors Inc", "from_email": "reports@inspect.example",
			"to": []string{"alex@example.com"}, "project": "home-purchase",
			"body": "The inspection found a minor issue with the roof. The full report is attached."},
	} {
		postJSON(t, url, c)
	}
}

func TestDashboard_Browser(t *testing.T) {
	chromiumPath(t)
	fx := &faultyExtractor{next: extract.New()}
	fx.broken.Store(true)
	cfgFile := fastRetriesConfig(t, 10, 1, true, "")
	m := MustRunMain(t, func(m *Main) { m.Pipeline.Extractor = fx }, "--config", cfgFile)
	url := m.URL()
	seedCommunications(t, url)
	postJSON(t, url, map[string]any{"id": "poison-1", "source": "email", "subject": "Scanned contract", "from": "Scanner",
		"from_email": "scanner@office.example", "project": "home-purchase", "body": "POISON: an unreadable scan"})
	waitIdle(t, url, 20*time.Second)

	b := newBrowser(t, 1280, 900)
	b.do(chromedp.Navigate(url + "/#/prioritizer"))

	t.Run("Prioritizer", func(t *testing.T) {
		defer b.use(t)()
		b.wait("the high section", `document.querySelectorAll('.section-high .card').length >= 1`, 10*time.Second)
		b.wait("the live stream", `window.__doctales.live === 'live'`, 10*time.Second)
		if n := evalJS[int](b, `document.querySelectorAll('script[src^="http"], link[href^="http"], script[src^="//"], link[href^="//"]').length`); n != 0 {
			t.Fatalf("%d external scripts or styles", n)
		}
		// Mark this page load: a reload would lose the mark.
		evalJS[chromedp.Void](b, `window.__noReload = true`)

		// An urgent communication posted through the API appears at the top
		// of the high section and pops up a notification.
		subject := "Wire transfer approval needed"
		id := postJSON(t, url, map[string]any{"source": "email", "subject": subject, "from": "Ana Ruiz", "from_email": "ana@acme.example",
			"to": []string{"alex@example.com"}, "project": "home-purchase",
			"body": "URGENT: please approve the wire transfer before noon tomorrow. Ana Ruiz, ACME Corp, ana.ruiz@acme.example"})
		b.wait("the new communication at the top of Prioritizer",
			fmt.Sprintf(`(document.querySelector('.section-high .card') || {}).dataset?.id === %q`, id), 15*time.Second)
		b.wait("the notification pop-up", fmt.Sprintf(`[...document.querySelectorAll('.toast')].some((t) => t.dataset.id === %q && t.textContent.includes(%q))`, id, subject), 15*time.Second)
		b.wait("its dimensions", fmt.Sprintf(`!!document.querySelector('.section-high .card[data-id=%q] .badge-action')`, id), 10*time.Second)
		if !evalJS[bool](b, `window.__noReload === true`) {
			t.Fatal("the page reloaded")
		}
		if evalJS[string](b, `document.querySelector('.section-high .card [data-deadline]')?.textContent || ''`) == "" {
			t.Error("no deadline countdown on the top card")
		}
		b.audit("Prioritizer")
		b.screenshot("prioritizer")
	})

	t.Run("Detail", func(t *testing.T) {
		defer b.use(t)()
		// With the keyboard: focus the top card's title, press Enter.
		evalJS[chromedp.Void](b, `document.querySelector('.section-high .card .card-title button').focus()`)
		b.do(chromedp.KeyEvent(kb.Enter))
		b.wait("the detail pane", `!document.getElementById('detail').hidden && !!document.querySelector('#detail .content-text')`, 10*time.Second)
		b.wait("the highlights", `document.querySelectorAll('#detail .content-text mark').length >= 2`, 10*time.Second)
		b.wait("the event history", `document.querySelectorAll('#detail ol.timeline li').length >= 3`, 10*time.Second)
		got := evalJS[map[string]any](b, `({
			kinds: [...new Set([...document.querySelectorAll('#detail .content-text mark')].map((m) => m.className))].sort().join(' '),
			reasons: document.querySelector('#detail .reason')?.textContent || '',
			history: document.querySelector('#detail ol.timeline')?.textContent || '',
			focus: document.activeElement?.className || '',
		})`)
		// hl-why: the words behind the urgency ("URGENT"), issue 14.
		for _, want := range []string{"hl-deadline", "hl-pii", "hl-why"} {
			if !strings.Contains(got["kinds"].(string), want) {
				t.Errorf("highlights %q lack %s", got["kinds"], want)
			}
		}
		if why := evalJS[string](b, `document.querySelector('#detail .content-text mark.hl-why')?.firstChild?.textContent || ''`); why != "URGENT" {
			t.Errorf("the highlighted reason is %q, want URGENT", why)
		}
		if kind := evalJS[string](b, `[...document.querySelectorAll('#detail .reason')].map((r) => r.textContent).join('|')`); !strings.Contains(kind, "Kind: written to you by a person") {
			t.Errorf("the pane does not say what kind of message it is: %q", kind)
		}
		// A deadline long gone is missed, never "overdue by 8,900 days";
		// one an hour ago is overdue.
		cd := evalJS[map[string]string](b, `import('/ui/js/format.js').then((m) => ({
			old: m.countdown(new Date(Date.UTC(2002, 7, 23, 17))).text, oldState: m.countdown(new Date(Date.UTC(2002, 7, 23, 17))).state,
			recent: m.countdown(new Date(Date.now() - 3600e3)).text }))`)
		if cd["oldState"] != "missed" || !strings.Contains(cd["old"], "2002") || strings.Contains(cd["old"], "overdue") || !strings.HasPrefix(cd["recent"], "overdue by") {
			t.Errorf("countdowns %v: want a 2002 deadline missed (with its year) and one an hour ago overdue", cd)
		}
		if !strings.Contains(got["reasons"].(string), "Urgency") {
			t.Errorf("urgency reasons %q", got["reasons"])
		}
		for _, want := range []string{"INSERT", "ObjectCreated:Put", "MODIFY", "notification"} {
			if !strings.Contains(got["history"].(string), want) {
				t.Errorf("event history lacks %s: %s", want, got["history"])
			}
		}
		if !strings.Contains(got["focus"].(string), "detail-close") {
			t.Errorf("focus on %q, want the close button", got["focus"])
		}
		b.audit("detail pane")
		// Dismiss the notification, and show the text and dimensions.
		evalJS[chromedp.Void](b, `document.querySelectorAll('.toast .btn-quiet').forEach((b) => b.click())`)
		evalJS[chromedp.Void](b, `document.querySelector('#detail [data-section="deadline"]').scrollIntoView({ block: 'start' })`)
		b.screenshot("detail")

		// Escape closes it and gives the focus back to the card.
		b.do(chromedp.KeyEvent(kb.Escape))
		b.wait("the pane to close", `document.getElementById('detail').hidden`, 5*time.Second)
		if f := evalJS[string](b, `document.activeElement?.closest('.card')?.dataset.id || ''`); f == "" {
			t.Error("the focus did not return to the card")
		}
	})

	t.Run("Connector", func(t *testing.T) {
		defer b.use(t)()
		b.click(`nav.views a[data-view="connector"]`)
		b.wait("the people", `document.querySelectorAll('.people-table .person-row').length >= 5`, 10*time.Second)
		b.wait("the organisations", `document.querySelectorAll('.org-list li').length >= 3`, 10*time.Second)
		b.click(`.person-row[id^="p-michael"]`)
		b.wait("Michael's communications", `[...document.querySelectorAll('.person-comms .card')].some((c) => c.textContent.includes('Mortgage pre-approval'))`, 10*time.Second)
		b.audit("Connector")
	})

	t.Run("Visualizer", func(t *testing.T) {
		defer b.use(t)()
		b.click(`nav.views a[data-view="visualizer"]`)
		// The timeline, the calendar and the graph, from the aggregates
		// the analytics consumer keeps (dashboard_views_test.go checks
		// them on real mail).
		b.wait("the charts", `document.documentElement.dataset.rendered === 'visualizer' && !!document.querySelector('.timeline-chart canvas') && document.querySelectorAll('.graph-svg circle.g-person').length >= 3`, 10*time.Second)
		b.audit("Visualizer")
	})

	t.Run("Analyst", func(t *testing.T) {
		defer b.use(t)()
		b.click(`nav.views a[data-view="analyst"]`)
		b.wait("the table", `document.querySelectorAll('table.dims tbody tr').length >= 9`, 10*time.Second)
		firstTime := `document.querySelector('table.dims tbody tr time')?.getAttribute('datetime') || ''`
		newest := evalJS[string](b, firstTime)
		// The server's order: oldest first, then newest again.
		b.setValue("#f-sort", "oldest")
		b.click(`#analyst-apply`)
		b.wait("the oldest first", fmt.Sprintf(`(%s) !== '' && (%s) < %q`, firstTime, firstTime, newest), 10*time.Second)
		b.setValue("#f-sort", "newest")
		b.click(`#analyst-apply`)
		b.wait("the newest first", fmt.Sprintf(`(%s) === %q`, firstTime, newest), 10*time.Second)
		// Filter on the server: only the career-change project.
		b.setValue("#f-project", "career-change")
		b.click(`form.filters button[type=submit]`)
		b.wait("the filtered table", `[...document.querySelectorAll('table.dims tbody tr')].length === 2`, 10*time.Second)
		b.setValue("#f-project", "")
		b.click(`form.filters button[type=submit]`)
		b.wait("the whole table", `document.querySelectorAll('table.dims tbody tr').length >= 9`, 10*time.Second)
		b.audit("Analyst")
	})

	t.Run("Archetype", func(t *testing.T) {
		defer b.use(t)()
		// Sorting and filtering in Analyst, a person followed in Connector
		// moved the bars off 25% (the detail views count for nothing: issue
		// 12), and the profile kept the activity behind them.
		b.wait("the confidence bars to move", `document.getElementById('archetype-bars').textContent.split('25%').length - 1 < 4`, 10*time.Second)
		deadline := time.Now().Add(10 * time.Second)
		for {
			var p doctales.UserProfile
			getJSON(t, url+"/user-profile", &p)
			var prefs struct{ Activity doctales.Activity }
			_ = json.Unmarshal(p.Preferences, &prefs)
			if a := prefs.Activity["analyst"]; a != nil && a.Actions["sort"] >= 2 && a.Actions["filter"] >= 2 &&
				prefs.Activity["prioritizer"] != nil && prefs.Activity["prioritizer"].Actions["open"] >= 1 &&
				p.ArchetypeConfidence["analyst"] > 0.25 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("activity not saved: %+v %s", p, p.Preferences)
			}
			time.Sleep(100 * time.Millisecond)
		}
		// A manual choice switches the view and sticks.
		b.setValue("#archetype-mode", "visualizer")
		b.wait("the visualizer", `document.documentElement.dataset.rendered === 'visualizer' && location.hash === '#/visualizer'`, 10*time.Second)
		b.wait("the chosen archetype", `document.getElementById('archetype-name').textContent.startsWith('Visualizer')`, 5*time.Second)
		deadline = time.Now().Add(5 * time.Second)
		for {
			var p doctales.UserProfile
			getJSON(t, url+"/user-profile", &p)
			if p.PrimaryArchetype == "visualizer" && strings.Contains(string(p.Preferences), `"manual"`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("manual archetype not saved: %+v %s", p, p.Preferences)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	t.Run("Operations", func(t *testing.T) {
		defer b.use(t)()
		b.click(`nav.views a[data-view="operations"]`)
		b.wait("the flow diagram", `document.querySelectorAll('.flow-diagram .stage').length === 6`, 10*time.Second)
		b.wait("the dead letter", `[...document.querySelectorAll('.dl')].some((d) => d.textContent.includes('poison-1'))`, 10*time.Second)
		// Named by its communication's subject and sender, not only its key.
		b.wait("the dead letter's subject and sender", `[...document.querySelectorAll('.dl .dl-subject')].some((p) => p.textContent === 'Scanned contract from Scanner')`, 10*time.Second)
		// The API stage counts communications, not stored objects.
		b.wait("the communications count", `document.querySelector('.stage[data-stage="api"] dl')?.textContent.includes('communications9')`, 10*time.Second)
		if !evalJS[bool](b, `document.querySelector('.stage[data-stage="extraction"]').classList.contains('has-dead')`) {
			t.Error("the extraction stage does not show its dead letter")
		}
		b.audit("Operations")
		b.screenshot("operations")

		// Fix the fault, then redrive from the page.
		fx.broken.Store(false)
		id := evalJS[string](b, `[...document.querySelectorAll('.dl')].find((d) => d.textContent.includes('poison-1')).dataset.id`)
		b.click("#redrive-" + id)
		b.wait("the dead letter to go", `![...document.querySelectorAll('.dl')].some((d) => d.textContent.includes('poison-1'))`, 15*time.Second)
		deadline := time.Now().Add(10 * time.Second)
		for {
			var c map[string]any
			getJSON(t, url+"/communications/poison-1", &c)
			if c["status"] == doctales.StatusExtracted {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after the redrive the status is %v", c["status"])
			}
			time.Sleep(50 * time.Millisecond)
		}

		// Post by hand with the compose form.
		b.setValue("#c-subject", "Composed by hand")
		b.setValue("#c-from", "Operator")
		b.setValue("#c-from_email", "ops@example.com")
		b.setValue("#c-body", "Testing the pipeline from the operations page.")
		b.click(`form.compose button[type=submit]`)
		b.wait("the accepted answer", `document.querySelector('.compose-result')?.textContent.startsWith('Accepted')`, 10*time.Second)
		var list struct{ Communications []doctales.Item }
		getJSON(t, url+"/communications?sender=ops@example.com", &list)
		if len(list.Communications) != 1 || list.Communications[0].Subject != "Composed by hand" {
			t.Fatalf("composed communication: %+v", list.Communications)
		}
		// An empty text is refused in the form, with the field marked.
		b.setValue("#c-body", "")
		b.click(`form.compose button[type=submit]`)
		b.wait("the field error", `document.getElementById('c-body').getAttribute('aria-invalid') === 'true' && !document.getElementById('c-body-err').hidden`, 5*time.Second)
	})

	t.Run("NoExternalRequests", func(t *testing.T) {
		defer b.use(t)()
		hosts := evalJS[[]string](b, `[...new Set(performance.getEntriesByType('resource').map((e) => new URL(e.name).host))]`)
		want := strings.TrimPrefix(url, "http://")
		for _, h := range hosts {
			if h != want {
				t.Errorf("the page fetched from %s", h)
			}
		}
	})

	t.Run("Reconnect", func(t *testing.T) {
		defer b.use(t)()
		// Restart the server on the same address and data: the page
		// reconnects by itself and shows what arrives next.
		b.click(`nav.views a[data-view="prioritizer"]`)
		b.wait("the prioritizer", `document.documentElement.dataset.rendered === 'prioritizer'`, 10*time.Second)
		addr, data := strings.TrimPrefix(url, "http://"), m.Config.Data
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		b.wait("the page to notice", `window.__doctales.live !== 'live'`, 10*time.Second)
		m2 := NewMain()
		m2.Stderr = m.Stderr
		if err := m2.ParseFlags([]string{"--data", data, "--addr", addr, "--log-level", "error"}); err != nil {
			t.Fatal(err)
		}
		if err := m2.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = m2.Close() })
		b.wait("the reconnection", `window.__doctales.live === 'live'`, 20*time.Second)
		id := postJSON(t, url, map[string]any{"source": "email", "subject": "After the restart", "from": "Ana Ruiz",
			"from_email": "ana@acme.example", "urgency": "high", "body": "URGENT: one more thing, please call me."})
		b.wait("the communication posted after the restart", fmt.Sprintf(`!!document.querySelector('.card[data-id=%q]')`, id), 15*time.Second)
	})

	if errs := b.consoleErrors(); len(errs) > 0 {
		// The server restart makes the browser log failed stream requests;
		// anything else is a bug in the page.
		var bad []string
		for _, e := range errs {
			if !strings.Contains(e, "notifications/stream") && !strings.Contains(e, "ERR_CONNECTION_REFUSED") && !strings.Contains(e, "503") {
				bad = append(bad, e)
			}
		}
		if len(bad) > 0 {
			t.Errorf("console errors:\n%s", strings.Join(bad, "\n"))
		}
	}
}

// TestDashboard_Phone checks the page at a phone's width: nothing wider
// than the screen, the views reachable, the detail pane over the page.
func TestDashboard_Phone(t *testing.T) {
	chromiumPath(t)
	m := MustRunMain(t, nil)
	url := m.URL()
	seedCommunications(t, url)
	waitIdle(t, url, 20*time.Second)

	b := newBrowser(t, 390, 844)
	b.do(
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		chromedp.Navigate(url+"/"),
	)
	b.wait("the cards", `document.querySelectorAll('.card').length >= 3`, 10*time.Second)
	overflow := `document.documentElement.scrollWidth - window.innerWidth`
	if n := evalJS[int](b, overflow); n > 0 {
		t.Errorf("the first screen (needs you now) is %dpx wider than the screen", n)
	}
	b.audit("phone")
	b.screenshot("phone")
	for _, view := range []string{"connector", "visualizer", "analyst", "operations", "threads", "rules"} {
		b.click(fmt.Sprintf(`nav.views a[data-view=%q]`, view))
		b.wait(view, fmt.Sprintf(`document.documentElement.dataset.rendered === %q`, view), 10*time.Second)
		if n := evalJS[int](b, overflow); n > 0 {
			t.Errorf("%s is %dpx wider than the screen", view, n)
		}
	}
	b.click(`nav.views a[data-view="prioritizer"]`)
	b.wait("the prioritizer", `document.querySelectorAll('.card').length >= 3`, 10*time.Second)
	b.click(".card .card-title button")
	b.wait("the detail pane", `!!document.querySelector('#detail .content-text')`, 10*time.Second)
	if w := evalJS[int](b, `document.getElementById('detail').getBoundingClientRect().width`); w < 380 {
		t.Errorf("the detail pane is %dpx wide on a 390px screen", w)
	}
	b.screenshot("phone-detail")
}

// TestDashboard_FirstRender10k: with 10,000 communications stored the
// prioritizer renders its first page (and only pages, not everything)
// within the wait; how long it takes is measured by
// BenchmarkDashboard_FirstRender10k, not asserted here: a time limit in a
// test fails on a loaded machine (CI runs packages side by side).
func TestDashboard_FirstRender10k(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 10,000 communications")
	}
	b, ms := firstRender10k(t)
	t.Logf("first render %.0f ms after navigation start, with 10,000 communications", ms)
	if ms <= 0 {
		t.Errorf("first render not recorded (window.__doctales.firstRender = %.0f)", ms)
	}
	if n := evalJS[int](b, `document.querySelectorAll('.card').length`); n > 200 {
		t.Errorf("%d cards rendered: the page should show pages, not everything", n)
	}
}

// BenchmarkDashboard_FirstRender10k reports the prioritizer's first render
// with 10,000 communications stored (the target is 1,000 ms), as
// first-render-ms: go test -run '^$' -bench FirstRender10k ./cmd/doctales/
func BenchmarkDashboard_FirstRender10k(b *testing.B) {
	var total float64
	for range b.N {
		_, ms := firstRender10k(b)
		total += ms
	}
	b.ReportMetric(total/float64(b.N), "first-render-ms")
}

// firstRender10k seeds 10,000 communications, serves them and opens the
// prioritizer in a warmed browser; it returns the browser and the first
// render's time after navigation start, in ms.
func firstRender10k(t testing.TB) (*browser, float64) {
	chromiumPath(t)
	data := t.TempDir()
	seedItems(t, data, 10_000)
	m := MustRunMain(t, nil, "--data", data)
	url := m.URL()

	b := newBrowser(t, 1280, 900)
	// Warm the browser once (its own start-up is not the page's cost).
	b.do(chromedp.Navigate(url + "/healthz"))
	b.do(chromedp.Navigate(url + "/#/prioritizer"))
	b.wait("the first render", `window.__doctales && window.__doctales.firstRender > 0 && document.querySelectorAll('.section-high .card').length > 0`, 10*time.Second)
	return b, evalJS[float64](b, `window.__doctales.firstRender`)
}

// seedItems writes n items with dimensions straight into the table of the
// data folder, as many as the pipeline would have after a long time.
func seedItems(t testing.TB, data string, n int) {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(data, "doctales.db"))
	cfg := DefaultConfig()
	db.TableName = cfg.TableName()
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	projects := []string{"home-purchase", "career-change", "family-event", "garden", "taxes"}
	urgencies := []string{"low", "medium", "medium", "low", "low", "medium", "low", "low", "medium", "low", "low", "medium", "low", "low", "medium", "low", "low", "medium", "low", "high"}
	base := time.Now().Add(-time.Duration(n) * time.Minute)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	jobs := make(chan int)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				ts := base.Add(time.Duration(i) * time.Minute)
				u := urgencies[i%len(urgencies)]
				c := &doctales.Communication{ID: fmt.Sprintf("seed-%05d", i), Type: doctales.TypeEmail, Source: "email", Timestamp: ts,
					Project: projects[i%len(projects)], Subject: fmt.Sprintf("Seeded communication %d", i),
					Sender: fmt.Sprintf("Sender %d", i%300), SenderID: fmt.Sprintf("sender%d@org%d.example", i%300, i%40),
					Metadata: doctales.Metadata{Urgency: u}}
				it := doctales.NewItem(c, ts)
				it.Status = doctales.StatusExtracted
				deadline := ts.Add(72 * time.Hour)
				it.Dimensions = &doctales.Dimensions{Urgency: u, UrgencyScore: 0.5, UrgencyReasons: []string{"deadline in 3d", "request"},
					RequiresAction: i%3 == 0, Deadline: &deadline, Sentiment: "NEUTRAL", Language: "en", LanguageScore: 1,
					Entities:   []doctales.Entity{{Text: "Ana", Type: doctales.EntityPerson, Score: 0.9, BeginOffset: 0, EndOffset: 3}},
					KeyPhrases: []doctales.KeyPhrase{{Text: "budget", Score: 0.5, BeginOffset: 4, EndOffset: 10}}}
				if _, _, err := db.CreateItem(ctx, it); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}
