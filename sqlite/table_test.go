package sqlite_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

func TestTable_CreateItem(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		ctx := context.Background()
		now := time.Date(2025, 6, 10, 12, 0, 1, 500e6, time.UTC)
		db := MustOpenDBAt(t, t.TempDir()+"/doctales.db", func(db *sqlite.DB) { db.Now = func() time.Time { return now } })

		item := newItem("email-123", time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC), "alpha", "a@example.com", "low")
		got, created, err := db.CreateItem(ctx, item)
		if err != nil {
			t.Fatal(err)
		} else if !created {
			t.Fatal("created = false")
		} else if got.ID != item.ID || got.Subject != item.Subject {
			t.Fatalf("returned %+v", got)
		}

		// The item reads back.
		back, err := db.GetItem(ctx, "email-123")
		if err != nil {
			t.Fatal(err)
		} else if back.Subject != item.Subject || back.SenderID != item.SenderID || back.Status != doctales.StatusAccepted ||
			back.Metadata.Urgency != "low" || !back.Timestamp.Equal(item.Timestamp) || back.ContentHash != item.ContentHash {
			t.Fatalf("GetItem = %+v", back)
		}

		// One INSERT record, in DynamoDB Streams shape.
		recs := mustReadLog(t, db, doctales.SourceDynamoDB)
		if len(recs) != 1 {
			t.Fatalf("%d records, want 1", len(recs))
		} else if recs[0].Key != "email-123" || recs[0].Target != "" || !recs[0].Time.Equal(now) {
			t.Fatalf("log record = %+v", recs[0])
		}
		r := mustStreamRecords(t, db)[0]
		if r.EventName != "INSERT" || r.EventVersion != "1.1" || r.EventSource != "aws:dynamodb" || r.AWSRegion != "us-east-1" {
			t.Fatalf("record header = %+v", r)
		}
		if want := "arn:aws:dynamodb:us-east-1:000000000000:table/doc-tales-communications/stream/2025-06-10T12:00:01.500"; r.EventSourceArn != want {
			t.Fatalf("eventSourceARN = %q, want %q", r.EventSourceArn, want)
		}
		if len(r.EventID) != 32 || strings.Trim(r.EventID, "0123456789abcdef") != "" {
			t.Fatalf("eventID = %q, want 32 hex digits", r.EventID)
		}
		c := r.Change
		if c.StreamViewType != "NEW_AND_OLD_IMAGES" || c.SizeBytes <= 0 || c.OldImage != nil {
			t.Fatalf("dynamodb = %+v", c)
		}
		if !c.ApproximateCreationDateTime.Equal(now.Truncate(time.Second)) {
			t.Fatalf("ApproximateCreationDateTime = %v", c.ApproximateCreationDateTime)
		}
		if c.Keys["PK"].String() != "COMM" || c.Keys["SK"].String() != "COMM#email-123" {
			t.Fatalf("Keys = %v", c.Keys)
		}
		if c.NewImage["id"].String() != "email-123" || c.NewImage["GSI1PK"].String() != "PROJ#alpha" ||
			c.NewImage["metadata"].Map()["urgency"].String() != "low" {
			t.Fatalf("NewImage = %v", c.NewImage)
		}
		if img, err := doctales.ItemFromImage(c.NewImage); err != nil || img.Subject != item.Subject {
			t.Fatalf("ItemFromImage = %+v, %v", img, err)
		}
	})

	t.Run("Existing", func(t *testing.T) {
		ctx := context.Background()
		db := MustOpenDB(t)
		first := newItem("email-1", time.Now(), "alpha", "a@example.com", "low")
		if _, _, err := db.CreateItem(ctx, first); err != nil {
			t.Fatal(err)
		}
		changed := db.Changed()

		second := newItem("email-1", time.Now(), "beta", "b@example.com", "high")
		second.Subject = "different"
		got, created, err := db.CreateItem(ctx, second)
		if err != nil {
			t.Fatal(err)
		} else if created {
			t.Fatal("created = true for an existing id")
		} else if got.Subject != first.Subject || got.Project != "alpha" {
			t.Fatalf("returned %+v, want the existing item", got)
		}
		if recs := mustReadLog(t, db, doctales.SourceDynamoDB); len(recs) != 1 {
			t.Fatalf("%d stream records, want 1", len(recs))
		}
		if closed(changed, 50*time.Millisecond) {
			t.Fatal("Changed closed without an append")
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		db := MustOpenDB(t)
		_, _, err := db.CreateItem(context.Background(), &doctales.Item{})
		assertCode(t, err, doctales.EINVALID)
		if doctales.ErrorField(err) != "id" {
			t.Fatalf("field = %q", doctales.ErrorField(err))
		}
		_, _, err = db.CreateItem(context.Background(), nil)
		assertCode(t, err, doctales.EINVALID)
	})
}

