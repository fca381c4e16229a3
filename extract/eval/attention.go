package eval

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
	"github.com/doctales/doctales/extract/internal/attnmodel"
)

// The "attention" set measures the learned attention model honestly on
// the blind rounds (docs/extraction.md, "Eleventh session"): each round
// scored by a model that never saw it. It is not in Sets (it trains 324
// models, a few minutes): run it as "doctales eval attention".
func init() {
	runners["attention"] = runAttention
	ownData["attention"] = true
}

// BlindRound is one round of blind messages: written by a helper who
// never ran the engine, measured once, then moved into the tune split.
type BlindRound struct {
	Name        string
	First, Last int // file numbers, inclusive
}

// BlindRounds are blind-11 to blind-37, as docs/extraction.md gives their
// file ranges (blind-17 and blind-18 were written together, 1073–1152).
var BlindRounds = func() []BlindRound {
	rs := []BlindRound{
		{"blind-11", 843, 882}, {"blind-12", 883, 922}, {"blind-13", 923, 962},
		{"blind-14", 963, 1002}, {"blind-15", 1003, 1042}, {"blind-16", 1043, 1072},
		{"blind-17", 1073, 1112}, {"blind-18", 1113, 1152},
	}
	for n, first := 19, 1153; n <= 37; n, first = n+1, first+40 {
		rs = append(rs, BlindRound{"blind-" + strconv.Itoa(n), first, first + 39})
	}
	return rs
}()

// MaxAttentionFile is the last message file the attention model may read:
// later files are new blind rounds, written to measure it.
const MaxAttentionFile = 1912

// FileNumber returns the number of a message file ("0843.eml" → 843), or
// -1.
func FileNumber(file string) int {
	n, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(file), ".eml"))
	if err != nil {
		return -1
	}
	return n
}

// AttentionItem is one labelled message as the rules judged it, with the
// attention model's features.
type AttentionItem struct {
	Label    UrgencyLabel
	Num      int
	Rule     string // the rules' urgency
	Category string // the rules' category
	Input    *attnmodel.Input
	Feats    []string // attnmodel.Features(*Input)
}

// CollectAttention runs the engine (rules only) on each label that keep
// accepts and returns the items. It refuses a file numbered above
// MaxAttentionFile.
func CollectAttention(ctx context.Context, dir string, labels []UrgencyLabel, keep func(UrgencyLabel) bool) ([]AttentionItem, error) {
	var items []AttentionItem
	for _, l := range labels {
		if !keep(l) {
			continue
		}
		n := FileNumber(l.File)
		if n < 0 || n > MaxAttentionFile {
			return nil, fmt.Errorf("attention: %s: file number %d outside 1..%d (later files are kept to measure the model)", l.File, n, MaxAttentionFile)
		}
		_, d, in, err := extractLabelled(ctx, dir, l)
		if err != nil {
			return nil, err
		}
		items = append(items, AttentionItem{Label: l, Num: n, Rule: d.Urgency, Category: d.Category, Input: in, Feats: attnmodel.Features(*in)})
	}
	return items, nil
}

// Trainable reports whether an item trains the model: only the messages
// it may change (a person's mail, by the rules' category).
func Trainable(it AttentionItem) bool { return attnmodel.Applies(it.Category) }

// TrainAttention trains a model on the trainable items and chooses its
// thresholds by attnmodel.CrossThresholds on the same items.
func TrainAttention(items []AttentionItem) *attnmodel.Model {
	var samples []attnmodel.Sample
	var rules, cats, labels []string
	for _, it := range items {
		if !Trainable(it) {
			continue
		}
		samples = append(samples, attnmodel.Sample{Feats: it.Feats, High: it.Label.Urgency == doctales.UrgencyHigh, Unjudged: !attnmodel.Judges(*it.Input)})
		rules, cats, labels = append(rules, it.Rule), append(cats, it.Category), append(labels, it.Label.Urgency)
	}
	raise, lower, _ := attnmodel.CrossThresholds(samples, rules, cats, labels, attnmodel.MinPrecision)
	m := attnmodel.Train(samples)
	m.Raise, m.Lower = raise, lower
	m.Trained = fmt.Sprintf("%d person and reply messages of the tune split", len(samples))
	return m
}

// attnScore counts one set of items under the rules and under the rules
// with a model.
type attnScore struct{ rules, model attnmodel.Counts }

