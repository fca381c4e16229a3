package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	dps "github.com/markusmobius/go-dateparser"
)

// dateparserAtInit is what go-dateparser had built when this package's
// variables were initialised, that is after the initialisation of every
// package the binary links and before any test ran: the number of locale
// files whose language data was built and of patterns compiled.
var dateparserAtInit = [2]int64{dps.LoadedLocaleFiles(), dps.CompiledPatterns()}

// TestStart_DateparserDataIsLazy checks that linking go-dateparser costs
// nothing at start (issue 15): its language data, built eagerly by the
// published module's init (330 to 420 ms, 95 MB, before main), is built
// per locale file on first use by the patched copy in
// third_party/go-dateparser, and its patterns are compiled on first use.
// It then parses one date, so that a hook that never counted would fail
// too.
func TestStart_DateparserDataIsLazy(t *testing.T) {
	// The patched copy compiles none at init (the published module
	// compiles all of its thousands there).
	const maxPatternsAtInit = 0
	if files, patterns := dateparserAtInit[0], dateparserAtInit[1]; files != 0 || patterns > maxPatternsAtInit {
		t.Fatalf("after package initialisation go-dateparser had built %d locale files and compiled %d patterns, want 0 and at most %d: "+
			"is go.mod's replace of github.com/markusmobius/go-dateparser by ./third_party/go-dateparser gone, "+
			"or does a package variable parse a date at init?", files, patterns, maxPatternsAtInit)
	}
	before := dateparserAtInit[1]
	cfg := &dps.Configuration{Languages: []string{"en"}}
	if _, err := dps.Parse(cfg, "5 March 2026"); err != nil {
		t.Fatalf("parse %q: %v", "5 March 2026", err)
	}
	if files, patterns := dps.LoadedLocaleFiles(), dps.CompiledPatterns(); files < 1 || patterns <= before {
		t.Fatalf("after one English parse go-dateparser reports %d locale files built and %d patterns compiled (%d at init), want at least 1 file and more patterns", files, patterns, before)
	}
}

// initBudgetBytes is how much the initialisation of every package of
// doctales may allocate (24 MiB). It was 110 MB with the published
// go-dateparser, whose init builds all its language data, and is 8.2 MB
// with the patched copy (2026-12-06: nyaruka/phonenumbers' metadata, 2.5
// MB, is the largest left). Allocation at init is what the start waits
// for, and unlike a duration it does not vary with the machine's load.
const initBudgetBytes = 24 << 20

// TestStart_InitAllocations runs `doctales version` with
// GODEBUG=inittrace=1 and checks that the packages' initialisation, all of
// which runs before main on every command, allocates at most
// initBudgetBytes, and go-dateparser's packages at most 256 KiB (about
// 105 KB with the patched copy, 101 MB with the published module).
func TestStart_InitAllocations(t *testing.T) {
	cmd := exec.Command(binPath, "version")
	cmd.Env = append(cmd.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("doctales version: %v\n%s", err, stderr.String())
	}
	type pkgInit struct {
		name  string
		bytes int64
	}
	var inits []pkgInit
	var total, dateparser int64
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		// init github.com/x/y @12 ms, 3.4 ms clock, 5678 bytes, 90 allocs
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[0] != "init" || f[8] != "bytes," {
			continue
		}
		n, err := strconv.ParseInt(f[7], 10, 64)
		if err != nil {
			t.Fatalf("inittrace line %q: bytes %q: %v", sc.Text(), f[7], err)
		}
		inits = append(inits, pkgInit{f[1], n})
		total += n
		if strings.HasPrefix(f[1], "github.com/markusmobius/go-dateparser") {
			dateparser += n
		}
	}
	if len(inits) < 50 {
		t.Fatalf("read %d init lines from GODEBUG=inittrace=1, want the hundreds of packages doctales links; stderr:\n%s", len(inits), stderr.String())
	}
	slices.SortFunc(inits, func(a, b pkgInit) int { return int(b.bytes - a.bytes) })
	var top []string
	for _, p := range inits[:5] {
		top = append(top, fmt.Sprintf("%s %d bytes", p.name, p.bytes))
	}
	t.Logf("%d packages allocate %d bytes at init, go-dateparser %d; largest: %s", len(inits), total, dateparser, strings.Join(top, "; "))
	if dateparser > 256<<10 {
		t.Errorf("go-dateparser's packages allocate %d bytes at init, want at most %d: its language data, time-zone tables or patterns are built eagerly again (see third_party/go-dateparser/PATCH.md)", dateparser, 256<<10)
	}
	if total > initBudgetBytes {
		t.Errorf("package initialisation allocates %d bytes, over the budget of %d (initBudgetBytes); largest: %s", total, initBudgetBytes, strings.Join(top, "; "))
	}
}
