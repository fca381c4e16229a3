package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/doctales/doctales/postgres"
)

// The write commands against a cluster (issue 11, docs/cluster.md "import,
// ingest and invoke against a cluster"): given the cluster's DSN
// (--postgres, or postgres: of --config), import, ingest and invoke
// ingestion send what they write through a live api process of the
// cluster, found in the process registry, as --url would send it to a
// server named by hand. Writing locally instead would fill a data folder
// no process of the cluster reads.

// routeProbeTimeout bounds the GET /healthz that checks a registered api
// process answers before anything is sent to it.
const routeProbeTimeout = 2 * time.Second

// clusterRoute is where a write command goes in a cluster: the base URL
// of the api process chosen, and what to say about it.
type clusterRoute struct {
	URL     string
	Process postgres.ProcessState
	DSN     string // redacted
	DSNName string // "--postgres" or "postgres (config)"
}

// NoAPIProcessError is the refusal of a write command given a cluster's
// DSN when no api (or all) process of that cluster is live in the process
// registry, or none that is answers: nothing was sent.
type NoAPIProcessError struct {
	Command string // "import", "ingest", "invoke ingestion"
	DSNName string
	DSN     string // redacted
	// Registered describes each registered process ("extraction at
	// 127.0.0.1:8091 live", "api at 127.0.0.1:8080 lost ..."), and
	// Unanswered the live api processes that did not answer and why.
	Registered []string
	Unanswered []string
	// URLFlag says the command takes --url, which the fix then names.
	URLFlag bool
}

// Error names what was looked for, what was found, and how to fix it.
func (e *NoAPIProcessError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: no live api process in the process registry of %s %s: looked for a process of role api or all whose last heartbeat is within %d of its heartbeats",
		e.Command, e.DSNName, e.DSN, postgres.LostHeartbeats)
	switch {
	case len(e.Unanswered) > 0:
		fmt.Fprintf(&b, "; none answered GET /healthz (%s)", strings.Join(e.Unanswered, "; "))
	case len(e.Registered) == 0:
		b.WriteString("; no process is registered")
	default:
		fmt.Fprintf(&b, "; registered: %s", strings.Join(e.Registered, "; "))
	}
	b.WriteString(". Nothing was sent. Start one with doctales serve --role api --postgres DSN --nats URL (each process registers at start)")
	if e.URLFlag {
		b.WriteString(", or give the API's address with --url")
	}
	return b.String()
}

// resolveClusterDSN returns the cluster's DSN for a write command, from
// its --postgres flag (pgFlag), else from postgres: of the configuration,
// with the name to quote; "" when neither is given (the command works on
// the data folder then). A malformed DSN is a usage error naming it.
func resolveClusterDSN(command, pgFlag string, cfg Config) (dsn, name string, err error) {
	dsn, name = pgFlag, "--postgres"
	if dsn == "" && cfg.Postgres != "" {
		dsn, name = cfg.Postgres, "postgres (config)"
	}
	if dsn == "" {
		return "", "", nil
	}
	if err := checkPostgresDSN(command, name, dsn); err != nil {
		return "", "", err
	}
	return dsn, name, nil
}

// findClusterAPI looks in the process registry of dsn for the live api
// (or all) process with the freshest heartbeat that answers GET /healthz,
// trying the others in turn, and returns its base URL. With no such
// process it returns a *NoAPIProcessError. keyGiven false and a cluster
// that has users (whose api processes want a key) is an error naming the
// key to set, before anything is sent. The schema is migrated if the
// database lacks it, as by status and keys --postgres.
func findClusterAPI(ctx context.Context, command, dsn, dsnName string, cfg Config, keyGiven, urlFlag bool, stderr io.Writer) (*clusterRoute, error) {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	db, err := postgres.Open(octx, dsn, postgres.Options{TableName: cfg.TableName(), Logger: logger.With(LogKeyComponent, "postgres")})
	if err != nil {
		return nil, fmt.Errorf("%s: %s %s: %w", command, dsnName, redactDSN(dsn), err)
	}
	defer db.Close()
	ps, err := db.Processes(octx)
	if err != nil {
		return nil, fmt.Errorf("%s: %s %s: %w", command, dsnName, redactDSN(dsn), err)
	}
	none := &NoAPIProcessError{Command: command, DSNName: dsnName, DSN: redactDSN(dsn), URLFlag: urlFlag}
	var live []postgres.ProcessState
	for _, p := range ps {
		state := "live"
		if p.Lost {
			state = fmt.Sprintf("lost (not seen for %s)", p.SeenAgo.Round(time.Second/10))
		}
		none.Registered = append(none.Registered, fmt.Sprintf("%s at %s %s", p.Role, p.Address, state))
		if !p.Lost && (p.Role == RoleAPI || p.Role == RoleAll) {
			live = append(live, p)
		}
	}
	// Freshest heartbeat first: the likeliest to be up now.
	sort.SliceStable(live, func(i, j int) bool { return live[i].SeenAgo < live[j].SeenAgo })
	hc := &http.Client{Timeout: routeProbeTimeout}
	for _, p := range live {
		url := withScheme(p.Address)
		if err := probeHealth(octx, hc, url); err != nil {
			none.Unanswered = append(none.Unanswered, fmt.Sprintf("%s %s at %s: %v", p.Role, p.ID, p.Address, err))
			continue
		}
		if !keyGiven {
			configured, err := db.AuthConfigured(octx)
			if err != nil {
				return nil, fmt.Errorf("%s: %s %s: %w", command, dsnName, redactDSN(dsn), err)
			}
			if configured {
				return nil, fmt.Errorf("%s: the cluster of %s %s has users, so its api processes want an API key: set $%s (or --api-key-file) to a key with scope ingest "+
					"(doctales keys create --user NAME --scope ingest --postgres DSN); nothing was sent", command, dsnName, redactDSN(dsn), EnvAPIKey)
			}
		}
		return &clusterRoute{URL: url, Process: p, DSN: redactDSN(dsn), DSNName: dsnName}, nil
	}
	return nil, none
}

