package nats

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/doctales/doctales"
)

// Defaults of Options. Each is what a zero field means.
const (
	// DefaultStream is the stream's name.
	DefaultStream = "DOCTALES"
	// DefaultSubjectPrefix is the first subject token of every record.
	DefaultSubjectPrefix = "doctales"
	// DefaultCheckpointBucket is the key-value bucket of checkpoints.
	DefaultCheckpointBucket = "doctales_checkpoints"
	// DefaultDuplicateWindow is how long JetStream remembers a
	// Nats-Msg-Id to drop its republish: JetStream's own default. The
	// server keeps every id of the window in memory. A relay that
	// restarts later than this finds its last batch with CopiedFrom
	// instead.
	DefaultDuplicateWindow = 2 * time.Minute
	// DefaultSubjectPartitions is how many key partitions a source's
	// subjects tell apart (a power of two): a subscription split in 2, 4,
	// 8 or 16 partitions reads only its own records (ReadPartition);
	// other splits read everything and skip the others'.
	DefaultSubjectPartitions = 16
	// DefaultTimeout bounds one JetStream call (a publish acknowledgement,
	// a read, a checkpoint) when the caller's context has no deadline.
	DefaultTimeout = 10 * time.Second
	// DefaultReadLimit is the records per ReadLog when limit is 0 or less,
	// as package sqlite.
	DefaultReadLimit = 100
	// MaxReadLimit caps ReadLog's limit, as package sqlite.
	MaxReadLimit = 10_000
	// DefaultMaxReadBytes caps the bytes one ReadLog asks the server for
	// (subjects, headers and bodies); ReadLog then returns fewer records
	// than its limit. It keeps one read of large records from filling the
	// client's pending buffer (64 MiB) and being dropped as a slow consumer.
	DefaultMaxReadBytes = 8 << 20
	// MaxSubjectPartitions caps Options.SubjectPartitions.
	MaxSubjectPartitions = 1024
	// MaxSourceBytes caps a record's Source: it is a subject token, and a
	// subject must fit the protocol's control line (4 KiB by default)
	// with the rest of it.
	MaxSourceBytes = 256
	// MaxCheckpointNameBytes caps a checkpoint's name: it is a key-value
	// key, so a subject, base64-encoded when it is not a valid key.
	MaxCheckpointNameBytes = 1024
	// MaxOriginBytes caps AppendFrom's origin name, part of every
	// record's Nats-Msg-Id header.
	MaxOriginBytes = 128
)

// Options configure the stream and bucket Open creates or updates. Zero
// fields take the defaults above.
type Options struct {
	// Stream is the JetStream stream's name ([A-Za-z0-9_-]). Default
	// DefaultStream.
	Stream string
	// SubjectPrefix is the first token(s) of every record's subject; the
	// stream takes <prefix>.>. Default DefaultSubjectPrefix.
	SubjectPrefix string
	// CheckpointBucket is the key-value bucket of checkpoints. Default
	// DefaultCheckpointBucket.
	CheckpointBucket string
	// Replicas is the number of servers that store each record and
	// checkpoint (1..5; a quorum acknowledges an append). Default 1.
	Replicas int
	// DuplicateWindow is how long a Nats-Msg-Id is remembered (see
	// AppendFrom). Default DefaultDuplicateWindow.
	DuplicateWindow time.Duration
	// MaxAge deletes records older than this. 0 keeps them forever.
	MaxAge time.Duration
	// MaxBytes deletes the oldest records when the stream holds more.
	// 0 means no limit.
	MaxBytes int64
	// SubjectPartitions is how many key partitions the subjects tell
	// apart, a power of two (see Subject). Default
	// DefaultSubjectPartitions. Changing it does not move stored
	// records, and ReadPartition does not find them under the new
	// subjects: change it only on an empty stream.
	SubjectPartitions int
	// Timeout bounds each JetStream call whose context has no deadline.
	// Default DefaultTimeout.
	Timeout time.Duration
	// MaxReadBytes caps the bytes of one ReadLog. Default
	// DefaultMaxReadBytes.
	MaxReadBytes int
	// Now is the clock that stamps appended records. Default time.Now.
	Now func() time.Time
	// Logger receives connection events. Default slog.Default().
	Logger *slog.Logger
	// NATS are extra connection options: credentials, TLS, a name.
	NATS []natsgo.Option
}

// Header names of a record's fields.
const (
	hdrKey          = "Doctales-Key"
	hdrKeyQ         = "Doctales-Key-Q" // strconv.Quote'd, when the key would not survive a header
	hdrTarget       = "Doctales-Target"
	hdrTargetQ      = "Doctales-Target-Q"
	hdrTraceParent  = "Doctales-Traceparent"
	hdrTraceParentQ = "Doctales-Traceparent-Q"
	hdrTime         = "Doctales-Time"
)

