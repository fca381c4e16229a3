// Package mapping holds the event source mappings of the Doc-Tales
// architecture: which events trigger which function, through which filter,
// and with which batching and retry settings.
//
// It is the one source of those values. The local runtime's default wiring
// (cmd/doctales DefaultConfig) is built from it, and the SAM template
// (deploy/sam/template.yaml) states the same values; a test parses the
// template and compares them with this package, so the embedded mode and
// AWS cannot drift apart.
//
// # Extraction
//
// The raw bucket announces every new object (s3:ObjectCreated:*). S3
// invokes Lambda asynchronously, one event per invocation, so only
// [Extraction]'s retry settings apply on AWS, through the function's
// EventInvokeConfig, whose limits they respect (at most 2 retries, events at
// most 6 hours old). Its batch size and parallelization are the local
// runtime's.
//
// # Notification
//
// The table's stream (NEW_AND_OLD_IMAGES) feeds the notification function
// through [NotificationFilter]; [Notification] holds the settings of that
// Lambda event source mapping.
package mapping

import (
	"time"

	"github.com/doctales/doctales"
)

// NotificationFilter is the architecture document's filter pattern: only
// stream records whose new image has metadata.urgency "high" reach the
// notification function.
const NotificationFilter = `{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high"]}}}}}}`

// ObjectCreatedEvents is the S3 event type that triggers extraction.
const ObjectCreatedEvents = "s3:ObjectCreated:*"

// ObjectCreatedFilter is what ObjectCreatedEvents means as a filter pattern
// over S3 event records.
const ObjectCreatedFilter = `{"eventName":[{"prefix":"ObjectCreated:"}]}`

// Starting positions of a stream event source mapping.
const (
	StartingPositionTrimHorizon = "TRIM_HORIZON"
	StartingPositionLatest      = "LATEST"
)

// ReportBatchItemFailures is the function response type with which a stream
// function names the records it failed, so only those are retried.
const ReportBatchItemFailures = "ReportBatchItemFailures"

// Limits of AWS Lambda asynchronous invocation (EventInvokeConfig).
const (
	MaxAsyncRetryAttempts = 2
	MaxAsyncEventAge      = 6 * time.Hour
)

// EventSourceMapping is how one event source triggers one function: the
// fields of a SAM function event of type DynamoDB, and the retry settings of
// an asynchronous (S3) trigger.
type EventSourceMapping struct {
	// Source is doctales.SourceS3 or doctales.SourceDynamoDB.
	Source string
	// Filters are filter patterns, OR-ed; none means every record.
	Filters []string
	// BatchSize is the most records per invocation.
	BatchSize int
	// MaximumRetryAttempts is how often a failed record is retried before it
	// goes to the on-failure destination.
	MaximumRetryAttempts int
	// MaximumRecordAgeInSeconds: older records go to the on-failure
	// destination unprocessed.
	MaximumRecordAgeInSeconds int
	// BisectBatchOnFunctionError splits a failed batch in two and retries
	// the halves.
	BisectBatchOnFunctionError bool
	// ParallelizationFactor is the number of concurrent batches per shard
	// (locally: per subscription).
	ParallelizationFactor int
	// StartingPosition of a stream mapping; empty for S3.
	StartingPosition string
	// FunctionResponseTypes of a stream mapping.
	FunctionResponseTypes []string
}

// MaximumRecordAge returns MaximumRecordAgeInSeconds as a duration.
func (m EventSourceMapping) MaximumRecordAge() time.Duration {
	return time.Duration(m.MaximumRecordAgeInSeconds) * time.Second
}

// Extraction returns the trigger of the extraction function: the raw
// bucket's ObjectCreated events. Its retry settings are within the
// asynchronous invocation limits (MaxAsyncRetryAttempts, MaxAsyncEventAge).
func Extraction() EventSourceMapping {
	return EventSourceMapping{
		Source:                     doctales.SourceS3,
		Filters:                    []string{ObjectCreatedFilter},
		BatchSize:                  10,
		MaximumRetryAttempts:       MaxAsyncRetryAttempts,
		MaximumRecordAgeInSeconds:  int(MaxAsyncEventAge / time.Second),
		BisectBatchOnFunctionError: true,
		ParallelizationFactor:      2,
	}
}

// Notification returns the event source mapping of the notification
// function: the table stream, filtered by NotificationFilter, with batch
// item failures reported. It starts at TRIM_HORIZON so that changes made
// between the table's creation and the mapping's are not skipped.
func Notification() EventSourceMapping {
	return EventSourceMapping{
		Source:                     doctales.SourceDynamoDB,
		Filters:                    []string{NotificationFilter},
		BatchSize:                  100,
		MaximumRetryAttempts:       3,
		MaximumRecordAgeInSeconds:  86400,
		BisectBatchOnFunctionError: true,
		ParallelizationFactor:      2,
		StartingPosition:           StartingPositionTrimHorizon,
		FunctionResponseTypes:      []string{ReportBatchItemFailures},
	}
}
