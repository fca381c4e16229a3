package extract

import (
	_ "embed"
	"strings"
	"sync"

	"github.com/jdkato/prose/v3/ner"
	"github.com/jdkato/prose/v3/tag"
	"github.com/jdkato/prose/v3/token"
	"github.com/jdkato/prose/v3/tokenize"
)

// The models of prose: loaded once per process, shared, and safe for
// concurrent use (each keeps a pool of per-call scratch space).
var (
	tokenizer = sync.OnceValue(func() *tokenize.Tokenizer { return tokenize.New() })
	tagger    = sync.OnceValue(func() *tag.Tagger {
		t, err := tag.New()
		if err != nil {
			panic("extract: prose tagger model: " + err.Error())
		}
		return t
	})
	extracter = sync.OnceValue(func() *ner.Extracter {
		x, err := ner.New()
		if err != nil {
			panic("extract: prose entity model: " + err.Error())
		}
		return x
	})
)

// tagged returns the tokens of text with part-of-speech tags; offsets are
// byte offsets into text.
func tagged(text string) []token.Token {
	toks := tokenizer().Tokenize(text)
	tagger().TagTokens(toks)
	return toks
}

// Word lists shipped with the package (extract/data).
var (
	//go:embed data/places.txt
	placesTxt string
	//go:embed data/firstnames.txt
	firstNamesTxt string
	//go:embed data/orgs.txt
	orgsTxt string

	places     = sync.OnceValue(func() map[string]bool { return lineSet(placesTxt) })
	firstNames = sync.OnceValue(func() map[string]bool { return wordSet(firstNamesTxt) })
	knownOrgs  = sync.OnceValue(func() map[string]bool { return wordSet(orgsTxt) })
)

// The package's word sets (made by lineSet and wordSet) and the tables built
// from them are package variables made by sync.OnceValue, built on first
// use: built at init they allocated 740 KB before main of every command
// (serve's start included), enough with the others' to make the runtime
// collect during initialisation (issue 15).

// lineSet reads one entry a line, skipping blank lines and # comments.
func lineSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[l] = true
		}
	}
	return m
}

// wordSet reads whitespace-separated entries, skipping # comment lines.
func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		for _, w := range strings.Fields(l) {
			m[w] = true
		}
	}
	return m
}
