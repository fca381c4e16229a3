package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

// dashItem returns an item of a communication sent by senderID (name
// senderName) at base plus hours.
func dashItem(id string, hours int, project, senderName, senderID, urgency string) *doctales.Item {
	c := &doctales.Communication{
		ID:        id,
		Type:      doctales.TypeEmail,
		Source:    "email",
		Timestamp: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(hours) * time.Hour),
		Project:   project,
		Subject:   "Subject of " + id,
		Sender:    senderName,
		SenderID:  senderID,
		Metadata:  doctales.Metadata{Urgency: urgency},
	}
	return doctales.NewItem(c, c.Timestamp)
}

func mustCreateItems(tb testing.TB, db *sqlite.DB, items ...*doctales.Item) {
	tb.Helper()
	for _, it := range items {
		if _, _, err := db.CreateItem(context.Background(), it); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestDB_UserProfile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "doctales.db")
	db := MustOpenDBAt(t, path, nil)

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.UserProfile(ctx, "nobody")
		if doctales.ErrorCode(err) != doctales.ENOTFOUND {
			t.Fatalf("err = %v, want ENOTFOUND", err)
		}
	})

	t.Run("OK", func(t *testing.T) {
		p := &doctales.UserProfile{
			ID:                  "ana",
			PrimaryArchetype:    doctales.ArchetypeConnector,
			ArchetypeConfidence: map[string]float64{"prioritizer": 0.1, "connector": 0.6, "visualizer": 0.2, "analyst": 0.1},
			Preferences:         json.RawMessage(`{"interactions":{"person_click":3}}`),
		}
		if err := db.PutUserProfile(ctx, p); err != nil {
			t.Fatal(err)
		}
		if p.UpdatedAt == nil {
			t.Fatal("UpdatedAt not set")
		}
		got, err := db.UserProfile(ctx, "ana")
		if err != nil {
			t.Fatal(err)
		}
		if got.PrimaryArchetype != "connector" || got.ArchetypeConfidence["connector"] != 0.6 ||
			string(got.Preferences) != `{"interactions":{"person_click":3}}` {
			t.Fatalf("got %+v", got)
		}

		// An update without confidence or preferences keeps them.
		if err := db.PutUserProfile(ctx, &doctales.UserProfile{ID: "ana", PrimaryArchetype: "analyst"}); err != nil {
			t.Fatal(err)
		}
		got, _ = db.UserProfile(ctx, "ana")
		if got.PrimaryArchetype != "analyst" || got.ArchetypeConfidence["connector"] != 0.6 || !strings.Contains(string(got.Preferences), "person_click") {
			t.Fatalf("after partial update: %+v", got)
		}

		// A new user given only an archetype gets the default confidences.
		if err := db.PutUserProfile(ctx, &doctales.UserProfile{ID: "bo", PrimaryArchetype: "visualizer"}); err != nil {
			t.Fatal(err)
		}
		got, _ = db.UserProfile(ctx, "bo")
		if got.ArchetypeConfidence["analyst"] != 0.25 || string(got.Preferences) != `{}` {
			t.Fatalf("new user: %+v", got)
		}
	})

	t.Run("Persists", func(t *testing.T) {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db2 := MustOpenDBAt(t, path, nil)
		got, err := db2.UserProfile(ctx, "ana")
		if err != nil || got.PrimaryArchetype != "analyst" {
			t.Fatalf("after reopen: %+v, %v", got, err)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		db := MustOpenDB(t)
		for _, tt := range []struct {
			p     doctales.UserProfile
			code  string
			field string
		}{
			{doctales.UserProfile{ID: "", PrimaryArchetype: "analyst"}, doctales.EINVALID, "id"},
			{doctales.UserProfile{ID: strings.Repeat("x", doctales.MaxUserIDBytes+1), PrimaryArchetype: "analyst"}, doctales.EINVALID, "id"},
			{doctales.UserProfile{ID: "a", PrimaryArchetype: "wizard"}, doctales.EINVALID, "primaryArchetype"},
			{doctales.UserProfile{ID: "a", PrimaryArchetype: "analyst", ArchetypeConfidence: map[string]float64{"wizard": 1}}, doctales.EINVALID, "archetypeConfidence"},
			{doctales.UserProfile{ID: "a", PrimaryArchetype: "analyst", ArchetypeConfidence: map[string]float64{"analyst": 1.5}}, doctales.EINVALID, "archetypeConfidence.analyst"},
			{doctales.UserProfile{ID: "a", PrimaryArchetype: "analyst", Preferences: json.RawMessage(`[1]`)}, doctales.EINVALID, "preferences"},
			{doctales.UserProfile{ID: "a", PrimaryArchetype: "analyst", Preferences: json.RawMessage(`{"x":"` + strings.Repeat("a", doctales.MaxPreferencesBytes) + `"}`)}, doctales.ETOOLARGE, "preferences"},
		} {
			err := db.PutUserProfile(ctx, &tt.p)
			if doctales.ErrorCode(err) != tt.code || doctales.ErrorField(err) != tt.field {
				t.Errorf("%.40s: err = %v, want %s on %s", tt.p.ID+" "+tt.p.PrimaryArchetype, err, tt.code, tt.field)
			}
		}
	})
}

