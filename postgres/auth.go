package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/auth"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The users, API keys, dashboard sessions and audit log of issue 17 in
// PostgreSQL (migration 0002), so that every api process of a cluster
// (issue 11) sees the same ones: a key made with `doctales keys create
// --postgres DSN`, or a session signed in on one process, is known to
// all. The methods have package sqlite's semantics and errors, and its
// rule for secrets: they are hashed by package auth before they reach
// these methods or come out of them; no method takes or returns a secret
// in clear except CreateAPIKey, which returns the new key once.

var _ doctales.AuditLog = (*DB)(nil)

// authLockKey is the advisory lock AddUser holds, so that of two users
// added at once exactly one is the first (and adopts the open items).
// It spells "dtauthus".
const authLockKey = 0x6474617574687573

// ackKeyBytes is the size of the ack links' key (as package sqlite's).
const ackKeyBytes = 32

// uniqueViolation is PostgreSQL's SQLSTATE for a duplicate key.
const uniqueViolation = "23505"

// isUniqueViolation reports whether err is a duplicate key error.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == uniqueViolation
}

// storable reports whether v can be a text value (valid UTF-8 without NUL):
// a name or id that is not cannot be stored, so none can match it.
func storable(v string) bool { return checkText("", v) == nil }

// textValue makes v storable in a text column: invalid UTF-8 and NUL
// bytes become U+FFFD. For the audit log, which records what a client
// sent (a sign-in's user name) whatever it was.
func textValue(v string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\x00", "\uFFFD")
}

// openAuth writes the ack links' key at the first Open and reads it: a
// random key made here (crypto/rand) and kept in meta, so that every
// process on the database signs and checks the same links.
func (db *DB) openAuth(ctx context.Context) error {
	b := make([]byte, ackKeyBytes)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("make ack key: %w", err)
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO meta (key, value) VALUES ('ack_key', $1) ON CONFLICT (key) DO NOTHING`, hex.EncodeToString(b)); err != nil {
		return fmt.Errorf("set ack key: %w", err)
	}
	var v string
	if err := db.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'ack_key'`).Scan(&v); err != nil {
		return fmt.Errorf("read ack key: %w", err)
	}
	k, err := hex.DecodeString(v)
	if err != nil || len(k) < 16 {
		return fmt.Errorf("ack key in meta is not hex of at least 16 bytes (%d characters)", len(v))
	}
	db.ackKey = k
	return nil
}

// AckKey returns the key of ack links (notify.AckToken): the same for
// every process on the database, made at its first Open and never
// changed.
func (db *DB) AckKey(ctx context.Context) ([]byte, error) {
	return append([]byte(nil), db.ackKey...), nil
}

// AddUser stores a user with a password hash made by auth.HashPassword.
// A name already taken is ECONFLICT; an invalid name is EINVALID. The
// first user adopts the communications stored while the server ran open
// (AdoptOpenItems), in the same transaction.
func (db *DB) AddUser(ctx context.Context, name, passwordHash string) (*doctales.User, error) {
	if err := doctales.ValidateID("name", name); err != nil {
		return nil, err
	}
	if err := checkText("password hash", passwordHash); err != nil {
		return nil, err
	}
	now := db.nowMicro()
	var adopted int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(authLockKey)); err != nil {
			return err
		}
		var first bool
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM users)`).Scan(&first); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO users (name, password_hash, created_at) VALUES ($1, $2, $3)`, name, passwordHash, now); isUniqueViolation(err) {
			return doctales.Errorf(doctales.ECONFLICT, "User %q already exists.", name)
		} else if err != nil {
			return err
		}
		if first {
			var err error
			adopted, err = adoptOpen(ctx, tx, name)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("add user %q: %w", name, err)
	}
	return &doctales.User{Name: name, CreatedAt: now, Adopted: adopted}, nil
}

// AdoptOpenItems gives user the communications of doctales.DefaultUserID:
// those stored while the server ran open, or imported without a user. It
// returns how many. The first user added adopts them by itself (AddUser).
// The change is one of ownership, not content: it appends no stream
// record.
func (db *DB) AdoptOpenItems(ctx context.Context, user string) (int64, error) {
	if err := doctales.ValidateID("user", user); err != nil {
		return 0, err
	}
	var n int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var err error
		n, err = adoptOpen(ctx, tx, user)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("adopt open communications for %q: %w", user, err)
	}
	return n, nil
}

