package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	awscomprehend "github.com/aws/aws-sdk-go-v2/service/comprehend"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/alarm"
	"github.com/doctales/doctales/analytics"
	"github.com/doctales/doctales/comprehend"
	"github.com/doctales/doctales/dashboard"
	"github.com/doctales/doctales/extract"
	"github.com/doctales/doctales/fsblob"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/history"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/internal/datalock"
	"github.com/doctales/doctales/metrics"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/pattern"
	"github.com/doctales/doctales/runtime"
	"github.com/doctales/doctales/sandbox"
	"github.com/doctales/doctales/sqlite"
	"github.com/doctales/doctales/tracing"
	"github.com/doctales/doctales/upload"
)

// Pipeline is the whole system on embedded defaults, wired from a Config:
// the table and log in SQLite, the objects in a folder, the three functions,
// the topic and its subscribers, the runtime and the HTTP API.
type Pipeline struct {
	Config Config
	Logger *slog.Logger

	DB        *sqlite.DB
	HistoryDB *sqlite.DB // the flow history, apart from the pipeline's writes
	// AnalyticsDB holds the aggregate tables (analytics.go), in a file of
	// their own (analytics.db) for the same reason: the consumer's
	// transactions never hold up the pipeline's writer.
	AnalyticsDB *sqlite.DB
	Store       *fsblob.Store
	Extractor   doctales.Extractor
	Ingestion   *function.Ingestion
	Extraction  *function.Extraction
	Deletion    *function.Deletion
	// retentionStop stops the retention sweep (StartRetention).
	retentionStop func()
	// analyticsStop stops the aggregates' backfill (analytics.go).
	analyticsStop func()
	// backfillDecided, when set by DecideBackfill, is Start's answer to
	// whether the analytics tables need a backfill.
	backfillDecided *bool
	Notification    *notify.Function
	// When fires reminders and escalations (issue 13); nil when neither
	// is configured. whenStop stops its loop (Start).
	When     *notify.When
	whenStop func()
	Topic    *sqlite.Topic
	Hub      *notify.Hub
	Runtime  *runtime.Runtime
	API      *httpapi.Handler
	Metrics  *metrics.Metrics
	Journal  *history.Journal
	Tracer   *tracing.Tracer
	Alarms   *alarm.Evaluator
	Sandbox  *sandbox.Pool // the document parser workers; nil when parsing in process

	// NoTelemetry turns off metrics, tracing and the flow history, to
	// measure their cost (doctales bench --telemetry=false).
	NoTelemetry bool

	// Wrap, if set, wraps every subscription's handler; invoke --follow uses
	// it to print events as they pass.
	Wrap func(sub string, h runtime.Handler) runtime.Handler
	// Extra subscriptions added before the runtime opens (tests use it).
	Extra []runtime.Subscription

	// Command names the command that runs the pipeline in the data
	// folder's lock file ("serve" when empty): another command that finds
	// the folder held names it.
	Command string

	// MinFreeBytes is the free space, in bytes, the data folder needs after
	// a full-disk failure before /readyz says ready again. Zero means
	// DefaultMinFreeBytes.
	MinFreeBytes int64

	lock        *datalock.Lock     // the data folder's lock, held from Open to Close
	space       *spaceWatch        // full-disk failures, for /readyz
	meter       *ingestMeter       // ingest rate, for the extraction yield
	meterCancel context.CancelFunc // stops the meter

	// listening is closed by Listening (serve, once it listens): the
	// background damage checks and the object store's sweep wait for
	// it, so that their reading does not compete with the start (issue
	// 15).
	listening     chan struct{}
	listeningOnce sync.Once
}

