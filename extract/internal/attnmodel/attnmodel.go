// Package attnmodel is the learned attention model of issue 14: a small
// logistic regression that estimates P(high), the probability that a
// person's message needs the reader's attention within about a working
// day, at the reader's reading time. It reads the sender's own new text
// (as the engine has already cut it: no quotes, signatures or footers)
// and the engine's language-independent signals (category, request,
// deadline distance, the rules' own urgency), and it only adjusts the
// rules: see Combine.
//
// Training reuses actionmodel.Train (full-batch AdaGrad with L2, features
// seen fewer than a minimum count dropped), so it is deterministic: the
// same samples give the same weights. The weights the engine embeds are
// written by ./train from the tune split of the urgency set only.
package attnmodel

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract/internal/actionmodel"
)

// Input is what the model reads of one message at one reading time.
type Input struct {
	Subject string   // the subject less "Re:"-like prefixes
	Text    []string // the sender's own sentences to the reader, in order

	Category string // doctales.Category* as the rules found it
	Language string // ISO 639-1 or "und"

	Request    bool // the rules found an ask to the reader
	Invitation bool // an invitation (at most medium by the guide)
	NoRush     bool // "no rush", "whenever you can"

	Deadline        *time.Time // the rules' deadline, nil if none
	DeadlineHasTime bool       // the deadline names a clock time

	// SoonTime is whether the sender's own text names a clock time
	// between the reading time and the end of the next working day ("the
	// customer walks in at 11", "demain 7 h 30"): with Deadline, what a
	// message needs before the model judges it (Judges).
	SoonTime bool

	Ref time.Time // the message's timestamp, in the zone its "today" is read in
	At  time.Time // the reading time (now), in the same zone
}

// MaxWords bounds the words of the new text read: enough for the asks of
// nearly every message, and a bound on the features (and the time) of a
// long one.
const MaxWords = 200

// words splits s into lower-cased words of letters and digits (an
// apostrophe inside a word is kept: "can't", "l'école").
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’')
	})
}

// Features returns the features of in: "s:" subject words, "w:" and "b:"
// words and word pairs of the new text (at most MaxWords words), the
// length of subject and text in words ("len:30" under 30, 60, 120, 200,
// "long"), and the signals as "name:value", with the crossing of deadline distance and
// request that a linear model cannot form itself. The order is stable; a
// feature appears at most once.
//
// The rules' own urgency, score, urgency words and evidence are not
// features: the rules were tuned on the training messages, so there they
// are nearly always right, and a model that learns to trust them learns
// nothing for the mail they miss (measured: docs/extraction.md,
// "Eleventh session").
func Features(in Input) []string {
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, w := range words(in.Subject) {
		add("s:" + w)
	}
	n := 0
	for _, s := range in.Text {
		prev := "<s>"
		for _, w := range words(s) {
			if n >= MaxWords {
				break
			}
			n++
			add("w:" + w)
			add("b:" + prev + "_" + w)
			prev = w
		}
	}
	add("len:" + lengthBucket(Words(in)))
	cat := in.Category
	if cat == "" {
		cat = "none"
	}
	add("cat:" + cat)
	add("lang:" + in.Language)
	flag := func(name string, on bool) {
		if on {
			add(name)
		}
	}
	flag("request", in.Request)
	flag("invitation", in.Invitation)
	flag("norush", in.NoRush)
	dl := DeadlineBucket(in.Deadline, in.At)
	add("dl:" + dl)
	if in.Deadline != nil {
		flag("dltime", in.DeadlineHasTime)
	}
	req := "noreq"
	if in.Request {
		req = "req"
	}
	add("dl+" + req + ":" + dl)
	add("tod:" + timeOfDay(in.At))
	if wd := in.At.Weekday(); wd == time.Saturday || wd == time.Sunday {
		add("weekend")
	}
	add("age:" + ageBucket(in.At.Sub(in.Ref)))
	return out
}

// DeadlineBucket names the deadline's distance from the reading time at:
// none, passed, 3h (within three hours), today, tomorrow-am (tomorrow
// before noon), nextwd (by the end of the next working day), week (within
// seven days), later.
func DeadlineBucket(dl *time.Time, at time.Time) string {
	if dl == nil {
		return "none"
	}
	t := dl.In(at.Location())
	d := t.Sub(at)
	day := func(x time.Time) time.Time { return time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, x.Location()) }
	switch {
	case d < 0:
		return "passed"
	case d <= 3*time.Hour:
		return "3h"
	case day(t).Equal(day(at)):
		return "today"
	case day(t).Equal(day(at).AddDate(0, 0, 1)) && t.Hour() < 12:
		return "tomorrow-am"
	}
	next := day(at).AddDate(0, 0, 1)
	for next.Weekday() == time.Saturday || next.Weekday() == time.Sunday {
		next = next.AddDate(0, 0, 1)
	}
	switch {
	case t.Before(next.AddDate(0, 0, 1)):
		return "nextwd"
	case d <= 7*24*time.Hour:
		return "week"
	}
	return "later"
}

