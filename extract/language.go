package extract

import (
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
	"github.com/doctales/doctales/extract/internal/fastre"
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
	// Links, addresses, @mentions and hashtags are not in any language (a
	// bare link reads as Polish to the trigram profiles).
	text = cut(text, 4*maxLanguageBytes)
	if strings.ContainsAny(text, "@#/") {
		text = languageNoise.ReplaceAllString(text, " ")
	}
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
	info := whatlanggo.DetectWithOptions(text, whatlanggo.Options{Whitelist: commonLanguages()})
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
	if code == "nb" {
		// Bokmål is reported as Norwegian ("no"), the code the function
		// words below vote with and the labels use.
		code = "no"
	}
	conf := info.Confidence
	// A short Latin-script text that the trigram profiles barely tell
	// apart is far more likely in a widely written language than in one of
	// the rarer languages whose profile happens to match a few words.
	// (When the guess is itself widely written, the narrower detection
	// would answer the same, so it is skipped.)
	if conf < lowLanguageConfidence && len(text) < maxRetryBytes && info.Script == unicode.Latin && !widelyWritten()[info.Lang] {
		if l := whatlanggo.DetectLangWithOptions(text, whatlanggo.Options{Whitelist: widelyWritten()}); l >= 0 && l != info.Lang {
			if c := l.Iso6391(); c != "" {
				code = c
			}
		}
	}

	// Function words and distinctive letters overrule the trigram guess
	// when they clearly point elsewhere: a sentence has several function
	// words, and a trigram profile of a close language can win on a short
	// text. Each word or letter counts 1/√k for each of the k languages
	// that have it, so words shared by several languages weigh less; on a
	// near tie the trigram guess decides between its kin and the others.
	scores, n := languageScores(text)
	if best, second := topTwo(&scores); best >= 0 {
		b := voteLangs[best]
		own := 0.0
		if i, ok := voteIndex()[code]; ok {
			own = scores[i]
		}
		// On a near tie, the trigram guess picks its own kin: Dutch over
		// Hungarian when the guess is Afrikaans.
		other := second
		if second >= 0 && scores[best]-scores[second] < minVoteLead && kin(voteLangs[second], code) && !kin(b, code) {
			best, other = second, best
			b = voteLangs[best]
		}
		lead := other < 0 || scores[best]-scores[other] >= minVoteLead || kin(b, code) && !kin(voteLangs[other], code)
		if b != code && lead && scores[best]-own >= minVoteMargin {
			code = b
			conf = math.Min(1, scores[best]/float64(n)*2)
		} else if b == code {
			// The function words and letters agree with the trigram
			// guess: a short text the trigram profiles barely tell apart
			// is more certain than their score says, by how far the
			// words lead the next language.
			margin := scores[best]
			if second >= 0 {
				margin -= scores[second]
			}
			if margin >= minVoteMargin {
				conf = math.Max(conf, math.Min(1, 0.5+margin/4))
			}
		}
	}
	if c := letterEvidence(text, code); c != "" && c != code {
		code = c
	}
	return code, math.Round(conf*1000) / 1000
}

// languageNoise are the parts of a text that are in no language: links,
// e-mail addresses, @mentions and #hashtags.
var languageNoise = fastre.MustCompile(`(?i)\b(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[@#][\p{L}\p{N}_]+`)

// letterEvidence returns the language that letters unique to it prove, when
// the trigram guess is a language those letters rule out; "" otherwise.
func letterEvidence(text, guess string) string {
	// In a longer text one word with the letters is a name ("Poznań" in
	// a German message, blind-91, 4057 was read as Polish): they prove
	// the language only in two words or more.
	long := utf8.RuneCountInString(text) >= 120
	has := func(set string) bool {
		if !long {
			return strings.ContainsAny(text, set)
		}
		n := 0
		for _, w := range strings.Fields(text) {
			if strings.ContainsAny(w, set) {
				if n++; n >= 2 {
					return true
				}
			}
		}
		return false
	}
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
	// A Cyrillic text without the letters that set another Cyrillic
	// language apart from Russian is more likely Russian.
	if own, ok := cyrillicLetters[guess]; ok && !has(own) && strings.IndexFunc(text, isCyrillic) >= 0 {
		return "ru"
	}
	if guess == "sr" {
		return "ru"
	}
	// Swedish writes ä and ö where Danish and Norwegian write æ and ø, ck
	// where they write kk, and plurals in -ar and -or where they write -er.
	if (guess == "da" || guess == "no" || guess == "nb") && !has("æøÆØ") && swedishSpelling(text) {
		return "sv"
	}
	return ""
}

// swedishSpelling reports whether text has a Swedish spelling and no Danish
// or Norwegian one.
func swedishSpelling(text string) bool {
	sv := strings.ContainsAny(text, "äöÄÖ")
	for _, w := range words(text) {
		switch {
		case strings.Contains(w, "kk") || strings.HasPrefix(w, "hv") || strings.HasSuffix(w, "sjon"):
			return false
		case strings.Contains(w, "ck"),
			len(w) >= 6 && (strings.HasSuffix(w, "ar") || strings.HasSuffix(w, "or")):
			sv = true
		}
	}
	return sv
}

