package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/history"
	dtnats "github.com/doctales/doctales/nats"
	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/runtime"
)

// The commands that read a cluster's state (trace, status, dlq) take the
// DSN that `serve --postgres` was given, and optionally the NATS URL of
// `serve --nats` (issue 11, docs/cluster.md): in a cluster the flow
// history, the checkpoints, the log and the dead letters are in those
// engines, not in a data folder.

// clusterFlags are --postgres of trace, status and dlq, and --nats of
// trace and status.
type clusterFlags struct {
	postgres string
	nats     string
	// withNATS is set by register when the command reads JetStream; dlq
	// does not (the dead letters are in PostgreSQL), so it neither takes
	// --nats nor reads nats: from the configuration.
	withNATS bool
}

// register registers --postgres, and --nats when withNATS; what says what
// the command reads there.
func (c *clusterFlags) register(fs *flag.FlagSet, what string, withNATS bool) {
	fs.StringVar(&c.postgres, "postgres", "", "PostgreSQL DSN of a cluster (as given to serve --postgres): read "+what+" there (default: the postgres of --config, else the data folder)")
	if c.withNATS = withNATS; withNATS {
		fs.StringVar(&c.nats, "nats", "", "NATS URL of the cluster (as given to serve --nats), with --postgres: read the JetStream log and checkpoints too (default: the nats of --config)")
	}
}

// resolve returns the DSN and NATS URL to use, each from its flag, else
// from the configuration, with the name to quote in errors. A malformed
// value, or a NATS URL without a DSN, is a usage error naming it.
func (c clusterFlags) resolve(command string, cfg Config) (dsn, dsnName, natsURL, natsName string, err error) {
	dsn, dsnName = c.postgres, "--postgres"
	if dsn == "" && cfg.Postgres != "" {
		dsn, dsnName = cfg.Postgres, "postgres (config)"
	}
	natsURL, natsName = c.nats, "--nats"
	if natsURL == "" && cfg.NATS != "" && c.withNATS {
		natsURL, natsName = cfg.NATS, "nats (config)"
	}
	if dsn != "" {
		if err := checkPostgresDSN(command, dsnName, dsn); err != nil {
			return "", "", "", "", err
		}
	}
	if natsURL != "" {
		if err := checkNATSURL(command, natsName, natsURL); err != nil {
			return "", "", "", "", err
		}
		if dsn == "" {
			return "", "", "", "", usageErrorf(command, "%s %q needs --postgres (or postgres: in the configuration file): a cluster's history, dead letters and relay are in PostgreSQL", natsName, natsURL)
		}
	}
	return dsn, dsnName, natsURL, natsName, nil
}

// clusterReader is a cluster's PostgreSQL and, when given, its JetStream
// log, opened to read.
type clusterReader struct {
	PG      *postgres.DB
	DSN     string // redacted
	DSNName string // "--postgres" or "postgres (config)"
	NATS    *natsReader
	NATSURL string
}

