package dynamodb

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/doctales/doctales"
)

// Dimensions too large for an item (issue 16, item 3). Extraction caps
// entities and key phrases (Dimensions.EntitiesTruncated,
// KeyPhrasesTruncated), but a dense document can still give an item over
// DynamoDB's 400 KB limit, which used to fail the extraction and leave the
// item "accepted". With Table.Overflow set, such an item keeps its
// dimensions in an object beside its communication's and a pointer in the
// table; every read resolves it.

const (
	// DynamoDBMaxItemBytes is DynamoDB's item size limit: 400 KB.
	DynamoDBMaxItemBytes = 400 << 10
	// DefaultMaxItemBytes is the item size above which the dimensions move
	// to an object: below DynamoDBMaxItemBytes by a margin for what
	// ItemSize does not count exactly.
	DefaultMaxItemBytes = 350 << 10
	// AttrDimensionsKey is the attribute that holds the key of an item's
	// dimensions object in place of the "dimensions" attribute.
	AttrDimensionsKey = "dimensionsKey"
	// DimensionsSuffix ends a dimensions object's key: the communication's
	// key with ".json" replaced, "<type>/<yyyy>/<mm>/<dd>/<id>.dimensions".
	// It holds JSON but does not end in ".json", so the bucket's
	// notification does not start an extraction for it; it is one of the
	// communication's objects, so DELETE /communications/{id} removes it.
	DimensionsSuffix = ".dimensions"
)

// dimensionsKey returns the object key of it's dimensions.
func dimensionsKey(it *doctales.Item) string {
	if it.S3Key != "" {
		return strings.TrimSuffix(it.S3Key, ".json") + DimensionsSuffix
	}
	return "dimensions/" + doctales.OwnerOf(it.Owner) + "/" + it.ID + DimensionsSuffix
}

func (t *Table) maxItemBytes() int {
	if t.MaxItemBytes > 0 {
		return t.MaxItemBytes
	}
	return DefaultMaxItemBytes
}

// marshal returns the DynamoDB item of it at revision rev. When it is
// larger than MaxItemBytes and Overflow is set, its dimensions are put in
// their object first and the item holds AttrDimensionsKey instead, so
// the pointer never names an object that is not there.
func (t *Table) marshal(ctx context.Context, it *doctales.Item, rev int64) (map[string]types.AttributeValue, error) {
	av, err := marshalItem(ctx, it, rev)
	if err != nil || t.Overflow == nil || it.Dimensions == nil || ItemSize(av) <= t.maxItemBytes() {
		return av, err
	}
	data, err := json.Marshal(it.Dimensions)
	if err != nil {
		return nil, err
	}
	key := dimensionsKey(it)
	if _, err := t.Overflow.Put(ctx, key, data, "application/json"); err != nil {
		return nil, fmt.Errorf("put dimensions of item %q (%d bytes, over %d) in object %q: %w", it.ID, ItemSize(av), t.maxItemBytes(), key, err)
	}
	small := *it
	small.Dimensions = nil
	if av, err = marshalItem(ctx, &small, rev); err != nil {
		return nil, err
	}
	av[AttrDimensionsKey] = &types.AttributeValueMemberS{Value: key}
	return av, nil
}

// unmarshal reads an item and its revision back, resolving a dimensions
// pointer. A pointer without an Overflow store, or to an object that is
// missing or not JSON, is an error naming the item and the key: the item
// would otherwise read as if it had no dimensions.
func (t *Table) unmarshal(ctx context.Context, av map[string]types.AttributeValue) (*doctales.Item, int64, error) {
	it, rev, err := unmarshalItem(av)
	if err != nil {
		return nil, 0, err
	}
	ref, ok := av[AttrDimensionsKey].(*types.AttributeValueMemberS)
	if !ok {
		return it, rev, nil
	}
	if t.Overflow == nil {
		return nil, 0, fmt.Errorf("item %q keeps its dimensions in object %q, and this table has no object store (Table.Overflow)", it.ID, ref.Value)
	}
	data, _, err := t.Overflow.Get(ctx, ref.Value)
	if err != nil {
		return nil, 0, fmt.Errorf("dimensions of item %q in object %q: %w", it.ID, ref.Value, err)
	}
	var d doctales.Dimensions
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, 0, fmt.Errorf("dimensions of item %q in object %q: %w", it.ID, ref.Value, err)
	}
	it.Dimensions = &d
	return it, rev, nil
}

// ItemSize returns the size DynamoDB counts for item av: the UTF-8 bytes
// of each attribute name plus its value's, where a string counts its
// bytes, a number about one byte per two digits plus one, a boolean or
// null one byte, and a list or map 3 bytes plus 1 per element and its
// elements (names included). ("Item sizes and formats", DynamoDB
// Developer Guide.)
func ItemSize(av map[string]types.AttributeValue) int {
	n := 0
	for k, v := range av {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return (len(v.Value)+1)/2 + 1
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += (len(s)+1)/2 + 1
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range v.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}
