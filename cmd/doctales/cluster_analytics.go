package main

import (
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
