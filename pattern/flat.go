package pattern

import (
	"fmt"
	"math"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// MaxEventDepth is the deepest nesting of objects and arrays accepted in an
// event, the limit encoding/json applies too. Deeper events are refused
// with ErrInvalidEvent rather than scanned.
const MaxEventDepth = 10000

// vkind is the JSON type of a flattened value.
type vkind uint8

const (
	vOther  vkind = iota // a Go value MatchValue cannot classify; matches nothing
	vObject              // members follow, each with its key
	vArray               // elements follow
	vString              // val is the unescaped string
	vNumber              // val is the number literal
	vTrue
	vFalse
	vNull
)

// fnode is one value of a flattened event. Values are stored in document
// order (pre-order): an object's or array's members follow it, and end
// points past its last descendant, so siblings are reached by jumping to
// end. Texts are offsets into the event or, when they had escapes, into
// the arena, so that a fnode holds no pointer and filling the tape costs
// no write barrier.
type fnode struct {
	koff, klen int32 // the member name when the parent is an object
	voff, vlen int32 // vString: the unescaped string; vNumber: the literal
	end        int32 // index one past the value's subtree
	kind       vkind
	flags      uint8 // keyInArena, valInArena
}

// fnode flags: where a text lives.
const (
	keyInArena = 1 << iota
	valInArena
)

// Flat is an event flattened once, to be matched by any number of patterns
// ([Pattern.MatchFlat], [Set.MatchFlat], [Matcher.AppendMatches]). It is
// a tape of the event's values in document order: each value with the key
// it sits under, its type and its text, and the extent of its subtree, so
// the path of every value is known and array elements stay apart, which
// array consistency and exists:false need.
//
// Reset fills it from raw JSON with a streaming scanner that reuses the
// Flat's buffers: once they have grown to the size of the events seen, a
// Reset allocates nothing, whatever the number of fields. Strings without
// escapes are not copied: they refer to the event's bytes, which must not
// change while the Flat is in use. The zero Flat is empty and ready to use;
// a Flat must not be used by two goroutines at once.
type Flat struct {
	nodes []fnode
	src   []byte // the event
	arena []byte // unescaped strings and formatted numbers

	// lookups caches member look-ups for the event in hand, entries of
	// other events being told apart by gen: patterns of a Matcher name the
	// same keys ("dynamodb", "NewImage") over and over, and their keys are
	// interned at compile time, so a key is known by its address.
	lookups [lookupSlots]lookup
	gen     uint32

	// alias, when set by Alias, makes member alias.from of the object
	// at alias.obj read as its member alias.to (see Alias).
	alias struct {
		obj      int32
		from, to string
		on       bool
	}

	// memo is the last Matcher.Matches answer for this event: ids of
	// matcher m, valid while gen is memoGen (gen moves on every Reset and
	// every Alias or Unalias).
	memo    []string
	memoM   *Matcher
	memoGen uint32
}

// lookupSlots is the size of the direct-mapped look-up cache of a Flat.
const lookupSlots = 256

// lookup is a cached result of Flat.get: the member key (by address and
// length) of the object at obj is at res, or absent when res is -1.
type lookup struct {
	key      uintptr
	klen     int32
	obj, res int32
	gen      uint32
}

// text returns the text at off, len, in the arena or in the event.
func (f *Flat) text(off, n int32, inArena bool) string {
	if n == 0 {
		return ""
	}
	if inArena {
		return unsafe.String(&f.arena[off], n)
	}
	return unsafe.String(&f.src[off], n)
}

// key returns the member name of the value at i.
func (f *Flat) key(i int32) string {
	n := &f.nodes[i]
	return f.text(n.koff, n.klen, n.flags&keyInArena != 0)
}

// val returns the text of the string or number at i.
func (f *Flat) val(i int32) string {
	n := &f.nodes[i]
	return f.text(n.voff, n.vlen, n.flags&valInArena != 0)
}

// Len returns the number of values in the flattened event: objects, arrays
// and leaf values. It is 0 before the first successful Reset.
func (f *Flat) Len() int { return len(f.nodes) }

// Reset flattens the JSON event, replacing what f held. The error wraps
// ErrInvalidEvent, naming the offset and the problem, when event is not a
// single JSON value in UTF-8 or nests deeper than MaxEventDepth; f is then
// empty. Reset never panics and uses memory proportional to len(event).
func (f *Flat) Reset(event []byte) error {
	return f.reset(event, allKeys)
}

// reset flattens event keeping only the members whose key paths are in
// keys, and the values under them; the rest is validated and skipped.
// Patterns look up only the keys they name, so a Flat reset for the key
// paths of some patterns matches them as a full one would, with a shorter
// tape. Pattern.Match, Set.Match and Matcher.MatchesForEvent use it; a Flat
// given to callers is always full.
func (f *Flat) reset(event []byte, keys *keyTrie) error {
	f.nodes = f.nodes[:0]
	f.arena = f.arena[:0]
	f.src = event
	f.alias.on = false
	f.nextGen()
	s := scanner{b: event, f: f}
	if len(event) > math.MaxInt32 {
		return s.fail("event is %d bytes; the limit is %d", len(event), math.MaxInt32)
	}
	// A DynamoDB record holds about one value per 14 bytes.
	if want := len(event)/8 + 16; cap(f.nodes) < want {
		f.nodes = make([]fnode, 0, want)
	}
	s.nodes = f.nodes[:cap(f.nodes)]
	s.skipSpace()
	err := s.value(span{}, keys)
	if err == nil {
		s.skipSpace()
		if s.i != len(s.b) {
			err = s.fail("data after the top-level value")
		}
	}
	if err != nil {
		f.nodes = s.nodes[:0]
		return err
	}
	f.nodes = s.nodes[:s.n]
	return nil
}

// nextGen moves f to a new generation: cached member look-ups and the
// memoised Matcher answer of the last one no longer apply.
func (f *Flat) nextGen() {
	f.gen++
	if f.gen == 0 { // wrapped: forget every cached look-up
		f.lookups = [lookupSlots]lookup{}
		f.memoM = nil
		f.gen = 1
	}
}

// Alias makes the member from of the object at path (member names from
// the event's top, each an object) read as its member to, for every
// pattern matched until Unalias or the next Reset: a pattern naming from
// sees to's value, or nothing when to is absent; to itself still reads as
// to. It reports false, changing nothing, when path does not lead to an
// object.
//
// It lets one flattening answer "did this match before?": with
// ("dynamodb"), "NewImage", "OldImage" a DynamoDB stream record reads as
// the same record with its old image in place of the new one, as if that
// record had been encoded and flattened, with no copy.
func (f *Flat) Alias(path []string, from, to string) bool {
	f.Unalias()
	if len(f.nodes) == 0 || f.nodes[0].kind != vObject {
		return false
	}
	i := int32(0)
	for _, k := range path {
		j, ok := f.get(i, k)
		if !ok || f.nodes[j].kind != vObject {
			return false
		}
		i = j
	}
	f.alias.obj, f.alias.from, f.alias.to, f.alias.on = i, from, to, true
	f.nextGen()
	return true
}

// Unalias ends the Alias in force, if any.
func (f *Flat) Unalias() {
	if f.alias.on {
		f.alias.on = false
		f.nextGen()
	}
}

// flatPool holds Flats for Pattern.Match, Set.Match and Matcher.Matches.
var flatPool = sync.Pool{New: func() any { return new(Flat) }}

// maxPooledNodes bounds the Flats kept in flatPool, so that one huge event
// does not pin its buffers for ever.
const maxPooledNodes = 1 << 16

func getFlat() *Flat { return flatPool.Get().(*Flat) }

func putFlat(f *Flat) {
	if cap(f.nodes) > maxPooledNodes || cap(f.arena) > 16*maxPooledNodes {
		return
	}
	f.nodes = f.nodes[:0]
	f.arena = f.arena[:0]
	f.src = nil
	f.memoM = nil
	f.alias.on = false
	flatPool.Put(f)
}

// scanner reads one JSON text into a Flat. It validates as it goes, by the
// grammar of RFC 8259, and requires UTF-8 in strings.
type scanner struct {
	b     []byte
	i     int // the next byte to read
	f     *Flat
	depth int
	nodes []fnode // the tape being filled, f.nodes at full capacity
	n     int     // the number of values in nodes
}

// fail returns an error wrapping ErrInvalidEvent at the current offset.
func (s *scanner) fail(format string, args ...any) error {
	return fmt.Errorf("pattern: %w: %s at offset %d", ErrInvalidEvent, fmt.Sprintf(format, args...), s.i)
}

// unexpected reports the byte at the current offset, or the end.
func (s *scanner) unexpected(what string) error {
	if s.i >= len(s.b) {
		return s.fail("unexpected end of input; expected %s", what)
	}
	return s.fail("invalid character %q; expected %s", s.b[s.i], what)
}

func (s *scanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// span is a text being stored: its offset, length and whether it is in the
// arena.
type span struct {
	off, n  int32
	inArena bool
}

// text returns the text of a span read by the scanner.
func (s *scanner) text(sp span) string {
	return s.f.text(sp.off, sp.n, sp.inArena)
}

// push appends a value under key and returns its index. It writes into
// the spare capacity of s.nodes by index, growing it only when full, so that
// filling the tape stores no slice header (and no pointer) per value.
func (s *scanner) push(kind vkind, key, val span) int32 {
	if s.n == len(s.nodes) {
		s.nodes = append(s.nodes, fnode{})
		s.nodes = s.nodes[:cap(s.nodes)]
	}
	var flags uint8
	if key.inArena {
		flags |= keyInArena
	}
	if val.inArena {
		flags |= valInArena
	}
	s.nodes[s.n] = fnode{
		koff: key.off, klen: key.n, voff: val.off, vlen: val.n,
		kind: kind, flags: flags, end: int32(s.n + 1),
	}
	s.n++
	return int32(s.n - 1)
}

// value reads the value starting at the current offset, stored under key.
func (s *scanner) value(key span, t *keyTrie) error {
	if s.i >= len(s.b) {
		return s.unexpected("a value")
	}
	switch c := s.b[s.i]; c {
	case '{':
		return s.object(key, t)
	case '[':
		return s.array(key, t)
	case '"':
		v, err := s.str()
		if err != nil {
			return err
		}
		if t != nil {
			s.push(vString, key, v)
		}
		return nil
	case 't':
		return s.literal(key, t, "true", vTrue)
	case 'f':
		return s.literal(key, t, "false", vFalse)
	case 'n':
		return s.literal(key, t, "null", vNull)
	default:
		if c == '-' || '0' <= c && c <= '9' {
			return s.number(key, t)
		}
	}
	return s.unexpected("a value")
}

func (s *scanner) literal(key span, t *keyTrie, lit string, kind vkind) error {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return s.unexpected(lit)
	}
	s.i += len(lit)
	if t != nil {
		s.push(kind, key, span{})
	}
	return nil
}

// enter counts one more level of nesting.
func (s *scanner) enter() error {
	s.depth++
	if s.depth > MaxEventDepth {
		return s.fail("nesting is deeper than %d levels (MaxEventDepth)", MaxEventDepth)
	}
	return nil
}

func (s *scanner) object(key span, t *keyTrie) error {
	if err := s.enter(); err != nil {
		return err
	}
	at := int32(-1)
	if t != nil {
		at = s.push(vObject, key, span{})
	}
	s.i++ // '{'
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
	} else {
		for {
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return s.unexpected("a member name")
			}
			name, err := s.str()
			if err != nil {
				return err
			}
			s.skipSpace()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return s.unexpected("':' after a member name")
			}
			s.i++
			s.skipSpace()
			if err := s.value(name, t.child(s.text(name))); err != nil {
				return err
			}
			s.skipSpace()
			if s.i < len(s.b) && s.b[s.i] == ',' {
				s.i++
				s.skipSpace()
				continue
			}
			if s.i < len(s.b) && s.b[s.i] == '}' {
				s.i++
				break
			}
			return s.unexpected("',' or '}' in an object")
		}
	}
	if at >= 0 {
		s.nodes[at].end = int32(s.n)
	}
	s.depth--
	return nil
}

