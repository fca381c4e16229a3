// Command train fits the requires-action model on the Parakweet intent
// train split, reports its 5-fold cross-validated Yes-class F1 and writes
// the weights the extraction engine embeds:
//
//	go run ./extract/internal/actionmodel/train \
//	    -data ../shared/data/intent/train-Ask0729-fixed.txt \
//	    -out extract/data/action_model.json
//
// Training is deterministic: the same data gives the same weights.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/doctales/doctales/extract"
	"github.com/doctales/doctales/extract/internal/actionmodel"
)

func main() {
	data := flag.String("data", "../shared/data/intent/train-Ask0729-fixed.txt", "labelled sentences: Yes/No<TAB>sentence")
	out := flag.String("out", "extract/data/action_model.json", "where to write the weights")
	flag.Parse()

	samples, err := Read(*data)
	if err != nil {
		log.Fatal(err)
	}
	feats := make([][]string, len(samples))
	yes := make([]bool, len(samples))
	for i, s := range samples {
		feats[i], yes[i] = extract.ActionFeatures(s.Text), s.Yes
	}
	tp, fp, fn, tn := CrossValidate(feats, yes, 5)
	p, r := float64(tp)/float64(tp+fp), float64(tp)/float64(tp+fn)
	fmt.Printf("5-fold CV: Yes F1 %.3f (P %.3f R %.3f), accuracy %.3f, n=%d\n", 2*p*r/(p+r), p, r, float64(tp+tn)/float64(len(yes)), len(yes))

	m := actionmodel.Train(feats, yes, Epochs, Rate, L2, MinCount)
	b, err := m.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %s: %d weights, %d bytes\n", *out, len(m.Weights), len(b))
}

// Training settings, shared with the evaluation harness's copy.
const (
	Epochs   = actionmodel.DefaultEpochs
	Rate     = actionmodel.DefaultRate
	L2       = actionmodel.DefaultL2
	MinCount = actionmodel.DefaultMinCount
)

// Read reads "Yes|No<TAB>sentence" lines.
func Read(path string) ([]actionmodel.Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []actionmodel.Sample
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 2)
		if len(parts) == 2 {
			out = append(out, actionmodel.Sample{Text: parts[1], Yes: strings.TrimSpace(parts[0]) == "Yes"})
		}
	}
	return out, sc.Err()
}

// CrossValidate trains on k-1 folds (sample i is in fold i mod k) and
// counts the outcomes on the held-out fold at probability 0.5.
func CrossValidate(feats [][]string, yes []bool, k int) (tp, fp, fn, tn int) {
	return actionmodel.CrossValidate(feats, yes, k)
}
