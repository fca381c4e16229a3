package main

import (
	"context"
	"fmt"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/analytics"
	"github.com/doctales/doctales/runtime"
)

// analyticsSubscription returns the subscription that keeps the aggregate
// tables behind GET /analytics/... and the dashboard's Visualizer and
// Connector (issue 12, item 5): every change of the table, in order (one
// worker), reduced to facts by package analytics and applied by the
// table. It starts where it stopped (at the log's start the first time)
// and retries a failed batch whole until it succeeds or expires, which is
// safe because applying is idempotent.
func (p *Pipeline) analyticsSubscription() runtime.Subscription {
	return runtime.Subscription{
		Name:        analytics.SubscriptionName,
		Source:      doctales.SourceDynamoDB,
		BatchSize:   100,
		Concurrency: 1,
		Handler:     runtime.DynamoDBHandler((&analytics.Consumer{Store: p.DB}).Handle),
	}
}

// backfillAnalytics fills the aggregate tables from the stored items when
// they hold no fact yet (the first start after migration 0170): items
// older than the change log's horizon would otherwise never be counted. It
// runs before the runtime starts, so no record is applied meanwhile; the
// subscription then replays what the log still holds, which ends at each
// item's latest state again.
func (p *Pipeline) backfillAnalytics(ctx context.Context) error {
	empty, err := p.DB.AnalyticsEmpty(ctx)
	if err != nil || !empty {
		return err
	}
	start := time.Now()
	f := doctales.ItemFilter{Limit: doctales.MaxPageSize}
	n := 0
	for {
		items, next, err := p.DB.FindItems(ctx, f)
		if err != nil {
			return fmt.Errorf("analytics backfill: %w", err)
		}
		changes := make([]doctales.AnalyticsChange, 0, len(items))
		for _, it := range items {
			fact := analytics.FactOf(it)
			changes = append(changes, doctales.AnalyticsChange{ID: it.ID, Owner: fact.Owner, Fact: fact})
		}
		if err := p.DB.ApplyFacts(ctx, changes); err != nil {
			return fmt.Errorf("analytics backfill: %w", err)
		}
		n += len(items)
		if next == "" {
			break
		}
		f.Cursor = next
	}
	if n > 0 {
		p.Logger.Info("analytics filled from the stored items", "items", n, "took", time.Since(start).Round(time.Millisecond).String())
	}
	return nil
}
