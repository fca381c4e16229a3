package extract

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract/internal/fastre"
)

// offsetSpanRE is a span of time counted from an event named after it,
// back ("the day before the board meeting on the 17th", "at least 48 hours
// before drop-off at 8am on Tuesday 22 December", "spätestens drei
// Werktage vor der Auslieferung am Fr 22.01.", "48 heures avant
// l'assemblée du jeudi 17 à 18h30") or forward ("within 7 days of his
// visit on Tue 1 Dec", "sous 5 jours ouvrés à partir du jeudi 10",
// "binnen 5 werkdagen na de aankoopdatum", "à 15 jours date de facture").
// Groups: 1 the count (a number, a number word, or "the"), 2 an English
// qualifier (working, business, clear), 3 the unit, 4 a qualifier after it
// (hábiles, úteis, ouvrés, francs, lavorativi), 5 the word for before, 6
// the word for after.
var offsetSpanRE = fastre.MustCompile(`(?i)\b(the|a|an|one|two|three|four|five|six|seven|eight|nine|ten|fourteen|uno?|una|dos|tres|cuatro|cinco|siete|ocho|diez|quince|une|deux|trois|quatre|cinq|sept|huit|dix|quinze|eine[mnr]?|ein|zwei|drei|vier|fünf|sechs|sieben|acht|zehn|vierzehn|um|uma|dois|duas|três|quatro|due|tre|quattro|cinque|sette|otto|dieci|quindici|een|één|twee|drie|vijf|zeven|tien|veertien|\d{1,3})\s+(?:(business|working|clear)\s+)?(hours?|hrs?|h|days?|weeks?|stunden|tage?n?|werktage?n?|arbeitstage?n?|wochen|heures|jours?|semaines?|horas|d[íi]as?|semanas?|ore|giorni|giorno|settimane?|uur|werkdagen|werkdag|dagen|weken|week)(?:\s+(h[áa]biles|h[áa]bil|laborables|[úu]teis|[úu]til|ouvr[ée]s|ouvrables|francs|lavorativi|lavorativo))?\s+(?:(before|prior to|ahead of|vor|avant|antes d(?:e|el|a|o)|prima d(?:i|el|ella|ello|ell['’]|egli|elle|ei)|voor|vóór)|(of|from|after|following|since|à compter d[eu]|à partir d[eu]|après|nach|ab|seit|desde|a partir d[eo]|después de|após|a contar d[ae]|dopo|dalla|na|vanaf|sinds|date de|data))(?:[^\p{L}]|$)`)

// withinBefore is what stands before a count that runs forward from an
// event ("within 7 days of", "em até 2 dias úteis após"); without it, or a
// word for what is due earlier in the sentence, "3 days of rain" would be
// a deadline.
var withinBefore = lazyRE(`(?i)(?:^|[^\p{L}])(?:(?:have|has|get|gets|give[sn]? (?:us|you|them|him|her|me))(?: only| just)?|within|in|no later than|not later than|em at[ée]|at[ée]|binnen|innerhalb(?: von)?|sous|dans les|dans un d[ée]lai de|entro|dentro de|en un plazo de|en el plazo de|no prazo de|num prazo de|à|a|uiterlijk|spätestens|au plus tard)\s+$`)

// dueWord is a word for what is due: a payment's or a document's term.
var dueWord = lazyRE(`(?i)(?:^|[^\p{L}])(?:due|payable|fällig|zahlbar|vencimento|vence|scadenza|scade|vervalt|échéance|exigible|pagamento|pago|paiement|betaling)(?:[^\p{L}]|$)`)

// fromThisMessage is the message itself as the start of a count: "within 7
// days of this notice", "sous huitaine à compter de la présente", which
// inWordDays reads from the message's date.
var fromThisMessage = lazyRE(`(?i)^\s*(?:this|receipt|receiving|the date of this|la présente|cette|ce courrier|este|esta|deze|dieser|diesem|diesen|questa|questo|receção|recepción|réception)`)

