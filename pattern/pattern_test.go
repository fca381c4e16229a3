package pattern_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doctales/doctales/pattern"
)

// readEvent returns testdata/events/name, compacted.
func readEvent(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "events", name))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return buf.Bytes()
}

// mustCompileFile compiles the pattern in testdata/name.
func mustCompileFile(tb testing.TB, name string) *pattern.Pattern {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := pattern.Compile(string(b))
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return p
}

// mustUnmarshal decodes JSON as json.Unmarshal does, numbers as float64.
func mustUnmarshal(tb testing.TB, s string) any {
	tb.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		tb.Fatalf("unmarshal %s: %v", s, err)
	}
	return v
}

func TestCompile_Errors(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		path    string
		msg     string // a part of SyntaxError.Msg
		offset  int64  // -1: not checked
	}{
		{``, "", "unexpected end of pattern", 0},
		{`[]`, "", "a pattern must be a JSON object, not an array", 0},
		{`"a"`, "", "a pattern must be a JSON object, not a string", 0},
		{`{}`, "", "empty objects are not allowed", 0},
		{`{"a": ["x"]} {}`, "", "unexpected data after the pattern object", 13},
		{`{"a": ["x"]} x`, "", "unexpected data after the pattern object", 13},
		{`{"a" ["x"]}`, "a", "invalid JSON", 5},
		{`{"a": ["x"]`, "", "unexpected end of pattern", 11},
		{`{"a": "x"}`, "a", `a match value must be in an array, such as ["x"], not a string alone`, 6},
		{`{"a": 5}`, "a", "such as [5], not a number alone", 6},
		{`{"a": {"b": null}}`, "a.b", "such as [null], not null alone", 12},
		{`{"a": {}}`, "a", "empty objects are not allowed", 6},
		{`{"a": []}`, "a", "a match array cannot be empty", 6},
		{`{"a": [["x"]]}`, "a", "a match value cannot be an array", 7},
		{`{"a": [1e400]}`, "a", "number 1e400 is out of range", 7},
		{`{"a": [{}]}`, "a", "an operator object cannot be empty", 7},
		{`{"a": [{"contains": "x"}]}`, "a", `unknown operator "contains"`, 8},
		{`{"a": [{"Prefix": "x"}]}`, "a", `unknown operator "Prefix"`, 8},
		{`{"a": [{"prefix": "x", "suffix": "y"}]}`, "a", "an operator object must have exactly one key", 23},
		{`{"a": [{"prefix": 1}]}`, "a", "prefix needs a string", 18},
		{`{"a": [{"prefix": {"wildcard": "x*"}}]}`, "a", `prefix accepts only an equals-ignore-case object, not "wildcard"`, 19},
		{`{"a": [{"suffix": {"equals-ignore-case": 1}}]}`, "a", "suffix equals-ignore-case needs a string", -1},
		{`{"a": [{"equals-ignore-case": ["x"]}]}`, "a", "equals-ignore-case needs a string, not an array", -1},
		{`{"a": [{"wildcard": "a**b"}]}`, "a", "consecutive * are not allowed", 20},
		{`{"a": [{"wildcard": "a\\b"}]}`, "a", `a backslash may only escape * or \`, 20},
		{`{"a": [{"wildcard": "a\\"}]}`, "a", `a backslash may only escape * or \`, 20},
		{`{"a": [{"numeric": 5}]}`, "a", "numeric needs an operator and a number, such as", 19},
		{`{"a": [{"numeric": []}]}`, "a", "numeric needs an operator and a number", 19},
		{`{"a": [{"numeric": [">"]}]}`, "a", `numeric needs an operator and a number; ">" has no number`, 23},
		{`{"a": [{"numeric": [5, ">"]}]}`, "a", "found a number where an operator belongs", 20},
		{`{"a": [{"numeric": [">", "5"]}]}`, "a", `numeric: the operand of ">" must be a number, not a string`, 25},
		{`{"a": [{"numeric": ["=>", 5]}]}`, "a", `numeric: unknown operator "=>"`, 20},
		{`{"a": [{"numeric": ["<", 5, ">", 1]}]}`, "a", `a range is a lower bound (> or >=) followed by an upper bound (< or <=); ">" cannot follow`, 28},
		{`{"a": [{"numeric": [">", 1, ">=", 5]}]}`, "a", `">=" cannot follow`, 28},
		{`{"a": [{"numeric": ["=", 5, "<", 6]}]}`, "a", `"=" cannot be combined with another condition`, 28},
		{`{"a": [{"numeric": [">", 5, "<", 1]}]}`, "a", "the range is empty", 19},
		{`{"a": [{"numeric": [">", 5, "<", 5]}]}`, "a", "the range is empty", 19},
		{`{"a": [{"numeric": [">", 0, "<", 5, ">", 1]}]}`, "a", "numeric has too many elements", 36},
		{`{"a": [{"numeric": [">", 1e999]}]}`, "a", "numeric: number 1e999 is out of range", 25},
		{`{"a": [{"anything-but": []}]}`, "a", "anything-but list cannot be empty", 24},
		{`{"a": [{"anything-but": ["x", 1]}]}`, "a", "anything-but list must hold only strings or only numbers, not both", 30},
		{`{"a": [{"anything-but": [null]}]}`, "a", "anything-but list must hold only strings or only numbers, not null", 25},
		{`{"a": [{"anything-but": null}]}`, "a", "anything-but needs a string, a number", 24},
		{`{"a": [{"anything-but": true}]}`, "a", "found a boolean", 24},
		{`{"a": [{"anything-but": {}}]}`, "a", "anything-but object cannot be empty", 24},
		{`{"a": [{"anything-but": {"prefix": ""}}]}`, "a", "anything-but prefix cannot be empty", 35},
		{`{"a": [{"anything-but": {"suffix": 1}}]}`, "a", "anything-but suffix needs a string", 35},
		{`{"a": [{"anything-but": {"numeric": [">", 1]}}]}`, "a", `anything-but does not support "numeric"`, 25},
		{`{"a": [{"anything-but": {"prefix": "x", "suffix": "y"}}]}`, "a", "anything-but object must have exactly one key", 40},
		{`{"a": [{"anything-but": {"equals-ignore-case": []}}]}`, "a", "anything-but equals-ignore-case list cannot be empty", 47},
		{`{"a": [{"anything-but": {"wildcard": ["x", 1]}}]}`, "a", "anything-but wildcard list must hold only strings", 43},
		{`{"a": [{"anything-but": {"wildcard": "**"}}]}`, "a", "consecutive * are not allowed", 37},
		{`{"a": [{"exists": "yes"}]}`, "a", "exists needs true or false, not a string", 18},
		{`{"a": [{"cidr": "10.0.0.1"}]}`, "a", `cidr "10.0.0.1" is not an IP prefix`, 16},
		{`{"a": [{"cidr": 10}]}`, "a", "cidr needs a string", 16},
		{`{"$or": {"a": ["x"]}}`, "$or", "$or needs an array of at least two objects, not an object", 8},
		{`{"$or": [{"a": ["x"]}]}`, "$or", "$or needs at least two objects, found 1", 8},
		{`{"$or": [{"a": ["x"]}, "b"]}`, "$or[1]", "$or elements must be objects, not a string", 23},
		{`{"$or": [{"a": ["x"]}, {}]}`, "$or[1]", "empty objects are not allowed", 23},
		{`{"$or": [{"prefix": ["x"]}, {"b": ["y"]}]}`, "$or[0].prefix", `"prefix" is an operator name and cannot be a field name inside $or`, 10},
		{`{"x": {"$or": [{"a": ["x"]}, {"b": "y"}]}}`, "x.$or[1].b", "not a string alone", 35},
		{`{"dynamodb":{"NewImage":{"urgency":[{"numeric":[]}]}}}`, "dynamodb.NewImage.urgency", "numeric needs an operator and a number", 47},
	} {
		t.Run(tc.pattern, func(t *testing.T) {
			p, err := pattern.Compile(tc.pattern)
			if err == nil {
				t.Fatalf("Compile succeeded: %v", p)
			}
			var se *pattern.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SyntaxError", err, err)
			}
			if se.Pattern != -1 {
				t.Errorf("Pattern = %d, want -1", se.Pattern)
			}
			if se.Path != tc.path {
				t.Errorf("Path = %q, want %q", se.Path, tc.path)
			}
			if !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("Msg = %q, want it to contain %q", se.Msg, tc.msg)
			}
			if tc.offset >= 0 && se.Offset != tc.offset {
				t.Errorf("Offset = %d, want %d (%q)", se.Offset, tc.offset, tc.pattern[min(se.Offset, int64(len(tc.pattern))):])
			}
		})
	}
}

func TestSyntaxError_Error(t *testing.T) {
	t.Run("InSet", func(t *testing.T) {
		_, err := pattern.NewSet(
			`{"eventName": ["INSERT"]}`,
			`{"eventName": ["MODIFY"]}`,
			`{"dynamodb":{"NewImage":{"urgency":[{"numeric":[]}]}}}`,
		)
		const want = `pattern 2: at "dynamodb.NewImage.urgency" (offset 47): numeric needs an operator and a number`
		if err == nil || err.Error() != want {
			t.Fatalf("err = %v\nwant %s", err, want)
		}
		var se *pattern.SyntaxError
		if !errors.As(err, &se) || se.Pattern != 2 {
			t.Fatalf("err = %#v, want a *SyntaxError for pattern 2", err)
		}
	})
	t.Run("Alone", func(t *testing.T) {
		_, err := pattern.Compile(`["x"]`)
		const want = `at offset 0: a pattern must be a JSON object, not an array`
		if err == nil || err.Error() != want {
			t.Fatalf("err = %v\nwant %s", err, want)
		}
	})
	t.Run("Unwrap", func(t *testing.T) {
		_, err := pattern.Compile(`{"a": [x]}`)
		var je *json.SyntaxError
		if !errors.As(err, &je) {
			t.Fatalf("err = %v, want it to wrap a *json.SyntaxError", err)
		}
	})
}

func TestCompile_Limits(t *testing.T) {
	// leafOfSize returns a valid pattern exactly n bytes long.
	leafOfSize := func(n int) string {
		const frame = `{"a":[""]}`
		return `{"a":["` + strings.Repeat("x", n-len(frame)) + `"]}`
	}
	// nested returns a valid pattern d levels deep: d-1 objects and a leaf array.
	nested := func(d int) string {
		return strings.Repeat(`{"a":`, d-1) + `["x"]` + strings.Repeat(`}`, d-1)
	}

	t.Run("MaxPatternBytes", func(t *testing.T) {
		if _, err := pattern.Compile(leafOfSize(pattern.MaxPatternBytes)); err != nil {
			t.Fatalf("at the limit: %v", err)
		}
		_, err := pattern.Compile(leafOfSize(pattern.MaxPatternBytes + 1))
		var se *pattern.SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, "4097 bytes; the limit is 4096 (MaxPatternBytes)") {
			t.Fatalf("over the limit: err = %v", err)
		}
		if se.Offset != pattern.MaxPatternBytes {
			t.Errorf("Offset = %d, want %d", se.Offset, pattern.MaxPatternBytes)
		}
	})
	t.Run("MaxDepth", func(t *testing.T) {
		p, err := pattern.Compile(nested(pattern.MaxDepth))
		if err != nil {
			t.Fatalf("at the limit: %v", err)
		}
		event := strings.Repeat(`{"a":`, pattern.MaxDepth-1) + `"x"` + strings.Repeat(`}`, pattern.MaxDepth-1)
		if ok, err := p.Match([]byte(event)); !ok || err != nil {
			t.Fatalf("Match at the limit = %v, %v", ok, err)
		}
		_, err = pattern.Compile(nested(pattern.MaxDepth + 1))
		var se *pattern.SyntaxError
		if !errors.As(err, &se) || se.Msg != "nesting is deeper than 32 levels (MaxDepth)" {
			t.Fatalf("over the limit: err = %v", err)
		}
		if se.Path != strings.TrimSuffix(strings.Repeat("a.", pattern.MaxDepth), ".") {
			t.Errorf("Path = %q", se.Path)
		}
		// Operator objects count too.
		op := strings.Repeat(`{"a":`, pattern.MaxDepth-1) + `[{"prefix":"x"}]` + strings.Repeat(`}`, pattern.MaxDepth-1)
		if _, err := pattern.Compile(op); err == nil {
			t.Fatal("an operator object beyond MaxDepth was accepted")
		}
	})
	t.Run("MaxPatterns", func(t *testing.T) {
		pats := make([]string, pattern.MaxPatterns+1)
		for i := range pats {
			pats[i] = `{"a": ["x"]}`
		}
		if _, err := pattern.NewSet(pats[:pattern.MaxPatterns]...); err != nil {
			t.Fatalf("at the limit: %v", err)
		}
		_, err := pattern.NewSet(pats...)
		if !errors.Is(err, pattern.ErrTooManyPatterns) {
			t.Fatalf("over the limit: err = %v, want ErrTooManyPatterns", err)
		}
		if want := "6 patterns; the limit is 5 (MaxPatterns)"; !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to contain %q", err, want)
		}
	})
}

func TestPattern_String(t *testing.T) {
	const text = " {\"dynamodb\" : {\"NewImage\":{\"metadata\":{\"M\":{\"urgency\":{\"S\":[\"high\"]}}}}}}\n"
	p := pattern.MustCompile(text)
	if p.String() != text {
		t.Fatalf("String() = %q, want %q", p.String(), text)
	}
}

func TestMustCompile_Panics(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "a pattern must be a JSON object") {
			t.Fatalf("recover() = %v", r)
		}
	}()
	pattern.MustCompile(`[]`)
}

func TestPattern_Match(t *testing.T) {
	p := pattern.MustCompile(`{"a": ["x"]}`)
	t.Run("ErrInvalidEvent", func(t *testing.T) {
		for _, event := range []string{``, `{`, `{"a": "x"} {}`, `{"a": "x"} x`, `{"a": x}`, `nul`} {
			ok, err := p.Match([]byte(event))
			if ok || !errors.Is(err, pattern.ErrInvalidEvent) {
				t.Errorf("Match(%q) = %v, %v; want ErrInvalidEvent", event, ok, err)
			}
		}
	})
	t.Run("OK", func(t *testing.T) {
		for _, event := range []string{"{\"a\": \"x\"}", " {\"a\": [\"x\"]}\n\t "} {
			if ok, err := p.Match([]byte(event)); !ok || err != nil {
				t.Errorf("Match(%q) = %v, %v", event, ok, err)
			}
		}
	})
	t.Run("NotAnObject", func(t *testing.T) {
		for _, event := range []string{`"x"`, `null`, `5`, `[]`} {
			if ok, err := p.Match([]byte(event)); ok || err != nil {
				t.Errorf("Match(%q) = %v, %v; want false, nil", event, ok, err)
			}
		}
	})
}

// TestPattern_MatchValue checks the decoded forms MatchValue accepts.
func TestPattern_MatchValue(t *testing.T) {
	p := pattern.MustCompile(`{"n": [{"numeric": [">", 1]}], "s": ["x"], "b": [true], "z": [null]}`)
	for _, tc := range []struct {
		name  string
		event any
		want  bool
	}{
		{"float64", map[string]any{"n": 2.0, "s": "x", "b": true, "z": nil}, true},
		{"json.Number", map[string]any{"n": json.Number("2"), "s": "x", "b": true, "z": nil}, true},
		{"int", map[string]any{"n": 2, "s": "x", "b": true, "z": nil}, true},
		{"int64", map[string]any{"n": int64(2), "s": "x", "b": true, "z": nil}, true},
		{"float32", map[string]any{"n": float32(2), "s": "x", "b": true, "z": nil}, true},
		{"bad json.Number", map[string]any{"n": json.Number("two"), "s": "x", "b": true, "z": nil}, false},
		{"in arrays", map[string]any{"n": []any{0.0, 2.0}, "s": []any{"y", "x"}, "b": []any{true}, "z": []any{nil}}, true},
		{"unsupported type", map[string]any{"n": 2.0, "s": []string{"x"}, "b": true, "z": nil}, false},
		{"nil event", nil, false},
	} {
		if got := p.MatchValue(tc.event); got != tc.want {
			t.Errorf("%s: MatchValue = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSet(t *testing.T) {
	t.Run("OR", func(t *testing.T) {
		s, err := pattern.NewSet(`{"eventName": ["REMOVE"]}`, mustCompileFile(t, "dynamodb-urgency-high.json").String())
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			event string
			want  bool
		}{
			{"dynamodb-insert-high.json", true},
			{"dynamodb-remove.json", true},
			{"dynamodb-modify-medium.json", false},
		} {
			if got, err := s.Match(readEvent(t, tc.event)); err != nil || got != tc.want {
				t.Errorf("Match(%s) = %v, %v; want %v", tc.event, got, err, tc.want)
			}
		}
		if ok, err := s.Match([]byte(`{`)); ok || !errors.Is(err, pattern.ErrInvalidEvent) {
			t.Errorf("Match(invalid) = %v, %v; want ErrInvalidEvent", ok, err)
		}
		if got := len(s.Patterns()); got != 2 {
			t.Errorf("len(Patterns()) = %d, want 2", got)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		s, err := pattern.NewSet()
		if err != nil {
			t.Fatal(err)
		}
		// No filter criteria: every record passes, even one that is not JSON.
		for _, event := range []string{`{}`, `not json`} {
			if ok, err := s.Match([]byte(event)); !ok || err != nil {
				t.Errorf("Match(%q) = %v, %v; want true, nil", event, ok, err)
			}
		}
		if !s.MatchValue(nil) {
			t.Error("MatchValue(nil) = false")
		}
	})
	t.Run("ErrSyntax", func(t *testing.T) {
		_, err := pattern.NewSet(`{"a": ["x"]}`, `{"a": "x"}`)
		var se *pattern.SyntaxError
		if !errors.As(err, &se) || se.Pattern != 1 || se.Path != "a" {
			t.Fatalf("err = %v, want a *SyntaxError for pattern 1 at a", err)
		}
	})
}

// TestMatchValue_Allocs checks that matching a decoded event does not
// allocate.
func TestMatchValue_Allocs(t *testing.T) {
	event, err := pattern.Decode(readEvent(t, "dynamodb-insert-high.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"dynamodb-urgency-high.json", "dynamodb-insert-modify-high.json", "anything-but.json", "exists.json", "numeric-range.json", "or.json"} {
		p := mustCompileFile(t, name)
		if n := testing.AllocsPerRun(100, func() { p.MatchValue(event) }); n != 0 {
			t.Errorf("%s: MatchValue allocates %v times per run", name, n)
		}
	}
}

// TestMatchValue_Concurrent matches one pattern from many goroutines; run
// with -race.
func TestMatchValue_Concurrent(t *testing.T) {
	p := mustCompileFile(t, "dynamodb-urgency-high.json")
	event := readEvent(t, "dynamodb-insert-high.json")
	done := make(chan bool)
	for range 8 {
		go func() {
			ok := true
			for range 100 {
				m, err := p.Match(event)
				ok = ok && m && err == nil
			}
			done <- ok
		}()
	}
	for range 8 {
		if !<-done {
			t.Error("a concurrent Match failed")
		}
	}
}
