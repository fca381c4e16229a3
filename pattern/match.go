package pattern

import (
	"encoding/json"
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// node is a compiled pattern object: every field must match, and when or is
// set, at least one of its alternatives too.
//
// A pattern with "$or" stands for several sub-rules, one for each choice of
// alternatives, as Event Ruler expands it. A sub-rule made only of
// exists:false conditions pins no array element, so it is decided over all
// the elements an array holds; a sub-rule with any other condition is
// decided inside one element (see matchPos).
type node struct {
	fields []field // in pattern order; keys are distinct
	or     []*node // alternatives of "$or", matched at this same level

	// canAbsent is set when some sub-rule of the node holds exists:false
	// conditions only, so the node can match where its fields are absent.
	canAbsent bool
}

// field is one key of a pattern object with either a nested object or a
// match array.
type field struct {
	key   string
	child *node // set for a nested object
	leaf  *leaf // set for a match array
}

// set adds f, replacing a field with the same key: as in EventBridge, the
// last occurrence of a repeated key is the one that counts.
func (n *node) set(f field) {
	for i := range n.fields {
		if n.fields[i].key == f.key {
			n.fields[i] = f
			return
		}
	}
	n.fields = append(n.fields, f)
}

// prepare computes canAbsent for n and every node below it, once the
// pattern is parsed.
func (n *node) prepare() {
	all := true
	for i := range n.fields {
		f := &n.fields[i]
		if f.child != nil {
			f.child.prepare()
			all = all && f.child.canAbsent
		} else {
			all = all && f.leaf.absent
		}
	}
	if n.or != nil {
		any := false
		for _, alt := range n.or {
			alt.prepare()
			any = any || alt.canAbsent
		}
		all = all && any
	}
	n.canAbsent = all
}

// leaf is a compiled match array: it matches when any of its conditions
// does.
type leaf struct {
	conds  []cond // conditions on a present leaf value
	exists bool   // {"exists": true}: any present leaf value matches
	absent bool   // {"exists": false}: matches where no leaf value sits
}

// condKind tells what a cond tests.
type condKind uint8

const (
	condStrings    condKind = iota // string equal to one of strs
	condNumbers                    // number equal to one of nums
	condNull                       // JSON null
	condTrue                       // JSON true
	condFalse                      // JSON false
	condPrefix                     // string starting with one of strs
	condSuffix                     // string ending with one of strs
	condPrefixFold                 // string starting with one of strs, ignoring case (strs are case folded)
	condSuffixFold                 // string ending with one of strs, ignoring case (strs are case folded)
	condFold                       // string equal to one of strs, ignoring case (strs are case folded)
	condWildcard                   // string matching one of globs
	condRange                      // number within lo..hi
	condCIDR                       // string holding an IP address within cidr
)

// cond is one condition on a single leaf value. With neg set it is an
// anything-but: it matches every present leaf value, of any type, that the
// condition without neg does not match.
type cond struct {
	kind condKind
	neg  bool

	strs  []string            // condStrings, condPrefix, condSuffix and the Fold forms
	set   map[string]struct{} // condStrings with many values; nil otherwise
	nums  []number            // condNumbers
	globs []glob              // condWildcard

	lo, hi         float64 // condRange bounds
	hasLo, hasHi   bool
	loIncl, hiIncl bool

	cidr netip.Prefix // condCIDR, masked
}

// number is a number of the pattern, with its text to compare large
// integers exactly.
type number struct {
	f       float64
	text    string
	integer bool // text is a JSON integer literal
}

// glob is a compiled wildcard: the literal parts between stars. A single
// part means no star.
type glob struct {
	parts []string
}

// scalarKind is the JSON type of a leaf value in the event.
type scalarKind uint8

const (
	kindString scalarKind = iota
	kindNumber
	kindTrue
	kindFalse
	kindNull
)

// scalar is a leaf value of the event, classified once for all conditions.
type scalar struct {
	kind scalarKind
	s    string  // kindString
	f    float64 // kindNumber; NaN when the text is not a number
	text string  // kindNumber from a json.Number; "" otherwise
}

// toScalar classifies a decoded leaf value. It reports false for objects,
// arrays and types encoding/json does not produce.
func toScalar(v any) (scalar, bool) {
	switch x := v.(type) {
	case string:
		return scalar{kind: kindString, s: x}, true
	case float64:
		return scalar{kind: kindNumber, f: x}, true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil && !math.IsInf(f, 0) {
			f = math.NaN()
		}
		return scalar{kind: kindNumber, f: f, text: string(x)}, true
	case bool:
		if x {
			return scalar{kind: kindTrue}, true
		}
		return scalar{kind: kindFalse}, true
	case nil:
		return scalar{kind: kindNull}, true
	case int:
		return scalar{kind: kindNumber, f: float64(x)}, true
	case int64:
		return scalar{kind: kindNumber, f: float64(x)}, true
	case int32:
		return scalar{kind: kindNumber, f: float64(x)}, true
	case uint:
		return scalar{kind: kindNumber, f: float64(x)}, true
	case uint64:
		return scalar{kind: kindNumber, f: float64(x)}, true
	case uint32:
		return scalar{kind: kindNumber, f: float64(x)}, true
	case float32:
		return scalar{kind: kindNumber, f: float64(x)}, true
	}
	return scalar{}, false
}

// matchEvent reports whether the event v matches the pattern whose
// top-level object is n: through a sub-rule with a condition on a present
// value, or through one made of exists:false conditions only.
func (n *node) matchEvent(v any) bool {
	return n.matchPos(v) || n.absentAt(v)
}

// matchPos reports whether a sub-rule of n that has at least one condition
// on a present value (anything but exists:false) holds at v. An array stands
// for each of its elements, nested arrays included: one element must
// satisfy the whole sub-rule, so two fields never match in two different
// elements (Event Ruler's array consistency), and the sub-rule's
// exists:false conditions are decided inside that same element.
func (n *node) matchPos(v any) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if n.matchPos(e) {
				return true
			}
		}
		return false
	case map[string]any:
		pos := false
		for i := range n.fields {
			f := &n.fields[i]
			fv, ok := x[f.key]
			p, a := f.match(fv, ok)
			if !p && !a {
				return false
			}
			pos = pos || p
		}
		if n.or == nil {
			return pos
		}
		// An alternative may be one of exists:false only when the fields
		// already hold a positive condition.
		for _, alt := range n.or {
			if alt.matchPos(x) || pos && alt.absentAt(x) {
				return true
			}
		}
		return false
	}
	// A leaf value, null or a missing value where the pattern has an
	// object: no field is present to match.
	return false
}

