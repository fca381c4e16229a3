// Package postgres keeps the table, its change stream, the event log,
// the notification ledger, dead letters and flow history in PostgreSQL,
// behind the same ports as package sqlite (doctales.Table, EventLog,
// Ledger, DeadLetterStore, FlowHistory), so that the runtime can run on
// PostgreSQL alone or with several processes sharing one database. The
// users, API keys, sessions, audit log and ack-link key are here too
// (auth.go, with package sqlite's methods), so that several api
// processes share them.
//
// Every change to an item appends its stream record (DynamoDB Streams
// shape, the same bytes package sqlite writes, see internal/streamrec)
// to the log table in the transaction of the change: the log is an
// outbox, and a relay can copy it to another bus with no change lost or
// invented. A writer commits its records unnumbered, without locking the
// log, so concurrent writers' commits are grouped; a sequencer then
// numbers committed records, one transaction at a time under an advisory
// lock, so that a reader that has seen seq N has seen every record below
// it (log.go, and docs/cluster.md, "PostgreSQL").
//
// The schema is versioned: the files of migration/ are applied in order
// at Open, under an advisory lock, and recorded in schema_migrations;
// every version the database lacks is applied, so a gap (0004 before
// 0003) is filled later. A database that a newer binary migrated is
// refused.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/streamrec"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Defaults of Options, as in package sqlite: the DynamoDB table name and
// region in every stream record's eventSourceARN.
const (
	DefaultTableName = "doc-tales-communications"
	DefaultRegion    = "us-east-1"
	// AccountID is the AWS account in every ARN: AWS's placeholder.
	AccountID = "000000000000"
)

// Advisory lock keys of this package (pg_advisory_lock takes a bigint;
// these spell "dtmigrat" and "dtlogapp" in ASCII).
const (
	migrationLockKey = 0x64746d6967726174
	logLockKey       = 0x64746c6f67617070
)

// notifyChannel is the LISTEN/NOTIFY channel of appends to the log.
const notifyChannel = "doctales_log"

// Options configure Open. The zero value is usable.
type Options struct {
	// TableName and Region go into eventSourceARN and awsRegion of the
	// stream records. Defaults DefaultTableName and DefaultRegion.
	TableName string
	Region    string
	// Now is the clock; default time.Now. Times are stored to the
	// microsecond (PostgreSQL's precision) and returned so.
	Now func() time.Time
	// Logger gets lifecycle messages; default discards them.
	Logger *slog.Logger
	// MaxConns bounds the pool; 0 means pgxpool's default (4, or the
	// number of CPUs if more), or pool_max_conns in the DSN.
	MaxConns int32
}

// DB is a Doc-Tales database in PostgreSQL. Safe for concurrent use.
type DB struct {
	pool   *pgxpool.Pool
	enc    streamrec.Encoder
	now    func() time.Time
	logger *slog.Logger

	mu      sync.Mutex
	changed chan struct{}

	seq sequencer // numbering rounds (log.go)

	ackKey []byte // the ack links' key, from meta (auth.go)

	notify rulesState // the rules' version, the timers' claimer (rules.go, timers.go)

	cancel   context.CancelFunc
	listener sync.WaitGroup

	// testBeforeAppend, when set by a test, runs after an item's write
	// and before its stream record's append, in the same transaction.
	testBeforeAppend func(context.Context, pgx.Tx) error
}

var (
	_ doctales.Table           = (*DB)(nil)
	_ doctales.EventLog        = (*DB)(nil)
	_ doctales.Ledger          = (*DB)(nil)
	_ doctales.DeadLetterStore = (*DB)(nil)
	_ doctales.FlowHistory     = (*DB)(nil)
)

