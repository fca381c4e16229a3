// Command doctales runs the Doc-Tales pipeline on one machine.
//
//	doctales serve [--data DIR] [--addr HOST:PORT] [--config FILE] [--webhook URL]...
//	doctales invoke <ingestion|extraction|notification|delivery> --event FILE [--follow]
//	doctales dlq list|show ID|redrive ID|redrive --all
//	doctales bench
//	doctales trace <communication-id>
//	doctales import [--project P] [--url URL] [--dry-run] <path>
//	doctales ingest <file>
//	doctales status
//	doctales extract [--jsonl]
//	doctales eval [set...]
//	doctales export --out DIR [--aws ...] / restore --from DIR [--aws ...]
//	doctales keys create --user NAME --scope SCOPE | keys list | keys revoke ID
//	doctales users add NAME | users list | users rm NAME
//	doctales audit [--since D] [--json]
//	doctales doctor [--data DIR] [--repair] [--json]
//	doctales version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/sandbox"
	"github.com/doctales/doctales/tracing"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

func main() {
	// A parser worker started by sandbox.Pool serves here and exits.
	sandbox.Main(ingest.SandboxJobs())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "doctales:", err)
		os.Exit(1)
	}
}

const usage = `doctales — the Doc-Tales event pipeline

Usage:
  doctales serve [--data DIR] [--addr HOST:PORT] [--config FILE] [--webhook URL]...
  doctales invoke <ingestion|extraction|notification|delivery> --event FILE [--follow]
  doctales dlq list | show ID | redrive ID | redrive --all
  doctales bench [--n N] [--clients C] [--rate R] [--duration D]
  doctales trace <communication-id> [--json]
  doctales import [--project P] [--source S] [--url URL] [--dry-run] [--workers N] [--wait] <path>
  doctales ingest [--project P] [--source S] [--url URL] <file>
  doctales status [--url URL]
  doctales extract [--jsonl] < input
  doctales eval [set...]
  doctales export --out DIR [--aws --bucket B [--table T]]
  doctales restore --from DIR [--aws --bucket B [--table T]] [--reextract] [--renotify]
  doctales keys create --user NAME --scope ingest|read|admin[,...] | keys list | keys revoke ID
  doctales users add NAME | users list | users rm NAME
  doctales audit [--since D] [--action A] [--json]
  doctales doctor [--data DIR] [--repair] [--json]
  doctales version

One process at a time owns a data folder (its lock file doctales.lock).
While a server holds it, import, ingest, invoke ingestion and dlq redrive
go through the server's API (its URL is in the lock file); trace, dlq list,
dlq show and export read the folder read-only. Commands that talk to a
running server send the API key from $DOCTALES_API_KEY or --api-key-file.

Run "doctales <command> -h" for a command's flags.
`

// run dispatches a subcommand.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "serve":
		m := NewMain()
		m.Stdout, m.Stderr = stdout, stderr
		if err := m.ParseFlags(args); err != nil {
			return err
		}
		if err := m.Run(ctx); err != nil {
			_ = m.Close()
			return err
		}
		fmt.Fprintln(stderr, "doctales: serving on", m.URL())
		<-ctx.Done()
		fmt.Fprintln(stderr, "doctales: shutting down")
		return m.Close()
	case "invoke":
		return runInvoke(ctx, args, stdout, stderr)
	case "dlq":
		return runDLQ(ctx, args, stdout, stderr)
	case "bench":
		return runBench(ctx, args, stdout, stderr)
	case "trace":
		return runTrace(ctx, args, stdout, stderr)
	case "import":
		return runImport(ctx, args, stdout, stderr)
	case "ingest":
		return runIngest(ctx, args, stdout, stderr)
	case "status":
		return runStatus(ctx, args, stdout, stderr)
	case "extract":
		return runExtract(ctx, args, stdin, stdout, stderr)
	case "eval":
		return runEval(ctx, args, stdout, stderr)
	case "export":
		return runExport(ctx, args, stdout, stderr)
	case "restore":
		return runRestore(ctx, args, stdout, stderr)
	case "keys":
		return runKeys(ctx, args, stdout, stderr)
	case "users":
		return runUsers(ctx, args, stdin, stdout, stderr)
	case "audit":
		return runAudit(ctx, args, stdout, stderr)
	case "doctor":
		return runDoctor(ctx, args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "doctales", Version)
		return nil
	case "sandbox-worker":
		// Hidden: the name parser workers show in ps. A worker is selected
		// by sandbox.WorkerEnv in main; run by hand it has nothing to do.
		return errors.New("sandbox-worker is started by doctales itself, as a document parser worker")
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// commonFlags are the flags every command that opens the data folder takes.
type commonFlags struct {
	config    string
	data      string
	extractor string
	logLevel  string
	logFmt    string
	logPII    bool
	parse     parseFlags
	encrypt   encryptionFlags
	// timezone is --timezone, which the commands that extract register
	// (registerTimezone).
	timezone string
}

