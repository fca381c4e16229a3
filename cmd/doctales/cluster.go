package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/alarm"
	"github.com/doctales/doctales/dashboard"
	"github.com/doctales/doctales/fsblob"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/history"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/metrics"
	dtnats "github.com/doctales/doctales/nats"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/pattern"
	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/relay"
	"github.com/doctales/doctales/runtime"
	dts3 "github.com/doctales/doctales/s3"
	"github.com/doctales/doctales/sandbox"
	"github.com/doctales/doctales/sqlite"
	"github.com/doctales/doctales/tracing"
)

// The roles of `doctales serve --role` (issue 11, docs/cluster.md).
const (
	RoleAll          = "all"
	RoleAPI          = "api"
	RoleExtraction   = "extraction"
	RoleNotification = "notification"
)

// RelayOrigin names the PostgreSQL outbox in the Nats-Msg-Id of the records
// the relay copies into JetStream ("postgres/<seq>"). It must not change:
// a new name copies the outbox again.
const RelayOrigin = "postgres"

// clusterSettings are the cluster settings as given, each with the name to
// quote in an error: the flag when it came from the command line, the
// YAML key otherwise.
type clusterSettings struct {
	cfg   *Config
	names map[string]string // "role" -> "--role" or "role (config)"
}

// missing names a setting that is not given: the flag, or the key.
func (cs clusterSettings) missing(key string) string {
	return "--" + key + " (or " + key + ": in the configuration file)"
}

func (cs clusterSettings) name(key string) string {
	if n := cs.names[key]; n != "" {
		return n
	}
	return key + " (config)"
}

// validate checks the roles' settings: a role other than all needs
// the shared engines, the engines need PostgreSQL, a partition fits. Every
// error is a usage error (exit 2) naming the flag or key and its value.
func (cs clusterSettings) validate() error {
	c := cs.cfg
	if c.Role == "" {
		c.Role = RoleAll
	}
	switch c.Role {
	case RoleAll, RoleAPI, RoleExtraction, RoleNotification:
	default:
		return usageErrorf("serve", "%s %q: use api, extraction, notification or all", cs.name("role"), c.Role)
	}
	if c.NATS != "" {
		u, err := url.Parse(c.NATS)
		if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" {
			return usageErrorf("serve", "%s %q: give a NATS server URL, nats://HOST:PORT (or tls://)", cs.name("nats"), c.NATS)
		}
	}
	if c.Postgres != "" {
		if err := checkPostgresDSN("serve", cs.name("postgres"), c.Postgres); err != nil {
			return err
		}
	}
	if c.S3 != "" {
		if _, _, err := parseS3URL(c.S3); err != nil {
			return usageErrorf("serve", "%s %q: %v", cs.name("s3"), c.S3, err)
		}
	}
	if c.Role != RoleAll {
		if c.NATS == "" {
			return usageErrorf("serve", "%s %s needs %s: the processes of a cluster share the JetStream event log", cs.name("role"), c.Role, cs.missing("nats"))
		}
		if c.Postgres == "" {
			return usageErrorf("serve", "%s %s needs %s: the processes of a cluster share the table, ledger and dead letters in PostgreSQL", cs.name("role"), c.Role, cs.missing("postgres"))
		}
	}
	if c.NATS != "" && c.Postgres == "" {
		return usageErrorf("serve", "%s %q needs %s: the relay carries the table's change stream from the PostgreSQL outbox into JetStream", cs.name("nats"), c.NATS, cs.missing("postgres"))
	}
	if c.S3 != "" && c.Postgres == "" {
		return usageErrorf("serve", "%s %q needs %s: objects in S3 go with the table in PostgreSQL (the embedded mode keeps both in the data folder)", cs.name("s3"), c.S3, cs.missing("postgres"))
	}
	if c.Partition != "" {
		if c.Role != RoleExtraction && c.Role != RoleNotification {
			return usageErrorf("serve", "%s %q: only the extraction and notification roles are partitioned, not %s %s", cs.name("partition"), c.Partition, cs.name("role"), c.Role)
		}
		if _, err := parsePartition(c.Partition); err != nil {
			return usageErrorf("serve", "%s %q: %v", cs.name("partition"), c.Partition, err)
		}
	}
	return nil
}

// Clustered reports whether the configuration runs on the shared engines
// (or is one role of them) rather than the embedded data folder.
func (c *Config) Clustered() bool {
	return c.NATS != "" || c.Postgres != "" || c.S3 != "" || (c.Role != "" && c.Role != RoleAll)
}

