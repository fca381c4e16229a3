package fastre

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
	"unsafe"
)

// patterns are shapes the engine uses: word-bounded alternations,
// case-insensitive ones, digits, optional and repeated parts, and ones
// that cannot be gated.
var patterns = []string{
	`(?i)\b(please|pls|could you|can you|let me know|rsvp|action required)\b`,
	`\b(unsubscribe|opt[- ]?out|click (here|below)|\d+% off|\$\d[\d,]*(\.\d\d)? (a|per) (day|week)|1-?8(00|88)-\d{3}-\d{4}|xxx|dear (sir|friend))\b`,
	`(intended (solely )?for the (addressee|recipient)|notify (the sender|us) immediately|disclaimer|sent from my (iphone|ipad))`,
	`(?i)\b(today|tonight|(mon|tues)day|(jan|feb)[a-z]*\.?\s*\d|next (week|month))\b|\d{1,2}:\d{2}|\b\d{1,2}\s*(am|pm)|\bMay\s+\d`,
	`(?i)\bask\b|\bsk(y|i)\b`,
	`(?i)\b(kindly|sofort|tout de suite)\b`,
	`\bnow\s*([.!,;:)\-–]|$)`,
	`a*b`,      // may begin with any number of a's: still gated on "a" or "b"
	`.foo`,     // begins with anything: not gated
	`x?`,       // may match empty: not gated
	`(?i)é\w+`, // non-ASCII first: gated only on what it can see
	`(?i)^\W*need (the|your)\b|\b(please|could you)\b`, // one branch anchored: position 0 and the others' prefixes
	`^x|^(?:y)z`, // every branch anchored: not gated
	`(?i)(?:\b(?:prima delle|alle)|(?:^|\s)às)\s+(\d{1,2})`,                           // ^ inside: position 0 and the others
	`(?im)^[ \t]*(regards|cheers)\b|\bthanks\b`,                                       // multi-line ^: every line's start
	`[€£]\s?\d{1,6}|\b\d{1,6} ?eur\b`,                                                 // non-ASCII prefixes, case as written
	`(?i)\b(?:(?:client|courier|van)s? (?:is|are) here|(?:is|are) down|k\w+ waiting)`, // alternatives split by first byte
	`(?:^|\s)x\w*y|(?:^|\s)x`,                                                         // unbounded, gated only by its ^: on short texts only
	`[\x{FFFD}]x|ab`,                                                                  // U+FFFD matches invalid UTF-8
	`(?i)\b(à la|ça) fin\b|été|\bkö`,                                                  // non-ASCII letters in any case
	`(?i)\b(?:no|art|rm|n[º°])\.?\s*(\d{1,2}\.\d{2})\b`,                               // \b first: gated at word starts only
	`\bfoo|bar_|\b\d+x`,                                                               // one branch without \b: every position
}

// texts exercise boundaries, case, non-ASCII neighbours and windows.
var texts = []string{
	"", "please", "Please, could you send it?", "xplease", "please!", "$50 per day", "a$50 a day",
	"Unsubscribe here: click below. 50% off! 1-800-555-1234 1800-555-1234",
	"This message is intended solely for the addressee. Notify us immediately.",
	"Meet Monday at 10:30 or 5pm today; May 5 or jan. 7, next week.",
	"\u212Aindly reply; \u017Fofort; ask, skies ski sky", "é, éclair, ÉCLAIR",
	"now. now! I'm here now", "now", "aaab b ab xfoo foo",
	strings.Repeat("filler ", 60) + "unsubscribe " + strings.Repeat("z", 300),
	strings.Repeat("x", 250) + " please" + strings.Repeat("y", 10),
	"\xff\xfeplease\x80", "café please", "ﬃ please",
	"Need the file, please", "  -- need your OK", "I need the file", "please: need the file", "need", "x", "yz", "ayz",
	" x" + strings.Repeat("w", 300) + "y", "x" + strings.Repeat("w", 300), strings.Repeat("w", 250) + " x" + strings.Repeat("w", 10) + "y",
	"À LA FIN", "ça fin, Ça fin", "Été", "\xffx", "\ufffdx ab", "hello\n  regards\nthanks\nCheers", "alle 16 e às 9", "x às 9",
	"€ 50 eur, £5, 12eur", "Client is here, the VANS are here; \u212Aeep waiting, it is down", "\u212Aö KÖ kö",
	"know 5.00, start: art 12.30, form1.23 rm1.23 _no 5.00 no5.00 né no 1.00 nº 7.15 N° 7.15", "xfoo foobar_ bar_ 12x a12x", "foo",
}

