package runtime

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/doctales/doctales"
)

// Feeds is the optional acknowledged path of a Runtime (Runtime.Feeds):
// a subscription reads its records from a feed of deliveries, each
// acknowledged when the runtime is done with it, instead of reading the
// log after a checkpoint it keeps itself. Package nats gives one feed per
// subscription and partition on a JetStream durable pull consumer, so
// that the server remembers what was finished, redelivers what a dead
// process held, bounds what one process holds (MaxAckPending) and says
// when a record was delivered too often (issue 11). The runtime's
// function semantics are the same on both paths: filters, batch size,
// bisect, per-key order inside the process, partial batch responses, and
// the in-process retries with their backoff and dead letters.
//
// OpenFeed is called once per subscription by Runtime.Open; the feed is
// closed by Runtime.Close. It must be safe for concurrent use.
type Feeds interface {
	OpenFeed(ctx context.Context, spec FeedSpec) (Feed, error)
}

// FeedSpec is what a feed needs to know of its subscription.
type FeedSpec struct {
	// Name is the subscription's name.
	Name string
	// CheckpointName is where the checkpoint path keeps the subscription's
	// checkpoint (Partition.CheckpointName(Name)).
	CheckpointName string
	// Source is the log source read.
	Source string
	// Partition is the subscription's partition (Count 0: the whole
	// source). A feed may deliver the other partitions' records too: the
	// runtime acknowledges them unprocessed.
	Partition Partition
	// Checkpoint is the subscription's checkpoint: a feed made for the
	// first time starts after it, so that switching a running
	// subscription from the checkpoint path neither replays nor skips.
	Checkpoint int64
	// MaxInFlight is the most records the runtime holds unfinished; the
	// feed should not hand out more unacknowledged ones (back-pressure).
	MaxInFlight int
	// MaxRetryAttempts is the subscription's retries after defaults (-1:
	// until the record expires), so that the feed can bound redeliveries
	// above them.
	MaxRetryAttempts int
}

// Feed is one subscription's source of deliveries.
type Feed interface {
	// Fetch calls each with up to max deliveries, in the order the feed
	// has them, as they arrive, waiting a short while (the feed's choice,
	// under a second) for the first; it returns how many it handed out.
	// It returns 0 and no error when none came. each must not block.
	Fetch(ctx context.Context, max int, each func(Delivery)) (int, error)
	// KeepAlive is how often InProgress must be called on a delivery the
	// runtime still holds, so that the feed does not give it to another
	// process meanwhile (a third of the ack wait, say).
	KeepAlive() time.Duration
	// Stats describes the feed for the subscription's Stats; it must not
	// block (a cached view).
	Stats() *FeedStats
	// Close releases the feed; deliveries not acknowledged are delivered
	// again later, to this process or another.
	Close() error
}

// Delivery is one record handed out by a Feed.
type Delivery struct {
	// Record is the record delivered.
	Record *doctales.LogRecord
	// Delivered is how many times the feed has delivered it, this time
	// included (1 the first time): a record delivered again after its
	// process died keeps counting its attempts.
	Delivered int
	// Ack tells the feed the record is finished (done, filtered, another
	// partition's or dead-lettered): it is not delivered again.
	Ack func(ctx context.Context) error
	// InProgress tells the feed the record is still held (waiting for a
	// retry, queued behind its key's earlier records), so that it is not
	// delivered again meanwhile.
	InProgress func(ctx context.Context) error
}

// FeedStats are a feed's figures as the server keeps them, in Stats.
type FeedStats struct {
	// Consumer names the feed on its server (a JetStream consumer).
	Consumer string `json:"consumer"`
	// Pending is how many records wait for their first delivery.
	Pending int64 `json:"pending"`
	// AckPending is how many were delivered and not yet acknowledged.
	AckPending int64 `json:"ackPending"`
	// Redelivered is how many of those were delivered more than once.
	Redelivered int64 `json:"redelivered"`
	// AckFloor is the stream sequence below which every record is
	// acknowledged.
	AckFloor int64 `json:"ackFloor"`
	// Pinned reports whether this process is the one the server delivers
	// to, when the feed keeps one process per partition.
	Pinned *bool `json:"pinned,omitempty"`
}

