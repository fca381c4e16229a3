package sqlite_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/auth"
	"github.com/doctales/doctales/sqlite"
)

func TestDB_Users(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if ok, err := db.AuthConfigured(ctx); err != nil || ok {
		t.Fatalf("new database: AuthConfigured = %v, %v", ok, err)
	}
	if _, err := db.AddUser(ctx, "ana", "$argon2id$x"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddUser(ctx, "ana", "$argon2id$y"); doctales.ErrorCode(err) != doctales.ECONFLICT {
		t.Fatalf("second ana: %v, want ECONFLICT", err)
	}
	if _, err := db.AddUser(ctx, "../x", "h"); doctales.ErrorCode(err) != doctales.EINVALID {
		t.Fatalf("bad name: %v, want EINVALID", err)
	}
	if ok, _ := db.AuthConfigured(ctx); !ok {
		t.Fatal("AuthConfigured = false with a user")
	}
	k, key, err := db.CreateAPIKey(ctx, "ana", []string{doctales.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	sid := auth.NewSessionID()
	if err := db.CreateSession(ctx, sid, &doctales.Session{UserID: "ana", Scopes: []string{"admin"}, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// Removing the user revokes the keys and ends the sessions.
	if err := db.RemoveUser(ctx, "ana"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AuthenticateKey(ctx, string(key)); doctales.ErrorCode(err) != doctales.EUNAUTHORIZED {
		t.Fatalf("key %s of a removed user: %v", k.ID, err)
	}
	if _, err := db.Session(ctx, string(sid)); doctales.ErrorCode(err) != doctales.EUNAUTHORIZED {
		t.Fatalf("session of a removed user: %v", err)
	}
	if err := db.RemoveUser(ctx, "ana"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("remove twice: %v", err)
	}
	if ok, _ := db.AuthConfigured(ctx); ok {
		t.Fatal("AuthConfigured = true with no user and only revoked keys")
	}
}

func TestDB_SessionExpiry(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex // the timer loop reads the clock too
	db := MustOpenDBAt(t, filepath.Join(t.TempDir(), "doctales.db"), func(db *sqlite.DB) {
		db.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	sid := auth.NewSessionID()
	if err := db.CreateSession(ctx, sid, &doctales.Session{UserID: "ana", Scopes: []string{"read"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	s, err := db.Session(ctx, string(sid))
	if err != nil || s.UserID != "ana" || s.CSRFToken != auth.CSRFToken(string(sid)) {
		t.Fatalf("Session = %+v, %v", s, err)
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	if _, err := db.Session(ctx, string(sid)); doctales.ErrorCode(err) != doctales.EUNAUTHORIZED {
		t.Fatalf("expired session: %v", err)
	}
	if err := db.RevokeAPIKey(ctx, "nope"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("revoke unknown key: %v", err)
	}
}

// `doctales users add` and `keys create` write beside a running server
// (they open the table, not the pipeline): the server's AuthConfigured,
// asked on every request while it runs open, must see the new user at
// once, not an answer it remembered.
func TestDB_AuthConfiguredSeesOtherWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "doctales.db")
	server := sqlite.NewDB(path)
	if err := server.Open(); err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if ok, err := server.AuthConfigured(ctx); err != nil || ok {
		t.Fatalf("new database: AuthConfigured = %v, %v", ok, err)
	}
	cli := sqlite.NewDB(path)
	if err := cli.Open(); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.AddUser(ctx, "ana", "$argon2id$x"); err != nil {
		t.Fatal(err)
	}
	if err := cli.Close(); err != nil {
		t.Fatal(err)
	}
	if ok, err := server.AuthConfigured(ctx); err != nil || !ok {
		t.Fatalf("after a user was added by another handle: AuthConfigured = %v, %v; want true", ok, err)
	}
}