// parsePartition reads "i/n" (partition i of n, 0 <= i < n <= 1024).
func parsePartition(s string) (runtime.Partition, error) {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return runtime.Partition{}, errors.New(`write it i/n: this process's index, from 0, and the number of processes of its role, e.g. 0/2`)
	}
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return runtime.Partition{}, errors.New(`write it i/n with two whole numbers, e.g. 1/2`)
	}
	if n < 1 || n > runtime.MaxPartitions {
		return runtime.Partition{}, fmt.Errorf("the count %d is outside 1..%d", n, runtime.MaxPartitions)
	}
	if i < 0 || i >= n {
		return runtime.Partition{}, fmt.Errorf("the index %d is outside 0..%d", i, n-1)
	}
	if n == 1 {
		return runtime.Partition{}, nil
	}
	return runtime.Partition{Index: i, Count: n}, nil
}

// parseS3URL reads --s3: s3://BUCKET (AWS) or http(s)://HOST:PORT/BUCKET
// (an S3-compatible server, path-style). endpoint is "" for AWS.
func parseS3URL(s string) (endpoint, bucket string, err error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", "", errors.New("not a URL: use s3://BUCKET or http(s)://HOST:PORT/BUCKET")
	}
	switch u.Scheme {
	case "s3":
		if u.Host == "" || strings.Trim(u.Path, "/") != "" {
			return "", "", errors.New("use s3://BUCKET, the bucket alone")
		}
		return "", u.Host, nil
	case "http", "https":
		b := strings.Trim(u.Path, "/")
		if u.Host == "" || b == "" || strings.Contains(b, "/") {
			return "", "", errors.New("use http(s)://HOST:PORT/BUCKET: the server and one bucket")
		}
		return u.Scheme + "://" + u.Host, b, nil
	}
	return "", "", fmt.Errorf("scheme %q: use s3://BUCKET or http(s)://HOST:PORT/BUCKET", u.Scheme)
}

// redactDSN hides a DSN's password in messages.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return dsn
}

// Cluster is one process of a self-hosted cluster (issue 11): the table,
// ledger, dead letters and flow history in PostgreSQL, the event log in
// NATS JetStream (or in PostgreSQL when there is no NATS), the objects in
// S3 or a shared folder, and the part of the pipeline its Role names.
//
//   - api: the HTTP API and ingestion (object, then item; the object's
//     ObjectCreated event goes to the event log), and the relay that
//     copies the PostgreSQL outbox (the table's change stream, redriven
//     dead letters) into JetStream: one api process at a time, elected
//     by PostgreSQL's advisory lock postgres.RelayLeaderLockKey; the
//     others stand by.
//   - extraction: the extraction subscriptions, partitioned by --partition.
//   - notification: the notification subscription and the topic's
//     subscribers (webhook, log, e-mail, sns), partitioned alike, and the
//     analytics subscription that keeps the aggregate tables.
//   - all: everything in one process.
type Cluster struct {
	Config    Config
	Logger    *slog.Logger
	Role      string
	Partition runtime.Partition

	PG        *postgres.DB
	NATS      *dtnats.Log       // nil without --nats
	Log       doctales.EventLog // NATS, else PG
	Store     clusterStore
	Extractor doctales.Extractor
	Runtime   *runtime.Runtime  // nil for the api role without NATS
	Hub       *notify.Hub       // the API's live stream (api and all roles)
	Relay     *relay.Relay      // api and all roles with NATS
	Election  *postgres.Elector // who runs Relay: one process of the cluster
	// MaxDeliveries turns the durable consumers' max-deliveries
	// advisories into dead letters (natsConsumers: durable, worker
	// roles; clusterconsumers.go).
	MaxDeliveries *dtnats.MaxDeliveries
	API           *httpapi.Handler // api and all roles
	Metrics       *metrics.Metrics
	Journal       *history.Journal
	Tracer        *tracing.Tracer
	Sandbox       *sandbox.Pool
	// Alarms evaluates the configuration's alarms on this process's
	// figures (clusteralarm.go); nil when it has none.
	Alarms *alarm.Evaluator
	// When fires reminders, escalation steps, held notifications and
	// digests (notification role, when configured; cluster_rules.go).
	When     *notify.When
	whenStop func()

	// Handler is what the process serves: the API, or a worker's
	// /healthz, /readyz, /metrics and /stats.
	Handler http.Handler

	// Registry keeps this process's row in the PostgreSQL process
	// registry (address, role, partition), refreshed on a heartbeat, for
	// `doctales status --postgres`; set by runCluster once it listens.
	Registry *postgres.Registration

	stopRelay context.CancelFunc // ends Election.Run
	relayDone chan struct{}      // closed when Election.Run returned

	// deletion is DELETE /communications/{id} and the retention sweep
	// (api and all roles; cluster_delete.go).
	deletion      clusterDeletion
	analyticsFill *analyticsFill // the aggregates' fill from the items (cluster_analytics.go)
}

