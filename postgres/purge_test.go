package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/tabletest"
	"github.com/doctales/doctales/postgres"
	"github.com/jackc/pgx/v5"
)

// TestDeleteItem_RemoveInOutboxAtomically: DeleteItem removes the row,
// remembers the id and appends the REMOVE record to the outbox in one
// transaction. A failure between the row's delete and the record's append
// (injected) leaves the item, no REMOVE record and no memory of a delete;
// the delete that succeeds leaves none of the item, its REMOVE record
// (id and owner only) in the log, and the id reported deleted.
func TestDeleteItem_RemoveInOutboxAtomically(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	created := time.Now()
	item := tabletest.NewItem("email-1", created, "alpha", "a@example.com", "low")
	item.Owner = "ana"
	if _, _, err := db.CreateItem(ctx, item); err != nil {
		t.Fatal(err)
	}

	boom := errors.New("injected failure")
	db.SetBeforeAppend(func(context.Context, pgx.Tx) error { return boom })
	if err := db.DeleteItem(ctx, "email-1"); !errors.Is(err, boom) {
		t.Fatalf("DeleteItem = %v, want the injected failure", err)
	}
	db.SetBeforeAppend(nil)
	if _, err := db.GetItem(ctx, "email-1"); err != nil {
		t.Fatalf("the item after a delete whose append failed: %v; want it still there", err)
	}
	if recs := tabletest.ReadStream(t, db); len(recs) != 1 || recs[0].Record.EventName != "INSERT" {
		t.Fatalf("%d stream records after the failed delete, want the 1 INSERT", len(recs))
	}
	if gone, err := db.DeletedSince(ctx, "email-1", created.Add(-time.Hour)); err != nil || gone {
		t.Fatalf("DeletedSince after the failed delete = %v, %v; want false", gone, err)
	}

	if err := db.DeleteItem(ctx, "email-1"); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	if _, err := db.GetItem(ctx, "email-1"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("GetItem after the delete = %v, want ENOTFOUND", err)
	}
	recs := tabletest.ReadStream(t, db)
	if len(recs) != 2 {
		t.Fatalf("%d stream records after the delete, want INSERT and REMOVE", len(recs))
	}
	r := recs[1]
	if r.Record.EventName != "REMOVE" || r.Log.Key != "email-1" || r.Record.Change.NewImage != nil ||
		r.Record.Change.OldImage["id"].String() != "email-1" || r.Record.Change.OldImage["userId"].String() != "ana" {
		t.Fatalf("the delete's record: %s key %q, old image %v, new image %v", r.Record.EventName, r.Log.Key,
			r.Record.Change.OldImage, r.Record.Change.NewImage)
	}
	if gone, err := db.DeletedSince(ctx, "email-1", created.Add(-time.Hour)); err != nil || !gone {
		t.Fatalf("DeletedSince(an event before the delete) = %v, %v; want true", gone, err)
	}
	if gone, err := db.DeletedSince(ctx, "email-1", after.Add(time.Hour)); err != nil || gone {
		t.Fatalf("DeletedSince(an event after the delete) = %v, %v; want false (the id was ingested again)", gone, err)
	}
	if gone, err := db.DeletedSince(ctx, "email-2", created.Add(-time.Hour)); err != nil || gone {
		t.Fatalf("DeletedSince(an id never deleted) = %v, %v; want false", gone, err)
	}
	tabletest.AssertCode(t, db.DeleteItem(ctx, "email-1"), doctales.ENOTFOUND)
	if n := len(tabletest.ReadStream(t, db)); n != 2 {
		t.Fatalf("%d stream records after a second delete, want 2 (it appends nothing)", n)
	}
}

