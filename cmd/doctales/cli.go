package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"golang.org/x/term"
)

// parseInterspersed parses flags placed before, between or after the
// positional arguments ("users add ana --data DIR"), which flag.Parse
// alone stops at, and returns the positional arguments; after "--" every
// argument is positional. -h prints the usage (fs.Usage) and returns
// flag.ErrHelp; a bad flag returns a *usageError naming the command and
// the flag, printed once by main (not also by the flag package).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	defer func() { fs.SetOutput(out); fs.Usage = usage }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(out)
				usage()
				return nil, flag.ErrHelp
			}
			return nil, &usageError{err: fmt.Errorf("%s: %w", strings.TrimPrefix(fs.Name(), "doctales "), err)}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// noArgs returns a usage error naming the first of pos, for the commands
// that take no positional argument.
func noArgs(cmd string, pos []string) error {
	if len(pos) > 0 {
		return usageErrorf(cmd, "%s: unexpected argument %q (it takes flags only)", cmd, pos[0])
	}
	return nil
}

// isTerminal reports whether w is a terminal, where people read the log
// (so it is text) rather than a program (so it is JSON).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Version overrides the version doctales reports; make release sets it
// with -ldflags "-X main.Version=v1.2.3". Empty, it is the module version
// from the build information.
var Version = ""

// VersionInfo is what doctales version prints: the module version and the
// source it was built from, as the Go toolchain recorded them in the
// binary.
type VersionInfo struct {
	// Version is the module version ("v1.2.0" for go install
	// module@version, a pseudo-version for a build from a Git checkout),
	// or "(devel)" when the toolchain recorded none.
	Version string `json:"version"`
	// Commit, Time and Modified are the VCS revision the binary was built
	// from, its commit time, and whether the tree had uncommitted changes
	// (absent in a build outside a Git checkout, or a test binary).
	Commit   string `json:"commit,omitempty"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// buildVersion reads the build information of the running binary.
func buildVersion() VersionInfo {
	v := VersionInfo{Version: "(devel)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.time":
				v.Time = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if Version != "" {
		v.Version = Version
	}
	return v
}

// String is the one line doctales version prints.
func (v VersionInfo) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "doctales %s", v.Version)
	if v.Commit != "" {
		commit := v.Commit
		if len(commit) > 12 {
			commit = commit[:12]
		}
		fmt.Fprintf(&b, " commit %s", commit)
		if v.Modified {
			b.WriteString(" (modified)")
		}
		if v.Time != "" {
			fmt.Fprintf(&b, " of %s", v.Time)
		}
	} else if v.Version == "(devel)" {
		b.WriteString(" (built from source without version control information)")
	}
	fmt.Fprintf(&b, ", %s %s", v.Go, v.Platform)
	return b.String()
}

const versionUsage = `Usage: doctales version [--json]

Prints the version of doctales, the commit and commit time it was built
from, and the Go version and platform, as the Go toolchain recorded them in
the binary. A build from a source tree without Git says (devel).

Example:
  doctales version
  doctales version --json
`

// runVersion is the version command.
func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, versionUsage); fs.PrintDefaults() }
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("version", pos); err != nil {
		return err
	}
	v := buildVersion()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	_, err = fmt.Fprintln(stdout, v)
	return err
}

// takeVerb splits the positional arguments of a command that takes a verb
// first (dlq list, keys create) into the verb and the rest. A missing or
// unknown verb is a usage error listing the verbs.
func takeVerb(cmd string, pos []string, verbs ...string) (string, []string, error) {
	if len(pos) == 0 {
		return "", nil, usageErrorf(cmd, "%s: give a verb: %s", cmd, strings.Join(verbs, ", "))
	}
	for _, v := range verbs {
		if pos[0] == v {
			return v, pos[1:], nil
		}
	}
	return "", nil, usageErrorf(cmd, "%s: unknown verb %q: give %s", cmd, pos[0], strings.Join(verbs, ", "))
}

// nonNil returns s, or an empty slice when s is nil: an empty list is
// printed as [] in JSON, never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
