package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/auth"
)

// The accounts, API keys and sessions of issue 17. Secrets are hashed by
// package auth before they reach these methods or come out of them; no
// method takes or returns a secret in clear except CreateAPIKey, which
// returns the new key once.

// AddUser stores a user with a password hash made by auth.HashPassword.
// A name already taken is ECONFLICT; an invalid name is EINVALID.
func (db *DB) AddUser(ctx context.Context, name, passwordHash string) (*doctales.User, error) {
	if err := doctales.ValidateID("name", name); err != nil {
		return nil, err
	}
	now := db.Now()
	var adopted int64
	if err := db.write(ctx, func(tx *writeTx) error {
		var users int
		if err := tx.queryRow(`SELECT COUNT(*) FROM users`).Scan(&users); err != nil {
			return FormatError(err)
		}
		_, err := tx.exec(`INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?)`, name, passwordHash, formatTime(now))
		if doctales.ErrorCode(FormatError(err)) == doctales.ECONFLICT {
			return doctales.Errorf(doctales.ECONFLICT, "User %q already exists.", name)
		} else if err != nil {
			return FormatError(err)
		}
		if users == 0 {
			adopted, err = adoptOpen(tx, name)
		}
		return err
	}); err != nil {
		return nil, fmt.Errorf("add user %q: %w", name, err)
	}
	return &doctales.User{Name: name, CreatedAt: now, Adopted: adopted}, nil
}

