package dynamodb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doctales/doctales"
	dtddb "github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/internal/testutil"
	dts3 "github.com/doctales/doctales/s3"
)

// hugeDimensions returns dimensions of about n bytes of entities, past
// the caps' reach: what a dense document could still give.
func hugeDimensions(n int) *doctales.Dimensions {
	d := &doctales.Dimensions{Urgency: doctales.UrgencyHigh, Entities: []doctales.Entity{}, KeyPhrases: []doctales.KeyPhrase{}, PII: []doctales.PIIEntity{}, Dates: []doctales.DateMention{}}
	for i := 0; i*120 < n; i++ {
		d.Entities = append(d.Entities, doctales.Entity{Text: fmt.Sprintf("Organisation number %06d of the consolidated annual register", i), Type: "ORGANIZATION", Score: 0.91, BeginOffset: i * 70, EndOffset: i*70 + 60})
	}
	return d
}

// TestTable_DimensionsOverflow (issue 16, item 3), on dynalite and
// s3rver: an item whose dimensions would pass DynamoDB's 400 KB keeps
// them in an object beside its communication's and a pointer in the
// table; GetItem and FindItems give them back whole; a later update that
// makes them small stores them in the item again. Without an Overflow
// store the same update is ETOOLARGE, as before.
func TestTable_DimensionsOverflow(t *testing.T) {
	ctx := doctales.WithOwner(context.Background(), "ana")
	s3c := s3.NewFromConfig(testutil.AWSConfig(testutil.S3Endpoint(t)), func(o *s3.Options) { o.UsePathStyle = true })
	bucket := fmt.Sprintf("doctales-overflow-%d", time.Now().UnixNano())
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	store := dts3.NewStore(s3c, bucket)
	tbl := MustOpenTable(t)
	tbl.Overflow = store

	it := newItem("dense-1", 1, "p", "s1")
	it.Owner = "ana"
	it.S3Key = "users/ana/document/2025/06/10/dense-1.json"
	if _, _, err := tbl.CreateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	dims := hugeDimensions(600 << 10)
	status := doctales.StatusExtracted
	if _, err := tbl.UpdateItem(ctx, "dense-1", doctales.ItemUpdate{Status: &status, Dimensions: dims}); err != nil {
		t.Fatalf("update with %d entities: %v", len(dims.Entities), err)
	}

	// The table holds a pointer, the bucket the dimensions.
	raw, err := MustClient(t).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tbl.Name()), Key: map[string]dtypes{
		"PK": sv(doctales.PartitionFor("ana")), "SK": sv(doctales.SortPrefix + "dense-1")}})
	if err != nil {
		t.Fatal(err)
	}
	key := "users/ana/document/2025/06/10/dense-1" + dtddb.DimensionsSuffix
	if _, ok := raw.Item["dimensions"]; ok || fmt.Sprint(raw.Item[dtddb.AttrDimensionsKey]) != fmt.Sprint(sv(key)) {
		t.Fatalf("stored item: dimensions inline %v, pointer %v; want a pointer to %s", raw.Item["dimensions"] != nil, raw.Item[dtddb.AttrDimensionsKey], key)
	}
	if n := dtddb.ItemSize(raw.Item); n > dtddb.DefaultMaxItemBytes {
		t.Errorf("stored item is %d bytes", n)
	}
	obj, _, err := store.Get(ctx, key)
	if err != nil || len(obj) < 400<<10 {
		t.Fatalf("dimensions object: %d bytes, %v", len(obj), err)
	}

	// Reads resolve it.
	want, _ := json.Marshal(dims)
	got, err := tbl.GetItem(ctx, "dense-1")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(got.Dimensions); string(b) != string(want) || got.Status != status {
		t.Errorf("GetItem: %d entities, status %s", len(got.Dimensions.Entities), got.Status)
	}
	items, _, err := tbl.FindItems(ctx, doctales.ItemFilter{})
	if err != nil || len(items) != 1 || items[0].Dimensions == nil || !reflect.DeepEqual(items[0].Dimensions.Entities, got.Dimensions.Entities) {
		t.Fatalf("FindItems: %d items, %v", len(items), err)
	}
	project := "p"
	if items, _, err := tbl.FindItems(ctx, doctales.ItemFilter{Project: &project}); err != nil || len(items) != 1 || items[0].Dimensions == nil {
		t.Errorf("FindItems by project: %d items, %v", len(items), err)
	}

	// Creating it again (a replayed ingestion) answers the existing item,
	// pointer resolved.
	if old, created, err := tbl.CreateItem(ctx, it); err != nil || created || old.Dimensions == nil || len(old.Dimensions.Entities) != len(dims.Entities) {
		t.Errorf("CreateItem again: created %v, %v", created, err)
	}

	// An update that does not touch the dimensions keeps them.
	read := doctales.ChangeRead
	if _, err := tbl.UpdateItem(ctx, "dense-1", doctales.ItemUpdate{State: &doctales.StateChange{State: read}}); err != nil {
		t.Fatal(err)
	}
	if got, err := tbl.GetItem(ctx, "dense-1"); err != nil || got.Dimensions == nil || len(got.Dimensions.Entities) != len(dims.Entities) || !got.Metadata.Read {
		t.Errorf("after a state change: %v", err)
	}

	// Small again: back in the item, no pointer.
	small := &doctales.Dimensions{Urgency: doctales.UrgencyLow, Entities: []doctales.Entity{{Text: "Acme", Type: "ORGANIZATION", Score: 0.9}}}
	if _, err := tbl.UpdateItem(ctx, "dense-1", doctales.ItemUpdate{Dimensions: small}); err != nil {
		t.Fatal(err)
	}
	raw, _ = MustClient(t).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tbl.Name()), Key: map[string]dtypes{
		"PK": sv(doctales.PartitionFor("ana")), "SK": sv(doctales.SortPrefix + "dense-1")}})
	if _, ok := raw.Item[dtddb.AttrDimensionsKey]; ok || raw.Item["dimensions"] == nil {
		t.Errorf("small dimensions are not inline again: %v", raw.Item[dtddb.AttrDimensionsKey])
	}

	// Without an object store the item is too large for DynamoDB.
	plain := dtddb.NewTable(MustClient(t), tbl.Name())
	it2 := newItem("dense-2", 2, "p", "s1")
	if _, _, err := plain.CreateItem(ctx, it2); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.UpdateItem(ctx, "dense-2", doctales.ItemUpdate{Dimensions: dims}); doctales.ErrorCode(err) != doctales.ETOOLARGE {
		t.Errorf("without Overflow: %v, want ETOOLARGE", err)
	}
	// And it cannot read a pointer: an error naming the object, never an
	// item silently without dimensions.
	if _, err := tbl.UpdateItem(ctx, "dense-1", doctales.ItemUpdate{Dimensions: dims}); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.GetItem(ctx, "dense-1"); err == nil || !strings.Contains(err.Error(), key) {
		t.Errorf("a pointer read without Overflow: %v, want an error naming %s", err, key)
	}
}

