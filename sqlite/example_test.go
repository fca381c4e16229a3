package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

// Example shows an item's life in the table as the change stream tells it.
func Example() {
	dir, _ := os.MkdirTemp("", "doctales")
	defer os.RemoveAll(dir)

	db := sqlite.NewDB(filepath.Join(dir, "doctales.db"))
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	ctx := context.Background()

	// Ingestion creates the item; extraction raises its urgency.
	c := &doctales.Communication{ID: "email-123", Type: "email", Timestamp: time.Now(), SenderID: "ann@example.com",
		Metadata: doctales.Metadata{Urgency: doctales.UrgencyLow}}
	if _, _, err := db.CreateItem(ctx, doctales.NewItem(c, time.Now())); err != nil {
		fmt.Println(err)
		return
	}
	high := doctales.UrgencyHigh
	if _, err := db.UpdateItem(ctx, "email-123", doctales.ItemUpdate{Urgency: &high}); err != nil {
		fmt.Println(err)
		return
	}

	// The runtime reads the stream from its checkpoint.
	recs, _ := db.ReadLog(ctx, doctales.SourceDynamoDB, 0, 10)
	for _, rec := range recs {
		var r events.DynamoDBEventRecord
		_ = json.Unmarshal(rec.Data, &r)
		fmt.Println(rec.Seq, r.EventName, r.Change.SequenceNumber, r.Change.NewImage["metadata"].Map()["urgency"].String())
	}
	// Output:
	// 1 INSERT 00000000000000000001 low
	// 2 MODIFY 00000000000000000002 high
}

// FuzzFindItems_Cursor checks that any cursor is either accepted or
// rejected as EINVALID on field "next", never an internal error or a panic.
func FuzzFindItems_Cursor(f *testing.F) {
	db := MustOpenDB(f)
	ctx := context.Background()
	if _, _, err := db.CreateItem(ctx, newItem("a", time.Now(), "p", "s", "")); err != nil {
		f.Fatal(err)
	}
	if _, _, err := db.CreateItem(ctx, newItem("b", time.Now(), "p", "s", "")); err != nil {
		f.Fatal(err)
	}
	_, next, err := db.FindItems(ctx, doctales.ItemFilter{Limit: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(next)
	f.Add("")
	f.Add("e30")
	f.Add("eyJ0cyI6IjIwMjUtMDYtMDFUMDA6MDA6MDAuMDAwMDAwMDAwWiIsImlkIjoieCJ9")
	f.Fuzz(func(t *testing.T, cursor string) {
		_, _, err := db.FindItems(ctx, doctales.ItemFilter{Cursor: cursor})
		if err != nil && (doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "next") {
			t.Fatalf("cursor %q: %v", cursor, err)
		}
	})
}