// Words returns how many words the subject and the new text of in hold.
func Words(in Input) int {
	n := len(words(in.Subject))
	for _, s := range in.Text {
		n += len(words(s))
	}
	return n
}

// Judges reports whether the model judges a message: a person's mail
// (Applies) whose subject and new text the features read whole (at most
// MaxWords words). The messages it was trained on are short; a longer
// one (a pasted advertisement, a long letter) sums the weights of more
// words than any of them, and its P(high) means nothing.
//
// It also judges only a message with something due soon: a deadline the
// rules found, or a clock time in the sender's own text by the end of
// the next working day. Every situation the rules missed on the blind
// rounds had one ("the customer walks in at 11 today"); the unsolicited
// advertisements the rules read as a person's mail ("reply now for your
// free trial") have neither, and the model, never trained on them, gave
// them P(high) up to .98 (30 of spam-1's 500 were high with it).
func Judges(in Input) bool {
	return Applies(in.Category) && Words(in) <= MaxWords && (in.Deadline != nil || in.SoonTime)
}

func lengthBucket(n int) string {
	switch {
	case n < 30:
		return "30"
	case n < 60:
		return "60"
	case n < 120:
		return "120"
	case n <= MaxWords:
		return "200"
	}
	return "long"
}

func timeOfDay(t time.Time) string {
	switch h := t.Hour(); {
	case h < 7:
		return "night"
	case h < 12:
		return "morning"
	case h < 17:
		return "afternoon"
	}
	return "evening"
}

func ageBucket(d time.Duration) string {
	switch {
	case d < 3*time.Hour:
		return "3h"
	case d < 24*time.Hour:
		return "1d"
	case d < 72*time.Hour:
		return "3d"
	}
	return "old"
}

// Model is the logistic regression with the thresholds at which Combine
// changes the rules' urgency.
type Model struct {
	Bias    float64            `json:"bias"`
	Weights map[string]float64 `json:"weights"`
	// Raise is the least P(high) that makes a person's medium message
	// high; Lower the greatest that makes a person's high message
	// medium (0: never). Both are chosen by cross-validation on the
	// training data.
	Raise float64 `json:"raise"`
	Lower float64 `json:"lower"`
	// Trained says what the model was trained on (for the record).
	Trained string `json:"trained,omitempty"`
}

// NoOpinion is the P(high) given for a message the model does not judge
// (Judges): Combine leaves it as the rules say.
const NoOpinion = -1.0

// Judge returns P(high) for in, or NoOpinion when the model does not
// judge it.
func (m *Model) Judge(in Input) float64 {
	if !Judges(in) {
		return NoOpinion
	}
	return m.Prob(Features(in))
}

// Prob returns P(high) for the features.
func (m *Model) Prob(feats []string) float64 {
	z := m.Bias
	for _, f := range feats {
		z += m.Weights[f]
	}
	return 1 / (1 + math.Exp(-z))
}

// Training settings of the shipped model.
const (
	Epochs   = 300
	Rate     = 0.3
	L2       = 1e-4
	MinCount = 3
)

// Sample is one training message: its features and whether its reader
// labelled it high.
type Sample struct {
	Feats []string
	High  bool
	// Unjudged is set for a message the model trains on but does not
	// judge (Judges): cross-validation gives it NoOpinion.
	Unjudged bool
}

// Train fits a model on samples with the shipped settings; its thresholds
// are left at zero (see ChooseThresholds). It is deterministic.
func Train(samples []Sample) *Model {
	feats := make([][]string, len(samples))
	yes := make([]bool, len(samples))
	for i, s := range samples {
		feats[i], yes[i] = s.Feats, s.High
	}
	am := actionmodel.Train(feats, yes, Epochs, Rate, L2, MinCount)
	return &Model{Bias: am.Bias, Weights: am.Weights}
}

// Applies reports whether the model may change the urgency of a message
// of category cat: only a person's mail (a first message or a reply).
// Bulk, automated, auto-reply, list and suspicious mail stays as the
// rules say: never high by its words.
func Applies(cat string) bool {
	return cat == doctales.CategoryPerson || cat == doctales.CategoryReply
}

