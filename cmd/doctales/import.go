package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/client"
	"github.com/doctales/doctales/importer"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/internal/datalock"
	"github.com/doctales/doctales/runtime"
	"github.com/doctales/doctales/sqlite"
	"golang.org/x/term"
)

const importUsage = `Usage: doctales import [flags] <path>

Imports e-mail, documents and social exports through the ingestion
function: <path> is a single .eml, an mbox file, a Maildir folder, a Slack
export folder (channels.json, users.json, <channel>/<date>.json), a JSON-lines
file of posts (.jsonl), a document (.txt, .md, .html, .pdf, .docx), or a
folder tree of these.

Locally (the default) it opens the data folder and runs the pipeline while it
imports, so extraction starts at once. When a server holds the data folder,
it posts every item to that server instead (the URL is in the folder's lock
file, and a line says so); with --url, to the server at that URL. Given a
cluster's --postgres DSN (or postgres: in --config) and no --url, to the
cluster's live api process, found in its process registry (a line says
which; with none live it fails, sending nothing). Items already in (same Message-ID or content) are skipped, so
an interrupted import can simply be run again. A summary ends the run.

Symbolic links are not followed (each is named in the summary) unless
--follow-symlinks, and never out of <path>; FIFOs, sockets and devices are
skipped; a file over its kind's size limit is refused before it is read.

Example:
  doctales import ~/Mail/inbox.mbox
  doctales import ~/export/slack --project acme --wait
  doctales import notes/ --url localhost:8080 --json

Flags:
`

// importFlags are the flags of import and ingest.
type importFlags struct {
	common   commonFlags
	project  string
	source   string
	url      string
	dryRun   bool
	workers  int
	wait     bool
	yield    time.Duration
	throttle throttle
	progress string
	jsonOut  bool
	follow   bool // --follow-symlinks

	// user owns what a local import stores (--user); see localOwner.
	user string

	// notify and noNotify override the freshness window (--notify,
	// --no-notify).
	notify, noNotify bool

	// apiKeyFile holds the key sent with --url (else $DOCTALES_API_KEY).
	apiKeyFile string

	// postgres is --postgres: a cluster's DSN, whose live api process
	// the items go through (clusterroute.go).
	postgres string

	// name is the command, "import" or "ingest", for messages and the
	// data folder's lock file.
	name string
}

func (f *importFlags) register(fs *flag.FlagSet) {
	f.common.register(fs)
	f.common.registerTimezone(fs)
	// The progress line and the summary are the output; --log-level warn
	// also logs each failed item, and a cancelled extraction at the end.
	fs.Lookup("log-level").DefValue = "error"
	f.common.logLevel = "error"
	fs.StringVar(&f.project, "project", "", "project of every communication (default \"default\")")
	fs.StringVar(&f.source, "source", "", "source to record (default: email, document, or the platform)")
	fs.StringVar(&f.url, "url", "", "send to the server at this base URL (POST /communications) instead of the local data folder")
	fs.StringVar(&f.apiKeyFile, "api-key-file", "", "with --url or --postgres: a file holding the API key (default $"+EnvAPIKey+")")
	fs.StringVar(&f.postgres, "postgres", "", "PostgreSQL DSN of a cluster (as given to serve --postgres): send through the live api process its process registry names (default: the postgres of --config; --url wins)")
	fs.StringVar(&f.user, "user", "", "locally, the user the communications belong to (default: the data folder's only user, if it has one)")
	fs.BoolVar(&f.notify, "notify", false, "push what becomes high even when it is older than the freshness window (default: only fresh mail is pushed)")
	fs.BoolVar(&f.noNotify, "no-notify", false, "push nothing for what this run stores, however fresh")
	fs.BoolVar(&f.dryRun, "dry-run", false, "parse and report, store nothing")
	fs.IntVar(&f.workers, "workers", importer.DefaultWorkers, "items parsed and stored at once")
	fs.DurationVar(&f.yield, "yield", defaultYield, "locally, pause extraction this long before each batch while importing, so ingestion goes first (0: no pause)")
}

