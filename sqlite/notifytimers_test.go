package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/doctales/doctales/notify"
)

// TestNotifyTimers: timers are stored once per id, come due in order,
// fire once, survive a reopen of the file, and cancelling deletes only
// the pending ones of that kind.
func TestNotifyTimers(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "doctales.db")
	db := MustOpenDBAt(t, path, nil)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	put := []notify.Timer{
		{ID: "r2", CommunicationID: "c", Kind: notify.TimerReminder, Due: t0.Add(2 * time.Hour), Deadline: t0.Add(3 * time.Hour), Before: time.Hour, Channels: []string{"email"}},
		{ID: "r1", CommunicationID: "c", Kind: notify.TimerReminder, Due: t0.Add(time.Hour)},
		{ID: "e1", CommunicationID: "c", Kind: notify.TimerEscalation, Due: t0.Add(90 * time.Minute), Step: 1},
		{ID: "m", CommunicationID: "c", Kind: notify.TimerNotified, Due: t0, Fired: true},
	}
	if err := db.PutTimers(ctx, put); err != nil {
		t.Fatal(err)
	}
	// Planning again with another due time keeps the first.
	if err := db.PutTimers(ctx, []notify.Timer{{ID: "r1", CommunicationID: "c", Kind: notify.TimerReminder, Due: t0}}); err != nil {
		t.Fatal(err)
	}
	if next, ok, err := db.NextNotifyTimer(ctx); err != nil || !ok || !next.Equal(t0.Add(time.Hour)) {
		t.Fatalf("NextNotifyTimer = %s %v %v, want %s", next, ok, err, t0.Add(time.Hour))
	}
	due, err := db.DueTimers(ctx, t0.Add(2*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 3 || due[0].ID != "r1" || due[1].ID != "e1" || due[2].ID != "r2" {
		t.Fatalf("due = %+v, want r1, e1, r2", due)
	}
	if r2 := due[2]; !r2.Deadline.Equal(t0.Add(3*time.Hour)) || r2.Before != time.Hour || len(r2.Channels) != 1 {
		t.Errorf("r2 read back as %+v", r2)
	}
	if err := db.FireTimer(ctx, "r1"); err != nil {
		t.Fatal(err)
	}

	// Reopen: r1 stays fired, the others pending.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = MustOpenDBAt(t, path, nil)
	due, err = db.DueTimers(ctx, t0.Add(24*time.Hour), 0)
	if err != nil || len(due) != 2 {
		t.Fatalf("after reopen due = %+v, %v; want e1 and r2", due, err)
	}
	if m, ok, err := db.GetTimer(ctx, "m"); err != nil || !ok || !m.Fired {
		t.Fatalf("marker = %+v %v %v", m, ok, err)
	}
	if err := db.CancelTimers(ctx, "c", notify.TimerReminder); err != nil {
		t.Fatal(err)
	}
	due, _ = db.DueTimers(ctx, t0.Add(24*time.Hour), 0)
	if len(due) != 1 || due[0].ID != "e1" {
		t.Fatalf("after cancelling reminders due = %+v, want e1", due)
	}
	if _, ok, _ := db.GetTimer(ctx, "r1"); !ok {
		t.Error("cancel deleted a fired reminder")
	}
	k1, err := db.AckKey(ctx)
	if err != nil || len(k1) != 32 {
		t.Fatalf("AckKey = %x, %v", k1, err)
	}
}
