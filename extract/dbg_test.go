package extract

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestDbgNER(t *testing.T) {
	b, _ := os.ReadFile("/work/shared/data/ner/emerging.dev.conll")
	n := 0
	for _, sent := range strings.Split(string(b), "\n\n") {
		var toks []string
		for _, l := range strings.Split(sent, "\n") {
			if p := strings.Split(l, "\t"); len(p) == 2 {
				toks = append(toks, p[0])
			}
		}
		text := strings.Join(toks, " ")
		es := findEntities(entityInput{text: text, replyFrom: len(text), maxNER: 120})
		for _, e := range es {
			if e.Type == os.Getenv("T") && n < 60 {
				n++
				fmt.Printf("%.2f %q | %.80s\n", e.Score, e.Text, text)
			}
		}
	}
}