// match reports for the field's pattern at the value v, which ok says is
// present, whether a sub-rule with a positive condition holds (p) and,
// when p is false, whether one of exists:false conditions only does (a).
// The exists:false conditions of a match array are decided at v alone:
// inside the array element the caller is matching.
func (f *field) match(v any, ok bool) (p, a bool) {
	if f.child != nil {
		if !ok {
			return false, f.child.canAbsent
		}
		if f.child.matchPos(v) {
			return true, false
		}
		return false, f.child.absentAt(v)
	}
	l := f.leaf
	if ok && l.matchValue(v) {
		return true, false
	}
	return false, l.absent && !(ok && hasLeaf(v, nil))
}

// absentAt is matchAbsent from v, with a key stack on the goroutine's
// stack: a pattern is at most MaxDepth levels deep.
func (n *node) absentAt(v any) bool {
	if !n.canAbsent {
		return false
	}
	var keys [MaxDepth]string
	return n.matchAbsent(v, keys[:0])
}

// matchAbsent reports whether a sub-rule of n made of exists:false
// conditions only holds for every value reached from v by following path
// through objects and arrays. Such a sub-rule pins no array element, so the
// same sub-rule must hold in all of them: no leaf value may sit at any of
// its paths in any element, as Event Ruler decides absence when no other
// field has chosen an element. path is a scratch stack of keys; its backing
// array is reused.
func (n *node) matchAbsent(v any, path []string) bool {
	if !n.canAbsent {
		return false
	}
	for i := range n.fields {
		f := &n.fields[i]
		p := append(path, f.key)
		if f.child != nil {
			if !f.child.matchAbsent(v, p) {
				return false
			}
		} else if hasLeaf(v, p) {
			return false
		}
	}
	if n.or == nil {
		return true
	}
	for _, alt := range n.or {
		if alt.matchAbsent(v, path) {
			return true
		}
	}
	return false
}

