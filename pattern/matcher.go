package pattern

import (
	"errors"
	"fmt"
)

// ErrDuplicateID is returned, wrapped, by Matcher.AddPattern when the id is
// already in use.
var ErrDuplicateID = errors.New("pattern id already in use")

// Matcher matches an event against many patterns at once, each known by an
// id, and returns the ids of all that match. The event is flattened once
// ([Flat]) and every pattern reads the shared flattening, so the cost of a
// record is one scan plus a walk of each pattern's own fields. Unlike a
// Set, a Matcher has no limit on the number of patterns and tells which
// ones matched.
//
// Add every pattern before matching: AddPattern must not run concurrently
// with other methods. Once built, a Matcher is safe for concurrent use.
// The zero Matcher holds no patterns and is ready to use.
type Matcher struct {
	ids      []string
	patterns []*Pattern
	index    map[string]int // id to position in ids
	keys     keyTrie        // the key paths any pattern looks up
}

// AddPattern compiles pattern and adds it under id. An invalid pattern
// returns an error naming the id and wrapping the pattern's *SyntaxError;
// an id already in use returns an error wrapping ErrDuplicateID. In both
// cases the Matcher is unchanged.
func (m *Matcher) AddPattern(id, pattern string) error {
	if _, dup := m.index[id]; dup {
		return fmt.Errorf("pattern: id %q: %w", id, ErrDuplicateID)
	}
	p, err := Compile(pattern)
	if err != nil {
		return fmt.Errorf("pattern: id %q: %w", id, err)
	}
	if m.index == nil {
		m.index = make(map[string]int)
	}
	m.index[id] = len(m.ids)
	m.ids = append(m.ids, id)
	m.patterns = append(m.patterns, p)
	m.keys.add(p.root)
	return nil
}

// Len returns the number of patterns.
func (m *Matcher) Len() int { return len(m.ids) }

// MatchesForEvent returns the ids of the patterns that the JSON event
// matches, in the order they were added, or nil when none does. The only
// error wraps ErrInvalidEvent, when event is not a single valid JSON value
// in UTF-8. It allocates only the returned slice; use AppendMatches with a
// reused Flat and slice to allocate nothing.
func (m *Matcher) MatchesForEvent(event []byte) ([]string, error) {
	f := getFlat()
	defer putFlat(f)
	if err := f.reset(event, &m.keys); err != nil {
		return nil, err
	}
	return m.AppendMatches(nil, f), nil
}

// Matches returns the ids of the patterns that the flattened event
// matches, in the order they were added, and remembers them in f: asked
// again for the same event (until f's next Reset, Alias or Unalias), it
// answers without matching. Sharing one Flat, the filter that admits a
// record and the judge that then picks its rule run the patterns once.
// The slice belongs to f: it is valid until f is reset or asked by
// another Matcher, and must not be changed. It allocates only while f's
// memo grows to the most ids seen.
func (m *Matcher) Matches(f *Flat) []string {
	if f.memoM == m && f.memoGen == f.gen {
		return f.memo
	}
	f.memo = m.AppendMatches(f.memo[:0], f)
	f.memoM, f.memoGen = m, f.gen
	return f.memo
}

// Cached returns what Matches answered for the event in f, if f still
// holds m's answer (no Reset, Alias or other Matcher since), and whether
// it does. A reader that needs only some of m's patterns uses it to reuse
// an earlier reader's pass, and otherwise matches those patterns alone.
func (m *Matcher) Cached(f *Flat) ([]string, bool) {
	if f.memoM == m && f.memoGen == f.gen {
		return f.memo, true
	}
	return nil, false
}

// AppendMatches appends to dst the ids of the patterns that the flattened
// event matches, in the order they were added, and returns the extended
// slice.
func (m *Matcher) AppendMatches(dst []string, f *Flat) []string {
	for i, p := range m.patterns {
		if p.MatchFlat(f) {
			dst = append(dst, m.ids[i])
		}
	}
	return dst
}
