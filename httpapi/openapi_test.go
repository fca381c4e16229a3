package httpapi_test

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/doctales/doctales/fsblob"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/upload"
)

// loadOpenAPI loads and validates the served OpenAPI document.
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
	if err != nil {
		t.Fatalf("openapi.yaml does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI 3 document: %v", err)
	}
	return doc
}

// registeredRoutes reads the route patterns the package registers
// (HandleFunc and Handle calls with a "METHOD /path" literal), in its
// non-test sources: the list the document must match.
func registeredRoutes(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			p, _ := strconv.Unquote(lit.Value)
			if method, path, ok := strings.Cut(p, " "); ok && strings.HasPrefix(path, "/") {
				routes[method+" "+path] = true
			}
			return true
		})
	}
	return routes
}

// notInContract are the routes that serve the dashboard's page and files,
// not the API.
var notInContract = map[string]bool{"GET /{$}": true, "GET /ui/": true}

// TestOpenAPI_Contract: the OpenAPI document is valid, names every route
// the server registers and no other, and real answers of a server match
// it (status, content type and body schema).
func TestOpenAPI_Contract(t *testing.T) {
	doc := loadOpenAPI(t)

	// 1. The same routes both ways. Go's "{id...}" is OpenAPI's "{id}".
	inDoc := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			inDoc[method+" "+path] = true
		}
	}
	trailing := regexp.MustCompile(`\{(\w+)\.\.\.\}`)
	var missing, extra []string
	code := map[string]bool{}
	for r := range registeredRoutes(t) {
		if notInContract[r] {
			continue
		}
		r = trailing.ReplaceAllString(r, "{$1}")
		code[r] = true
		if !inDoc[r] {
			missing = append(missing, r)
		}
	}
	for r := range inDoc {
		if !code[r] {
			extra = append(extra, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes the server registers that openapi.yaml lacks: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("operations in openapi.yaml that the server does not register: %v", extra)
	}

	// 2. Real answers match the document.
	f := mustAuthServer(t, func(h *httpapi.Handler) { h.Channels = []string{"log"} })
	f.h.Rules = f.db
	f.h.AuditLog = f.db
	f.h.Analytics = f.db
	doc.Servers = openapi3.Servers{{URL: f.srv.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	check := func(method, path, body string, want int) string {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, f.srv.URL+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, got, want)
		}
		if body != "" {
			req.Body = io.NopCloser(strings.NewReader(body))
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("%s %s: no operation in openapi.yaml: %v", method, path, err)
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		// (The bad requests below break the document on purpose.)
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && want < 400 {
			t.Errorf("%s %s: the request does not match openapi.yaml: %v", method, path, err)
		}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		out.SetBodyBytes(got)
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			t.Errorf("%s %s: the answer does not match openapi.yaml: %v\n%s", method, path, err, got)
		}
		return string(got)
	}
	res := check("POST", "/communications", `{"source":"email","subject":"Contract","from":"Ann <ann@example.com>","body":"Please sign the contract today.","timestamp":"2026-12-04T09:00:00Z"}`, 202)
	id := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(res)
	if id == nil {
		t.Fatalf("POST answer without an id: %s", res)
	}
	check("GET", "/communications?limit=5", "", 200)
	check("GET", "/communications/"+id[1], "", 200)
	check("PATCH", "/communications/"+id[1], `{"state":"done"}`, 200)
	check("GET", "/communications/now?limit=3", "", 200)
	check("GET", "/communications/"+id[1]+"/events", "", 404) // no flow history in this fixture: the error shape
	check("GET", "/threads", "", 200)
	check("GET", "/dlq", "", 200)
	check("GET", "/stats", "", 200)
	check("GET", "/healthz", "", 200)
	check("GET", "/auth/session", "", 200)
	check("GET", "/people", "", 200)
	check("GET", "/projects", "", 200)
	check("GET", "/analytics/volume", "", 200)
	check("GET", "/analytics/volume?by=week&from=2026-01-01", "", 200)
	check("GET", "/analytics/volume?from=yesterday", "", 400)
	check("GET", "/analytics/people?limit=10", "", 200)
	check("GET", "/analytics/deadlines?from=2026-01-01&to=2026-12-31", "", 200)
	check("GET", "/analytics/deadlines?limit=0", "", 400)
	check("GET", "/analytics/deadlines?order=latest&limit=1", "", 200)
	check("GET", "/communications?format=csv&sort=oldest", "", 200)
	check("GET", "/communications?format=xml", "", 400)
	check("GET", "/openapi.yaml", "", 200)
	check("GET", "/openapi.json", "", 200)
	// Large bodies: the upload URL, and its PUT with the body.
	f.h.LocalUploads = &upload.Local{Secret: f.db.AckKey, Store: f.h.Store.(*fsblob.Store), Dir: filepath.Join(t.TempDir(), "uploads")}
	up := check("POST", "/uploads", `{"size":120,"contentType":"message/rfc822","project":"contract"}`, 201)
	upURL := regexp.MustCompile(`"url":"([^"]+)"`).FindStringSubmatch(up)
	if upURL == nil {
		t.Fatalf("POST /uploads answer without a url: %s", up)
	}
	mail := "From: Ann <ann@example.com>\r\nSubject: Contract\r\nMessage-ID: <contract@example.com>\r\n\r\nPlease sign it.\r\n"
	check("PUT", strings.TrimPrefix(strings.ReplaceAll(upURL[1], `\u0026`, "&"), f.srv.URL), mail, 202)
	// Errors have the one error shape, naming the field.
	if got := check("GET", "/communications?limit=-1", "", 400); !strings.Contains(got, `"field":"limit"`) {
		t.Errorf("a bad limit's error does not name the field: %s", got)
	}
	check("GET", "/communications/no-such-id", "", 404)
	check("POST", "/communications", `{"source":"email","subject":1}`, 400)

	// Every other route, with a valid request and an invalid one.
	check("GET", "/communications/"+id[1]+"/log", "", 200)
	check("PATCH", "/communications/"+id[1], `{"state":"sleeping"}`, 400)
	check("GET", "/threads/no-such-thread", "", 404)
	check("GET", "/communications/"+id[1]+"/ack?token=forged", "", 404)
	check("POST", "/communications/"+id[1]+"/ack?token=forged", "", 404)
	rule := check("POST", "/rules", `{"name":"Launch","pattern":{"dynamodb":{"NewImage":{"project":{"S":["launch"]}}}},"targets":["log"]}`, 201)
	rid := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(rule)
	if rid == nil {
		t.Fatalf("POST /rules answer without an id: %s", rule)
	}
	check("POST", "/rules", `{"name":"Bad","pattern":{"a":[{"numeric":[">"]}]}}`, 400)
	check("GET", "/rules", "", 200)
	check("GET", "/rules/"+rid[1], "", 200)
	check("PUT", "/rules/"+rid[1], `{"name":"Launch","enabled":false,"pattern":{"dynamodb":{"NewImage":{"project":{"S":["launch"]}}}},"targets":["log"]}`, 200)
	check("POST", "/rules/test", `{"pattern":{"dynamodb":{"NewImage":{"commType":{"S":["email"]}}}}}`, 200)
	check("POST", "/rules/"+rid[1]+"/test", "", 200)
	check("GET", "/rules/no-such-rule", "", 404)
	check("DELETE", "/rules/"+rid[1], "", 204)
	check("GET", "/dlq/12345", "", 404)
	check("POST", "/dlq/12345/redrive", "", 404)
	check("POST", "/dlq/redrive", "", 202)
	check("GET", "/audit", "", 200)
	check("GET", "/archetypes", "", 200)
	check("GET", "/user-profile", "", 200)
	check("PUT", "/user-profile", `{"archetype":"nobody-knows-this"}`, 400)
	check("GET", "/readyz", "", 200)
	check("POST", "/auth/session", `{"key":"not-a-key"}`, 401)
	check("DELETE", "/auth/session", "", 204)
	check("DELETE", "/communications/"+id[1], "", 404) // no deletion function in this fixture: the error shape

	// 3. What is served is the file in the repository.
	if b, err := os.ReadFile("openapi.yaml"); err != nil || !bytes.Equal(b, httpapi.OpenAPI) {
		t.Errorf("GET /openapi.yaml serves something else than httpapi/openapi.yaml (%v)", err)
	}
}
