package pattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits on filter patterns. AWS enforces the first two when an event source
// mapping is created or updated; MaxDepth is ours and keeps compilation and
// matching bounded for any input.
const (
	// MaxPatterns is how many patterns a Set may hold: Lambda allows five
	// filters per event source mapping (ten after a quota increase), ORed
	// together.
	MaxPatterns = 5

	// MaxPatternBytes is the longest pattern text accepted, in bytes, as
	// Lambda limits each filter pattern of a FilterCriteria to 4096.
	MaxPatternBytes = 4096

	// MaxDepth is the deepest nesting of JSON objects and arrays in a
	// pattern, counting the top-level object as 1. The DynamoDB urgency
	// pattern is 7 deep.
	MaxDepth = 32
)

// ErrTooManyPatterns is returned, wrapped, by NewSet when it is given more
// than MaxPatterns patterns.
var ErrTooManyPatterns = errors.New("too many filter patterns")

// ErrInvalidEvent is returned, wrapped together with the offset and the
// problem, by Match and Flat.Reset when the event is not a single valid
// JSON value in UTF-8 (or nests deeper than MaxEventDepth). Lambda drops such a
// record when a filter applies to it; callers can branch on it with
// errors.Is.
var ErrInvalidEvent = errors.New("event is not valid JSON")

// SyntaxError reports an invalid filter pattern: which pattern, where in its
// text, under which field, and what is wrong.
type SyntaxError struct {
	// Pattern is the zero-based index of the pattern among NewSet's
	// arguments, or -1 when the pattern was given to Compile alone.
	Pattern int

	// Offset is the byte offset in the pattern text where the offending
	// value starts (for a size error, the first byte past the limit).
	Offset int64

	// Path is the field path of the offending value, keys joined with dots,
	// such as "dynamodb.NewImage.urgency"; alternatives of "$or" appear as
	// "$or[1]". It is empty for errors about the whole pattern.
	Path string

	// Msg says what is wrong, in lower case, without the location.
	Msg string

	// Err is the underlying JSON decoding error, if any.
	Err error
}

