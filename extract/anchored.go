package extract

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// offsetBefore is a span of time counted back from an event named after
// it: "the day before the board meeting on the 17th", "at least 48 hours
// before drop-off at 8am on Tuesday 22 December", "spätestens drei
// Werktage vor der Auslieferung am Fr 22.01.", "48 heures avant
// l'assemblée du jeudi 17 à 18h30". Groups: 1 the count (a number, a
// number word, or "the"), 2 an English qualifier (working, business), 3
// the unit, 4 a qualifier after it (hábiles, úteis, ouvrés, lavorativi).
var offsetBefore = lazyRE(`(?i)\b(the|a|an|one|two|three|four|five|six|seven|eight|nine|ten|uno?|una|dos|tres|cuatro|cinco|siete|ocho|diez|quince|une|deux|trois|quatre|cinq|sept|huit|dix|quinze|eine[mnr]?|ein|zwei|drei|vier|fünf|sechs|sieben|acht|zehn|vierzehn|um|uma|dois|duas|três|quatro|due|tre|quattro|cinque|sette|otto|dieci|quindici|een|één|twee|drie|vijf|zeven|tien|veertien|\d{1,3})\s+(?:(business|working)\s+)?(hours?|days?|weeks?|stunden|tage?n?|werktage?n?|wochen|heures|jours?|semaines?|horas|d[íi]as|semanas|ore|giorni|settimane|uur|werkdagen|dagen|weken)(?:\s+(h[áa]biles|laborables|[úu]teis|ouvr[ée]s|ouvrables|lavorativi))?\s+(?:before|prior to|ahead of|vor|avant|antes d(?:e|el|a|o)|prima d(?:i|el|ella|ello)|voor|vóór)(?:[^\p{L}]|$)`)

// dayBeforeEvent is "the day before" said in the other languages, and
// the working day before: "el día hábil anterior a", "do dia útil
// anterior à escritura", "la veille de", "am Vortag", "il giorno prima
// di", "de werkdag voor". Group 1 says the day is a working day.
var dayBeforeEvent = lazyRE(`(?i)(?:\b(?:el|o|do|il|de|der|am)\s+)(?:d[íi]a|giorno|dag|tag)(?:\s+(h[áa]bil|[úu]til|lavorativo|laborable))?\s+(?:anterior (?:a[lo]?|à)|antes de|prima d[ie]l?|voor|vor)(?:[^\p{L}]|$)|\bla veille d|\bam vortag\b|\bde werkdag voor\b`)

