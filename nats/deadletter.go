package nats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/doctales/doctales"
)

// AdvisoryConsumer is the durable consumer of the advisory stream that
// every process's MaxDeliveries shares: JetStream hands each advisory to
// one of them.
const AdvisoryConsumer = "dead-letters"

// MaxDeliveriesReason starts the reason of a dead letter made from a
// max-deliveries advisory.
const MaxDeliveriesReason = "JetStream max deliveries advisory"

// MaxDeliveries turns JetStream's max-deliveries advisories about the
// log's consumers into dead letters. A record whose deliveries reach its
// consumer's MaxDeliver without an acknowledgement (it ends the process
// handling it every time, so the runtime never gets to dead-letter it) is
// given up by JetStream, which publishes the advisory
// $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>. The
// advisory stream (made by Log.Consumer) keeps each one until it is
// turned into a dead letter, so none is lost while no process listens;
// all processes share one durable consumer of it (AdvisoryConsumer), so
// each advisory goes to one of them. The dead letter names the
// subscription (the consumer's metadata), carries the record read from
// the stream by its sequence, and its reason names the advisory.
//
// Set the fields, then Open; Close stops it. Step handles one batch, for
// tests.
type MaxDeliveries struct {
	// Log is the log whose consumers' advisories are read. Required.
	Log *Log
	// DeadLetters receives the dead letters. Required.
	DeadLetters doctales.DeadLetterStore
	// OnDeadLetter, if set, is called after each dead letter is stored.
	OnDeadLetter func(*doctales.DeadLetter)
	// Logger receives a line per dead letter and per failure. Default
	// the log's.
	Logger *slog.Logger
	// FetchWait is how long one Step waits for advisories. Default
	// DefaultFetchWait.
	FetchWait time.Duration

	cons   jetstream.Consumer
	mu     sync.Mutex
	subs   map[string][2]string // consumer -> subscription, source
	cancel context.CancelFunc
	done   chan struct{}
}

// advisory is JetStream's max-deliveries advisory
// (io.nats.jetstream.advisory.v1.max_deliver).
type advisory struct {
	Type       string    `json:"type"`
	ID         string    `json:"id"`
	Time       time.Time `json:"timestamp"`
	Stream     string    `json:"stream"`
	Consumer   string    `json:"consumer"`
	StreamSeq  int64     `json:"stream_seq"`
	Deliveries int       `json:"deliveries"`
}

// Open creates the advisory stream and its shared consumer if missing and
// starts turning advisories into dead letters in the background.
func (a *MaxDeliveries) Open(ctx context.Context) error {
	if a.Log == nil || a.DeadLetters == nil {
		return errors.New("max deliveries: Log and DeadLetters required")
	}
	if a.Logger == nil {
		a.Logger = a.Log.opts.Logger
	}
	if a.FetchWait == 0 {
		a.FetchWait = DefaultFetchWait
	}
	a.subs = map[string][2]string{}
	l := a.Log
	octx, cancel := l.bound(ctx)
	defer cancel()
	if err := l.ensureAdvisories(octx); err != nil {
		return err
	}
	cons, err := l.js.CreateOrUpdateConsumer(octx, l.advisoryStream(), jetstream.ConsumerConfig{
		Durable:     AdvisoryConsumer,
		Description: "Doc-Tales: each max-deliveries advisory becomes a dead letter",
		AckPolicy:   jetstream.AckExplicitPolicy,
		AckWait:     DefaultAckWait,
		Replicas:    l.opts.Replicas,
	})
	if err != nil {
		return fmt.Errorf("consumer %q of stream %q: %w", AdvisoryConsumer, l.advisoryStream(), err)
	}
	a.cons = cons
	rctx, stop := context.WithCancel(context.Background())
	a.cancel, a.done = stop, make(chan struct{})
	go func() {
		defer close(a.done)
		backoff := time.Duration(0)
		for rctx.Err() == nil {
			if _, err := a.Step(rctx); err != nil && rctx.Err() == nil {
				backoff = min(max(2*backoff, 100*time.Millisecond), 10*time.Second)
				a.Logger.Error("max-deliveries advisories", "error", err, "retry_in", backoff)
				select {
				case <-rctx.Done():
				case <-time.After(backoff):
				}
				continue
			}
			backoff = 0
		}
	}()
	return nil
}

// Close stops the background loop and waits for it. It tolerates a
// second call and a MaxDeliveries never opened.
func (a *MaxDeliveries) Close() error {
	if a.cancel == nil {
		return nil
	}
	a.cancel()
	<-a.done
	return nil
}

// Step fetches the advisories waiting (up to 100, waiting FetchWait for
// the first), turns each into a dead letter and acknowledges it; it
// returns how many dead letters it stored. An advisory whose dead letter
// fails is not acknowledged: it is tried again after the ack wait.
func (a *MaxDeliveries) Step(ctx context.Context) (int, error) {
	batch, err := a.cons.Fetch(100, jetstream.FetchMaxWait(a.FetchWait))
	if err != nil {
		return 0, fmt.Errorf("fetch advisories from %q: %w", a.Log.advisoryStream(), err)
	}
	n := 0
	var errs []error
	for m := range batch.Messages() {
		md, _ := m.Metadata()
		redelivered := md != nil && md.NumDelivered > 1
		stored, err := a.handle(ctx, m.Data(), redelivered)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if stored {
			n++
		}
		if err := m.Ack(); err != nil {
			errs = append(errs, fmt.Errorf("acknowledge advisory: %w", err))
		}
	}
	if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
		errs = append(errs, err)
	}
	return n, errors.Join(errs...)
}

