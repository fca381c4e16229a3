// Package ruletest is the shared contract test of [doctales.RuleStore]:
// people's notification rules (issue 13) as every table adapter keeps them.
// Package sqlite's DB and package dynamodb's Table (against the emulator)
// run it.
package ruletest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/doctales/doctales"
)

// Run runs the contract on a fresh, empty store from newStore for each
// subtest. The subtests do not run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) doctales.RuleStore) {
	ctx := context.Background()
	rule := func(owner, id string, order int) *doctales.Rule {
		return &doctales.Rule{ID: id, Owner: owner, Name: "Rule " + id, Order: order, Enabled: true,
			Pattern: json.RawMessage(`{"dynamodb":{"NewImage":{"sender":{"S":["Boss"]}}}}`), Targets: []string{"log"}}
	}

	t.Run("Default", func(t *testing.T) {
		s := newStore(t)
		rules, err := s.Rules(ctx, "ann")
		if err != nil {
			t.Fatal(err)
		}
		if len(rules) != 1 || rules[0].ID != doctales.DefaultRuleID || !rules[0].Enabled || !rules[0].Default {
			t.Fatalf("rules of a new user = %+v, want the default rule alone", rules)
		}
		if all, err := s.AllRules(ctx); err != nil || len(all) != 0 {
			t.Fatalf("AllRules of an empty store = %d rules, %v; want none", len(all), err)
		}
	})

	t.Run("PutReplaceOrder", func(t *testing.T) {
		s := newStore(t)
		v0 := s.RulesVersion()
		r := rule("ann", "boss", -1)
		if created, err := s.PutRule(ctx, r); err != nil || !created {
			t.Fatalf("PutRule = %v, %v; want created", created, err)
		}
		if s.RulesVersion() == v0 {
			t.Error("RulesVersion did not move after a put")
		}
		created0 := r.CreatedAt
		if created0.IsZero() || r.UpdatedAt.IsZero() {
			t.Errorf("CreatedAt %v, UpdatedAt %v: want both set", r.CreatedAt, r.UpdatedAt)
		}
		r2 := rule("ann", "boss", -1)
		r2.Name = "The boss"
		r2.Pattern = json.RawMessage(`{"dynamodb":{"NewImage":{"project":{"S":["q3"]}}}}`)
		if created, err := s.PutRule(ctx, r2); err != nil || created {
			t.Fatalf("second PutRule = %v, %v; want replaced", created, err)
		}
		if !r2.CreatedAt.Equal(created0) {
			t.Errorf("CreatedAt after a replace = %v, want the first %v", r2.CreatedAt, created0)
		}
		if _, err := s.PutRule(ctx, rule("ann", "later", 5)); err != nil {
			t.Fatal(err)
		}
		def := doctales.DefaultRule("ann")
		def.Enabled = false
		if created, err := s.PutRule(ctx, def); err != nil || created {
			t.Fatalf("editing the default rule = %v, %v; want an edit (created false)", created, err)
		}
		rules, err := s.Rules(ctx, "ann")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rules {
			got = append(got, fmt.Sprintf("%s:%d:%v", r.ID, r.Order, r.Enabled))
		}
		if fmt.Sprint(got) != "[boss:-1:true default:0:false later:5:true]" {
			t.Fatalf("rules = %v, want boss, the disabled default, later (by order)", got)
		}
		if rules[0].Name != "The boss" || string(rules[0].Pattern) != `{"dynamodb":{"NewImage":{"project":{"S":["q3"]}}}}` || !rules[1].Default {
			t.Errorf("stored rules = %+v %+v, want the replaced name and pattern, the default marked", rules[0], rules[1])
		}
	})

	t.Run("Owners", func(t *testing.T) {
		s := newStore(t)
		for _, r := range []*doctales.Rule{rule("ann", "a", 0), rule("bob", "b", 0), rule("bob", "a", 1)} {
			if _, err := s.PutRule(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		ann, _ := s.Rules(ctx, "ann")
		bob, _ := s.Rules(ctx, "bob")
		if len(ann) != 2 || len(bob) != 3 {
			t.Fatalf("ann has %d rules, bob %d; want 2 and 3 (each with the default)", len(ann), len(bob))
		}
		for _, r := range bob {
			if r.Owner != "bob" && !r.Default {
				t.Errorf("bob's rules hold %+v", r)
			}
		}
		all, err := s.AllRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range all {
			got = append(got, r.Owner+"/"+r.ID)
		}
		if fmt.Sprint(got) != "[ann/a bob/b bob/a]" {
			t.Errorf("AllRules = %v, want [ann/a bob/b bob/a] (by owner, then order)", got)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.PutRule(ctx, rule("ann", "boss", 0)); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteRule(ctx, "ann", doctales.DefaultRuleID); doctales.ErrorCode(err) != doctales.EINVALID {
			t.Errorf("deleting the default rule = %v, want EINVALID", err)
		}
		if err := s.DeleteRule(ctx, "ann", "nope"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
			t.Errorf("deleting a missing rule = %v, want ENOTFOUND", err)
		}
		if err := s.DeleteRule(ctx, "bob", "boss"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
			t.Errorf("deleting ann's rule as bob = %v, want ENOTFOUND", err)
		}
		v := s.RulesVersion()
		if err := s.DeleteRule(ctx, "ann", "boss"); err != nil {
			t.Fatal(err)
		}
		if s.RulesVersion() == v {
			t.Error("RulesVersion did not move after a delete")
		}
		if rules, _ := s.Rules(ctx, "ann"); len(rules) != 1 {
			t.Errorf("rules after delete = %+v, want the default alone", rules)
		}
		if all, _ := s.AllRules(ctx); len(all) != 0 {
			t.Errorf("AllRules after delete = %+v, want none", all)
		}
	})

	t.Run("Limit", func(t *testing.T) {
		s := newStore(t)
		for i := range doctales.MaxRulesPerOwner {
			if _, err := s.PutRule(ctx, rule("ann", fmt.Sprintf("r%03d", i), i)); err != nil {
				t.Fatalf("rule %d: %v", i, err)
			}
		}
		_, err := s.PutRule(ctx, rule("ann", "one-more", 0))
		if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "id" {
			t.Errorf("rule %d = %v, want EINVALID on id naming the limit", doctales.MaxRulesPerOwner+1, err)
		}
		// Replacing one at the limit is no new rule.
		if _, err := s.PutRule(ctx, rule("ann", "r000", 0)); err != nil {
			t.Errorf("replacing a rule at the limit: %v", err)
		}
	})
}
