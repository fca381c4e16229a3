// Package streamrec encodes the change-stream records of a table in the
// shape of DynamoDB Streams (events.DynamoDBEventRecord, StreamViewType
// NEW_AND_OLD_IMAGES). The SQLite table (package sqlite) and the
// PostgreSQL table (package postgres) both use it, so that a subscriber
// cannot tell which of them wrote a record: same header, same images,
// same 20-digit SequenceNumber equal to the record's log seq.
//
// A record is encoded before its log seq is known (the costly part, the
// images, is done outside the writer's transaction) with a fixed-width
// placeholder where the SequenceNumber goes; the writer then fills in the
// seq in place ([Record.SetSeq]) or lets the database do it at the
// offset [Record.SeqAt].
package streamrec

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
)

// Stream record constants of DynamoDB Streams.
const (
	EventInsert = "INSERT"
	EventModify = "MODIFY"
	EventRemove = "REMOVE"

	EventVersion   = "1.1"
	EventSource    = "aws:dynamodb"
	StreamViewType = "NEW_AND_OLD_IMAGES"
)

// SeqPlaceholder stands for the SequenceNumber in an encoded record until
// the writer numbers it. Both are SeqDigits wide, so numbering is an
// in-place copy.
const (
	SeqDigits      = 20
	SeqPlaceholder = "SEQUENCE_NUMBER_0000"
)

// Encoder encodes the stream records of one table.
type Encoder struct {
	Region    string // awsRegion of every record
	StreamARN string // eventSourceARN of every record
}

// Record is a stream record encoded before its log seq is known: Data
// holds SeqPlaceholder at SeqAt.
type Record struct {
	Key   string // the log record's partition key (the item id)
	Data  []byte
	SeqAt int
	At    time.Time
}

// SetSeq writes seq as the record's SequenceNumber, SeqDigits wide.
func (r *Record) SetSeq(seq int64) {
	copy(r.Data[r.SeqAt:], fmt.Sprintf("%0*d", SeqDigits, seq))
}

// Item encodes the stream record of a change from old to new (old nil for
// INSERT, new nil for REMOVE), in the shape of events.DynamoDBEventRecord.
// SizeBytes approximates DynamoDB's by the length of the images' JSON.
func (e Encoder) Item(eventName string, old, new *doctales.Item, now time.Time) (*Record, error) {
	var (
		key            string
		keys           map[string]events.DynamoDBAttributeValue
		oldImg, newImg map[string]events.DynamoDBAttributeValue
		size           int64
	)
	for _, it := range []*doctales.Item{old, new} {
		if it == nil {
			continue
		}
		img, err := it.Image()
		if err != nil {
			return nil, fmt.Errorf("stream record: %w", err)
		}
		if it == old {
			oldImg = img
		} else {
			newImg = img
		}
		keys = it.Keys()
		key = it.ID
		if b, err := json.Marshal(it); err == nil {
			size += int64(len(b))
		}
	}
	return e.Encode(eventName, key, keys, oldImg, newImg, size, now)
}

// Encode encodes a stream record with the given keys and images (either
// may be nil) in the shape of events.DynamoDBEventRecord, its
// SequenceNumber a placeholder the writer fills in; key is the log
// record's partition key.
func (e Encoder) Encode(eventName, key string, keys, oldImg, newImg map[string]events.DynamoDBAttributeValue, size int64, now time.Time) (*Record, error) {
	var id [16]byte
	_, _ = rand.Read(id[:])
	r := events.DynamoDBEventRecord{
		AWSRegion:      e.Region,
		EventID:        hex.EncodeToString(id[:]),
		EventName:      eventName,
		EventSource:    EventSource,
		EventVersion:   EventVersion,
		EventSourceArn: e.StreamARN,
		Change: events.DynamoDBStreamRecord{
			ApproximateCreationDateTime: events.SecondsEpochTime{Time: now.Truncate(time.Second)},
			Keys:                        keys,
			OldImage:                    oldImg,
			NewImage:                    newImg,
			SequenceNumber:              SeqPlaceholder,
			SizeBytes:                   size,
			StreamViewType:              StreamViewType,
		},
	}
	return place(key, r, now)
}

