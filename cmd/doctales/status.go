package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/doctales/doctales/alarm"
	"github.com/doctales/doctales/client"
	"github.com/doctales/doctales/runtime"
)

const statusUsage = `Usage: doctales status [--url URL | --data DIR] [--interval D]
       doctales status --postgres DSN [--nats URL] [--config FILE] [--interval D]

Prints a one-screen summary of a running server's flow (the server holding
the data folder, by default ./data, found by the folder's lock file): per subscription the
rates over the interval, records in flight, lag (iterator age), dead letters
and the last error; the dead letters waiting; the alarms. --json prints
the same as one JSON object.

In a cluster (serve --postgres DSN), give the same --postgres DSN (and the
cluster's --nats URL, or the configuration's postgres: and nats:): status
reads the engines, not a server. Per checkpoint (a subscription's, a
partition's, the relay's) it prints the seq it finished, the records of its
source after it (BEHIND; for a partition, every partition's records) and how
long the oldest of them has waited (LAG), and the dead letters waiting per
subscription. Without --nats, a cluster on NATS shows its relay only (the
subscriptions keep their checkpoints in JetStream). Then the PROCESSES
table: each process registered in PostgreSQL (every serve --postgres
registers at start), its role, partition, address, pid, up time and last
heartbeat, "lost" when it missed three heartbeats, and the figures of its
/stats read twice --interval apart (rates, errors, dead letters, lag, open
circuits, the relay's leader or standby), then the alarms each process
evaluates on its own figures; one that does not answer within 2s is shown
as unreachable. An api process's /stats wants an admin key once
the cluster has users: $DOCTALES_API_KEY or --api-key-file, sent to the api
processes only.

Example:
  doctales status
  doctales status --url localhost:8080 --json
  doctales status --postgres "$DOCTALES_POSTGRES" --nats nats://127.0.0.1:4222

Flags:
`

// StatusReport is what status --json prints: the server, its readiness,
// each subscription's counters with the rates over the interval, the dead
// letters waiting and the alarms. Lists are [] when empty.
type StatusReport struct {
	URL           string               `json:"url"`
	Ready         map[string]any       `json:"ready"`
	Interval      string               `json:"interval"`
	Subscriptions []SubscriptionStatus `json:"subscriptions"`
	DeadLetters   int                  `json:"deadLetters"`
	Alarms        []alarm.State        `json:"alarms"`
}

// SubscriptionStatus is a subscription's counters (runtime.Stats) and its
// rates between the two samples.
type SubscriptionStatus struct {
	runtime.Stats
	ReadPerSecond float64 `json:"readPerSecond"`
	DonePerSecond float64 `json:"donePerSecond"`
}

type statsResponse struct {
	Subscriptions []runtime.Stats `json:"subscriptions"`
	Alarms        []alarm.State   `json:"alarms"`
}

