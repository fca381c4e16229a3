package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/doctales/doctales/extract/eval"
)

const evalUsage = `Usage: doctales eval [--data DIR] [set...]

Measures the extraction engine on the labelled data (default ../shared/data
or $DOCTALES_DATA) and prints, per set, the metric, our score and the
published anchor. Sets: %s. The urgency set is the repository's own
(extract/testdata/urgency, or $DOCTALES_URGENCY_DATA); EVAL_VERBOSE=1 lists
its misses.

Example:
  doctales eval
  doctales eval urgency --data ../shared/data

Flags:
`

// runEval is the eval command.
func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintf(stderr, evalUsage, strings.Join(eval.Sets, ", ")); fs.PrintDefaults() }
	data := fs.String("data", "", "the labelled data folder")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	dir := *data
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		dir = eval.DataDir(wd)
	}
	if _, err := os.Stat(dir); err != nil && eval.NeedsData(pos) {
		return fmt.Errorf("eval: the labelled data is not at %s (set --data or DOCTALES_DATA): %w", dir, err)
	}
	return eval.Run(dir, pos, stdout)
}