// handle makes the dead letter of one advisory. A redelivered advisory
// (its first handler may have stored the dead letter and died before the
// acknowledgement) is checked against the subscription's dead letters
// first, so that it is stored once.
func (a *MaxDeliveries) handle(ctx context.Context, data []byte, redelivered bool) (bool, error) {
	var adv advisory
	if err := json.Unmarshal(data, &adv); err != nil || adv.StreamSeq <= 0 {
		a.Logger.Error("not a max-deliveries advisory; dropped", "data", short(string(data)), "error", err)
		return false, nil
	}
	sub, source := a.subscription(ctx, adv.Consumer)
	now := a.Log.opts.Now().UTC()
	dl := &doctales.DeadLetter{
		Subscription: sub,
		Source:       source,
		Seq:          adv.StreamSeq,
		Reason: fmt.Sprintf("%s ($JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.%s.%s): delivered %d times, never acknowledged",
			MaxDeliveriesReason, adv.Stream, adv.Consumer, adv.Deliveries),
		Error: fmt.Sprintf("consumer %q delivered record %d %d times (its MaxDeliver) and no delivery was finished: "+
			"the process handling it ended (a crash, an out-of-memory kill) or held it past its ack wait each time", adv.Consumer, adv.StreamSeq, adv.Deliveries),
		Attempts:     adv.Deliveries,
		FirstAttempt: adv.Time,
		LastAttempt:  adv.Time,
		CreatedAt:    now,
		Record:       json.RawMessage("null"),
	}
	if dl.FirstAttempt.IsZero() {
		dl.FirstAttempt, dl.LastAttempt = now, now
	}
	gctx, cancel := a.Log.bound(ctx)
	msg, err := a.Log.js.Stream(gctx, a.Log.opts.Stream)
	var raw *jetstream.RawStreamMsg
	if err == nil {
		raw, err = msg.GetMsg(gctx, uint64(adv.StreamSeq))
	}
	cancel()
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		dl.Error += fmt.Sprintf("; the record is no longer in stream %q (MaxAge or MaxBytes removed it)", a.Log.opts.Stream)
	case err != nil:
		return false, fmt.Errorf("record %d of stream %q for advisory of %q: %w", adv.StreamSeq, a.Log.opts.Stream, adv.Consumer, err)
	default:
		rec, err := a.Log.decodeParts(adv.StreamSeq, raw.Subject, raw.Header, raw.Data)
		if err != nil {
			dl.Error += fmt.Sprintf("; the message is not a record: %v", err)
		} else {
			dl.Source, dl.Key, dl.Record = rec.Source, rec.Key, rec.Data
		}
	}
	if dl.Source == "" {
		dl.Source = "unknown"
	}
	if redelivered {
		have, err := a.DeadLetters.DeadLetters(ctx, dl.Subscription, 10_000)
		if err != nil {
			return false, fmt.Errorf("dead letters of %q: %w", dl.Subscription, err)
		}
		for _, h := range have {
			if h.Seq == dl.Seq && h.Attempts == dl.Attempts && len(h.Reason) >= len(MaxDeliveriesReason) && h.Reason[:len(MaxDeliveriesReason)] == MaxDeliveriesReason {
				return false, nil // stored by the first handler
			}
		}
	}
	if err := a.DeadLetters.AddDeadLetter(ctx, dl); err != nil {
		return false, fmt.Errorf("dead letter of record %d for %q: %w", adv.StreamSeq, dl.Subscription, err)
	}
	a.Logger.Warn("record dead-lettered", "subscription", dl.Subscription, "seq", dl.Seq, "key", dl.Key,
		"reason", dl.Reason, "attempts", dl.Attempts, "dead_letter", dl.ID)
	if a.OnDeadLetter != nil {
		a.OnDeadLetter(dl)
	}
	return true, nil
}

// subscription is the subscription and source a consumer serves, from its
// metadata (the consumer's name and "" when it is gone or not ours).
func (a *MaxDeliveries) subscription(ctx context.Context, consumer string) (string, string) {
	a.mu.Lock()
	v, ok := a.subs[consumer]
	a.mu.Unlock()
	if ok {
		return v[0], v[1]
	}
	ctx, cancel := a.Log.bound(ctx)
	defer cancel()
	c, err := a.Log.js.Consumer(ctx, a.Log.opts.Stream, consumer)
	if err != nil {
		return consumer, ""
	}
	md := c.CachedInfo().Config.Metadata
	v = [2]string{md[MetaSubscription], md[MetaSource]}
	if v[0] == "" {
		v[0] = consumer
	}
	a.mu.Lock()
	a.subs[consumer] = v
	a.mu.Unlock()
	return v[0], v[1]
}

// AdvisoriesWaiting returns how many max-deliveries advisories wait in
// the advisory stream to become dead letters: 0 when none, or when no
// consumer was made yet (no stream).
func (l *Log) AdvisoriesWaiting(ctx context.Context) (int64, error) {
	ctx, cancel := l.bound(ctx)
	defer cancel()
	s, err := l.js.Stream(ctx, l.advisoryStream())
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("stream %q: %w", l.advisoryStream(), err)
	}
	return int64(s.CachedInfo().State.Msgs), nil
}
