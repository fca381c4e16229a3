//go:build eval

package eval_test

import (
	"os"
	"testing"

	"github.com/doctales/doctales/extract/eval"
)

// TestRun prints the evaluation tables; it needs ../shared/data (or
// $DOCTALES_DATA) and skips without it, except under CI=true.
func TestRun(t *testing.T) {
	wd, _ := os.Getwd()
	dir := eval.DataDir(wd)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("data directory %s missing under CI: %v", dir, err)
		}
		t.Skipf("data directory %s not found; set DOCTALES_DATA to run the evaluation", dir)
	}
	sets := eval.Sets
	if s := os.Getenv("EVAL_SETS"); s != "" {
		sets = splitComma(s)
	}
	if err := eval.Run(dir, sets, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}