// The patterns of names and tokens, compiled on first use rather than at
// the start of every doctales command (issue 15: package initialisation
// is most of a start's CPU).
var (
	nameRE    = lazyRE(`^[A-Za-z0-9_-]{1,64}$`)
	prefixRE  = lazyRE(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
	kvKeyRE   = lazyRE(`^[-/_=a-zA-Z0-9]+(\.[-/_=a-zA-Z0-9]+)*$`)
	tokenRE   = lazyRE(`^[A-Za-z0-9:/=-][A-Za-z0-9_:/=-]*$`)
	errClosed = errors.New("nats log is closed")
)

// lazyRE returns a function that compiles expr on its first call and
// returns the same *regexp.Regexp on every call.
func lazyRE(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.SubjectPrefix == "" {
		o.SubjectPrefix = DefaultSubjectPrefix
	}
	if o.CheckpointBucket == "" {
		o.CheckpointBucket = DefaultCheckpointBucket
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.DuplicateWindow == 0 {
		o.DuplicateWindow = DefaultDuplicateWindow
	}
	if o.SubjectPartitions == 0 {
		o.SubjectPartitions = DefaultSubjectPartitions
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxReadBytes == 0 {
		o.MaxReadBytes = DefaultMaxReadBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Validate reports the first setting out of range, naming the field.
func (o Options) Validate() error {
	o = o.withDefaults()
	switch {
	case !nameRE().MatchString(o.Stream):
		return doctales.FieldErrorf(doctales.EINVALID, "Stream", "stream name %q: use 1 to 64 of A-Z a-z 0-9 _ -", o.Stream)
	case !prefixRE().MatchString(o.SubjectPrefix):
		return doctales.FieldErrorf(doctales.EINVALID, "SubjectPrefix", "subject prefix %q: use dot-separated tokens of A-Z a-z 0-9 _ -", o.SubjectPrefix)
	case !nameRE().MatchString(o.CheckpointBucket):
		return doctales.FieldErrorf(doctales.EINVALID, "CheckpointBucket", "checkpoint bucket %q: use 1 to 64 of A-Z a-z 0-9 _ -", o.CheckpointBucket)
	case o.Replicas < 1 || o.Replicas > 5:
		return doctales.FieldErrorf(doctales.EINVALID, "Replicas", "replicas %d is outside 1..5", o.Replicas)
	case o.DuplicateWindow < 0:
		return doctales.FieldErrorf(doctales.EINVALID, "DuplicateWindow", "duplicate window %s is negative", o.DuplicateWindow)
	case o.MaxAge < 0:
		return doctales.FieldErrorf(doctales.EINVALID, "MaxAge", "maximum age %s is negative", o.MaxAge)
	case o.MaxAge > 0 && o.DuplicateWindow > o.MaxAge:
		return doctales.FieldErrorf(doctales.EINVALID, "DuplicateWindow", "duplicate window %s is longer than the maximum age %s", o.DuplicateWindow, o.MaxAge)
	case o.MaxBytes < 0:
		return doctales.FieldErrorf(doctales.EINVALID, "MaxBytes", "maximum bytes %d is negative", o.MaxBytes)
	case o.SubjectPartitions < 1 || o.SubjectPartitions > MaxSubjectPartitions || o.SubjectPartitions&(o.SubjectPartitions-1) != 0:
		return doctales.FieldErrorf(doctales.EINVALID, "SubjectPartitions", "subject partitions %d is not a power of two in 1..%d", o.SubjectPartitions, MaxSubjectPartitions)
	case o.Timeout < 0:
		return doctales.FieldErrorf(doctales.EINVALID, "Timeout", "timeout %s is negative", o.Timeout)
	case o.MaxReadBytes < 0:
		return doctales.FieldErrorf(doctales.EINVALID, "MaxReadBytes", "maximum read bytes %d is negative", o.MaxReadBytes)
	}
	return nil
}

// Log is a doctales.EventLog on one JetStream stream. Open returns it;
// it is safe for concurrent use; Close closes its connection.
type Log struct {
	opts   Options
	nc     *natsgo.Conn
	js     jetstream.JetStream
	kv     jetstream.KeyValue
	direct string // the direct-get API subject of the stream
	// byConsumer reads with an ordered consumer per ReadLog instead of a
	// direct get: only the benchmark sets it.
	byConsumer bool

	mu      sync.Mutex
	changed chan struct{} // closed and replaced at each append seen
	closed  bool
	// advisories is set once the stream of max-deliveries advisories
	// exists (ensureAdvisories).
	advisories bool

	// Replies of direct gets come to one subscription, readPrefix.*, and
	// go to the waiting read by their last token: a subscription per read
	// cost 0.8 ms (measured), more than the read.
	readPrefix string
	readMu     sync.Mutex
	reads      map[string]chan *natsgo.Msg
	readID     uint64
}

var _ doctales.EventLog = (*Log)(nil)

// Open connects to the NATS server(s) at url (comma-separated URLs of one
// cluster), creates or updates the stream and the checkpoint bucket of
// opts, and subscribes to appends for Changed. The connection reconnects
// forever; calls made while it is down fail after their timeout.
func Open(ctx context.Context, url string, opts Options) (*Log, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	l := &Log{opts: opts, changed: make(chan struct{}), direct: "$JS.API.DIRECT.GET." + opts.Stream}
	logger := opts.Logger.With("nats", url)
	conn := append([]natsgo.Option{
		natsgo.Name("doctales"),
		natsgo.MaxReconnects(-1),
		natsgo.ReconnectWait(250 * time.Millisecond),
		natsgo.DisconnectErrHandler(func(_ *natsgo.Conn, err error) {
			if err != nil {
				logger.Warn("nats disconnected", "error", err)
			}
		}),
		natsgo.ReconnectHandler(func(c *natsgo.Conn) { logger.Info("nats reconnected", "server", c.ConnectedUrlRedacted()) }),
	}, opts.NATS...)
	nc, err := natsgo.Connect(url, conn...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats %q: %w", url, err)
	}
	l.nc = nc
	if l.js, err = jetstream.New(nc, jetstream.WithPublishAsyncTimeout(opts.Timeout)); err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream on %q: %w", url, err)
	}
	ctx, cancel := l.bound(ctx)
	defer cancel()

	// The stream: file storage, limits retention (records stay until
	// MaxAge or MaxBytes), the duplicate window of Nats-Msg-Id, direct
	// gets for ReadLog, and a headers-only republish after each store to
	// wake Changed.
	cfg := jetstream.StreamConfig{
		Name:        opts.Stream,
		Description: "Doc-Tales event log (github.com/doctales/doctales/nats)",
		Subjects:    []string{opts.SubjectPrefix + ".>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      opts.MaxAge,
		MaxBytes:    -1,
		MaxMsgs:     -1,
		Replicas:    opts.Replicas,
		Duplicates:  opts.DuplicateWindow,
		AllowDirect: true,
		RePublish: &jetstream.RePublish{
			Source:      opts.SubjectPrefix + ".>",
			Destination: l.appendedSubject() + ".>",
			HeadersOnly: true,
		},
	}
	if opts.MaxBytes > 0 {
		cfg.MaxBytes = opts.MaxBytes
	}
	if _, err := l.js.CreateOrUpdateStream(ctx, cfg); err != nil {
		nc.Close()
		return nil, fmt.Errorf("create or update stream %q on %q: %w", opts.Stream, url, err)
	}
	// The checkpoints: one value per key, on file, replicated as the log.
	if l.kv, err = l.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      opts.CheckpointBucket,
		Description: "Doc-Tales subscription checkpoints",
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    opts.Replicas,
	}); err != nil {
		nc.Close()
		return nil, fmt.Errorf("create or update key-value bucket %q on %q: %w", opts.CheckpointBucket, url, err)
	}
	l.readPrefix, l.reads = nc.NewInbox(), map[string]chan *natsgo.Msg{}
	if _, err := nc.Subscribe(l.readPrefix+".*", l.dispatchRead); err != nil {
		nc.Close()
		return nil, fmt.Errorf("subscribe to %q: %w", l.readPrefix+".*", err)
	}
	if _, err := nc.Subscribe(l.appendedSubject()+".>", func(*natsgo.Msg) { l.notify() }); err != nil {
		nc.Close()
		return nil, fmt.Errorf("subscribe to %q: %w", l.appendedSubject()+".>", err)
	}
	if err := nc.FlushWithContext(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("subscribe to %q: %w", l.appendedSubject()+".>", err)
	}
	return l, nil
}

// Close closes the connection; later calls fail. It tolerates a second
// call.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.changed)
	l.mu.Unlock()
	// Outside the lock: the subscriptions' callbacks take it.
	l.nc.Close()
	return nil
}

// Options returns the options in effect (defaults filled).
func (l *Log) Options() Options { return l.opts }

// appendedSubject is where the stream republishes what it stored.
func (l *Log) appendedSubject() string { return "_appended." + l.opts.SubjectPrefix }

// bound gives ctx the default timeout if it has no deadline.
func (l *Log) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, l.opts.Timeout)
}

