package main

import (
	"context"
	"errors"
	"io"
)

// evalUsage on Windows: package extract/eval measures CPU time with
// getrusage, which Windows lacks, so the release build for Windows leaves
// the eval command out (the other commands are complete).
const evalUsage = `Usage: doctales eval [--data DIR] [set...]

Measures the extraction engine on the labelled data. Not built for
Windows: run it on Linux or macOS.

Example:
  doctales eval urgency
`

// runEval says that eval is not built for Windows.
func runEval(_ context.Context, args []string, stdout, _ io.Writer) error {
	if wantsHelp(args) {
		_, err := io.WriteString(stdout, evalUsage)
		return err
	}
	return errors.New("eval: not built for Windows (extract/eval measures CPU with getrusage); run it on Linux or macOS")
}