// clusterStore is an object store the cluster's functions can use.
type clusterStore interface {
	doctales.ObjectStore
	function.ObjectRemover
}

func (c *Cluster) has(role string) bool { return c.Role == RoleAll || c.Role == role }

// Open connects to the engines and builds the role's functions, runtime
// and handler; nothing runs until Start.
func (c *Cluster) Open(ctx context.Context) error {
	cfg := &c.Config
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.Role = cfg.Role
	if c.Role == "" {
		c.Role = RoleAll
	}
	if cfg.Partition != "" {
		p, err := parsePartition(cfg.Partition)
		if err != nil {
			return err
		}
		c.Partition = p
	}
	var err error
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c.PG, err = postgres.Open(octx, cfg.Postgres, postgres.Options{TableName: cfg.TableName(),
		Logger: c.Logger.With(LogKeyComponent, "postgres")})
	if err != nil {
		return fmt.Errorf("--postgres %s: %w", redactDSN(cfg.Postgres), err)
	}
	c.Log = c.PG
	if cfg.NATS != "" {
		c.NATS, err = dtnats.Open(octx, cfg.NATS, dtnats.Options{Logger: c.Logger.With(LogKeyComponent, "nats"),
			MaxAge: cfg.NATSMaxAge})
		if err != nil {
			return fmt.Errorf("--nats %s: %w", cfg.NATS, err)
		}
		c.Log = c.NATS
	}
	if c.has(RoleAPI) || c.has(RoleExtraction) { // notification reads no object
		if err := c.openStore(octx); err != nil {
			return err
		}
	}
	c.Metrics = metrics.New()
	if c.Tracer, err = tracing.New(ctx); err != nil {
		return err
	}
	c.Journal = &history.Journal{Store: c.PG, Logger: c.Logger.With(LogKeyComponent, "history"), Skip: journalSkip}
	if err := c.Journal.Open(); err != nil {
		return err
	}

	if c.has(RoleExtraction) || c.has(RoleNotification) || (c.has(RoleAPI) && c.NATS != nil) {
		if err := c.openRuntime(); err != nil {
			return err
		}
	}
	if c.has(RoleAPI) {
		if c.NATS != nil {
			c.Relay = &relay.Relay{From: c.PG, To: c.NATS, Origin: RelayOrigin,
				Logger: c.Logger.With(LogKeyComponent, "relay")}
			if err := c.Relay.Validate(); err != nil {
				return err
			}
			c.Election = &postgres.Elector{DB: c.PG, Key: postgres.RelayLeaderLockKey, Name: "relay",
				Interval: cfg.RelayElection, Logger: c.Logger.With(LogKeyComponent, "relay")}
			c.Metrics.RegisterRelay(c.Election.Leading, c.Relay.Copied)
		}
		if err := c.openAPI(); err != nil {
			return err
		}
		c.openDeletion()
		c.Handler = c.API
	} else {
		c.Handler = c.workerHandler()
	}
	c.openAlarms()
	return nil
}

// openStore opens the objects' store: S3 with --s3, else the shared folder
// Data/objects. Each put appends its ObjectCreated event to the event log.
func (c *Cluster) openStore(ctx context.Context) error {
	cfg := &c.Config
	if cfg.S3 == "" {
		st := fsblob.NewStore(filepath.Join(cfg.Data, "objects"), cfg.BucketName())
		st.Events = c.Log
		cipher, err := cfg.Encryption.cipher()
		if err != nil {
			return err
		}
		st.Cipher = cipher
		if err := st.Open(); err != nil {
			return fmt.Errorf("open object store %s: %w", filepath.Join(cfg.Data, "objects"), keyHint(err))
		}
		c.Store = st
		return nil
	}
	endpoint, bucket, err := parseS3URL(cfg.S3)
	if err != nil {
		return err
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("--s3 %s: load AWS configuration: %w", cfg.S3, err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = "us-east-1"
	}
	if endpoint != "" {
		// S3-compatible servers may not know the SDK's newer checksum
		// headers: send and check checksums only where S3 requires them.
		awsCfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		awsCfg.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	}
	client := awss3.NewFromConfig(awsCfg, func(o *awss3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = &endpoint
			o.UsePathStyle = true
		}
	})
	if _, err := client.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: &bucket}); err != nil {
		return fmt.Errorf("--s3 %s: bucket %q: %w (create it first)", cfg.S3, bucket, err)
	}
	c.Store = &announcingStore{Store: dts3.NewStore(client, bucket), Events: c.Log, Region: awsCfg.Region}
	return nil
}

