// Package relay copies the records of one event log into another, at
// least once, from a checkpoint: the outbox relay of issue 11, which
// carries what an embedded or PostgreSQL log appended (the table's change
// stream written in the same transaction as the row) to the NATS
// JetStream log that workers on other machines read.
//
// # Guarantees
//
//   - Every record of Source appended to From reaches To, in From's order,
//     at least once. The relay's checkpoint (in From, under Name) moves
//     only after To acknowledged a batch.
//   - When To can deduplicate (it has AppendFrom, as *nats.Log does), each
//     record carries the id "<Origin>/<its seq in From>", so the batch a
//     crash left between append and checkpoint is not stored twice when
//     it is copied again within To's duplicate window (two minutes by
//     default on JetStream). Later than that, a To that is a CopyFinder
//     (*nats.Log) is asked at the start which records after the
//     checkpoint it already holds among its last DefaultScan, and those
//     are skipped. Otherwise records may be copied twice; the runtime's
//     handlers are idempotent.
//   - A record's Seq in To is To's own; its Source, Key, Target,
//     TraceParent, Data and (with AppendFrom) Time are kept.
package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/doctales/doctales"
)

// Defaults of Relay.
const (
	DefaultBatchSize    = 500                    // records read and appended at once
	DefaultPollInterval = 500 * time.Millisecond // also picks up appends by other processes
	MaxBatchSize        = 10_000                 // the logs' read limit
)

// OriginAppender is a log that deduplicates copied records: AppendFrom
// appends recs whose Seq is their sequence in the origin log, stores each
// (origin, seq) once, and sets Seq to the sequence in this log.
// *nats.Log implements it.
type OriginAppender interface {
	AppendFrom(ctx context.Context, origin string, recs ...*doctales.LogRecord) error
}

// CopyFinder is a log that can tell which records of an origin it already
// holds among its latest, by their ids: CopiedFrom returns the origin
// sequences greater than after among the last scan records of source.
// *nats.Log implements it.
type CopyFinder interface {
	CopiedFrom(ctx context.Context, origin, source string, after int64, scan int) (map[int64]bool, error)
}

// DefaultScan is how many of To's latest records a starting relay looks
// through for copies it made after its checkpoint (at least 4 batches).
const DefaultScan = 10_000