// Open opens the stores and builds the functions and the runtime; the
// runtime is not started (see Start).
func (p *Pipeline) Open() error {
	cfg := &p.Config
	if p.Logger == nil {
		p.Logger = slog.Default()
	}
	// Read the encryption key first: a key that cannot be read stops
	// everything before the data folder is touched.
	cipher, err := cfg.Encryption.cipher()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.Data, 0o755); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	// One pipeline per data folder (issue 11): a second one would deliver
	// every record again. Taken before anything in the folder is opened.
	command := p.Command
	if command == "" {
		command = "serve"
	}
	if p.lock, err = datalock.Acquire(cfg.Data, command); err != nil {
		return err
	}
	// The dashboard's assets are read and hashed (ETags) on the other
	// core while the stores open: 6 to 30 ms of the start (issue 15).
	ui := make(chan *dashboard.Handler, 1)
	go func() { ui <- dashboard.New() }()
	ph := newStartPhases(p.Logger)
	if !mainStart.IsZero() {
		ph.last = mainStart
	}
	ph.done("main: command line, configuration, data folder lock")

	p.DB = sqlite.NewDB(filepath.Join(cfg.Data, "doctales.db"))
	p.DB.TableName = cfg.TableName()
	p.DB.Logger = p.Logger.With(LogKeyComponent, "sqlite")
	// serve starts at once on a table closed cleanly and unchanged since,
	// and checks it while serving (issue 15; Main.Failed stops it on
	// damage); other commands, which are short, check before they start.
	p.DB.BackgroundCheck = command == "serve"
	p.listening = make(chan struct{})
	p.DB.CheckAfter = p.listening

	// The flow history has its own database file, so that its writes never
	// queue behind (or hold up) the pipeline's single writer.
	p.HistoryDB = openHistoryDB(*cfg, p.Logger)
	p.AnalyticsDB = sqlite.NewDB(filepath.Join(cfg.Data, "analytics.db"))
	p.AnalyticsDB.Logger = p.Logger.With(LogKeyComponent, "analytics")
	p.AnalyticsDB.TableName = cfg.TableName()
	// history.db and analytics.db are checked as the table is: while
	// serving after a clean close (they took 50 to 180 ms of the start
	// on the loaded machine, issue 15), before opening otherwise. They
	// are independent files, opened together; a failure of history.db
	// is reported first, then analytics.db's.
	p.HistoryDB.BackgroundCheck = command == "serve"
	p.AnalyticsDB.BackgroundCheck = command == "serve"
	p.HistoryDB.CheckAfter, p.AnalyticsDB.CheckAfter = p.listening, p.listening
	if command == "serve" {
		// The checks while serving run in a child process at nice 19,
		// so that they take no P and little CPU from the requests (issue
		// 15; checkproc.go).
		if exe, err := os.Executable(); err != nil {
			p.Logger.Warn("background damage checks run in this process: the path of this program is unknown", "error", err)
		} else {
			for _, db := range []*sqlite.DB{p.DB, p.HistoryDB, p.AnalyticsDB} {
				db.CheckRunner = processCheckRunner(exe, db.Logger)
			}
		}
	}
	historyErr, analyticsErr := make(chan error, 1), make(chan error, 1)
	// others ends with their opens: whatever returns first, Open does
	// not return (and its caller's Close does not start) before them.
	var others sync.WaitGroup
	defer others.Wait()
	openOthers := func() {
		others.Add(2)
		go func() { defer others.Done(); historyErr <- openHistory(p.HistoryDB) }()
		go func() { defer others.Done(); analyticsErr <- p.AnalyticsDB.Open() }()
	}
	// When the table was closed cleanly and is unchanged (serve's usual
	// start: its check runs while serving), they open beside it, on the
	// other core, and the three files' connections, schemas and
	// clean-close fsyncs overlap (20 to 50 ms of the start, issue 15).
	// Otherwise the table opens alone first: its check before opening
	// takes seconds on a large table and may refuse it, and a table
	// refused at start leaves them untouched.
	beside := p.DB.BackgroundCheck && p.DB.CleanCloseRecorded()
	if beside {
		openOthers()
	}
	if err := openDataDB(p.DB, *cfg); err != nil {
		return fmt.Errorf("open table: %w", err)
	}
	ph.done("table")
	p.Store = fsblob.NewStore(filepath.Join(cfg.Data, "objects"), cfg.BucketName())
	p.meter = &ingestMeter{EventLog: p.DB}
	p.Store.Events = p.meter
	p.Store.Cipher = cipher
	// serve sweeps the temporary files of interrupted puts once it
	// listens, as the damage checks wait: the walk of a million objects
	// took a core for seconds from the start (issue 15). Other commands
	// sweep at once.
	if command == "serve" {
		p.Store.SweepAfter = p.listening
	}
	if err := p.Store.Open(); err != nil {
		return fmt.Errorf("open object store: %w", keyHint(err))
	}
	if cipher != nil {
		p.Logger.Info("objects are encrypted at rest", "keyId", cipher.KeyID())
	}
	if p.Extractor == nil {
		loc, err := cfg.Location()
		if err != nil {
			return err
		}
		ex, err := newExtractor(cfg.Extractor, loc, cfg.FreshnessWindow(), cfg.Reader, p.Logger)
		if err != nil {
			return err
		}
		p.Extractor = ex
	}
	ph.done("object store, extractor")

	p.Ingestion = &function.Ingestion{Store: p.Store, Table: p.DB}
	p.Extraction = &function.Extraction{Store: p.Store, Table: p.DB, Extractor: p.Extractor, Logger: p.Logger}
	p.Deletion = &function.Deletion{Store: p.Store, Table: p.DB, Logger: p.Logger,
		Purge: func(ctx context.Context, id string) (int, error) {
			n, err := p.DB.PurgeCommunication(ctx, id)
			if err == nil && p.HistoryDB != nil && p.HistoryDB != p.DB {
				_, err = p.HistoryDB.PurgeCommunication(ctx, id)
			}
			return n, err
		}}
	p.Topic = p.DB.Topic(cfg.TopicName())
	p.Hub = notify.NewHub()
	// People's rules (issue 13) are read through from the table with a
	// version check, so a rule written through the API applies to the
	// next record without a restart.
	// The subscriptions' filters and the rules judge share one
	// flattening per stream record (pattern.FlatCache).
	flats := pattern.NewFlatCache(0)
	p.Notification = &notify.Function{Topic: fanout{p.Topic, p.Hub}, Ledger: p.DB, Logger: p.Logger.With(LogKeyComponent, "notify"),
		Freshness: cfg.FreshnessWindow(), Rules: &notify.RuleBook{Store: p.DB}, Flats: flats}
	// Reminders, escalation, quiet hours and digest (issue 13, "When"):
	// durable timers in the table, fired by a loop that Start runs.
	if cfg.whenOn() {
		w, err := cfg.when()
		if err != nil {
			return err
		}
		w.Store, w.Digests, w.Items, w.Topic, w.Ledger = p.DB, p.DB, p.DB, fanout{p.Topic, p.Hub}, p.DB
		w.Logger = p.Logger.With(LogKeyComponent, "notify")
		p.When = w
		p.Notification.When = p.When
	}

	// history.db and analytics.db, opened above beside the table or now.
	if !beside {
		openOthers()
	}
	hErr, aErr := <-historyErr, <-analyticsErr
	if hErr != nil {
		return fmt.Errorf("open flow history: %w", hErr)
	}
	if aErr != nil {
		return fmt.Errorf("open the aggregate tables (analytics.db; derived data: moving it aside rebuilds it from the items): %w", aErr)
	}
	ph.done("history.db and analytics.db")
	minFree := p.MinFreeBytes
	if minFree == 0 {
		minFree = DefaultMinFreeBytes
	}
	p.space = &spaceWatch{dir: cfg.Data, minFree: minFree, logger: p.Logger,
		failures: []func() int64{p.DB.NoSpaceErrors, p.Store.NoSpaceErrors, p.HistoryDB.NoSpaceErrors, p.AnalyticsDB.NoSpaceErrors}}
	p.Journal = &history.Journal{Store: p.HistoryDB, Logger: p.Logger.With(LogKeyComponent, "history"),
		Skip: map[string]bool{LiveSubscription: true, analytics.SubscriptionName: true}}
	if err := p.Journal.Open(); err != nil {
		return err
	}
	p.Notification.OnDecision = func(ctx context.Context, id, kind, detail string) {
		p.Journal.Add(&doctales.FlowEvent{CommunicationID: id, Step: "notification", Kind: kind, Detail: detail,
			TraceID: doctales.TraceID(doctales.TraceParent(ctx))})
	}
	p.Metrics = metrics.New()
	if p.Tracer == nil {
		tr, err := tracing.New(context.Background())
		if err != nil {
			return err
		}
		p.Tracer = tr
	}
	observer := runtime.Observers{p.Metrics, p.Journal, p.Tracer,
		&history.LogObserver{Logger: p.Logger.With(LogKeyComponent, "function")}}
	if p.NoTelemetry {
		observer = nil
	}
	p.Runtime = &runtime.Runtime{Log: p.DB, DeadLetters: p.DB, Logger: p.Logger.With(LogKeyComponent, "runtime"), Observer: observer, Flats: flats}
	p.Runtime.OnDeadLetter = p.onDeadLetter
	p.Metrics.RegisterRuntime(p.Runtime.Stats)
	p.Metrics.RegisterSizes(p.sizes)
	if err := p.addSubscriptions(); err != nil {
		return err
	}
	ph.done("journal, metrics, tracer, runtime, subscriptions")

	parser, pool, err := newParser(cfg.Parse, p.Logger)
	if err != nil {
		return err
	}
	p.Sandbox = pool
	ph.done("document parser")
	p.API = &httpapi.Handler{
		Parser:      parser,
		Normalizer:  &ingest.Normalizer{MaxBodyBytes: cfg.MaxBodyBytes},
		Ingestion:   p.Ingestion,
		Deletion:    p.Deletion,
		Freshness:   cfg.FreshnessWindow(),
		Timezone:    cfg.Timezone,
		Table:       p.DB,
		Store:       p.Store,
		DeadLetters: p.DB,
		Stream:      p.Hub,
		Stats: func() any {
			return map[string]any{"subscriptions": p.Runtime.Stats(), "alarms": p.Alarms.States(),
				"parseMemory": p.API.ParseMemory.Stats(),
				"auth":        map[string]any{"open": p.API.OpenMode(context.Background())},
				"rateLimits":  map[string]any{"buckets": p.API.RateLimitBuckets()}}
		},
		Metrics: p.Metrics.Handler(),
		Middleware: func(h http.Handler) http.Handler {
			if p.NoTelemetry {
				return h
			}
			return p.Tracer.Middleware(p.Metrics.Middleware(h))
		},
		Ready: p.ready,
		// People's rules (issue 13) and the channels they may name.
		Rules:    p.DB,
		Channels: p.Config.Channels(),
		Trace: func(ctx context.Context, id string) (any, error) {
			return loadTrace(ctx, p.DB, p.HistoryDB, id)
		},
		Logger: p.Logger.With(LogKeyComponent, "http"),
		// The dashboard, its profile store and aggregates.
		Profiles:         p.DB,
		Directory:        p.DB,
		CommunicationLog: p.DB,
		Analytics:        p.AnalyticsDB,
		UI:               <-ui,
		// The HTTP edge's limits (issue 10).
		ParseMemory:     httpapi.NewMemoryBudget(cfg.MaxParseMemory),
		ParseMemoryWait: cfg.ParseMemoryWait,
		ReadTimeout:     cfg.ReadTimeout,
		// Keys, sessions and the browser surface (issue 17).
		Auth:         p.DB,
		AllowedHosts: cfg.AllowedHosts,
		AllowOrigins: cfg.CORS.AllowOrigins,
		// Rate limits and the audit log (issue 17, item 5).
		RateLimits: cfg.RateLimits.limits(),
		AuditLog:   p.DB,
		// The ack links of notification e-mails (issue 13).
		AckKey: p.DB.AckKey,
		// Large bodies (issue 16): POST /uploads answers a signed URL on
		// this server; its PUT is stored in the data folder and ingested.
		LocalUploads: &upload.Local{Secret: p.DB.AckKey, Store: p.Store, Dir: filepath.Join(cfg.Data, "uploads")},
	}
	// Markers of used uploads whose URLs have expired are of no more use.
	if _, err := p.API.LocalUploads.Sweep(); err != nil {
		p.Logger.Warn("upload markers not swept", "error", err)
	}
	p.Alarms = &alarm.Evaluator{
		Rules:    p.Config.Alarms,
		Sample:   p.sample,
		Topic:    p.DB.Topic(cfg.AlarmTopicName()),
		Interval: cfg.AlarmInterval,
		Logger:   p.Logger.With(LogKeyComponent, "alarm"),
	}
	p.API.Init()
	ph.done("API")
	return nil
}

