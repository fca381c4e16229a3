package extract

import "testing"

func TestAttentionModelEmbedded(t *testing.T) {
	if m := attentionModel(); len(m.Weights) < 1000 {
		t.Fatalf("embedded attention model has %d weights: want the trained model (thousands)", len(m.Weights))
	}
}
