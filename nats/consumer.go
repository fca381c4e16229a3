package nats

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/bits"
	"sync"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/doctales/doctales"
)

// Defaults of ConsumerOptions. Each is what a zero field means.
const (
	// DefaultAckWait is how long JetStream waits for a delivery's
	// acknowledgement (or its InProgress) before it delivers the record
	// again: JetStream's own default. The runtime calls InProgress every
	// third of it on every record it holds, so only a process that died
	// or froze lets it run out.
	DefaultAckWait = 30 * time.Second
	// DefaultExtraDeliveries is what MaxDeliver adds to a subscription's
	// retries (and its first attempt): deliveries lost to a process that
	// died holding the record. A record that ends its process every time
	// (it makes it crash, or run out of memory) is delivered that many
	// more times and then given up by JetStream, whose max-deliveries
	// advisory makes it a dead letter (MaxDeliveries).
	DefaultExtraDeliveries = 3
	// DefaultMaxDeliverUnbounded is MaxDeliver for a subscription that
	// retries until the record expires (-1): its in-process retries do
	// not count deliveries, so this bounds only the crashes.
	DefaultMaxDeliverUnbounded = 10
	// DefaultMaxAckPending is the most records one consumer has
	// delivered and not yet seen acknowledged, when not given.
	DefaultMaxAckPending = 1000
	// DefaultPinnedTTL is how long a partition's pinned process may go
	// without asking for records before JetStream pins another
	// (priority group, pinned_client): how soon a standby takes over
	// from a process that died.
	DefaultPinnedTTL = 5 * time.Second
	// DefaultFetchWait is how long one Fetch waits for records.
	DefaultFetchWait = 500 * time.Millisecond
	// PriorityGroup is the priority group every process of a partition
	// asks in, so that JetStream delivers to one of them at a time.
	PriorityGroup = "doctales"
	// MetaSubscription and MetaSource are the consumer's metadata keys
	// naming the subscription and source it serves, read back by
	// MaxDeliveries to make a dead letter of an advisory.
	MetaSubscription = "doctales_subscription"
	MetaSource       = "doctales_source"
)

// ConsumerOptions configure a durable pull consumer of the stream for one
// subscription and partition (Log.Consumer).
type ConsumerOptions struct {
	// Subscription is the runtime subscription's name. Required.
	Subscription string
	// Source is the log source it reads ("" every source).
	Source string
	// Index and Count are its partition (Count 0 or 1: the whole
	// source). For a Count that is a power of two up to
	// SubjectPartitions the consumer filters the partition's subjects;
	// otherwise it takes the whole source and the runtime skips the
	// others' records.
	Index, Count int
	// StartAfter is where a consumer created now starts: after this
	// stream sequence (the subscription's checkpoint). An existing
	// consumer keeps its position.
	StartAfter int64
	// AckWait is the ack wait of a first delivery. Default
	// DefaultAckWait; at least 1s.
	AckWait time.Duration
	// BackOff are the ack waits of the later deliveries (JetStream's
	// BackOff applies its list as the ack wait of each delivery, the
	// last one for the rest); none means AckWait for every delivery.
	// Each at least AckWait.
	BackOff []time.Duration
	// MaxDeliver is how many times a record is delivered before
	// JetStream gives it up and sends its max-deliveries advisory.
	// Default DefaultMaxDeliverUnbounded; see MaxDeliverFor.
	MaxDeliver int
	// MaxAckPending bounds the records delivered and not acknowledged:
	// the runtime's in-flight bound, so that the server holds back what
	// the process could not take. Default DefaultMaxAckPending.
	MaxAckPending int
	// Unpinned lets every process of the partition take records at once
	// (no priority group). By default one process is pinned and the
	// others stand by, so that a key's records go to one process.
	Unpinned bool
	// PinnedTTL is DefaultPinnedTTL when 0.
	PinnedTTL time.Duration
	// FetchWait is DefaultFetchWait when 0.
	FetchWait time.Duration
	// Checkpoint, if set, is the checkpoint (as Log.SetCheckpoint names
	// it) where the consumer's ack floor is written each second it
	// moved, so that `doctales status` and a switch back to the
	// checkpoint path find where the consumer is.
	Checkpoint string
}

// DefaultBackOff is the ack waits of a record's later deliveries for a
// first ack wait of ackWait: twice, then four times it. A record whose
// process keeps dying is given to the next one more slowly.
func DefaultBackOff(ackWait time.Duration) []time.Duration {
	return []time.Duration{2 * ackWait, 4 * ackWait}
}

// MaxDeliverFor is MaxDeliver for a subscription with retries retries
// (-1: until the record expires): its first attempt, its retries and
// DefaultExtraDeliveries.
func MaxDeliverFor(retries int) int {
	if retries < 0 {
		return DefaultMaxDeliverUnbounded
	}
	return retries + 1 + DefaultExtraDeliveries
}

