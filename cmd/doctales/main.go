// Command doctales runs the Doc-Tales pipeline on one machine: serve runs
// the pipeline and its HTTP API; the other commands import, inspect,
// repair, export and administer a data folder. The command table
// (commands, below) lists them all; "doctales -h" prints it and
// "doctales <command> -h" a command's flags and an example.
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
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/sandbox"
	"github.com/doctales/doctales/tracing"
)

func main() {
	mainStart = time.Now()
	// serve's background damage check, started as a child process of
	// this program, checks here and exits (checkproc.go).
	checkChildMain()
	// A parser worker started by sandbox.Pool serves here and exits.
	sandbox.Main(ingest.SandboxJobs())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if msg := errorMessage(err); msg != "" {
		fmt.Fprintln(os.Stderr, "doctales:", msg)
	}
	os.Exit(exitCode(err))
}

// mainStart is when main began, after the packages' initialisation: the
// first of serve's start phases (startPhases) is timed from it. Zero in
// tests, which do not run main.
var mainStart time.Time

// command is one entry of the command table: run dispatches on it, the
// top-level usage lists it, and TestCLI_Grammar checks the grammar rules
// (flags anywhere, -h, exit codes, --json) on every command and verb in
// it, so that a new command cannot skip them.
type command struct {
	Name string
	// Synopsis is the command's line in the top-level usage, after
	// "doctales ".
	Synopsis string
	// Verbs are the verbs of a command that takes one first (dlq list,
	// keys create, invoke extraction), nil for the others.
	Verbs []string
	// Arg names the positional argument(s) after the verb, if the command
	// takes any ("<communication-id>"); "" when it takes none.
	Arg string
	// JSON is whether the command prints data and so takes --json (an
	// empty list printed as []). NoJSON says why a command that does not
	// take it prints no data; exactly one of the two is set.
	JSON   bool
	NoJSON string
	// Usage is the command's help text: a "Usage:" line, what it does and
	// an "Example:" section. -h prints it, then the flags.
	Usage string
	Run   func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

// commands is the command table, in the order the top-level usage lists
// them.
var commands = []command{
	{Name: "serve", Synopsis: "serve [--data DIR] [--addr HOST:PORT] [--config FILE] [--webhook URL]...",
		NoJSON: "it serves; its output is the log", Usage: serveUsage, Run: runServe},
	{Name: "invoke", Synopsis: "invoke <ingestion|extraction|notification|delivery> [--event FILE] [--follow]",
		Verbs:  []string{"ingestion", "extraction", "notification", "delivery"},
		NoJSON: "its output is already JSON: the function's answer and, with --follow, one event a line", Usage: invokeUsage,
		Run: runInvoke},
	{Name: "dlq", Synopsis: "dlq list | show ID | redrive ID... | redrive --all [--json]",
		Verbs: []string{"list", "show", "redrive"}, Arg: "ID", JSON: true, Usage: dlqUsage,
		Run: func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runDLQ(ctx, args, stdout, stderr)
		}},
	{Name: "bench", Synopsis: "bench [--n N] [--clients C] [--rate R] [--duration D] [--json]", JSON: true, Usage: benchUsage,
		Run: func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runBench(ctx, args, stdout, stderr)
		}},
	{Name: "trace", Synopsis: "trace <communication-id> [--json]", Arg: "<communication-id>", JSON: true, Usage: traceUsage,
		Run: func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runTrace(ctx, args, stdout, stderr)
		}},
	{Name: "import", Synopsis: "import [--project P] [--source S] [--url URL] [--dry-run] [--workers N] [--wait] [--json] <path>",
		Arg: "<path>", JSON: true, Usage: importUsage,
		Run: func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runImport(ctx, args, stdout, stderr)
		}},
	{Name: "ingest", Synopsis: "ingest [--project P] [--source S] [--url URL] [--wait] <file>", Arg: "<file>", JSON: true, Usage: ingestUsage,
		Run: func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runIngest(ctx, args, stdout, stderr)
		}},
	{Name: "status", Synopsis: "status [--url URL | --data DIR] [--json]", JSON: true, Usage: statusUsage,
		Run: func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runStatus(ctx, args, stdout, stderr)
		}},
	{Name: "extract", Synopsis: "extract [--jsonl] < input", JSON: true, Usage: extractUsage, Run: runExtract},
	{Name: "eval", Synopsis: "eval [set...]", Arg: "[set...]",
		NoJSON: "it prints a score table for people, per labelled set", Usage: evalUsage,
		Run: func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runEval(ctx, args, stdout, stderr)
		}},
	{Name: "export", Synopsis: "export --out DIR [--aws --bucket B [--table T]]",
		NoJSON: "it writes its data to --out; on the terminal only a count", Usage: exportUsage,
		Run: func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runExport(ctx, args, stdout, stderr)
		}},
	{Name: "restore", Synopsis: "restore --from DIR [--aws --bucket B [--table T]] [--reextract] [--renotify]",
		NoJSON: "it writes into the data folder; on the terminal only a count", Usage: exportUsage,
		Run: func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runRestore(ctx, args, stdout, stderr)
		}},
	{Name: "keys", Synopsis: "keys create --user NAME --scope ingest|read|admin[,...] | keys list [--json] | keys revoke ID",
		Verbs: []string{"create", "list", "revoke"}, Arg: "ID", JSON: true, Usage: keysUsage,
		Run: func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runKeys(ctx, args, stdout, stderr)
		}},
	{Name: "users", Synopsis: "users add NAME | users list [--json] | users rm NAME | users adopt NAME",
		Verbs: []string{"add", "list", "rm", "adopt"}, Arg: "NAME", JSON: true, Usage: usersUsage, Run: runUsers},
	{Name: "rules", Synopsis: "rules list [--json] | rules add --name N --pattern JSON [--target CH,...] [--order N] | rules test (--pattern JSON | ID) [--json] | rules rm ID",
		Verbs: []string{"list", "add", "test", "rm"}, Arg: "ID", JSON: true, Usage: rulesUsage,
		Run: func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runRules(ctx, args, stdout, stderr)
		}},
	{Name: "audit", Synopsis: "audit [--since D] [--action A] [--json]", JSON: true, Usage: auditUsage,
		Run: func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runAudit(ctx, args, stdout, stderr)
		}},
	{Name: "doctor", Synopsis: "doctor [--data DIR] [--repair] [--json]", JSON: true, Usage: doctorUsage,
		Run: func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runDoctor(ctx, args, stdout, stderr)
		}},
	{Name: "version", Synopsis: "version [--json]", JSON: true, Usage: versionUsage,
		Run: func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runVersion(args, stdout, stderr)
		}},
}

