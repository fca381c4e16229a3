package pattern_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/doctales/doctales/pattern"
)

// seedPatterns returns the patterns in testdata/*.json.
func seedPatterns(f *testing.F) []string {
	f.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no seed patterns: %v", err)
	}
	var out []string
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// seedEvents returns the events in testdata/events/*.json, compacted.
func seedEvents(f *testing.F) [][]byte {
	f.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no seed events: %v", err)
	}
	var out [][]byte
	for _, name := range names {
		out = append(out, readEvent(f, filepath.Base(name)))
	}
	return out
}

// FuzzCompile checks that Compile never panics, that every error is a
// *SyntaxError pointing inside the pattern, and that a compiled pattern's
// String round-trips through Compile.
func FuzzCompile(f *testing.F) {
	for _, p := range seedPatterns(f) {
		f.Add(p)
	}
	for _, p := range []string{
		`{"a": [{"numeric": [">", 0, "<=", 5]}]}`,
		`{"a": [{"anything-but": {"equals-ignore-case": ["x", "Y"]}}]}`,
		`{"a": [{"wildcard": "a\\*b*c"}]}`,
		`{"$or": [{"a": [1]}, {"b": [{"exists": false}]}]}`,
		`{"a": "x"}`, `{"a": []}`, `[]`, ``,
	} {
		f.Add(p)
	}
	events := seedEvents(f)
	decoded := make([]any, len(events))
	for i, e := range events {
		v, err := pattern.Decode(e)
		if err != nil {
			f.Fatal(err)
		}
		decoded[i] = v
	}

	f.Fuzz(func(t *testing.T, text string) {
		p, err := pattern.Compile(text)
		if err != nil {
			var se *pattern.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *SyntaxError: %v", err, err)
			}
			if se.Pattern != -1 || se.Offset < 0 || se.Offset > int64(max(len(text), pattern.MaxPatternBytes)) || se.Msg == "" {
				t.Fatalf("bad SyntaxError %#v for %q", se, text)
			}
			return
		}
		if p.String() != text {
			t.Fatalf("String() = %q, want %q", p.String(), text)
		}
		q, err := pattern.Compile(p.String())
		if err != nil {
			t.Fatalf("Compile(String()) = %v", err)
		}
		// A valid pattern is a valid JSON object, and it matches the same
		// events after the round trip.
		if !json.Valid([]byte(text)) {
			t.Fatalf("Compile accepted invalid JSON %q", text)
		}
		for _, v := range decoded {
			if p.MatchValue(v) != q.MatchValue(v) {
				t.Fatalf("round trip changed the result for %q", text)
			}
		}
	})
}

// FuzzMatch checks that matching never panics, that Match fails exactly
// for invalid JSON, and that a Set of the pattern agrees with it.
func FuzzMatch(f *testing.F) {
	for _, p := range seedPatterns(f) {
		for _, e := range seedEvents(f) {
			f.Add(p, e)
		}
	}
	f.Add(`{"a": {"b": [{"exists": false}]}}`, []byte(`{"a": [{"b": 1}, {"c": 2}, [], [[{"b": null}]]]}`))
	f.Add(`{"a": [{"wildcard": "*x*y*"}]}`, []byte(`{"a": ["xxyy", "yx", 1, null]}`))

	f.Fuzz(func(t *testing.T, text string, event []byte) {
		p, err := pattern.Compile(text)
		if err != nil {
			return
		}
		got, err := p.Match(event)
		if valid := json.Valid(event); valid != (err == nil) {
			t.Fatalf("json.Valid = %v but Match error = %v", valid, err)
		}
		if err != nil {
			if got || !errors.Is(err, pattern.ErrInvalidEvent) {
				t.Fatalf("Match = %v, %v; want false, ErrInvalidEvent", got, err)
			}
			return
		}
		s, err := pattern.NewSet(text)
		if err != nil {
			t.Fatalf("NewSet: %v", err)
		}
		if sgot, err := s.Match(event); err != nil || sgot != got {
			t.Fatalf("Set.Match = %v, %v; Pattern.Match = %v", sgot, err, got)
		}
		// The float64 decoding of encoding/json gives the same answer,
		// except for integers too large for float64, which it rounds.
		var v any
		if err := json.Unmarshal(event, &v); err != nil {
			t.Fatalf("Unmarshal: %v", err)
		}
		if p.MatchValue(v) != got && !hasLargeNumber(event) {
			t.Fatalf("MatchValue(float64 event) = %v, Match = %v", !got, got)
		}
	})
}

// hasLargeNumber reports whether a JSON text has a run of 16 or more
// digits, which float64 may not hold exactly.
func hasLargeNumber(b []byte) bool {
	run := 0
	for _, c := range b {
		if '0' <= c && c <= '9' {
			run++
			if run >= 16 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