// Listening lets the background damage checks (sqlite.DB.CheckAfter) and
// the object store's sweep of temporary files (fsblob.Store.SweepAfter)
// run: serve calls it once it listens; until then they wait, so that
// reading every page of a large table, or every folder of a million
// objects, does not slow the start. Without a call they never run, and
// Close cancels them. Safe to call more than once.
func (p *Pipeline) Listening() {
	p.listeningOnce.Do(func() {
		if p.listening != nil {
			close(p.listening)
		}
	})
}

// checkDetails is a damage check in /readyz: its mode and state, and the
// error of a crashed checker (a damaged file's is in the answer's error).
func checkDetails(chk sqlite.CheckStatus) map[string]any {
	d := map[string]any{"mode": chk.Mode, "state": chk.State}
	if chk.State == sqlite.CheckCrashed && chk.Err != nil {
		d["error"] = chk.Err.Error()
	}
	return d
}

// LagThreshold is the iterator age above which /readyz names a
// subscription as lagging.
const LagThreshold = 60 * time.Second

// ready checks the table, the object store, the data folder's free space
// after a full-disk failure and the runtime, and names the lagging
// subscriptions and the alarms in ALARM.
func (p *Pipeline) ready(ctx context.Context) (map[string]any, error) {
	details := map[string]any{}
	var errs []error
	if err := p.DB.Ping(ctx); err != nil {
		errs = append(errs, fmt.Errorf("table: %w", err))
	}
	// The table's damage check (issue 10): synchronous (done before the
	// server listened) or in the background after a clean close (running
	// until it passes; on damage the server stops). A crashed checker
	// (sqlite.CheckCrashed) leaves the server ready: the file was not
	// checked, which the error says, and the next start checks it first.
	chk := p.DB.StorageCheck()
	details["storageCheck"] = checkDetails(chk)
	if chk.State == sqlite.CheckFailed {
		errs = append(errs, fmt.Errorf("table: %w", chk.Err))
	}
	// The same for the flow history and the aggregates (storageChecks,
	// by file): on damage the server stops as for the table's.
	others := map[string]any{}
	for _, f := range p.otherDBs() {
		chk := f.db.StorageCheck()
		others[f.file] = checkDetails(chk)
		if chk.State == sqlite.CheckFailed {
			errs = append(errs, fmt.Errorf("%s: %w", f.file, chk.Err))
		}
	}
	details["storageChecks"] = others
	if _, err := p.Store.List(ctx, "_readyz/"); err != nil {
		errs = append(errs, fmt.Errorf("object store: %w", err))
	}
	if err := p.space.check(); err != nil {
		errs = append(errs, err)
	}
	lagging := map[string]string{}
	for _, st := range p.Runtime.Stats() {
		if st.IteratorAge > LagThreshold {
			lagging[st.Name] = st.IteratorAge.Round(time.Second).String()
		}
	}
	if len(lagging) > 0 {
		details["lagging"] = lagging
	}
	// Open circuits: an endpoint is down; the server is still ready.
	circuits := map[string]string{}
	for _, st := range p.Runtime.Stats() {
		if c := st.Circuit; c != nil && c.State == runtime.CircuitOpen {
			circuits[st.Name] = "open since " + c.Since.UTC().Format(time.RFC3339)
		}
	}
	if len(circuits) > 0 {
		details["circuits"] = circuits
	}
	var alarms []string
	for _, st := range p.Alarms.States() {
		if st.Alarm {
			alarms = append(alarms, st.Rule.Name)
		}
	}
	if len(alarms) > 0 {
		details["alarms"] = alarms
	}
	return details, errors.Join(errs...)
}