// matchValue reports whether any leaf value in v matches a condition of l.
// Arrays are searched element by element, nested arrays included; objects
// hold no leaf value.
func (l *leaf) matchValue(v any) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if l.matchValue(e) {
				return true
			}
		}
		return false
	case map[string]any:
		return false
	}
	s, ok := toScalar(v)
	if !ok {
		return false
	}
	if l.exists {
		return true
	}
	for i := range l.conds {
		if l.conds[i].match(&s) {
			return true
		}
	}
	return false
}

// hasLeaf reports whether any leaf value sits at path below v.
func hasLeaf(v any, path []string) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if hasLeaf(e, path) {
				return true
			}
		}
		return false
	case map[string]any:
		if len(path) == 0 {
			return false
		}
		fv, ok := x[path[0]]
		return ok && hasLeaf(fv, path[1:])
	}
	if len(path) > 0 {
		return false
	}
	_, ok := toScalar(v)
	return ok
}

// match reports whether the condition holds for the leaf value s.
func (c *cond) match(s *scalar) bool {
	return c.test(s) != c.neg
}

// test evaluates the condition without neg.
func (c *cond) test(s *scalar) bool {
	switch c.kind {
	case condNull:
		return s.kind == kindNull
	case condTrue:
		return s.kind == kindTrue
	case condFalse:
		return s.kind == kindFalse
	case condNumbers:
		if s.kind != kindNumber {
			return false
		}
		for i := range c.nums {
			if c.nums[i].equal(s) {
				return true
			}
		}
		return false
	case condRange:
		return s.kind == kindNumber && c.inRange(s.f)
	}

	// The remaining conditions apply to strings only.
	if s.kind != kindString {
		return false
	}
	switch c.kind {
	case condStrings:
		if c.set != nil {
			_, ok := c.set[s.s]
			return ok
		}
		for _, t := range c.strs {
			if t == s.s {
				return true
			}
		}
	case condPrefix:
		for _, t := range c.strs {
			if strings.HasPrefix(s.s, t) {
				return true
			}
		}
	case condSuffix:
		for _, t := range c.strs {
			if strings.HasSuffix(s.s, t) {
				return true
			}
		}
	case condPrefixFold:
		for _, t := range c.strs {
			if matchFold(s.s, t, foldPrefix) {
				return true
			}
		}
	case condSuffixFold:
		for _, t := range c.strs {
			if matchFold(s.s, t, foldSuffix) {
				return true
			}
		}
	case condFold:
		for _, t := range c.strs {
			if matchFold(s.s, t, foldEqual) {
				return true
			}
		}
	case condWildcard:
		for i := range c.globs {
			if c.globs[i].match(s.s) {
				return true
			}
		}
	case condCIDR:
		addr, err := netip.ParseAddr(s.s)
		return err == nil && c.cidr.Contains(addr.Unmap())
	}
	return false
}

// inRange reports whether f lies within the condition's bounds; NaN never
// does.
func (c *cond) inRange(f float64) bool {
	if math.IsNaN(f) {
		return false
	}
	if c.hasLo && (f < c.lo || f == c.lo && !c.loIncl) {
		return false
	}
	if c.hasHi && (f > c.hi || f == c.hi && !c.hiIncl) {
		return false
	}
	return true
}

// equal reports whether the event number s equals n. Numbers compare by
// value, so 300, 300.0 and 3e2 are equal; two integer literals too large
// for float64 to hold exactly compare by their digits.
func (n *number) equal(s *scalar) bool {
	if n.f != s.f {
		return false
	}
	if math.Abs(n.f) < 1<<53 || !n.integer || s.text == "" || !isInteger(s.text) {
		return true
	}
	return n.text == s.text
}

// isInteger reports whether a JSON number literal has no fraction or
// exponent.
func isInteger(text string) bool {
	return !strings.ContainsAny(text, ".eE")
}

// match reports whether s matches the wildcard.
func (g *glob) match(s string) bool {
	parts := g.parts
	if len(parts) == 1 {
		return s == parts[0]
	}
	// The first part anchors at the start and the last at the end; the
	// middle parts are found left to right, each at its first occurrence,
	// which is optimal when the only metacharacter is "*".
	first, last := parts[0], parts[len(parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return true
}
