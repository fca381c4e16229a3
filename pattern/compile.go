package pattern

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"unique"
)

// Operator names, the keys of the objects that may stand in a match array.
const (
	opPrefix           = "prefix"
	opSuffix           = "suffix"
	opEqualsIgnoreCase = "equals-ignore-case"
	opWildcard         = "wildcard"
	opAnythingBut      = "anything-but"
	opNumeric          = "numeric"
	opExists           = "exists"
	opCIDR             = "cidr"
	keyOr              = "$or"
)

// operatorList is the list of operators quoted in error messages.
const operatorList = "prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists, cidr"

// isOperator reports whether name is an operator name. Event Ruler rejects
// such names as fields directly inside "$or", where they are ambiguous.
func isOperator(name string) bool {
	switch name {
	case opPrefix, opSuffix, opEqualsIgnoreCase, opWildcard, opAnythingBut, opNumeric, opExists, opCIDR:
		return true
	}
	return false
}

// maxScanStrings is the number of exact string values from which a leaf looks
// values up in a map rather than scanning a slice.
const maxScanStrings = 8

// parser compiles one pattern text. It reads tokens with encoding/json and
// keeps the text to report where each token starts.
type parser struct {
	src   string        // the pattern text
	index int           // the pattern's index in a Set, or -1
	dec   *json.Decoder // token reader over src
	depth int           // current nesting of objects and arrays
}

func compile(text string, index int) (*Pattern, error) {
	// Check the size first: AWS refuses longer patterns outright.
	if len(text) > MaxPatternBytes {
		return nil, &SyntaxError{Pattern: index, Offset: MaxPatternBytes,
			Msg: fmt.Sprintf("pattern is %d bytes; the limit is %d (MaxPatternBytes)", len(text), MaxPatternBytes)}
	}
	p := &parser{src: text, index: index, dec: json.NewDecoder(strings.NewReader(text))}
	p.dec.UseNumber()

	// The pattern is one JSON object.
	tok, off, err := p.next(nil)
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, p.fail(nil, off, nil, "a pattern must be a JSON object, not %s", describe(tok))
	}
	if err := p.enter(nil, off); err != nil {
		return nil, err
	}
	root, err := p.object(nil, false, off)
	if err != nil {
		return nil, err
	}
	p.leave()

	// Nothing but white space may follow it.
	off = p.skip(p.dec.InputOffset())
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, p.fail(nil, off, err, "unexpected data after the pattern object")
	}
	root.prepare()
	keys := &keyTrie{}
	keys.add(root)
	return &Pattern{text: text, root: root, keys: keys}, nil
}

// fail returns a *SyntaxError at path and offset off.
func (p *parser) fail(path []string, off int64, err error, format string, args ...any) error {
	return &SyntaxError{
		Pattern: p.index,
		Offset:  off,
		Path:    strings.Join(path, "."),
		Msg:     fmt.Sprintf(format, args...),
		Err:     err,
	}
}

// skip returns the offset of the first byte at or after off that is not
// white space or a separator, which is where the decoder's next token starts.
func (p *parser) skip(off int64) int64 {
	for off < int64(len(p.src)) {
		switch p.src[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
		default:
			return off
		}
	}
	return off
}

// next returns the next token and the offset where it starts. Decoding
// errors, including a premature end, become *SyntaxError at path.
func (p *parser) next(path []string) (json.Token, int64, error) {
	off := p.skip(p.dec.InputOffset())
	tok, err := p.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return nil, se.Offset, p.fail(path, se.Offset, err, "invalid JSON: %v", se)
		case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
			return nil, int64(len(p.src)), p.fail(path, int64(len(p.src)), err, "unexpected end of pattern")
		default:
			return nil, off, p.fail(path, off, err, "invalid JSON: %v", err)
		}
	}
	return tok, off, nil
}

