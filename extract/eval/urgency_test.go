package eval_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/doctales/doctales/extract"
	"github.com/doctales/doctales/extract/eval"
)

// TestUrgencyMessagesParse checks that every message of the urgency set
// goes through the ingestion parser, as users' mail does, with its Date and
// sender read.
func TestUrgencyMessagesParse(t *testing.T) {
	dir := eval.UrgencyDir()
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no .eml files in %s", dir)
	}
	for _, f := range files {
		c, err := eval.ParseUrgencyMessage(context.Background(), f)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if src, _ := c.Fields["dateSource"].(string); src != "date" {
			t.Errorf("%s: date read from %q, want the Date header", filepath.Base(f), src)
		}
		if c.SenderID == "" {
			t.Errorf("%s: no sender", filepath.Base(f))
		}
		// Every message extracts: a library panic on odd text (the date
		// parser's, on one of these) must not escape the engine.
		if _, err := extract.New().Extract(context.Background(), c); err != nil {
			t.Errorf("%s: extract: %v", filepath.Base(f), err)
		}
	}
}
