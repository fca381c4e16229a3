// Package analyticstest is the shared contract test of the aggregate
// tables behind the dashboard's analytics (doctales.AnalyticsStore and
// AnalyticsReader, issue 12, item 5): package sqlite's analytics.db (the
// embedded mode) and package postgres's tables (a cluster, issue 11) run
// it, so that GET /analytics/... gives the same answers on both. The
// communications are written to the subject's table and its change stream
// is handed to the analytics consumer (package analytics) as the
// subscription would, so the whole path from a stored item to a read is
// under test, not only the store.
package analyticstest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/analytics"
	"github.com/doctales/doctales/runtime"
)

// Store is the aggregate tables under test.
type Store interface {
	doctales.AnalyticsStore
	doctales.AnalyticsReader
	// FillFacts is ApplyFacts for communications without a fact yet
	// (the backfill from stored items).
	FillFacts(ctx context.Context, changes []doctales.AnalyticsChange) error
}

// Subject is what one case runs on: a table and its change stream, the
// aggregate tables, and Second, another handle on the same aggregate
// tables (as another process would open them) for the concurrency case.
type Subject struct {
	Table  doctales.Table
	Log    doctales.EventLog
	Store  Store
	Second Store
}

// T0 is the first communication's time: a Monday, ISO week 2026-W10.
var T0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Env feeds a subject's change stream to the analytics consumer.
type Env struct {
	t    testing.TB
	S    Subject
	h    runtime.Handler
	seq  int64
	Recs []*doctales.LogRecord // every record drained so far, for replays
}

// NewEnv returns an Env on s.
func NewEnv(t testing.TB, s Subject) *Env {
	c := &analytics.Consumer{Store: s.Store}
	return &Env{t: t, S: s, h: runtime.DynamoDBHandler(c.Handle)}
}

// Drain hands every stream record written since the last Drain to the
// consumer, in one batch, and keeps them for Replay.
func (e *Env) Drain() {
	e.t.Helper()
	for {
		recs, err := e.S.Log.ReadLog(context.Background(), doctales.SourceDynamoDB, e.seq, 1000)
		if err != nil {
			e.t.Fatal(err)
		}
		if len(recs) == 0 {
			return
		}
		e.seq = recs[len(recs)-1].Seq
		e.Recs = append(e.Recs, recs...)
		if n, err := e.h.Invoke(context.Background(), recs); err != nil {
			e.t.Fatalf("consumer failed at record %d: %v", n, err)
		}
	}
}

// Replay hands recs to the consumer again, as a redelivery would.
func (e *Env) Replay(recs []*doctales.LogRecord) {
	e.t.Helper()
	if n, err := e.h.Invoke(context.Background(), recs); err != nil {
		e.t.Fatalf("redelivery failed at record %d: %v", n, err)
	}
}

// Put stores a communication and its extraction (urgency, request, a
// deadline 48 h after it when urgent), each a change of the table.
func (e *Env) Put(id, owner, senderID, sender, project, thread, urgency string, at time.Time, request bool) {
	e.t.Helper()
	it := doctales.NewItem(&doctales.Communication{ID: id, Owner: owner, Type: "email", Source: "email", Project: project,
		Subject: "s " + id, Sender: sender, SenderID: senderID, Timestamp: at}, at)
	it.ThreadID = thread
	ctx := context.Background()
	if _, _, err := e.S.Table.CreateItem(ctx, it); err != nil {
		e.t.Fatal(err)
	}
	status := doctales.StatusExtracted
	dims := &doctales.Dimensions{Urgency: urgency, RequiresAction: request, Category: doctales.CategoryPerson}
	if urgency == "high" {
		dl := at.Add(48 * time.Hour)
		dims.Deadline = &dl
	}
	if _, err := e.S.Table.UpdateItem(ctx, id, doctales.ItemUpdate{Status: &status, Urgency: &urgency, Dimensions: dims}); err != nil {
		e.t.Fatal(err)
	}
}

// Snapshot is every read of the aggregate tables for one scope.
type Snapshot struct {
	Days      []doctales.VolumeDay
	Weeks     []doctales.VolumeWeek
	People    []doctales.PersonStats
	Orgs      []doctales.OrgStats
	Deadlines []doctales.DeadlineItem
}

