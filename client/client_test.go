package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/client"
	"github.com/doctales/doctales/fsblob"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/sqlite"
	"github.com/doctales/doctales/upload"
)

// fixture is a real httpapi.Handler over sqlite and fsblob behind an
// httptest server, with API keys (so unauthenticated calls are 401).
type fixture struct {
	srv *httptest.Server
	db  *sqlite.DB
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	db.Logger = logger
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
		Table: db, DeadLetters: db, Profiles: db, Directory: db, CommunicationLog: db, Rules: db,
		Stats:  func() any { return map[string]any{"subscriptions": []any{}} },
		Ready:  func(context.Context) (map[string]any, error) { return map[string]any{"log": "ok"}, nil },
		Auth:   db,
		Logger: logger,
		// Large bodies: the embedded server's own upload URLs.
		LocalUploads: &upload.Local{Secret: db.AckKey, Store: store, Dir: filepath.Join(t.TempDir(), "uploads")},
	}
	h.Init()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, db: db}
}

// client returns a client of f's server with a new key of user with
// scopes.
func (f *fixture) client(t *testing.T, user string, scopes ...string) *client.Client {
	t.Helper()
	_, key, err := f.db.CreateAPIKey(context.Background(), user, scopes)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(strings.TrimPrefix(f.srv.URL, "http://"), client.WithAPIKey(string(key)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// apiError returns err as a *client.Error, failing the test if it is not.
func apiError(t *testing.T, err error) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *client.Error", err, err)
	}
	return e
}

func TestNew(t *testing.T) {
	for in, want := range map[string]string{
		"localhost:8080":          "http://localhost:8080",
		"http://127.0.0.1:9/":     "http://127.0.0.1:9",
		"https://api.example/x/":  "https://api.example/x",
		"https://api.example:443": "https://api.example:443",
	} {
		c, err := client.New(in)
		if err != nil {
			t.Fatalf("New(%q): %v", in, err)
		}
		if c.BaseURL() != want {
			t.Errorf("New(%q).BaseURL() = %q, want %q", in, c.BaseURL(), want)
		}
	}
	for _, in := range []string{"", "ftp://host", "http://"} {
		if _, err := client.New(in); err == nil {
			t.Errorf("New(%q) is no error", in)
		}
	}
}

func TestClient_IngestGetList(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, "alice", doctales.ScopeIngest, doctales.ScopeRead)
	ctx := context.Background()

	body := []byte(`{"id":"c-1","type":"email","source":"email","subject":"Budget","sender":"Bob","content":"Numbers.","project":"p"}`)
	res, err := c.Ingest(ctx, body)
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != "c-1" || res.Status != doctales.StatusAccepted || res.Replayed {
		t.Fatalf("Ingest = %+v", res)
	}
	if res, err = c.Ingest(ctx, body); err != nil || !res.Replayed {
		t.Fatalf("second Ingest = %+v, %v; want Replayed", res, err)
	}
	raw := "From: Carol <carol@example.com>\r\nTo: a@example.com\r\nSubject: Raw mail\r\nMessage-ID: <m1@example.com>\r\nDate: Mon, 1 Jun 2026 10:00:00 +0000\r\n\r\nHello.\r\n"
	rawRes, err := c.IngestRaw(ctx, strings.NewReader(raw), "message/rfc822", client.IngestOptions{Project: "mail", Source: "gmail"})
	if err != nil || rawRes.ID == "" {
		t.Fatalf("IngestRaw = %+v, %v", rawRes, err)
	}
	if got, err := c.GetCommunication(ctx, rawRes.ID); err != nil || got.Project != "mail" || got.Source != "gmail" || got.Subject != "Raw mail" {
		t.Fatalf("raw mail stored as %+v, %v; want project mail, source gmail (the query)", got, err)
	}

	got, err := c.GetCommunication(ctx, "c-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "c-1" || got.Subject != "Budget" || got.Status != doctales.StatusAccepted || got.Owner != "alice" {
		t.Fatalf("GetCommunication = %+v", got)
	}

	// 404: unknown, and another user's communication looks the same.
	_, err = c.GetCommunication(ctx, "nope")
	if e := apiError(t, err); e.Status != http.StatusNotFound || e.Code != doctales.ENOTFOUND {
		t.Errorf("unknown id: %+v", e)
	}
	bob := f.client(t, "bob", doctales.ScopeRead)
	_, err = bob.GetCommunication(ctx, "c-1")
	if e := apiError(t, err); e.Status != http.StatusNotFound {
		t.Errorf("another user's: %+v", e)
	}

	// Paging: five more, two a page.
	for i := range 5 {
		if _, err := c.Ingest(ctx, []byte(fmt.Sprintf(`{"id":"p-%d","type":"email","subject":"Page %d","content":"x","project":"paged","timestamp":"2026-06-0%dT10:00:00Z"}`, i, i, i+1))); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	o := client.ListOptions{Project: "paged", Limit: 2, Total: true}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		page, err := c.ListCommunications(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if page.Count != len(page.Communications) || page.Count > 2 {
			t.Fatalf("page %d: count %d of %d", pages, page.Count, len(page.Communications))
		}
		if page.Total == nil || *page.Total != 5 {
			t.Fatalf("page %d: total %v, want 5 (asked with Total)", pages, page.Total)
		}
		for _, it := range page.Communications {
			ids = append(ids, it.ID)
		}
		if page.Next == "" {
			break
		}
		o.Next = page.Next
	}
	if want := "p-4 p-3 p-2 p-1 p-0"; strings.Join(ids, " ") != want {
		t.Errorf("paged ids %v, want %s", ids, want)
	}

	// A column sort, paged in its order.
	ids = nil
	o = client.ListOptions{Project: "paged", Limit: 2, Sort: "subject"}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		page, err := c.ListCommunications(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Communications {
			ids = append(ids, it.Subject)
		}
		if page.Next == "" {
			break
		}
		o.Next = page.Next
	}
	if want := "Page 0,Page 1,Page 2,Page 3,Page 4"; strings.Join(ids, ",") != want {
		t.Errorf("subjects A to Z %v, want %s", ids, want)
	}
}

func TestClient_Errors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.client(t, "alice", doctales.ScopeIngest, doctales.ScopeRead)

	// 400 naming a field: Error() is "field: message" unless the message
	// names it.
	_, err := c.ListCommunications(ctx, client.ListOptions{Urgency: "urgent"})
	e := apiError(t, err)
	if e.Status != http.StatusBadRequest || e.Code != doctales.EINVALID || e.Field != "urgency" || e.Message == "" {
		t.Fatalf("bad urgency: %+v", e)
	}
	if !strings.Contains(e.Error(), "urgency") {
		t.Errorf("Error() = %q does not name the field", e.Error())
	}
	_, err = c.AddRule(ctx, httpapi.RuleRequest{Pattern: json.RawMessage(`"{\"metadata\":"`), Targets: []string{"browser"}})
	if e := apiError(t, err); e.Status != http.StatusBadRequest || e.Field == "" {
		t.Errorf("bad pattern: %+v", e)
	}

	// 401: no key, and a key that does not exist.
	anon, _ := client.New(f.srv.URL)
	_, err = anon.ListCommunications(ctx, client.ListOptions{})
	if e := apiError(t, err); e.Status != http.StatusUnauthorized || e.Code == "" {
		t.Errorf("no key: %+v", e)
	}
	wrong, _ := client.New(f.srv.URL, client.WithAPIKey("dt_wrong"))
	_, err = wrong.Rules(ctx)
	if e := apiError(t, err); e.Status != http.StatusUnauthorized {
		t.Errorf("wrong key: %+v", e)
	}

	// 403 for the admin routes without the admin scope.
	_, err = c.DeadLetters(ctx, "", 0)
	if e := apiError(t, err); e.Status != http.StatusForbidden {
		t.Errorf("dlq without admin: %+v", e)
	}

	// A transport error is not an *Error.
	down, _ := client.New("127.0.0.1:1")
	if _, err := down.Rules(ctx); err == nil || errors.As(err, new(*client.Error)) {
		t.Errorf("unreachable server: %v", err)
	}
}