func check(t *testing.T, expr, s string) {
	t.Helper()
	std := regexp.MustCompile(expr)
	f := MustCompile(expr)
	want := fmt.Sprint(std.FindAllStringIndex(s, -1))
	if got := fmt.Sprint(f.FindAllStringIndex(s, -1)); got != want {
		t.Fatalf("FindAllStringIndex(%q, %q) = %s, regexp gives %s", expr, s, got, want)
	}
	if got, want := fmt.Sprint(f.FindStringIndex(s)), fmt.Sprint(std.FindStringIndex(s)); got != want {
		t.Fatalf("FindStringIndex(%q, %q) = %s, regexp gives %s", expr, s, got, want)
	}
	if got, want := fmt.Sprint(f.FindAllStringIndex(s, 1)), fmt.Sprint(std.FindAllStringIndex(s, 1)); got != want {
		t.Fatalf("FindAllStringIndex(%q, %q, 1) = %s, regexp gives %s", expr, s, got, want)
	}
	if got, want := fmt.Sprint(f.FindStringSubmatchIndex(s)), fmt.Sprint(std.FindStringSubmatchIndex(s)); got != want {
		t.Fatalf("FindStringSubmatchIndex(%q, %q) = %s, regexp gives %s", expr, s, got, want)
	}
	if got, want := fmt.Sprintf("%q", f.FindStringSubmatch(s)), fmt.Sprintf("%q", std.FindStringSubmatch(s)); got != want {
		t.Fatalf("FindStringSubmatch(%q, %q) = %s, regexp gives %s", expr, s, got, want)
	}
	if std.MatchString(s) && !f.MayMatch(s) {
		t.Fatalf("MayMatch(%q, %q) = false on a text that matches", expr, s)
	}
}

func TestSameAsRegexp(t *testing.T) {
	for _, expr := range patterns {
		for _, s := range texts {
			check(t, expr, s)
		}
	}
}

func TestGated(t *testing.T) {
	for expr, want := range map[string]bool{
		patterns[0]: true, patterns[1]: true, patterns[2]: true, patterns[3]: true,
		`.foo`: false, `x?`: false, `a*b`: true,
		`(?i)^\W*need (the|your)\b|\b(please|could you)\b`: true, `^x|^(?:y)z`: false,
		`(?i)(?:\b(?:prima delle|alle)|(?:^|\s)às) (\d{1,2})`: true, `[€£]\s?\d{1,6}|\b\d{1,6} ?eur\b`: true,
		`[\x{FFFD}]x|ab`: false,
		// Gated only by reading ^ and non-ASCII letters, and unbounded:
		// gated on short texts only (TestShort).
		`(?i)(?:\b(?:prima delle|alle)|(?:^|\s)às)\s+(\d{1,2})`: true, `[€£]\s*\d+`: true,
	} {
		if got := MustCompile(expr).Gated(); got != want {
			t.Errorf("Gated(%q) = %v, want %v", expr, got, want)
		}
	}
}

// TestWordStart: a pattern every match of which begins with \b skips the
// positions inside a word, and only such a pattern does.
func TestWordStart(t *testing.T) {
	for expr, want := range map[string]bool{
		`(?i)\b(please|could you)\b`: true, `\bfoo|\b\d+x`: true, `(?:\bfoo|(\bbar))x`: true,
		`\bfoo|bar_|\b\d+x`: false, `foo\b`: false, `(?i)^\W*need|\bplease`: true, `(?m)^x|\bplease`: false,
	} {
		if got := MustCompile(expr).get().wordStart; got != want {
			t.Errorf("wordStart(%q) = %v, want %v", expr, got, want)
		}
	}
	r := MustCompile(`(?i)\bno\b`).get()
	for _, c := range []struct {
		s    string
		p    int
		want bool
	}{{"no", 0, true}, {"know", 2, false}, {"a no", 2, true}, {"_no", 1, false}, {"éno", 2, true}, {"5no", 1, false}} {
		if got := r.candidate(c.s, c.p); got != c.want {
			t.Errorf("candidate(%q, %d) = %v, want %v", c.s, c.p, got, c.want)
		}
	}
}

