package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/fsblob"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/importer"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/sqlite"
)

// MustDataDir returns the shared data folder: $DOCTALES_DATA, else
// ../shared/data beside the module. Without it the test is skipped, except
// under CI=true, where the data is laid out and its absence is a failure.
func MustDataDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("DOCTALES_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "data")
	}
	if fi, err := os.Stat(filepath.Join(dir, "mail")); err != nil || !fi.IsDir() {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("shared data not found at %s (set DOCTALES_DATA): %v", dir, err)
		}
		tb.Skipf("shared data not found at %s (set DOCTALES_DATA)", dir)
	}
	return dir
}

// Store is a real object store and table in a temporary folder, with the
// ingestion function over them.
type Store struct {
	DB        *sqlite.DB
	Objects   *fsblob.Store
	Ingestion *function.Ingestion
}

// MustOpenStore opens a Store, closed at test end.
func MustOpenStore(tb testing.TB) *Store {
	tb.Helper()
	dir := tb.TempDir()
	db := sqlite.NewDB(filepath.Join(dir, "doctales.db"))
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	st := fsblob.NewStore(filepath.Join(dir, "objects"), "doc-tales-raw-communications-test")
	st.Events = db
	if err := st.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = st.Close()
		_ = db.Close()
	})
	return &Store{DB: db, Objects: st, Ingestion: &function.Ingestion{Store: st, Table: db}}
}