// lookupCommand returns the table entry of name, or nil.
func lookupCommand(name string) *command {
	for i := range commands {
		if commands[i].Name == name {
			return &commands[i]
		}
	}
	return nil
}

// usage is the top-level usage, made from the command table.
func usage() string {
	var b strings.Builder
	b.WriteString("doctales — the Doc-Tales event pipeline\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  doctales %s\n", c.Synopsis)
	}
	b.WriteString(`
One process at a time owns a data folder (its lock file doctales.lock).
While a server holds it, import, ingest, invoke ingestion, dlq redrive and
rules go through the server's API (its URL is in the lock file); trace, dlq list,
dlq show and export read the folder read-only. Commands that talk to a
running server send the API key from $DOCTALES_API_KEY or --api-key-file.

Flags go before or after the arguments. Every command takes -h (its usage
and an example), and those that print data take --json. Exit status: 0 on
success, 1 when the command failed, 2 when it was called wrongly.

Example:
  doctales serve
  doctales import ~/Mail/inbox.mbox
  doctales trace 6f1c… --json

Run "doctales <command> -h" (or "doctales help <command>") for a command's flags.
`)
	return b.String()
}

// run dispatches a subcommand. With -h or --help among its arguments (before
// any "--"), the command's usage goes to stdout and run returns nil: help
// asked for is a success; usage shown because the call was wrong is a
// usage error.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return usageErrorf("", "give a command")
	}
	name, args := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 0 && name == "help" {
			// "doctales help dlq" is "doctales dlq -h".
			return run(ctx, []string{args[0], "-h"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage())
		return nil
	case "sandbox-worker":
		// Hidden: the name parser workers show in ps. A worker is selected
		// by sandbox.WorkerEnv in main; run by hand it has nothing to do.
		return errors.New("sandbox-worker is started by doctales itself, as a document parser worker")
	}
	c := lookupCommand(name)
	if c == nil {
		fmt.Fprint(stderr, usage())
		return usageErrorf("", "unknown command %q", name)
	}
	help := wantsHelp(args)
	errOut := stderr
	if help {
		errOut = stdout // the usage the flag set prints is the answer
	}
	err := c.Run(ctx, args, stdin, stdout, errOut)
	if help && errors.Is(err, flag.ErrHelp) {
		return nil
	}
	var ue *usageError
	if errors.As(err, &ue) && ue.cmd == "" {
		ue.cmd = name
	}
	return err
}

