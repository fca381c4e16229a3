package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CleanMarkerSuffix ends the name of the clean-close marker beside the
// database file (doctales.db-clean), in the manner of SQLite's own -wal and
// -shm files.
const CleanMarkerSuffix = "-clean"

// headerBytes is how much of the file's start the marker records: the
// whole SQLite database header (page size, change counter, page count,
// schema cookie, ...).
const headerBytes = 100

// cleanMarker is what a clean Close records about the database file, as
// JSON in <path>-clean: the file as it was left, and that it had passed
// (or was too large for) the quick check of the session that wrote it.
// Open trusts a marker only when the file still matches every field.
type cleanMarker struct {
	Closed  time.Time `json:"closed"`
	Size    int64     `json:"size"`
	MtimeNs int64     `json:"mtimeNs"`
	Dev     uint64    `json:"dev,omitempty"`
	Ino     uint64    `json:"ino,omitempty"`
	Header  string    `json:"header"` // hex of the first headerBytes bytes
	Check   string    `json:"check"`  // CheckPassed or CheckSkipped: what the session's check found
}

// Storage check modes and states, reported by [DB.StorageCheck].
const (
	// CheckSynchronous: Open ran the quick check before returning, because
	// the last close was not clean, the file changed since, or
	// BackgroundCheck is off.
	CheckSynchronous = "synchronous"
	// CheckBackground: the file was closed cleanly and is unchanged since,
	// so Open returned at once and the check runs on its own connection.
	CheckBackground = "background"

	CheckRunning   = "running"   // the background check has not finished
	CheckPassed    = "passed"    // quick_check answered ok
	CheckFailed    = "failed"    // quick_check found damage (CheckStatus.Err)
	CheckSkipped   = "skipped"   // the file is larger than QuickCheckMaxBytes, or the limit is negative
	CheckCancelled = "cancelled" // Close stopped the background check before it finished
	// CheckCrashed: the background check's runner (DB.CheckRunner, a
	// child process in serve) ended without an answer, killed or
	// crashed; CheckStatus.Err says how. The file's state is unknown,
	// not damaged: serve keeps serving, and since no clean-close marker
	// is written after it, the next Open checks the file before
	// returning.
	CheckCrashed = "crashed"
)

// ErrCheckerFailed is wrapped by the error a DB.CheckRunner returns when
// the checker itself failed (its process was killed, crashed, or answered
// something unreadable) and so said nothing about the file.
var ErrCheckerFailed = errors.New("the damage checker ended without an answer")

// CheckStatus is the state of the damage check of the file (issue 10).
type CheckStatus struct {
	Mode  string        // CheckSynchronous or CheckBackground
	State string        // CheckRunning, CheckPassed, CheckFailed, CheckSkipped, CheckCancelled or CheckCrashed
	Took  time.Duration // how long quick_check ran; zero while running or when skipped
	Err   error         // a *DamagedError when State is CheckFailed; wraps ErrCheckerFailed when CheckCrashed
}

// checkState is the DB's record of its damage check.
type checkState struct {
	mu     sync.Mutex
	status CheckStatus
	done   chan struct{} // closed when the check ends (at once for a synchronous one)
}

// set records st and, when the check has ended, closes done.
func (c *checkState) set(st CheckStatus) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status = st
	if st.State != CheckRunning && c.done != nil {
		select {
		case <-c.done:
		default:
			close(c.done)
		}
	}
}

// StorageCheck returns the mode and state of Open's damage check.
func (db *DB) StorageCheck() CheckStatus {
	db.check.mu.Lock()
	defer db.check.mu.Unlock()
	return db.check.status
}

// CheckDone returns a channel closed when Open's damage check has ended:
// at once after a synchronous check, when quick_check returns (or Close
// cancels it) for a background one. Read [DB.StorageCheck] then: State
// CheckFailed carries the *DamagedError, which the caller must act on as
// on Open's (the serve command stops, exit status 1).
func (db *DB) CheckDone() <-chan struct{} {
	db.check.mu.Lock()
	defer db.check.mu.Unlock()
	if db.check.done == nil {
		db.check.done = make(chan struct{})
		if st := db.check.status.State; st != "" && st != CheckRunning {
			close(db.check.done)
		}
	}
	return db.check.done
}

// testHookBackgroundCheck, when set by a test, runs at the start of the
// background check's goroutine, before quick_check, with the check's
// context (cancelled by Close): a test blocks in it to show that Open did
// not wait for the check.
var testHookBackgroundCheck func(context.Context)

// fileIdentity describes the database file for the marker: size, mtime,
// device and inode (where the platform has them) and the header.
func fileIdentity(path string) (cleanMarker, error) {
	var m cleanMarker
	f, err := os.Open(path)
	if err != nil {
		return m, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return m, err
	}
	head := make([]byte, headerBytes)
	if _, err := io.ReadFull(f, head); err != nil {
		return m, fmt.Errorf("read the header of %q: %w", path, err)
	}
	m.Size, m.MtimeNs, m.Header = fi.Size(), fi.ModTime().UnixNano(), hex.EncodeToString(head)
	m.Dev, m.Ino = fileDevIno(fi)
	return m, nil
}

