package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/sqlite"
)

// mustDashboardServer returns a test server whose handler has the
// dashboard's stores on a fresh database, and the database.
func mustDashboardServer(t *testing.T) (*httptest.Server, *sqlite.DB) {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	h := &httpapi.Handler{
		Table: db, DeadLetters: db, Profiles: db, Directory: db, CommunicationLog: db,
		UI:     http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ui "+r.URL.Path) }),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	h.Init()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, db
}

// do sends a request and decodes a JSON answer into v (if not nil).
func do(t *testing.T, method, url, body string, v any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
	return resp.StatusCode
}

func TestUserProfile(t *testing.T) {
	srv, _ := mustDashboardServer(t)

	t.Run("Default", func(t *testing.T) {
		var p doctales.UserProfile
		if code := do(t, "GET", srv.URL+"/user-profile", "", &p); code != 200 {
			t.Fatalf("status %d", code)
		}
		if p.ID != "default-user" || p.PrimaryArchetype != "prioritizer" || p.ArchetypeConfidence["analyst"] != 0.25 ||
			string(p.Preferences) != "{}" {
			t.Fatalf("default profile %+v", p)
		}
	})

	t.Run("PutGet", func(t *testing.T) {
		var ok struct {
			Success bool
			UserID  string
		}
		body := `{"primaryArchetype":"connector","archetypeConfidence":{"prioritizer":0.2,"connector":0.5,"visualizer":0.1,"analyst":0.2},"preferences":{"mode":"auto"}}`
		if code := do(t, "PUT", srv.URL+"/user-profile?userId=ana", body, &ok); code != 200 || !ok.Success || ok.UserID != "ana" {
			t.Fatalf("PUT = %d %+v", code, ok)
		}
		var p doctales.UserProfile
		do(t, "GET", srv.URL+"/user-profile?userId=ana", "", &p)
		if p.PrimaryArchetype != "connector" || p.ArchetypeConfidence["connector"] != 0.5 || string(p.Preferences) != `{"mode":"auto"}` || p.UpdatedAt == nil {
			t.Fatalf("stored profile %+v", p)
		}
		// The body's id wins; null preferences keep the stored ones.
		do(t, "PUT", srv.URL+"/user-profile?userId=bo", `{"id":"ana","primaryArchetype":"analyst","preferences":null}`, &ok)
		do(t, "GET", srv.URL+"/user-profile?userId=ana", "", &p)
		if ok.UserID != "ana" || p.PrimaryArchetype != "analyst" || string(p.Preferences) != `{"mode":"auto"}` {
			t.Fatalf("after second PUT %+v", p)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		for _, tt := range []struct {
			body   string
			status int
			field  string
		}{
			{`{"primaryArchetype":"wizard"}`, 400, "primaryArchetype"},
			{`{"primaryArchetype":"analyst","archetypeConfidence":{"analyst":2}}`, 400, "archetypeConfidence.analyst"},
			{`{"primaryArchetype":"analyst","preferences":"dark"}`, 400, "preferences"},
			{`{"primaryArchetype":`, 400, "body"},
			{`{"primaryArchetype":"analyst","preferences":{"x":"` + strings.Repeat("a", 100<<10) + `"}}`, 413, "body"},
		} {
			var e httpapi.ErrorResponse
			if code := do(t, "PUT", srv.URL+"/user-profile", tt.body, &e); code != tt.status || e.Field != tt.field {
				t.Errorf("%.50s: %d %+v; want %d on %s", tt.body, code, e, tt.status, tt.field)
			}
		}
	})
}

func TestArchetypes(t *testing.T) {
	srv, _ := mustDashboardServer(t)
	var as []doctales.Archetype
	do(t, "GET", srv.URL+"/archetypes", "", &as)
	if len(as) != 4 || as[0].ID != "prioritizer" || as[0].Icon != "calendar" || as[3].Dimension != "analytical" {
		t.Fatalf("archetypes %+v", as)
	}
}

func TestPeopleAndProjects(t *testing.T) {
	srv, db := mustDashboardServer(t)
	ctx := context.Background()
	for i, s := range []struct{ id, name, sender, project, urgency string }{
		{"a", "Ana", "ana@acme.example", "home", "high"},
		{"b", "Ana Ruiz", "ana@acme.example", "work", "low"},
		{"c", "Bob", "bob@globex.example", "home", "medium"},
	} {
		c := &doctales.Communication{ID: s.id, Type: "email", Timestamp: time.Date(2025, 6, 1, i, 0, 0, 0, time.UTC),
			Project: s.project, Sender: s.name, SenderID: s.sender, Metadata: doctales.Metadata{Urgency: s.urgency}}
		if _, _, err := db.CreateItem(ctx, doctales.NewItem(c, c.Timestamp)); err != nil {
			t.Fatal(err)
		}
	}
	var pr httpapi.PeopleResponse
	do(t, "GET", srv.URL+"/people", "", &pr)
	if pr.Count != 2 || pr.People[0].ID != "ana@acme.example" || pr.People[0].Name != "Ana Ruiz" || pr.People[0].Count != 2 ||
		len(pr.Organizations) != 2 || pr.Organizations[0].Name != "acme.example" {
		b, _ := json.Marshal(pr)
		t.Fatalf("people %s", b)
	}
	do(t, "GET", srv.URL+"/people?q=bob", "", &pr)
	if pr.Count != 1 || pr.People[0].Organization != "globex.example" {
		t.Fatalf("people?q=bob %+v", pr.People)
	}
	var e httpapi.ErrorResponse
	if code := do(t, "GET", srv.URL+"/people?limit=0", "", &e); code != 400 || e.Field != "limit" {
		t.Fatalf("limit=0: %d %+v", code, e)
	}
	var projects struct {
		Projects []doctales.ProjectSummary
		Count    int
	}
	do(t, "GET", srv.URL+"/projects", "", &projects)
	if projects.Count != 2 || projects.Projects[0].Project != "home" || projects.Projects[0].Count != 2 || projects.Projects[0].High != 1 {
		t.Fatalf("projects %+v", projects)
	}
}

func TestCommunicationLog(t *testing.T) {
	srv, db := mustDashboardServer(t)
	ctx := context.Background()
	c := &doctales.Communication{ID: "c-1", Type: "email", Timestamp: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), Project: "home",
		Metadata: doctales.Metadata{Urgency: "high"}}
	if _, _, err := db.CreateItem(ctx, doctales.NewItem(c, c.Timestamp)); err != nil {
		t.Fatal(err)
	}
	s3 := `{"eventName":"ObjectCreated:Put","s3":{"object":{"key":"email/2025/06/01/c-1.json","size":42}}}`
	msg := `{"MessageId":"m-1","Subject":"High Priority: hello"}`
	if err := db.Append(ctx,
		&doctales.LogRecord{Source: doctales.SourceS3, Key: "email/2025/06/01/c-1.json", Data: json.RawMessage(s3)},
		&doctales.LogRecord{Source: doctales.SourceSNS, Key: "m-1", Data: json.RawMessage(msg)},
	); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSent(ctx, "m-1", "c-1"); err != nil {
		t.Fatal(err)
	}
	if err := db.AddDeadLetter(ctx, &doctales.DeadLetter{Subscription: "extraction", Source: doctales.SourceS3,
		Key: "email/2025/06/01/c-1.json", Record: json.RawMessage(s3), Error: "boom"}); err != nil {
		t.Fatal(err)
	}

	var out struct {
		ID          string
		Events      []httpapi.LogEntry
		DeadLetters []doctales.DeadLetter
	}
	if code := do(t, "GET", srv.URL+"/communications/c-1/log", "", &out); code != 200 {
		t.Fatalf("status %d", code)
	}
	var got []string
	for _, e := range out.Events {
		got = append(got, e.Event+": "+e.Summary)
		if e.Data != nil {
			t.Fatal("data sent without ?data=true")
		}
	}
	want := "INSERT: status accepted, urgency high|ObjectCreated:Put: object email/2025/06/01/c-1.json stored (42 bytes)|notification: High Priority: hello"
	if strings.Join(got, "|") != want {
		t.Fatalf("events:\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
	if len(out.DeadLetters) != 1 || out.DeadLetters[0].Error != "boom" {
		t.Fatalf("dead letters %+v", out.DeadLetters)
	}
	do(t, "GET", srv.URL+"/communications/c-1/log?data=true&limit=1", "", &out)
	if len(out.Events) != 1 || out.Events[0].Data == nil {
		t.Fatalf("with data: %+v", out.Events)
	}
}

func TestUIRoutes(t *testing.T) {
	srv, _ := mustDashboardServer(t)
	for path, want := range map[string]string{"/": "ui /", "/ui/app.js": "ui /ui/app.js"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != want {
			t.Errorf("GET %s = %q", path, b)
		}
	}
	// Other paths are still the API's 404.
	var e httpapi.ErrorResponse
	if code := do(t, "GET", srv.URL+"/nope", "", &e); code != 404 || e.Code != doctales.ENOTFOUND {
		t.Fatalf("GET /nope = %d %+v", code, e)
	}
}