// registerTimezone registers --timezone, the reader's time zone.
func (c *commonFlags) registerTimezone(fs *flag.FlagSet) {
	fs.StringVar(&c.timezone, "timezone", "", `time zone of the person who reads the mail, an IANA name such as Europe/Berlin: "today", "5pm" and business days are read in it (default: each message's own zone)`)
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "config", "", "YAML configuration file (functions, events, topic subscriptions)")
	fs.StringVar(&c.data, "data", "", "data folder for the table and the objects (default ./data)")
	fs.StringVar(&c.extractor, "extractor", "", "extraction engine: builtin (default) or comprehend (Amazon Comprehend; AWS credentials from the environment)")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn or error, then component=level pairs (runtime, function, http, notify, sqlite, alarm), e.g. info,function=warn")
	fs.BoolVar(&c.logPII, "log-pii", false, "log notification subjects unredacted (by default people's names, e-mail addresses, phone numbers, card numbers... are redacted)")
	fs.StringVar(&c.logFmt, "log-format", "json", "log format: json or text")
	c.parse.register(fs)
	c.encrypt.register(fs)
}

// load returns the configuration and a logger.
func (c *commonFlags) load(stderr io.Writer) (Config, *slog.Logger, error) {
	cfg := DefaultConfig()
	if c.config != "" {
		var err error
		if cfg, err = ReadConfig(c.config); err != nil {
			return cfg, nil, err
		}
	}
	if c.data != "" {
		cfg.Data = c.data
	}
	if c.extractor != "" {
		cfg.Extractor = c.extractor
		if err := cfg.Validate(); err != nil {
			return cfg, nil, fmt.Errorf("--extractor: %w", err)
		}
	}
	if c.timezone != "" {
		cfg.Timezone = c.timezone
		if _, err := loadTimezone("--timezone", c.timezone); err != nil {
			return cfg, nil, err
		}
	}
	if c.logPII {
		cfg.LogPII = true
	}
	c.parse.apply(&cfg)
	if err := cfg.Parse.validate(); err != nil {
		return cfg, nil, err
	}
	if err := c.encrypt.apply(&cfg); err != nil {
		return cfg, nil, err
	}
	def, per, err := parseLevels(c.logLevel)
	if err != nil {
		return cfg, nil, err
	}
	// The inner handler passes everything; levelHandler decides per
	// component.
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	var h slog.Handler
	switch strings.ToLower(c.logFmt) {
	case "json":
		h = slog.NewJSONHandler(stderr, opts)
	case "text":
		h = slog.NewTextHandler(stderr, opts)
	default:
		return cfg, nil, fmt.Errorf("--log-format %q: use json or text", c.logFmt)
	}
	h = levelHandler{Handler: h, def: def, per: per}
	return cfg, slog.New(tracing.LogHandler(h)), nil
}
