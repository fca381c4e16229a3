package postgres

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/doctales/doctales"
	"github.com/jackc/pgx/v5"
)

// What `doctales status --postgres` and `doctales dlq --postgres` read:
// the log's head, every checkpoint stored here, the dead letters per
// subscription and per channel. They only read.

// CheckpointState is a checkpoint as stored in the checkpoints table: a
// subscription's (or partition's, or the relay's) last finished seq and
// when it was set.
type CheckpointState struct {
	Name      string    `json:"name"`
	Seq       int64     `json:"seq"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// LogHead returns the last seq given to a log record (0 for an empty
// log). Seqs are never reused, so it does not go down when the log is
// compacted. A record committed but not yet numbered is not counted.
func (db *DB) LogHead(ctx context.Context) (int64, error) {
	var seq int64
	if err := db.pool.QueryRow(ctx, `SELECT seq FROM log_head`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("read the log head: %w", err)
	}
	return seq, nil
}

// Checkpoints returns every checkpoint stored in the database, by name.
// With the runtime on PostgreSQL (serve --postgres without --nats) they
// are its subscriptions' (a partitioned one's as name/part-i-of-n); in a
// cluster on NATS the subscriptions keep theirs in JetStream and the one
// here is the relay's ("relay/postgres").
func (db *DB) Checkpoints(ctx context.Context) ([]CheckpointState, error) {
	rows, err := db.pool.Query(ctx, `SELECT subscription, seq, updated_at FROM checkpoints ORDER BY subscription COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (CheckpointState, error) {
		var c CheckpointState
		err := row.Scan(&c.Name, &c.Seq, &c.UpdatedAt)
		c.UpdatedAt = c.UpdatedAt.UTC()
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	return out, nil
}

// Backlog returns how many log records of source ("" for any source)
// have a seq greater than after, and when the first of them was appended
// (zero when there is none): how far a checkpoint at after is behind,
// and for how long its oldest unfinished record has waited.
func (db *DB) Backlog(ctx context.Context, source string, after int64) (n int64, oldest time.Time, err error) {
	var at *time.Time
	if source == "" {
		err = db.pool.QueryRow(ctx, `SELECT count(*), (SELECT at FROM log WHERE seq > $1 ORDER BY seq LIMIT 1)
			FROM log WHERE seq > $1`, after).Scan(&n, &at)
	} else {
		err = db.pool.QueryRow(ctx, `SELECT count(*), (SELECT at FROM log WHERE source = $2 AND seq > $1 ORDER BY seq LIMIT 1)
			FROM log WHERE source = $2 AND seq > $1`, after, source).Scan(&n, &at)
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count the log records of %q after %d: %w", source, after, err)
	}
	if at != nil {
		oldest = at.UTC()
	}
	return n, oldest, nil
}

// DeadLetterCounts returns how many dead letters each subscription has
// (subscriptions with none are absent).
func (db *DB) DeadLetterCounts(ctx context.Context) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, `SELECT subscription, count(*) FROM dead_letters GROUP BY subscription`)
	if err != nil {
		return nil, fmt.Errorf("count dead letters: %w", err)
	}
	out := map[string]int{}
	var name string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&name, &n}, func() error { out[name] = n; return nil }); err != nil {
		return nil, fmt.Errorf("count dead letters: %w", err)
	}
	return out, nil
}

// ChannelDeadLetters lists up to limit dead letters of one channel's
// subscriptions (log, webhook, email, sns: topic/<channel> and
// topic/<channel>-N; browser: the browser subscription), oldest first, as
// package sqlite's does. An unknown channel is EINVALID naming it; limit
// as for DeadLetters.
func (db *DB) ChannelDeadLetters(ctx context.Context, channel string, limit int) ([]*doctales.DeadLetter, error) {
	if !slices.Contains(doctales.Channels, channel) {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "channel", "channel %q is not one of %s", channel, strings.Join(doctales.Channels, ", "))
	}
	if limit <= 0 {
		limit = DefaultDeadLetterLimit
	} else if limit > MaxDeadLetterLimit {
		limit = MaxDeadLetterLimit
	}
	exact := doctales.ChannelSubscriptionPrefix + channel
	numbered := "^" + regexp.QuoteMeta(exact) + "-[0-9]+$"
	if channel == doctales.ChannelBrowser {
		exact, numbered = doctales.BrowserSubscription, "^"+regexp.QuoteMeta(doctales.BrowserSubscription)+"$"
	}
	rows, err := db.pool.Query(ctx, `SELECT `+deadLetterColumns+` FROM dead_letters
		WHERE subscription = $1 OR subscription ~ $2 ORDER BY id LIMIT $3`, exact, numbered, limit)
	if err != nil {
		return nil, fmt.Errorf("list dead letters of channel %q: %w", channel, err)
	}
	dls, err := pgx.CollectRows(rows, scanDeadLetter)
	if err != nil {
		return nil, fmt.Errorf("list dead letters of channel %q: %w", channel, err)
	}
	return slices.DeleteFunc(dls, func(dl *doctales.DeadLetter) bool { return doctales.SubscriptionChannel(dl.Subscription) != channel }), nil
}
