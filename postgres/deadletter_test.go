package postgres_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/tabletest"
	"github.com/doctales/doctales/postgres"
)

func TestDeadLetters(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	first := time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)
	dl := &doctales.DeadLetter{Subscription: "notification", Source: doctales.SourceDynamoDB, Key: "email-1", Seq: 7,
		Record: json.RawMessage(`{"eventName":"MODIFY"}`), Error: "webhook 500", Reason: "retries exhausted", Attempts: 3,
		FirstAttempt: first, LastAttempt: first.Add(time.Minute)}
	if err := db.AddDeadLetter(ctx, dl); err != nil {
		t.Fatal(err)
	}
	other := &doctales.DeadLetter{Subscription: "extraction", Source: doctales.SourceS3, Key: "email-2", Record: json.RawMessage(`{}`)}
	if err := db.AddDeadLetter(ctx, other); err != nil {
		t.Fatal(err)
	}
	if dl.ID == 0 || other.ID <= dl.ID || dl.CreatedAt.IsZero() {
		t.Fatalf("ids %d, %d; created %v", dl.ID, other.ID, dl.CreatedAt)
	}
	got, err := db.DeadLetter(ctx, dl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subscription != "notification" || got.Key != "email-1" || got.Seq != 7 || got.Attempts != 3 || got.Error != "webhook 500" ||
		string(got.Record) != `{"eventName":"MODIFY"}` || !got.FirstAttempt.Equal(first) || !got.LastAttempt.Equal(first.Add(time.Minute)) ||
		!got.CreatedAt.Equal(dl.CreatedAt) {
		t.Fatalf("DeadLetter = %+v", got)
	}
	if all, err := db.DeadLetters(ctx, "", 0); err != nil || len(all) != 2 || all[0].ID != dl.ID {
		t.Fatalf("DeadLetters(all) = %v, %v", all, err)
	}
	if some, err := db.DeadLetters(ctx, "extraction", 0); err != nil || len(some) != 1 || some[0].ID != other.ID {
		t.Fatalf("DeadLetters(extraction) = %v, %v", some, err)
	}
	for _, bad := range []*doctales.DeadLetter{
		nil,
		{Source: "s", Record: json.RawMessage(`{}`)},
		{Subscription: "s", Record: json.RawMessage(`{}`)},
		{Subscription: "s", Source: "s", Record: json.RawMessage(`{`)},
	} {
		tabletest.AssertCode(t, db.AddDeadLetter(ctx, bad), doctales.EINVALID)
	}

	// Redrive: the dead letter goes and its record comes back in the
	// log, targeted at its subscription, in one transaction.
	rec, err := db.Redrive(ctx, dl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Seq == 0 || rec.Target != "notification" || rec.Key != "email-1" || string(rec.Data) != string(dl.Record) {
		t.Fatalf("Redrive = %+v", rec)
	}
	_, err = db.DeadLetter(ctx, dl.ID)
	tabletest.AssertCode(t, err, doctales.ENOTFOUND)
	logged, err := db.ReadLog(ctx, doctales.SourceDynamoDB, 0, 0)
	if err != nil || len(logged) != 1 || logged[0].Seq != rec.Seq || logged[0].Target != "notification" {
		t.Fatalf("log after redrive = %+v, %v", logged, err)
	}
	_, err = db.Redrive(ctx, dl.ID)
	tabletest.AssertCode(t, err, doctales.ENOTFOUND)
}

// TestRedrive_Concurrent: of many redrives of one dead letter at once,
// exactly one appends.
func TestRedrive_Concurrent(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	dl := &doctales.DeadLetter{Subscription: "s", Source: doctales.SourceS3, Key: "k", Record: json.RawMessage(`{}`)}
	if err := db.AddDeadLetter(ctx, dl); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, notFound := 0, 0
	for range 6 {
		wg.Go(func() {
			_, err := db.Redrive(ctx, dl.ID)
			mu.Lock()
			defer mu.Unlock()
			switch doctales.ErrorCode(err) {
			case "":
				ok++
			case doctales.ENOTFOUND:
				notFound++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || notFound != 5 {
		t.Fatalf("%d redrives succeeded and %d found nothing; want 1 and 5", ok, notFound)
	}
	if recs, err := db.ReadLog(ctx, "", 0, 0); err != nil || len(recs) != 1 {
		t.Fatalf("%d records appended, %v; want 1", len(recs), err)
	}
}

func TestFlowEvents(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	at := time.Date(2025, 6, 10, 9, 0, 0, 123456000, time.UTC)
	evs := []*doctales.FlowEvent{
		{CommunicationID: "c1", Time: at, Step: "accepted", Kind: "accepted"},
		{CommunicationID: "c2", Time: at, Step: "extraction", Kind: "delivered"},
		{CommunicationID: "c1", Time: at.Add(time.Second), Step: "extraction", Kind: "delivered", Seq: 3, Event: "ObjectCreated:Put",
			Attempt: 1, Duration: 1500 * time.Microsecond, Detail: "ok", TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", RecordTime: at},
	}
	if err := db.AddFlowEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := db.AddFlowEvents(ctx, nil); err != nil {
		t.Fatal(err)
	}
	got, err := db.FlowEvents(ctx, "c1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Step != "accepted" || !got[0].RecordTime.IsZero() || !got[0].Time.Equal(at) {
		t.Fatalf("FlowEvents = %+v", got)
	}
	if e := got[1]; *e != *evs[2] {
		t.Fatalf("read back %+v, want %+v", e, evs[2])
	}
	if got, err := db.FlowEvents(ctx, "c1", 1); err != nil || len(got) != 1 {
		t.Fatalf("limit 1: %d events, %v", len(got), err)
	}
}