// runStatus is the status command.
func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, statusUsage); fs.PrintDefaults() }
	url := fs.String("url", "", "the server's base URL (default: the URL of the server holding the data folder, else "+defaultStatusURL+")")
	data := fs.String("data", "", "the data folder whose server to ask, found by the folder's lock file (default ./data)")
	interval := fs.Duration("interval", time.Second, "time between the two samples the rates are computed from")
	keyFile := fs.String("api-key-file", "", "a file holding an admin API key (default $"+EnvAPIKey+")")
	asJSON := fs.Bool("json", false, "print JSON")
	config := fs.String("config", "", "YAML configuration file: its postgres: and nats: (a cluster's), and its functions (the sources of their checkpoints)")
	var cl clusterFlags
	cl.register(fs, "the checkpoints, the log heads and the dead letters", true)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("status", pos); err != nil {
		return err
	}
	cfg := DefaultConfig()
	if *config != "" {
		if cfg, err = ReadConfig(*config); err != nil {
			return err
		}
	}
	// --url and --data ask one server; --postgres reads the engines.
	if dsn, dsnName, _, _, err := cl.resolve("status", cfg); err != nil {
		return err
	} else if dsn != "" && (*url != "" || *data != "") {
		return usageErrorf("status", "status: give %s or --url/--data, not both: %s reads the cluster's engines, --url asks one server", dsnName, dsnName)
	}
	if rd, err := openClusterReader(ctx, "status", cl, cfg, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))); err != nil {
		return err
	} else if rd != nil {
		defer rd.Close()
		rep, err := clusterStatus(ctx, rd, cfg)
		if err != nil {
			return fmt.Errorf("status: %w", err)
		}
		key, err := apiKey(*keyFile)
		if err != nil {
			return err
		}
		if rep.Processes, err = clusterProcesses(ctx, rd.PG, key, *interval); err != nil {
			return fmt.Errorf("status: %w", err)
		}
		if *asJSON {
			return writeJSONLine(stdout, rep)
		}
		return rep.WriteText(stdout)
	}
	if *url == "" {
		found, err := statusURL(*data)
		if err != nil {
			return fmt.Errorf("status: %w", err)
		}
		*url = found
	}
	key, err := apiKey(*keyFile)
	if err != nil {
		return err
	}
	c, err := client.New(*url, client.WithAPIKey(string(key)), client.WithHTTPClient(&http.Client{Timeout: 10 * time.Second}))
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	base := c.BaseURL()
	// explain says what to do about the error of asking path: start the
	// server, or set an admin key.
	explain := func(path string, err error) error {
		var e *client.Error
		switch {
		case !errors.As(err, &e):
			return fmt.Errorf("status: is the server running at %s? %w", base, err)
		case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
			return fmt.Errorf("status: GET %s%s answered %d (%s); set $%s (or --api-key-file) to an admin key", base, path, e.Status, e.Message, EnvAPIKey)
		}
		return fmt.Errorf("status: GET %s%s: %w", base, path, err)
	}
	var first, second statsResponse
	if err := c.Stats(ctx, &first); err != nil {
		return explain("/stats", err)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(*interval):
	}
	if err := c.Stats(ctx, &second); err != nil {
		return explain("/stats", err)
	}
	ready, isReady, err := c.Ready(ctx)
	if err != nil {
		return explain("/readyz", err)
	}
	dlq, err := c.DeadLetters(ctx, "", 1000)
	if err != nil {
		return explain("/dlq", err)
	}

	prev := map[string]runtime.Stats{}
	for _, s := range first.Subscriptions {
		prev[s.Name] = s
	}
	secs := interval.Seconds()
	if *asJSON {
		rep := StatusReport{URL: base, Ready: ready, Interval: interval.String(), DeadLetters: dlq.Count,
			Subscriptions: []SubscriptionStatus{}, Alarms: nonNil(second.Alarms)}
		for _, s := range second.Subscriptions {
			p := prev[s.Name]
			rep.Subscriptions = append(rep.Subscriptions, SubscriptionStatus{Stats: s,
				ReadPerSecond: float64(s.Read-p.Read) / secs, DonePerSecond: float64(s.Succeeded-p.Succeeded) / secs})
		}
		alarm.SortStates(rep.Alarms)
		return writeJSONLine(stdout, rep)
	}
	fmt.Fprintf(stdout, "doctales at %s: %v", base, ready["status"])
	if !isReady {
		fmt.Fprintf(stdout, " (%v)", ready["error"])
	}
	fmt.Fprintln(stdout)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SUBSCRIPTION\tSOURCE\tREAD/s\tDONE/s\tFILTERED\tRETRIED\tDEAD\tIN FLIGHT\tLAG\tLAST ERROR")
	for _, s := range second.Subscriptions {
		p := prev[s.Name]
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%.1f\t%d\t%d\t%d\t%d\t%s\t%s\n", s.Name, s.Source,
			float64(s.Read-p.Read)/secs, float64(s.Succeeded-p.Succeeded)/secs,
			s.Filtered, s.Retried, s.DeadLettered, s.InFlight, s.IteratorAge.Round(time.Millisecond),
			orDash(truncate(s.LastError, 60)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range second.Subscriptions {
		if c := s.Circuit; c != nil && c.State == runtime.CircuitOpen {
			fmt.Fprintf(stdout, "circuit open: %s since %s (%s, %d failures in a row): deliveries paused, probing; last error: %s\n",
				s.Name, c.Since.Local().Format(time.TimeOnly), time.Since(c.Since).Round(time.Second), c.Failures, truncate(c.LastError, 120))
		}
	}
	fmt.Fprintf(stdout, "\ndead letters waiting: %d", dlq.Count)
	if dlq.Count > 0 {
		fmt.Fprint(stdout, " (doctales dlq list; doctales dlq redrive --all)")
	}
	fmt.Fprintln(stdout)
	alarm.SortStates(second.Alarms)
	for _, a := range second.Alarms {
		state := "OK"
		if a.Alarm {
			state = "ALARM"
		}
		fmt.Fprintf(stdout, "alarm %-16s %-5s %s %s %g: value %g, since %s\n", a.Rule.Name, state, a.Rule.Metric,
			a.Rule.Comparison, a.Rule.Threshold, a.Value, a.Since.Format(time.RFC3339))
	}
	return nil
}

// defaultStatusURL is where status looks when no server holds the default
// data folder: serve's default address.
const defaultStatusURL = "http://127.0.0.1:8080"

// statusURL returns the URL of the server that holds the data folder data
// (./data when empty), from the folder's lock file. With the default
// folder, when no server holds it (or it does not exist), it is
// defaultStatusURL; a folder given with --data must exist and be held by
// a server.
func statusURL(data string) (string, error) {
	explicit := data != ""
	if !explicit {
		data = DefaultConfig().Data
	}
	if explicit {
		if err := requireDataFolder(data); err != nil {
			return "", err
		}
	}
	url, holder, err := folderServer(data)
	switch {
	case err != nil && explicit:
		return "", err
	case url != "":
		return url, nil
	case explicit && holder == nil:
		return "", fmt.Errorf("no server holds data folder %s (start one with doctales serve --data %s, or give --url)", data, data)
	}
	return defaultStatusURL, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// withScheme returns a server URL given without a scheme
// ("localhost:8080", "127.0.0.1:8080/") with http:// in front.
func withScheme(u string) string {
	if u == "" || strings.Contains(u, "://") {
		return u
	}
	return "http://" + u
}
