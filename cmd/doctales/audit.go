package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/httpapi"
)

const auditUsage = `Usage:
  doctales audit [--since D] [--action A] [--limit N] [--json]

Prints the audit log of admin actions, newest first: dead-letter redrives,
key creation and revocation, users added and removed, sign-ins (successful
and failed), profile changes. --since takes an RFC 3339 time or a duration
back from now (24h, 7d). The same entries are served by GET /audit (admin).
No secret is ever stored in the log. --json prints a JSON array ([] when
there is nothing to show). In a cluster, --postgres DSN (or the
configuration's postgres:) reads the log every api process writes.

Example:
  doctales audit --since 7d
  doctales audit --action key.create --json
  doctales audit --since 24h --postgres "$DOCTALES_POSTGRES"

Flags:
`

// runAudit is the audit command.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, auditUsage); fs.PrintDefaults() }
	var cf commonFlags
	cf.register(fs)
	fs.Lookup("log-level").DefValue, cf.logLevel = "error", "error"
	since := fs.String("since", "", "only entries since this RFC 3339 time or duration ago (24h, 7d)")
	action := fs.String("action", "", "only this action (such as key.create)")
	limit := fs.Int("limit", 100, fmt.Sprintf("most entries shown, 1 to %d", doctales.MaxPageSize))
	asJSON := fs.Bool("json", false, "print a JSON array")
	pgDSN := registerPostgres(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("audit", pos); err != nil {
		return err
	}
	var f doctales.AuditFilter
	if *since != "" {
		t, err := httpapi.ParseSince(*since, time.Now())
		if err != nil {
			return fmt.Errorf("audit: --since: %s", doctales.ErrorMessage(err))
		}
		f.Since = &t
	}
	if *action != "" {
		f.Action = action
	}
	if *limit < 1 || *limit > doctales.MaxPageSize {
		return fmt.Errorf("audit: --limit %d is not from 1 to %d", *limit, doctales.MaxPageSize)
	}
	f.Limit = *limit
	db, err := openAuthDB(ctx, "audit", &cf, *pgDSN, stderr, false)
	if err != nil {
		return err
	}
	defer db.Close()
	es, err := db.AuditEntries(ctx, f)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if *asJSON {
		return writeJSONLine(stdout, nonNil(es))
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tACTION\tTARGET\tOUTCOME\tUSER\tVIA\tKEY\tCLIENT\tDETAIL")
	for _, e := range es {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.UTC().Format(time.RFC3339), e.Action, dash(e.Target), e.Outcome,
			dash(e.UserID), dash(e.Via), dash(e.KeyID), dash(e.ClientIP), detailText(e.Detail))
	}
	return tw.Flush()
}

// dash shows an empty value as "-".
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// detailText shows detail as sorted key=value pairs.
func detailText(d map[string]any) string {
	if len(d) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, d[k])
	}
	return strings.Join(parts, " ")
}

// osUser names who runs a CLI command, for the audit log: the OS user
// name, else $USER, else "unknown".
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// auditCLI records a key or user change made from the command line. A
// failure to write the row is reported on stderr but does not fail the
// command, whose change is already made.
func auditCLI(ctx context.Context, db doctales.AuditLog, stderr io.Writer, action, target string, err error, detail map[string]any) {
	e := &doctales.AuditEntry{UserID: osUser(), Via: "cli", Action: action, Target: target, Outcome: doctales.AuditOutcome(err), Detail: detail}
	if werr := db.AppendAudit(ctx, e); werr != nil {
		fmt.Fprintf(stderr, "warning: audit entry for %s %s not written: %v\n", action, target, werr)
	}
}