// Read takes the snapshot of r as owner sees it ("" for no owner scope:
// every owner's rows summed).
func Read(t testing.TB, r doctales.AnalyticsReader, owner string) Snapshot {
	t.Helper()
	ctx := context.Background()
	if owner != "" {
		ctx = doctales.WithOwner(ctx, owner)
	}
	var s Snapshot
	var err error
	if s.Days, err = r.VolumeByDay(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	if s.Weeks, err = r.VolumeByWeek(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	if s.People, s.Orgs, err = r.PeopleStats(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if s.Deadlines, err = r.Deadlines(ctx, time.Time{}, time.Time{}, false, 0); err != nil {
		t.Fatal(err)
	}
	// Times compare by instant whatever their location.
	for i := range s.People {
		s.People[i].Last = s.People[i].Last.UTC()
	}
	for i := range s.Orgs {
		s.Orgs[i].Last = s.Orgs[i].Last.UTC()
	}
	for i := range s.Deadlines {
		s.Deadlines[i].Deadline = s.Deadlines[i].Deadline.UTC()
	}
	return s
}

// Diff describes how got differs from want, "" when equal.
func Diff(got, want Snapshot) string {
	var b strings.Builder
	for _, f := range []struct {
		name      string
		got, want any
	}{
		{"days", got.Days, want.Days}, {"weeks", got.Weeks, want.Weeks}, {"people", got.People, want.People},
		{"organizations", got.Orgs, want.Orgs}, {"deadlines", got.Deadlines, want.Deadlines},
	} {
		if !reflect.DeepEqual(f.got, f.want) {
			fmt.Fprintf(&b, "%s = %+v\n  want %+v\n", f.name, f.got, f.want)
		}
	}
	return b.String()
}

// Scenario stores a mix that touches every bucket: a thread of three
// messages between two people (response times both ways), two owners
// sharing a sender, free mail (no organisation), communications on two
// days and two ISO weeks, without a sender id, done and removed, then
// drains it. It is the sequence that the SQLite and PostgreSQL tables must
// answer alike.
func Scenario(e *Env) {
	e.t.Helper()
	ctx := context.Background()
	e.Put("m1", "me", "ana@acme.example", "Ana", "q3", "T1", "high", T0, true)
	e.Put("m2", "me", "bob@beta.example", "Bob", "q3", "T1", "medium", T0.Add(2*time.Hour), true)
	e.Put("m3", "me", "ana@acme.example", "Ana R.", "q3", "T1", "low", T0.Add(150*time.Minute), false)
	e.Put("m4", "me", "carl@gmail.com", "Carl", "", "", "low", T0.Add(24*time.Hour), false)
	e.Put("m5", "me", "", "Dora (no address)", "ops", "", "high", T0.Add(8*24*time.Hour), true)
	e.Put("m6", "me", "eve@acme.example", "Eve", "ops", "T2", "high", T0.Add(8*24*time.Hour+time.Hour), true)
	e.Put("m7", "me", "ana@acme.example", "Ana", "ops", "T2", "medium", T0.Add(8*24*time.Hour+90*time.Minute), true)
	e.Put("x1", "other", "ana@acme.example", "Ana at other", "q3", "", "high", T0.Add(time.Minute), true)
	e.Put("x2", "other", "zed@zeta.example", "Zed", "q3", "T9", "low", T0.Add(3*time.Hour), false)
	e.Put("x3", "other", "ana@acme.example", "Ana at other", "q3", "T9", "medium", T0.Add(5*time.Hour), false)
	e.Drain()
	if _, err := e.S.Table.UpdateItem(ctx, "m6", doctales.ItemUpdate{State: &doctales.StateChange{State: doctales.StateDone}}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.S.Table.DeleteItem(ctx, "m4"); err != nil {
		e.t.Fatal(err)
	}
	e.Drain()
}

// Run runs the contract; open returns a fresh subject for each case.
func Run(t *testing.T, open func(t *testing.T) Subject) {
	ctx := context.Background()

	t.Run("ExactCounts", func(t *testing.T) {
		e := NewEnv(t, open(t))
		// A thread: Ana asks (high), Bob answers 2 h later, Ana answers
		// Bob 30 min after that; a lone low mail from a gmail address on
		// day 2; another owner's mail that must never show.
		e.Put("m1", "me", "ana@acme.example", "Ana", "q3", "T1", "high", T0, true)
		e.Put("m2", "me", "bob@beta.example", "Bob", "q3", "T1", "medium", T0.Add(2*time.Hour), true)
		e.Put("m3", "me", "ana@acme.example", "Ana R.", "q3", "T1", "low", T0.Add(150*time.Minute), false)
		e.Put("m4", "me", "carl@gmail.com", "Carl", "", "", "low", T0.Add(24*time.Hour), false)
		e.Put("x1", "other", "ana@acme.example", "Ana", "q3", "", "high", T0, true)
		e.Drain()
		dl := T0.Add(48 * time.Hour)
		want := Snapshot{
			Days: []doctales.VolumeDay{
				{Day: "2026-03-02", Total: 3, High: 1, Medium: 1, Low: 1, Requests: 2},
				{Day: "2026-03-03", Total: 1, Low: 1},
			},
			Weeks: []doctales.VolumeWeek{{Week: "2026-W10", Project: "", Total: 1}, {Week: "2026-W10", Project: "q3", Total: 3, High: 1, Open: 2}},
			People: []doctales.PersonStats{
				// Ana answered Bob after 30 min; Bob answered Ana after 2 h.
				{ID: "ana@acme.example", Name: "Ana R.", Organization: "acme.example", Total: 2, High: 1, Open: 1,
					Last: T0.Add(150 * time.Minute), TheyReplied: 1, TheyReplySeconds: 1800, RepliedTo: 1, RepliedToSeconds: 7200},
				{ID: "carl@gmail.com", Name: "Carl", Total: 1, Last: T0.Add(24 * time.Hour)},
				{ID: "bob@beta.example", Name: "Bob", Organization: "beta.example", Total: 1, Open: 1,
					Last: T0.Add(2 * time.Hour), TheyReplied: 1, TheyReplySeconds: 7200, RepliedTo: 1, RepliedToSeconds: 1800},
			},
			Orgs: []doctales.OrgStats{
				{Name: "acme.example", Total: 2, People: 1, High: 1, Open: 1, Last: T0.Add(150 * time.Minute)},
				{Name: "beta.example", Total: 1, People: 1, Open: 1, Last: T0.Add(2 * time.Hour)},
			},
			Deadlines: []doctales.DeadlineItem{{ID: "m1", Subject: "s m1", Sender: "Ana", Urgency: "high", Deadline: dl, Open: true}},
		}
		if d := Diff(Read(t, e.S.Store, "me"), want); d != "" {
			t.Fatalf("first delivery:\n%s", d)
		}
		other := Read(t, e.S.Store, "other")
		if len(other.Days) != 1 || other.Days[0].Total != 1 || len(other.People) != 1 || other.People[0].Name != "Ana" {
			t.Errorf("the other owner sees %+v, want only their one mail", other)
		}
	})

	t.Run("Redelivery", func(t *testing.T) {
		// Applying the same changes again, whole, one by one, or a
		// later batch before an earlier one's redelivery (each item's
		// records still in order) changes nothing.
		e := NewEnv(t, open(t))
		Scenario(e)
		before := map[string]Snapshot{}
		for _, o := range []string{"me", "other", ""} {
			before[o] = Read(t, e.S.Store, o)
		}
		check := func(label string) {
			t.Helper()
			for _, o := range []string{"me", "other", ""} {
				if d := Diff(Read(t, e.S.Store, o), before[o]); d != "" {
					t.Fatalf("%s, owner %q:\n%s", label, o, d)
				}
			}
		}
		e.Replay(e.Recs)
		check("after the whole stream again")
		for _, r := range e.Recs {
			e.Replay([]*doctales.LogRecord{r})
		}
		check("after each record again, one by one")
		var changes []doctales.AnalyticsChange
		for _, r := range e.Recs {
			var rec events.DynamoDBEventRecord
			if err := json.Unmarshal(r.Data, &rec); err != nil {
				t.Fatalf("decode record %d: %v", r.Seq, err)
			}
			if ch, ok := analytics.ChangeOf(rec); ok {
				changes = append(changes, ch)
			}
		}
		if err := e.S.Store.ApplyFacts(ctx, changes); err != nil {
			t.Fatal(err)
		}
		if err := e.S.Store.ApplyFacts(ctx, changes); err != nil {
			t.Fatal(err)
		}
		check("after ApplyFacts of the changes twice")
	})

	t.Run("DoneAndRemove", func(t *testing.T) {
		e := NewEnv(t, open(t))
		e.Put("m1", "me", "ana@acme.example", "Ana", "q3", "T1", "high", T0, true)
		e.Put("m2", "me", "bob@beta.example", "Bob", "q3", "T1", "medium", T0.Add(time.Hour), true)
		e.Drain()
		if _, err := e.S.Table.UpdateItem(ctx, "m1", doctales.ItemUpdate{State: &doctales.StateChange{State: doctales.StateDone}}); err != nil {
			t.Fatal(err)
		}
		e.Drain()
		s := Read(t, e.S.Store, "me")
		for _, p := range s.People {
			if p.ID == "ana@acme.example" && (p.Open != 0 || p.Total != 1) {
				t.Errorf("after done, ana = %+v, want open 0 total 1", p)
			}
		}
		if len(s.Deadlines) != 1 || s.Deadlines[0].Open {
			t.Errorf("after done, deadlines = %+v, want m1 not open", s.Deadlines)
		}
		if err := e.S.Table.DeleteItem(ctx, "m1"); err != nil {
			t.Fatal(err)
		}
		e.Drain()
		s = Read(t, e.S.Store, "me")
		if len(s.Days) != 1 || s.Days[0].Total != 1 || s.Days[0].High != 0 {
			t.Errorf("after remove, days = %+v", s.Days)
		}
		if len(s.People) != 1 || s.People[0].ID != "bob@beta.example" || s.People[0].TheyReplied != 0 || s.People[0].RepliedTo != 0 {
			t.Errorf("after remove, people = %+v (bob's answer went with the message it answered)", s.People)
		}
		if len(s.Orgs) != 1 || s.Orgs[0].Name != "beta.example" {
			t.Errorf("after remove, orgs = %+v", s.Orgs)
		}
		if len(s.Deadlines) != 0 {
			t.Errorf("after remove, deadlines = %+v", s.Deadlines)
		}
	})

	t.Run("ThreadMoved", func(t *testing.T) {
		// Bob's answer to Ana moves to Carl's thread, where it answers
		// Carl: its answer row (keyed by the message) leaves one thread
		// and joins the other in one batch.
		e := NewEnv(t, open(t))
		e.Put("m1", "me", "ana@acme.example", "Ana", "q3", "T1", "low", T0, false)
		e.Put("m2", "me", "bob@beta.example", "Bob", "q3", "T1", "low", T0.Add(2*time.Hour), false)
		e.Put("m3", "me", "carl@gamma.example", "Carl", "q3", "T2", "low", T0.Add(time.Hour), false)
		e.Drain()
		moved := "T2"
		if _, err := e.S.Table.UpdateItem(ctx, "m2", doctales.ItemUpdate{ThreadID: &moved}); err != nil {
			t.Fatal(err)
		}
		e.Drain()
		by := map[string]doctales.PersonStats{}
		for _, p := range Read(t, e.S.Store, "me").People {
			by[p.ID] = p
		}
		if b := by["bob@beta.example"]; b.TheyReplied != 1 || b.TheyReplySeconds != 3600 {
			t.Errorf("bob = %+v, want one answer after 1 h (to Carl)", b)
		}
		if a, c := by["ana@acme.example"], by["carl@gamma.example"]; a.RepliedTo != 0 || c.RepliedTo != 1 || c.RepliedToSeconds != 3600 {
			t.Errorf("ana = %+v, carl = %+v: want Carl answered once after 1 h, Ana no more", a, c)
		}
	})

	t.Run("FillFacts", func(t *testing.T) {
		// The backfill writes only the facts of communications the
		// consumer has not reached; a fact the consumer wrote is kept.
		e := NewEnv(t, open(t))
		e.Put("m1", "me", "ana@acme.example", "Ana", "q3", "", "high", T0, true)
		e.Drain()
		old := &doctales.AnalyticsFact{ID: "m1", Owner: "me", Time: T0, Day: "2026-03-02", Week: "2026-W10", Urgency: "low",
			Person: "ana@acme.example", Name: "Ana", Org: "acme.example", Project: "q3"}
		fresh := &doctales.AnalyticsFact{ID: "m2", Owner: "me", Time: T0, Day: "2026-03-02", Week: "2026-W10", Urgency: "medium",
			Person: "bob@beta.example", Name: "Bob", Org: "beta.example", Project: "q3"}
		if err := e.S.Store.FillFacts(ctx, []doctales.AnalyticsChange{{ID: "m1", Owner: "me", Fact: old}, {ID: "m2", Owner: "me", Fact: fresh}}); err != nil {
			t.Fatal(err)
		}
		days := Read(t, e.S.Store, "me").Days
		if len(days) != 1 || days[0].Total != 2 || days[0].High != 1 || days[0].Medium != 1 || days[0].Low != 0 {
			t.Errorf("after fill, days = %+v, want m1 still high and m2 added as medium", days)
		}
	})

	t.Run("Ranges", func(t *testing.T) {
		e := NewEnv(t, open(t))
		Scenario(e)
		me := doctales.WithOwner(ctx, "me")
		days, err := e.S.Store.VolumeByDay(me, "2026-03-03", "2026-03-10")
		if err != nil {
			t.Fatal(err)
		}
		if len(days) != 1 || days[0].Day != "2026-03-10" || days[0].Total != 3 {
			t.Errorf("days 03-03..03-10 = %+v, want 2026-03-10 with 3 (m4 removed)", days)
		}
		weeks, err := e.S.Store.VolumeByWeek(me, "2026-03-09", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(weeks) != 1 || weeks[0].Week != "2026-W11" || weeks[0].Project != "ops" || weeks[0].Total != 3 || weeks[0].Open != 2 {
			t.Errorf("weeks from 03-09 = %+v, want 2026-W11 ops 3, open 2 (m6 done)", weeks)
		}
		ids := func(latest bool, from, to time.Time, limit int) string {
			t.Helper()
			return DeadlineIDs(t, me, e.S.Store, from, to, latest, limit)
		}
		if got := ids(false, time.Time{}, time.Time{}, 0); got != "m1,m5,m6" {
			t.Errorf("earliest first = %s, want m1,m5,m6", got)
		}
		if got := ids(true, time.Time{}, time.Time{}, 1); got != "m6" {
			t.Errorf("latest first, limit 1 = %s, want m6", got)
		}
		if got := ids(false, T0.Add(72*time.Hour), time.Time{}, 0); got != "m5,m6" {
			t.Errorf("from T0+3d = %s, want m5,m6", got)
		}
		if got := ids(false, time.Time{}, T0.Add(72*time.Hour), 0); got != "m1" {
			t.Errorf("to T0+3d = %s, want m1", got)
		}
		people, orgs, err := e.S.Store.PeopleStats(me, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(people) != 1 || people[0].ID != "ana@acme.example" || len(orgs) != 1 || orgs[0].Name != "acme.example" {
			t.Errorf("people, limit 1 = %+v %+v, want ana and acme.example", people, orgs)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		s := open(t)
		err := s.Store.ApplyFacts(ctx, []doctales.AnalyticsChange{{Owner: "me"}})
		if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "id" {
			t.Errorf("a change without an id: %v (code %s, field %q), want EINVALID naming id", err, doctales.ErrorCode(err), doctales.ErrorField(err))
		}
		_, _, err = s.Store.PeopleStats(ctx, -1)
		if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "limit" {
			t.Errorf("limit -1: %v, want EINVALID naming limit", err)
		}
	})

	t.Run("ConcurrentSameCommunications", func(t *testing.T) {
		// Two writers, one on each handle, move the same ten
		// communications back and forth, each to a day, person and
		// project of its own (a redelivery racing a newer record on
		// another process): whichever wrote last, each communication is
		// counted once, in the buckets of its stored fact.
		s := open(t)
		const ids, rounds = 10, 30
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for w, st := range []Store{s.Store, s.Second} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				day := T0.Add(time.Duration(w) * 24 * time.Hour)
				for r := range rounds {
					var changes []doctales.AnalyticsChange
					for i := range ids {
						id := fmt.Sprintf("c%d", (i+r)%ids) // a different order each round
						f := &doctales.AnalyticsFact{ID: id, Owner: "me", Time: day, Day: day.Format("2006-01-02"), Week: "2026-W10",
							Urgency: "low", Person: fmt.Sprintf("p%d@acme.example", w), Name: "P", Org: "acme.example",
							Project: fmt.Sprintf("q%d", w), Subject: "s"}
						changes = append(changes, doctales.AnalyticsChange{ID: id, Owner: "me", Fact: f})
					}
					if err := st.ApplyFacts(ctx, changes); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got := Read(t, s.Store, "me")
		sum := func(n ...int) (t int) {
			for _, v := range n {
				t += v
			}
			return t
		}
		var days, weeks, people []int
		for _, d := range got.Days {
			days = append(days, d.Total)
		}
		for _, w := range got.Weeks {
			weeks = append(weeks, w.Total)
		}
		for _, p := range got.People {
			people = append(people, p.Total)
		}
		if sum(days...) != ids || sum(weeks...) != ids || sum(people...) != ids || len(got.Orgs) != 1 || got.Orgs[0].Total != ids {
			t.Errorf("after the race, days %+v, weeks %+v, people %+v, organizations %+v: want %d communications counted once in each",
				got.Days, got.Weeks, got.People, got.Orgs, ids)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		// Four writers, two on each handle, apply different
		// communications' facts to the same day, week, person,
		// organisation and thread, in small batches: every count exact.
		s := open(t)
		const writers, perWriter, batch = 4, 60, 3
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			st := s.Store
			if w%2 == 1 {
				st = s.Second
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < perWriter; i += batch {
					var changes []doctales.AnalyticsChange
					for j := i; j < i+batch; j++ {
						id := fmt.Sprintf("w%d-%03d", w, j)
						at := T0.Add(time.Duration(w*perWriter+j) * time.Second)
						urgency := []string{"high", "medium", "low"}[j%3]
						f := &doctales.AnalyticsFact{ID: id, Owner: "me", Time: at, Day: "2026-03-02", Week: "2026-W10",
							Urgency: urgency, Person: fmt.Sprintf("p%d@acme.example", j%2), Name: "P", Org: "acme.example",
							Project: "q3", ThreadID: "T", Subject: "s", Request: true, Open: j%2 == 0}
						changes = append(changes, doctales.AnalyticsChange{ID: id, Owner: "me", Fact: f})
					}
					if err := st.ApplyFacts(ctx, changes); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		const n = writers * perWriter
		got := Read(t, s.Store, "me")
		if len(got.Days) != 1 || got.Days[0] != (doctales.VolumeDay{Day: "2026-03-02", Total: n, High: n / 3, Medium: n / 3, Low: n / 3, Requests: n}) {
			t.Errorf("days = %+v, want one day of %d (%d of each urgency)", got.Days, n, n/3)
		}
		if len(got.Weeks) != 1 || got.Weeks[0] != (doctales.VolumeWeek{Week: "2026-W10", Project: "q3", Total: n, High: n / 3, Open: n / 2}) {
			t.Errorf("weeks = %+v, want one week of %d, %d open", got.Weeks, n, n/2)
		}
		if len(got.Orgs) != 1 || got.Orgs[0].Total != n || got.Orgs[0].People != 2 || got.Orgs[0].Open != n/2 {
			t.Errorf("organizations = %+v, want acme.example with %d from 2 people", got.Orgs, n)
		}
		// The thread's messages, by time, alternate p0 and p1 (each
		// writer's run does, and runs follow each other, p1 then p0), a
		// second apart: n-1 answers of 1 s, each counted on both sides.
		total, replied, repliedTo := 0, 0, 0
		for _, p := range got.People {
			total += p.Total
			replied += p.TheyReplied
			repliedTo += p.RepliedTo
			if p.TheyReplySeconds != 1 || p.RepliedToSeconds != 1 {
				t.Errorf("%s answers after %v s and is answered after %v s, want 1 and 1", p.ID, p.TheyReplySeconds, p.RepliedToSeconds)
			}
		}
		if len(got.People) != 2 || total != n {
			t.Errorf("people = %+v, want 2 with %d in all", got.People, n)
		}
		if replied != n-1 || repliedTo != n-1 {
			t.Errorf("answers in thread T: %d given, %d received, want %d each", replied, repliedTo, n-1)
		}
	})
}

// DeadlineIDs returns the ids r.Deadlines lists for ctx's owner, joined
// with commas in the order given, or fails t.
func DeadlineIDs(t testing.TB, ctx context.Context, r doctales.AnalyticsReader, from, to time.Time, latest bool, limit int) string {
	t.Helper()
	d, err := r.Deadlines(ctx, from, to, latest, limit)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(d))
	for _, x := range d {
		out = append(out, x.ID)
	}
	return strings.Join(out, ",")
}
