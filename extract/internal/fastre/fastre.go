// Package fastre runs the engine's large alternation regexps ("please|could
// you|let me know|…", a hundred marketing phrases) faster than package
// regexp does on its own, with exactly the same results.
//
// Go's regexp has no literal-set prefilter: an unanchored search for a
// pattern with a hundred alternatives steps its NFA through every byte of
// the text with every alternative alive. Most of those bytes cannot begin a
// match. A Regexp here derives, from the syntax tree, the set of short
// prefixes (up to three bytes, ASCII case folded; a non-ASCII letter by its
// UTF-8 bytes, in each of its cases) that every match must begin with,
// scans the text for positions that start with one of them, and runs the
// anchored pattern only there; a branch that begins with ^ makes the
// text's start (or, multi-line, every line's start) a candidate too. At a
// candidate it runs only the alternatives that can begin with the byte
// there ("client|courier|…" at a "c", not "van|visitor|…"), which is most
// of the saving on the large alternations. A pattern every match of which
// begins with \b also skips the positions where \b cannot hold (inside a
// word, where "no" of "know" and "art" of "start" would pass the prefix
// test). A pattern for which no such set
// can be derived (one that may match the empty string, or begin with any
// character) runs as plain regexp.
//
// Case: prefixes and text are compared after ASCII lower-casing, which
// keeps the gate sound for both case-sensitive and (?i) patterns: it may
// let through a position the pattern then rejects, never the reverse.
package fastre

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// prefixLen is the longest prefix the gate compares.
const prefixLen = 3

// maxPrefixes bounds the derived set; a larger one gives up the gate.
const maxPrefixes = 1024

// maxFanOut bounds how many prefixes one character class may create.
const maxFanOut = 64

// bigRepeat reports whether re holds a counted repeat of more than 50:
// the gate compiles the pattern twice more, and such a repeat ("{2,1000}")
// makes each copy large, costing more memory than the gate saves time.
func bigRepeat(re *syntax.Regexp) bool {
	if re.Op == syntax.OpRepeat && re.Max > 50 {
		return true
	}
	for _, sub := range re.Sub {
		if bigRepeat(sub) {
			return true
		}
	}
	return false
}

// window is how much text after a candidate position the anchored pattern
// first sees; a match that reaches the window's end is confirmed on the
// whole remainder, so the window only bounds the common case's cost. For a
// pattern no match of which is longer than the window (see bounded) the
// result is regexp's. For one with an unbounded repeat it may not be, on
// text that repeats over 256 bytes: "x\w*y|x" on "x", 300 letters and "y"
// finds "x" where regexp finds the whole (the engine's patterns were
// checked on real mail; see also compile).
const window = 256

// Regexp is a pattern with its prefix gate, compiled on first use: the
// engine declares about 140 of them at package level, and compiling them
// all (each up to three times, with its prefix set) cost 150 ms at every
// start of the binary, including the commands that never extract
// (issue 15).
type Regexp struct {
	expr string    // the pattern as written
	once sync.Once // compiles the gate (compile)
	// gate is allocated by compile: its tables (about 3 KB, mostly the
	// 256-entry arrays) are allocated with it, so that the package-level
	// patterns cost a few words each at init rather than 3 KB each
	// (about 600 KB for the engine's, which made the runtime collect
	// during every start: issue 15). Its fields are promoted, so the
	// methods read r.first as before; each runs after get.
	*gate
}

// gate is a compiled pattern and its prefix gate.
type gate struct {
	re *regexp.Regexp // the pattern as written
	// at0 matches the pattern anchored at the start of the text; at1
	// first consumes one character (the one before the candidate
	// position) so that \b and \B see their true left neighbour.
	at0, at1 *regexp.Regexp
	first    [256]bool // first bytes of the prefixes, both cases
	// partial holds the proper prefixes of the prefixes, by length. A (?i)
	// literal k or s also matches the non-ASCII K (U+212A) or ſ (U+017F),
	// so for such patterns a non-ASCII byte in the text stands for any
	// letter: the position stays a candidate when a prefix goes on
	// from there.
	partial [prefixLen]map[string]bool
	// one, two and three are prefixes as tables the gate reads without
	// hashing a string at every byte of the text: one by byte, two as a
	// bit set per first byte, three as a map keyed by the three bytes.
	one     [256]bool
	two     [256]*[4]uint64
	three   map[uint32]bool
	foldAny bool
	// atStart is set when some branches of the pattern's top-level
	// alternation are anchored at the start of the text ("^\W*need …|
	// \bplease\b"): position 0 is always a candidate, and the prefixes
	// come from the other branches. lineStart is the same for a
	// multi-line ^ ("(?m)^[ \t]*regards"): every position after a line
	// break is a candidate.
	atStart, lineStart bool
	// wordStart is set when every match that is not anchored by ^ begins
	// with \b ("\b(?:please|could you)"): the gate then skips a position
	// whose byte and the one before it are both word bytes, or both not,
	// since \b (ASCII word characters only, in Go) cannot hold between
	// them. Inside words is where most three-byte prefixes recur ("no"
	// in "know", "art" in "start"), so this cuts both the scan and the
	// anchored runs it would start.
	wordStart bool
	gated     bool
	// bounded is set when no match is longer than window less one
	// character (the one \b or $ reads after it): only then does the
	// text past the window never change what matches at a position.
	bounded bool
	// short is set for such a pattern of unbounded length: it is gated
	// only on a text no longer than the window, where the window is the
	// whole remainder and cannot change a match (a sentence, mostly);
	// a longer text runs plain regexp.
	short bool
	// bySub and subs split a pattern whose matches begin with one of
	// many alternatives ("client|customer|courier|…"): at a candidate
	// position whose byte is c, only the alternatives that can begin
	// with c (ASCII lower-cased) can match, so the anchored pattern run
	// there is one of those alternatives alone, in their order (which
	// keeps regexp's leftmost-first choice). The pattern as written runs
	// at 0, at a line start, and where bySub is 0.
	bySub [256]uint8
	subs  []*subPattern
}

