package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/auth"
	"github.com/doctales/doctales/httpapi"
)

// TestAudit_HTTP: each audited action through the real API writes one row
// with the principal, client address and outcome; GET /audit needs admin;
// the database file holds no secret afterwards.
func TestAudit_HTTP(t *testing.T) {
	f := mustAuthServer(t, func(h *httpapi.Handler) {})
	f.h.AuditLog = f.db
	ctx := context.Background()
	const password, wrong = "audit-right-password-123", "audit-wrong-guess-456"
	mustUser(t, f, "ana", password)
	adminID, adminKey := f.mustKey(t, "ana", doctales.ScopeAdmin)
	readID, readKey := f.mustKey(t, "ana", doctales.ScopeRead)

	// last returns the newest audit row, failing unless there are n rows.
	last := func(n int) *doctales.AuditEntry {
		t.Helper()
		es, err := f.db.AuditEntries(ctx, doctales.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != n {
			t.Fatalf("%d audit rows, want %d", len(es), n)
		}
		return es[0]
	}
	check := func(e *doctales.AuditEntry, action, target, outcome, user, keyID, via string) {
		t.Helper()
		if e.Action != action || e.Target != target || e.Outcome != outcome || e.UserID != user || e.KeyID != keyID || e.Via != via || e.ClientIP != "127.0.0.1" {
			t.Fatalf("audit row %+v, want %s %s %s by %s key %q via %s from 127.0.0.1", e, action, target, outcome, user, keyID, via)
		}
		if time.Since(e.Time) > time.Minute {
			t.Fatalf("audit row time %v", e.Time)
		}
	}

	// Redrive of one dead letter (unknown: its outcome is the error code).
	if resp, body := send(t, "POST", f.srv.URL+"/dlq/999/redrive", "", bearer(adminKey)); resp.StatusCode != 404 {
		t.Fatalf("redrive 999 = %d %s", resp.StatusCode, body)
	}
	check(last(1), doctales.AuditRedrive, "999", doctales.ENOTFOUND, "ana", adminID, "key")
	// Redrive of all.
	if resp, body := send(t, "POST", f.srv.URL+"/dlq/redrive", "", bearer(adminKey)); resp.StatusCode != 202 {
		t.Fatalf("redrive all = %d %s", resp.StatusCode, body)
	}
	check(last(2), doctales.AuditRedriveAll, "*", doctales.AuditOK, "ana", adminID, "key")
	// A profile change with a read key.
	hdr := bearer(readKey)
	hdr["Content-Type"] = "application/json"
	if resp, body := send(t, "PUT", f.srv.URL+"/user-profile", `{"id":"ana","primaryArchetype":"analyst"}`, hdr); resp.StatusCode != 200 {
		t.Fatalf("put profile = %d %s", resp.StatusCode, body)
	}
	check(last(3), doctales.AuditProfileUpdate, "ana", doctales.AuditOK, "ana", readID, "key")
	// Sign-in: a wrong password, then the right one, then with a key.
	b, _ := json.Marshal(map[string]string{"user": "ana", "password": wrong})
	if resp, body := send(t, "POST", f.srv.URL+"/auth/session", string(b), map[string]string{"Content-Type": "application/json"}); resp.StatusCode != 401 {
		t.Fatalf("wrong password = %d %s", resp.StatusCode, body)
	}
	check(last(4), doctales.AuditSignIn, "ana", doctales.EUNAUTHORIZED, "", "", "")
	signIn(t, f.srv.URL, "ana", password)
	check(last(5), doctales.AuditSignIn, "ana", doctales.AuditOK, "ana", "", "session")
	b, _ = json.Marshal(map[string]string{"key": readKey})
	if resp, body := send(t, "POST", f.srv.URL+"/auth/session", string(b), map[string]string{"Content-Type": "application/json"}); resp.StatusCode != 200 {
		t.Fatalf("sign in with a key = %d %s", resp.StatusCode, body)
	}
	check(last(6), doctales.AuditSignIn, "ana", doctales.AuditOK, "ana", readID, "session")

	// GET /audit: admin only.
	if resp, body := send(t, "GET", f.srv.URL+"/audit", "", bearer(readKey)); resp.StatusCode != 403 {
		t.Fatalf("GET /audit with a read key = %d %s", resp.StatusCode, body)
	}
	resp, body := send(t, "GET", f.srv.URL+"/audit?since=1h", "", bearer(adminKey))
	var ar httpapi.AuditResponse
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &ar) != nil || ar.Count != 6 || ar.Entries[5].Action != doctales.AuditRedrive {
		t.Fatalf("GET /audit = %d %s", resp.StatusCode, body)
	}
	if resp, body := send(t, "GET", f.srv.URL+"/audit?since=yesterday", "", bearer(adminKey)); resp.StatusCode != 400 || !strings.Contains(body, "since") {
		t.Fatalf("GET /audit?since=yesterday = %d %s", resp.StatusCode, body)
	}

	// No secret reached the database file.
	if err := f.db.Close(); err != nil { // checkpoints the WAL into the file
		t.Fatal(err)
	}
	var all []byte
	files, _ := filepath.Glob(f.db.Path + "*")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	_, secret, _ := strings.Cut(strings.TrimPrefix(readKey, auth.KeyPrefix), "_")
	for what, s := range map[string]string{"key": readKey, "key secret": secret, "password": password, "wrong password": wrong} {
		if bytes.Contains(all, []byte(s)) {
			t.Errorf("the database file holds the %s in clear", what)
		}
	}
	if !bytes.Contains(all, []byte(doctales.AuditSignIn)) {
		t.Error("the database file holds no audit row: the test reads the wrong file")
	}
}
