package postgres

import (
	"context"
	"time"

	"github.com/doctales/doctales"
	"github.com/jackc/pgx/v5"
)

// SetBeforeAppend sets the hook that runs between an item's write and its
// stream record's append, to inject a failure there.
func (db *DB) SetBeforeAppend(f func(context.Context, pgx.Tx) error) { db.testBeforeAppend = f }

// SetRulesPollEvery sets how often the rules' version is read besides
// the notifications, for the DBs opened after it, and returns the
// function that restores it.
func SetRulesPollEvery(d time.Duration) (restore func()) {
	old := rulesPollEvery
	rulesPollEvery = d
	return func() { rulesPollEvery = old }
}

// ItemRowArgs returns the items row that CreateItem and UpdateItem write
// for it: its id and columns, in the order of their statements ($1-$14).
// BenchmarkChangeCapture writes the bare row with it, without the
// outbox record, to measure logical decoding on the same schema.
func ItemRowArgs(it *doctales.Item) ([]any, error) {
	r, err := newItemRow(it)
	if err != nil {
		return nil, err
	}
	return r.args(it.ID), nil
}

// DecodeItem decodes a stored item body (the items table's body column).
func DecodeItem(body []byte) (*doctales.Item, error) { return decodeItem(body) }

// CountRows counts the items that match filter by reading them, whatever
// the filter: what CountItems answers from the counters, for the tests
// and benchmarks that compare the two.
func (db *DB) CountRows(ctx context.Context, filter doctales.ItemFilter) (int64, error) {
	q, err := db.itemWhere(ctx, filter)
	if err != nil {
		return 0, err
	}
	return db.countRows(ctx, q)
}
