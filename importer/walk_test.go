//go:build unix

package importer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/importer"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/internal/testutil"
)

// recordSink is the real local sink, noting the paths it was sent.
type recordSink struct {
	importer.Sink
	mu    sync.Mutex
	paths []string
}

func (s *recordSink) Send(ctx context.Context, it *importer.Item, opt ingest.Options) (*importer.Result, error) {
	s.mu.Lock()
	s.paths = append(s.paths, it.Path)
	s.mu.Unlock()
	return s.Sink.Send(ctx, it, opt)
}

// slogTo returns a JSON logger writing every level to w.
func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// runBounded runs im over root and fails the test if it has not returned
// within the time-out: a FIFO opened for reading blocks in the kernel,
// where no context reaches, so the test cannot rely on ctx alone.
func runBounded(t *testing.T, im *importer.Importer, root string) importer.Stats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type result struct {
		s   importer.Stats
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		s, err := im.Run(ctx, root)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("import: %v", r.err)
		}
		t.Logf("import of the hostile tree took %s", time.Since(start).Round(time.Millisecond))
		return r.s
	case <-time.After(15 * time.Second):
		t.Fatal("import did not finish within 15s: the walk hangs or loops")
	}
	return importer.Stats{}
}

// reasonOf returns the reason the stats give for the entry at path, or "".
func reasonOf(s importer.Stats, path string) string {
	for _, m := range []map[string]*importer.Reason{s.Skips, s.Failures} {
		for _, r := range m {
			for _, e := range r.Examples {
				place, _, _ := strings.Cut(e, " -> ")
				if place == importer.Escape(path) || strings.HasPrefix(e, importer.Escape(path)+": ") {
					return r.Message + " | " + e
				}
			}
		}
	}
	return ""
}

// assertNoControl fails if out holds a control character other than a
// line feed.
func assertNoControl(t *testing.T, what, out string) {
	t.Helper()
	for i, r := range out {
		if r != '\n' && (unicode.IsControl(r) || r == unicode.ReplacementChar) {
			t.Errorf("%s holds the raw control character %U at byte %d:\n%s", what, r, i, out)
			return
		}
	}
}

// TestImport_Hostile imports a tree of symbolic link loops, links out of
// the folder, FIFOs, a huge sparse file and an escape-sequence name: the
// import ends in bounded time, reads none of them, imports the normal
// files, names each hostile entry with its reason, and prints no control
// character (issue 10).
func TestImport_Hostile(t *testing.T) {
	for _, follow := range []bool{false, true} {
		name := "NoFollow"
		if follow {
			name = "FollowSymlinks"
		}
		t.Run(name, func(t *testing.T) {
			root, hostile := testutil.HostileTree(t)
			store := MustOpenStore(t)
			sink := &recordSink{Sink: &importer.Local{Ingestion: store.Ingestion}}
			var logs bytes.Buffer
			im := &importer.Importer{
				Sink:   sink,
				Walker: &importer.Walker{FollowSymlinks: follow},
				Logger: slogTo(&logs),
			}
			stats := runBounded(t, im, root)
			var out bytes.Buffer
			stats.WriteSummary(&out)
			t.Logf("summary:\n%s", out.String())

			// Each hostile entry is named with its reason; none was sent.
			for _, h := range hostile {
				p := filepath.Join(root, h.Name)
				got := reasonOf(stats, p)
				if !strings.Contains(got, h.Reason) {
					t.Errorf("%q: reason %q, want %q", h.Name, got, h.Reason)
				}
			}
			sent := map[string]int{}
			for _, p := range sink.paths {
				rel, _ := filepath.Rel(root, p)
				sent[rel]++
			}
			for _, h := range hostile {
				if sent[h.Name] > 0 && h.Name != testutil.HostileEscName {
					t.Errorf("%q was sent to the sink", h.Name)
				}
			}

			// The normal files are in: the message, the Slack day, and with
			// --follow-symlinks the message behind the two inside links, once.
			wantSent := map[string]int{"mail.eml": 1, "slack/general/2024-01-02.json": 1, testutil.HostileEscName: 1}
			if follow {
				wantSent[".archive/old/old.eml"] = 1
			}
			for name, n := range wantSent {
				if sent[name] != n {
					t.Errorf("%q sent %d times, want %d (sent: %v)", name, sent[name], n, sent)
				}
			}
			if len(sent) != len(wantSent) {
				t.Errorf("sent %v, want %v", sent, wantSent)
			}
			wantImported := int64(len(wantSent) - 1) // the escape-named file is not a message
			if stats.Imported != wantImported {
				t.Errorf("imported %d, want %d", stats.Imported, wantImported)
			}
			items, _, err := store.DB.FindItems(context.Background(), doctales.ItemFilter{})
			if err != nil || int64(len(items)) != wantImported {
				t.Errorf("table holds %d items (%v), want %d", len(items), err, wantImported)
			}

			// Links inside the folder: named when not followed; followed
			// once, the second link and the loop back to the root detected.
			inside := map[string]string{
				"old":   importer.ReasonSymlinkNotFollowed,
				"again": importer.ReasonSymlinkNotFollowed,
			}
			if follow {
				// "again" comes first in name order and is followed;
				// "old" leads to the same folder.
				inside = map[string]string{
					"again":             "",
					"old":               importer.ReasonLoop,
					".archive/old/back": importer.ReasonLoop,
				}
			}
			for name, want := range inside {
				if got := reasonOf(stats, filepath.Join(root, name)); !strings.HasPrefix(got, want) || (want == "") != (got == "") {
					t.Errorf("%q: reason %q, want %q", name, got, want)
				}
			}

			// The totals count them: skipped and failed, nothing lost.
			var skips, fails int64
			for _, r := range stats.Skips {
				skips += int64(r.Count)
			}
			for _, r := range stats.Failures {
				fails += int64(r.Count)
			}
			if stats.Skipped != skips || stats.Failed != fails || stats.Found != stats.Imported+stats.Skipped+stats.Failed {
				t.Errorf("totals %+v do not add up (skips %d, failures %d)", stats, skips, fails)
			}

			// No raw control character in the summary, the JSON or the logs.
			assertNoControl(t, "summary", out.String())
			if !strings.Contains(out.String(), `esc\x1b[2J\x1b[31mred.eml`) {
				t.Errorf("summary does not name the escape-named file, escaped:\n%s", out.String())
			}
			// The reasons are what --json prints: their strings, not just
			// their JSON encoding, must be clean.
			for _, m := range []map[string]*importer.Reason{stats.Skips, stats.Failures} {
				for _, r := range m {
					assertNoControl(t, "reason", r.Message+"\n"+strings.Join(r.Examples, "\n"))
				}
			}
			// Decoded log values, one record a line.
			for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("log line %q: %v", line, err)
				}
				for k, v := range rec {
					if s, ok := v.(string); ok {
						assertNoControl(t, "log value "+k, s)
					}
				}
			}
			if !strings.Contains(logs.String(), "entry skipped") {
				t.Errorf("no skip was logged:\n%s", logs.String())
			}
		})
	}
}

