package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/doctales/doctales"
)

// Attributes and index of the connections table (issue 16: live updates on
// AWS through an API Gateway WebSocket API).
const (
	// AttrConnID is the table's key: a WebSocket connection id as API
	// Gateway gives it, or TicketKeyPrefix and the SHA-256 of a ticket.
	AttrConnID = "id"
	// AttrConnOwner is the owner of a connection, and the key of
	// IndexConnOwner. Only connection rows carry it (a ticket's owner is
	// AttrTicketOwner), so the index is sparse: tickets never appear in an
	// owner's connections.
	AttrConnOwner = "connOwner"
	// AttrTicketOwner is the user a ticket was issued to.
	AttrTicketOwner = "ticketOwner"
	// AttrConnEvents is the event names a connection asked for, a string
	// set; absent means all.
	AttrConnEvents = "events"
	// AttrConnectedAt is when the connection was accepted (RFC 3339).
	AttrConnectedAt = "connectedAt"

	// IndexConnOwner is the connections table's index by owner.
	IndexConnOwner = "owner"

	// TicketKeyPrefix starts the key of a ticket row. API Gateway's
	// connection ids are base64 and never contain '#'.
	TicketKeyPrefix = "ticket#"
)

// Connections is the connections table of the WebSocket API: one row per
// open connection, keyed by its id, with its owner (indexed, so the stream
// consumer finds an owner's connections with one Query) and an expiresAt
// time to live; and one row per unused connection ticket, keyed by the
// ticket's hash. See ConnectionsDefinition. Safe for concurrent use.
//
// Reads by owner go through a global secondary index and are eventually
// consistent: a connection accepted a moment ago may miss the events of
// that moment, as an SSE client that connects a moment late does.
type Connections struct {
	client *dynamodb.Client
	name   string

	// Now is the clock that expires rows before DynamoDB's time to live
	// deletes them (which may take days). Default time.Now.
	Now func() time.Time
}

// NewConnections returns the connections table name through client.
func NewConnections(client *dynamodb.Client, name string) *Connections {
	return &Connections{client: client, name: name, Now: time.Now}
}

// ConnectionsDefinition returns the connections table: on-demand, keyed by
// id, with the sparse index IndexConnOwner (connOwner, id; projection
// ALL). The SAM template declares the same table, with a time to live on
// expiresAt; its test compares the two.
func ConnectionsDefinition(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(AttrConnID), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrConnOwner), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrConnID), KeyType: types.KeyTypeHash},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(IndexConnOwner),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(AttrConnOwner), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(AttrConnID), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	}
}

// CreateTable creates the connections table (ConnectionsDefinition) and
// waits until it is active; for tests and local servers.
func (c *Connections) CreateTable(ctx context.Context) error {
	return createTable(ctx, c.client, ConnectionsDefinition(c.name))
}

// PutConnection stores conn, replacing a row with its id. An empty ID or
// Owner, or an id with '#', is EINVALID.
func (c *Connections) PutConnection(ctx context.Context, conn *doctales.LiveConnection) error {
	switch {
	case conn == nil || conn.ID == "":
		return doctales.FieldErrorf(doctales.EINVALID, "connectionId", "Connection id required.")
	case strings.Contains(conn.ID, "#"):
		return doctales.FieldErrorf(doctales.EINVALID, "connectionId", "Connection id %q must not contain '#'.", conn.ID)
	case conn.Owner == "":
		return doctales.FieldErrorf(doctales.EINVALID, "owner", "Connection %q needs an owner.", conn.ID)
	}
	item := map[string]types.AttributeValue{
		AttrConnID:      &types.AttributeValueMemberS{Value: conn.ID},
		AttrConnOwner:   &types.AttributeValueMemberS{Value: conn.Owner},
		AttrConnectedAt: &types.AttributeValueMemberS{Value: conn.ConnectedAt.UTC().Format(time.RFC3339Nano)},
		AttrExpiresAt:   &types.AttributeValueMemberN{Value: strconv.FormatInt(conn.ExpiresAt.Unix(), 10)},
	}
	if len(conn.Events) > 0 {
		item[AttrConnEvents] = &types.AttributeValueMemberSS{Value: conn.Events}
	}
	if _, err := c.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &c.name, Item: item}); err != nil {
		return fmt.Errorf("put connection %q: %w", conn.ID, formatError(err))
	}
	return nil
}

