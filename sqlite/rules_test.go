package sqlite_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
)

// TestRules checks the rule store: the built-in default rule is there
// before anything is stored, a put creates then replaces, the default rule
// is editable but not deletable, and each write appends a stream record
// with the rule's keys, so the change travels like any item's.
func TestRules(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)

	rules, err := db.Rules(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 1 || rules[0].ID != doctales.DefaultRuleID || !rules[0].Enabled || !rules[0].Default {
		t.Fatalf("rules of a new user = %+v, want the default rule alone", rules)
	}
	v0 := db.RulesVersion()

	r := &doctales.Rule{ID: "boss", Owner: "ann", Name: "Boss", Order: -1, Enabled: true,
		Pattern: json.RawMessage(`{"dynamodb":{"NewImage":{"sender":{"S":["Boss"]}}}}`), Targets: []string{"log"}}
	if created, err := db.PutRule(ctx, r); err != nil || !created {
		t.Fatalf("PutRule = %v, %v; want created", created, err)
	}
	if db.RulesVersion() == v0 {
		t.Error("RulesVersion did not move after a put")
	}
	r.Name = "The boss"
	if created, err := db.PutRule(ctx, r); err != nil || created {
		t.Fatalf("second PutRule = %v, %v; want replaced", created, err)
	}
	def := doctales.DefaultRule("ann")
	def.Enabled = false
	if _, err := db.PutRule(ctx, def); err != nil {
		t.Fatal(err)
	}
	rules, _ = db.Rules(ctx, "ann")
	if len(rules) != 2 || rules[0].ID != "boss" || rules[0].Name != "The boss" || rules[1].ID != "default" || rules[1].Enabled {
		t.Fatalf("rules = %+v, want boss (renamed) first, then the disabled default", rules)
	}
	if other, _ := db.Rules(ctx, "bob"); len(other) != 1 || !other[0].Enabled {
		t.Errorf("bob's rules = %+v, want his own enabled default", other)
	}
	if all, _ := db.AllRules(ctx); len(all) != 2 {
		t.Errorf("AllRules = %d rules, want 2", len(all))
	}

	if err := db.DeleteRule(ctx, "ann", "default"); doctales.ErrorCode(err) != doctales.EINVALID {
		t.Errorf("deleting the default rule = %v, want EINVALID", err)
	}
	if err := db.DeleteRule(ctx, "ann", "nope"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Errorf("deleting a missing rule = %v, want ENOTFOUND", err)
	}
	if err := db.DeleteRule(ctx, "ann", "boss"); err != nil {
		t.Fatal(err)
	}

	recs, err := db.ReadLog(ctx, doctales.SourceDynamoDB, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, rec := range recs {
		var er events.DynamoDBEventRecord
		if err := json.Unmarshal(rec.Data, &er); err != nil {
			t.Fatal(err)
		}
		if !doctales.IsRuleRecord(er.Change.Keys) {
			t.Errorf("record %d keys %v are not a rule's", rec.Seq, er.Change.Keys)
		}
		names = append(names, er.EventName)
		if er.EventName != "REMOVE" && er.Change.NewImage["pattern"].DataType() != events.DataTypeString {
			t.Errorf("record %d: pattern is not a string attribute", rec.Seq)
		}
	}
	if got := strings.Join(names, " "); got != "INSERT MODIFY MODIFY REMOVE" {
		t.Errorf("stream = %s, want INSERT MODIFY MODIFY REMOVE", got)
	}
}
