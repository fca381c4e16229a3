package postgres

import (
	"context"
	"time"

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
