package sqlite_test

import (
	"context"
	"testing"
	"time"
)

// TestPurgeCommunication_KeepsRemoveOwner: the purge takes the content out
// of every stream record about the communication, but its REMOVE record
// keeps "id" and "userId", which the live stream needs to tell the
// owner's dashboards; a second purge changes nothing.
func TestPurgeCommunication_KeepsRemoveOwner(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDBAt(t, t.TempDir()+"/doctales.db", nil)
	item := newItem("email-1", time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC), "alpha", "a@example.com", "low")
	item.Owner = "ana"
	if _, _, err := db.CreateItem(ctx, item); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteItem(ctx, "email-1"); err != nil {
		t.Fatal(err)
	}
	if n, err := db.PurgeCommunication(ctx, "email-1"); err != nil || n != 2 {
		t.Fatalf("PurgeCommunication = %d, %v; want 2 records", n, err)
	}
	recs := mustStreamRecords(t, db)
	if len(recs) != 2 {
		t.Fatalf("%d stream records, want 2", len(recs))
	}
	if r := recs[0]; r.EventName != "INSERT" || r.Change.NewImage != nil || r.Change.OldImage != nil {
		t.Errorf("the INSERT record after the purge: %+v", r.Change)
	}
	r := recs[1]
	if r.EventName != "REMOVE" || r.Change.NewImage != nil || len(r.Change.OldImage) != 2 ||
		r.Change.OldImage["id"].String() != "email-1" || r.Change.OldImage["userId"].String() != "ana" {
		t.Errorf("the REMOVE record after the purge: %+v", r.Change.OldImage)
	}
	if n, err := db.PurgeCommunication(ctx, "email-1"); err != nil || n != 0 {
		t.Errorf("a second purge = %d, %v; want 0", n, err)
	}
}
