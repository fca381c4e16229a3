package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/doctales/doctales"
)

// maxTimerSleep bounds how long the timer loop sleeps without looking at
// the timers again, so that a change of the wall clock (or of Now in a
// test) is noticed; the loop still wakes at each due time, not by it.
const maxTimerSleep = 10 * time.Minute

// timerRetry is how long the loop waits after a failed wake-up.
const timerRetry = 5 * time.Second

// updated is called after an update committed: a snooze set a timer the
// loop may have to wake sooner for.
func (db *DB) updated(upd doctales.ItemUpdate) {
	if upd.State == nil || upd.State.State != doctales.ChangeSnoozed || db.timerWake == nil {
		return
	}
	select {
	case db.timerWake <- struct{}{}:
	default:
	}
}

// timerLoop wakes snoozed items when their time comes, like DynamoDB's
// TTL deletes expired items by itself: it sleeps until the earliest due
// timer (or until a new snooze is set, or Close), then writes each due
// wake-up (FireDueTimers). Timers are rows written in the transaction
// that snoozes, so those that fell due while no server ran fire once at
// the next Open.
func (db *DB) timerLoop() {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-db.timerWake:
		case <-t.C:
		}
		ctx := context.Background()
		if _, err := db.FireDueTimers(ctx); err != nil {
			db.Logger.Error("snooze wake-ups failed; retrying", "error", err, "retryIn", timerRetry.String())
			t.Reset(timerRetry)
			continue
		}
		wait := maxTimerSleep
		next, ok, err := db.NextTimer(ctx)
		switch {
		case err != nil:
			db.Logger.Error("read next snooze wake-up", "error", err)
			wait = timerRetry
		case ok:
			wait = min(max(next.Sub(db.Now()), 0), maxTimerSleep)
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(wait)
	}
}

// NextTimer returns the due time of the earliest snooze wake-up, and
// false when none is set.
func (db *DB) NextTimer(ctx context.Context) (time.Time, bool, error) {
	var due sql.NullString
	if err := db.rdb.QueryRowContext(ctx, `SELECT MIN(due) FROM timers`).Scan(&due); err != nil {
		return time.Time{}, false, fmt.Errorf("next timer: %w", FormatError(err))
	}
	if !due.Valid {
		return time.Time{}, false, nil
	}
	t, err := parseTime(due.String)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next timer: %w", err)
	}
	return t, true, nil
}

// FireDueTimers wakes every snoozed item whose timer is due at Now: in one
// transaction per item it opens the item again (state "", a MODIFY record
// whose old image says snoozed) and deletes its timer, so each wake-up is
// written exactly once. A timer whose item is gone or no longer snoozed
// until then is dropped without a write. It returns how many items woke.
func (db *DB) FireDueTimers(ctx context.Context) (int, error) {
	woke := 0
	for {
		rows, err := db.rdb.QueryContext(ctx, `SELECT id FROM timers WHERE due <= ? ORDER BY due, id LIMIT 100`, formatTime(db.Now()))
		if err != nil {
			return woke, fmt.Errorf("read due timers: %w", FormatError(err))
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return woke, fmt.Errorf("read due timers: %w", FormatError(err))
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return woke, fmt.Errorf("read due timers: %w", FormatError(err))
		}
		if len(ids) == 0 {
			return woke, nil
		}
		for _, id := range ids {
			ok, err := db.fireTimer(ctx, id)
			if err != nil {
				return woke, fmt.Errorf("wake snoozed item %q: %w", id, err)
			}
			if ok {
				woke++
			}
		}
	}
}

// fireTimer wakes one item if its timer is still due, inside the writer.
func (db *DB) fireTimer(ctx context.Context, id string) (bool, error) {
	woke := false
	err := db.write(ctx, func(tx *writeTx) error {
		woke = false
		now := db.Now()
		var due string
		if err := tx.queryRow(`SELECT due FROM timers WHERE id = ?`, id).Scan(&due); errNoRows(err) {
			return nil // fired or cleared meanwhile
		} else if err != nil {
			return fmt.Errorf("read timer: %w", FormatError(err))
		}
		if due > formatTime(now) {
			return nil // snoozed again, later
		}
		if _, err := tx.exec(`DELETE FROM timers WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete timer: %w", FormatError(err))
		}
		body, err := tx.itemBody(id)
		if doctales.ErrorCode(err) == doctales.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		cur, err := decodeItem(body)
		if err != nil {
			return err
		}
		if cur.State != doctales.StateSnoozed || cur.StateUntil == nil || cur.StateUntil.After(now) {
			return nil
		}
		old, it, row, rec, err := db.prepareUpdate(context.Background(), id, body,
			doctales.ItemUpdate{State: &doctales.StateChange{State: doctales.ChangeOpen}})
		if err != nil || row == nil {
			return err
		}
		if _, err := tx.stmt(db.stmts.updateItem).Exec(row.updateArgs(id)...); err != nil {
			return fmt.Errorf("write item: %w", FormatError(err))
		}
		if err := tx.indexItem(old, it); err != nil {
			return err
		}
		if err := rec.append(tx); err != nil {
			return err
		}
		woke = true
		return nil
	})
	return woke, err
}