var consumerTokenRE = lazyRE(`[^A-Za-z0-9_-]`)

// ConsumerName is the durable consumer of subscription name, partition
// index of count: the name itself, "<name>-<i>of<n>" when partitioned. A
// name with other characters than A-Z a-z 0-9 _ - (topic/webhook-1) has
// them replaced by _ and a hash of the name added, so that two names do
// not meet.
func ConsumerName(name string, index, count int) string {
	n := consumerTokenRE().ReplaceAllString(name, "_")
	if n != name || len(n) > 64 {
		h := fnv.New32a()
		h.Write([]byte(name))
		n = fmt.Sprintf("%s-%08x", n[:min(len(n), 64)], h.Sum32())
	}
	if count > 1 {
		n += fmt.Sprintf("-%dof%d", index, count)
	}
	return n
}

// Validate reports the first setting out of range, naming the field.
func (o ConsumerOptions) Validate() error {
	switch {
	case o.Subscription == "":
		return doctales.FieldErrorf(doctales.EINVALID, "Subscription", "consumer: subscription name required")
	case len(o.Subscription) > MaxCheckpointNameBytes:
		return doctales.FieldErrorf(doctales.EINVALID, "Subscription", "consumer: subscription name is %d bytes; the limit is %d", len(o.Subscription), MaxCheckpointNameBytes)
	case o.Count < 0 || (o.Count > 1 && (o.Index < 0 || o.Index >= o.Count)):
		return doctales.FieldErrorf(doctales.EINVALID, "Index", "consumer %q: partition %d of %d is out of range", o.Subscription, o.Index, o.Count)
	case o.StartAfter < 0:
		return doctales.FieldErrorf(doctales.EINVALID, "StartAfter", "consumer %q: start after %d is negative", o.Subscription, o.StartAfter)
	case o.AckWait != 0 && o.AckWait < time.Second:
		return doctales.FieldErrorf(doctales.EINVALID, "AckWait", "consumer %q: ack wait %s is under 1s", o.Subscription, o.AckWait)
	case o.MaxDeliver < 0 || o.MaxDeliver == 1:
		return doctales.FieldErrorf(doctales.EINVALID, "MaxDeliver", "consumer %q: max deliver %d: give at least 2 (0: the default)", o.Subscription, o.MaxDeliver)
	case o.MaxAckPending < 0:
		return doctales.FieldErrorf(doctales.EINVALID, "MaxAckPending", "consumer %q: max ack pending %d is negative", o.Subscription, o.MaxAckPending)
	case o.PinnedTTL < 0 || o.FetchWait < 0:
		return doctales.FieldErrorf(doctales.EINVALID, "PinnedTTL", "consumer %q: pinned TTL %s and fetch wait %s must not be negative", o.Subscription, o.PinnedTTL, o.FetchWait)
	}
	ack := o.AckWait
	if ack == 0 {
		ack = DefaultAckWait
	}
	for i, b := range o.BackOff {
		if b < ack {
			return doctales.FieldErrorf(doctales.EINVALID, "BackOff", "consumer %q: back-off %d is %s, under the ack wait %s", o.Subscription, i, b, ack)
		}
	}
	return nil
}

// Consumer is a durable pull consumer of the log's stream for one
// subscription and partition, made by Log.Consumer. It is safe for
// concurrent use; Close stops its background refresh (the consumer stays
// on the server, with what it delivered and what was acknowledged).
type Consumer struct {
	log  *Log
	name string
	opts ConsumerOptions
	cons jetstream.Consumer
	keep time.Duration // KeepAlive

	mu     sync.Mutex
	pinID  string                  // the pin JetStream gave this client, "" none
	info   *jetstream.ConsumerInfo // refreshed in the background
	stop   context.CancelFunc
	done   chan struct{}
	closed bool
}