// Changed returns a channel closed at the next append stored in the
// stream, by this process or another (or at Close).
func (l *Log) Changed() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.changed
}

func (l *Log) notify() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		close(l.changed)
		l.changed = make(chan struct{})
	}
}

// Subject returns the subject a record of source and key is stored under:
// <prefix>.<source token>.<partition bits>, the partition of its key
// among SubjectPartitions as log2(SubjectPartitions) tokens of one bit,
// lowest first (doctales.aws:s3.1.0.1.1 is partition 13 of 16), so that
// the records of partition i of any power of two n are one wildcard:
// <prefix>.<source token>.<the log2(n) lowest bits of i>.>.
func (l *Log) Subject(source, key string) string {
	return l.opts.SubjectPrefix + "." + sourceToken(source) + "." +
		partitionBits(doctales.KeyPartition(key, l.opts.SubjectPartitions), bits.Len(uint(l.opts.SubjectPartitions))-1)
}

// sourceToken is source as one subject token: itself when it is made of
// A-Z a-z 0-9 : / = - _ (not starting with _), else "_" and its hex.
func sourceToken(source string) string {
	if tokenRE().MatchString(source) {
		return source
	}
	return "_" + hex.EncodeToString([]byte(source))
}

// tokenSource reverses sourceToken.
func tokenSource(tok string) (string, error) {
	if !strings.HasPrefix(tok, "_") {
		return tok, nil
	}
	b, err := hex.DecodeString(tok[1:])
	if err != nil {
		return "", fmt.Errorf("source token %q: %w", tok, err)
	}
	return string(b), nil
}

