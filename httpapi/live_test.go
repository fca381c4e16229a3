package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/httpapi"
)

// ticketIssuer is a LiveTicketIssuer that records whom it issued to.
type ticketIssuer struct {
	mu     sync.Mutex
	owners []string
	err    error
}

func (i *ticketIssuer) Issue(ctx context.Context, owner string) (string, time.Time, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.err != nil {
		return "", time.Time{}, i.err
	}
	i.owners = append(i.owners, owner)
	return "t-" + owner, time.Date(2025, 6, 10, 9, 1, 0, 0, time.UTC), nil
}

// matchesContract fails t unless the answer of POST path matches
// openapi.yaml.
func matchesContract(t *testing.T, srvURL, path string, resp *http.Response, body string) {
	t.Helper()
	doc := loadOpenAPI(t)
	doc.Servers = openapi3.Servers{{URL: srvURL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", srvURL+path, nil)
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("POST %s: no operation in openapi.yaml: %v", path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes([]byte(body))
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("POST %s: the answer does not match openapi.yaml: %v\n%s", path, err, body)
	}
}

func TestLiveTicket(t *testing.T) {
	t.Run("WebSocket", func(t *testing.T) {
		iss := &ticketIssuer{}
		f := mustAuthServer(t, func(h *httpapi.Handler) {
			h.Live = &httpapi.Live{URL: "wss://abcd123.execute-api.us-east-1.amazonaws.com/prod", Tickets: iss}
		})
		_, anaKey := f.mustKey(t, "ana", doctales.ScopeRead)
		_, bobKey := f.mustKey(t, "bob", doctales.ScopeIngest)

		resp, body := send(t, "POST", f.srv.URL+"/live/ticket", "", bearer(anaKey))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /live/ticket = %d %s", resp.StatusCode, body)
		}
		var lt httpapi.LiveTicket
		if err := json.Unmarshal([]byte(body), &lt); err != nil {
			t.Fatal(err)
		}
		if lt.Transport != httpapi.TransportWebSocket || lt.URL != "wss://abcd123.execute-api.us-east-1.amazonaws.com/prod" ||
			lt.Ticket != "t-ana" || lt.ExpiresAt == nil {
			t.Errorf("answer %+v", lt)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q: a ticket must not be cached", cc)
		}
		matchesContract(t, f.srv.URL, "/live/ticket", resp, body)

		// The ticket is the caller's: nobody else's events through it.
		if strings.Join(iss.owners, ",") != "ana" {
			t.Errorf("issued to %v, want [ana]", iss.owners)
		}

		// The same auth as the SSE stream: none is 401, a key without
		// read is 403, and neither gets a ticket.
		if resp, body := send(t, "POST", f.srv.URL+"/live/ticket", "", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("without a key = %d %s", resp.StatusCode, body)
		}
		if resp, body := send(t, "POST", f.srv.URL+"/live/ticket", "", bearer(bobKey)); resp.StatusCode != http.StatusForbidden {
			t.Errorf("with an ingest key = %d %s", resp.StatusCode, body)
		}
		if len(iss.owners) != 1 {
			t.Errorf("tickets issued to refused callers: %v", iss.owners)
		}
	})

	t.Run("IssuerFails", func(t *testing.T) {
		iss := &ticketIssuer{err: doctales.Errorf(doctales.EOVERLOADED, "The table is busy; retry later.")}
		f := mustAuthServer(t, func(h *httpapi.Handler) {
			h.Live = &httpapi.Live{URL: "wss://x.example/prod", Tickets: iss}
		})
		_, key := f.mustKey(t, "ana", doctales.ScopeRead)
		resp, body := send(t, "POST", f.srv.URL+"/live/ticket", "", bearer(key))
		if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "ticket\"") {
			t.Errorf("= %d %s", resp.StatusCode, body)
		}
	})

	t.Run("SSE", func(t *testing.T) {
		f := mustAuthServer(t, func(h *httpapi.Handler) {
			h.Stream = http.NotFoundHandler()
		})
		_, key := f.mustKey(t, "ana", doctales.ScopeRead)
		resp, body := send(t, "POST", f.srv.URL+"/live/ticket", "", bearer(key))
		if resp.StatusCode != http.StatusOK || strings.TrimSpace(body) != `{"transport":"sse","url":"/notifications/stream"}` {
			t.Errorf("embedded server = %d %s", resp.StatusCode, body)
		}
		matchesContract(t, f.srv.URL, "/live/ticket", resp, body)
	})

	t.Run("NoStream", func(t *testing.T) {
		f := mustAuthServer(t, nil)
		_, key := f.mustKey(t, "ana", doctales.ScopeRead)
		resp, body := send(t, "POST", f.srv.URL+"/live/ticket", "", bearer(key))
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("without a stream = %d %s", resp.StatusCode, body)
		}
		matchesContract(t, f.srv.URL, "/live/ticket", resp, body)
	})
}