// Import runs an import of path into s and returns the counts.
func (s *Store) Import(tb testing.TB, path string, opt ingest.Options) importer.Stats {
	tb.Helper()
	im := &importer.Importer{Sink: &importer.Local{Ingestion: s.Ingestion}, Options: opt, Workers: 16}
	stats, err := im.Run(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	return stats
}

// counts is the part of Stats that must match across layouts.
func counts(s importer.Stats) string {
	return fmt.Sprintf("found %d, imported %d, skipped %d, failed %d", s.Found, s.Imported, s.Skipped, s.Failed)
}

// reasons lists the failure and skip reasons with their counts.
func reasons(s importer.Stats) string {
	var b strings.Builder
	for _, r := range importer.SortedReasons(s.Failures) {
		fmt.Fprintf(&b, "failed %d: %s\n", r.Count, r.Message)
	}
	for _, r := range importer.SortedReasons(s.Skips) {
		fmt.Fprintf(&b, "skipped %d: %s\n", r.Count, r.Message)
	}
	return b.String()
}

// TestImport_Corpus imports every message of the shared mail sets: each
// imports or fails with a clear reason, nothing panics or hangs. Then it
// imports easy-ham-1 again: nothing new, everything skipped.
func TestImport_Corpus(t *testing.T) {
	data := MustDataDir(t)
	s := MustOpenStore(t)
	for _, set := range []struct {
		name     string
		min      int64 // messages that must import
		expected int64 // files in the set
	}{
		{"easy-ham-1", 2490, 2500},
		{"spam-1", 490, 500},
		{"enmime", 45, 90},
	} {
		t.Run(set.name, func(t *testing.T) {
			stats := s.Import(t, filepath.Join(data, "mail", set.name), ingest.Options{})
			var out bytes.Buffer
			stats.WriteSummary(&out)
			t.Logf("%s: %s\n%s", set.name, counts(stats), out.String())
			if stats.Imported+stats.Skipped+stats.Failed != stats.Found {
				t.Errorf("%s: some items were not accounted for", counts(stats))
			}
			if set.expected > 0 && stats.Found != set.expected {
				t.Errorf("found %d messages, want %d", stats.Found, set.expected)
			}
			if stats.Imported < set.min {
				t.Errorf("imported %d, want at least %d", stats.Imported, set.min)
			}
			// Every failure is a client error with a message naming what
			// is wrong, and the file it came from.
			for _, r := range stats.Failures {
				if r.Code != doctales.EINVALID && r.Code != doctales.ETOOLARGE {
					t.Errorf("failure %q has code %q: want a clear client error", r.Message, r.Code)
				}
				if len(r.Examples) == 0 || !strings.Contains(r.Examples[0], filepath.Join("mail", set.name)) {
					t.Errorf("failure %q names no file: %q", r.Message, r.Examples)
				}
			}
		})
	}

	t.Run("AgainSkipsAll", func(t *testing.T) {
		stats := s.Import(t, filepath.Join(data, "mail", "easy-ham-1"), ingest.Options{})
		t.Logf("second run: %s", counts(stats))
		if stats.Imported != 0 || stats.Failed != 0 || stats.Skipped != stats.Found || stats.Found != 2500 {
			t.Fatalf("second run: %s; want 0 imported and all 2500 skipped\n%s", counts(stats), reasons(stats))
		}
		r := importer.SortedReasons(stats.Skips)
		if len(r) == 0 || r[0].Message != importer.ReasonAlreadyIn {
			t.Errorf("skip reasons:\n%s", reasons(stats))
		}
	})
}

// TestImport_Layouts makes an mbox and a Maildir from the shared messages
// and checks that the three layouts import with the same counts and the
// same reasons.
func TestImport_Layouts(t *testing.T) {
	data := MustDataDir(t)
	src := t.TempDir()
	// Copies, not links: the walk does not follow links out of its root.
	for _, set := range []string{"spam-1", "enmime"} {
		if err := os.CopyFS(filepath.Join(src, set), os.DirFS(filepath.Join(mustAbs(t, data), "mail", set))); err != nil {
			t.Fatal(err)
		}
	}

	// Read the messages as the importer sees them in the folder tree.
	var msgs [][]byte
	w := &importer.Walker{}
	if err := w.Walk(context.Background(), src, func(it *importer.Item) error {
		if it.Err != nil {
			t.Fatalf("%s: %v", it.Where(), it.Err)
		}
		msgs = append(msgs, it.Data)
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// An mbox (mboxrd: ">From " lines quoted once more) and a Maildir.
	dir := t.TempDir()
	mbox := filepath.Join(dir, "all.mbox")
	maildir := filepath.Join(dir, "Maildir")
	var mb bytes.Buffer
	quote := regexp.MustCompile(`(?m)^(>*From )`)
	for i, m := range msgs {
		mb.WriteString("From importer-test@example.com Thu Aug 22 12:36:23 2002\n")
		mb.Write(quote.ReplaceAll(m, []byte(">$1")))
		if !bytes.HasSuffix(m, []byte("\n")) {
			mb.WriteString("\n")
		}
		mb.WriteString("\n")
		sub := "cur"
		if i%3 == 0 {
			sub = "new"
		}
		name := filepath.Join(maildir, sub, fmt.Sprintf("%d.M%dP1.test:2,S", 1030000000+i, i))
		os.MkdirAll(filepath.Dir(name), 0o755)
		if err := os.WriteFile(name, m, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(maildir, "tmp"), 0o755)
	os.WriteFile(filepath.Join(maildir, "tmp", "partial"), []byte("From: half a message"), 0o600)
	if err := os.WriteFile(mbox, mb.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	folder := MustOpenStore(t).Import(t, src, ingest.Options{})
	t.Logf("folder: %s\n%s", counts(folder), reasons(folder))
	if folder.Found != int64(len(msgs)) || folder.Imported == 0 {
		t.Fatalf("folder: %s, want %d found", counts(folder), len(msgs))
	}
	for name, path := range map[string]string{"mbox": mbox, "Maildir": maildir} {
		got := MustOpenStore(t).Import(t, path, ingest.Options{})
		if counts(got) != counts(folder) || reasons(got) != reasons(folder) {
			t.Errorf("%s: %s\n%s\nwant the folder's %s\n%s", name, counts(got), reasons(got), counts(folder), reasons(folder))
		}
	}
}

func mustAbs(tb testing.TB, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// TestImport_Mixed imports a folder holding every kind of source, with a
// corrupt message in the middle of an mbox, and checks each failure names
// its file and offset while the rest imports.
func TestImport_Mixed(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	msg := func(id, body string) string {
		return "From: Ana <ana@acme.example>\nTo: bo@example.com\nSubject: " + id + "\nMessage-ID: <" + id + "@acme.example>\nDate: Tue, 10 Jun 2025 15:30:00 +0000\n\n" + body + "\n"
	}
	first := "From ana@acme.example Tue Jun 10 15:30:00 2025\n" + msg("one", "First.\n>From the start, quoted.")
	corrupt := "From junk Tue Jun 10 15:31:00 2025\n\x00\x01\x02 binary junk\n"
	large := "From big Tue Jun 10 15:32:00 2025\n" + msg("big", strings.Repeat("x", 5000))
	last := "From ana@acme.example Tue Jun 10 15:33:00 2025\n" + msg("three", "Third.")
	write("mail/inbox.mbox", first+"\n"+corrupt+"\n"+large+"\n"+last)
	write("mail/single.eml", msg("four", "Fourth."))
	write("docs/notes.md", "# Notes\n\nShip it.\n")
	write("docs/readme.txt", "Plain text notes.\n")
	write("posts/feed.jsonl", `{"platform":"twitter","id":1,"user":"ana","text":"hello #a"}`+"\n\n"+"{not json\n"+`{"platform":"twitter","id":2,"user":"bo","text":"hi @ana"}`+"\n")
	write("slack/channels.json", `[{"id":"C1","name":"general"}]`)
	write("slack/users.json", `[{"id":"U1","name":"ana"}]`)
	write("slack/general/2025-06-10.json", `[{"type":"message","user":"U1","text":"standup in 5","ts":"1749562200.000100"}]`)
	write("img/photo.png", "\x89PNG\r\n\x1a\n")

	s := MustOpenStore(t)
	im := &importer.Importer{
		Sink:    &importer.Local{Ingestion: s.Ingestion},
		Walker:  &importer.Walker{MaxMessageBytes: 2000},
		Options: ingest.Options{Project: "mixed"},
	}
	stats, err := im.Run(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	stats.WriteSummary(&out)
	t.Log(out.String())
	// 3 messages + 2 documents + 2 posts + 1 Slack message imported; the
	// corrupt message, the large one and the bad line failed.
	if stats.Imported != 8 || stats.Failed != 3 || stats.Skipped != 0 || stats.Ignored != 1 {
		t.Fatalf("%s, ignored %d; want 8 imported, 3 failed, 1 ignored", counts(stats), stats.Ignored)
	}
	offset := int64(len(first) + 1)
	for _, want := range []string{
		fmt.Sprintf("inbox.mbox at offset %d", offset),
		fmt.Sprintf("inbox.mbox at offset %d", offset+int64(len(corrupt)+1)),
		fmt.Sprintf("feed.jsonl at offset %d", len(`{"platform":"twitter","id":1,"user":"ana","text":"hello #a"}`)+2),
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary does not name %q", want)
		}
	}
	if !strings.Contains(out.String(), "larger than the limit of 2000 bytes") {
		t.Error("summary does not name the size limit")
	}

	// The quoted line was unquoted, and the message kept its bytes.
	items, _, err := s.DB.FindItems(context.Background(), doctales.ItemFilter{})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, it := range items {
		kinds[it.Type]++
		if it.Project != "mixed" {
			t.Errorf("item %s has project %q", it.ID, it.Project)
		}
	}
	if kinds["email"] != 3 || kinds["document"] != 2 || kinds["social"] != 3 {
		t.Errorf("items by type = %v", kinds)
	}

	// A dry run parses the same and stores nothing.
	dry, err := (&importer.Importer{Sink: &importer.Local{DryRun: true}, Walker: &importer.Walker{MaxMessageBytes: 2000}}).Run(context.Background(), dir)
	if err != nil || dry.Imported != 8 || dry.Failed != 3 {
		t.Errorf("dry run: %s (%v)", counts(dry), err)
	}
}
