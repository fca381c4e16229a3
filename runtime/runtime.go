package runtime

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/pattern"
)

// Default subscription settings of SemanticsLocal (and of topic
// subscriptions). Under SemanticsAWS, an S3 or DynamoDB subscription takes
// AWS's defaults instead (the AWS… constants of awsbehaviour.go): they
// differ in retries, record age and concurrency.
const (
	DefaultBatchSize        = 100            // records per invocation (DynamoDB streams default)
	DefaultMaxRetryAttempts = 3              // retries after the first failure; then dead-lettered
	DefaultMaxRecordAge     = 24 * time.Hour // older records are dead-lettered unprocessed
	DefaultConcurrency      = 2              // workers per subscription (parallelization factor)
	DefaultRetryBaseDelay   = 200 * time.Millisecond
	DefaultRetryMaxDelay    = 30 * time.Second
	DefaultPollInterval     = 500 * time.Millisecond // also picks up appends by other processes
	DefaultReadLimit        = 500                    // records read from the log per poll

	MaxBatchSize   = 10000 // as AWS for DynamoDB streams
	MaxConcurrency = 64
	MaxPartitions  = 1024 // processes sharing one subscription
)

// Partition is the share of a subscription's records that one process
// takes when several processes run the same subscription on one shared
// log (NATS JetStream, say): the records whose key falls in partition
// Index of Count by [doctales.KeyPartition]. One key always lands in the
// same partition, so order per key holds across the processes; each
// partition keeps its own checkpoint (see [Partition.CheckpointName]).
//
// The zero value (Count 0) is the whole subscription, unpartitioned.
type Partition struct {
	// Index is this process's partition, 0..Count-1.
	Index int
	// Count is how many partitions share the subscription, 1..MaxPartitions;
	// 0 means unpartitioned. Count 1 is the whole subscription too, under
	// its own checkpoint name.
	Count int
}

// Has reports whether a record with this key belongs to p.
func (p Partition) Has(key string) bool {
	return p.Count <= 1 || doctales.KeyPartition(key, p.Count) == p.Index
}

// String is "i/n", or "" unpartitioned.
func (p Partition) String() string {
	if p.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", p.Index, p.Count)
}

// CheckpointName is the name under which partition p of subscription name
// keeps its checkpoint: name itself unpartitioned (Count 0 or 1), else
// "name/part-i-of-n". Each partition moves its checkpoint on its own:
// every record up to it of its keys is finished (the others' records in
// between are not its concern).
func (p Partition) CheckpointName(name string) string {
	if p.Count <= 1 {
		return name
	}
	return fmt.Sprintf("%s/part-%d-of-%d", name, p.Index, p.Count)
}

// Validate reports an Index or Count out of range, naming the field.
func (p Partition) Validate() error {
	switch {
	case p.Count < 0 || p.Count > MaxPartitions:
		return doctales.FieldErrorf(doctales.EINVALID, "Partition.Count", "partition count %d is outside 1..%d (0: unpartitioned)", p.Count, MaxPartitions)
	case p.Count == 0 && p.Index != 0:
		return doctales.FieldErrorf(doctales.EINVALID, "Partition.Index", "partition index %d is set but the partition count is 0 (unpartitioned)", p.Index)
	case p.Count > 0 && (p.Index < 0 || p.Index >= p.Count):
		return doctales.FieldErrorf(doctales.EINVALID, "Partition.Index", "partition index %d is outside 0..%d (Count %d)", p.Index, p.Count-1, p.Count)
	}
	return nil
}

