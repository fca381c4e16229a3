package eval

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/doctales/doctales/extract"
)

func init() { runners["keyphrase"] = runKeyphrase }

// stemPhrase lower-cases, splits on spaces and hyphens and stems.
func stemPhrase(p string) string {
	ws := strings.FieldsFunc(strings.ToLower(p), func(r rune) bool { return r == ' ' || r == '\t' || r == '-' || r == '\n' })
	for i, w := range ws {
		ws[i] = stem(w)
	}
	return strings.Join(ws, " ")
}

// runKeyphrase measures F1@5 and F1@10 on Inspec, macro-averaged over the
// documents, with Porter-stemmed exact match against all gold keys.
func runKeyphrase(dataDir string) (*Table, error) {
	dir := filepath.Join(dataDir, "keyphrase", "Inspec")
	docs, err := filepath.Glob(filepath.Join(dir, "docsutf8", "*.txt"))
	if err != nil || len(docs) == 0 {
		return nil, fmt.Errorf("no Inspec documents under %s", dir)
	}
	sort.Strings(docs)
	ks := []int{5, 10}
	splitF := map[string]float64{}
	splitN := map[string]int{}
	good, all := 0, 0
	sumF := make([]float64, len(ks))
	sumP := make([]float64, len(ks))
	sumR := make([]float64, len(ks))
	n := 0
	for _, doc := range docs {
		text, err := os.ReadFile(doc)
		if err != nil {
			return nil, err
		}
		keyFile := filepath.Join(dir, "keys", strings.TrimSuffix(filepath.Base(doc), ".txt")+".key")
		keys, err := os.ReadFile(keyFile)
		if err != nil {
			continue
		}
		gold := map[string]bool{}
		for _, k := range strings.Split(string(keys), "\n") {
			if k = strings.Join(strings.Fields(k), " "); k != "" {
				gold[stemPhrase(k)] = true
			}
		}
		if len(gold) == 0 {
			continue
		}
		n++
		// Inspec wraps lines with a tab; the first line is the title.
		clean := strings.ReplaceAll(string(text), "\n\t", " ")
		kps := extract.KeyPhrases(clean, 10)
		pred := make([]string, len(kps))
		for i, k := range kps {
			pred[i] = k.Text
			if ws := strings.Fields(k.Text); len(ws) <= 3 && !determiners[strings.ToLower(ws[0])] {
				good++
			}
			all++
		}
		_, _, f10 := f1At(pred, gold, 10)
		split := splitName(filepath.Base(doc))
		splitF[split] += f10
		splitN[split]++
		for i, k := range ks {
			seen := map[string]bool{}
			tp, np := 0, 0
			for _, p := range pred {
				s := stemPhrase(p)
				if seen[s] {
					continue
				}
				seen[s] = true
				if np == k {
					break
				}
				np++
				if gold[s] {
					tp++
				}
			}
			p, r := 0.0, float64(tp)/float64(len(gold))
			if np > 0 {
				p = float64(tp) / float64(np)
			}
			sumP[i] += p
			sumR[i] += r
			if p+r > 0 {
				sumF[i] += 2 * p * r / (p + r)
			}
		}
	}
	t := &Table{Set: "keyphrase"}
	for i, k := range ks {
		anchor := ""
		if k == 10 {
			anchor = "target >= 0.30; TextRank F 36.2, RAKE F 37.2 (each on its own protocol)"
		}
		t.Rows = append(t.Rows, Row{fmt.Sprintf("Inspec F1@%d stemmed exact, macro (n=%d; P %.3f R %.3f)", k, n, sumP[i]/float64(n), sumR[i]/float64(n)), num3(sumF[i] / float64(n)), anchor})
	}
	for _, s := range []string{"tune", "holdout"} {
		t.Rows = append(t.Rows, Row{fmt.Sprintf("Inspec %s F1@10 (n=%d)", s, splitN[s]), num3(splitF[s] / float64(splitN[s])), ""})
	}
	t.Rows = append(t.Rows, Row{"Inspec share of phrases of 1-3 words without a leading determiner (top 10)", num3(float64(good) / float64(max(all, 1))), ""})
	rows, err := runMailKeyphrase()
	if err != nil {
		return nil, err
	}
	t.Rows = append(t.Rows, rows...)
	return t, nil
}