// openRuntime builds the runtime and the role's subscriptions.
func (c *Cluster) openRuntime() error {
	cfg := &c.Config
	flats := pattern.NewFlatCache(0)
	observer := runtime.Observers{c.Metrics, c.Journal, c.Tracer,
		&history.LogObserver{Logger: c.Logger.With(LogKeyComponent, "function")}}
	c.Runtime = &runtime.Runtime{Log: c.Log, DeadLetters: c.PG, Logger: c.Logger.With(LogKeyComponent, "runtime"),
		Observer: observer, Flats: flats}
	c.Metrics.RegisterRuntime(c.Runtime.Stats)
	if c.NATS != nil && cfg.NATSConsumers == NATSConsumersDurable {
		// Each subscription (but the api's live views, which start at the
		// end each time) on a durable consumer (clusterconsumers.go).
		c.Runtime.Feeds = &natsFeeds{log: c.NATS, ackWait: cfg.NATSAckWait}
	}
	var subs []runtime.Subscription
	if c.has(RoleExtraction) {
		if c.Extractor == nil {
			loc, err := cfg.Location()
			if err != nil {
				return err
			}
			ex, err := newExtractor(cfg.Extractor, loc, cfg.FreshnessWindow(), cfg.Reader, c.Logger)
			if err != nil {
				return err
			}
			c.Extractor = ex
		}
		ext := &function.Extraction{Store: c.Store, Table: c.PG, Extractor: c.Extractor, Logger: c.Logger}
		if fc := cfg.Functions[FuncExtraction]; fc != nil {
			s, err := fc.subscriptions(FuncExtraction, func(typ string) (runtime.Handler, error) {
				if typ != "S3" {
					return nil, errors.New("the extraction function takes S3 events")
				}
				return runtime.S3Handler(ext.Handle), nil
			})
			if err != nil {
				return err
			}
			subs = append(subs, s...)
		}
		c.Runtime.OnDeadLetter = c.onDeadLetter
	}
	if c.has(RoleNotification) {
		fn := &notify.Function{Topic: &logTopic{log: c.Log, name: cfg.TopicName(),
			arn: fmt.Sprintf("arn:aws:sns:%s:%s:%s", sqlite.DefaultRegion, sqlite.AccountID, cfg.TopicName())},
			Ledger: c.PG, Logger: c.Logger.With(LogKeyComponent, "notify"), Freshness: cfg.FreshnessWindow(), Flats: flats}
		if err := c.openRules(fn); err != nil { // people's rules and timers (cluster_rules.go)
			return err
		}
		fn.OnDecision = func(ctx context.Context, id, kind, detail string) {
			c.Journal.Add(&doctales.FlowEvent{CommunicationID: id, Step: "notification", Kind: kind, Detail: detail,
				TraceID: doctales.TraceID(doctales.TraceParent(ctx))})
		}
		if fc := cfg.Functions[FuncNotification]; fc != nil {
			s, err := fc.subscriptions(FuncNotification, func(typ string) (runtime.Handler, error) {
				if typ != "DynamoDB" {
					return nil, errors.New("the notification function takes DynamoDB stream events")
				}
				return runtime.DynamoDBLogHandler(fn.HandleLog), nil
			})
			if err != nil {
				return err
			}
			admitByRules(s, fn.Rules)
			subs = append(subs, s...)
		}
		// E-mails' ack links are signed with the database's ack key, so
		// that any api process checks them.
		ts, err := topicSubscriptions(cfg, c.Logger, c.PG.AckKey)
		if err != nil {
			return err
		}
		subs = append(subs, ts...)
		subs = append(subs, c.analyticsSubscription()) // the aggregate tables (cluster_analytics.go)
	}
	for i := range subs {
		subs[i].Partition = c.Partition
	}
	if c.has(RoleAPI) {
		// The live stream (GET /notifications/stream): every API process
		// reads, from the end of the shared log on (JetStream, or the
		// PostgreSQL log without --nats), every notification, passing
		// those for the browser to its connected browsers, and every
		// change of the table (the outbox's stream records, which the
		// relay copies into JetStream), sent as the embedded mode sends
		// them (liveHandler: "communication", "removed", "rule"), so a
		// dashboard on any API process sees an item appear and then its
		// extraction, written by another process, fill in.
		c.Hub = notify.NewHub()
		subs = append(subs, runtime.Subscription{
			Name: LiveNotificationsSubscription, Source: doctales.SourceSNS, StartAtLatest: true,
			Concurrency: 1, MaxRetryAttempts: runtime.NoRetries,
			Handler: runtime.SNSHandler(func(ctx context.Context, m *doctales.Message) error {
				if notify.ForChannel(m, doctales.ChannelBrowser) {
					_ = c.Hub.Deliver(ctx, m)
				}
				return nil
			}),
		}, runtime.Subscription{
			Name: LiveChangesSubscription, Source: doctales.SourceDynamoDB, StartAtLatest: true,
			Concurrency: 1, MaxRetryAttempts: runtime.NoRetries, // in order; a browser that missed a change reloads
			Handler: liveHandler(c.Hub),
		})
	}
	for _, s := range subs {
		if err := c.Runtime.Add(s); err != nil {
			return err
		}
	}
	return nil
}

