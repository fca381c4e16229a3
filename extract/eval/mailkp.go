package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
	"github.com/jdkato/prose/v3/tag"
	"github.com/jdkato/prose/v3/token"
	"github.com/jdkato/prose/v3/tokenize"
)

// mailKP is one item of extract/testdata/keyphrase/mail.jsonl.
type mailKP struct {
	ID      string   `json:"id"`
	Subject string   `json:"subject"`
	Body    string   `json:"body"`
	Keys    []string `json:"keys"`
}

func readMailKP() ([]mailKP, error) {
	path, err := repoFile("extract/testdata/keyphrase/mail.jsonl")
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []mailKP
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var m mailKP
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

// f1At returns precision, recall and F1 of the first k distinct stemmed
// predictions against the stemmed gold set.
func f1At(pred []string, gold map[string]bool, k int) (p, r, f float64) {
	seen := map[string]bool{}
	tp, np := 0, 0
	for _, x := range pred {
		s := stemPhrase(x)
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
	r = float64(tp) / float64(len(gold))
	if np > 0 {
		p = float64(tp) / float64(np)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return p, r, f
}

var (
	evalTokenizer = sync.OnceValue(func() *tokenize.Tokenizer { return tokenize.New() })
	evalTagger    = sync.OnceValue(func() *tag.Tagger {
		t, err := tag.New()
		if err != nil {
			panic(err)
		}
		return t
	})
)

var determiners = map[string]bool{"a": true, "an": true, "the": true, "this": true, "that": true, "these": true, "those": true, "my": true, "your": true, "our": true, "their": true, "his": true, "her": true, "its": true, "some": true, "any": true, "each": true, "every": true, "all": true, "no": true}

// wellFormed reports whether the phrase at [b, e) of text is what a person
// would write down: 1-3 words, no verb (tagged in its sentence) and no
// leading determiner. tags are the tagged tokens of text.
func wellFormed(text string, toks []token.Token, phrase string, b, e int) bool {
	ws := strings.Fields(phrase)
	if len(ws) < 1 || len(ws) > 3 || determiners[strings.ToLower(ws[0])] {
		return false
	}
	first := true
	for _, t := range toks {
		if t.Start < b || t.Start >= e {
			continue
		}
		switch t.Tag {
		case "VB", "VBD", "VBP", "VBZ", "MD":
			return false
		case "DT", "PDT", "PRP$", "WDT", "WP$":
			if first {
				return false
			}
		}
		first = false
	}
	return true
}

func tagText(text string) []token.Token {
	toks := evalTokenizer().Tokenize(text)
	evalTagger().TagTokens(toks)
	return toks
}

// runMailKeyphrase measures F1@3 of the engine's key phrases (subject and
// body, as Extract sees a message) on the mail set per split, and the share
// of its top-3 and top-10 phrases that are well formed. EVAL_VERBOSE=1
// prints the tune split's predictions (never the holdout's).
func runMailKeyphrase() ([]Row, error) {
	mails, err := readMailKP()
	if err != nil {
		return nil, err
	}
	eng := extract.New()
	type acc struct{ p, r, f, n float64 }
	sums := map[string]*acc{"tune": {}, "holdout": {}}
	var good3, all3, good10, all10 int
	for _, m := range mails {
		d, err := eng.Extract(context.Background(), &doctales.Communication{ID: m.ID, Subject: m.Subject, Content: m.Body})
		if err != nil {
			return nil, err
		}
		gold := map[string]bool{}
		for _, k := range m.Keys {
			gold[stemPhrase(k)] = true
		}
		var pred []string
		toks := tagText(m.Body)
		for i, k := range d.KeyPhrases {
			pred = append(pred, k.Text)
			ok := wellFormed(m.Body, toks, k.Text, k.BeginOffset, k.EndOffset)
			if ok {
				good10++
			}
			all10++
			if i < 3 {
				all3++
				if ok {
					good3++
				}
			}
		}
		s := splitName(m.ID)
		p, r, f := f1At(pred, gold, 3)
		a := sums[s]
		a.p += p
		a.r += r
		a.f += f
		a.n++
		if s == "tune" && os.Getenv("EVAL_VERBOSE") != "" {
			fmt.Fprintf(os.Stderr, "mailkp %s F1@3 %.2f gold %q top %q\n", m.ID, f, m.Keys, pred[:min(len(pred), 5)])
		}
	}
	var rows []Row
	for _, s := range []string{"tune", "holdout"} {
		a := sums[s]
		rows = append(rows, Row{fmt.Sprintf("mail (own set) %s F1@3 stemmed exact, macro (n=%.0f; P %.3f R %.3f)", s, a.n, a.p/a.n, a.r/a.n), num3(a.f / a.n), "second style of text, so the method does not fit Inspec"})
	}
	rows = append(rows, Row{"mail (own set) well-formed share (1-3 words, no verb, no leading determiner), top 3 / top 10", fmt.Sprintf("%.3f / %.3f", float64(good3)/float64(max(all3, 1)), float64(good10)/float64(max(all10, 1))), "all 1.000"})
	return rows, nil
}
