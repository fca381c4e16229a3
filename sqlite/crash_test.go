package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// crashDBEnv names the database file the crash helper writes to.
const crashDBEnv = "DOCTALES_SQLITE_CRASH_DB"

// TestDB_KillDuringWrites runs a child process that ingests from 32
// goroutines and prints each acknowledged id, kills it with SIGKILL while
// it writes, and checks that every acknowledged item and its stream record
// are in the reopened database. (A power loss cannot be simulated here;
// synchronous=FULL is what covers it.)
// startCrashHelper starts TestCrashHelper in a child process writing to
// the database at path, and returns it with its standard output, where it
// prints "acked <id>" for each acknowledged item.
func startCrashHelper(t *testing.T, path string) (*exec.Cmd, io.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, stdout
}

func TestDB_KillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	path := filepath.Join(t.TempDir(), "doctales.db")
	cmd, stdout := startCrashHelper(t, path)

	// Read acknowledgements until enough arrived, then kill mid-stream.
	acked := map[string]bool{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "acked "); ok {
			acked[id] = true
		}
		if len(acked) == 500 {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = cmd.Wait()
	if len(acked) < 500 {
		t.Fatalf("helper acknowledged only %d writes before it ended", len(acked))
	}

	// The file is intact and holds every acknowledged write.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := raw.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	raw.Close()

	db := MustOpenDBAt(t, path, nil)
	ctx := context.Background()
	inserts := map[string]bool{}
	for _, rec := range mustReadLog(t, db, doctales.SourceDynamoDB) {
		inserts[rec.Key] = true
	}
	s3 := map[string]bool{}
	for _, rec := range mustReadLog(t, db, doctales.SourceS3) {
		s3[rec.Key] = true
	}
	for id := range acked {
		if _, err := db.GetItem(ctx, id); err != nil {
			t.Fatalf("acknowledged item %q: %v", id, err)
		} else if !inserts[id] {
			t.Fatalf("acknowledged item %q has no INSERT record", id)
		} else if !s3[id] {
			t.Fatalf("acknowledged item %q has no S3 record", id)
		}
	}
	st, _ := db.Stats(ctx)
	t.Logf("%d acknowledged, %d items and %d log records after the kill", len(acked), st.Items, st.LogRecords)
}

// TestCrashHelper is the child process of TestDB_KillDuringWrites: it
// writes until killed. It does nothing in a normal test run.
func TestCrashHelper(t *testing.T) {
	path := os.Getenv(crashDBEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	db := MustOpenDBAt(t, path, nil)
	ctx := context.Background()
	var n atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	deadline := time.Now().Add(30 * time.Second) // stop by itself if never killed
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				id := fmt.Sprintf("email-%06d", n.Add(1))
				rec := &doctales.LogRecord{Source: doctales.SourceS3, Key: id, Data: json.RawMessage(`{}`)}
				if err := db.Append(ctx, rec); err != nil {
					t.Error(err)
					return
				}
				if _, _, err := db.CreateItem(ctx, newItem(id, time.Now(), "p", "s", "low")); err != nil {
					t.Error(err)
					return
				}
				// Unbuffered: once written, the parent has it even if we die.
				mu.Lock()
				fmt.Fprintf(os.Stdout, "acked %s\n", id)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}