// subPattern is the pattern less the alternatives that cannot begin with
// a given byte, compiled on first use like the pattern itself.
type subPattern struct {
	expr string
	once sync.Once
	at1  *regexp.Regexp // as Regexp.at1
	none bool           // no alternative can begin with the byte: no match
}

// get compiles the anchored forms of sp on the first call.
func (sp *subPattern) get() *subPattern {
	sp.once.Do(func() {
		if sp.none {
			return
		}
		sp.at1 = regexp.MustCompile(`^(?s:.)(?:` + sp.expr + `)`)
	})
	return sp
}

// MustCompile returns the pattern expr, to be compiled as
// regexp.MustCompile does, with its gate, on its first use (any method);
// that use panics on a bad pattern. Compiled compiles every pattern
// declared so far, so that a package's tests find a bad one.
func MustCompile(expr string) *Regexp {
	r := &Regexp{expr: expr}
	register(r)
	return r
}

// get compiles r on its first call and returns it.
func (r *Regexp) get() *Regexp {
	r.once.Do(r.compile)
	return r
}

// compile compiles the pattern and derives its gate.
func (r *Regexp) compile() {
	r.gate = &gate{}
	expr := r.expr
	r.re = regexp.MustCompile(expr)
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		panic("fastre: " + err.Error())
	}
	if bigRepeat(tree) {
		return
	}
	simple := tree.Simplify()
	rest, atStart := unanchored(simple)
	if rest == nil {
		return // anchored throughout: regexp tries one place already
	}
	var pw prefixWalker
	set, ok := pw.prefixSet(rest)
	if !ok || len(set) == 0 || set[""] {
		return
	}
	// The window (see window) keeps the gate's result that of regexp
	// only for a pattern of bounded length. The patterns gated before
	// the gate read non-ASCII letters and ^ keep it whatever their
	// length, as they had it; a pattern that only those let through is
	// gated without condition when bounded, else only on short texts
	// (see short), so that none of them changes a match.
	r.bounded = false
	if n := maxLen(simple); n >= 0 && n+utf8.UTFMax <= window {
		r.bounded = true
	}
	if !r.bounded {
		old := prefixWalker{legacy: true}
		if oldSet, ok := old.prefixSet(rest); !ok || len(oldSet) == 0 || oldSet[""] {
			r.short = true
		}
	}
	r.atStart = atStart || pw.atStart
	r.lineStart = pw.lineStart
	r.wordStart = beginsWordBoundary(rest)
	r.foldAny = foldsASCII(tree)
	for i := range r.partial {
		r.partial[i] = map[string]bool{}
	}
	for s := range set {
		for i := 0; i < len(s); i++ {
			r.partial[i][s[:i]] = true
		}
		switch len(s) {
		case 1:
			r.one[s[0]] = true
		case 2:
			if r.two[s[0]] == nil {
				r.two[s[0]] = new([4]uint64)
			}
			r.two[s[0]][s[1]>>6] |= 1 << (s[1] & 63)
		case 3:
			if r.three == nil {
				r.three = map[uint32]bool{}
			}
			r.three[uint32(s[0])<<16|uint32(s[1])<<8|uint32(s[2])] = true
		}
		c := s[0]
		r.first[c] = true
		if 'a' <= c && c <= 'z' {
			r.first[c-'a'+'A'] = true
		}
	}
	if r.foldAny {
		for c := utf8.RuneSelf; c < 256; c++ {
			r.first[c] = true
		}
	}
	r.at0 = regexp.MustCompile(`^(?:` + expr + `)`)
	r.at1 = regexp.MustCompile(`^(?s:.)(?:` + expr + `)`)
	r.split(simple)
	r.gated = true
}

