package extract

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	dps "github.com/markusmobius/go-dateparser"
)

// TestDateParserWithoutCustomFormat asserts that dateParser, which leaves
// out go-dateparser's CustomFormat parser for speed, finds what the
// library's default parser finds, on the date windows of the labelled mail
// (in English, and read as Spanish-and-English for every fifth window). A
// library upgrade that gave CustomFormat work to do without layouts would
// fail here.
func TestDateParserWithoutCustomFormat(t *testing.T) {
	files, _ := filepath.Glob("testdata/urgency/*.eml")
	if len(files) < 100 {
		t.Fatalf("labelled set missing: %d files in testdata/urgency", len(files))
	}
	ours, stock := dateParser(), &dps.Parser{}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseMail(b)
		if err != nil {
			continue
		}
		for _, s := range splitSentences(cut(sanitize(c.Content), 4096)) {
			if !dateTrigger.MatchString(s.text) {
				continue
			}
			for _, w := range triggerWindows(s, nil) {
				dc := dateContext{ref: c.Timestamp}
				if n%5 == 4 {
					dc.lang = "es"
				}
				cfg := cfgFor(dc)
				got, gotErr := safeSearch(ours, cfg, w.text)
				want, wantErr := safeSearch(stock, cfgFor(dc), w.text)
				if fmt.Sprint(got, gotErr) != fmt.Sprint(want, wantErr) {
					t.Fatalf("%s: %q read as %v (%v), the default parser reads %v (%v)", f, w.text, got, gotErr, want, wantErr)
				}
				if n++; n >= 300 {
					return
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d date windows in the labelled set", n)
	}
}
