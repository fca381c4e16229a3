package dashboard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:generate sh web/vendor.sh

//go:embed static
var staticFS embed.FS

// AssetPrefix is the URL path under which the page's assets are served.
const AssetPrefix = "/ui/"

// ContentSecurityPolicy is sent with every answer: everything from the same
// origin only, no inline scripts or styles, no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// asset is one embedded file, ready to serve.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// Handler serves the dashboard: GET / is the page, GET /ui/<path> its
// assets; any other path is 404. It is safe for concurrent use.
type Handler struct {
	assets  map[string]*asset // by URL path: "/" and "/ui/..."
	modTime time.Time         // zero: embedded files have none; ETags do the work
}

// New returns the dashboard handler over the embedded files.
func New() *Handler {
	h := &Handler{assets: map[string]*asset{}}
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		a := &asset{body: b, ctype: contentType(rel), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		h.assets[AssetPrefix+rel] = a
		if rel == "index.html" {
			h.assets["/"] = a
		}
		return nil
	})
	return h
}

// Paths returns the URL paths the handler serves, for tests and tools.
func (h *Handler) Paths() []string {
	out := make([]string, 0, len(h.assets))
	for p := range h.assets {
		out = append(out, p)
	}
	return out
}

// ServeHTTP serves the page and its assets to GET and HEAD.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", ContentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	a, ok := h.assets[path.Clean(r.URL.Path)]
	if !ok || (r.URL.Path != "/" && strings.HasSuffix(r.URL.Path, "/")) {
		http.NotFound(w, r)
		return
	}
	hdr.Set("Content-Type", a.ctype)
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("ETag", a.etag)
	http.ServeContent(w, r, "", h.modTime, bytes.NewReader(a.body))
}

// assetTypes are the media types of the kinds of file the dashboard
// embeds. Every embedded file's extension is here (TestAssetTypes), so
// that New never calls mime.TypeByExtension: its first call reads the
// system's MIME tables (/usr/share/mime/globs2, /etc/mime.types), which
// took 7 % of serve's CPU before it listened (issue 15, perf of a start).
var assetTypes = map[string]string{
	".js":    "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".html":  "text/html; charset=utf-8",
	".svg":   "image/svg+xml",
	".txt":   "text/plain; charset=utf-8",
	".json":  "application/json",
	".png":   "image/png",
	".ico":   "image/vnd.microsoft.icon",
	".woff2": "font/woff2",
}

// contentType returns the media type of an asset by its extension: from
// assetTypes, else from the system's tables, else application/octet-stream.
func contentType(name string) string {
	if t, ok := assetTypes[path.Ext(name)]; ok {
		return t
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}
