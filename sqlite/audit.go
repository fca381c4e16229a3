package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/doctales/doctales"
)

var _ doctales.AuditLog = (*DB)(nil)

// AppendAudit stores an audit entry (issue 17, item 5), setting its Seq and,
// when zero, its Time to db.Now(). Detail is stored as JSON; it must hold
// no secret.
func (db *DB) AppendAudit(ctx context.Context, e *doctales.AuditEntry) error {
	if e.Time.IsZero() {
		e.Time = db.Now()
	}
	var detail sql.NullString
	if len(e.Detail) > 0 {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return fmt.Errorf("append audit %q: encode detail: %w", e.Action, err)
		}
		detail = sql.NullString{String: string(b), Valid: true}
	}
	if err := db.write(ctx, func(tx *writeTx) error {
		res, err := tx.exec(`INSERT INTO audit_log (at, user_id, key_id, via, action, target, outcome, client_ip, detail)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			formatTime(e.Time), e.UserID, e.KeyID, e.Via, e.Action, e.Target, e.Outcome, e.ClientIP, detail)
		if err != nil {
			return FormatError(err)
		}
		e.Seq, err = res.LastInsertId()
		return err
	}); err != nil {
		return fmt.Errorf("append audit %q on %q: %w", e.Action, e.Target, err)
	}
	return nil
}

// AuditEntries returns the audit entries matching f, newest first.
func (db *DB) AuditEntries(ctx context.Context, f doctales.AuditFilter) ([]*doctales.AuditEntry, error) {
	var where []string
	var args []any
	if f.Since != nil {
		where, args = append(where, "at >= ?"), append(args, formatTime(*f.Since))
	}
	if f.Action != nil {
		where, args = append(where, "action = ?"), append(args, *f.Action)
	}
	q := `SELECT seq, at, user_id, key_id, via, action, target, outcome, client_ip, detail FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > doctales.MaxPageSize {
		limit = doctales.MaxPageSize
	}
	q += " ORDER BY seq DESC LIMIT ?"
	args = append(args, limit)
	rows, err := db.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit entries: %w", FormatError(err))
	}
	defer rows.Close()
	var out []*doctales.AuditEntry
	for rows.Next() {
		var e doctales.AuditEntry
		var at string
		var detail sql.NullString
		if err := rows.Scan(&e.Seq, &at, &e.UserID, &e.KeyID, &e.Via, &e.Action, &e.Target, &e.Outcome, &e.ClientIP, &detail); err != nil {
			return nil, fmt.Errorf("list audit entries: %w", FormatError(err))
		}
		if e.Time, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("list audit entries: seq %d: %w", e.Seq, err)
		}
		if detail.Valid {
			if err := json.Unmarshal([]byte(detail.String), &e.Detail); err != nil {
				return nil, fmt.Errorf("list audit entries: seq %d: decode detail: %w", e.Seq, err)
			}
		}
		out = append(out, &e)
	}
	return out, FormatError(rows.Err())
}