// otherDB is a database file of the data folder besides the table.
type otherDB struct {
	file string // its name in the data folder, as /readyz shows it
	db   *sqlite.DB
	// damaged is the error serve stops with when the check run while
	// serving finds err (a *sqlite.DamagedError): what the file holds and
	// the way out.
	damaged func(err error) error
}

// otherDBs returns the flow history and the aggregates' databases, those
// that are open.
func (p *Pipeline) otherDBs() []otherDB {
	var out []otherDB
	if p.HistoryDB != nil {
		out = append(out, otherDB{"history.db", p.HistoryDB, func(err error) error {
			return fmt.Errorf("%w. Found by the check run while serving: the server stopped. "+
				"The file holds only the flow history (doctales trace): move it aside to start with an empty one", err)
		}})
	}
	if p.AnalyticsDB != nil {
		out = append(out, otherDB{"analytics.db", p.AnalyticsDB, func(err error) error {
			return fmt.Errorf("%w. Found by the check run while serving: the server stopped. "+
				"The file holds only the aggregate tables, derived from the items: move it aside and the next start rebuilds them", err)
		}})
	}
	return out
}

// sample reads the runtime and the store for the alarms.
func (p *Pipeline) sample(ctx context.Context) (alarm.Sample, error) {
	st, err := p.DB.Stats(ctx)
	if err != nil {
		return alarm.Sample{}, err
	}
	s := alarm.Sample{DeadLetters: float64(st.DeadLetters), Subscriptions: map[string]alarm.SubscriptionSample{}}
	for _, rs := range p.Runtime.Stats() {
		s.Subscriptions[rs.Name] = alarm.SubscriptionSample{
			IteratorAge: rs.IteratorAge, InFlight: rs.InFlight, Errors: rs.Errors,
			DeadLettered: rs.DeadLettered, Invocations: rs.Invocations,
			CircuitOpen: rs.Circuit != nil && rs.Circuit.State == runtime.CircuitOpen,
		}
	}
	return s, nil
}

