package extract

import (
	"math"
	"sort"
	"strings"
	"unicode"

	"github.com/doctales/doctales"
	"github.com/jdkato/prose/v3/token"
)

// DefaultMaxKeyPhrases is how many key phrases a communication gets.
const DefaultMaxKeyPhrases = 10

// maxPhraseWords bounds a key phrase's length in words.
const maxPhraseWords = 5

// stopwords break noun-phrase candidates; they are also never a phrase.
var stopwords = wordSet(`a about above after again against all also am an and any are as at be because been before being below between both but by can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she should so some such than that the their theirs them themselves then there these they this those through to too under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves re fwd fw hi hello thanks thank regards best please dear etc eg ie via per yes ok one two three lot lots thing things way ways something anything everything nothing someone anyone everyone time times today tomorrow yesterday week weeks day days year years month months use used using new paper approach method results result problem work based several various many much different given`)

// phraseCand is a candidate phrase occurrence.
type phraseCand struct {
	key   string // lower-case words joined by spaces
	words []string
	b, e  int
	index int // occurrence order
}

// KeyPhrases returns up to n key phrases of text, best first: noun-phrase
// chunks from part-of-speech tags, scored RAKE-style (word degree over
// frequency) with the phrase's frequency and an early-position bonus.
// Offsets are those of each phrase's first occurrence. It reads at most
// 16 KiB of text and is safe for concurrent use.
func KeyPhrases(text string, n int) []doctales.KeyPhrase {
	text = cut(sanitize(text), maxTagBytes)
	return keyPhrasesFromTokens(text, tagged(text), n)
}

func keyPhrasesFromTokens(text string, toks []token.Token, n int) []doctales.KeyPhrase {
	if n <= 0 {
		n = DefaultMaxKeyPhrases
	}
	cands := phraseCandidates(text, toks)
	if len(cands) == 0 {
		return []doctales.KeyPhrase{}
	}

	// Word statistics over the candidates: frequency and degree.
	freq := map[string]float64{}
	deg := map[string]float64{}
	for _, c := range cands {
		for _, w := range c.words {
			freq[w]++
			deg[w] += float64(len(c.words))
		}
	}
	type agg struct {
		first phraseCand
		tf    float64
	}
	phrases := map[string]*agg{}
	var order []string
	for _, c := range cands {
		if a, ok := phrases[c.key]; ok {
			a.tf++
			continue
		}
		phrases[c.key] = &agg{first: c, tf: 1}
		order = append(order, c.key)
	}
	total := float64(len(cands))
	type scored struct {
		key   string
		score float64
	}
	var ss []scored
	for _, k := range order {
		a := phrases[k]
		ws := 0.0
		for _, w := range a.first.words {
			ws += deg[w] / freq[w] * (1 + 0.5*math.Log(freq[w]))
		}
		pos := 1 + 1/(1+float64(a.first.index)/total*10)
		ss = append(ss, scored{k, ws * (1 + math.Log(a.tf)) * pos})
	}
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].score > ss[j].score })
	if len(ss) > n {
		ss = ss[:n]
	}
	out := make([]doctales.KeyPhrase, 0, len(ss))
	top := ss[0].score
	for _, s := range ss {
		a := phrases[s.key]
		out = append(out, doctales.KeyPhrase{Text: text[a.first.b:a.first.e], Score: round3(s.score / top), BeginOffset: a.first.b, EndOffset: a.first.e})
	}
	return out
}

// phraseCandidates returns the noun-phrase chunks: adjectives, nouns and
// participles ending in a noun, without stopwords, at most maxPhraseWords.
func phraseCandidates(text string, toks []token.Token) []phraseCand {
	var out []phraseCand
	isWord := func(t token.Token) bool {
		for _, r := range t.Text {
			if unicode.IsLetter(r) {
				return true
			}
		}
		return false
	}
	ok := func(t token.Token) bool {
		if !isWord(t) || stopwords[strings.ToLower(t.Text)] || strings.ContainsAny(t.Text, "@/:=<>") || len(t.Text) > 40 {
			return false
		}
		switch t.Tag {
		case "NN", "NNS", "NNP", "NNPS", "JJ", "JJR", "JJS", "VBG", "VBN", "FW":
			return true
		}
		return false
	}
	isNoun := func(t token.Token) bool {
		return strings.HasPrefix(t.Tag, "NN") || t.Tag == "FW" || t.Tag == "VBG"
	}
	for i := 0; i < len(toks); {
		if !ok(toks[i]) {
			i++
			continue
		}
		j := i
		for j < len(toks) && ok(toks[j]) {
			// A line break ends a phrase.
			if j > i && strings.ContainsRune(text[toks[j-1].End():toks[j].Start], '\n') {
				break
			}
			j++
		}
		// End on a noun; drop trailing adjectives and participles.
		e := j
		for e > i && !isNoun(toks[e-1]) {
			e--
		}
		// Drop leading participles ("using", "based").
		s := i
		for s < e && (toks[s].Tag == "VBG" || toks[s].Tag == "VBN") {
			s++
		}
		for s < e {
			end := e
			if end-s > maxPhraseWords {
				end = s + maxPhraseWords
			}
			ws := make([]string, 0, end-s)
			for k := s; k < end; k++ {
				ws = append(ws, strings.ToLower(toks[k].Text))
			}
			if !(len(ws) == 1 && len(ws[0]) < 3) {
				out = append(out, phraseCand{key: strings.Join(ws, " "), words: ws, b: toks[s].Start, e: toks[end-1].End(), index: len(out)})
			}
			s = end
		}
		if j == i {
			j++
		}
		i = j
	}
	return out
}
