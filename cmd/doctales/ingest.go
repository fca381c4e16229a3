package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/client"
	"github.com/doctales/doctales/importer"
)

const ingestUsage = `Usage: doctales ingest [flags] <file>

Ingests one file, as POST /communications would: a raw e-mail (.eml), a
document (.txt, .md, .html, .pdf, .docx), or every item of an mbox or a
JSON-lines file. Prints one JSON answer per item, {"id","s3Key","status"} or
{"error","code","where"}, and fails when any item failed.

When a server holds the data folder, ingest goes through its API and the
server extracts. Without one, ingest runs the pipeline only while it runs:
an item it leaves "accepted" is extracted when "doctales serve" next starts
on the folder (a line on standard error says so). With --wait, ingest waits
until each item is extracted (or failed), up to --wait-timeout, and prints
that state.

Example:
  doctales ingest message.eml --wait
  doctales ingest notes.md --project acme --url localhost:8080

Flags:
`

// ingestPoll is how often ingest --wait looks at an item's state.
const ingestPoll = 50 * time.Millisecond

// runIngest is the ingest command.
func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := importFlags{name: "ingest"}
	fs := flag.NewFlagSet("doctales ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, ingestUsage); fs.PrintDefaults() }
	f.register(fs)
	wait := fs.Bool("wait", false, "wait until each item is extracted (or failed) and print that state")
	waitTimeout := fs.Duration("wait-timeout", time.Minute, "with --wait, how long to wait for each item")
	fs.Bool("json", true, "print JSON (always: one answer per item)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usageErrorf("ingest", "ingest: give one file, got %d arguments", len(pos))
	}
	if *wait && f.dryRun {
		return usageErrorf("ingest", "ingest: --wait and --dry-run contradict each other (a dry run stores nothing to wait for)")
	}
	path := pos[0]
	if fi, err := os.Stat(path); err != nil {
		return fmt.Errorf("ingest: %w", err)
	} else if fi.IsDir() {
		return fmt.Errorf("ingest: %s is a folder; use doctales import for folders", path)
	}
	opt, err := f.options()
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	if err := checkOptions(opt); err != nil {
		return err
	}
	sink, p, closeSink, err := f.sink(stderr)
	if err != nil {
		return err
	}
	defer closeSink()
	if *wait {
		f.throttle.active.Store(false) // nothing to yield to: extraction at once
	}

	// state returns an item's status: from the table locally, from the
	// server's API through --url or the folder's server.
	var state func(ctx context.Context, id string) (string, error)
	switch s := sink.(type) {
	case *remoteSink:
		state = func(ctx context.Context, id string) (string, error) { return remoteStatus(ctx, s.c, id) }
	default:
		if p != nil {
			state = func(ctx context.Context, id string) (string, error) {
				item, err := p.DB.GetItem(ctx, id)
				if err != nil {
					return "", err
				}
				return item.Status, nil
			}
		}
	}

	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	failed, pending := 0, 0
	w := &importer.Walker{Options: opt}
	err = w.Walk(ctx, path, func(it *importer.Item) error {
		var res *importer.Result
		err := it.Err
		if err == nil {
			res, err = sink.Send(ctx, it, opt)
		}
		if err != nil {
			failed++
			return enc.Encode(map[string]string{"error": doctales.ErrorMessage(err), "code": doctales.ErrorCode(err), "where": it.Where()})
		}
		if res.ID == "" && res.Upload != "" {
			// Uploaded to S3: the ingestion follows the object's
			// ObjectCreated event, so there is no id to print or wait for.
			if *wait {
				fmt.Fprintf(stderr, "ingest: %s was uploaded (upload %s); its ingestion follows on the server, --wait cannot follow it\n", it.Where(), res.Upload)
			}
			return enc.Encode(map[string]any{"upload": res.Upload, "status": "uploaded"})
		}
		out := map[string]any{"id": res.ID, "status": doctales.StatusAccepted}
		if res.Replayed {
			out["replayed"] = true
		}
		if p != nil {
			if item, err := p.DB.GetItem(ctx, res.ID); err == nil {
				out["s3Key"], out["status"] = item.S3Key, item.Status
			}
		}
		if *wait && state != nil && out["status"] == doctales.StatusAccepted {
			st, err := waitExtracted(ctx, state, res.ID, *waitTimeout)
			if err != nil {
				return err
			}
			out["status"] = st
			if st == doctales.StatusFailed {
				failed++
			}
		}
		if out["status"] == doctales.StatusAccepted {
			pending++
		}
		return enc.Encode(out)
	})
	if err != nil {
		return err
	}
	if pending > 0 && p != nil && !*wait {
		fmt.Fprintf(stderr, "ingest: %d item(s) still accepted, not yet extracted: no server holds data folder %s, so extraction ran only while ingest did. "+
			"Start doctales serve --data %s to extract them, or ingest with --wait\n", pending, p.Config.Data, p.Config.Data)
	}
	if w.Ignored > 0 {
		return fmt.Errorf("ingest: %s is not a message, a mailbox, posts or a document Doc-Tales reads", path)
	}
	if failed > 0 {
		return fmt.Errorf("ingest: %d item(s) failed", failed)
	}
	if *wait && pending > 0 {
		return fmt.Errorf("ingest: %d item(s) still accepted after --wait-timeout %s; is extraction running? (doctales status)", pending, *waitTimeout)
	}
	return nil
}

// waitExtracted polls an item's state until it is no longer accepted or
// timeout passes, and returns the last state seen.
func waitExtracted(ctx context.Context, state func(context.Context, string) (string, error), id string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(ingestPoll)
	defer tick.Stop()
	for {
		st, err := state(ctx, id)
		if err != nil && ctx.Err() == nil {
			return "", fmt.Errorf("ingest --wait: state of %s: %w", id, err)
		}
		if st != "" && st != doctales.StatusAccepted {
			return st, nil
		}
		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return doctales.StatusAccepted, nil
			}
			return "", ctx.Err()
		case <-tick.C:
		}
	}
}

// remoteStatus returns the status of communication id from the server
// c talks to (GET /communications/{id}).
func remoteStatus(ctx context.Context, c *client.Client, id string) (string, error) {
	com, err := c.GetCommunication(ctx, id)
	if err != nil {
		return "", err
	}
	return com.Status, nil
}