// walEmpty reports whether the database's -wal file is missing or empty: a
// WAL with frames holds writes not yet in the file, or another process has
// the database open.
func walEmpty(path string) bool {
	fi, err := os.Stat(path + "-wal")
	return errors.Is(err, os.ErrNotExist) || (err == nil && fi.Size() == 0)
}

// cleanMarkerMatches reports whether the marker beside the file says the
// last close was clean, after a check that passed or was skipped, and the
// file is exactly as that close left it (size, mtime, device, inode,
// header) with no WAL. Any doubt answers false and the check stays
// synchronous; why is returned for the log.
func (db *DB) cleanMarkerMatches() (ok bool, why string) {
	raw, err := os.ReadFile(db.Path + CleanMarkerSuffix)
	if errors.Is(err, os.ErrNotExist) {
		return false, "no clean-close marker (first open, or the last session did not close cleanly)"
	} else if err != nil {
		return false, "clean-close marker unreadable: " + err.Error()
	}
	var want cleanMarker
	if err := json.Unmarshal(raw, &want); err != nil {
		return false, "clean-close marker unreadable: " + err.Error()
	}
	if want.Check != CheckPassed && want.Check != CheckSkipped {
		return false, "clean-close marker without a passed check: " + strconv.Quote(want.Check)
	}
	if !walEmpty(db.Path) {
		return false, "the -wal file holds frames"
	}
	got, err := fileIdentity(db.Path)
	if err != nil {
		return false, err.Error()
	}
	switch {
	case got.Size != want.Size:
		return false, fmt.Sprintf("size %d, marker %d", got.Size, want.Size)
	case got.MtimeNs != want.MtimeNs:
		return false, fmt.Sprintf("modified at %s, marker %s", time.Unix(0, got.MtimeNs).UTC().Format(time.RFC3339Nano), time.Unix(0, want.MtimeNs).UTC().Format(time.RFC3339Nano))
	case got.Dev != want.Dev || got.Ino != want.Ino:
		return false, "another file (device or inode differs)"
	case got.Header != want.Header:
		return false, "the database header differs"
	}
	return true, ""
}

// CleanCloseRecorded reports whether the marker of a clean close beside
// the file still describes it (the last session closed it cleanly, after
// a check that passed or was skipped, and it is unchanged since): whether
// Open, with BackgroundCheck set, would check the file while serving
// instead of before returning. It reads the marker and the file's header
// and writes nothing; Open decides again for itself. serve opens
// history.db and analytics.db beside the table when the table's answer is
// true (issue 15), and after it otherwise.
func (db *DB) CleanCloseRecorded() bool {
	ok, _ := db.cleanMarkerMatches()
	return ok
}

// removeCleanMarker deletes the marker before the file is written, and
// syncs the folder so that the deletion is on disk first: after a crash of
// this session no marker vouches for the file. It returns once the marker
// is deleted; the folder's fsync runs meanwhile and synced gives its
// outcome. Open waits for it before anything can write the file (before
// the migrations, and before closing connections after a failure, since
// the last close checkpoints the WAL into the file), so that the fsync,
// 1 to 80 ms with the disk shared, overlaps the opening of the writer's
// connection instead of preceding it (issue 15).
func (db *DB) removeCleanMarker() (synced <-chan error, err error) {
	done := make(chan error, 1)
	err = os.Remove(db.Path + CleanMarkerSuffix)
	if errors.Is(err, os.ErrNotExist) {
		done <- nil
		return done, nil
	} else if err != nil {
		return nil, fmt.Errorf("remove the clean-close marker of %q: %w", db.Path, err)
	}
	go func() {
		if testHookMarkerSync != nil {
			testHookMarkerSync()
		}
		done <- syncDir(filepath.Dir(db.Path))
	}()
	return done, nil
}

// testHookMarkerSync, when set by a test, runs before the fsync of the
// folder that makes the marker's deletion durable, and
// testHookMarkerWait when Open starts waiting for that fsync: a test
// blocks the first to show that Open opens its connection meanwhile and
// writes nothing before it ends.
var testHookMarkerSync, testHookMarkerWait func()