// adoptOpenBatch is how many items adoptOpen rewrites per round trip.
const adoptOpenBatch = 500

// adoptOpen moves the default user's items to user, in tx: the owner
// column and the body's userId, re-encoded as the table encodes an item.
func adoptOpen(ctx context.Context, tx pgx.Tx, user string) (int64, error) {
	if user == doctales.DefaultUserID {
		return 0, nil
	}
	var n int64
	for {
		// Rows already moved no longer match, so each round takes the
		// next ones.
		rows, err := tx.Query(ctx, `SELECT id, body FROM items WHERE owner = $1 ORDER BY id LIMIT $2 FOR UPDATE`,
			doctales.DefaultUserID, adoptOpenBatch)
		if err != nil {
			return n, fmt.Errorf("adopt items: %w", err)
		}
		var ids []string
		var bodies [][]byte
		for rows.Next() {
			var id string
			var body []byte
			if err := rows.Scan(&id, &body); err != nil {
				rows.Close()
				return n, fmt.Errorf("adopt items: %w", err)
			}
			it, err := decodeItem(body)
			if err != nil {
				rows.Close()
				return n, fmt.Errorf("adopt item %q: %w", id, err)
			}
			it.Owner = user
			if body, err = json.Marshal(it); err != nil {
				rows.Close()
				return n, fmt.Errorf("adopt item %q: encode: %w", id, err)
			}
			ids, bodies = append(ids, id), append(bodies, body)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, fmt.Errorf("adopt items: %w", err)
		}
		if len(ids) == 0 {
			return n, nil
		}
		tag, err := tx.Exec(ctx, `UPDATE items SET owner = $1, body = u.body
			FROM unnest($2::text[], $3::bytea[]) AS u(id, body) WHERE items.id = u.id`, user, ids, bodies)
		if err != nil {
			return n, fmt.Errorf("adopt items: %w", err)
		}
		n += tag.RowsAffected()
	}
}

// Users returns every user, by name.
func (db *DB) Users(ctx context.Context) ([]*doctales.User, error) {
	rows, err := db.pool.Query(ctx, `SELECT name, created_at FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*doctales.User
	for rows.Next() {
		var u doctales.User
		if err := rows.Scan(&u.Name, &u.CreatedAt); err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		u.CreatedAt = u.CreatedAt.UTC()
		out = append(out, &u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// PasswordHash returns the stored password hash of a user, or ENOTFOUND.
func (db *DB) PasswordHash(ctx context.Context, name string) (string, error) {
	notFound := doctales.Errorf(doctales.ENOTFOUND, "User %q not found.", name)
	if !storable(name) {
		return "", notFound
	}
	var h string
	err := db.pool.QueryRow(ctx, `SELECT password_hash FROM users WHERE name = $1`, name).Scan(&h)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", notFound
	} else if err != nil {
		return "", fmt.Errorf("get user %q: %w", name, err)
	}
	return h, nil
}

// RemoveUser deletes a user, revokes their API keys and ends their
// sessions, in one transaction. An unknown name is ENOTFOUND.
func (db *DB) RemoveUser(ctx context.Context, name string) error {
	if !storable(name) {
		return fmt.Errorf("remove user %q: %w", name, doctales.Errorf(doctales.ENOTFOUND, "User %q not found.", name))
	}
	now := db.nowMicro()
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM users WHERE name = $1`, name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return doctales.Errorf(doctales.ENOTFOUND, "User %q not found.", name)
		}
		if _, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, now, name); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("remove user %q: %w", name, err)
	}
	return nil
}