func (s *scanner) array(key span, t *keyTrie) error {
	if err := s.enter(); err != nil {
		return err
	}
	at := int32(-1)
	if t != nil {
		at = s.push(vArray, key, span{})
	}
	s.i++ // '['
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
	} else {
		for {
			if err := s.value(span{}, t); err != nil {
				return err
			}
			s.skipSpace()
			if s.i < len(s.b) && s.b[s.i] == ',' {
				s.i++
				s.skipSpace()
				continue
			}
			if s.i < len(s.b) && s.b[s.i] == ']' {
				s.i++
				break
			}
			return s.unexpected("',' or ']' in an array")
		}
	}
	if at >= 0 {
		s.nodes[at].end = int32(s.n)
	}
	s.depth--
	return nil
}

// number reads a number literal: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
// Its value is parsed only when a condition needs it.
func (s *scanner) number(key span, t *keyTrie) error {
	start := s.i
	b := s.b
	i := s.i
	if b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		s.i = i
		return s.unexpected("a digit")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			s.i = i
			return s.unexpected("a digit after '.'")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			s.i = i
			return s.unexpected("a digit in the exponent")
		}
	}
	s.i = i
	if t != nil {
		s.push(vNumber, key, span{off: int32(start), n: int32(i - start)})
	}
	return nil
}