// LiveNotificationsSubscription is the API processes' subscription to the
// topic's messages, for the live stream. It starts at the end of the log
// each time (StartAtLatest), so the processes can share its name.
const LiveNotificationsSubscription = "live-notifications"

// LiveChangesSubscription is the API processes' subscription to the
// table's change stream, for the live stream's "communication" events
// (the embedded mode's LiveSubscription). Like LiveNotificationsSubscription
// it starts at the end of the log each time and is shared by name.
const LiveChangesSubscription = "live-changes"

// liveSubscriptions are the API processes' live views: the flow history
// does not record their outcomes, which would add one step per API
// process to every trace and write a row per change to PostgreSQL.
var liveSubscriptions = map[string]bool{LiveNotificationsSubscription: true, LiveChangesSubscription: true}

// onDeadLetter marks a communication whose extraction was dead-lettered as
// failed, with the error, as the embedded pipeline does.
func (c *Cluster) onDeadLetter(dl *doctales.DeadLetter) {
	if dl.Source != doctales.SourceS3 {
		return
	}
	id := idFromKey(dl.Key)
	status, msg := doctales.StatusFailed, dl.Error
	_, err := c.PG.UpdateItem(context.Background(), id, doctales.ItemUpdate{Status: &status, Error: &msg})
	if err != nil && doctales.ErrorCode(err) != doctales.ENOTFOUND {
		c.Logger.Error("mark item failed", "id", id, "error", err)
	}
}

// openAPI builds the HTTP API over PostgreSQL and the store. Users, API
// keys, sessions, the audit log and the ack links' key are in PostgreSQL
// too (postgres/auth.go), so that every api process of the cluster knows
// the same ones: a key made with `doctales keys create --postgres DSN`
// works against any of them, and is refused by all once revoked.
func (c *Cluster) openAPI() error {
	cfg := &c.Config
	parser, pool, err := newParser(cfg.Parse, c.Logger)
	if err != nil {
		return err
	}
	c.Sandbox = pool
	c.API = &httpapi.Handler{
		Parser:      parser,
		Normalizer:  &ingest.Normalizer{MaxBodyBytes: cfg.MaxBodyBytes},
		Ingestion:   &function.Ingestion{Store: c.Store, Table: c.PG},
		Freshness:   cfg.FreshnessWindow(),
		Timezone:    cfg.Timezone,
		Table:       c.PG,
		Store:       c.Store,
		DeadLetters: c.PG,
		Stats:       c.stats,
		Stream:      c.hubHandler(),
		Metrics:     c.Metrics.Handler(),
		Middleware: func(h http.Handler) http.Handler {
			return c.Tracer.Middleware(c.Metrics.Middleware(h))
		},
		Ready: c.ready,
		Trace: func(ctx context.Context, id string) (any, error) {
			item, err := c.PG.GetItem(ctx, id)
			if err != nil {
				return nil, err
			}
			evs, err := c.PG.FlowEvents(ctx, id, 0)
			if err != nil {
				return nil, err
			}
			return history.NewTrace(item, evs), nil
		},
		Logger:          c.Logger.With(LogKeyComponent, "http"),
		UI:              dashboard.New(),
		ParseMemory:     httpapi.NewMemoryBudget(cfg.MaxParseMemory),
		ParseMemoryWait: cfg.ParseMemoryWait,
		ReadTimeout:     cfg.ReadTimeout,
		Auth:            c.PG,
		AllowedHosts:    cfg.AllowedHosts,
		AllowOrigins:    cfg.CORS.AllowOrigins,
		RateLimits:      cfg.RateLimits.limits(),
		RateLimiterFor:  c.sharedRateLimits(),
		AuditLog:        c.PG,
		AckKey:          c.PG.AckKey,
		// Large bodies: POST /uploads and its PUT on any api process
		// (clusterupload.go).
		LocalUploads: c.localUploads(),
		Analytics:    c.PG, // kept by the notification processes (cluster_analytics.go)
		Profiles:     c.PG, // GET/PUT /user-profile, shared by the api processes
		Directory:    c.PG, // GET /people, GET /projects, from the items table
	}
	c.API.Rules, c.API.Channels = c.PG, cfg.Channels() // people's rules, in PostgreSQL (cluster_rules.go)
	c.API.Init()
	return nil
}

