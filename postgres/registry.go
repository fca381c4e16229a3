package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/doctales/doctales"
	"github.com/jackc/pgx/v5"
)

// The process registry (migration 0003, docs/cluster.md "status"): every
// process of a cluster keeps a row in the processes table while it runs,
// so that `doctales status --postgres` knows which processes there are
// and at which address each serves /stats, /readyz and /metrics. The
// cluster records nothing else about its processes: without the registry
// their addresses are known only to whoever started them.

// Bounds of the registry's settings.
const (
	// DefaultHeartbeat is Process.Heartbeat's default: how often a
	// process refreshes its row.
	DefaultHeartbeat = 5 * time.Second
	// MinHeartbeat and MaxHeartbeat bound Process.Heartbeat.
	MinHeartbeat = 10 * time.Millisecond
	MaxHeartbeat = time.Hour
	// LostHeartbeats is how many heartbeats a row may miss before it is
	// shown as lost: one late heartbeat (a slow database, a GC pause) is
	// not a dead process.
	LostHeartbeats = 3
	// DefaultPruneAfter is Registration.PruneAfter's default: how long a
	// lost process stays listed before the live ones delete its row.
	DefaultPruneAfter = 10 * time.Minute
)

// Limits of a Process's text fields, in bytes.
const (
	maxProcessID      = 128
	maxProcessRole    = 32
	maxProcessPart    = 16
	maxProcessHost    = 255
	maxProcessAddress = 300
	maxProcessVersion = 128
)

// Process is a row of the registry: one running process of the cluster.
type Process struct {
	// ID names the process for its life; NewProcessID makes one.
	ID string `json:"id"`
	// Role is serve's --role (api, extraction, notification, all).
	Role string `json:"role"`
	// Partition is "i/n", or "" when the process takes every record.
	Partition string `json:"partition,omitempty"`
	// Host is the machine's name (os.Hostname), PID the process id there.
	Host string `json:"host"`
	PID  int    `json:"pid"`
	// Address is host:port where it serves /stats, /readyz and /metrics
	// over HTTP, as another machine reaches it.
	Address string `json:"address"`
	// Version is the binary's version (doctales version).
	Version string `json:"version"`
	// Heartbeat is how often it refreshes its row; 0 means
	// DefaultHeartbeat.
	Heartbeat time.Duration `json:"heartbeat"`
	// StartedAt is when it registered first; LastSeen its last heartbeat.
	// Both are the database's clock, set by RegisterProcess and
	// HeartbeatProcess (a StartedAt given to RegisterProcess is kept).
	StartedAt time.Time `json:"startedAt"`
	LastSeen  time.Time `json:"lastSeen"`
}

// ProcessState is a registered process as Processes sees it, against the
// database's clock.
type ProcessState struct {
	Process
	// Up is how long ago it started; SeenAgo how long ago its last
	// heartbeat was.
	Up      time.Duration `json:"up"`
	SeenAgo time.Duration `json:"seenAgo"`
	// Lost is true when it missed LostHeartbeats heartbeats: it died
	// without deleting its row (kill -9, its machine gone), or cannot
	// reach the database.
	Lost bool `json:"lost"`
}

// NewProcessID returns a new random process id, "p-" and 16 hex digits.
func NewProcessID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics rather)
	return "p-" + hex.EncodeToString(b[:])
}

