package dynamodb

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/doctales/doctales/notify"
)

var _ notify.DigestStore = (*Timers)(nil)

// Digest entries live in the timers table too (issue 13, quiet hours and
// the digest on AWS): one item per pending digest, keyed
// "digest-entries:<digest id>", whose map attribute "entries" holds each
// entry's JSON under the entry's id. It has neither "pending" nor
// "communicationId", so it is in no index and never read as a timer. One
// item, read strongly consistent, means the digest timer sees every entry
// added before it fires (an index would be eventually consistent); the
// cost is DynamoDB's 400 KB item limit, roughly a thousand entries per
// digest period.
const (
	digestEntriesPrefix = "digest-entries:"
	attrDigestEntries   = "entries"
)

// AddDigestEntry lists e in digest digestID, once per entry id: a first
// update creates the entries map if absent, a second sets e's key only if
// it is absent (the two cannot be one update: their paths overlap).
func (s *Timers) AddDigestEntry(ctx context.Context, digestID string, e notify.DigestEntry) error {
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode digest entry %q: %w", e.ID, err)
	}
	key := map[string]types.AttributeValue{AttrTimerID: &types.AttributeValueMemberS{Value: digestEntriesPrefix + digestID}}
	if _, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.name,
		Key:                       key,
		UpdateExpression:          aws.String("SET #e = if_not_exists(#e, :empty)"),
		ExpressionAttributeNames:  map[string]string{"#e": attrDigestEntries},
		ExpressionAttributeValues: map[string]types.AttributeValue{":empty": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}},
	}); err != nil {
		return fmt.Errorf("store digest entry %q of %s: %w", e.ID, digestID, formatError(err))
	}
	if _, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.name,
		Key:                       key,
		UpdateExpression:          aws.String("SET #e.#k = if_not_exists(#e.#k, :v)"),
		ExpressionAttributeNames:  map[string]string{"#e": attrDigestEntries, "#k": e.ID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: string(body)}},
	}); err != nil {
		return fmt.Errorf("store digest entry %q of %s (%d bytes; a digest holds up to 400 KB of entries): %w", e.ID, digestID, len(body), formatError(err))
	}
	return nil
}

// DigestEntries returns the entries of digest digestID (a strongly
// consistent read), oldest first, as the embedded store orders them (by
// time, then id).
func (s *Timers) DigestEntries(ctx context.Context, digestID string) ([]notify.DigestEntry, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.name, ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{AttrTimerID: &types.AttributeValueMemberS{Value: digestEntriesPrefix + digestID}}})
	if err != nil {
		return nil, fmt.Errorf("read digest %s: %w", digestID, formatError(err))
	}
	m, _ := out.Item[attrDigestEntries].(*types.AttributeValueMemberM)
	if m == nil {
		return nil, nil
	}
	entries := make([]notify.DigestEntry, 0, len(m.Value))
	for k, v := range m.Value {
		sv, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return nil, fmt.Errorf("read digest %s: entry %q is not a string", digestID, k)
		}
		var e notify.DigestEntry
		if err := json.Unmarshal([]byte(sv.Value), &e); err != nil {
			return nil, fmt.Errorf("decode digest entry %q of %s: %w", k, digestID, err)
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b notify.DigestEntry) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return entries, nil
}
