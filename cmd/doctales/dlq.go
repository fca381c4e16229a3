package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/client"
	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/sqlite"
)

const dlqUsage = `Usage:
  doctales dlq list [--subscription NAME | --channel log|webhook|email|sns|browser] [--json] [--postgres DSN]
  doctales dlq show ID [--postgres DSN]
  doctales dlq redrive ID... [--postgres DSN]
  doctales dlq redrive --all [--subscription NAME] [--postgres DSN]

Dead letters are records a subscription gave up on. Each channel (log,
webhook, email, sns, browser) has its own retries and its own dead letters:
--channel lists one channel's. Redrive puts a record back
on the log for its subscription; the running server (or the next serve)
delivers it again.

In a cluster (serve --postgres DSN), give the same --postgres DSN (or the
configuration's postgres:): the dead letters every worker writes are
there. A redrive appends the record to the PostgreSQL log, from where a
running worker of its subscription takes it (on NATS, once a running api
process's relay has copied it into JetStream); nothing is delivered while
none runs.

Example:
  doctales dlq list --json
  doctales dlq list --channel email
  doctales dlq show 3
  doctales dlq redrive --all --subscription topic/webhook-1
  doctales dlq list --postgres "$DOCTALES_POSTGRES"

Flags:
`

// dlqStore is where the dlq command reads and redrives dead letters: the
// data folder's SQLite file, or a cluster's PostgreSQL.
type dlqStore interface {
	DeadLetters(ctx context.Context, subscription string, limit int) ([]*doctales.DeadLetter, error)
	ChannelDeadLetters(ctx context.Context, channel string, limit int) ([]*doctales.DeadLetter, error)
	DeadLetter(ctx context.Context, id int64) (*doctales.DeadLetter, error)
	Redrive(ctx context.Context, id int64) (*doctales.LogRecord, error)
}

var (
	_ dlqStore = (*sqlite.DB)(nil)
	_ dlqStore = (*postgres.DB)(nil)
)

// ClusterRedriveNote is what dlq redrive --postgres prints after its
// redrives: the records wait in the log for a worker.
const ClusterRedriveNote = "redriven records wait in the PostgreSQL log: a running worker of each subscription delivers them (on NATS, after a running api process's relay copies them into JetStream)"

