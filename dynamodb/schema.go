package dynamodb

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/doctales/doctales"
)

// Attribute and index names of the single-table design. PK, SK, GSI1 and
// GSI2 are the original system's; GSI3 is added here so that the unfiltered
// list can be read newest first (the base table sorts by id).
const (
	AttrPK     = "PK"
	AttrSK     = "SK"
	AttrGSI1PK = "GSI1PK"
	AttrGSI1SK = "GSI1SK"
	AttrGSI2PK = "GSI2PK"
	AttrGSI2SK = "GSI2SK"
	AttrGSI3PK = "GSI3PK"
	AttrGSI3SK = "GSI3SK"
	// AttrRevision counts the writes of an item; UpdateItem writes on
	// condition that it has not changed since the read (optimistic
	// locking). It is not part of doctales.Item.
	AttrRevision = "rev"
	// AttrTraceParent is the W3C traceparent of the work that last wrote
	// the item (the context's doctales.TraceParent: the ingestion's span,
	// then the extraction's), so that the stream record's NewImage carries
	// it to the notification function, whose span links to it (issue 16).
	// It is not part of doctales.Item, and an update that changes nothing
	// else does not write it.
	AttrTraceParent = "traceparent"

	IndexGSI1 = "GSI1" // by project: PROJ#<project>, timestamp
	IndexGSI2 = "GSI2" // by sender: ENTITY#<sender_id>, timestamp
	IndexGSI3 = "GSI3" // all communications: COMM, timestamp

	// AttrMessageID is the key of the notification ledger table.
	AttrMessageID = "messageId"
	// AttrExpiresAt is the ledger's time-to-live attribute (epoch seconds).
	AttrExpiresAt = "expiresAt"
)

// TableDefinition returns the communications table: on-demand, keyed by
// PK/SK, with GSI1, GSI2 and GSI3 (projection ALL) and a NEW_AND_OLD_IMAGES
// stream. The SAM template declares the same table; its test compares the
// two.
func TableDefinition(name string) *dynamodb.CreateTableInput {
	gsi := func(index, pk, sk string) types.GlobalSecondaryIndex {
		return types.GlobalSecondaryIndex{
			IndexName: aws.String(index),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}
	}
	var attrs []types.AttributeDefinition
	for _, a := range []string{AttrPK, AttrSK, AttrGSI1PK, AttrGSI1SK, AttrGSI2PK, AttrGSI2SK, AttrGSI3PK, AttrGSI3SK} {
		attrs = append(attrs, types.AttributeDefinition{AttributeName: aws.String(a), AttributeType: types.ScalarAttributeTypeS})
	}
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: attrs,
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrSK), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			gsi(IndexGSI1, AttrGSI1PK, AttrGSI1SK),
			gsi(IndexGSI2, AttrGSI2PK, AttrGSI2SK),
			gsi(IndexGSI3, AttrGSI3PK, AttrGSI3SK),
		},
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: types.StreamViewTypeNewAndOldImages,
		},
	}
}

// LedgerDefinition returns the notification ledger table: on-demand, keyed
// by messageId, with a time to live on expiresAt.
func LedgerDefinition(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(AttrMessageID), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrMessageID), KeyType: types.KeyTypeHash},
		},
	}
}

// indexKeys names the key attributes of each way of reading the table.
var indexKeys = map[string][2]string{
	"":        {AttrPK, AttrSK},
	IndexGSI1: {AttrGSI1PK, AttrGSI1SK},
	IndexGSI2: {AttrGSI2PK, AttrGSI2SK},
	IndexGSI3: {AttrGSI3PK, AttrGSI3SK},
}

// itemKey returns the primary key of owner's item with that id.
func itemKey(owner, id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: &types.AttributeValueMemberS{Value: doctales.PartitionFor(owner)},
		AttrSK: &types.AttributeValueMemberS{Value: doctales.SortPrefix + id},
	}
}