// sharedRateLimits returns the builder of the API's rate limiters: counted
// in PostgreSQL, so that every api process of the cluster counts a caller
// against the same limit (docs/cluster.md, "Rate limits"), each falling
// back on its in-memory limiter while PostgreSQL fails; the fallbacks are
// doctales_rate_limit_fallbacks_total.
func (c *Cluster) sharedRateLimits() func(httpapi.RateLimit) httpapi.RateLimiter {
	rl := &postgres.RateLimits{DB: c.PG, Logger: c.Logger.With(LogKeyComponent, "ratelimit")}
	c.Metrics.RegisterRateLimitFallbacks(rl.Fallbacks)
	return func(l httpapi.RateLimit) httpapi.RateLimiter {
		return rl.Limiter(l.ID, l.PerSecond, l.Burst, httpapi.NewMemoryRateLimiter(l))
	}
}

// hubHandler is the API's live stream, nil (not enabled) without a hub.
func (c *Cluster) hubHandler() http.Handler {
	if c.Hub == nil {
		return nil
	}
	return c.Hub
}

// stats is GET /stats: the runtime's subscriptions (none for the api
// role), the relay's progress and the alarms' states.
func (c *Cluster) stats() any {
	out := map[string]any{"role": c.Role, "partition": c.Partition.String(), "subscriptions": []runtime.Stats{}}
	if c.Runtime != nil {
		out["subscriptions"] = c.Runtime.Stats()
	}
	if c.Relay != nil {
		out["relay"] = map[string]any{"state": c.Election.State(), "copied": c.Relay.Copied(), "terms": c.Election.Terms()}
	}
	out["alarms"] = c.alarmStates()
	if st := c.retentionState(); st != "" {
		out["retention"] = st
	}
	return out
}

// ready checks PostgreSQL, and names the lagging subscriptions.
func (c *Cluster) ready(ctx context.Context) (map[string]any, error) {
	details := map[string]any{"role": c.Role}
	if c.Election != nil {
		details["relay"] = c.Election.State()
	}
	var errs []error
	if err := c.PG.Pool().Ping(ctx); err != nil {
		errs = append(errs, fmt.Errorf("postgres: %w", err))
	}
	if c.NATS != nil {
		if _, err := c.NATS.Checkpoint(ctx, "readyz"); err != nil {
			errs = append(errs, fmt.Errorf("nats: %w", err))
		}
	}
	if c.Runtime != nil {
		lagging := map[string]string{}
		for _, st := range c.Runtime.Stats() {
			if st.IteratorAge > LagThreshold {
				lagging[st.Name] = st.IteratorAge.Round(time.Second).String()
			}
		}
		if len(lagging) > 0 {
			details["lagging"] = lagging
		}
	}
	if names := c.alarmsFiring(); len(names) > 0 {
		details["alarms"] = names
	}
	return details, errors.Join(errs...)
}

// workerHandler serves a worker's /healthz, /readyz, /metrics and /stats.
func (c *Cluster) workerHandler() http.Handler {
	mux := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		details, err := c.ready(r.Context())
		if err != nil {
			details["error"] = err.Error()
			writeJSON(w, http.StatusServiceUnavailable, details)
			return
		}
		details["status"] = "ready"
		writeJSON(w, http.StatusOK, details)
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, c.stats()) })
	mux.Handle("GET /metrics", c.Metrics.Handler())
	return mux
}

