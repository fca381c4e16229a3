package sqlite

import (
	"log/slog"
	"time"
)

// phases logs, at debug level, how long each step of a start took (issue
// 15: serve is to be ready in 100 ms, so where the time of an open goes
// is worth a look without a profiler): `--log-level debug` shows one
// "open phase" line per step with its duration in milliseconds.
type phases struct {
	logger *slog.Logger
	path   string
	last   time.Time
}

// newPhases starts timing the steps of the open of path.
func newPhases(logger *slog.Logger, path string) *phases {
	return &phases{logger: logger, path: path, last: time.Now()}
}

// done logs the step that has just ended and starts timing the next.
func (p *phases) done(step string) {
	now := time.Now()
	p.logger.Debug("open phase", "path", p.path, "phase", step, "ms", float64(now.Sub(p.last).Microseconds())/1000)
	p.last = now
}
