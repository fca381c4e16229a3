package pattern

import (
	"math"
	"strconv"
	"unsafe"
)

// The functions here match a compiled pattern against a Flat. They follow
// the matching over decoded values in match.go rule for rule (the tests run
// both, and FuzzFlatAgrees compares them); only the access to the event
// differs. Values are indexes into f.nodes.

// get returns the member key of the object at i: the last one, when a key
// repeats, as encoding/json keeps it. Results are cached per event.
func (f *Flat) get(i int32, key string) (int32, bool) {
	addr := uintptr(unsafe.Pointer(unsafe.StringData(key)))
	e := &f.lookups[(uint32(i)*0x9E3779B1^uint32(addr>>3))%lookupSlots]
	if e.gen == f.gen && e.obj == i && e.key == addr && e.klen == int32(len(key)) {
		return e.res, e.res >= 0
	}
	found := int32(-1)
	end := f.nodes[i].end
	klen := int32(len(key))
	if f.alias.on && i == f.alias.obj && key == f.alias.from {
		key = f.alias.to // e is still filed under the asked key
	}
	for j := i + 1; j < end; j = f.nodes[j].end {
		if int(f.nodes[j].klen) == len(key) && f.key(j) == key {
			found = j
		}
	}
	*e = lookup{key: addr, klen: klen, obj: i, res: found, gen: f.gen}
	return found, found >= 0
}

// scalarAt classifies the leaf value at i; it reports false for objects,
// arrays and unclassifiable values.
func (f *Flat) scalarAt(i int32) (scalar, bool) {
	switch f.nodes[i].kind {
	case vString:
		return scalar{kind: kindString, s: f.val(i)}, true
	case vNumber:
		text := f.val(i)
		x, err := strconv.ParseFloat(text, 64)
		if err != nil && !math.IsInf(x, 0) {
			x = math.NaN()
		}
		return scalar{kind: kindNumber, f: x, text: text}, true
	case vTrue:
		return scalar{kind: kindTrue}, true
	case vFalse:
		return scalar{kind: kindFalse}, true
	case vNull:
		return scalar{kind: kindNull}, true
	}
	return scalar{}, false
}

// MatchFlat reports whether the flattened event matches the pattern. It
// does not allocate, except to parse an IPv6 zone under cidr.
func (p *Pattern) MatchFlat(f *Flat) bool {
	if p.root == nil || len(f.nodes) == 0 {
		return false
	}
	return p.root.matchPosFlat(f, 0) || p.root.absentAtFlat(f, 0)
}

// matchPosFlat is matchPos over a Flat.
func (n *node) matchPosFlat(f *Flat, i int32) bool {
	switch f.nodes[i].kind {
	case vArray:
		end := f.nodes[i].end
		for j := i + 1; j < end; j = f.nodes[j].end {
			if n.matchPosFlat(f, j) {
				return true
			}
		}
		return false
	case vObject:
		pos := false
		for k := range n.fields {
			fd := &n.fields[k]
			j, ok := f.get(i, fd.key)
			p, a := fd.matchFlat(f, j, ok)
			if !p && !a {
				return false
			}
			pos = pos || p
		}
		if n.or == nil {
			return pos
		}
		for _, alt := range n.or {
			if alt.matchPosFlat(f, i) || pos && alt.absentAtFlat(f, i) {
				return true
			}
		}
		return false
	}
	return false
}

// matchFlat is field.match over a Flat: the value is at j when ok.
func (fd *field) matchFlat(f *Flat, j int32, ok bool) (p, a bool) {
	if fd.child != nil {
		if !ok {
			return false, fd.child.canAbsent
		}
		if fd.child.matchPosFlat(f, j) {
			return true, false
		}
		return false, fd.child.absentAtFlat(f, j)
	}
	l := fd.leaf
	if ok && l.matchFlat(f, j) {
		return true, false
	}
	return false, l.absent && !(ok && f.hasLeaf(j, nil))
}

// absentAtFlat is absentAt over a Flat.
func (n *node) absentAtFlat(f *Flat, i int32) bool {
	if !n.canAbsent {
		return false
	}
	var keys [MaxDepth]string
	return n.matchAbsentFlat(f, i, keys[:0])
}

// matchAbsentFlat is matchAbsent over a Flat.
func (n *node) matchAbsentFlat(f *Flat, i int32, path []string) bool {
	if !n.canAbsent {
		return false
	}
	for k := range n.fields {
		fd := &n.fields[k]
		p := append(path, fd.key)
		if fd.child != nil {
			if !fd.child.matchAbsentFlat(f, i, p) {
				return false
			}
		} else if f.hasLeaf(i, p) {
			return false
		}
	}
	if n.or == nil {
		return true
	}
	for _, alt := range n.or {
		if alt.matchAbsentFlat(f, i, path) {
			return true
		}
	}
	return false
}

// matchFlat is leaf.matchValue over a Flat.
func (l *leaf) matchFlat(f *Flat, i int32) bool {
	switch f.nodes[i].kind {
	case vArray:
		end := f.nodes[i].end
		for j := i + 1; j < end; j = f.nodes[j].end {
			if l.matchFlat(f, j) {
				return true
			}
		}
		return false
	case vObject, vOther:
		return false
	}
	if l.exists {
		return true
	}
	s, _ := f.scalarAt(i)
	for k := range l.conds {
		if l.conds[k].match(&s) {
			return true
		}
	}
	return false
}

// hasLeaf is hasLeaf over a Flat.
func (f *Flat) hasLeaf(i int32, path []string) bool {
	switch f.nodes[i].kind {
	case vArray:
		end := f.nodes[i].end
		for j := i + 1; j < end; j = f.nodes[j].end {
			if f.hasLeaf(j, path) {
				return true
			}
		}
		return false
	case vObject:
		if len(path) == 0 {
			return false
		}
		j, ok := f.get(i, path[0])
		return ok && f.hasLeaf(j, path[1:])
	case vOther:
		return false
	}
	return len(path) == 0
}
