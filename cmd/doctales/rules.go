package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/client"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/internal/datalock"
	"github.com/doctales/doctales/sqlite"
)

const rulesUsage = `Usage:
  doctales rules list [--user NAME | --url URL] [--json]
  doctales rules add --name NAME --pattern JSON|@FILE [--id ID] [--order N] [--target CH[,CH...]] [--disabled] [--url URL] [--json]
  doctales rules test (--pattern JSON|@FILE | ID) [--user NAME | --url URL] [--json]
  doctales rules rm ID [--url URL]

A person's notification rules (issue 13): each is an event pattern over the
table's change-stream record (the DynamoDB stream shape, so any dimension of
"dynamodb.NewImage" can be named), with targets: the channels it notifies
(log, webhook, email, sns, browser, or all). Rules are tried in order (--order,
lower first); the first enabled rule that matches a change decides, and
notifies once when the communication begins to match. The built-in rule
"default" (urgency high, to all) is there from the start; change it with
"rules add --id default ..." (or PUT /rules/default), it cannot be removed.

test shows which of the person's last 100 communications a pattern (or the
stored rule ID) matches. add with an existing --id replaces that rule.

While a server holds the data folder, rules go through its API as the API
key's user ($DOCTALES_API_KEY or --api-key-file), so it applies them at
once; otherwise the folder is opened here, for --user (default the
single-user default). --url sends them to the server at that URL instead,
such as an api process of a cluster (docs/cluster.md), whose notification
workers apply them at once.

Example:
  doctales rules add --name "Acme project" --target log,webhook \
    --pattern '{"dynamodb":{"NewImage":{"project":{"S":["acme"]}}}}'
  doctales rules test --pattern '{"dynamodb":{"NewImage":{"sender":{"S":[{"prefix":"Ana"}]}}}}'
  doctales rules add --id default --name "High urgency" --disabled --target all \
    --pattern '{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high"]}}}}}}'
  doctales rules list --json
  doctales rules rm r1a2b3c4d5e6

Flags:
`