func TestClient_RulesAndOperations(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.client(t, "alice", doctales.ScopeIngest, doctales.ScopeRead)
	if _, err := c.Ingest(ctx, []byte(`{"id":"r-1","type":"email","subject":"Invoice","sender":"Bob","content":"Pay."}`)); err != nil {
		t.Fatal(err)
	}

	pattern := json.RawMessage(`{"dynamodb":{"NewImage":{"subject":{"S":[{"prefix":"Invoice"}]}}}}`)
	name := "invoices"
	r, err := c.AddRule(ctx, httpapi.RuleRequest{Name: &name, Pattern: pattern, Targets: []string{"browser"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.ID == "" || r.Name != name || r.Owner != "alice" {
		t.Fatalf("AddRule = %+v", r)
	}
	off := false
	if r, err = c.PutRule(ctx, r.ID, httpapi.RuleRequest{Enabled: &off}); err != nil || r.Enabled {
		t.Fatalf("PutRule = %+v, %v", r, err)
	}
	list, err := c.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range list.Rules {
		found = found || x.ID == r.ID
	}
	if !found {
		t.Errorf("Rules = %+v lacks %s", list.Rules, r.ID)
	}
	tr, err := c.TestRule(ctx, pattern)
	if err != nil || tr.Tested != 1 || len(tr.Matches) != 1 || tr.Matches[0].ID != "r-1" {
		t.Fatalf("TestRule = %+v, %v", tr, err)
	}
	if tr, err = c.TestStoredRule(ctx, r.ID); err != nil || len(tr.Matches) != 1 {
		t.Fatalf("TestStoredRule = %+v, %v", tr, err)
	}
	if err := c.DeleteRule(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if e := apiError(t, c.DeleteRule(ctx, r.ID)); e.Status != http.StatusNotFound {
		t.Errorf("second DeleteRule: %+v", e)
	}

	admin := f.client(t, "ops", doctales.ScopeAdmin)
	ready, ok, err := admin.Ready(ctx)
	if err != nil || !ok || ready["status"] != "ready" || ready["log"] != "ok" {
		t.Errorf("Ready = %v, %t, %v", ready, ok, err)
	}
	var stats map[string]any
	if err := admin.Stats(ctx, &stats); err != nil || stats["subscriptions"] == nil {
		t.Errorf("Stats = %v, %v", stats, err)
	}
	dls, err := admin.DeadLetters(ctx, "", 10)
	if err != nil || dls.Count != 0 || dls.DeadLetters == nil {
		t.Errorf("DeadLetters = %+v, %v", dls, err)
	}
	if ids, err := admin.RedriveAll(ctx, ""); err != nil || len(ids) != 0 {
		t.Errorf("RedriveAll = %v, %v", ids, err)
	}
	_, err = admin.Redrive(ctx, 99)
	if e := apiError(t, err); e.Status != http.StatusNotFound {
		t.Errorf("Redrive unknown: %+v", e)
	}
}

// TestClient_RetryAfter checks a 429 carries the server's Retry-After,
// which the CLI's import waits out before sending the item again.
func TestClient_RetryAfter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":"Too many requests.","code":"rate_limited"}`)
	}))
	defer srv.Close()
	c, _ := client.New(srv.URL)
	_, err := c.Ingest(context.Background(), []byte(`{}`))
	if e := apiError(t, err); e.Status != http.StatusTooManyRequests || e.Code != "rate_limited" || e.RetryAfter != 7*time.Second {
		t.Errorf("429: %+v", e)
	}
}
