package postgres_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/sqlite"
)

// dirItem returns an item of a communication of owner sent by senderID
// (name senderName) at a fixed base plus hours.
func dirItem(id, owner string, hours int, project, senderName, senderID, urgency string) *doctales.Item {
	c := &doctales.Communication{
		ID: id, Owner: owner, Type: doctales.TypeEmail, Source: "email",
		Timestamp: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(hours) * time.Hour),
		Project:   project, Subject: "Subject of " + id, Sender: senderName, SenderID: senderID,
		Metadata: doctales.Metadata{Urgency: urgency},
	}
	return doctales.NewItem(c, c.Timestamp)
}

// TestDirectory_SameAsSQLite stores the same items in a SQLite table and a
// PostgreSQL one and compares GET /people's and GET /projects' reads
// (FindPeople with its filters, FindOrganizations, FindProjects), for each
// owner and for none: the answers must be the same. (A person's projects
// are compared as sets: PostgreSQL lists them by name, SQLite in the
// order it met them.)
func TestDirectory_SameAsSQLite(t *testing.T) {
	pg, _ := mustOpen(t, postgres.Options{})
	lite := sqlite.NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	if err := lite.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lite.Close() })
	ctx := context.Background()
	for _, it := range []*doctales.Item{
		dirItem("a1", "me", 1, "home", "Ana", "ana@acme.example", "high"),
		dirItem("a2", "me", 2, "work", "Ana Ruiz", "ana@acme.example", "low"), // a newer name
		dirItem("a3", "me", 3, "home", "Ana Ruiz", "ANA@acme.example", "medium"),
		dirItem("b1", "me", 4, "home", "Bob", "bob@Acme.Example", "high"),
		dirItem("c1", "me", 5, "fun", "carol_99", "", ""), // no sender id: keyed by name
		dirItem("d1", "me", 0, "fun", "Dee", "dee@globex.example", "low"),
		dirItem("n1", "me", 6, "fun", "", "", "low"), // no sender at all: left out
		dirItem("e1", "me", 7, "", "Eve", "eve@acme.example", "high"),
		dirItem("x1", "other", 8, "home", "Ana elsewhere", "ana@acme.example", "high"),
		dirItem("x2", "other", 9, "secret", "Zed", "zed@zeta.example", "low"),
	} {
		for _, tb := range []doctales.Table{pg, lite} {
			if _, _, err := tb.CreateItem(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
	}
	type reads struct {
		People   [][]*doctales.Person
		Orgs     []*doctales.Organization
		Projects []*doctales.ProjectSummary
	}
	filters := []doctales.PeopleFilter{{}, {Query: "RUIZ"}, {Query: "carol_"}, {Query: "%"}, {Organization: "ACME.example"}, {Limit: 2}, {Query: "bad\xff"}}
	read := func(d interface {
		FindPeople(context.Context, doctales.PeopleFilter) ([]*doctales.Person, error)
		FindOrganizations(context.Context, int) ([]*doctales.Organization, error)
		FindProjects(context.Context, int) ([]*doctales.ProjectSummary, error)
	}, ctx context.Context) reads {
		t.Helper()
		var r reads
		for _, f := range filters {
			ps, err := d.FindPeople(ctx, f)
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			for _, p := range ps {
				slices.Sort(p.Projects)
				p.Last = p.Last.UTC()
			}
			r.People = append(r.People, ps)
		}
		var err error
		if r.Orgs, err = d.FindOrganizations(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if r.Projects, err = d.FindProjects(ctx, 0); err != nil {
			t.Fatal(err)
		}
		for _, o := range r.Orgs {
			o.Last = o.Last.UTC()
		}
		for _, p := range r.Projects {
			p.Last = p.Last.UTC()
		}
		return r
	}
	for _, owner := range []string{"me", "other", ""} {
		c := ctx
		if owner != "" {
			c = doctales.WithOwner(ctx, owner)
		}
		want, got := read(lite, c), read(pg, c)
		if len(want.People[0]) == 0 || len(want.Orgs) == 0 || len(want.Projects) == 0 {
			t.Fatalf("owner %q: SQLite's answers are empty: %+v", owner, want)
		}
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Errorf("owner %q: PostgreSQL answers\n%s\nSQLite answers\n%s", owner, g, w)
		}
	}
	if _, err := pg.FindPeople(ctx, doctales.PeopleFilter{Limit: -1}); doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "limit" {
		t.Errorf("negative limit: %v, want EINVALID naming limit", err)
	}
}

// TestUserProfile: the profile store of package sqlite's tests, on
// PostgreSQL: not found, stored and read back by another DB on the same
// database (another api process), a partial update keeps what it was not
// given, a new user gets the defaults, invalid profiles refused naming the
// field.
func TestUserProfile(t *testing.T) {
	ctx := context.Background()
	db, dsn := mustOpen(t, postgres.Options{})
	other := mustOpenDSN(t, dsn, postgres.Options{})
	if _, err := db.UserProfile(ctx, "nobody"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("no profile: %v, want ENOTFOUND", err)
	}
	if _, err := db.UserProfile(ctx, "bad\x00id"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("an id with a NUL: %v, want ENOTFOUND", err)
	}
	p := &doctales.UserProfile{
		ID: "ana", PrimaryArchetype: doctales.ArchetypeConnector,
		ArchetypeConfidence: map[string]float64{"prioritizer": 0.1, "connector": 0.6, "visualizer": 0.2, "analyst": 0.1},
		Preferences:         json.RawMessage(`{"interactions":{"person_click":3}}`),
	}
	if err := db.PutUserProfile(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.UpdatedAt == nil {
		t.Fatal("UpdatedAt not set")
	}
	got, err := other.UserProfile(ctx, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if got.PrimaryArchetype != "connector" || got.ArchetypeConfidence["connector"] != 0.6 ||
		string(got.Preferences) != `{"interactions":{"person_click":3}}` || !got.UpdatedAt.Equal(*p.UpdatedAt) {
		t.Fatalf("read back by another DB: %+v", got)
	}
	if err := other.PutUserProfile(ctx, &doctales.UserProfile{ID: "ana", PrimaryArchetype: "analyst"}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.UserProfile(ctx, "ana")
	if got.PrimaryArchetype != "analyst" || got.ArchetypeConfidence["connector"] != 0.6 || !strings.Contains(string(got.Preferences), "person_click") {
		t.Fatalf("after a partial update: %+v", got)
	}
	if err := db.PutUserProfile(ctx, &doctales.UserProfile{ID: "bo", PrimaryArchetype: "visualizer"}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.UserProfile(ctx, "bo")
	if got.ArchetypeConfidence["analyst"] != 0.25 || string(got.Preferences) != `{}` {
		t.Fatalf("new user: %+v", got)
	}
	for _, tt := range []struct {
		p           doctales.UserProfile
		code, field string
	}{
		{doctales.UserProfile{ID: "", PrimaryArchetype: "analyst"}, doctales.EINVALID, "id"},
		{doctales.UserProfile{ID: strings.Repeat("x", doctales.MaxUserIDBytes+1), PrimaryArchetype: "analyst"}, doctales.EINVALID, "id"},
		{doctales.UserProfile{ID: "a\x00b", PrimaryArchetype: "analyst"}, doctales.EINVALID, "id"},
		{doctales.UserProfile{ID: "a", PrimaryArchetype: "wizard"}, doctales.EINVALID, "primaryArchetype"},
		{doctales.UserProfile{ID: "a", PrimaryArchetype: "analyst", ArchetypeConfidence: map[string]float64{"analyst": 1.5}}, doctales.EINVALID, "archetypeConfidence.analyst"},
		{doctales.UserProfile{ID: "a", PrimaryArchetype: "analyst", Preferences: json.RawMessage(`[1]`)}, doctales.EINVALID, "preferences"},
		{doctales.UserProfile{ID: "a", PrimaryArchetype: "analyst", Preferences: json.RawMessage(`{"x":"` + strings.Repeat("a", doctales.MaxPreferencesBytes) + `"}`)}, doctales.ETOOLARGE, "preferences"},
	} {
		err := db.PutUserProfile(ctx, &tt.p)
		if doctales.ErrorCode(err) != tt.code || doctales.ErrorField(err) != tt.field {
			t.Errorf("%.40q: err = %v (field %q), want %s on %s", tt.p.ID+" "+tt.p.PrimaryArchetype, err, doctales.ErrorField(err), tt.code, tt.field)
		}
	}
}