// Append publishes recs in order and waits for JetStream to acknowledge
// each, then sets their Seq (the stream sequence) and Time (Now). Each
// record needs a Source and valid JSON Data, and must fit the server's
// maximum payload; otherwise nothing is published and the error is
// EINVALID or ETOOLARGE naming the record and field. On a failure after
// publishing started, a prefix of recs may be stored; the caller's
// records are set only on success. Waiters on Changed wake after the
// acknowledgements.
func (l *Log) Append(ctx context.Context, recs ...*doctales.LogRecord) error {
	return l.append(ctx, "", recs)
}

// AppendFrom is Append for records copied from another log named origin:
// each record's Seq, on entry, is its sequence in the origin, and its
// Nats-Msg-Id is "<origin>/<seq>", so that JetStream stores a record
// published again within the duplicate window once, answering with the
// first copy's sequence (which AppendFrom sets as its Seq). A record's
// Time is kept when set (its age counts from the origin append). origin
// must be non-empty and each Seq positive.
func (l *Log) AppendFrom(ctx context.Context, origin string, recs ...*doctales.LogRecord) error {
	if origin == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "origin", "AppendFrom needs an origin name for the message ids.")
	} else if len(origin) > MaxOriginBytes || strings.ContainsFunc(origin, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return doctales.FieldErrorf(doctales.EINVALID, "origin", "Origin %q: use at most %d bytes without spaces or control characters.", short(origin), MaxOriginBytes)
	}
	for i, rec := range recs {
		if rec != nil && rec.Seq <= 0 {
			return doctales.FieldErrorf(doctales.EINVALID, "seq", "Log record %d: origin seq %d is not positive.", i, rec.Seq)
		}
	}
	return l.append(ctx, origin, recs)
}

