package pattern_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

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
// for invalid JSON (or JSON not in UTF-8), that a Set of the pattern agrees
// with it, and that matching the flattened event (Match) agrees with
// matching the decoded one (Decode and MatchValue), two implementations
// of the same rules.
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
		if valid := json.Valid(event) && utf8.Valid(event); valid != (err == nil) {
			t.Fatalf("json.Valid && utf8.Valid = %v but Match error = %v", valid, err)
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
		// Match flattens only the fields the pattern names; a full
		// flattening gives the same answer.
		var full pattern.Flat
		if err := full.Reset(event); err != nil || p.MatchFlat(&full) != got {
			t.Fatalf("MatchFlat(full Flat) = %v, %v; Match = %v", !got, err, got)
		}
		dv, err := pattern.Decode(event)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if p.MatchValue(dv) != got {
			t.Fatalf("MatchValue(Decode(event)) = %v, Match = %v", !got, got)
		}
		// The float64 decoding of encoding/json gives the same answer,
		// except for integers too large for float64, which it rounds; it
		// refuses numbers beyond the float64 range, such as 1e700.
		var v any
		if err := json.Unmarshal(event, &v); err != nil {
			var ute *json.UnmarshalTypeError
			if errors.As(err, &ute) && ute.Value == "number" || strings.Contains(err.Error(), "cannot unmarshal number") {
				return
			}
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

// FuzzMatcher checks that a Matcher of several patterns returns the ids of
// exactly the patterns that match the event alone, in the order added.
func FuzzMatcher(f *testing.F) {
	patterns := seedPatterns(f)
	for i, e := range seedEvents(f) {
		f.Add(patterns[i%len(patterns)], patterns[(i+1)%len(patterns)], patterns[(i+3)%len(patterns)], e)
	}
	f.Add(`{"a": {"c": [2], "b": [{"exists": false}]}}`, `{"a": {"b": [1]}}`, `{"a": [{"anything-but": {"prefix": ["x", "y"]}}]}`,
		[]byte(`{"a": [{"b": 1}, {"c": 2}, "z"]}`))
	f.Add(`{"a": [{"equals-ignore-case": "SS"}]}`, `{"a": [{"prefix": {"equals-ignore-case": "s"}}]}`, `{"$or": [{"a": ["ß"]}, {"b": [{"exists": false}]}]}`,
		[]byte(`{"a": "ß"}`))

	f.Fuzz(func(t *testing.T, p1, p2, p3 string, event []byte) {
		var (
			m    pattern.Matcher
			ids  []string
			each []*pattern.Pattern
		)
		for i, text := range []string{p1, p2, p3} {
			p, cerr := pattern.Compile(text)
			id := string(rune('a' + i))
			if err := m.AddPattern(id, text); (err == nil) != (cerr == nil) {
				t.Fatalf("AddPattern(%q) = %v, Compile error = %v", text, err, cerr)
			}
			if p != nil {
				ids = append(ids, id)
				each = append(each, p)
			}
		}
		got, err := m.MatchesForEvent(event)
		var want []string
		for i, p := range each {
			ok, perr := p.Match(event)
			if (perr == nil) != (err == nil) {
				t.Fatalf("Match error %v, MatchesForEvent error %v", perr, err)
			}
			if ok {
				want = append(want, ids[i])
			}
		}
		if err != nil {
			return
		}
		if !slices.Equal(got, want) {
			t.Fatalf("MatchesForEvent = %q; the patterns alone match %q", got, want)
		}
	})
}