// enter counts one more level of nesting, opened at off.
func (p *parser) enter(path []string, off int64) error {
	p.depth++
	if p.depth > MaxDepth {
		return p.fail(path, off, nil, "nesting is deeper than %d levels (MaxDepth)", MaxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// with returns path extended by key, never sharing path's backing array.
func with(path []string, key string) []string {
	out := make([]string, len(path)+1)
	copy(out, path)
	out[len(path)] = key
	return out
}

// describe names the JSON type of a token for error messages.
func describe(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return fmt.Sprintf("%q", string(t))
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

// object parses the fields of an object whose '{' at open was just read.
// path is the field path for messages. Inside "$or", operator names are not
// accepted as field names.
func (p *parser) object(path []string, inOr bool, open int64) (*node, error) {
	n := &node{}
	for {
		tok, off, err := p.next(path)
		if err != nil {
			return nil, err
		}
		if tok == json.Delim('}') {
			break
		}
		key, ok := tok.(string)
		if !ok { // the decoder allows only strings here
			return nil, p.fail(path, off, nil, "expected a field name, found %s", describe(tok))
		}

		// "$or" holds alternatives at this level.
		if key == keyOr {
			alts, err := p.or(path, inOr)
			if err != nil {
				return nil, err
			}
			n.or = alts // a repeated key: the last one counts, as in EventBridge
			continue
		}
		fpath := with(path, key)
		if inOr && isOperator(key) {
			return nil, p.fail(fpath, off, nil, "%q is an operator name and cannot be a field name inside $or", key)
		}

		// A field holds a nested object or an array of match values.
		tok, voff, err := p.next(fpath)
		if err != nil {
			return nil, err
		}
		// Interned, so that a Flat caches look-ups of the key across
		// patterns by its address.
		f := field{key: unique.Make(key).Value()}
		switch tok {
		case json.Delim('{'):
			if err := p.enter(fpath, voff); err != nil {
				return nil, err
			}
			if f.child, err = p.object(fpath, inOr, voff); err != nil {
				return nil, err
			}
			p.leave()
		case json.Delim('['):
			if err := p.enter(fpath, voff); err != nil {
				return nil, err
			}
			if f.leaf, err = p.leaf(fpath, voff); err != nil {
				return nil, err
			}
			p.leave()
		default:
			return nil, p.fail(fpath, voff, nil, "a match value must be in an array, such as [%s], not %s alone", p.src[voff:p.dec.InputOffset()], describe(tok))
		}
		n.set(f)
	}
	if len(n.fields) == 0 && n.or == nil {
		return nil, p.fail(path, open, nil, "empty objects are not allowed")
	}
	return n, nil
}

// or parses the array of alternatives that follows a "$or" key.
func (p *parser) or(path []string, inOr bool) ([]*node, error) {
	orPath := with(path, keyOr)
	tok, open, err := p.next(orPath)
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('[') {
		return nil, p.fail(orPath, open, nil, "$or needs an array of at least two objects, not %s", describe(tok))
	}
	if err := p.enter(orPath, open); err != nil {
		return nil, err
	}
	var alts []*node
	for i := 0; ; i++ {
		apath := with(path, fmt.Sprintf("%s[%d]", keyOr, i))
		tok, off, err := p.next(apath)
		if err != nil {
			return nil, err
		}
		if tok == json.Delim(']') {
			break
		}
		if tok != json.Delim('{') {
			return nil, p.fail(apath, off, nil, "$or elements must be objects, not %s", describe(tok))
		}
		if err := p.enter(apath, off); err != nil {
			return nil, err
		}
		alt, err := p.object(apath, true, off)
		if err != nil {
			return nil, err
		}
		p.leave()
		alts = append(alts, alt)
	}
	p.leave()
	if len(alts) < 2 {
		return nil, p.fail(orPath, open, nil, "$or needs at least two objects, found %d", len(alts))
	}
	return alts, nil
}

// leaf parses a match array whose '[' at open was just read.
func (p *parser) leaf(path []string, open int64) (*leaf, error) {
	lf := &leaf{}
	var (
		strs  []string
		nums  []number
		count int
	)
	for ; ; count++ {
		tok, off, err := p.next(path)
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case ']':
				if count == 0 {
					return nil, p.fail(path, open, nil, "a match array cannot be empty")
				}
				if len(strs) > 0 {
					lf.conds = append(lf.conds, stringsCond(condStrings, strs))
				}
				if len(nums) > 0 {
					lf.conds = append(lf.conds, cond{kind: condNumbers, nums: nums})
				}
				return lf, nil
			case '{':
				if err := p.enter(path, off); err != nil {
					return nil, err
				}
				if err := p.operator(lf, path, off); err != nil {
					return nil, err
				}
				p.leave()
			case '[':
				return nil, p.fail(path, off, nil, "a match value cannot be an array")
			}
		case string:
			strs = append(strs, t)
		case json.Number:
			n, err := parseNumber(t)
			if err != nil {
				return nil, p.fail(path, off, nil, "number %s is out of range", t)
			}
			nums = append(nums, n)
		case bool:
			if t {
				lf.conds = append(lf.conds, cond{kind: condTrue})
			} else {
				lf.conds = append(lf.conds, cond{kind: condFalse})
			}
		case nil:
			lf.conds = append(lf.conds, cond{kind: condNull})
		}
	}
}

// operator parses an operator object whose '{' at open was just read and
// adds its condition to lf.
func (p *parser) operator(lf *leaf, path []string, open int64) error {
	tok, off, err := p.next(path)
	if err != nil {
		return err
	}
	if tok == json.Delim('}') {
		return p.fail(path, open, nil, "an operator object cannot be empty; use one of %s", operatorList)
	}
	name := tok.(string) // the decoder allows only strings here

	var c cond
	switch name {
	case opPrefix, opSuffix:
		c, err = p.affix(name, path)
	case opEqualsIgnoreCase:
		var s string
		if s, err = p.str(path, name); err == nil {
			c = cond{kind: condFold, strs: []string{foldString(s)}}
		}
	case opWildcard:
		c, err = p.wildcard(path, name)
	case opNumeric:
		c, err = p.numeric(path)
	case opAnythingBut:
		c, err = p.anythingBut(path)
	case opCIDR:
		c, err = p.cidr(path)
	case opExists:
		err = p.exists(lf, path)
	default:
		return p.fail(path, off, nil, "unknown operator %q; use one of %s", name, operatorList)
	}
	if err != nil {
		return err
	}
	if name != opExists {
		lf.conds = append(lf.conds, c)
	}

	// One operator per object.
	tok, off, err = p.next(path)
	if err != nil {
		return err
	}
	if tok != json.Delim('}') {
		return p.fail(path, off, nil, "an operator object must have exactly one key; %s is followed by another", name)
	}
	return nil
}

// str reads a string operand of operator op.
func (p *parser) str(path []string, op string) (string, error) {
	tok, off, err := p.next(path)
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", p.fail(path, off, nil, "%s needs a string, not %s", op, describe(tok))
	}
	return s, nil
}

// strList reads the operand of op inside anything-but: a string or a
// non-empty array of strings. It returns the strings with the offset of
// each, for errors about one of them.
func (p *parser) strList(path []string, op string) ([]string, []int64, error) {
	tok, off, err := p.next(path)
	if err != nil {
		return nil, nil, err
	}
	switch t := tok.(type) {
	case string:
		return []string{t}, []int64{off}, nil
	case json.Delim:
		if t != '[' {
			break
		}
		if err := p.enter(path, off); err != nil {
			return nil, nil, err
		}
		var (
			out  []string
			offs []int64
		)
		for {
			tok, eoff, err := p.next(path)
			if err != nil {
				return nil, nil, err
			}
			if tok == json.Delim(']') {
				break
			}
			s, ok := tok.(string)
			if !ok {
				return nil, nil, p.fail(path, eoff, nil, "anything-but %s list must hold only strings; element [%d] is %s", op, len(out), describe(tok))
			}
			out = append(out, s)
			offs = append(offs, eoff)
		}
		p.leave()
		if len(out) == 0 {
			return nil, nil, p.fail(path, off, nil, "anything-but %s list cannot be empty", op)
		}
		return out, offs, nil
	}
	return nil, nil, p.fail(path, off, nil, "anything-but %s needs a string or an array of strings, not %s", op, describe(tok))
}

// affix parses the operand of prefix or suffix: a string, or an object
// {"equals-ignore-case": string}.
func (p *parser) affix(op string, path []string) (cond, error) {
	kind, foldKind := condPrefix, condPrefixFold
	if op == opSuffix {
		kind, foldKind = condSuffix, condSuffixFold
	}
	tok, off, err := p.next(path)
	if err != nil {
		return cond{}, err
	}
	switch tok := tok.(type) {
	case string:
		return cond{kind: kind, strs: []string{tok}}, nil
	case json.Delim:
		if tok != '{' {
			break
		}
		if err := p.enter(path, off); err != nil {
			return cond{}, err
		}
		key, koff, err := p.next(path)
		if err != nil {
			return cond{}, err
		}
		if key != opEqualsIgnoreCase {
			return cond{}, p.fail(path, koff, nil, "%s accepts only an equals-ignore-case object, not %s", op, describeKey(key))
		}
		s, err := p.str(path, op+" equals-ignore-case")
		if err != nil {
			return cond{}, err
		}
		end, eoff, err := p.next(path)
		if err != nil {
			return cond{}, err
		}
		if end != json.Delim('}') {
			return cond{}, p.fail(path, eoff, nil, "%s object must have exactly one key", op)
		}
		p.leave()
		return cond{kind: foldKind, strs: []string{foldString(s)}}, nil
	}
	return cond{}, p.fail(path, off, nil, "%s needs a string or {\"equals-ignore-case\": string}, not %s", op, describe(tok))
}

// describeKey names a token found where an operator name was expected.
func describeKey(tok json.Token) string {
	if s, ok := tok.(string); ok {
		return strconv.Quote(s)
	}
	return describe(tok)
}

// wildcard parses the operand of wildcard.
func (p *parser) wildcard(path []string, op string) (cond, error) {
	tok, off, err := p.next(path)
	if err != nil {
		return cond{}, err
	}
	s, ok := tok.(string)
	if !ok {
		return cond{}, p.fail(path, off, nil, "%s needs a string, not %s", op, describe(tok))
	}
	g, err := compileGlob(s)
	if err != nil {
		return cond{}, p.fail(path, off, nil, "%s %q: %v", op, s, err)
	}
	return cond{kind: condWildcard, globs: []glob{g}}, nil
}

// numeric parses the operand of numeric: [op, n] or [lower-op, n, upper-op, m].
func (p *parser) numeric(path []string) (cond, error) {
	const usage = `numeric needs an operator and a number, such as [">", 0, "<=", 5]`
	tok, open, err := p.next(path)
	if err != nil {
		return cond{}, err
	}
	if tok != json.Delim('[') {
		return cond{}, p.fail(path, open, nil, "%s, not %s", usage, describe(tok))
	}
	if err := p.enter(path, open); err != nil {
		return cond{}, err
	}
	c := cond{kind: condRange}
	for i := 0; ; i++ {
		// An operator, or the end.
		tok, off, err := p.next(path)
		if err != nil {
			return cond{}, err
		}
		if tok == json.Delim(']') {
			if i == 0 {
				return cond{}, p.fail(path, open, nil, "numeric needs an operator and a number")
			}
			break
		}
		if i == 2 {
			return cond{}, p.fail(path, off, nil, "numeric has too many elements; at most a lower and an upper bound")
		}
		op, ok := tok.(string)
		if !ok {
			return cond{}, p.fail(path, off, nil, "numeric needs an operator and a number; found %s where an operator belongs", describe(tok))
		}
		switch op {
		case "=", "<", "<=", ">", ">=":
		default:
			return cond{}, p.fail(path, off, nil, "numeric: unknown operator %q; use =, <, <=, > or >=", op)
		}

		// Its operand.
		tok, noff, err := p.next(path)
		if err != nil {
			return cond{}, err
		}
		if tok == json.Delim(']') {
			return cond{}, p.fail(path, noff, nil, "numeric needs an operator and a number; %q has no number", op)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return cond{}, p.fail(path, noff, nil, "numeric: the operand of %q must be a number, not %s", op, describe(tok))
		}
		n, err := parseNumber(num)
		if err != nil {
			return cond{}, p.fail(path, noff, nil, "numeric: number %s is out of range", num)
		}

		// The first condition may be anything; a second must be an upper
		// bound after a lower bound.
		if i == 1 && !(c.hasLo && !c.hasHi && (op == "<" || op == "<=")) {
			return cond{}, p.fail(path, off, nil, "numeric: a range is a lower bound (> or >=) followed by an upper bound (< or <=); %q cannot follow", op)
		}
		switch op {
		case "=":
			c.lo, c.hi, c.hasLo, c.hasHi, c.loIncl, c.hiIncl = n.f, n.f, true, true, true, true
		case ">", ">=":
			c.lo, c.hasLo, c.loIncl = n.f, true, op == ">="
		case "<", "<=":
			c.hi, c.hasHi, c.hiIncl = n.f, true, op == "<="
		}
		if op == "=" {
			// "=" stands alone.
			tok, eoff, err := p.next(path)
			if err != nil {
				return cond{}, err
			}
			if tok != json.Delim(']') {
				return cond{}, p.fail(path, eoff, nil, `numeric: "=" cannot be combined with another condition`)
			}
			break
		}
	}
	p.leave()
	if c.hasLo && c.hasHi && (c.lo > c.hi || c.lo == c.hi && !(c.loIncl && c.hiIncl)) {
		return cond{}, p.fail(path, open, nil, "numeric: the range is empty; the lower bound %v is not below the upper bound %v", c.lo, c.hi)
	}
	return c, nil
}

// anythingBut parses the operand of anything-but: a string, a number, a
// non-empty array of only strings or only numbers, or an object with one of
// prefix, suffix, equals-ignore-case or wildcard.
func (p *parser) anythingBut(path []string) (cond, error) {
	const usage = "anything-but needs a string, a number, an array of strings or of numbers, or an object with prefix, suffix, equals-ignore-case or wildcard"
	tok, off, err := p.next(path)
	if err != nil {
		return cond{}, err
	}
	switch t := tok.(type) {
	case string:
		return cond{kind: condStrings, strs: []string{t}, neg: true}, nil
	case json.Number:
		n, err := parseNumber(t)
		if err != nil {
			return cond{}, p.fail(path, off, nil, "anything-but: number %s is out of range", t)
		}
		return cond{kind: condNumbers, nums: []number{n}, neg: true}, nil
	case json.Delim:
		switch t {
		case '[':
			return p.anythingButList(path, off)
		case '{':
			return p.anythingButObject(path, off)
		}
	}
	return cond{}, p.fail(path, off, nil, "%s; found %s", usage, describe(tok))
}

// anythingButList parses an anything-but array whose '[' at open was read.
func (p *parser) anythingButList(path []string, open int64) (cond, error) {
	if err := p.enter(path, open); err != nil {
		return cond{}, err
	}
	var (
		strs []string
		nums []number
	)
	for {
		tok, off, err := p.next(path)
		if err != nil {
			return cond{}, err
		}
		if tok == json.Delim(']') {
			break
		}
		switch t := tok.(type) {
		case string:
			strs = append(strs, t)
		case json.Number:
			n, err := parseNumber(t)
			if err != nil {
				return cond{}, p.fail(path, off, nil, "anything-but: number %s is out of range", t)
			}
			nums = append(nums, n)
		default:
			return cond{}, p.fail(path, off, nil, "anything-but list must hold only strings or only numbers, not %s", describe(tok))
		}
		if len(strs) > 0 && len(nums) > 0 {
			return cond{}, p.fail(path, off, nil, "anything-but list must hold only strings or only numbers, not both")
		}
	}
	p.leave()
	switch {
	case len(strs) > 0:
		c := stringsCond(condStrings, strs)
		c.neg = true
		return c, nil
	case len(nums) > 0:
		return cond{kind: condNumbers, nums: nums, neg: true}, nil
	}
	return cond{}, p.fail(path, open, nil, "anything-but list cannot be empty")
}

// anythingButObject parses an anything-but object whose '{' at open was read.
func (p *parser) anythingButObject(path []string, open int64) (cond, error) {
	if err := p.enter(path, open); err != nil {
		return cond{}, err
	}
	tok, off, err := p.next(path)
	if err != nil {
		return cond{}, err
	}
	var c cond
	switch tok {
	case opPrefix, opSuffix:
		op := tok.(string)
		strs, offs, err := p.strList(path, op)
		if err != nil {
			return cond{}, err
		}
		for i, s := range strs {
			if s == "" && len(strs) == 1 {
				return cond{}, p.fail(path, offs[i], nil, "anything-but %s cannot be empty", op)
			}
			if s == "" {
				return cond{}, p.fail(path, offs[i], nil, "anything-but %s cannot be empty; element [%d] is \"\"", op, i)
			}
		}
		c = cond{kind: condPrefix, strs: strs, neg: true}
		if op == opSuffix {
			c.kind = condSuffix
		}
	case opEqualsIgnoreCase:
		strs, _, err := p.strList(path, opEqualsIgnoreCase)
		if err != nil {
			return cond{}, err
		}
		for i, s := range strs {
			strs[i] = foldString(s)
		}
		c = cond{kind: condFold, strs: strs, neg: true}
	case opWildcard:
		strs, offs, err := p.strList(path, opWildcard)
		if err != nil {
			return cond{}, err
		}
		c = cond{kind: condWildcard, neg: true}
		for i, s := range strs {
			g, err := compileGlob(s)
			if err != nil {
				return cond{}, p.fail(path, offs[i], nil, "anything-but wildcard %q (element [%d]): %v", s, i, err)
			}
			c.globs = append(c.globs, g)
		}
	case json.Delim('}'):
		return cond{}, p.fail(path, open, nil, "anything-but object cannot be empty; use prefix, suffix, equals-ignore-case or wildcard")
	default:
		return cond{}, p.fail(path, off, nil, "anything-but does not support %s; use prefix, suffix, equals-ignore-case or wildcard", describeKey(tok))
	}
	tok, off, err = p.next(path)
	if err != nil {
		return cond{}, err
	}
	if tok != json.Delim('}') {
		return cond{}, p.fail(path, off, nil, "anything-but object must have exactly one key")
	}
	p.leave()
	return c, nil
}

// cidr parses the operand of cidr: an IPv4 or IPv6 prefix such as
// "10.0.0.0/24".
func (p *parser) cidr(path []string) (cond, error) {
	tok, off, err := p.next(path)
	if err != nil {
		return cond{}, err
	}
	s, ok := tok.(string)
	if !ok {
		return cond{}, p.fail(path, off, nil, "cidr needs a string such as \"10.0.0.0/24\", not %s", describe(tok))
	}
	pfx, err := netip.ParsePrefix(s)
	if err != nil {
		return cond{}, p.fail(path, off, nil, "cidr %q is not an IP prefix such as \"10.0.0.0/24\"", s)
	}
	return cond{kind: condCIDR, cidr: pfx.Masked()}, nil
}

// exists parses the operand of exists and records it on lf.
func (p *parser) exists(lf *leaf, path []string) error {
	tok, off, err := p.next(path)
	if err != nil {
		return err
	}
	b, ok := tok.(bool)
	if !ok {
		return p.fail(path, off, nil, "exists needs true or false, not %s", describe(tok))
	}
	if b {
		lf.exists = true
	} else {
		lf.absent = true
	}
	return nil
}

// parseNumber converts a pattern number; it fails for numbers beyond the
// float64 range.
func parseNumber(n json.Number) (number, error) {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) {
		return number{}, fmt.Errorf("number %s is out of range", n)
	}
	return number{f: f, text: string(n), integer: isInteger(string(n))}, nil
}

