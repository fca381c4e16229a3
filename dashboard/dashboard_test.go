package dashboard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/doctales/doctales/dashboard"
)

func get(t *testing.T, h http.Handler, method, path string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHandler_Page(t *testing.T) {
	h := dashboard.New()
	r := get(t, h, "GET", "/", nil)
	b := body(t, r)
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(b, "<title>Doc-Tales</title>") {
		t.Fatalf("GET / = %d %q\n%.200s", r.StatusCode, r.Header.Get("Content-Type"), b)
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("CSP %q", csp)
	}
	if r.Header.Get("Cache-Control") != "no-cache" || r.Header.Get("ETag") == "" {
		t.Fatalf("caching headers %v", r.Header)
	}

	// Revalidation answers 304.
	r2 := get(t, h, "GET", "/", map[string]string{"If-None-Match": r.Header.Get("ETag")})
	if r2.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional GET = %d", r2.StatusCode)
	}
	// HEAD works; other methods do not.
	if r := get(t, h, "HEAD", "/ui/style.css", nil); r.StatusCode != 200 {
		t.Fatalf("HEAD = %d", r.StatusCode)
	}
	if r := get(t, h, "POST", "/", nil); r.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST = %d", r.StatusCode)
	}
}

func TestHandler_Assets(t *testing.T) {
	h := dashboard.New()
	for path, ctype := range map[string]string{
		"/ui/js/app.js":               "text/javascript",
		"/ui/js/views/prioritizer.js": "text/javascript",
		"/ui/style.css":               "text/css",
		"/ui/index.html":              "text/html",
		"/ui/js/../js/app.js":         "text/javascript",
		"/ui/js/views/../detail.js":   "text/javascript",
		"/ui/js/views/operations.js":  "text/javascript",
		"/ui/js/views/analyst.js":     "text/javascript",
		"/ui/js/views/visualizer.js":  "text/javascript",
		"/ui/js/views/connector.js":   "text/javascript",
		"/ui/js/archetype.js":         "text/javascript",
		"/ui/js/live.js":              "text/javascript",
		"/ui/js/toast.js":             "text/javascript",
		"/ui/js/cards.js":             "text/javascript",
		"/ui/js/store.js":             "text/javascript",
		"/ui/js/format.js":            "text/javascript",
		"/ui/js/dom.js":               "text/javascript",
		"/ui/js/api.js":               "text/javascript",
	} {
		r := get(t, h, "GET", path, nil)
		if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), ctype) {
			t.Errorf("GET %s = %d %q", path, r.StatusCode, r.Header.Get("Content-Type"))
		}
	}
	for _, path := range []string{"/ui/", "/ui/nope.js", "/ui/js/", "/index.html", "/ui/../go.mod", "/ui/js/app.js/"} {
		if r := get(t, h, "GET", path, nil); r.StatusCode != 404 {
			t.Errorf("GET %s = %d, want 404", path, r.StatusCode)
		}
	}
}

// externalURL finds a URL with a scheme or a protocol-relative one ("//host").
var externalURL = regexp.MustCompile(`(?i)\b(?:https?|wss?|ftp):\/\/|(?:src|href|action|srcset)\s*=\s*["']?\s*\/\/|url\(\s*["']?\s*(?:https?:)?\/\/|import\s*\(?\s*["'](?:https?:)?\/\/|from\s+["'](?:https?:)?\/\/`)

// TestNoExternalURLs checks that the page and everything it loads reference
// nothing outside our binary: no CDN, no web font, no remote image.
func TestNoExternalURLs(t *testing.T) {
	h := dashboard.New()
	paths := h.Paths()
	sort.Strings(paths)
	if len(paths) < 10 {
		t.Fatalf("only %d assets: %v", len(paths), paths)
	}
	for _, p := range paths {
		b := body(t, get(t, h, "GET", p, nil))
		for i, line := range strings.Split(b, "\n") {
			// An XML namespace names, it is never fetched.
			line = strings.ReplaceAll(line, "'http://www.w3.org/2000/svg'", "")
			// A vendored library's comments cite its sources; comments
			// are never fetched, its code is still checked.
			if strings.HasPrefix(p, dashboard.AssetPrefix+"vendor/") && isCommentLine(line) {
				continue
			}
			if externalURL.MatchString(line) {
				t.Errorf("%s:%d references an external URL: %s", p, i+1, strings.TrimSpace(line))
			}
		}
	}
	// The check itself catches what it should.
	for _, bad := range []string{`<script src="https://cdn.example/x.js">`, `<link href="//fonts.example/css">`,
		`import x from "https://esm.example/y.js";`, `background: url(//img.example/a.png)`} {
		if !externalURL.MatchString(bad) {
			t.Errorf("check misses %s", bad)
		}
	}
}

// isCommentLine reports whether a line of JavaScript is only a comment:
// "// …", or a line of a block comment ("/* …", " * …").
func isCommentLine(line string) bool {
	l := strings.TrimSpace(line)
	return strings.HasPrefix(l, "//") || strings.HasPrefix(l, "/*") || strings.HasPrefix(l, "*")
}

// importRe finds the module specifiers of static and dynamic imports.
var importRe = regexp.MustCompile(`(?:from\s+|import\s*\(\s*|import\s+)["']([^"']+)["']`)

// TestImportsResolve checks that every module the scripts import, and
// every asset the page names, is served: the page has no build step, so a
// typo would only show in a browser.
func TestImportsResolve(t *testing.T) {
	h := dashboard.New()
	for _, p := range h.Paths() {
		if !strings.HasSuffix(p, ".js") {
			continue
		}
		b := body(t, get(t, h, "GET", p, nil))
		for _, m := range importRe.FindAllStringSubmatch(b, -1) {
			spec := m[1]
			if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") {
				t.Errorf("%s imports %q: only relative imports of our own files", p, spec)
				continue
			}
			dir := p[:strings.LastIndex(p, "/")+1]
			target := resolve(dir + spec)
			if r := get(t, h, "GET", target, nil); r.StatusCode != 200 {
				t.Errorf("%s imports %q (%s): %d", p, spec, target, r.StatusCode)
			}
		}
	}
	page := body(t, get(t, h, "GET", "/", nil))
	for _, m := range regexp.MustCompile(`(?:src|href)="(ui/[^"]+)"`).FindAllStringSubmatch(page, -1) {
		if r := get(t, h, "GET", "/"+m[1], nil); r.StatusCode != 200 {
			t.Errorf("the page names %s: %d", m[1], r.StatusCode)
		}
	}
}

// resolve removes "./" and "x/../" from a URL path.
func resolve(p string) string {
	var out []string
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case ".":
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	return strings.Join(out, "/")
}