// openClusterReader opens the cluster's engines for command, or returns
// nil when neither a DSN nor a NATS URL is given (the command reads the
// data folder then). PostgreSQL's schema is migrated if needed, as by
// every process of the cluster.
func openClusterReader(ctx context.Context, command string, cl clusterFlags, cfg Config, logger *slog.Logger) (*clusterReader, error) {
	dsn, dsnName, natsURL, natsName, err := cl.resolve(command, cfg)
	if err != nil || dsn == "" {
		return nil, err
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	db, err := postgres.Open(octx, dsn, postgres.Options{TableName: cfg.TableName(), Logger: logger.With(LogKeyComponent, "postgres")})
	if err != nil {
		return nil, fmt.Errorf("%s: %s %s: %w", command, dsnName, redactDSN(dsn), err)
	}
	rd := &clusterReader{PG: db, DSN: redactDSN(dsn), DSNName: dsnName}
	if natsURL != "" {
		if rd.NATS, err = openNATSReader(octx, natsURL); err != nil {
			db.Close()
			return nil, fmt.Errorf("%s: %s %s: %w", command, natsName, natsURL, err)
		}
		rd.NATSURL = natsURL
	}
	return rd, nil
}

// Close closes the engines.
func (rd *clusterReader) Close() {
	if rd.NATS != nil {
		rd.NATS.Close()
	}
	rd.PG.Close()
}

// RelayCheckpoint is the checkpoint of the relay that copies the
// PostgreSQL outbox into JetStream (relay.Relay's default name for
// RelayOrigin). Its presence says the cluster runs on NATS.
const RelayCheckpoint = "relay/" + RelayOrigin

// onNATS reports whether the cluster's runtime reads JetStream: --nats was
// given, or an api process's relay has left its checkpoint in PostgreSQL.
func (rd *clusterReader) onNATS(ctx context.Context) (bool, error) {
	if rd.NATS != nil {
		return true, nil
	}
	cps, err := rd.PG.Checkpoints(ctx)
	if err != nil {
		return false, err
	}
	for _, c := range cps {
		if c.Name == RelayCheckpoint {
			return true, nil
		}
	}
	return false, nil
}

// loadClusterTrace is loadTrace on a cluster: the item and its flow
// history from PostgreSQL. A record dropped by a filter is explained from
// the log the runtime read it from: PostgreSQL's, or JetStream's (whose
// seqs the workers record in a cluster on NATS) when --nats is given;
// without it such a step says where its record is.
func loadClusterTrace(ctx context.Context, rd *clusterReader, id string) (*history.Trace, error) {
	item, err := rd.PG.GetItem(ctx, id)
	if err != nil {
		return nil, err
	}
	evs, err := rd.PG.FlowEvents(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	nats, err := rd.onNATS(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case rd.NATS != nil:
		history.Explain(evs, func(seq int64) (*doctales.LogRecord, error) { return rd.NATS.Record(ctx, seq) })
	case nats:
		for _, ev := range evs {
			if ev.Kind == runtime.OutcomeFiltered && ev.Detail == "" {
				ev.Detail = "dropped by filter (its record is in the JetStream log: give --nats URL to read why)"
			}
		}
	default:
		history.Explain(evs, func(seq int64) (*doctales.LogRecord, error) { return rd.PG.LogRecord(ctx, seq) })
	}
	return history.NewTrace(item, evs), nil
}

// partitionSuffix matches the suffix runtime.Partition.CheckpointName
// gives a partition's checkpoint.
var partitionSuffix = regexp.MustCompile(`^(.+)/part-([0-9]+)-of-([0-9]+)$`)

// checkpointSubscription returns the subscription a checkpoint belongs
// to, its partition ("i/n", or "" unpartitioned) and the log source its
// records come from: the relay reads every source (""), the topic's
// subscribers the topic's messages, the functions what the configuration
// subscribes them to. known is false for a name none of these explain
// (its source is then "", every source).
func checkpointSubscription(cfg Config, name string) (sub, partition, source string, known bool) {
	sub = name
	if m := partitionSuffix.FindStringSubmatch(name); m != nil {
		sub, partition = m[1], m[2]+"/"+m[3]
	}
	switch {
	case strings.HasPrefix(sub, "relay/"):
		return sub, partition, "", true
	case strings.HasPrefix(sub, doctales.ChannelSubscriptionPrefix), sub == doctales.BrowserSubscription, sub == LiveNotificationsSubscription:
		return sub, partition, doctales.SourceSNS, true
	case sub == LiveChangesSubscription:
		return sub, partition, doctales.SourceDynamoDB, true
	}
	for fname, fc := range cfg.Functions {
		if fc == nil {
			continue
		}
		subs, err := fc.subscriptions(fname, func(string) (runtime.Handler, error) { return nil, nil })
		if err != nil {
			continue
		}
		for _, s := range subs {
			if s.Name == sub {
				return sub, partition, s.Source, true
			}
		}
	}
	return sub, partition, "", false
}

// ClusterStatusReport is what status --postgres --json prints: the
// engines read, the heads of their logs, each checkpoint's progress and
// the dead letters waiting. Lists and maps are never null.
type ClusterStatusReport struct {
	Postgres string `json:"postgres"` // the DSN, its password hidden
	// LogHead is the last seq of the PostgreSQL log (the outbox on NATS).
	LogHead int64  `json:"logHead"`
	NATS    string `json:"nats,omitempty"`
	// StreamHead is the JetStream stream's last sequence (with --nats).
	StreamHead int64 `json:"streamHead,omitempty"`
	// OnNATS says the cluster runs on NATS (its relay's checkpoint is in
	// PostgreSQL, or --nats was given).
	OnNATS      bool               `json:"onNats"`
	Checkpoints []CheckpointStatus `json:"checkpoints"`
	DeadLetters int                `json:"deadLetters"`
	// DeadLettersBySubscription counts the dead letters per subscription.
	DeadLettersBySubscription map[string]int `json:"deadLettersBySubscription"`
	// Processes are the cluster's processes from the process registry,
	// each with the figures of its /stats (clusterprocs.go).
	Processes []ProcessStatus `json:"processes"`
}

// CheckpointStatus is one checkpoint's progress against its log.
type CheckpointStatus struct {
	Name         string `json:"name"`
	Subscription string `json:"subscription"`
	Partition    string `json:"partition,omitempty"` // "i/n"
	Log          string `json:"log"`                 // "postgres" or "jetstream"
	Source       string `json:"source"`              // "" for every source (the relay)
	Seq          int64  `json:"seq"`
	// Behind is how many records of Source come after Seq: for a
	// partition, every partition's (an upper bound of its own).
	Behind int64 `json:"behind"`
	// Oldest is when the first of them was appended; LagSeconds its age
	// (0 when Behind is 0), as the runtime's iterator age.
	Oldest      time.Time `json:"oldest,omitzero"`
	LagSeconds  float64   `json:"lagSeconds"`
	UpdatedAt   time.Time `json:"updatedAt"`
	DeadLetters int       `json:"deadLetters"` // of its subscription
}

// clusterStatus reads the cluster's progress: the heads, every
// checkpoint in PostgreSQL and (with --nats) in JetStream with what comes
// after it, and the dead letters.
func clusterStatus(ctx context.Context, rd *clusterReader, cfg Config) (*ClusterStatusReport, error) {
	rep := &ClusterStatusReport{Postgres: rd.DSN, NATS: rd.NATSURL, Checkpoints: []CheckpointStatus{}, Processes: []ProcessStatus{}}
	var err error
	if rep.LogHead, err = rd.PG.LogHead(ctx); err != nil {
		return nil, err
	}
	if rep.OnNATS, err = rd.onNATS(ctx); err != nil {
		return nil, err
	}
	if rep.DeadLettersBySubscription, err = rd.PG.DeadLetterCounts(ctx); err != nil {
		return nil, err
	}
	for _, n := range rep.DeadLettersBySubscription {
		rep.DeadLetters += n
	}
	now := time.Now()
	add := func(log string, cps []postgres.CheckpointState, backlog func(context.Context, string, int64) (int64, time.Time, error)) error {
		for _, c := range cps {
			sub, part, source, _ := checkpointSubscription(cfg, c.Name)
			cs := CheckpointStatus{Name: c.Name, Subscription: sub, Partition: part, Log: log, Source: source, Seq: c.Seq,
				UpdatedAt: c.UpdatedAt, DeadLetters: rep.DeadLettersBySubscription[sub]}
			n, oldest, err := backlog(ctx, source, c.Seq)
			if err != nil {
				return err
			}
			cs.Behind, cs.Oldest = n, oldest
			if n > 0 {
				cs.LagSeconds = max(0, now.Sub(oldest).Seconds())
			}
			rep.Checkpoints = append(rep.Checkpoints, cs)
		}
		return nil
	}
	cps, err := rd.PG.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	if err := add("postgres", cps, rd.PG.Backlog); err != nil {
		return nil, err
	}
	if rd.NATS != nil {
		if rep.StreamHead, err = rd.NATS.Head(ctx); err != nil {
			return nil, err
		}
		cps, err := rd.NATS.Checkpoints(ctx)
		if err != nil {
			return nil, err
		}
		if err := add("jetstream", cps, rd.NATS.Backlog); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// WriteText prints the report as status prints a server's: a line on the
// engines, a table of the checkpoints, the dead letters waiting.
func (rep *ClusterStatusReport) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "doctales cluster: PostgreSQL %s, log head %d", rep.Postgres, rep.LogHead)
	if rep.NATS != "" {
		fmt.Fprintf(w, "; NATS %s, stream %s head %d", rep.NATS, dtnats.DefaultStream, rep.StreamHead)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECKPOINT\tLOG\tSOURCE\tSEQ\tBEHIND\tLAG\tDEAD\tUPDATED")
	for _, c := range rep.Checkpoints {
		src := c.Source
		if src == "" {
			src = "(all)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%d\t%s\n", c.Name, c.Log, src, c.Seq, c.Behind,
			(time.Duration(c.LagSeconds * float64(time.Second))).Round(time.Millisecond), c.DeadLetters, c.UpdatedAt.Format(time.RFC3339))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Checkpoints) == 0 {
		fmt.Fprintln(w, "no checkpoint yet: no worker has finished a record")
	}
	if rep.OnNATS && rep.NATS == "" {
		fmt.Fprintln(w, "the cluster runs on NATS: its subscriptions keep their checkpoints in JetStream; give --nats URL to see them")
	}
	fmt.Fprintf(w, "\ndead letters waiting: %d", rep.DeadLetters)
	if rep.DeadLetters > 0 {
		fmt.Fprint(w, " (doctales dlq list --postgres DSN; doctales dlq redrive --all --postgres DSN)")
	}
	fmt.Fprintln(w)
	subs := make([]string, 0, len(rep.DeadLettersBySubscription))
	for s := range rep.DeadLettersBySubscription {
		subs = append(subs, s)
	}
	sort.Strings(subs)
	for _, s := range subs {
		fmt.Fprintf(w, "  %s: %d\n", s, rep.DeadLettersBySubscription[s])
	}
	return writeProcesses(w, rep.Processes)
}
