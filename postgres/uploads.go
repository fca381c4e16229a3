package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/doctales/doctales"
)

// Large uploads in a cluster (migration 0007, docs/cluster.md "Large
// uploads"). An upload URL's terms (id, owner, declared size, expiry) are
// in its token, signed with the ack key that every api process reads from
// PostgreSQL (package upload), so any api process can check a URL another
// handed out. Whether the URL was used is the one thing a token cannot
// carry: Uploads keeps it in the uploads table, where every api process
// sees a PUT taken by another at once.

// DefaultUploadSweep is Uploads.SweepEvery's default: how often a claim
// also deletes the rows of expired URLs.
const DefaultUploadSweep = time.Minute

// Uploads is the shared record of used uploads of the api processes of a
// cluster (upload.Claims). Set DB, then use it; safe for concurrent use.
type Uploads struct {
	// DB is the database whose uploads table (migration 0007) is shared
	// by the api processes.
	DB *DB
	// SweepEvery is how often a claim also deletes the rows of URLs that
	// expired (their tokens are refused as expired anyway); zero means
	// DefaultUploadSweep.
	SweepEvery time.Duration
	// Logger receives a failed sweep's warning; nil means slog.Default().
	Logger *slog.Logger

	lastSweep atomic.Int64 // unix nanoseconds of the last sweep's start
}

// maxUploadOwner bounds an upload's owner, in bytes (a user name or id is
// far shorter; the bound keeps a forged row small).
const maxUploadOwner = 256

// ClaimUpload marks upload id used, in one statement: the first claim of
// an id inserts its row and succeeds; a later one, from this process or
// another, finds the row and is ECONFLICT naming "token"; an id whose
// expiresAt is not after the database's clock (the one clock every
// process of the cluster shares) is EFORBIDDEN naming "token", and is not
// recorded. Two claims at once: the second waits for the first's commit
// on the primary key, then sees its row, so exactly one succeeds.
func (u *Uploads) ClaimUpload(ctx context.Context, id, owner string, size int64, expiresAt time.Time) error {
	if err := doctales.ValidateID("id", id); err != nil {
		return err
	}
	if owner == "" || len(owner) > maxUploadOwner || !utf8.ValidString(owner) || strings.ContainsRune(owner, 0) {
		return doctales.FieldErrorf(doctales.EINVALID, "owner", "upload %s: owner %.40q is not 1 to %d bytes of UTF-8 without NUL", id, owner, maxUploadOwner)
	}
	if size <= 0 {
		return doctales.FieldErrorf(doctales.EINVALID, "size", "upload %s: size %d is not a positive number of bytes", id, size)
	}
	var claimed, live bool
	err := u.DB.pool.QueryRow(ctx, `WITH ins AS (
			INSERT INTO uploads (id, owner, size, expires_at)
			SELECT $1, $2, $3, $4 WHERE $4::timestamptz > now()
			ON CONFLICT (id) DO NOTHING
			RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM ins), $4::timestamptz > now()`,
		id, owner, size, expiresAt).Scan(&claimed, &live)
	if err != nil {
		return fmt.Errorf("claim upload %s: %w", id, err)
	}
	switch {
	case !live:
		return doctales.FieldErrorf(doctales.EFORBIDDEN, "token", "upload %s expired at %s; ask POST /uploads for a new one", id, expiresAt.UTC().Format(time.RFC3339))
	case !claimed:
		return doctales.FieldErrorf(doctales.ECONFLICT, "token", "upload %s was already used; an upload URL takes one body, ask POST /uploads for a new one", id)
	}
	u.maybeSweep(ctx)
	return nil
}

// ReleaseUpload deletes id's row, after a PUT whose body was not
// ingested, so that its URL may be sent again while it lasts; an unknown
// id is no error.
func (u *Uploads) ReleaseUpload(ctx context.Context, id string) error {
	if _, err := u.DB.pool.Exec(ctx, `DELETE FROM uploads WHERE id = $1`, id); err != nil {
		return fmt.Errorf("release upload %s: %w", id, err)
	}
	return nil
}

// Sweep deletes the rows of uploads whose URLs expired by the database's
// clock, and returns how many: a claim of such an id is refused as
// expired with or without its row.
func (u *Uploads) Sweep(ctx context.Context) (int64, error) {
	tag, err := u.DB.pool.Exec(ctx, `DELETE FROM uploads WHERE expires_at <= now()`)
	if err != nil {
		return 0, fmt.Errorf("sweep expired uploads: %w", err)
	}
	return tag.RowsAffected(), nil
}

// maybeSweep sweeps if no sweep of this Uploads started within
// SweepEvery; a failure is logged, not returned (the claim stands).
func (u *Uploads) maybeSweep(ctx context.Context) {
	every := u.SweepEvery
	if every <= 0 {
		every = DefaultUploadSweep
	}
	now := time.Now().UnixNano()
	last := u.lastSweep.Load()
	if now-last < int64(every) || !u.lastSweep.CompareAndSwap(last, now) {
		return
	}
	if _, err := u.Sweep(context.WithoutCancel(ctx)); err != nil {
		lg := u.Logger
		if lg == nil {
			lg = slog.Default()
		}
		lg.WarnContext(ctx, "expired uploads not swept", "error", err)
	}
}
