package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/auth"
	"github.com/doctales/doctales/fsblob"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/sqlite"
)

// authFixture is a handler with auth on a fresh database.
type authFixture struct {
	srv *httptest.Server
	db  *sqlite.DB
	h   *httpapi.Handler
}

// mustAuthServer returns a test server whose handler resolves keys and
// sessions from a fresh database (in open mode until a user or key is
// added).
func mustAuthServer(t *testing.T, setup func(h *httpapi.Handler)) *authFixture {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	store := fsblob.NewStore(filepath.Join(t.TempDir(), "objects"), "raw")
	if err := store.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	h := &httpapi.Handler{
		Normalizer: &ingest.Normalizer{}, Ingestion: &function.Ingestion{Store: store, Table: db}, Store: store,
		Table: db, DeadLetters: db, Profiles: db, Directory: db, CommunicationLog: db,
		UI:     http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ui "+r.URL.Path) }),
		Stats:  func() any { return map[string]any{"ok": true} },
		Auth:   db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if setup != nil {
		setup(h)
	}
	h.Init()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &authFixture{srv: srv, db: db, h: h}
}

// mustKey creates an API key.
func (f *authFixture) mustKey(t *testing.T, user string, scopes ...string) (string, string) {
	t.Helper()
	k, key, err := f.db.CreateAPIKey(context.Background(), user, scopes)
	if err != nil {
		t.Fatal(err)
	}
	return k.ID, string(key)
}

// send sends a request with headers and returns the answer, body read.
func send(t *testing.T, method, url, body string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no redirects followed
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func bearer(key string) map[string]string { return map[string]string{"Authorization": "Bearer " + key} }

func TestAuth_OpenMode(t *testing.T) {
	f := mustAuthServer(t, nil)
	// No user and no key: every route answers as before, without a key.
	for _, path := range []string{"/communications", "/stats", "/dlq", "/people"} {
		if resp, body := send(t, "GET", f.srv.URL+path, "", nil); resp.StatusCode != 200 {
			t.Fatalf("open mode: GET %s = %d %s", path, resp.StatusCode, body)
		}
	}
	var s httpapi.SessionResponse
	if do(t, "GET", f.srv.URL+"/auth/session", "", &s); !s.Open || !s.SignedIn {
		t.Fatalf("open mode: /auth/session = %+v", s)
	}
	if !f.h.OpenMode(context.Background()) {
		t.Fatal("OpenMode() = false with no user and no key")
	}
	// Open mode is not open to other sites: a browser's cross-origin form
	// post (a file upload, which needs no preflight) is refused.
	upload := "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello\r\n--XX--\r\n"
	for _, hdr := range []map[string]string{
		{"Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"},
		{"Origin": "http://evil.example"},
		{"Sec-Fetch-Site": "cross-site"},
	} {
		hdr["Content-Type"] = "multipart/form-data; boundary=XX"
		if resp, body := send(t, "POST", f.srv.URL+"/communications", upload, hdr); resp.StatusCode != 403 {
			t.Fatalf("open mode: cross-origin upload %v = %d %s", hdr, resp.StatusCode, body)
		}
	}
	if items, _, _ := f.db.FindItems(context.Background(), doctales.ItemFilter{}); len(items) != 0 {
		t.Fatalf("open mode: %d items stored from cross-origin posts", len(items))
	}
	// The same post from the page itself is accepted.
	if resp, body := send(t, "POST", f.srv.URL+"/communications", upload, map[string]string{"Content-Type": "multipart/form-data; boundary=XX",
		"Origin": f.srv.URL, "Sec-Fetch-Site": "same-origin"}); resp.StatusCode != 202 {
		t.Fatalf("open mode: same-origin upload = %d %s", resp.StatusCode, body)
	}

	// The first key closes it, without a restart.
	f.mustKey(t, "ana", doctales.ScopeRead)
	if resp, _ := send(t, "GET", f.srv.URL+"/communications", "", nil); resp.StatusCode != 401 {
		t.Fatalf("after the first key: GET /communications = %d, want 401", resp.StatusCode)
	}
	if f.h.OpenMode(context.Background()) {
		t.Fatal("OpenMode() = true with a key")
	}
}

func TestAuth_Keys(t *testing.T) {
	f := mustAuthServer(t, nil)
	_, read := f.mustKey(t, "ana", doctales.ScopeRead)
	_, ingest := f.mustKey(t, "ana", doctales.ScopeIngest)
	_, admin := f.mustKey(t, "ana", doctales.ScopeAdmin)
	url := f.srv.URL

	t.Run("NoKey", func(t *testing.T) {
		resp, body := send(t, "GET", url+"/communications", "", nil)
		if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") || !strings.Contains(body, `"unauthorized"`) {
			t.Fatalf("no key: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
		}
		// Unknown routes do not tell what exists before authentication.
		if resp, _ := send(t, "GET", url+"/nope", "", nil); resp.StatusCode != 401 {
			t.Fatalf("no key, unknown route = %d, want 401", resp.StatusCode)
		}
	})
	t.Run("WrongKey", func(t *testing.T) {
		for _, k := range []string{"nonsense", read + "x", "dt_0123456789abcdef_secret"} {
			if resp, _ := send(t, "GET", url+"/communications", "", bearer(k)); resp.StatusCode != 401 {
				t.Fatalf("key %q: %d, want 401", k, resp.StatusCode)
			}
		}
		if resp, _ := send(t, "GET", url+"/communications", "", map[string]string{"Authorization": "Basic " + read}); resp.StatusCode != 401 {
			t.Fatalf("Basic scheme: %d, want 401", resp.StatusCode)
		}
	})
	t.Run("Public", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz", "/ui/app.js", "/auth/session"} {
			if resp, body := send(t, "GET", url+p, "", nil); resp.StatusCode != 200 {
				t.Fatalf("GET %s without a key = %d %s", p, resp.StatusCode, body)
			}
		}
		// The page sends a browser to the sign-in page.
		resp, _ := send(t, "GET", url+"/", "", nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != httpapi.SignInPath {
			t.Fatalf("GET / without a session = %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("Scopes", func(t *testing.T) {
		msg := `{"source":"email","subject":"Hi","from":"a@b.example","body":"hello"}`
		for _, c := range []struct {
			method, path, key string
			want              int
		}{
			{"GET", "/communications", read, 200},
			{"GET", "/people", read, 200},
			{"GET", "/user-profile", read, 200},
			{"GET", "/communications", ingest, 403},
			{"GET", "/stats", read, 403},
			{"GET", "/dlq", read, 403},
			{"POST", "/dlq/redrive", read, 403},
			{"POST", "/communications", read, 403},
			{"GET", "/stats", admin, 200},
			{"GET", "/dlq", admin, 200},
			{"GET", "/communications", admin, 200},
		} {
			resp, body := send(t, c.method, url+c.path, msg, bearer(c.key))
			if resp.StatusCode != c.want {
				t.Errorf("%s %s with a %s key = %d, want %d: %s", c.method, c.path, map[string]string{read: "read", ingest: "ingest", admin: "admin"}[c.key], resp.StatusCode, c.want, body)
			}
			if c.want == 403 && !strings.Contains(body, `"forbidden"`) {
				t.Errorf("%s %s: body %s, want code forbidden", c.method, c.path, body)
			}
		}
	})
	t.Run("Revoked", func(t *testing.T) {
		id, key := f.mustKey(t, "ana", doctales.ScopeRead)
		if resp, _ := send(t, "GET", url+"/communications", "", bearer(key)); resp.StatusCode != 200 {
			t.Fatalf("before revoke: %d", resp.StatusCode)
		}
		if err := f.db.RevokeAPIKey(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		if resp, _ := send(t, "GET", url+"/communications", "", bearer(key)); resp.StatusCode != 401 {
			t.Fatalf("revoked key: %d, want 401", resp.StatusCode)
		}
	})
	t.Run("PrincipalInContext", func(t *testing.T) {
		// A route that reads the principal the HTTP layer put in the
		// context: the flow history, wired to echo it.
		var got *doctales.Principal
		f.h.Trace = func(ctx context.Context, id string) (any, error) {
			got = doctales.PrincipalFromContext(ctx)
			return map[string]string{}, nil
		}
		defer func() { f.h.Trace = nil }()
		if _, _, err := f.db.CreateItem(context.Background(), &doctales.Item{ID: "x", Owner: "ana", Type: "email", Timestamp: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if resp, _ := send(t, "GET", url+"/communications/x/events", "", bearer(read)); resp.StatusCode != 200 {
			t.Fatalf("events: %d", resp.StatusCode)
		}
		if got == nil || got.UserID != "ana" || got.Via != "key" || !got.Can(doctales.ScopeRead) || got.Can(doctales.ScopeAdmin) {
			t.Fatalf("principal = %+v", got)
		}
	})
}

// signIn signs in with a password and returns the session cookie and the
// CSRF token.
func signIn(t *testing.T, url, user, password string) (*http.Cookie, string, *http.Response) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"user": user, "password": password})
	resp, body := send(t, "POST", url+"/auth/session", string(b), map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != 200 {
		t.Fatalf("sign in: %d %s", resp.StatusCode, body)
	}
	var s httpapi.SessionResponse
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		if c.Name == httpapi.SessionCookie {
			return c, s.CSRFToken, resp
		}
	}
	t.Fatalf("sign in: no %s cookie in %v", httpapi.SessionCookie, resp.Header)
	return nil, "", nil
}

func TestAuth_Sessions(t *testing.T) {
	f := mustAuthServer(t, nil)
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.AddUser(context.Background(), "ana", hash); err != nil {
		t.Fatal(err)
	}
	url := f.srv.URL

	t.Run("WrongPassword", func(t *testing.T) {
		for _, body := range []string{`{"user":"ana","password":"wrong password"}`, `{"user":"bob","password":"correct horse battery"}`} {
			resp, out := send(t, "POST", url+"/auth/session", body, map[string]string{"Content-Type": "application/json"})
			if resp.StatusCode != 401 || len(resp.Cookies()) != 0 {
				t.Fatalf("sign in %s = %d %s", body, resp.StatusCode, out)
			}
		}
		// A form post (what another site can send without a preflight)
		// cannot sign in.
		resp, _ := send(t, "POST", url+"/auth/session", "user=ana&password=correct+horse+battery",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if resp.StatusCode != 415 {
			t.Fatalf("form sign-in = %d, want 415", resp.StatusCode)
		}
	})

	cookie, csrf, _ := signIn(t, url, "ana", "correct horse battery")
	withCookie := func(extra map[string]string) map[string]string {
		m := map[string]string{"Cookie": cookie.Name + "=" + cookie.Value}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}

	t.Run("CookieFlags", func(t *testing.T) {
		if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" || cookie.MaxAge <= 0 {
			t.Fatalf("cookie = %+v, want HttpOnly, SameSite=Strict, Path=/ and a Max-Age", cookie)
		}
		if len(cookie.Value) < 40 {
			t.Fatalf("session id %d characters long", len(cookie.Value))
		}
	})
	t.Run("Read", func(t *testing.T) {
		if resp, body := send(t, "GET", url+"/communications", "", withCookie(nil)); resp.StatusCode != 200 {
			t.Fatalf("GET with the session = %d %s", resp.StatusCode, body)
		}
		var s httpapi.SessionResponse
		_, body := send(t, "GET", url+"/auth/session", "", withCookie(nil))
		if json.Unmarshal([]byte(body), &s); !s.SignedIn || s.User != "ana" || s.CSRFToken != csrf || s.Open {
			t.Fatalf("/auth/session = %+v", s)
		}
	})
	t.Run("CSRF", func(t *testing.T) {
		// A form posted by a page on another origin: the browser adds the
		// cookie (were it not SameSite=Strict), but the page cannot know
		// the token.
		// A multipart form with a file is what an HTML form on any site
		// may post, and what POST /communications accepts (an upload).
		upload := "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"note.txt\"\r\nContent-Type: text/plain\r\n\r\n" +
			"Please wire 5000 EUR today.\r\n--XX--\r\n"
		form := map[string]string{"Origin": "http://evil.example", "Content-Type": "multipart/form-data; boundary=XX"}
		for _, c := range []struct{ method, path string }{
			{"POST", "/communications"}, {"POST", "/dlq/redrive"}, {"PUT", "/user-profile"}, {"DELETE", "/auth/session"},
		} {
			resp, body := send(t, c.method, url+c.path, upload, withCookie(form))
			if resp.StatusCode != 403 || !strings.Contains(body, `"forbidden"`) {
				t.Fatalf("%s %s from another origin with the cookie, no CSRF token = %d %s", c.method, c.path, resp.StatusCode, body)
			}
			// Without the Origin header (an old browser, a proxy that
			// strips it) the CSRF token alone refuses it.
			resp, body = send(t, c.method, url+c.path, upload, withCookie(map[string]string{"Content-Type": form["Content-Type"]}))
			if resp.StatusCode != 403 || !strings.Contains(body, httpapi.CSRFHeader) {
				t.Fatalf("%s %s with the cookie, no Origin, no CSRF token = %d %s", c.method, c.path, resp.StatusCode, body)
			}
			resp, _ = send(t, c.method, url+c.path, "source=email&subject=x", withCookie(map[string]string{httpapi.CSRFHeader: csrf + "x"}))
			if resp.StatusCode != 403 {
				t.Fatalf("%s %s with a wrong CSRF token = %d", c.method, c.path, resp.StatusCode)
			}
		}
		items, _, err := f.db.FindItems(context.Background(), doctales.ItemFilter{})
		if err != nil || len(items) != 0 {
			t.Fatalf("stored %d items (%v) from refused posts", len(items), err)
		}
		// With the token, the same session may post.
		resp, body := send(t, "POST", url+"/dlq/redrive", "", withCookie(map[string]string{httpapi.CSRFHeader: csrf}))
		if resp.StatusCode != 202 {
			t.Fatalf("POST /dlq/redrive with the CSRF token = %d %s", resp.StatusCode, body)
		}
		resp, body = send(t, "POST", url+"/communications", upload, withCookie(map[string]string{httpapi.CSRFHeader: csrf, "Content-Type": form["Content-Type"]}))
		if resp.StatusCode != 202 {
			t.Fatalf("POST /communications (upload) with the CSRF token = %d %s: the refusal above proves nothing", resp.StatusCode, body)
		}
	})
	t.Run("SignOut", func(t *testing.T) {
		resp, body := send(t, "DELETE", url+"/auth/session", "", withCookie(map[string]string{httpapi.CSRFHeader: csrf}))
		if resp.StatusCode != 204 {
			t.Fatalf("sign out = %d %s", resp.StatusCode, body)
		}
		if resp, _ := send(t, "GET", url+"/communications", "", withCookie(nil)); resp.StatusCode != 401 {
			t.Fatalf("GET after sign-out = %d, want 401", resp.StatusCode)
		}
	})
	t.Run("KeySignIn", func(t *testing.T) {
		_, key := f.mustKey(t, "ana", doctales.ScopeRead)
		resp, body := send(t, "POST", url+"/auth/session", `{"key":"`+key+`"}`, map[string]string{"Content-Type": "application/json"})
		if resp.StatusCode != 200 || len(resp.Cookies()) != 1 {
			t.Fatalf("sign in with a key = %d %s", resp.StatusCode, body)
		}
		c := resp.Cookies()[0]
		// The session has the key's scopes, no more.
		if resp, _ := send(t, "GET", url+"/stats", "", map[string]string{"Cookie": c.Name + "=" + c.Value}); resp.StatusCode != 403 {
			t.Fatalf("GET /stats from a read-key session = %d, want 403", resp.StatusCode)
		}
	})
}

func TestAuth_Host(t *testing.T) {
	f := mustAuthServer(t, func(h *httpapi.Handler) {
		h.AllowedHosts = []string{"doctales.lan"}
		h.ListenPort = "8080"
	})
	for host, want := range map[string]int{
		"evil.example":           421, // a DNS-rebinding page's name
		"evil.example:8080":      421,
		"localhost.evil.example": 421,
		"localhost:9999":         421, // localhost, another port
		"localhost:8080":         200,
		"127.0.0.1:8080":         200,
		"[::1]:8080":             200,
		"doctales.lan":           200,
		"DocTales.LAN:8080":      200,
	} {
		resp, body := send(t, "GET", f.srv.URL+"/communications", "", map[string]string{"Host": host})
		if resp.StatusCode != want {
			t.Errorf("Host %s = %d, want %d: %s", host, resp.StatusCode, want, body)
		}
		if want == 421 && (!strings.Contains(body, "allowedHosts") || resp.Header.Get("Access-Control-Allow-Origin") != "") {
			t.Errorf("Host %s: body %s", host, body)
		}
	}
}

func TestAuth_BrowserHeaders(t *testing.T) {
	f := mustAuthServer(t, func(h *httpapi.Handler) { h.AllowOrigins = []string{"https://tools.example"} })
	for _, p := range []string{"/communications", "/healthz", "/nope", "/"} {
		resp, _ := send(t, "GET", f.srv.URL+p, "", map[string]string{"Origin": "http://evil.example"})
		hdr := resp.Header
		if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: CSP %q", p, csp)
		}
		if hdr.Get("X-Content-Type-Options") != "nosniff" || hdr.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET %s: headers %v", p, hdr)
		}
		if hdr.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("GET %s from another origin: Access-Control-Allow-Origin %q", p, hdr.Get("Access-Control-Allow-Origin"))
		}
	}
	// An allowed origin gets CORS access, and only that origin.
	resp, _ := send(t, "OPTIONS", f.srv.URL+"/communications", "", map[string]string{"Origin": "https://tools.example", "Access-Control-Request-Method": "POST"})
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://tools.example" || !strings.Contains(resp.Header.Get("Vary"), "Origin") {
		t.Fatalf("preflight from an allowed origin: %v", resp.Header)
	}
}

