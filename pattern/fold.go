package pattern

import (
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/cases"
	"golang.org/x/text/transform"
)

// equals-ignore-case, and the equals-ignore-case forms of prefix, suffix
// and anything-but, compare under Unicode full case folding (cases.Fold),
// so that "ß" equals "SS" and U+0390 equals U+0399 U+0308 U+0301, which
// simple one-rune-to-one-rune folding (strings.EqualFold) does not see.
// Pattern strings are folded once, when compiled; an event value is folded
// when it is matched, without allocating: ASCII values by lowering bytes on
// the fly, others into a pooled buffer.

// foldString returns the full case folding of s. It is used at compile time.
func foldString(s string) string {
	return cases.Fold().String(s)
}

// folder is a reusable case folder: cases.Caser keeps state between calls,
// so each goroutine takes its own from foldPool.
type folder struct {
	c   cases.Caser
	buf []byte
}

var foldPool = sync.Pool{New: func() any { return &folder{c: cases.Fold()} }}

// fold returns the full case folding of s in f's buffer, valid until the
// next call.
func (f *folder) fold(s string) []byte {
	if cap(f.buf) < 2*len(s)+16 {
		f.buf = make([]byte, 2*len(s)+16)
	}
	// The transformer only reads src, so viewing s as bytes is safe.
	src := unsafe.Slice(unsafe.StringData(s), len(s))
	for {
		f.c.Reset()
		f.buf = f.buf[:cap(f.buf)]
		n, _, err := f.c.Transform(f.buf, src, true)
		if err == transform.ErrShortDst {
			f.buf = make([]byte, 2*cap(f.buf))
			continue
		}
		if err != nil {
			// Fold never fails on input; fall back to the bytes as given.
			return append(f.buf[:0], s...)
		}
		return f.buf[:n]
	}
}

// isASCII reports whether s holds only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// lowerASCII is the case folding of an ASCII byte.
func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalLowerASCII reports whether the ASCII string s, lowered, equals t.
func equalLowerASCII(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lowerASCII(s[i]) != t[i] {
			return false
		}
	}
	return true
}

// foldOp is how a folded value is compared with a folded pattern string.
type foldOp uint8

const (
	foldEqual foldOp = iota
	foldPrefix
	foldSuffix
)

// matchFold reports whether the event value v, case folded, relates to the
// already folded pattern string t by op.
func matchFold(v, t string, op foldOp) bool {
	if isASCII(v) {
		// The folding of an ASCII string is its lower case.
		switch op {
		case foldPrefix:
			return len(v) >= len(t) && equalLowerASCII(v[:len(t)], t)
		case foldSuffix:
			return len(v) >= len(t) && equalLowerASCII(v[len(v)-len(t):], t)
		}
		return equalLowerASCII(v, t)
	}
	f := foldPool.Get().(*folder)
	b := f.fold(v)
	var ok bool
	switch op {
	case foldPrefix:
		ok = strings.HasPrefix(string(b), t)
	case foldSuffix:
		ok = strings.HasSuffix(string(b), t)
	default:
		ok = string(b) == t
	}
	foldPool.Put(f)
	return ok
}