// maxLen returns the most bytes a match of re can span, or -1 when that
// has no bound (a *, + or open {n,} over something that consumes).
func maxLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune) * utf8.UTFMax // any case of a rune may be longer
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return utf8.UTFMax
	case syntax.OpCapture, syntax.OpQuest:
		return maxLen(re.Sub[0])
	case syntax.OpConcat, syntax.OpAlternate:
		n := 0
		for _, sub := range re.Sub {
			m := maxLen(sub)
			if m < 0 {
				return -1
			}
			if re.Op == syntax.OpConcat {
				n += m
			} else {
				n = max(n, m)
			}
		}
		return n
	case syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		m := maxLen(re.Sub[0])
		switch {
		case m == 0:
			return 0
		case m < 0 || re.Op != syntax.OpRepeat || re.Max < 0:
			return -1
		}
		return m * re.Max
	}
	return 0 // empty and zero-width
}

// split fills bySub and subs: for each byte c a candidate position may
// hold, the pattern less the alternatives that cannot begin with c (see
// prune), when that leaves some out.
func (r *Regexp) split(re *syntax.Regexp) { r.splitWith(&pruneMemo{}, re) }

// splitWith is split with the memo prune uses (nil: none).
func (r *Regexp) splitWith(memo *pruneMemo, re *syntax.Regexp) {
	var whole strings.Builder
	writeRE(&whole, re)
	byExpr := map[string]uint8{}
	for c := 0; c < 256; c++ {
		if !r.first[c] || 'A' <= c && c <= 'Z' || r.foldAny && c >= utf8.RuneSelf {
			continue // not a candidate's byte, looked up lower-cased, or any letter
		}
		sub := prune(memo, re, byte(c))
		if sub == re {
			continue // nothing left out: the pattern as written
		}
		expr := ""
		if sub != nil {
			var b strings.Builder
			writeRE(&b, sub)
			expr = b.String()
			if 2*len(expr) > whole.Len() {
				// Most of the pattern is left: not worth a regexp
				// of its own (each costs memory as long as the
				// process runs).
				continue
			}
		}
		if id, ok := byExpr[expr]; ok {
			r.bySub[c] = id
			continue
		}
		if len(r.subs) == 255 {
			return
		}
		r.subs = append(r.subs, &subPattern{expr: expr, none: sub == nil})
		r.bySub[c] = uint8(len(r.subs))
		byExpr[expr] = uint8(len(r.subs))
	}
}

// writeRE writes re as a pattern regexp parses back to the same: every
// part in a group of its own, every character as \x{…}, flags spelt out
// where they matter. (syntax.Regexp.String does the same but, to print
// the flags, folds every character of every class: on a class such as
// [^\n.!?] that is a million calls, and it took seconds for the engine's
// patterns.)
func writeRE(b *strings.Builder, re *syntax.Regexp) {
	runes := func(rs []rune) {
		for _, r := range rs {
			fmt.Fprintf(b, `\x{%x}`, r)
		}
	}
	suffix := func(op string) {
		b.WriteString(op)
		if re.Flags&syntax.NonGreedy != 0 {
			b.WriteByte('?')
		}
	}
	switch re.Op {
	case syntax.OpNoMatch:
		b.WriteString(`[^\x00-\x{10FFFF}]`)
	case syntax.OpEmptyMatch:
		b.WriteString(`(?:)`)
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			b.WriteString(`(?i:`)
			runes(re.Rune)
			b.WriteString(`)`)
		} else {
			b.WriteString(`(?:`)
			runes(re.Rune)
			b.WriteString(`)`)
		}
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			b.WriteString(`[^\x00-\x{10FFFF}]`)
			break
		}
		b.WriteByte('[')
		for i := 0; i+1 < len(re.Rune); i += 2 {
			fmt.Fprintf(b, `\x{%x}-\x{%x}`, re.Rune[i], re.Rune[i+1])
		}
		b.WriteByte(']')
	case syntax.OpAnyCharNotNL:
		b.WriteString(`(?-s:.)`)
	case syntax.OpAnyChar:
		b.WriteString(`(?s:.)`)
	case syntax.OpBeginLine:
		b.WriteString(`(?m:^)`)
	case syntax.OpEndLine:
		b.WriteString(`(?m:$)`)
	case syntax.OpBeginText:
		b.WriteString(`\A`)
	case syntax.OpEndText:
		b.WriteString(`\z`)
	case syntax.OpWordBoundary:
		b.WriteString(`\b`)
	case syntax.OpNoWordBoundary:
		b.WriteString(`\B`)
	case syntax.OpCapture:
		if re.Name != "" {
			b.WriteString(`(?P<` + re.Name + `>`)
		} else {
			b.WriteByte('(')
		}
		writeRE(b, re.Sub[0])
		b.WriteByte(')')
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		b.WriteString(`(?:`)
		writeRE(b, re.Sub[0])
		b.WriteString(`)`)
		suffix(map[syntax.Op]string{syntax.OpStar: "*", syntax.OpPlus: "+", syntax.OpQuest: "?"}[re.Op])
	case syntax.OpRepeat:
		b.WriteString(`(?:`)
		writeRE(b, re.Sub[0])
		b.WriteString(`)`)
		switch {
		case re.Max < 0:
			suffix(fmt.Sprintf("{%d,}", re.Min))
		case re.Min == re.Max:
			suffix(fmt.Sprintf("{%d}", re.Min))
		default:
			suffix(fmt.Sprintf("{%d,%d}", re.Min, re.Max))
		}
	case syntax.OpConcat, syntax.OpAlternate:
		b.WriteString(`(?:`)
		for i, sub := range re.Sub {
			if i > 0 && re.Op == syntax.OpAlternate {
				b.WriteByte('|')
			}
			writeRE(b, sub)
		}
		b.WriteString(`)`)
	default:
		panic(fmt.Sprintf("fastre: cannot write %v", re.Op))
	}
}

