package main

import (
	"fmt"
	"log/slog"
	"sync"

	"github.com/doctales/doctales/internal/diskspace"
)

// DefaultMinFreeBytes is the free space, in bytes (16 MiB), the data
// folder's file system must have again after a write failed for want of
// space before /readyz says ready: room for a few raw uploads and the WAL's
// growth, so that readiness does not flap at the last few kilobytes.
const DefaultMinFreeBytes = 16 << 20

// spaceWatch turns the full-disk failures the stores count into a /readyz
// condition (issue 10): after a failure it reports not ready, naming the
// folder and the bytes free, until statfs shows at least minFree bytes
// free. It costs a few atomic loads per check while space is fine and one
// statfs while it is not. Safe for concurrent use.
type spaceWatch struct {
	dir      string         // the data folder
	minFree  int64          // bytes free that end a failure
	failures []func() int64 // the stores' NoSpaceErrors
	logger   *slog.Logger

	mu      sync.Mutex
	seen    int64 // the sum of failures at the last check
	failing bool  // a failure was seen and space has not returned
}

// check returns an error while the data folder is out of space: from the
// first full-disk failure until minFree bytes are free again. Recovery is
// automatic and logged once.
func (w *spaceWatch) check() error {
	var total int64
	for _, f := range w.failures {
		total += f()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if total > w.seen {
		if !w.failing {
			w.logger.Error("data folder out of space", "dir", w.dir, "failedWrites", total-w.seen)
		}
		w.seen, w.failing = total, true
	}
	if !w.failing {
		return nil
	}
	free, err := diskspace.Free(w.dir)
	if err != nil {
		return fmt.Errorf("the data folder %s ran out of space and its free space cannot be read: %w", w.dir, err)
	}
	if free >= w.minFree {
		w.failing = false
		w.logger.Info("data folder has space again", "dir", w.dir, "freeBytes", free)
		return nil
	}
	return fmt.Errorf("the data folder %s has no space left: %d bytes free (ready again at %d); free space and retry", w.dir, free, w.minFree)
}
