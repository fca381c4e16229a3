package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/sqlite"
)

// stringsFlag is a repeatable string flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return fmt.Sprint(*s) }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// Main is the serve command: the pipeline and its HTTP server. Tests drive
// it like the real program: NewMain, ParseFlags, Run, Close.
type Main struct {
	Config   Config
	Pipeline *Pipeline
	Stdout   io.Writer
	Stderr   io.Writer

	// ShutdownTimeout bounds the wait for in-flight HTTP requests on Close.
	ShutdownTimeout time.Duration

	// DeferStart makes Run serve without starting the runtime: nothing is
	// extracted or notified until the caller calls Pipeline.Start, which
	// then catches up from the log. bench uses it to measure the ingest
	// path alone, then extraction's catch-up on its own.
	DeferStart bool

	// Cluster is the process of a cluster role (--role, --nats,
	// --postgres, --s3; cluster.go) when Config.Clustered; Pipeline is
	// then nil.
	Cluster *Cluster

	flags    commonFlags
	logger   *slog.Logger
	addrSet  bool // --addr or addr in the file: a worker listens there
	addr     string
	webhooks stringsFlag
	ln       net.Listener
	srv      *http.Server
}

// NewMain returns a Main with defaults.
func NewMain() *Main {
	return &Main{Config: DefaultConfig(), Stdout: os.Stdout, Stderr: os.Stderr, ShutdownTimeout: 10 * time.Second}
}

const serveUsage = `Usage: doctales serve [--data DIR] [--addr HOST:PORT] [--config FILE] [--webhook URL]...
       doctales serve --role api|extraction|notification|all --nats URL --postgres DSN [--s3 URL] [--partition I/N]

Runs the pipeline on embedded defaults and its HTTP API (POST
/communications, the dashboard, the live stream) until interrupted. One
line says where it serves; the log shows warnings, errors and the log
subscriber's notifications (--log-level info for more, debug for one line
per request and invocation).

Example:
  doctales serve
  doctales serve --data ~/doctales --addr 127.0.0.1:9090 --webhook http://127.0.0.1:9000/hook
  doctales serve --role extraction --partition 0/2 --nats nats://127.0.0.1:4222 --postgres postgres://doctales@127.0.0.1/doctales

With --postgres the table, ledger, dead letters and flow history are in
PostgreSQL; with --nats the event log is NATS JetStream; with --s3 the
objects are in S3. --role runs one part: api (HTTP API, ingestion, the
outbox relay), extraction or notification (their subscriptions; several
processes of one role share them with --partition i/n). A worker serves
/healthz, /readyz, /metrics and /stats on --addr (default a free port).
See docs/cluster.md.

Flags:
`

// serveLogLevel is serve's default --log-level: warnings and errors, and
// the notifications the topic's log subscriber writes (its purpose);
// per-request and per-invocation lines are info or debug.
const serveLogLevel = "warn,notify=info"

// ParseFlags reads the serve flags and the configuration file.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("doctales serve", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), serveUsage); fs.PrintDefaults() }
	m.flags.register(fs)
	m.flags.registerTimezone(fs)
	fs.Lookup("log-level").DefValue, m.flags.logLevel = serveLogLevel, serveLogLevel
	fs.StringVar(&m.addr, "addr", "", "HTTP listen address (default 127.0.0.1:8080)")
	fs.Var(&m.webhooks, "webhook", "add a webhook subscriber to the notification topic (repeatable)")
	retain := fs.String("retain", "", "delete communications older than this, by their date (365d, 720h; 0 keeps everything, the default)")
	maxBody := fs.Int64("max-body-bytes", 0, "largest accepted POST /communications body in bytes (default 1048576)")
	role := fs.String("role", "", "the part this process runs: api, extraction, notification or all (default all)")
	natsURL := fs.String("nats", "", "NATS server URL of the JetStream event log, nats://HOST:PORT (default: the log in SQLite, or PostgreSQL with --postgres)")
	pgDSN := fs.String("postgres", "", "PostgreSQL DSN of the table, ledger, dead letters and history (default: SQLite in --data)")
	s3URL := fs.String("s3", "", "objects in S3: s3://BUCKET, or http(s)://HOST:PORT/BUCKET for an S3-compatible server (default: --data/objects)")
	partition := fs.String("partition", "", "i/n: this process takes partition i (from 0) of n of its role's subscriptions (default: all of them)")
	maxParse := fs.Int64("max-parse-memory", 0, "memory budget of raw uploads and document parses in flight, in bytes; past it raw posts get 503 with Retry-After (default 536870912)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("serve", pos); err != nil {
		return err
	}
	cfg, logger, err := m.flags.load(m.Stderr)
	if err != nil {
		return err
	}
	m.addrSet = m.addr != "" || cfg.Addr != DefaultConfig().Addr
	if m.addr != "" {
		cfg.Addr = m.addr
	}
	cs := clusterSettings{cfg: &cfg, names: map[string]string{}}
	for key, v := range map[string]*string{"role": role, "nats": natsURL, "postgres": pgDSN, "s3": s3URL, "partition": partition} {
		if *v != "" {
			cs.names[key] = "--" + key
		}
	}
	if *role != "" {
		cfg.Role = *role
	}
	if *natsURL != "" {
		cfg.NATS = *natsURL
	}
	if *pgDSN != "" {
		cfg.Postgres = *pgDSN
	}
	if *s3URL != "" {
		cfg.S3 = *s3URL
	}
	if *partition != "" {
		cfg.Partition = *partition
	}
	if err := cs.validate(); err != nil {
		return err
	}
	if *retain != "" {
		if cfg.Retain, err = ParsePeriod(*retain); err != nil {
			return fmt.Errorf("serve: --retain: %w", err)
		}
	}
	if *maxBody != 0 {
		cfg.MaxBodyBytes = *maxBody
	}
	if *maxParse != 0 {
		cfg.MaxParseMemory = *maxParse
	}
	for _, u := range m.webhooks {
		cfg.Topic.Subscriptions = append(cfg.Topic.Subscriptions, TopicSubscription{Protocol: "webhook", Endpoint: u})
		cfg.Topic.AllowPrivateTargets = append(cfg.Topic.AllowPrivateTargets, flagLoopbackAllow(u)...)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	m.Config = cfg
	m.logger = logger
	if cfg.Clustered() {
		return nil // Run builds the cluster process
	}
	m.Pipeline = &Pipeline{Config: cfg, Logger: logger}
	return nil
}

