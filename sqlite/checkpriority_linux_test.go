package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/doctales/doctales/sqlite"
)

// threadNice returns the nice value of the calling goroutine's OS thread
// (the 19th field of /proc/thread-self/stat), or of the process's main
// thread with self "self". It may run outside the test's goroutine, so it
// reports a failure with Errorf and returns -100.
func threadNice(t *testing.T, self string) int {
	b, err := os.ReadFile("/proc/" + self + "/stat")
	if err != nil {
		t.Error(err)
		return -100
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	n, err := strconv.Atoi(fields[16]) // field 19 of the whole line
	if err != nil {
		t.Errorf("nice in %q: %v", b, err)
		return -100
	}
	return n
}

// TestDB_BackgroundCheckYields checks that the background quick_check
// runs on a thread of its own at nice sqlite.CheckNice with one more P
// than the program had (issue 15: it took the API's CPU and a P for
// seconds), that neither leaks to the rest of the process, and that the P
// is given back when it ends.
func TestDB_BackgroundCheckYields(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doctales.db")
	mustFillDB(t, path, 200)
	procs := runtime.GOMAXPROCS(0)
	type seen struct{ nice, procs int }
	in := make(chan seen, 1)
	sqlite.SetBackgroundCheckHook(t, func(context.Context) {
		in <- seen{threadNice(t, "thread-self"), runtime.GOMAXPROCS(0)}
	})
	db, err := openBackground(t, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := <-in
	if got.nice != sqlite.CheckNice {
		t.Errorf("the check's thread runs at nice %d, want %d", got.nice, sqlite.CheckNice)
	}
	if got.procs != procs+1 {
		t.Errorf("GOMAXPROCS during the check = %d, want %d (one more than before)", got.procs, procs+1)
	}
	if st := waitCheck(t, db); st.State != sqlite.CheckPassed {
		t.Fatalf("StorageCheck = %+v, want passed", st)
	}
	if n := runtime.GOMAXPROCS(0); n != procs {
		t.Errorf("GOMAXPROCS after the check = %d, want %d as before", n, procs)
	}
	if n := threadNice(t, "self"); n != 0 {
		t.Errorf("the process's main thread runs at nice %d after the check, want 0", n)
	}
}