// TestWalker_SlackDayTooLarge checks a Slack day file over the limit is
// refused from its size, before it is read: the file is sparse and 2 GiB,
// so reading it would take seconds and gigabytes.
func TestWalker_SlackDayTooLarge(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "general"), 0o755)
	os.WriteFile(filepath.Join(root, "channels.json"), []byte(`[{"id":"C1","name":"general"}]`), 0o600)
	day := filepath.Join(root, "general", "2024-01-01.json")
	f, err := os.Create(day)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(2 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()

	for _, tc := range []struct {
		limit int64
		want  int64
	}{{0, importer.DefaultMaxSlackFileBytes}, {1 << 20, 1 << 20}} {
		w := &importer.Walker{MaxSlackFileBytes: tc.limit}
		var items []*importer.Item
		start := time.Now()
		if err := w.Walk(context.Background(), root, func(it *importer.Item) error {
			items = append(items, it)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("walk took %s: the file was read", el)
		}
		if len(items) != 1 {
			t.Fatalf("items = %d, want 1", len(items))
		}
		var tl *importer.TooLargeError
		if !errors.As(items[0].Err, &tl) || tl.Size != 2<<30 || tl.Limit != tc.want || tl.Path != day {
			t.Fatalf("error = %v, want the day file refused by size at %d bytes", items[0].Err, tc.want)
		}
		if doctales.ErrorCode(items[0].Err) != doctales.ETOOLARGE {
			t.Errorf("code %s, want %s", doctales.ErrorCode(items[0].Err), doctales.ETOOLARGE)
		}
		if msg := items[0].Err.Error(); !strings.Contains(msg, "2024-01-01.json") || !strings.Contains(msg, "2147483648 bytes") {
			t.Errorf("message %q does not name the file and its size", msg)
		}
	}
}

// TestWalker_RootSymlink checks that a root that is itself a symbolic link
// is resolved and walked, its contents judged against the resolved folder.
func TestWalker_RootSymlink(t *testing.T) {
	real := t.TempDir()
	os.WriteFile(filepath.Join(real, "mail.eml"), []byte(testutil.HostileMail), 0o600)
	os.Symlink(filepath.Join(real, "mail.eml"), filepath.Join(real, "inside.eml"))
	link := filepath.Join(t.TempDir(), "root")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	w := &importer.Walker{FollowSymlinks: true}
	var got []string
	if err := w.Walk(context.Background(), link, func(it *importer.Item) error {
		if it.Err != nil {
			t.Errorf("%s: %v", it.Where(), it.Err)
		}
		got = append(got, filepath.Base(it.Path))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "mail.eml,mail.eml" {
		t.Errorf("items from %v, want mail.eml twice (itself and through the inside link)", got)
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain/name.eml":      "plain/name.eml",
		"accentué ünïcode.md": "accentué ünïcode.md",
		"esc\x1b[31m.eml":     `"esc\x1b[31m.eml"`,
		"cr\rlf\n":            `"cr\rlf\n"`,
		"c1\u009b2J":          `"c1\u009b2J"`,
		"bad\xffutf8":         `"bad\xffutf8"`,
		"rtl\u202eexe.txt":    `"rtl\u202eexe.txt"`,
	} {
		if got := importer.Escape(in); got != want {
			t.Errorf("Escape(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestWalker_SpecialRoot walks a FIFO and /dev/zero given as the root:
// walkFile looks at no Lstat, so only the check after the non-blocking
// open stands between them and a hang or an endless read. This is the
// case of a file swapped for a FIFO between the walk's look and the open.
func TestWalker_SpecialRoot(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "2024-01-01.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, reason := range map[string]string{fifo: "not a regular file (FIFO)", "/dev/zero": "not a regular file (character device)"} {
		done := make(chan []*importer.Item, 1)
		go func() {
			var items []*importer.Item
			err := (&importer.Walker{}).Walk(context.Background(), path, func(it *importer.Item) error {
				items = append(items, it)
				return nil
			})
			if err != nil {
				t.Errorf("walk %s: %v", path, err)
			}
			done <- items
		}()
		select {
		case items := <-done:
			var se *importer.SkipError
			if len(items) != 1 || !errors.As(items[0].Err, &se) || se.Reason != reason {
				t.Errorf("%s: items %v, want one skipped: %s", path, items, reason)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("walk of %s did not return within 5s", path)
		}
	}
}