func isCyrillic(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }

// cyrillicLetters are, for Cyrillic languages the trigram detector confuses
// with Russian on short text, letters they write and Russian does not
// (Bulgarian: ъ and щ are far more frequent than in Russian).
var cyrillicLetters = map[string]string{
	"uk": "іїєґІЇЄҐ'’",
	"be": "іўІЎ'’",
	"bg": "ъщЪЩ",
	"kk": "әғқңөұүһіӘҒҚҢӨҰҮҺІ",
	"az": "әғҝөүҹјһӘҒҜӨҮҸЈҺ",
	"uz": "ўқғҳЎҚҒҲ",
	"mk": "ѓќѕјљњџЃЌЅЈЉЊЏ",
}

// minVoteMargin is how far the best language's function-word and letter
// score must lead both the next language and the trigram guess to overrule
// the guess.
const minVoteMargin = 0.5

// minVoteLead is how far the best language must lead the next one.
const minVoteLead = 0.25

// voteLangs are the languages of the function-word and letter vote, in a
// fixed order so that ties break the same way every time.
var voteLangs = []string{"en", "es", "fr", "de", "it", "pt", "nl", "sv", "da", "no", "fi", "pl", "cs", "ro", "tr", "ru", "uk", "bg", "id", "hu", "af"}

const numVoteLangs = 21

var voteIndex = sync.OnceValue(func() map[string]int {
	m := make(map[string]int, len(voteLangs))
	for i, l := range voteLangs {
		m[l] = i
	}
	m["nb"], m["nn"] = m["no"], m["no"]
	return m
})

// moreFunctionWords add, for language identification only, frequent short
// words (articles, pronouns, prepositions, auxiliaries, elided forms) to
// functionWords, chosen for telling close languages apart.
var moreFunctionWords = map[string]string{
	"en": "i you we me us our it's i'm don't isn't can't won't doesn't didn't there's an or not just very get got any here thanks please been into than its",
	"es": "los las del una unos unas al lo mis tus sus es son está están esta esto estos estas eso ese hay muy ya te tu mi también aquí ahora nada bien solo sólo sino aunque donde cuando alguna algunos algo creo fue era han has he hemos sea sean haya otros otras otra y ¿qué cómo hoy",
	"pt": "um uma uns umas em ao aos pelos pelas você vocês isso isto aqui agora muito muitos muita onde já alguma alguns outros outras outra eu nós seu sua também não é às são estão foram tem têm tinha hoje até",
	"fr": "l' d' qu' j' n' s' c' m' t' jusqu' lorsqu' est sont était a ont ai avons avez y ne pas très mais ou où donc quand comme chez vers dont cette au aux des du je tu on nous vous",
	"de": "ich du er wir ihr sie mir mich dich uns euch ein einen dem den der im am zum zur vom beim ist sind war hat habe haben wird nicht kein keine auch noch schon nur sehr aber oder wenn weil dass hier jetzt man mal gibt",
	"it": "l' dell' all' nell' sull' dall' un' c' quest' il lo gli della dello degli delle dei del nel nello nei negli al allo ai agli sul sulla sui è sono ha hanno ho non anche più ma però poi come cosa molto questo questa quello quella ci c'è",
	"nl": "de het een niet geen zijn is was wordt werd ook nog nu al naar van voor met bij uit over tot dat die deze dit wat wie hoe ik je jij u wij we ze zij hun zelf telt werden",
	"sv": "och är inte jag det att av för från till med också hade ska skulle sedan efter nu inga inget någon några ni alla vid mycket bara kanske mig dig sig hos",
	"da": "og er ikke jeg det at af for fra til med også havde skal skulle efter nu alle ingen nogen meget bare mig dig hos",
	"no": "og er ikke jeg det å av for fra til med også hadde skal skulle etter nå alle ingen noen mye bare meg deg hos",
	"pl": "ale tyle jakie jaki jaka pod przy przed mnie mi ci jest są nie się że to na w z do od po przez dla jak tak ale czy już może tylko bardzo jego jej ich tego tym tej ten ta te",
	"ru": "и в не на что он она они с как а то все это так его но да ты к у же вы за бы по только мне было вот от меня еще нет о из когда уже или если там где",
	"af": "die nie 'n vir ek jy hy sy ons julle hulle is van en het in op om te met wat sal kan was word deur ook maar as of dat hierdie baie",
}

// voteWords maps each function word to the bit set of voteLangs that have
// it.
var voteWords = sync.OnceValue(func() map[string]uint32 {
	m := map[string]uint32{}
	for i, lang := range voteLangs {
		for w := range functionWordSets()[lang] {
			m[w] |= 1 << i
		}
		for _, w := range strings.Fields(moreFunctionWords[lang]) {
			m[w] |= 1 << i
		}
	}
	return m
})

