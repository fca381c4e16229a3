package analytics_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/analytics"
	"github.com/doctales/doctales/internal/analyticstest"
	"github.com/doctales/doctales/runtime"
	"github.com/doctales/doctales/sqlite"
)

func TestOrganization(t *testing.T) {
	for _, c := range []struct{ id, category, want string }{
		{"ana@Acme.example.com", doctales.CategoryPerson, "acme.example.com"},
		{"bob@gmail.com", doctales.CategoryPerson, ""},
		{"bob@yahoo.co.uk", doctales.CategoryPerson, ""},
		{"ann@mail.ru", doctales.CategoryPerson, ""},
		{"foo-talk@lists.sourceforge.net", doctales.CategoryList, ""},
		{"jm@jmason.org", doctales.CategoryList, "jmason.org"}, // a person posting to a list keeps their organisation
		{"owner-linux@vger.kernel.org", doctales.CategoryPerson, ""},
		{"spamassassin-commits@example.org", doctales.CategoryList, ""},
		{"noreply@shop.example.org", doctales.CategoryAutomated, ""},
		{"rssfeeds@spamassassin.taint.org", doctales.CategoryAutomated, ""}, // easy-ham's RSS robot
		{"news@shop.example.org", doctales.CategoryBulk, ""},
		{"Ana Ruiz", "", ""},
		{"ana@localhost", "", ""},
		{"x@list.example.org", "", ""},
		{"someone@googlegroups.com", "", ""},
	} {
		if got := analytics.Organization(c.id, c.category); got != c.want {
			t.Errorf("Organization(%q, %q) = %q, want %q", c.id, c.category, got, c.want)
		}
	}
}

// env is a real SQLite table whose change stream feeds the consumer.
type env struct {
	t    *testing.T
	db   *sqlite.DB
	h    runtime.Handler
	seq  int64
	recs []*doctales.LogRecord
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &analytics.Consumer{Store: db}
	return &env{t: t, db: db, h: runtime.DynamoDBHandler(c.Handle)}
}

