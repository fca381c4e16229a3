package extract

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/doctales/doctales/extract/internal/fastre"
)

// TestGatedPatternsAgreeOnMail runs every gated pattern of the engine over real mail (the
// repository's labelled set, and ../shared/data/mail where present), as
// written and lower-cased, and asserts the same matches as package regexp.
func TestGatedPatternsAgreeOnMail(t *testing.T) {
	files, _ := filepath.Glob("testdata/urgency/*.eml")
	if len(files) < 100 {
		t.Fatalf("labelled set missing: %d files in testdata/urgency", len(files))
	}
	shared, _ := filepath.Glob("../../shared/data/mail/*/*")
	for i := 0; i < len(shared); i += max(1, len(shared)/80) {
		files = append(files, shared[i]) // a sample across the folders
	}
	all := fastre.Compiled()
	if len(all) < 40 {
		t.Fatalf("only %d gated patterns; the engine's cue patterns should be", len(all))
	}
	for _, re := range all {
		name := re.String()
		std := re.Std()
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{string(b), lowerASCII(string(b))} {
				want := fmt.Sprint(std.FindAllStringIndex(s, -1))
				if got := fmt.Sprint(re.FindAllStringIndex(s, -1)); got != want {
					t.Fatalf("%s on %s: %s, regexp gives %s", name, f, got, want)
				}
			}
		}
	}
}
