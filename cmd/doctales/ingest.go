package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/importer"
)

const ingestUsage = `Usage: doctales ingest [flags] <file>

Ingests one file, as POST /communications would: a raw e-mail (.eml), a
document (.txt, .md, .html, .pdf, .docx), or every item of an mbox or a
JSON-lines file. Prints one answer per item, {"id","s3Key","status"} or
{"error","code","where"}, and fails when any item failed.

Flags:
`

// runIngest is the ingest command.
func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := importFlags{name: "ingest"}
	fs := flag.NewFlagSet("doctales ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, ingestUsage); fs.PrintDefaults() }
	f.register(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errors.New("ingest: give one file")
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

	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	failed := 0
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
		out := map[string]any{"id": res.ID, "status": "accepted"}
		if res.Replayed {
			out["replayed"] = true
		}
		if p != nil {
			if item, err := p.DB.GetItem(ctx, res.ID); err == nil {
				out["s3Key"], out["status"] = item.S3Key, item.Status
			}
		}
		return enc.Encode(out)
	})
	if err != nil {
		return err
	}
	if w.Ignored > 0 {
		return fmt.Errorf("ingest: %s is not a message, a mailbox, posts or a document Doc-Tales reads", path)
	}
	if failed > 0 {
		return fmt.Errorf("ingest: %d item(s) failed", failed)
	}
	return nil
}
