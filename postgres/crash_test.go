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
// crash or a cut connection would end it): neither the item nor a record
// is there afterwards, and the next write appends normally. Commit or
// roll back, never one without the other.
func TestCrash_ItemAndRecordTogether(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	if _, _, err := db.CreateItem(ctx, tabletest.NewItem("before", time.Now(), "p", "s", "low")); err != nil {
		t.Fatal(err)
	}
	kill := func(ctx context.Context, tx pgx.Tx) error {
		var pid int
		if err := tx.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			return err
		}
		// From another session: the item's transaction loses its
		// connection with the row written and no record appended.
		if _, err := db.Pool().Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
			return err
		}
		return nil
	}

	db.SetBeforeAppend(kill)
	_, _, err := db.CreateItem(ctx, tabletest.NewItem("lost", time.Now(), "p", "s", "low"))
	if err == nil {
		t.Fatal("CreateItem succeeded though its session was terminated before the append")
	}
	t.Logf("CreateItem with its session killed: %v", err)
	high := doctales.UrgencyHigh
	if _, err := db.UpdateItem(ctx, "before", doctales.ItemUpdate{Urgency: &high}); err == nil {
		t.Fatal("UpdateItem succeeded though its session was terminated before the append")
	}
	db.SetBeforeAppend(nil)

	_, err = db.GetItem(ctx, "lost")
	tabletest.AssertCode(t, err, doctales.ENOTFOUND)
	if it, err := db.GetItem(ctx, "before"); err != nil || it.Metadata.Urgency != "low" {
		t.Fatalf("the item whose update died: %+v, %v; want urgency low", it, err)
	}
	recs := tabletest.ReadStream(t, db)
	if len(recs) != 1 || recs[0].Log.Key != "before" {
		t.Fatalf("%d stream records after the failed writes, want the 1 INSERT of before", len(recs))
	}

	// The pool replaces the dead connection: the same writes succeed.
	if _, created, err := db.CreateItem(ctx, tabletest.NewItem("lost", time.Now(), "p", "s", "low")); err != nil || !created {
		t.Fatalf("CreateItem after the crash: %v, %v", created, err)
	}
	if _, err := db.UpdateItem(ctx, "before", doctales.ItemUpdate{Urgency: &high}); err != nil {
		t.Fatal(err)
	}
	recs = tabletest.ReadStream(t, db)
	if len(recs) != 3 || recs[1].Record.EventName != "INSERT" || recs[2].Record.EventName != "MODIFY" {
		t.Fatalf("stream after recovery: %d records", len(recs))
	}
}

// TestCrash_FailedAppendRollsBack: an error between the item's write and
// its record (here returned by the hook) rolls the item back too.
func TestCrash_FailedAppendRollsBack(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	boom := errors.New("injected failure")
	db.SetBeforeAppend(func(context.Context, pgx.Tx) error { return boom })
	if _, _, err := db.CreateItem(ctx, tabletest.NewItem("x", time.Now(), "p", "s", "")); !errors.Is(err, boom) {
		t.Fatalf("CreateItem = %v, want the injected failure", err)
	}
	db.SetBeforeAppend(nil)
	_, err := db.GetItem(ctx, "x")
	tabletest.AssertCode(t, err, doctales.ENOTFOUND)
	if recs := tabletest.ReadStream(t, db); len(recs) != 0 {
		t.Fatalf("%d records after a rolled-back create", len(recs))
	}
}
