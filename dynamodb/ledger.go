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
// standard topic does not drop a repeated message, so the function claims
// the message id before publishing ([Ledger.Claim], a conditional put of
// state "sending" with a leaseUntil) and marks it sent after
// ([Ledger.MarkSent]). Both are conditional puts, so concurrent claimers
// and markers of one id agree. Safe for concurrent use.
type Ledger struct {
	client *dynamodb.Client
	name   string

	// TTL, if positive, sets each entry's expiresAt to that long after it
	// was claimed or marked, for DynamoDB's time to live to delete it. Keep
	// it well above the longest a stream record or a dead letter can be
	// redriven (days); zero keeps entries for ever.
	TTL time.Duration
	// Now is the clock, of the claims' leases too. Default time.Now.
	Now func() time.Time
}

// Ledger item attributes besides the key and expiresAt.
const (
	attrLedgerState      = "state"
	attrLedgerLeaseUntil = "leaseUntil" // N, Unix milliseconds
	attrLedgerAttempts   = "attempts"   // N, claims so far
)

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

// Claim claims messageID for the communication until lease from now:
// one conditional put of {messageId, communicationId, state "sending",
// leaseUntil, attempts} that succeeds when the id is unknown
// (ClaimAcquired) or is "sending" with a lease that ran out
// (ClaimTakenOver). When the condition fails, a strongly consistent read
// tells a running lease (ClaimInFlight) from a sent entry (ClaimSent; an
// entry without a state was written before claims, and was sent). An
// empty messageID or a lease that is not positive is EINVALID.
func (l *Ledger) Claim(ctx context.Context, messageID, communicationID string, lease time.Duration) (doctales.ClaimState, error) {
	if messageID == "" {
		return 0, doctales.FieldErrorf(doctales.EINVALID, "MessageId", "Message id required.")
	}
	if lease <= 0 {
		return 0, doctales.FieldErrorf(doctales.EINVALID, "lease", "The claim's lease must be positive, not %s.", lease)
	}
	// Twice at most: the entry may expire (TTL) between the failed put
	// and the read.
	for range 2 {
		now := l.now()
		old, err := l.read(ctx, messageID)
		if err != nil {
			return 0, fmt.Errorf("claim %q: %w", messageID, err)
		}
		attempts := 1
		if old != nil {
			switch st := stringAttr(old, attrLedgerState); {
			case st != doctales.LedgerSending:
				return doctales.ClaimSent, nil
			case now.UnixMilli() < numberAttr(old, attrLedgerLeaseUntil):
				return doctales.ClaimInFlight, nil
			}
			attempts = int(numberAttr(old, attrLedgerAttempts)) + 1
		}
		item := l.entry(messageID, communicationID, doctales.LedgerSending, now)
		item[attrLedgerLeaseUntil] = &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(lease).UnixMilli(), 10)}
		item[attrLedgerAttempts] = &types.AttributeValueMemberN{Value: strconv.Itoa(attempts)}
		out, err := l.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:           &l.name,
			Item:                item,
			ReturnValues:        types.ReturnValueAllOld,
			ConditionExpression: aws.String("attribute_not_exists(#id) OR (#state = :sending AND #lease <= :now)"),
			ExpressionAttributeNames: map[string]string{
				"#id": AttrMessageID, "#state": attrLedgerState, "#lease": attrLedgerLeaseUntil,
			},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":sending": &types.AttributeValueMemberS{Value: doctales.LedgerSending},
				":now":     &types.AttributeValueMemberN{Value: strconv.FormatInt(now.UnixMilli(), 10)},
			},
		})
		var ccf *types.ConditionalCheckFailedException
		switch {
		case err == nil && len(out.Attributes) == 0:
			return doctales.ClaimAcquired, nil
		case err == nil:
			return doctales.ClaimTakenOver, nil
		case !errors.As(err, &ccf):
			return 0, fmt.Errorf("claim %q: %w", messageID, formatError(err))
		}
		// Another claimer or marker won the race: read again.
	}
	return doctales.ClaimInFlight, nil
}

