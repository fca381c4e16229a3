package pattern

// keyTrie is a set of key paths: the member names that some patterns look
// up, level by level from the event's top. Arrays add no level, as in
// patterns. The scanner keeps only the members on these paths (see
// Flat.reset): the rest of the event is validated and skipped, so a record
// costs tape entries only for what its patterns read.
type keyTrie struct {
	all  bool       // every key at every level: a full flattening
	keys []string   // the keys at this level
	next []*keyTrie // the paths below each key
}

// allKeys keeps every member: Flat.Reset flattens with it.
var allKeys = &keyTrie{all: true}

// child returns the paths below key, or nil when no path goes through it
// (or t is nil: the scanner is already skipping).
func (t *keyTrie) child(key string) *keyTrie {
	if t == nil || t.all {
		return t
	}
	for i, k := range t.keys {
		if k == key {
			return t.next[i]
		}
	}
	return nil
}

// add adds the key paths of the pattern object n: every field, nested
// objects and the alternatives of "$or", which stay at n's level.
func (t *keyTrie) add(n *node) {
	if n == nil || t.all {
		return
	}
	for i := range n.fields {
		f := &n.fields[i]
		c := t.child(f.key)
		if c == nil {
			c = &keyTrie{}
			t.keys = append(t.keys, f.key)
			t.next = append(t.next, c)
		}
		c.add(f.child)
	}
	for _, alt := range n.or {
		t.add(alt)
	}
}