// addSubscriptions adds the configured functions' triggers and the topic's
// subscribers to the runtime.
func (p *Pipeline) addSubscriptions() error {
	handlers := map[string]func(typ string) (runtime.Handler, error){
		FuncExtraction: func(typ string) (runtime.Handler, error) {
			if typ != "S3" {
				return nil, errors.New("the extraction function takes S3 events")
			}
			return runtime.S3Handler(p.Extraction.Handle), nil
		},
		FuncNotification: func(typ string) (runtime.Handler, error) {
			if typ != "DynamoDB" {
				return nil, errors.New("the notification function takes DynamoDB stream events")
			}
			return runtime.DynamoDBLogHandler(p.Notification.HandleLog), nil
		},
	}
	// The notification trigger's filter is widened by people's rules: a
	// record that matches an enabled rule reaches the function even when
	// the configured filter (urgency high) would drop it.
	admit := map[string]func(*pattern.Flat) bool{FuncNotification: p.Notification.Rules.Admit}
	var subs []runtime.Subscription
	for _, name := range []string{FuncExtraction, FuncNotification} {
		fc := p.Config.Functions[name]
		if fc == nil {
			continue
		}
		s, err := fc.subscriptions(name, handlers[name])
		if err != nil {
			return err
		}
		if a := admit[name]; a != nil {
			for i := range s {
				if len(s[i].Filters) > 0 {
					s[i].Admit = a
				}
			}
		}
		if name == FuncExtraction && p.Config.YieldAbove >= 0 {
			above, pause := p.Config.YieldAbove, p.Config.YieldPause
			if above == 0 {
				above = DefaultYieldAbove
			}
			if pause == 0 {
				pause = DefaultYieldPause
			}
			for i := range s {
				s[i].Yield = p.meter.yield(above, pause)
			}
		}
		subs = append(subs, s...)
	}
	var ackKey func(context.Context) ([]byte, error)
	if p.When != nil && p.Config.Escalation.After > 0 {
		ackKey = p.DB.AckKey
	}
	ts, err := topicSubscriptions(&p.Config, p.Logger, ackKey)
	if err != nil {
		return err
	}
	subs = append(subs, ts...)
	subs = append(subs, p.liveSubscription())      // table changes to the dashboard (live.go)
	subs = append(subs, p.analyticsSubscription()) // the aggregate tables (analytics.go)
	subs = append(subs, p.Extra...)
	for _, s := range subs {
		if p.Wrap != nil {
			s.Handler = p.Wrap(s.Name, s.Handler)
		}
		if err := p.Runtime.Add(s); err != nil {
			return err
		}
	}
	return nil
}

