package main

import (
	"context"

	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/runtime"
)

// openRules gives the notification role's function people's rules and,
// when the configuration has reminders, escalation, quiet hours or a
// digest, the timers behind them (notify.When), all kept in PostgreSQL
// (postgres/rules.go, postgres/timers.go), as the embedded mode keeps
// them in SQLite.
//
// The rules are read through a notify.RuleBook on the DB's RulesVersion,
// which every rule write of any process moves (PostgreSQL's NOTIFY at its
// commit): a rule PUT through an api process applies on every
// notification worker within milliseconds, without a restart, and the
// judging of a record costs an atomic load, not a query.
func (c *Cluster) openRules(fn *notify.Function) error {
	fn.Rules = &notify.RuleBook{Store: c.PG}
	cfg := &c.Config
	if !cfg.whenOn() {
		return nil
	}
	w, err := cfg.when()
	if err != nil {
		return err
	}
	// The timers are shared by the notification workers: each claims the
	// due ones it fires (postgres.DB.DueTimers), so one fires each.
	w.Store, w.Digests, w.Items, w.Topic, w.Ledger = c.PG, c.PG, c.PG, fn.Topic, c.PG
	w.Logger = c.Logger.With(LogKeyComponent, "notify")
	c.When = w
	fn.When = w
	return nil
}

// admitByRules widens the filters of the notification subscriptions subs
// by people's rules, as the embedded mode does: a record that matches an
// enabled rule reaches the function even when the configured filter
// (urgency high) would drop it.
func admitByRules(subs []runtime.Subscription, book *notify.RuleBook) {
	if book == nil {
		return
	}
	for i := range subs {
		if len(subs[i].Filters) > 0 {
			subs[i].Admit = book.Admit
		}
	}
}

// startWhen runs the timers' loop (reminders, escalation, held
// notifications, digests), when configured, until stopWhen.
func (c *Cluster) startWhen() {
	if c.When == nil || c.whenStop != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.When.Run(ctx) }()
	c.whenStop = func() { cancel(); <-done }
}

// stopWhen stops the timers' loop and waits for it; a second call does
// nothing.
func (c *Cluster) stopWhen() {
	if c.whenStop != nil {
		c.whenStop()
		c.whenStop = nil
	}
}