// AdoptOpenItems gives user the communications of doctales.DefaultUserID:
// those stored while the server ran open, or imported from the command
// line without --user. It returns how many. The first user added adopts
// them by itself (AddUser). The change is one of ownership, not content:
// it appends no stream record.
func (db *DB) AdoptOpenItems(ctx context.Context, user string) (int64, error) {
	if err := doctales.ValidateID("user", user); err != nil {
		return 0, err
	}
	var n int64
	err := db.write(ctx, func(tx *writeTx) error {
		var err error
		n, err = adoptOpen(tx, user)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("adopt open communications for %q: %w", user, err)
	}
	return n, nil
}

// adoptOpen moves the default user's items to user, in tx.
func adoptOpen(tx *writeTx, user string) (int64, error) {
	if user == doctales.DefaultUserID {
		return 0, nil
	}
	res, err := tx.exec(`UPDATE items SET owner = ?1, body = json_set(body, '$.userId', ?1) WHERE owner = ?2`, user, doctales.DefaultUserID)
	if err != nil {
		return 0, fmt.Errorf("adopt items: %w", FormatError(err))
	}
	return res.RowsAffected()
}

// Users returns every user, by name.
func (db *DB) Users(ctx context.Context) ([]*doctales.User, error) {
	rows, err := db.rdb.QueryContext(ctx, `SELECT name, created_at FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", FormatError(err))
	}
	defer rows.Close()
	var out []*doctales.User
	for rows.Next() {
		var u doctales.User
		var created string
		if err := rows.Scan(&u.Name, &created); err != nil {
			return nil, fmt.Errorf("list users: %w", FormatError(err))
		}
		if u.CreatedAt, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, &u)
	}
	return out, FormatError(rows.Err())
}

// PasswordHash returns the stored password hash of a user, or ENOTFOUND.
func (db *DB) PasswordHash(ctx context.Context, name string) (string, error) {
	var h string
	err := db.rdb.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE name = ?`, name).Scan(&h)
	if errNoRows(err) {
		return "", doctales.Errorf(doctales.ENOTFOUND, "User %q not found.", name)
	} else if err != nil {
		return "", fmt.Errorf("get user %q: %w", name, FormatError(err))
	}
	return h, nil
}

// RemoveUser deletes a user, revokes their API keys and ends their
// sessions, in one transaction. An unknown name is ENOTFOUND.
func (db *DB) RemoveUser(ctx context.Context, name string) error {
	now := formatTime(db.Now())
	if err := db.write(ctx, func(tx *writeTx) error {
		res, err := tx.exec(`DELETE FROM users WHERE name = ?`, name)
		if err != nil {
			return FormatError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return doctales.Errorf(doctales.ENOTFOUND, "User %q not found.", name)
		}
		if _, err := tx.exec(`UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, now, name); err != nil {
			return FormatError(err)
		}
		_, err = tx.exec(`DELETE FROM sessions WHERE user_id = ?`, name)
		return FormatError(err)
	}); err != nil {
		return fmt.Errorf("remove user %q: %w", name, err)
	}
	return nil
}

// CreateAPIKey makes a new key for userID with scopes and stores its hash.
// It returns the key, which is never stored and cannot be shown again.
func (db *DB) CreateAPIKey(ctx context.Context, userID string, scopes []string) (*doctales.APIKey, doctales.Secret, error) {
	k, key, err := auth.NewAPIKey(userID, scopes, db.Now())
	if err != nil {
		return nil, "", err
	}
	if err := db.write(ctx, func(tx *writeTx) error {
		_, err := tx.exec(`INSERT INTO api_keys (id, key_hash, user_id, scopes, created_at) VALUES (?, ?, ?, ?, ?)`,
			k.ID, auth.HashKey(string(key)), userID, strings.Join(scopes, ","), formatTime(k.CreatedAt))
		return FormatError(err)
	}); err != nil {
		return nil, "", fmt.Errorf("create api key for %q: %w", userID, err)
	}
	return k, key, nil
}

// APIKeys returns every key, revoked ones included, oldest first.
func (db *DB) APIKeys(ctx context.Context) ([]*doctales.APIKey, error) {
	rows, err := db.rdb.QueryContext(ctx, `SELECT id, user_id, scopes, created_at, revoked_at FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", FormatError(err))
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
	return out, FormatError(rows.Err())
}

// scanKey reads an api_keys row (id, user_id, scopes, created_at,
// revoked_at[, key_hash into hash]).
func scanKey(scan func(...any) error, hash *string) (*doctales.APIKey, error) {
	var k doctales.APIKey
	var scopes, created string
	var revoked sql.NullString
	dst := []any{&k.ID, &k.UserID, &scopes, &created, &revoked}
	if hash != nil {
		dst = append(dst, hash)
	}
	if err := scan(dst...); err != nil {
		return nil, err
	}
	k.Scopes = strings.Split(scopes, ",")
	var err error
	if k.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if revoked.Valid {
		t, err := parseTime(revoked.String)
		if err != nil {
			return nil, err
		}
		k.RevokedAt = &t
	}
	return &k, nil
}

// RevokeAPIKey marks a key revoked; it is refused from then on. An unknown
// id is ENOTFOUND; revoking twice keeps the first time.
func (db *DB) RevokeAPIKey(ctx context.Context, id string) error {
	if err := db.write(ctx, func(tx *writeTx) error {
		res, err := tx.exec(`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, formatTime(db.Now()), id)
		if err != nil {
			return FormatError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return doctales.Errorf(doctales.ENOTFOUND, "API key %q not found.", id)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("revoke api key %q: %w", id, err)
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
	k, err := scanKey(db.rdb.QueryRowContext(ctx, `SELECT id, user_id, scopes, created_at, revoked_at, key_hash FROM api_keys WHERE id = ?`, id).Scan, &hash)
	if errNoRows(err) {
		return nil, refused
	} else if err != nil {
		return nil, fmt.Errorf("authenticate api key %q: %w", id, FormatError(err))
	}
	if !auth.EqualHash(hash, auth.HashKey(key)) || k.RevokedAt != nil {
		return nil, refused
	}
	return k, nil
}

// CreateSession stores a session under the hash of id.
func (db *DB) CreateSession(ctx context.Context, id doctales.Secret, s *doctales.Session) error {
	if err := db.write(ctx, func(tx *writeTx) error {
		// Sessions past their expiry go on the way.
		if _, err := tx.exec(`DELETE FROM sessions WHERE expires_at < ?`, formatTime(db.Now())); err != nil {
			return FormatError(err)
		}
		_, err := tx.exec(`INSERT INTO sessions (id_hash, user_id, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			auth.HashKey(string(id)), s.UserID, strings.Join(s.Scopes, ","), formatTime(s.CreatedAt), formatTime(s.ExpiresAt))
		return FormatError(err)
	}); err != nil {
		return fmt.Errorf("create session for %q: %w", s.UserID, err)
	}
	return nil
}

// Session returns the live session of id; an unknown or expired one is
// EUNAUTHORIZED.
func (db *DB) Session(ctx context.Context, id string) (*doctales.Session, error) {
	var s doctales.Session
	var scopes, created, expires string
	err := db.rdb.QueryRowContext(ctx, `SELECT user_id, scopes, created_at, expires_at FROM sessions WHERE id_hash = ?`,
		auth.HashKey(id)).Scan(&s.UserID, &scopes, &created, &expires)
	if errNoRows(err) {
		return nil, doctales.Errorf(doctales.EUNAUTHORIZED, "The session has ended; sign in again.")
	} else if err != nil {
		return nil, fmt.Errorf("get session: %w", FormatError(err))
	}
	s.Scopes = strings.Split(scopes, ",")
	if s.CreatedAt, err = parseTime(created); err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	if s.ExpiresAt, err = parseTime(expires); err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	if !db.Now().Before(s.ExpiresAt) {
		return nil, doctales.Errorf(doctales.EUNAUTHORIZED, "The session has ended; sign in again.")
	}
	s.CSRFToken = auth.CSRFToken(id)
	return &s, nil
}

// DeleteSession ends a session (sign-out); an unknown id is not an error.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	if err := db.write(ctx, func(tx *writeTx) error {
		_, err := tx.exec(`DELETE FROM sessions WHERE id_hash = ?`, auth.HashKey(id))
		return FormatError(err)
	}); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// AuthConfigured reports whether any user or unrevoked API key exists:
// then the server enforces authentication (see httpapi.Handler.Auth).
// The open-mode check runs it on every request until one exists, so it is
// a prepared statement; its answer is not remembered, because `doctales
// users add` and `keys create` write beside a running server.
func (db *DB) AuthConfigured(ctx context.Context) (bool, error) {
	var n int
	err := db.reads.authConfigured.QueryRowContext(ctx).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("count users and keys: %w", FormatError(err))
	}
	return n > 0, nil
}