// TestAuth_NoSecretsStored reads the database file and finds neither a key
// nor a password in it.
func TestAuth_NoSecretsStored(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "doctales.db")
	db := sqlite.NewDB(path)
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, key, err := db.CreateAPIKey(ctx, "ana", []string{doctales.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	const password = "a-very-recognisable-password"
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddUser(ctx, "ana", hash); err != nil {
		t.Fatal(err)
	}
	sid := auth.NewSessionID()
	if err := db.CreateSession(ctx, sid, &doctales.Session{UserID: "ana", Scopes: []string{"admin"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil { // checkpoints the WAL into the file
		t.Fatal(err)
	}
	var all []byte
	files, _ := filepath.Glob(path + "*")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	_, secret, _ := strings.Cut(strings.TrimPrefix(string(key), auth.KeyPrefix), "_")
	for what, s := range map[string]string{"api key": string(key), "key secret": secret, "password": password, "session id": string(sid)} {
		if bytes.Contains(all, []byte(s)) {
			t.Errorf("the database file holds the %s in clear", what)
		}
	}
	if !bytes.Contains(all, []byte(auth.HashKey(string(key)))) || !bytes.Contains(all, []byte("$argon2id$")) {
		t.Error("the database file holds no key hash or password hash: the test reads the wrong file")
	}
}
