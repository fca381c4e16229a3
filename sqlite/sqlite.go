package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doctales/doctales"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migration/*.sql
var migrationFS embed.FS

// Defaults for the fields of DB, filled by NewDB and by Open for zero values.
const (
	// DefaultTableName is the DynamoDB table name in eventSourceARN, the
	// table of the original single-table design.
	DefaultTableName = "doc-tales-communications"

	// DefaultRegion is the region in awsRegion and every ARN: the one AWS
	// SAM local reports, so example events read the same.
	DefaultRegion = "us-east-1"

	// DefaultMaxBatchSize is how many write requests at most share one
	// transaction and so one fsync. Larger batches amortise the fsync
	// further but make every request in the batch wait for the slowest.
	DefaultMaxBatchSize = 256

	// DefaultWriteQueueSize is how many write requests may wait for the
	// writer. A caller that finds the queue full blocks on its context.
	DefaultWriteQueueSize = 4096

	// DefaultReadConns is the number of read connections. WAL lets readers
	// run beside the writer and beside each other.
	DefaultReadConns = 4

	// DefaultCheckpointInterval is how often a background connection
	// copies the WAL back into the database file, so that the writer
	// does not pay for it inside a commit.
	DefaultCheckpointInterval = time.Second

	// DefaultBusyTimeout is how long a connection waits for a lock held by
	// another process (a backup, the sqlite3 shell) before SQLITE_BUSY,
	// which is reported as EOVERLOADED.
	DefaultBusyTimeout = 5 * time.Second
)

// writerAutoCheckpointPages is the WAL size, in pages, at which the writer
// checkpoints by itself when background checkpoints are on: a safety net
// should they fall behind (SQLite's default, used when they are off, is
// 1000 pages).
const writerAutoCheckpointPages = 10_000

// walSizeLimitBytes is the size the WAL file is truncated to after a
// checkpoint, so that a burst of writes does not leave a large file behind.
const walSizeLimitBytes = 64 << 20

// AccountID is the account in every ARN the package makes: the one
// LocalStack and AWS SAM local use.
const AccountID = "000000000000"

// ErrClosed is returned by writes made after Close was called, or before
// Open.
var ErrClosed = errors.New("sqlite: database closed")

// ErrReadOnly is returned by writes to a DB opened with ReadOnly.
var ErrReadOnly = errors.New("sqlite: database opened read-only")

