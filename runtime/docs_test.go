package runtime_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/doctales/doctales/runtime"
)

var update = flag.Bool("update", false, "rewrite the generated table in docs/aws.md")

const (
	docsPath   = "../docs/aws.md"
	tableBegin = "<!-- BEGIN semantics table"
	tableEnd   = "<!-- END semantics table -->"
)

// TestSemanticsTableInDocs fails when the "local vs AWS" table of
// docs/aws.md is not runtime.SemanticsMarkdown(), the table built from the
// constants; `go generate ./runtime/` (go test -run
// TestSemanticsTableInDocs -update) rewrites it.
func TestSemanticsTableInDocs(t *testing.T) {
	b, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, tableBegin)
	j := strings.Index(doc, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q … %q section", docsPath, tableBegin, tableEnd)
	}
	i += strings.Index(doc[i:], "\n") + 1 // after the BEGIN line
	want := runtime.SemanticsMarkdown()
	if doc[i:j] == want {
		return
	}
	if *update {
		if err := os.WriteFile(docsPath, []byte(doc[:i]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the local vs AWS table in %s differs from the code's constants; run go generate ./runtime/\ndoc:\n%s\ncode:\n%s", docsPath, doc[i:j], want)
}