// probeHealth GETs url's /healthz and wants 200.
func probeHealth(ctx context.Context, hc *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /healthz answered %d", resp.StatusCode)
	}
	return nil
}

// announce prints the one line that says a command goes through the
// cluster's api process, and which.
func (r *clusterRoute) announce(stderr io.Writer, command string) {
	fmt.Fprintf(stderr, "%s: going through the cluster's api process %s at %s (role %s, from the process registry of %s %s, seen %s ago)\n",
		command, r.Process.ID, r.URL, r.Process.Role, r.DSNName, r.DSN, r.Process.SeenAgo.Round(time.Millisecond))
}

// clusterURL returns the base URL of the cluster's api process that
// import or ingest sends through, given the cluster's DSN (--postgres,
// else postgres: of the configuration), and says so on stderr; "" without
// a DSN. Called only without --url, which wins over the registry.
func (f *importFlags) clusterURL(cfg Config, stderr io.Writer) (string, error) {
	dsn, name, err := resolveClusterDSN(f.name, f.postgres, cfg)
	if err != nil || dsn == "" {
		return "", err
	}
	if f.user != "" {
		return "", fmt.Errorf("%s: --user is for a local import: through the cluster's api process (%s), the API key decides whose communications these are; "+
			"drop --user and set $%s to a key of %s (doctales keys create --user %s --scope ingest --postgres DSN)", f.name, name, EnvAPIKey, f.user, f.user)
	}
	key, err := apiKey(f.apiKeyFile)
	if err != nil {
		return "", err
	}
	route, err := findClusterAPI(context.Background(), f.name, dsn, name, cfg, key != "", true, stderr)
	if err != nil {
		return "", err
	}
	route.announce(stderr, f.name)
	return route.URL, nil
}

// invokeClusterRoute returns the api process that invoke fn sends through,
// given a cluster's DSN (pgFlag, else postgres: of the configuration); nil
// without one. Only ingestion goes through a cluster: the other functions
// run on the cluster's records in its worker processes, and running them
// here as well would process a record twice, so they are refused, as
// invoke refuses them on a data folder a server holds.
func invokeClusterRoute(ctx context.Context, fn, pgFlag string, cfg Config, event []byte, stderr io.Writer) (*clusterRoute, error) {
	command := "invoke " + fn
	dsn, name, err := resolveClusterDSN(command, pgFlag, cfg)
	if err != nil || dsn == "" {
		return nil, err
	}
	if fn != "ingestion" {
		return nil, fmt.Errorf("invoke %s: %s %s is a cluster, whose %s processes run the %s function on its records; invoke would run it a second time beside them. "+
			"Only ingestion goes through a cluster (invoke ingestion %s DSN); to try %s on an event, invoke it on a data folder without --postgres (and without postgres: in --config)",
			fn, name, redactDSN(dsn), fnRole(fn), fn, name, fn)
	}
	ev, err := decodeProxyRequest(event)
	if err != nil {
		return nil, err
	}
	key, err := apiKey("")
	if err != nil {
		return nil, err
	}
	route, err := findClusterAPI(ctx, command, dsn, name, cfg, key != "" || hasHeader(ev, "Authorization"), false, stderr)
	if err != nil {
		return nil, err
	}
	route.announce(stderr, command)
	return route, nil
}

// fnRole is the role of the cluster's processes that run function fn.
func fnRole(fn string) string {
	if fn == "delivery" {
		return RoleNotification
	}
	return fn
}
