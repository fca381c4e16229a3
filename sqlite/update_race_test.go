package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/doctales/doctales"
)

// TestUpdateItem_Concurrent updates one item from many goroutines: every
// update lands (no lost update), and the MODIFY records chain, each old
// image being the previous new image.
func TestUpdateItem_Concurrent(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	if _, _, err := db.CreateItem(ctx, &doctales.Item{ID: "x", Type: "email", Status: doctales.StatusAccepted}); err != nil {
		t.Fatal(err)
	}
	const n = 30
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			msg := fmt.Sprintf("update %d", i)
			if _, err := db.UpdateItem(ctx, "x", doctales.ItemUpdate{Error: &msg}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	recs, err := db.ReadLog(ctx, doctales.SourceDynamoDB, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n+1 {
		t.Fatalf("%d stream records, want 1 INSERT and %d MODIFY", len(recs), n)
	}
	prev := ""
	seen := map[string]bool{}
	for _, r := range recs[1:] {
		var rec events.DynamoDBEventRecord
		if err := json.Unmarshal(r.Data, &rec); err != nil {
			t.Fatal(err)
		}
		str := func(img map[string]events.DynamoDBAttributeValue) string {
			if av, ok := img["error"]; ok {
				return av.String()
			}
			return ""
		}
		old, cur := str(rec.Change.OldImage), str(rec.Change.NewImage)
		if old != prev {
			t.Fatalf("MODIFY's old image has error %q, the previous new image %q: an update was lost", old, prev)
		}
		seen[cur] = true
		prev = cur
	}
	if len(seen) != n {
		t.Fatalf("%d distinct updates recorded, want %d", len(seen), n)
	}
}
