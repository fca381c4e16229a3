package runtime

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
)

// S3Func is a function on S3 event notifications, like a Lambda function
// subscribed to a bucket.
type S3Func func(ctx context.Context, ev events.S3Event) error

// S3Handler adapts fn to a Handler. As S3 invokes a function once per
// notification, each record is its own invocation of fn. Under AWS
// semantics the runtime passes one record at a time; under SemanticsLocal a
// batch is delivered in order and the first failure stops it.
func S3Handler(fn S3Func) Handler {
	return HandlerFunc(func(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
		for i, rec := range recs {
			var r events.S3EventRecord
			if err := json.Unmarshal(rec.Data, &r); err != nil {
				return i, fmt.Errorf("decode S3 event record %d: %w", rec.Seq, err)
			}
			if err := fn(ctx, events.S3Event{Records: []events.S3EventRecord{r}}); err != nil {
				return i, err
			}
		}
		return -1, nil
	})
}

// DynamoDBFunc is a function on DynamoDB stream batches that reports batch
// item failures, like a Lambda function with ReportBatchItemFailures.
type DynamoDBFunc func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// DynamoDBHandler adapts fn to a Handler: the batch becomes one
// events.DynamoDBEvent, and the lowest batch item failure (by position)
// marks where retrying starts, as AWS checkpoints at the lowest failed
// sequence number.
func DynamoDBHandler(fn DynamoDBFunc) Handler {
	return DynamoDBLogHandler(func(ctx context.Context, ev events.DynamoDBEvent, _ []*doctales.LogRecord) (events.DynamoDBEventResponse, error) {
		return fn(ctx, ev)
	})
}

// DynamoDBLogFunc is a DynamoDBFunc that also gets the log records the
// event was decoded from, recs[i] for ev.Records[i]: their raw bytes and
// Seq, which a function matching patterns on the record uses to share the
// flattening the subscription's filter made (notify.Function.HandleLog,
// with the runtime's Flats). It must not change them.
type DynamoDBLogFunc func(ctx context.Context, ev events.DynamoDBEvent, recs []*doctales.LogRecord) (events.DynamoDBEventResponse, error)

// DynamoDBLogHandler is DynamoDBHandler for a DynamoDBLogFunc.
func DynamoDBLogHandler(fn DynamoDBLogFunc) Handler {
	return HandlerFunc(func(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
		ev := events.DynamoDBEvent{Records: make([]events.DynamoDBEventRecord, len(recs))}
		for i, rec := range recs {
			if err := json.Unmarshal(rec.Data, &ev.Records[i]); err != nil {
				return i, fmt.Errorf("decode DynamoDB stream record %d: %w", rec.Seq, err)
			}
		}
		resp, err := fn(ctx, ev, recs)
		if err != nil {
			return -1, err
		}
		if len(resp.BatchItemFailures) == 0 {
			return -1, nil
		}
		known := make(map[string]int, len(ev.Records))
		for i, r := range ev.Records {
			known[r.Change.SequenceNumber] = i
		}
		lowest := len(ev.Records)
		for _, f := range resp.BatchItemFailures {
			i, ok := known[f.ItemIdentifier]
			if !ok || f.ItemIdentifier == "" {
				// An empty identifier makes AWS treat the batch as a
				// complete failure (services-ddb-batchfailurereporting:
				// "Empty string itemIdentifier", "Null itemIdentifier");
				// an unknown one is treated the same here. -1 makes it a
				// function error, so bisect applies.
				return -1, fmt.Errorf("batch item failure names an unknown sequence number %q: the whole batch failed", f.ItemIdentifier)
			}
			lowest = min(lowest, i)
		}
		r := ev.Records[lowest]
		return lowest, fmt.Errorf("record %s (sequence number %s) reported as a batch item failure", r.EventID, r.Change.SequenceNumber)
	})
}

// SNSFunc is a topic subscriber: it receives one message at a time.
type SNSFunc func(ctx context.Context, m *doctales.Message) error

// SNSHandler adapts fn to a Handler, one message per invocation, in order.
func SNSHandler(fn SNSFunc) Handler {
	return HandlerFunc(func(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
		for i, rec := range recs {
			var m doctales.Message
			if err := json.Unmarshal(rec.Data, &m); err != nil {
				return i, fmt.Errorf("decode SNS message %d: %w", rec.Seq, err)
			}
			if err := fn(ctx, &m); err != nil {
				return i, err
			}
		}
		return -1, nil
	})
}
