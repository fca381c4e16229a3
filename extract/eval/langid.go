package eval

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/doctales/doctales/extract"
)

func init() { runners["langid"] = runLangID }

// langIDLanguages are the ten languages of the sentence set.
var langIDLanguages = []string{"de", "en", "es", "fr", "it", "nl", "pl", "pt", "ru", "sv"}

// runLangID measures language accuracy on the sentences per length bucket,
// and on word pairs and single words of the same ten languages.
func runLangID(dataDir string) (*Table, error) {
	t := &Table{Set: "langid"}
	type acc struct{ ok, n int }
	buckets := []struct {
		name   string
		lo, hi int
	}{{"<60 chars", 0, 60}, {"60-119 chars", 60, 120}, {"120+ chars", 120, 1 << 30}}
	for _, set := range []string{"sentences", "word-pairs", "single-words"} {
		byBucket := make([]acc, len(buckets))
		var total acc
		for _, lang := range langIDLanguages {
			f, err := os.Open(filepath.Join(dataDir, "langid", set, lang+".txt"))
			if err != nil {
				return nil, err
			}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				line := strings.TrimSpace(sc.Text())
				if line == "" {
					continue
				}
				got, _ := extract.DetectLanguage(line)
				ok := 0
				if got == lang {
					ok = 1
				}
				total.ok += ok
				total.n++
				for i, b := range buckets {
					if len(line) >= b.lo && len(line) < b.hi {
						byBucket[i].ok += ok
						byBucket[i].n++
					}
				}
			}
			f.Close()
		}
		anchor := "lingua README: sentences ~96% (75 languages)"
		if set != "sentences" {
			anchor = map[string]string{"word-pairs": "lingua README: word pairs ~89%", "single-words": "lingua README: single words ~74%"}[set]
		}
		t.Rows = append(t.Rows, Row{fmt.Sprintf("accuracy, %s, 10 languages (n=%d)", set, total.n), pct(float64(total.ok) / float64(total.n)), anchor})
		if set == "sentences" {
			for i, b := range buckets {
				if byBucket[i].n > 0 {
					t.Rows = append(t.Rows, Row{fmt.Sprintf("  sentences %s (n=%d)", b.name, byBucket[i].n), pct(float64(byBucket[i].ok) / float64(byBucket[i].n)), "target >= 97%"})
				}
			}
		}
	}
	return t, nil
}
