package doctales

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Bucket       string
	Key          string
	Size         int64  // bytes
	ETag         string // hex MD5 of the content, as S3 gives for a single-part put
	LastModified time.Time
}

// ObjectStore is the S3 role: raw communications by key.
//
// Put stores data durably before it returns and then announces it with an
// s3:ObjectCreated:Put event (an events.S3EventRecord) to whoever listens;
// putting the same key again overwrites and announces again. Get returns an
// error with code ENOTFOUND when the key is absent. Keys are relative, use
// "/" as separator and never contain "..": an invalid key is EINVALID.
// Implementations are safe for concurrent use.
type ObjectStore interface {
	Bucket() string
	Put(ctx context.Context, key string, data []byte, contentType string) (ObjectInfo, error)
	Get(ctx context.Context, key string) ([]byte, ObjectInfo, error)
}

// Table is the DynamoDB role: one item per communication, and a change
// stream in which every insert, modify and remove appends, atomically with
// the change, a record in DynamoDB Streams shape (events.DynamoDBEventRecord,
// StreamViewType NEW_AND_OLD_IMAGES). A write that changes nothing appends
// nothing, as DynamoDB Streams does.
//
// Implementations are safe for concurrent use.
type Table interface {
	// CreateItem stores item unless an item with its ID exists. It returns
	// the stored item and true when it created it, or the existing item and
	// false otherwise (a conditional put, attribute_not_exists(SK)).
	CreateItem(ctx context.Context, item *Item) (*Item, bool, error)

	// UpdateItem changes the fields set in upd and returns the new item.
	// ENOTFOUND when no item has that id.
	UpdateItem(ctx context.Context, id string, upd ItemUpdate) (*Item, error)

	// GetItem returns the item with that id, or ENOTFOUND.
	GetItem(ctx context.Context, id string) (*Item, error)

	// FindItems returns one page of items matching filter, newest first,
	// and the cursor of the next page ("" on the last page). A malformed
	// cursor is EINVALID.
	FindItems(ctx context.Context, filter ItemFilter) ([]*Item, string, error)

	// DeleteItem removes the item (a REMOVE stream record). ENOTFOUND when
	// absent.
	DeleteItem(ctx context.Context, id string) error
}

// Extractor finds the dimensions of a communication. It must not keep c.
// It returns an error only when it cannot work at all (a cancelled context,
// an outside service down); odd input gives a result with empty fields.
// Implementations are safe for concurrent use.
type Extractor interface {
	Extract(ctx context.Context, c *Communication) (*Dimensions, error)
}

// Message is a notification in the shape of an SNS Publish request, with the
// MessageId SNS assigns. MessageID is stable: re-sending the same
// notification keeps it, so receivers can drop repeats.
type Message struct {
	MessageID         string                      `json:"MessageId"`
	TopicArn          string                      `json:"TopicArn,omitempty"`
	Subject           string                      `json:"Subject"`
	Message           string                      `json:"Message"`
	Timestamp         time.Time                   `json:"Timestamp"`
	MessageAttributes map[string]MessageAttribute `json:"MessageAttributes"`
}

// MessageAttribute is an SNS message attribute.
type MessageAttribute struct {
	DataType    string `json:"DataType"`
	StringValue string `json:"StringValue"`
}

// Topic is the SNS role: it fans a message out to its subscribers.
// Publish returns once the message is durable. Like an SNS standard topic,
// a Topic need not drop a MessageID it already published: every Publish
// may deliver, and the [Ledger] claim is what keeps a notification to one
// Publish in all but a crash between publishing and marking sent. Each
// delivery carries the MessageID (on SNS, the message attribute
// "messageId") so that subscribers can drop the repeat; a topic may also
// drop it itself (the local topic does). Safe for concurrent use.
type Topic interface {
	Publish(ctx context.Context, m *Message) error
}

// Event sources in the log, named like the AWS services whose events they
// carry: "aws:s3" records are events.S3EventRecord, "aws:dynamodb" records are
// events.DynamoDBEventRecord, "aws:sns" records are Message.
const (
	SourceS3       = "aws:s3"
	SourceDynamoDB = "aws:dynamodb"
	SourceSNS      = "aws:sns"
)

// LogRecord is one event in the durable event log the runtime delivers from.
type LogRecord struct {
	Seq    int64           // position in the log, increasing; set by Append
	Source string          // SourceS3, SourceDynamoDB, SourceSNS
	Key    string          // the partition key: order is kept per key
	Target string          // "" for every subscription of Source, else only that subscription (redrive)
	Data   json.RawMessage // the event record in its AWS shape
	Time   time.Time       // when it was appended
	// TraceParent is the W3C traceparent of the work that appended the
	// record (from the appender's context, see WithTraceParent); "" if none.
	TraceParent string
}

// EventLog is the durable log that connects the steps of the pipeline. A
// record appended is never lost; subscriptions read it in order and keep a
// checkpoint each.
type EventLog interface {
	// Append adds records durably, in order, and sets their Seq and Time.
	Append(ctx context.Context, recs ...*LogRecord) error
	// ReadLog returns up to limit records of source with Seq > after, in
	// order.
	ReadLog(ctx context.Context, source string, after int64, limit int) ([]*LogRecord, error)
	// Changed returns a channel that is closed at the next Append.
	Changed() <-chan struct{}
	// Checkpoint returns the last Seq a subscription finished (0 if none).
	Checkpoint(ctx context.Context, subscription string) (int64, error)
	// SetCheckpoint records that every record up to seq is finished.
	SetCheckpoint(ctx context.Context, subscription string, seq int64) error
}

