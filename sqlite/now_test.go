package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

// nowAt is the fixed clock of these tests: Wednesday 2 December 2026,
// 10:00 UTC.
var nowAt = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// mustItem creates an item of owner dated ts, with urgency, category and
// deadline set as extraction would, and returns it.
func mustItem(t *testing.T, db *sqlite.DB, id, owner string, ts time.Time, urgency, category string, deadline *time.Time) *doctales.Item {
	t.Helper()
	ctx := context.Background()
	it := doctales.NewItem(&doctales.Communication{
		ID: id, Owner: owner, Type: doctales.TypeEmail, Source: "email", Timestamp: ts,
		Subject: "subject " + id, Sender: "Sender " + id, SenderID: id + "@acme.example",
	}, ts)
	if _, _, err := db.CreateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	extracted := doctales.StatusExtracted
	it, err := db.UpdateItem(ctx, id, doctales.ItemUpdate{
		Status: &extracted, Urgency: &urgency,
		Dimensions: &doctales.Dimensions{Urgency: urgency, Category: category, Deadline: deadline},
	})
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func mustState(t *testing.T, db *sqlite.DB, id string, c doctales.StateChange) {
	t.Helper()
	if _, err := db.UpdateItem(context.Background(), id, doctales.ItemUpdate{State: &c}); err != nil {
		t.Fatalf("state %s of %s: %v", c.State, id, err)
	}
}

// nowView reads the candidates of owner at nowAt and builds the view.
func nowView(t *testing.T, db *sqlite.DB, owner string, perSection int) *doctales.NowView {
	t.Helper()
	ctx := doctales.WithOwner(context.Background(), owner)
	items, truncated, err := db.NowCandidates(ctx, doctales.NewNowQuery(nowAt, 72*time.Hour, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if truncated {
		t.Fatal("truncated")
	}
	return doctales.BuildNowView(items, nowAt, 72*time.Hour, time.UTC, perSection)
}

func counts(v *doctales.NowView) map[string]int {
	out := map[string]int{}
	for _, s := range v.Sections {
		out[s.ID] = s.Count
	}
	return out
}

func listed(v *doctales.NowView, section string) []string {
	ids := []string{}
	for _, s := range v.Sections {
		if s.ID == section {
			for _, e := range s.Items {
				ids = append(ids, e.ID)
			}
		}
	}
	return ids
}

func TestNowCandidates(t *testing.T) {
	db := MustOpenDBAt(t, filepath.Join(t.TempDir(), "doctales.db"), func(db *sqlite.DB) { db.Now = func() time.Time { return nowAt } })
	tomorrow17 := time.Date(2026, 12, 3, 17, 0, 0, 0, time.FixedZone("CET", 3600))
	dayAfter17 := tomorrow17.Add(24 * time.Hour)
	long := time.Date(2002, 8, 23, 9, 0, 0, 0, time.UTC)

	// 60 fresh high items: more than a section lists.
	for i := range 60 {
		mustItem(t, db, fmt.Sprintf("high%02d", i), "ana", nowAt.Add(-time.Duration(i+1)*time.Minute), "high", doctales.CategoryPerson, nil)
	}
	mustItem(t, db, "due-tomorrow", "ana", nowAt.Add(-30*24*time.Hour), "medium", doctales.CategoryPerson, &tomorrow17)
	mustItem(t, db, "due-day-after", "ana", nowAt.Add(-30*24*time.Hour), "medium", doctales.CategoryPerson, &dayAfter17)
	mustItem(t, db, "old-2002", "ana", long, "high", doctales.CategoryList, &long)
	mustItem(t, db, "old-high", "ana", nowAt.Add(-10*24*time.Hour), "high", doctales.CategoryPerson, nil)
	mustItem(t, db, "bulk", "ana", nowAt.Add(-time.Minute), "high", doctales.CategoryBulk, nil)
	mustItem(t, db, "done", "ana", nowAt.Add(-time.Second), "high", doctales.CategoryPerson, nil)
	mustState(t, db, "done", doctales.StateChange{State: doctales.ChangeDone})
	mustItem(t, db, "snoozed", "ana", nowAt.Add(-time.Second), "high", doctales.CategoryPerson, nil)
	mustState(t, db, "snoozed", doctales.StateChange{State: doctales.ChangeSnoozed, Until: nowAt.Add(48 * time.Hour)})
	mustItem(t, db, "snoozed-today", "ana", nowAt.Add(-time.Second), "high", doctales.CategoryPerson, nil)
	mustState(t, db, "snoozed-today", doctales.StateChange{State: doctales.ChangeSnoozed, Until: nowAt.Add(3 * time.Hour)})
	mustItem(t, db, "waiting", "ana", nowAt.Add(-40*24*time.Hour), "low", doctales.CategoryReply, nil)
	mustState(t, db, "waiting", doctales.StateChange{State: doctales.ChangeWaiting})
	// Another user's urgent item counts for them only.
	mustItem(t, db, "bob-high", "bob", nowAt.Add(-time.Minute), "high", doctales.CategoryPerson, nil)

	v := nowView(t, db, "ana", 10)
	if got, want := counts(v), map[string]int{"now": 61, "today": 1, "week": 1, "waiting": 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counts = %v, want %v", got, want)
	}
	now := listed(v, "now")
	if len(now) != 10 || now[0] != "high00" || slices.Contains(now, "done") || slices.Contains(now, "bulk") || slices.Contains(now, "bob-high") {
		t.Errorf("now lists %v", now)
	}
	if got := listed(v, "week"); !slices.Equal(got, []string{"due-day-after"}) {
		t.Errorf("week = %v", got)
	}
	if got := listed(v, "today"); !slices.Equal(got, []string{"snoozed-today"}) {
		t.Errorf("today = %v", got)
	}
	if got := listed(v, "waiting"); !slices.Equal(got, []string{"waiting"}) {
		t.Errorf("waiting = %v", got)
	}
	// Tomorrow 17:00 is in "now"; it is the last of 61 (the fresh high
	// items count as due now), so it is not among the ten listed.
	all := nowView(t, db, "ana", 100)
	if got := listed(all, "now"); got[len(got)-1] != "due-tomorrow" {
		t.Errorf("last of now = %s, want due-tomorrow", got[len(got)-1])
	}
	if c := counts(nowView(t, db, "bob", 10)); c["now"] != 1 {
		t.Errorf("bob's now = %d, want 1", c["now"])
	}

	// The candidates are bounded: at a limit of 5 the read says so.
	items, truncated, err := db.NowCandidates(doctales.WithOwner(context.Background(), "ana"), doctales.NowQuery{Now: nowAt, HighSince: nowAt.Add(-72 * time.Hour), Limit: 5})
	if err != nil || !truncated || len(items) != 5 {
		t.Errorf("limit 5: %d items, truncated %v, %v", len(items), truncated, err)
	}
}

// TestNow_Migration: deadlines of items stored before migration 0140 are
// copied from their bodies (any offset) into the deadline column.
func TestNow_Migration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doctales.db")
	db := MustOpenDBAt(t, path, nil)
	due := time.Date(2026, 12, 3, 17, 30, 0, 500, time.FixedZone("CET", 3600))
	mustItem(t, db, "old", "", nowAt.Add(-30*24*time.Hour), "medium", doctales.CategoryPerson, &due)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	// A database from before 0140 has none of the later migrations
	// either: 0190's and 0180's indexes read the deadline column.
	for _, q := range []string{`DROP INDEX items_owner_urgency`, `DROP INDEX items_owner_project`, `DROP INDEX items_owner_type`,
		`DROP INDEX items_sort_urgency`, `DROP INDEX items_sort_urgency_asc`, `DROP INDEX items_sort_sender`,
		`DROP INDEX items_sort_sender_desc`, `DROP INDEX items_sort_deadline`, `DROP INDEX items_sort_deadline_desc`,
		`CREATE INDEX items_project ON items (project, ts, id)`, `CREATE INDEX items_type ON items (type, ts, id)`,
		`CREATE INDEX items_urgency ON items (urgency, ts, id)`, `DELETE FROM schema_version WHERE version = 190`,
		`DELETE FROM schema_version WHERE version = 180`,
		`DROP INDEX items_thread`, `DROP INDEX items_deadline`,
		`ALTER TABLE items DROP COLUMN thread_id`, `ALTER TABLE items DROP COLUMN deadline`, `DELETE FROM schema_version WHERE version = 140`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	db = MustOpenDBAt(t, path, nil)
	v := nowView(t, db, doctales.DefaultUserID, 10)
	if got := listed(v, "now"); !slices.Equal(got, []string{"old"}) {
		t.Errorf("after migration, now = %v, want [old]", got)
	}
	// Just outside the window (a week and a second after nowAt) it is not
	// a candidate: the column compares as a time.
	items, _, err := db.NowCandidates(context.Background(), doctales.NowQuery{
		Now: nowAt, HighSince: nowAt, RequestSince: nowAt, SnoozeEndsBy: nowAt,
		DeadlineFrom: due.Add(time.Microsecond), DeadlineTo: due.Add(time.Hour),
	})
	if err != nil || len(items) != 0 {
		t.Errorf("deadline after the window's start: %d items, %v", len(items), err)
	}
}

// threadItem creates a message of a thread: id, its thread id as the
// mail parser keeps it, sender and date.
func threadItem(t *testing.T, db *sqlite.DB, owner, id, thread, sender string, ts time.Time) {
	t.Helper()
	c := &doctales.Communication{
		ID: id, Owner: owner, Type: doctales.TypeEmail, Source: "email", Timestamp: ts,
		Subject: "Re: budget", Sender: sender, SenderID: sender + "@acme.example",
		Fields: map[string]any{"threadId": thread},
	}
	if id == "root" {
		c.Subject = "Budget"
	}
	if _, _, err := db.CreateItem(context.Background(), doctales.NewItem(c, ts)); err != nil {
		t.Fatal(err)
	}
}

func TestThreads(t *testing.T) {
	db := MustOpenDB(t)
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	// Replies arrive before their root (out of order): they name the
	// root in References, so they share its thread id.
	threadItem(t, db, "ana", "reply2", "root@acme.example", "bo", t0.Add(2*time.Hour))
	threadItem(t, db, "ana", "reply1", "root@acme.example", "cy", t0.Add(time.Hour))
	threadItem(t, db, "ana", "other", "other@acme.example", "di", t0.Add(30*time.Minute))
	threadItem(t, db, "ana", "root", "root@acme.example", "ana", t0)
	threadItem(t, db, "ana", "reply3", "root@acme.example", "BO", t0.Add(3*time.Hour))
	threadItem(t, db, "ana", "alone", "alone@acme.example", "ed", t0.Add(5*time.Hour))
	threadItem(t, db, "bob", "bobs", "root@acme.example", "bob", t0.Add(9*time.Hour))
	ana := doctales.WithOwner(context.Background(), "ana")

	ths, next, err := db.FindThreads(ana, doctales.ThreadFilter{})
	if err != nil || next != "" {
		t.Fatal(err, next)
	}
	var got []string
	for _, th := range ths {
		got = append(got, fmt.Sprintf("%s:%d", th.ID, th.Count))
	}
	if want := []string{"alone@acme.example:1", "root@acme.example:4", "other@acme.example:1"}; !slices.Equal(got, want) {
		t.Fatalf("threads = %v, want %v (newest first, bob's message not counted)", got, want)
	}
	root := ths[1]
	if root.Subject != "Budget" || root.LastID != "reply3" || !root.Last.Equal(t0.Add(3*time.Hour)) || !root.First.Equal(t0) || root.Open != 4 {
		t.Errorf("root thread = %+v", root)
	}
	var people []string
	for _, p := range root.People {
		people = append(people, fmt.Sprintf("%s:%d", p.Name, p.Count))
	}
	if want := []string{"ana:1", "cy:1", "bo:2"}; !slices.Equal(people, want) || root.PeopleTotal != 3 {
		t.Errorf("people = %v (%d), want %v: in order of first message, one per address", people, root.PeopleTotal, want)
	}

	// Conversations only, one per page.
	ths, next, err = db.FindThreads(ana, doctales.ThreadFilter{MinCount: 2, Limit: 1})
	if err != nil || len(ths) != 1 || ths[0].ID != "root@acme.example" || next != "" {
		t.Errorf("min 2: %v %q %v", ths, next, err)
	}
	ths, next, err = db.FindThreads(ana, doctales.ThreadFilter{Limit: 2})
	if err != nil || len(ths) != 2 || next == "" {
		t.Fatalf("page 1: %d %q %v", len(ths), next, err)
	}
	ths, next, err = db.FindThreads(ana, doctales.ThreadFilter{Limit: 2, Cursor: next})
	if err != nil || len(ths) != 1 || ths[0].ID != "other@acme.example" || next != "" {
		t.Errorf("page 2: %v %q %v", ths, next, err)
	}
	if _, _, err := db.FindThreads(ana, doctales.ThreadFilter{Cursor: "x"}); doctales.ErrorField(err) != "next" {
		t.Errorf("bad cursor: %v", err)
	}

	// A thread's messages in date order, whatever the arrival.
	items, err := db.ThreadItems(ana, "root@acme.example", 0)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, it := range items {
		order = append(order, it.ID)
	}
	if want := []string{"root", "reply1", "reply2", "reply3"}; !slices.Equal(order, want) {
		t.Errorf("thread order = %v, want %v", order, want)
	}
	// Unscoped (no owner in the context: every owner's items), the
	// queries still run on their index.
	if ths, _, err := db.FindThreads(context.Background(), doctales.ThreadFilter{MinCount: 2}); err != nil || len(ths) != 1 || ths[0].Count != 5 {
		t.Errorf("unscoped threads: %v, %v", ths, err)
	}
	if items, err := db.ThreadItems(context.Background(), "root@acme.example", 0); err != nil || len(items) != 5 {
		t.Errorf("unscoped thread: %d items, %v", len(items), err)
	}
	if _, err := db.ThreadItems(doctales.WithOwner(context.Background(), "cy"), "root@acme.example", 0); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Errorf("another user's thread: %v, want ENOTFOUND", err)
	}
}
