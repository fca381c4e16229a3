package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/analyticstest"
	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/sqlite"
)

// TestAnalytics_Contract runs the shared contract of the aggregate tables
// (internal/analyticstest), which package sqlite's pass too. Second is
// another DB on the same database, as another process opens it: the
// contract's concurrent writers apply through both.
func TestAnalytics_Contract(t *testing.T) {
	analyticstest.Run(t, func(t *testing.T) analyticstest.Subject {
		db, dsn := mustOpen(t, postgres.Options{})
		return analyticstest.Subject{Table: db, Log: db, Store: db, Second: mustOpenDSN(t, dsn, postgres.Options{})}
	})
}

// TestAnalytics_SameAsSQLite stores the same communications, with the
// same changes, in a SQLite table and a PostgreSQL one, feeds each one's
// change stream to the analytics consumer, and compares every read, for
// each owner and for none (owners summed): the answers must be the same.
func TestAnalytics_SameAsSQLite(t *testing.T) {
	pg, _ := mustOpen(t, postgres.Options{})
	lite := sqlite.NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	if err := lite.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lite.Close() })
	ep := analyticstest.NewEnv(t, analyticstest.Subject{Table: pg, Log: pg, Store: pg})
	es := analyticstest.NewEnv(t, analyticstest.Subject{Table: lite, Log: lite, Store: lite})
	analyticstest.Scenario(ep)
	analyticstest.Scenario(es)
	for _, owner := range []string{"me", "other", ""} {
		want := analyticstest.Read(t, lite, owner)
		if len(want.Days) == 0 || len(want.People) == 0 || len(want.Deadlines) == 0 {
			t.Fatalf("owner %q: the SQLite answers are empty (%+v): the scenario tests nothing", owner, want)
		}
		if d := analyticstest.Diff(analyticstest.Read(t, pg, owner), want); d != "" {
			t.Errorf("owner %q: PostgreSQL answers differ from SQLite's:\n%s", owner, d)
		}
	}
}

// TestAnalytics_Hostile: a fact whose key field PostgreSQL cannot store
// or index is refused whole, EINVALID naming the field (and the limit);
// a subject or name with a NUL byte or invalid UTF-8 is kept with U+FFFD,
// so the communication still counts.
func TestAnalytics_Hostile(t *testing.T) {
	db, _ := mustOpen(t, postgres.Options{})
	ctx := context.Background()
	t0 := analyticstest.T0
	fact := func(id string) *doctales.AnalyticsFact {
		return &doctales.AnalyticsFact{ID: id, Owner: "me", Time: t0, Day: "2026-03-02", Week: "2026-W10", Urgency: "high",
			Person: "ana@acme.example", Name: "Ana", Org: "acme.example", Project: "q3", Subject: "s", Deadline: t0.Add(time.Hour)}
	}
	for _, c := range []struct {
		field, want string
		edit        func(f *doctales.AnalyticsFact)
	}{
		{"person", "not valid UTF-8", func(f *doctales.AnalyticsFact) { f.Person = "ana\xff" }},
		{"project", "NUL byte", func(f *doctales.AnalyticsFact) { f.Project = "q\x003" }},
		{"threadId", "over the limit of 2000", func(f *doctales.AnalyticsFact) { f.ThreadID = strings.Repeat("t", 2001) }},
	} {
		good, bad := fact("ok"), fact("bad")
		c.edit(bad)
		err := db.ApplyFacts(ctx, []doctales.AnalyticsChange{{ID: "ok", Owner: "me", Fact: good}, {ID: "bad", Owner: "me", Fact: bad}})
		if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != c.field || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v (field %q), want EINVALID naming %s, saying %q", c.field, err, doctales.ErrorField(err), c.field, c.want)
		}
	}
	if days, err := db.VolumeByDay(ctx, "", ""); err != nil || len(days) != 0 {
		t.Fatalf("after refused calls, days = %+v, %v: want nothing applied", days, err)
	}
	f := fact("m1")
	f.Subject, f.Name = "sign\x00 now \xff", "An\x00a"
	if err := db.ApplyFacts(ctx, []doctales.AnalyticsChange{{ID: "m1", Owner: "me", Fact: f}}); err != nil {
		t.Fatal(err)
	}
	dl, err := db.Deadlines(ctx, time.Time{}, time.Time{}, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(dl) != 1 || dl[0].Subject != "sign\uFFFD now \uFFFD" || dl[0].Sender != "An\uFFFDa" {
		t.Errorf("deadlines = %+v, want m1 with U+FFFD for the bad bytes", dl)
	}
	if _, err := db.VolumeByDay(ctx, "2026-03-02\xff", ""); doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "from" {
		t.Errorf("from with invalid UTF-8: %v, want EINVALID naming from", err)
	}
}

// BenchmarkApplyFacts applies batches of 100 new communications' facts
// (the analytics subscription's batch size) spread over 10 days, 20
// people in 5 organisations and 10 threads, on SQLite and on PostgreSQL;
// ns/op is one batch.
func BenchmarkApplyFacts(b *testing.B) {
	pg, _ := mustOpen(b, postgres.Options{})
	lite := sqlite.NewDB(filepath.Join(b.TempDir(), "analytics.db"))
	if err := lite.Open(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = lite.Close() })
	for _, s := range []struct {
		name  string
		store doctales.AnalyticsStore
	}{{"sqlite", lite}, {"postgres", pg}} {
		b.Run(s.name, func(b *testing.B) {
			ctx := context.Background()
			n := 0
			for b.Loop() {
				changes := make([]doctales.AnalyticsChange, 100)
				for i := range changes {
					n++
					id := fmt.Sprintf("%s-%08d", s.name, n)
					at := analyticstest.T0.Add(time.Duration(n%10) * 24 * time.Hour).Add(time.Duration(n) * time.Second)
					y, w := at.ISOWeek()
					f := &doctales.AnalyticsFact{ID: id, Owner: "me", Time: at, Day: at.Format("2006-01-02"), Week: fmt.Sprintf("%04d-W%02d", y, w),
						Urgency: "low", Person: fmt.Sprintf("p%02d@org%d.example", n%20, n%5), Name: "P", Org: fmt.Sprintf("org%d.example", n%5),
						Project: "q3", ThreadID: fmt.Sprintf("T%d", n/5), Subject: "s", Request: n%2 == 0, Open: n%4 == 0}
					changes[i] = doctales.AnalyticsChange{ID: id, Owner: "me", Fact: f}
				}
				if err := s.store.ApplyFacts(ctx, changes); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
