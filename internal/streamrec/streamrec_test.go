package streamrec

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
)

// TestRecord_SetSeq: the placeholder is SeqDigits wide at SeqAt and
// SetSeq writes the seq there, leaving valid JSON, even after values with
// multi-byte characters and quotes.
func TestRecord_SetSeq(t *testing.T) {
	e := Encoder{Region: "us-east-1", StreamARN: "arn:x"}
	it := &doctales.Item{ID: "é-1", Subject: `"SequenceNumber":"x" ✓`}
	r, err := e.Item(EventInsert, nil, it, time.Date(2025, 6, 10, 12, 0, 1, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(r.Data[r.SeqAt : r.SeqAt+SeqDigits]); got != SeqPlaceholder || len(SeqPlaceholder) != SeqDigits {
		t.Fatalf("at SeqAt: %q", got)
	}
	r.SetSeq(42)
	var rec events.DynamoDBEventRecord
	if err := json.Unmarshal(r.Data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Change.SequenceNumber != "00000000000000000042" || rec.EventName != "INSERT" || rec.Change.NewImage["subject"].String() != it.Subject || r.Key != "é-1" {
		t.Fatalf("record = %+v", rec)
	}
}

// TestApplyUpdate: only the fields set change, and a new rise to high
// counts one more escalation.
func TestApplyUpdate(t *testing.T) {
	old := &doctales.Item{ID: "x", Status: "accepted", Metadata: doctales.Metadata{Urgency: "low", Escalation: 1}}
	high, msg := doctales.UrgencyHigh, "boom"
	n, err := ApplyUpdate(old, doctales.ItemUpdate{Urgency: &high, Error: &msg})
	if err != nil {
		t.Fatal(err)
	}
	if n.Metadata.Urgency != "high" || n.Metadata.Escalation != 2 || n.Error != "boom" || n.Status != "accepted" || old.Metadata.Urgency != "low" {
		t.Fatalf("ApplyUpdate = %+v (old %+v)", n, old)
	}
	if n2, _ := ApplyUpdate(n, doctales.ItemUpdate{Urgency: &high}); n2.Metadata.Escalation != 2 {
		t.Fatalf("high again counted a rise: %d", n2.Metadata.Escalation)
	}
	if _, err := ApplyUpdate(old, doctales.ItemUpdate{State: &doctales.StateChange{State: "sleeping"}}); err == nil {
		t.Fatal("an unknown state change applied")
	}
}
