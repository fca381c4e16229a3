package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/notify"
)

// doWith sends a request with an optional bearer key or session cookie
// and returns the status and body.
func doWith(t *testing.T, method, u, key, session, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: session})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// TestCluster_SharedAuth: two api processes on one PostgreSQL (each with
// its own data folder, so no SQLite file is shared) know the same users,
// keys, sessions, audit log and ack key. A user added with `doctales
// users add --postgres` closes both (401 without a key); a key in one
// data folder's SQLite file only is refused (401); a key made with `keys
// create --postgres` is accepted by both (200), a session signed in on
// one works on the other, an ack link's token checks on both; once
// revoked with `keys revoke --postgres`, both refuse the key at once; and
// the audit log of either (GET /audit, `doctales audit --postgres`) holds
// the CLI's changes and the sign-in.
func TestCluster_SharedAuth(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	dataA, dataB := t.TempDir(), t.TempDir()
	a := env.start(t, "api-a", RoleAPI, "--data", dataA)
	b := env.start(t, "api-b", RoleAPI, "--data", dataB)
	pg := []string{"--postgres", env.Postgres}
	cli := func(stdin string, args ...string) string {
		t.Helper()
		out, stderr, err := runBin(t, stdin, nil, append(args, pg...)...)
		if err != nil {
			t.Fatalf("doctales %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return strings.TrimSpace(out)
	}
	list := func(p *clusterProc, key, session string) int {
		t.Helper()
		code, _ := doWith(t, http.MethodGet, p.url()+"/communications", key, session, "")
		return code
	}

	// Open until the first user, on both.
	for _, p := range []*clusterProc{a, b} {
		if code := list(p, "", ""); code != http.StatusOK {
			t.Fatalf("%s with no user: GET /communications = %d, want 200 (open mode)", p.name, code)
		}
	}
	// A key in A's data folder only: the api processes no longer read it.
	sqliteKey, stderr, err := runBin(t, "", nil, "keys", "create", "--user", "ana", "--scope", "read", "--data", dataA)
	if err != nil {
		t.Fatalf("keys create --data: %v\n%s", err, stderr)
	}
	sqliteKey = strings.TrimSpace(sqliteKey)

	const password = "cluster-shared-password-42"
	cli(password+"\n", "users", "add", "ana")
	for _, p := range []*clusterProc{a, b} {
		if code := list(p, "", ""); code != http.StatusUnauthorized {
			t.Fatalf("%s after users add --postgres: GET /communications without a key = %d, want 401", p.name, code)
		}
		if code := list(p, sqliteKey, ""); code != http.StatusUnauthorized {
			t.Fatalf("%s: a key of %s's SQLite file only = %d, want 401", p.name, dataA, code)
		}
	}

	key := cli("", "keys", "create", "--user", "ana", "--scope", "ingest,read")
	for _, p := range []*clusterProc{a, b} {
		if code := list(p, key, ""); code != http.StatusOK {
			t.Fatalf("%s: the key made with keys create --postgres = %d, want 200", p.name, code)
		}
	}
	// Ingested through A, read through B.
	code, body := doWith(t, http.MethodPost, a.url()+"/communications", key, "", urgentOps)
	if code != http.StatusAccepted {
		t.Fatalf("POST to %s: %d %s", a.name, code, body)
	}
	var created struct{ ID string }
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.ID == "" {
		t.Fatalf("POST answer %s: %v", body, err)
	}
	if code, body := doWith(t, http.MethodGet, b.url()+"/communications/"+created.ID, key, "", ""); code != http.StatusOK {
		t.Fatalf("GET %s from %s: %d %s", created.ID, b.name, code, body)
	}

	// A session signed in on A is good on B.
	session := ""
	req, _ := http.NewRequest(http.MethodPost, a.url()+"/auth/session", strings.NewReader(`{"user":"ana","password":"`+password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in on %s: %d", a.name, resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Name == httpapi.SessionCookie {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatalf("sign in on %s set no %s cookie", a.name, httpapi.SessionCookie)
	}
	if code := list(b, "", session); code != http.StatusOK {
		t.Fatalf("%s with a session of %s: %d, want 200", b.name, a.name, code)
	}

	// The ack key is the database's: a token checks on both processes.
	db := clusterDB(t, env.Postgres)
	ackKey, err := db.AckKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	token := url.QueryEscape(notify.AckToken(ackKey, created.ID))
	if code, body := doWith(t, http.MethodGet, a.url()+"/communications/"+created.ID+"/ack?token="+token, "", "", ""); code != http.StatusOK {
		t.Fatalf("ack page on %s: %d %s", a.name, code, body)
	}
	if code, body := doWith(t, http.MethodPost, b.url()+"/communications/"+created.ID+"/ack?token="+token, "", "", ""); code != http.StatusOK {
		t.Fatalf("ack on %s: %d %s", b.name, code, body)
	}
	wrong := url.QueryEscape(notify.AckToken([]byte("another key of 32 bytes, not it!"), created.ID))
	if code, _ := doWith(t, http.MethodPost, b.url()+"/communications/"+created.ID+"/ack?token="+wrong, "", "", ""); code != http.StatusNotFound {
		t.Fatalf("ack with another key's token on %s: %d, want 404", b.name, code)
	}

	// Revoked once, refused by both.
	keyID := strings.SplitN(strings.TrimPrefix(key, "dt_"), "_", 2)[0]
	cli("", "keys", "revoke", keyID)
	for _, p := range []*clusterProc{a, b} {
		if code := list(p, key, ""); code != http.StatusUnauthorized {
			t.Fatalf("%s: the revoked key = %d, want 401", p.name, code)
		}
	}

	// The audit log is one: the CLI's changes and A's sign-in, read on B
	// and from the command line.
	admin := cli("", "keys", "create", "--user", "ana", "--scope", "admin")
	code, body = doWith(t, http.MethodGet, b.url()+"/audit", admin, "", "")
	if code != http.StatusOK {
		t.Fatalf("GET /audit on %s: %d %s", b.name, code, body)
	}
	for _, want := range []string{doctales.AuditUserAdd, doctales.AuditKeyCreate, doctales.AuditKeyRevoke, doctales.AuditSignIn} {
		if !strings.Contains(body, `"action":"`+want+`"`) {
			t.Fatalf("GET /audit on %s lacks %s: %s", b.name, want, body)
		}
	}
	var rows []doctales.AuditEntry
	if err := json.Unmarshal([]byte(cli("", "audit", "--json", "--action", doctales.AuditSignIn)), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Target != "ana" || rows[0].Via != "session" || rows[0].Outcome != doctales.AuditOK {
		t.Fatalf("audit --postgres --action %s: %+v, want the sign-in on %s", doctales.AuditSignIn, rows, a.name)
	}

	// The configuration's postgres: serves the commands as --postgres does.
	cfg := filepath.Join(t.TempDir(), "pg.yaml")
	if err := os.WriteFile(cfg, []byte("postgres: ${DOCTALES_TEST_PG}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runBin(t, "", []string{"DOCTALES_TEST_PG=" + env.Postgres}, "users", "list", "--json", "--config", cfg)
	if err != nil || !strings.Contains(out, `"name":"ana"`) {
		t.Fatalf("users list --config with postgres: %v %q\n%s", err, out, stderr)
	}
}

// TestCluster_AuthFlags: a malformed --postgres of keys, users and audit
// is a usage error (exit 2) naming the flag; an unreachable database
// names its address; and serve --postgres on a fresh database refuses a
// non-loopback address until `users add --postgres` made a user, saying
// so.
func TestCluster_AuthFlags(t *testing.T) {
	for _, args := range [][]string{
		{"keys", "list", "--postgres", "mysql://root@db/x"},
		{"users", "list", "--postgres", "nonsense"},
		{"audit", "--postgres", "nonsense"},
	} {
		code, _, stderr := runBinary(t, args...)
		if code != 2 || !strings.Contains(stderr, "--postgres") || !strings.Contains(stderr, "PostgreSQL DSN") {
			t.Errorf("doctales %s: exit %d, stderr %q; want 2 naming --postgres", strings.Join(args, " "), code, stderr)
		}
	}
	code, _, stderr := runBinary(t, "keys", "list", "--postgres", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if code == 0 || !strings.Contains(stderr, "127.0.0.1:1/none") {
		t.Errorf("keys list on port 1: exit %d, stderr %q; want a failure naming 127.0.0.1:1/none", code, stderr)
	}

	dsn := testutil.PostgresDSN(t)
	code, _, stderr = runBinary(t, "serve", "--postgres", dsn, "--data", t.TempDir(), "--addr", "0.0.0.0:0")
	if code == 0 || !strings.Contains(stderr, "refusing to listen on 0.0.0.0:0") || !strings.Contains(stderr, "users add NAME --postgres DSN") {
		t.Fatalf("serve --postgres on 0.0.0.0 with no user: exit %d, stderr:\n%s", code, stderr)
	}
}
