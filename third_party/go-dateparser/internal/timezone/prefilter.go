package timezone

// PATCH, Doc-Tales: a prefilter for PopTzOffset. Not in the published module.

import (
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// offsetNeed is a literal an offset's pattern cannot match without: the
// longest literal among the terms of the pattern's top-level concatenation
// (every term of a concatenation is part of every match), or its longest
// run of ASCII runes. literal is ASCII, upper-cased, and compared with the text's ASCII letters
// upper-cased; bytes is the set of its bytes, a cheaper test first. ok is
// false when no such literal was found: the pattern is then always tried.
type offsetNeed struct {
	ok      bool
	literal string
	bytes   byteSet
}

// needOf returns the offsetNeed of the pattern expr.
func needOf(expr string) offsetNeed {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return offsetNeed{}
	}
	var best []rune
	fold := false
	consider := func(sub *syntax.Regexp) {
		if sub.Op != syntax.OpLiteral {
			return
		}
		// The longest run of ASCII runes of the literal ("SEL" of
		// "SELČ"): any part of a required literal is required.
		for _, run := range strings.FieldsFunc(string(sub.Rune), func(r rune) bool { return r >= utf8.RuneSelf }) {
			if r := []rune(run); len(r) > len(best) {
				best, fold = r, sub.Flags&syntax.FoldCase != 0
			}
		}
	}
	switch re.Op {
	case syntax.OpLiteral:
		consider(re)
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			consider(sub)
		}
	}
	if len(best) == 0 {
		return offsetNeed{}
	}
	b := make([]byte, 0, len(best))
	for _, r := range best {
		if r >= utf8.RuneSelf {
			return offsetNeed{}
		}
		c := byte(r)
		if isASCIILetter(c) && !fold {
			// A case-sensitive letter: the upper-cased comparison
			// below would not be exact. (The time-zone patterns are
			// all case-insensitive; this keeps the prefilter honest
			// should one not be.)
			return offsetNeed{}
		}
		b = append(b, upperASCII(c))
	}
	need := offsetNeed{ok: true, literal: string(b)}
	for _, c := range b {
		need.bytes.add(c)
	}
	return need
}

// prefilterable reports whether an offset's case-insensitive ASCII literal
// occurs in s exactly when it occurs in s with ASCII letters upper-cased:
// true unless s holds the Kelvin sign (U+212A, folds to K) or the long s
// (U+017F, folds to S), the only non-ASCII runes in the case-folding orbit
// of an ASCII letter. Any other non-ASCII rune never matches an ASCII
// literal rune, and its UTF-8 bytes (all >= 0x80) never equal an ASCII byte.
func prefilterable(s string) bool {
	return !strings.Contains(s, "\u212a") && !strings.Contains(s, "\u017f")
}

// byteSet is a set of bytes.
type byteSet [4]uint64

func (s *byteSet) add(c byte) { s[c>>6] |= 1 << (c & 63) }

// addUpper adds the bytes of str, ASCII letters upper-cased.
func (s *byteSet) addUpper(str string) {
	for i := 0; i < len(str); i++ {
		s.add(upperASCII(str[i]))
	}
}

// holds reports whether every byte of sub is in s.
func (s *byteSet) holds(sub *byteSet) bool {
	return sub[0]&^s[0] == 0 && sub[1]&^s[1] == 0 && sub[2]&^s[2] == 0 && sub[3]&^s[3] == 0
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func upperASCII(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// asciiUpper returns s with its ASCII letters upper-cased and every other
// byte as it is (same length, same offsets).
func asciiUpper(s string) string {
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		b[i] = upperASCII(s[i])
	}
	return string(b)
}
