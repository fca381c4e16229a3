package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/diskspace"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Header is the 16 bytes every SQLite database file starts with.
const Header = "SQLite format 3\x00"

// Limits of the checks Open and Check run (issue 10).
const (
	// DefaultQuickCheckMaxBytes is the largest database file, in bytes
	// (4 GiB), that Open checks with PRAGMA quick_check. quick_check reads
	// every page once: 31 ms for 10,000 items (33 MB; Open 41 ms with it,
	// 1 ms without) on the development machine, about 1 ms per MB, so a
	// 4 GiB file costs about 4 s at start; above it the check is left to
	// doctales doctor (TestDB_QuickCheckCost measures it).
	DefaultQuickCheckMaxBytes = 4 << 30

	// MaxReportedProblems is how many problems quick_check and
	// integrity_check report at most: enough to show what is wrong without
	// printing a line per damaged row of a large file.
	MaxReportedProblems = 20
)

// FileState describes a database file before it is opened.
type FileState struct {
	Path   string
	Exists bool
	Size   int64 // bytes; 0 when missing
	// SQLite is true when the file starts with Header. A missing or empty
	// file is not SQLite.
	SQLite bool
}

// Empty reports whether the file is missing or has no bytes: what SQLite
// would silently turn into a new, empty database.
func (s FileState) Empty() bool { return !s.Exists || s.Size == 0 }

// InspectFile reads the size and the first 16 bytes of the database file
// at path without opening it as a database, so nothing is created or
// changed. A missing file is not an error.
func InspectFile(path string) (FileState, error) {
	st := FileState{Path: path}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	} else if err != nil {
		return st, fmt.Errorf("inspect database %q: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return st, fmt.Errorf("inspect database %q: %w", path, err)
	}
	st.Exists, st.Size = true, fi.Size()
	head := make([]byte, len(Header))
	if _, err := io.ReadFull(f, head); err == nil {
		st.SQLite = bytes.Equal(head, []byte(Header))
	} else if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return st, fmt.Errorf("inspect database %q: %w", path, err)
	}
	return st, nil
}

// DamagedError is returned by Open when the database file is not a SQLite
// database or fails PRAGMA quick_check. The file is left as it was.
type DamagedError struct {
	Path     string
	Size     int64    // bytes of the file
	Problems []string // the first problems found, at most MaxReportedProblems
	Err      error    // the driver error, if the check could not run
}

// Error names the file and the first problems.
func (e *DamagedError) Error() string {
	msg := fmt.Sprintf("database %q (%d bytes) is damaged: %s", e.Path, e.Size, strings.Join(e.Problems, "; "))
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the driver error.
func (e *DamagedError) Unwrap() error { return e.Err }

// checkHeader refuses a file that exists, is not empty and does not start
// with Header: SQLite would fail on it later with "file is not a
// database", or worse, and it must not be overwritten.
func (db *DB) checkHeader() error {
	st, err := InspectFile(db.Path)
	if err != nil {
		return err
	}
	if st.Exists && st.Size > 0 && !st.SQLite {
		return &DamagedError{Path: db.Path, Size: st.Size,
			Problems: []string{fmt.Sprintf("the file does not start with the SQLite header %q", Header)}}
	}
	return nil
}

// quickCheck runs PRAGMA quick_check on the writer's connection when the
// file is at most QuickCheckMaxBytes, and returns a *DamagedError naming
// the first problems if it finds any.
func (db *DB) quickCheck() error { return db.quickCheckOn(db.wdb) }

// quickCheckOn is quickCheck on the connection pool conn. It records the
// outcome as a synchronous check (StorageCheck).
func (db *DB) quickCheckOn(conn *sql.DB) error {
	size, due, err := db.quickCheckDue()
	if err != nil {
		return err
	}
	st := CheckStatus{Mode: CheckSynchronous, State: CheckSkipped}
	defer func() { db.check.set(st) }()
	if !due {
		return nil
	}
	start := time.Now()
	problems, err := check(context.Background(), conn, "quick_check")
	st.Took = time.Since(start)
	if err != nil || len(problems) > 0 {
		st.State = CheckFailed
		st.Err = &DamagedError{Path: db.Path, Size: size, Problems: problems, Err: err}
		return st.Err
	}
	st.State = CheckPassed
	return nil
}

// quickCheckDue returns the file's size and whether it is small enough
// for Open's quick check (QuickCheckMaxBytes); when it is not, it records
// the check as skipped and logs it.
func (db *DB) quickCheckDue() (size int64, due bool, err error) {
	st, err := InspectFile(db.Path)
	if err != nil {
		return 0, false, err
	}
	if db.QuickCheckMaxBytes < 0 || st.Size > db.QuickCheckMaxBytes {
		db.Logger.Info("quick check skipped", "path", db.Path, "bytes", st.Size, "maxBytes", db.QuickCheckMaxBytes)
		db.check.set(CheckStatus{Mode: CheckSynchronous, State: CheckSkipped})
		return st.Size, false, nil
	}
	return st.Size, true, nil
}

// check runs PRAGMA <pragma>(MaxReportedProblems) and returns its problems;
// none when the answer is "ok". A corrupt file may make the pragma itself
// fail: that error is returned with the problem it names.
func check(ctx context.Context, conn *sql.DB, pragma string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, fmt.Sprintf("PRAGMA %s(%d)", pragma, MaxReportedProblems))
	if err != nil {
		return []string{pragma + " could not run"}, err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return append(problems, pragma+" could not run"), err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return append(problems, pragma+" stopped"), err
	}
	return problems, nil
}