// dayBeforeEvent is "the day before" said in the other languages, "the
// eve of" in English, and the working day before: "el día hábil anterior a", "do dia útil
// anterior à escritura", "la veille de", "am Vortag", "il giorno prima
// di", "de werkdag voor". Group 1 says the day is a working day.
var dayBeforeEvent = lazyRE(`(?i)(?:\b(?:el|o|ao|do|no|il|al|del|de|der|am)\s+)(?:d[íi]a|giorno|dag|tag)(?:\s+(h[áa]bil|[úu]til|lavorativo|laborable))?\s+(?:anterior (?:a[lo]?|à)|antes de|prima d[ie]l?|voor|vor)(?:[^\p{L}]|$)|\bla veille\b|\bam vortag\b|\bde werkdag voor\b|\bthe eve of\b`)

// anchoredDeadlines reads a span counted back from an event whose date
// the sentence gives just after it, and makes that event's mention the
// deadline it sets: the card is due 48 hours before the drop-off, not at
// it (blind-64: 2953, 2966, 2973, 2978, 2989). A clock just before the
// span is the deadline's ("até às 16h00 do dia útil anterior à
// escritura"). A span in a past-tense clause tells, it does not ask.
func anchoredDeadlines(found []doctales.DateMention, s span, source string, dl *dateLang) ([]doctales.DateMention, []pendingSpan) {
	var pending []pendingSpan
	var offs []offsetSpan
	if mayOffsetSpan(s.text) {
		for _, m := range offsetSpanRE.FindAllStringSubmatchIndex(s.text, 3) {
			word := strings.ToLower(s.text[m[2]:m[3]])
			n, ok := wordNumbers[word]
			if word == "the" {
				n, ok = 1, true
			}
			if !ok {
				n, _ = strconv.Atoi(word)
			}
			u := strings.ToLower(s.text[m[6]:m[7]])
			qual := ""
			if m[8] >= 0 {
				qual = strings.ToLower(s.text[m[8]:m[9]])
			}
			if m[4] >= 0 {
				qual = strings.ToLower(s.text[m[4]:m[5]])
			}
			o := offsetSpan{b: m[0], e: m[1], n: n, unit: "day", after: m[12] >= 0,
				working: qual != "" && qual != "francs" && qual != "clear" || strings.HasPrefix(u, "werk") || strings.HasPrefix(u, "arbeit")}
			switch {
			case strings.HasPrefix(u, "h") || strings.HasPrefix(u, "stund") || strings.HasPrefix(u, "ore") || u == "uur":
				o.unit = "hour"
			case strings.HasPrefix(u, "week") || strings.HasPrefix(u, "woch") || strings.HasPrefix(u, "seman") || strings.HasPrefix(u, "semain") || strings.HasPrefix(u, "settiman") || strings.HasPrefix(u, "wek"):
				o.unit = "week"
			}
			if n < 1 || n > 400 || word == "the" && (o.unit != "day" || o.after) {
				continue
			}
			if qual == "francs" || qual == "clear" {
				n++ // "trois jours francs avant le 19": the 15th (16, 17, 18 clear)
				o.n = n
			}
			if o.after {
				// Forward only from an event, with "within" or a due
				// word before; "within 7 days of this notice" is
				// inWordDays' (from the message).
				if fromThisMessage.MatchString(s.text[m[1]:]) || !withinBefore.MatchString(s.text[:m[0]]) && !dueWord.MatchString(s.text[:m[0]]) {
					continue
				}
			}
			offs = append(offs, o)
		}
	}
	if mayDayBeforeEvent(s.text) {
		for _, m := range dayBeforeEvent.FindAllStringSubmatchIndex(s.text, 2) {
			l := strings.ToLower(s.text[m[0]:m[1]])
			offs = append(offs, offsetSpan{b: m[0], e: m[1], n: 1, unit: "day", working: m[2] >= 0 || strings.Contains(l, "werkdag"), wholeDay: true})
		}
	}
	// "Antes de la auditoría necesito …", "before the audit I need …":
	// the event's own start, when the event is dated (here or elsewhere)
	// and the sentence asks (blind-95, 4210).
	if mayBeforeEventNoun(s.text) {
		for _, m := range beforeEventNoun.FindAllStringIndex(s.text, 2) {
			rest := s.text[m[1]:]
			// ("een werkdag vóór de overdracht", "the Friday before the
			// dress rehearsal": a count or a day before it, which this
			// reading does not know; the event's own start is no answer.)
			if notEventNoun.MatchString(rest) || dateTrigger.MatchString(head(rest, 12)) || eventWord(rest) == nil || countedBefore.MatchString(tail(s.text[:m[0]], 24)) {
				continue
			}
			inside := false
			for _, o := range offs {
				if o.b < m[1] && m[0] < o.e {
					inside = true
				}
			}
			if !inside {
				offs = append(offs, offsetSpan{b: m[0], e: m[1], n: 0, unit: "day"})
			}
		}
	}
	for _, o := range offs {
		// (A term asked in the past still runs: "he asked for it within
		// seven days of his visit"; so does one that must be met: "doit
		// être reçu au plus tard trois jours francs avant".)
		if !o.after && pastTense(s.text[:o.b], dl) && !spanAsks.MatchString(s.text[:o.b]) {
			continue // "we met two days before the launch on 3 December"
		}
		if !o.after && !spanAsks.MatchString(s.text[:o.b]) && !requestCue.MatchString(s.text) && !foreignRequestCue.MatchString(s.text) {
			// "la cancellazione è gratuita fino a 48 ore prima della
			// visita": no deadline; and "jusqu'à 24 h avant" is not
			// 24 hours from now, as the parser read it (blind-67, 3096).
			found = dropOverlapping(found, s.start+o.b, s.start+o.e)
			continue
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
		// "la veille de la signature à 12 h": a clock alone after the
		// event's name is the deadline's hour, and the event is dated
		// elsewhere (blind-65, 3133).
		after := -1
		if ai >= 0 && clock < 0 && clockOnly.MatchString(found[ai].Text) && eventWord(s.text[o.e:found[ai].BeginOffset-s.start]) != nil {
			after, ai = ai, -1
		}
		if ai < 0 {
			if w := eventWord(s.text[o.e:]); w != nil {
				p := pendingSpan{offsetSpan: o, word: w, source: source}
				p.b, p.e = b, e
				if clock >= 0 {
					p.clock, p.hasClock = found[clock].Time, true
					p.b = found[clock].BeginOffset
				}
				if after >= 0 {
					p.clock, p.hasClock = found[after].Time, true
					found = dropOverlapping(found, found[after].BeginOffset, found[after].EndOffset)
				}
				p.text = s.text[p.b-s.start : p.e-s.start]
				pending = append(pending, p)
			}
			continue
		}
		a := found[ai]
		begin := b
		var at *time.Time
		if clock >= 0 {
			at, begin = &found[clock].Time, found[clock].BeginOffset
		}
		t, prec := o.deadline(a, at)
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
var spanAsks = lazyRE(`(?i)(?:^|[^\p{L}])(?:(?:is|are)(?:\s+now|\s+all)?\s+to\s+be|must|need|needs|needed|have to|has to|required?|please|at least|no later than|not later than|latest|muss|m[üu]ssen|brauche[n]?|ben[öo]tigen|sp[äa]testens|mindestens|bitte|doit|doivent|devez|devons|faut|au plus tard|au moins|merci de|debe[ns]?|necesitamos|necesito|tienes? que|a m[áa]s tardar|al menos|por favor|devem?|temos de|tem de|precisamos|preciso|o mais tardar|pelo menos|no m[íi]nimo|at[ée]|entro|almeno|al pi[ùu] tardi|dovete|devi|serve|uiterlijk|minstens|moet(?:en)?|graag|gelieve)(?:[^\p{L}]|$)`)

// offsetSpan is a span of time counted back from an event: its bounds in
// the sentence, its count and unit ("hour", "day" or "week").
type offsetSpan struct {
	b, e    int
	n       int
	unit    string
	working bool
	after   bool // counted forward from the event ("within 7 days of")
	// wholeDay is a span that names the day before, not a count of
	// hours: "la veille du départ" (at 6:00) is the 12th, any time of it.
	wholeDay bool
}

// back returns the instant the span ends, counted from the event's time t
// of precision prec (back, or forward when o.after), and the precision of
// the result.
func (o offsetSpan) back(t time.Time, prec string) (time.Time, string) {
	sign := -1
	if o.after {
		sign = 1
	}
	switch {
	case o.unit == "hour" && prec != "day":
		return t.Add(time.Duration(sign*o.n) * time.Hour), prec
	case o.unit == "hour":
		return t.AddDate(0, 0, sign*((o.n+23)/24)), prec
	case o.unit == "week":
		return t.AddDate(0, 0, sign*7*o.n), prec
	case o.working:
		for k := 0; k < o.n; {
			t = t.AddDate(0, 0, sign)
			if t.Weekday() != time.Saturday && t.Weekday() != time.Sunday {
				k++
			}
		}
		return t, prec
	}
	return t.AddDate(0, 0, sign*o.n), prec
}

// deadline returns the deadline the span sets before or after the event
// a, at the hour of clock when one was written before the span, and its
// precision; a day's deadline is at the end of business.
func (o offsetSpan) deadline(a doctales.DateMention, clock *time.Time) (time.Time, string) {
	t, prec := o.back(a.Time, a.Precision)
	if o.wholeDay {
		prec = "day"
	}
	if clock != nil {
		t = time.Date(t.Year(), t.Month(), t.Day(), clock.Hour(), clock.Minute(), 0, 0, t.Location())
		prec = "minute"
	}
	if prec == "day" {
		t = atHour(t, endOfBusinessHour)
	}
	return t, prec
}

// pendingSpan is an offsetSpan whose event is dated in another sentence:
// "at least 48 hours before drop-off" after "drop-off at 8am on Tuesday 22
// December". b and e are offsets in the message; word is the event's
// name; clock the hour written before the span, if any.
type pendingSpan struct {
	offsetSpan
	word     []string
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

// eventArticle is what may stand between "before" and the event's name:
// articles, possessives, and "the date of" ("avant la date de la
// réunion", "após a data de emissão").
var eventArticle = lazyRE(`(?i)^[\s\p{Zs}]*(?:(?:the|a|an|our|your|my|his|her|its|their|le|la|les|l['’]|du|des|der|die|das|dem|den|de|het|el|los|las|o|os|as|à|ao|do|da|dos|das|il|lo|gli|del|della|dello|dell['’]|al|au|aux|tuo|tua|vostro|vostra|mon|ma|ton|ta|votre|notre|nos|vos|su|sus|seu|sua|dein|deine|deiner|deinem|ihre|ihrer|ihrem|unser|unsere|unserer|unserem|je|jouw|uw|ons|onze|date|data|datum|fecha|of)(?:\s+|(?:^|\b)))*`)

// eventNameWord is the event's name: a word of four letters or more, or
// an acronym ("AGM", "ALV").
var eventNameWord = lazyRE(`^(?:[\p{L}][\p{L}-]{3,}|\p{Lu}{3}\b)`)

// dueDateWords are the names of a deadline as an event: "a week before
// the due date", "el día antes de que venza el plazo", "vor Fristablauf";
// each stands for the words that date it elsewhere.
var dueDateWords = map[string][]string{
	"due":   {"due", "deadline"},
	"deadl": {"due", "deadline"},
	"frist": {"frist"},
	"plazo": {"plazo", "vence"},
	"prazo": {"prazo", "vence"},
	"échéa": {"échéance", "échéa"},
	"scade": {"scade"},
	"termi": {"termijn", "termin"},
}

// eventWord returns the stems that name the event at the start of s (the
// text after "before"), lower-cased, five letters at most: "drop-off" →
// "drop-", "l'assemblée" → "assem", "the AGM" → "agm"; nil when none.
func eventWord(s string) []string {
	s = s[len(eventArticle.FindString(s)):]
	if dueDate.MatchString(s) {
		return dueDateWords["due"]
	}
	w := eventNameWord.FindString(s)
	if w == "" {
		return nil
	}
	r := []rune(strings.ToLower(w))
	if len(r) > 5 {
		r = r[:5]
	}
	if ws, ok := dueDateWords[string(r)]; ok {
		return ws
	}
	return []string{string(r)}
}

// dueDate is "due date" at the start of a text.
var dueDate = lazyRE(`(?i)^due\s+date`)

// wordDistance returns the distance in bytes between the mention at [b,
// e) of near and the nearest of words in near, a word after the mention
// counting three times and ten more, and whether one is there.
func wordDistance(near string, words []string, b, e int) (int, bool) {
	best, found := 0, false
	for _, w := range words {
		for from := 0; ; {
			i := strings.Index(near[from:], w)
			if i < 0 {
				break
			}
			i += from
			d := b - (i + len(w))
			if i >= e {
				// A name after the date is the next line's as often
				// as its own ("freeze: Friday 8 January / release:
				// Tuesday 19 January"): it counts for less.
				d = 3*(i-e) + 10
			}
			if d < 0 {
				d = 0
			}
			if !found || d < best {
				best, found = d, true
			}
			from = i + len(w)
		}
	}
	return best, found
}

// resolvePending dates each pending span by the first mention in out that
// names its event near it (within its sentence: 100 bytes before, 40 after), and adds
// the deadline it sets to out.
func resolvePending(out []doctales.DateMention, pending []pendingSpan, sentences []span) []doctales.DateMention {
	// The message's text at its offsets (the sentences laid back in
	// place): the event's name may end the sentence before its date
	// ("… no sábado, dia 23 de janeiro. Partida às 7h30").
	end := 0
	for _, s := range sentences {
		end = max(end, s.end)
	}
	text := make([]byte, end)
	for i := range text {
		text[i] = ' '
	}
	for _, s := range sentences {
		copy(text[s.start:], s.text)
	}
	for _, p := range pending {
		// The span's own naming of the event ("au moins trois jours
		// avant la réunion") is no mention of it near a date: blanked,
		// it made "lundi soir" of the next sentence the meeting's date
		// (blind-81, 3653).
		text := text
		if p.e < len(text) {
			after := strings.ToLower(string(text[p.e:min(len(text), p.e+40)]))
			for _, w := range p.word {
				if k := strings.Index(after, w); k >= 0 {
					text = append([]byte(nil), text...)
					for j := p.b; j < p.e+k+len(w) && j < len(text); j++ {
						text[j] = ' '
					}
					break
				}
			}
		}
		// The mention nearest to a word naming the event.
		best, bestDist := -1, 0
		for i, a := range out {
			if a.Precision != "day" && a.Precision != "minute" && a.Precision != "hour" || a.BeginOffset < p.e && a.EndOffset > p.b || a.EndOffset > len(text) {
				continue
			}
			// ("drop-off is 8am on Tuesday 22nd", "Freitag, 22.01., um
			// 15:00 Uhr passt uns für die Auslieferung")
			lo, hi := max(0, a.BeginOffset-100), min(len(text), a.EndOffset+40)
			d, ok := wordDistance(strings.ToLower(string(text[lo:hi])), p.word, a.BeginOffset-lo, a.EndOffset-lo)
			// A clock alone ("from 9.15am on the first day") names no
			// day of the event: a dated mention further away wins
			// (blind-67, 3317).
			if ok && clockOnly.MatchString(a.Text) {
				d += len(text)
			}
			if ok && (best < 0 || d < bestDist) {
				best, bestDist = i, d
			}
		}
		if best < 0 {
			continue
		}
		var at *time.Time
		if p.hasClock {
			at = &p.clock
		}
		t, prec := p.deadline(out[best], at)
		out = append(dropOverlapping(out, p.b, p.e), doctales.DateMention{
			Text: p.text, Time: t, Precision: prec,
			BeginOffset: p.b, EndOffset: p.e, Deadline: true, Cue: "before", Source: p.source,
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].BeginOffset < out[j].BeginOffset })
	return out
}

// beforeEventNoun is "before the" and its like in the seven languages,
// before an event's name: "before the audit", "antes de la auditoría",
// "avant la réunion", "vor der Prüfung", "prima della visita".
var beforeEventNoun = lazyRE(`(?i)\b(?:before|ahead of|prior to)\s+(?:the|our|your|this|my|his|her|their)\s+|(?:^|[^\p{L}])(?:antes (?:de la|del|de los|de las|de su)|avant (?:la|le|les|l['’]|votre|notre)|vor (?:der|dem|den|ihrer|ihrem|unserer|unserem)|prima (?:della|del|dell['’]|dello|dei|delle)|antes (?:da|do|das|dos)|v[óo]{1,2}r (?:de|het|onze|jullie))\s*`)

// countedBefore is a unit of time or a weekday just before "before the":
// the span is counted from the event.
var countedBefore = lazyRE(`(?i)(?:days?|dag|dagen|werkdag(?:en)?|tage?|werktage?|giorn[oi]|jours?|d[íi]as?|weeks?|semanas?|semaines?|settiman[ae]|wochen?|weken|hours?|uur|ore|stunden?|heures?|horas?|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\W*$`)

// mayBeforeEventNoun is beforeEventNoun's cheap gate.
func mayBeforeEventNoun(s string) bool {
	l := strings.ToLower(s)
	for _, w := range []string{"before", "ahead", "prior", "antes", "avant", "vor ", "prima", "voor", "vóór"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// notEventNoun is what follows "before the" and names no event: a part of
// a period or a time ("before the end of", "before the weekend"), or a
// deadline's own name.
var notEventNoun = lazyRE(`(?i)^(?:middag|lunch|lunchtime|noon|midday|mittag|mittagessen|mezzogiorno|pranzo|midi|d[ée]jeuner|almuerzo|comida|almo[çc]o|meio-dia|morning|afternoon|evening|night|ochtend|avond|nacht|soir|soir[ée]e|matin|tarde|noche|ma[ñn]ana|abend|morgen|sera|mattina|pomeriggio|manh[ãa]|noite|end|start|beginning|weekend|week|month|year|day|holidays?|break|deadline|due|time|moment|next|last|first|same|then|rest|others?|fin|final|inicio|comienzo|d[ée]but|ende|anfang|beginn|fine|inizio|fim|in[íi]cio|eind|begin|vakantie|ferien|vacances|vacaciones|vacanze|f[ée]rias)\b`)

// clockOnly is a mention that is a time of day and nothing else, maybe
// with the particles the parser took after it ("9.15am on the").
var clockOnly = lazyRE(`(?i)^\W*\d{1,2}(?:[:.h][0-5]\d)?\s*(?:[ap]\.?m\.?|h|uhr|uur|u)?(?:\s+(?:on|at|in|the|de|la|le|el|del|am|um|op|il|alle))*\s*$`)

// mayOffsetSpan is offsetSpanRE's and inWordDays' cheap gate: a unit of
// time (hours, days, weeks, in the seven languages) that starts a word,
// after a count ("48", "three", "drei", "the"), or "huitaine".
func mayOffsetSpan(s string) bool {
	l := strings.ToLower(s)
	if strings.Contains(l, "huitaine") || strings.Contains(l, "quinzaine") {
		return true
	}
	for _, u := range offsetUnits {
		for from := 0; ; {
			i := strings.Index(l[from:], u)
			if i < 0 {
				break
			}
			i += from
			from = i + len(u)
			if i > 0 && isWordByte(l[i-1]) {
				if u == "h" && isDigit(l[i-1]) && (from == len(l) || !isWordByte(l[from])) {
					return true // "48h before"
				}
				continue // "today", "Monday"
			}
			if countWordBefore(l[:i]) {
				return true
			}
		}
	}
	return false
}

// offsetUnits are the stems offsetSpanRE's units begin with.
var offsetUnits = []string{"hour", "hrs", "h", "day", "week", "stund", "tag", "werkt", "arbeitst", "woch", "heure", "jour", "semain", "hora", "día", "dia", "seman", "ore", "giorn", "settiman", "uur", "dag", "werkdag", "wek"}

// countWordBefore reports whether the word before the end of s (past an
// English qualifier) is a count: digits, a number word, "the", "a".
func countWordBefore(s string) bool {
	s = strings.TrimRight(s, " ")
	for _, q := range []string{"working", "business", "clear"} {
		if strings.HasSuffix(s, q) {
			s = strings.TrimRight(s[:len(s)-len(q)], " ")
		}
	}
	j := len(s)
	for j > 0 && isWordByte(s[j-1]) {
		j--
	}
	w := s[j:]
	if w == "" {
		return false
	}
	if isDigit(w[len(w)-1]) {
		return true
	}
	_, ok := wordNumbers[w]
	return ok || w == "the" || w == "few" || w == "of" // "a few days", "a couple of days"
}

// mayDayBeforeEvent is dayBeforeEvent's cheap gate.
func mayDayBeforeEvent(s string) bool {
	l := strings.ToLower(s)
	for _, w := range []string{"anterior", "antes", "prima", "voor", "vor", "veille", "vortag", "véspera", "eve of"} {
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
