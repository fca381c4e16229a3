package eval

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/doctales/doctales/extract"
)

func init() { runners["sentiment"] = runSentiment }

// runSentiment measures Pearson r of the compound score against the mean
// human rating, and 3-class F1 (gold = sign of the mean, prediction cut at
// ±0.05 of the compound), on the VADER tweets and Amazon snippets.
func runSentiment(dataDir string) (*Table, error) {
	t := &Table{Set: "sentiment"}
	for _, set := range []struct{ file, name, anchor string }{
		{"tweets_GroundTruth.txt", "tweets", "VADER paper: r .881, F1 .96; target >= .87 / .94"},
		{"amazonReviewSnippets_GroundTruth.txt", "Amazon", "VADER paper: r .565, F1 .63"},
	} {
		f, err := os.Open(filepath.Join(dataDir, "sentiment", set.file))
		if err != nil {
			return nil, err
		}
		var xs, ys []float64
		var gold, pred []int
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			parts := strings.SplitN(sc.Text(), "\t", 3)
			if len(parts) < 3 {
				continue
			}
			mean, err := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
			if err != nil {
				continue
			}
			_, s := extract.Sentiment(parts[2])
			xs = append(xs, s.Compound)
			ys = append(ys, mean)
			gold = append(gold, sign(mean, 0))
			pred = append(pred, sign(s.Compound, 0.05))
		}
		f.Close()
		macro, weighted, acc := f1Scores(gold, pred)
		t.Rows = append(t.Rows,
			Row{fmt.Sprintf("%s Pearson r, compound vs mean rating (n=%d)", set.name, len(xs)), num3(pearson(xs, ys)), set.anchor},
			Row{fmt.Sprintf("%s 3-class F1 weighted / macro / accuracy", set.name), fmt.Sprintf("%.3f / %.3f / %.3f", weighted, macro, acc), ""},
		)
	}
	rows, err := businessSentiment()
	if err != nil {
		return nil, err
	}
	t.Rows = append(t.Rows, rows...)
	return t, nil
}

// businessSentiment measures the labels on the business-mail set the
// project wrote (extract/testdata/sentiment/business.tsv): every third
// line is held out, the rest is what rules may be tuned on.
func businessSentiment() ([]Row, error) {
	path := filepath.Join(filepath.Dir(UrgencyDir()), "sentiment", "business.tsv")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	label := map[string]int{"NEGATIVE": -1, "NEUTRAL": 0, "POSITIVE": 1}
	var gold, pred [2][]int
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		want, text, ok := strings.Cut(line, "\t")
		g, known := label[want]
		if !ok || !known {
			return nil, fmt.Errorf("%s: bad line %q", path, line)
		}
		got, _ := extract.Sentiment(text)
		split := 0
		if n%3 == 2 {
			split = 1
		}
		n++
		gold[split] = append(gold[split], g)
		pred[split] = append(pred[split], label[got]) // MIXED counts as neutral
	}
	var rows []Row
	for i, name := range []string{"tune", "holdout"} {
		macro, _, acc := f1Scores(gold[i], pred[i])
		rows = append(rows, Row{fmt.Sprintf("business mail (%s, n=%d) accuracy / macro F1", name, len(gold[i])), fmt.Sprintf("%.3f / %.3f", acc, macro), "own labelled set"})
	}
	return rows, nil
}

func sign(x, cut float64) int {
	switch {
	case x >= cut && x > 0:
		return 1
	case x <= -cut && x < 0:
		return -1
	}
	return 0
}

func pearson(xs, ys []float64) float64 {
	n := float64(len(xs))
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range xs {
		dx, dy := xs[i]-mx, ys[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	return sxy / math.Sqrt(sxx*syy)
}

// f1Scores returns the macro F1 over the classes present in gold, the F1
// weighted by gold support, and accuracy.
func f1Scores(gold, pred []int) (macro, weighted, acc float64) {
	classes := map[int]bool{}
	for _, g := range gold {
		classes[g] = true
	}
	ok := 0
	for i := range gold {
		if gold[i] == pred[i] {
			ok++
		}
	}
	for c := range classes {
		var tp, fp, fn, support float64
		for i := range gold {
			switch {
			case gold[i] == c && pred[i] == c:
				tp++
			case gold[i] != c && pred[i] == c:
				fp++
			case gold[i] == c && pred[i] != c:
				fn++
			}
			if gold[i] == c {
				support++
			}
		}
		f := 0.0
		if tp > 0 {
			p, r := tp/(tp+fp), tp/(tp+fn)
			f = 2 * p * r / (p + r)
		}
		macro += f / float64(len(classes))
		weighted += f * support / float64(len(gold))
	}
	return macro, weighted, float64(ok) / float64(len(gold))
}