// defaultYield is the pause of extraction batches during a local import.
const defaultYield = time.Second

// throttle makes extraction yield to a running import: while active, each
// extraction batch starts after a pause, so batches grow, commits get
// fewer and ingestion gets the CPU and the disk. Extraction lags and
// catches up once the import is over (or with --wait).
type throttle struct {
	pause  time.Duration
	active atomic.Bool
}

// wrap wraps the extraction subscriptions' handlers.
func (t *throttle) wrap(sub string, h runtime.Handler) runtime.Handler {
	if sub != FuncExtraction && !strings.HasPrefix(sub, FuncExtraction+"/") {
		return h
	}
	return runtime.HandlerFunc(func(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
		if t.active.Load() {
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(t.pause):
			}
		}
		return h.Invoke(ctx, recs)
	})
}

// sink opens the destination: the local pipeline (started) or the server
// at --url. Without --url, given a cluster's DSN (--postgres, or postgres:
// of --config) it is the cluster's live api process (clusterURL); else,
// when a server holds the data folder, it is the server at the URL the
// server wrote into the folder's lock file: running a second pipeline on
// the folder would process every record twice (issue 11). The returned
// close function stops what it opened.
func (f *importFlags) sink(stderr io.Writer) (importer.Sink, *Pipeline, func() error, error) {
	nop := func() error { return nil }
	if f.url == "" && !f.dryRun {
		cfg, _, err := f.common.load(io.Discard)
		if err != nil {
			return nil, nil, nil, err
		}
		// A cluster's DSN: through its live api process (clusterroute.go).
		if f.url, err = f.clusterURL(cfg, stderr); err != nil {
			return nil, nil, nil, err
		}
		url, holder := "", (*datalock.Holder)(nil)
		if f.url == "" {
			if url, holder, err = folderServer(cfg.Data); err != nil {
				return nil, nil, nil, err
			}
		}
		if url != "" {
			if f.user != "" {
				return nil, nil, nil, fmt.Errorf("%s: data folder %s is held by %s, so this goes through its API, where the API key decides whose communications these are, not --user: "+
					"drop --user and set $%s to a key of %s (doctales keys create --user %s --scope ingest)", f.name, cfg.Data, holder, EnvAPIKey, f.user, f.user)
			}
			throughServer(stderr, f.name, cfg.Data, holder)
			f.url = url
		}
	}
	switch {
	case f.dryRun:
		// Parse as for real, in the parser workers, store nothing.
		cfg, logger, err := f.common.load(stderr)
		if err != nil {
			return nil, nil, nil, err
		}
		parser, pool, err := newParser(cfg.Parse, logger)
		if err != nil {
			return nil, nil, nil, err
		}
		if pool != nil {
			nop = pool.Close
		}
		return &importer.Local{Parser: parser, DryRun: true}, nil, nop, nil
	case f.url != "":
		f.url = withScheme(f.url)
		if f.user != "" {
			return nil, nil, nil, errors.New("--user is for a local import: with --url, the API key decides whose communications these are")
		}
		key, err := apiKey(f.apiKeyFile)
		if err != nil {
			return nil, nil, nil, err
		}
		hc := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: max(f.workers, 2)}}
		c, err := client.New(f.url, client.WithAPIKey(string(key)), client.WithHTTPClient(hc))
		if err != nil {
			return nil, nil, nil, err
		}
		return &remoteSink{c: c}, nil, nop, nil
	}
	cfg, logger, err := f.common.load(stderr)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, nil, err
	}
	p := &Pipeline{Config: cfg, Logger: logger, Command: f.name}
	if f.yield > 0 {
		p.Wrap = f.throttle.wrap
		f.throttle.pause = f.yield
		f.throttle.active.Store(true)
	}
	if err := p.Open(); err != nil {
		_ = p.Close()
		return nil, nil, nil, err
	}
	if err := p.Start(); err != nil {
		_ = p.Close()
		return nil, nil, nil, fmt.Errorf("start runtime: %w", err)
	}
	owner, err := localOwner(context.Background(), p.DB, f.user)
	if err != nil {
		_ = p.Close()
		return nil, nil, nil, err
	}
	f.user = owner
	sink := &importer.Local{Parser: p.API.Parser, Normalizer: p.API.Normalizer, Ingestion: p.Ingestion, Owner: owner}
	return sink, p, p.Close, nil
}

