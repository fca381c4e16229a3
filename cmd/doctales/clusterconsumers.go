package main

import (
	"context"
	"errors"
	"time"

	"github.com/doctales/doctales"
	dtnats "github.com/doctales/doctales/nats"
	"github.com/doctales/doctales/runtime"
)

// natsFeeds gives the runtime's subscriptions JetStream durable pull
// consumers (natsConsumers: durable; docs/cluster.md, "Durable
// consumers"): one per subscription and partition, started at the
// subscription's checkpoint when made, AckWait natsAckWait with
// nats.DefaultBackOff, MaxDeliver the subscription's retries and
// nats.DefaultExtraDeliveries, MaxAckPending the runtime's in-flight
// bound, one pinned process per partition.
type natsFeeds struct {
	log     *dtnats.Log
	ackWait time.Duration // 0: nats.DefaultAckWait
}

var _ runtime.Feeds = (*natsFeeds)(nil)

// OpenFeed makes or updates spec's consumer.
func (f *natsFeeds) OpenFeed(ctx context.Context, spec runtime.FeedSpec) (runtime.Feed, error) {
	ack := f.ackWait
	if ack == 0 {
		ack = dtnats.DefaultAckWait
	}
	c, err := f.log.Consumer(ctx, dtnats.ConsumerOptions{
		Subscription: spec.Name, Source: spec.Source,
		Index: spec.Partition.Index, Count: spec.Partition.Count,
		StartAfter: spec.Checkpoint, Checkpoint: spec.CheckpointName,
		AckWait: ack, BackOff: dtnats.DefaultBackOff(ack),
		MaxDeliver:    dtnats.MaxDeliverFor(spec.MaxRetryAttempts),
		MaxAckPending: spec.MaxInFlight,
	})
	if err != nil {
		return nil, err
	}
	return &natsFeed{c: c}, nil
}

// natsFeed is one subscription's consumer as a runtime.Feed.
type natsFeed struct{ c *dtnats.Consumer }

func (f *natsFeed) Fetch(ctx context.Context, max int, each func(runtime.Delivery)) (int, error) {
	return f.c.Fetch(ctx, max, func(d *dtnats.Delivery) {
		each(runtime.Delivery{Record: d.Record, Delivered: d.Delivered, Ack: d.Ack, InProgress: d.InProgress})
	})
}

func (f *natsFeed) KeepAlive() time.Duration { return f.c.KeepAlive() }

func (f *natsFeed) Stats() *runtime.FeedStats {
	info, pinned := f.c.Info()
	st := &runtime.FeedStats{Consumer: f.c.Name(), Pinned: &pinned}
	if info != nil {
		st.Pending, st.AckPending, st.Redelivered = int64(info.NumPending), int64(info.NumAckPending), int64(info.NumRedelivered)
		st.AckFloor = int64(info.AckFloor.Stream)
		if len(info.Config.PriorityGroups) == 0 {
			st.Pinned = nil
		}
	}
	return st
}

func (f *natsFeed) Close() error { return f.c.Close() }

// openMaxDeliveries starts turning the max-deliveries advisories of the
// cluster's consumers into dead letters in PostgreSQL, each recorded as
// the runtime records its own (metrics, flow history, the item marked
// failed for an extraction).
func (c *Cluster) openMaxDeliveries(ctx context.Context) error {
	c.MaxDeliveries = &dtnats.MaxDeliveries{Log: c.NATS, DeadLetters: c.PG,
		Logger: c.Logger.With(LogKeyComponent, "deadletters"),
		OnDeadLetter: func(dl *doctales.DeadLetter) {
			rec := &doctales.LogRecord{Seq: dl.Seq, Source: dl.Source, Key: dl.Key, Data: dl.Record, Time: dl.FirstAttempt}
			c.Runtime.Observer.RecordOutcome(dl.Subscription, rec, runtime.Outcome{Kind: runtime.OutcomeDeadLettered,
				Attempt: dl.Attempts, Err: errors.New(dl.Error), Reason: dl.Reason})
			c.onDeadLetter(dl)
		}}
	return c.MaxDeliveries.Open(ctx)
}
