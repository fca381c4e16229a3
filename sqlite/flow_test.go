package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

func TestFlowEvents(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var evs []*doctales.FlowEvent
	for i := range 250 { // three multi-row INSERTs
		id := "a"
		if i%5 == 0 {
			id = "b"
		}
		evs = append(evs, &doctales.FlowEvent{CommunicationID: id, Time: at.Add(time.Duration(i) * time.Millisecond),
			Step: "extraction", Kind: "delivered", Seq: int64(i), Attempt: 1, Duration: time.Millisecond, Detail: fmt.Sprint(i),
			RecordTime: at})
	}
	if err := db.AddFlowEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	got, err := db.FlowEvents(ctx, "b", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 50 {
		t.Fatalf("%d events of b, want 50", len(got))
	}
	for i, ev := range got {
		if ev.Seq != int64(i*5) || ev.Detail != fmt.Sprint(i*5) || !ev.Time.Equal(at.Add(time.Duration(i*5)*time.Millisecond)) ||
			ev.Duration != time.Millisecond || !ev.RecordTime.Equal(at) {
			t.Fatalf("event %d = %+v", i, ev)
		}
	}
	if got, _ := db.FlowEvents(ctx, "a", 10); len(got) != 10 {
		t.Fatalf("limit 10 gave %d", len(got))
	}
}
