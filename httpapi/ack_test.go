package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/notify"
)

// TestAck: with auth on, the ack link of a notification e-mail needs no
// key when its token is right. A GET (a person's click, or a mail
// system's link scanner) only shows a page whose button POSTs the same
// URL, and leaves the item unread; the POST marks it read (again on a
// second click), answering JSON to a client and a page to a browser.
// Both are 404 for a wrong token, another id's token, or a server
// without an ack key.
func TestAck(t *testing.T) {
	var f *authFixture
	f = mustAuthServer(t, func(h *httpapi.Handler) {
		h.AckKey = func(ctx context.Context) ([]byte, error) { return f.db.AckKey(ctx) }
	})
	_, ana := f.mustKey(t, "ana", doctales.ScopeRead, doctales.ScopeIngest)
	body := `{"id":"a1","source":"email","subject":"wire <b>now</b>","from":"Ana","from_email":"ana@acme.example","body":"URGENT: approve the wire now please"}`
	if resp, b := send(t, "POST", f.srv.URL+"/communications", body, bearer(ana)); resp.StatusCode != 202 {
		t.Fatalf("POST = %d %s", resp.StatusCode, b)
	}
	key, err := f.db.AckKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tok := notify.AckToken(key, "a1")
	isRead := func() bool {
		t.Helper()
		it, err := f.db.GetItem(context.Background(), "a1")
		if err != nil {
			t.Fatal(err)
		}
		return it.Metadata.Read
	}
	for _, c := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/communications/a1/ack?token=" + strings.Repeat("0", len(tok)), 404},
		{"GET", "/communications/a1/ack", 404},
		{"GET", "/communications/zz/ack?token=" + tok, 404},
		{"POST", "/communications/a1/ack?token=" + strings.Repeat("0", len(tok)), 404},
		{"POST", "/communications/a1/ack", 404},
		{"POST", "/communications/zz/ack?token=" + tok, 404},
	} {
		resp, b := send(t, c.method, f.srv.URL+c.path, "", nil)
		if resp.StatusCode != c.code {
			t.Errorf("%s %s = %d %s, want %d", c.method, c.path, resp.StatusCode, b, c.code)
		}
	}

	// GET, as a link scanner or a click: a page with a button, nothing
	// acknowledged.
	link := f.srv.URL + "/communications/a1/ack?token=" + tok
	for range 2 {
		resp, page := send(t, "GET", link, "", map[string]string{"Accept": "text/html"})
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET link = %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
		}
		for _, want := range []string{`<form method="post" action="?token=` + tok + `">`, `<button type="submit">Acknowledge</button>`, "wire &lt;b&gt;now&lt;/b&gt;"} {
			if !strings.Contains(page, want) {
				t.Errorf("GET page lacks %q:\n%s", want, page)
			}
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET page CSP %q", csp)
		}
		if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET page headers %v", resp.Header)
		}
	}
	if isRead() {
		t.Fatal("a GET on the ack link acknowledged the communication; only the POST may")
	}

	// POST, from the page's button (a browser): acknowledged, a page.
	resp, page := send(t, "POST", link, "", map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(page, "<h1>Acknowledged</h1>") {
		t.Fatalf("POST link from a browser = %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}
	if !isRead() {
		t.Fatal("after the POST on the ack link: not read")
	}
	// POST from a client, again: JSON.
	resp, b := send(t, "POST", link, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(b, `"acknowledged":true`) {
		t.Errorf("second POST = %d %s", resp.StatusCode, b)
	}
	none := mustAuthServer(t, nil)
	for _, m := range []string{"GET", "POST"} {
		if resp, _ := send(t, m, none.srv.URL+"/communications/a1/ack?token="+tok, "", nil); resp.StatusCode != 404 {
			t.Errorf("%s without an ack key: %d, want 404", m, resp.StatusCode)
		}
	}
}