// Handler is a function as the runtime sees it: it takes a batch of records of
// one source, in order, and reports which failed.
//
// It returns (-1, nil) when every record succeeded, or the index of the first
// record that failed and its error: records before that index count as
// done, that record and every later one are retried (AWS's batch item
// failure semantics for stream sources). A returned error with index -1 fails
// the whole batch. Handlers must be idempotent and safe for concurrent use.
type Handler interface {
	Invoke(ctx context.Context, recs []*doctales.LogRecord) (failed int, err error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, recs []*doctales.LogRecord) (int, error)

// Invoke calls f.
func (f HandlerFunc) Invoke(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
	return f(ctx, recs)
}

// Subscription connects a source of the event log to a function, like a
// Lambda event source mapping. Zero values take the defaults above; Validate
// reports the first setting out of range.
type Subscription struct {
	// Name identifies the subscription: its checkpoint, its dead letters and
	// its log lines. Required, unique in a runtime.
	Name string
	// Source is the log source read: doctales.SourceS3, SourceDynamoDB or
	// SourceSNS. Required.
	Source string
	// Filters are up to pattern.MaxPatterns filter patterns, ORed. A record
	// matching none is dropped and counted. None means every record.
	Filters []string
	// Admit, if set, is asked about each record that matches none of
	// Filters: true delivers it all the same. It widens the static
	// filter by something that changes while the runtime runs, such as
	// people's notification rules (notify.RuleBook.Admit), with no
	// restart. It gets the record flattened, the flattening the filters
	// just read (shared through Runtime.Flats), and must not keep it. It
	// must be fast and safe for concurrent use.
	Admit func(f *pattern.Flat) bool
	// Handler is the function invoked. Required.
	Handler Handler

	// Semantics is SemanticsAWS (the default, also "") or SemanticsLocal;
	// see awsbehaviour.go. It applies to S3 and DynamoDB sources without a
	// Delivery policy:
	//
	//   - DynamoDB under AWS semantics: AWS's defaults (retry until the
	//     record expires, no age limit, one worker), -1 retries means until
	//     the record expires, and a partial batch failure with BisectOnError
	//     retries the rest whole instead of halving it.
	//   - S3 under AWS semantics is an asynchronous invocation: one record
	//     per invocation, retried on its own (default 2 retries,
	//     RetryBaseDelay then twice it, one and two minutes by default)
	//     while the records after it go on, events up to 6 hours old.
	//   - Both, under AWS semantics: a record's age counts from the later of
	//     its creation and the runtime's start (the process being down has
	//     no AWS counterpart), and Timeout defaults to AWS's 3 seconds.
	Semantics string
	// Timeout bounds one invocation, as a Lambda function's timeout: the
	// handler's context is cancelled and the invocation fails (and is
	// retried) even if the handler then returns success. The handler is
	// waited for; it must honour its context. 0 means
	// AWSFunctionDefaultTimeout under AWS semantics, none otherwise.
	Timeout time.Duration

	// BatchSize is the most records per invocation. 0 means DefaultBatchSize.
	// For S3 under AWS semantics it is the most records a worker takes from
	// the log at once; each is its own invocation.
	BatchSize int
	// MaxRetryAttempts is how many times a failing record is retried before it
	// is dead-lettered. 0 means the default (DefaultMaxRetryAttempts, or
	// AWS's under AWS semantics); NoRetries means none. -1
	// (RetryUntilExpired) means until the record is older than MaxRecordAge
	// under AWS semantics, as on AWS, and no retries under SemanticsLocal.
	MaxRetryAttempts int
	// MaxRecordAge dead-letters records older than this without invoking the
	// function. 0 means DefaultMaxRecordAge (AWS's default under AWS
	// semantics); -1 means no limit.
	MaxRecordAge time.Duration
	// StartAtLatest starts the subscription at the end of the log each time
	// the runtime opens, ignoring its checkpoint (StartingPosition LATEST):
	// for live views that need no history. The log must implement
	// LastSeq(ctx, source) (int64, error).
	StartAtLatest bool
	// Yield, if set, is asked before each batch is formed; a positive
	// duration makes the worker wait that long first, so that more urgent
	// work (accepting communications) gets the CPU and the batch grows
	// meanwhile. The records wait in order; nothing is dropped.
	Yield func() time.Duration
	// BatchWindow is how long a worker waits for a batch to fill after its
	// first record (MaximumBatchingWindowInSeconds). 0 sends what is there.
	BatchWindow time.Duration
	// BisectOnError splits a failing batch in halves and retries each, so the
	// failing record ends up alone and the others succeed.
	BisectOnError bool
	// Concurrency is the number of workers; records with the same key always
	// go to the same worker. 0 means DefaultConcurrency.
	Concurrency int
	// RetryBaseDelay and RetryMaxDelay bound the exponential backoff between
	// retries (full jitter). 0 means the defaults.
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration

	// Delivery, if set, makes this a delivery subscription (a topic
	// subscriber such as a webhook) with SNS's delivery semantics instead
	// of a stream's:
	//
	//   - The handler reports the first record that failed; the records
	//     after it were not attempted and are not charged an attempt.
	//   - A failed record is retried on Delivery's schedule
	//     ([DeliveryPolicy.Delay]) instead of RetryBaseDelay and
	//     MaxRetryAttempts, and dead-lettered only when the schedule is
	//     exhausted.
	//   - Invocations are throttled to
	//     ThrottlePolicy.MaxReceivesPerSecond records a second.
	//   - A circuit (CircuitFailures) pauses the subscription while the
	//     endpoint is down.
	//   - MaxRecordAge defaults to no limit: a record waiting behind an
	//     open circuit has not been attempted and does not age out.
	Delivery *DeliveryPolicy
	// CircuitFailures is how many failed attempts in a row open the
	// circuit of a delivery subscription. 0 means DefaultCircuitFailures;
	// -1 means no circuit. Ignored without Delivery.
	CircuitFailures int

	// Partition, if Count is set, makes this process take only the keys of
	// one partition of the subscription, so that several processes can
	// share it: run the same subscription in Count processes, each with
	// its own Index. Each partition reads only its records when the log is
	// a PartitionReader that can select them, else the whole source,
	// skipping the other partitions' records (counted in
	// Stats.OtherPartitions); it keeps its checkpoint under
	// Partition.CheckpointName(Name). A partition with no checkpoint yet
	// starts from the subscription's unpartitioned one (Name), so
	// partitioning a running subscription does not replay its history;
	// changing Count later replays from there (at least once). Dead
	// letters keep Name, and a redrive reaches the partition that owns
	// the key.
	Partition Partition

	filters *pattern.Set
}

// withDefaults returns s with zero settings replaced by defaults.
//
// After it, MaxRetryAttempts is -1 for "until the record expires" or the
// number of retries.
func (s Subscription) withDefaults() Subscription {
	if s.isAWS() {
		return s.withAWSDefaults()
	}
	if s.BatchSize == 0 {
		s.BatchSize = DefaultBatchSize
	}
	if s.MaxRetryAttempts == 0 {
		s.MaxRetryAttempts = DefaultMaxRetryAttempts
	} else if s.MaxRetryAttempts < 0 {
		s.MaxRetryAttempts = 0
	}
	if s.MaxRecordAge == 0 {
		s.MaxRecordAge = DefaultMaxRecordAge
		if s.Delivery != nil {
			s.MaxRecordAge = -1
		}
	}
	if s.Delivery != nil {
		p := *s.Delivery // the caller may reuse its policy
		s.Delivery = &p
		if s.CircuitFailures == 0 {
			s.CircuitFailures = DefaultCircuitFailures
		}
	}
	if s.Concurrency == 0 {
		s.Concurrency = DefaultConcurrency
	}
	if s.RetryBaseDelay == 0 {
		s.RetryBaseDelay = DefaultRetryBaseDelay
	}
	if s.RetryMaxDelay == 0 {
		s.RetryMaxDelay = DefaultRetryMaxDelay
	}
	return s
}

// withAWSDefaults is withDefaults under AWS semantics.
func (s Subscription) withAWSDefaults() Subscription {
	async := s.isAsync()
	if s.BatchSize == 0 {
		// For S3 (async), the records a worker takes from the log at once
		// (one Yield per take); each is still its own invocation.
		s.BatchSize = AWSStreamDefaultBatchSize
	}
	switch {
	case s.MaxRetryAttempts == NoRetries:
		s.MaxRetryAttempts = 0
	case s.MaxRetryAttempts == 0 && async:
		s.MaxRetryAttempts = AWSAsyncDefaultRetries
	case s.MaxRetryAttempts == 0:
		s.MaxRetryAttempts = AWSStreamDefaultRetryAttempts
	}
	if s.MaxRecordAge == 0 {
		s.MaxRecordAge = AWSStreamDefaultRecordAge
		if async {
			s.MaxRecordAge = AWSAsyncDefaultMaxEventAge
		}
	}
	if s.Concurrency == 0 {
		s.Concurrency = AWSStreamDefaultParallelization
		if async {
			s.Concurrency = DefaultConcurrency // not an AWS setting: the function's concurrency
		}
	}
	if s.Timeout == 0 {
		s.Timeout = AWSFunctionDefaultTimeout
	}
	if s.RetryBaseDelay == 0 {
		s.RetryBaseDelay = DefaultRetryBaseDelay
		if async {
			s.RetryBaseDelay = AWSAsyncFirstRetryDelay
		}
	}
	if s.RetryMaxDelay == 0 {
		s.RetryMaxDelay = DefaultRetryMaxDelay
	}
	return s
}

// Validate reports the first invalid setting, naming the field and the limit.
func (s *Subscription) Validate() error {
	switch {
	case s.Name == "":
		return doctales.FieldErrorf(doctales.EINVALID, "Name", "subscription name is required")
	case s.Source == "":
		return doctales.FieldErrorf(doctales.EINVALID, "Source", "subscription %q: source is required", s.Name)
	case s.Handler == nil:
		return doctales.FieldErrorf(doctales.EINVALID, "Handler", "subscription %q: function is required", s.Name)
	case s.BatchSize < 0 || s.BatchSize > MaxBatchSize:
		return doctales.FieldErrorf(doctales.EINVALID, "BatchSize", "subscription %q: batch size %d is outside 1..%d", s.Name, s.BatchSize, MaxBatchSize)
	case s.MaxRetryAttempts < NoRetries || s.MaxRetryAttempts > 10000:
		return doctales.FieldErrorf(doctales.EINVALID, "MaxRetryAttempts", "subscription %q: maximum retry attempts %d is outside -2 (none), -1..10000", s.Name, s.MaxRetryAttempts)
	case s.Concurrency < 0 || s.Concurrency > MaxConcurrency:
		return doctales.FieldErrorf(doctales.EINVALID, "Concurrency", "subscription %q: concurrency %d is outside 1..%d", s.Name, s.Concurrency, MaxConcurrency)
	case s.MaxRecordAge < -1:
		return doctales.FieldErrorf(doctales.EINVALID, "MaxRecordAge", "subscription %q: maximum record age %s is negative", s.Name, s.MaxRecordAge)
	case s.CircuitFailures < -1:
		return doctales.FieldErrorf(doctales.EINVALID, "CircuitFailures", "subscription %q: circuit failures %d is less than -1 (no circuit)", s.Name, s.CircuitFailures)
	case len(s.Filters) > pattern.MaxPatterns:
		return doctales.FieldErrorf(doctales.EINVALID, "Filters", "subscription %q: %d filter patterns; the limit is %d", s.Name, len(s.Filters), pattern.MaxPatterns)
	}
	if err := s.Partition.Validate(); err != nil {
		return doctales.FieldErrorf(doctales.EINVALID, doctales.ErrorField(err), "subscription %q: %s", s.Name, doctales.ErrorMessage(err))
	}
	if err := s.validateSemantics(); err != nil {
		return err
	}
	if s.Delivery != nil {
		if err := s.Delivery.Validate(); err != nil {
			return doctales.FieldErrorf(doctales.EINVALID, "DeliveryPolicy."+doctales.ErrorField(err),
				"subscription %q: %s", s.Name, doctales.ErrorMessage(err))
		}
	}
	set, err := pattern.NewSet(s.Filters...)
	if err != nil {
		return doctales.FieldErrorf(doctales.EINVALID, "Filters", "subscription %q: %v", s.Name, err)
	}
	s.filters = set
	return nil
}

// Stats are the counters of one subscription since the runtime opened.
type Stats struct {
	Name         string        `json:"name"`
	Source       string        `json:"source"`
	Read         int64         `json:"read"`         // records read from the log
	Filtered     int64         `json:"filtered"`     // dropped: matched no filter, or targeted at another subscription
	Invocations  int64         `json:"invocations"`  // handler calls
	Errors       int64         `json:"errors"`       // failed handler calls
	Succeeded    int64         `json:"succeeded"`    // records done by the handler
	Retried      int64         `json:"retried"`      // record retries
	DeadLettered int64         `json:"deadLettered"` // records sent to the dead-letter store
	InFlight     int64         `json:"inFlight"`     // records read and not finished
	Checkpoint   int64         `json:"checkpoint"`   // every record up to here is finished
	IteratorAge  time.Duration `json:"iteratorAge"`  // age of the oldest unfinished record
	LastError    string        `json:"lastError,omitempty"`
	// Circuit is the circuit of a delivery subscription; nil for others.
	Circuit *CircuitState `json:"circuit,omitempty"`
	// Feed is the subscription's feed (Runtime.Feeds) as its server
	// sees it: a JetStream consumer's pending, ack-pending and
	// redelivered records. Nil on the checkpoint path.
	Feed *FeedStats `json:"feed,omitempty"`
	// Partition is "i/n" for a partitioned subscription, and
	// OtherPartitions the records it skipped as another partition's.
	Partition       string `json:"partition,omitempty"`
	OtherPartitions int64  `json:"otherPartitions,omitempty"`
}

// Runtime runs subscriptions over an event log. Add subscriptions, then Open;
// Close stops them. The zero value is not usable: set Log and DeadLetters.
type Runtime struct {
	// Log is the durable event log read. Required.
	Log doctales.EventLog
	// DeadLetters receives records that exhausted their retries (the
	// on-failure destination). Required.
	DeadLetters doctales.DeadLetterStore
	// Logger receives lifecycle and failure lines. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// PollInterval is how often the log is read when no append was
	// signalled (appends from other processes are only seen this way).
	// 0 means DefaultPollInterval.
	PollInterval time.Duration
	// OnDeadLetter, if set, is called after a record is dead-lettered.
	OnDeadLetter func(*doctales.DeadLetter)
	// Observer, if set, is told about every invocation and record outcome
	// (metrics, traces, flow history).
	Observer Observer
	// Flats shares the flattening of each record between the filters of
	// every subscription that reads it (and whoever else is given the
	// same cache, such as notify.Function.Flats), keyed by the record's
	// Seq: a record is scanned once, not once per subscription. Nil
	// means a cache of pattern.DefaultFlatCacheSlots made at the first
	// use. See pattern.FlatCache for why a cache.
	Flats *pattern.FlatCache
	// Feeds, if set, gives each subscription but those that start at the
	// latest record a feed of acknowledged deliveries to read instead of
	// the log after its checkpoint (see Feeds). Nil: the checkpoint path.
	Feeds Feeds

	subs      []*sub
	flatsOnce sync.Once
	openedAt  time.Time // when Open ran: AWS semantics count a record's age from no earlier
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	opened    bool
	closed    bool
	mu        sync.Mutex
}

// Add registers a subscription. It must be called before Open.
func (r *Runtime) Add(s Subscription) error {
	if r.opened {
		return errors.New("runtime: add subscription after open")
	}
	if err := s.Validate(); err != nil {
		return err
	}
	for _, o := range r.subs {
		if o.cfg.Name == s.Name {
			return doctales.FieldErrorf(doctales.EINVALID, "Name", "subscription %q is defined twice", s.Name)
		}
	}
	r.subs = append(r.subs, &sub{rt: r, cfg: s.withDefaults()})
	return nil
}

// Subscriptions returns the names of the registered subscriptions.
func (r *Runtime) Subscriptions() []string {
	names := make([]string, len(r.subs))
	for i, s := range r.subs {
		names[i] = s.cfg.Name
	}
	return names
}

// Handler returns the handler of the named subscription, or nil.
func (r *Runtime) Handler(name string) Handler {
	for _, s := range r.subs {
		if s.cfg.Name == name {
			return s.cfg.Handler
		}
	}
	return nil
}

// Open starts every subscription from its checkpoint.
func (r *Runtime) Open() error {
	if r.Log == nil {
		return errors.New("runtime: log required")
	}
	if r.DeadLetters == nil {
		return errors.New("runtime: dead-letter store required")
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.PollInterval == 0 {
		r.PollInterval = DefaultPollInterval
	}
	if r.Observer == nil {
		r.Observer = nopObserver{}
	}
	r.flats()
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.openedAt = r.Now()
	for _, s := range r.subs {
		cp, err := r.Log.Checkpoint(ctx, s.checkpointName())
		if err == nil && cp == 0 && s.cfg.Partition.Count > 1 {
			// A new partition starts where the whole subscription was.
			cp, err = r.Log.Checkpoint(ctx, s.cfg.Name)
		}
		if s.cfg.StartAtLatest {
			ls, ok := r.Log.(interface {
				LastSeq(context.Context, string) (int64, error)
			})
			if !ok {
				cancel()
				return fmt.Errorf("runtime: subscription %q starts at the latest record, but the log cannot tell its last seq", s.cfg.Name)
			}
			cp, err = ls.LastSeq(ctx, s.cfg.Source)
		}
		if err != nil {
			cancel()
			return fmt.Errorf("runtime: checkpoint of %q: %w", s.cfg.Name, err)
		}
		s.init(cp)
		if r.Feeds != nil && !s.cfg.StartAtLatest {
			f, err := r.Feeds.OpenFeed(ctx, FeedSpec{Name: s.cfg.Name, CheckpointName: s.checkpointName(),
				Source: s.cfg.Source, Partition: s.cfg.Partition, Checkpoint: cp, MaxInFlight: s.inflMax,
				MaxRetryAttempts: s.cfg.MaxRetryAttempts})
			if err != nil {
				r.closeFeeds()
				cancel()
				return fmt.Errorf("runtime: feed of %q: %w", s.cfg.Name, err)
			}
			s.feed = f
		}
	}
	r.opened = true
	for _, s := range r.subs {
		s.start(ctx)
	}
	return nil
}

// Close stops reading, cancels in-flight invocations, waits for the workers
// and saves each checkpoint. It tolerates a second call.
func (r *Runtime) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || !r.opened {
		r.closed = true
		return nil
	}
	r.closed = true
	r.cancel()
	r.wg.Wait()
	var errs []error
	for _, s := range r.subs {
		if err := s.saveCheckpoint(context.Background()); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, r.closeFeeds())
	return errors.Join(errs...)
}

// closeFeeds closes the subscriptions' feeds.
func (r *Runtime) closeFeeds() error {
	var errs []error
	for _, s := range r.subs {
		if s.feed != nil {
			if err := s.feed.Close(); err != nil {
				errs = append(errs, fmt.Errorf("subscription %q: close feed: %w", s.cfg.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Stats returns the counters of every subscription.
func (r *Runtime) Stats() []Stats {
	out := make([]Stats, len(r.subs))
	for i, s := range r.subs {
		out[i] = s.stats()
	}
	return out
}

// Drain waits until every subscription has finished every record appended to
// the log before Drain was called (filtered, done or dead-lettered), or ctx
// ends. It is for tests, tools and an orderly shutdown.
//
// A delivery subscription whose circuit is open counts as finished: its
// records wait in the log for the endpoint to come back, which may take
// the whole delivery policy (about an hour by default), and a command such
// as `import --wait` or `invoke --follow` must not wait for a receiver that
// is down. They are delivered when the endpoint answers, by this process
// or the next one that opens the log.
func (r *Runtime) Drain(ctx context.Context) error {
	start := r.Now()
	for {
		idle := true
		for _, s := range r.subs {
			if s.circuit.isOpen() {
				continue
			}
			if !s.idleSince(start) {
				idle = false
				break
			}
		}
		if idle {
			return nil
		}
		for _, s := range r.subs {
			s.poke()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("drain: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// item is one record in flight with its delivery state.
type item struct {
	rec          *doctales.LogRecord
	attempts     int // failed attempts so far
	firstAttempt time.Time
	lastAttempt  time.Time
	lastErr      error
}

// sub is the running state of one subscription.
type sub struct {
	rt  *Runtime
	cfg Subscription

	wake    chan struct{} // poked to read now
	shards  []chan *item  // one bounded queue per worker
	inflMax int           // most records read and unfinished
	slots   chan struct{} // counting semaphore of inflMax

	mu         sync.Mutex
	readCursor int64          // last seq read from the log
	order      []int64        // seqs read and not yet checkpointed, in order
	done       map[int64]bool // finished seqs among order
	times      map[int64]time.Time
	checkpoint int64     // every seq <= checkpoint is finished
	saved      int64     // checkpoint last written to the log
	lastRead   time.Time // when a read last returned nothing new
	lastError  string

	// feed is the subscription's feed (Runtime.Feeds), nil on the
	// checkpoint path; held are its deliveries not yet finished, by seq.
	feed Feed
	held map[int64]*held

	circuit  circuit
	thrMu    sync.Mutex
	throttle *throttle // nil: no throttling

	read, filtered, invocations, errors, succeeded, retried, dead atomic.Int64
	otherPartitions                                               atomic.Int64
}

// checkpointName is the name of the subscription's checkpoint in the log.
func (s *sub) checkpointName() string { return s.cfg.Partition.CheckpointName(s.cfg.Name) }

func (s *sub) init(checkpoint int64) {
	s.readCursor = checkpoint
	s.checkpoint = checkpoint
	s.saved = checkpoint
	s.done = make(map[int64]bool)
	s.times = make(map[int64]time.Time)
	s.held = make(map[int64]*held)
	s.wake = make(chan struct{}, 1)
	s.shards = make([]chan *item, s.cfg.Concurrency)
	s.inflMax = max(s.cfg.BatchSize*s.cfg.Concurrency*4, DefaultReadLimit)
	s.slots = make(chan struct{}, s.inflMax)
	// Each shard queue can hold every record in flight, so the reader never
	// waits on one slow worker while the others have room: the slots bound
	// the total.
	for i := range s.shards {
		s.shards[i] = make(chan *item, s.inflMax)
	}
	if p := s.cfg.Delivery; p != nil {
		s.circuit.init(s.rt.Now(), s.cfg.CircuitFailures)
		s.throttle = newThrottle(p.ThrottlePolicy.MaxReceivesPerSecond)
	}
}

func (s *sub) logger() *slog.Logger {
	l := s.rt.Logger
	if l == nil { // Accepts before Open
		l = slog.Default()
	}
	l = l.With("subscription", s.cfg.Name)
	if p := s.cfg.Partition; p.Count > 0 {
		l = l.With("partition", p.String())
	}
	return l
}

func (s *sub) start(ctx context.Context) {
	s.rt.wg.Add(1 + len(s.shards))
	if s.feed != nil {
		s.rt.wg.Add(1)
		go func() { defer s.rt.wg.Done(); s.feedLoop(ctx) }()
		go func() { defer s.rt.wg.Done(); s.keepAlive(ctx) }()
	} else {
		go func() { defer s.rt.wg.Done(); s.readLoop(ctx) }()
	}
	for i := range s.shards {
		go func(q chan *item) { defer s.rt.wg.Done(); s.worker(ctx, q) }(s.shards[i])
	}
}

func (s *sub) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// readLoop reads new records and hands them to the workers. It waits on the
// log's change signal, a poll ticker or a poke.
func (s *sub) readLoop(ctx context.Context) {
	ticker := time.NewTicker(s.rt.PollInterval)
	defer ticker.Stop()
	backoff := time.Duration(0)
	for {
		changed := s.rt.Log.Changed()
		n, err := s.poll(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			var ok bool
			if backoff, ok = s.pauseAfterError(ctx, backoff, "read log", err); !ok {
				return
			}
			continue
		}
		backoff = 0
		if n > 0 {
			continue // more may be waiting
		}
		if err := s.saveCheckpoint(ctx); err != nil && ctx.Err() == nil {
			s.logger().Error("save checkpoint", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-ticker.C:
		case <-s.wake:
		}
	}
}

// pauseAfterError logs a failed read of the subscription's records and
// waits the next backoff (doubling from 100 ms to at most 10 s). It
// returns the backoff waited, and false when ctx ended first.
func (s *sub) pauseAfterError(ctx context.Context, backoff time.Duration, what string, err error) (time.Duration, bool) {
	backoff = min(max(2*backoff, 100*time.Millisecond), 10*time.Second)
	s.logger().Error(what, "error", err, "retry_in", backoff)
	select {
	case <-ctx.Done():
		return backoff, false
	case <-time.After(backoff):
		return backoff, true
	}
}

// poll reads one page of the log and dispatches it. It returns the number of
// records read.
func (s *sub) poll(ctx context.Context) (int, error) {
	s.mu.Lock()
	after := s.readCursor
	s.mu.Unlock()
	recs, err := s.readPage(ctx, after)
	if err != nil {
		return 0, err
	}
	if len(recs) == 0 {
		s.mu.Lock()
		s.lastRead = s.rt.Now()
		s.mu.Unlock()
		return 0, nil
	}
	for _, rec := range recs {
		// Bound the records in flight: wait for a slot.
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		s.mu.Lock()
		s.readCursor = rec.Seq
		s.order = append(s.order, rec.Seq)
		s.times[rec.Seq] = rec.Time
		s.mu.Unlock()
		s.read.Add(1)

		if rec.Target != "" && rec.Target != s.cfg.Name {
			s.finish(rec.Seq)
			continue
		}
		if !s.cfg.Partition.Has(rec.Key) {
			s.otherPartitions.Add(1)
			s.finish(rec.Seq)
			continue
		}
		if !s.matches(rec) {
			s.filtered.Add(1)
			s.rt.Observer.RecordOutcome(s.cfg.Name, rec, Outcome{Kind: OutcomeFiltered})
			if s.rt.Logger.Enabled(ctx, slog.LevelDebug) { // logger() allocates; most records are filtered
				s.logger().Debug("record filtered out", "seq", rec.Seq, "key", rec.Key)
			}
			s.finish(rec.Seq)
			continue
		}
		q := s.shards[shard(rec.Key, len(s.shards))]
		select {
		case q <- &item{rec: rec}:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return len(recs), nil
}

// readPage reads the next page of the log after seq after: only this
// partition's records when the log can select them (PartitionReader),
// else every record of the source.
func (s *sub) readPage(ctx context.Context, after int64) ([]*doctales.LogRecord, error) {
	if p := s.cfg.Partition; p.Count > 1 {
		if pr, ok := s.rt.Log.(PartitionReader); ok {
			recs, served, err := pr.ReadPartition(ctx, s.cfg.Source, p.Index, p.Count, after, DefaultReadLimit)
			if served {
				return recs, err
			}
		}
	}
	return s.rt.Log.ReadLog(ctx, s.cfg.Source, after, DefaultReadLimit)
}

// PartitionReader is an event log that can read the records of one
// partition of a source itself, so that a partitioned subscription does
// not read the others' records only to skip them (package nats does it
// on the server). ReadPartition returns up to limit records of source
// with Seq > after whose key is in partition index of count by
// doctales.KeyPartition, in order; ok false means it cannot select that
// partitioning, and the runtime reads the whole source instead. It may
// return fewer than limit records while more exist, but none only when
// none is left.
type PartitionReader interface {
	ReadPartition(ctx context.Context, source string, index, count int, after int64, limit int) (recs []*doctales.LogRecord, ok bool, err error)
}

// matches reports whether rec passes the subscription's filters, or
// Admit. The record is flattened once for every subscription through
// the runtime's FlatCache; a subscription without filters reads nothing.
func (s *sub) matches(rec *doctales.LogRecord) bool {
	if len(s.cfg.Filters) == 0 || s.cfg.filters == nil {
		return true
	}
	ok := false
	err := s.rt.flats().Do(rec.Seq, rec.Data, func(f *pattern.Flat) {
		ok = s.cfg.filters.MatchFlat(f)
		if !ok && s.cfg.Admit != nil {
			ok = s.cfg.Admit(f)
		}
	})
	if err != nil {
		s.logger().Warn("record is not valid JSON; filtered out", "seq", rec.Seq, "error", err)
		return false
	}
	return ok
}

// flats returns the runtime's FlatCache, making it at the first use.
func (r *Runtime) flats() *pattern.FlatCache {
	r.flatsOnce.Do(func() {
		if r.Flats == nil {
			r.Flats = pattern.NewFlatCache(0)
		}
	})
	return r.Flats
}

// Accepts reports whether the named subscription takes rec, as its reader
// decides before queueing a record: rec is not targeted at another
// subscription, and it matches the subscription's filters or its Admit.
// It is false for an unknown name. Tools and benchmarks use it to ask
// the runtime's own filter, with its shared flattenings.
func (r *Runtime) Accepts(name string, rec *doctales.LogRecord) bool {
	for _, s := range r.subs {
		if s.cfg.Name == name {
			return (rec.Target == "" || rec.Target == name) && s.matches(rec)
		}
	}
	return false
}

func shard(key string, n int) int {
	if n == 1 {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}

// finish marks seq done and advances the checkpoint over finished records.
func (s *sub) finish(seq int64) {
	if s.feed != nil {
		s.finishFeed(seq)
		return
	}
	s.mu.Lock()
	s.done[seq] = true
	i := 0
	for i < len(s.order) && s.done[s.order[i]] {
		s.checkpoint = s.order[i]
		delete(s.done, s.order[i])
		delete(s.times, s.order[i])
		i++
	}
	s.order = s.order[i:]
	s.mu.Unlock()
	<-s.slots
}

// saveCheckpoint writes the checkpoint if it moved.
func (s *sub) saveCheckpoint(ctx context.Context) error {
	if s.feed != nil {
		return nil // the feed's server keeps what was acknowledged
	}
	s.mu.Lock()
	cp, saved := s.checkpoint, s.saved
	s.mu.Unlock()
	if cp == saved {
		return nil
	}
	if err := s.rt.Log.SetCheckpoint(ctx, s.checkpointName(), cp); err != nil {
		return fmt.Errorf("subscription %q: save checkpoint %q to %d: %w", s.cfg.Name, s.checkpointName(), cp, err)
	}
	s.mu.Lock()
	s.saved = max(s.saved, cp)
	s.mu.Unlock()
	return nil
}

// idleSince reports whether nothing is in flight and a read found nothing
// new after t.
func (s *sub) idleSince(t time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.order) == 0 && len(s.held) == 0 && !s.lastRead.Before(t)
}

func (s *sub) stats() Stats {
	s.mu.Lock()
	inflight := int64(len(s.order))
	cp := s.checkpoint
	var age time.Duration
	if len(s.order) > 0 {
		age = s.rt.Now().Sub(s.times[s.order[0]])
	}
	lastErr := s.lastError
	var fs *FeedStats
	if s.feed != nil {
		inflight = int64(len(s.held))
		var oldest time.Time
		for _, h := range s.held {
			if oldest.IsZero() || h.at.Before(oldest) {
				oldest = h.at
			}
		}
		if !oldest.IsZero() {
			age = s.rt.Now().Sub(oldest)
		}
	}
	s.mu.Unlock()
	if s.feed != nil {
		if fs = s.feed.Stats(); fs != nil {
			cp = fs.AckFloor
		}
	}
	return Stats{
		Feed: fs,
		Name: s.cfg.Name, Source: s.cfg.Source,
		Read: s.read.Load(), Filtered: s.filtered.Load(), Invocations: s.invocations.Load(),
		Errors: s.errors.Load(), Succeeded: s.succeeded.Load(), Retried: s.retried.Load(),
		DeadLettered: s.dead.Load(), InFlight: inflight, Checkpoint: cp, IteratorAge: age,
		LastError: lastErr, Circuit: s.circuit.state(),
		Partition: s.cfg.Partition.String(), OtherPartitions: s.otherPartitions.Load(),
	}
}

// worker takes batches from its queue and processes them in order.
func (s *sub) worker(ctx context.Context, q chan *item) {
	for {
		var first *item
		select {
		case <-ctx.Done():
			return
		case first = <-q:
		}
		if s.cfg.Yield != nil {
			if d := s.cfg.Yield(); d > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(d):
				}
			}
		}
		batch := []*item{first}
		var window <-chan time.Time
		var timer *time.Timer
		if s.cfg.BatchWindow > 0 {
			timer = time.NewTimer(s.cfg.BatchWindow)
			window = timer.C
		}
	fill:
		for len(batch) < s.cfg.BatchSize {
			if window == nil {
				select {
				case it := <-q:
					batch = append(batch, it)
				default:
					break fill
				}
				continue
			}
			select {
			case it := <-q:
				batch = append(batch, it)
			case <-window:
				break fill
			case <-ctx.Done():
				timer.Stop()
				return
			}
		}
		if timer != nil {
			timer.Stop()
		}
		s.process(ctx, batch)
	}
}

// process delivers a batch until every record in it is done or
// dead-lettered, or ctx ends.
func (s *sub) process(ctx context.Context, batch []*item) {
	pending := [][]*item{batch}
	if s.cfg.isAsync() {
		// Asynchronous invocations: one event each (AWSAsyncBatchSize).
		pending = make([][]*item, len(batch))
		for i, it := range batch {
			pending[i] = []*item{it}
		}
	}
	for len(pending) > 0 {
		if ctx.Err() != nil {
			return // not finished: redelivered after restart
		}
		b := pending[0]
		pending = pending[1:]
		b = s.expire(ctx, b)
		if len(b) == 0 {
			continue
		}
		attempt := b[0].attempts + 1
		exit, err := s.circuit.enter(ctx, s.rt.Now)
		if err != nil {
			return // not finished: redelivered after restart
		}
		if err := s.throttleWait(ctx, len(b)); err != nil {
			exit()
			return
		}
		start := time.Now()
		failed, partial, err := s.invoke(ctx, b)
		took := time.Since(start)
		exit()
		if ctx.Err() != nil {
			return
		}
		if err == nil || failed > 0 || isPermanent(err) {
			s.answered()
		}
		if err == nil {
			for _, it := range b {
				s.succeeded.Add(1)
				s.rt.Observer.RecordOutcome(s.cfg.Name, it.rec, Outcome{Kind: OutcomeDelivered, Attempt: attempt, Duration: took})
				s.finish(it.rec.Seq)
			}
			continue
		}
		// Records before the first failed one are done.
		for _, it := range b[:failed] {
			s.succeeded.Add(1)
			s.rt.Observer.RecordOutcome(s.cfg.Name, it.rec, Outcome{Kind: OutcomeDelivered, Attempt: attempt, Duration: took})
			s.finish(it.rec.Seq)
		}
		rest := b[failed:]
		now := s.rt.Now()
		s.mu.Lock()
		s.lastError = err.Error()
		s.mu.Unlock()
		if s.cfg.Delivery != nil {
			// Only the failed record was attempted.
			pending = s.retryDelivery(ctx, rest, err, took, pending)
			continue
		}
		for _, it := range rest {
			it.lastErr = err
			it.lastAttempt = now
		}
		if doctales.ErrorCode(err) == doctales.ENOSPACE {
			// The data folder's disk is full: the records are not at
			// fault, and charging attempts would dead-letter everything
			// that arrives until space returns. Wait the longest backoff
			// and try again without counting an attempt (the records
			// still age: MaximumRecordAge applies).
			s.retried.Add(int64(len(rest)))
			delay := s.backoff(math.MaxInt32)
			s.logger().Warn("batch failed: no space left on the data folder's disk; retrying without counting an attempt",
				"size", len(rest), "retry_in", delay, "key", rest[0].rec.Key, "error", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
			pending = append([][]*item{rest}, pending...)
			continue
		}
		if isPermanent(err) {
			rest[0].attempts++
			s.deadLetter(ctx, rest[0], "permanent failure")
			if len(rest) > 1 {
				pending = append([][]*item{rest[1:]}, pending...)
			}
			continue
		}
		if s.cfg.BisectOnError && len(rest) > 1 && !(partial && s.cfg.isAWS()) {
			// (On AWS, a partial batch response with bisect on splits the
			// batch at the failed record, which the lines above did, and
			// retries the rest whole: services-ddb-batchfailurereporting.)
			// Split without counting an attempt: the failing record ends up
			// alone and the others go through.
			half := len(rest) / 2
			pending = append([][]*item{rest[:half], rest[half:]}, pending...)
			s.logger().Info("batch bisected", "size", len(rest), "error", err)
			continue
		}
		for _, it := range rest {
			it.attempts++
		}
		if s.cfg.MaxRetryAttempts >= 0 && rest[0].attempts > s.cfg.MaxRetryAttempts {
			for _, it := range rest {
				s.deadLetter(ctx, it, "retries exhausted")
			}
			continue
		}
		s.retried.Add(int64(len(rest)))
		for _, it := range rest {
			s.rt.Observer.RecordOutcome(s.cfg.Name, it.rec, Outcome{Kind: OutcomeRetry, Attempt: it.attempts, Duration: took, Err: err})
		}
		if s.cfg.isAsync() {
			// An asynchronous invocation: this record waits for its retry
			// on its own; the records behind it go on (AWS does not order
			// S3 events).
			for _, it := range rest {
				delay := s.cfg.RetryDelay(it.attempts)
				s.logger().Warn("invocation failed; retrying", "seq", it.rec.Seq, "attempt", it.attempts,
					"retry_in", delay, "key", it.rec.Key, "error", err)
				s.retryLater(ctx, it, delay)
			}
			continue
		}
		delay := s.backoff(rest[0].attempts)
		s.logger().Warn("batch failed; retrying", "size", len(rest), "attempt", rest[0].attempts,
			"retry_in", delay, "key", rest[0].rec.Key, "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		pending = append([][]*item{rest}, pending...)
	}
}

// retryDelivery handles the failure of rest[0] in a delivery subscription:
// it dead-letters it if the error is permanent or the policy is exhausted,
// else waits the policy's delay; it returns pending with what is left of
// rest in front, in order.
func (s *sub) retryDelivery(ctx context.Context, rest []*item, err error, took time.Duration, pending [][]*item) [][]*item {
	head := rest[0]
	head.attempts++
	head.lastErr = err
	head.lastAttempt = s.rt.Now()
	requeue := func(its []*item) [][]*item {
		if len(its) == 0 {
			return pending
		}
		return append([][]*item{its}, pending...)
	}
	if isPermanent(err) {
		s.deadLetter(ctx, head, "permanent failure")
		return requeue(rest[1:])
	}
	delay, ok := s.cfg.Delivery.Delay(head.attempts)
	if s.circuit.failed(s.rt.Now(), err, delay) {
		s.logger().Warn("circuit open: endpoint failing; deliveries paused, probing at the delivery policy's pace",
			"failures", s.cfg.CircuitFailures, "error", err)
	}
	if !ok {
		s.deadLetter(ctx, head, "delivery policy exhausted")
		return requeue(rest[1:])
	}
	s.retried.Add(1)
	s.rt.Observer.RecordOutcome(s.cfg.Name, head.rec, Outcome{Kind: OutcomeRetry, Attempt: head.attempts, Duration: took, Err: err})
	delay = jitter(delay)
	log := s.logger().Warn
	if s.circuit.isOpen() {
		log = s.logger().Debug // the circuit said it once
	}
	log("delivery failed; retrying", "seq", head.rec.Seq, "attempt", head.attempts, "retry_in", delay,
		"key", head.rec.Key, "error", err)
	if delay > 0 {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
	}
	return requeue(rest)
}

// retryLater puts it back on its worker's queue after delay, unless the
// runtime closes first (it is then delivered again after the next start,
// from the checkpoint, which it holds back meanwhile). The queue has room:
// it can hold every record in flight, and it is one of them.
func (s *sub) retryLater(ctx context.Context, it *item, delay time.Duration) {
	q := s.shards[shard(it.rec.Key, len(s.shards))]
	s.rt.wg.Add(1)
	go func() {
		defer s.rt.wg.Done()
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		select {
		case q <- it:
		case <-ctx.Done():
		}
	}()
}

// answered tells the circuit the endpoint answered, and logs its closing.
func (s *sub) answered() {
	if closed, openFor := s.circuit.answered(s.rt.Now()); closed {
		s.logger().Info("circuit closed: endpoint answers again; deliveries resume",
			"open_for", openFor.Round(time.Millisecond))
	}
}

// throttleWait waits for the throttle's slot for n records.
func (s *sub) throttleWait(ctx context.Context, n int) error {
	if s.throttle == nil {
		return nil
	}
	s.thrMu.Lock()
	wait := s.throttle.reserve(time.Now(), n)
	s.thrMu.Unlock()
	if wait <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
		return nil
	}
}

// jitter returns a duration between 90% and 100% of d: spread, never
// longer than the policy says.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d - rand.N(d/10+1)
}

// invoke calls the handler and normalises its answer: failed is the index of
// the first failed record when err != nil, and partial tells whether the
// handler named it (a batch item failure) rather than failing the whole
// invocation (an error, a panic, a timeout).
func (s *sub) invoke(ctx context.Context, b []*item) (failed int, partial bool, err error) {
	recs := make([]*doctales.LogRecord, len(b))
	now := s.rt.Now()
	for i, it := range b {
		recs[i] = it.rec
		if it.firstAttempt.IsZero() {
			it.firstAttempt = now
		}
	}
	s.invocations.Add(1)
	ctx, end := s.rt.Observer.StartInvocation(ctx, &Invocation{
		Subscription: s.cfg.Name, Source: s.cfg.Source, Records: recs, Attempt: b[0].attempts + 1,
	})
	hctx, cancel := ctx, context.CancelFunc(func() {})
	if s.cfg.Timeout > 0 {
		hctx, cancel = context.WithTimeout(ctx, s.cfg.Timeout)
	}
	func() {
		defer func() {
			if p := recover(); p != nil {
				failed, err = -1, fmt.Errorf("function panicked: %v", p)
			}
		}()
		failed, err = s.cfg.Handler.Invoke(hctx, recs)
	}()
	if ctx.Err() == nil && errors.Is(hctx.Err(), context.DeadlineExceeded) {
		// As Lambda: past the timeout the invocation failed, whatever the
		// handler answered when it finally returned.
		failed, err = -1, fmt.Errorf("function timed out after %s", s.cfg.Timeout)
	}
	cancel()
	end(failed, err)
	if err == nil && failed >= 0 && failed < len(b) {
		err = fmt.Errorf("record %d of %d reported as failed", failed+1, len(b))
	}
	if err == nil {
		return -1, false, nil
	}
	s.errors.Add(1)
	partial = failed >= 0 && failed < len(b)
	if !partial {
		failed = 0
	}
	return failed, partial, err
}

// expire dead-letters the records older than MaxRecordAge and returns the
// others.
func (s *sub) expire(ctx context.Context, b []*item) []*item {
	if s.cfg.MaxRecordAge < 0 {
		return b
	}
	now := s.rt.Now()
	keep := b[:0:0]
	for _, it := range b {
		if age := s.age(it.rec, now); age > s.cfg.MaxRecordAge {
			if it.lastErr == nil {
				it.lastErr = fmt.Errorf("record is %s old; the limit is %s", age.Round(time.Second), s.cfg.MaxRecordAge)
			}
			s.deadLetter(ctx, it, "record too old")
			continue
		}
		keep = append(keep, it)
	}
	return keep
}

// age is how old rec is for MaxRecordAge at now. Under AWS semantics the
// age counts from the runtime's start at the earliest: on AWS the poller
// and the asynchronous queue never stop, so the time this process was down
// must not dead-letter records that were never tried.
func (s *sub) age(rec *doctales.LogRecord, now time.Time) time.Duration {
	from := rec.Time
	if s.cfg.isAWS() && s.rt.openedAt.After(from) {
		from = s.rt.openedAt
	}
	return now.Sub(from)
}

func (s *sub) backoff(attempt int) time.Duration {
	d := s.cfg.RetryBaseDelay << min(attempt-1, 20)
	if d <= 0 || d > s.cfg.RetryMaxDelay {
		d = s.cfg.RetryMaxDelay
	}
	return d/2 + rand.N(d/2+1) // jitter in [d/2, d]
}

// deadLetter stores it in the dead-letter store and marks it done. If the
// store fails, the record is kept in flight and retried from the log after
// the next restart: nothing is dropped silently.
func (s *sub) deadLetter(ctx context.Context, it *item, reason string) {
	now := s.rt.Now()
	if it.firstAttempt.IsZero() {
		it.firstAttempt = now
	}
	if it.lastAttempt.IsZero() {
		it.lastAttempt = now
	}
	dl := &doctales.DeadLetter{
		Subscription: s.cfg.Name,
		Source:       it.rec.Source,
		Key:          it.rec.Key,
		Seq:          it.rec.Seq,
		Record:       it.rec.Data,
		Reason:       reason,
		Attempts:     it.attempts,
		FirstAttempt: it.firstAttempt,
		LastAttempt:  it.lastAttempt,
		CreatedAt:    now,
	}
	if it.lastErr != nil {
		dl.Error = it.lastErr.Error()
	}
	for attempt := 1; ; attempt++ {
		err := s.rt.DeadLetters.AddDeadLetter(ctx, dl)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		s.logger().Error("store dead letter", "seq", it.rec.Seq, "attempt", attempt, "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(time.Duration(attempt)*time.Second, 30*time.Second)):
		}
	}
	s.dead.Add(1)
	s.rt.Observer.RecordOutcome(s.cfg.Name, it.rec, Outcome{Kind: OutcomeDeadLettered, Attempt: it.attempts, Err: it.lastErr, Reason: reason})
	s.logger().Warn("record dead-lettered", "seq", it.rec.Seq, "key", it.rec.Key, "reason", reason,
		"attempts", it.attempts, "error", dl.Error, "dead_letter", dl.ID)
	if s.rt.OnDeadLetter != nil {
		s.rt.OnDeadLetter(dl)
	}
	s.finish(it.rec.Seq)
}