// DeadLetter is a record a subscription gave up on: the record, the last
// error, the number of attempts and when they happened.
type DeadLetter struct {
	ID           int64           `json:"id"`
	Subscription string          `json:"subscription"`
	Source       string          `json:"source"`
	Key          string          `json:"key"`
	Seq          int64           `json:"seq"`
	Record       json.RawMessage `json:"record"`
	Error        string          `json:"error"`
	Reason       string          `json:"reason"` // "retries exhausted", "record too old"
	Attempts     int             `json:"attempts"`
	FirstAttempt time.Time       `json:"firstAttempt"`
	LastAttempt  time.Time       `json:"lastAttempt"`
	CreatedAt    time.Time       `json:"createdAt"`
	// Withheld is set when Record was stripped of its communication's
	// content (StripContent) because the reader is not its owner: an
	// admin sees operations, not other people's mail.
	Withheld bool `json:"withheld,omitempty"`
}

// DeadLetterStore keeps dead letters until they are redriven.
type DeadLetterStore interface {
	AddDeadLetter(ctx context.Context, dl *DeadLetter) error
	// DeadLetters lists dead letters, oldest first; subscription "" means all.
	DeadLetters(ctx context.Context, subscription string, limit int) ([]*DeadLetter, error)
	// DeadLetter returns one, or ENOTFOUND.
	DeadLetter(ctx context.Context, id int64) (*DeadLetter, error)
	// Redrive atomically removes the dead letter and appends its record to
	// the log again, targeted at its subscription. ENOTFOUND when absent.
	Redrive(ctx context.Context, id int64) (*LogRecord, error)
}

// Ledger remembers which notifications were sent, so that one escalation
// notifies once even when its stream records are delivered again.
//
// A sender claims a message id before publishing and marks it sent after
// (claim → publish → mark sent). The claim is a conditional write of
// {messageId, state "sending", leaseUntil}: while the lease runs, another
// claimer gets [ClaimInFlight] and does not publish; once it has run out,
// the next claimer takes the claim over ([ClaimTakenOver]) and publishes
// again with the same MessageID, since the first holder may have published
// before it crashed. Receivers drop the repeat by its MessageID.
type Ledger interface {
	// Claim claims messageID for communication id for lease, by the
	// ledger's clock. A lease that is not positive, or an empty
	// messageID, is EINVALID.
	Claim(ctx context.Context, messageID, communicationID string, lease time.Duration) (ClaimState, error)
	// Sent reports whether messageID was marked sent (a claim alone is
	// not sent).
	Sent(ctx context.Context, messageID string) (bool, error)
	// MarkSent records messageID as sent for communication id, claimed or
	// not; marking twice is not an error and keeps the first.
	MarkSent(ctx context.Context, messageID, communicationID string) error
	// Release ends the claim of messageID now if it is still "sending",
	// so that the next claim takes it over at once: the holder calls it
	// when its publish failed. An unknown or sent id is left alone.
	Release(ctx context.Context, messageID string) error
}

// ClaimState is the outcome of [Ledger.Claim].
type ClaimState int

// The outcomes of a claim.
const (
	// ClaimAcquired: the message id was unknown; the caller holds the
	// claim and publishes.
	ClaimAcquired ClaimState = iota + 1
	// ClaimTakenOver: an earlier claim's lease ran out before it was
	// marked sent (its holder crashed, perhaps after publishing); the
	// caller holds the claim now and publishes again, with the same
	// MessageID.
	ClaimTakenOver
	// ClaimInFlight: another claim's lease is still running; the caller
	// does not publish, and retries after the lease.
	ClaimInFlight
	// ClaimSent: the message was marked sent; nothing to do.
	ClaimSent
)

// Ledger entry states, as stored.
const (
	LedgerSending = "sending"
	LedgerSent    = "sent"
)

// Publishes reports whether the claimer now holds the claim and publishes.
func (s ClaimState) Publishes() bool { return s == ClaimAcquired || s == ClaimTakenOver }

// String returns the state's name: acquired, taken over, in flight, sent.
func (s ClaimState) String() string {
	switch s {
	case ClaimAcquired:
		return "acquired"
	case ClaimTakenOver:
		return "taken over"
	case ClaimInFlight:
		return "in flight"
	case ClaimSent:
		return "sent"
	}
	return fmt.Sprintf("ClaimState(%d)", int(s))
}

// FlowEvent is one step in a communication's journey through the pipeline,
// kept so that an operator can answer "where is communication X, and why
// was I (not) notified?" (doctales trace, GET /communications/{id}/events).
type FlowEvent struct {
	CommunicationID string        `json:"communicationId"`
	Time            time.Time     `json:"time"`
	Step            string        `json:"step"`                 // accepted, extraction, notification, topic/log, ...
	Kind            string        `json:"kind"`                 // accepted, delivered, filtered, retry, dead_lettered, published, skipped, redriven
	Seq             int64         `json:"seq,omitempty"`        // the log record concerned
	Event           string        `json:"event,omitempty"`      // ObjectCreated:Put, INSERT, MODIFY, Notification
	Attempt         int           `json:"attempt,omitempty"`    // for deliveries
	Duration        time.Duration `json:"durationNs,omitempty"` // of the invocation
	Detail          string        `json:"detail,omitempty"`     // the why: "urgency was medium", an error
	TraceID         string        `json:"traceId,omitempty"`    // W3C trace id
	RecordTime      time.Time     `json:"recordTime,omitempty"` // when the log record was appended
}

// FlowHistory stores flow events. Adding is best effort for diagnostics:
// it may drop events under load (and count them), but never blocks the
// pipeline.
type FlowHistory interface {
	AddFlowEvents(ctx context.Context, evs []*FlowEvent) error
	// FlowEvents returns the events of a communication in time order.
	FlowEvents(ctx context.Context, communicationID string, limit int) ([]*FlowEvent, error)
}