// read returns the ledger entry of messageID (a strongly consistent read),
// or nil.
func (l *Ledger) read(ctx context.Context, messageID string) (map[string]types.AttributeValue, error) {
	out, err := l.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &l.name,
		Key:            map[string]types.AttributeValue{AttrMessageID: &types.AttributeValueMemberS{Value: messageID}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("read ledger %q: %w", messageID, formatError(err))
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return out.Item, nil
}

// entry returns a ledger item in state at now.
func (l *Ledger) entry(messageID, communicationID, state string, now time.Time) map[string]types.AttributeValue {
	item := map[string]types.AttributeValue{
		AttrMessageID:     &types.AttributeValueMemberS{Value: messageID},
		"communicationId": &types.AttributeValueMemberS{Value: communicationID},
		attrLedgerState:   &types.AttributeValueMemberS{Value: state},
	}
	if state == doctales.LedgerSent {
		item["sentAt"] = &types.AttributeValueMemberS{Value: now.Format(time.RFC3339Nano)}
	} else {
		item["claimedAt"] = &types.AttributeValueMemberS{Value: now.Format(time.RFC3339Nano)}
	}
	if l.TTL > 0 {
		item[AttrExpiresAt] = &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(l.TTL).Unix(), 10)}
	}
	return item
}

func (l *Ledger) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return time.Now().UTC()
}

func stringAttr(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func numberAttr(item map[string]types.AttributeValue, name string) int64 {
	if v, ok := item[name].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

// Sent reports whether messageID was marked sent (a strongly consistent
// read); a claim alone is not.
func (l *Ledger) Sent(ctx context.Context, messageID string) (bool, error) {
	if messageID == "" {
		return false, doctales.FieldErrorf(doctales.EINVALID, "MessageId", "Message id required.")
	}
	item, err := l.read(ctx, messageID)
	if err != nil {
		return false, err
	}
	return item != nil && stringAttr(item, attrLedgerState) != doctales.LedgerSending, nil
}

// MarkSent records that messageID was sent for the communication, claimed
// or not: a put conditional on the entry being absent or "sending".
// Marking again is not an error and keeps the first record. An empty
// messageID is EINVALID.
func (l *Ledger) MarkSent(ctx context.Context, messageID, communicationID string) error {
	if messageID == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "MessageId", "Message id required.")
	}
	_, err := l.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           &l.name,
		Item:                l.entry(messageID, communicationID, doctales.LedgerSent, l.now()),
		ConditionExpression: aws.String("attribute_not_exists(#id) OR #state = :sending"),
		ExpressionAttributeNames: map[string]string{
			"#id": AttrMessageID, "#state": attrLedgerState,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sending": &types.AttributeValueMemberS{Value: doctales.LedgerSending},
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return fmt.Errorf("mark %q sent: %w", messageID, formatError(err))
	}
	return nil
}

// Release ends messageID's claim now if it is still "sending": it reads
// the entry and puts it back with leaseUntil now, on condition that the
// state and lease are unchanged (no new IAM action: GetItem and PutItem).
// An unknown or sent id is left alone. An empty messageID is EINVALID.
func (l *Ledger) Release(ctx context.Context, messageID string) error {
	if messageID == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "MessageId", "Message id required.")
	}
	old, err := l.read(ctx, messageID)
	if err != nil {
		return fmt.Errorf("release %q: %w", messageID, err)
	}
	if old == nil || stringAttr(old, attrLedgerState) != doctales.LedgerSending {
		return nil
	}
	lease, ok := old[attrLedgerLeaseUntil]
	if !ok {
		return nil
	}
	item := make(map[string]types.AttributeValue, len(old))
	for k, v := range old {
		item[k] = v
	}
	item[attrLedgerLeaseUntil] = &types.AttributeValueMemberN{Value: strconv.FormatInt(l.now().UnixMilli(), 10)}
	_, err = l.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           &l.name,
		Item:                item,
		ConditionExpression: aws.String("#state = :sending AND #lease = :lease"),
		ExpressionAttributeNames: map[string]string{
			"#state": attrLedgerState, "#lease": attrLedgerLeaseUntil,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sending": &types.AttributeValueMemberS{Value: doctales.LedgerSending},
			":lease":   lease,
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return fmt.Errorf("release %q: %w", messageID, formatError(err))
	}
	return nil
}
