package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/auth"
)

// auditRows runs doctales audit --json with extra arguments and returns
// its rows.
func auditRows(t *testing.T, data string, args ...string) []doctales.AuditEntry {
	t.Helper()
	out, stderr, err := runBin(t, "", nil, append([]string{"audit", "--json", "--data", data}, args...)...)
	if err != nil {
		t.Fatalf("audit --json: %v %s", err, stderr)
	}
	var rows []doctales.AuditEntry
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("audit --json printed %q, not a JSON array: %v", out, err)
	}
	return rows
}

// TestAudit_CLI: keys create and revoke, users add and rm, run as the real
// binary, each write one audit row (via cli, the OS user, the outcome);
// doctales audit prints them, in text and JSON, with --since; a redrive
// through the server on the same folder joins them with its key id; and
// GET /audit refuses a read key.
func TestAudit_CLI(t *testing.T) {
	data := t.TempDir()
	const password = "cli-audit-password-789"
	if _, stderr, err := runBin(t, password+"\n", nil, "users", "add", "ana", "--data", data); err != nil {
		t.Fatalf("users add: %v %s", err, stderr)
	}
	admin, stderr, err := runBin(t, "", nil, "keys", "create", "--user", "ana", "--scope", "admin", "--data", data)
	if err != nil {
		t.Fatalf("keys create: %v %s", err, stderr)
	}
	admin = strings.TrimSpace(admin)
	read, _, err := runBin(t, "", nil, "keys", "create", "--user", "ana", "--scope", "read", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	read = strings.TrimSpace(read)
	if _, _, err := runBin(t, "", nil, "keys", "revoke", "dt_0000000000000000", "--data", data); err == nil {
		t.Fatal("keys revoke of an unknown id succeeded")
	}
	if _, _, err := runBin(t, "", nil, "users", "rm", "nobody", "--data", data); err == nil {
		t.Fatal("users rm nobody succeeded")
	}

	rows := auditRows(t, data)
	want := []struct{ action, outcome string }{ // newest first
		{doctales.AuditUserRemove, doctales.ENOTFOUND},
		{doctales.AuditKeyRevoke, doctales.ENOTFOUND},
		{doctales.AuditKeyCreate, doctales.AuditOK},
		{doctales.AuditKeyCreate, doctales.AuditOK},
		{doctales.AuditUserAdd, doctales.AuditOK},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d audit rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		if r := rows[i]; r.Action != w.action || r.Outcome != w.outcome || r.Via != "cli" || r.UserID != osUser() {
			t.Fatalf("row %d = %+v, want %s %s via cli by %s", i, r, w.action, w.outcome, osUser())
		}
	}
	if rows[2].Target == "" || !strings.HasPrefix(read, auth.KeyPrefix+rows[2].Target+"_") || rows[2].Detail["scopes"] != "read" {
		t.Fatalf("key.create row %+v does not name the key id of %s…", rows[2], read[:19])
	}
	if got := auditRows(t, data, "--since", "2999-01-01T00:00:00Z"); len(got) != 0 {
		t.Fatalf("--since in the future: %d rows", len(got))
	}
	if got := auditRows(t, data, "--since", "1h", "--action", doctales.AuditUserAdd); len(got) != 1 || got[0].Target != "ana" {
		t.Fatalf("--since 1h --action user.add: %+v", got)
	}
	out, stderr, err := runBin(t, "", nil, "audit", "--data", data)
	if err != nil || !strings.Contains(out, "ACTION") || strings.Count(out, "\n") != 6 || !strings.Contains(out, "key.revoke") {
		t.Fatalf("audit: %v %s %s", err, out, stderr)
	}

	// Through the server: a redrive with the admin key, GET /audit.
	m := MustRunMain(t, nil, "--data", data)
	req, _ := http.NewRequest("POST", m.URL()+"/dlq/redrive", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("redrive all: %v %v", err, resp)
	}
	resp.Body.Close()
	if code := getWith(t, m.URL()+"/audit", read); code != 403 {
		t.Fatalf("GET /audit with a read key = %d, want 403", code)
	}
	if code := getWith(t, m.URL()+"/audit", admin); code != 200 {
		t.Fatalf("GET /audit with an admin key = %d, want 200", code)
	}
	// /stats shows the limiters' bucket counts (the admin key's reads).
	req, _ = http.NewRequest("GET", m.URL()+"/stats", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var stats struct {
		RateLimits struct{ Buckets map[string]int }
	}
	err = json.NewDecoder(resp.Body).Decode(&stats)
	resp.Body.Close()
	if err != nil || stats.RateLimits.Buckets["read"] != 1 || stats.RateLimits.Buckets["ingest"] != 0 {
		t.Fatalf("/stats rateLimits = %+v, %v; want one read bucket (the admin key; the read key's 403 is answered before the limit) and no ingest bucket", stats.RateLimits, err)
	}
	r := auditRows(t, data, "--action", doctales.AuditRedriveAll)
	if len(r) != 1 || r[0].UserID != "ana" || r[0].Via != "key" || !strings.HasPrefix(admin, auth.KeyPrefix+r[0].KeyID+"_") || r[0].ClientIP != "127.0.0.1" {
		t.Fatalf("redrive row %+v", r)
	}

	// No secret in the data folder's database.
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	var all []byte
	files, _ := filepath.Glob(filepath.Join(data, "doctales.db*"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	for what, s := range map[string]string{"admin key": admin, "read key": read, "password": password} {
		if strings.Contains(string(all), s) {
			t.Errorf("the database holds the %s in clear", what)
		}
	}
}

// TestRateLimits_Config: rateLimits in the YAML file reaches the server: a
// key past ingestBurst gets 429 with Retry-After; a negative value is
// refused naming the field.
func TestRateLimits_Config(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "doctales.yaml")
	if err := os.WriteFile(cfg, []byte("rateLimits: {ingestPerSecond: 0.5, ingestBurst: 1, readPerSecond: 0}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := MustRunMain(t, nil, "--config", cfg)
	_, key, err := m.Pipeline.DB.CreateAPIKey(t.Context(), "ana", []string{doctales.ScopeIngest, doctales.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	var codes []int
	var retry string
	for i := range 2 {
		req, _ := http.NewRequest("POST", m.URL()+"/communications", strings.NewReader(`{"content":"hello `+string(rune('a'+i))+`"}`))
		req.Header.Set("Authorization", "Bearer "+string(key))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		retry = resp.Header.Get("Retry-After")
	}
	if codes[0] != 202 || codes[1] != 429 || retry != "2" {
		t.Fatalf("posts = %v, Retry-After %q; want [202 429] and 2", codes, retry)
	}
	// readPerSecond: 0 switches reads off: 300 reads pass.
	for i := range 300 {
		if code := getWith(t, m.URL()+"/communications", string(key)); code != 200 {
			t.Fatalf("read %d with reads unlimited = %d", i, code)
		}
	}

	if err := os.WriteFile(cfg, []byte("rateLimits: {readBurst: -1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runBin(t, "", nil, "serve", "--config", cfg, "--data", dir, "--addr", "127.0.0.1:0"); err == nil || !strings.Contains(stderr, "rateLimits.readBurst") {
		t.Fatalf("serve with readBurst -1: %v %s", err, stderr)
	}
}