// voteLetters are letters that only some of voteLangs write, and the
// languages that write them.
var voteLetters = sync.OnceValue(func() map[rune]uint32 {
	m := map[rune]uint32{}
	for lang, letters := range map[string]string{
		"de": "äöüß", "sv": "äöå", "da": "æøå", "no": "æøå", "fi": "äö",
		"es": "ñáéíóú¿¡", "pt": "ãõçáéíóúâêôà", "fr": "éèêëàâçîïôûùœ", "it": "àèéìòù",
		"pl": "ąćęłńóśźż", "cs": "áčďéěíňóřšťúůýž", "ro": "ăâîșşțţ", "tr": "çğışöü",
		"hu": "áéíóöőúüű", "nl": "ëï", "af": "êëôû",
	} {
		i := voteIndex()[lang]
		for _, r := range letters {
			m[r] |= 1 << i
		}
	}
	return m
})

// letterWeight is how much a distinctive letter counts against a function
// word: letters are fewer and also come with loan words and names.
const letterWeight = 0.5

// languageScores returns the function-word and letter score of each of
// voteLangs in text, and its number of words.
func languageScores(text string) ([numVoteLangs]float64, int) {
	var scores [numVoteLangs]float64
	add := func(set uint32, weight float64) {
		w := weight / math.Sqrt(float64(bits.OnesCount32(set)))
		for set != 0 {
			i := bits.TrailingZeros32(set)
			scores[i] += w
			set &^= 1 << i
		}
	}
	ws := words(text)
	for _, w := range ws {
		if set, ok := voteWords()[w]; ok {
			add(set, 1)
		}
		if i := strings.IndexAny(w, "'’"); i > 0 && i < len(w)-1 {
			if set, ok := voteWords()[strings.ReplaceAll(w[:i+1], "’", "'")]; ok {
				add(set, 1)
			}
		}
	}
	var seen []rune
	for _, r := range text {
		if r < 0xbf {
			continue
		}
		r = unicode.ToLower(r)
		if set, ok := voteLetters()[r]; ok && !slices.Contains(seen, r) {
			seen = append(seen, r)
			add(set, letterWeight)
		}
	}
	return scores, len(ws)
}

// topTwo returns the indexes of the best and second-best scores; -1 when
// no language scores.
func topTwo(scores *[numVoteLangs]float64) (int, int) {
	best, second := -1, -1
	for i, s := range scores {
		switch {
		case s <= 0:
		case best < 0 || s > scores[best]:
			best, second = i, best
		case second < 0 || s > scores[second]:
			second = i
		}
	}
	return best, second
}

// languageKin are groups of languages that trigram profiles confuse on
// short text.
var languageKin = map[string]int{
	"nl": 1, "af": 1, "de": 1, "en": 1,
	"es": 2, "pt": 2, "it": 2, "fr": 2, "ro": 2, "gl": 2, "ca": 2, "tl": 2,
	"sv": 3, "da": 3, "no": 3, "nb": 3, "nn": 3,
	"ru": 4, "uk": 4, "be": 4, "bg": 4, "sr": 4, "mk": 4, "kk": 4, "az": 4, "uz": 4,
	"pl": 5, "cs": 5, "sk": 5, "hr": 5, "sl": 5,
}

// kin reports whether languages a and b are in one group of languageKin.
func kin(a, b string) bool {
	g, ok := languageKin[a]
	return ok && g == languageKin[b]
}

// lowLanguageConfidence is the trigram confidence below which a Latin-script
// text is detected again among widelyWritten languages only.
const lowLanguageConfidence = 0.5

// maxRetryBytes bounds the text detected again, so that the second pass
// stays cheap: longer text is rarely below lowLanguageConfidence.
const maxRetryBytes = 160

// widelyWritten are the Latin-script languages with the most written text
// on the web and in European mail.
var widelyWritten = sync.OnceValue(func() map[whatlanggo.Lang]bool {
	m := map[whatlanggo.Lang]bool{}
	for _, c := range strings.Fields("eng spa fra deu ita por nld swe dan nob fin pol ces hun tur") {
		if l := whatlanggo.CodeToLang(c); l >= 0 {
			m[l] = true
		}
	}
	return m
})

// commonLanguages are the languages the trigram detector may answer: the
// widely written languages of its 84. Rare languages whose profiles match
// short European text by chance (Ilocano, Kinyarwanda, Shona, Zulu) are left
// out, which costs nothing on mail and removes most wrong answers.
var commonLanguages = sync.OnceValue(func() map[whatlanggo.Lang]bool {
	m := map[whatlanggo.Lang]bool{}
	for _, c := range strings.Fields("eng spa fra deu ita por nld swe dan nob fin pol ces hun ron rus ukr bul bel ell tur arb heb pes urd hin ben mar tam tel guj pan cmn jpn kor vie ind tha tgl hrv srp slv lit lav est afr epo azj kat hye uzb kaz") {
		if l := whatlanggo.CodeToLang(c); l >= 0 {
			m[l] = true
		}
	}
	return m
})