// Consumer creates, or finds and updates, the durable consumer of o: one
// per subscription and partition (ConsumerName), explicit acks, the
// source's (and partition's) subjects, AckWait with BackOff, MaxDeliver,
// MaxAckPending and, unless Unpinned, a priority group whose pinned
// client alone is delivered to. A consumer created now starts after
// StartAfter; one that exists keeps its position and takes the other
// settings. It also makes sure the stream of max-deliveries advisories
// exists (MaxDeliveries), so that none is lost while no process listens.
func (l *Log) Consumer(ctx context.Context, o ConsumerOptions) (*Consumer, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.AckWait == 0 {
		o.AckWait = DefaultAckWait
	}
	if o.MaxDeliver == 0 {
		o.MaxDeliver = DefaultMaxDeliverUnbounded
	}
	if o.MaxAckPending == 0 {
		o.MaxAckPending = DefaultMaxAckPending
	}
	if o.PinnedTTL == 0 {
		o.PinnedTTL = DefaultPinnedTTL
	}
	if o.FetchWait == 0 {
		o.FetchWait = DefaultFetchWait
	}
	if o.Count <= 1 {
		o.Index, o.Count = 0, 0
	}
	if len(o.BackOff) > 0 && len(o.BackOff)+1 > o.MaxDeliver {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "BackOff", "consumer %q: %d back-offs need a max deliver of at least %d, not %d", o.Subscription, len(o.BackOff), len(o.BackOff)+1, o.MaxDeliver)
	}
	ctx, cancel := l.bound(ctx)
	defer cancel()
	if err := l.ensureAdvisories(ctx); err != nil {
		return nil, err
	}
	name := ConsumerName(o.Subscription, o.Index, o.Count)
	cfg := jetstream.ConsumerConfig{
		Durable:        name,
		Description:    fmt.Sprintf("Doc-Tales subscription %q", o.Subscription),
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        o.AckWait,
		MaxDeliver:     o.MaxDeliver,
		MaxAckPending:  o.MaxAckPending,
		FilterSubjects: []string{l.consumerFilter(o.Source, o.Index, o.Count)},
		Replicas:       l.opts.Replicas,
		Metadata:       map[string]string{MetaSubscription: o.Subscription, MetaSource: o.Source},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	}
	if len(o.BackOff) > 0 {
		// JetStream's BackOff is the ack wait of each delivery: the first
		// is AckWait.
		cfg.BackOff = append([]time.Duration{o.AckWait}, o.BackOff...)
	}
	if !o.Unpinned {
		cfg.PriorityPolicy = jetstream.PriorityPolicyPinned
		cfg.PriorityGroups = []string{PriorityGroup}
		cfg.PinnedTTL = o.PinnedTTL
	}
	if o.StartAfter > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, uint64(o.StartAfter)+1
	}
	cons, err := l.putConsumer(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("consumer %q of stream %q: %w", name, l.opts.Stream, err)
	}
	c := &Consumer{log: l, name: name, opts: o, cons: cons, keep: o.AckWait / 3, done: make(chan struct{})}
	c.info = cons.CachedInfo()
	rctx, stop := context.WithCancel(context.Background())
	c.stop = stop
	go c.refresh(rctx)
	return c, nil
}

// putConsumer creates cfg's consumer, or updates the one that exists
// with cfg's settings but its start, which JetStream keeps.
func (l *Log) putConsumer(ctx context.Context, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	for range 3 {
		old, err := l.js.Consumer(ctx, l.opts.Stream, cfg.Durable)
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			c, err := l.js.CreateConsumer(ctx, l.opts.Stream, cfg)
			if errors.Is(err, jetstream.ErrConsumerExists) {
				continue // another process made it first: update it
			}
			return c, err
		} else if err != nil {
			return nil, err
		}
		prev := old.CachedInfo().Config
		cfg.DeliverPolicy, cfg.OptStartSeq, cfg.OptStartTime = prev.DeliverPolicy, prev.OptStartSeq, prev.OptStartTime
		return l.js.UpdateConsumer(ctx, l.opts.Stream, cfg)
	}
	return nil, errors.New("created and deleted by others three times in a row")
}

// consumerFilter is the subjects of source's partition index of count:
// the partition's wildcard (as ReadPartition) when count is a power of
// two up to SubjectPartitions, else the whole source.
func (l *Log) consumerFilter(source string, index, count int) string {
	tok := "*"
	if source != "" {
		tok = sourceToken(source)
	}
	P := l.opts.SubjectPartitions
	if count < 2 || count > P || count&(count-1) != 0 {
		return l.opts.SubjectPrefix + "." + tok + ".>"
	}
	f := l.opts.SubjectPrefix + "." + tok + "." + partitionBits(index, bits.Len(uint(count))-1)
	if count < P {
		f += ".>"
	}
	return f
}

// Name is the consumer's name on the server.
func (c *Consumer) Name() string { return c.name }

// KeepAlive is how often a held delivery's InProgress must be called: a
// third of AckWait.
func (c *Consumer) KeepAlive() time.Duration { return c.keep }

// Delivery is one record delivered by a Consumer.
type Delivery struct {
	// Record is the record, as ReadLog returns it.
	Record *doctales.LogRecord
	// Delivered counts its deliveries, this one included.
	Delivered int
	msg       jetstream.Msg
}

// Ack acknowledges the delivery: the record is not delivered again.
func (d *Delivery) Ack(ctx context.Context) error { return d.msg.Ack() }

// InProgress resets the delivery's ack wait.
func (d *Delivery) InProgress(ctx context.Context) error { return d.msg.InProgress() }

// Term tells JetStream never to deliver the record again, without the
// max-deliveries advisory.
func (d *Delivery) Term() error { return d.msg.Term() }

