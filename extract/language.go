package extract

import (
	"math"
	"strings"
	"unicode"

	"github.com/abadojack/whatlanggo"
)

// Language detection limits.
const (
	// minLanguageLetters is the fewest letters from which a language is
	// named; below it the language is "und".
	minLanguageLetters = 3

	// maxLanguageBytes is how much text the trigram detector reads: more
	// does not change its answer on e-mail, and it costs linear time.
	maxLanguageBytes = 512
)

// Undetermined is the language code of text too short or too mixed to tell.
const Undetermined = "und"

// DetectLanguage returns the dominant language of text as an ISO 639-1
// code (ISO 639-3 where a language has no two-letter code) with the
// detector's confidence, or Undetermined and 0. It is safe for concurrent
// use.
func DetectLanguage(text string) (string, float64) {
	text = cut(text, maxLanguageBytes)
	letters := 0
	for _, r := range text {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	if letters < minLanguageLetters {
		return Undetermined, 0
	}
	info := whatlanggo.DetectWithOptions(text, whatlanggo.Options{Whitelist: commonLanguages})
	if info.Lang < 0 || info.Script == nil {
		return Undetermined, 0
	}
	code := info.Lang.Iso6391()
	if code == "" {
		code = info.Lang.Iso6393()
	}
	if code == "" {
		return Undetermined, 0
	}
	conf := info.Confidence

	// Function words overrule the trigram guess when they clearly point
	// elsewhere: a sentence has several of them, a trigram profile of a
	// close language can win on a short text.
	if best, hits, n := functionWordVote(text); best != "" && best != code && hits >= 1 && hits > functionWordHits(text, code) {
		code = best
		conf = math.Min(1, float64(hits)/float64(n)*2)
	}
	if c := letterEvidence(text, code); c != "" && c != code {
		code = c
	}
	return code, math.Round(conf*1000) / 1000
}

// letterEvidence returns the language that letters unique to it prove, when
// the trigram guess is a language those letters rule out; "" otherwise.
func letterEvidence(text, guess string) string {
	has := func(set string) bool { return strings.ContainsAny(text, set) }
	switch {
	case has("ыэё") && guess != "be":
		return "ru"
	case has("іїєґ") && guess != "be":
		return "uk"
	case has("ђћљњџј"):
		return "sr"
	case has("łąęśźżń"):
		return "pl"
	case has("ãõ"):
		return "pt"
	case has("ñ¿¡") && guess != "gl" && guess != "ca":
		return "es"
	case has("ß"):
		return "de"
	case has("å") && has("äö") && guess != "fi":
		return "sv"
	case has("æø") && guess != "da" && guess != "no" && guess != "nb" && guess != "nn":
		return "da"
	case has("œ"):
		return "fr"
	}
	// A Cyrillic text without Bulgarian or Serbian letters is more likely
	// Russian than Bulgarian or Serbian.
	if (guess == "bg" && !has("ъщ")) || guess == "sr" {
		return "ru"
	}
	return ""
}

// functionWordLangs lists the languages of functionWords in a fixed order,
// so that ties break the same way every time.
var functionWordLangs = []string{"en", "es", "fr", "de", "it", "pt", "nl", "sv", "da", "no", "fi", "pl", "cs", "ro", "tr", "ru", "uk", "bg", "id", "hu"}

// functionWordVote returns the language whose function words occur most
// often in text, their count and the number of words; "" on a tie.
func functionWordVote(text string) (string, int, int) {
	ws := words(text)
	best, bestN, tie := "", 0, false
	for _, lang := range functionWordLangs {
		set := functionWordSets[lang]
		n := 0
		for _, w := range ws {
			if set[w] {
				n++
			}
		}
		switch {
		case n > bestN:
			best, bestN, tie = lang, n, false
		case n == bestN && n > 0:
			tie = true
		}
	}
	if tie {
		return "", 0, len(ws)
	}
	return best, bestN, len(ws)
}

func functionWordHits(text, lang string) int {
	set := functionWordSets[lang]
	n := 0
	for _, w := range words(text) {
		if set[w] {
			n++
		}
	}
	return n
}

// commonLanguages are the languages the trigram detector may answer: the
// widely written languages of its 84. Rare languages whose profiles match
// short European text by chance (Ilocano, Kinyarwanda, Shona, Zulu) are left
// out, which costs nothing on mail and removes most wrong answers.
var commonLanguages = func() map[whatlanggo.Lang]bool {
	m := map[whatlanggo.Lang]bool{}
	for _, c := range strings.Fields("eng spa fra deu ita por nld swe dan nob fin pol ces hun ron rus ukr bul bel ell tur arb heb pes urd hin ben mar tam tel guj pan cmn jpn kor vie ind tha tgl hrv srp slv lit lav est afr epo azj kat hye uzb kaz") {
		if l := whatlanggo.CodeToLang(c); l >= 0 {
			m[l] = true
		}
	}
	return m
}()