func TestTable_UpdateItem(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		ctx := context.Background()
		db := MustOpenDB(t)
		if _, _, err := db.CreateItem(ctx, newItem("email-1", time.Now(), "alpha", "a@example.com", "low")); err != nil {
			t.Fatal(err)
		}
		changed := db.Changed()

		status, urgency := doctales.StatusExtracted, doctales.UrgencyHigh
		dims := &doctales.Dimensions{Urgency: "high", UrgencyScore: 0.9, UrgencyReasons: []string{"deadline in 3h"}, RequiresAction: true}
		got, err := db.UpdateItem(ctx, "email-1", doctales.ItemUpdate{Status: &status, Urgency: &urgency, Dimensions: dims})
		if err != nil {
			t.Fatal(err)
		} else if got.Status != status || got.Metadata.Urgency != "high" || got.Dimensions == nil || got.Dimensions.UrgencyScore != 0.9 {
			t.Fatalf("UpdateItem = %+v", got)
		}
		if back, err := db.GetItem(ctx, "email-1"); err != nil {
			t.Fatal(err)
		} else if back.Status != status || back.Metadata.Urgency != "high" || !back.Dimensions.RequiresAction || !back.UpdatedAt.After(back.CreatedAt) {
			t.Fatalf("GetItem = %+v", back)
		}
		if !closed(changed, time.Second) {
			t.Fatal("Changed not closed by UpdateItem")
		}

		recs := mustStreamRecords(t, db)
		if len(recs) != 2 {
			t.Fatalf("%d records, want 2", len(recs))
		}
		r := recs[1]
		if r.EventName != "MODIFY" || r.Change.OldImage == nil || r.Change.NewImage == nil {
			t.Fatalf("record = %+v", r)
		}
		if got := r.Change.NewImage["metadata"].Map()["urgency"].String(); got != "high" {
			t.Fatalf("dynamodb.NewImage.metadata.M.urgency.S = %q, want high", got)
		}
		if got := r.Change.OldImage["metadata"].Map()["urgency"].String(); got != "low" {
			t.Fatalf("dynamodb.OldImage.metadata.M.urgency.S = %q, want low", got)
		}
		if r.Change.NewImage["status"].String() != "extracted" || r.Change.OldImage["status"].String() != "accepted" {
			t.Fatal("status images wrong")
		}
		if r.Change.NewImage["dimensions"].Map()["urgencyScore"].Number() != "0.9" {
			t.Fatalf("NewImage.dimensions = %v", r.Change.NewImage["dimensions"])
		}
		if r.Change.SequenceNumber <= recs[0].Change.SequenceNumber {
			t.Fatalf("sequence numbers do not increase: %q then %q", recs[0].Change.SequenceNumber, r.Change.SequenceNumber)
		}

		// Only the set fields change: an error alone keeps the rest.
		msg := "boom"
		if got, err := db.UpdateItem(ctx, "email-1", doctales.ItemUpdate{Error: &msg}); err != nil {
			t.Fatal(err)
		} else if got.Error != "boom" || got.Status != status || got.Metadata.Urgency != "high" {
			t.Fatalf("UpdateItem = %+v", got)
		}
	})

	t.Run("NoChange", func(t *testing.T) {
		ctx := context.Background()
		// The clock is read by the timer loop too: guard it.
		var mu sync.Mutex
		var clock time.Time = time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)
		db := MustOpenDBAt(t, t.TempDir()+"/doctales.db", func(db *sqlite.DB) {
			db.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); clock = clock.Add(time.Second); return clock }
		})
		created, _, err := db.CreateItem(ctx, newItem("email-1", time.Now(), "alpha", "a@example.com", "low"))
		if err != nil {
			t.Fatal(err)
		}
		changed := db.Changed()

		status, urgency := created.Status, "low"
		got, err := db.UpdateItem(ctx, "email-1", doctales.ItemUpdate{Status: &status, Urgency: &urgency})
		if err != nil {
			t.Fatal(err)
		} else if !got.UpdatedAt.Equal(created.UpdatedAt) {
			t.Fatalf("UpdatedAt moved from %v to %v on a no-op update", created.UpdatedAt, got.UpdatedAt)
		}
		if got, _ := db.GetItem(ctx, "email-1"); !got.UpdatedAt.Equal(created.UpdatedAt) {
			t.Fatal("no-op update wrote the item")
		}
		if recs := mustReadLog(t, db, doctales.SourceDynamoDB); len(recs) != 1 {
			t.Fatalf("%d stream records after a no-op update, want 1", len(recs))
		}
		if closed(changed, 50*time.Millisecond) {
			t.Fatal("Changed closed by a no-op update")
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		db := MustOpenDB(t)
		status := "extracted"
		_, err := db.UpdateItem(context.Background(), "nope", doctales.ItemUpdate{Status: &status})
		assertCode(t, err, doctales.ENOTFOUND)
		if msg := doctales.ErrorMessage(err); msg != `Item "nope" not found.` {
			t.Fatalf("message = %q", msg)
		}
	})
}