// prune returns re less the alternatives that cannot begin a match with
// the byte c (ASCII lower-cased) at a position that is neither the text's
// start nor a line's, or nil when no match can begin so; re itself when
// it leaves nothing out. It takes apart the alternations at the head of
// the pattern (after \b), recursively, and keeps the order of what it
// keeps, so regexp's leftmost-first choice among them is unchanged. m,
// when not nil, keeps what prune learns of each node of re for the next
// byte (split prunes the same tree for every byte).
func prune(m *pruneMemo, re *syntax.Regexp, c byte) *syntax.Regexp {
	switch re.Op {
	case syntax.OpAlternate:
		var keep []*syntax.Regexp
		same := true
		for _, sub := range re.Sub {
			p := prune(m, sub, c)
			if p != nil {
				keep = append(keep, p)
			}
			same = same && p == sub
		}
		switch {
		case same:
			return re
		case len(keep) == 0:
			return nil
		case len(keep) == 1:
			return keep[0]
		}
		cp := *re
		cp.Sub = keep
		return &cp
	case syntax.OpCapture:
		p := prune(m, re.Sub[0], c)
		if p == nil || p == re.Sub[0] {
			if p == nil {
				return nil
			}
			return re
		}
		cp := *re
		cp.Sub = []*syntax.Regexp{p}
		return &cp
	case syntax.OpConcat:
		k := 0
		for k < len(re.Sub) && (re.Sub[k].Op == syntax.OpWordBoundary || re.Sub[k].Op == syntax.OpNoWordBoundary || re.Sub[k].Op == syntax.OpEmptyMatch) {
			k++
		}
		if k < len(re.Sub) && !m.nullable(re.Sub[k]) {
			p := prune(m, re.Sub[k], c)
			if p == nil || p == re.Sub[k] {
				if p == nil {
					return nil
				}
				return re
			}
			cp := *re
			cp.Sub = append(append(append([]*syntax.Regexp{}, re.Sub[:k]...), p), re.Sub[k+1:]...)
			return &cp
		}
	}
	if m.mayBegin(re, c) {
		return re
	}
	return nil
}

// pruneMemo keeps, for each node of a pattern, what prune asks of it:
// whether it is nullable and the bytes its matches may begin with. prune
// asks the same of the same nodes for each of up to 256 bytes, and each
// answer walks the node's prefixes; compiling the engine's patterns spent
// most of its time there. The answers are those of nullable and mayBegin.
// A nil *pruneMemo computes each answer afresh.
type pruneMemo struct {
	nullables map[*syntax.Regexp]bool
	begins    map[*syntax.Regexp]*beginSet
}

// beginSet is what mayBegin answers for a node, for every byte: any when
// a match may begin with any byte (no set, or the empty prefix), else the
// first bytes of its prefixes.
type beginSet struct {
	any   bool
	first [256]bool
}

// nullable is nullable(re), remembered.
func (m *pruneMemo) nullable(re *syntax.Regexp) bool {
	if m == nil {
		return nullable(re)
	}
	v, ok := m.nullables[re]
	if !ok {
		if m.nullables == nil {
			m.nullables = map[*syntax.Regexp]bool{}
		}
		v = nullable(re)
		m.nullables[re] = v
	}
	return v
}