// DeleteConnection removes the connection id; an unknown id is not an
// error ($disconnect and a 410 from PostToConnection may both remove it).
func (c *Connections) DeleteConnection(ctx context.Context, id string) error {
	if id == "" || strings.HasPrefix(id, TicketKeyPrefix) {
		return doctales.FieldErrorf(doctales.EINVALID, "connectionId", "Connection id %q is not a connection's.", id)
	}
	_, err := c.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &c.name,
		Key:       map[string]types.AttributeValue{AttrConnID: &types.AttributeValueMemberS{Value: id}},
	})
	if err != nil {
		return fmt.Errorf("delete connection %q: %w", id, formatError(err))
	}
	return nil
}

// Connections returns owner's open connections, all pages of the owner
// index, leaving out those past their ExpiresAt.
func (c *Connections) Connections(ctx context.Context, owner string) ([]*doctales.LiveConnection, error) {
	if owner == "" {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "owner", "Owner required.")
	}
	now := c.now()
	var conns []*doctales.LiveConnection
	p := dynamodb.NewQueryPaginator(c.client, &dynamodb.QueryInput{
		TableName:                 &c.name,
		IndexName:                 aws.String(IndexConnOwner),
		KeyConditionExpression:    aws.String("#o = :o"),
		ExpressionAttributeNames:  map[string]string{"#o": AttrConnOwner},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": &types.AttributeValueMemberS{Value: owner}},
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("connections of %q: %w", owner, formatError(err))
		}
		for _, it := range out.Items {
			conn := &doctales.LiveConnection{
				ID:        stringAttr(it, AttrConnID),
				Owner:     stringAttr(it, AttrConnOwner),
				ExpiresAt: time.Unix(numberAttr(it, AttrExpiresAt), 0).UTC(),
			}
			if !now.Before(conn.ExpiresAt) {
				continue // API Gateway has closed it; the time to live will delete it
			}
			if ss, ok := it[AttrConnEvents].(*types.AttributeValueMemberSS); ok {
				conn.Events = ss.Value
			}
			conn.ConnectedAt, _ = time.Parse(time.RFC3339Nano, stringAttr(it, AttrConnectedAt))
			conns = append(conns, conn)
		}
	}
	return conns, nil
}

// PutTicket stores a connection ticket: hash (the ticket's SHA-256, never
// the ticket itself, so that reading the table yields no usable ticket)
// for owner, valid until expires. An empty hash or owner is EINVALID.
func (c *Connections) PutTicket(ctx context.Context, hash, owner string, expires time.Time) error {
	if hash == "" || owner == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "ticket", "A ticket needs a hash and an owner.")
	}
	_, err := c.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &c.name,
		Item: map[string]types.AttributeValue{
			AttrConnID:      &types.AttributeValueMemberS{Value: TicketKeyPrefix + hash},
			AttrTicketOwner: &types.AttributeValueMemberS{Value: owner},
			AttrExpiresAt:   &types.AttributeValueMemberN{Value: strconv.FormatInt(expires.Unix(), 10)},
		},
		// A hash of 256 random bits never repeats; should it, the first
		// ticket stays its owner's.
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": AttrConnID},
	})
	if err != nil {
		return fmt.Errorf("put ticket: %w", formatError(err))
	}
	return nil
}

// TakeTicket uses up the ticket whose SHA-256 is hash and returns its
// owner: one conditional delete, so a ticket opens one connection at most
// even when two $connect requests race. An unknown, used or expired
// ticket is EUNAUTHORIZED.
func (c *Connections) TakeTicket(ctx context.Context, hash string) (string, error) {
	refused := doctales.FieldErrorf(doctales.EUNAUTHORIZED, "ticket", "The ticket is unknown, used or expired.")
	if hash == "" {
		return "", refused
	}
	out, err := c.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                &c.name,
		Key:                      map[string]types.AttributeValue{AttrConnID: &types.AttributeValueMemberS{Value: TicketKeyPrefix + hash}},
		ConditionExpression:      aws.String("attribute_exists(#id) AND #exp > :now"),
		ExpressionAttributeNames: map[string]string{"#id": AttrConnID, "#exp": AttrExpiresAt},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(c.now().Unix(), 10)},
		},
		ReturnValues: types.ReturnValueAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return "", refused
	case err != nil:
		return "", fmt.Errorf("take ticket: %w", formatError(err))
	}
	owner := stringAttr(out.Attributes, AttrTicketOwner)
	if owner == "" {
		return "", refused
	}
	return owner, nil
}

func (c *Connections) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
