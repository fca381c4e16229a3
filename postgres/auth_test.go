package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/authtest"
	"github.com/doctales/doctales/postgres"
)

// TestAuth_Contract runs the shared contract of users, keys, sessions,
// the audit log and the ack key (internal/authtest), which package
// sqlite's store passes too, on a fresh database; Reopen is a second
// pool on it, as another api process would open.
func TestAuth_Contract(t *testing.T) {
	authtest.Run(t, func(t *testing.T, c *authtest.Clock) authtest.Subject {
		db, dsn := mustOpen(t, postgres.Options{Now: c.Now})
		return authtest.Subject{Store: db, Table: db, Reopen: func(t *testing.T) authtest.Store {
			return mustOpenDSN(t, dsn, postgres.Options{Now: c.Now})
		}}
	})
}

// TestAuth_NoSecretStored: the key, the password and the session id are
// nowhere in the database in clear; the key's and session's SHA-256 are.
func TestAuth_NoSecretStored(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	if _, err := db.AddUser(ctx, "ana", "$argon2id$v=19$hash-of-the-password"); err != nil {
		t.Fatal(err)
	}
	_, key, err := db.CreateAPIKey(ctx, "ana", []string{doctales.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}
	sid := doctales.Secret("session-id-that-must-not-be-stored")
	if err := db.CreateSession(ctx, sid, &doctales.Session{UserID: "ana", Scopes: []string{"read"}}); err != nil {
		t.Fatal(err)
	}
	// "dt_<id>_<secret>": the secret is base64url and may hold "_"
	// itself, so it is what follows the id, not the last "_" (a tail
	// of one letter was once found in "ack_key").
	parts := strings.SplitN(string(key), "_", 3)
	if len(parts) != 3 || len(parts[2]) < 20 {
		t.Fatalf("key %q is not dt_<id>_<secret>", key)
	}
	secret := parts[2]
	var dump string
	if err := db.Pool().QueryRow(ctx, `SELECT concat_ws('|',
		(SELECT string_agg(concat_ws(',', id, key_hash, user_id, scopes), ';') FROM api_keys),
		(SELECT string_agg(concat_ws(',', id_hash, user_id, scopes), ';') FROM sessions),
		(SELECT string_agg(concat_ws(',', key, value), ';') FROM meta))`).Scan(&dump); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secret, string(key), string(sid)} {
		if strings.Contains(dump, s) {
			t.Fatalf("%q is stored in clear: %s", s, dump)
		}
	}
}

// TestAuth_Migration: the auth tables come with schema version 2, and a
// database made by 0001 alone (a cluster started before them) gets them
// at the next Open, with an ack key.
func TestAuth_Migration(t *testing.T) {
	ctx := context.Background()
	db, dsn := mustOpen(t, postgres.Options{})
	if postgres.SchemaVersion() < 2 {
		t.Fatalf("SchemaVersion = %d, want at least 2", postgres.SchemaVersion())
	}
	// Without 0002, as a database of the previous binary (the later
	// migrations are left: migrate applies every version a database
	// lacks, not only those above its highest).
	if _, err := db.Pool().Exec(ctx, `DROP TABLE users, api_keys, sessions, audit_log;
		DELETE FROM meta WHERE key = 'ack_key'; DELETE FROM schema_migrations WHERE version = 2`); err != nil {
		t.Fatal(err)
	}
	db2 := mustOpenDSN(t, dsn, postgres.Options{})
	if _, err := db2.AddUser(ctx, "ana", "$argon2id$x"); err != nil {
		t.Fatalf("AddUser after the migration: %v", err)
	}
	k, err := db2.AckKey(ctx)
	if err != nil || len(k) != 32 {
		t.Fatalf("AckKey after the migration: %d bytes, %v", len(k), err)
	}
}
