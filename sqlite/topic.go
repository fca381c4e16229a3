package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/doctales/doctales"
)

// Topic is an SNS-like topic kept in the log: Publish appends the message
// as a doctales.SourceSNS record, and the runtime's subscriptions to that
// source deliver it to the topic's subscribers (webhook, e-mail, SSE, log).
// A Topic is safe for concurrent use and lives as long as its DB.
type Topic struct {
	db   *DB
	name string
	arn  string
}

var _ doctales.Topic = (*Topic)(nil)

// Topic returns the topic with that name, whose ARN is
// "arn:aws:sns:<region>:000000000000:<name>". Call it after Open, which
// fixes the region.
func (db *DB) Topic(name string) *Topic {
	return &Topic{
		db:   db,
		name: name,
		arn:  fmt.Sprintf("arn:aws:sns:%s:%s:%s", db.Region, AccountID, name),
	}
}

// Name returns the topic's name.
func (t *Topic) Name() string { return t.name }

// ARN returns the topic's ARN.
func (t *Topic) ARN() string { return t.arn }

// Publish appends m durably to the log as a SourceSNS record keyed by its
// MessageID, and returns once it is committed. It sets an empty TopicArn to
// the topic's ARN and a zero Timestamp to Now. Publishing a MessageID this
// topic already published appends nothing and returns nil, so a
// notification delivered twice is sent once. A nil message or an empty
// MessageID is EINVALID.
func (t *Topic) Publish(ctx context.Context, m *doctales.Message) error {
	if m == nil {
		return doctales.Errorf(doctales.EINVALID, "Message required.")
	} else if m.MessageID == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "MessageId", "Message id required.")
	}
	if m.TopicArn == "" {
		m.TopicArn = t.arn
	}
	now := t.db.Now()
	if m.Timestamp.IsZero() {
		m.Timestamp = now
	}
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("publish %q to %q: %w", m.MessageID, t.name, err)
	}

	// Deduplicate per topic: the same message may go to two topics.
	dedup := "sns:" + t.arn + ":" + m.MessageID
	if err := t.db.write(ctx, func(tx *writeTx) error {
		rec := &doctales.LogRecord{Source: doctales.SourceSNS, Key: m.MessageID, Data: data, Time: now}
		_, err := tx.appendLog(rec, dedup)
		return err
	}); err != nil {
		return fmt.Errorf("publish %q to %q: %w", m.MessageID, t.name, err)
	}
	return nil
}
