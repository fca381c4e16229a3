package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/doctales/doctales"
	"github.com/jackc/pgx/v5"
)

// RetentionLeaderLockKey is the session advisory lock held by the one
// process of a cluster that runs the retention sweep (an Elector's Key;
// docs/cluster.md, "Deletion and retention"), so that several api
// processes never sweep at once. It spells "dtretain" in ASCII and is
// distinct from the package's other keys (TestLockKeys_Distinct). It must
// not change: two binaries with different keys would both sweep (which
// is safe, deletes being idempotent, but wasteful).
const RetentionLeaderLockKey int64 = 0x647472657461696e

// communicationWhere selects, in the log or in the dead letters, what
// concerns the communication $1: records keyed by its id (its stream
// records), by an object key ending in "/<id>.json" (its S3 events; $2 is
// that LIKE pattern) and by the MessageId of a notification the ledger
// claimed for it (its topic messages). It is sqlite's communicationLogWhere
// in PostgreSQL's placeholders.
const communicationWhere = `key = $1
	OR (source = '` + doctales.SourceS3 + `' AND key LIKE $2)
	OR (source = '` + doctales.SourceSNS + `' AND key IN (SELECT message_id FROM ledger WHERE communication_id = $1))`

// PurgeCommunication removes what the database keeps about a
// communication besides its row, once the row is deleted (DeleteItem), as
// sqlite.DB.PurgeCommunication does: its flow history, its dead letters
// and its ledger entries, and the content of the log records about it
// (doctales.StripContent: stream records keep their Keys and lose their
// images, a REMOVE keeping the id and owner; topic messages keep their
// MessageId and lose their subject and text; S3 events name only an
// object key and stay). All in one transaction.
//
// Only numbered records are redacted: an unnumbered one still has its
// SequenceNumber placeholder at seq_at, which the sequencer overwrites, so
// its bytes must not move. DeleteItem numbers its records before it
// returns, so in practice none is left; one that is (its numbering failed
// and waits for the sweep) keeps its content until the next purge of the
// id.
//
// In a cluster the log is the outbox: a record the relay copied into
// JetStream before the purge keeps its content there until JetStream's
// own retention (MaxAge, MaxBytes) removes it; see docs/cluster.md.
//
// It returns how many log records it redacted. Purging an id with nothing
// left is not an error; an id the table cannot hold (empty, too long,
// not text) is EINVALID naming "id" (checkID).
func (db *DB) PurgeCommunication(ctx context.Context, id string) (int, error) {
	if err := checkID(id); err != nil {
		return 0, err
	}
	var redacted int
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		redacted = 0
		type rewrite struct {
			id   int64
			seq  int64
			data []byte
		}
		var rewrites []rewrite
		rows, err := tx.Query(ctx, `SELECT id, seq, source, data FROM log
			WHERE (`+communicationWhere+`) AND source IN ($3, $4) AND seq IS NOT NULL
			ORDER BY id FOR UPDATE`,
			id, objectKeyPattern(id), doctales.SourceDynamoDB, doctales.SourceSNS)
		if err != nil {
			return fmt.Errorf("read log: %w", err)
		}
		for rows.Next() {
			var r rewrite
			var source string
			var data []byte
			if err := rows.Scan(&r.id, &r.seq, &source, &data); err != nil {
				rows.Close()
				return fmt.Errorf("read log: %w", err)
			}
			out, changed, err := doctales.StripContent(source, data)
			if err != nil {
				rows.Close()
				return fmt.Errorf("redact log record %d: %w", r.seq, err)
			}
			if changed {
				r.data = out
				rewrites = append(rewrites, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read log: %w", err)
		}
		for _, r := range rewrites {
			if _, err := tx.Exec(ctx, `UPDATE log SET data = $1, seq_at = -1 WHERE id = $2`, r.data, r.id); err != nil {
				return fmt.Errorf("redact log record %d: %w", r.seq, err)
			}
		}
		redacted = len(rewrites)
		if _, err := tx.Exec(ctx, `DELETE FROM dead_letters WHERE `+communicationWhere, id, objectKeyPattern(id)); err != nil {
			return fmt.Errorf("delete dead letters: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM flow_events WHERE communication_id = $1`, id); err != nil {
			return fmt.Errorf("delete flow events: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM ledger WHERE communication_id = $1`, id); err != nil {
			return fmt.Errorf("delete ledger entries: %w", err)
		}
		return nil
	})
	if err != nil {
		var e *doctales.Error
		if errors.As(err, &e) {
			return 0, err
		}
		return 0, fmt.Errorf("purge communication %q: %w", id, err)
	}
	return redacted, nil
}

// objectKeyPattern is the LIKE pattern of the object keys of the JSON
// object of the communication id ("<prefix>/<id>.json"), its LIKE
// characters escaped (PostgreSQL's default escape is the backslash).
func objectKeyPattern(id string) string {
	return `%/` + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(id) + `.json`
}