// FuzzSameAsRegexp asserts that the gate never changes a result.
func FuzzSameAsRegexp(f *testing.F) {
	for _, s := range texts {
		f.Add(s)
	}
	compiled := make([]*Regexp, len(patterns))
	std := make([]*regexp.Regexp, len(patterns))
	for i, p := range patterns {
		compiled[i], std[i] = MustCompile(p), regexp.MustCompile(p)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for i := range patterns {
			want := fmt.Sprint(std[i].FindAllStringIndex(s, -1))
			if got := fmt.Sprint(compiled[i].FindAllStringIndex(s, -1)); got != want {
				t.Fatalf("FindAllStringIndex(%q, %q) = %s, regexp gives %s", patterns[i], s, got, want)
			}
			want = fmt.Sprint(std[i].FindStringSubmatchIndex(s))
			if got := fmt.Sprint(compiled[i].FindStringSubmatchIndex(s)); got != want {
				t.Fatalf("FindStringSubmatchIndex(%q, %q) = %s, regexp gives %s", patterns[i], s, got, want)
			}
		}
	})
}

// TestSplit: at a position whose byte is c, only the alternatives that
// can begin with c run, however deep in the pattern's head they are.
func TestSplit(t *testing.T) {
	re := MustCompile(`(?i)\b(?:(?:client|courier|van)s? (?:is|are) here|(?:is|are) down|k\w+ waiting)`)
	re.get()
	for c, want := range map[byte][2][]string{
		'c': {{"C(?:LIENT|OURIER)", "HERE"}, {"VAN", "DOWN", "WAITING"}},
		'v': {{"VAN", "HERE"}, {"LIENT", "DOWN", "WAITING"}},
		'i': {{"DOWN"}, {"VAN", "HERE", "WAITING"}},
		'k': {{"WAITING"}, {"VAN", "DOWN", "HERE"}},
	} {
		i := re.bySub[c]
		if i == 0 {
			t.Fatalf("byte %q runs the whole pattern", c)
		}
		tree, err := syntax.Parse(re.subs[i-1].expr, syntax.Perl)
		if err != nil {
			t.Fatalf("byte %q: %v", c, err)
		}
		expr := tree.Simplify().String()
		for _, w := range want[0] {
			if !strings.Contains(expr, w) {
				t.Errorf("byte %q runs %s, which lacks %s", c, expr, w)
			}
		}
		for _, w := range want[1] {
			if strings.Contains(expr, w) {
				t.Errorf("byte %q runs %s, which keeps %s", c, expr, w)
			}
		}
	}
	if re.bounded {
		t.Errorf("k\\w+ has no bound, yet the pattern is bounded")
	}
}

