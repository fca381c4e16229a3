package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/doctales/doctales/extract"
)

// LogKeyComponent names the part of the program a log line comes from:
// runtime, function, http, notify, sqlite, alarm.
const LogKeyComponent = "component"

// parseLevels reads --log-level: a default level, then component=level
// pairs, such as "info,runtime=debug,http=warn".
func parseLevels(spec string) (slog.Level, map[string]slog.Level, error) {
	def := slog.LevelInfo
	per := map[string]slog.Level{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		comp, lvl, hasComp := strings.Cut(part, "=")
		if !hasComp {
			lvl = comp
		}
		var l slog.Level
		if err := l.UnmarshalText([]byte(lvl)); err != nil {
			return def, nil, fmt.Errorf("--log-level %q: %q is not debug, info, warn or error", spec, lvl)
		}
		if hasComp {
			per[comp] = l
		} else {
			def = l
		}
	}
	return def, per, nil
}

// levelHandler applies a level per component: a logger made with
// With("component", name) logs at that component's level.
type levelHandler struct {
	slog.Handler
	def       slog.Level
	per       map[string]slog.Level
	component string
}

func (h levelHandler) level() slog.Level {
	if l, ok := h.per[h.component]; ok {
		return l
	}
	return h.def
}

func (h levelHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level() }

func (h levelHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < h.level() {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h levelHandler) WithAttrs(as []slog.Attr) slog.Handler {
	for _, a := range as {
		if a.Key == LogKeyComponent {
			h.component = a.Value.String()
		}
	}
	h.Handler = h.Handler.WithAttrs(as)
	return h
}

func (h levelHandler) WithGroup(name string) slog.Handler {
	h.Handler = h.Handler.WithGroup(name)
	return h
}

// redactPII replaces the PII the extraction engine finds in s, and the
// people it names, by their type (unless --log-pii).
func redactPII(s string) string { return extract.RedactLog(s) }

// startPhases logs, at debug level, how long each step of serve's start
// took (issue 15: ready in 100 ms): `--log-level debug` shows one "start
// phase" line per step with its duration in milliseconds and the CPU used
// so far. sqlite.DB.Open
// logs its own steps as "open phase".
type startPhases struct {
	logger *slog.Logger
	last   time.Time
}

// newStartPhases starts timing the steps of a start.
func newStartPhases(logger *slog.Logger) *startPhases {
	return &startPhases{logger: logger, last: time.Now()}
}

// done logs the step that has just ended and starts timing the next, with
// the CPU the process has used since it started (cpuMs: user and system,
// all threads, package initialisation included).
func (p *startPhases) done(step string) {
	now := time.Now()
	p.logger.Debug("start phase", "phase", step, "ms", float64(now.Sub(p.last).Microseconds())/1000,
		"cpuMs", float64(processCPU().Microseconds())/1000)
	p.last = now
}
