package doctales

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-lambda-go/events"
)

// Single-table keys of the original design: every communication lives in
// partition "COMM" under sort key "COMM#<id>"; GSI1 groups by project and GSI2
// by sender, both sorted by timestamp.
const (
	PartitionKey = "COMM"
	SortPrefix   = "COMM#"
	GSI1Prefix   = "PROJ#"
	GSI2Prefix   = "ENTITY#"
)

// UserPartitionPrefix starts the partition key of a user's items (the
// original's USER#<id> partition, issue 17).
const UserPartitionPrefix = "USER#"

// PartitionFor returns the partition key of owner's items: PartitionKey
// ("COMM") for DefaultUserID, so that the items of a single-user
// deployment stay where they were, else "USER#<owner>".
func PartitionFor(owner string) string {
	if owner == "" || owner == DefaultUserID {
		return PartitionKey
	}
	return UserPartitionPrefix + owner
}

// IndexScope returns what a user's GSI partition keys carry after their
// prefix, before the project or sender: "" for DefaultUserID, else
// "<owner>#", so that "PROJ#ana#taxes" holds only ana's communications.
func IndexScope(owner string) string {
	if owner == "" || owner == DefaultUserID {
		return ""
	}
	return owner + "#"
}

// Keys returns the item's primary key attributes (PK, SK) as DynamoDB
// attribute values, the dynamodb.Keys of its stream records. PK is the
// owner's partition (PartitionFor).
func (i *Item) Keys() map[string]events.DynamoDBAttributeValue {
	return map[string]events.DynamoDBAttributeValue{
		"PK": events.NewStringAttribute(PartitionFor(i.Owner)),
		"SK": events.NewStringAttribute(SortPrefix + i.ID),
	}
}

// Image returns the item as a DynamoDB item: its JSON attributes converted to
// attribute values, plus the single-table keys PK, SK, GSI1PK/SK and
// GSI2PK/SK. It is the NewImage or OldImage of the item's stream records.
func (i *Item) Image() (map[string]events.DynamoDBAttributeValue, error) {
	b, err := json.Marshal(i)
	if err != nil {
		return nil, fmt.Errorf("image of item %q: %w", i.ID, err)
	}
	return i.imageOfJSON(b)
}

// AppendImageJSON appends to dst the JSON of i's Image, byte for byte what
// json.Marshal gives for it, from b = json.Marshal(i) (as the table stores
// it), without building the image: the attributes are transcoded from b
// directly, keys sorted as encoding/json sorts a map's. It is the costly
// part of every INSERT stream record, so the ingest path uses it.
func (i *Item) AppendImageJSON(dst, b []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("image of item %q: %w", i.ID, err)
	}
	ts := i.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	for k, v := range map[string]string{
		"PK":     PartitionFor(i.Owner),
		"SK":     SortPrefix + i.ID,
		"GSI1PK": GSI1Prefix + IndexScope(i.Owner) + i.Project,
		"GSI1SK": ts,
		"GSI2PK": GSI2Prefix + IndexScope(i.Owner) + i.SenderID,
		"GSI2SK": ts,
	} {
		s, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		m[k] = s
	}
	dst, err := appendAttributeMap(dst, m)
	if err != nil {
		return nil, fmt.Errorf("image of item %q: %w", i.ID, err)
	}
	return dst, nil
}

// appendAttributeMap appends the attribute-value JSON of the object m, keys
// sorted.
func appendAttributeMap(dst []byte, m map[string]json.RawMessage) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for n, k := range keys {
		if n > 0 {
			dst = append(dst, ',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		dst = append(dst, kb...)
		dst = append(dst, ':')
		if dst, err = appendAttribute(dst, m[k]); err != nil {
			return nil, fmt.Errorf("attribute %q: %w", k, err)
		}
	}
	return append(dst, '}'), nil
}

// appendAttribute appends the attribute-value JSON of the JSON value v, as
// toAttributeValue and the attribute's MarshalJSON would write it.
func appendAttribute(dst []byte, v json.RawMessage) ([]byte, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return nil, errors.New("empty JSON value")
	}
	switch v[0] {
	case '"':
		dst = append(dst, `{"S":`...)
		return append(append(dst, v...), '}'), nil
	case 't', 'f':
		dst = append(dst, `{"BOOL":`...)
		return append(append(dst, v...), '}'), nil
	case 'n':
		return append(dst, `{"NULL":true}`...), nil
	case '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(v, &m); err != nil {
			return nil, err
		}
		dst = append(dst, `{"M":`...)
		dst, err := appendAttributeMap(dst, m)
		if err != nil {
			return nil, err
		}
		return append(dst, '}'), nil
	case '[':
		var l []json.RawMessage
		if err := json.Unmarshal(v, &l); err != nil {
			return nil, err
		}
		dst = append(dst, `{"L":[`...)
		for n, e := range l {
			if n > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendAttribute(dst, e); err != nil {
				return nil, fmt.Errorf("index %d: %w", n, err)
			}
		}
		return append(dst, "]}"...), nil
	}
	// A number: its literal, as json.Number keeps it.
	dst = append(dst, `{"N":"`...)
	return append(append(dst, v...), `"}`...), nil
}

