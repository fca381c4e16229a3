package main

// Browser tests of the browser surface (issue 17): another origin cannot
// read or post, the sign-in flow, and mail text never runs as markup. Like
// the dashboard tests they need Chromium (a failure under CI=true).

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/auth"
	"github.com/doctales/doctales/extract"
)

// countItems returns how many communications the server's table holds.
func countItems(t *testing.T, m *Main) int {
	t.Helper()
	items, _, err := m.Pipeline.DB.FindItems(context.Background(), doctales.ItemFilter{Limit: doctales.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return len(items)
}

// evilJS is the script of a page on another origin that tries to read the
// mail and to post to a Doc-Tales server at %s.
const evilJS = `
const T = %q;
window.__results = {};
(async () => {
  const r = window.__results;
  try { const resp = await fetch(T + '/communications'); const j = await resp.json(); r.get = 'read ' + (j.count || 0); }
  catch (e) { r.get = 'refused'; }
  try { const resp = await fetch(T + '/communications', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ source: 'email', subject: 'Posted by another site', from: 'evil@evil.example', body: 'pwned', urgency: 'high' }) });
    r.postJSON = 'answered ' + resp.status; }
  catch (e) { r.postJSON = 'refused'; }
  // A no-cors upload needs no preflight: the browser sends it and hides the answer.
  try { const fd = new FormData(); fd.append('file', new Blob(['Posted by another site, as a file.'], { type: 'text/plain' }), 'evil.txt');
    await fetch(T + '/communications', { method: 'POST', mode: 'no-cors', body: fd }); r.postForm = 'sent'; }
  catch (e) { r.postForm = 'refused'; }
  try { await fetch(T + '/dlq/redrive', { method: 'POST', mode: 'no-cors' }); r.redrive = 'sent'; }
  catch (e) { r.redrive = 'refused'; }
  r.done = true;
})();
`

// TestDashboard_CrossOrigin opens a page served by a second server on
// 127.0.0.1 (another origin: another port) that fetches the mail from a
// Doc-Tales server in open mode, and posts to it. The browser refuses the
// reads and the JSON post (no CORS answer), and the server refuses the
// posts a browser sends without asking (cross-origin): nothing is stored.
func TestDashboard_CrossOrigin(t *testing.T) {
	chromiumPath(t)
	m := MustRunMain(t, nil)
	url := m.URL()
	postJSON(t, url, map[string]any{"source": "email", "subject": "Private letter", "from": "Ana", "from_email": "ana@example.com", "body": "Secret."})

	var hits atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<!doctype html><title>Cute cats</title><script src="/evil.js"></script><p>Cats.</p>`)
		case "/evil.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprintf(w, evilJS, url)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(evil.Close)
	if strings.TrimPrefix(evil.URL, "http://") == strings.TrimPrefix(url, "http://") {
		t.Fatal("the two servers share an origin")
	}

	b := newBrowser(t, 1024, 768)
	b.do(chromedp.Navigate(evil.URL + "/"))
	b.wait("the other site's script", `window.__results && window.__results.done === true`, 15*time.Second)
	got := evalJS[map[string]string](b, `(() => { const r = {...window.__results}; delete r.done; return r; })()`)
	if got["get"] != "refused" || got["postJSON"] != "refused" {
		t.Errorf("the other origin's fetches: %v; want the read and the JSON post refused by the browser", got)
	}
	if hits.Load() < 2 {
		t.Fatalf("the other site was not loaded (%d requests)", hits.Load())
	}
	// The no-cors posts reach the server, which must refuse them.
	time.Sleep(300 * time.Millisecond)
	if n := countItems(t, m); n != 1 {
		t.Fatalf("%d communications stored after the other site's posts, want 1 (results %v)", n, got)
	}
}

// TestDashboard_SignIn signs in with a password, sees the communications,
// makes a change that needs the CSRF token, and signs out.
func TestDashboard_SignIn(t *testing.T) {
	chromiumPath(t)
	m := MustRunMain(t, nil)
	url := m.URL()
	seedCommunications(t, url)
	waitIdle(t, url, 20*time.Second)
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Pipeline.DB.AddUser(context.Background(), "ana", hash); err != nil {
		t.Fatal(err)
	}
	if code := getWith(t, url+"/communications", ""); code != 401 {
		t.Fatalf("with a user, GET /communications = %d, want 401", code)
	}

	b := newBrowser(t, 1280, 900)
	b.do(chromedp.Navigate(url + "/"))
	b.wait("the sign-in page", `location.pathname === '/ui/signin.html' && !!document.getElementById('signin-user')`, 10*time.Second)
	b.audit("sign-in page")
	b.screenshot("signin")

	// A wrong password: an error, no session.
	b.setValue("#signin-user", "ana")
	b.setValue("#signin-pass", "wrong password")
	b.click("#signin-submit")
	b.wait("the refusal", `document.getElementById('signin-error').textContent.includes('not valid')`, 10*time.Second)

	b.setValue("#signin-pass", "correct horse battery")
	b.click("#signin-submit")
	b.wait("the dashboard", `location.pathname === '/' && document.querySelectorAll('.card').length >= 3`, 15*time.Second)
	b.wait("the user's name", `!document.getElementById('session').hidden && document.getElementById('session-user').textContent === 'ana'`, 5*time.Second)
	b.wait("the live stream", `window.__doctales.live === 'live'`, 10*time.Second)
	if evalJS[bool](b, `document.cookie.includes('doctales_session')`) {
		t.Error("the session cookie is readable from JavaScript")
	}
	// A state change through the page's API module carries the CSRF token.
	res := evalJS[string](b, `(async () => { const { api } = await import('/ui/js/api.js');
		try { await api.redriveAll(); return 'ok'; } catch (e) { return 'failed ' + e.status + ' ' + e.message; } })()`)
	if res != "ok" {
		t.Errorf("redrive from the signed-in page: %s", res)
	}
	// Without the token, the same session is refused.
	code := evalJS[int](b, `fetch('/dlq/redrive', { method: 'POST' }).then((r) => r.status)`)
	if code != 403 {
		t.Errorf("POST without the CSRF token = %d, want 403", code)
	}
	b.audit("signed in")

	b.click("#sign-out")
	b.wait("the sign-in page again", `location.pathname === '/ui/signin.html'`, 10*time.Second)
	if code := evalJS[int](b, `fetch('/communications').then((r) => r.status)`); code != 401 {
		t.Errorf("after sign-out GET /communications = %d, want 401", code)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Logf("console: %v", errs)
	}
}

// xssPayload carries markup that would run if any part of it were parsed
// as HTML: an image with onerror, a script element, a javascript: link,
// an SVG with onload, and quotes that break out of an attribute. %s is a
// URL of a test server that counts the requests it gets.
const xssPayload = `"'><img src=x onerror="window.__xss=1;new Image().src='%[1]s/img'"><script>window.__xss=2</script>` +
	`<a href="javascript:window.__xss=3">click</a><svg onload="window.__xss=4"></svg><iframe src="javascript:parent.__xss=5"></iframe>`

// xssShort fits the fields with a short limit (project: 128 characters).
const xssShort = `"><img src=x onerror=window.__xss=6>`

// xssCheckJS reports what ran or was parsed: __xss, and elements or
// attributes that only exist if mail text was inserted as HTML.
const xssCheckJS = `(() => {
  const bad = document.querySelectorAll('img[src="x"], svg[onload], iframe, [onerror], [onload], [onmouseover], script:not([src]), a[href^="javascript:"]');
  return { xss: String(window.__xss ?? ''), parsed: [...bad].map((e) => e.outerHTML.slice(0, 80)), shown: document.body.textContent.includes('<img src=x') };
})()`

// TestDashboard_XSS posts communications whose every field carries markup,
// renders them in every view, the detail pane, a notification pop-up and
// the dead letters, and checks that nothing ran and no markup was parsed:
// the page builds elements and sets text (dom.js), and its CSP forbids
// inline script besides.
func TestDashboard_XSS(t *testing.T) {
	chromiumPath(t)
	var hits atomic.Int64
	hit := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(hit.Close)
	p := fmt.Sprintf(xssPayload, hit.URL)

	fx := &faultyExtractor{next: extract.New()}
	fx.broken.Store(true)
	cfgFile := fastRetriesConfig(t, 10, 1, true, "")
	m := MustRunMain(t, func(m *Main) { m.Pipeline.Extractor = fx }, "--config", cfgFile)
	url := m.URL()
	type obj = map[string]any
	attach := []obj{{"name": p + ".pdf", "type": "application/pdf", "size": 1000}, {"name": p + ".jpg", "type": "image/jpeg", "size": 2000}}
	for _, c := range []obj{
		{"source": "email", "subject": p, "from": p, "from_email": "mallory@evil.example", "to": []string{p}, "cc": []string{p},
			"project": xssShort, "urgency": "high", "attachments": attach,
			"body": "URGENT: reply by tomorrow noon. " + p + " javascript:window.__xss=7 Call Ana Ruiz at +1 415 555 0100."},
		{"source": "document", "title": p, "author": p, "author_id": "mallory2@evil.example", "project": xssShort,
			"content": p + " Please review the totals by Friday.", "fileType": p},
		{"source": "social", "platform": "twitter", "user": p, "user_id": "mallory_x", "project": xssShort, "text": p + " great news"},
		{"id": "poison-xss", "source": "email", "subject": p, "from": p, "from_email": "scanner@evil.example", "project": xssShort,
			"body": "POISON " + p},
	} {
		postJSON(t, url, c)
	}
	waitIdle(t, url, 20*time.Second)

	b := newBrowser(t, 1280, 900)
	// Notifications pop up for high urgency: open the page first, then
	// post one more so a pop-up carries the payload too.
	b.do(chromedp.Navigate(url + "/#/prioritizer"))
	b.wait("the cards", `document.querySelectorAll('.card').length >= 3`, 10*time.Second)
	b.wait("the live stream", `window.__doctales.live === 'live'`, 10*time.Second)
	postJSON(t, url, obj{"source": "email", "subject": p, "from": p, "from_email": "mallory3@evil.example", "urgency": "high",
		"body": "URGENT: approve before noon tomorrow. " + p})
	b.wait("the notification pop-up", `[...document.querySelectorAll('.toast')].some((t) => t.textContent.includes('<img src=x'))`, 15*time.Second)

	check := func(where string, mustShow bool) {
		t.Helper()
		got := evalJS[map[string]any](b, xssCheckJS)
		if got["xss"] != "" {
			t.Errorf("%s: the payload ran (window.__xss = %v)", where, got["xss"])
		}
		if parsed, _ := got["parsed"].([]any); len(parsed) > 0 {
			t.Errorf("%s: mail text was parsed as HTML: %v", where, parsed)
		}
		if mustShow && got["shown"] != true {
			t.Errorf("%s: the payload is not shown as text; the view did not render it", where)
		}
	}
	check("Prioritizer with a pop-up", true)

	// Threads has nothing to show of posts without a thread; it must
	// still parse nothing.
	for _, view := range []string{"now", "connector", "visualizer", "analyst", "operations", "threads"} {
		b.click(fmt.Sprintf(`nav.views a[data-view=%q]`, view))
		b.wait(view, fmt.Sprintf(`document.documentElement.dataset.rendered === %q`, view), 10*time.Second)
		time.Sleep(300 * time.Millisecond) // let its pages load
		check(view, view != "operations" && view != "threads")
	}
	// The connector's person view lists the sender's communications.
	b.click(`nav.views a[data-view="connector"]`)
	b.wait("the people", `document.querySelectorAll('.people-table .person-row').length >= 1`, 10*time.Second)
	b.click(`.people-table .person-row`)
	time.Sleep(300 * time.Millisecond)
	check("a person", true)

	// The detail pane of each communication.
	b.click(`nav.views a[data-view="analyst"]`)
	b.wait("the table", `document.querySelectorAll('table.dims tbody tr').length >= 4`, 10*time.Second)
	n := evalJS[int](b, `document.querySelectorAll('table.dims tbody tr').length`)
	for i := 0; i < n; i++ {
		evalJS[chromedp.Void](b, fmt.Sprintf(`document.querySelectorAll('table.dims tbody tr')[%d].querySelector('button.link, a').click()`, i))
		b.wait("the detail pane", `!document.getElementById('detail').hidden && !!document.querySelector('#detail .content-text, #detail .error')`, 10*time.Second)
		time.Sleep(300 * time.Millisecond) // its history and log
		check(fmt.Sprintf("detail pane %d", i), true)
	}
	if hits.Load() != 0 {
		t.Errorf("the payload reached the test server %d times", hits.Load())
	}
}

// TestDashboard_DNSRebinding plays a DNS-rebinding attack in Chromium:
// rebind.test resolves to 127.0.0.1 (host-resolver-rules); the attacker's
// page loads from rebind.test:P, then its server goes away and Doc-Tales
// answers on the same port, so the page's fetch of /communications is
// same-origin for the browser. The Host check answers 421 and the page
// reads nothing.
func TestDashboard_DNSRebinding(t *testing.T) {
	chromiumPath(t)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Connection", "close")
		fmt.Fprint(w, `<!doctype html><title>Cute cats</title><p>Cats.</p>`)
	}))
	port := evil.URL[strings.LastIndex(evil.URL, ":")+1:]

	b := newBrowser(t, 1024, 768, chromedp.Flag("host-resolver-rules", "MAP rebind.test 127.0.0.1"))
	b.do(chromedp.Navigate("http://rebind.test:" + port + "/"))
	b.wait("the attacker's page", `document.title === 'Cute cats'`, 10*time.Second)
	evil.Close()

	// Doc-Tales on the attacker's port: the name now points at it.
	m := MustRunMain(t, nil, "--addr", "127.0.0.1:"+port)
	postJSON(t, m.URL(), map[string]any{"source": "email", "subject": "Private letter", "from": "Ana", "from_email": "ana@example.com", "body": "Secret."})
	got := evalJS[string](b, `fetch('/communications', { cache: 'no-store' }).then(async (r) => r.status + ' ' + await r.text(), (e) => 'failed ' + e)`)
	if !strings.HasPrefix(got, "421 ") || strings.Contains(got, "Private letter") || !strings.Contains(got, "allowedHosts") {
		t.Fatalf("the rebound page's fetch: %.300s", got)
	}
	posted := evalJS[string](b, `fetch('/communications', { method: 'POST', headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ source: 'email', subject: 'rebound', from: 'x@evil.example', body: 'x' }) }).then((r) => String(r.status), (e) => 'failed ' + e)`)
	if posted != "421" || countItems(t, m) != 1 {
		t.Fatalf("the rebound page's post: %s, %d items", posted, countItems(t, m))
	}
}