// InsertJSON is Item for an INSERT of an item whose JSON (json.Marshal(it),
// a row's body) the caller has: the item is not encoded again, and its
// image is transcoded from that JSON (doctales.Item.AppendImageJSON)
// rather than built as a map and marshalled. The record is byte for byte
// what Item writes (but for the random eventID).
func (e Encoder) InsertJSON(eventName string, it *doctales.Item, body []byte, now time.Time) (*Record, error) {
	img, err := it.AppendImageJSON(make([]byte, 0, 2*len(body)+256), body)
	if err != nil {
		return nil, fmt.Errorf("stream record: %w", err)
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	r := recordJSON{
		AWSRegion:      e.Region,
		EventID:        hex.EncodeToString(id[:]),
		EventName:      eventName,
		EventSource:    EventSource,
		EventVersion:   EventVersion,
		EventSourceArn: e.StreamARN,
	}
	r.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: now.Truncate(time.Second)}
	r.Change.Keys = it.Keys()
	r.Change.NewImage = img
	r.Change.SequenceNumber = SeqPlaceholder
	r.Change.SizeBytes = int64(len(body))
	r.Change.StreamViewType = StreamViewType
	return place(it.ID, r, now)
}

// recordJSON is events.DynamoDBEventRecord with its NewImage already
// encoded: the same fields in the same order, so the same JSON.
type recordJSON struct {
	AWSRegion string `json:"awsRegion"`
	Change    struct {
		ApproximateCreationDateTime events.SecondsEpochTime                  `json:"ApproximateCreationDateTime,omitempty"`
		Keys                        map[string]events.DynamoDBAttributeValue `json:"Keys,omitempty"`
		NewImage                    json.RawMessage                          `json:"NewImage,omitempty"`
		SequenceNumber              string                                   `json:"SequenceNumber"`
		SizeBytes                   int64                                    `json:"SizeBytes"`
		StreamViewType              string                                   `json:"StreamViewType"`
	} `json:"dynamodb"`
	EventID        string `json:"eventID"`
	EventName      string `json:"eventName"`
	EventSource    string `json:"eventSource"`
	EventVersion   string `json:"eventVersion"`
	EventSourceArn string `json:"eventSourceARN"`
}

// place encodes the stream record r and finds its sequence number
// placeholder.
func place(key string, r any, now time.Time) (*Record, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode stream record: %w", err)
	}
	// The placeholder is found by its field name: quotes inside string
	// values are escaped, so `"SequenceNumber":"` cannot occur in them.
	at := bytes.LastIndex(data, []byte(`"SequenceNumber":"`+SeqPlaceholder+`"`))
	if at < 0 {
		return nil, fmt.Errorf("encode stream record: sequence number placeholder not found")
	}
	return &Record{Key: key, Data: data, SeqAt: at + len(`"SequenceNumber":"`), At: now}, nil
}

// RemovedImage returns the part of a deleted item its REMOVE record keeps:
// id, owner, type, project, object key, status and times. A deleted
// communication leaves no copy of its subject, sender or dimensions in
// the log.
func RemovedImage(it *doctales.Item) *doctales.Item {
	return &doctales.Item{
		ID: it.ID, Owner: it.Owner, Type: it.Type, Project: it.Project, S3Key: it.S3Key,
		Timestamp: it.Timestamp, Status: it.Status, ContentHash: it.ContentHash,
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt,
	}
}

// ApplyUpdate returns old with upd applied, as every table (sqlite,
// postgres, dynamodb) applies it:
// Status, Error, Dimensions, ThreadID replace; Urgency replaces
// metadata.urgency, and a new rise to high counts one more escalation;
// State is applied by Item.ApplyState. It does not touch UpdatedAt nor
// StateAt: the caller sets them when the result differs from old.
func ApplyUpdate(old *doctales.Item, upd doctales.ItemUpdate) (*doctales.Item, error) {
	n := *old
	if upd.Status != nil {
		n.Status = *upd.Status
	}
	if upd.Urgency != nil {
		if *upd.Urgency == doctales.UrgencyHigh && old.Metadata.Urgency != doctales.UrgencyHigh {
			n.Metadata.Escalation = old.Metadata.Escalation + 1 // a new rise to high
		}
		n.Metadata.Urgency = *upd.Urgency
	}
	if upd.Dimensions != nil {
		n.Dimensions = upd.Dimensions
	}
	if upd.Error != nil {
		n.Error = *upd.Error
	}
	if upd.State != nil {
		if err := n.ApplyState(*upd.State); err != nil {
			return nil, err
		}
	}
	if upd.ThreadID != nil {
		n.ThreadID = *upd.ThreadID
	}
	return &n, nil
}

// ErrIDTaken is the answer to a create whose id another owner's item holds:
// the same ECONFLICT a client gets for its own id with other content, so
// that it learns nothing of the other item.
func ErrIDTaken(id string) error {
	return &doctales.Error{
		Code:    doctales.ECONFLICT,
		Field:   "id",
		Message: fmt.Sprintf("id %q is already used by a different communication; send a new id or the same content", id),
	}
}