// topicSubscriptions returns the runtime subscriptions of the topic's
// subscribers in cfg (log, webhook, email, sns), each on its channel's
// filter and delivery policy. ackKey, when set, gives e-mails their ack
// links (escalation on). The embedded pipeline and the cluster's
// notification role (cluster.go) both run them.
func topicSubscriptions(cfg *Config, logger *slog.Logger, ackKey func(context.Context) ([]byte, error)) ([]runtime.Subscription, error) {
	var subs []runtime.Subscription
	for i, ts := range cfg.Topic.Subscriptions {
		s := runtime.Subscription{Source: doctales.SourceSNS, BatchSize: 10, Concurrency: 1}
		if ts.MaximumRetryAttempts != nil {
			s.MaxRetryAttempts = *ts.MaximumRetryAttempts
		}
		// A rule names the channels its notifications go to: each
		// subscriber takes the messages meant for its protocol (an SNS
		// filter policy on the message's targets attribute).
		s.Filters = []string{notify.ChannelFilter(ts.Protocol)}
		switch ts.Protocol {
		case "log":
			s.Name = "topic/log"
			ls := &notify.LogSubscriber{Logger: logger.With(LogKeyComponent, "notify")}
			if !cfg.LogPII {
				ls.Redact = redactPII
			}
			s.Handler = runtime.SNSHandler(ls.Deliver)
		case "webhook":
			// One notification per request, as SNS does, retried by the
			// subscription's delivery policy (throttle and circuit
			// included); see runtime.Subscription.Delivery.
			// The webhook refuses private targets the allow-list does not
			// name (issue 17), permanently: see notify.RefusedTargetError.
			policy := ts.Policy()
			wh, err := cfg.Topic.webhook(&ts)
			if err != nil {
				return nil, err
			}
			if err := wh.Validate(); err != nil {
				return nil, fmt.Errorf("topic.subscriptions[%d]: %w", i, err)
			}
			s.Name = "topic/webhook-" + strconv.Itoa(i+1)
			s.Handler = runtime.SNSHandler(wh.Deliver)
			s.BatchSize = 1
			s.Delivery = policy
		case "email":
			// One e-mail per notification, retried by the delivery
			// policy like a webhook; a refused address or message is
			// dead-lettered at once (notify.PermanentError).
			loc := time.UTC
			if cfg.Timezone != "" {
				l, err := time.LoadLocation(cfg.Timezone)
				if err != nil {
					return nil, fmt.Errorf("timezone %q: %w", cfg.Timezone, err)
				}
				loc = l
			}
			em, err := cfg.Topic.email(&ts, loc)
			if err != nil {
				return nil, fmt.Errorf("topic.subscriptions[%d]: %w", i, err)
			}
			if ackKey != nil {
				if em.AckKey, err = ackKey(context.Background()); err != nil {
					return nil, err
				}
			}
			s.Name = "topic/email-" + strconv.Itoa(i+1)
			s.Handler = runtime.SNSHandler(em.Deliver)
			s.BatchSize = 1
			s.Delivery = ts.Policy()
		case "sns":
			// Forwarded to an SNS(-compatible) topic (issue 13), on its
			// own delivery policy and dead letters like every channel.
			loc, err := cfg.Location()
			if err != nil {
				return nil, err
			}
			ch, err := cfg.Topic.sns(&ts, loc)
			if err != nil {
				return nil, fmt.Errorf("topic.subscriptions[%d]: %w", i, err)
			}
			s.Name = "topic/sns-" + strconv.Itoa(i+1)
			s.Handler = runtime.SNSHandler(ch.Deliver)
			s.BatchSize = 1
			s.Delivery = ts.Policy()
		}
		if i > 0 && ts.Protocol == "log" {
			s.Name += "-" + strconv.Itoa(i+1)
		}
		subs = append(subs, s)
	}
	return subs, nil
}