// mayBegin is mayBegin(re, c), from the node's beginSet.
func (m *pruneMemo) mayBegin(re *syntax.Regexp, c byte) bool {
	if m == nil {
		return mayBegin(re, c)
	}
	b := m.begins[re]
	if b == nil {
		if m.begins == nil {
			m.begins = map[*syntax.Regexp]*beginSet{}
		}
		b = &beginSet{}
		var pw prefixWalker
		if set, ok := pw.prefixSet(re); !ok {
			b.any = true
		} else {
			for s := range set {
				if s == "" {
					b.any = true
				} else {
					b.first[s[0]] = true
				}
			}
		}
		m.begins[re] = b
	}
	return b.any || b.first[c]
}

// mayBegin reports whether a match of re may begin with byte c (ASCII
// lower-cased) at a position that is neither the text's start nor a
// line's: true when the bytes it begins with cannot be told.
func mayBegin(re *syntax.Regexp, c byte) bool {
	var pw prefixWalker
	set, ok := pw.prefixSet(re)
	if !ok {
		return true
	}
	for s := range set {
		if s == "" || s[0] == c {
			return true
		}
	}
	return false
}

// nullable reports whether re may match without consuming anything (or
// that cannot be told), so that what follows it may begin the match.
func nullable(re *syntax.Regexp) bool {
	var pw prefixWalker
	items, ok := pw.walk(re, []item{{}})
	if !ok {
		return true
	}
	for _, it := range items {
		if it.s == "" && !it.done {
			return true
		}
	}
	return pw.atStart || pw.lineStart
}

var (
	mu       sync.Mutex
	compiled []*Regexp
)

// register records a pattern for Compiled.
func register(r *Regexp) {
	mu.Lock()
	defer mu.Unlock()
	compiled = append(compiled, r)
}

// Compiled compiles every pattern made by MustCompile so far (panicking on
// a bad one) and returns the gated ones, so that a package's tests can
// check each against package regexp on real text.
func Compiled() []*Regexp {
	mu.Lock()
	all := append([]*Regexp(nil), compiled...)
	mu.Unlock()
	var gated []*Regexp
	for _, r := range all {
		if r.get().gated {
			gated = append(gated, r)
		}
	}
	return gated
}

// String returns the source text of the pattern.
func (r *Regexp) String() string { return r.expr }

// Gated reports whether the pattern runs behind a prefix gate (for tests).
func (r *Regexp) Gated() bool { return r.get().gated }

// candidate reports whether a match may begin at s[p:]: whether the text
// there, ASCII lower-cased, begins with one of the prefixes (with a
// non-ASCII byte standing for any letter when the pattern folds case).
// It runs at every byte of the text that passes the first-byte table, so
// it reads the prefixes from tables (see one, two, three), not maps of
// strings.
func (r *Regexp) candidate(s string, p int) bool {
	if p == 0 && r.atStart || r.lineStart && (p == 0 || s[p-1] == '\n') {
		return true
	}
	if !r.first[s[p]] || !runeStart(s, p) {
		return false
	}
	if r.wordStart && wordByte[s[p]] == (p > 0 && wordByte[s[p-1]]) {
		return false // no \b between s[p-1] and s[p]
	}
	var buf [prefixLen]byte
	c0 := s[p]
	if c0 >= utf8.RuneSelf && r.foldAny {
		return r.partial[0][""]
	}
	c0 = lowerASCII(c0)
	if r.one[c0] {
		return true
	}
	if p+1 >= len(s) {
		return false
	}
	c1 := s[p+1]
	if c1 >= utf8.RuneSelf && r.foldAny {
		buf[0] = c0
		return r.partial[1][string(buf[:1])]
	}
	c1 = lowerASCII(c1)
	if row := r.two[c0]; row != nil && row[c1>>6]&(1<<(c1&63)) != 0 {
		return true
	}
	if p+2 >= len(s) {
		return false
	}
	c2 := s[p+2]
	if c2 >= utf8.RuneSelf && r.foldAny {
		buf[0], buf[1] = c0, c1
		return r.partial[2][string(buf[:2])]
	}
	return r.three[uint32(c0)<<16|uint32(c1)<<8|uint32(lowerASCII(c2))]
}

// lowerASCII lower-cases an ASCII capital and leaves any other byte.
func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// runeStart reports whether p begins a character as regexp decodes s:
// anywhere but inside a valid multi-byte sequence (a stray byte of invalid
// UTF-8 counts as a character of its own).
func runeStart(s string, p int) bool {
	if c := s[p]; c < 0x80 || c >= 0xC0 {
		return true
	}
	for q := p - 1; q >= 0 && q >= p-utf8.UTFMax+1; q-- {
		if c := s[q]; c < 0x80 || c >= 0xC0 {
			r, w := utf8.DecodeRuneInString(s[q:])
			return !(w > p-q && (r != utf8.RuneError || w > 1))
		}
	}
	return true
}

