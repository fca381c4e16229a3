package ingest_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/internal/hostile"
)

// requirePDFToText returns the path of pdftotext. Without it the test is
// skipped, except under CI=true, where it fails: .ci/run installs it.
func requirePDFToText(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("pdftotext not found; CI installs it (apt-get install poppler-utils)")
		}
		tb.Skip("pdftotext not found; install it with: apt-get install poppler-utils")
	}
	return path
}

func TestParser_PDFToText(t *testing.T) {
	bin := requirePDFToText(t)
	doc := MakePDF(t, "Quarterly report", "Ana Ruiz", []pdfPage{
		{Lines: []string{"Revenue grew by nine percent", "in the third quarter."}},
		{Lines: []string{"Costs fell."}, Image: true},
	}, true)

	t.Run("OK", func(t *testing.T) {
		for name, p := range map[string]*ingest.Parser{
			"InProcess": {PDFToText: bin},
			"Sandbox":   {PDFToText: bin, Sandbox: MustOpenSandbox(t)},
		} {
			res, err := p.ParseDocument(context.Background(), doc, ingest.Options{Name: "q.pdf"})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			c := res.Communication
			if !strings.Contains(c.Content, "Revenue grew by nine percent") || !strings.Contains(c.Content, "Costs fell.") {
				t.Errorf("%s: content %q", name, c.Content)
			}
			// Metadata and counts from the built-in reader.
			if c.Subject != "Quarterly report" || c.Sender != "Ana Ruiz" || c.Fields["pageCount"] != 2 ||
				c.Fields["imageCount"] != 1 || c.Fields["tableCount"] != 1 {
				t.Errorf("%s: subject %q sender %q fields %v", name, c.Subject, c.Sender, c.Fields)
			}
		}
	})

	t.Run("Killed", func(t *testing.T) {
		// A pdftotext that never ends is killed at the time-out and the
		// built-in reader's text stands.
		spin := filepath.Join(t.TempDir(), "pdftotext")
		if err := os.WriteFile(spin, []byte("#!/bin/sh\nwhile :; do :; done\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		p := &ingest.Parser{PDFToText: spin, Timeout: 2 * time.Second}
		start := time.Now()
		res, err := p.ParseDocument(context.Background(), doc, ingest.Options{Name: "q.pdf"})
		if took := time.Since(start); took > 1500*time.Millisecond {
			t.Fatalf("took %s; pdftotext gets half the time-out of 2s", took)
		}
		if err != nil || !strings.Contains(res.Communication.Content, "Revenue grew") {
			t.Fatalf("res %v, err %v: want the built-in reader's text", res, err)
		}
	})

	t.Run("Hostile", func(t *testing.T) {
		// Both readers on the hostile PDFs, in the sandbox: each file is
		// read or refused with a client error, never an internal one.
		p := &ingest.Parser{PDFToText: bin, Sandbox: MustOpenSandbox(t)}
		for _, f := range hostile.PDFs() {
			_, err := p.ParseDocument(context.Background(), f.Data, ingest.Options{Name: f.Name})
			t.Logf("%s: %v", f.Name, err)
			if code := doctales.ErrorCode(err); err != nil && code != doctales.EINVALID && code != doctales.ETOOLARGE {
				t.Errorf("%s: %v", f.Name, err)
			}
		}
	})
}
