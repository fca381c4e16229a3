package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

const dlqUsage = `Usage:
  doctales dlq list [--subscription NAME] [--json]
  doctales dlq show ID
  doctales dlq redrive ID...
  doctales dlq redrive --all [--subscription NAME]

Dead letters are records a subscription gave up on. Redrive puts a record back
on the log for its subscription; the running server (or the next serve)
delivers it again.
`

// runDLQ is the dlq command. It works on the data folder directly, so it
// works whether or not a server is running.
func runDLQ(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, dlqUsage)
		return flag.ErrHelp
	}
	verb := args[0]
	fs := flag.NewFlagSet("doctales dlq "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, dlqUsage); fs.PrintDefaults() }
	var cf commonFlags
	cf.register(fs)
	sub := fs.String("subscription", "", "only this subscription's dead letters")
	all := fs.Bool("all", false, "redrive every dead letter")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, logger, err := cf.load(stderr)
	if err != nil {
		return err
	}
	db := sqlite.NewDB(filepath.Join(cfg.Data, "doctales.db"))
	db.Logger = logger
	db.TableName = cfg.TableName()
	if err := openDataDB(db, cfg); err != nil {
		return fmt.Errorf("open %s: %w", cfg.Data, err)
	}
	defer db.Close()

	switch verb {
	case "list":
		dls, err := db.DeadLetters(ctx, *sub, doctales.MaxPageSize)
		if err != nil {
			return err
		}
		if *asJSON {
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
		if fs.NArg() != 1 {
			return errors.New("dlq show: give one dead letter ID")
		}
		id, err := parseID(fs.Arg(0))
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
			if fs.NArg() == 0 {
				return errors.New("dlq redrive: give dead letter IDs or --all")
			}
			for _, a := range fs.Args() {
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
		return nil
	}
	fmt.Fprint(stderr, dlqUsage)
	return fmt.Errorf("dlq: unknown verb %q", verb)
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
