package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/doctales/doctales"
)

// Default extraction yield: above this many accepted communications per
// second, extraction waits before each batch so that accepting (a client
// waits on it) gets the CPU first; extraction lags and catches up when the
// burst ends. At lower rates it never waits, so ingest→notification latency
// is untouched.
const (
	DefaultYieldAbove = 300                    // accepted communications per second
	DefaultYieldPause = 250 * time.Millisecond // wait before each extraction batch meanwhile
)

// ingestMeter measures the rate of objects stored, by counting the
// ObjectCreated events the object store appends.
type ingestMeter struct {
	doctales.EventLog
	n    atomic.Int64
	rate atomic.Int64 // per second, over the last second
}

// Append counts S3 records, then appends.
func (m *ingestMeter) Append(ctx context.Context, recs ...*doctales.LogRecord) error {
	for _, r := range recs {
		if r.Source == doctales.SourceS3 {
			m.n.Add(1)
		}
	}
	return m.EventLog.Append(ctx, recs...)
}

// run updates the rate every second until ctx ends.
func (m *ingestMeter) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	last := m.n.Load()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			cur := m.n.Load()
			m.rate.Store(cur - last)
			last = cur
		}
	}
}

// yield returns the extraction pause for the current ingest rate.
func (m *ingestMeter) yield(above int, pause time.Duration) func() time.Duration {
	return func() time.Duration {
		if above > 0 && m.rate.Load() > int64(above) {
			return pause
		}
		return 0
	}
}
