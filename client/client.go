// Package client is a small typed Go client of the Doc-Tales HTTP API
// (httpapi, described by httpapi/openapi.yaml).
//
// It exists so that the CLI's --url paths, and any Go program, talk to a
// server through one place that knows the routes, the request and answer
// shapes and the error JSON, instead of each command building requests by
// hand. The answers reuse the exported types of the server (httpapi,
// function, doctales), so client and server cannot drift apart silently;
// TestRoutesInOpenAPI checks every route the client uses is an operation
// of the published contract.
//
//	c, err := client.New("localhost:8080", client.WithAPIKey(key))
//	res, err := c.Ingest(ctx, []byte(`{"source":"email","subject":"Hi","body":"Lunch?"}`))
//	var e *client.Error
//	if errors.As(err, &e) && e.Status == 400 { fmt.Println(e.Field, e.Message) }
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/doctales/doctales/httpapi"
)

// Routes the client uses, as "METHOD /path/{param}": the operation names
// of httpapi/openapi.yaml, which TestRoutesInOpenAPI checks.
const (
	routeIngest         = "POST /communications"
	routeList           = "GET /communications"
	routeGet            = "GET /communications/{id}"
	routeDeadLetters    = "GET /dlq"
	routeRedrive        = "POST /dlq/{id}/redrive"
	routeRedriveAll     = "POST /dlq/redrive"
	routeReadyz         = "GET /readyz"
	routeStats          = "GET /stats"
	routeRules          = "GET /rules"
	routeAddRule        = "POST /rules"
	routePutRule        = "PUT /rules/{id}"
	routeDeleteRule     = "DELETE /rules/{id}"
	routeTestRule       = "POST /rules/test"
	routeTestStoredRule = "POST /rules/{id}/test"
	routeUpload         = "POST /uploads"
	routePutUpload      = "PUT /uploads/{id}" // the embedded server's upload URL
)

// Limits and names of the wire protocol.
const (
	maxAnswerBytes       = 16 << 20
	defaultScheme        = "http://"
	contentTypeJSON      = "application/json"
	headerAuthorization  = "Authorization"
	headerContentType    = "Content-Type"
	headerReplayedAnswer = "Idempotent-Replayed"
)

// routes lists every route above, for TestRoutesInOpenAPI.
var routes = []string{routeIngest, routeList, routeGet, routeDeadLetters, routeRedrive, routeRedriveAll,
	routeReadyz, routeStats, routeRules, routeAddRule, routePutRule, routeDeleteRule, routeTestRule, routeTestStoredRule,
	routeUpload, routePutUpload}

// Client calls one Doc-Tales server. It is safe for concurrent use.
type Client struct {
	base string // scheme://host[:port][/prefix], no trailing slash
	key  string
	http *http.Client
}

// Option configures a Client.
type Option func(*Client)

// WithAPIKey sends key as "Authorization: Bearer key" on every request;
// an empty key sends none (a server on loopback without keys, or a
// transport that authenticates on its own).
func WithAPIKey(key string) Option { return func(c *Client) { c.key = key } }

// WithHTTPClient sends requests with hc: its timeout and transport, such
// as the CLI's in-process transport serving the API over a local folder.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// New returns a client of the server at baseURL. A URL without a scheme,
// such as "localhost:8080" (what `doctales serve` prints and --url
// accepts), means http.
func New(baseURL string, opts ...Option) (*Client, error) {
	if baseURL == "" {
		return nil, errors.New("client: no server URL")
	}
	if !strings.Contains(baseURL, "://") {
		baseURL = defaultScheme + baseURL
	}
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("client: %q is not an http(s) URL such as http://localhost:8080", baseURL)
	}
	c := &Client{base: strings.TrimRight(baseURL, "/"), http: http.DefaultClient}
	for _, o := range opts {
		o(c)
	}
	if c.http == nil {
		c.http = http.DefaultClient
	}
	return c, nil
}

// BaseURL returns the server's URL as used: with a scheme, no trailing
// slash.
func (c *Client) BaseURL() string { return c.base }

// Error is a non-2xx answer of the API: its HTTP status and the fields of
// httpapi.ErrorResponse. Code is the doctales error code (such as
// "invalid", "not_found", "unauthorized"); Field names the request field
// at fault, when the server says.
type Error struct {
	Method  string // of the request, such as "POST"
	Path    string // of the request, such as "/rules"
	Status  int    // HTTP status, such as 400
	Code    string
	Message string
	Field   string
	// RetryAfter is how long the server asked the caller to wait (its
	// Retry-After header, on 429 rate_limited and 503 overloaded); 0
	// when it did not say.
	RetryAfter time.Duration
}

// Error returns "field: message" (the message alone when it has no field
// or already names it), or the method, path and status when the answer
// carried no error JSON.
func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s %s answered %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	}
	if e.Field != "" && !strings.Contains(e.Message, e.Field) {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// request is one call: route for the error and the contract, path with
// the parameters filled in, an optional query and body.
type request struct {
	route       string
	path        string
	query       url.Values
	body        io.Reader
	contentType string
}

// answer is a 2xx answer, read.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends r and returns its 2xx answer, or an *Error for any other
// status (or a transport error, wrapped with the method and URL).
func (c *Client) do(ctx context.Context, r request) (*answer, error) {
	method, _, _ := strings.Cut(r.route, " ")
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r.body)
	if err != nil {
		return nil, err
	}
	if r.contentType != "" {
		req.Header.Set(headerContentType, r.contentType)
	}
	if c.key != "" {
		req.Header.Set(headerAuthorization, "Bearer "+c.key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, u, err)
	}
	a := &answer{status: resp.StatusCode, header: resp.Header, body: data}
	if resp.StatusCode/100 != 2 {
		e := errorOf(method, r.path, resp.StatusCode, data)
		if n, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && n > 0 {
			e.RetryAfter = time.Duration(n) * time.Second
		}
		return a, e
	}
	return a, nil
}

// errorOf returns the *Error of a non-2xx answer with body data.
func errorOf(method, path string, status int, data []byte) *Error {
	e := &Error{Method: method, Path: path, Status: status}
	var body httpapi.ErrorResponse
	if json.Unmarshal(data, &body) == nil {
		e.Message, e.Code, e.Field = body.Error, body.Code, body.Field
	}
	return e
}

// call sends the JSON of in (nil for no body) and decodes a 2xx answer
// into out (nil to ignore it).
func (c *Client) call(ctx context.Context, route, path string, query url.Values, in, out any) (*answer, error) {
	r := request{route: route, path: path, query: query}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		r.body, r.contentType = bytes.NewReader(b), contentTypeJSON
	}
	a, err := c.do(ctx, r)
	if err != nil {
		return a, err
	}
	if out != nil && len(a.body) > 0 {
		if err := json.Unmarshal(a.body, out); err != nil {
			return a, fmt.Errorf("%s: decode the answer: %w", route, err)
		}
	}
	return a, nil
}

// pathID returns id escaped for a path segment.
func pathID(id string) string { return url.PathEscape(id) }
