package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/history"
	"github.com/doctales/doctales/sqlite"
)

const traceUsage = `Usage: doctales trace <communication-id> [--json] [--data DIR | --postgres DSN [--nats URL]]

Prints every step of a communication's journey: acceptance, each delivery to
extraction and notification with its attempt and duration, records dropped
by a filter and why, retries, dead letters, the notification decision and the
topic deliveries, then a verdict on why it was (not) notified.

In a cluster (serve --postgres DSN), give the same --postgres DSN (or the
configuration's postgres:): the flow history every process writes is read
there. With the cluster's --nats URL too, a record a filter dropped is
read from JetStream to say why.

Example:
  doctales trace 3b0e8d4c-5f7a-4a51-9a8e-2f1f0c8f6b21
  doctales trace 3b0e8d4c-5f7a-4a51-9a8e-2f1f0c8f6b21 --json --data /srv/doctales
  doctales trace 3b0e8d4c-5f7a-4a51-9a8e-2f1f0c8f6b21 --postgres "$DOCTALES_POSTGRES" --nats nats://127.0.0.1:4222

Flags:
`

// runTrace is the trace command. It reads the data folder read-only, so
// it works whether or not a server is running; with --postgres it reads
// the cluster's PostgreSQL (and JetStream with --nats).
func runTrace(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales trace", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, traceUsage); fs.PrintDefaults() }
	var cf commonFlags
	cf.register(fs)
	// The command's output is what it prints; the log says only what went wrong.
	fs.Lookup("log-level").DefValue, cf.logLevel = "warn", "warn"
	asJSON := fs.Bool("json", false, "print JSON")
	var cl clusterFlags
	cl.register(fs, "the communication and its flow history", true)
	// Flags before or after the id: "trace ID --json" and
	// "trace --data DIR ID" both work.
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usageErrorf("trace", "trace: give one communication id, got %d arguments", len(pos))
	}
	id := pos[0]
	cfg, logger, err := cf.load(stderr)
	if err != nil {
		return err
	}
	var t *history.Trace
	if rd, err := openClusterReader(ctx, "trace", cl, cfg, logger); err != nil {
		return err
	} else if rd != nil {
		defer rd.Close()
		t, err = loadClusterTrace(ctx, rd, id)
		if doctales.ErrorCode(err) == doctales.ENOTFOUND {
			return fmt.Errorf("trace: no communication with id %q in %s", id, rd.DSN)
		} else if err != nil {
			return fmt.Errorf("trace %s: %w", id, err)
		}
		return writeTrace(stdout, t, *asJSON)
	}
	// Read-only: trace works beside the server that owns the folder.
	db, err := openTableReadOnly(cfg, logger)
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	defer db.Close()
	hdb, err := openHistoryReadOnly(cfg, logger)
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	if hdb != nil {
		defer hdb.Close()
	}
	t, err = loadTrace(ctx, db, hdb, id)
	if doctales.ErrorCode(err) == doctales.ENOTFOUND {
		return errors.New("trace: no communication with id " + id)
	} else if err != nil {
		return err
	}
	return writeTrace(stdout, t, *asJSON)
}

// writeTrace prints t as text, or as indented JSON.
func writeTrace(w io.Writer, t *history.Trace, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(t)
	}
	return t.WriteText(w)
}

// openHistoryDB returns the flow history database of the data folder.
func openHistoryDB(cfg Config, logger *slog.Logger) *sqlite.DB {
	h := sqlite.NewDB(filepath.Join(cfg.Data, "history.db"))
	h.Logger = logger.With(LogKeyComponent, "history")
	h.TableName = cfg.TableName()
	return h
}

// loadTrace reads a communication's item from db and its flow history from
// hdb; a nil hdb (a folder without history.db) has no history.
func loadTrace(ctx context.Context, db, hdb *sqlite.DB, id string) (*history.Trace, error) {
	item, err := db.GetItem(ctx, id)
	if err != nil {
		return nil, err
	}
	var evs []*doctales.FlowEvent
	if hdb != nil {
		if evs, err = hdb.FlowEvents(ctx, id, 0); err != nil {
			return nil, err
		}
	}
	history.Explain(evs, func(seq int64) (*doctales.LogRecord, error) { return db.LogRecord(ctx, seq) })
	return history.NewTrace(item, evs), nil
}
