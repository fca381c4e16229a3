package eval

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
)

func init() { runners["ner"] = runNER }

// wnutTypes maps the WNUT 17 types we measure to Comprehend types.
var wnutTypes = map[string]string{"person": doctales.EntityPerson, "location": doctales.EntityLocation, "corporation": doctales.EntityOrganization}

type conllSentence struct {
	tokens []string
	labels []string
}

func readCoNLL(path string) ([]conllSentence, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []conllSentence
	var cur conllSentence
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			if len(cur.tokens) > 0 {
				out = append(out, cur)
			}
			cur = conllSentence{}
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) < 2 {
			continue
		}
		cur.tokens = append(cur.tokens, parts[0])
		cur.labels = append(cur.labels, parts[len(parts)-1])
	}
	if len(cur.tokens) > 0 {
		out = append(out, cur)
	}
	return out, sc.Err()
}

// spanKey is an entity by type and token range.
type spanKey struct {
	typ    string
	t0, t1 int
}

// goldSpans reads IOB labels into typed token spans (conlleval rules: an
// I- without a B- starts an entity).
func goldSpans(labels []string) map[spanKey]bool {
	out := map[spanKey]bool{}
	start, typ := -1, ""
	flush := func(end int) {
		if start >= 0 {
			if t, ok := wnutTypes[typ]; ok {
				out[spanKey{t, start, end}] = true
			}
		}
		start, typ = -1, ""
	}
	for i, l := range labels {
		switch {
		case l == "O":
			flush(i)
		case strings.HasPrefix(l, "B-"), strings.HasPrefix(l, "I-") && l[2:] != typ:
			flush(i)
			start, typ = i, l[2:]
		}
	}
	flush(len(labels))
	return out
}

// runNER measures entity-level exact match on WNUT 17 dev for person,
// location and corporation.
func runNER(dataDir string) (*Table, error) {
	sents, err := readCoNLL(filepath.Join(dataDir, "ner", "emerging.dev.conll"))
	if err != nil {
		return nil, err
	}
	eng := extract.New()
	type prf struct{ tp, fp, fn int }
	per := map[string]*prf{}
	for _, t := range wnutTypes {
		per[t] = &prf{}
	}
	ts := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range sents {
		// Join the tokens with spaces and remember their offsets.
		var b strings.Builder
		starts := make([]int, len(s.tokens))
		for i, tok := range s.tokens {
			if i > 0 {
				b.WriteByte(' ')
			}
			starts[i] = b.Len()
			b.WriteString(tok)
		}
		text := b.String()
		d, err := eng.Extract(context.Background(), &doctales.Communication{Type: doctales.TypeSocial, Timestamp: ts, Content: text})
		if err != nil {
			return nil, err
		}
		pred := map[spanKey]bool{}
		for _, e := range d.Entities {
			if e.Source != "" && e.Source != doctales.SourceContent {
				continue
			}
			if _, ok := per[e.Type]; !ok {
				continue
			}
			t0, t1 := -1, -1
			for i, st := range starts {
				if st == e.BeginOffset {
					t0 = i
				}
				if st+len(s.tokens[i]) == e.EndOffset {
					t1 = i + 1
				}
			}
			if t0 >= 0 && t1 > t0 {
				pred[spanKey{e.Type, t0, t1}] = true
			} else {
				per[e.Type].fp++ // not on token boundaries: cannot match
			}
		}
		gold := goldSpans(s.labels)
		for k := range pred {
			if gold[k] {
				per[k.typ].tp++
			} else {
				per[k.typ].fp++
			}
		}
		for k := range gold {
			if !pred[k] {
				per[k.typ].fn++
			}
		}
	}
	t := &Table{Set: "ner"}
	var all prf
	f1 := func(p prf) (float64, float64, float64) {
		pr := float64(p.tp) / float64(max(1, p.tp+p.fp))
		rc := float64(p.tp) / float64(max(1, p.tp+p.fn))
		if pr+rc == 0 {
			return pr, rc, 0
		}
		return pr, rc, 2 * pr * rc / (pr + rc)
	}
	for _, k := range sortedKeys(per) {
		p := per[k]
		all.tp += p.tp
		all.fp += p.fp
		all.fn += p.fn
		pr, rc, f := f1(*p)
		t.Rows = append(t.Rows, Row{fmt.Sprintf("WNUT17 dev %s P/R/F1 (gold %d)", k, p.tp+p.fn), fmt.Sprintf("%.3f / %.3f / %.3f", pr, rc, f), ""})
	}
	pr, rc, f := f1(all)
	t.Rows = append(t.Rows, Row{"WNUT17 dev person+location+corporation F1 (exact)", fmt.Sprintf("%.3f (P %.3f R %.3f)", f, pr, rc), "best shared-task system ~0.42 F1 (all 6 types); target >= 0.35"})
	return t, nil
}