// anchoredDeadlines reads a span counted back from an event whose date
// the sentence gives just after it, and makes that event's mention the
// deadline it sets: the card is due 48 hours before the drop-off, not at
// it (blind-64: 2953, 2966, 2973, 2978, 2989). A clock just before the
// span is the deadline's ("até às 16h00 do dia útil anterior à
// escritura"). A span in a past-tense clause tells, it does not ask.
func anchoredDeadlines(found []doctales.DateMention, s span, source string, dl *dateLang) ([]doctales.DateMention, []pendingSpan) {
	var pending []pendingSpan
	var offs []offsetSpan
	if mayOffsetBefore(s.text) {
		for _, m := range offsetBefore.FindAllStringSubmatchIndex(s.text, 2) {
			word := strings.ToLower(s.text[m[2]:m[3]])
			n, ok := wordNumbers[word]
			if word == "the" {
				n, ok = 1, true
			}
			if !ok {
				n, _ = strconv.Atoi(word)
			}
			u := strings.ToLower(s.text[m[6]:m[7]])
			o := offsetSpan{b: m[0], e: m[1], n: n, unit: "day", working: m[4] >= 0 || m[8] >= 0 || strings.HasPrefix(u, "werk")}
			switch {
			case strings.HasPrefix(u, "h") || strings.HasPrefix(u, "stund") || strings.HasPrefix(u, "ore") || u == "uur":
				o.unit = "hour"
			case strings.HasPrefix(u, "week") || strings.HasPrefix(u, "woch") || strings.HasPrefix(u, "seman") || strings.HasPrefix(u, "semain") || strings.HasPrefix(u, "settiman") || strings.HasPrefix(u, "wek"):
				o.unit = "week"
			}
			if n < 1 || n > 400 || word == "the" && o.unit != "day" {
				continue
			}
			offs = append(offs, o)
		}
	}
	for _, m := range dayBeforeEvent.FindAllStringSubmatchIndex(s.text, 2) {
		l := strings.ToLower(s.text[m[0]:m[1]])
		offs = append(offs, offsetSpan{b: m[0], e: m[1], n: 1, unit: "day", working: m[2] >= 0 || strings.Contains(l, "werkdag")})
	}
	for _, o := range offs {
		if pastTense(s.text[:o.b], dl) {
			continue // "we met two days before the launch on 3 December"
		}
		if !spanAsks.MatchString(s.text[:o.b]) && !requestCue.MatchString(s.text) && !foreignRequestCue.MatchString(s.text) {
			continue // "la cancellazione è gratuita fino a 48 ore prima della visita"
		}
		b, e := s.start+o.b, s.start+o.e
		// "até às 16h00 do dia útil anterior": the clock just before
		// the span is the deadline's hour.
		clock := -1
		for i, d := range found {
			if d.Precision == "minute" && d.EndOffset <= b && b-d.EndOffset <= 5 {
				clock = i
				break
			}
		}
		// The event's date: the first mention after the span, near it;
		// else the event is named and dated elsewhere (pending).
		ai := -1
		for i, d := range found {
			if d.BeginOffset >= e && d.BeginOffset-e <= 60 && (d.Precision == "day" || d.Precision == "minute" || d.Precision == "hour") {
				ai = i
				break
			}
		}
		if ai < 0 {
			if w := eventWord(s.text[o.e:]); w != "" {
				p := pendingSpan{offsetSpan: o, word: w, source: source}
				p.b, p.e = b, e
				if clock >= 0 {
					p.clock, p.hasClock = found[clock].Time, true
					p.b = found[clock].BeginOffset
				}
				p.text = s.text[p.b-s.start : p.e-s.start]
				pending = append(pending, p)
			}
			continue
		}
		a := found[ai]
		t, prec := o.back(a.Time, a.Precision)
		begin := b
		if clock >= 0 {
			c := found[clock].Time
			t = time.Date(t.Year(), t.Month(), t.Day(), c.Hour(), c.Minute(), 0, 0, t.Location())
			prec, begin = "minute", found[clock].BeginOffset
		}
		if prec == "day" {
			t = atHour(t, endOfBusinessHour)
		}
		dm := doctales.DateMention{
			Text: s.text[begin-s.start : a.EndOffset-s.start], Time: t, Precision: prec,
			BeginOffset: begin, EndOffset: a.EndOffset, Deadline: true, Cue: "before", Source: source,
		}
		// What the parser made of the span itself ("48 hours before
		// the") and the event's own date give way to the deadline.
		found = append(dropOverlapping(found, begin, a.EndOffset), dm)
	}
	return found, pending
}

// spanAsks is what makes a span counted back from an event a deadline,
// before it in its sentence: an obligation, a request or a cue ("must …
// at least 48 hours before", "spätestens drei Werktage vor"); without it
// the span tells ("free cancellation up to 48 hours before the visit").
var spanAsks = lazyRE(`(?i)(?:^|[^\p{L}])(?:must|need|needs|needed|have to|has to|required?|please|at least|no later than|not later than|latest|muss|m[üu]ssen|brauche[n]?|ben[öo]tigen|sp[äa]testens|mindestens|bitte|doit|doivent|devez|devons|faut|au plus tard|au moins|merci de|debe[ns]?|necesitamos|necesito|tienes? que|a m[áa]s tardar|al menos|por favor|devem?|temos de|tem de|precisamos|preciso|o mais tardar|pelo menos|no m[íi]nimo|at[ée]|entro|almeno|al pi[ùu] tardi|dovete|devi|serve|uiterlijk|minstens|moet(?:en)?|graag|gelieve)(?:[^\p{L}]|$)`)

