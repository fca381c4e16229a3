package dynamodb

import (
	"context"

	"github.com/doctales/doctales"
)

// People's notification rules (issue 13) are not stored on DynamoDB yet.
// The embedded table keeps them as items of the owner's partition (SK
// "RULE#<id>") and the notification function reads them through with an
// in-process version counter, which the serving process's exclusive hold
// on its data folder makes exact. On AWS several Lambda instances would
// need a shared version (an item read per batch) and the event source
// mapping's filter would have to be widened to every rule's pattern; until
// that is built, every rule call answers ENOTIMPLEMENTED (501 at the API)
// saying so, and the notification function keeps its one built-in rule.

var _ doctales.RuleStore = (*Table)(nil)

// errRules is the answer of every rule call.
func errRules() error {
	return doctales.Errorf(doctales.ENOTIMPLEMENTED,
		"Rules are not supported on DynamoDB yet: the notification function on AWS applies the built-in rule (urgency high, to every subscriber). Use the embedded server (doctales serve) for rules.")
}

// Rules answers ENOTIMPLEMENTED: see the note above.
func (t *Table) Rules(ctx context.Context, owner string) ([]*doctales.Rule, error) {
	return nil, errRules()
}

// AllRules answers ENOTIMPLEMENTED.
func (t *Table) AllRules(ctx context.Context) ([]*doctales.Rule, error) {
	return nil, errRules()
}

// PutRule answers ENOTIMPLEMENTED.
func (t *Table) PutRule(ctx context.Context, r *doctales.Rule) (bool, error) {
	return false, errRules()
}

// DeleteRule answers ENOTIMPLEMENTED.
func (t *Table) DeleteRule(ctx context.Context, owner, id string) error {
	return errRules()
}

// RulesVersion is always 0: there are no stored rules.
func (t *Table) RulesVersion() int64 { return 0 }