// writeCleanMarker records, after the connections are closed, that this
// session closed cleanly: only when its check passed or was skipped (not
// failed, cancelled or still running) and the WAL is gone (another process
// with the file open keeps it, and would change the file after us).
func (db *DB) writeCleanMarker() {
	st := db.StorageCheck()
	if st.State != CheckPassed && st.State != CheckSkipped {
		db.Logger.Info("no clean-close marker: the damage check did not pass in this session", "path", db.Path, "check", st.State)
		return
	}
	if !walEmpty(db.Path) {
		db.Logger.Info("no clean-close marker: the -wal file holds frames (another process has the database open)", "path", db.Path)
		return
	}
	m, err := fileIdentity(db.Path)
	if err != nil {
		db.Logger.Warn("no clean-close marker", "path", db.Path, "error", err)
		return
	}
	m.Closed, m.Check = db.Now().UTC(), st.State
	body, _ := json.Marshal(m)
	if err := writeFileSync(db.Path+CleanMarkerSuffix, append(body, '\n')); err != nil {
		db.Logger.Warn("no clean-close marker", "path", db.Path, "error", err)
	}
}

// writeFileSync writes body to path through a temporary file, fsynced and
// renamed, then syncs the folder: the marker is either whole or absent.
func writeFileSync(path string, body []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(body); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// syncDir fsyncs the folder dir so that a file created, renamed or removed
// in it stays so after a crash. Platforms that cannot open a folder for
// syncing (Windows) skip it.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync folder %q: %w", dir, err)
	}
	return nil
}

// startBackgroundCheck runs quick_check on a connection of its own (so that
// neither the writer nor a reader of the pool waits for it) until it ends
// or Close cancels it, and records the outcome. A failure is logged at
// Error with the file named; acting on it is the caller's (CheckDone).
func (db *DB) startBackgroundCheck(size int64) {
	db.check.set(CheckStatus{Mode: CheckBackground, State: CheckRunning})
	ctx, cancel := context.WithCancel(context.Background())
	db.bg.Add(2)
	go func() {
		defer db.bg.Done()
		select {
		case <-db.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	go func() {
		defer db.bg.Done()
		defer cancel()
		if db.CheckAfter != nil {
			select {
			case <-db.CheckAfter:
			case <-ctx.Done():
				// Closed before the check was let go: it never ran.
				db.check.set(CheckStatus{Mode: CheckBackground, State: CheckCancelled})
				return
			}
		}
		if h := testHookBackgroundCheck; h != nil {
			h(ctx)
		}
		start := time.Now()
		st := CheckStatus{Mode: CheckBackground, State: CheckPassed}
		problems, err := db.runCheck(ctx)
		st.Took = time.Since(start)
		switch {
		case ctx.Err() != nil:
			st.State = CheckCancelled
		case errors.Is(err, ErrCheckerFailed):
			// Not damage: nothing is known of the file. The server
			// keeps serving what passed the last session's check, and
			// without a marker the next start checks it first.
			st.State, st.Err = CheckCrashed, err
			db.Logger.Error("background quick check did not finish: the file was not checked in this session, and the next start checks it before serving",
				"path", db.Path, "error", err)
		case err != nil || len(problems) > 0:
			st.State = CheckFailed
			st.Err = &DamagedError{Path: db.Path, Size: size, Problems: problems, Err: err}
			db.Logger.Error("background quick check found damage", "path", db.Path, "error", st.Err)
		default:
			db.Logger.Info("background quick check passed", "path", db.Path, "took", st.Took)
		}
		db.check.set(st)
	}()
}

// runCheck runs the background quick_check with CheckRunner, or in this
// process (QuickCheckFile) when it is nil.
func (db *DB) runCheck(ctx context.Context) ([]string, error) {
	if db.CheckRunner != nil {
		return db.CheckRunner(ctx, db.Path, db.BusyTimeout)
	}
	return QuickCheckFile(ctx, db.Path, db.BusyTimeout)
}

// QuickCheckFile opens a query-only connection to the database file at
// path, waiting up to busy for another process's lock, and runs PRAGMA
// quick_check(MaxReportedProblems) on it: it returns the problems found,
// none when the file is sound, and the driver's error when the check
// could not run (which a damaged file may cause: the problem it names is
// then returned with it). Unlike [Check] it opens the file as the
// program's own connections do, so it may run while a DB has it open
// for writing: it is the background check of DB.Open, and what serve's
// child process runs (DB.CheckRunner). It never creates the file: a
// missing file is an error.
func QuickCheckFile(ctx context.Context, path string, busy time.Duration) ([]string, error) {
	if strings.ContainsRune(path, '?') {
		return []string{"quick_check could not run"}, fmt.Errorf("quick check of %q: the path must not contain '?'", path)
	}
	ms := strconv.FormatInt(busy.Milliseconds(), 10)
	// mode=rw, not the default rwc: the check never creates the file.
	// Without it a missing database (the folder removed while the check
	// starts, say after its server was killed) became a new empty one
	// answered "ok". Not mode=ro: a read-only connection to a file closed
	// cleanly creates its -wal and -shm and cannot remove them at close;
	// query_only keeps this one from writing.
	conn, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?mode=rw&_pragma=busy_timeout("+ms+")&_pragma=query_only(ON)")
	if err != nil {
		return []string{"quick_check could not run"}, err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	return check(ctx, conn, "quick_check")
}