func (s *attnScore) add(items []AttentionItem, m *attnmodel.Model) {
	for _, it := range items {
		p := attnmodel.NoOpinion
		if attnmodel.Judges(*it.Input) {
			p = m.Prob(it.Feats)
		}
		o := []attnmodel.Outcome{{Rule: it.Rule, Category: it.Category, Label: it.Label.Urgency, P: p}}
		addCounts(&s.rules, attnmodel.Count(o, 0, 0))
		addCounts(&s.model, attnmodel.Count(o, m.Raise, m.Lower))
	}
}

func addCounts(a *attnmodel.Counts, b attnmodel.Counts) {
	a.N += b.N
	a.OK += b.OK
	a.PredHigh += b.PredHigh
	a.TrueHigh += b.TrueHigh
	a.HitHigh += b.HitHigh
}

func fmtCounts(c attnmodel.Counts) string {
	return fmt.Sprintf("urgency %s, high P %s R %s", ratio(c.OK, c.N), ratio(c.HitHigh, c.PredHigh), ratio(c.HitHigh, c.TrueHigh))
}

// runAttention is the honest measure: leave-one-round-out and past-only
// over the blind rounds, and the hold-out and fresh splits under the model
// trained on the whole tune split.
func runAttention(string) (*Table, error) {
	dir := UrgencyDir()
	labels, err := LoadUrgencyLabels(dir)
	if err != nil {
		return nil, err
	}
	items, err := CollectAttention(context.Background(), dir, labels, func(l UrgencyLabel) bool {
		return l.Split == "tune" || l.Split == "holdout" || l.Split == "fresh"
	})
	if err != nil {
		return nil, err
	}
	return AttentionReport(items), nil
}

// AttentionReport trains and scores the models of the report on items
// (tune, hold-out and fresh only).
func AttentionReport(items []AttentionItem) *Table {
	var tune []AttentionItem
	bySplit := map[string][]AttentionItem{}
	for _, it := range items {
		bySplit[it.Label.Split] = append(bySplit[it.Label.Split], it)
		if it.Label.Split == "tune" {
			tune = append(tune, it)
		}
	}
	t := &Table{Set: "attention"}
	var loo, past attnScore
	for _, r := range BlindRounds {
		var round, rest, before []AttentionItem
		for _, it := range tune {
			switch {
			case it.Num >= r.First && it.Num <= r.Last:
				round = append(round, it)
			default:
				rest = append(rest, it)
				if it.Num < r.First {
					before = append(before, it)
				}
			}
		}
		if len(round) == 0 {
			continue
		}
		for _, v := range []struct {
			name  string
			train []AttentionItem
			pool  *attnScore
		}{{"leave-one-round-out", rest, &loo}, {"past-only", before, &past}} {
			m := TrainAttention(v.train)
			var s attnScore
			s.add(round, m)
			v.pool.add(round, m)
			t.Rows = append(t.Rows, Row{
				fmt.Sprintf("%s (%d-%d, n=%d), %s (raise %.2f, lower %.2f)", r.Name, r.First, r.Last, len(round), v.name, m.Raise, m.Lower),
				"rules " + fmtCounts(s.rules), "rules+model " + fmtCounts(s.model)})
		}
	}
	t.Rows = append(t.Rows,
		Row{"pooled blind-11..37, leave-one-round-out", "rules " + fmtCounts(loo.rules), "rules+model " + fmtCounts(loo.model)},
		Row{"pooled blind-11..37, past-only", "rules " + fmtCounts(past.rules), "rules+model " + fmtCounts(past.model)},
	)
	m := TrainAttention(tune)
	for _, split := range []string{"holdout", "fresh"} {
		var s attnScore
		s.add(bySplit[split], m)
		t.Rows = append(t.Rows, Row{fmt.Sprintf("%s (n=%d), model of the whole tune split (raise %.2f, lower %.2f)", split, len(bySplit[split]), m.Raise, m.Lower),
			"rules " + fmtCounts(s.rules), "rules+model " + fmtCounts(s.model)})
	}
	t.Notes = append(t.Notes, "The rules were tuned on the blind rounds after each was measured: their figures there are inflated, and the comparison favours the rules.")
	return t
}

