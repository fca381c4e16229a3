// Package timertest is the shared contract test of [notify.TimerStore]:
// the durable notification timers (reminders, escalation steps) of issue
// 13. Package sqlite's DB and package dynamodb's Timers (against the
// emulator) run it.
package timertest

import (
	"context"
	"testing"
	"time"

	"github.com/doctales/doctales/notify"
)

// Run runs the contract on a fresh, empty store from newStore.
func Run(t *testing.T, newStore func(t *testing.T) notify.TimerStore) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

	t.Run("DueFireCancel", func(t *testing.T) {
		s := newStore(t)
		if _, ok, err := s.NextNotifyTimer(ctx); err != nil || ok {
			t.Fatalf("NextNotifyTimer of an empty store = %v, %v; want none", ok, err)
		}
		put := []notify.Timer{
			{ID: "r2", CommunicationID: "c", Kind: notify.TimerReminder, Due: t0.Add(2 * time.Hour), Deadline: t0.Add(3 * time.Hour), Before: time.Hour, Channels: []string{"email"}},
			{ID: "r1", CommunicationID: "c", Kind: notify.TimerReminder, Due: t0.Add(time.Hour)},
			{ID: "e1", CommunicationID: "c", Kind: notify.TimerEscalation, Due: t0.Add(90 * time.Minute), Step: 1},
			{ID: "m", CommunicationID: "c", Kind: notify.TimerNotified, Due: t0, Fired: true},
			{ID: "other", CommunicationID: "d", Kind: notify.TimerReminder, Due: t0.Add(25 * time.Hour)},
		}
		if err := s.PutTimers(ctx, put); err != nil {
			t.Fatal(err)
		}
		// Planning again with another due time keeps the first.
		if err := s.PutTimers(ctx, []notify.Timer{{ID: "r1", CommunicationID: "c", Kind: notify.TimerReminder, Due: t0}}); err != nil {
			t.Fatal(err)
		}
		if next, ok, err := s.NextNotifyTimer(ctx); err != nil || !ok || !next.Equal(t0.Add(time.Hour)) {
			t.Fatalf("NextNotifyTimer = %s %v %v, want %s (the fired marker is never next)", next, ok, err, t0.Add(time.Hour))
		}
		if due, err := s.DueTimers(ctx, t0.Add(59*time.Minute), 0); err != nil || len(due) != 0 {
			t.Fatalf("due before the first = %+v, %v; want none", due, err)
		}
		due, err := s.DueTimers(ctx, t0.Add(2*time.Hour), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) != 3 || due[0].ID != "r1" || due[1].ID != "e1" || due[2].ID != "r2" {
			t.Fatalf("due = %+v, want r1, e1, r2 (at their time, earliest first)", due)
		}
		if r2 := due[2]; !r2.Deadline.Equal(t0.Add(3*time.Hour)) || r2.Before != time.Hour || len(r2.Channels) != 1 || r2.CommunicationID != "c" {
			t.Errorf("r2 read back as %+v", r2)
		}
		if due, _ := s.DueTimers(ctx, t0.Add(2*time.Hour), 2); len(due) != 2 || due[1].ID != "e1" {
			t.Errorf("due with limit 2 = %+v, want r1, e1", due)
		}
		if err := s.FireTimer(ctx, "r1"); err != nil {
			t.Fatal(err)
		}
		if r1, ok, err := s.GetTimer(ctx, "r1"); err != nil || !ok || !r1.Fired {
			t.Fatalf("r1 after firing = %+v %v %v, want fired", r1, ok, err)
		}
		if err := s.FireTimer(ctx, "r1"); err != nil {
			t.Errorf("firing twice: %v", err)
		}
		due, _ = s.DueTimers(ctx, t0.Add(24*time.Hour), 0)
		if len(due) != 2 || due[0].ID != "e1" || due[1].ID != "r2" {
			t.Fatalf("due after firing r1 = %+v, want e1, r2", due)
		}
		if m, ok, err := s.GetTimer(ctx, "m"); err != nil || !ok || !m.Fired {
			t.Fatalf("marker = %+v %v %v", m, ok, err)
		}
		if _, ok, err := s.GetTimer(ctx, "nope"); err != nil || ok {
			t.Fatalf("GetTimer(nope) = %v, %v; want absent", ok, err)
		}

		// Cancelling c's reminders deletes the pending ones only.
		if err := s.CancelTimers(ctx, "c", notify.TimerReminder); err != nil {
			t.Fatal(err)
		}
		due, _ = s.DueTimers(ctx, t0.Add(48*time.Hour), 0)
		if len(due) != 2 || due[0].ID != "e1" || due[1].ID != "other" {
			t.Fatalf("after cancelling c's reminders due = %+v, want e1 and d's reminder", due)
		}
		if _, ok, _ := s.GetTimer(ctx, "r1"); !ok {
			t.Error("cancel deleted a fired reminder")
		}
		if _, ok, _ := s.GetTimer(ctx, "r2"); ok {
			t.Error("cancel left a pending reminder")
		}
	})
}