// runRules is the rules command. Every verb is an HTTP request to the
// rules API (httpapi/rules.go): to the server holding the data folder when
// one does, so that its rules apply at once, else to the same handler run
// in this process on the folder, so both ways validate and answer alike.
func runRules(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales rules", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, rulesUsage); fs.PrintDefaults() }
	var cf commonFlags
	cf.register(fs)
	fs.Lookup("log-level").DefValue, cf.logLevel = "error", "error"
	user := fs.String("user", "", "without a server: the user whose rules these are (default the single-user default)")
	keyFile := fs.String("api-key-file", "", "through a server: a file holding the API key (default $"+EnvAPIKey+")")
	url := fs.String("url", "", "through the server at this base URL (an api process of a cluster, say) instead of the one holding the data folder")
	name := fs.String("name", "", "add: the rule's name")
	pat := fs.String("pattern", "", "add, test: the event pattern, JSON or @FILE")
	id := fs.String("id", "", "add: the rule's id (default a new one; an existing id is replaced)")
	order := fs.Int("order", 0, "add: the rule's place, lower first")
	target := fs.String("target", doctales.TargetAll, "add: comma-separated channels: "+strings.Join(doctales.Channels, ", ")+" or all")
	disabled := fs.Bool("disabled", false, "add: store the rule disabled")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	verb, pos, err := takeVerb("rules", pos, "list", "add", "test", "rm")
	if err != nil {
		fs.Usage()
		return err
	}
	// Check the call before touching the data folder.
	switch verb {
	case "list", "add":
		if err := noArgs("rules "+verb, pos); err != nil {
			return err
		}
		if verb == "add" && (*name == "" || *pat == "") {
			return usageErrorf("rules", "rules add: --name and --pattern are required")
		}
	case "test":
		if (*pat == "") == (len(pos) == 0) || len(pos) > 1 {
			return usageErrorf("rules", "rules test: give --pattern or one rule ID, not both")
		}
	case "rm":
		if len(pos) != 1 {
			return usageErrorf("rules", "rules rm: give one rule ID (see doctales rules list), got %d arguments", len(pos))
		}
	}
	var pattern json.RawMessage
	if *pat != "" {
		if pattern, err = readPatternFlag(*pat); err != nil {
			return err
		}
	}
	cfg, logger, err := cf.load(stderr)
	if err != nil {
		return err
	}
	c, done, err := rulesClient(ctx, cfg, logger, verb, *url, *user, *keyFile, stderr)
	if err != nil {
		return err
	}
	defer done()

	switch verb {
	case "list":
		res, err := c.Rules(ctx)
		if err != nil {
			return fmt.Errorf("rules list: %w", rulesError(err))
		}
		if *asJSON {
			return writeJSONLine(stdout, nonNil(res.Rules))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tORDER\tENABLED\tNAME\tTARGETS\tPATTERN")
		for _, r := range res.Rules {
			fmt.Fprintf(tw, "%s\t%d\t%t\t%s\t%s\t%s\n", r.ID, r.Order, r.Enabled, r.Name, strings.Join(r.Targets, ","), truncate(compactJSON(r.Pattern), 80))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d rule(s); channels here: %s\n", len(res.Rules), strings.Join(res.Channels, ", "))
		return nil
	case "add":
		enabled := !*disabled
		req := httpapi.RuleRequest{Name: name, Order: order, Enabled: &enabled, Pattern: pattern, Targets: splitList(*target)}
		var r *doctales.Rule
		if *id != "" {
			// PUT creates or replaces: add with a known id edits it.
			r, err = c.PutRule(ctx, *id, req)
		} else {
			r, err = c.AddRule(ctx, req)
		}
		if err != nil {
			return fmt.Errorf("rules add: %w", rulesError(err))
		}
		if *asJSON {
			return writeJSONLine(stdout, r)
		}
		fmt.Fprintf(stdout, "rule %s %q stored (order %d, enabled %t, targets %s)\n", r.ID, r.Name, r.Order, r.Enabled, strings.Join(r.Targets, ","))
		return nil
	case "test":
		var res *httpapi.RuleTestResponse
		if len(pos) == 1 {
			res, err = c.TestStoredRule(ctx, pos[0])
		} else {
			res, err = c.TestRule(ctx, pattern)
		}
		if err != nil {
			return fmt.Errorf("rules test: %w", rulesError(err))
		}
		if *asJSON {
			return writeJSONLine(stdout, nonNil(res.Matches))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tTIME\tURGENCY\tSENDER\tSUBJECT")
		for _, m := range res.Matches {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.ID, m.Timestamp.UTC().Format(time.RFC3339), orDash(m.Urgency), orDash(m.Sender), truncate(m.Subject, 60))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d of the last %d communication(s) match\n", len(res.Matches), res.Tested)
		return nil
	default: // rm
		if err := c.DeleteRule(ctx, pos[0]); err != nil {
			return fmt.Errorf("rules rm: %w", rulesError(err))
		}
		fmt.Fprintf(stdout, "rule %s removed\n", pos[0])
		return nil
	}
}

// readPatternFlag reads --pattern: the JSON itself, or @FILE.
func readPatternFlag(v string) (json.RawMessage, error) {
	if file, ok := strings.CutPrefix(v, "@"); ok {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--pattern %s: %w", v, err)
		}
		v = string(b)
	}
	// Sent as a JSON string, so that the server's error offsets count in
	// the text given here.
	b, _ := json.Marshal(strings.TrimSpace(v))
	return b, nil
}

// splitList splits a comma-separated flag value, dropping empty parts.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// compactJSON returns raw on one line.
func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// rulesError adds to an error of the rules API what to do about a
// refused key: set one of the user whose rules these are, or one with
// the scope the verb needs.
func rulesError(err error) error {
	var e *client.Error
	if errors.As(err, &e) {
		switch e.Status {
		case http.StatusUnauthorized:
			return fmt.Errorf("%w (set $%s, or --api-key-file, to a key of the user whose rules these are)", err, EnvAPIKey)
		case http.StatusForbidden:
			return fmt.Errorf("%w (reading rules needs the read scope, changing them ingest)", err)
		}
	}
	return err
}

// rulesClient returns a client of the rules API: the server holding the
// data folder (as the API key's user), or the API served in this process
// over the folder, opened under its lock, as user. done closes what it
// opened.
func rulesClient(ctx context.Context, cfg Config, logger *slog.Logger, verb, given, user, keyFile string, stderr io.Writer) (*client.Client, func(), error) {
	url := given
	var holder *datalock.Holder
	if url == "" {
		var err error
		if url, holder, err = folderServer(cfg.Data); err != nil {
			return nil, nil, fmt.Errorf("rules %s: %w", verb, err)
		}
	}
	if url != "" {
		if user != "" {
			return nil, nil, usageErrorf("rules", "rules %s: --user applies without a server; through the server at %s the API key's user decides", verb, url)
		}
		if given == "" {
			throughServer(stderr, "rules "+verb, cfg.Data, holder)
		}
		key, err := apiKey(keyFile)
		if err != nil {
			return nil, nil, err
		}
		c, err := client.New(url, client.WithAPIKey(string(key)), client.WithHTTPClient(&http.Client{Timeout: time.Minute}))
		if err != nil && given != "" {
			return nil, nil, usageErrorf("rules", "rules %s: --url %q: %v", verb, given, err)
		} else if err != nil {
			return nil, nil, fmt.Errorf("rules %s: %w", verb, err)
		}
		return c, func() {}, nil
	}
	lock, err := lockDataFolder(cfg.Data, "rules "+verb, verb == "add")
	if err != nil {
		return nil, nil, fmt.Errorf("rules %s: %w", verb, err)
	}
	db := sqlite.NewDB(filepath.Join(cfg.Data, tableFile))
	db.Logger = logger
	db.TableName = cfg.TableName()
	if err := openDataDB(db, cfg); err != nil {
		_ = lock.Release()
		return nil, nil, fmt.Errorf("open %s: %w", cfg.Data, err)
	}
	done := func() { _ = db.Close(); _ = lock.Release() }
	c, err := client.New("http://127.0.0.1", client.WithHTTPClient(localRulesAPI(db, cfg, logger, user)))
	if err != nil {
		done()
		return nil, nil, err
	}
	return c, done, nil
}

// localRulesAPI returns an HTTP client whose requests are served in
// process by the rules API over db, acting as user with every scope, as
// the platform-authenticated API does: the same validation and answers
// as a server's, and the audit log records the change.
func localRulesAPI(db *sqlite.DB, cfg Config, logger *slog.Logger, user string) *http.Client {
	h := &httpapi.Handler{PlatformAuth: true, Table: db, Rules: db, Channels: cfg.Channels(), AuditLog: db, Logger: logger}
	h.Init()
	p := &doctales.Principal{UserID: doctales.OwnerOf(user), Scopes: []string{doctales.ScopeAdmin}, Via: "cli"}
	return &http.Client{Transport: handlerTransport{h: h, p: p}}
}

// handlerTransport serves requests with an http.Handler in process.
type handlerTransport struct {
	h http.Handler
	p *doctales.Principal
}

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx := doctales.WithOwner(doctales.NewContextWithPrincipal(r.Context(), t.p), t.p.UserID)
	w := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
	t.h.ServeHTTP(w, r.WithContext(ctx))
	return &http.Response{StatusCode: w.status, Status: fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)),
		Header: w.header, Body: io.NopCloser(&w.body), Request: r, ProtoMajor: 1, ProtoMinor: 1}, nil
}

// bufferedResponse is an http.ResponseWriter that keeps the answer.
type bufferedResponse struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *bufferedResponse) Header() http.Header { return w.header }

func (w *bufferedResponse) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
}

func (w *bufferedResponse) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}