// held is a delivery the runtime holds: queued, in an invocation or
// waiting for a retry.
type held struct {
	d  Delivery
	at time.Time // the record's time, for IteratorAge
}

// feedLoop is readLoop for a subscription on a feed: it fetches
// deliveries and hands them to the workers, until ctx ends.
func (s *sub) feedLoop(ctx context.Context) {
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		n, err := s.feed.Fetch(ctx, DefaultReadLimit, func(d Delivery) { s.dispatch(ctx, d) })
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			var ok bool
			if backoff, ok = s.pauseAfterError(ctx, backoff, "fetch from feed", err); !ok {
				return
			}
			continue
		}
		backoff = 0
		if n == 0 {
			s.mu.Lock()
			s.lastRead = s.rt.Now()
			s.mu.Unlock()
		}
	}
}

// dispatch takes one delivery as poll takes a record read: skipped when
// targeted at another subscription, another partition's or filtered out
// (each acknowledged at once), else queued on its key's worker.
func (s *sub) dispatch(ctx context.Context, d Delivery) {
	rec := d.Record
	s.mu.Lock()
	if h, ok := s.held[rec.Seq]; ok {
		// Delivered again while held (a keep-alive came too late): keep
		// the one in flight, answer with the newer handle.
		h.d = d
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	// Bound the records in flight: the feed's own bound (MaxAckPending)
	// is the same, so this does not wait in practice.
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return
	}
	s.mu.Lock()
	s.held[rec.Seq] = &held{d: d, at: rec.Time}
	s.mu.Unlock()
	s.read.Add(1)
	switch {
	case rec.Target != "" && rec.Target != s.cfg.Name:
		s.finish(rec.Seq)
		return
	case !s.cfg.Partition.Has(rec.Key):
		s.otherPartitions.Add(1)
		s.finish(rec.Seq)
		return
	case !s.matches(rec):
		s.filtered.Add(1)
		s.rt.Observer.RecordOutcome(s.cfg.Name, rec, Outcome{Kind: OutcomeFiltered})
		if s.rt.Logger.Enabled(ctx, slog.LevelDebug) {
			s.logger().Debug("record filtered out", "seq", rec.Seq, "key", rec.Key)
		}
		s.finish(rec.Seq)
		return
	}
	// A record delivered again after its process died keeps counting:
	// each earlier delivery was an attempt that did not finish.
	it := &item{rec: rec, attempts: max(d.Delivered-1, 0)}
	q := s.shards[shard(rec.Key, len(s.shards))]
	select {
	case q <- it:
	case <-ctx.Done():
	}
}

// finishFeed acknowledges seq's delivery and forgets it.
func (s *sub) finishFeed(seq int64) {
	s.mu.Lock()
	h := s.held[seq]
	delete(s.held, seq)
	s.mu.Unlock()
	if h == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	if err := h.d.Ack(ctx); err != nil {
		// Not finished as far as the feed knows: it is delivered again
		// after its ack wait, and done again (handlers are idempotent).
		s.logger().Warn("acknowledge delivery", "seq", seq, "error", err)
	}
	cancel()
	<-s.slots
}

// keepAlive calls InProgress on every held delivery each KeepAlive, so
// that a record waiting for its retry or behind its key's earlier records
// is not delivered to another process meanwhile.
func (s *sub) keepAlive(ctx context.Context) {
	every := s.feed.KeepAlive()
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		ds := make([]Delivery, 0, len(s.held))
		for _, h := range s.held {
			ds = append(ds, h.d)
		}
		s.mu.Unlock()
		var errs []error
		for _, d := range ds {
			if err := d.InProgress(ctx); err != nil && ctx.Err() == nil {
				errs = append(errs, err)
			}
		}
		if err := errors.Join(errs...); err != nil {
			s.logger().Warn("keep deliveries in progress", "failed", len(errs), "held", len(ds), "error", errs[0])
		}
	}
}