// matchAt returns the end of the match that begins at s[p:], or -1.
func (r *Regexp) matchAt(s string, p int) int {
	at0, at1 := r.at0, r.at1
	if p > 0 && s[p-1] != '\n' {
		// Neither the text's start nor a line's: the alternatives
		// that can begin with this byte alone.
		if i := r.bySub[lowerASCII(s[p])]; i > 0 {
			sp := r.subs[i-1].get()
			if sp.none {
				return -1
			}
			at1 = sp.at1
		}
	}
	try := func(end int) int {
		if p == 0 {
			if m := at0.FindStringIndex(s[:end]); m != nil {
				return m[1]
			}
			return -1
		}
		// Step back over one whole character so that \b sees it.
		_, w := utf8.DecodeLastRuneInString(s[:p])
		if m := at1.FindStringIndex(s[p-w : end]); m != nil {
			return p - w + m[1]
		}
		return -1
	}
	end := min(len(s), p+window)
	e := try(end)
	if end < len(s) && e == end {
		// The match touches the window's edge, where $ and \b read the
		// cut, not the text: decide on the whole remainder.
		e = try(len(s))
	}
	return e
}

// FindStringIndex returns the first match's bounds, or nil.
func (r *Regexp) FindStringIndex(s string) []int {
	if !r.get().gated || r.short && len(s) > window {
		return r.re.FindStringIndex(s)
	}
	for p := 0; p < len(s); p++ {
		if r.candidate(s, p) {
			if e := r.matchAt(s, p); e >= 0 {
				return []int{p, e}
			}
		}
	}
	return nil
}

// MatchString reports whether s holds a match.
func (r *Regexp) MatchString(s string) bool {
	return r.FindStringIndex(s) != nil
}

// FindString returns the first match's text, or "".
func (r *Regexp) FindString(s string) string {
	if m := r.FindStringIndex(s); m != nil {
		return s[m[0]:m[1]]
	}
	return ""
}

// FindAllStringIndex returns up to n (all when n < 0) successive
// non-overlapping matches, as regexp does.
func (r *Regexp) FindAllStringIndex(s string, n int) [][]int {
	if !r.get().gated || r.short && len(s) > window {
		return r.re.FindAllStringIndex(s, n)
	}
	var out [][]int
	for p := 0; p < len(s) && (n < 0 || len(out) < n); p++ {
		if !r.candidate(s, p) {
			continue
		}
		if e := r.matchAt(s, p); e >= 0 {
			out = append(out, []int{p, e})
			p = e - 1 // matches are never empty: the gate needs a byte
		}
	}
	return out
}

// FindAllString returns the texts of FindAllStringIndex.
func (r *Regexp) FindAllString(s string, n int) []string {
	var out []string
	for _, m := range r.FindAllStringIndex(s, n) {
		out = append(out, s[m[0]:m[1]])
	}
	return out
}

// MayMatch reports whether any position of s passes the gate; false means
// the pattern certainly does not match. Callers use it before a regexp
// method this package does not wrap (submatches, replacement).
func (r *Regexp) MayMatch(s string) bool {
	if !r.get().gated || r.short && len(s) > window {
		return true
	}
	for p := 0; p < len(s); p++ {
		if r.candidate(s, p) {
			return true
		}
	}
	return false
}

// Std returns the underlying regexp, for the methods not wrapped here.
func (r *Regexp) Std() *regexp.Regexp { return r.get().re }

// unanchored returns re less the branches of its top-level alternation
// that begin at the start of the text (^ outside multi-line mode), which
// can match at position 0 only, and whether it left any out; nil when
// every branch is anchored. Without such a branch it returns re.
func unanchored(re *syntax.Regexp) (*syntax.Regexp, bool) {
	if re.Op != syntax.OpAlternate {
		return re, false
	}
	var rest []*syntax.Regexp
	for _, sub := range re.Sub {
		if !beginsText(sub) {
			rest = append(rest, sub)
		}
	}
	switch len(rest) {
	case len(re.Sub):
		return re, false
	case 0:
		return nil, true
	case 1:
		return rest[0], true
	}
	return &syntax.Regexp{Op: syntax.OpAlternate, Flags: re.Flags, Sub: rest}, true
}

// beginsText reports whether every match of re begins with ^ (the start of
// the text): its first part, through concatenations and groups, is ^.
func beginsText(re *syntax.Regexp) bool {
	for {
		switch re.Op {
		case syntax.OpBeginText:
			return true
		case syntax.OpConcat, syntax.OpCapture:
			if len(re.Sub) == 0 {
				return false
			}
			re = re.Sub[0]
		default:
			return false
		}
	}
}

// beginsWordBoundary reports whether every match of re begins with \b:
// its first part, through concatenations, groups and every branch of an
// alternation, is an ASCII word boundary.
func beginsWordBoundary(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpWordBoundary:
		return true
	case syntax.OpConcat, syntax.OpCapture:
		return len(re.Sub) > 0 && beginsWordBoundary(re.Sub[0])
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			if !beginsWordBoundary(sub) {
				return false
			}
		}
		return len(re.Sub) > 0
	}
	return false
}