func TestTable_DeleteItem(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		ctx := context.Background()
		db := MustOpenDB(t)
		if _, _, err := db.CreateItem(ctx, newItem("email-1", time.Now(), "alpha", "a@example.com", "low")); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteItem(ctx, "email-1"); err != nil {
			t.Fatal(err)
		}
		_, err := db.GetItem(ctx, "email-1")
		assertCode(t, err, doctales.ENOTFOUND)

		recs := mustStreamRecords(t, db)
		if len(recs) != 2 {
			t.Fatalf("%d records, want 2", len(recs))
		}
		r := recs[1]
		if r.EventName != "REMOVE" || r.Change.NewImage != nil || r.Change.OldImage["id"].String() != "email-1" ||
			r.Change.Keys["SK"].String() != "COMM#email-1" {
			t.Fatalf("record = %+v", r)
		}

		// The id is free again.
		if _, created, err := db.CreateItem(ctx, newItem("email-1", time.Now(), "alpha", "a@example.com", "low")); err != nil || !created {
			t.Fatalf("recreate: %v, %v", created, err)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		db := MustOpenDB(t)
		assertCode(t, db.DeleteItem(context.Background(), "nope"), doctales.ENOTFOUND)
		if recs := mustReadLog(t, db, ""); len(recs) != 0 {
			t.Fatalf("%d records after a failed delete", len(recs))
		}
	})
}

func TestTable_GetItem(t *testing.T) {
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := MustOpenDB(t).GetItem(context.Background(), "nope")
		assertCode(t, err, doctales.ENOTFOUND)
	})
}

// TestTable_StreamSequence checks that SequenceNumbers increase over a mix
// of writes and match the log seq.
func TestTable_StreamSequence(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	for i := range 5 {
		id := fmt.Sprintf("e%d", i)
		if _, _, err := db.CreateItem(ctx, newItem(id, time.Now(), "p", "s", "low")); err != nil {
			t.Fatal(err)
		}
		if err := db.Append(ctx, &doctales.LogRecord{Source: doctales.SourceS3, Key: id, Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		u := "high"
		if _, err := db.UpdateItem(ctx, id, doctales.ItemUpdate{Urgency: &u}); err != nil {
			t.Fatal(err)
		}
	}
	recs := mustStreamRecords(t, db) // checks SequenceNumber == seq
	if len(recs) != 10 {
		t.Fatalf("%d records, want 10", len(recs))
	}
	ids := map[string]bool{}
	for i := 1; i < len(recs); i++ {
		if recs[i].Change.SequenceNumber <= recs[i-1].Change.SequenceNumber {
			t.Fatalf("SequenceNumber %q after %q", recs[i].Change.SequenceNumber, recs[i-1].Change.SequenceNumber)
		}
		if ids[recs[i].EventID] {
			t.Fatalf("duplicate eventID %q", recs[i].EventID)
		}
		ids[recs[i].EventID] = true
	}
}

// FindItems' filters, paging at several limits, inserts during a listing
// and bad cursors and limits are the shared table contract's
// (internal/tabletest, run by table_contract_test.go), which PostgreSQL
// runs too.

// TestTable_FindItems_MaxPageSize crosses MaxPageSize: a larger limit is
// lowered to it.
func TestTable_FindItems_MaxPageSize(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	ctx := context.Background()
	db := MustOpenDB(t)
	n := doctales.MaxPageSize + 5
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 64)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, _, err := db.CreateItem(ctx, newItem(fmt.Sprintf("c-%04d", i), time.Now(), "p", "s", ""))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	items, next, err := db.FindItems(ctx, doctales.ItemFilter{Limit: doctales.MaxPageSize * 10})
	if err != nil {
		t.Fatal(err)
	} else if len(items) != doctales.MaxPageSize || next == "" {
		t.Fatalf("%d items, next %q; want %d and a cursor", len(items), next, doctales.MaxPageSize)
	}
	items, next, err = db.FindItems(ctx, doctales.ItemFilter{Limit: doctales.MaxPageSize, Cursor: next})
	if err != nil {
		t.Fatal(err)
	} else if len(items) != 5 || next != "" {
		t.Fatalf("last page: %d items, next %q", len(items), next)
	}
}

// keep events imported for record decoding helpers used above.
var _ events.DynamoDBEventRecord
