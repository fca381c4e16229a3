package phonenumbers

// Doc-Tales patch (PATCH.md): the package's pattern variables compile on
// first use instead of at init.

import (
	"regexp"
	"sync"
	"sync/atomic"
)

// LazyRegexp is a regular expression compiled on its first use. The
// published module declares its pattern variables as *regexp.Regexp
// compiled in package initialisation (about 20 patterns, some large,
// before main of every program that links the package); this patched copy
// declares them as *LazyRegexp, with the methods the package uses. Safe
// for concurrent use.
type LazyRegexp struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

// lazyCompiled counts the LazyRegexps compiled, for CompiledPatterns.
var lazyCompiled atomic.Int32

// lazyMustCompile returns a LazyRegexp of expr; like regexp.MustCompile,
// its first use panics if expr does not compile.
func lazyMustCompile(expr string) *LazyRegexp { return &LazyRegexp{expr: expr} }

// CompiledPatterns reports how many of the package's pattern variables
// have been compiled (Doc-Tales patch: none at init).
func CompiledPatterns() int { return int(lazyCompiled.Load()) }

// Regexp returns the compiled expression, compiling it on the first call.
func (l *LazyRegexp) Regexp() *regexp.Regexp {
	l.once.Do(func() {
		l.re = regexp.MustCompile(l.expr)
		lazyCompiled.Add(1)
	})
	return l.re
}

// String returns the source text of the expression, without compiling it.
func (l *LazyRegexp) String() string { return l.expr }

// The methods of regexp.Regexp the package calls on its pattern variables,
// each on the compiled expression.

// FindAllString is [regexp.Regexp.FindAllString].
func (l *LazyRegexp) FindAllString(s string, n int) []string { return l.Regexp().FindAllString(s, n) }

// FindIndex is [regexp.Regexp.FindIndex].
func (l *LazyRegexp) FindIndex(b []byte) []int { return l.Regexp().FindIndex(b) }

// FindStringIndex is [regexp.Regexp.FindStringIndex].
func (l *LazyRegexp) FindStringIndex(s string) []int { return l.Regexp().FindStringIndex(s) }

// FindStringSubmatch is [regexp.Regexp.FindStringSubmatch].
func (l *LazyRegexp) FindStringSubmatch(s string) []string { return l.Regexp().FindStringSubmatch(s) }

// MatchString is [regexp.Regexp.MatchString].
func (l *LazyRegexp) MatchString(s string) bool { return l.Regexp().MatchString(s) }

// ReplaceAllString is [regexp.Regexp.ReplaceAllString].
func (l *LazyRegexp) ReplaceAllString(src, repl string) string {
	return l.Regexp().ReplaceAllString(src, repl)
}

// ReplaceAllStringFunc is [regexp.Regexp.ReplaceAllStringFunc].
func (l *LazyRegexp) ReplaceAllStringFunc(src string, repl func(string) string) string {
	return l.Regexp().ReplaceAllStringFunc(src, repl)
}

// Split is [regexp.Regexp.Split].
func (l *LazyRegexp) Split(s string, n int) []string { return l.Regexp().Split(s, n) }