// Start starts the runtime, the relay and the alarms.
func (c *Cluster) Start() error {
	if c.Runtime != nil {
		if err := c.Runtime.Open(); err != nil {
			return fmt.Errorf("start runtime: %w", err)
		}
		if c.Runtime.Feeds != nil && (c.has(RoleExtraction) || c.has(RoleNotification)) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err := c.openMaxDeliveries(ctx)
			cancel()
			if err != nil {
				return fmt.Errorf("start max-deliveries advisories: %w", err)
			}
		}
	}
	if c.Alarms != nil {
		if err := c.Alarms.Open(); err != nil {
			return err
		}
	}
	c.startAnalyticsFill() // the aggregates, from the stored items, once (cluster_analytics.go)
	c.startWhen()
	if c.Relay != nil {
		// The relay runs in the one api process that holds the election's
		// lock; this one copies while it does, and stands by otherwise.
		ctx, cancel := context.WithCancel(context.Background())
		c.stopRelay, c.relayDone = cancel, make(chan struct{})
		go func() {
			defer close(c.relayDone)
			if err := c.Election.Run(ctx, c.Relay.Run); err != nil {
				c.Logger.Error("the relay's election stopped", "error", err)
			}
		}()
	}
	c.startRetention()
	return nil
}

// Close leaves the process registry, stops the runtime and the relay,
// then closes the engines.
func (c *Cluster) Close() error {
	errs := []error{c.leaveRegistry()}
	if c.Alarms != nil {
		errs = append(errs, c.Alarms.Close())
	}
	if c.Hub != nil {
		c.Hub.Close()
	}
	if c.stopRelay != nil {
		c.stopRelay()
		<-c.relayDone
	}
	c.stopRetention()
	c.stopAnalyticsFill()
	c.stopWhen()
	if c.MaxDeliveries != nil {
		errs = append(errs, c.MaxDeliveries.Close())
	}
	if c.Runtime != nil {
		errs = append(errs, c.Runtime.Close())
	}
	if c.Journal != nil {
		errs = append(errs, c.Journal.Close())
	}
	if c.Tracer != nil {
		errs = append(errs, c.Tracer.Close())
	}
	if c.Sandbox != nil {
		errs = append(errs, c.Sandbox.Close())
	}
	if st, ok := c.Store.(*fsblob.Store); ok {
		errs = append(errs, st.Close())
	}
	if c.NATS != nil {
		errs = append(errs, c.NATS.Close())
	}
	if c.PG != nil {
		errs = append(errs, c.PG.Close())
	}
	return errors.Join(errs...)
}

// leaveRegistry stops the heartbeat and deletes this process's row in
// the process registry (a clean stop); a second call does nothing.
func (c *Cluster) leaveRegistry() error {
	if c.Registry == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Registry.Close(ctx)
}

// runCluster is Main.Run for a cluster process.
func (m *Main) runCluster(ctx context.Context) error {
	c := &Cluster{Config: m.Config, Logger: m.logger}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	m.Cluster = c
	if err := c.Open(ctx); err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	setMemoryLimit(m.Config.MaxParseMemory, c.Logger)
	addr := m.Config.Addr
	open := false
	if c.API != nil {
		configured, err := c.PG.AuthConfigured(ctx)
		if err != nil {
			return err
		}
		if !configured && !isLoopback(addr) {
			return fmt.Errorf("serve: refusing to listen on %s without a user or an API key: anyone who can reach it could read all the mail. "+
				"Add one first with `doctales users add NAME --postgres DSN` or `doctales keys create --user NAME --scope admin --postgres DSN` "+
				"(the DSN of this --postgres: every api process of the cluster shares its users and keys), "+
				"or listen on loopback (--addr 127.0.0.1:8080)", addr)
		}
		open = !configured
	} else if !m.addrSet {
		addr = "127.0.0.1:0" // a worker's health and metrics, on a free port unless --addr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	m.ln = ln
	if c.API != nil {
		if _, port, err := net.SplitHostPort(ln.Addr().String()); err == nil {
			c.API.ListenPort = port
		}
	}
	m.srv = &http.Server{Handler: c.Handler, ReadHeaderTimeout: m.Config.ReadHeaderTimeout,
		ReadTimeout: m.Config.ReadTimeout, IdleTimeout: m.Config.IdleTimeout}
	go func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.Logger.Error("http server stopped", "error", err)
		}
	}()
	// Join the process registry, so that status --postgres finds this
	// process and its /stats.
	c.Registry = &postgres.Registration{DB: c.PG, Logger: c.Logger.With(LogKeyComponent, "registry"), Process: postgres.Process{
		ID: postgres.NewProcessID(), Role: c.Role, Partition: c.Partition.String(), Host: hostname(), PID: os.Getpid(),
		Address: advertisedAddr(m.Config.Advertise, ln.Addr().String()), Version: buildVersion().Version, Heartbeat: m.Config.Heartbeat}}
	if err := c.Registry.Open(ctx); err != nil {
		c.Registry = nil
		return fmt.Errorf("join the process registry: %w", err)
	}
	subs := []string{}
	if c.Runtime != nil {
		subs = c.Runtime.Subscriptions()
	}
	c.Logger.Info("serving", "addr", ln.Addr().String(), "role", c.Role, "partition", c.Partition.String(), "subscriptions", subs)
	if open {
		c.Logger.Warn(OpenModeMessage, "addr", ln.Addr().String())
	}
	return nil
}

