// Package eval measures the extraction engine on the labelled public data
// sets described in ../shared/data/README.md and prints, per set, the
// metric, our score and the published anchor.
//
// The command line runs it as "doctales eval <set>"; the tests run it under
// the eval build tag (go test -tags eval ./extract/...).
package eval

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
)

// Sets names the evaluation sets, in the order Run prints them.
var Sets = []string{"sentiment", "intent", "keyphrase", "ner", "headers", "langid", "mail", "urgency", "speed"}

// Row is one line of a result table.
type Row struct {
	Metric string
	Score  string
	Anchor string
}

// Table is the result of one set.
type Table struct {
	Set  string
	Rows []Row
	// Notes are printed one a line after the table (such as the misses
	// that EVAL_VERBOSE asks for).
	Notes []string
}

var runners = map[string]func(dataDir string) (*Table, error){}

// ownData names the sets whose data is in the repository rather than under
// the data directory.
var ownData = map[string]bool{"urgency": true}

// NeedsData tells whether evaluating sets (all of Sets when empty) reads
// the shared data directory.
func NeedsData(sets []string) bool {
	if len(sets) == 0 {
		sets = Sets
	}
	for _, s := range sets {
		if !ownData[s] {
			return true
		}
	}
	return false
}

// Run evaluates each named set (all of Sets when sets is empty) on the data
// under dataDir and prints a table per set to out. It stops at the first
// set whose data is missing or unreadable.
func Run(dataDir string, sets []string, out io.Writer) error {
	if len(sets) == 0 {
		sets = Sets
	}
	for _, s := range sets {
		run, ok := runners[s]
		if !ok {
			return fmt.Errorf("eval: unknown set %q (known: %s)", s, strings.Join(Sets, ", "))
		}
		t, err := run(dataDir)
		if err != nil {
			return fmt.Errorf("eval %s: %w", s, err)
		}
		Print(out, t)
	}
	return nil
}

// Print writes t as an aligned table.
func Print(out io.Writer, t *Table) {
	fmt.Fprintf(out, "## %s\n", t.Set)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "metric\tours\tpublished anchor")
	for _, r := range t.Rows {
		fmt.Fprintf(w, "%s\t%s\t%s\n", r.Metric, r.Score, r.Anchor)
	}
	w.Flush()
	for _, n := range t.Notes {
		fmt.Fprintln(out, n)
	}
	fmt.Fprintln(out)
}

// DataDir returns the data directory: $DOCTALES_DATA when set, else
// ../shared/data relative to the module root found above dir.
func DataDir(dir string) string {
	if d := os.Getenv("DOCTALES_DATA"); d != "" {
		return d
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(d), "shared", "data")
		}
		if filepath.Dir(d) == d {
			return filepath.Join("..", "shared", "data")
		}
	}
}

func pct(f float64) string  { return fmt.Sprintf("%.1f%%", 100*f) }
func num3(f float64) string { return fmt.Sprintf("%.3f", f) }

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