// TestPurgeCommunication: after DeleteItem, PurgeCommunication removes the
// communication's flow history, dead letters (of its stream records and of
// its object's S3 events) and ledger entries, and strips the content of
// its stream records and topic messages in the log, in one call; the
// communication "email-10", whose id starts with the other's, keeps all of
// its own. A second purge finds nothing to do.
func TestPurgeCommunication(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	now := time.Now()
	for _, id := range []string{"email-1", "email-10"} {
		it := tabletest.NewItem(id, now, "alpha", "a@example.com", "low")
		it.Owner = "ana"
		it.Subject = "Secret plans of " + id
		if _, _, err := db.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		high := doctales.UrgencyHigh
		if _, err := db.UpdateItem(ctx, id, doctales.ItemUpdate{Urgency: &high}); err != nil {
			t.Fatal(err)
		}
		if err := db.AddFlowEvents(ctx, []*doctales.FlowEvent{
			{CommunicationID: id, Time: now, Step: "accepted", Kind: "accepted"},
			{CommunicationID: id, Time: now, Step: "extraction", Kind: "delivered"},
		}); err != nil {
			t.Fatal(err)
		}
		for _, dl := range []*doctales.DeadLetter{
			{Subscription: "notification", Source: doctales.SourceDynamoDB, Key: id, Record: json.RawMessage(`{}`)},
			{Subscription: "extraction", Source: doctales.SourceS3, Key: "ana/2025/06/" + id + ".json", Record: json.RawMessage(`{}`)},
		} {
			if err := db.AddDeadLetter(ctx, dl); err != nil {
				t.Fatal(err)
			}
		}
		msgID := "msg-" + id
		if err := db.MarkSent(ctx, msgID, id); err != nil {
			t.Fatal(err)
		}
		m, _ := json.Marshal(&doctales.Message{MessageID: msgID, Subject: "Urgent: secret plans", Message: "The plans of " + id, Timestamp: now})
		if err := db.Append(ctx, &doctales.LogRecord{Source: doctales.SourceSNS, Key: msgID, Data: m}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteItem(ctx, "email-1"); err != nil {
		t.Fatal(err)
	}
	n, err := db.PurgeCommunication(ctx, "email-1")
	if err != nil {
		t.Fatal(err)
	}
	// INSERT and MODIFY lose their images, the REMOVE keeps id and owner
	// only (as sqlite's purge does), the message loses its subject and
	// text.
	if n != 4 {
		t.Errorf("PurgeCommunication redacted %d log records, want 4 (INSERT, MODIFY, REMOVE, the message)", n)
	}

	for _, r := range tabletest.ReadStream(t, db) {
		text := string(r.Log.Data)
		switch r.Log.Key {
		case "email-1":
			if strings.Contains(text, "Secret plans") || r.Record.Change.NewImage != nil {
				t.Errorf("email-1's %s record keeps content after the purge: %s", r.Record.EventName, text)
			}
			if r.Record.EventName == "REMOVE" && r.Record.Change.OldImage["userId"].String() != "ana" {
				t.Errorf("email-1's REMOVE record lost its owner: %s", text)
			}
		case "email-10":
			if !strings.Contains(text, "Secret plans of email-10") {
				t.Errorf("email-10's %s record lost its content to email-1's purge: %s", r.Record.EventName, text)
			}
		}
	}
	msgs, err := db.ReadLog(ctx, doctales.SourceSNS, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		text := string(m.Data)
		if m.Key == "msg-email-1" && strings.Contains(text, "plans") {
			t.Errorf("email-1's message keeps its content after the purge: %s", text)
		}
		if m.Key == "msg-email-10" && !strings.Contains(text, "The plans of email-10") {
			t.Errorf("email-10's message lost its content: %s", text)
		}
	}
	for id, want := range map[string]int{"email-1": 0, "email-10": 2} {
		if evs, err := db.FlowEvents(ctx, id, 0); err != nil || len(evs) != want {
			t.Errorf("%s has %d flow events after the purge (%v), want %d", id, len(evs), err, want)
		}
		if sent, err := db.Sent(ctx, "msg-"+id); err != nil || sent != (want > 0) {
			t.Errorf("%s's ledger entry after the purge: sent %v (%v), want %v", id, sent, err, want > 0)
		}
	}
	dls, err := db.DeadLetters(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, dl := range dls {
		if strings.Contains(dl.Key, "email-1.") || dl.Key == "email-1" {
			t.Errorf("email-1's dead letter %q is still there after the purge", dl.Key)
		}
	}
	if len(dls) != 2 {
		t.Errorf("%d dead letters after the purge, want email-10's 2", len(dls))
	}

	if n, err := db.PurgeCommunication(ctx, "email-1"); err != nil || n != 0 {
		t.Errorf("a second purge = %d, %v; want 0", n, err)
	}
	tabletest.AssertCode(t, func() error { _, err := db.PurgeCommunication(ctx, ""); return err }(), doctales.EINVALID)
	tabletest.AssertCode(t, func() error { _, err := db.PurgeCommunication(ctx, "bad\x00id"); return err }(), doctales.EINVALID)
}
