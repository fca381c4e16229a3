package extract

import (
	"math"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/doctales/doctales"
	"github.com/jdkato/prose/v3/token"
)

// DefaultMaxKeyPhrases is how many key phrases a communication gets.
const DefaultMaxKeyPhrases = 10

// maxPhraseWords bounds a key phrase's length in words: what a person
// writes down is short. A longer noun chunk keeps its last words, where
// English puts the head ("annual customer satisfaction survey" gives
// "customer satisfaction survey").
const maxPhraseWords = 3

// timeWords are never part of a key phrase: days and parts of the day
// date a message but do not name its topic.
var timeWords = sync.OnceValue(func() map[string]bool {
	return wordSet(`monday mondays tuesday wednesday thursday friday saturday sunday morning afternoon evening night tonight noon midnight weekend mon tue tues wed thu thur thurs fri sat sun am pm`)
})

// loneWords are not a key phrase on their own, though they may start or
// end one: how a mail addresses people and refers to itself.
var loneWords = sync.OnceValue(func() map[string]bool {
	return wordSet(`team colleagues members member everyone all customer customers passenger employees staff company look order company manager director office department desk email mail message note`)
})

// genericLead are modifiers dropped from the start of a phrase ("whole
// Lyon office", "updated price list").
var genericLead = sync.OnceValue(func() map[string]bool {
	return wordSet(`whole entire updated longer last next nearest following previous latest recent further additional usual same other`)
})

// stopwords break noun-phrase candidates; they are also never a phrase.
var stopwords = sync.OnceValue(func() map[string]bool {
	return wordSet(`a about above after again against all also am an and any are as at be because been before being below between both but by can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she should so some such than that the their theirs them themselves then there these they this those through to too under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves re fwd fw hi hello thanks thank regards best please dear etc eg ie via per yes ok one two three lot lots thing things way ways something anything everything nothing someone anyone everyone time times today tomorrow yesterday week weeks day days year years month months use used using new paper approach method results result problem work based several various many much different given`)
})

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
	return mailKeyPhrases("", text, toks, n)
}

// mailKeyPhrases is keyPhrasesFromTokens for a message with a subject: a
// phrase that shares a word with the subject ranks higher, since the
// subject names the topic.
func mailKeyPhrases(subject, text string, toks []token.Token, n int) []doctales.KeyPhrase {
	if n <= 0 {
		n = DefaultMaxKeyPhrases
	}
	cands := phraseCandidates(text, toks)
	if len(cands) == 0 {
		return []doctales.KeyPhrase{}
	}
	subj := map[string]bool{}
	for _, w := range words(subject) {
		if !stopwords()[w] && !loneWords()[w] {
			subj[w] = true
		}
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
			ws += deg[w] / freq[w] * (1 + 0.2*math.Log(freq[w]))
		}
		// Weights chosen on Inspec's tune split (2026-12-05): a
		// frequent word counts less, an early phrase more, repetition
		// less than before (F1@10 tune .298 -> .302, hold-out .300 ->
		// .303; own mail set hold-out unchanged).
		pos := 1 + 2/(1+float64(a.first.index)/total*10)
		sc := ws * (1 + 0.5*math.Log(a.tf)) * pos
		if len(subj) > 0 {
			shared := 0
			for _, w := range a.first.words {
				if subj[w] {
					shared++
				}
			}
			sc *= 1 + subjectBonus*float64(shared)/float64(len(a.first.words))
		}
		ss = append(ss, scored{k, sc})
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

// subjectBonus is the score factor added for a phrase whose words are all
// in the subject.
const subjectBonus = 1.0

// phraseCandidates returns the noun-phrase chunks: adjectives, nouns and
// participles ending in a noun, without stopwords(), at most maxPhraseWords.
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
	frame := mailFrame(text)
	ok := func(t token.Token) bool {
		if t.Start < frame.start || t.Start >= frame.end {
			return false
		}
		lw := strings.ToLower(t.Text)
		if !isWord(t) || stopwords()[lw] || timeWords()[lw] || strings.ContainsAny(t.Text, "@/:=<>") || len(t.Text) > 40 {
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
		// Drop leading participles ("using", "based") and generic modifiers.
		s := i
		for s < e && (toks[s].Tag == "VBG" || toks[s].Tag == "VBN" || genericLead()[strings.ToLower(toks[s].Text)]) {
			s++
		}
		// A long chunk keeps its head-final part first.
		for s < e {
			end := e
			if end-s > maxPhraseWords {
				// Only the head-final part of a long chunk.
				s = end - maxPhraseWords
			}
			ws := make([]string, 0, end-s)
			for k := s; k < end; k++ {
				ws = append(ws, strings.ToLower(toks[k].Text))
			}
			if !(len(ws) == 1 && (len(ws[0]) < 3 || loneWords()[ws[0]])) {
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

// mailFrame returns the part of text between a greeting line ("Hi all,")
// and a sign-off block (the short lines after the last sentence), where a
// mail says what it is about. Text without them is returned whole.
func mailFrame(text string) (f struct{ start, end int }) {
	f.end = len(text)
	// A greeting: a first line of at most 5 words ending in a comma, or
	// starting with a greeting word.
	first := text
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		first = text[:i]
		if t := strings.TrimSpace(first); (strings.HasSuffix(t, ",") && len(strings.Fields(t)) <= 5) || greetingLine(t) {
			f.start = i + 1
		}
	}
	// A sign-off: trailing lines of at most 4 words without sentence
	// punctuation, after a line that ends a sentence.
	end := strings.TrimRight(text, " \t\r\n")
	for {
		i := strings.LastIndexByte(end, '\n')
		if i < f.start {
			break
		}
		line := strings.TrimSpace(end[i+1:])
		if line != "" && (len(strings.Fields(line)) > 4 || strings.ContainsAny(line[len(line)-1:], ".?!:;")) {
			break
		}
		end = end[:i]
		f.end = i
	}
	if f.end <= f.start {
		f.start, f.end = 0, len(text)
	}
	return f
}

func greetingLine(l string) bool {
	ws := words(l)
	if len(ws) == 0 || len(ws) > 5 {
		return false
	}
	switch ws[0] {
	case "hi", "hello", "dear", "hey", "greetings":
		return true
	}
	return false
}
