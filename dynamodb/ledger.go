package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/doctales/doctales"
)

// Ledger is the notification function's record of the messages it sent, in
// its own table keyed by messageId (see LedgerDefinition).
//
// On AWS it is what keeps one escalation to one notification: an SNS
// standard topic does not drop a repeated message, so the function checks
// the ledger before publishing. MarkSent is a conditional put
// (attribute_not_exists), so concurrent marks of one id keep the first.
// Safe for concurrent use.
type Ledger struct {
	client *dynamodb.Client
	name   string

	// TTL, if positive, sets each entry's expiresAt to that long after it
	// was marked, for DynamoDB's time to live to delete it. Keep it well
	// above the longest a stream record or a dead letter can be redriven
	// (days); zero keeps entries for ever.
	TTL time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

var _ doctales.Ledger = (*Ledger)(nil)

// NewLedger returns the ledger in table name through client.
func NewLedger(client *dynamodb.Client, name string) *Ledger {
	return &Ledger{client: client, name: name, Now: time.Now}
}

// CreateTable creates the ledger table (LedgerDefinition) and waits until it
// is active; for tests and local servers.
func (l *Ledger) CreateTable(ctx context.Context) error {
	return createTable(ctx, l.client, LedgerDefinition(l.name))
}

// Sent reports whether messageID was marked sent (a strongly consistent
// read).
func (l *Ledger) Sent(ctx context.Context, messageID string) (bool, error) {
	if messageID == "" {
		return false, doctales.FieldErrorf(doctales.EINVALID, "MessageId", "Message id required.")
	}
	out, err := l.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:            &l.name,
		Key:                  map[string]types.AttributeValue{AttrMessageID: &types.AttributeValueMemberS{Value: messageID}},
		ConsistentRead:       aws.Bool(true),
		ProjectionExpression: aws.String("#id"),
		ExpressionAttributeNames: map[string]string{
			"#id": AttrMessageID,
		},
	})
	if err != nil {
		return false, fmt.Errorf("read ledger %q: %w", messageID, formatError(err))
	}
	return len(out.Item) > 0, nil
}

// MarkSent records that messageID was sent for the communication. Marking
// again is not an error and keeps the first record. An empty messageID is
// EINVALID.
func (l *Ledger) MarkSent(ctx context.Context, messageID, communicationID string) error {
	if messageID == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "MessageId", "Message id required.")
	}
	now := time.Now().UTC()
	if l.Now != nil {
		now = l.Now().UTC()
	}
	item := map[string]types.AttributeValue{
		AttrMessageID:     &types.AttributeValueMemberS{Value: messageID},
		"communicationId": &types.AttributeValueMemberS{Value: communicationID},
		"sentAt":          &types.AttributeValueMemberS{Value: now.Format(time.RFC3339Nano)},
	}
	if l.TTL > 0 {
		item[AttrExpiresAt] = &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(l.TTL).Unix(), 10)}
	}
	_, err := l.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                &l.name,
		Item:                     item,
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": AttrMessageID},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return fmt.Errorf("mark %q sent: %w", messageID, formatError(err))
	}
	return nil
}