// Check runs PRAGMA integrity_check (full is true) or quick_check on the
// database file at path, opened read-only so nothing is created, changed or
// replayed into it, and returns the first problems found, none when the
// file is sound. A missing file is an error. It is what doctales doctor
// runs; it does not need the file to be open elsewhere.
func Check(ctx context.Context, path string, full bool) ([]string, error) {
	st, err := InspectFile(path)
	if err != nil {
		return nil, err
	} else if !st.Exists {
		return nil, fmt.Errorf("check database %q: %w", path, os.ErrNotExist)
	} else if st.Size == 0 {
		return []string{"the file is empty (0 bytes)"}, nil
	} else if !st.SQLite {
		return []string{fmt.Sprintf("the file does not start with the SQLite header %q", Header)}, nil
	}
	conn, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("check database %q: %w", path, err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	pragma := "quick_check"
	if full {
		pragma = "integrity_check"
	}
	problems, err := check(ctx, conn, pragma)
	if err != nil && isCorrupt(err) {
		return append(problems, err.Error()), nil
	} else if err != nil {
		return nil, fmt.Errorf("check database %q: %w", path, err)
	}
	return problems, nil
}

// isCorrupt reports whether err is SQLITE_CORRUPT or SQLITE_NOTADB.
func isCorrupt(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	c := e.Code() & 0xff
	return c == sqlite3.SQLITE_CORRUPT || c == sqlite3.SQLITE_NOTADB
}

// NoSpaceErrors returns how many writes have failed since Open because the
// file system holding Path was full (SQLITE_FULL, ENOSPC, EDQUOT). The serve
// command's /readyz watches it to report "no space" until space returns.
func (db *DB) NoSpaceErrors() int64 { return db.noSpaceN.Load() }

// spaceError returns err as an ENOSPACE error naming the database's folder
// and the bytes free when it is a full-disk failure (SQLITE_FULL, which
// SQLite returns for ENOSPC, or ENOSPC/EDQUOT itself), counting it; other
// errors are returned unchanged. SQLite rolls the transaction back, so no
// part of it is visible.
func (db *DB) spaceError(err error) error {
	if err == nil || doctales.ErrorCode(err) == doctales.ENOSPACE {
		return err
	}
	var e *sqlite.Error
	full := errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_FULL
	if !full && !diskspace.IsNoSpace(err) {
		return err
	}
	db.noSpaceN.Add(1)
	return diskspace.Error(filepath.Dir(db.Path), err)
}

// Ping reports whether the table answers a read: one row of items through
// the read pool. /readyz asks it on every probe, so it costs a page read,
// not a count of the table (Stats counts a million items in about a
// second, which was most of serve's time to ready after the quick check;
// issue 15).
func (db *DB) Ping(ctx context.Context) error {
	if db.rdb == nil {
		return fmt.Errorf("ping database %q: %w", db.Path, ErrClosed)
	}
	var one int
	err := db.rdb.QueryRowContext(ctx, `SELECT 1 FROM items LIMIT 1`).Scan(&one)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("ping database %q: %w", db.Path, FormatError(err))
	}
	return nil
}
