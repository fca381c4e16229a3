package dynamodb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/dynamodb"
)

// TestTable_RulesNotSupported: every rule call on DynamoDB answers
// ENOTIMPLEMENTED, saying that rules are not supported there yet.
func TestTable_RulesNotSupported(t *testing.T) {
	var tb dynamodb.Table
	ctx := context.Background()
	_, err1 := tb.Rules(ctx, "ann")
	_, err2 := tb.AllRules(ctx)
	_, err3 := tb.PutRule(ctx, doctales.DefaultRule("ann"))
	err4 := tb.DeleteRule(ctx, "ann", "x")
	for i, err := range []error{err1, err2, err3, err4} {
		if doctales.ErrorCode(err) != doctales.ENOTIMPLEMENTED || !strings.Contains(doctales.ErrorMessage(err), "not supported on DynamoDB") {
			t.Errorf("call %d: %v, want ENOTIMPLEMENTED saying rules are not supported on DynamoDB", i+1, err)
		}
	}
}