// plain marks the bytes a string may hold without escaping: not a quote,
// a backslash, a control character or a non-ASCII byte.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads a string whose opening quote is at the current offset. A
// string without escapes refers to the event's bytes; one with escapes is
// unescaped into the arena.
func (s *scanner) str() (span, error) {
	b := s.b
	start := s.i + 1
	i := start
	for {
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			s.i = i
			return span{}, s.unexpected("'\"' closing a string")
		}
		switch c := b[i]; {
		case c == '"':
			s.i = i + 1
			return span{off: int32(start), n: int32(i - start)}, nil
		case c == '\\':
			return s.strEscaped(start, i)
		case c < 0x20:
			s.i = i
			return span{}, s.fail("control character %#x in a string", c)
		default:
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				s.i = i
				return span{}, s.fail("invalid UTF-8 in a string")
			}
			i += n
		}
	}
}

// strEscaped finishes a string from start whose first backslash is at i,
// unescaping it into the arena.
func (s *scanner) strEscaped(start, i int) (span, error) {
	b := s.b
	from := len(s.f.arena)
	buf := append(s.f.arena, b[start:i]...)
	for {
		if i >= len(b) {
			s.i = i
			s.f.arena = buf
			return span{}, s.unexpected("'\"' closing a string")
		}
		c := b[i]
		switch {
		case c == '"':
			s.i = i + 1
			s.f.arena = buf
			return span{off: int32(from), n: int32(len(buf) - from), inArena: true}, nil
		case c == '\\':
			if i+1 >= len(b) {
				s.i = i + 1
				s.f.arena = buf
				return span{}, s.unexpected("an escape")
			}
			i += 2
			switch e := b[i-1]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(b, i)
				if !ok {
					s.i = i
					s.f.arena = buf
					return span{}, s.fail(`invalid \u escape`)
				}
				i += 4
				if 0xD800 <= r && r < 0xDC00 {
					// A high surrogate: combine it with a following low one.
					if i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
						if r2, ok := hex4(b, i+2); ok && 0xDC00 <= r2 && r2 < 0xE000 {
							r = (r-0xD800)<<10 | (r2 - 0xDC00) + 0x10000
							i += 6
						}
					}
				}
				if 0xD800 <= r && r < 0xE000 {
					// A lone surrogate becomes U+FFFD, as encoding/json does.
					r = utf8.RuneError
				}
				buf = utf8.AppendRune(buf, r)
			default:
				s.i = i - 1
				s.f.arena = buf
				return span{}, s.fail("invalid escape %q in a string", "\\"+string(rune(e)))
			}
		case c < 0x20:
			s.i = i
			s.f.arena = buf
			return span{}, s.fail("control character %#x in a string", c)
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				s.i = i
				s.f.arena = buf
				return span{}, s.fail("invalid UTF-8 in a string")
			}
			buf = append(buf, b[i:i+n]...)
			i += n
		}
	}
}

// hex4 decodes the four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if len(b)-i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