// Validate checks the fields a process registers with, each error naming
// the field, its value and the limit (EINVALID, or ETOOLARGE when too
// long). A zero Heartbeat is taken as DefaultHeartbeat.
func (p *Process) Validate() error {
	text := func(field, v string, limit int, required bool) error {
		switch {
		case v == "" && required:
			return doctales.FieldErrorf(doctales.EINVALID, field, "%s is empty", field)
		case len(v) > limit:
			return doctales.FieldErrorf(doctales.ETOOLARGE, field, "%s is %d bytes; the limit is %d", field, len(v), limit)
		case !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
			return doctales.FieldErrorf(doctales.EINVALID, field, "%s %q has invalid UTF-8 or a control character", field, v)
		}
		return nil
	}
	for _, f := range []struct {
		field, v string
		limit    int
		required bool
	}{
		{"id", p.ID, maxProcessID, true}, {"role", p.Role, maxProcessRole, true},
		{"partition", p.Partition, maxProcessPart, false}, {"host", p.Host, maxProcessHost, false},
		{"address", p.Address, maxProcessAddress, true}, {"version", p.Version, maxProcessVersion, false},
	} {
		if err := text(f.field, f.v, f.limit, f.required); err != nil {
			return err
		}
	}
	if _, port, err := net.SplitHostPort(p.Address); err != nil || port == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "address", "address %q is not host:port", p.Address)
	}
	if p.PID <= 0 || p.PID > 1<<31-1 {
		return doctales.FieldErrorf(doctales.EINVALID, "pid", "pid %d is outside 1..%d", p.PID, 1<<31-1)
	}
	if p.Heartbeat == 0 {
		p.Heartbeat = DefaultHeartbeat
	}
	if p.Heartbeat < MinHeartbeat || p.Heartbeat > MaxHeartbeat {
		return doctales.FieldErrorf(doctales.EINVALID, "heartbeat", "heartbeat %s is outside %s..%s", p.Heartbeat, MinHeartbeat, MaxHeartbeat)
	}
	return nil
}

// RegisterProcess writes p's row (replacing a row of the same id), with
// last_seen the database's now, and started_at p.StartedAt or now when
// zero. It returns the row as stored.
func (db *DB) RegisterProcess(ctx context.Context, p Process) (Process, error) {
	if err := p.Validate(); err != nil {
		return Process{}, err
	}
	var started *time.Time
	if !p.StartedAt.IsZero() {
		started = &p.StartedAt
	}
	err := db.pool.QueryRow(ctx, `INSERT INTO processes (id, role, partition, host, pid, address, version, heartbeat_ms, started_at, last_seen)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, now()), now())
		ON CONFLICT (id) DO UPDATE SET role = $2, partition = $3, host = $4, pid = $5, address = $6, version = $7,
			heartbeat_ms = $8, started_at = coalesce($9, processes.started_at), last_seen = now()
		RETURNING started_at, last_seen`,
		p.ID, p.Role, p.Partition, p.Host, p.PID, p.Address, p.Version, p.Heartbeat.Milliseconds(), started).Scan(&p.StartedAt, &p.LastSeen)
	if err != nil {
		return Process{}, fmt.Errorf("register process %s (%s at %s): %w", p.ID, p.Role, p.Address, err)
	}
	p.StartedAt, p.LastSeen = p.StartedAt.UTC(), p.LastSeen.UTC()
	return p, nil
}

// HeartbeatProcess sets the last_seen of process id to the database's
// now. It reports false when the row is gone (pruned while the process
// could not reach the database): the process registers again.
func (db *DB) HeartbeatProcess(ctx context.Context, id string) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE processes SET last_seen = now() WHERE id = $1`, id)
	if err != nil {
		return false, fmt.Errorf("heartbeat of process %s: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// RemoveProcess deletes process id's row (a clean shutdown). A missing
// row is not an error.
func (db *DB) RemoveProcess(ctx context.Context, id string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM processes WHERE id = $1`, id); err != nil {
		return fmt.Errorf("remove process %s: %w", id, err)
	}
	return nil
}

