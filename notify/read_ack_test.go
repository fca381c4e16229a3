package notify_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/ledgertest"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/sqlite"
)

// TestWhen_ReadStateStopsEscalation: opening an item in the dashboard
// sends PATCH {"state":"read"}, which the table applies as
// doctales.ChangeRead. On a real SQLite table (timers, ledger, items and
// the change stream), an item marked read that way before its escalation
// is due is not escalated, while the same item left unread is, once.
func TestWhen_ReadStateStopsEscalation(t *testing.T) {
	ctx := context.Background()
	clock := ledgertest.NewClock(testNow)
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	db.Now = clock.Now
	db.Logger = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	tp := &Topic{}
	w := &notify.When{
		Escalation: notify.EscalationPolicy{After: 15 * time.Minute, Channels: []string{"webhook"}},
		Store:      db, Items: db, Topic: tp, Ledger: db, Digests: &memDigests{},
		Now: clock.Now, Logger: slog.New(slog.DiscardHandler),
	}
	f := &notify.Function{Topic: tp, Ledger: db, When: w, Now: clock.Now, Logger: slog.New(slog.DiscardHandler)}

	// feed hands the stream records appended since the last call to the
	// function, as the runtime would.
	var after int64
	feed := func() {
		t.Helper()
		recs, err := db.ReadLog(ctx, doctales.SourceDynamoDB, after, 100)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.DynamoDBEvent
		for _, r := range recs {
			var rec events.DynamoDBEventRecord
			if err := json.Unmarshal(r.Data, &rec); err != nil {
				t.Fatal(err)
			}
			ev.Records = append(ev.Records, rec)
			after = r.Seq
		}
		if resp := MustHandle(t, f, ev); len(resp.BatchItemFailures) > 0 {
			t.Fatalf("records failed: %v", resp.BatchItemFailures)
		}
	}
	for _, id := range []string{"opened", "unopened"} {
		it := testItem(id, doctales.UrgencyHigh)
		it.Timestamp = clock.Now().Add(-time.Minute)
		if _, _, err := db.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	feed()
	if n := len(tp.Published); n != 2 {
		t.Fatalf("first notifications = %d, want 2", n)
	}

	clock.Advance(5 * time.Minute)
	// The dashboard opens "opened": PATCH {"state":"read"}.
	if _, err := db.UpdateItem(ctx, "opened", doctales.ItemUpdate{State: &doctales.StateChange{State: doctales.ChangeRead}}); err != nil {
		t.Fatal(err)
	}
	feed()

	clock.Advance(11 * time.Minute) // 16 minutes after the notifications
	before := len(tp.Published)
	if _, err := w.FireDue(ctx); err != nil {
		t.Fatal(err)
	}
	var escalated []string
	for _, m := range tp.Published[before:] {
		if !strings.HasPrefix(m.Subject, "Not yet acknowledged: ") {
			t.Errorf("unexpected message %q", m.Subject)
			continue
		}
		escalated = append(escalated, m.MessageAttributes[notify.AttrCommunicationID].StringValue)
	}
	if len(escalated) != 1 || escalated[0] != "unopened" {
		t.Fatalf("escalated %v, want only [unopened]: the item marked read must count as acknowledged", escalated)
	}
}