// offsetSpan is a span of time counted back from an event: its bounds in
// the sentence, its count and unit ("hour", "day" or "week").
type offsetSpan struct {
	b, e    int
	n       int
	unit    string
	working bool
}

// back returns the instant the span ends, counted back from the event's
// time t of precision prec, and the precision of the result.
func (o offsetSpan) back(t time.Time, prec string) (time.Time, string) {
	switch {
	case o.unit == "hour" && prec != "day":
		return t.Add(-time.Duration(o.n) * time.Hour), prec
	case o.unit == "hour":
		return t.AddDate(0, 0, -(o.n+23)/24), prec
	case o.unit == "week":
		return t.AddDate(0, 0, -7*o.n), prec
	case o.working:
		for k := 0; k < o.n; {
			t = t.AddDate(0, 0, -1)
			if t.Weekday() != time.Saturday && t.Weekday() != time.Sunday {
				k++
			}
		}
		return t, prec
	}
	return t.AddDate(0, 0, -o.n), prec
}

// pendingSpan is an offsetSpan whose event is dated in another sentence:
// "at least 48 hours before drop-off" after "drop-off at 8am on Tuesday 22
// December". b and e are offsets in the message; word is the event's
// name; clock the hour written before the span, if any.
type pendingSpan struct {
	offsetSpan
	word     string
	text     string // the span as written
	clock    time.Time
	hasClock bool
	source   string
}

// dropOverlapping returns ds without the mentions that overlap [b, e).
func dropOverlapping(ds []doctales.DateMention, b, e int) []doctales.DateMention {
	kept := ds[:0]
	for _, d := range ds {
		if d.EndOffset <= b || d.BeginOffset >= e {
			kept = append(kept, d)
		}
	}
	return kept
}

// eventArticle is what may stand between "before" and the event's name.
var eventArticle = lazyRE(`(?i)^[\s\p{Zs}]*(?:(?:the|a|an|our|your|my|their|le|la|les|l['’]|du|des|der|die|das|dem|den|de|het|el|los|las|o|os|as|à|ao|do|da|dos|das|il|lo|gli|del|della|dello|al|au|aux|tuo|tua|vostro|vostra|mon|ma|ton|ta|votre|notre|nos|vos|su|sus|seu|sua|dein|deine|deiner|deinem|ihre|ihrer|ihrem|unser|unsere|unserer|unserem|je|jouw|uw|ons|onze)(?:\s+|(?:^|\b)))*`)

// eventNameWord is the event's name: a word of four letters or more.
var eventNameWord = lazyRE(`^[\p{L}][\p{L}-]{3,}`)

// eventWord returns the stem of the event named at the start of s (the
// text after "before"), lower-cased: "drop-off" → "drop-o",
// "l'assemblée" → "assemb"; "" when none.
func eventWord(s string) string {
	s = s[len(eventArticle.FindString(s)):]
	w := eventNameWord.FindString(s)
	if w == "" {
		return ""
	}
	r := []rune(strings.ToLower(w))
	if len(r) > 6 {
		r = r[:6]
	}
	return string(r)
}

