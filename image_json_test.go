package doctales_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// AppendImageJSON writes what json.Marshal of Image writes, byte for
// byte, for items with every kind of attribute: strings that need
// escaping, numbers, booleans, nulls, nested objects and lists.
func TestItem_AppendImageJSON(t *testing.T) {
	deadline := time.Date(2026, 12, 6, 17, 0, 0, 0, time.UTC)
	items := []*doctales.Item{
		{ID: "a"},
		{ID: "b-1", Owner: "ana", Project: "p <&> \"q\"", SenderID: "bo@example.com", Type: "email", Status: "accepted",
			Timestamp: time.Date(2026, 12, 5, 9, 30, 0, 123e6, time.UTC)},
	}
	var c doctales.Communication
	if err := json.Unmarshal([]byte(`{"id":"c-2","source":"email","subject":"Wire \u2028 <b>now</b>","from":"Ana Ruiz","from_email":"ana@acme.example","body":"URGENT: approve the wire before 5pm.\n\tThanks \\ é"}`), &c); err != nil {
		t.Fatal(err)
	}
	it := doctales.NewItem(&c, time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	it.Metadata.Urgency = doctales.UrgencyHigh
	it.Metadata.Escalation = 2
	it.Dimensions = &doctales.Dimensions{Deadline: &deadline, UrgencyScore: 0.875, UrgencyReasons: []string{"wire", "<today>"}, RequiresAction: true,
		UrgencyEvidence: []doctales.Evidence{{}}}
	items = append(items, it)
	for _, it := range items {
		img, err := it.Image()
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(img)
		if err != nil {
			t.Fatal(err)
		}
		body, err := json.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		got, err := it.AppendImageJSON([]byte("prefix"), body)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Errorf("item %q:\n got %s\nwant prefix%s", it.ID, got, want)
		}
	}
}