// CreateAPIKey makes a new key for userID with scopes and stores its hash.
// It returns the key, which is never stored and cannot be shown again.
func (db *DB) CreateAPIKey(ctx context.Context, userID string, scopes []string) (*doctales.APIKey, doctales.Secret, error) {
	k, key, err := auth.NewAPIKey(userID, scopes, db.nowMicro())
	if err != nil {
		return nil, "", err
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO api_keys (id, key_hash, user_id, scopes, created_at) VALUES ($1, $2, $3, $4, $5)`,
		k.ID, auth.HashKey(string(key)), userID, strings.Join(scopes, ","), k.CreatedAt); err != nil {
		return nil, "", fmt.Errorf("create api key for %q: %w", userID, err)
	}
	return k, key, nil
}

// APIKeys returns every key, revoked ones included, oldest first.
func (db *DB) APIKeys(ctx context.Context) ([]*doctales.APIKey, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, user_id, scopes, created_at, revoked_at FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	defer rows.Close()
	var out []*doctales.APIKey
	for rows.Next() {
		k, err := scanKey(rows.Scan, nil)
		if err != nil {
			return nil, fmt.Errorf("list api keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return out, nil
}

// scanKey reads an api_keys row (id, user_id, scopes, created_at,
// revoked_at[, key_hash into hash]).
func scanKey(scan func(...any) error, hash *string) (*doctales.APIKey, error) {
	var k doctales.APIKey
	var scopes string
	var revoked *time.Time
	dst := []any{&k.ID, &k.UserID, &scopes, &k.CreatedAt, &revoked}
	if hash != nil {
		dst = append(dst, hash)
	}
	if err := scan(dst...); err != nil {
		return nil, err
	}
	k.Scopes = strings.Split(scopes, ",")
	k.CreatedAt = k.CreatedAt.UTC()
	if revoked != nil {
		t := revoked.UTC()
		k.RevokedAt = &t
	}
	return &k, nil
}

// RevokeAPIKey marks a key revoked; it is refused from then on, by every
// process on the database. An unknown id is ENOTFOUND; revoking twice
// keeps the first time.
func (db *DB) RevokeAPIKey(ctx context.Context, id string) error {
	notFound := doctales.Errorf(doctales.ENOTFOUND, "API key %q not found.", id)
	if !storable(id) {
		return fmt.Errorf("revoke api key %q: %w", id, notFound)
	}
	tag, err := db.pool.Exec(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2`, db.nowMicro(), id)
	if err != nil {
		return fmt.Errorf("revoke api key %q: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("revoke api key %q: %w", id, notFound)
	}
	return nil
}

// AuthenticateKey returns the key an API key string stands for, comparing
// its hash in constant time. A malformed, unknown or revoked key is
// EUNAUTHORIZED, with one message for all three.
func (db *DB) AuthenticateKey(ctx context.Context, key string) (*doctales.APIKey, error) {
	refused := doctales.Errorf(doctales.EUNAUTHORIZED, "The API key is not valid.")
	id, err := auth.ParseKey(key)
	if err != nil {
		return nil, refused
	}
	var hash string
	k, err := scanKey(db.pool.QueryRow(ctx, `SELECT id, user_id, scopes, created_at, revoked_at, key_hash FROM api_keys WHERE id = $1`, id).Scan, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, refused
	} else if err != nil {
		return nil, fmt.Errorf("authenticate api key %q: %w", id, err)
	}
	if !auth.EqualHash(hash, auth.HashKey(key)) || k.RevokedAt != nil {
		return nil, refused
	}
	return k, nil
}

// CreateSession stores a session under the hash of id. Sessions past
// their expiry are deleted on the way.
func (db *DB) CreateSession(ctx context.Context, id doctales.Secret, s *doctales.Session) error {
	if s == nil {
		return doctales.Errorf(doctales.EINVALID, "Session required.")
	}
	if err := checkText("user", s.UserID); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at < $1`, db.nowMicro()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			auth.HashKey(string(id)), s.UserID, strings.Join(s.Scopes, ","), s.CreatedAt, s.ExpiresAt)
		return err
	})
	if err != nil {
		return fmt.Errorf("create session for %q: %w", s.UserID, err)
	}
	return nil
}

// Session returns the live session of id; an unknown or expired one is
// EUNAUTHORIZED.
func (db *DB) Session(ctx context.Context, id string) (*doctales.Session, error) {
	ended := doctales.Errorf(doctales.EUNAUTHORIZED, "The session has ended; sign in again.")
	var s doctales.Session
	var scopes string
	err := db.pool.QueryRow(ctx, `SELECT user_id, scopes, created_at, expires_at FROM sessions WHERE id_hash = $1`,
		auth.HashKey(id)).Scan(&s.UserID, &scopes, &s.CreatedAt, &s.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ended
	} else if err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	s.Scopes = strings.Split(scopes, ",")
	s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
	if !db.now().Before(s.ExpiresAt) {
		return nil, ended
	}
	s.CSRFToken = auth.CSRFToken(id)
	return &s, nil
}

// DeleteSession ends a session (sign-out); an unknown id is not an error.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, auth.HashKey(id)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// AuthConfigured reports whether any user or unrevoked API key exists:
// then the server enforces authentication (see httpapi.Handler.Auth).
// The open-mode check asks it on every request until one exists; its
// answer is not remembered, because `doctales users add --postgres` and
// `keys create --postgres` write beside the running api processes.
func (db *DB) AuthConfigured(ctx context.Context) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL)`).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("count users and keys: %w", err)
	}
	return ok, nil
}

