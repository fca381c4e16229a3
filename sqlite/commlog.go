package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/doctales/doctales"
)

// Limits of CommunicationLog.
const (
	DefaultCommunicationLogLimit = 200   // records per call when limit is 0 or less
	MaxCommunicationLogLimit     = 1_000 // a larger limit is lowered to this
)

// communicationLogWhere selects, in the log or in the dead letters, what concerns
// the communication ?1: records keyed by its id (its stream records), by
// an object key ending in "/<id>.json" (its S3 events; ?2 is that LIKE
// pattern) and by the MessageId of a notification the ledger sent for it
// (its topic messages).
const communicationLogWhere = `key = ?1
	OR (source = '` + doctales.SourceS3 + `' AND key LIKE ?2 ESCAPE '\')
	OR (source = '` + doctales.SourceSNS + `' AND key IN (SELECT message_id FROM ledger WHERE communication_id = ?1))`

// CommunicationLog returns the log records about the communication with
// that id, oldest first: its S3 events, its stream records and its topic
// messages, up to limit (0 or less means DefaultCommunicationLogLimit; above
// MaxCommunicationLogLimit it is lowered). Records compacted by DeleteLogBefore are
// gone. An empty id is EINVALID.
//
// The log has no index by key, so this reads the keys of the whole log: it
// is for one communication at a time (the dashboard's detail pane), not for
// lists.
func (db *DB) CommunicationLog(ctx context.Context, id string, limit int) ([]*doctales.LogRecord, error) {
	if id == "" {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "id", "Communication id required.")
	}
	if limit <= 0 {
		limit = DefaultCommunicationLogLimit
	} else if limit > MaxCommunicationLogLimit {
		limit = MaxCommunicationLogLimit
	}
	rows, err := db.rdb.QueryContext(ctx, `SELECT seq, source, key, target, data, at FROM log
		WHERE `+communicationLogWhere+` ORDER BY seq LIMIT ?3`, id, objectKeyPattern(id), limit)
	if err != nil {
		return nil, fmt.Errorf("events of %q: %w", id, FormatError(err))
	}
	defer rows.Close()
	recs := []*doctales.LogRecord{}
	for rows.Next() {
		var rec doctales.LogRecord
		var data []byte
		var at string
		if err := rows.Scan(&rec.Seq, &rec.Source, &rec.Key, &rec.Target, &data, &at); err != nil {
			return nil, fmt.Errorf("events of %q: %w", id, FormatError(err))
		}
		rec.Data = json.RawMessage(data)
		if rec.Time, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("events of %q: %w", id, err)
		}
		recs = append(recs, &rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events of %q: %w", id, FormatError(err))
	}
	return recs, nil
}

// CommunicationDeadLetters returns the dead letters about the communication
// with that id, oldest first, matched as in CommunicationLog. An empty
// id is EINVALID.
func (db *DB) CommunicationDeadLetters(ctx context.Context, id string) ([]*doctales.DeadLetter, error) {
	if id == "" {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "id", "Communication id required.")
	}
	rows, err := db.rdb.QueryContext(ctx, `SELECT `+deadLetterColumns+` FROM dead_letters
		WHERE `+communicationLogWhere+` ORDER BY id LIMIT ?3`, id, objectKeyPattern(id), MaxCommunicationLogLimit)
	if err != nil {
		return nil, fmt.Errorf("dead letters of %q: %w", id, FormatError(err))
	}
	defer rows.Close()
	dls := []*doctales.DeadLetter{}
	for rows.Next() {
		dl, err := scanDeadLetter(rows)
		if err != nil {
			return nil, fmt.Errorf("dead letters of %q: %w", id, err)
		}
		dls = append(dls, dl)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dead letters of %q: %w", id, FormatError(err))
	}
	return dls, nil
}

// objectKeyPattern returns the LIKE pattern of the object keys of the
// communication id: "<type>/<yyyy>/<mm>/<dd>/<id>.json" (doctales.ObjectKey).
func objectKeyPattern(id string) string {
	return `%/` + escapeLike(id) + `.json`
}