// DB is the embedded store of the pipeline: the communications table with
// its change stream, the durable event log the runtime delivers from, the
// subscriptions' checkpoints, the dead letters and the notification ledger,
// all in one SQLite file.
//
// Every write goes through one writer goroutine that commits concurrent
// requests together (group commit, see [DB.Open]); reads use a separate
// pool of connections. A DB is safe for concurrent use once opened.
type DB struct {
	wdb *sql.DB // the writer's single connection; used only by the writer goroutine and Open
	rdb *sql.DB // the read pool, query_only
	cdb *sql.DB // the background checkpointer's connection; nil when CheckpointInterval < 0

	stmts writeStmts // statements prepared on wdb
	reads readStmts  // hot queries prepared on the read pool

	writes     chan *writeReq // bounded queue of write requests
	stop       chan struct{}  // closed by Close: drain the queue and exit
	writerDone chan struct{}  // closed when the writer goroutine exits
	bg         sync.WaitGroup // background goroutines other than the writer

	stateMu sync.RWMutex // held for reading while a write request is queued
	state   int          // stateNew, stateOpen or stateClosed

	// timerWake tells the timer loop (timers.go) that a wake-up was set,
	// which may be sooner than the one it sleeps until.
	timerWake chan struct{}

	changedMu sync.Mutex
	changed   chan struct{} // closed and replaced after each commit that appended to the log

	streamLabel string // creation time of the table, ending eventSourceARN
	streamARN   string // eventSourceARN of every stream record

	// Write counters, reported by Stats.
	batchN     atomic.Int64 // transactions the writer ran
	writeN     atomic.Int64 // write requests run
	queueFullN atomic.Int64 // write requests that found the queue full
	inFlightN  atomic.Int64 // write requests in the transaction being run
	noSpaceN   atomic.Int64 // writes that failed for want of space (see NoSpaceErrors)

	rulesVersion atomic.Int64 // bumped after each rule write (RulesVersion)

	check checkState // Open's damage check (StorageCheck, CheckDone)

	// Path is the database file. The directory is created if needed. It
	// must not contain '?'.
	Path string

	// Now returns the current time; tests replace it. Default time.Now.
	Now func() time.Time

	// Logger receives lifecycle messages. Default slog.Default().
	Logger *slog.Logger

	// TableName is the table name in eventSourceARN. Default
	// DefaultTableName.
	TableName string

	// Region is awsRegion of stream records and the region of every ARN.
	// Default DefaultRegion.
	Region string

	// MaxBatchSize is the most write requests committed in one
	// transaction. Default DefaultMaxBatchSize; 1 turns group commit off.
	MaxBatchSize int

	// WriteQueueSize is how many write requests may wait for the writer;
	// when full, writers block on their context. Default
	// DefaultWriteQueueSize.
	WriteQueueSize int

	// ReadConns is the number of read connections. Default
	// DefaultReadConns.
	ReadConns int

	// BusyTimeout is how long a statement waits for a lock held by another
	// process. Default DefaultBusyTimeout.
	BusyTimeout time.Duration

	// CheckpointInterval is how often a background connection runs a
	// passive WAL checkpoint. Default DefaultCheckpointInterval; negative
	// turns background checkpoints off and leaves them to the writer.
	CheckpointInterval time.Duration

	// QuickCheckMaxBytes is the largest file, in bytes, that Open checks
	// with PRAGMA quick_check before using it; a larger file is opened
	// unchecked (doctales doctor checks it). Default
	// DefaultQuickCheckMaxBytes; negative never checks.
	QuickCheckMaxBytes int64

	// BackgroundCheck lets Open skip waiting for the quick check when the
	// file was closed cleanly, after a check that passed, and is unchanged
	// since (the marker <Path>-clean, see cleanclose.go): Open then
	// returns at once and quick_check runs on a connection of its own.
	// Watch CheckDone and StorageCheck for its outcome: a damaged file
	// must then be dealt with as Open's DamagedError would be. After a
	// crash, or when anything about the file differs, the check stays
	// synchronous. Default false: Open always checks before returning.
	BackgroundCheck bool

	// CheckAfter, when not nil, holds a background check (BackgroundCheck)
	// until it is closed: its reading of every page then does not compete
	// with the rest of the program's start for the CPU and the disk (serve
	// closes it once it listens, issue 15). Close cancels a check still
	// held. The check's mode and state (running) are set by Open as
	// without it.
	CheckAfter <-chan struct{}

	// CheckRunner, when not nil, runs the background check
	// (BackgroundCheck) instead of a query-only connection of this
	// process: it is given the file's path and BusyTimeout and returns
	// what PRAGMA quick_check(MaxReportedProblems) reported, as
	// [QuickCheckFile] does, which is what nil means. serve sets it to run
	// the check in a child process at the lowest CPU priority, so that
	// reading every page of a large table takes neither a core nor one of
	// the Go scheduler's Ps from the requests (issue 15). An error
	// wrapping [ErrCheckerFailed] says the runner got no answer about the
	// file (its process crashed): the check's state is then CheckCrashed,
	// not CheckFailed. Open's synchronous check never uses it.
	CheckRunner func(ctx context.Context, path string, busy time.Duration) ([]string, error)

	// ReadOnly opens the file for reading only (SQLite mode=ro and
	// query_only): Open creates nothing, a missing file is an error
	// wrapping os.ErrNotExist, no migration runs, no writer or
	// checkpointer starts, and every write fails with ErrReadOnly. It lets
	// a command read a data folder while the server that owns it runs
	// (issue 11): WAL readers never block that server's writer.
	ReadOnly bool

	// NoTimers keeps Open from starting the timer loop that wakes snoozed
	// items (timers.go); their wake-ups stay due until a DB with timers
	// opens the file. For tools that must not write on their own.
	NoTimers bool
}