// options returns the ingest options of the flags: project, source and
// the notification override (--notify, --no-notify).
func (f *importFlags) options() (ingest.Options, error) {
	opt := ingest.Options{Project: f.project, Source: f.source}
	switch {
	case f.notify && f.noNotify:
		return opt, errors.New("--notify and --no-notify contradict each other; give one")
	case f.notify:
		opt.Notify = doctales.NotifyAlways
	case f.noNotify:
		opt.Notify = doctales.NotifyNever
	}
	return opt, nil
}

// localOwner returns the user a local import stores for: --user when
// given (it must exist once the folder has users), else the folder's only
// user, else "" (doctales.DefaultUserID: no user yet, the server runs
// open). With several users and no --user it refuses, naming them.
func localOwner(ctx context.Context, db *sqlite.DB, user string) (string, error) {
	users, err := db.Users(ctx)
	if err != nil {
		return "", err
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Name
	}
	switch {
	case user != "":
		if err := doctales.ValidateID("user", user); err != nil {
			return "", fmt.Errorf("--user %q: %s", user, doctales.ErrorMessage(err))
		}
		if len(names) > 0 && !slices.Contains(names, user) {
			return "", fmt.Errorf("--user %q: no such user in this data folder (users: %s); add one with doctales users add %s", user, strings.Join(names, ", "), user)
		}
		return user, nil
	case len(names) == 1:
		return names[0], nil
	case len(names) > 1:
		return "", fmt.Errorf("this data folder has %d users (%s): say whose communications these are with --user NAME", len(names), strings.Join(names, ", "))
	}
	return "", nil
}