// runDLQ is the dlq command. list and show read the data folder
// read-only, so they work whether or not a server is running; redrive goes
// through the API of the server that holds the folder, if one does. With
// --postgres (or postgres: in --config) all three work on the cluster's
// PostgreSQL directly, as its API's /dlq does.
func runDLQ(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales dlq", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, dlqUsage); fs.PrintDefaults() }
	var cf commonFlags
	cf.register(fs)
	// The command's output is what it prints; the log says only what went wrong.
	fs.Lookup("log-level").DefValue, cf.logLevel = "warn", "warn"
	sub := fs.String("subscription", "", "only this subscription's dead letters")
	channel := fs.String("channel", "", "list: only this channel's dead letters (log, webhook, email, sns, browser)")
	all := fs.Bool("all", false, "redrive every dead letter")
	asJSON := fs.Bool("json", false, "print JSON")
	var cl clusterFlags
	cl.register(fs, "the dead letters, and redrive them", false)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	verb, pos, err := takeVerb("dlq", pos, "list", "show", "redrive")
	if err == nil && *channel != "" && !slices.Contains(doctales.Channels, *channel) {
		return usageErrorf("dlq", "dlq: --channel %q is not one of %s", *channel, strings.Join(doctales.Channels, ", "))
	}
	if err != nil {
		fs.Usage()
		return err
	}
	cfg, logger, err := cf.load(stderr)
	if err != nil {
		return err
	}
	var db dlqStore
	var cluster bool
	if rd, err := openClusterReader(ctx, "dlq", cl, cfg, logger); err != nil {
		return err
	} else if rd != nil {
		defer rd.Close()
		db, cluster = rd.PG, true
		// PostgreSQL text holds valid UTF-8 without NUL: no subscription
		// has such a name, and the database would refuse the query.
		if !utf8.ValidString(*sub) || strings.IndexByte(*sub, 0) >= 0 {
			return usageErrorf("dlq", "dlq %s: --subscription %q: not a subscription name (not valid UTF-8, or a NUL byte)", verb, *sub)
		}
	} else if verb == "redrive" {
		// A redrive appends to the log: through the server's API when
		// one holds the folder, else under the folder's lock.
		url, holder, err := folderServer(cfg.Data)
		if err != nil {
			return fmt.Errorf("dlq redrive: %w", err)
		}
		if url != "" {
			throughServer(stderr, "dlq redrive", cfg.Data, holder)
			return redriveRemote(ctx, url, pos, *all, *sub, stdout)
		}
		lock, err := lockDataFolder(cfg.Data, "dlq redrive", false)
		if err != nil {
			return fmt.Errorf("dlq redrive: %w", err)
		}
		defer lock.Release()
		sdb := sqlite.NewDB(filepath.Join(cfg.Data, "doctales.db"))
		sdb.Logger = logger
		sdb.TableName = cfg.TableName()
		if err := openDataDB(sdb, cfg); err != nil {
			return fmt.Errorf("open %s: %w", cfg.Data, err)
		}
		defer sdb.Close()
		db = sdb
	} else {
		// list and show only read: beside a running server too.
		sdb, err := openTableReadOnly(cfg, logger)
		if err != nil {
			return fmt.Errorf("dlq %s: %w", verb, err)
		}
		defer sdb.Close()
		db = sdb
	}

	switch verb {
	case "list":
		var dls []*doctales.DeadLetter
		switch {
		case *channel != "" && *sub != "":
			return usageErrorf("dlq", "dlq list: give --subscription or --channel, not both")
		case *channel != "":
			dls, err = db.ChannelDeadLetters(ctx, *channel, doctales.MaxPageSize)
			if err != nil {
				return fmt.Errorf("dlq list --channel: %s", doctales.ErrorMessage(err))
			}
		default:
			if dls, err = db.DeadLetters(ctx, *sub, doctales.MaxPageSize); err != nil {
				return err
			}
		}
		if *asJSON {
			if dls == nil {
				dls = []*doctales.DeadLetter{} // an empty list is [], not null
			}
			return json.NewEncoder(stdout).Encode(dls)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSUBSCRIPTION\tKEY\tATTEMPTS\tLAST ATTEMPT\tREASON\tERROR")
		for _, dl := range dls {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", dl.ID, dl.Subscription, dl.Key, dl.Attempts,
				dl.LastAttempt.Format(time.RFC3339), dl.Reason, truncate(dl.Error, 80))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d dead letter(s)\n", len(dls))
		return nil
	case "show":
		if len(pos) != 1 {
			return usageErrorf("dlq", "dlq show: give one dead letter ID, got %d arguments", len(pos))
		}
		id, err := parseID(pos[0])
		if err != nil {
			return err
		}
		dl, err := db.DeadLetter(ctx, id)
		if err != nil {
			return fmt.Errorf("dlq show %d: %s", id, doctales.ErrorMessage(err))
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(dl)
	case "redrive":
		var ids []int64
		if *all {
			dls, err := db.DeadLetters(ctx, *sub, doctales.MaxPageSize)
			if err != nil {
				return err
			}
			for _, dl := range dls {
				ids = append(ids, dl.ID)
			}
		} else {
			if len(pos) == 0 {
				return usageErrorf("dlq", "dlq redrive: give dead letter IDs or --all")
			}
			for _, a := range pos {
				id, err := parseID(a)
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
		}
		for _, id := range ids {
			rec, err := db.Redrive(ctx, id)
			if err != nil {
				return fmt.Errorf("dlq redrive %d: %s", id, doctales.ErrorMessage(err))
			}
			fmt.Fprintf(stdout, "redriven %d as log record %d for %s\n", id, rec.Seq, rec.Target)
		}
		fmt.Fprintf(stdout, "%d dead letter(s) redriven\n", len(ids))
		if cluster && len(ids) > 0 {
			fmt.Fprintln(stdout, ClusterRedriveNote)
		}
		return nil
	}
	return nil // takeVerb admits the three verbs only
}

// redriveRemote redrives dead letters through the API of the server at
// base: the ids given, or every one (of sub, if set) with all.
func redriveRemote(ctx context.Context, base string, args []string, all bool, sub string, stdout io.Writer) error {
	key, err := apiKey("")
	if err != nil {
		return err
	}
	c, err := client.New(base, client.WithAPIKey(string(key)), client.WithHTTPClient(&http.Client{Timeout: time.Minute}))
	if err != nil {
		return fmt.Errorf("dlq redrive: %w", err)
	}
	// explain says what a refused key needs.
	explain := func(err error) error {
		var e *client.Error
		if errors.As(err, &e) && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden) {
			return fmt.Errorf("dlq redrive: %w; set $%s to an admin key", err, EnvAPIKey)
		}
		return fmt.Errorf("dlq redrive: %w", err)
	}
	if all {
		ids, err := c.RedriveAll(ctx, sub)
		if err != nil {
			return explain(err)
		}
		for _, id := range ids {
			fmt.Fprintf(stdout, "redriven %d\n", id)
		}
		fmt.Fprintf(stdout, "%d dead letter(s) redriven\n", len(ids))
		return nil
	}
	if len(args) == 0 {
		return errors.New("dlq redrive: give dead letter IDs or --all")
	}
	ids := make([]int64, len(args))
	for i, a := range args {
		if ids[i], err = parseID(a); err != nil {
			return err
		}
	}
	for _, id := range ids {
		seq, err := c.Redrive(ctx, id)
		if err != nil {
			return fmt.Errorf("%w (dead letter %d)", explain(err), id)
		}
		fmt.Fprintf(stdout, "redriven %d as log record %d\n", id, seq)
	}
	fmt.Fprintf(stdout, "%d dead letter(s) redriven\n", len(ids))
	return nil
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, fmt.Errorf("dead letter ID %q is not a positive number", s)
	}
	return id, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