// imageOfJSON is Image of b, the item's JSON (json.Marshal(i)).
func (i *Item) imageOfJSON(b []byte) (map[string]events.DynamoDBAttributeValue, error) {
	img, err := marshalMapJSON(b)
	if err != nil {
		return nil, fmt.Errorf("image of item %q: %w", i.ID, err)
	}
	ts := i.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	for k, v := range i.Keys() {
		img[k] = v
	}
	img["GSI1PK"] = events.NewStringAttribute(GSI1Prefix + IndexScope(i.Owner) + i.Project)
	img["GSI1SK"] = events.NewStringAttribute(ts)
	img["GSI2PK"] = events.NewStringAttribute(GSI2Prefix + IndexScope(i.Owner) + i.SenderID)
	img["GSI2SK"] = events.NewStringAttribute(ts)
	return img, nil
}

// ItemFromImage reads an item back from a stream image. Unknown attributes,
// such as the key attributes, are ignored.
func ItemFromImage(img map[string]events.DynamoDBAttributeValue) (*Item, error) {
	var item Item
	if err := UnmarshalMap(img, &item); err != nil {
		return nil, fmt.Errorf("item from image: %w", err)
	}
	return &item, nil
}

// MarshalMap converts v, which must marshal to a JSON object, to DynamoDB
// attribute values: strings to S, numbers to N, booleans to BOOL, null to
// NULL, arrays to L and objects to M.
func MarshalMap(v any) (map[string]events.DynamoDBAttributeValue, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return marshalMapJSON(b)
}

// marshalMapJSON is MarshalMap of the JSON object b.
func marshalMapJSON(b []byte) (map[string]events.DynamoDBAttributeValue, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("marshal map: value is not a JSON object: %w", err)
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, x := range m {
		av, err := toAttributeValue(x)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func toAttributeValue(x any) (events.DynamoDBAttributeValue, error) {
	switch x := x.(type) {
	case nil:
		return events.NewNullAttribute(), nil
	case string:
		return events.NewStringAttribute(x), nil
	case bool:
		return events.NewBooleanAttribute(x), nil
	case json.Number:
		return events.NewNumberAttribute(x.String()), nil
	case []any:
		l := make([]events.DynamoDBAttributeValue, len(x))
		for i, e := range x {
			av, err := toAttributeValue(e)
			if err != nil {
				return av, fmt.Errorf("index %d: %w", i, err)
			}
			l[i] = av
		}
		return events.NewListAttribute(l), nil
	case map[string]any:
		m := make(map[string]events.DynamoDBAttributeValue, len(x))
		for k, e := range x {
			av, err := toAttributeValue(e)
			if err != nil {
				return av, fmt.Errorf("attribute %q: %w", k, err)
			}
			m[k] = av
		}
		return events.NewMapAttribute(m), nil
	}
	return events.DynamoDBAttributeValue{}, fmt.Errorf("unsupported JSON value of type %T", x)
}

// UnmarshalMap converts DynamoDB attribute values back to plain JSON and
// decodes that into v. Sets become arrays, binary becomes base64 text.
func UnmarshalMap(img map[string]events.DynamoDBAttributeValue, v any) error {
	m := make(map[string]any, len(img))
	for k, av := range img {
		x, err := fromAttributeValue(av)
		if err != nil {
			return fmt.Errorf("attribute %q: %w", k, err)
		}
		m[k] = x
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// AttributeValueToJSON returns the plain JSON value of one attribute value.
func AttributeValueToJSON(av events.DynamoDBAttributeValue) (any, error) {
	return fromAttributeValue(av)
}

func fromAttributeValue(av events.DynamoDBAttributeValue) (any, error) {
	switch av.DataType() {
	case events.DataTypeNull:
		return nil, nil
	case events.DataTypeString:
		return av.String(), nil
	case events.DataTypeBoolean:
		return av.Boolean(), nil
	case events.DataTypeNumber:
		n := json.Number(av.Number())
		if _, err := n.Float64(); err != nil {
			return nil, fmt.Errorf("number %q: %w", av.Number(), err)
		}
		return n, nil
	case events.DataTypeBinary:
		return av.Binary(), nil
	case events.DataTypeStringSet:
		return av.StringSet(), nil
	case events.DataTypeNumberSet:
		ns := av.NumberSet()
		out := make([]json.Number, len(ns))
		for i, n := range ns {
			out[i] = json.Number(n)
		}
		return out, nil
	case events.DataTypeBinarySet:
		return av.BinarySet(), nil
	case events.DataTypeList:
		l := av.List()
		out := make([]any, len(l))
		for i, e := range l {
			x, err := fromAttributeValue(e)
			if err != nil {
				return nil, fmt.Errorf("index %d: %w", i, err)
			}
			out[i] = x
		}
		return out, nil
	case events.DataTypeMap:
		m := av.Map()
		out := make(map[string]any, len(m))
		for k, e := range m {
			x, err := fromAttributeValue(e)
			if err != nil {
				return nil, fmt.Errorf("attribute %q: %w", k, err)
			}
			out[k] = x
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown attribute value type %v", av.DataType())
}