// onDeadLetter marks a communication whose extraction was dead-lettered as
// failed, with the error, so the API shows why it has no dimensions.
func (p *Pipeline) onDeadLetter(dl *doctales.DeadLetter) {
	if dl.Source != doctales.SourceS3 {
		return
	}
	id := idFromKey(dl.Key)
	status, msg := doctales.StatusFailed, dl.Error
	_, err := p.DB.UpdateItem(context.Background(), id, doctales.ItemUpdate{Status: &status, Error: &msg})
	if err != nil && doctales.ErrorCode(err) != doctales.ENOTFOUND {
		p.Logger.Error("mark item failed", "id", id, "error", err)
	}
}

// idFromKey returns the communication id of an object key
// "<type>/<yyyy>/<mm>/<dd>/<id>.json".
func idFromKey(key string) string {
	base := filepath.Base(key)
	return base[:len(base)-len(filepath.Ext(base))]
}

// sizes reports the table, log and database sizes for the metrics.
func (p *Pipeline) sizes(ctx context.Context) (map[string]float64, error) {
	st, err := p.DB.Stats(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{
		"log_records":  float64(st.LogRecords),
		"dead_letters": float64(st.DeadLetters),
		"items":        float64(st.Items),
	}
	for status, n := range st.ItemsByStatus {
		out["items_"+status] = float64(n)
	}
	// The HTTP edge's memory budget (issue 10); rejected counts up.
	if p.API != nil {
		pm := p.API.ParseMemory.Stats()
		out["parse_memory_budget_bytes"] = float64(pm.SizeBytes)
		out["parse_memory_in_use_bytes"] = float64(pm.InUseBytes)
		out["parse_memory_peak_bytes"] = float64(pm.PeakBytes)
		out["parse_memory_rejected"] = float64(pm.Rejected)
	}
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(p.DB.Path + suffix); err == nil {
			out["database_bytes"] += float64(fi.Size())
		}
	}
	return out, nil
}

// Start starts delivering events and evaluating alarms.
func (p *Pipeline) Start() error {
	backfill, err := p.analyticsNeedBackfill()
	if err != nil {
		return err
	}
	if p.backfillDecided != nil {
		backfill = *p.backfillDecided
	}
	if err := p.Runtime.Open(); err != nil {
		return err
	}
	if backfill && p.analyticsStop == nil {
		p.startAnalyticsBackfill()
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.meterCancel = cancel
	go p.meter.run(ctx)
	if p.When != nil && p.whenStop == nil {
		wctx, wcancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); p.When.Run(wctx) }()
		p.whenStop = func() { wcancel(); <-done }
	}
	if len(p.Alarms.Rules) > 0 {
		return p.Alarms.Open()
	}
	return nil
}

