package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
)

func TestLogLevelsPerComponent(t *testing.T) {
	def, per, err := parseLevels("warn,runtime=debug")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	l := slog.New(levelHandler{Handler: slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}), def: def, per: per})
	l.With(LogKeyComponent, "runtime").Debug("runtime debug")
	l.With(LogKeyComponent, "http").Info("http info")
	l.Warn("default warn")
	out := buf.String()
	if !strings.Contains(out, "runtime debug") || strings.Contains(out, "http info") || !strings.Contains(out, "default warn") {
		t.Fatalf("logged:\n%s", out)
	}
	if _, _, err := parseLevels("info,http=loud"); err == nil || !strings.Contains(err.Error(), "loud") {
		t.Fatalf("bad level accepted: %v", err)
	}
}

func TestLogRedactsPII(t *testing.T) {
	var buf bytes.Buffer
	ls := &notify.LogSubscriber{Logger: slog.New(slog.NewTextHandler(&buf, nil)), Redact: redactPII}
	m := &doctales.Message{MessageID: "m", Subject: "High Priority: call me at +1 415 555 2671 or ana@acme.example"}
	if err := ls.Deliver(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); strings.Contains(out, "ana@acme.example") || strings.Contains(out, "555 2671") {
		t.Fatalf("PII in the log line: %s", out)
	}
}