// wordByte is the bytes \b counts as word characters: ASCII letters,
// digits and the underscore (syntax.IsWordChar).
var wordByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c < utf8.RuneSelf && syntax.IsWordChar(rune(c))
	}
	return t
}()

// foldsASCII reports whether re holds a case-folded literal, which may
// match non-ASCII letters that fold to ASCII ones.
func foldsASCII(re *syntax.Regexp) bool {
	if re.Op == syntax.OpLiteral && re.Flags&syntax.FoldCase != 0 {
		return true
	}
	for _, sub := range re.Sub {
		if foldsASCII(sub) {
			return true
		}
	}
	return false
}

// item is a prefix under construction; done means it cannot grow (it hit
// prefixLen or a part too wide to enumerate) and is already a valid
// prefix of every match it stands for.
type item struct {
	s    string
	done bool
}

// prefixWalker derives prefix sets. A path through the pattern that
// reaches ^ before it consumes anything matches only at the start of the
// text (or, multi-line, of a line): it adds no prefix but sets atStart (or
// lineStart), so that those positions are always candidates.
type prefixWalker struct {
	atStart, lineStart bool
	// legacy derives the set as the gate did before it read non-ASCII
	// letters and ^ (see Regexp.compile): a non-ASCII letter ends a
	// prefix, and a ^ past the top level gives up.
	legacy bool
}

// prefixSet derives the set of strings one of which begins every match of
// re that does not begin at a start the walker's flags name, lower-cased,
// each at most prefixLen bytes; ok is false when no useful set exists.
func (pw *prefixWalker) prefixSet(re *syntax.Regexp) (map[string]bool, bool) {
	items, ok := pw.walk(re, []item{{}})
	if !ok {
		return nil, false
	}
	out := map[string]bool{}
	for _, it := range items {
		out[it.s] = true
	}
	return out, true
}

// walk extends every item by what re can match next.
func (pw *prefixWalker) walk(re *syntax.Regexp, in []item) ([]item, bool) {
	if len(in) > maxPrefixes {
		return nil, false
	}
	switch re.Op {
	case syntax.OpBeginText, syntax.OpBeginLine:
		if pw.legacy {
			return nil, false
		}
	}
	switch re.Op {
	case syntax.OpBeginText:
		// A path that has consumed nothing matches at 0 only; one that
		// has cannot match at all.
		for _, it := range in {
			if it.s == "" && !it.done {
				pw.atStart = true
			}
		}
		return nil, true
	case syntax.OpBeginLine:
		// A path that has consumed nothing matches at a line's start
		// only; one that has goes on.
		var out []item
		for _, it := range in {
			if it.s == "" && !it.done {
				pw.lineStart = true
				continue
			}
			out = append(out, it)
		}
		return out, true
	case syntax.OpEmptyMatch, syntax.OpEndLine,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		// Zero-width: the prefix goes on unchanged.
		return in, true
	case syntax.OpLiteral:
		out := in
		for _, c := range re.Rune {
			runes := []rune{c}
			if re.Flags&syntax.FoldCase != 0 && c >= utf8.RuneSelf {
				// The text may hold any case of it, in other bytes.
				for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
					runes = append(runes, f)
				}
			}
			out = pw.extend(out, runes)
		}
		return out, true
	case syntax.OpCharClass:
		var runes []rune
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for c := re.Rune[i]; c <= re.Rune[i+1]; c++ {
				runes = append(runes, c)
				if len(runes) > 64 {
					return closeAll(in), true
				}
			}
		}
		return pw.extend(in, runes), true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return closeAll(in), true
	case syntax.OpCapture:
		return pw.walk(re.Sub[0], in)
	case syntax.OpConcat:
		out := in
		for _, sub := range re.Sub {
			var ok bool
			if out, ok = pw.walk(sub, out); !ok {
				return nil, false
			}
		}
		return out, true
	case syntax.OpAlternate:
		var out []item
		for _, sub := range re.Sub {
			got, ok := pw.walk(sub, in)
			if !ok {
				return nil, false
			}
			out = append(out, got...)
		}
		return dedupe(out)
	case syntax.OpQuest:
		got, ok := pw.walk(re.Sub[0], in)
		if !ok {
			return nil, false
		}
		return dedupe(append(append([]item{}, in...), got...))
	case syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		// One pass through the body, then stop: what a second pass
		// would add is not enumerated.
		got, ok := pw.walk(re.Sub[0], in)
		if !ok {
			return nil, false
		}
		got = closeAll(got)
		if re.Op == syntax.OpStar || re.Op == syntax.OpRepeat && re.Min == 0 {
			got = append(got, in...)
		}
		return dedupe(got)
	}
	return nil, false
}