// Lifecycle states of a DB.
const (
	stateNew = iota
	stateOpen
	stateClosed
)

// Compile-time checks that DB provides the ports the pipeline consumes.
var (
	_ doctales.Table           = (*DB)(nil)
	_ doctales.EventLog        = (*DB)(nil)
	_ doctales.DeadLetterStore = (*DB)(nil)
	_ doctales.Ledger          = (*DB)(nil)
)

// NewDB returns a DB for the file at path with default settings. Call Open
// before use.
func NewDB(path string) *DB {
	return &DB{
		changed: make(chan struct{}),

		Path:           path,
		Now:            time.Now,
		Logger:         slog.Default(),
		TableName:      DefaultTableName,
		Region:         DefaultRegion,
		MaxBatchSize:   DefaultMaxBatchSize,
		WriteQueueSize: DefaultWriteQueueSize,
		ReadConns:      DefaultReadConns,
		BusyTimeout:    DefaultBusyTimeout,

		CheckpointInterval: DefaultCheckpointInterval,
		QuickCheckMaxBytes: DefaultQuickCheckMaxBytes,
	}
}

// Open validates the settings, opens the file (creating it and its
// directory if needed), applies pending migrations and starts the writer.
//
// The writer connection runs in WAL mode with synchronous=FULL, so a write
// acknowledged by any method has been fsynced and survives a crash or a
// power loss. Because each commit costs an fsync, the writer takes every
// request waiting in the queue, up to MaxBatchSize, runs each in its own
// savepoint inside one transaction and acknowledges them all after the
// commit: a failing request is rolled back alone and does not fail the
// others.
func (db *DB) Open() (err error) {
	// Fill defaults and reject settings that cannot work.
	db.setDefaults()
	if db.Path == "" {
		return errors.New("open database: path required")
	} else if strings.ContainsRune(db.Path, '?') {
		return fmt.Errorf("open database %q: path must not contain '?'", db.Path)
	}
	for _, f := range []struct {
		name  string
		value int64
	}{
		{"MaxBatchSize", int64(db.MaxBatchSize)},
		{"WriteQueueSize", int64(db.WriteQueueSize)},
		{"ReadConns", int64(db.ReadConns)},
		{"BusyTimeout", int64(db.BusyTimeout)},
	} {
		if f.value < 0 {
			return fmt.Errorf("open database %q: %s must not be negative, got %d", db.Path, f.name, f.value)
		}
	}
	db.stateMu.Lock()
	defer db.stateMu.Unlock()
	if db.state != stateNew {
		return fmt.Errorf("open database %q: already opened or closed", db.Path)
	}

	// Close what was opened if a later step fails; after the fsync that
	// makes the clean-close marker's deletion durable, if one was started
	// (the last connection's close writes the WAL into the file).
	markerDurable := func() error { return nil }
	defer func() {
		if err != nil {
			_ = markerDurable()
			db.closeConns()
		}
	}()

	if db.ReadOnly {
		if err := db.openReadOnly(); err != nil {
			return err
		}
		db.state = stateOpen
		db.Logger.Debug("database opened read-only", "path", db.Path, "stream", db.streamARN)
		return nil
	}

	// Make the parent directory, and refuse a file that is not a SQLite
	// database rather than let SQLite fail on it later (issue 10).
	ph := newPhases(db.Logger, db.Path)
	if err := os.MkdirAll(filepath.Dir(db.Path), 0o700); err != nil {
		return fmt.Errorf("open database %q: %w", db.Path, err)
	}
	if err := db.checkHeader(); err != nil {
		return err
	}

	// Whether the damage check may run after Open returns: only when the
	// marker of a clean close still describes the file. The marker is
	// removed before anything is written, whatever the answer, so that a
	// crash of this session leaves none behind.
	background := false
	if db.BackgroundCheck {
		var why string
		if background, why = db.cleanMarkerMatches(); !background {
			db.Logger.Info("quick check before opening", "path", db.Path, "reason", why)
		}
	}
	ph.done("header, clean-close record")
	markerSynced, err := db.removeCleanMarker()
	if err != nil {
		return err
	}
	markerDurable = sync.OnceValue(func() error { return <-markerSynced })
	ph.done("clean-close record removed")

	// Open the writer's connection: WAL so readers never block it or each
	// other; synchronous=FULL so that COMMIT returns only after the WAL is
	// fsynced (NORMAL would lose the last commits on power loss); IMMEDIATE
	// transactions so a transaction takes the write lock at BEGIN rather
	// than failing with SQLITE_BUSY on its first write; temp_store=MEMORY
	// because every page a request changes is first copied to its
	// savepoint's sub-journal, a temporary file by default, which cost a
	// pwrite per page and a third of the writer's time; secure_delete=FAST
	// so that a deleted communication's row is zeroed in the pages the
	// delete writes anyway (issue 17), at no extra I/O.
	busy := strconv.FormatInt(db.BusyTimeout.Milliseconds(), 10)
	wdsn := db.Path + "?_pragma=busy_timeout(" + busy + ")" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)" +
		"&_pragma=temp_store(MEMORY)&_pragma=journal_size_limit(" + strconv.Itoa(walSizeLimitBytes) + ")" +
		"&_pragma=secure_delete(FAST)&_txlock=immediate"
	if db.CheckpointInterval > 0 {
		wdsn += "&_pragma=wal_autocheckpoint(" + strconv.Itoa(writerAutoCheckpointPages) + ")"
	}
	if db.wdb, err = sql.Open("sqlite", wdsn); err != nil {
		return fmt.Errorf("open database %q: %w", db.Path, err)
	}
	db.wdb.SetMaxOpenConns(1)
	db.wdb.SetMaxIdleConns(1)
	db.wdb.SetConnMaxLifetime(0)
	db.wdb.SetConnMaxIdleTime(0)
	if err := db.wdb.Ping(); err != nil {
		return fmt.Errorf("open database %q: %w", db.Path, db.spaceError(FormatError(err)))
	}
	ph.done("writer connection")

	// Check the pages before anything is written, so that a damaged file
	// is refused with its problems named instead of answering 500s later;
	// after a clean close, while serving (startBackgroundCheck below).
	var size int64
	if background {
		if size, background, err = db.quickCheckDue(); err != nil {
			return err
		}
	} else if err := db.quickCheck(); err != nil {
		return err
	}
	ph.done("quick check (or its size test when in the background)")

	// Nothing has written the file so far (opening a connection in WAL
	// mode and the check only read it); the migrations may. The marker's
	// deletion must be on disk first.
	if testHookMarkerWait != nil {
		testHookMarkerWait()
	}
	if err := markerDurable(); err != nil {
		return err
	}
	ph.done("clean-close record's removal on disk")

	// Bring the schema up to date, then read the facts fixed at creation.
	if err := db.migrate(); err != nil {
		return fmt.Errorf("migrate database %q: %w", db.Path, db.spaceError(err))
	}
	ph.done("migrations")
	if err := db.loadMeta(); err != nil {
		return fmt.Errorf("open database %q: %w", db.Path, err)
	}
	ph.done("meta (the writer's statements are prepared before its first transaction)")

	// Open the read pool. query_only guards against a write slipping past
	// the writer, which would break group commit's single-writer premise.
	rdsn := db.Path + "?_pragma=busy_timeout(" + busy + ")&_pragma=query_only(ON)"
	if db.rdb, err = sql.Open("sqlite", rdsn); err != nil {
		return fmt.Errorf("open database %q: %w", db.Path, err)
	}
	// One connection is opened now: opened on first use instead, the
	// start's first reads (the subscriptions', the auth check's, the
	// readiness probe's), which come together, each found none idle and
	// opened its own, six on the table instead of three at ready, each
	// with its schema parse. Its statements are prepared on first use
	// (issue 15: most of them a start never runs).
	db.rdb.SetMaxOpenConns(db.ReadConns)
	db.rdb.SetMaxIdleConns(db.ReadConns)
	if err := db.rdb.Ping(); err != nil {
		return fmt.Errorf("open database %q: %w", db.Path, FormatError(err))
	}
	db.reads.init(db.rdb)
	ph.done("read connection (statements on first use)")

	// Open the checkpointer's connection.
	if db.CheckpointInterval > 0 {
		if db.cdb, err = sql.Open("sqlite", db.Path+"?_pragma=busy_timeout("+busy+")"); err != nil {
			return fmt.Errorf("open database %q: %w", db.Path, err)
		}
		db.cdb.SetMaxOpenConns(1)
	}

	// Start the writer and the checkpointer.
	db.writes = make(chan *writeReq, db.WriteQueueSize)
	db.stop = make(chan struct{})
	db.writerDone = make(chan struct{})
	go db.writeLoop()
	if db.cdb != nil {
		db.bg.Add(1)
		go func() { defer db.bg.Done(); db.checkpointLoop() }()
	}
	db.timerWake = make(chan struct{}, 1)
	if !db.NoTimers {
		db.bg.Add(1)
		go func() { defer db.bg.Done(); db.timerLoop() }()
	}
	if background {
		db.startBackgroundCheck(size)
	}
	ph.done("loops started")
	db.state = stateOpen

	db.Logger.Info("database opened", "path", db.Path, "stream", db.streamARN)
	return nil
}

