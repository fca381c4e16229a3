package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/doctales/doctales/extract"
	"github.com/doctales/doctales/extract/eval"
)

const extractUsage = `Usage: doctales extract [--jsonl] [--now RFC3339] [--timezone ZONE] < input

Prints the dimensions the extraction engine finds. Input is a JSON
communication (or {"id":..,"text":..}) or a raw e-mail; with --jsonl, one
JSON object per line, answered one result per line in order. A JSON input
may carry its own reading time as "now" (RFC 3339), which wins over --now.
`

// runExtract is the extract command.
func runExtract(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales extract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, extractUsage); fs.PrintDefaults() }
	jsonl := fs.Bool("jsonl", false, "read one JSON object per line and write one result per line")
	nowFlag := fs.String("now", "", "the reading time, RFC 3339 such as 2025-06-10T09:30:00+02:00 (default the current time); a \"now\" field of a JSON input wins")
	tz := fs.String("timezone", "", `time zone of the person who reads the mail, an IANA name such as Europe/Berlin: "today", "5pm" and business days are read in it (default: each message's own zone)`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("extract: reads standard input; unexpected argument %q", fs.Arg(0))
	}
	var opts []extract.Option
	if *nowFlag != "" {
		now, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return fmt.Errorf("extract: --now must be an RFC 3339 date-time such as 2025-06-10T09:30:00Z, not %q", *nowFlag)
		}
		opts = append(opts, extract.WithNow(func() time.Time { return now }))
	}
	loc, err := loadTimezone("--timezone", *tz)
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	opts = append(opts, extract.WithLocation(loc))
	return extract.Run(ctx, extract.New(opts...), stdin, stdout, *jsonl)
}

const evalUsage = `Usage: doctales eval [--data DIR] [set...]

Measures the extraction engine on the labelled data (default ../shared/data
or $DOCTALES_DATA) and prints, per set, the metric, our score and the
published anchor. Sets: %s. The urgency set is the repository's own
(extract/testdata/urgency, or $DOCTALES_URGENCY_DATA); EVAL_VERBOSE=1 lists
its misses.
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