// Combine returns the urgency of a message of category cat that the
// rules judged rule, given the model's P(high) p and the thresholds:
// medium becomes high when p >= raise, high becomes medium when p <=
// lower; anything else, any category Applies refuses, and a p below 0
// (NoOpinion: a message the model does not judge) is unchanged.
func Combine(rule, cat string, p, raise, lower float64) string {
	if !Applies(cat) || p < 0 {
		return rule
	}
	switch {
	case rule == doctales.UrgencyMedium && raise > 0 && p >= raise:
		return doctales.UrgencyHigh
	case rule == doctales.UrgencyHigh && lower > 0 && p <= lower:
		return doctales.UrgencyMedium
	}
	return rule
}

// Outcome is one scored message for choosing thresholds: the rules'
// urgency, its category, the model's P(high) (out of fold) and the label.
type Outcome struct {
	Rule, Category, Label string
	P                     float64
}

// Counts are the high-class counts of a set of outcomes under one pair of
// thresholds.
type Counts struct{ N, OK, PredHigh, TrueHigh, HitHigh int }

// Count scores outs with thresholds raise and lower.
func Count(outs []Outcome, raise, lower float64) Counts {
	var c Counts
	for _, o := range outs {
		u := Combine(o.Rule, o.Category, o.P, raise, lower)
		c.N++
		if u == o.Label {
			c.OK++
		}
		if u == doctales.UrgencyHigh {
			c.PredHigh++
		}
		if o.Label == doctales.UrgencyHigh {
			c.TrueHigh++
			if u == o.Label {
				c.HitHigh++
			}
		}
	}
	return c
}

// ChooseThresholds picks raise (from .50 to .95) and lower (0, off, to
// .20) that maximise the correct urgencies of outs, among the pairs whose
// high precision is at least minPrecision; ties go to the higher raise and
// the lower lower (the smaller change to the rules). With no pair allowed
// it returns (0, 0): the model changes nothing.
func ChooseThresholds(outs []Outcome, minPrecision float64) (raise, lower float64) {
	best := -1
	for r := 95; r >= 50; r -= 5 {
		for l := 0; l <= 20; l += 5 {
			rr, ll := float64(r)/100, float64(l)/100
			c := Count(outs, rr, ll)
			if c.PredHigh > 0 && float64(c.HitHigh)/float64(c.PredHigh) < minPrecision {
				continue
			}
			if c.OK > best {
				best, raise, lower = c.OK, rr, ll
			}
		}
	}
	if best < 0 {
		return 0, 0
	}
	// No better than the rules alone: leave them.
	if c := Count(outs, 0, 0); c.OK >= best {
		return 0, 0
	}
	return raise, lower
}

// Folds is how many folds CrossThresholds uses.
const Folds = 5

// CrossThresholds trains on Folds-1 folds of samples (sample i is in fold
// i mod Folds), scores the held-out fold, and chooses the thresholds on
// all the held-out outcomes. rules, cats and labels are each sample's
// rule urgency, category and label.
func CrossThresholds(samples []Sample, rules, cats, labels []string, minPrecision float64) (raise, lower float64, outs []Outcome) {
	outs = make([]Outcome, len(samples))
	for fold := 0; fold < Folds; fold++ {
		var tr []Sample
		for i, s := range samples {
			if i%Folds != fold {
				tr = append(tr, s)
			}
		}
		m := Train(tr)
		for i, s := range samples {
			if i%Folds == fold {
				p := m.Prob(s.Feats)
				if s.Unjudged {
					p = NoOpinion
				}
				outs[i] = Outcome{Rule: rules[i], Category: cats[i], Label: labels[i], P: p}
			}
		}
	}
	raise, lower = ChooseThresholds(outs, minPrecision)
	return raise, lower, outs
}

// MinPrecision is the cross-validated high precision the thresholds must
// keep: the target's .90 with a margin.
const MinPrecision = 0.92

// Marshal returns the model as compact JSON.
func (m *Model) Marshal() ([]byte, error) { return json.Marshal(m) }

// Unmarshal reads a model written by Marshal and checks its thresholds.
func Unmarshal(b []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("attention model: %w", err)
	}
	if m.Raise < 0 || m.Raise > 1 || m.Lower < 0 || m.Lower > 1 {
		return nil, fmt.Errorf("attention model: thresholds raise %v, lower %v: each must be in [0, 1]", m.Raise, m.Lower)
	}
	if m.Raise > 0 && m.Lower >= m.Raise {
		return nil, fmt.Errorf("attention model: lower %v must be below raise %v", m.Lower, m.Raise)
	}
	return &m, nil
}
