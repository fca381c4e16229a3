package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/doctales/doctales"
)

// PurgeCommunication removes what the store keeps about a communication
// besides its row, once the row is deleted (DeleteItem): its flow history,
// its dead letters and its ledger entries, and the content of the log
// records about it. Stream records keep their Keys but lose their images
// (and say StreamViewType KEYS_ONLY), except that the REMOVE record keeps
// an OldImage of only "id" and "userId", so the live stream can still tell
// the owner's dashboards which communication went;
// topic messages keep their MessageId but lose their subject and text; S3
// events name only an object key and stay. A record not yet delivered is
// then delivered without content: the notification function sees no
// image and notifies nothing, as it should for a deleted communication.
//
// It returns how many log records it redacted. Purging an id with nothing
// left is not an error.
func (db *DB) PurgeCommunication(ctx context.Context, id string) (int, error) {
	if id == "" {
		return 0, doctales.FieldErrorf(doctales.EINVALID, "id", "Communication id required.")
	}
	var redacted int
	err := db.write(ctx, func(tx *writeTx) error {
		redacted = 0
		rows, err := tx.tx.QueryContext(ctx, `SELECT seq, source, data FROM log
			WHERE (`+communicationLogWhere+`) AND source IN (?3, ?4)`,
			id, objectKeyPattern(id), doctales.SourceDynamoDB, doctales.SourceSNS)
		if err != nil {
			return fmt.Errorf("read log: %w", FormatError(err))
		}
		type rewrite struct {
			seq  int64
			data []byte
		}
		var rewrites []rewrite
		for rows.Next() {
			var seq int64
			var source string
			var data []byte
			if err := rows.Scan(&seq, &source, &data); err != nil {
				rows.Close()
				return fmt.Errorf("read log: %w", FormatError(err))
			}
			out, changed, err := redactRecord(source, data)
			if err != nil {
				rows.Close()
				return fmt.Errorf("redact log record %d: %w", seq, err)
			}
			if changed {
				rewrites = append(rewrites, rewrite{seq, out})
			}
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("read log: %w", FormatError(err))
		}
		for _, r := range rewrites {
			if _, err := tx.tx.ExecContext(ctx, `UPDATE log SET data = ? WHERE seq = ?`, string(r.data), r.seq); err != nil {
				return fmt.Errorf("redact log record %d: %w", r.seq, FormatError(err))
			}
		}
		redacted = len(rewrites)
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM dead_letters WHERE `+communicationLogWhere, id, objectKeyPattern(id)); err != nil {
			return fmt.Errorf("delete dead letters: %w", FormatError(err))
		}
		for _, q := range []string{
			`DELETE FROM flow_events WHERE communication_id = ?`,
			`DELETE FROM ledger WHERE communication_id = ?`,
		} {
			if _, err := tx.tx.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("purge: %w", FormatError(err))
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge communication %q: %w", id, err)
	}
	return redacted, nil
}

// redactRecord returns a log record without the content of its
// communication, and whether anything changed.
func redactRecord(source string, data []byte) ([]byte, bool, error) {
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, false, err
	}
	changed := false
	switch source {
	case doctales.SourceDynamoDB:
		var change map[string]json.RawMessage
		if err := json.Unmarshal(rec["dynamodb"], &change); err != nil {
			return nil, false, err
		}
		// The REMOVE record keeps which communication and whose: the live
		// stream tells that owner's dashboards to drop the id, and the
		// purge usually runs before the live subscription reads it.
		var keep json.RawMessage
		if string(rec["eventName"]) == `"REMOVE"` {
			keep = minimalImage(change["OldImage"])
		}
		for _, f := range []string{"NewImage", "OldImage"} {
			v, ok := change[f]
			if !ok {
				continue
			}
			if f == "OldImage" && keep != nil {
				if string(v) == string(keep) {
					continue // purged before
				}
				change[f] = keep
			} else {
				delete(change, f)
			}
			changed = true
		}
		if !changed {
			return data, false, nil
		}
		change["StreamViewType"] = json.RawMessage(`"KEYS_ONLY"`) // what it now holds
		b, err := json.Marshal(change)
		if err != nil {
			return nil, false, err
		}
		rec["dynamodb"] = b
	case doctales.SourceSNS:
		for _, f := range []string{"Subject", "Message"} {
			if v, ok := rec[f]; ok && string(v) != `"(deleted)"` {
				rec[f] = json.RawMessage(`"(deleted)"`)
				changed = true
			}
		}
		if !changed {
			return data, false, nil
		}
	default:
		return data, false, nil
	}
	out, err := json.Marshal(rec)
	return out, true, err
}

// keptAttributes are what a purged REMOVE record keeps of its OldImage:
// which communication, and whose.
var keptAttributes = []string{"id", "userId"}

// minimalImage returns the keptAttributes of an image, or nil when it has
// none.
func minimalImage(raw json.RawMessage) json.RawMessage {
	var old map[string]json.RawMessage
	if json.Unmarshal(raw, &old) != nil || old == nil {
		return nil
	}
	img := map[string]json.RawMessage{}
	for _, k := range keptAttributes {
		if v, ok := old[k]; ok {
			img[k] = v
		}
	}
	if len(img) == 0 {
		return nil
	}
	b, err := json.Marshal(img)
	if err != nil {
		return nil
	}
	return b
}