// openReadOnly opens the read pool of a ReadOnly DB: the file must exist
// and be a SQLite database at the current schema version, since no
// migration can run. It is called by Open with stateMu held.
func (db *DB) openReadOnly() (err error) {
	st, err := InspectFile(db.Path)
	if err != nil {
		return err
	}
	if !st.Exists {
		return fmt.Errorf("open database %q read-only: %w", db.Path, os.ErrNotExist)
	}
	if err := db.checkHeader(); err != nil {
		return err
	}
	// mode=ro: SQLite never creates or writes the file, and a read-only
	// connection neither checkpoints nor removes the WAL when it closes,
	// so the owner's files are left as they are. query_only on top
	// refuses a write statement even if the mode were ignored.
	busy := strconv.FormatInt(db.BusyTimeout.Milliseconds(), 10)
	rdsn := "file:" + filepath.ToSlash(db.Path) + "?mode=ro&_pragma=busy_timeout(" + busy + ")&_pragma=query_only(ON)"
	if db.rdb, err = sql.Open("sqlite", rdsn); err != nil {
		return fmt.Errorf("open database %q read-only: %w", db.Path, err)
	}
	db.rdb.SetMaxOpenConns(db.ReadConns)
	db.rdb.SetMaxIdleConns(db.ReadConns)
	if err := db.rdb.Ping(); err != nil {
		return fmt.Errorf("open database %q read-only: %w", db.Path, FormatError(err))
	}
	if err := db.quickCheckOn(db.rdb); err != nil {
		return err
	}
	if err := db.checkSchema(); err != nil {
		return err
	}
	if err := db.rdb.QueryRow(`SELECT value FROM meta WHERE key = 'stream_label'`).Scan(&db.streamLabel); err != nil {
		return fmt.Errorf("open database %q read-only: read stream label: %w", db.Path, FormatError(err))
	}
	db.streamARN = fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s/stream/%s", db.Region, AccountID, db.TableName, db.streamLabel)
	db.reads.init(db.rdb)
	return nil
}

