// Package auth makes and checks the secrets of issue 17: API keys (random,
// stored as a SHA-256 hash), passwords (stored with Argon2id, a slow KDF)
// and dashboard sessions (a random id stored as a hash, and a CSRF token
// derived from it). It holds no state and reads no headers: the HTTP layer
// resolves a key or session to a [doctales.Principal] with these helpers
// and a store (package sqlite).
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/doctales/doctales"
	"golang.org/x/crypto/argon2"
)

// KeyPrefix starts every API key, so that a key pasted in the wrong place
// (a log, a ticket) is easy to find and to scan for.
const KeyPrefix = "dt_"

// Sizes of the random parts, in bytes.
const (
	// KeyIDBytes is the size of an API key's public id (8 bytes, 16 hex
	// digits): enough to never collide among a person's keys.
	KeyIDBytes = 8
	// KeySecretBytes is the size of an API key's secret (32 bytes, 256
	// bits): a fast hash is then as good as a slow one, as nobody can
	// guess it.
	KeySecretBytes = 32
	// SessionIDBytes is the size of a session id (32 bytes).
	SessionIDBytes = 32
	// SaltBytes is the size of a password's salt (16 bytes).
	SaltBytes = 16
)

// Argon2id parameters of new password hashes: OWASP's 2023 minimum (19 MiB,
// two passes, one lane), about 30 ms on one core. Stored hashes carry their
// own parameters, so these may grow without breaking old ones.
const (
	DefaultArgonTime    = 2
	DefaultArgonMemory  = 19 * 1024 // KiB
	DefaultArgonThreads = 1
	argonKeyLen         = 32
)

// MinPasswordLength is the shortest password users add accepts, in bytes.
const MinPasswordLength = 10

// ErrMalformedKey is returned by ParseKey for a string that is not an API
// key of this package's shape.
var ErrMalformedKey = errors.New("auth: malformed api key")

// random returns n random bytes; crypto/rand never fails on supported
// systems (it panics instead).
func random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// NewKey returns a new API key, "dt_<id>_<secret>", and its id. The key is
// shown once; store only HashKey(key).
func NewKey() (id string, key doctales.Secret) {
	id = hex.EncodeToString(random(KeyIDBytes))
	return id, doctales.Secret(KeyPrefix + id + "_" + base64.RawURLEncoding.EncodeToString(random(KeySecretBytes)))
}

// NewAPIKey checks userID and scopes and makes a new key for them: the
// record to store (with HashKey(key)) and the key, shown once. Every key
// store (SQLite, PostgreSQL) makes its keys here, so they check the same.
func NewAPIKey(userID string, scopes []string, now time.Time) (*doctales.APIKey, doctales.Secret, error) {
	if err := doctales.ValidateID("user", userID); err != nil {
		return nil, "", err
	}
	if _, err := doctales.ParseScopes(strings.Join(scopes, ",")); err != nil {
		return nil, "", err
	}
	id, key := NewKey()
	return &doctales.APIKey{ID: id, UserID: userID, Scopes: scopes, CreatedAt: now}, key, nil
}

// ParseKey returns the id of an API key, or ErrMalformedKey.
func ParseKey(key string) (id string, err error) {
	rest, ok := strings.CutPrefix(key, KeyPrefix)
	if !ok {
		return "", ErrMalformedKey
	}
	id, secret, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 2*KeyIDBytes || secret == "" {
		return "", ErrMalformedKey
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", ErrMalformedKey
	}
	return id, nil
}

// HashKey returns the hex SHA-256 of a key or session id: what the store
// keeps instead of the secret.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// EqualHash compares two hashes in constant time.
func EqualHash(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// NewSessionID returns a new random session id.
func NewSessionID() doctales.Secret {
	return doctales.Secret(base64.RawURLEncoding.EncodeToString(random(SessionIDBytes)))
}

// CSRFToken returns the CSRF token of a session: derived from its id, so
// that only who holds the (HttpOnly) session cookie or the page the server
// gave it to knows it, and nothing more has to be stored. The dashboard
// sends it in the X-CSRF-Token header of every state-changing request.
func CSRFToken(sessionID string) doctales.Secret {
	sum := sha256.Sum256([]byte("doctales csrf\x00" + sessionID))
	return doctales.Secret(base64.RawURLEncoding.EncodeToString(sum[:]))
}

// HashPassword returns the Argon2id hash of password, in the PHC string
// format "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>".
func HashPassword(password string) (string, error) {
	if len(password) < MinPasswordLength {
		return "", doctales.FieldErrorf(doctales.EINVALID, "password", "the password is shorter than %d characters", MinPasswordLength)
	}
	salt := random(SaltBytes)
	sum := argon2.IDKey([]byte(password), salt, DefaultArgonTime, DefaultArgonMemory, DefaultArgonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, DefaultArgonMemory, DefaultArgonTime, DefaultArgonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(sum)), nil
}

// CheckPassword reports whether password matches a hash made by
// HashPassword, comparing in constant time. A malformed hash never
// matches.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<22 || t > 100 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// DummyPasswordHash returns a hash to check against when a user name is
// unknown, so that a sign-in takes as long for a name that exists as for
// one that does not. It is made on first use (19 MiB, about 30 ms), not at
// start-up of every command.
var DummyPasswordHash = sync.OnceValue(func() string {
	h, _ := HashPassword("doctales-dummy-password")
	return h
})