// PruneProcesses deletes the rows not seen for longer than after (and
// than LostHeartbeats of their own heartbeats), and returns how many.
func (db *DB) PruneProcesses(ctx context.Context, after time.Duration) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM processes
		WHERE last_seen < now() - $1 * interval '1 microsecond'
		  AND last_seen < now() - $2 * heartbeat_ms * interval '1 millisecond'`, after.Microseconds(), LostHeartbeats)
	if err != nil {
		return 0, fmt.Errorf("prune processes not seen for %s: %w", after, err)
	}
	return tag.RowsAffected(), nil
}

// Processes lists the registered processes by role, partition and
// address, each with its age and whether it is lost, judged by the
// database's clock (the processes' clocks may differ).
func (db *DB) Processes(ctx context.Context) ([]ProcessState, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, role, partition, host, pid, address, version, heartbeat_ms, started_at, last_seen,
			extract(epoch FROM now() - started_at), extract(epoch FROM now() - last_seen)
		FROM processes ORDER BY role COLLATE "C", partition COLLATE "C", address COLLATE "C", id`)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ProcessState, error) {
		var s ProcessState
		var hb int64
		var up, ago float64
		err := row.Scan(&s.ID, &s.Role, &s.Partition, &s.Host, &s.PID, &s.Address, &s.Version, &hb, &s.StartedAt, &s.LastSeen, &up, &ago)
		s.Heartbeat = time.Duration(hb) * time.Millisecond
		s.StartedAt, s.LastSeen = s.StartedAt.UTC(), s.LastSeen.UTC()
		s.Up = time.Duration(max(0, up) * float64(time.Second)).Round(time.Millisecond)
		s.SeenAgo = time.Duration(max(0, ago) * float64(time.Second)).Round(time.Millisecond)
		s.Lost = s.SeenAgo > LostHeartbeats*s.Heartbeat
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	return out, nil
}

// Registration keeps one process's row in the registry for as long as it
// runs: Open registers it and starts the heartbeat, which refreshes the
// row every Process.Heartbeat (registering again if the row was pruned
// meanwhile) and deletes the rows of processes lost for longer than
// PruneAfter; Close stops it and deletes the row. A heartbeat that fails
// (the database unreachable) is logged and tried again at the next beat:
// the process keeps running, and shows as lost until it gets through.
type Registration struct {
	DB      *DB
	Process Process
	// PruneAfter is how long a lost process stays listed; 0 means
	// DefaultPruneAfter.
	PruneAfter time.Duration
	// Logger gets failed heartbeats; default DB's logger.
	Logger *slog.Logger

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// Open registers the process and starts its heartbeat.
func (r *Registration) Open(ctx context.Context) error {
	if r.Logger == nil {
		r.Logger = r.DB.logger
	}
	if r.PruneAfter <= 0 {
		r.PruneAfter = DefaultPruneAfter
	}
	p, err := r.DB.RegisterProcess(ctx, r.Process)
	if err != nil {
		return err
	}
	r.Process = p
	lctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	r.cancel, r.done = cancel, make(chan struct{})
	r.mu.Unlock()
	go r.beat(lctx)
	return nil
}

// beat refreshes the row every heartbeat until ctx ends.
func (r *Registration) beat(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.Process.Heartbeat)
	defer t.Stop()
	timeout := max(r.Process.Heartbeat, 2*time.Second)
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := func() error {
			bctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			ok, err := r.DB.HeartbeatProcess(bctx, r.Process.ID)
			if err == nil && !ok {
				r.Logger.Warn("process registry: this process's row was gone (pruned while the database was out of reach); registering again", "id", r.Process.ID)
				_, err = r.DB.RegisterProcess(bctx, r.Process)
			}
			if err == nil {
				_, err = r.DB.PruneProcesses(bctx, r.PruneAfter)
			}
			return err
		}()
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			failing = true
			r.Logger.Warn("process registry: heartbeat failed; trying again at each beat", "id", r.Process.ID, "every", r.Process.Heartbeat, "err", err)
		case err == nil && failing:
			failing = false
			r.Logger.Info("process registry: heartbeat back", "id", r.Process.ID)
		}
	}
}

// Close stops the heartbeat and deletes the row, waiting at most ctx.
// It tolerates a second call.
func (r *Registration) Close(ctx context.Context) error {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.cancel = nil
	r.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	<-done
	return r.DB.RemoveProcess(ctx, r.Process.ID)
}
