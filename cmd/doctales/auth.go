package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/auth"
	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/sqlite"
)

// EnvAPIKey is the environment variable the commands that talk to a running
// server (import --url, ingest --url, status) read an API key from. A key
// is never a flag value, which any user of the machine could read in the
// process list.
const EnvAPIKey = "DOCTALES_API_KEY"

const keysUsage = `Usage:
  doctales keys create --user NAME --scope SCOPE[,SCOPE...]
  doctales keys list [--json]
  doctales keys revoke ID

API keys authenticate "Authorization: Bearer <key>" requests. Scopes: ingest
(POST /communications), read (communications, people, projects, the live
stream, events, the profile), admin (dead letters and redrive, stats,
metrics, and everything else). The key is printed once, on stdout; only its
SHA-256 hash is stored. Once a key or a user exists, the server requires
one on every request but /healthz and /readyz.

In a cluster (serve --postgres DSN), give the same --postgres DSN (or the
configuration's postgres:): the keys are in PostgreSQL, shared by every
api process, and a revoked key is refused by all of them.

Example:
  doctales keys create --user ana --scope ingest,read > ana.key
  doctales keys list --json
  doctales keys revoke 9f2c41d0
  doctales keys create --user ana --scope admin --postgres "$DOCTALES_POSTGRES"

Flags:
`

const usersUsage = `Usage:
  doctales users add NAME      (the password is read from the terminal, or from stdin)
  doctales users list
  doctales users rm NAME
  doctales users adopt NAME    (give NAME the communications stored while open)

Users sign in to the dashboard with their password (stored as an Argon2id
hash). Removing a user revokes their keys and ends their sessions.

Every communication belongs to one user, and each user sees only their
own. What was stored while the server ran open (no user and no key) or
imported from the command line without --user belongs to no signed-in
user: the first user added takes it over, and "users adopt" gives what
has come since to a user of your choice.

In a cluster (serve --postgres DSN), give the same --postgres DSN (or the
configuration's postgres:): the users are in PostgreSQL, shared by every
api process.

Example:
  doctales users add ana
  echo "$PASSWORD" | doctales users add ana --data /srv/doctales
  doctales users list --json
  doctales users add ana --postgres "$DOCTALES_POSTGRES"

Flags:
`

// authStore is what the keys, users and audit commands change and read:
// the data folder's SQLite file (*sqlite.DB), or with --postgres the
// cluster's PostgreSQL (*postgres.DB), which every api process shares.
type authStore interface {
	AddUser(ctx context.Context, name, passwordHash string) (*doctales.User, error)
	AdoptOpenItems(ctx context.Context, user string) (int64, error)
	Users(ctx context.Context) ([]*doctales.User, error)
	RemoveUser(ctx context.Context, name string) error
	CreateAPIKey(ctx context.Context, userID string, scopes []string) (*doctales.APIKey, doctales.Secret, error)
	APIKeys(ctx context.Context) ([]*doctales.APIKey, error)
	RevokeAPIKey(ctx context.Context, id string) error
	doctales.AuditLog
	Close() error
}

var (
	_ authStore = (*sqlite.DB)(nil)
	_ authStore = (*postgres.DB)(nil)
)

// registerPostgres registers --postgres on the keys, users and audit
// commands: the cluster's database, whose users and keys every api
// process shares (issue 11).
func registerPostgres(fs *flag.FlagSet) *string {
	return fs.String("postgres", "", "PostgreSQL DSN of a cluster (as given to serve --postgres): manage the users and keys every api process shares (default: the postgres of --config, else the SQLite file in --data)")
}

// checkPostgresDSN returns a usage error naming name and the DSN (its
// password hidden) when dsn is not a PostgreSQL DSN.
func checkPostgresDSN(command, name, dsn string) error {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") && !strings.Contains(dsn, "=") {
		return usageErrorf(command, "%s %q: give a PostgreSQL DSN, postgres://USER@HOST:PORT/DB or host=... dbname=...", name, redactDSN(dsn))
	}
	return nil
}

