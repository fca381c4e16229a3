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
// safe because applying is idempotent. Its tables are in analytics.db
// (Pipeline.AnalyticsDB), apart from the pipeline's writer.
func (p *Pipeline) analyticsSubscription() runtime.Subscription {
	return runtime.Subscription{
		Name:        analytics.SubscriptionName,
		Source:      doctales.SourceDynamoDB,
		BatchSize:   100,
		Concurrency: 1,
		Handler:     runtime.DynamoDBHandler((&analytics.Consumer{Store: p.AnalyticsDB}).Handle),
		Yield:       p.analyticsYield(),
	}
}

// analyticsYield makes the consumer wait during an ingest burst, as
// extraction does (yieldAbove, yieldPause): the aggregates catch up after.
func (p *Pipeline) analyticsYield() func() time.Duration {
	if p.Config.YieldAbove < 0 {
		return nil
	}
	above, pause := p.Config.YieldAbove, p.Config.YieldPause
	if above == 0 {
		above = DefaultYieldAbove
	}
	if pause == 0 {
		pause = DefaultYieldPause
	}
	return p.meter.yield(above, pause)
}

// startAnalyticsBackfill fills the aggregate tables from the stored items
// when they hold no fact yet (the first start after migration 0170): items
// older than the change log's horizon would otherwise never be counted. It
// runs in the background beside the consumer, so the server answers at
// once; it writes only the facts of communications the consumer has not
// reached (sqlite.DB.FillFacts), so a newer state is never overwritten.
// Close stops it and waits.
//
// analyticsNeedBackfill says whether to: it must be asked before the
// runtime starts, while no record can have been applied.
func (p *Pipeline) analyticsNeedBackfill() (bool, error) {
	empty, err := p.AnalyticsDB.AnalyticsEmpty(context.Background())
	if err != nil || !empty {
		return false, err
	}
	page, _, err := p.DB.FindItems(context.Background(), doctales.ItemFilter{Limit: 1})
	return len(page) > 0, err
}

func (p *Pipeline) startAnalyticsBackfill() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		n, err := p.backfillAnalytics(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			p.Logger.Error("analytics backfill stopped; the aggregates count what the change stream brings", "items", n, "err", err)
		case err == nil && n > 0:
			p.Logger.Info("analytics filled from the stored items", "items", n)
		}
	}()
	p.analyticsStop = func() { cancel(); <-done }
}

// backfillAnalytics reads every stored item, page by page, and fills the
// facts of those that have none; it returns how many items it read.
func (p *Pipeline) backfillAnalytics(ctx context.Context) (int, error) {
	f := doctales.ItemFilter{Limit: 500}
	n := 0
	for {
		items, next, err := p.DB.FindItems(ctx, f)
		if err != nil {
			return n, fmt.Errorf("analytics backfill: %w", err)
		}
		changes := make([]doctales.AnalyticsChange, 0, len(items))
		for _, it := range items {
			fact := analytics.FactOf(it)
			changes = append(changes, doctales.AnalyticsChange{ID: it.ID, Owner: fact.Owner, Fact: fact})
		}
		if err := p.AnalyticsDB.FillFacts(ctx, changes); err != nil {
			return n, fmt.Errorf("analytics backfill: %w", err)
		}
		n += len(items)
		if next == "" {
			return n, nil
		}
		f.Cursor = next
	}
}
