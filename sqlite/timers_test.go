package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

// stateOf decodes the state of a stream record's image.
func stateOf(t *testing.T, img map[string]events.DynamoDBAttributeValue) string {
	t.Helper()
	it, err := doctales.ItemFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	return it.State
}

func TestTable_State(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if _, _, err := db.CreateItem(ctx, newItem("x", time.Now(), "alpha", "a@example.com", "high")); err != nil {
		t.Fatal(err)
	}
	done := &doctales.StateChange{State: doctales.ChangeDone}
	it, err := db.UpdateItem(ctx, "x", doctales.ItemUpdate{State: done})
	if err != nil {
		t.Fatal(err)
	} else if it.State != doctales.StateDone || it.StateAt == nil {
		t.Fatalf("after done: %+v", it)
	}
	recs := mustStreamRecords(t, db)
	if len(recs) != 2 || recs[1].EventName != "MODIFY" || stateOf(t, recs[1].Change.NewImage) != "done" || stateOf(t, recs[1].Change.OldImage) != "" {
		t.Fatalf("want INSERT then MODIFY to done, got %d records", len(recs))
	}
	// Done again changes nothing and appends nothing.
	if _, err := db.UpdateItem(ctx, "x", doctales.ItemUpdate{State: done}); err != nil {
		t.Fatal(err)
	}
	if n := len(mustStreamRecords(t, db)); n != 2 {
		t.Fatalf("a repeated done appended a record: %d records", n)
	}
	// Lists filter by state.
	for state, want := range map[string]int{"done": 1, "open": 0, "snoozed": 0} {
		items, _, err := db.FindItems(ctx, doctales.ItemFilter{State: &state})
		if err != nil {
			t.Fatal(err)
		} else if len(items) != want {
			t.Errorf("state=%s: %d items, want %d", state, len(items), want)
		}
	}
	// Read and pinned are flags beside the state.
	for _, c := range []string{doctales.ChangeRead, doctales.ChangePinned} {
		if _, err := db.UpdateItem(ctx, "x", doctales.ItemUpdate{State: &doctales.StateChange{State: c}}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := db.GetItem(ctx, "x")
	if !got.Metadata.Read || !got.Pinned || got.State != doctales.StateDone {
		t.Fatalf("after read and pinned: %+v", got)
	}
	// Another owner's item is not found.
	_, err = db.UpdateItem(doctales.WithOwner(ctx, "mallory"), "x", doctales.ItemUpdate{State: done})
	assertCode(t, err, doctales.ENOTFOUND)
}

// waitUntil polls cond until it holds or the deadline passes.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wakeRecords counts the MODIFY records that took x from snoozed to open.
func wakeRecords(t *testing.T, db *sqlite.DB) int {
	n := 0
	for _, r := range mustStreamRecords(t, db) {
		if r.EventName == "MODIFY" && stateOf(t, r.Change.OldImage) == "snoozed" && stateOf(t, r.Change.NewImage) == "" {
			n++
		}
	}
	return n
}

func TestTimers_SnoozeWakes(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if _, _, err := db.CreateItem(ctx, newItem("x", time.Now(), "alpha", "a@example.com", "high")); err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(700 * time.Millisecond)
	if _, err := db.UpdateItem(ctx, "x", doctales.ItemUpdate{State: &doctales.StateChange{State: doctales.ChangeSnoozed, Until: until}}); err != nil {
		t.Fatal(err)
	}
	snoozed := "snoozed"
	if items, _, _ := db.FindItems(ctx, doctales.ItemFilter{State: &snoozed}); len(items) != 1 {
		t.Fatalf("snoozed items = %d, want 1", len(items))
	}
	waitUntil(t, 10*time.Second, "the wake-up MODIFY", func() bool { return wakeRecords(t, db) == 1 })
	if time.Now().Before(until) {
		t.Fatal("woke before its time")
	}
	it, _ := db.GetItem(ctx, "x")
	if it.State != "" || it.StateUntil != nil {
		t.Fatalf("after wake-up: state %q until %v", it.State, it.StateUntil)
	}
	if _, ok, _ := db.NextTimer(ctx); ok {
		t.Fatal("a timer is left after the wake-up")
	}
}

// TestTimers_AfterRestart: a snooze that falls due while the database is
// closed wakes once when it opens again, and not again at the next open.
func TestTimers_AfterRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "doctales.db")
	db := MustOpenDBAt(t, path, func(db *sqlite.DB) { db.NoTimers = true })
	if _, _, err := db.CreateItem(ctx, newItem("x", time.Now(), "alpha", "a@example.com", "high")); err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(300 * time.Millisecond)
	if _, err := db.UpdateItem(ctx, "x", doctales.ItemUpdate{State: &doctales.StateChange{State: doctales.ChangeSnoozed, Until: until}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(until) + 50*time.Millisecond) // the server is down while it falls due

	db = MustOpenDBAt(t, path, nil)
	waitUntil(t, 10*time.Second, "the wake-up after the restart", func() bool { return wakeRecords(t, db) == 1 })
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = MustOpenDBAt(t, path, nil)
	if n, err := db.FireDueTimers(ctx); err != nil || n != 0 {
		t.Fatalf("FireDueTimers after the second restart = %d, %v", n, err)
	}
	if n := wakeRecords(t, db); n != 1 {
		t.Fatalf("%d wake-up records, want 1", n)
	}
}

// TestTimers_Cleared: done before the snooze ends cancels the wake-up.
func TestTimers_Cleared(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if _, _, err := db.CreateItem(ctx, newItem("x", time.Now(), "alpha", "a@example.com", "high")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateItem(ctx, "x", doctales.ItemUpdate{State: &doctales.StateChange{State: doctales.ChangeSnoozed, Until: time.Now().Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.NextTimer(ctx); !ok {
		t.Fatal("no timer after a snooze")
	}
	if _, err := db.UpdateItem(ctx, "x", doctales.ItemUpdate{State: &doctales.StateChange{State: doctales.ChangeDone}}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.NextTimer(ctx); ok {
		t.Fatal("done left the snooze's timer")
	}
}