// resolvePending dates each pending span by the first mention in out that
// names its event just before it (within its sentence, 60 bytes), and adds
// the deadline it sets to out.
func resolvePending(out []doctales.DateMention, pending []pendingSpan, sentences []span) []doctales.DateMention {
	for _, p := range pending {
		for _, a := range out {
			if a.Precision != "day" && a.Precision != "minute" && a.Precision != "hour" || a.BeginOffset < p.e && a.EndOffset > p.b {
				continue
			}
			s, ok := sentenceAt(sentences, a.BeginOffset)
			if !ok {
				continue
			}
			// ("drop-off is 8am on Tuesday 22nd", "Freitag, 22.01., um
			// 15:00 Uhr passt uns für die Auslieferung")
			lo, hi := max(s.start, a.BeginOffset-60), min(s.end, a.EndOffset+40)
			near := strings.ToLower(s.text[lo-s.start : hi-s.start])
			if !strings.Contains(near, p.word) {
				continue
			}
			t, prec := p.back(a.Time, a.Precision)
			if p.hasClock {
				t = time.Date(t.Year(), t.Month(), t.Day(), p.clock.Hour(), p.clock.Minute(), 0, 0, t.Location())
				prec = "minute"
			}
			if prec == "day" {
				t = atHour(t, endOfBusinessHour)
			}
			out = append(dropOverlapping(out, p.b, p.e), doctales.DateMention{
				Text: p.text, Time: t, Precision: prec,
				BeginOffset: p.b, EndOffset: p.e, Deadline: true, Cue: "before", Source: p.source,
			})
			break
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].BeginOffset < out[j].BeginOffset })
	return out
}

// sentenceAt returns the sentence holding offset at.
func sentenceAt(sentences []span, at int) (span, bool) {
	for _, s := range sentences {
		if at >= s.start && at < s.end {
			return s, true
		}
	}
	return span{}, false
}

// mayOffsetBefore is offsetBefore's cheap gate: a word for "before".
func mayOffsetBefore(s string) bool {
	l := strings.ToLower(s)
	for _, w := range []string{"before", "prior to", "ahead of", "vor ", "avant", "antes d", "prima d", "voor", "vóór"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// blankCodes returns s with its codes blanked (same length): a class, a
// room, a lesson or a form, "10Y2", "P4", "S14", "11M1", "Y11", which the
// date parser reads as times and months ("of 11M1 on" was 11 minutes
// past, "The Y11" a November; blind-66, 3034). A token is a code when it
// mixes letters and digits as no date does: letters then digits, unless
// the letters are a month's or a day's abbreviation or a week's ("Dec8",
// "KW51"), or digits, letters and digits again, unless the letters are
// an hour's ("14h30", "9u30") or ISO's "T" ("08T09").
func blankCodes(s string) string {
	var b []byte
	for i := 0; i < len(s); {
		if !isWordByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isWordByte(s[j]) {
			j++
		}
		if isCode(s[i:j]) {
			if b == nil {
				b = []byte(s)
			}
			for k := i; k < j; k++ {
				b[k] = ' '
			}
		}
		i = j
	}
	if b == nil {
		return s
	}
	return string(b)
}

// notCodeLetters are the letters before digits that make a date or a
// week, not a code.
var notCodeLetters = map[string]bool{
	"jan": true, "feb": true, "mar": true, "apr": true, "may": true, "jun": true, "jul": true, "aug": true, "sep": true, "sept": true, "oct": true, "nov": true, "dec": true,
	"mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true, "sun": true,
	"kw": true, "w": true, "wk": true, "cw": true, "t": true,
}

// isCode reports whether tok, an ASCII word, is a code (see blankCodes).
func isCode(tok string) bool {
	i := 0
	for i < len(tok) && isLetter(tok[i]) {
		i++
	}
	lead := i
	for i < len(tok) && isDigit(tok[i]) {
		i++
	}
	digits := i - lead
	if digits == 0 {
		return false
	}
	if lead > 0 {
		return lead <= 4 && !notCodeLetters[strings.ToLower(tok[:lead])] && asciiWord(tok)
	}
	// Digits first: letters, then digits again.
	k := i
	for k < len(tok) && isLetter(tok[k]) {
		k++
	}
	if k == i || k == len(tok) || !isDigit(tok[k]) {
		return false // "9am", "1st", "10h"
	}
	l := strings.ToLower(tok[i:k])
	return l != "h" && l != "u" && l != "t" && l != "e" && asciiWord(tok)
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// asciiWord reports whether tok is made of ASCII letters and digits only.
func asciiWord(tok string) bool {
	for i := 0; i < len(tok); i++ {
		if !isLetter(tok[i]) && !isDigit(tok[i]) {
			return false
		}
	}
	return true
}
