package main

import (
	"context"

	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/postgres"
)

// The extraction function skips an id deleted after its object's event
// when the table can tell (function.DeletedTable); PostgreSQL's can.
var _ function.DeletedTable = (*postgres.DB)(nil)

// clusterDeletion is DELETE /communications/{id} and the retention sweep
// of an api (or all) process of a cluster (docs/cluster.md, "Deletion and
// retention").
type clusterDeletion struct {
	// Deletion deletes a communication: its objects (S3 or the shared
	// folder), its row with its REMOVE record in the PostgreSQL outbox,
	// then its history (postgres.DB.PurgeCommunication).
	Deletion *function.Deletion
	// Retention is the sweep, nil when retain is 0. Election runs it in
	// one api process of the cluster at a time: the holder of the advisory
	// lock postgres.RetentionLeaderLockKey.
	Retention *Retention
	Election  *postgres.Elector

	stop context.CancelFunc // ends Election.Run
	done chan struct{}      // closed when Election.Run returned
}

// openDeletion builds the api role's deletion, serves it as DELETE
// /communications/{id}, and, when retain is set, builds the retention
// sweep and its election. It runs after openAPI.
func (c *Cluster) openDeletion() {
	cfg := &c.Config
	log := c.Logger.With(LogKeyComponent, "deletion")
	d := &c.deletion
	d.Deletion = &function.Deletion{Store: c.Store, Table: c.PG, Purge: c.PG.PurgeCommunication, Logger: log}
	c.API.Deletion = d.Deletion
	if cfg.Retain <= 0 {
		return
	}
	d.Retention = &Retention{Table: c.PG, Deletion: d.Deletion, Audit: c.PG, Retain: cfg.Retain,
		Every: cfg.RetainSweepEvery, Logger: c.Logger.With(LogKeyComponent, "retention")}
	d.Election = &postgres.Elector{DB: c.PG, Key: postgres.RetentionLeaderLockKey, Name: "retention",
		Interval: cfg.RelayElection, Logger: c.Logger.With(LogKeyComponent, "retention")}
}

// startRetention runs the retention sweep's election: this process sweeps
// while it holds the lock and stands by otherwise. Nothing without retain.
func (c *Cluster) startRetention() {
	d := &c.deletion
	if d.Election == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.stop, d.done = cancel, make(chan struct{})
	go func() {
		defer close(d.done)
		if err := d.Election.Run(ctx, d.Retention.Run); err != nil {
			c.Logger.Error("the retention sweep's election stopped", "error", err)
		}
	}()
	c.Logger.Info("retention on", "retain", c.Config.Retain.String(), "every", c.Config.RetainSweepEvery.String(),
		"elected", "one api process at a time")
}

// stopRetention ends the election and waits for a sweep in flight; a
// second call does nothing.
func (c *Cluster) stopRetention() {
	d := &c.deletion
	if d.stop == nil {
		return
	}
	d.stop()
	<-d.done
	d.stop = nil
}

// retentionState is "leader" or "standby" for /stats and /readyz, "" when
// this process runs no retention sweep.
func (c *Cluster) retentionState() string {
	if c.deletion.Election == nil {
		return ""
	}
	return c.deletion.Election.State()
}
