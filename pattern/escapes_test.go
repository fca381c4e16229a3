package pattern_test

import (
	"testing"

	"github.com/doctales/doctales/pattern"
)

// TestMatch_EscapesAndLookalikes checks values written with escapes, keys
// named like the value, and the value in other places: they match exactly
// as a full decode says. (They were the cases of a byte-level prefilter,
// which the flattening scanner made unnecessary.)
func TestMatch_EscapesAndLookalikes(t *testing.T) {
	p := pattern.MustCompile(`{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high"]}}}}}}`)
	for _, tt := range []struct {
		event string
		want  bool
	}{
		{`{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":"high"}}}}}}`, true},
		{`{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":"medium"}}}}}}`, false},
		// Escaped: the raw bytes lack "high", the value is still high.
		{`{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":"\u0068igh"}}}}}}`, true},
		// "high" elsewhere does not make it match.
		{`{"dynamodb":{"NewImage":{"subject":{"S":"high"},"metadata":{"M":{"urgency":{"S":"low"}}}}}}`, false},
		{`{"high":1}`, false},
	} {
		got, err := p.Match([]byte(tt.event))
		if err != nil || got != tt.want {
			t.Errorf("Match(%s) = %v, %v; want %v", tt.event, got, err, tt.want)
		}
		set, _ := pattern.NewSet(p.String())
		if got, err := set.Match([]byte(tt.event)); err != nil || got != tt.want {
			t.Errorf("Set.Match(%s) = %v, %v; want %v", tt.event, got, err, tt.want)
		}
	}
	// Invalid JSON is an error, even when the value is not in it.
	if _, err := p.Match([]byte(`{"urgency":`)); err == nil {
		t.Error("invalid JSON without the literal gave no error")
	}
}
