package pattern_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/doctales/doctales/pattern"
)

func TestMatcher(t *testing.T) {
	var m pattern.Matcher
	if ids, err := m.MatchesForEvent([]byte(`{"a": 1}`)); ids != nil || err != nil {
		t.Errorf("empty Matcher = %q, %v; want nil, nil", ids, err)
	}
	for _, p := range []struct{ id, text string }{
		{"urgent", urgencyPattern},
		{"inserts", `{"eventName": ["INSERT"]}`},
		{"email-keys", `{"dynamodb": {"NewImage": {"s3Key": {"S": [{"prefix": "email/"}]}}}}`},
		{"no-status", `{"dynamodb": {"NewImage": {"status": {"S": [{"exists": false}]}}}}`},
	} {
		if err := m.AddPattern(p.id, p.text); err != nil {
			t.Fatalf("AddPattern(%s): %v", p.id, err)
		}
	}
	if m.Len() != 4 {
		t.Errorf("Len = %d, want 4", m.Len())
	}

	for _, tc := range []struct {
		event string
		want  []string
	}{
		{`{"eventName": "INSERT", "dynamodb": {"NewImage": {"s3Key": {"S": "email/1.json"}, "metadata": {"M": {"urgency": {"S": "high"}}}}}}`,
			[]string{"urgent", "inserts", "email-keys", "no-status"}},
		{`{"eventName": "MODIFY", "dynamodb": {"NewImage": {"status": {"S": "done"}, "metadata": {"M": {"urgency": {"S": "high"}}}}}}`,
			[]string{"urgent"}},
		{`{"eventName": "REMOVE", "dynamodb": {"NewImage": {"status": {"S": "done"}}}}`, nil},
	} {
		got, err := m.MatchesForEvent([]byte(tc.event))
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("MatchesForEvent(%s) = %q, %v; want %q", tc.event, got, err, tc.want)
		}
	}

	if _, err := m.MatchesForEvent([]byte(`{"eventName": `)); !errors.Is(err, pattern.ErrInvalidEvent) {
		t.Errorf("truncated event: error %v, want ErrInvalidEvent", err)
	}
}

func TestMatcher_AddPatternErrors(t *testing.T) {
	var m pattern.Matcher
	if err := m.AddPattern("a", `{"x": ["1"]}`); err != nil {
		t.Fatal(err)
	}
	err := m.AddPattern("a", `{"y": ["2"]}`)
	if !errors.Is(err, pattern.ErrDuplicateID) || !strings.Contains(err.Error(), `"a"`) {
		t.Errorf("duplicate id: %v; want ErrDuplicateID naming \"a\"", err)
	}
	err = m.AddPattern("bad", `{"x": [{"anything-but": {"prefix": ["p", 3]}}]}`)
	var se *pattern.SyntaxError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), `id "bad"`) || se.Path != "x" {
		t.Errorf("invalid pattern: %v; want a *SyntaxError at x naming id \"bad\"", err)
	}
	if m.Len() != 1 {
		t.Errorf("Len = %d after failed adds, want 1", m.Len())
	}
}

// TestMatcher_Allocs checks that AppendMatches on a reused Flat allocates
// nothing.
func TestMatcher_Allocs(t *testing.T) {
	event := readEvent(t, "bench-modify-1k.json")
	var m pattern.Matcher
	for i, text := range mixedPatterns(100) {
		if err := m.AddPattern(strings.Repeat("p", 1+i%3)+string(rune('A'+i%26))+string(rune('0'+i/26)), text); err != nil {
			t.Fatal(err)
		}
	}
	var f pattern.Flat
	ids := make([]string, 0, m.Len())
	if n := testing.AllocsPerRun(50, func() {
		if err := f.Reset(event); err != nil {
			t.Fatal(err)
		}
		ids = m.AppendMatches(ids[:0], &f)
	}); n != 0 {
		t.Errorf("Reset and AppendMatches allocate %v times per run", n)
	}
	if len(ids) != 4 {
		t.Errorf("%d patterns match the benchmark record, want 4", len(ids))
	}
}
