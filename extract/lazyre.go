package extract

import (
	"regexp"
	"sync"
)

// lazyRegexp is a package-level pattern compiled on its first use, as the
// fastre patterns are: compiling the package's patterns at init cost every
// start of the binary (commands that never extract included) about 150 ms
// (issue 15). Its methods are those of *regexp.Regexp the package uses.
type lazyRegexp struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

// lazyRE returns the pattern expr, compiled by regexp.MustCompile on its
// first use (which panics on a bad pattern; TestLazyPatternsCompile
// compiles them all).
func lazyRE(expr string) *lazyRegexp {
	l := &lazyRegexp{expr: expr}
	lazyPatterns = append(lazyPatterns, l)
	return l
}

// lazyPatterns is every lazyRE of the package, for its tests. Appended to
// only during package initialisation, so it needs no lock.
var lazyPatterns []*lazyRegexp

// get compiles the pattern on the first call and returns it.
func (l *lazyRegexp) get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.expr) })
	return l.re
}

// The methods of *regexp.Regexp, on the compiled pattern.

func (l *lazyRegexp) MatchString(s string) bool      { return l.get().MatchString(s) }
func (l *lazyRegexp) FindString(s string) string     { return l.get().FindString(s) }
func (l *lazyRegexp) FindStringIndex(s string) []int { return l.get().FindStringIndex(s) }
func (l *lazyRegexp) FindStringSubmatch(s string) []string {
	return l.get().FindStringSubmatch(s)
}
func (l *lazyRegexp) FindStringSubmatchIndex(s string) []int {
	return l.get().FindStringSubmatchIndex(s)
}
func (l *lazyRegexp) FindAllString(s string, n int) []string { return l.get().FindAllString(s, n) }
func (l *lazyRegexp) FindAllStringIndex(s string, n int) [][]int {
	return l.get().FindAllStringIndex(s, n)
}
func (l *lazyRegexp) FindAllStringSubmatch(s string, n int) [][]string {
	return l.get().FindAllStringSubmatch(s, n)
}
func (l *lazyRegexp) FindAllStringSubmatchIndex(s string, n int) [][]int {
	return l.get().FindAllStringSubmatchIndex(s, n)
}
func (l *lazyRegexp) ReplaceAllString(src, repl string) string {
	return l.get().ReplaceAllString(src, repl)
}
func (l *lazyRegexp) ReplaceAllStringFunc(src string, f func(string) string) string {
	return l.get().ReplaceAllStringFunc(src, f)
}
func (l *lazyRegexp) Split(s string, n int) []string { return l.get().Split(s, n) }
func (l *lazyRegexp) SubexpIndex(name string) int    { return l.get().SubexpIndex(name) }
func (l *lazyRegexp) String() string                 { return l.expr }