// stringsCond returns a condition of kind over the distinct strs, with a
// set for quick look-up when there are many.
func stringsCond(kind condKind, strs []string) cond {
	seen := make(map[string]struct{}, len(strs))
	out := strs[:0:0]
	for _, s := range strs {
		if _, ok := seen[s]; !ok {
			seen[s] = struct{}{}
			out = append(out, s)
		}
	}
	c := cond{kind: kind, strs: out}
	if len(out) > maxScanStrings {
		c.set = seen
	}
	return c
}

// compileGlob compiles a wildcard pattern: "*" matches any run of characters,
// "\*" a literal star and "\\" a literal backslash. As in EventBridge, two
// consecutive stars and any other escape are errors.
func compileGlob(s string) (glob, error) {
	var (
		parts []string
		cur   strings.Builder
		star  bool // the previous character was an unescaped star
	)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*':
			if star {
				return glob{}, errors.New("consecutive * are not allowed")
			}
			parts = append(parts, cur.String())
			cur.Reset()
			star = true
			continue
		case '\\':
			if i+1 == len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return glob{}, errors.New(`a backslash may only escape * or \`)
			}
			i++
			cur.WriteByte(s[i])
		default:
			cur.WriteByte(c)
		}
		star = false
	}
	parts = append(parts, cur.String())
	return glob{parts: parts}, nil
}
