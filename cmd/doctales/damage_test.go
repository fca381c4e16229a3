package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/sqlite"
)

// seedServer starts the real binary on a new data folder, posts n
// communications, waits until they are extracted and stops the server
// with SIGINT, so that the WAL is folded into doctales.db. It returns the
// data folder.
func seedServer(t *testing.T, n int) string {
	t.Helper()
	data := t.TempDir()
	srv := startServer(t, data)
	for i := 0; i < n; i++ {
		body := fmt.Sprintf(`{"id":"seed-%04d","source":"email","subject":"Report %d","from":"Bo Lind","from_email":"bo@family.example","body":"Here is report %d for the week, with the figures you asked for."}`, i, i, i)
		if code, out := post(t, srv.url, body); code/100 != 2 {
			t.Fatalf("post %d: %d %v", i, code, out)
		}
	}
	waitIdle(t, srv.url, 60*time.Second)
	stopServer(t, srv)
	return data
}

// stopServer stops s with SIGINT and waits for it to exit.
func stopServer(t *testing.T, s *server) {
	t.Helper()
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		s.kill()
		t.Fatalf("server did not stop on SIGINT; logs:\n%s", s.Logs())
	}
}

// runBinary runs the doctales binary with args and returns its exit code
// and stderr; it fails the test if it runs longer than a minute.
func runBinary(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("doctales %v did not finish within a minute; stderr:\n%s", args, stderr.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// serveOnce runs `doctales serve` on data and expects it to refuse to
// start: it returns the exit code and stderr. A server that starts is
// killed after 5 s and fails the test.
func serveOnce(t *testing.T, data string) (int, string) {
	t.Helper()
	return serveUntilExit(t, data, 5*time.Second, "serve started on a damaged data folder")
}

// serveUntilExit runs `doctales serve` on data with args and waits for it
// to exit by itself: it returns the exit code and stderr. A server still
// running after within is killed and fails the test with what.
func serveUntilExit(t *testing.T, data string, within time.Duration, what string, args ...string) (int, string) {
	t.Helper()
	all := append([]string{"serve", "--data", data, "--addr", freeAddr(t), "--log-format", "text", "--log-level", "warn"}, args...)
	cmd := exec.Command(binPath, all...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(within):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%s; stderr:\n%s", what, stderr.String())
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// mustContain fails the test unless s contains every one of want.
func mustContain(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, s)
		}
	}
}

// corruptBtreePage overwrites a leaf page of the items table (rows: not
// the schema, an index or an interior page, which opening the database
// reads), the one nearest the middle of those, with garbage, so that
// quick_check must see it (a free page's content is never checked), and
// returns the new bytes. The pages are found with SQLite's dbstat table:
// the schema grows with each migration, so a fixed position in the file
// may land on the schema's own pages.
func corruptBtreePage(t *testing.T, path string) []byte {
	t.Helper()
	return corruptLeafPage(t, path, "items")
}

// corruptLeafPage is corruptBtreePage on a leaf page of table.
func corruptLeafPage(t *testing.T, path, table string) []byte {
	t.Helper()
	ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var leaves []int
	rows, err := ro.Query(`SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno`, table)
	if err != nil {
		t.Fatalf("list the %s table's leaf pages of %q: %v", table, path, err)
	}
	for rows.Next() {
		var p int
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, p)
	}
	if err := errors.Join(rows.Err(), rows.Close(), ro.Close()); err != nil {
		t.Fatal(err)
	}
	if len(leaves) < 2 {
		t.Fatalf("database %q has %d leaf pages of %s; need 2 or more", path, len(leaves), table)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const pageSize = 4096
	p := leaves[len(leaves)/2] // 1-based
	off := (p - 1) * pageSize
	if off+pageSize > len(data) || data[off] != 0x0d {
		t.Fatalf("page %d of %q is not a table leaf page (type %#x)", p, path, data[off])
	}
	for i := 0; i < pageSize; i++ {
		data[off+i] = byte(i*7 + 13)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("overwrote page %d of %d (a leaf of %s)", p, len(data)/pageSize, table)
	return data
}

// TestServe_DamagedDatabase starts the real binary on a zero-length
// doctales.db with objects present and on one with a corrupted page: each
// exits non-zero with a message naming what was found and how to recover,
// and the damaged file's bytes are unchanged.
func TestServe_DamagedDatabase(t *testing.T) {
	t.Run("ZeroLength", func(t *testing.T) {
		data := seedServer(t, 20)
		path := filepath.Join(data, tableFile)
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		code, stderr := serveOnce(t, data)
		if code == 0 {
			t.Fatalf("exit code 0; stderr:\n%s", stderr)
		}
		t.Logf("stderr:\n%s", stderr)
		mustContain(t, "stderr", stderr, path, "is empty (0 bytes)", "holds 20 objects",
			"doctales restore", "--from DIR", "doctales doctor", "--repair")
		if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
			t.Fatalf("the empty file was replaced: %v %v", fi.Size(), err)
		}

		// Every command that opens the data folder refuses it too.
		for _, args := range [][]string{{"dlq", "list"}, {"trace", "seed-0001"}, {"export", "--out", t.TempDir()}} {
			code, _, stderr := runBinary(t, append(args, "--data", data)...)
			if code == 0 || !strings.Contains(stderr, "is empty (0 bytes)") {
				t.Errorf("doctales %v: exit %d, stderr:\n%s", args, code, stderr)
			}
		}

		// The way out the message gives: doctor --repair keeps the empty
		// file beside and rebuilds the table; serve then has all 20.
		code, r := doctorJSON(t, data, "--repair")
		if code != 0 || r.MovedTo == "" || r.Objects != 20 {
			t.Fatalf("doctor --repair: exit %d, %+v", code, r)
		}
		if fi, err := os.Stat(r.MovedTo); err != nil || fi.Size() != 0 {
			t.Fatalf("the empty file is not kept at %s: %v", r.MovedTo, err)
		}
		srv := startServer(t, data)
		waitIdle(t, srv.url, 30*time.Second)
		var page struct{ Communications []map[string]any }
		getJSON(t, srv.url+"/communications?limit=100", &page)
		if len(page.Communications) != 20 {
			t.Fatalf("%d communications after repair, want 20", len(page.Communications))
		}
	})

	t.Run("NotSQLite", func(t *testing.T) {
		data := seedServer(t, 3)
		path := filepath.Join(data, tableFile)
		junk := bytes.Repeat([]byte("not a database "), 1000)
		if err := os.WriteFile(path, junk, 0o600); err != nil {
			t.Fatal(err)
		}
		code, stderr := serveOnce(t, data)
		if code == 0 {
			t.Fatalf("exit code 0; stderr:\n%s", stderr)
		}
		mustContain(t, "stderr", stderr, "is not a SQLite database", "holds 3 objects", "doctales restore")
		if got, _ := os.ReadFile(path); !bytes.Equal(got, junk) {
			t.Fatal("the file was changed")
		}
	})

	t.Run("CorruptPage", func(t *testing.T) {
		data := seedServer(t, 300)
		path := filepath.Join(data, tableFile)
		want := corruptBtreePage(t, path)
		code, stderr := serveOnce(t, data)
		if code == 0 {
			t.Fatalf("exit code 0; stderr:\n%s", stderr)
		}
		t.Logf("stderr:\n%s", stderr)
		mustContain(t, "stderr", stderr, path, "is damaged", "doctales doctor", "doctales restore")
		if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
			t.Fatal("the damaged file was changed")
		}
		for _, suffix := range []string{"-wal", "-journal"} {
			if fi, err := os.Stat(path + suffix); err == nil && fi.Size() > 0 {
				t.Errorf("%s%s was written (%d bytes)", path, suffix, fi.Size())
			}
		}
		// history.db and analytics.db open beside the table only when
		// its clean-close record matches (issue 15); a table checked
		// first and refused leaves them unopened, their records kept.
		for _, f := range []string{"history.db", "analytics.db"} {
			if _, err := os.Stat(filepath.Join(data, f) + sqlite.CleanMarkerSuffix); err != nil {
				t.Errorf("%s was opened although the table was refused: its clean-close record is gone (%v)", f, err)
			}
		}
	})

	t.Run("FreshFolderStarts", func(t *testing.T) {
		data := t.TempDir()
		if err := os.WriteFile(filepath.Join(data, tableFile), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		srv := startServer(t, data)
		if code, out := post(t, srv.url, calmEmail); code/100 != 2 {
			t.Fatalf("post: %d %v", code, out)
		}
	})
}

// readyz returns the status code and body of GET /readyz.
func readyz(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	var out map[string]any
	code := getJSON(t, url+"/readyz", &out)
	return code, out
}

// TestServe_DiskFull runs the real binary on a small tmpfs it mounts,
// fills the file system, and checks that a post gets 507 with a message
// naming the folder and the bytes free, that /readyz says not ready with
// the reason, that what was stored before is intact and nothing
// half-written is visible, and that the server recovers by itself once
// space is freed.
func TestServe_DiskFull(t *testing.T) {
	data := testutil.MustMountTmpfs(t, 48<<20)
	srv := startServer(t, data)
	for i := 0; i < 5; i++ {
		body := fmt.Sprintf(`{"id":"before-%d","source":"email","subject":"Before %d","from":"Bo Lind","from_email":"bo@family.example","body":"Stored before the disk filled up."}`, i, i)
		if code, out := post(t, srv.url, body); code/100 != 2 {
			t.Fatalf("post: %d %v", code, out)
		}
	}
	waitIdle(t, srv.url, 30*time.Second)
	if code, out := readyz(t, srv.url); code != 200 {
		t.Fatalf("readyz before: %d %v", code, out)
	}

	// Fill the disk: posts get 507 with a clear message.
	filler := testutil.MustFillDisk(t, data)
	body := `{"id":"during-1","source":"email","subject":"During","from":"Bo Lind","from_email":"bo@family.example","body":"Posted while the disk is full."}`
	code, out := post(t, srv.url, body)
	t.Logf("post on a full disk: %d %v", code, out)
	if code != 507 || out["code"] != "no_space" {
		t.Fatalf("post on a full disk: %d %v; want 507 no_space; logs:\n%s", code, out, srv.Logs())
	}
	msg, _ := out["error"].(string)
	mustContain(t, "message", msg, data, "no space left", "bytes free", "free space and retry")

	// /readyz says not ready, naming the reason.
	code, out = readyz(t, srv.url)
	t.Logf("readyz on a full disk: %d %v", code, out)
	if code != 503 || !strings.Contains(fmt.Sprint(out["error"]), "no space left") {
		t.Fatalf("readyz on a full disk: %d %v", code, out)
	}

	// Nothing half-written is visible: every object file is complete JSON,
	// and the item of the refused post does not exist.
	if err := filepath.WalkDir(filepath.Join(data, objectsDir), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasPrefix(d.Name(), fsblobTempPrefix) {
			t.Errorf("temporary file left: %s", path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !json.Valid(b) {
			t.Errorf("object %s is not complete JSON (%d bytes)", path, len(b))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var it map[string]any
	if code := getJSON(t, srv.url+"/communications/during-1", &it); code != 404 {
		t.Errorf("GET the refused communication: %d %v; want 404", code, it)
	}

	// Free the space: readyz recovers by itself and posts work again.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if code, out := readyz(t, srv.url); code != 200 {
		t.Fatalf("readyz after freeing space: %d %v", code, out)
	}
	if code, out := post(t, srv.url, body); code/100 != 2 {
		t.Fatalf("post after freeing space: %d %v", code, out)
	}
	waitIdle(t, srv.url, 30*time.Second)
	var page struct{ Communications []map[string]any }
	getJSON(t, srv.url+"/communications?limit=100", &page)
	if len(page.Communications) != 6 {
		t.Fatalf("%d communications after recovery, want 6", len(page.Communications))
	}
	for _, c := range page.Communications {
		if c["status"] != "extracted" {
			t.Errorf("%v: status %v, want extracted", c["id"], c["status"])
		}
	}
}

// objectPaths returns the file of each communication object under data,
// by communication id.
func objectPaths(t *testing.T, data string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if err := filepath.WalkDir(filepath.Join(data, objectsDir), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
			out[strings.TrimSuffix(d.Name(), ".json")] = path
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// objectKey returns the key of the object file path in data.
func objectKey(t *testing.T, data, path string) string {
	t.Helper()
	rel, err := filepath.Rel(filepath.Join(data, objectsDir), path)
	if err != nil {
		t.Fatal(err)
	}
	_, key, _ := strings.Cut(filepath.ToSlash(rel), "/") // drop the bucket
	return key
}

// doctorJSON runs doctor --json with extra args and returns its exit code
// and report.
func doctorJSON(t *testing.T, data string, extra ...string) (int, DoctorReport) {
	t.Helper()
	code, stdout, stderr := runBinary(t, append([]string{"doctor", "--data", data, "--json", "--log-level", "error"}, extra...)...)
	var r DoctorReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("doctor %v: exit %d, bad JSON %v:\n%s\nstderr:\n%s", extra, code, err, stdout, stderr)
	}
	return code, r
}

// findProblem returns the problem of kind about key, if any.
func findProblem(r DoctorReport, kind, key string) (Problem, bool) {
	for _, p := range r.Problems {
		if p.Kind == kind && (key == "" || p.Key == key) {
			return p, true
		}
	}
	return Problem{}, false
}

// TestDoctor damages a data folder written by the real server in four
// ways (an item deleted, an object deleted, an object truncated, an object
// overwritten with valid JSON of another size) and
// checks that doctor names each by key and exits 1, that --repair
// rebuilds the missing item and deletes nothing, that the server then
// extracts the rebuilt item, and that GET of the truncated one answers a
// clear "damaged" error with the key in the server log.
func TestDoctor(t *testing.T) {
	data := seedServer(t, 6)
	paths := objectPaths(t, data)
	if len(paths) != 6 {
		t.Fatalf("%d objects, want 6", len(paths))
	}

	// A healthy folder: exit 0, no problems.
	if code, r := doctorJSON(t, data); code != 0 || len(r.Problems) != 0 || r.Items != 6 || r.Objects != 6 {
		t.Fatalf("healthy folder: exit %d, %+v", code, r)
	}

	// Damage it: an orphan object, a missing object, a truncated object.
	db := sqlite.NewDB(filepath.Join(data, tableFile))
	db.Logger = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteItem(context.Background(), "seed-0001"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	orphanKey := objectKey(t, data, paths["seed-0001"])
	missingKey := objectKey(t, data, paths["seed-0002"])
	if err := os.Remove(paths["seed-0002"]); err != nil {
		t.Fatal(err)
	}
	truncKey := objectKey(t, data, paths["seed-0003"])
	fi, err := os.Stat(paths["seed-0003"])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(paths["seed-0003"], fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	// An object overwritten with valid JSON of another size: only the size
	// its put announced gives it away.
	overKey := objectKey(t, data, paths["seed-0004"])
	raw, err := os.ReadFile(paths["seed-0004"])
	if err != nil {
		t.Fatal(err)
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(paths["seed-0004"], indented.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	// doctor names each with its key, in text and JSON, and exits 1.
	code, stdout, stderr := runBinary(t, "doctor", "--data", data, "--log-level", "error")
	t.Logf("doctor:\n%s", stdout)
	if code == 0 {
		t.Fatalf("doctor exit 0 on a damaged folder; stderr:\n%s", stderr)
	}
	mustContain(t, "doctor output", stdout, "orphan", orphanKey, "missing_object", missingKey, "damaged_object", truncKey, overKey, "its last put stored")
	mustContain(t, "doctor progress", stderr, "integrity_check", "objects checked", "problems remain")
	code, r := doctorJSON(t, data)
	for _, want := range []struct{ kind, key string }{{ProblemOrphan, orphanKey}, {ProblemMissing, missingKey}, {ProblemDamaged, truncKey}, {ProblemDamaged, overKey}} {
		if _, ok := findProblem(r, want.kind, want.key); !ok {
			t.Errorf("no %s problem for %s in %+v", want.kind, want.key, r.Problems)
		}
	}
	if code == 0 || len(r.Problems) != 4 || r.Remain != 4 {
		t.Fatalf("doctor --json: exit %d, %d problems, %d remain; want 4", code, len(r.Problems), r.Remain)
	}

	// --repair rebuilds the orphan's item; the other three remain and are
	// left as they are.
	truncated, _ := os.ReadFile(paths["seed-0003"])
	code, r = doctorJSON(t, data, "--repair")
	if p, ok := findProblem(r, ProblemOrphan, orphanKey); !ok || !p.Repaired {
		t.Fatalf("orphan not repaired: %+v", r.Problems)
	}
	if code == 0 || r.Remain != 3 {
		t.Fatalf("doctor --repair: exit %d, %d remain; want 3", code, r.Remain)
	}
	if got, _ := os.ReadFile(paths["seed-0003"]); !bytes.Equal(got, truncated) {
		t.Fatal("--repair changed the truncated object")
	}
	if code, r = doctorJSON(t, data); r.Remain != 3 {
		t.Fatalf("after repair: exit %d, %+v", code, r.Problems)
	}

	// The server extracts the rebuilt item.
	srv := startServer(t, data)
	waitIdle(t, srv.url, 30*time.Second)
	var it map[string]any
	if code := getJSON(t, srv.url+"/communications/seed-0001", &it); code != 200 || it["status"] != "extracted" {
		t.Fatalf("rebuilt item: %d %v; want 200 extracted", code, it)
	}

	// GET of the truncated one: a clear error naming the communication,
	// and the key in the server log.
	var out map[string]any
	code = getJSON(t, srv.url+"/communications/seed-0003", &out)
	t.Logf("GET truncated: %d %v", code, out)
	if code != 500 || out["code"] != "damaged" || !strings.Contains(fmt.Sprint(out["error"]), "seed-0003 is damaged; run doctales doctor") {
		t.Fatalf("GET truncated: %d %v", code, out)
	}
	// The log line is written before the answer, but it reaches this
	// test through a pipe that another goroutine drains: wait for it.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(srv.Logs(), truncKey); {
		if time.Now().After(deadline) {
			t.Fatalf("the server log does not name %s:\n%s", truncKey, srv.Logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDoctor_Integrity corrupts a page of doctales.db: doctor reports the
// integrity failure and exits 1; --repair moves the damaged file aside
// with its bytes unchanged and rebuilds every item from the objects, and
// the server extracts them all.
func TestDoctor_Integrity(t *testing.T) {
	const n = 300
	data := seedServer(t, n)
	path := filepath.Join(data, tableFile)
	damaged := corruptBtreePage(t, path)

	code, r := doctorJSON(t, data)
	if _, ok := findProblem(r, ProblemIntegrity, ""); code == 0 || !ok {
		t.Fatalf("doctor on a corrupt table: exit %d, %+v", code, r)
	}
	t.Logf("integrity problems: %+v", r.Problems)
	if got, _ := os.ReadFile(path); !bytes.Equal(got, damaged) {
		t.Fatal("doctor changed the damaged file")
	}

	code, r = doctorJSON(t, data, "--repair")
	if code != 0 || r.MovedTo == "" || r.Remain != 0 || r.Items != 0 || r.Objects != n {
		t.Fatalf("doctor --repair: exit %d, %+v", code, r)
	}
	if got, err := os.ReadFile(r.MovedTo); err != nil || !bytes.Equal(got, damaged) {
		t.Fatalf("the damaged file at %s is not unchanged: %v", r.MovedTo, err)
	}
	if code, r := doctorJSON(t, data); code != 0 || r.Items != n || len(r.Problems) != 0 {
		t.Fatalf("after repair: exit %d, %+v", code, r)
	}

	srv := startServer(t, data)
	waitIdle(t, srv.url, 60*time.Second)
	var page struct {
		Communications []map[string]any
		Next           string
	}
	getJSON(t, srv.url+"/communications?limit=1000", &page)
	if len(page.Communications) != n {
		t.Fatalf("%d communications after repair, want %d", len(page.Communications), n)
	}
	for _, c := range page.Communications {
		if c["status"] != "extracted" {
			t.Fatalf("%v: status %v, want extracted", c["id"], c["status"])
		}
	}
}
