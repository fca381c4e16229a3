package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/tabletest"
	"github.com/doctales/doctales/postgres"
	"github.com/jackc/pgx/v5"
)

// TestCrash_ItemAndRecordTogether: the session dies between an item's
// write and its stream record's append (its backend is terminated, as a
// crash or a cut connection would end it): the item keeps its old value
// and no record is appended; the next write appends normally. Commit or
// roll back, never one without the other. (CreateItem is one statement,
// so it has no "between".)
func TestCrash_ItemAndRecordTogether(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	if _, _, err := db.CreateItem(ctx, tabletest.NewItem("x", time.Now(), "p", "s", "low")); err != nil {
		t.Fatal(err)
	}
	db.SetBeforeAppend(func(ctx context.Context, tx pgx.Tx) error {
		var pid int
		if err := tx.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			return err
		}
		// From another session: the update's transaction loses its
		// connection with the row written and no record appended.
		_, err := db.Pool().Exec(ctx, `SELECT pg_terminate_backend($1)`, pid)
		return err
	})
	high := doctales.UrgencyHigh
	_, err := db.UpdateItem(ctx, "x", doctales.ItemUpdate{Urgency: &high})
	if err == nil {
		t.Fatal("UpdateItem succeeded though its session was terminated before the append")
	}
	t.Logf("UpdateItem with its session killed: %v", err)
	db.SetBeforeAppend(nil)

	if it, err := db.GetItem(ctx, "x"); err != nil || it.Metadata.Urgency != "low" {
		t.Fatalf("the item whose update died: %+v, %v; want urgency low", it, err)
	}
	recs := tabletest.ReadStream(t, db)
	if len(recs) != 1 || recs[0].Record.EventName != "INSERT" {
		t.Fatalf("%d stream records after the failed update, want the 1 INSERT", len(recs))
	}
	// The pool replaces the dead connection: the same update succeeds.
	if _, err := db.UpdateItem(ctx, "x", doctales.ItemUpdate{Urgency: &high}); err != nil {
		t.Fatal(err)
	}
	if recs = tabletest.ReadStream(t, db); len(recs) != 2 || recs[1].Record.EventName != "MODIFY" {
		t.Fatalf("stream after recovery: %d records", len(recs))
	}
}

// TestCrash_FailedAppendRollsBack: an error between the item's write and
// its record (here returned by the hook) rolls the item back too.
func TestCrash_FailedAppendRollsBack(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	if _, _, err := db.CreateItem(ctx, tabletest.NewItem("x", time.Now(), "p", "s", "low")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("injected failure")
	db.SetBeforeAppend(func(context.Context, pgx.Tx) error { return boom })
	status := doctales.StatusExtracted
	if _, err := db.UpdateItem(ctx, "x", doctales.ItemUpdate{Status: &status}); !errors.Is(err, boom) {
		t.Fatalf("UpdateItem = %v, want the injected failure", err)
	}
	db.SetBeforeAppend(nil)
	if it, err := db.GetItem(ctx, "x"); err != nil || it.Status != doctales.StatusAccepted {
		t.Fatalf("item after a rolled-back update: %+v, %v", it, err)
	}
	if recs := tabletest.ReadStream(t, db); len(recs) != 1 {
		t.Fatalf("%d records after a rolled-back update, want 1", len(recs))
	}
}

// TestCrash_CommittedButNotNumbered: a writer that committed its record
// and died before numbering it (here: a record inserted unnumbered by
// hand, with a SequenceNumber placeholder) leaves it to the others: the
// sweep numbers it within a few seconds, its placeholder replaced by its
// seq, and Changed wakes.
func TestCrash_CommittedButNotNumbered(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	changed := db.Changed()
	data := `{"dynamodb":{"SequenceNumber":"SEQUENCE_NUMBER_0000"}}`
	seqAt := len(`{"dynamodb":{"SequenceNumber":"`)
	if _, err := db.Pool().Exec(ctx, `INSERT INTO log (source, key, data, seq_at, at) VALUES ($1, 'k', $2, $3, now())`,
		doctales.SourceDynamoDB, []byte(data), seqAt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(15 * time.Second):
		t.Fatal("the leftover record was not numbered within 15s")
	}
	recs, err := db.ReadLog(ctx, "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Seq != 1 || string(recs[0].Data) != `{"dynamodb":{"SequenceNumber":"00000000000000000001"}}` {
		t.Fatalf("after the sweep: %+v", recs)
	}
}
