package dynamodb

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/doctales/doctales"
)

// Profiles is the user profiles table of the original system
// (`${AppName}-user-profiles-${Env}`, partition key PK = "USER#<id>"): the
// dashboard's archetype and preferences, served by GET and PUT
// /user-profile on AWS as on the embedded server.
type Profiles struct {
	client *dynamodb.Client
	name   string
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// NewProfiles returns the profiles table name, reached through client.
func NewProfiles(client *dynamodb.Client, name string) *Profiles {
	return &Profiles{client: client, name: name}
}

// CreateTable creates the profiles table (PK only, on demand) and waits
// until it is active; for tests and local emulators.
func (p *Profiles) CreateTable(ctx context.Context) error {
	c := p.client
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            &p.name,
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(AttrPK), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(AttrPK), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		return fmt.Errorf("create table %q: %w", p.name, formatError(err))
	}
	return dynamodb.NewTableExistsWaiter(c).Wait(ctx, &dynamodb.DescribeTableInput{TableName: &p.name}, 2*time.Minute)
}

func profileKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: &types.AttributeValueMemberS{Value: doctales.UserPartitionPrefix + id}}
}

// UserProfile returns the stored profile, or ENOTFOUND.
func (p *Profiles) UserProfile(ctx context.Context, id string) (*doctales.UserProfile, error) {
	out, err := p.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &p.name, Key: profileKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("get user profile %q: %w", id, formatError(err))
	}
	if len(out.Item) == 0 {
		return nil, doctales.Errorf(doctales.ENOTFOUND, "No profile for user %q.", id)
	}
	prof := &doctales.UserProfile{ID: id}
	if v, ok := out.Item["primaryArchetype"].(*types.AttributeValueMemberS); ok {
		prof.PrimaryArchetype = v.Value
	}
	if v, ok := out.Item["archetypeConfidence"].(*types.AttributeValueMemberS); ok {
		if err := json.Unmarshal([]byte(v.Value), &prof.ArchetypeConfidence); err != nil {
			return nil, fmt.Errorf("get user profile %q: archetypeConfidence: %w", id, err)
		}
	}
	if v, ok := out.Item["preferences"].(*types.AttributeValueMemberS); ok {
		prof.Preferences = json.RawMessage(v.Value)
	}
	if v, ok := out.Item["updatedAt"].(*types.AttributeValueMemberS); ok {
		if t, err := time.Parse(time.RFC3339Nano, v.Value); err == nil {
			prof.UpdatedAt = &t
		}
	}
	return prof, nil
}

// PutUserProfile stores prof; a nil ArchetypeConfidence or empty
// Preferences keeps the stored value (or the default for a new profile).
func (p *Profiles) PutUserProfile(ctx context.Context, prof *doctales.UserProfile) error {
	if prof == nil {
		return doctales.Errorf(doctales.EINVALID, "User profile required.")
	}
	if err := prof.Validate(); err != nil {
		return err
	}
	merged := *prof
	if merged.ArchetypeConfidence == nil || len(merged.Preferences) == 0 {
		old, err := p.UserProfile(ctx, prof.ID)
		if doctales.ErrorCode(err) == doctales.ENOTFOUND {
			old, err = doctales.DefaultUserProfile(prof.ID), nil
		}
		if err != nil {
			return err
		}
		if merged.ArchetypeConfidence == nil {
			merged.ArchetypeConfidence = old.ArchetypeConfidence
		}
		if len(merged.Preferences) == 0 {
			merged.Preferences = old.Preferences
		}
	}
	conf, err := json.Marshal(merged.ArchetypeConfidence)
	if err != nil {
		return fmt.Errorf("put user profile %q: %w", prof.ID, err)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	item := profileKey(prof.ID)
	item["id"] = &types.AttributeValueMemberS{Value: prof.ID}
	item["primaryArchetype"] = &types.AttributeValueMemberS{Value: merged.PrimaryArchetype}
	item["archetypeConfidence"] = &types.AttributeValueMemberS{Value: string(conf)}
	item["preferences"] = &types.AttributeValueMemberS{Value: string(merged.Preferences)}
	item["updatedAt"] = &types.AttributeValueMemberS{Value: now().UTC().Format(time.RFC3339Nano)}
	if _, err := p.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &p.name, Item: item}); err != nil {
		return fmt.Errorf("put user profile %q: %w", prof.ID, formatError(err))
	}
	return nil
}