// checkSchema returns an error naming the first embedded migration the
// file has not had: a read-only DB cannot apply it, and its queries would
// fail on the missing tables or columns.
func (db *DB) checkSchema() error {
	applied := map[int]bool{}
	rows, err := db.rdb.Query(`SELECT version FROM schema_version`)
	if err != nil {
		return fmt.Errorf("open database %q read-only: read schema version: %w", db.Path, FormatError(err))
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("open database %q read-only: read schema version: %w", db.Path, FormatError(err))
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("open database %q read-only: read schema version: %w", db.Path, FormatError(err))
	}
	names, err := fs.Glob(migrationFS, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		num, _, _ := strings.Cut(filepath.Base(name), "_")
		if v, err := strconv.Atoi(num); err == nil && !applied[v] {
			return fmt.Errorf("open database %q read-only: the file lacks migration %s (written by an older doctales); open it once for writing (doctales serve) to migrate it", db.Path, filepath.Base(name))
		}
	}
	return nil
}

// setDefaults fills zero settings with their defaults.
func (db *DB) setDefaults() {
	if db.Now == nil {
		db.Now = time.Now
	}
	if db.Logger == nil {
		db.Logger = slog.Default()
	}
	if db.TableName == "" {
		db.TableName = DefaultTableName
	}
	if db.Region == "" {
		db.Region = DefaultRegion
	}
	if db.MaxBatchSize == 0 {
		db.MaxBatchSize = DefaultMaxBatchSize
	}
	if db.WriteQueueSize == 0 {
		db.WriteQueueSize = DefaultWriteQueueSize
	}
	if db.ReadConns == 0 {
		db.ReadConns = DefaultReadConns
	}
	if db.BusyTimeout == 0 {
		db.BusyTimeout = DefaultBusyTimeout
	}
	if db.CheckpointInterval == 0 {
		db.CheckpointInterval = DefaultCheckpointInterval
	}
	if db.QuickCheckMaxBytes == 0 {
		db.QuickCheckMaxBytes = DefaultQuickCheckMaxBytes
	}
	db.changedMu.Lock()
	if db.changed == nil {
		db.changed = make(chan struct{})
	}
	db.changedMu.Unlock()
}