// Relay copies the records of Source from From to To. Set the fields,
// then Open to run it in the background, or call Step; Close stops it.
type Relay struct {
	// From is the origin log. Required. The relay's checkpoint is kept
	// in it.
	From doctales.EventLog
	// To is the destination log. Required. If it implements
	// OriginAppender, copies are deduplicated.
	To doctales.EventLog
	// Origin names From in the records' ids ("<Origin>/<seq>"). Required,
	// and stable: a new name is a new origin and copies again.
	Origin string
	// Source is the source copied; "" copies every source.
	Source string
	// Name is the relay's checkpoint in From. Default "relay/<Origin>" or
	// "relay/<Origin>/<Source>".
	Name string
	// BatchSize is how many records one Step reads and appends. 0 means
	// DefaultBatchSize; at most MaxBatchSize.
	BatchSize int
	// PollInterval is how often From is read when it signalled no append.
	// 0 means DefaultPollInterval.
	PollInterval time.Duration
	// Logger receives failures. Default slog.Default().
	Logger *slog.Logger

	mu      sync.Mutex
	cursor  int64 // last origin seq appended to To (and maybe not yet checkpointed)
	started bool
	present map[int64]bool // origin seqs after the checkpoint that To already holds (CopyFinder)
	copied  int64
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// Validate reports the first missing or out-of-range field and fills
// the defaults.
func (r *Relay) Validate() error {
	switch {
	case r.From == nil:
		return doctales.FieldErrorf(doctales.EINVALID, "From", "relay: origin log required")
	case r.To == nil:
		return doctales.FieldErrorf(doctales.EINVALID, "To", "relay: destination log required")
	case r.Origin == "":
		return doctales.FieldErrorf(doctales.EINVALID, "Origin", "relay: origin name required (the records' ids)")
	case r.BatchSize < 0 || r.BatchSize > MaxBatchSize:
		return doctales.FieldErrorf(doctales.EINVALID, "BatchSize", "relay %q: batch size %d is outside 1..%d", r.Origin, r.BatchSize, MaxBatchSize)
	case r.PollInterval < 0:
		return doctales.FieldErrorf(doctales.EINVALID, "PollInterval", "relay %q: poll interval %s is negative", r.Origin, r.PollInterval)
	}
	if r.Name == "" {
		r.Name = "relay/" + r.Origin
		if r.Source != "" {
			r.Name += "/" + r.Source
		}
	}
	if r.BatchSize == 0 {
		r.BatchSize = DefaultBatchSize
	}
	if r.PollInterval == 0 {
		r.PollInterval = DefaultPollInterval
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	return nil
}

// Step copies one batch: it reads up to BatchSize records after the
// relay's position, appends them to To and then sets the checkpoint. It
// returns how many it copied (0: nothing new). The first Step starts from
// the checkpoint. Step is not safe for concurrent use with itself or a
// running Open.
func (r *Relay) Step(ctx context.Context) (int, error) {
	if err := r.Validate(); err != nil {
		return 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started {
		cp, err := r.From.Checkpoint(ctx, r.Name)
		if err != nil {
			return 0, fmt.Errorf("relay %q: read checkpoint: %w", r.Name, err)
		}
		// A batch appended before a crash, after the checkpoint, may be in
		// To already: find it there, so that it is not appended again even
		// when To's duplicate window has passed.
		if cf, ok := r.To.(CopyFinder); ok {
			present, err := cf.CopiedFrom(ctx, r.Origin, r.Source, cp, max(DefaultScan, 4*r.BatchSize))
			if err != nil {
				return 0, fmt.Errorf("relay %q: look for copies after %d: %w", r.Name, cp, err)
			}
			if len(present) > 0 {
				r.Logger.Info("relay found records copied after its checkpoint", "relay", r.Name, "checkpoint", cp, "copied", len(present))
			}
			r.present = present
		}
		r.cursor, r.started = cp, true
	}
	recs, err := r.From.ReadLog(ctx, r.Source, r.cursor, r.BatchSize)
	if err != nil {
		return 0, fmt.Errorf("relay %q: read %q after %d: %w", r.Name, r.Source, r.cursor, err)
	}
	if len(recs) == 0 {
		return 0, nil
	}
	// Copy the records (To sets Seq and Time on what it is given), but
	// those found in To at the start.
	copies := make([]*doctales.LogRecord, 0, len(recs))
	for _, rec := range recs {
		if r.present[rec.Seq] {
			delete(r.present, rec.Seq)
			continue
		}
		c := *rec
		copies = append(copies, &c)
	}
	last := recs[len(recs)-1].Seq
	if len(copies) == 0 {
		r.cursor = last
		if err := r.From.SetCheckpoint(ctx, r.Name, last); err != nil {
			return len(recs), fmt.Errorf("relay %q: set checkpoint to %d: %w", r.Name, last, err)
		}
		return len(recs), nil
	}
	// A batch once started is finished, whatever happens to ctx: a log
	// whose caller's context ends during a write may still commit it
	// (the SQLite writer does) and report the end instead, and a batch
	// committed but not checkpointed is copied again by the next start
	// (a leader stepping down mid-batch doubled it in To).
	actx, acancel := context.WithTimeout(context.WithoutCancel(ctx), appendTimeout)
	defer acancel()
	if oa, ok := r.To.(OriginAppender); ok {
		err = oa.AppendFrom(actx, r.Origin, copies...)
	} else {
		for _, c := range copies {
			c.Seq, c.Time = 0, time.Time{}
		}
		err = r.To.Append(actx, copies...)
	}
	if err != nil {
		return 0, fmt.Errorf("relay %q: append %d records (origin seq %d..%d): %w", r.Name, len(recs), recs[0].Seq, last, err)
	}
	r.cursor = last
	r.copied += int64(len(copies))
	// The batch is in To: record it even when ctx ends now (a leader
	// stepping down, serve stopping), or the next start copies it again.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), checkpointTimeout)
	defer cancel()
	if err := r.From.SetCheckpoint(cctx, r.Name, last); err != nil {
		// Copied but not recorded: the next start copies the batch
		// again, deduplicated by its ids.
		return len(recs), fmt.Errorf("relay %q: set checkpoint to %d: %w", r.Name, last, err)
	}
	return len(recs), nil
}

// checkpointTimeout bounds the checkpoint written after a batch was
// appended, which does not end with the caller's context.
const checkpointTimeout = 5 * time.Second

// appendTimeout bounds the append of a batch, which does not end with the
// caller's context either.
const appendTimeout = 30 * time.Second

// Copied returns how many records Step appended to To since the relay
// was made (counting a batch copied again after a restart).
func (r *Relay) Copied() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.copied
}

// Open validates the relay and starts copying in the background: a Step
// whenever From signals an append or PollInterval passes, until Close.
// Failures are logged and retried with backoff up to 10 s.
func (r *Relay) Open() error {
	if err := r.Validate(); err != nil {
		return err
	}
	if r.cancel != nil {
		return errors.New("relay: already open")
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.wg.Add(1)
	go func() { defer r.wg.Done(); r.loop(ctx) }()
	return nil
}

// Run copies in the foreground, as Open does in the background, until
// ctx ends, and then returns nil (an invalid field is an error at once).
// Each Run starts again from the checkpoint in From, since another
// process may have moved it meanwhile: Run is what a process runs for as
// long as it is the relay's elected leader (postgres.Elector), and a
// process that leads again later resumes where the last leader stopped.
// Not safe for concurrent use with itself, Step or Open.
func (r *Relay) Run(ctx context.Context) error {
	if err := r.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	r.started, r.present = false, nil
	r.mu.Unlock()
	r.loop(ctx)
	return nil
}

func (r *Relay) loop(ctx context.Context) {
	ticker := time.NewTicker(r.PollInterval)
	defer ticker.Stop()
	backoff := time.Duration(0)
	for {
		changed := r.From.Changed()
		n, err := r.Step(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			backoff = min(max(2*backoff, 100*time.Millisecond), 10*time.Second)
			r.Logger.Error("relay step", "relay", r.Name, "error", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			continue
		}
		if backoff > 0 {
			r.Logger.Info("relay recovered", "relay", r.Name)
			backoff = 0
		}
		if n > 0 {
			continue // more may be waiting
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-ticker.C:
		}
	}
}

// Close stops the background copy and waits for it; a batch being
// appended is abandoned and copied again by the next start. It tolerates
// a second call; a closed Relay is not opened again (make a new one).
func (r *Relay) Close() error {
	if r.cancel != nil {
		r.cancel()
	}
	r.wg.Wait()
	return nil
}