// Run opens the pipeline, starts the runtime and starts serving HTTP. It
// returns once the server listens.
func (m *Main) Run(ctx context.Context) error {
	if m.Config.Clustered() {
		return m.runCluster(ctx)
	}
	if m.Pipeline == nil {
		m.Pipeline = &Pipeline{Config: m.Config}
	}
	if err := m.Pipeline.Open(); err != nil {
		return err
	}
	ph := newStartPhases(m.Pipeline.Logger)
	if !m.DeferStart {
		if err := m.Pipeline.Start(); err != nil {
			return fmt.Errorf("start runtime: %w", err)
		}
	} else if err := m.Pipeline.DecideBackfill(); err != nil {
		return fmt.Errorf("start runtime: %w", err)
	}
	m.Pipeline.StartRetention()
	ph.done("runtime started")
	setMemoryLimit(m.Config.MaxParseMemory, m.Pipeline.Logger)
	open, err := m.checkAuth()
	if err != nil {
		return err
	}
	ph.done("auth check")
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.ln = ln
	if _, port, err := net.SplitHostPort(ln.Addr().String()); err == nil {
		m.Pipeline.API.ListenPort = port // "localhost" is accepted on this port only
	}
	m.srv = &http.Server{
		Handler:           m.Pipeline.API,
		ReadHeaderTimeout: m.Config.ReadHeaderTimeout,
		ReadTimeout:       m.Config.ReadTimeout,
		IdleTimeout:       m.Config.IdleTimeout,
	}
	// Tell other commands where to send what they would write into the
	// data folder (issue 11).
	if err := m.Pipeline.SetURL(m.URL()); err != nil {
		ln.Close()
		m.srv = nil
		return err
	}
	// srv, not m.srv: Close sets m.srv to nil, maybe before this runs
	// (a background check that finds damage stops the server at once).
	srv := m.srv
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Pipeline.Logger.Error("http server stopped", "error", err)
		}
	}()
	ph.done("listen")
	// Now the damage checks that wait for the listen may read.
	m.Pipeline.Listening()
	m.Pipeline.Logger.Info("serving", "addr", ln.Addr().String(), "data", m.Config.Data,
		"subscriptions", m.Pipeline.Runtime.Subscriptions())
	if open {
		m.Pipeline.Logger.Warn(OpenModeMessage, "addr", ln.Addr().String())
	}
	return nil
}

// OpenModeMessage is logged (Warn) when serve starts without users or
// keys: anything on this machine can read and post mail until one exists.
const OpenModeMessage = "serving without authentication (open mode): no user or API key yet; any program on this machine can read and post; add one with `doctales users add NAME` or `doctales keys create --user NAME --scope admin`"

// checkAuth reports whether the server will run open (no user and no
// unrevoked key yet), and refuses to run open on an address other
// machines can reach (issue 17).
func (m *Main) checkAuth() (open bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	configured, err := m.Pipeline.DB.AuthConfigured(ctx)
	if err != nil {
		return false, err
	}
	if !configured && !isLoopback(m.Config.Addr) {
		return false, fmt.Errorf("serve: refusing to listen on %s without a user or an API key: anyone who can reach it could read all the mail. "+
			"Add one first with `doctales users add NAME` (password from the terminal) or `doctales keys create --user NAME --scope admin`, "+
			"or listen on loopback (--addr 127.0.0.1:8080)", m.Config.Addr)
	}
	return !configured, nil
}