// drain hands every stream record written since the last drain to the
// consumer, in one batch, and keeps them for replay.
func (e *env) drain() {
	e.t.Helper()
	recs, err := e.db.ReadLog(context.Background(), doctales.SourceDynamoDB, e.seq, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(recs) == 0 {
		return
	}
	e.seq = recs[len(recs)-1].Seq
	e.recs = append(e.recs, recs...)
	if n, err := e.h.Invoke(context.Background(), recs); err != nil {
		e.t.Fatalf("consumer failed at record %d: %v", n, err)
	}
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a Monday

func (e *env) put(id, owner, senderID, sender, project, thread, urgency string, at time.Time, request bool) {
	e.t.Helper()
	it := doctales.NewItem(&doctales.Communication{ID: id, Owner: owner, Type: "email", Source: "email", Project: project,
		Subject: "s " + id, Sender: sender, SenderID: senderID, Timestamp: at}, at)
	it.ThreadID = thread
	ctx := context.Background()
	if _, _, err := e.db.CreateItem(ctx, it); err != nil {
		e.t.Fatal(err)
	}
	status := doctales.StatusExtracted
	dims := &doctales.Dimensions{Urgency: urgency, RequiresAction: request, Category: doctales.CategoryPerson}
	if urgency == "high" {
		dl := at.Add(48 * time.Hour)
		dims.Deadline = &dl
	}
	if _, err := e.db.UpdateItem(ctx, id, doctales.ItemUpdate{Status: &status, Urgency: &urgency, Dimensions: dims}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) snapshot(owner string) ([]doctales.VolumeDay, []doctales.VolumeWeek, []doctales.PersonStats, []doctales.OrgStats) {
	e.t.Helper()
	ctx := doctales.WithOwner(context.Background(), owner)
	days, err := e.db.VolumeByDay(ctx, "", "")
	if err != nil {
		e.t.Fatal(err)
	}
	weeks, err := e.db.VolumeByWeek(ctx, "", "")
	if err != nil {
		e.t.Fatal(err)
	}
	people, orgs, err := e.db.PeopleStats(ctx, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return days, weeks, people, orgs
}

func TestConsumer_ExactCountsAndIdempotence(t *testing.T) {
	e := newEnv(t)
	// A thread: Ana asks (high), Bob answers 2 h later, Ana answers Bob
	// 30 min after that; a lone low mail from a gmail address on day 2;
	// another owner's mail that must never show.
	e.put("m1", "me", "ana@acme.example", "Ana", "q3", "T1", "high", t0, true)
	e.put("m2", "me", "bob@beta.example", "Bob", "q3", "T1", "medium", t0.Add(2*time.Hour), true)
	e.put("m3", "me", "ana@acme.example", "Ana R.", "q3", "T1", "low", t0.Add(150*time.Minute), false)
	e.put("m4", "me", "carl@gmail.com", "Carl", "", "", "low", t0.Add(24*time.Hour), false)
	e.put("x1", "other", "ana@acme.example", "Ana", "q3", "", "high", t0, true)
	e.drain()

	check := func(label string) {
		t.Helper()
		days, weeks, people, orgs := e.snapshot("me")
		wantDays := []doctales.VolumeDay{
			{Day: "2026-03-02", Total: 3, High: 1, Medium: 1, Low: 1, Requests: 2},
			{Day: "2026-03-03", Total: 1, Low: 1},
		}
		if len(days) != len(wantDays) || days[0] != wantDays[0] || days[1] != wantDays[1] {
			t.Fatalf("%s: days = %+v, want %+v", label, days, wantDays)
		}
		wantWeeks := []doctales.VolumeWeek{{Week: "2026-W10", Project: "", Total: 1}, {Week: "2026-W10", Project: "q3", Total: 3, High: 1, Open: 2}}
		if len(weeks) != 2 || weeks[0] != wantWeeks[0] || weeks[1] != wantWeeks[1] {
			t.Fatalf("%s: weeks = %+v, want %+v", label, weeks, wantWeeks)
		}
		if len(people) != 3 {
			t.Fatalf("%s: people = %+v, want 3", label, people)
		}
		by := map[string]doctales.PersonStats{}
		for _, p := range people {
			by[p.ID] = p
		}
		ana, bob, carl := by["ana@acme.example"], by["bob@beta.example"], by["carl@gmail.com"]
		if people[0].ID != ana.ID {
			t.Errorf("%s: first person = %q, want the busiest, ana", label, people[0].ID)
		}
		if ana.ID != "ana@acme.example" || ana.Name != "Ana R." || ana.Total != 2 || ana.High != 1 || ana.Open != 1 ||
			ana.Organization != "acme.example" || !ana.Last.Equal(t0.Add(150*time.Minute)) {
			t.Errorf("%s: ana = %+v", label, ana)
		}
		// Ana answered Bob after 30 min; Bob answered Ana after 2 h.
		if ana.TheyReplied != 1 || ana.TheyReplySeconds != 1800 || ana.RepliedTo != 1 || ana.RepliedToSeconds != 7200 {
			t.Errorf("%s: ana's response times = %+v", label, ana)
		}
		if bob.ID != "bob@beta.example" || bob.TheyReplied != 1 || bob.TheyReplySeconds != 7200 || bob.RepliedTo != 1 || bob.RepliedToSeconds != 1800 {
			t.Errorf("%s: bob = %+v", label, bob)
		}
		if carl.Total != 1 || carl.Organization != "" {
			t.Errorf("%s: carl = %+v", label, carl)
		}
		if len(orgs) != 2 || orgs[0].Name != "acme.example" || orgs[0].Total != 2 || orgs[0].People != 1 || orgs[1].Name != "beta.example" {
			t.Errorf("%s: orgs = %+v (gmail is not an organisation)", label, orgs)
		}
		dl, err := e.db.Deadlines(doctales.WithOwner(context.Background(), "me"), time.Time{}, time.Time{}, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(dl) != 1 || dl[0].ID != "m1" || !dl[0].Deadline.Equal(t0.Add(48*time.Hour)) || !dl[0].Open {
			t.Errorf("%s: deadlines = %+v", label, dl)
		}
	}
	check("first delivery")

	// Redelivery: every record again, whole and then one by one.
	if n, err := e.h.Invoke(context.Background(), e.recs); err != nil {
		t.Fatalf("redelivery failed at %d: %v", n, err)
	}
	check("after redelivery")
	for _, r := range e.recs {
		if _, err := e.h.Invoke(context.Background(), []*doctales.LogRecord{r}); err != nil {
			t.Fatal(err)
		}
	}
	// One by one ends at each item's last record: the same state.
	check("after one-by-one replay")

	// The other owner sees only their own.
	days, _, people, _ := e.snapshot("other")
	if len(days) != 1 || days[0].Total != 1 || len(people) != 1 {
		t.Errorf("other owner: days %+v people %+v", days, people)
	}
}

func TestConsumer_DoneAndRemove(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.put("m1", "me", "ana@acme.example", "Ana", "q3", "T1", "high", t0, true)
	e.put("m2", "me", "bob@beta.example", "Bob", "q3", "T1", "medium", t0.Add(time.Hour), true)
	e.drain()
	if _, err := e.db.UpdateItem(ctx, "m1", doctales.ItemUpdate{State: &doctales.StateChange{State: doctales.StateDone}}); err != nil {
		t.Fatal(err)
	}
	e.drain()
	_, _, people, _ := e.snapshot("me")
	for _, p := range people {
		if p.ID == "ana@acme.example" && (p.Open != 0 || p.Total != 1) {
			t.Errorf("after done, ana = %+v, want open 0 total 1", p)
		}
	}
	if err := e.db.DeleteItem(ctx, "m1"); err != nil {
		t.Fatal(err)
	}
	e.drain()
	days, _, people, orgs := e.snapshot("me")
	if len(days) != 1 || days[0].Total != 1 || days[0].High != 0 {
		t.Errorf("after remove, days = %+v", days)
	}
	if len(people) != 1 || people[0].ID != "bob@beta.example" || people[0].TheyReplied != 0 || people[0].RepliedTo != 0 {
		t.Errorf("after remove, people = %+v (bob's answer went with the message it answered)", people)
	}
	if len(orgs) != 1 || orgs[0].Name != "beta.example" {
		t.Errorf("after remove, orgs = %+v", orgs)
	}
}

// TestFillFacts: the server's backfill writes only the facts of
// communications the consumer has not reached; a fact the consumer wrote
// from a newer record is kept.
func TestFillFacts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.put("m1", "me", "ana@acme.example", "Ana", "q3", "", "high", t0, true)
	e.drain()
	old := &doctales.AnalyticsFact{ID: "m1", Owner: "me", Time: t0, Day: "2026-03-02", Week: "2026-W10", Urgency: "low",
		Person: "ana@acme.example", Name: "Ana", Org: "acme.example", Project: "q3"}
	fresh := &doctales.AnalyticsFact{ID: "m2", Owner: "me", Time: t0, Day: "2026-03-02", Week: "2026-W10", Urgency: "medium",
		Person: "bob@beta.example", Name: "Bob", Org: "beta.example", Project: "q3"}
	if err := e.db.FillFacts(ctx, []doctales.AnalyticsChange{{ID: "m1", Owner: "me", Fact: old}, {ID: "m2", Owner: "me", Fact: fresh}}); err != nil {
		t.Fatal(err)
	}
	days, _, _, _ := e.snapshot("me")
	if len(days) != 1 || days[0].Total != 2 || days[0].High != 1 || days[0].Medium != 1 || days[0].Low != 0 {
		t.Errorf("after fill, days = %+v, want m1 still high and m2 added as medium", days)
	}
}

// TestDeadlines: the calendar's read, earliest or latest first, within a
// range of days, scoped to the owner.
func TestDeadlines(t *testing.T) {
	e := newEnv(t)
	e.put("a", "me", "ana@acme.example", "Ana", "", "", "high", t0, true)                     // due t0+48h
	e.put("b", "me", "ana@acme.example", "Ana", "", "", "high", t0.Add(240*time.Hour), true)  // due t0+12d
	e.put("c", "you", "ana@acme.example", "Ana", "", "", "high", t0.Add(120*time.Hour), true) // another owner's
	e.drain()
	ctx := doctales.WithOwner(context.Background(), "me")
	ids := func(latest bool, from, to time.Time, limit int) string {
		t.Helper()
		return analyticstest.DeadlineIDs(t, ctx, e.db, from, to, latest, limit)
	}
	if got := ids(false, time.Time{}, time.Time{}, 0); got != "a,b" {
		t.Errorf("earliest first = %s, want a,b", got)
	}
	if got := ids(true, time.Time{}, time.Time{}, 1); got != "b" {
		t.Errorf("latest first, limit 1 = %s, want b", got)
	}
	if got := ids(false, t0.Add(72*time.Hour), time.Time{}, 0); got != "b" {
		t.Errorf("from t0+3d = %s, want b", got)
	}
	if got := ids(false, time.Time{}, t0.Add(72*time.Hour), 0); got != "a" {
		t.Errorf("to t0+3d = %s, want a", got)
	}
}
