package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/sqlite"
)

// mustOperationsServer returns a test server with a table, dead letters
// and a Stats function shaped like the serve command's (a map).
func mustOperationsServer(t *testing.T) (*httptest.Server, *sqlite.DB) {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	h := &httpapi.Handler{
		Table: db, DeadLetters: db,
		Stats:  func() any { return map[string]any{"subscriptions": []any{}} },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	h.Init()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, db
}

// mustItem stores a communication with a subject and a sender, in status.
func mustItem(t *testing.T, db *sqlite.DB, id, subject, sender, status string) {
	t.Helper()
	ts := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := &doctales.Communication{ID: id, Type: doctales.TypeEmail, Source: "email", Timestamp: ts, Project: "inbox",
		Subject: subject, Sender: sender, SenderID: sender + "@example.com"}
	it := doctales.NewItem(c, ts)
	it.Status = status
	if _, _, err := db.CreateItem(context.Background(), it); err != nil {
		t.Fatal(err)
	}
}

// TestDeadLetters_Subjects: GET /dlq and GET /dlq/{id} name the
// communication of each dead letter by its subject and sender, looked up
// in the table, whatever the record's source (an object key, a stream
// key, a topic message's attribute); a dead letter about nothing known
// has none.
func TestDeadLetters_Subjects(t *testing.T) {
	srv, db := mustOperationsServer(t)
	ctx := context.Background()
	mustItem(t, db, "c-outage", "Checkout is down", "Ana Ruiz", doctales.StatusAccepted)
	mustItem(t, db, "c-contract", "Contract to sign", "Lena Park", doctales.StatusExtracted)
	msg, _ := json.Marshal(doctales.Message{MessageID: "m-1", Subject: "High: Contract to sign",
		MessageAttributes: map[string]doctales.MessageAttribute{"communicationId": {DataType: "String", StringValue: "c-contract"}}})
	dls := []*doctales.DeadLetter{
		{Subscription: "extraction", Source: doctales.SourceS3, Key: "email/2026/12/01/c-outage.json", Record: json.RawMessage(`{}`)},
		{Subscription: "notification", Source: doctales.SourceDynamoDB, Key: "c-contract", Record: json.RawMessage(`{}`)},
		{Subscription: "topic/webhook", Source: doctales.SourceSNS, Key: "m-1", Record: msg},
		{Subscription: "extraction", Source: doctales.SourceS3, Key: "email/2026/12/01/gone.json", Record: json.RawMessage(`{}`)},
	}
	for _, dl := range dls {
		dl.Error, dl.Reason, dl.Attempts = "boom", "retries exhausted", 3
		if err := db.AddDeadLetter(ctx, dl); err != nil {
			t.Fatal(err)
		}
	}
	want := []struct{ id, subject, sender string }{
		{"c-outage", "Checkout is down", "Ana Ruiz"},
		{"c-contract", "Contract to sign", "Lena Park"},
		{"c-contract", "Contract to sign", "Lena Park"},
		{"", "", ""},
	}
	var list struct {
		DeadLetters []httpapi.DeadLetterView
	}
	if code := do(t, "GET", srv.URL+"/dlq", "", &list); code != 200 || len(list.DeadLetters) != len(dls) {
		t.Fatalf("GET /dlq = %d, %d dead letters", code, len(list.DeadLetters))
	}
	for i, got := range list.DeadLetters {
		c := got.Communication
		if want[i].id == "" {
			if c != nil {
				t.Errorf("dead letter %d (%s) names %+v, want nothing: its communication is unknown", i, got.Key, c)
			}
			continue
		}
		if c == nil || c.ID != want[i].id || c.Subject != want[i].subject || c.Sender != want[i].sender || c.SenderID != want[i].sender+"@example.com" {
			t.Errorf("dead letter %d (%s %s): communication %+v, want %v", i, got.Source, got.Key, c, want[i])
		}
	}
	var one httpapi.DeadLetterView
	if code := do(t, "GET", srv.URL+"/dlq/"+strconv.FormatInt(dls[0].ID, 10), "", &one); code != 200 ||
		one.Communication == nil || one.Communication.Subject != "Checkout is down" || one.Key != dls[0].Key {
		t.Errorf("GET /dlq/{id} = %d %+v %+v", code, one.DeadLetter, one.Communication)
	}
}

// TestStats_CommunicationCounts: GET /stats counts communications (table
// items) by status, not the objects stored for them.
func TestStats_CommunicationCounts(t *testing.T) {
	srv, db := mustOperationsServer(t)
	for i, st := range []string{doctales.StatusAccepted, doctales.StatusExtracted, doctales.StatusExtracted, doctales.StatusFailed, doctales.StatusExtracted} {
		mustItem(t, db, "c-"+strconv.Itoa(i), "Subject "+strconv.Itoa(i), "Sender", st)
	}
	var stats struct {
		Communications httpapi.CommunicationCounts
	}
	if code := do(t, "GET", srv.URL+"/stats", "", &stats); code != 200 {
		t.Fatalf("GET /stats = %d", code)
	}
	want := httpapi.CommunicationCounts{Total: 5, Accepted: 1, Extracted: 3, Failed: 1}
	if stats.Communications != want {
		t.Errorf("communications = %+v, want %+v", stats.Communications, want)
	}
}

// TestActivity_HTTP: POST /user-profile/activity adds what the person did
// to the profile and detects the archetype from actions and time, not
// opens; a manual choice sticks while the confidences keep moving.
func TestActivity_HTTP(t *testing.T) {
	srv, _ := mustDashboardServer(t)
	var p doctales.UserProfile
	post := func(body string) int {
		t.Helper()
		p = doctales.UserProfile{}
		return do(t, "POST", srv.URL+"/user-profile/activity", body, &p)
	}
	// A hundred opens in Analyst: nothing moves.
	if code := post(`{"activity":{"analyst":{"actions":{"open":100}}}}`); code != 200 {
		t.Fatalf("POST = %d %+v", code, p)
	}
	if p.PrimaryArchetype != "prioritizer" || p.ArchetypeConfidence["analyst"] != 0.25 {
		t.Fatalf("after opens: %s %v, want prioritizer at 25 %% each", p.PrimaryArchetype, p.ArchetypeConfidence)
	}
	// Sorting, filtering and ten minutes in Analyst, in two reports.
	post(`{"activity":{"analyst":{"actions":{"sort":2,"filter":1},"seconds":300}}}`)
	post(`{"activity":{"analyst":{"actions":{"sort":1},"seconds":300}}}`)
	if p.PrimaryArchetype != "analyst" || p.ArchetypeConfidence["analyst"] <= 0.5 {
		t.Fatalf("after sorting in Analyst: %s %v", p.PrimaryArchetype, p.ArchetypeConfidence)
	}
	var prefs struct {
		Activity doctales.Activity
	}
	if err := json.Unmarshal(p.Preferences, &prefs); err != nil || prefs.Activity["analyst"].Actions["sort"] != 3 ||
		prefs.Activity["analyst"].Seconds != 600 || prefs.Activity["analyst"].Actions["open"] != 100 {
		t.Fatalf("stored activity %s (%v)", p.Preferences, err)
	}
	// Chosen by hand: it sticks, the confidences still move.
	if code := do(t, "PUT", srv.URL+"/user-profile", `{"primaryArchetype":"visualizer","preferences":`+
		`{"archetypeMode":"manual","activity":`+string(mustJSON(t, prefs.Activity))+`}}`, nil); code != 200 {
		t.Fatalf("PUT = %d", code)
	}
	before := p.ArchetypeConfidence["prioritizer"]
	post(`{"activity":{"prioritizer":{"actions":{"done":10},"seconds":600}}}`)
	if p.PrimaryArchetype != "visualizer" || p.ArchetypeConfidence["prioritizer"] <= before {
		t.Fatalf("manual mode: %s %v", p.PrimaryArchetype, p.ArchetypeConfidence)
	}
	// Bad reports are 400 naming the field.
	for _, body := range []string{`{"activity":{"analyst":{"seconds":-5}}}`, `{"activity":{"analyst":{"actions":{"sort":-1}}}}`, `{"views":{}}`, `[]`} {
		var e struct{ Field string }
		if code := do(t, "POST", srv.URL+"/user-profile/activity", body, &e); code != 400 || e.Field == "" {
			t.Errorf("POST %s = %d %+v, want 400 naming the field", body, code, e)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
