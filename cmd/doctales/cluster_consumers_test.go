package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	dtnats "github.com/doctales/doctales/nats"
	"github.com/doctales/doctales/runtime"
)

// TestCluster_MaxDeliveriesDeadLetter: with natsConsumers: durable, two
// notification workers listen for JetStream's max-deliveries advisories.
// A record its consumer delivered MaxDeliver times without an
// acknowledgement (here a consumer the test holds, as a worker that died
// with the record each time) becomes one dead letter in PostgreSQL, of
// the consumer's subscription, with the record and a reason naming the
// advisory.
func TestCluster_MaxDeliveriesDeadLetter(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	env.appendConfig(t, "natsConsumers: durable\n")
	env.start(t, "notification-0", RoleNotification, "--partition", "0/2")
	env.start(t, "notification-1", RoleNotification, "--partition", "1/2")
	db := clusterDB(t, env.Postgres)

	ctx := context.Background()
	l, err := dtnats.Open(ctx, env.NATS, dtnats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := l.Consumer(ctx, dtnats.ConsumerOptions{Subscription: "probe", Source: doctales.SourceS3,
		AckWait: time.Second, MaxDeliver: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	poison := &doctales.LogRecord{Source: doctales.SourceS3, Key: "poison.eml", Data: []byte(`{"Records":[]}`)}
	if err := l.Append(ctx, poison); err != nil {
		t.Fatal(err)
	}
	// Delivered, never acknowledged, until JetStream gives it up (a pull
	// after its last ack wait).
	deliveries := 0
	var dls []*doctales.DeadLetter
	waitCond(t, 30*time.Second, func() string { return fmt.Sprintf("%d deliveries, dead letters %+v", deliveries, dls) }, func() bool {
		if _, err := c.Fetch(ctx, 10, func(*dtnats.Delivery) { deliveries++ }); err != nil {
			t.Fatal(err)
		}
		dls, err = db.DeadLetters(ctx, "probe", 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(dls) > 0
	})
	waitCond(t, 15*time.Second, func() string { return "advisories still waiting" }, func() bool {
		n, err := l.AdvisoriesWaiting(ctx)
		return err == nil && n == 0
	})
	if dls, err = db.DeadLetters(ctx, "", 10); err != nil {
		t.Fatal(err)
	}
	if len(dls) != 1 || deliveries != 2 {
		t.Fatalf("%d dead letters after %d deliveries: %+v, want 1 after 2", len(dls), deliveries, dls)
	}
	dl := dls[0]
	if dl.Subscription != "probe" || dl.Seq != poison.Seq || dl.Key != "poison.eml" || string(dl.Record) != `{"Records":[]}` ||
		!strings.Contains(dl.Reason, "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.DOCTALES.probe") {
		t.Fatalf("dead letter %+v", dl)
	}
}

// BenchmarkCluster_Consumers: accepted/s and end-to-end extraction/s of a
// cluster (API, N extraction workers as partitions i/N, one notification
// worker) with 1 and 2 extraction workers, the subscriptions reading
// JetStream after checkpoints (natsConsumers: checkpoint) and on durable
// consumers (natsConsumers: durable), one after the other in one run
// (docs/cluster.md, "Durable consumers"):
//
//	go test -run '^$' -bench 'BenchmarkCluster_Consumers' -benchtime 1x -count 3 ./cmd/doctales/
func BenchmarkCluster_Consumers(b *testing.B) {
	n := scalingN()
	for _, workers := range []int{1, 2} {
		for _, mode := range []string{NATSConsumersCheckpoint, NATSConsumersDurable} {
			b.Run(fmt.Sprintf("%d-extraction-%s", workers, mode), func(b *testing.B) {
				hook := newHookReceiver(b)
				env := newClusterEnv(b, hook.URL)
				env.appendConfig(b, "natsConsumers: "+mode+"\n")
				api, urls := startScalingCluster(b, env, workers)
				measureThroughput(b, api, urls, n)
			})
		}
	}
}

// TestProcessFigures_Consumers: status's table names each durable
// consumer of a process with its pending, ack-pending and redelivered
// counts, and says when the process stands by.
func TestProcessFigures_Consumers(t *testing.T) {
	no := false
	st := &processStats{Subscriptions: []runtime.Stats{
		{Name: "extraction", Feed: &runtime.FeedStats{Consumer: "extraction-1of2", Pending: 3, AckPending: 1, Redelivered: 2, Pinned: &no}},
		{Name: "other"}}}
	f := figures(st, st, 0)
	if len(f.Consumers) != 1 {
		t.Fatalf("consumers %+v", f.Consumers)
	}
	var b strings.Builder
	if err := writeProcesses(&b, []ProcessStatus{{Role: RoleExtraction, Partition: "1/2", Address: "w:1", State: "running", Stats: f}}); err != nil {
		t.Fatal(err)
	}
	if want := "consumer extraction-1of2: pending 3, ack pending 1, redelivered 2, standby"; !strings.Contains(b.String(), want) {
		t.Fatalf("the table lacks %q:\n%s", want, b.String())
	}
}