// Close stops accepting writes, lets the writer commit every request
// already queued, waits for it, and closes the file. Reads after Close fail.
// Calling Close again, or on a DB never opened, does nothing and returns nil.
func (db *DB) Close() error {
	// Refuse new writes. Taking the lock waits for callers that are
	// queueing a request, so nothing is queued after this point.
	db.stateMu.Lock()
	if db.state != stateOpen {
		db.state = stateClosed
		db.stateMu.Unlock()
		return nil
	}
	db.state = stateClosed
	db.stateMu.Unlock()

	// Let the writer drain the queue and exit; stop the checkpointer. A
	// read-only DB has neither.
	if db.stop != nil {
		close(db.stop)
		<-db.writerDone
	}
	db.bg.Wait()

	if err := db.closeConns(); err != nil {
		return fmt.Errorf("close database %q: %w", db.Path, err)
	}
	if !db.ReadOnly {
		db.writeCleanMarker()
	}
	db.Logger.Info("database closed", "path", db.Path)
	return nil
}

// closeConns closes the statements and both connection pools.
func (db *DB) closeConns() error {
	db.stmts.close()
	db.reads.close()
	var errs []error
	if db.cdb != nil {
		errs = append(errs, db.cdb.Close())
	}
	if db.rdb != nil {
		errs = append(errs, db.rdb.Close())
	}
	if db.wdb != nil {
		errs = append(errs, db.wdb.Close())
	}
	return errors.Join(errs...)
}

// checkpointLoop runs a passive checkpoint every CheckpointInterval until
// Close. A passive checkpoint copies what it can without waiting for the
// writer or readers, so commits never wait for it, and the writer no longer
// spends part of some commits copying the WAL into the database file.
// Failures are logged once until a checkpoint succeeds again.
func (db *DB) checkpointLoop() {
	ticker := time.NewTicker(db.CheckpointInterval)
	defer ticker.Stop()
	var failing bool
	for {
		select {
		case <-db.stop:
			return
		case <-ticker.C:
		}
		var busy, logPages, done int
		err := db.cdb.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logPages, &done)
		switch {
		case err != nil && !failing:
			db.Logger.Warn("wal checkpoint failed", "path", db.Path, "error", err)
			failing = true
		case err == nil && failing:
			db.Logger.Info("wal checkpoint recovered", "path", db.Path)
			failing = false
		}
	}
}

