package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/tabletest"
	"github.com/doctales/doctales/postgres"
)

func TestLog_AppendRead(t *testing.T) {
	ctx := doctales.WithTraceParent(context.Background(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	db, _ := mustOpen(t, postgres.Options{})
	recs := []*doctales.LogRecord{
		{Source: doctales.SourceS3, Key: "a", Data: json.RawMessage(`{"n":1}`)},
		{Source: doctales.SourceSNS, Key: "b", Data: json.RawMessage(`{"n":2}`), Target: "topic/log"},
		{Source: doctales.SourceS3, Key: "c", Data: json.RawMessage(`{"n":3}`)},
	}
	if err := db.Append(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	if recs[0].Seq <= 0 || recs[1].Seq <= recs[0].Seq || recs[2].Seq <= recs[1].Seq || recs[0].Time.IsZero() {
		t.Fatalf("seqs %d %d %d, time %v", recs[0].Seq, recs[1].Seq, recs[2].Seq, recs[0].Time)
	}
	got, err := db.ReadLog(ctx, doctales.SourceS3, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Key != "a" || got[1].Key != "c" || string(got[1].Data) != `{"n":3}` ||
		!got[0].Time.Equal(recs[0].Time) || got[0].TraceParent != doctales.TraceParent(ctx) {
		t.Fatalf("ReadLog(s3) = %+v", got)
	}
	if got, err := db.ReadLog(ctx, "", recs[0].Seq, 10); err != nil || len(got) != 2 || got[0].Target != "topic/log" {
		t.Fatalf("ReadLog(all after first) = %+v, %v", got, err)
	}
	if rec, err := db.LogRecord(ctx, recs[1].Seq); err != nil || rec.Key != "b" {
		t.Fatalf("LogRecord = %+v, %v", rec, err)
	}
	_, err = db.LogRecord(ctx, 999)
	tabletest.AssertCode(t, err, doctales.ENOTFOUND)

	// Invalid records append nothing.
	for _, bad := range []*doctales.LogRecord{
		{Source: "", Data: json.RawMessage(`{}`)},
		{Source: doctales.SourceS3, Data: json.RawMessage(`{`)},
	} {
		err := db.Append(ctx, &doctales.LogRecord{Source: doctales.SourceS3, Data: json.RawMessage(`{}`)}, bad)
		tabletest.AssertCode(t, err, doctales.EINVALID)
	}
	if got, _ := db.ReadLog(ctx, "", 0, 0); len(got) != 3 {
		t.Fatalf("%d records after refused appends, want 3", len(got))
	}

	// The last seq by source, for a subscription that starts at the end.
	for src, want := range map[string]int64{doctales.SourceS3: recs[2].Seq, doctales.SourceSNS: recs[1].Seq,
		"": recs[2].Seq, doctales.SourceDynamoDB: 0} {
		if seq, err := db.LastSeq(ctx, src); err != nil || seq != want {
			t.Fatalf("LastSeq(%q) = %d, %v; want %d", src, seq, err, want)
		}
	}

	// Checkpoints.
	if seq, err := db.Checkpoint(ctx, "sub"); err != nil || seq != 0 {
		t.Fatalf("Checkpoint of a new subscription = %d, %v", seq, err)
	}
	if err := db.SetCheckpoint(ctx, "sub", 7); err != nil {
		t.Fatal(err)
	}
	if err := db.SetCheckpoint(ctx, "sub", 5); err != nil { // may move back
		t.Fatal(err)
	}
	if seq, err := db.Checkpoint(ctx, "sub"); err != nil || seq != 5 {
		t.Fatalf("Checkpoint = %d, %v; want 5", seq, err)
	}
	err = db.SetCheckpoint(ctx, "", 1)
	tabletest.AssertCode(t, err, doctales.EINVALID)
	err = db.SetCheckpoint(ctx, "sub", -1)
	tabletest.AssertCode(t, err, doctales.EINVALID)

	if n, err := db.DeleteLogBefore(ctx, recs[2].Seq); err != nil || n != 2 {
		t.Fatalf("DeleteLogBefore = %d, %v; want 2", n, err)
	}
}

// TestLog_ChangedAcrossProcesses: an append through one DB (one process)
// closes the Changed channel of another DB on the same database, by
// LISTEN/NOTIFY; a rolled-back write notifies nobody.
func TestLog_ChangedAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	a, dsn := mustOpen(t, postgres.Options{})
	b := mustOpenDSN(t, dsn, postgres.Options{})

	changed := b.Changed()
	if err := a.Append(ctx, &doctales.LogRecord{Source: doctales.SourceS3, Key: "k", Data: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("the other DB's Changed was not closed within 10s of an append")
	}
	changed = b.Changed()
	if _, _, err := a.CreateItem(ctx, tabletest.NewItem("x", time.Now(), "p", "s", "")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("the other DB's Changed was not closed within 10s of a CreateItem")
	}
	if got, err := b.ReadLog(ctx, "", 0, 0); err != nil || len(got) != 2 {
		t.Fatalf("the other DB reads %d records, %v; want 2", len(got), err)
	}
}

// TestLog_NoSkippedSeq: while writers in two DBs append concurrently, a
// reader that moves its position to the last seq it read never skips a
// record, which a bare bigserial would allow (a lower seq committing
// after a higher one): the log's advisory lock makes seqs visible in
// order.
func TestLog_NoSkippedSeq(t *testing.T) {
	ctx := context.Background()
	a, dsn := mustOpen(t, postgres.Options{MaxConns: 8})
	b := mustOpenDSN(t, dsn, postgres.Options{MaxConns: 8})
	const writers, each = 8, 40
	var wg sync.WaitGroup
	for w := range writers {
		db := a
		if w%2 == 1 {
			db = b
		}
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				var err error
				if i%2 == 0 {
					_, _, err = db.CreateItem(ctx, tabletest.NewItem(id, time.Now(), "p", "s", ""))
				} else {
					err = db.Append(ctx, &doctales.LogRecord{Source: doctales.SourceS3, Key: id, Data: json.RawMessage(`{}`)})
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	seen := map[int64]bool{}
	var after int64
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		recs, err := b.ReadLog(ctx, "", after, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			seen[r.Seq] = true
			after = r.Seq
		}
		if finished && len(recs) == 0 {
			break
		}
	}
	all, err := a.ReadLog(ctx, "", 0, postgres.MaxReadLimit)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != writers*each {
		t.Fatalf("%d records, want %d", len(all), writers*each)
	}
	for _, r := range all {
		if !seen[r.Seq] {
			t.Fatalf("the reader skipped seq %d (%s %s): it became visible after a higher seq", r.Seq, r.Source, r.Key)
		}
	}
}

// TestUpdateItem_TwoProcesses: two DBs (two processes' pools) update one
// item at once: both updates land, and both MODIFY records are in the
// stream, in the order they applied (the second's old image is the
// first's new image).
func TestUpdateItem_TwoProcesses(t *testing.T) {
	ctx := context.Background()
	a, dsn := mustOpen(t, postgres.Options{})
	b := mustOpenDSN(t, dsn, postgres.Options{})
	if _, _, err := a.CreateItem(ctx, &doctales.Item{ID: "x", Type: "email", Status: doctales.StatusAccepted}); err != nil {
		t.Fatal(err)
	}
	const rounds = 25
	var wg sync.WaitGroup
	for i, db := range []*postgres.DB{a, b} {
		wg.Go(func() {
			for r := range rounds {
				msg := fmt.Sprintf("db%d round %d", i, r)
				if _, err := db.UpdateItem(ctx, "x", doctales.ItemUpdate{Error: &msg}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	recs := tabletest.ReadStream(t, a)
	if len(recs) != 1+2*rounds {
		t.Fatalf("%d stream records, want %d", len(recs), 1+2*rounds)
	}
	str := func(img map[string]events.DynamoDBAttributeValue) string {
		if av, ok := img["error"]; ok {
			return av.String()
		}
		return ""
	}
	prev := ""
	for _, r := range recs[1:] {
		old, cur := str(r.Record.Change.OldImage), str(r.Record.Change.NewImage)
		if old != prev {
			t.Fatalf("seq %d: old image %q, previous new image %q", r.Log.Seq, old, prev)
		}
		prev = cur
	}
	if got, err := a.GetItem(ctx, "x"); err != nil || got.Error != prev {
		t.Fatalf("item has %q, the last record %q (%v)", got.Error, prev, err)
	}
}

// TestLog_ChangedAfterListenerLost: when the listening session is cut
// (its backend terminated), Changed wakes once it listens again, and an
// append from another process afterwards wakes it too.
func TestLog_ChangedAfterListenerLost(t *testing.T) {
	ctx := context.Background()
	a, dsn := mustOpen(t, postgres.Options{})
	b := mustOpenDSN(t, dsn, postgres.Options{})
	changed := b.Changed()
	// Terminate every session LISTENing (the two DBs' listeners).
	if _, err := a.Pool().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN %'`); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(15 * time.Second):
		t.Fatal("Changed did not wake within 15s of the listener's reconnection")
	}
	// Listening again: wait until both log listeners are back (each DB
	// also listens for rule changes, on doctales_rules), then an append
	// by a wakes b.
	deadline := time.Now().Add(15 * time.Second)
	for {
		var n int
		if err := a.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND query = 'LISTEN doctales_log'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d listeners after 15s, want 2", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	changed = b.Changed()
	if err := a.Append(ctx, &doctales.LogRecord{Source: doctales.SourceS3, Key: "k", Data: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("the other DB's Changed was not closed within 10s of an append after its reconnection")
	}
}
