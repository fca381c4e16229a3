//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/doctales/doctales/importer"
	"github.com/doctales/doctales/internal/testutil"
)

// summaryLine is a reason line of the import summary: a count, the reason.
var summaryLine = regexp.MustCompile(`^\s+(\d+)  (.*)$`)

// summaryReasons maps each place named in an import summary to the reason
// line above it.
func summaryReasons(out string) map[string]string {
	m := map[string]string{}
	reason := ""
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "          ") {
			place, _, _ := strings.Cut(strings.TrimSpace(line), " -> ")
			m[place] = reason
		} else if sm := summaryLine.FindStringSubmatch(line); sm != nil {
			reason = sm[2]
		}
	}
	return m
}

// TestImportCommand_Hostile runs the real binary over the hostile tree:
// it ends in a few seconds with the usual exit status, imports the normal
// files only, names each hostile entry with its reason and prints no
// control character; with --follow-symlinks it follows the inside link
// once and names the loop (issue 10).
func TestImportCommand_Hostile(t *testing.T) {
	for _, follow := range []bool{false, true} {
		name := "NoFollow"
		if follow {
			name = "FollowSymlinks"
		}
		t.Run(name, func(t *testing.T) {
			root, hostile := testutil.HostileTree(t)
			args := []string{"import", "--data", t.TempDir(), "--progress", "log", "--log-level", "warn"}
			if follow {
				args = append(args, "--follow-symlinks")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binPath, append(args, root)...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			err := cmd.Run()
			t.Logf("doctales import took %s\nstdout:\n%s\nstderr:\n%s", time.Since(start).Round(time.Millisecond), stdout.String(), stderr.String())
			if ctx.Err() != nil {
				t.Fatal("doctales import did not finish within 20s: the walk hangs or loops")
			}
			if err != nil {
				t.Fatalf("doctales import: %v (item failures must not fail the command)", err)
			}

			out := stdout.String()
			want := "imported 2, skipped 9, failed 2 of 13 found"
			if follow {
				want = "imported 3, skipped 9, failed 2 of 14 found"
			}
			if !strings.Contains(out, want) {
				t.Errorf("summary does not say %q", want)
			}
			reasons := summaryReasons(out)
			for _, h := range hostile {
				place := importer.Escape(filepath.Join(root, h.Name))
				if got := reasons[place]; !strings.Contains(got, h.Reason) {
					t.Errorf("%s: summary reason %q, want %q", place, got, h.Reason)
				}
			}
			inside := map[string]string{"old": importer.ReasonSymlinkNotFollowed, "again": importer.ReasonSymlinkNotFollowed}
			if follow {
				inside = map[string]string{"old": importer.ReasonLoop, ".archive/old/back": importer.ReasonLoop}
			}
			for name, want := range inside {
				if got := reasons[filepath.Join(root, name)]; got != want {
					t.Errorf("%s: summary reason %q, want %q", name, got, want)
				}
			}
			// Nothing raw reaches the terminal: neither the summary, nor the
			// progress lines and logs on standard error.
			for what, s := range map[string]string{"stdout": out, "stderr": stderr.String()} {
				for i, r := range s {
					if r != '\n' && (unicode.IsControl(r) || r == unicode.ReplacementChar) {
						t.Errorf("%s holds the raw control character %U at byte %d", what, r, i)
						break
					}
				}
			}
			if !strings.Contains(stderr.String(), "entry skipped") {
				t.Errorf("stderr does not log the skipped entries at warn")
			}
		})
	}

	t.Run("JSON", func(t *testing.T) {
		root, _ := testutil.HostileTree(t)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, binPath, "import", "--dry-run", "--json", "--progress", "none", root).Output()
		if err != nil {
			t.Fatalf("doctales import --json: %v", err)
		}
		var sum struct {
			Imported, Skipped, Failed int
			Skips, Failures           []importer.Reason
		}
		if err := json.Unmarshal(out, &sum); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if sum.Imported != 2 || sum.Skipped != 9 || sum.Failed != 2 {
			t.Errorf("summary %+v, want 2 imported, 9 skipped, 2 failed", sum)
		}
		for _, r := range append(sum.Skips, sum.Failures...) {
			for _, s := range append([]string{r.Message}, r.Examples...) {
				if strings.ContainsFunc(s, unicode.IsControl) {
					t.Errorf("JSON summary string %q holds a control character", s)
				}
			}
		}
	})
}
