// Command testsummary reads `go test -json` on standard input and prints
// what plain `go test` would (a line per package, the output of each
// failed test, build errors), then a summary: how many tests passed,
// failed and were skipped, and every skipped test with its reason. A
// skip is not a pass: the count makes what did not run visible in CI.
// ./test.sh runs it.
//
//	go test -json ./... | go run ./tools/testsummary
//
// It exits 1 when a test or a package failed, so a pipeline with
// pipefail fails either way.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// event is one line of go test -json (see go doc test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// skip is a skipped test and the reason it gave.
type skip struct{ name, reason string }

func main() {
	failed, err := summarize(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
}

// summarize copies the readable part of the event stream in to out, then
// the summary, and reports whether anything failed.
func summarize(in io.Reader, out io.Writer) (bool, error) {
	type key struct{ pkg, test string }
	buf := map[key][]string{}
	var skips []skip
	passed, failedTests, failedPkgs := 0, 0, 0
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			fmt.Fprintln(out, string(line)) // not JSON: go vet or build output
			continue
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "build-output":
			fmt.Fprint(out, e.Output)
		case "output":
			if e.Test == "" {
				// "ok  pkg 1.2s", "FAIL pkg", panics; not the bare "PASS"
				// that -json's verbose mode adds and plain go test omits.
				if e.Output != "PASS\n" {
					fmt.Fprint(out, e.Output)
				}
			} else {
				buf[k] = append(buf[k], e.Output)
			}
		case "pass":
			if e.Test != "" {
				passed++
			}
			delete(buf, k)
		case "skip":
			if e.Test != "" {
				skips = append(skips, skip{e.Package + " " + e.Test, skipReason(buf[k])})
			}
			delete(buf, k)
		case "fail":
			if e.Test == "" {
				failedPkgs++
				continue
			}
			failedTests++
			for _, o := range buf[k] {
				fmt.Fprint(out, o)
			}
			delete(buf, k)
		}
	}
	if err := sc.Err(); err != nil {
		return true, fmt.Errorf("read go test -json: %w", err)
	}
	// A test that never ended (a panic or a timeout killed its package)
	// shows its output too.
	for k, lines := range buf {
		if len(lines) > 0 && failedPkgs > 0 {
			fmt.Fprintf(out, "--- output of %s %s, which did not finish:\n%s", k.pkg, k.test, strings.Join(lines, ""))
		}
	}
	sort.Slice(skips, func(i, j int) bool { return skips[i].name < skips[j].name })
	fmt.Fprintf(out, "\ntests: %d passed, %d failed, %d skipped\n", passed, failedTests, len(skips))
	for _, s := range skips {
		fmt.Fprintf(out, "  skipped %s: %s\n", s.name, s.reason)
	}
	return failedTests > 0 || failedPkgs > 0, nil
}

// skipReason is the message a skipped test gave: its output but the
// "=== RUN" (PAUSE, CONT, NAME) and "--- SKIP" lines, joined. (go test
// -json runs verbosely, where the message comes before "--- SKIP".)
func skipReason(lines []string) string {
	var reason []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- SKIP") {
			continue
		}
		reason = append(reason, l)
	}
	if len(reason) == 0 {
		return "(no reason given)"
	}
	return strings.Join(reason, " ")
}