// Fetch asks for up to max records and calls each with every delivery as
// it arrives, waiting up to FetchWait; it returns how many. A process
// that is not the partition's pinned one gets none (it stands by) until
// JetStream pins it, PinnedTTL after the pinned one stopped asking. A
// message that is not a record (published by another tool under the
// stream's subjects) is terminated and logged, not handed out.
func (c *Consumer) Fetch(ctx context.Context, max int, each func(*Delivery)) (int, error) {
	if c.log.isClosed() {
		return 0, errClosed
	}
	opts := []jetstream.FetchOpt{jetstream.FetchMaxWait(c.opts.FetchWait)}
	if !c.opts.Unpinned {
		opts = append(opts, jetstream.FetchPriorityGroup(PriorityGroup))
	}
	batch, err := c.cons.Fetch(max, opts...)
	if err != nil {
		return 0, fmt.Errorf("fetch from consumer %q: %w", c.name, err)
	}
	n := 0
	for m := range batch.Messages() {
		if pin := m.Headers().Get("Nats-Pin-Id"); pin != "" {
			c.mu.Lock()
			c.pinID = pin
			c.mu.Unlock()
		}
		md, err := m.Metadata()
		if err != nil {
			c.log.opts.Logger.Error("message without metadata; terminated", "consumer", c.name, "subject", m.Subject(), "error", err)
			_ = m.Term()
			continue
		}
		rec, err := c.log.decodeParts(int64(md.Sequence.Stream), m.Subject(), m.Headers(), m.Data())
		if err != nil {
			c.log.opts.Logger.Error("message is not a record; terminated", "consumer", c.name, "seq", md.Sequence.Stream, "error", err)
			_ = m.TermWithReason("not a Doc-Tales record")
			continue
		}
		each(&Delivery{Record: rec, Delivered: int(md.NumDelivered), msg: m})
		n++
	}
	if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrPinIDMismatch) && !errors.Is(err, natsgo.ErrTimeout) {
		return n, fmt.Errorf("fetch from consumer %q: %w", c.name, err)
	}
	return n, nil
}

// Info returns the consumer's state as last refreshed (every second in
// the background), and whether this client is the pinned one.
func (c *Consumer) Info() (info *jetstream.ConsumerInfo, pinned bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	info = c.info
	if info != nil && c.pinID != "" {
		for _, g := range info.PriorityGroups {
			if g.Group == PriorityGroup && g.PinnedClientID == c.pinID {
				pinned = true
			}
		}
	}
	return info, pinned
}

// refresh reads the consumer's state every second until ctx ends, for
// Info.
func (c *Consumer) refresh(ctx context.Context) {
	defer close(c.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	saved := c.opts.StartAfter // the checkpoint as last written
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, c.log.opts.Timeout)
		info, err := c.cons.Info(rctx)
		cancel()
		if err != nil {
			continue
		}
		c.mu.Lock()
		c.info = info
		c.mu.Unlock()
		if floor := int64(info.AckFloor.Stream); c.opts.Checkpoint != "" && floor > saved {
			if err := c.log.SetCheckpoint(ctx, c.opts.Checkpoint, floor); err == nil {
				saved = floor
			}
		}
	}
}

// Close stops the background refresh. Deliveries not acknowledged are
// delivered again after their ack wait. It tolerates a second call.
func (c *Consumer) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.stop()
	<-c.done
	return nil
}

// advisoryStream is the stream that keeps the max-deliveries advisories
// of the log's consumers.
func (l *Log) advisoryStream() string { return l.opts.Stream + "_ADVISORIES" }

// advisorySubject is where JetStream publishes the max-deliveries
// advisories of the log stream's consumers.
func (l *Log) advisorySubject() string {
	return "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + l.opts.Stream + ".>"
}

// ensureAdvisories creates the advisory stream once per Log: a work
// queue (an advisory is deleted once turned into a dead letter), on
// file, replicated as the log.
func (l *Log) ensureAdvisories(ctx context.Context) error {
	l.mu.Lock()
	done := l.advisories
	l.mu.Unlock()
	if done {
		return nil
	}
	_, err := l.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        l.advisoryStream(),
		Description: "Doc-Tales: JetStream's max-deliveries advisories of stream " + l.opts.Stream + ", each to become a dead letter",
		Subjects:    []string{l.advisorySubject()},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.WorkQueuePolicy,
		Replicas:    l.opts.Replicas,
		MaxAge:      30 * 24 * time.Hour,
	})
	if err != nil {
		return fmt.Errorf("create or update stream %q of advisories %q: %w", l.advisoryStream(), l.advisorySubject(), err)
	}
	l.mu.Lock()
	l.advisories = true
	l.mu.Unlock()
	return nil
}