// AppendAudit stores an audit entry, setting its Seq and, when zero, its
// Time to Now (to the microsecond). Detail is stored as JSON; it must hold
// no secret. A text field that PostgreSQL cannot hold (invalid UTF-8, a
// NUL byte: a sign-in's user name is what the client sent) is stored with
// U+FFFD in place of those bytes, so that the attempt is still recorded.
func (db *DB) AppendAudit(ctx context.Context, e *doctales.AuditEntry) error {
	if e == nil {
		return doctales.Errorf(doctales.EINVALID, "Audit entry required.")
	}
	if e.Time.IsZero() {
		e.Time = db.nowMicro()
	}
	var detail *string
	if len(e.Detail) > 0 {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return fmt.Errorf("append audit %q: encode detail: %w", e.Action, err)
		}
		d := string(b) // json.Marshal writes valid UTF-8 and escapes NUL
		detail = &d
	}
	err := db.pool.QueryRow(ctx, `INSERT INTO audit_log (at, user_id, key_id, via, action, target, outcome, client_ip, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq`,
		e.Time, textValue(e.UserID), textValue(e.KeyID), textValue(e.Via), textValue(e.Action), textValue(e.Target),
		textValue(e.Outcome), textValue(e.ClientIP), detail).Scan(&e.Seq)
	if err != nil {
		return fmt.Errorf("append audit %q on %q: %w", e.Action, e.Target, err)
	}
	return nil
}

// AuditEntries returns the audit entries matching f, newest first, at
// most f.Limit (MaxPageSize when zero, negative or above it). An action
// that no entry can have (not text PostgreSQL holds) matches none.
func (db *DB) AuditEntries(ctx context.Context, f doctales.AuditFilter) ([]*doctales.AuditEntry, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Since != nil {
		where = append(where, "at >= "+arg(*f.Since))
	}
	if f.Action != nil {
		if !storable(*f.Action) {
			return nil, nil
		}
		where = append(where, "action = "+arg(*f.Action))
	}
	q := `SELECT seq, at, user_id, key_id, via, action, target, outcome, client_ip, detail FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > doctales.MaxPageSize {
		limit = doctales.MaxPageSize
	}
	q += " ORDER BY seq DESC LIMIT " + arg(limit)
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	defer rows.Close()
	var out []*doctales.AuditEntry
	for rows.Next() {
		var e doctales.AuditEntry
		var detail *string
		if err := rows.Scan(&e.Seq, &e.Time, &e.UserID, &e.KeyID, &e.Via, &e.Action, &e.Target, &e.Outcome, &e.ClientIP, &detail); err != nil {
			return nil, fmt.Errorf("list audit entries: %w", err)
		}
		e.Time = e.Time.UTC()
		if detail != nil {
			if err := json.Unmarshal([]byte(*detail), &e.Detail); err != nil {
				return nil, fmt.Errorf("list audit entries: seq %d: decode detail: %w", e.Seq, err)
			}
		}
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	return out, nil
}
