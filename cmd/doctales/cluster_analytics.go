package main

import (
	"context"
	"fmt"
	"maps"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/analytics"
	"github.com/doctales/doctales/runtime"
)

// analyticsSubscription returns the subscription that keeps the aggregate
// tables behind GET /analytics/... in PostgreSQL (postgres/analytics.go),
// run by the notification processes of a cluster (and `all`): like the
// notification subscription, it reads the table's change stream from the
// shared log (JetStream, where the elected relay copies the outbox; the
// PostgreSQL log without --nats), and it is partitioned the same way by
// --partition, each process applying its own communications' facts. That
// is safe because ApplyFacts recomputes each shared bucket (a day, a
// person) under a lock of its own: two processes never lose each other's
// counts. The extraction role was not chosen because it reads the
// objects' events, not the change stream, and the api processes are not
// partitioned, so each would apply every change. Every api process reads
// the tables (Handler.Analytics), scoped to the caller's owner.
//
// One batch of up to 100 records is applied at a time, in order (per key
// across partitions); a failed batch is retried whole, which is safe
// because applying is idempotent.
func (c *Cluster) analyticsSubscription() runtime.Subscription {
	return runtime.Subscription{
		Name:        analytics.SubscriptionName,
		Source:      doctales.SourceDynamoDB,
		BatchSize:   100,
		Concurrency: 1,
		Handler:     runtime.DynamoDBHandler((&analytics.Consumer{Store: c.PG}).Handle),
	}
}

// journalSkip are the subscriptions whose outcomes the cluster's flow
// history does not record: the api processes' live views, and the
// analytics subscription, which would add a step to every communication's
// trace for each of its changes (the embedded mode skips it too).
var journalSkip = func() map[string]bool {
	m := maps.Clone(liveSubscriptions)
	m[analytics.SubscriptionName] = true
	return m
}()

// analyticsFill is the fill of the aggregate tables from the stored items
// running in the background (startAnalyticsFill).
type analyticsFill struct {
	stop context.CancelFunc
	done chan struct{}
}

// analyticsFillPage is how many items one step of the fill reads and
// applies (one transaction).
const analyticsFillPage = 500

// startAnalyticsFill fills the aggregate tables from the stored items,
// once per database, in the background: the analytics subscription counts
// what the log still holds, and items older than its horizon (a cluster
// that ran before this subscription existed, a compacted log) would
// otherwise never be counted. The notification process of partition 0
// (or the unpartitioned one, or `all`) does it at each start until one
// fill has finished (postgres.DB.MarkAnalyticsFilled); it writes only the
// facts of communications that have none (FillFacts), so a fact the
// subscription wrote from a newer record is never overwritten, and a
// second fill at once (two processes of partition 0) does no harm.
func (c *Cluster) startAnalyticsFill() {
	if !c.has(RoleNotification) || c.Partition.Index != 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	fill := &analyticsFill{stop: cancel, done: make(chan struct{})}
	c.analyticsFill = fill
	go func() {
		defer close(fill.done)
		n, err := c.fillAnalytics(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			c.Logger.Error("analytics fill stopped; the aggregates count what the log brings, and the next start tries again", "items", n, "err", err)
		case err == nil && n > 0:
			c.Logger.Info("analytics filled from the stored items", "items", n)
		}
	}()
}

// stopAnalyticsFill stops the fill and waits for it; a fill stopped before
// its end is done again at the next start.
func (c *Cluster) stopAnalyticsFill() {
	if c.analyticsFill != nil {
		c.analyticsFill.stop()
		<-c.analyticsFill.done
		c.analyticsFill = nil
	}
}

// fillAnalytics reads every stored item, of every owner, page by page, and
// fills the facts of those that have none; it returns how many items it
// read (0 when a fill had finished before).
func (c *Cluster) fillAnalytics(ctx context.Context) (int, error) {
	filled, err := c.PG.AnalyticsFilled(ctx)
	if err != nil || filled {
		return 0, err
	}
	f := doctales.ItemFilter{Limit: analyticsFillPage}
	n := 0
	for {
		items, next, err := c.PG.FindItems(ctx, f)
		if err != nil {
			return n, fmt.Errorf("analytics fill: %w", err)
		}
		changes := make([]doctales.AnalyticsChange, 0, len(items))
		for _, it := range items {
			fact := analytics.FactOf(it)
			changes = append(changes, doctales.AnalyticsChange{ID: it.ID, Owner: fact.Owner, Fact: fact})
		}
		if err := c.PG.FillFacts(ctx, changes); err != nil {
			return n, fmt.Errorf("analytics fill: %w", err)
		}
		n += len(items)
		if next == "" {
			return n, c.PG.MarkAnalyticsFilled(ctx)
		}
		f.Cursor = next
	}
}