// FirstRunSession is a session's first build, the engine that measured
// its blind rounds before any rule was fixed for them.
type FirstRunSession struct {
	Commit      string
	First, Last string // the names of its first and last blind rounds
}

// FirstRunSessions are the sessions of docs/extraction.md with the build
// each started from.
var FirstRunSessions = []FirstRunSession{
	{"fdd0163", "blind-11", "blind-16"},
	{"43df967", "blind-17", "blind-20"},
	{"1d61756", "blind-21", "blind-25"},
	{"9d69f02", "blind-26", "blind-29"},
	{"bd68689", "blind-30", "blind-37"},
}

// Rounds returns the blind rounds of s.
func (s FirstRunSession) Rounds() []BlindRound {
	var out []BlindRound
	in := false
	for _, r := range BlindRounds {
		in = in || r.Name == s.First
		if in {
			out = append(out, r)
		}
		if r.Name == s.Last {
			break
		}
	}
	return out
}

// FirstRunReport scores each blind round as it was first measured: by the
// rules of its session's first build, and by those rules with a model
// trained, on that build's output, only on the tune messages numbered
// below the round's first file (past-only). items maps a session's commit
// to the items its build gave (extract/internal/attnmodel/firstrun).
func FirstRunReport(items map[string][]AttentionItem) *Table {
	t := &Table{Set: "attention, first run"}
	var pool attnScore
	for _, s := range FirstRunSessions {
		its, ok := items[s.Commit]
		if !ok {
			continue
		}
		var sess attnScore
		for _, r := range s.Rounds() {
			var round, before []AttentionItem
			for _, it := range its {
				switch {
				case it.Num >= r.First && it.Num <= r.Last:
					round = append(round, it)
				case it.Num < r.First && it.Label.Split == "tune":
					before = append(before, it)
				}
			}
			if len(round) == 0 {
				continue
			}
			m := TrainAttention(before)
			var sc attnScore
			sc.add(round, m)
			sess.add(round, m)
			pool.add(round, m)
			t.Rows = append(t.Rows, Row{
				fmt.Sprintf("%s (%d-%d, n=%d) at %s, past-only (raise %.2f, lower %.2f)", r.Name, r.First, r.Last, len(round), s.Commit, m.Raise, m.Lower),
				"rules " + fmtCounts(sc.rules), "rules+model " + fmtCounts(sc.model)})
		}
		t.Rows = append(t.Rows, Row{fmt.Sprintf("session of %s (%s..%s)", s.Commit, s.First, s.Last), "rules " + fmtCounts(sess.rules), "rules+model " + fmtCounts(sess.model)})
	}
	t.Rows = append(t.Rows, Row{"pooled, first run", "rules " + fmtCounts(pool.rules), "rules+model " + fmtCounts(pool.model)})
	return t
}

// shippedModel is the engine's embedded attention model, read once.
var shippedModel = sync.OnceValue(func() *attnmodel.Model {
	m, err := attnmodel.Unmarshal(extract.AttentionModelData())
	if err != nil {
		panic("eval: " + err.Error())
	}
	return m
})

// modelOutcome is one message of the urgency set under the rules and the
// engine's own attention model: what the engine answers with the model on
// (TestAttentionModel_RaisesSituation checks that it is the same).
func modelOutcome(l UrgencyLabel, d *doctales.Dimensions, in *attnmodel.Input) attnmodel.Outcome {
	o := attnmodel.Outcome{Rule: d.Urgency, Category: d.Category, Label: l.Urgency}
	o.P = attnmodel.NoOpinion
	if in != nil {
		o.P = shippedModel().Judge(*in)
	}
	return o
}

// modelRows are the urgency set's extra lines: each split's urgency
// accuracy and high precision and recall with the shipped attention model
// (on the tune split it was trained on: in-sample).
func modelRows(split string, outs []attnmodel.Outcome) []Row {
	m := shippedModel()
	c := attnmodel.Count(outs, m.Raise, m.Lower)
	p := split + ": with the attention model: "
	anchor := ""
	if split == "tune" {
		anchor = "trained on this split"
	}
	return []Row{
		{fmt.Sprintf("%surgency accuracy (n=%d)", p, c.N), ratio(c.OK, c.N), anchor},
		{p + "high precision", ratio(c.HitHigh, c.PredHigh), anchor},
		{p + "high recall", ratio(c.HitHigh, c.TrueHigh), anchor},
	}
}
