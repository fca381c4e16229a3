package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// RelayLeaderLockKey is the session advisory lock held by the one process
// of a cluster that relays the PostgreSQL outbox into JetStream (issue 11,
// docs/cluster.md, "The relay"). It spells "dtrelead" in ASCII, and is
// distinct from the package's other keys (migrationLockKey, logLockKey,
// authLockKey; TestLockKeys_Distinct). It must not change: two binaries
// with different keys would both relay.
const RelayLeaderLockKey int64 = 0x647472656c656164

// DefaultElectionInterval is Elector.Interval's default: how often a
// standby tries the lock and a leader checks that it still holds it.
const DefaultElectionInterval = time.Second

// electionConnectTimeout bounds the opening of the lock's session (a
// connection over TLS to a distant server can take longer than an
// Interval; the lock's safety does not depend on it).
const electionConnectTimeout = 10 * time.Second

// Elector elects one leader among the processes sharing a database: the
// holder of a session-level advisory lock (pg_try_advisory_lock) on a
// connection of its own, kept for as long as it leads. When the leader's
// process dies, PostgreSQL ends its session and releases the lock, and a
// standby takes it at its next try.
//
// A leader checks its connection every Interval (the check fails, or
// times out after Interval, when the session is gone) and stops leading
// at the first failure: it cancels the lead function's context and waits
// for it to return. A new leader waits 2×Interval after taking the lock
// before it starts leading, so that a previous leader whose session was
// cut has found out and stopped first. What this cannot cover is a
// previous leader whose process is frozen (a paused VM, SIGSTOP) across
// that delay; for the relay, JetStream's Nats-Msg-Id deduplication drops
// the copies it would make when it wakes.
//
// The lock is per session: the DSN must reach PostgreSQL directly or
// through a session-mode pooler, not a transaction-mode one (PgBouncer's
// pool_mode=transaction), where the check sees the lock missing and the
// process never leads.
type Elector struct {
	// DB is the database whose lock is taken. Required.
	DB *DB
	// Key is the advisory lock's key, e.g. RelayLeaderLockKey.
	Key int64
	// Name is what is elected, for logs and errors ("relay").
	Name string
	// Interval is how often a standby tries the lock and a leader checks
	// it; 0 means DefaultElectionInterval.
	Interval time.Duration
	// Logger receives the changes of leadership; default DB's logger.
	Logger *slog.Logger

	leading atomic.Bool
	terms   atomic.Int64
}

// Leading reports whether this process leads now: it holds the lock and
// its lead function runs.
func (e *Elector) Leading() bool { return e.leading.Load() }

// Terms returns how many times this process has started leading.
func (e *Elector) Terms() int64 { return e.terms.Load() }

// State is "leader" or "standby", for /readyz and /stats.
func (e *Elector) State() string {
	if e.Leading() {
		return "leader"
	}
	return "standby"
}

// lockHeld is true when this session holds the advisory lock $1 (a bigint
// key shows in pg_locks as classid, its high 32 bits, objid, its low 32
// bits, and objsubid 1).
const lockHeld = `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
	AND granted AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = $1)`

// Run campaigns until ctx ends, then returns nil. While this process
// holds the lock, lead runs with a context that ends when ctx ends or
// the lock's session is lost; when lead returns (by itself, or after its
// context ended), the lock is released and the process stands by again.
// Run is not safe for concurrent use with itself.
func (e *Elector) Run(ctx context.Context, lead func(context.Context) error) error {
	if e.DB == nil {
		return errors.New("elector: DB required")
	}
	if e.Interval < 0 {
		return fmt.Errorf("elector %q: interval %s is negative", e.Name, e.Interval)
	}
	if e.Interval == 0 {
		e.Interval = DefaultElectionInterval
	}
	if e.Logger == nil {
		e.Logger = e.DB.logger
	}
	log := e.Logger.With("elected", e.Name, "lock", e.Key)
	cfg := e.DB.pool.Config().ConnConfig
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	standby := false // logged "standing by" since the last try failed or led
	for ctx.Err() == nil {
		if conn == nil {
			cctx, cancel := context.WithTimeout(ctx, max(e.Interval, electionConnectTimeout))
			c, err := pgx.ConnectConfig(cctx, cfg.Copy())
			cancel()
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("election: connect failed; retrying", "error", err, "in", e.Interval)
				}
				standby = false
				sleep(ctx, e.Interval)
				continue
			}
			conn = c
		}
		got, err := e.try(ctx, conn)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("election: trying the lock failed; retrying", "error", err, "in", e.Interval)
			}
			conn.Close(context.Background())
			conn, standby = nil, false
			sleep(ctx, e.Interval)
			continue
		}
		if !got {
			if !standby {
				log.Info("election: another process leads; standing by", "retry", e.Interval)
				standby = true
			}
			sleep(ctx, e.Interval)
			continue
		}
		e.hold(ctx, conn, lead, log)
		// Closing the session releases the lock whatever happened to it.
		conn.Close(context.Background())
		conn, standby = nil, false
		sleep(ctx, e.Interval)
	}
	return nil
}

// try takes the lock if it is free, within Interval.
func (e *Elector) try(ctx context.Context, conn *pgx.Conn) (bool, error) {
	tctx, cancel := context.WithTimeout(ctx, e.Interval)
	defer cancel()
	var got bool
	err := conn.QueryRow(tctx, `SELECT pg_try_advisory_lock($1)`, e.Key).Scan(&got)
	return got, err
}

// check reports an error unless conn's session still holds the lock,
// within Interval.
func (e *Elector) check(ctx context.Context, conn *pgx.Conn) error {
	tctx, cancel := context.WithTimeout(ctx, e.Interval)
	defer cancel()
	var held bool
	if err := conn.QueryRow(tctx, lockHeld, e.Key).Scan(&held); err != nil {
		return err
	}
	if !held {
		return fmt.Errorf("the session does not hold advisory lock %d (a transaction-mode pooler between this process and PostgreSQL?)", e.Key)
	}
	return nil
}

// hold leads while conn holds the lock: it waits 2×Interval (checking the
// lock each Interval) so that a previous leader has stopped, runs lead,
// checks the lock every Interval, and returns after lead has returned:
// when ctx ends, the check fails, or lead returns by itself.
func (e *Elector) hold(ctx context.Context, conn *pgx.Conn, lead func(context.Context) error, log *slog.Logger) {
	log.Info("election: took the lock; leading after the takeover delay", "delay", 2*e.Interval)
	ticker := time.NewTicker(e.Interval)
	defer ticker.Stop()
	for waited := 0; waited < 2; waited++ {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		if err := e.check(ctx, conn); err != nil {
			if ctx.Err() == nil {
				log.Warn("election: lost the lock before leading", "error", err)
			}
			return
		}
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	e.terms.Add(1)
	e.leading.Store(true)
	defer e.leading.Store(false)
	go func() { done <- lead(lctx) }()
	log.Info("election: leading")
	for {
		select {
		case <-ctx.Done():
			cancel()
			<-done
			return
		case err := <-done:
			if err != nil {
				log.Error("election: the leader's work failed; standing down", "error", err)
			} else {
				log.Info("election: the leader's work ended; standing down")
			}
			return
		case <-ticker.C:
			if err := e.check(ctx, conn); err != nil {
				if ctx.Err() != nil {
					continue // the ctx.Done case stops
				}
				log.Error("election: lost the lock's session; stopping", "error", err)
				cancel()
				<-done
				log.Info("election: stopped leading")
				return
			}
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
