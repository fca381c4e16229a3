package doctales_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/doctales/doctales"
)

func TestItem_ImageRoundTrip(t *testing.T) {
	deadline := time.Date(2025, 6, 20, 17, 0, 0, 0, time.UTC)
	item := &doctales.Item{
		ID: "email-123", Type: "email", Project: "home-purchase", Subject: "Closing documents",
		Sender: "Jane Smith", SenderID: "jane@realty.example",
		Timestamp: time.Date(2025, 6, 10, 15, 30, 0, 0, time.UTC),
		S3Key:     "email/2025/06/10/email-123.json",
		Metadata:  doctales.Metadata{Urgency: doctales.UrgencyHigh},
		Status:    doctales.StatusExtracted,
		Dimensions: &doctales.Dimensions{Urgency: "high", UrgencyScore: 0.85, UrgencyReasons: []string{"deadline in 3h"},
			RequiresAction: true, Deadline: &deadline},
	}
	img, err := item.Image()
	if err != nil {
		t.Fatal(err)
	}
	// The architecture document's filter reads metadata.M.urgency.S.
	if got := img["metadata"].Map()["urgency"].String(); got != "high" {
		t.Fatalf("metadata.urgency = %q", got)
	}
	for k, want := range map[string]string{"PK": "COMM", "SK": "COMM#email-123", "GSI1PK": "PROJ#home-purchase",
		"GSI2PK": "ENTITY#jane@realty.example", "GSI1SK": "2025-06-10T15:30:00.000Z"} {
		if got := img[k].String(); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if img["dimensions"].Map()["urgencyScore"].DataType() != events.DataTypeNumber {
		t.Errorf("numbers must be N attributes")
	}
	// Through the stream's JSON and back.
	b, err := json.Marshal(img)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]events.DynamoDBAttributeValue
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	got, err := doctales.ItemFromImage(back)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, item) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, item)
	}
}

func TestMarshalMap_NotAnObject(t *testing.T) {
	if _, err := doctales.MarshalMap([]int{1}); err == nil {
		t.Fatal("an array marshalled to a map")
	}
}

// FuzzAttributeValues decodes DynamoDB-typed JSON as a stream image, turns
// it into plain JSON and back: no panic, and a second round gives the same
// plain JSON.
func FuzzAttributeValues(f *testing.F) {
	for _, s := range []string{
		`{"id":{"S":"email-123"},"metadata":{"M":{"urgency":{"S":"high"}}}}`,
		`{"n":{"N":"1.5"},"b":{"BOOL":true},"z":{"NULL":true},"l":{"L":[{"S":"a"},{"N":"2"}]}}`,
		`{"ss":{"SS":["a","b"]},"ns":{"NS":["1","2"]},"bin":{"B":"aGVsbG8="}}`,
		`{"n":{"N":"not a number"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var img map[string]events.DynamoDBAttributeValue
		if err := json.Unmarshal(data, &img); err != nil {
			return
		}
		var plain map[string]any
		if err := doctales.UnmarshalMap(img, &plain); err != nil {
			return
		}
		again, err := doctales.MarshalMap(plain)
		if err != nil {
			t.Fatalf("plain JSON %v does not marshal back: %v", plain, err)
		}
		var plain2 map[string]any
		if err := doctales.UnmarshalMap(again, &plain2); err != nil {
			t.Fatalf("second round: %v", err)
		}
		a, _ := json.Marshal(plain)
		b, _ := json.Marshal(plain2)
		if string(a) != string(b) {
			t.Fatalf("not stable:\n%s\n%s", a, b)
		}
	})
}