// runImport is the import command.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := importFlags{name: "import"}
	fs := flag.NewFlagSet("doctales import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, importUsage); fs.PrintDefaults() }
	f.register(fs)
	fs.BoolVar(&f.wait, "wait", false, "after importing, wait until extraction has caught up (local only)")
	fs.StringVar(&f.progress, "progress", "auto", "progress display: auto (a bar on a terminal, log lines otherwise), bar, log, none")
	fs.BoolVar(&f.jsonOut, "json", false, "print the summary as JSON")
	fs.BoolVar(&f.follow, "follow-symlinks", false, "follow symbolic links that stay inside <path> (links out of it are never followed; folders are walked once)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if len(pos) != 1 {
		fs.Usage()
		return usageErrorf("import", "import: give one path, got %d arguments", len(pos))
	}
	path := pos[0]
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("import: %s", importer.Escape(err.Error()))
	}
	opt, err := f.options()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := checkOptions(opt); err != nil {
		return err
	}

	sink, p, closeSink, err := f.sink(stderr)
	if err != nil {
		return err
	}
	im := &importer.Importer{Sink: sink, Options: opt, Workers: f.workers, Walker: &importer.Walker{FollowSymlinks: f.follow}}
	if p != nil {
		im.Logger = p.Logger
	}
	switch f.progress {
	case "auto", "bar", "log":
		tty := false
		width := 80
		if fd, ok := stderr.(*os.File); ok && term.IsTerminal(int(fd.Fd())) {
			tty = true
			if w, _, err := term.GetSize(int(fd.Fd())); err == nil && w > 20 {
				width = w
			}
		}
		if f.progress != "auto" {
			tty = f.progress == "bar"
		}
		pr := &importer.Progress{W: stderr, Terminal: tty, Width: width}
		im.Progress = pr.Update
	case "none":
	default:
		_ = closeSink()
		return fmt.Errorf("import: --progress %q: use auto, bar, log or none", f.progress)
	}

	stats, runErr := im.Run(ctx, path)
	f.throttle.active.Store(false) // extraction catches up at full speed

	// Let extraction catch up, if asked.
	var caughtUp time.Duration
	if runErr == nil && f.wait && p != nil {
		fmt.Fprintln(stderr, "import: waiting for extraction to catch up...")
		start := time.Now()
		if err := drainAll(ctx, p); err != nil {
			runErr = err
		}
		caughtUp = time.Since(start)
	}
	if err := closeSink(); err != nil && runErr == nil {
		runErr = err
	}

	if f.jsonOut {
		out := map[string]any{
			"found": stats.Found, "imported": stats.Imported, "skipped": stats.Skipped, "failed": stats.Failed,
			"seconds": stats.Elapsed.Seconds(), "itemsPerSecond": stats.Rate(), "ignored": stats.Ignored,
			"failures": importer.SortedReasons(stats.Failures), "skips": importer.SortedReasons(stats.Skips),
		}
		if caughtUp > 0 {
			out["extractionCaughtUpSeconds"] = caughtUp.Seconds()
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
	} else {
		if f.dryRun {
			fmt.Fprintln(stdout, "dry run: nothing was stored; \"imported\" counts what would be")
		}
		stats.WriteSummary(stdout)
		if caughtUp > 0 {
			fmt.Fprintf(stdout, "extraction caught up %s after the last item\n", caughtUp.Round(time.Millisecond))
		}
	}
	if errors.Is(runErr, context.Canceled) {
		return errors.New("import interrupted; run it again to go on (what is in is skipped)")
	}
	if runErr == nil && stats.Found == 0 {
		// Nothing found is a mistake to say, not a success: a wrong
		// path, or files of no kind the importer reads.
		if stats.Ignored > 0 {
			return fmt.Errorf("import: nothing to import in %s: %d file(s) of no known kind (e-mail, mbox, Maildir, Slack export, .jsonl, .txt, .md, .html, .pdf, .docx)", path, stats.Ignored)
		}
		return fmt.Errorf("import: nothing to import in %s", path)
	}
	return runErr
}

// checkOptions validates --project and --source as the normaliser would.
func checkOptions(opt ingest.Options) error {
	if _, err := (&ingest.Normalizer{}).Normalize(mustJSON(map[string]any{
		"project": opt.Project, "source": opt.Source, "content": "x",
	})); err != nil {
		return fmt.Errorf("import: %s", doctales.ErrorMessage(err))
	}
	return nil
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// drainAll drains the pipeline's runtime until the log stops growing: a
// Drain waits only for the records appended before it began, and the
// work they cause (the extraction's MODIFY, the notification it triggers,
// that notification's deliveries) is appended after, so one Drain could
// close the pipeline with the last items' notifications unsent. It stops
// after drainRounds rounds, in case something keeps appending (a timer).
func drainAll(ctx context.Context, p *Pipeline) error {
	last := func() int64 {
		var n int64
		for _, src := range []string{doctales.SourceS3, doctales.SourceDynamoDB, doctales.SourceSNS} {
			if seq, err := p.DB.LastSeq(ctx, src); err == nil {
				n = max(n, seq)
			}
		}
		return n
	}
	for range drainRounds {
		before := last()
		if err := p.Runtime.Drain(ctx); err != nil {
			return err
		}
		if last() == before {
			return nil
		}
	}
	return nil
}

// drainRounds bounds drainAll: ingestion, extraction, notification and
// delivery are four hops, so a few rounds settle any import.
const drainRounds = 10
