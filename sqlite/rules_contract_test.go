package sqlite_test

import (
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/ruletest"
)

// TestRules_Contract runs the rule store contract shared with the DynamoDB
// adapter.
func TestRules_Contract(t *testing.T) {
	ruletest.Run(t, func(t *testing.T) doctales.RuleStore { return MustOpenDB(t) })
}