func (l *Log) append(ctx context.Context, origin string, recs []*doctales.LogRecord) error {
	if len(recs) == 0 {
		return nil
	}
	now := l.opts.Now().UTC()
	maxPayload := l.nc.MaxPayload()
	msgs := make([]*natsgo.Msg, len(recs))
	times := make([]time.Time, len(recs))
	// Check and build every message before publishing any.
	for i, rec := range recs {
		switch {
		case rec == nil:
			return doctales.Errorf(doctales.EINVALID, "Log record %d is nil.", i)
		case rec.Source == "":
			return doctales.FieldErrorf(doctales.EINVALID, "source", "Log record %d has no source.", i)
		case len(rec.Source) > MaxSourceBytes:
			return doctales.FieldErrorf(doctales.EINVALID, "source", "Log record %d: source is %d bytes; the limit is %d.", i, len(rec.Source), MaxSourceBytes)
		case !json.Valid(rec.Data):
			return doctales.FieldErrorf(doctales.EINVALID, "data", "Log record %d: data is not valid JSON.", i)
		}
		times[i] = now
		if origin != "" && !rec.Time.IsZero() {
			times[i] = rec.Time.UTC()
		}
		m := natsgo.NewMsg(l.Subject(rec.Source, rec.Key))
		m.Data = rec.Data
		setField(m.Header, hdrKey, hdrKeyQ, rec.Key)
		setField(m.Header, hdrTarget, hdrTargetQ, rec.Target)
		setField(m.Header, hdrTraceParent, hdrTraceParentQ, rec.TraceParent)
		m.Header.Set(hdrTime, times[i].Format(time.RFC3339Nano))
		if origin != "" {
			m.Header.Set(jetstream.MsgIDHeader, origin+"/"+strconv.FormatInt(rec.Seq, 10))
		}
		if size := msgSize(m); maxPayload > 0 && int64(size) > maxPayload {
			return doctales.FieldErrorf(doctales.ETOOLARGE, "data", "Log record %d (key %q) is %d bytes with its headers; the server's maximum payload is %d.", i, short(rec.Key), size, maxPayload)
		}
		msgs[i] = m
	}
	if l.isClosed() {
		return fmt.Errorf("append %d %s records: %w", len(recs), recs[0].Source, errClosed)
	}

	// Publish them all, then wait for the acknowledgements in order: one
	// connection keeps their order in the stream.
	ctx, cancel := l.bound(ctx)
	defer cancel()
	futs := make([]jetstream.PubAckFuture, len(msgs))
	for i, m := range msgs {
		f, err := l.js.PublishMsgAsync(m, jetstream.WithExpectStream(l.opts.Stream))
		if err != nil {
			return fmt.Errorf("append %d %s records: publish record %d to %q: %w", len(recs), recs[0].Source, i, m.Subject, err)
		}
		futs[i] = f
	}
	seqs := make([]int64, len(msgs))
	for i, f := range futs {
		select {
		case ack := <-f.Ok():
			seqs[i] = int64(ack.Sequence)
		case err := <-f.Err():
			return fmt.Errorf("append %d %s records: record %d (key %q) on %q, %d acknowledged before it: %w",
				len(recs), short(recs[0].Source), i, short(recs[i].Key), msgs[i].Subject, i, err)
		case <-ctx.Done():
			return fmt.Errorf("append %d %s records: waiting for the acknowledgement of record %d of %q, %d acknowledged before it: %w",
				len(recs), recs[0].Source, i, l.opts.Stream, i, ctx.Err())
		}
	}
	for i, rec := range recs {
		rec.Seq, rec.Time = seqs[i], times[i]
	}
	l.notify()
	return nil
}

func (l *Log) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// setField sets header name to v, or nameQ to v quoted when v would not
// survive a header line (control characters, surrounding blanks); nothing
// for "".
func setField(h natsgo.Header, name, nameQ, v string) {
	if v == "" {
		return
	}
	if v != strings.TrimSpace(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		h.Set(nameQ, strconv.Quote(v))
		return
	}
	h.Set(name, v)
}

// getField reverses setField.
func getField(h natsgo.Header, name, nameQ string) (string, error) {
	if q := h.Get(nameQ); q != "" {
		v, err := strconv.Unquote(q)
		if err != nil {
			return "", fmt.Errorf("header %s %q: %w", nameQ, q, err)
		}
		return v, nil
	}
	return h.Get(name), nil
}