// DefaultMemoryLimitHeadroom is what the Go heap and stacks of the serve
// process may hold besides the parse memory budget, in bytes (64 MiB):
// the extraction engine's models, the table's cache and the goroutines.
// (RSS at rest is about 90 MiB, of which the binary's mapped text and
// other memory the runtime does not manage are about 40 MiB.)
const DefaultMemoryLimitHeadroom = 64 << 20

// setMemoryLimit sets the Go runtime's soft memory limit to the parse
// memory budget plus DefaultMemoryLimitHeadroom, unless GOMEMLIMIT is set.
// The budget bounds what the uploads in flight hold; the limit makes the
// collector return what finished ones left behind before the heap doubles
// (GOGC), so that RSS follows the budget. 32 concurrent 30 MB DOCX
// uploads with a 256 MiB budget (TestMemoryBudget) peaked at 3.8 GiB RSS
// without the budget, 416-427 MiB with the budget alone (baseline about
// 95 MiB), and about 360 MiB with the budget and this limit.
func setMemoryLimit(budget int64, logger *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if budget <= 0 {
		budget = httpapi.DefaultMaxParseMemory // as the handler does
	}
	limit := budget + DefaultMemoryLimitHeadroom
	debug.SetMemoryLimit(limit)
	logger.Debug("memory limit set", "bytes", limit, "maxParseMemory", budget)
}

// Failed returns a channel that receives the error that must stop the
// server once it runs: the background damage check (issue 15) of the
// table, history.db or analytics.db found damage (the first one found).
// It never receives when the checks were synchronous (a damaged file was
// refused by Run) or pass, nor in clustered mode.
func (m *Main) Failed() <-chan error {
	ch := make(chan error, 1)
	if m.Pipeline == nil || m.Pipeline.DB == nil {
		return ch
	}
	data := m.Config.Data
	watch := func(db *sqlite.DB, damaged func(error) error) {
		go func() {
			<-db.CheckDone()
			if st := db.StorageCheck(); st.State == sqlite.CheckFailed {
				select {
				case ch <- damaged(st.Err):
				default: // another file's damage is already reported
				}
			}
		}()
	}
	watch(m.Pipeline.DB, func(err error) error { return backgroundDamageError(err, data) })
	for _, f := range m.Pipeline.otherDBs() {
		watch(f.db, f.damaged)
	}
	return ch
}

// backgroundDamageError is the error serve stops with when the check it
// ran while serving, after a clean close, finds the table damaged: the
// message of the synchronous refusal, saying that the server had started.
func backgroundDamageError(err error, data string) error {
	return fmt.Errorf("%w. Found by the check run while serving (the last close was clean and the file looked unchanged, so the server had started): "+
		"the server stopped, and the next start refuses the file until it is repaired. Run `doctales doctor --data %s` for a full check. %s",
		err, data, recoveryHint(data))
}

// URL returns the base URL the server listens on.
func (m *Main) URL() string {
	if m.ln == nil {
		return ""
	}
	return "http://" + m.ln.Addr().String()
}

// Close stops accepting requests and waits for those in flight, then stops
// the runtime and closes the stores. It tolerates a second call.
func (m *Main) Close() error {
	var errs []error
	if m.Cluster != nil {
		// Leave the process registry first: status stops listing this
		// process while it drains its requests.
		errs = append(errs, m.Cluster.leaveRegistry())
	}
	if m.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.ShutdownTimeout)
		// Live streams never end on their own: close the hub first so
		// Shutdown does not wait for them.
		if m.Pipeline != nil && m.Pipeline.Hub != nil {
			m.Pipeline.Hub.Close()
		}
		if m.Cluster != nil && m.Cluster.Hub != nil {
			m.Cluster.Hub.Close()
		}
		errs = append(errs, m.srv.Shutdown(ctx))
		cancel()
		m.srv = nil
	}
	if m.Pipeline != nil {
		errs = append(errs, m.Pipeline.Close())
		m.Pipeline = nil
	}
	if m.Cluster != nil {
		errs = append(errs, m.Cluster.Close())
		m.Cluster = nil
	}
	return errors.Join(errs...)
}

// flagLoopbackAllow returns the allow-list entries a `--webhook URL` flag
// implies: the address of a literal loopback URL (http://127.0.0.1:9000/,
// http://[::1]:9000/, or localhost, as both), which the operator typing it
// on the command line means to reach. Anything else (a private or
// metadata address, a name) is left to topic.allowPrivateTargets in the
// configuration file and refused without it.
func flagLoopbackAllow(endpoint string) []string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return []string{"127.0.0.1/32", "::1/128"}
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Unmap().IsLoopback() {
		return []string{netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()).String()}
	}
	return nil
}
