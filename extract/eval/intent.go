package eval

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/doctales/doctales/extract"
	"github.com/doctales/doctales/extract/internal/actionmodel"
)

func init() { runners["intent"] = runIntent }

// runIntent measures "requires action" per sentence on the Parakweet
// intent train split: F1 of the Yes class, accuracy and the majority rate.
// The headline figure is 5-fold cross-validated (the model is retrained on
// four folds, the same way extract/internal/actionmodel/train fits the
// shipped weights); the shipped engine's in-sample figure is given beside
// it for reference.
func runIntent(dataDir string) (*Table, error) {
	f, err := os.Open(filepath.Join(dataDir, "intent", "train-Ask0729-fixed.txt"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var tp, fp, fn, tn int
	var feats [][]string
	var yes []bool
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 2)
		if len(parts) < 2 {
			continue
		}
		gold := strings.TrimSpace(parts[0]) == "Yes"
		feats, yes = append(feats, extract.ActionFeatures(parts[1])), append(yes, gold)
		pred := extract.RequiresAction(parts[1])
		switch {
		case gold && pred:
			tp++
		case !gold && pred:
			fp++
		case gold && !pred:
			fn++
		default:
			tn++
		}
	}
	t := &Table{Set: "intent"}
	ctp, cfp, cfn, ctn := actionmodel.CrossValidate(feats, yes, 5)
	cp, cr := float64(ctp)/float64(max(1, ctp+cfp)), float64(ctp)/float64(max(1, ctp+cfn))
	t.Rows = append(t.Rows,
		Row{fmt.Sprintf("requires action, Yes-class F1, 5-fold CV of the model (P %.3f R %.3f)", cp, cr), num3(2 * cp * cr / (cp + cr)), "target >= 0.75"},
		Row{"accuracy, 5-fold CV", pct(float64(ctp+ctn) / float64(len(yes))), "naive Bayes baseline 67.3%"},
	)
	n := tp + fp + fn + tn
	p := float64(tp) / float64(max(1, tp+fp))
	r := float64(tp) / float64(max(1, tp+fn))
	f1 := 0.0
	if p+r > 0 {
		f1 = 2 * p * r / (p + r)
	}
	maj := float64(max(tn+fp, tp+fn)) / float64(n)
	t.Rows = append(t.Rows,
		Row{fmt.Sprintf("shipped engine rule, in-sample (trained on this split; n=%d; P %.3f R %.3f)", n, p, r), num3(f1), "not a held-out figure"},
		Row{"majority-class rate", pct(maj), "always No"},
	)
	return t, nil
}