// openAuthDB opens the store of the keys, users and audit commands. With
// a PostgreSQL DSN (pgDSN, the --postgres flag, else the configuration's
// postgres) it is the cluster's database, whose schema it migrates if
// needed. Otherwise it is the data folder's database; it works whether or
// not a server is running (they run no pipeline, and SQLite serialises
// their few writes with the server's). With create (keys create, users
// add: the first user or key is made before the first serve on a
// non-loopback address) a missing folder is created; otherwise it is an
// error naming it (issue 11).
func openAuthDB(ctx context.Context, command string, cf *commonFlags, pgDSN string, stderr io.Writer, create bool) (authStore, error) {
	cfg, logger, err := cf.load(stderr)
	if err != nil {
		return nil, err
	}
	name := "--postgres"
	if pgDSN == "" && cfg.Postgres != "" {
		pgDSN, name = cfg.Postgres, "postgres (config)"
	}
	if pgDSN != "" {
		if err := checkPostgresDSN(command, name, pgDSN); err != nil {
			return nil, err
		}
		octx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		db, err := postgres.Open(octx, pgDSN, postgres.Options{TableName: cfg.TableName(), Logger: logger.With(LogKeyComponent, "postgres")})
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", name, redactDSN(pgDSN), err)
		}
		return db, nil
	}
	if !create {
		if err := requireDataFolder(cfg.Data); err != nil {
			return nil, err
		}
	}
	db := sqlite.NewDB(filepath.Join(cfg.Data, "doctales.db"))
	db.Logger = logger
	db.TableName = cfg.TableName()
	if err := db.Open(); err != nil {
		return nil, fmt.Errorf("open %s: %w", cfg.Data, err)
	}
	return db, nil
}

// runKeys is the keys command.
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales keys", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, keysUsage); fs.PrintDefaults() }
	var cf commonFlags
	cf.register(fs)
	fs.Lookup("log-level").DefValue, cf.logLevel = "error", "error"
	pgDSN := registerPostgres(fs)
	user := fs.String("user", "", "the user the key acts for")
	scope := fs.String("scope", "", "comma-separated scopes: ingest, read, admin")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	verb, pos, err := takeVerb("keys", pos, "create", "list", "revoke")
	if err != nil {
		fs.Usage()
		return err
	}
	var scopes []string
	if verb == "create" {
		if *user == "" {
			return usageErrorf("keys", "keys create: --user is required")
		}
		if scopes, err = doctales.ParseScopes(*scope); err != nil {
			return fmt.Errorf("keys create: --scope %q: %s", *scope, doctales.ErrorMessage(err))
		}
	}
	if verb == "revoke" && len(pos) != 1 {
		return usageErrorf("keys", "keys revoke: give one key id (see doctales keys list), got %d arguments", len(pos))
	}
	if verb != "revoke" {
		if err := noArgs("keys "+verb, pos); err != nil {
			return err
		}
	}
	db, err := openAuthDB(ctx, "keys", &cf, *pgDSN, stderr, verb == "create")
	if err != nil {
		return err
	}
	defer db.Close()

	switch verb {
	case "create":
		k, key, err := db.CreateAPIKey(ctx, *user, scopes)
		target := ""
		if k != nil {
			target = k.ID
		}
		auditCLI(ctx, db, stderr, doctales.AuditKeyCreate, target, err, map[string]any{"user": *user, "scopes": strings.Join(scopes, ",")})
		if err != nil {
			return fmt.Errorf("keys create: %s", doctales.ErrorMessage(err))
		}
		fmt.Fprintf(stderr, "created key %s for %s with scopes %s; it is shown once, store it now\n", k.ID, k.UserID, strings.Join(k.Scopes, ","))
		fmt.Fprintln(stdout, string(key))
		return nil
	case "list":
		keys, err := db.APIKeys(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSONLine(stdout, nonNil(keys))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSER\tSCOPES\tCREATED\tREVOKED")
		for _, k := range keys {
			revoked := "-"
			if k.RevokedAt != nil {
				revoked = k.RevokedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.UserID, strings.Join(k.Scopes, ","), k.CreatedAt.UTC().Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	default: // revoke
		err := db.RevokeAPIKey(ctx, pos[0])
		auditCLI(ctx, db, stderr, doctales.AuditKeyRevoke, pos[0], err, nil)
		if err != nil {
			return fmt.Errorf("keys revoke: %s", doctales.ErrorMessage(err))
		}
		fmt.Fprintf(stderr, "revoked key %s\n", pos[0])
		return nil
	}
}

// runUsers is the users command.
func runUsers(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales users", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usersUsage); fs.PrintDefaults() }
	var cf commonFlags
	cf.register(fs)
	fs.Lookup("log-level").DefValue, cf.logLevel = "error", "error"
	asJSON := fs.Bool("json", false, "print JSON")
	pgDSN := registerPostgres(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	verb, pos, err := takeVerb("users", pos, "add", "list", "rm", "adopt")
	if err != nil {
		fs.Usage()
		return err
	}
	var name string
	switch verb {
	case "add", "rm", "adopt":
		if len(pos) != 1 {
			return usageErrorf("users", "users %s: give one user name, got %d arguments", verb, len(pos))
		}
		name = pos[0]
	case "list":
		if err := noArgs("users list", pos); err != nil {
			return err
		}
	}
	var hash string
	if verb == "add" {
		if err := doctales.ValidateID("name", name); err != nil {
			return fmt.Errorf("users add: %s", doctales.ErrorMessage(err))
		}
		pw, err := readPassword(stdin, stderr)
		if err != nil {
			return fmt.Errorf("users add: %w", err)
		}
		if hash, err = auth.HashPassword(string(pw)); err != nil {
			return fmt.Errorf("users add: %s", doctales.ErrorMessage(err))
		}
	}
	db, err := openAuthDB(ctx, "users", &cf, *pgDSN, stderr, verb == "add")
	if err != nil {
		return err
	}
	defer db.Close()

	switch verb {
	case "add":
		u, err := db.AddUser(ctx, name, hash)
		var detail map[string]any
		if u != nil && u.Adopted > 0 {
			detail = map[string]any{"adopted": u.Adopted}
		}
		auditCLI(ctx, db, stderr, doctales.AuditUserAdd, name, err, detail)
		if err != nil {
			return fmt.Errorf("users add: %s", doctales.ErrorMessage(err))
		}
		fmt.Fprintf(stderr, "added user %s; the server now requires a sign-in or a key\n", name)
		if u.Adopted > 0 {
			fmt.Fprintf(stderr, "%s is the first user and now owns the %d communications stored while the server ran open\n", name, u.Adopted)
		}
		return nil
	case "adopt":
		n, err := db.AdoptOpenItems(ctx, name)
		auditCLI(ctx, db, stderr, doctales.AuditAdopt, name, err, map[string]any{"adopted": n})
		if err != nil {
			return fmt.Errorf("users adopt: %s", doctales.ErrorMessage(err))
		}
		fmt.Fprintf(stderr, "%s now owns %d more communications (stored while open or imported without --user)\n", name, n)
		return nil
	case "list":
		users, err := db.Users(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSONLine(stdout, nonNil(users))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tCREATED")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\n", u.Name, u.CreatedAt.UTC().Format(time.RFC3339))
		}
		return tw.Flush()
	default: // rm
		err := db.RemoveUser(ctx, name)
		auditCLI(ctx, db, stderr, doctales.AuditUserRemove, name, err, nil)
		if err != nil {
			return fmt.Errorf("users rm: %s", doctales.ErrorMessage(err))
		}
		fmt.Fprintf(stderr, "removed user %s, revoked their keys and ended their sessions\n", name)
		return nil
	}
}

// readPassword reads a password: from the terminal without echo, twice,
// when stdin is one; else the first line of stdin (for scripts:
// `printf '%s\n' "$PW" | doctales users add ana`).
func readPassword(stdin io.Reader, stderr io.Writer) (doctales.Secret, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords differ")
		}
		return doctales.Secret(a), nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on stdin")
	}
	return doctales.Secret(line), nil
}

