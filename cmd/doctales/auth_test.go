package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// runBin runs the real doctales binary with stdin and returns its stdout,
// stderr and error.
func runBin(t *testing.T, stdin string, env []string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// getWith sends a GET with an optional bearer key and returns the status.
func getWith(t *testing.T, url, key string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestServe_OpenMode: on loopback with no user and no key, serve answers
// without a key, says so at start (a Warn line) and in /stats.
func TestServe_OpenMode(t *testing.T) {
	var mu sync.Mutex
	var logs bytes.Buffer
	m := NewMain()
	m.Stderr = lockedWriter{&mu, &logs}
	if err := m.ParseFlags([]string{"--data", t.TempDir(), "--addr", "127.0.0.1:0", "--log-level", "warn", "--log-format", "json"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if !strings.Contains(out, `"level":"WARN"`) || !strings.Contains(out, "open mode") || !strings.Contains(out, "doctales users add") {
		t.Fatalf("start logs lack the open-mode warning:\n%s", out)
	}
	if code := getWith(t, m.URL()+"/communications", ""); code != 200 {
		t.Fatalf("open mode: GET /communications = %d", code)
	}
	var stats struct{ Auth struct{ Open bool } }
	if code := getJSON(t, m.URL()+"/stats", &stats); code != 200 || !stats.Auth.Open {
		t.Fatalf("/stats = %d, auth %+v", code, stats.Auth)
	}
}

// TestServe_RefusesOpenNonLoopback runs the real binary: serve on all
// interfaces without a user or key is refused with a message saying how
// to add one; once a user exists it starts (and enforces sign-in).
func TestServe_RefusesOpenNonLoopback(t *testing.T) {
	data := t.TempDir()
	_, stderr, err := runBin(t, "", nil, "serve", "--data", data, "--addr", "0.0.0.0:0", "--log-level", "error")
	if err == nil {
		t.Fatal("serve --addr 0.0.0.0:0 with no user started")
	}
	for _, want := range []string{"refusing to listen on 0.0.0.0:0", "doctales users add", "doctales keys create"} {
		if !strings.Contains(stderr, want) {
			t.Fatalf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	// A user, its password from stdin.
	if _, stderr, err := runBin(t, "correct horse battery\n", nil, "users", "add", "ana", "--data", data); err != nil {
		t.Fatalf("users add: %v\n%s", err, stderr)
	}
	if out, _, err := runBin(t, "", nil, "users", "list", "--data", data); err != nil || !strings.Contains(out, "ana") {
		t.Fatalf("users list: %v %q", err, out)
	}
	// A non-loopback address now starts, with auth on.
	addr := freeAddr(t)
	port := addr[strings.LastIndex(addr, ":"):]
	cmd := exec.Command(binPath, "serve", "--data", data, "--addr", "0.0.0.0"+port, "--log-level", "error")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := "http://127.0.0.1" + port
	deadline := time.Now().Add(20 * time.Second)
	for getWithRetry(url+"/healthz") != 200 {
		if time.Now().After(deadline) {
			t.Fatal("serve on 0.0.0.0 with a user did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code := getWith(t, url+"/communications", ""); code != 401 {
		t.Fatalf("GET /communications without a key = %d, want 401", code)
	}
}

// getWithRetry returns the status of a GET, or 0 when it fails.
func getWithRetry(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestKeys_CLI creates, lists and revokes a key with the real binary and
// uses it against a server on the same data folder.
func TestKeys_CLI(t *testing.T) {
	data := t.TempDir()
	if _, stderr, err := runBin(t, "", nil, "keys", "create", "--user", "ana", "--scope", "nope", "--data", data); err == nil || !strings.Contains(stderr, `scope "nope"`) {
		t.Fatalf("keys create --scope nope: %v %s", err, stderr)
	}
	out, stderr, err := runBin(t, "", nil, "keys", "create", "--user", "ana", "--scope", "read,ingest", "--data", data)
	if err != nil {
		t.Fatalf("keys create: %v\n%s", err, stderr)
	}
	key := strings.TrimSpace(out)
	if !strings.HasPrefix(key, "dt_") || strings.Contains(stderr, key) {
		t.Fatalf("keys create printed %q (stderr %q)", key, stderr)
	}
	out, _, err = runBin(t, "", nil, "keys", "list", "--json", "--data", data)
	var keys []struct {
		ID     string
		UserID string
		Scopes []string
	}
	if err != nil || json.Unmarshal([]byte(out), &keys) != nil || len(keys) != 1 || keys[0].UserID != "ana" || len(keys[0].Scopes) != 2 {
		t.Fatalf("keys list: %v %s", err, out)
	}
	if strings.Contains(out, key) || !strings.Contains(key, keys[0].ID) {
		t.Fatalf("keys list shows the key, or the id is not the key's: %s", out)
	}

	m := MustRunMain(t, nil, "--data", data)
	if code := getWith(t, m.URL()+"/communications", ""); code != 401 {
		t.Fatalf("no key = %d, want 401", code)
	}
	if code := getWith(t, m.URL()+"/communications", key); code != 200 {
		t.Fatalf("the key = %d, want 200", code)
	}
	if code := getWith(t, m.URL()+"/stats", key); code != 403 {
		t.Fatalf("/stats with a read,ingest key = %d, want 403", code)
	}

	// ingest --url reads the key from the environment (never a flag).
	doc := filepath.Join(t.TempDir(), "note.txt")
	if err := os.WriteFile(doc, []byte("Please call me back about the contract."), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runBin(t, "", nil, "ingest", "--url", m.URL(), doc); err == nil {
		t.Fatalf("ingest --url without a key succeeded: %s", stderr)
	}
	if out, stderr, err := runBin(t, "", []string{EnvAPIKey + "=" + key}, "ingest", "--url", m.URL(), doc); err != nil || !strings.Contains(out, `"accepted"`) {
		t.Fatalf("ingest --url with $%s: %v %s %s", EnvAPIKey, err, out, stderr)
	}
	// status needs an admin key and says how to give one.
	if _, stderr, err := runBin(t, "", []string{EnvAPIKey + "=" + key}, "status", "--url", m.URL(), "--interval", "10ms"); err == nil || !strings.Contains(stderr, EnvAPIKey) {
		t.Fatalf("status with a read key: %v %s", err, stderr)
	}
	admin, _, err := runBin(t, "", nil, "keys", "create", "--user", "ana", "--scope", "admin", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(admin), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, stderr, err := runBin(t, "", nil, "status", "--url", m.URL(), "--interval", "10ms", "--api-key-file", keyFile); err != nil {
		t.Fatalf("status --api-key-file: %v %s %s", err, out, stderr)
	}

	if _, stderr, err := runBin(t, "", nil, "keys", "revoke", keys[0].ID, "--data", data); err != nil {
		t.Fatalf("keys revoke: %v %s", err, stderr)
	}
	if code := getWith(t, m.URL()+"/communications", key); code != 401 {
		t.Fatalf("revoked key = %d, want 401", code)
	}
}
