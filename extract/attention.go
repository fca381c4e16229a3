package extract

import (
	"context"
	_ "embed"
	"fmt"
	"sync"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract/internal/attnmodel"
)

// DefaultAttentionModel is whether New turns the learned attention model
// on. It is on (docs/extraction.md, "Eleventh session"): on four blind
// rounds written after it was trained (blind-38 to blind-41, 160
// messages) it raised high recall from .839 to .929 at precision .963
// (the rules alone: .959), and with the gate of attnmodel.Judges
// (something due soon) spam-1 and easy-ham-1 have as many high messages
// as with the rules alone (0 and 1).
const DefaultAttentionModel = true

// WithAttentionModel sets Engine.AttentionModel.
func WithAttentionModel(on bool) Option { return func(e *Engine) { e.AttentionModel = on } }

// attentionModelJSON holds the weights and thresholds trained by
// internal/attnmodel/train on the tune split of the urgency set.
//
//go:generate go run ./internal/attnmodel/train -out data/attention_model.json
//go:embed data/attention_model.json
var attentionModelJSON []byte

var attentionModel = sync.OnceValue(func() *attnmodel.Model {
	m, err := attnmodel.Unmarshal(attentionModelJSON)
	if err != nil {
		panic("extract: " + err.Error())
	}
	return m
})

// AttentionModelThresholds returns the shipped model's thresholds: the
// least P(high) that raises a person's medium message, and the greatest
// that lowers a high one (0: never).
func AttentionModelThresholds() (raise, lower float64) {
	m := attentionModel()
	return m.Raise, m.Lower
}

// ExtractAttention is Extract that also returns the attention model's
// input for c (attnmodel.Features gives its features), for its trainer
// and its evaluation: the dimensions are those Extract gives with e's
// settings.
func (e *Engine) ExtractAttention(ctx context.Context, c *doctales.Communication) (*doctales.Dimensions, *attnmodel.Input, error) {
	return e.extract(ctx, c, true)
}

// attentionInput builds the model's input from what the rules found: the
// subject that asks (none for a reply's), the sender's own sentences, and
// the urgency signals.
func attentionInput(d *doctales.Dimensions, in UrgencyInput, askSubj, own []span) *attnmodel.Input {
	ai := attnmodel.Input{
		Category: d.Category, Language: d.Language,
		Request: in.Request, Invitation: in.Invitation, NoRush: in.NoRush,
		Deadline: d.Deadline,
		Ref:      in.Ref, At: in.Ref.Add(in.Age),
	}
	for _, s := range askSubj {
		ai.Subject += s.text
	}
	ai.Text = make([]string, len(own))
	for i, s := range own {
		ai.Text[i] = s.text
	}
	ai.SoonTime = soonClockTime(d.Dates, own, ai.At)
	if d.Deadline != nil {
		for _, dm := range d.Dates {
			if dm.Deadline && dm.Time.Equal(*d.Deadline) {
				ai.DeadlineHasTime = dm.Precision == "minute" || dm.Precision == "hour"
				break
			}
		}
	}
	return &ai
}

// applyAttention lets the shipped model change d's urgency (a person's
// medium to high, or high to medium; attnmodel.Combine), saying so in
// the reasons.
func applyAttention(d *doctales.Dimensions, ai *attnmodel.Input) {
	m := attentionModel()
	p := m.Judge(*ai)
	u := attnmodel.Combine(d.Urgency, d.Category, p, m.Raise, m.Lower)
	if u == d.Urgency {
		return
	}
	d.Urgency = u
	if u == doctales.UrgencyHigh {
		d.UrgencyScore = highBase
	} else {
		d.UrgencyScore = highBase - 0.01
	}
	d.UrgencyReasons = append(d.UrgencyReasons, fmt.Sprintf("attention model: P(high) %.2f", p))
}

// AttentionModelData returns the embedded attention model's JSON
// (attnmodel.Unmarshal reads it), for the evaluation harness.
func AttentionModelData() []byte { return attentionModelJSON }

// soonClockTime reports whether one of the sender's own sentences (own)
// names a clock time after at and by the end of the next working day.
func soonClockTime(ds []doctales.DateMention, own []span, at time.Time) bool {
	until := endOfNextBusinessDay(at)
	for _, dm := range ds {
		if dm.Source != doctales.SourceContent || dm.Precision != "minute" && dm.Precision != "hour" {
			continue
		}
		if !dm.Time.After(at) || dm.Time.After(until) {
			continue
		}
		for _, s := range own {
			if dm.BeginOffset >= s.start && dm.EndOffset <= s.end {
				return true
			}
		}
	}
	return false
}