// apiKey returns the key for requests to a running server: the first line
// of file if given, else $DOCTALES_API_KEY; "" when neither is set.
func apiKey(file string) (doctales.Secret, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--api-key-file: %w", err)
		}
		k, _, _ := strings.Cut(string(b), "\n")
		if k = strings.TrimSpace(k); k == "" {
			return "", fmt.Errorf("--api-key-file %s: the file is empty", file)
		}
		return doctales.Secret(k), nil
	}
	return doctales.Secret(strings.TrimSpace(os.Getenv(EnvAPIKey))), nil
}

// bearerTransport adds "Authorization: Bearer <key>" to every request.
type bearerTransport struct {
	key  doctales.Secret
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(t.key))
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}

// withAPIKey returns a client that sends the key from file or
// $DOCTALES_API_KEY, or c unchanged when there is none.
func withAPIKey(c *http.Client, file string) (*http.Client, error) {
	key, err := apiKey(file)
	if err != nil || key == "" {
		return c, err
	}
	out := *c
	out.Transport = &bearerTransport{key: key, base: c.Transport}
	return &out, nil
}

// isLoopback reports whether a listen address only accepts connections
// from this machine: 127.0.0.0/8, ::1 or localhost. An empty host (all
// interfaces) is not.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// writeJSONLine writes v as one line of JSON.
func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