type dtypes = types.AttributeValue

func sv(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

// TestItemSize_Limit: ItemSize counts as DynamoDB does (here, dynalite):
// an item of exactly DynamoDBMaxItemBytes by ItemSize is stored, one byte
// more is refused; nested maps and lists included.
func TestItemSize_Limit(t *testing.T) {
	ctx := context.Background()
	tbl := MustOpenTable(t)
	c := MustClient(t)
	item := func(n int) map[string]types.AttributeValue {
		av := map[string]types.AttributeValue{
			"PK": sv("COMM"), "SK": sv("COMM#size"),
			"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{sv("abc"), &types.AttributeValueMemberN{Value: "12345"}, &types.AttributeValueMemberBOOL{Value: true}}},
			}},
		}
		av["pad"] = sv(strings.Repeat("x", n-dtddb.ItemSize(av)-len("pad")))
		return av
	}
	if av := item(dtddb.DynamoDBMaxItemBytes); dtddb.ItemSize(av) != dtddb.DynamoDBMaxItemBytes {
		t.Fatalf("ItemSize = %d", dtddb.ItemSize(av))
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl.Name()), Item: item(dtddb.DynamoDBMaxItemBytes)}); err != nil {
		t.Errorf("an item of %d bytes by ItemSize: %v", dtddb.DynamoDBMaxItemBytes, err)
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl.Name()), Item: item(dtddb.DynamoDBMaxItemBytes + 1)}); err == nil {
		t.Errorf("an item of %d bytes by ItemSize was stored", dtddb.DynamoDBMaxItemBytes+1)
	}
}