// wantsHelp reports whether args ask for help: -h, -help or --help before
// any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// usageError is a mistake in how a command was called: an unknown flag or
// verb, a missing or an extra argument. main exits 2 for it, 1 for a
// failure while the command ran, and points to the command's -h.
type usageError struct {
	cmd string // the command, for the hint; set by run
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usageErrorf returns a usageError of command cmd ("" lets run fill it in).
func usageErrorf(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, err: fmt.Errorf(format, args...)}
}

// exitCode is the process exit status for run's error: 0 for none, 2 for a
// usage error (or usage shown because arguments were missing), 1 else.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue), errors.Is(err, flag.ErrHelp):
		return 2
	}
	return 1
}

// errorMessage is what main prints for run's error, after "doctales: ":
// one message, with the structured form of a *doctales.Error
// ("doctales error: code=invalid message=…") replaced by its message, and
// for a usage error a pointer to the command's help. "" when there is
// nothing to print (no error, or usage already shown).
func errorMessage(err error) string {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return ""
	}
	msg := err.Error()
	var de *doctales.Error
	if errors.As(err, &de) {
		human := de.Message
		if de.Field != "" && !strings.Contains(human, de.Field) {
			human = de.Field + ": " + human
		}
		msg = strings.Replace(msg, de.Error(), human, 1)
	}
	msg = strings.TrimPrefix(msg, "doctales: ")
	var ue *usageError
	if errors.As(err, &ue) {
		if ue.cmd != "" {
			msg += fmt.Sprintf(" (see doctales %s -h)", ue.cmd)
		} else {
			msg += " (see doctales -h)"
		}
	}
	return msg
}

// runServe is the serve command: it runs until ctx ends (SIGINT, SIGTERM).
func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	m := NewMain()
	m.Stdout, m.Stderr = stdout, stderr
	if err := m.ParseFlags(args); err != nil {
		return err
	}
	if err := m.Run(ctx); err != nil {
		_ = m.Close()
		return err
	}
	// One plain line says where it serves, whatever the log level and
	// format (the log shows warnings and errors only by default).
	if m.Cluster != nil {
		fmt.Fprintf(stderr, "doctales serving %s role %s partition %s\n", m.URL(), m.Cluster.Role, m.Cluster.Partition)
	} else {
		fmt.Fprintf(stderr, "doctales serving %s data %s\n", m.URL(), m.Config.Data)
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(stderr, "doctales: shutting down")
		return m.Close()
	case err := <-m.Failed():
		// The table is damaged (found by the check run while serving):
		// stop as a refusal at start would, exit status 1.
		return errors.Join(err, m.Close())
	}
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
	// Warnings and errors only by default: a command's output is what it
	// prints, the log says what went wrong (serve sets its own default).
	fs.StringVar(&c.logLevel, "log-level", "warn", "log level: debug, info, warn or error, then component=level pairs (runtime, function, http, notify, sqlite, alarm), e.g. info,function=warn")
	fs.BoolVar(&c.logPII, "log-pii", false, "log notification subjects unredacted (by default people's names, e-mail addresses, phone numbers, card numbers... are redacted)")
	fs.StringVar(&c.logFmt, "log-format", "auto", "log format: text, json, or auto (text on a terminal, JSON otherwise)")
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
	format := strings.ToLower(c.logFmt)
	if format == "auto" || format == "" {
		format = "json"
		if isTerminal(stderr) {
			format = "text"
		}
	}
	switch format {
	case "json":
		h = slog.NewJSONHandler(stderr, opts)
	case "text":
		h = slog.NewTextHandler(stderr, opts)
	default:
		return cfg, nil, usageErrorf("", "--log-format %q: use text, json or auto", c.logFmt)
	}
	h = levelHandler{Handler: h, def: def, per: per}
	return cfg, slog.New(tracing.LogHandler(h)), nil
}
