package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/function"
	"go.yaml.in/yaml/v3"
)

// DefaultRetainSweepEvery is how often the retention sweep runs.
const DefaultRetainSweepEvery = time.Hour

// Period is a retention period: a Go duration ("36h") or a number of days
// ("365d"). It prints in days when it is whole days.
type Period time.Duration

// ParsePeriod reads "365d", "12h", "90m" or "0".
func ParsePeriod(s string) (Period, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || n < 0 || n > 100*365 {
			return 0, fmt.Errorf("%q is not a number of days such as 365d", s)
		}
		return Period(time.Duration(n * 24 * float64(time.Hour))), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a period such as 365d or 720h", s)
	}
	return Period(d), nil
}

// String returns the period as "365d" when whole days, else as a duration.
func (p Period) String() string {
	d := time.Duration(p)
	if d > 0 && d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}

// UnmarshalYAML reads a period from a YAML string or number of seconds.
func (p *Period) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParsePeriod(n.Value)
	if err != nil {
		return fmt.Errorf("retain: %w", err)
	}
	*p = v
	return nil
}

// Set implements flag.Value.
func (p *Period) Set(s string) error {
	v, err := ParsePeriod(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Retention is the retention sweep: it deletes every communication dated
// before the sweep's time minus Retain, of every user, as DELETE
// /communications/{id} does (Deletion: objects, row with a REMOVE record,
// history). The embedded pipeline runs one (StartRetention); in a cluster
// the one api process elected by postgres.RetentionLeaderLockKey runs it
// (cluster_delete.go), so that two processes never sweep at once.
type Retention struct {
	// Table finds the communications to delete (FindItems, Until).
	Table doctales.Table
	// Deletion deletes each one.
	Deletion *function.Deletion
	// Audit receives one entry per sweep that deleted something or failed.
	Audit doctales.AuditLog
	// Retain is how long communications are kept; 0 or less sweeps nothing.
	Retain Period
	// Every is how often Run sweeps; 0 means DefaultRetainSweepEvery.
	Every  time.Duration
	Logger *slog.Logger
}

// SweepRetention runs one retention sweep of the pipeline at now; see
// Retention.Sweep.
func (p *Pipeline) SweepRetention(ctx context.Context, now time.Time) (int, error) {
	return p.retention().Sweep(ctx, now)
}

// retention is the pipeline's retention sweep.
func (p *Pipeline) retention() *Retention {
	return &Retention{Table: p.DB, Deletion: p.Deletion, Audit: p.DB, Retain: p.Config.Retain,
		Every: p.Config.RetainSweepEvery, Logger: p.Logger}
}

// Sweep deletes every communication dated before now minus Retain and
// returns how many. It writes one audit entry per sweep that deleted
// something. A failure on one communication stops the sweep; the next one
// retries.
func (r *Retention) Sweep(ctx context.Context, now time.Time) (int, error) {
	retain := time.Duration(r.Retain)
	if retain <= 0 {
		return 0, nil
	}
	cutoff := now.Add(-retain)
	deleted := 0
	var sweepErr error
	for sweepErr == nil {
		items, _, err := r.Table.FindItems(ctx, doctales.ItemFilter{Until: &cutoff, Limit: 500})
		if err != nil {
			sweepErr = err
			break
		}
		if len(items) == 0 {
			break
		}
		for _, it := range items {
			if _, err := r.Deletion.Delete(doctales.WithOwner(ctx, it.Owner), it.ID); err != nil && doctales.ErrorCode(err) != doctales.ENOTFOUND {
				sweepErr = fmt.Errorf("retention sweep: %w", err)
				break
			}
			deleted++
		}
	}
	if deleted > 0 || sweepErr != nil {
		e := &doctales.AuditEntry{UserID: "retention", Via: "retention", Action: doctales.AuditRetention,
			Target: r.Retain.String(), Outcome: doctales.AuditOutcome(sweepErr),
			Detail: map[string]any{"deleted": deleted, "before": cutoff.UTC().Format(time.RFC3339)}}
		if err := r.Audit.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
			r.log().Error("audit entry not written", "action", e.Action, "error", err)
		}
		r.log().Info("retention sweep", "deleted", deleted, "retain", r.Retain.String(), "before", cutoff.UTC().Format(time.RFC3339))
	}
	return deleted, sweepErr
}

// Run sweeps at once and then every Every until ctx ends, and returns
// nil then (the shape of a postgres.Elector's lead function). A failed
// sweep is logged and tried again at the next tick.
func (r *Retention) Run(ctx context.Context) error {
	every := r.Every
	if every <= 0 {
		every = DefaultRetainSweepEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := r.Sweep(ctx, time.Now()); err != nil && ctx.Err() == nil {
			r.log().Error("retention sweep failed; it runs again", "error", err, "every", every.String())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// log returns the sweep's logger, or the default one.
func (r *Retention) log() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}
