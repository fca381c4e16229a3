package dynamodb_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/ruletest"
)

// TestTable_Rules runs the rule store contract on DynamoDB (the emulator).
func TestTable_Rules(t *testing.T) {
	ruletest.Run(t, func(t *testing.T) doctales.RuleStore { return MustOpenTable(t) })
}

// TestTable_RuleItems: a rule is an item of its owner's partition under
// "RULE#<id>" with its pattern as a string attribute, kept out of the
// communication lists, and RulesVersion moves with the clock's RulesTTL
// period as well as on a write (the staleness bound on Lambda).
func TestTable_RuleItems(t *testing.T) {
	ctx := context.Background()
	tbl := MustOpenTable(t)
	r := &doctales.Rule{ID: "boss", Owner: "ann", Name: "Boss", Enabled: true,
		Pattern: json.RawMessage(`{"dynamodb":{"NewImage":{"sender":{"S":["Boss"]}}}}`), Targets: []string{"email"}}
	if _, err := tbl.PutRule(ctx, r); err != nil {
		t.Fatal(err)
	}
	out, err := MustClient(t).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tbl.Name()), Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: doctales.PartitionFor("ann")},
		"SK": &types.AttributeValueMemberS{Value: "RULE#boss"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	p, ok := out.Item["pattern"].(*types.AttributeValueMemberS)
	if !ok || p.Value != string(r.Pattern) {
		t.Errorf("item pattern = %#v, want the pattern's JSON as a string", out.Item["pattern"])
	}
	if et, _ := out.Item["entityType"].(*types.AttributeValueMemberS); et == nil || et.Value != "rule" {
		t.Errorf("item entityType = %#v, want rule", out.Item["entityType"])
	}
	// A rule is not a communication.
	if _, _, err := tbl.CreateItem(ctx, newItem("c1", 0, "p", "s")); err != nil {
		t.Fatal(err)
	}
	items, _, err := tbl.FindItems(doctales.WithOwner(ctx, "ann"), doctales.ItemFilter{})
	if err != nil || len(items) != 0 {
		t.Errorf("ann's communications = %d, %v; want none (the rule is not one)", len(items), err)
	}
	items, _, err = tbl.FindItems(ctx, doctales.ItemFilter{})
	if err != nil || len(items) != 1 {
		t.Errorf("communications = %d, %v; want 1", len(items), err)
	}

	// The version moves with the TTL period.
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	tbl.Now = func() time.Time { return now }
	tbl.RulesTTL = 10 * time.Second
	v := tbl.RulesVersion()
	now = now.Add(9 * time.Second)
	if tbl.RulesVersion() != v {
		t.Error("RulesVersion moved within one RulesTTL period without a write")
	}
	now = now.Add(time.Second)
	if tbl.RulesVersion() == v {
		t.Error("RulesVersion did not move after RulesTTL")
	}
}