// TestWriteRE: the patterns writeRE writes (the split's alternatives)
// match as the ones they were parsed from.
func TestWriteRE(t *testing.T) {
	more := []string{`(?s)a.b`, `a.b`, `(?m)^a$|\Ab\z`, `a*?b+?c??(d){2,}?e{3}f{1,4}`, `(?P<x>y)|\B[^a-c]`, `x{0}|[^\x00-\x{10FFFF}]`, `(?U)a+b`}
	for _, expr := range append(append([]string{}, patterns...), more...) {
		tree, err := syntax.Parse(expr, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []*syntax.Regexp{tree, tree.Simplify()} {
			var b strings.Builder
			writeRE(&b, re)
			got, err := regexp.Compile(b.String())
			if err != nil {
				t.Fatalf("%s written as %s: %v", expr, b.String(), err)
			}
			std := regexp.MustCompile(expr)
			for _, s := range append(texts, "a\nb", "axb", "ab", "aab", "ddde", "aaab", "yz", "b") {
				if g, w := fmt.Sprint(got.FindAllStringSubmatchIndex(s, -1)), fmt.Sprint(std.FindAllStringSubmatchIndex(s, -1)); g != w {
					t.Fatalf("%s written as %s on %q: %s, want %s", expr, b.String(), s, g, w)
				}
			}
		}
	}
}

// TestShort: a pattern gated only by reading ^ or non-ASCII letters whose
// matches have no bound in length is gated on texts no longer than the
// window, where the window cannot cut a match, and runs plain regexp on
// longer ones: "x\w*y" preferred to "x" past 256 bytes is still found.
func TestShort(t *testing.T) {
	expr := `(?:^|\s)x\w*y|(?:^|\s)x`
	re := MustCompile(expr)
	if !re.Gated() || !re.short {
		t.Fatalf("%s: gated %v, short %v; want both", expr, re.Gated(), re.short)
	}
	for _, s := range []string{" x" + strings.Repeat("w", 200) + "y", " x" + strings.Repeat("w", 300) + "y", "x" + strings.Repeat("w", 300) + "y x"} {
		check(t, expr, s)
	}
	if MustCompile(`\bx\w*y|\bx`).get().short {
		t.Errorf("a pattern gated before (no ^, ASCII) is not short")
	}
}

// TestConcurrent: a pattern compiles itself and its per-byte
// alternatives on first use from any goroutine (run with -race).
func TestConcurrent(t *testing.T) {
	fresh := make([]*Regexp, len(patterns))
	for i, p := range patterns {
		fresh[i] = MustCompile(p)
	}
	done := make(chan string)
	for g := 0; g < 4; g++ {
		go func() {
			var b strings.Builder
			for i, re := range fresh {
				for _, s := range texts {
					fmt.Fprint(&b, i, re.FindAllStringIndex(s, -1), re.FindStringSubmatchIndex(s))
				}
			}
			done <- b.String()
		}()
	}
	first := <-done
	for g := 1; g < 4; g++ {
		if got := <-done; got != first {
			t.Fatal("goroutines got different matches")
		}
	}
}

// splitSame reports whether split with its memo gives, for expr, the
// sub-patterns and the byte table that pruning afresh for each byte gives.
func splitSame(t *testing.T, expr string) {
	t.Helper()
	r := MustCompile(expr).get()
	if !r.gated {
		return
	}
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		t.Fatal(err)
	}
	ref := &Regexp{gate: &gate{first: r.first, foldAny: r.foldAny}}
	ref.splitWith(nil, tree.Simplify())
	if ref.bySub != r.bySub || len(ref.subs) != len(r.subs) {
		t.Fatalf("split(%q): %d sub-patterns with the memo, %d without (or another byte table)", expr, len(r.subs), len(ref.subs))
	}
	for i := range ref.subs {
		if a, b := r.subs[i], ref.subs[i]; a.expr != b.expr || a.none != b.none {
			t.Fatalf("split(%q): sub-pattern %d is %q (none %v) with the memo, %q (none %v) without", expr, i, a.expr, a.none, b.expr, b.none)
		}
	}
}

func TestSplit_MemoSame(t *testing.T) {
	for _, expr := range patterns {
		splitSame(t, expr)
	}
}

// TestMustCompileIsSmall checks that a pattern not yet used costs a few
// words (issue 15): the engine declares about 200 at package level, and
// with the gate's tables inline each cost 3 KB at init, 600 KB in all,
// enough to make the runtime collect during every start of the binary.
func TestMustCompileIsSmall(t *testing.T) {
	const maxBytes = 64
	if n := unsafe.Sizeof(Regexp{}); n > maxBytes {
		t.Errorf("a Regexp before its first use is %d bytes, want at most %d: are the gate's tables inline again?", n, maxBytes)
	}
	r := MustCompile(`\bplease\b`)
	if r.gate != nil {
		t.Fatal("MustCompile compiled the pattern; want it compiled on first use")
	}
	if !r.MatchString("could you please reply") || r.gate == nil {
		t.Errorf("MatchString after MustCompile: match or compile missing (gate %v)", r.gate != nil)
	}
}