// migrate applies, in order, each embedded migration file whose version
// (the number its name starts with) is above the highest version recorded
// in schema_version. Each file runs in its own transaction with the row
// that records it, so a failed migration leaves no trace.
func (db *DB) migrate() error {
	// Ensure the version table exists.
	if _, err := db.wdb.Exec(`CREATE TABLE IF NOT EXISTS schema_version (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_version: %w", FormatError(err))
	}
	// Apply every migration not yet recorded, in version order, so that a
	// migration numbered below an applied one (written on another branch)
	// still runs.
	applied := map[int]bool{}
	rows, err := db.wdb.Query(`SELECT version FROM schema_version`)
	if err != nil {
		return fmt.Errorf("read schema version: %w", FormatError(err))
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("read schema version: %w", FormatError(err))
		}
		applied[v] = true
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("read schema version: %w", FormatError(err))
	}

	// List the migrations in version order.
	names, err := fs.Glob(migrationFS, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)

	for _, name := range names {
		base := filepath.Base(name)
		num, _, _ := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if err != nil {
			return fmt.Errorf("migration %q: name must start with a version number", base)
		} else if applied[version] {
			continue
		}
		if err := db.migrateFile(name, version); err != nil {
			return fmt.Errorf("migration %q: %w", base, err)
		}
	}
	return nil
}

// migrateFile runs one migration file and records its version.
func (db *DB) migrateFile(name string, version int) error {
	buf, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	tx, err := db.wdb.Begin()
	if err != nil {
		return FormatError(err)
	}
	defer func() { _ = tx.Rollback() }()

	if _, err := tx.Exec(string(buf)); err != nil {
		return FormatError(err)
	}
	if _, err := tx.Exec(`INSERT INTO schema_version (version, applied_at) VALUES (?, ?)`,
		version, formatTime(db.Now())); err != nil {
		return FormatError(err)
	}
	return FormatError(tx.Commit())
}

// loadMeta reads the stream label, setting it to the current time when the
// database is new, and derives the stream ARN from it.
func (db *DB) loadMeta() error {
	label := db.Now().UTC().Format("2006-01-02T15:04:05.000")
	if _, err := db.wdb.Exec(`INSERT INTO meta (key, value) VALUES ('stream_label', ?) ON CONFLICT (key) DO NOTHING`, label); err != nil {
		return fmt.Errorf("set stream label: %w", FormatError(err))
	}
	if err := db.wdb.QueryRow(`SELECT value FROM meta WHERE key = 'stream_label'`).Scan(&db.streamLabel); err != nil {
		return fmt.Errorf("read stream label: %w", FormatError(err))
	}
	db.streamARN = fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s/stream/%s", db.Region, AccountID, db.TableName, db.streamLabel)
	return nil
}

// StreamARN returns the eventSourceARN of the table's stream records:
// "arn:aws:dynamodb:<region>:000000000000:table/<table>/stream/<label>",
// where the label is the time the database file was created. It is stable
// across reopenings; "" before Open.
func (db *DB) StreamARN() string { return db.streamARN }

// Changed returns a channel that is closed after the next commit that
// appends to the log, whether by Append, CreateItem, UpdateItem,
// DeleteItem, Redrive or Topic.Publish. Any number of goroutines may wait
// on it; call Changed again after it closes to wait for the next append.
func (db *DB) Changed() <-chan struct{} {
	db.changedMu.Lock()
	defer db.changedMu.Unlock()
	if db.changed == nil {
		db.changed = make(chan struct{})
	}
	return db.changed
}

// notifyChanged wakes every waiter on Changed.
func (db *DB) notifyChanged() {
	db.changedMu.Lock()
	defer db.changedMu.Unlock()
	close(db.changed)
	db.changed = make(chan struct{})
}

// Stats is a snapshot of what the database holds, for the CLI and health
// checks.
type Stats struct {
	Items         int64            // items in the table
	ItemsByStatus map[string]int64 // items per status
	LogRecords    int64            // records in the log (after compaction)
	LastSeq       int64            // highest seq ever appended; 0 for an empty log
	Checkpoints   map[string]int64 // last finished seq per subscription
	DeadLetters   int64            // dead letters waiting
	Sent          int64            // notifications in the ledger

	PendingWrites int   // write requests waiting in the queue now
	InFlight      int64 // write requests in the transaction the writer is running now
	Batches       int64 // transactions the writer ran since Open
	Writes        int64 // write requests the writer ran since Open
	QueueFull     int64 // write requests that found the queue full since Open
}

// Stats counts the contents of the database in one read transaction.
func (db *DB) Stats(ctx context.Context) (Stats, error) {
	st := Stats{
		ItemsByStatus: map[string]int64{},
		Checkpoints:   map[string]int64{},
		Batches:       db.batchN.Load(),
		Writes:        db.writeN.Load(),
		QueueFull:     db.queueFullN.Load(),
		InFlight:      db.inFlightN.Load(),
	}
	if db.writes != nil {
		st.PendingWrites = len(db.writes)
	}
	if db.rdb == nil {
		return st, fmt.Errorf("stats: %w", ErrClosed)
	}
	tx, err := db.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return st, fmt.Errorf("stats: %w", FormatError(err))
	}
	defer func() { _ = tx.Rollback() }()

	// Items per status, from the counters (migration 0210).
	byStatus, err := countByStatus(ctx, tx)
	if err != nil {
		return st, fmt.Errorf("stats: count items: %w", err)
	}
	for status, n := range byStatus {
		st.ItemsByStatus[status] = n
		st.Items += n
	}

	// Checkpoints.
	rows, err := tx.QueryContext(ctx, `SELECT subscription, seq FROM checkpoints`)
	if err != nil {
		return st, fmt.Errorf("stats: checkpoints: %w", FormatError(err))
	}
	for rows.Next() {
		var name string
		var seq int64
		if err := rows.Scan(&name, &seq); err != nil {
			rows.Close()
			return st, fmt.Errorf("stats: checkpoints: %w", FormatError(err))
		}
		st.Checkpoints[name] = seq
	}
	if err := rows.Close(); err != nil {
		return st, fmt.Errorf("stats: checkpoints: %w", FormatError(err))
	}

	// Log length, last seq, dead letters, ledger.
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM log),
		COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'log'), 0),
		(SELECT COUNT(*) FROM dead_letters),
		(SELECT COUNT(*) FROM ledger WHERE state = 'sent')`).Scan(&st.LogRecords, &st.LastSeq, &st.DeadLetters, &st.Sent); err != nil {
		return st, fmt.Errorf("stats: counts: %w", FormatError(err))
	}
	return st, nil
}

// FormatError translates a driver error into a *doctales.Error where the
// condition is one a client can act on: a lock held too long (SQLITE_BUSY,
// SQLITE_LOCKED) becomes EOVERLOADED, a uniqueness violation ECONFLICT.
// Other errors, and nil, are returned unchanged.
func FormatError(err error) error {
	var e *sqlite.Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("%w: %w", doctales.Errorf(doctales.EOVERLOADED, "The database is busy; retry later."), err)
	case sqlite3.SQLITE_CONSTRAINT:
		if e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
			return fmt.Errorf("%w: %w", doctales.Errorf(doctales.ECONFLICT, "The record already exists."), err)
		}
	}
	return err
}

// timeFormat is how times are stored: UTC, fixed width, so that text order
// is time order for the years 0000 to 9999.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// formatTime returns t in timeFormat.
func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// parseTime reads a time stored by formatTime.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse stored time %q: %w", s, err)
	}
	return t, nil
}