// Open connects to the database at dsn (a postgres:// URL or keyword=value
// string, as libpq takes), applies the schema migrations it lacks, and
// starts listening for appends (Changed). A database whose schema is
// newer than this binary's is refused. Close releases it.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: parse DSN: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.TableName == "" {
		opts.TableName = DefaultTableName
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", where, err)
	}
	db := &DB{pool: pool, now: opts.Now, logger: opts.Logger, changed: make(chan struct{})}
	db.seq.cond = sync.NewCond(&db.seq.mu)
	fail := func(err error) (*DB, error) {
		pool.Close()
		return nil, fmt.Errorf("open postgres %s: %w", where, err)
	}
	if err := db.migrate(ctx); err != nil {
		return fail(err)
	}

	// The stream label is the time the table was first opened, as in
	// package sqlite: the last part of the stream's ARN.
	label := opts.Now().UTC().Format("2006-01-02T15:04:05.000")
	if _, err := pool.Exec(ctx, `INSERT INTO meta (key, value) VALUES ('stream_label', $1) ON CONFLICT (key) DO NOTHING`, label); err != nil {
		return fail(fmt.Errorf("set stream label: %w", err))
	}
	if err := pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'stream_label'`).Scan(&label); err != nil {
		return fail(fmt.Errorf("read stream label: %w", err))
	}
	if err := db.openAuth(ctx); err != nil {
		return fail(err)
	}
	db.enc = streamrec.Encoder{
		Region:    opts.Region,
		StreamARN: fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s/stream/%s", opts.Region, AccountID, opts.TableName, label),
	}

	// Listen before returning, so that no append after Open is missed.
	lctx, cancel := context.WithCancel(context.Background())
	db.cancel = cancel
	ready := make(chan error, 1)
	db.listener.Add(1)
	go db.listen(lctx, cfg.ConnConfig.Copy(), ready)
	select {
	case err := <-ready:
		if err != nil {
			cancel()
			db.listener.Wait()
			return fail(fmt.Errorf("listen %s: %w", notifyChannel, err))
		}
	case <-ctx.Done():
		cancel()
		db.listener.Wait()
		return fail(ctx.Err())
	}
	// Number what a writer that died after its commit left unnumbered,
	// now and every sweepEvery.
	if err := db.number(ctx); err != nil {
		cancel()
		db.listener.Wait()
		return fail(err)
	}
	db.listener.Add(1)
	go db.sweep(lctx)
	// People's rules: RulesVersion follows every process's rule writes.
	db.notify.claimer = newClaimer()
	db.listener.Add(1)
	go db.watchRules(lctx, cfg.ConnConfig.Copy())
	db.logger.Info("postgres opened", "database", where, "stream", db.enc.StreamARN)
	return db, nil
}

// Close stops listening and sweeping, and closes the pool.
func (db *DB) Close() error {
	db.cancel()
	db.listener.Wait()
	db.pool.Close()
	return nil
}

// StreamARN returns the eventSourceARN of the stream records.
func (db *DB) StreamARN() string { return db.enc.StreamARN }

// Pool returns the connection pool, for tests and tools.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Changed returns a channel that is closed at the next append to the
// log, by this process or any other on the same database (LISTEN/NOTIFY).
// It is also closed when the listening session was lost and comes back,
// since appends may have been missed meanwhile: a reader reads again.
func (db *DB) Changed() <-chan struct{} {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.changed
}

// wake closes the current Changed channel and starts a new one.
func (db *DB) wake() {
	db.mu.Lock()
	close(db.changed)
	db.changed = make(chan struct{})
	db.mu.Unlock()
}

// listenRetry is the pause before the listener connects again after
// losing its session.
const listenRetry = time.Second

// listen holds a session of its own LISTENing on notifyChannel and wakes
// Changed at each notification, until ctx ends. It reports the first
// LISTEN's outcome on ready; after a lost session it wakes Changed,
// reconnects and listens again.
func (db *DB) listen(ctx context.Context, cfg *pgx.ConnConfig, ready chan<- error) {
	defer db.listener.Done()
	first := true
	for {
		err := func() error {
			conn, err := pgx.ConnectConfig(ctx, cfg)
			if err != nil {
				return err
			}
			defer conn.Close(context.Background())
			if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
				return err
			}
			if first {
				first = false
				ready <- nil
			} else {
				db.wake() // appends may have come while not listening
			}
			for {
				if _, err := conn.WaitForNotification(ctx); err != nil {
					return err
				}
				db.wake()
			}
		}()
		if ctx.Err() != nil {
			if first {
				ready <- ctx.Err()
			}
			return
		}
		if first {
			ready <- err
			return
		}
		db.logger.Warn("postgres: listening for log appends failed; retrying", "err", err, "in", listenRetry)
		select {
		case <-ctx.Done():
			return
		case <-time.After(listenRetry):
		}
	}
}

//go:embed migration/*.sql
var migrationFS embed.FS

// migration is one file of migration/: NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrationName is the form of a migration file's name (compiled on
// first use, not at the start of every command).
var migrationName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`) })

// migrations returns the embedded migrations in version order.
func migrations() ([]migration, error) {
	entries, err := migrationFS.ReadDir("migration")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		m := migrationName().FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q is not named NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := migrationFS.ReadFile(path.Join("migration", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s have the same version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema version this binary migrates to: the
// highest of migration/.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// ErrSchemaTooNew is returned (wrapped) by Open when the database's schema
// is newer than this binary's.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

// migrate applies the migrations the database lacks, each in its own
// transaction with its schema_migrations row, holding a session advisory
// lock so that processes opening at once apply each migration once. A
// database at a version above this binary's is refused.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return db.applyMigrations(ctx, ms)
}

// applyMigrations applies those of ms (in version order) the database
// lacks.
func (db *DB) applyMigrations(ctx context.Context, ms []migration) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLockKey)); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	defer func() {
		_, _ = conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrationLockKey))
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read schema versions: %w", err)
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return fmt.Errorf("read schema versions: %w", err)
	}
	current := 0
	if len(applied) > 0 {
		current = slices.Max(applied)
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	if current > latest {
		return fmt.Errorf("%w: the database is at schema version %d, this binary knows up to %d; run a doctales at least as new as the one that migrated it",
			ErrSchemaTooNew, current, latest)
	}
	// Every version the database lacks is applied, not only those above
	// its highest: branches merged in another order than their
	// migrations were numbered (0004 applied before 0003 existed) leave a
	// gap that a later binary fills.
	for _, m := range ms {
		if slices.Contains(applied, m.version) {
			continue
		}
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
			return err
		}); err != nil {
			return fmt.Errorf("apply migration %s: %w", m.name, err)
		}
		db.logger.Info("postgres: migration applied", "migration", m.name)
	}
	return nil
}

// ts is how the items table stores a time: the SQLite table's fixed-width
// UTC text, which orders as the time does.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse stored time %q: %w", s, err)
	}
	return t, nil
}

// nowMicro returns db.now() at PostgreSQL's precision, so that a time a
// method returns equals the time read back.
func (db *DB) nowMicro() time.Time { return db.now().Truncate(time.Microsecond) }
