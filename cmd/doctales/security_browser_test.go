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