// msgSize is the bytes the server counts against its maximum payload:
// the body and the encoded headers.
func msgSize(m *natsgo.Msg) int {
	n := len(m.Data) + len("NATS/1.0\r\n\r\n")
	for k, vs := range m.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// ReadLog returns up to limit records of source with Seq > after, in
// order, whatever their Target (the runtime filters by Target). Source ""
// reads every source. A limit of 0 or less means DefaultReadLimit; above
// MaxReadLimit it is lowered to it; fewer come back when they exceed
// MaxReadBytes. It is one batched direct get: the server walks the
// stream from after+1, keeps the subjects of source, and streams them
// back ending with an end-of-batch status.
func (l *Log) ReadLog(ctx context.Context, source string, after int64, limit int) ([]*doctales.LogRecord, error) {
	if limit <= 0 {
		limit = DefaultReadLimit
	} else if limit > MaxReadLimit {
		limit = MaxReadLimit
	}
	if after < 0 {
		after = 0
	}
	filter := l.opts.SubjectPrefix + ".>"
	if source != "" {
		filter = l.opts.SubjectPrefix + "." + sourceToken(source) + ".>"
	}
	var recs []*doctales.LogRecord
	var err error
	if l.byConsumer {
		recs, err = l.readConsumer(ctx, filter, after, limit)
	} else {
		recs, _, err = l.readDirect(ctx, filter, after, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("read log %q after %d from stream %q: %w", source, after, l.opts.Stream, err)
	}
	return recs, nil
}

// ReadPartition reads the records of source (every source for "") with
// Seq > after whose key is in partition index of count (by
// doctales.KeyPartition), up to limit, in order; the runtime's
// partitioned subscriptions call it instead of ReadLog, so that the
// server keeps the other partitions' records to itself. It is one direct
// get on one subject wildcard: a record's subject ends with the bits of
// its key's partition among SubjectPartitions, lowest first, and for a
// count that is a power of two up to SubjectPartitions the partition
// index of count is the subjects whose first log2(count) bits spell
// index (the same mixed hash modulo both). ok is false, with nothing
// read, for any other count.
func (l *Log) ReadPartition(ctx context.Context, source string, index, count int, after int64, limit int) (recs []*doctales.LogRecord, ok bool, err error) {
	P := l.opts.SubjectPartitions
	if count < 2 || count > P || count&(count-1) != 0 || index < 0 || index >= count {
		return nil, false, nil
	}
	if limit <= 0 {
		limit = DefaultReadLimit
	} else if limit > MaxReadLimit {
		limit = MaxReadLimit
	}
	if after < 0 {
		after = 0
	}
	tok := "*"
	if source != "" {
		tok = sourceToken(source)
	}
	filter := l.opts.SubjectPrefix + "." + tok + "." + partitionBits(index, bits.Len(uint(count))-1)
	if count < P {
		filter += ".>"
	}
	if recs, _, err = l.readDirect(ctx, filter, after, limit); err != nil {
		return nil, true, fmt.Errorf("read partition %d of %d of %q after %d from stream %q: %w", index, count, source, after, l.opts.Stream, err)
	}
	return recs, true, nil
}

// partitionBits is the n lowest bits of p as subject tokens, lowest
// first ("1.0.1" for 5 in 3 bits), or "0" for n = 0.
func partitionBits(p, n int) string {
	if n == 0 {
		return "0"
	}
	b := make([]byte, 0, 2*n)
	for i := range n {
		if i > 0 {
			b = append(b, '.')
		}
		b = append(b, byte('0'+(p>>i)&1))
	}
	return string(b)
}

// directGet is the batched direct-get request (the server's
// JSApiMsgGetRequest).
type directGet struct {
	Seq      uint64 `json:"seq"`
	NextFor  string `json:"next_by_subj"`
	Batch    int    `json:"batch"`
	MaxBytes int    `json:"max_bytes,omitempty"`
}

// readDirect reads up to limit records of the subjects filter matches
// after seq after, and reports whether more are there (the end-of-batch
// status counts the messages left).
func (l *Log) readDirect(ctx context.Context, filter string, after int64, limit int) (recs []*doctales.LogRecord, more bool, err error) {
	_, more, err = l.getDirect(ctx, filter, after, limit, func(m *natsgo.Msg) error {
		rec, err := l.decode(m)
		if err == nil {
			recs = append(recs, rec)
		}
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return recs, more, nil
}

// getDirect is one batched direct get: it calls each with every message
// of the subjects filter matches after seq after, up to limit, and
// returns how many and whether more are there.
func (l *Log) getDirect(ctx context.Context, filter string, after int64, limit int, each func(*natsgo.Msg) error) (n int, more bool, err error) {
	if l.isClosed() {
		return 0, false, errClosed
	}
	ctx, cancel := l.bound(ctx)
	defer cancel()
	req, _ := json.Marshal(directGet{Seq: uint64(after) + 1, NextFor: filter, Batch: limit, MaxBytes: l.opts.MaxReadBytes})
	// The server sends at most limit messages and one status: the
	// channel holds them all, so the dispatcher never blocks.
	replies := make(chan *natsgo.Msg, limit+1)
	l.readMu.Lock()
	l.readID++
	token := strconv.FormatUint(l.readID, 36)
	l.reads[token] = replies
	l.readMu.Unlock()
	defer func() {
		l.readMu.Lock()
		delete(l.reads, token)
		l.readMu.Unlock()
	}()
	if err := l.nc.PublishRequest(l.direct, l.readPrefix+"."+token, req); err != nil {
		return n, false, err
	}
	for {
		var m *natsgo.Msg
		select {
		case m = <-replies:
		case <-ctx.Done():
			return n, false, fmt.Errorf("%d records read, waiting for more: %w", n, ctx.Err())
		}
		if status := m.Header.Get("Status"); status != "" {
			switch status {
			case "204": // end of batch
				pending, _ := strconv.ParseUint(m.Header.Get("Nats-Num-Pending"), 10, 64)
				return n, pending > 0, nil
			case "404": // nothing after `after`
				return n, false, nil
			case "503":
				return n, false, fmt.Errorf("no responders on %q: is JetStream enabled and the stream there?", l.direct)
			default:
				return n, false, fmt.Errorf("direct get: status %s %s", status, m.Header.Get("Description"))
			}
		}
		if err := each(m); err != nil {
			return n, false, err
		}
		n++
	}
}

// dispatchRead hands a direct-get reply to the read waiting for it; a
// reply to a read that gave up is dropped.
func (l *Log) dispatchRead(m *natsgo.Msg) {
	token := m.Subject[len(l.readPrefix)+1:]
	l.readMu.Lock()
	ch := l.reads[token]
	l.readMu.Unlock()
	if ch == nil {
		return
	}
	select {
	case ch <- m:
	default: // more than limit+1 replies: not the server's protocol; the read times out
	}
}

// decode turns a direct-get reply into a record.
func (l *Log) decode(m *natsgo.Msg) (*doctales.LogRecord, error) {
	seq, err := strconv.ParseInt(m.Header.Get(jetstream.SequenceHeader), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("message without a valid %s header (%q): %w", jetstream.SequenceHeader, m.Header.Get(jetstream.SequenceHeader), err)
	}
	return l.decodeParts(seq, m.Header.Get(jetstream.SubjectHeader), m.Header, m.Data)
}

// readConsumer is ReadLog through an ordered consumer made for the read,
// the alternative to the direct get, kept for the benchmark that chose
// between them (export_test.go switches it on).
func (l *Log) readConsumer(ctx context.Context, filter string, after int64, limit int) ([]*doctales.LogRecord, error) {
	ctx, cancel := l.bound(ctx)
	defer cancel()
	c, err := l.js.OrderedConsumer(ctx, l.opts.Stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{filter},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy, OptStartSeq: uint64(after) + 1,
	})
	if err != nil {
		return nil, err
	}
	batch, err := c.FetchNoWait(limit)
	if err != nil {
		return nil, err
	}
	// Delete the consumer when done: left to expire, they pile up to
	// the server's limit of consumers under a fast poll.
	if info := c.CachedInfo(); info != nil {
		defer func() { _ = l.js.DeleteConsumer(context.WithoutCancel(ctx), l.opts.Stream, info.Name) }()
	}
	var recs []*doctales.LogRecord
	for m := range batch.Messages() {
		md, err := m.Metadata()
		if err != nil {
			return nil, err
		}
		rec, err := l.decodeParts(int64(md.Sequence.Stream), m.Subject(), m.Headers(), m.Data())
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	return recs, batch.Error()
}

// decodeParts makes a record of a stored message's parts.
func (l *Log) decodeParts(seq int64, subj string, h natsgo.Header, data []byte) (*doctales.LogRecord, error) {
	var err error
	rest, ok := strings.CutPrefix(subj, l.opts.SubjectPrefix+".")
	tok, _, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 {
		return nil, fmt.Errorf("message %d: subject %q is not %s.<source>.<partition>", seq, subj, l.opts.SubjectPrefix)
	}
	rec := &doctales.LogRecord{Seq: seq, Data: json.RawMessage(data)}
	if rec.Source, err = tokenSource(tok); err != nil {
		return nil, fmt.Errorf("message %d: %w", seq, err)
	}
	if rec.Key, err = getField(h, hdrKey, hdrKeyQ); err != nil {
		return nil, fmt.Errorf("message %d: %w", seq, err)
	}
	if rec.Target, err = getField(h, hdrTarget, hdrTargetQ); err != nil {
		return nil, fmt.Errorf("message %d: %w", seq, err)
	}
	if rec.TraceParent, err = getField(h, hdrTraceParent, hdrTraceParentQ); err != nil {
		return nil, fmt.Errorf("message %d: %w", seq, err)
	}
	at := h.Get(hdrTime)
	if at == "" {
		at = h.Get(jetstream.TimeStampHeaer) // published by another tool: the stream's time
	}
	if rec.Time, err = time.Parse(time.RFC3339Nano, at); err != nil {
		return nil, fmt.Errorf("message %d: time %q: %w", seq, at, err)
	}
	return rec, nil
}

// CopiedFrom returns the origin sequences, greater than after, that the
// records of source ("" for every source) among the last scan messages of
// the stream carry in their Nats-Msg-Id "<origin>/<seq>" (AppendFrom's
// ids): the records of origin already copied, found in the log itself.
// The relay asks it when it starts, so that a batch it appended before
// dying, and did not checkpoint, is not appended again even after the
// duplicate window has passed.
func (l *Log) CopiedFrom(ctx context.Context, origin, source string, after int64, scan int) (map[int64]bool, error) {
	ctx, cancel := l.bound(ctx)
	defer cancel()
	s, err := l.js.Stream(ctx, l.opts.Stream)
	if err != nil {
		return nil, fmt.Errorf("copies of %q in stream %q: %w", origin, l.opts.Stream, err)
	}
	last := int64(s.CachedInfo().State.LastSeq)
	filter := l.opts.SubjectPrefix + ".>"
	if source != "" {
		filter = l.opts.SubjectPrefix + "." + sourceToken(source) + ".>"
	}
	prefix := origin + "/"
	found := map[int64]bool{}
	from := max(last-int64(scan), 0)
	for from < last {
		var seq int64
		n, more, err := l.getDirect(ctx, filter, from, MaxReadLimit, func(m *natsgo.Msg) error {
			seq, _ = strconv.ParseInt(m.Header.Get(jetstream.SequenceHeader), 10, 64)
			if id, ok := strings.CutPrefix(m.Header.Get(jetstream.MsgIDHeader), prefix); ok {
				if o, err := strconv.ParseInt(id, 10, 64); err == nil && o > after {
					found[o] = true
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("copies of %q in stream %q after %d: %w", origin, l.opts.Stream, from, err)
		}
		if n == 0 || !more || seq <= from {
			break
		}
		from = seq
	}
	return found, nil
}

// LastSeq returns the sequence of the last record of source (of any
// source for ""), or 0: the runtime's StartAtLatest asks it.
func (l *Log) LastSeq(ctx context.Context, source string) (int64, error) {
	ctx, cancel := l.bound(ctx)
	defer cancel()
	filter := l.opts.SubjectPrefix + ".>"
	if source != "" {
		filter = l.opts.SubjectPrefix + "." + sourceToken(source) + ".>"
	}
	s, err := l.js.Stream(ctx, l.opts.Stream)
	if err != nil {
		return 0, fmt.Errorf("last seq of %q in stream %q: %w", source, l.opts.Stream, err)
	}
	m, err := s.GetLastMsgForSubject(ctx, filter)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("last seq of %q in stream %q: %w", source, l.opts.Stream, err)
	}
	return int64(m.Sequence), nil
}

// Checkpoint returns the last Seq the subscription finished, 0 if it never
// set one.
func (l *Log) Checkpoint(ctx context.Context, subscription string) (int64, error) {
	if err := checkName(subscription); err != nil {
		return 0, err
	}
	ctx, cancel := l.bound(ctx)
	defer cancel()
	e, err := l.kv.Get(ctx, kvKey(subscription))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("read checkpoint %q from bucket %q: %w", subscription, l.opts.CheckpointBucket, err)
	}
	seq, err := strconv.ParseInt(string(e.Value()), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("checkpoint %q in bucket %q is %q, not a sequence: %w", subscription, l.opts.CheckpointBucket, e.Value(), err)
	}
	return seq, nil
}

// SetCheckpoint records that the subscription finished every record up to
// seq, in the key-value bucket (stored on file before it returns). It
// overwrites, so a checkpoint may move back (to replay). An empty
// subscription name or a negative seq is EINVALID.
func (l *Log) SetCheckpoint(ctx context.Context, subscription string, seq int64) error {
	if subscription == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "subscription", "Subscription name required.")
	} else if seq < 0 {
		return doctales.FieldErrorf(doctales.EINVALID, "seq", "Checkpoint %d of %q must not be negative.", seq, subscription)
	} else if err := checkName(subscription); err != nil {
		return err
	}
	ctx, cancel := l.bound(ctx)
	defer cancel()
	if _, err := l.kv.Put(ctx, kvKey(subscription), strconv.AppendInt(nil, seq, 10)); err != nil {
		return fmt.Errorf("set checkpoint %q to %d in bucket %q: %w", subscription, seq, l.opts.CheckpointBucket, err)
	}
	return nil
}

// short is s cut to 64 bytes for an error message: a hostile key or
// name must not make the message as large as itself.
func short(s string) string {
	if len(s) <= 64 {
		return s
	}
	return strings.ToValidUTF8(s[:64], "") + "…"
}

// checkName rejects a checkpoint name over MaxCheckpointNameBytes.
func checkName(name string) error {
	if len(name) > MaxCheckpointNameBytes {
		return doctales.FieldErrorf(doctales.EINVALID, "subscription", "Subscription name is %d bytes; the limit is %d.", len(name), MaxCheckpointNameBytes)
	}
	return nil
}

// kvKey is a subscription name as a key-value key: itself when the bucket
// accepts it, else "b64." and its base64url.
func kvKey(name string) string {
	if kvKeyRE().MatchString(name) && !strings.HasPrefix(name, "b64.") {
		return name
	}
	return "b64." + base64.RawURLEncoding.EncodeToString([]byte(name))
}
