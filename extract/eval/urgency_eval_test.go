//go:build eval

package eval_test

import (
	"os"
	"testing"

	"github.com/doctales/doctales/extract/eval"
)

// TestUrgencySet checks the hand-labelled urgency set (at least
// eval.MinUrgencyMessages labels, no label without its file, no file
// without a label) and prints its evaluation. It needs no shared data: the
// set is in extract/testdata/urgency.
func TestUrgencySet(t *testing.T) {
	labels, err := eval.LoadUrgencyLabels(eval.UrgencyDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) < eval.MinUrgencyMessages {
		t.Fatalf("%d labelled messages, want at least %d", len(labels), eval.MinUrgencyMessages)
	}
	if err := eval.Run("", []string{"urgency"}, os.Stdout); err != nil {
		t.Fatal(err)
	}
}