// Error returns the location and the message, for example
//
//	pattern 2: at "dynamodb.NewImage.urgency" (offset 41): numeric needs an operator and a number
func (e *SyntaxError) Error() string {
	var b strings.Builder
	if e.Pattern >= 0 {
		fmt.Fprintf(&b, "pattern %d: ", e.Pattern)
	}
	if e.Path != "" {
		fmt.Fprintf(&b, "at %q (offset %d): ", e.Path, e.Offset)
	} else {
		fmt.Fprintf(&b, "at offset %d: ", e.Offset)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying JSON error, or nil.
func (e *SyntaxError) Unwrap() error { return e.Err }

// Pattern is one compiled filter pattern, made by Compile; the zero value
// matches nothing. A Pattern is immutable and safe for concurrent use by any
// number of goroutines.
type Pattern struct {
	text string   // the pattern as given to Compile
	root *node    // the top-level object
	keys *keyTrie // the key paths the pattern looks up
}

// Compile parses one filter pattern written in the Lambda event filtering
// (EventBridge event pattern) syntax. An invalid pattern returns a
// *SyntaxError, with Pattern set to -1, naming the offset, the field path
// and what is wrong. Compile validates everything AWS validates that this
// package knows of, and the limits MaxPatternBytes and MaxDepth.
func Compile(pattern string) (*Pattern, error) {
	return compile(pattern, -1)
}

// MustCompile is like Compile but panics if the pattern is invalid. It is
// meant for patterns written in the program text.
func MustCompile(pattern string) *Pattern {
	p, err := Compile(pattern)
	if err != nil {
		panic("pattern: MustCompile: " + err.Error())
	}
	return p
}

// String returns the pattern text exactly as it was given to Compile.
func (p *Pattern) String() string { return p.text }

// Match reports whether the JSON event matches the pattern. It flattens
// the event once with a pooled Flat and does not allocate once the pool is
// warm; the only error is one wrapping ErrInvalidEvent, when event is not a
// single valid JSON value in UTF-8. To match one event against several
// patterns, flatten it once with Flat.Reset and call MatchFlat, or use a
// Set or a Matcher.
func (p *Pattern) Match(event []byte) (bool, error) {
	f := getFlat()
	defer putFlat(f)
	if err := f.reset(event, p.keys); err != nil {
		return false, err
	}
	return p.MatchFlat(f), nil
}

// MatchValue reports whether an already decoded event matches the pattern.
// The event holds what encoding/json decodes into an interface value:
// map[string]any, []any, string, float64 or json.Number, bool and nil; Go
// integer types and float32 are accepted as numbers too. Values of any other
// type match nothing, as if absent. MatchValue does not modify the event and
// does not allocate, except to parse an IPv6 zone under cidr. It applies the
// same rules as MatchFlat, over maps and slices instead of a Flat.
func (p *Pattern) MatchValue(event any) bool {
	if p.root == nil {
		return false
	}
	return p.root.matchEvent(event)
}

// Decode decodes a JSON event with encoding/json for MatchValue, numbers as
// json.Number so that large integers compare exactly. The error wraps
// ErrInvalidEvent when event is not a single valid JSON value. Unlike Match,
// which refuses them, Decode replaces invalid UTF-8 bytes with U+FFFD.
// Match and Matcher do not decode: they flatten the event (see Flat), which
// is many times faster.
func Decode(event []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("pattern: %w: %w", ErrInvalidEvent, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("pattern: %w: data after the top-level value at offset %d", ErrInvalidEvent, dec.InputOffset())
	}
	return v, nil
}

// Set is the OR of up to MaxPatterns patterns: the FilterCriteria of one
// event source mapping. An event matches the set when it matches any of its
// patterns; a set without patterns matches every event, as a mapping
// without filter criteria passes every record. A Set is immutable and safe
// for concurrent use.
type Set struct {
	patterns []*Pattern
	keys     *keyTrie // the key paths any pattern looks up
}

// NewSet compiles the patterns of one event source mapping. More than
// MaxPatterns patterns is an error wrapping ErrTooManyPatterns; an invalid
// pattern returns its *SyntaxError, whose Pattern field is the index of the
// pattern among the arguments. No patterns at all make a Set that matches
// everything.
func NewSet(patterns ...string) (*Set, error) {
	if len(patterns) > MaxPatterns {
		return nil, fmt.Errorf("pattern: %w: %d patterns; the limit is %d (MaxPatterns)",
			ErrTooManyPatterns, len(patterns), MaxPatterns)
	}
	s := &Set{patterns: make([]*Pattern, 0, len(patterns)), keys: &keyTrie{}}
	for i, text := range patterns {
		p, err := compile(text, i)
		if err != nil {
			return nil, err
		}
		s.patterns = append(s.patterns, p)
		s.keys.add(p.root)
	}
	return s, nil
}

// Patterns returns the compiled patterns of the set, in the order given to
// NewSet. The slice is a copy; the patterns are shared.
func (s *Set) Patterns() []*Pattern {
	return append([]*Pattern(nil), s.patterns...)
}

// Match reports whether the JSON event matches any pattern of the set. The
// event is flattened once for all patterns; the only error is one wrapping
// ErrInvalidEvent. A set without patterns returns true without reading the
// event, so it never fails.
func (s *Set) Match(event []byte) (bool, error) {
	if len(s.patterns) == 0 {
		return true, nil
	}
	f := getFlat()
	defer putFlat(f)
	if err := f.reset(event, s.keys); err != nil {
		return false, err
	}
	return s.MatchFlat(f), nil
}

// MatchFlat reports whether the flattened event matches any pattern of the
// set. A set without patterns matches everything.
func (s *Set) MatchFlat(f *Flat) bool {
	if len(s.patterns) == 0 {
		return true
	}
	for _, p := range s.patterns {
		if p.MatchFlat(f) {
			return true
		}
	}
	return false
}

// MatchValue reports whether an already decoded event (see
// Pattern.MatchValue) matches any pattern of the set. A set without
// patterns matches everything.
func (s *Set) MatchValue(event any) bool {
	if len(s.patterns) == 0 {
		return true
	}
	for _, p := range s.patterns {
		if p.MatchValue(event) {
			return true
		}
	}
	return false
}
