package pattern

import "bytes"

// A prefilter is a necessary condition checked on the raw event bytes before
// decoding: for every group, at least one of its literals must appear in
// the event. Each literal is a JSON string ("high", with the quotes) that a
// leaf of the pattern requires as an exact value, so an event that holds
// none of a group's literals cannot match, and decoding it is skipped.
//
// It stays sound under JSON's escapes: literals are built only from
// characters that no encoder escapes (no quote, backslash, slash, control,
// <, >, & or non-ASCII character), and an event containing any \u escape is
// always decoded.
type prefilter [][][]byte

// buildPrefilter collects the groups of n's fields, ANDed. Leaves with
// other conditions, and $or alternatives, add nothing: the prefilter is
// only ever weaker than the pattern.
func buildPrefilter(n *node) prefilter {
	var groups prefilter
	if n == nil {
		return nil
	}
	for _, f := range n.fields {
		if f.child != nil {
			groups = append(groups, buildPrefilter(f.child)...)
			continue
		}
		lf := f.leaf
		if lf == nil || lf.exists || lf.absent || len(lf.conds) == 0 {
			continue
		}
		var group [][]byte
		ok := true
		for _, c := range lf.conds {
			if c.kind != condStrings || c.neg {
				ok = false
				break
			}
			for _, s := range c.strs {
				if !plainLiteral(s) {
					ok = false
					break
				}
				group = append(group, []byte(`"`+s+`"`))
			}
		}
		if ok && len(group) > 0 {
			groups = append(groups, group)
		}
	}
	return groups
}

// plainLiteral reports whether s is written the same by every JSON encoder.
func plainLiteral(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '/' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

var unicodeEscape = []byte(`\u`)

// mayMatch reports whether event may match: false only when a group has no
// literal in the event.
func (pf prefilter) mayMatch(event []byte) bool {
	if len(pf) == 0 || bytes.Contains(event, unicodeEscape) {
		return true
	}
	for _, group := range pf {
		found := false
		for _, lit := range group {
			if bytes.Contains(event, lit) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
