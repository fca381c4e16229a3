// Package actionmodel is the small logistic-regression model behind
// "requires action": sentence features, training and prediction. The
// extraction engine ships weights trained by ./train on the Parakweet
// intent train split; the evaluation harness cross-validates the same
// training on that split.
package actionmodel

import (
	"encoding/json"
	"math"
	"sort"
	"strings"
	"unicode"
)

// Model is a logistic regression over sparse binary features.
type Model struct {
	Bias    float64            `json:"bias"`
	Weights map[string]float64 `json:"weights"`
}

// Sample is one labelled sentence.
type Sample struct {
	Text string
	Yes  bool
}

// Cues names rule signals computed by the caller (the engine's request
// cues), added to the sentence's features as "cue:<name>".
type Cues []string

// Features returns the sentence's features: lower-case words and word
// pairs, the first two words, question and second-person markers, and the
// caller's cues.
func Features(s string, cues Cues) []string {
	ws := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '?')
	})
	var out []string
	prev := "<s>"
	you := false
	for i, w := range ws {
		if i >= 60 {
			break
		}
		w = strings.TrimSuffix(w, "?")
		if w == "" {
			continue
		}
		if w == "you" || w == "your" || w == "u" {
			you = true
		}
		out = append(out, "w:"+w, "b:"+prev+"_"+w)
		prev = w
	}
	if len(ws) > 0 {
		out = append(out, "first:"+strings.TrimSuffix(ws[0], "?"))
	}
	if len(ws) > 1 {
		out = append(out, "first2:"+strings.TrimSuffix(ws[0], "?")+"_"+strings.TrimSuffix(ws[1], "?"))
	}
	q := strings.HasSuffix(strings.TrimSpace(s), "?")
	if q {
		out = append(out, "q")
	}
	if you {
		out = append(out, "you")
	}
	if q && you {
		out = append(out, "q+you")
	}
	for _, c := range cues {
		out = append(out, "cue:"+c)
	}
	return out
}

// Prob returns the probability that the features mean a request.
func (m *Model) Prob(feats []string) float64 {
	z := m.Bias
	for _, f := range feats {
		z += m.Weights[f]
	}
	return 1 / (1 + math.Exp(-z))
}

// Train fits a model on feature lists with labels by full-batch gradient
// descent with L2 regularisation; features seen fewer than minCount times
// are dropped. It is deterministic.
func Train(feats [][]string, yes []bool, epochs int, rate, l2 float64, minCount int) *Model {
	count := map[string]int{}
	for _, fs := range feats {
		for _, f := range uniq(fs) {
			count[f]++
		}
	}
	idx := map[string]int{}
	var names []string
	for f, c := range count {
		if c >= minCount {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	for i, f := range names {
		idx[f] = i
	}
	xs := make([][]int, len(feats))
	for i, fs := range feats {
		for _, f := range uniq(fs) {
			if j, ok := idx[f]; ok {
				xs[i] = append(xs[i], j)
			}
		}
	}
	w := make([]float64, len(names))
	g2 := make([]float64, len(names)) // AdaGrad accumulators
	var b, gb2 float64
	grad := make([]float64, len(names))
	n := float64(len(xs))
	for ep := 0; ep < epochs; ep++ {
		clear(grad)
		var gb float64
		for i, x := range xs {
			z := b
			for _, j := range x {
				z += w[j]
			}
			p := 1 / (1 + math.Exp(-z))
			y := 0.0
			if yes[i] {
				y = 1
			}
			d := p - y
			gb += d
			for _, j := range x {
				grad[j] += d
			}
		}
		for j := range w {
			g := grad[j]/n + l2*w[j]
			g2[j] += g * g
			if g2[j] > 0 {
				w[j] -= rate * g / math.Sqrt(g2[j])
			}
		}
		gb /= n
		gb2 += gb * gb
		if gb2 > 0 {
			b -= rate * gb / math.Sqrt(gb2)
		}
	}
	m := &Model{Bias: round4(b), Weights: map[string]float64{}}
	for j, f := range names {
		if v := round4(w[j]); math.Abs(v) >= 0.01 {
			m.Weights[f] = v
		}
	}
	return m
}

// Marshal returns the model as compact JSON.
func (m *Model) Marshal() ([]byte, error) { return json.Marshal(m) }

// Unmarshal reads a model written by Marshal.
func Unmarshal(b []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

func uniq(fs []string) []string {
	seen := make(map[string]bool, len(fs))
	out := fs[:0:0]
	for _, f := range fs {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

func round4(f float64) float64 { return math.Round(f*10000) / 10000 }

// Training settings of the shipped model.
const (
	DefaultEpochs   = 300
	DefaultRate     = 0.3
	DefaultL2       = 1e-4
	DefaultMinCount = 3
)

// CrossValidate trains with the default settings on k-1 folds (sample i is
// in fold i mod k) and counts the outcomes on the held-out fold at
// probability 0.5.
func CrossValidate(feats [][]string, yes []bool, k int) (tp, fp, fn, tn int) {
	for fold := 0; fold < k; fold++ {
		var trF [][]string
		var trY []bool
		for i := range feats {
			if i%k != fold {
				trF, trY = append(trF, feats[i]), append(trY, yes[i])
			}
		}
		m := Train(trF, trY, DefaultEpochs, DefaultRate, DefaultL2, DefaultMinCount)
		for i := range feats {
			if i%k != fold {
				continue
			}
			pred := m.Prob(feats[i]) >= 0.5
			switch {
			case pred && yes[i]:
				tp++
			case pred && !yes[i]:
				fp++
			case !pred && yes[i]:
				fn++
			default:
				tn++
			}
		}
	}
	return tp, fp, fn, tn
}
