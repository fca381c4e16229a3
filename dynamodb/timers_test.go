package dynamodb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	dtddb "github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/internal/timertest"
	"github.com/doctales/doctales/notify"
)

// MustOpenTimers returns a new, empty timers table on the test server.
func MustOpenTimers(tb testing.TB) *dtddb.Timers {
	tb.Helper()
	s := dtddb.NewTimers(MustClient(tb), fmt.Sprintf("doctales-timers-test-%d", time.Now().UnixNano()))
	if err := s.CreateTable(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestTimers runs the timer store contract on DynamoDB (the emulator).
func TestTimers(t *testing.T) {
	timertest.Run(t, func(t *testing.T) notify.TimerStore { return MustOpenTimers(t) })
}

// TestTimers_DigestEntries: the digest entries kept in the timers table
// (quiet hours and the digest on AWS) are listed once per id, per digest,
// oldest first, and are never read as timers.
func TestTimers_DigestEntries(t *testing.T) {
	ctx := context.Background()
	s := MustOpenTimers(t)
	t0 := time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC)
	const d1, d2 = "digest@2026-03-02T08:00:00Z", "digest@2026-03-03T08:00:00Z"
	if e, err := s.DigestEntries(ctx, d1); err != nil || len(e) != 0 {
		t.Fatalf("entries of an absent digest = %+v, %v; want none", e, err)
	}
	add := []struct {
		digest string
		e      notify.DigestEntry
	}{
		{d1, notify.DigestEntry{ID: "m2", CommunicationID: "c2", Subject: "Second", At: t0.Add(time.Minute), Why: "urgent"}},
		{d1, notify.DigestEntry{ID: "m1", CommunicationID: "c1", Subject: "First", At: t0}},
		{d1, notify.DigestEntry{ID: "m1", CommunicationID: "c1", Subject: "First again", At: t0}}, // a redelivery
		{d2, notify.DigestEntry{ID: "m3", CommunicationID: "c3", Subject: "Next day", At: t0.Add(24 * time.Hour)}},
	}
	for _, a := range add {
		if err := s.AddDigestEntry(ctx, a.digest, a.e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.DigestEntries(ctx, d1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "m1" || got[0].Subject != "First" || got[1].ID != "m2" || got[1].Why != "urgent" || !got[1].At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("entries of %s = %+v, want m1 (first stored) then m2", d1, got)
	}
	if got, err := s.DigestEntries(ctx, d2); err != nil || len(got) != 1 || got[0].CommunicationID != "c3" {
		t.Fatalf("entries of %s = %+v, %v; want m3", d2, got, err)
	}
	if due, err := s.DueTimers(ctx, t0.Add(100*24*time.Hour), 0); err != nil || len(due) != 0 {
		t.Fatalf("due timers = %+v, %v; want none (entries are not timers)", due, err)
	}
	if _, ok, err := s.NextNotifyTimer(ctx); err != nil || ok {
		t.Fatalf("NextNotifyTimer = %v, %v; want none", ok, err)
	}
}