// extend appends each of runes to each open item; an item that reaches
// prefixLen, or meets a rune outside ASCII, is closed.
func (pw *prefixWalker) extend(in []item, runes []rune) []item {
	open := 0
	for _, it := range in {
		if !it.done {
			open++
		}
	}
	if open == 0 {
		return in // every prefix is complete: nothing to add
	}
	if len(runes) > 1 && open*len(runes) > maxFanOut {
		// A wide class after a wide class ("\d\d\d"): what it adds to
		// the gate is not worth the set it builds.
		return closeAll(in)
	}
	out := make([]item, 0, len(in)*len(runes))
	var seen map[item]bool // only a class can make duplicates
	if len(runes) > 1 {
		seen = map[item]bool{}
	}
	add := func(it item) {
		if seen == nil || !seen[it] {
			if seen != nil {
				seen[it] = true
			}
			out = append(out, it)
		}
	}
	for _, it := range in {
		if it.done {
			add(it)
			continue
		}
		for _, c := range runes {
			if c == utf8.RuneError || !utf8.ValidRune(c) || pw.legacy && c >= utf8.RuneSelf {
				// U+FFFD also matches a byte of invalid UTF-8:
				// no byte can stand for it.
				add(item{it.s, true})
				continue
			}
			// A non-ASCII character adds its UTF-8 bytes, as many as
			// fit: the gate compares them as they are.
			s := it.s + string(c)
			if c < utf8.RuneSelf {
				s = it.s + string(lowerASCII(byte(c)))
			}
			if len(s) >= prefixLen {
				s = s[:prefixLen]
			}
			add(item{s, len(s) >= prefixLen})
		}
		if len(out) > maxPrefixes {
			return out
		}
	}
	return out
}

// closeAll marks every item done.
func closeAll(in []item) []item {
	out := make([]item, len(in))
	for i, it := range in {
		out[i] = item{it.s, true}
	}
	return out
}

// dedupe removes repeated items; it fails when the set is too large.
func dedupe(in []item) ([]item, bool) {
	seen := make(map[item]bool, len(in))
	out := in[:0:0]
	for _, it := range in {
		if !seen[it] {
			seen[it] = true
			out = append(out, it)
		}
	}
	return out, len(out) <= maxPrefixes
}

// ReplaceAllString is regexp's, skipped when the gate finds no candidate.
func (r *Regexp) ReplaceAllString(src, repl string) string {
	if !r.MayMatch(src) {
		return src
	}
	return r.re.ReplaceAllString(src, repl)
}

// FindStringSubmatchIndex is regexp's. Where the gate's match is exact
// (a pattern of bounded length, or a text no longer than the window) it
// finds the match first and reads the groups of that one match only,
// anchored where it begins: the groups regexp gives, since regexp's first
// match begins there too and the anchored forms number the groups as the
// pattern does. Elsewhere it runs regexp when the gate finds a candidate.
func (r *Regexp) FindStringSubmatchIndex(s string) []int {
	if !r.get().gated || !r.bounded && len(s) > window {
		if !r.MayMatch(s) {
			return nil
		}
		return r.re.FindStringSubmatchIndex(s)
	}
	m := r.FindStringIndex(s)
	if m == nil {
		return nil
	}
	p := m[0]
	if p == 0 {
		return r.at0.FindStringSubmatchIndex(s)
	}
	_, w := utf8.DecodeLastRuneInString(s[:p])
	sm := r.at1.FindStringSubmatchIndex(s[p-w : min(len(s), p+window)])
	if sm == nil {
		return r.re.FindStringSubmatchIndex(s) // not reached: the match is there
	}
	for i := range sm {
		if sm[i] >= 0 {
			sm[i] += p - w
		}
	}
	sm[0] = p
	return sm
}

// FindStringSubmatch is regexp's (see FindStringSubmatchIndex).
func (r *Regexp) FindStringSubmatch(s string) []string {
	sm := r.FindStringSubmatchIndex(s)
	if sm == nil {
		return nil
	}
	out := make([]string, len(sm)/2)
	for i := range out {
		if sm[2*i] >= 0 {
			out[i] = s[sm[2*i]:sm[2*i+1]]
		}
	}
	return out
}

// FindAllStringSubmatchIndex is regexp's, skipped when the gate finds no
// candidate.
func (r *Regexp) FindAllStringSubmatchIndex(s string, n int) [][]int {
	if !r.MayMatch(s) {
		return nil
	}
	return r.re.FindAllStringSubmatchIndex(s, n)
}

// SubexpIndex is regexp's.
func (r *Regexp) SubexpIndex(name string) int { return r.get().re.SubexpIndex(name) }
