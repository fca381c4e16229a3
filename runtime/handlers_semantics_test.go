package runtime_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/runtime"
)

// TestDynamoDBHandler_BatchItemFailures: the lowest reported record marks
// where retrying starts; an empty or unknown identifier fails the whole
// invocation (-1), as AWS treats it as a complete failure.
func TestDynamoDBHandler_BatchItemFailures(t *testing.T) {
	var recs []*doctales.LogRecord
	for _, sn := range []string{"10", "20", "30"} {
		recs = append(recs, &doctales.LogRecord{Seq: 1, Data: json.RawMessage(`{"eventID":"e` + sn + `","dynamodb":{"SequenceNumber":"` + sn + `"}}`)})
	}
	for _, tc := range []struct {
		name string
		ids  []string
		want int
	}{
		{"none", nil, -1},
		{"the lowest of several", []string{"30", "20"}, 1},
		{"the first", []string{"10"}, 0},
		{"unknown", []string{"20", "99"}, -1},
		{"empty", []string{""}, -1},
	} {
		h := runtime.DynamoDBHandler(func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			var resp events.DynamoDBEventResponse
			for _, id := range tc.ids {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: id})
			}
			return resp, nil
		})
		got, err := h.Invoke(context.Background(), recs)
		if got != tc.want || (err == nil) != (tc.ids == nil) {
			t.Errorf("%s: (%d, %v), want index %d", tc.name, got, err, tc.want)
		}
	}
}

// TestRuntime_TimeoutFailsEvenIfTheHandlerSucceedsLate: as on Lambda, an
// invocation past its timeout failed, whatever the handler returns after.
func TestRuntime_TimeoutFailsEvenIfTheHandlerSucceedsLate(t *testing.T) {
	db := MustOpenDB(t, t.TempDir())
	late := runtime.HandlerFunc(func(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
		<-ctx.Done() // past the deadline
		return -1, nil
	})
	rt := openRuntime(t, db, runtime.Subscription{Name: "s", Source: doctales.SourceDynamoDB, Handler: late,
		Timeout: 20 * time.Millisecond, MaxRetryAttempts: runtime.NoRetries})
	appendRecs(t, db, doctales.SourceDynamoDB, "k", `{"n":1}`)
	drain(t, rt)
	dl, err := db.DeadLetters(context.Background(), "s", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dl) != 1 || !strings.Contains(dl[0].Error, "timed out") || dl[0].Attempts != 1 {
		t.Fatalf("dead letters %+v; want the record, timed out after one attempt", dl)
	}
}
