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
	"github.com/nyaruka/phonenumbers"
)

// dateparserAtInit is what go-dateparser had built when this package's
// variables were initialised, that is after the initialisation of every
// package the binary links and before any test ran: the number of locale
// files whose language data was built and of patterns compiled.
var dateparserAtInit = [2]int64{dps.LoadedLocaleFiles(), dps.CompiledPatterns()}

// phonenumbersAtInit is, likewise, whether nyaruka/phonenumbers had loaded
// its metadata and how many of its pattern variables it had compiled
// after every package's initialisation.
var phonenumbersAtInit = struct {
	loaded   bool
	patterns int
}{phonenumbers.MetadataLoaded(), phonenumbers.CompiledPatterns()}

// TestStart_PhonenumbersMetadataIsLazy checks that linking
// nyaruka/phonenumbers (the extraction engine's phone validation) costs
// nothing at start (issue 15): the published module decodes its metadata
// and compiles its patterns in func init (2.5 MB, 35,000 allocations, 4
// to 15 ms before main of every command); the patched copy in
// third_party/phonenumbers does both on first use. It then validates one
// number, so that a flag that never changed would fail too.
func TestStart_PhonenumbersMetadataIsLazy(t *testing.T) {
	if at := phonenumbersAtInit; at.loaded || at.patterns != 0 {
		t.Fatalf("after package initialisation phonenumbers had loaded its metadata: %v, compiled %d patterns; want false and 0: "+
			"is go.mod's replace of github.com/nyaruka/phonenumbers by ./third_party/phonenumbers gone, "+
			"or does a package variable validate a phone number at init?", at.loaded, at.patterns)
	}
	num, err := phonenumbers.Parse("+44 20 7946 0958", "US")
	if err != nil {
		t.Fatalf("parse %q: %v", "+44 20 7946 0958", err)
	}
	if !phonenumbers.IsValidNumber(num) {
		t.Errorf("IsValidNumber(%q) = false, want true", "+44 20 7946 0958")
	}
	if !phonenumbers.MetadataLoaded() || phonenumbers.CompiledPatterns() == 0 {
		t.Errorf("after one parse phonenumbers reports metadata loaded %v and %d patterns compiled, want true and more than 0",
			phonenumbers.MetadataLoaded(), phonenumbers.CompiledPatterns())
	}
}

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
// doctales may allocate (5 MiB). It was 110 MB with the published
// go-dateparser, whose init builds all its language data, 8.3 MB with the
// patched copy, 5.8 MB with the patched nyaruka/phonenumbers too, and is
// 4.35 MB (2026-12-07) with the extraction engine's word sets and
// patterns and ingest's patterns built on first use; the largest left are
// third-party: the AWS SDK's DynamoDB schemas (0.59 MB),
// olekukonko/tablewriter's twwidth (0.44 MB), whatlanggo (0.35 MB).
// Allocation at init is what the start waits for (over 4 MB the runtime
// collects during initialisation), and unlike a duration it does not vary
// with the machine's load.
const initBudgetBytes = 5 << 20

// ownInitBytes is how much the initialisation of this module's packages
// (github.com/doctales/doctales/...) may allocate together (192 KiB):
// about 143 KB now, 222 KB when package nats compiled its name patterns
// at init, 1.66 MB when package extract built its word sets and vote
// tables at init and each of its fastre patterns held its 3 KB gate
// tables before first use, and ingest compiled its patterns at init.
const ownInitBytes = 192 << 10

// phonenumbersInitBytes is how much nyaruka/phonenumbers' initialisation
// may allocate (64 KiB): about 15 KB with the patched copy (its protobuf
// descriptors), 2.5 MB with the published module.
const phonenumbersInitBytes = 64 << 10

// TestStart_InitAllocations runs `doctales version` with
// GODEBUG=inittrace=1 and checks that the packages' initialisation, all of
// which runs before main on every command, allocates at most
// initBudgetBytes, go-dateparser's packages at most 256 KiB (about
// 105 KB with the patched copy, 101 MB with the published module) and
// nyaruka/phonenumbers at most phonenumbersInitBytes and this module's
// packages at most ownInitBytes.
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
	var total, dateparser, phone, own int64
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
		if f[1] == "github.com/nyaruka/phonenumbers" {
			phone += n
		}
		if strings.HasPrefix(f[1], "github.com/doctales/doctales/") {
			own += n
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
	t.Logf("%d packages allocate %d bytes at init, this module's %d, go-dateparser %d, phonenumbers %d; largest: %s", len(inits), total, own, dateparser, phone, strings.Join(top, "; "))
	if dateparser > 256<<10 {
		t.Errorf("go-dateparser's packages allocate %d bytes at init, want at most %d: its language data, time-zone tables or patterns are built eagerly again (see third_party/go-dateparser/PATCH.md)", dateparser, 256<<10)
	}
	if phone > phonenumbersInitBytes {
		t.Errorf("github.com/nyaruka/phonenumbers allocates %d bytes at init, want at most %d: its metadata or patterns are built eagerly again (see third_party/phonenumbers/PATCH.md)", phone, phonenumbersInitBytes)
	}
	if own > ownInitBytes {
		t.Errorf("this module's packages allocate %d bytes at init, want at most %d (ownInitBytes): is a word set, table or pattern of extract or ingest built at init again? "+
			"(GODEBUG=inittrace=1 doctales version lists each package)", own, ownInitBytes)
	}
	if total > initBudgetBytes {
		t.Errorf("package initialisation allocates %d bytes, over the budget of %d (initBudgetBytes); largest: %s", total, initBudgetBytes, strings.Join(top, "; "))
	}
}