func TestDB_FindPeople(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	mustCreateItems(t, db,
		dashItem("a1", 1, "home", "Ana", "ana@acme.example", "high"),
		dashItem("a2", 2, "work", "Ana Ruiz", "ana@acme.example", "low"), // a newer name
		dashItem("a3", 3, "home", "Ana Ruiz", "ANA@acme.example", "medium"),
		dashItem("b1", 4, "home", "Bob", "bob@Acme.Example", "high"),
		dashItem("c1", 5, "fun", "carol_99", "", ""), // no sender id: keyed by name
		dashItem("d1", 0, "fun", "Dee", "dee@globex.example", "low"),
		dashItem("n1", 6, "fun", "", "", "low"), // no sender at all: left out
	)

	people, err := db.FindPeople(ctx, doctales.PeopleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range people {
		got = append(got, fmt.Sprintf("%s|%s|%s|%d|%d|%v", p.ID, p.Name, p.Organization, p.Count, p.High, p.Projects))
	}
	want := []string{
		"ana@acme.example|Ana Ruiz|acme.example|2|1|[home work]",
		"carol_99|carol_99||1|0|[fun]",
		"bob@Acme.Example|Bob|acme.example|1|1|[home]",
		"ANA@acme.example|Ana Ruiz|acme.example|1|0|[home]",
		"dee@globex.example|Dee|globex.example|1|0|[fun]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("people:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if people[0].Last != time.Date(2025, 6, 1, 2, 0, 0, 0, time.UTC) {
		t.Fatalf("last interaction %v", people[0].Last)
	}

	// Query, organization and limit.
	for _, tt := range []struct {
		f    doctales.PeopleFilter
		want int
	}{
		{doctales.PeopleFilter{Query: "RUIZ"}, 2},
		{doctales.PeopleFilter{Query: "carol_"}, 1},
		{doctales.PeopleFilter{Query: "%"}, 0},
		{doctales.PeopleFilter{Organization: "ACME.example"}, 3},
		{doctales.PeopleFilter{Limit: 2}, 2},
	} {
		ps, err := db.FindPeople(ctx, tt.f)
		if err != nil || len(ps) != tt.want {
			t.Errorf("%+v: %d people, %v; want %d", tt.f, len(ps), err, tt.want)
		}
	}
	if _, err := db.FindPeople(ctx, doctales.PeopleFilter{Limit: -1}); doctales.ErrorCode(err) != doctales.EINVALID {
		t.Fatalf("negative limit: %v", err)
	}

	orgs, err := db.FindOrganizations(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 2 || orgs[0].Name != "acme.example" || orgs[0].Count != 4 || orgs[0].People != 3 || orgs[0].High != 2 ||
		orgs[1].Name != "globex.example" || orgs[1].Count != 1 {
		b, _ := json.Marshal(orgs)
		t.Fatalf("organizations %s", b)
	}

	projects, err := db.FindProjects(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(projects) != 3 || projects[0].Project != "fun" || projects[0].Count != 3 || // newer than home
		projects[1].Project != "home" || projects[1].Count != 3 || projects[1].High != 2 {
		b, _ := json.Marshal(projects)
		t.Fatalf("projects %s", b)
	}
}

func TestDB_CommunicationLog(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	it := dashItem("c_1", 1, "home", "Ana", "ana@acme.example", "high")
	other := dashItem("c%1", 1, "home", "Ana", "ana@acme.example", "high") // LIKE wildcards in an id
	mustCreateItems(t, db, it, other)
	if err := db.Append(ctx,
		&doctales.LogRecord{Source: doctales.SourceS3, Key: "email/2025/06/01/c_1.json", Data: json.RawMessage(`{}`)},
		&doctales.LogRecord{Source: doctales.SourceS3, Key: "email/2025/06/01/cx1.json", Data: json.RawMessage(`{}`)},
		&doctales.LogRecord{Source: doctales.SourceSNS, Key: "msg-1", Data: json.RawMessage(`{}`)},
		&doctales.LogRecord{Source: doctales.SourceSNS, Key: "msg-2", Data: json.RawMessage(`{}`)},
	); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSent(ctx, "msg-1", "c_1"); err != nil {
		t.Fatal(err)
	}
	status := doctales.StatusExtracted
	if _, err := db.UpdateItem(ctx, "c_1", doctales.ItemUpdate{Status: &status}); err != nil {
		t.Fatal(err)
	}

	recs, err := db.CommunicationLog(ctx, "c_1", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Source+" "+r.Key)
	}
	want := "aws:dynamodb c_1,aws:s3 email/2025/06/01/c_1.json,aws:sns msg-1,aws:dynamodb c_1"
	if strings.Join(got, ",") != want {
		t.Fatalf("log of c_1: %s\nwant %s", strings.Join(got, ","), want)
	}
	if recs, _ := db.CommunicationLog(ctx, "c_1", 1); len(recs) != 1 {
		t.Fatalf("limit 1 gave %d records", len(recs))
	}
	if _, err := db.CommunicationLog(ctx, "", 0); doctales.ErrorCode(err) != doctales.EINVALID {
		t.Fatalf("empty id: %v", err)
	}

	// Dead letters of the communication.
	for _, dl := range []*doctales.DeadLetter{
		{Subscription: "extraction", Source: doctales.SourceS3, Key: "email/2025/06/01/c_1.json", Record: json.RawMessage(`{}`), Error: "boom"},
		{Subscription: "notification", Source: doctales.SourceDynamoDB, Key: "c%1", Record: json.RawMessage(`{}`), Error: "boom"},
	} {
		if err := db.AddDeadLetter(ctx, dl); err != nil {
			t.Fatal(err)
		}
	}
	dls, err := db.CommunicationDeadLetters(ctx, "c_1")
	if err != nil || len(dls) != 1 || dls[0].Subscription != "extraction" {
		t.Fatalf("dead letters of c_1: %+v, %v", dls, err)
	}
}