// hostname is the machine's name for the process registry, "" when the
// system will not say.
func hostname() string {
	h, _ := os.Hostname()
	return h
}

// advertisedAddr is the address the process registry gives for this
// process: advertise when set, else listening (host:port), its
// unspecified host (0.0.0.0, ::) replaced by the machine's name, which
// other machines can resolve where 0.0.0.0 means nothing to them.
func advertisedAddr(advertise, listening string) string {
	if advertise != "" {
		return advertise
	}
	host, port, err := net.SplitHostPort(listening)
	if err != nil {
		return listening
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if h := hostname(); h != "" {
			return net.JoinHostPort(h, port)
		}
	}
	return listening
}

// logTopic is the notification topic of a cluster: each message is a
// SourceSNS record in the shared event log, which the notification role's
// subscribers read. On JetStream its Nats-Msg-Id derives from the
// MessageID, so a message published again within the duplicate window (a
// crash between publish and the ledger's mark) is stored once.
type logTopic struct {
	log  doctales.EventLog
	name string
	arn  string
}

// Publish appends m as a SourceSNS record keyed by its MessageID.
func (t *logTopic) Publish(ctx context.Context, m *doctales.Message) error {
	if m == nil {
		return doctales.Errorf(doctales.EINVALID, "Message required.")
	} else if m.MessageID == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "MessageId", "Message id required.")
	}
	if m.TopicArn == "" {
		m.TopicArn = t.arn
	}
	if m.Timestamp.IsZero() {
		m.Timestamp = time.Now().UTC()
	}
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("publish %q to %q: %w", m.MessageID, t.name, err)
	}
	rec := &doctales.LogRecord{Source: doctales.SourceSNS, Key: m.MessageID, Data: data}
	if nl, ok := t.log.(*dtnats.Log); ok {
		h := fnv.New64a()
		h.Write([]byte(m.MessageID))
		rec.Seq = int64(h.Sum64()>>1) | 1 // positive
		err = nl.AppendFrom(ctx, "sns-"+t.name, rec)
	} else {
		err = t.log.Append(ctx, rec)
	}
	if err != nil {
		return fmt.Errorf("publish %q to %q: %w", m.MessageID, t.name, err)
	}
	return nil
}

// announcingStore is the S3 adapter with S3's event notifications: each
// Put appends its ObjectCreated:Put record to the event log, as a bucket
// notification to the extraction queue would.
type announcingStore struct {
	*dts3.Store
	Events doctales.EventLog
	Region string
}

// Put stores the object, then appends its event; the put is acknowledged
// only once both are durable.
func (s *announcingStore) Put(ctx context.Context, key string, data []byte, contentType string) (doctales.ObjectInfo, error) {
	info, err := s.Store.Put(ctx, key, data, contentType)
	if err != nil {
		return info, err
	}
	r := events.S3EventRecord{EventVersion: "2.1", EventSource: doctales.SourceS3, AWSRegion: s.Region,
		EventTime: info.LastModified.UTC(), EventName: "ObjectCreated:Put"}
	r.S3.SchemaVersion = "1.0"
	r.S3.Bucket.Name = s.Bucket()
	r.S3.Bucket.Arn = "arn:aws:s3:::" + s.Bucket()
	r.S3.Object.Key = fsblob.EncodeKey(key)
	r.S3.Object.Size = info.Size
	r.S3.Object.ETag = info.ETag
	r.S3.Object.Sequencer = strconv.FormatInt(time.Now().UnixNano(), 16)
	body, err := json.Marshal(&r)
	if err != nil {
		return info, fmt.Errorf("put object %q: event: %w", key, err)
	}
	if err := s.Events.Append(context.WithoutCancel(ctx), &doctales.LogRecord{Source: doctales.SourceS3, Key: key, Data: body}); err != nil {
		return info, fmt.Errorf("put object %q: append event: %w", key, err)
	}
	return info, nil
}
