package main

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestReadConfig_Parse(t *testing.T) {
	write := func(t *testing.T, yaml string) string {
		path := filepath.Join(t.TempDir(), "doctales.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	t.Run("OK", func(t *testing.T) {
		cfg, err := ReadConfig(write(t, "parse:\n  workers: 3\n  memoryBytes: 268435456\n  cpuTime: 2s\n  timeout: 3s\n  pdftotext: auto\n"))
		if err != nil {
			t.Fatal(err)
		}
		want := ParseConfig{Workers: 3, MemoryBytes: 256 << 20, CPUTime: 2 * time.Second, Timeout: 3 * time.Second, PDFToText: "auto"}
		if cfg.Parse != want {
			t.Fatalf("parse = %+v, want %+v", cfg.Parse, want)
		}
	})
	for _, tc := range []struct{ yaml, field string }{
		{"parse:\n  workers: 65\n", "parse.workers"},
		{"parse:\n  memoryBytes: 1048576\n", "parse.memoryBytes"},
		{"parse:\n  cpuTime: 500ms\n", "parse.cpuTime"},
		{"parse:\n  timeout: -1s\n", "parse.timeout"},
	} {
		t.Run(tc.field, func(t *testing.T) {
			_, err := ReadConfig(write(t, tc.yaml))
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("err = %v, want a ConfigError for %s", err, tc.field)
			}
		})
	}
	t.Run("PDFToTextMissing", func(t *testing.T) {
		_, _, err := newParser(ParseConfig{PDFToText: "/nonexistent/pdftotext"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "parse.pdftotext" {
			t.Fatalf("err = %v, want a ConfigError for parse.pdftotext", err)
		}
	})
}
