package extract

import (
	"testing"

	"github.com/doctales/doctales/extract/internal/fastre"
)

// TestLazyPatternsCompile compiles every package-level pattern, which the
// package otherwise compiles on first use (issue 15): a bad one panics
// here rather than in the first extraction that reaches it.
func TestLazyPatternsCompile(t *testing.T) {
	if len(lazyPatterns) < 50 {
		t.Fatalf("only %d lazy regexp patterns registered", len(lazyPatterns))
	}
	for _, l := range lazyPatterns {
		if l.get() == nil || l.get().String() != l.expr {
			t.Fatalf("pattern %q did not compile to itself", l.expr)
		}
	}
	fastre.Compiled() // compiles every fastre pattern, panicking on a bad one
}