// DecideBackfill decides now, rather than in Start, whether the analytics
// tables need filling from the stored items. A caller that serves before
// it starts the runtime (bench, Main.DeferStart) calls it first: the
// items ingested meanwhile reach the aggregates through the change
// stream once the runtime starts, as they would have had it run, and a
// backfill would count them a second time.
func (p *Pipeline) DecideBackfill() error {
	backfill, err := p.analyticsNeedBackfill()
	if err != nil {
		return err
	}
	p.backfillDecided = &backfill
	return nil
}

// StartRetention starts the retention sweep (Config.Retain) in the
// background, when a period is set; Close stops it and waits for it.
func (p *Pipeline) StartRetention() {
	if p.Config.Retain <= 0 || p.retentionStop != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = p.retention().Run(ctx)
	}()
	p.retentionStop = func() { cancel(); <-done }
	p.Logger.Info("retention on", "retain", p.Config.Retain.String(), "every", p.Config.RetainSweepEvery.String())
}

// Close stops the runtime, then closes the live stream, the store and the
// table last.
func (p *Pipeline) Close() error {
	var errs []error
	if p.meterCancel != nil {
		p.meterCancel()
	}
	if p.retentionStop != nil {
		p.retentionStop()
	}
	if p.analyticsStop != nil {
		p.analyticsStop()
		p.analyticsStop = nil
	}
	if p.whenStop != nil {
		p.whenStop()
		p.whenStop = nil
	}
	if p.Alarms != nil {
		errs = append(errs, p.Alarms.Close())
	}
	if p.Runtime != nil {
		errs = append(errs, p.Runtime.Close())
	}
	if p.Hub != nil {
		p.Hub.Close()
	}
	if p.Journal != nil {
		errs = append(errs, p.Journal.Close())
	}
	if p.Tracer != nil {
		errs = append(errs, p.Tracer.Close())
	}
	if p.Sandbox != nil {
		errs = append(errs, p.Sandbox.Close())
	}
	if p.Store != nil {
		errs = append(errs, p.Store.Close())
	}
	if p.DB != nil {
		errs = append(errs, p.DB.Close())
	}
	if p.HistoryDB != nil {
		errs = append(errs, p.HistoryDB.Close())
	}
	if p.AnalyticsDB != nil {
		errs = append(errs, p.AnalyticsDB.Close())
	}
	// The folder is free once everything in it is closed.
	errs = append(errs, p.lock.Release())
	p.lock = nil
	return errors.Join(errs...)
}

// SetURL records the base URL the pipeline's API is served on in the data
// folder's lock file, for the commands that go through it.
func (p *Pipeline) SetURL(url string) error {
	if p.lock == nil {
		return errors.New("set the data folder's URL: the pipeline is not open")
	}
	return p.lock.SetURL(url)
}

// fanout publishes to the durable topic and then, best effort, to the live
// stream of connected browsers.
type fanout struct {
	topic *sqlite.Topic
	hub   *notify.Hub
}

func (f fanout) Publish(ctx context.Context, m *doctales.Message) error {
	if err := f.topic.Publish(ctx, m); err != nil {
		return err
	}
	if notify.ForChannel(m, doctales.ChannelBrowser) {
		_ = f.hub.Deliver(ctx, m)
	}
	return nil
}

var _ http.Handler = (*httpapi.Handler)(nil)

// newExtractor returns the extraction engine named by the configuration:
// the built-in engine, or Amazon Comprehend over it (which falls back to
// the built-in result when Comprehend fails). Comprehend's credentials and
// region come from the environment, as for the AWS CLI.
func newExtractor(name string, loc *time.Location, freshness time.Duration, reader []string, logger *slog.Logger) (doctales.Extractor, error) {
	if freshness == 0 {
		freshness = -1 // freshness: 0 turns the engine's rule off too
	}
	switch name {
	case "", ExtractorBuiltin:
		return extract.New(extract.WithLocation(loc), extract.WithFreshness(freshness), extract.WithReader(reader...)), nil
	case ExtractorComprehend:
		awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
		if err != nil {
			return nil, fmt.Errorf("extractor comprehend: load AWS configuration: %w", err)
		}
		return &comprehend.Extractor{Client: awscomprehend.NewFromConfig(awsCfg), Base: extract.New(extract.WithLocation(loc), extract.WithFreshness(freshness), extract.WithReader(reader...)), Logger: logger}, nil
	}
	return nil, fmt.Errorf("unknown extractor %q; known: builtin, comprehend", name)
}
