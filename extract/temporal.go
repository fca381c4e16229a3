package extract

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract/internal/fastre"
	dps "github.com/markusmobius/go-dateparser"
	"github.com/markusmobius/go-dateparser/date"
)

// DefaultMaxDateSentences bounds how many sentences of one communication are
// handed to the date parser, which costs about 0.2 ms a sentence.
const DefaultMaxDateSentences = 12

// endOfBusinessHour is the hour a deadline without a time of day means.
const endOfBusinessHour = 17

// dateTrigger finds sentences that may hold a date, so that the costly date
// parser only sees those.
var dateTrigger = fastre.MustCompile(`(?i)\b(today|tonight|tomorrow|tmrw|yesterday|(mon|tues|wednes|thurs|fri|satur|sun)day|(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s*\d{1,4}|\d{1,2}(st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|january|february|march|april|june|july|august|september|october|november|december|noon|midnight|next (week|month|year)|in \d+ (minutes?|hours?|days?|weeks?|months?)|\d+ (days?|weeks?|months?|hours?) ago)\b|\d{1,2}:\d{2}|\b\d{1,2}\s*(am|pm|a\.m\.|p\.m\.)|\b\d{1,2}/\d{1,2}(/\d{2,4})?\b|\b\d{4}-\d{2}-\d{2}\b|\bMay\s+\d|\b(?:by|before|until|till|til|on|this|next|due|latest) (?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)\.?(?:\s*$|\s*[,;:!?)]|\s+[^\d\s])`)

// endOfDay finds end-of-business-day expressions, which the date parser does
// not know; endOfWeek and endOfMonth likewise.
var (
	endOfDay   = fastre.MustCompile(`(?i)\b(eod|cob|eob|end of (the )?(business |work(ing)? )?day|close of (the )?business( day)?|end of play)\b`)
	endOfWeek  = fastre.MustCompile(`(?i)\b(eow|(?:before|by) the weekend|entro (?:il |questo )?(?:fine settimana|weekend)|entro (?:la |questa )settimana|d['’]ici (?:le |ce )?week-?end|bis zum wochenende|at[ée] (?:o |ao )?fim de semana|antes do fim de semana|antes del fin de semana|avant le week-?end|vor dem wochenende|prima del (fine settimana|weekend)|voor het weekend|(some ?time|later|any ?time|before the end of) this week|(?:(?:get|have) a (?:chance|moment|minute|sec)|you can|you have (?:the )?time|at some point|if possible|ideally|when possible)\s+this week|end of (the |this )?(work(ing)? |business )?week|end of (the )?(?P<next>next|following) (work(ing)? |business )?week)\b`)
	endOfMonth = fastre.MustCompile(`(?i)\bmonth[- ]end(?:[?.!,;:)]|\s*$)|\b(eom|end of (the |this )?month|(a |al |à la |hasta |antes de |para |d'ici la |avant la |bis )?(fin(al)? de(l)? mes|fin (du|de) mois|monatsende|ende (des|dieses) monats|fine (del )?mese|fi(m|nal) do m[êe]s|eind(e)? (van de|deze) maand))\b`)
)

// deadlineCueBefore matches a deadline cue just before a date expression,
// deadlineCueAfter one just after it.
var (
	deadlineCueBefore = fastre.MustCompile(`(?i)\b(by|b4|due|before|deadline|no later than|not later than|until|till|til|latest|expires?|expiring|cut-?off|prior to|ahead of|needed|required|pushed (?:back )?to|moved to|postponed (?:to|until)|extended (?:to|until))\b[^.;!?]{0,24}$`)
	deadlineCueAfter  = fastre.MustCompile(`(?i)^[\s,]{0,3}(deadline|at the latest|latest|cut-?off|au plus tard|dernier délai|a más tardar|como muy tarde|como tarde|spätestens|al più tardi|o mais tardar|no máximo|op zijn laatst|ten laatste)(?:[^\p{L}]|$)`)
	deadlineCueStart  = fastre.MustCompile(`(?i)^(by|due|before|until|till|no later than|not later than)\b`)
)

// dateWord is a word that makes a date expression plausible without digits.
var dateWord = fastre.MustCompile(`(?i)\b(today|tonight|tomorrow|yesterday|(mon|tues|wednes|thurs|fri|satur|sun)day|january|february|march|april|june|july|august|september|october|november|december|noon|midnight|week|month|year|ago)\b`)

var leadingPrepositions = fastre.MustCompile(`(?i)^(in|on|by|before|at|until|till|from|since|due|for|del|de|el|la|le|au|am|um|op|em|no|na|il|al|à|a|bis|até|entro|tot|voor|avant|antes|hasta|para|pour|per|d['’]ici)\s+`)

// trailingConnector is a preposition the parser keeps after a date whose
// time it could not read: "demain à", "mañana a"; or a conjunction it
// kept after the hour: "tomorrow at 10 and after" (blind-66, 3041).
var trailingConnector = fastre.MustCompile(`(?i)[\s,]+(à|a|a las|às|as|alle|um|om|at|and(?:\s+(?:after|then|before))?|then)$`)

// atThe is the "at the" of "at the end of the day", which is an idiom
// ("at the end of the day, it's your call", "near the end of the day, he
// took the track") unless a deadline cue governs it.
var atThe = fastre.MustCompile(`(?i)\b(at|near|towards?|around|in)\s+(the\s+)?$`)

// byline is the text between a "by" and a date that names an author: "By
// Jane Doe, March 3, 2024".
var byline = fastre.MustCompile(`^\s*(\p{Lu}[\p{L}.'’-]*\s*){1,4}[,|·—–-]?\s*$`)

// byMeans is what "by" names when it is the means, not the time: "paid
// by Direct Debit on 4 December", "sent by post on Monday", "book online
// or by calling reception (Mon-Fri, 08:00-18:30)".
var byMeans = lazyRE(`(?i)^\s*(?:direct debit|standing order|(?:bank |wire )?transfer|(?:credit |debit )?card|cheque|check|post|mail|e-?mail|phone|courier|hand|paypal|sepa|calling|phoning|ringing|e-?mailing|writing|visiting|logging|signing|clicking|replying|paying|using|contacting|texting)\b`)

// bylineLabel is a label that makes the date after it a publication or
// header date, never a deadline: "Published: March 3, 2024", "Posted by
// timothy on Thursday August 29".
var bylineLabel = fastre.MustCompile(`(?i)\b(published|posted|updated|last updated|written|dated|date|sent|created|modified|submitted|publicado|publié|veröffentlicht|pubblicato|gepubliceerd)(\s*:|\s+on|\s+by\s+[^\n,;.:]{1,40}?(\s+on|,)?)?\s*$`)

// bareNumber is a date the parser made of a number alone: "of 35".
var bareNumber = fastre.MustCompile(`(?i)^((of|the|in|on|at|by)\s+)?\d{1,3}$`)

// signOff is a line that is only a farewell with a date: "Until tomorrow,",
// "See you Monday!", "Hasta mañana,". Group 1 is a lead that needs the
// comma or exclamation mark of a sign-off, group 2 one that does not.
var signOff = fastre.MustCompile(`(?i)^\s*(?:(?:thanks|thank you|many thanks|cheers|danke|vielen dank|besten dank|merci|gracias|grazie|obrigad[oa]|bedankt|dank je)(?: [\p{L}]+)?\s+(?:and|und|et|y|e|en)\s+)?(?:(until|till|til|hasta|bis|à|a|até|tot|fino a)|(see you|talk to you|talk|speak to you|speak|catch you|nos vemos|à bientôt|bis dann|a presto|até logo|tot dan))\s+$`)

// pastCue and futureCue decide the tense of the clause before an English
// date: the later of the two wins.
var (
	pastCue   = fastre.MustCompile(`(?i)\b(was|were|had|did|wasn't|weren't|hadn't|didn't|went|came|met|sent|received|got|paid|spoke|talked|called|wrote|said|told|asked|happened|ended|expired|lapsed|passed|finished|started|began|arrived|shipped|delivered|signed|closed|launched|released|held|saw|visited|left|last|ago|yesterday|earlier|previously|already|since|opened|noticed|(?:i|we|they|he|she) (?:just )?[a-z]{2,}ed)\b`)
	futureCue = fastre.MustCompile(`(?i)\b(will|'ll|’ll|shall|going to|gonna|next|coming|upcoming|tomorrow|until|till|is due|are due|must|should|need|needs|please|plan|planned|scheduled|moved|postponed|rescheduled|pushed|delayed|extended|can you|could you)\b`)
)

// yearInText finds a written year: four digits, a two-digit year after a
// day and month, or an apostrophe year ('98).
var (
	fourDigitYear = fastre.MustCompile(`\b(1[89]|20|21)\d{2}\b`)
	twoDigitYear  = fastre.MustCompile(`\b\d{1,2}[/.-]\d{1,2}[/.-](\d{2})\b|['’](\d{2})\b`)
)

// relativeDate is a date written relative to the message: such a date is
// never moved by tense.
var relativeDate = fastre.MustCompile(`(?i)(today|tonight|tomorrow|yesterday|next|last|this|ago|hence|in \d|week|month|year|hoy|mañana|ayer|aujourd|demain|hier|heute|morgen|gestern|hoje|amanhã|ontem|oggi|domani|ieri|vandaag|gisteren|i dag|idag|i morgon|imorgon|i morgen|imorgen|i går|igår|vecka|veckan|uke|uken|uge|ugen|nästa|neste|næste|semana|semaine|woche|settimana|próxim|prochain|nächst|prossim|volgende)`)

// dateParser is shared; go-dateparser's Parser supports concurrent Search.
// It runs the library's default parsers in their default order less
// CustomFormat: that one only tries the Go layouts passed to Parse, and
// this package passes none, so it never finds a date, yet it costs a
// time-zone scan of every candidate the parser tries (go-dateparser
// v1.4.7, parser.go and internal/parser/formatted). Dropping it changes
// no result.
var dateParser = sync.OnceValue(func() *dps.Parser {
	return &dps.Parser{ParserTypes: []dps.ParserType{
		dps.Timestamp, dps.NegativeTimestamp, dps.RelativeTime, dps.AbsoluteTime, dps.NoSpacesTime,
	}}
})

// dateContext is what the dates of one communication are read against.
type dateContext struct {
	// ref is the message's time in the zone of its reader when one is
	// configured, else in the zone of its Date header: "today", "5pm" and
	// business days are of that zone.
	ref time.Time
	// lang is a language of dateLanguages the message is confidently in,
	// whose dates are read besides English; "" for English only.
	lang string
	// reader is the reader's zone, for "by Friday your time": the
	// configured one, else the reading time's; nil when unknown.
	reader *time.Location
}

// language returns the date language of the context, or nil.
func (dc dateContext) language() *dateLang { return dateLanguages[dc.lang] }

// findDates returns the date expressions of the given sentences resolved
// against dc.ref, with deadline cues marked. At most maxSentences sentences
// are parsed.
func findDates(sentences []span, source string, dc dateContext, maxSentences int) []doctales.DateMention {
	var out []doctales.DateMention
	var pending []pendingSpan // spans counted back from an event dated elsewhere
	p := dateParser()
	ref := dc.ref
	dl := dc.language()
	n := 0
	for _, s := range sentences {
		// Mail wraps its lines anywhere ("before the\nweekend"): the
		// phrases are read on the sentence with its line breaks as
		// spaces (same length, so offsets hold); the sign-off test, which
		// reads lines, gets the sentence as written.
		orig := s
		s.text = unwrapLines(s.text)
		plain := s.text
		if dl == nil && strings.Contains(s.text, ".") {
			// "before service at 5.30": a British clock with a dot,
			// which the parser reads as a number ("30 today" was the
			// day's end); read as "5:30" (same length), shown as
			// written (below).
			s.text = colonDotClocks(s.text)
		}
		if dl == nil && mayApproxClock(s.text) {
			// "on Wednesday 13 January, roughly 10:00 to 11:30": the
			// parser reads the day and the clock apart, and the clock
			// alone as today's (blind-113, 4925); the word blanked (same
			// length), it reads them together.
			s.text = blankGroup(approxClock, s.text)
		}
		if dl != nil && strings.Contains(s.text, "hora") {
			// "até as 15 horas", "antes de las 19 horas": a clock,
			// which the parser read as fifteen hours from the message
			// (blind-113, 4941); read as "15h" and spaces.
			s.text = hoursAsClock(s.text)
		}
		// "between Tuesday and Thursday", "zwischen dem 12. und 14.
		// Januar": the parser reads no range; its end is read alone
		// (the range's first day blanked, same length), and is the day
		// by which a request in it is wanted (labelling guide).
		s.text = blankRangeStarts(s.text)
		if strings.Contains(s.text, ", ") {
			// "via Corridoni 52, venerdì 15 gennaio": a house number
			// before a weekday is no year (2051; blind-104, 4587).
			s.text = blankGroup(numberBeforeWeekday, s.text)
		}
		if m := meioDia.FindStringSubmatchIndex(s.text); m != nil {
			// "até o meio dia": noon as the parser knows it, hyphened
			// (same length; blind-105, 4621).
			s.text = s.text[:m[2]] + "-" + s.text[m[3]:]
		}
		if strings.Contains(s.text, ".") {
			// "(Raum B 2.14)", "room 3.12": a room's number, not
			// 02:14 (blind-86, 3858).
			s.text = blankGroup(roomNumber, s.text)
		}
		eod := endOfDay.FindStringIndex(s.text)
		eow, eowNext := endOfWeekIn(endOfWeek, s.text, 0)
		eom := endOfMonth.FindStringIndex(s.text)
		if dl != nil {
			if eod == nil {
				eod = subIndex(dl.endOfDay.FindStringSubmatchIndex(s.text))
			}
			if eow == nil {
				eow, eowNext = endOfWeekIn(dl.endOfWeek, s.text, 1)
			}
		}
		// "At the end of the day" is an idiom unless a cue governs it.
		if eod != nil && idiomaticEndOfDay(s.text, eod[0]) {
			eod = nil
		}
		// "it needs to be with her by 3pm, not COB": the end of day is
		// the deadline taken back, and the clock before it is not one
		// of its words (blind-77, 3480 was COB).
		if eod != nil && supersededBefore.MatchString(s.text[:eod[0]]) {
			eod = nil
		}
		if !dateTrigger.MatchString(s.text) && (dl == nil || !dl.trigger.MatchString(s.text)) && eod == nil && eow == nil && eom == nil && !extraTrigger(s.text) {
			// "we must have seen it at least 48 hours before drop-off":
			// no date here to parse, but a span counted from an event
			// dated elsewhere.
			if mayOffsetSpan(s.text) || mayDayBeforeEvent(s.text) {
				_, pend := anchoredDeadlines(nil, s, source, dl)
				pending = append(pending, pend...)
			}
			continue
		}
		if n >= maxSentences {
			break
		}
		n++
		var found []doctales.DateMention
		// Parse windows around the triggers rather than the whole
		// sentence: the parser's cost grows with the text it is given.
		for _, w := range triggerWindows(s, dl) {
			found = append(found, searchSentence(p, w, s, dc)...)
		}
		// End of day/week/month: on the day named nearby, else on ref's.
		if eod != nil {
			day := ref
			near := false
			for _, d := range found {
				if abs(d.BeginOffset-s.start-eod[1]) < 24 || abs(eod[0]-(d.EndOffset-s.start)) < 24 {
					day, near = d.Time, true
				}
			}
			// "by end of day Thursday, my time": the parser reads no
			// date in "day Thursday" (blind-76, 3441 was today's).
			if m := eodWeekday.FindStringSubmatchIndex(s.text[eod[1]:]); !near && m != nil {
				day = nextWeekday(ref, weekdayIndex(s.text[eod[1]+m[2]:eod[1]+m[3]]))
				eod = []int{eod[0], eod[1] + m[1]}
			}
			found = dropNear(found, s, s.start+eod[0], s.start+eod[1])
			found = append(found, mention(s, eod, atHour(day, endOfBusinessHour), "hour", source))
		}
		if eow != nil {
			found = dropNear(found, s, s.start+eow[0], s.start+eow[1])
			found = append(found, mention(s, eow, atHour(endOfWeekDay(ref, eowNext), endOfBusinessHour), "day", source))
		}
		if eom != nil {
			d := time.Date(ref.Year(), ref.Month()+1, 0, 0, 0, 0, 0, ref.Location())
			found = append(found, mention(s, eom, atHour(d, endOfBusinessHour), "day", source))
		}
		found = relativeExtras(found, s, ref, source, eow != nil)
		nextMonthDays(found, s, ref)
		weekdayWeek(found, s)
		found = dayNumberAtTheLatest(found, s, ref, source)
		shortDayClock(found, s, ref)
		found = isoDates(found, s, ref, source)
		found = dayAfterTomorrow(found, s, ref, source)
		clockMinutes(found, s)
		clockEvening(found, s, ref)
		found = weekdayThenDate(dayThenClock(clockThenDay(dropContained(found), s), s), s)
		found = dropRestatedClocks(found, s)
		clockOnDay(found, s)
		for i := range found {
			markDeadline(&found[i], orig, dl)
			found[i].Source = source
			// Written in the message's zone, whatever zone the text
			// named ("12:00 noon ET tomorrow" in a mail at -07:00).
			found[i].Time = found[i].Time.In(ref.Location())
		}
		var pend []pendingSpan
		found, pend = anchoredDeadlines(found, s, source, dl) // (after markDeadline: the span is the cue)
		pending = append(pending, pend...)
		if mayZonePhrase(s.text) {
			zonedDates(found, s, dc) // (after markDeadline: a day's 17:00 is the named zone's)
		}
		if plain != s.text {
			for i := range found {
				if b, e := found[i].BeginOffset-s.start, found[i].EndOffset-s.start; b >= 0 && b <= e && e <= len(s.text) && found[i].Text == s.text[b:e] {
					found[i].Text = plain[b:e]
				}
			}
		}
		out = append(out, found...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].BeginOffset < out[j].BeginOffset })
	if len(pending) > 0 {
		out = resolvePending(out, pending, sentences)
	}
	return out
}

// dayNumberLatest is a bare day of the month with "at the latest" after
// it, which the date parser does not read as a date: "déposé au greffe
// le 15 au plus tard" (blind-52, 2493), "el 18 a más tardar", "il 18 al
// più tardi". Group 1 is the day; group 2 the cue.
var dayNumberLatest = lazyRE(`(?i)(?:^|[^\p{L}\p{N}])(?:(?:le|el|il|o|dia|op|den|am|the)\s+)?(\d{1,2})(?:er|º|°|st|nd|rd|th|\.)?\s+(au plus tard|dernier délai|a más tardar|como muy tarde|como tarde|al più tardi|o mais tardar|no máximo|op zijn laatst|ten laatste|at the latest)(?:[^\p{L}]|$)`)

// dayNumberAtTheLatest adds each dayNumberLatest that no mention covers:
// the next such day of the month from ref's (ref's own included).
func dayNumberAtTheLatest(found []doctales.DateMention, s span, ref time.Time, source string) []doctales.DateMention {
	if !strings.Contains(s.text, "tard") && !strings.Contains(s.text, "latest") && !strings.Contains(s.text, "máximo") && !strings.Contains(s.text, "laatst") {
		return found
	}
	for _, m := range dayNumberLatest.FindAllStringSubmatchIndex(s.text, 4) {
		b, e := m[0], m[3]
		for b < e && !isWordByte(s.text[b]) {
			b++
		}
		if covered(found, s.start+m[2], s.start+m[3]) {
			continue
		}
		n, _ := strconv.Atoi(s.text[m[2]:m[3]])
		day := time.Date(ref.Year(), ref.Month(), n, 0, 0, 0, 0, ref.Location())
		if n < ref.Day() || day.Day() != n {
			day = time.Date(ref.Year(), ref.Month()+1, n, 0, 0, 0, 0, ref.Location())
		}
		if day.Day() != n || n < 1 {
			continue
		}
		d := mention(s, []int{b, e}, day, "day", source)
		d.Deadline, d.Cue = false, "" // markDeadline reads the cue after it
		found = append(found, d)
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].BeginOffset < found[j].BeginOffset })
	return found
}

// weekAfterDay is British "week" after a weekday: "Tuesday week" is the
// Tuesday a week after the coming one (blind-52, 2476: "by Tuesday week,
// the 22nd").
var weekAfterDay = lazyRE(`^\s+week(?:[^\p{L}'’]|$)`)

// weekdayWeek moves each weekday that weekAfterDay follows a week on.
func weekdayWeek(found []doctales.DateMention, s span) {
	for i := range found {
		d := &found[i]
		e := d.EndOffset - s.start
		if d.Precision != "day" || e < 0 || e > len(s.text) || !weekAfterDay.MatchString(s.text[e:]) {
			continue
		}
		if _, ok := weekdayIn(d.Text); !ok || hasMonthName(d.Text) || strings.ContainsAny(d.Text, "0123456789") {
			continue
		}
		d.Time = d.Time.AddDate(0, 0, 7)
	}
}

// nextMonthMark is Italian "p.v." (prossimo venturo) after a day: "entro
// il 18 p.v." is the 18th of next month (blind-55, 2626).
var nextMonthMark = lazyRE(`^\s*p\.\s?v\.`)

// nextMonthDays moves each day of the month marked nextMonthMark to the
// next month after ref's.
func nextMonthDays(found []doctales.DateMention, s span, ref time.Time) {
	for i := range found {
		d := &found[i]
		e := d.EndOffset - s.start
		if d.Precision != "day" || e < 0 || e > len(s.text) || hasMonthName(d.Text) || !nextMonthMark.MatchString(s.text[e:]) {
			continue
		}
		if t := time.Date(ref.Year(), ref.Month()+1, d.Time.Day(), d.Time.Hour(), d.Time.Minute(), 0, 0, d.Time.Location()); t.Day() == d.Time.Day() {
			d.Time = t
		}
	}
}

// dayAfterTomorrowWords is "the day after tomorrow" in the languages
// the engine reads. The date parser reads some of them as tomorrow
// ("pasado mañana" as its "mañana", English as its "tomorrow") and
// Italian's "dopodomani" not at all.
var dayAfterTomorrowWords = lazyRE(`(?i)(?:^|[^\p{L}])((?:the )?day after tomorrow|pasado ma[ñn]ana|dopodomani|depois de amanh[ãa]|apr[èe]s-demain|[üu]bermorgen|overmorgen)(?:[^\p{L}]|$)`)

// dayAfterTomorrow puts each "day after tomorrow" of s two days after
// ref: a mention the parser read inside the phrase as tomorrow moves a
// day on, keeping its time of day ("pasado mañana a las 10"); where the
// parser read nothing, the phrase is the end of that day's business, as
// a bare day is. A cue or a request decides whether it is a deadline.
func dayAfterTomorrow(found []doctales.DateMention, s span, ref time.Time, source string) []doctales.DateMention {
	for _, m := range dayAfterTomorrowWords.FindAllStringSubmatchIndex(s.text, 2) {
		b, e := s.start+m[2], s.start+m[3]
		day := dayOf(ref).AddDate(0, 0, 2)
		read := false
		for i := range found {
			d := &found[i]
			if d.BeginOffset >= e || d.EndOffset <= b {
				continue // not the phrase's
			}
			read = true
			switch dayOf(d.Time.In(ref.Location())) {
			case dayOf(ref).AddDate(0, 0, 1):
				d.Time = d.Time.AddDate(0, 0, 1)
			case day:
			default:
				continue
			}
			if d.BeginOffset > b && d.EndOffset-s.start <= len(s.text) {
				d.Text, d.BeginOffset = s.text[b-s.start:d.EndOffset-s.start], b
			}
		}
		if !read {
			f := mention(s, m[2:4], atHour(day, endOfBusinessHour), "day", source)
			f.Deadline, f.Cue = false, ""
			found = append(found, f)
		}
	}
	return found
}

// minutesAfter is the minutes of a clock the parser cut after its hour:
// ":30" of "morgen um 9:30", ".15" of "domani alle 8.15". Not a date's
// next part ("16.12.2026").
var minutesAfter = lazyRE(`^[:.]([0-5]\d)(?:[^\d.:]|[.:](?:[^\d]|$)|$)`)

// clockMinutes gives a mention at a whole hour the minutes written right
// after it: the parser reads some languages' "um 9:30" as "um 9".
func clockMinutes(found []doctales.DateMention, s span) {
	for i := range found {
		d := &found[i]
		e := d.EndOffset - s.start
		if d.Precision != "hour" && d.Precision != "minute" || d.Time.Minute() != 0 || e <= 0 || e > len(s.text) || d.BeginOffset < s.start {
			continue
		}
		if c := s.text[e-1]; c < '0' || c > '9' {
			continue // "demain matin": no hour written
		}
		m := minutesAfter.FindStringSubmatchIndex(s.text[e:])
		if m == nil {
			continue
		}
		mi, _ := strconv.Atoi(s.text[e+m[2] : e+m[3]])
		d.Time = d.Time.Add(time.Duration(mi) * time.Minute)
		d.EndOffset = s.start + e + m[3]
		d.Text = s.text[d.BeginOffset-s.start : e+m[3]]
		d.Precision = "minute"
	}
}

// meridiem is an hour with am or pm.
var meridiem = lazyRE(`(?i)\d\s*(?:[ap]m|[ap]\.m\.?)(?:[^\p{L}]|$)`)

// clockEvening moves a morning hour the sentence says is in the
// evening or afternoon ("antes de las siete de la tarde", "sept heures
// du soir", "entro le 7 di sera") twelve hours on; the parser reads the
// hour alone. An hour that had already passed today and was put on
// tomorrow for it comes back to today when its evening is still ahead,
// unless the sentence names another day.
func clockEvening(found []doctales.DateMention, s span, ref time.Time) {
	for i := range found {
		d := &found[i]
		e := d.EndOffset - s.start
		if d.Precision != "hour" && d.Precision != "minute" || e <= 0 || e > len(s.text) || d.BeginOffset < s.start {
			continue
		}
		if h := d.Time.Hour(); h < 1 || h > 11 {
			continue
		}
		// After the mention, or after its last digit ("7 di" + "sera").
		after := s.text[e:]
		if !eveningAfter.MatchString(after) {
			t := d.Text
			k := strings.LastIndexAny(t, "0123456789")
			if k < 0 || k+1 >= len(t) || !eveningAfter.MatchString(t[k+1:]+after) {
				continue
			}
		}
		if meridiem.MatchString(d.Text+head(after, 8)) || namesZone(d.Text) {
			continue // the parser reads "pm" and a zone itself
		}
		t := d.Time.Add(12 * time.Hour)
		_, named := weekdayIn(s.text)
		if dayOf(d.Time.In(ref.Location())).Equal(dayOf(ref).AddDate(0, 0, 1)) && t.Add(-24*time.Hour).After(ref) && !named && !tomorrowWord.MatchString(s.text) && !strings.Contains(strings.ToLower(s.text), "tomorrow") {
			t = t.Add(-24 * time.Hour)
		}
		d.Time = t
	}
}

// clockThenDay merges a time of day followed by its day ("4:00 PM CT
// today", "10:00 tomorrow") into one mention: the clock's hour and zone
// on the day's date.
func clockThenDay(out []doctales.DateMention, w span) []doctales.DateMention {
	for i := 0; i+1 < len(out); i++ {
		a, b := &out[i], &out[i+1]
		if a.Precision != "minute" || b.Precision != "day" || b.BeginOffset < a.EndOffset || b.BeginOffset-w.start > len(w.text) {
			continue
		}
		if !clockDayGap.MatchString(w.text[a.EndOffset-w.start : b.BeginOffset-w.start]) {
			continue
		}
		// The clock's own zone is in the gap ("CT"), else the clock is in
		// the message's; the day written wins over any day the clock
		// was put on alone (a past hour moved to the next day).
		zone := zoneAfter(w.text[a.EndOffset-w.start : b.BeginOffset-w.start])
		if zone == nil {
			zone = a.Time.Location()
		}
		at := a.Time.In(zone)
		a.Time = time.Date(b.Time.Year(), b.Time.Month(), b.Time.Day(), at.Hour(), at.Minute(), 0, 0, zone).In(b.Time.Location())
		out = absorbNext(out, i, w)
	}
	return out
}

// absorbNext merges out[i+1] into out[i], whose time is already set: the
// text runs to the end of the second, which is dropped; either's deadline
// and the first cue found stand.
func absorbNext(out []doctales.DateMention, i int, w span) []doctales.DateMention {
	a, b := &out[i], &out[i+1]
	a.EndOffset = b.EndOffset
	a.Text = w.text[a.BeginOffset-w.start : a.EndOffset-w.start]
	a.Deadline = a.Deadline || b.Deadline
	if a.Cue == "" {
		a.Cue = b.Cue
	}
	return append(out[:i+1], out[i+2:]...)
}

// weekdayThenDate merges a weekday's name followed by the date it names,
// which the parser read apart: "até quarta-feira, dia 20 de janeiro" was
// next Wednesday, the 13th (blind-70, 3223). The date wins when its
// weekday is the one named.
func weekdayThenDate(out []doctales.DateMention, w span) []doctales.DateMention {
	for i := 0; i+1 < len(out); i++ {
		a, b := &out[i], &out[i+1]
		if a.Precision != "day" || b.Precision != "day" && b.Precision != "minute" && b.Precision != "hour" || b.BeginOffset < a.EndOffset || b.BeginOffset-w.start > len(w.text) || a.EndOffset < w.start {
			continue
		}
		wd, ok := weekdayIn(a.Text)
		if !ok || strings.ContainsAny(a.Text, "0123456789") || !strings.ContainsAny(b.Text, "0123456789") || int(b.Time.Weekday()) != wd {
			continue
		}
		if !weekdayDateGap.MatchString(w.text[a.EndOffset-w.start : b.BeginOffset-w.start]) {
			continue
		}
		a.Time, a.Precision = b.Time, b.Precision
		out = absorbNext(out, i, w)
	}
	return out
}

// weekdayDateGap is what stands between a weekday and its date: "quarta-
// feira, dia 20", "jeudi, le 17", "Friday the 18th".
var weekdayDateGap = lazyRE(`(?i)^[\s,]*(?:(?:dia|el|le|den|il|de|the|op|am)\s+)?$`)

// dayThenClock merges a day followed by its clock, which the parser
// read apart, into one mention: "lundi 14 déc. 2026 18:30" (a calendar
// line) gave "14 déc" and "2026 18:30", today at 18:30.
func dayThenClock(out []doctales.DateMention, w span) []doctales.DateMention {
	for i := 0; i+1 < len(out); i++ {
		a, b := &out[i], &out[i+1]
		if a.Precision != "day" || b.BeginOffset < a.EndOffset || b.EndOffset-w.start > len(w.text) || a.EndOffset < w.start {
			continue
		}
		if !dayClockGap.MatchString(w.text[a.EndOffset-w.start : b.BeginOffset-w.start]) {
			continue
		}
		c := yearClock.FindStringSubmatch(b.Text)
		if c == nil || c[1] != "" && c[1] != strconv.Itoa(a.Time.Year()) {
			continue
		}
		end := b.BeginOffset + len(c[0]) // not the words the parser took after the clock
		h, _ := strconv.Atoi(c[2])
		mi, _ := strconv.Atoi(c[3])
		if h > 23 || mi > 59 {
			continue
		}
		// "Tuesday around 3:30": the afternoon the clock was read as.
		if (b.Precision == "minute" || b.Precision == "hour") && b.Time.Minute() == mi && b.Time.Hour()%12 == h%12 {
			h = b.Time.Hour()
		}
		a.Time = time.Date(a.Time.Year(), a.Time.Month(), a.Time.Day(), h, mi, 0, 0, a.Time.Location())
		a.Precision = "minute"
		a.EndOffset = end
		a.Text = w.text[a.BeginOffset-w.start : a.EndOffset-w.start]
		a.Deadline = a.Deadline || b.Deadline
		if a.Cue == "" {
			a.Cue = b.Cue
		}
		out = append(out[:i+1], out[i+2:]...)
	}
	return out
}

// dayClockGap is what stands between a day and its clock ("14 déc. 2026
// 18:30": ". "; "Tuesday after school, around 3:30"), and yearClock the clock the parser read with the year
// before it ("2026 18:30"; group 1 the year, 2 and 3 hour and minute).
var (
	dayClockGap = lazyRE(`(?i)^[\s.,]*(?:(?:after\s+)?(?:school|work|lunch|class)[\s,]*|in the (?:afternoon|morning|evening)[\s,]*)?(?:(?:at|around|about|from|@)\s+)?$`)
	yearClock   = lazyRE(`(?i)^(?:(\d{4})\s*,?\s+)?(?:(?:à|at|um|alle|a las|às|om|-)\s+)?(\d{1,2})[:h.](\d{2})\b`)
)

// clockThenDate is a 12-hour clock before the date it is on, "on" or a
// comma between: "9am on 22 December", "8 a.m., December 22".
var clockThenDate = lazyRE(`(?i)^\d{1,2}(?::[0-5]\d)?\s*[ap]\.?m\b\.?\s*(?:,\s*|\s+on\s+|\s+)((?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?(?:the\s+)?(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))`)

// clockDayGap is what stands between a time of day and its day: a zone,
// a comma, "on", the clock restated as "noon" ("12:00 noon ET tomorrow").
var clockDayGap = lazyRE(`^\s*(?:(?i:noon|midday)\s*)?(\(?(?:[A-Z]{2,4}|AoE)\)?)?\s*,?\s*(on\s+)?$`)

// idiomaticEndOfDay reports whether the end-of-day expression at b of text
// is the idiom "at the end of the day" or a narrative "near the end of the
// day": atThe before it and no deadline cue before that.
func idiomaticEndOfDay(text string, b int) bool {
	m := atThe.FindStringIndex(text[:b])
	return m != nil && !deadlineCueBefore.MatchString(text[:m[0]])
}

// endOfWeekIn finds re, an end-of-week expression, in text: the bounds of
// its group g (0 for the whole match) and whether it means next week's (its
// group "next" matched).
func endOfWeekIn(re *fastre.Regexp, text string, g int) ([]int, bool) {
	m := re.FindStringSubmatchIndex(text)
	if m == nil {
		return nil, false
	}
	// "entro la settimana" is this week; "entro la settimana prossima",
	// "… del 25" another one, which the parser reads.
	if w := strings.ToLower(text[m[0]:m[1]]); strings.HasSuffix(w, "settimana") && otherWeekAfter.MatchString(text[m[1]:]) {
		return nil, false
	}
	i := re.SubexpIndex("next")
	return m[2*g : 2*g+2], i > 0 && m[2*i] >= 0
}

// subIndex returns the bounds of group 1 of a FindStringSubmatchIndex
// result, or nil.
func subIndex(m []int) []int {
	if m == nil {
		return nil
	}
	return m[2:4]
}

// otherWeekAfter is what makes "la settimana" before it another week than
// this one: "prossima", "successiva", "del 25", "dopo".
var otherWeekAfter = lazyRE(`(?i)^\s+(?:prossima|successiva|seguente|dopo|che viene|del|dal|di|in cui)\b`)

// endOfWeekDay returns the Friday that "end of the week" means at ref: the
// Friday of ref's week (weeks start on Monday), or of the next week when
// next is set or the week's Friday is past (on a weekend).
func endOfWeekDay(ref time.Time, next bool) time.Time {
	fri := weekStart(ref).AddDate(0, 0, 4)
	if next || dayOf(ref).After(fri) {
		fri = fri.AddDate(0, 0, 7)
	}
	return fri
}

// weekStart returns the Monday, at midnight, of t's week.
func weekStart(t time.Time) time.Time {
	back := (int(t.Weekday()) + 6) % 7
	return dayOf(t).AddDate(0, 0, -back)
}

// dayOf returns midnight of t's day in t's zone.
func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// dateWindowBytes is how far around a trigger the date parser reads.
const dateWindowBytes = 48

// triggerWindows returns the pieces of s around its date triggers, merged
// when they overlap, cut at word boundaries.
func triggerWindows(s span, dl *dateLang) []span {
	var out []span
	ms := dateTrigger.FindAllStringIndex(s.text, 8)
	if dl != nil {
		ms = append(ms, dl.trigger.FindAllStringIndex(s.text, 8)...)
		sort.Slice(ms, func(i, j int) bool { return ms[i][0] < ms[j][0] })
	}
	for _, m := range ms {
		b, e := m[0]-dateWindowBytes, m[1]+dateWindowBytes
		if b < 0 {
			b = 0
		}
		if e > len(s.text) {
			e = len(s.text)
		}
		for b > 0 && s.text[b-1] != ' ' && m[0]-b < 2*dateWindowBytes {
			b--
		}
		for e < len(s.text) && s.text[e] != ' ' && e-m[1] < 2*dateWindowBytes {
			e++
		}
		b, e = runeStart(s.text, b), runeStart(s.text, e)
		if n := len(out); n > 0 && b <= out[n-1].end-s.start {
			if s.start+e <= out[n-1].end {
				continue
			}
			out[n-1].end = s.start + e
			out[n-1].text = s.text[out[n-1].start-s.start : e]
			continue
		}
		out = append(out, span{text: s.text[b:e], start: s.start + b, end: s.start + e})
	}
	return out
}

// unwrapLines returns s with its line breaks (\r, \n) as spaces.
func unwrapLines(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}

// squeezeSpaces returns s with each run of spaces as one space, and the
// offset in s of each byte of the result.
// A nil map means s had no run: offsets are the same (see at).
func squeezeSpaces(s string) (string, []int) {
	if !strings.Contains(s, "  ") {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	m := make([]int, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && i > 0 && s[i-1] == ' ' {
			continue
		}
		b = append(b, s[i])
		m = append(m, i)
	}
	return string(b), m
}

// shortDay is phone mail's "tomorrow" and "today": "tmrw", "2moro", "tdy".
var shortDay = lazyRE(`(?i)\b(?:(tmrw|tmw|tmrow|tomoz|2moro|2morrow)|(tdy))\b`)

// mayShortDay is shortDay's cheap gate.
func mayShortDay(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "tm") || strings.Contains(l, "2mo") || strings.Contains(l, "tomoz") || strings.Contains(l, "tdy")
}

// expandShortDays writes each shortDay of s in full for the parser, and
// returns the new text with the offsets of s each of its bytes comes from
// (m maps s to the text before it, or is nil for the identity); the
// letters of a word written in full all come from the short word.
func expandShortDays(s string, m []int) (string, []int) {
	ms := shortDay.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s, m
	}
	orig := func(i int) int {
		if m == nil {
			return i
		}
		return m[i]
	}
	var b strings.Builder
	out := make([]int, 0, len(s)+8*len(ms))
	at := 0
	for _, x := range ms {
		word := "tomorrow"
		if x[2] < 0 {
			word = "today"
		}
		for i := at; i < x[0]; i++ {
			out = append(out, orig(i))
		}
		b.WriteString(s[at:x[0]])
		for k := range word {
			out = append(out, orig(min(x[0]+k, x[1]-1)))
		}
		b.WriteString(word)
		at = x[1]
	}
	for i := at; i < len(s); i++ {
		out = append(out, orig(i))
	}
	b.WriteString(s[at:])
	return b.String(), out
}

// runeStart moves i back to the start of the rune it falls in.
func runeStart(s string, i int) int {
	for i > 0 && i < len(s) && (s[i]&0xC0) == 0x80 {
		i--
	}
	return i
}

// safeSearch runs the date parser's Search, turning a panic inside it
// (go-dateparser v1.4.7 slices out of range in SplitSentence on some
// non-English text) into an error: a sentence the parser cannot read has
// no dates, and never takes the extraction down.
func safeSearch(p *dps.Parser, cfg *dps.Configuration, text string) (res []dps.SearchResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("date parser panicked on %d bytes: %v", len(text), r)
		}
	}()
	_, res, err = p.Search(cfg, text)
	return res, err
}

// tonightAfter is "tonight" just after a clock: "21 di stasera", "20h
// ce soir", "22 Uhr heute Abend", "las 21 de esta noche".
var tonightAfter = lazyRE(`(?i)^[\s,]*(?:(?:di|de|del|of|van)\s+)?(?:stasera|stanotte|ce soir|cette nuit|heute abend|heute nacht|esta noche|hoje à noite|hoje a noite|vanavond|vannacht|tonight|this evening)(?:[^\p{L}]|$)`)

// relativeDay is "today" (group 1) or "tomorrow" (group 2) in English,
// with the short forms of phone mail ("by EOD tmrw", blind-82, 3675, was
// today's end of day), and the languages of dateLanguages.
var relativeDay = lazyRE(`(?i)(?:^|\b)(?:(today|tdy|hoy|aujourd['’]hui|heute|hoje|oggi|vandaag)|(tomorrow|tmrw|tmw|tmrow|tomoz|2moro|2morrow|mañana|demain|morgen|amanhã|domani))(?:\b|$)`)

// notBefore is a negation shortly before an hour: "no entra hasta las
// once", "kommt nicht vor zehn Uhr".
var notBefore = lazyRE(`(?i)(?:^|[^\p{L}])(?:no|not|n't|nicht|ne|non|niet|não|nao)(?:[^\p{L}]|$)`)

// foreignHourWords are the hours foreignWordClock names, 1 to 12.
var foreignHourWords = map[string]int{
	"una": 1, "uma": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12,
	"duas": 2, "três": 3, "quatro": 4, "sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12,
	"due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7, "otto": 8, "dieci": 10, "undici": 11, "dodici": 12,
	"zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "funf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "zwolf": 12,
	"twee": 2, "drie": 3, "vijf": 5, "zes": 6, "zeven": 7, "negen": 9, "tien": 10, "twaalf": 12,
	"deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "douze": 12,
}

// mayForeignWordClock is foreignWordClock's cheap gate: one of its cues.
func mayForeignWordClock(text string) bool {
	for _, w := range []string{"las ", "às ", "das ", "até ", "alle ", " le ", "Uhr", "uhr", "uur", "heures", "una", "uma"} {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// nearestRelativeDay returns which relativeDay word is nearest offset at
// of text: 1 for today's, 2 for tomorrow's, 0 for none.
func nearestRelativeDay(text string, at int) int {
	best, dist := 0, len(text)+1
	for _, m := range relativeDay.FindAllStringSubmatchIndex(text, 8) {
		d := abs(m[0] - at)
		if m[1] <= at {
			d = at - m[1]
		}
		if d < dist {
			best, dist = 1, d
			if m[4] >= 0 {
				best = 2
			}
		}
	}
	return best
}

// covered reports whether [b, e) overlaps a mention of ds.
func covered(ds []doctales.DateMention, b, e int) bool {
	for _, d := range ds {
		if d.BeginOffset < e && b < d.EndOffset {
			return true
		}
	}
	return false
}

// todaysThing is what follows "today's" when it names the day of an event.
var todaysThing = lazyRE(`(?i)^['’]s\s+(\w+\s+)?(meeting|call|review|session|deadline|stand-?up|demo|presentation|class|appointment|event|interview|briefing|sync|workshop|webinar|release|launch|cut-?off)\b`)

// presentDay reports whether a mention of today is the present age, not a
// day: "today's most demanding games" (but "today's meeting" is a day).
func presentDay(txt, after string) bool {
	if !strings.EqualFold(strings.TrimSpace(lastWords(txt, 1)), "today") {
		return false
	}
	return (strings.HasPrefix(after, "'s") || strings.HasPrefix(after, "’s")) && !todaysThing.MatchString(after)
}

// soFar reports whether "until today" is "so far", not a deadline: "konnten
// wir bis heute keinen Zahlungseingang feststellen", "hasta hoy no hemos
// recibido", "until today we had not heard back": today, then a negation
// within a few words.
func soFar(txt, after string) bool {
	return todayWord.MatchString(strings.TrimSpace(txt)) && negationSoon.MatchString(after)
}

var (
	todayWord    = lazyRE(`(?i)^(?:today|heute|hoy|aujourd['’]hui|oggi|hoje|vandaag|jetzt|now|dato)$`)
	negationSoon = lazyRE(`(?i)^[^.!?]{0,16}?\b(?:kein(?:e[nmrs]?)?|nicht|nichts|noch nie|no|not|never|pas|non|n[ãa]o|geen|niet|nada|nunca|rien|niente|mai)\b`)
)

// dayBefore returns the index of the mention of a whole day in ds that
// ends at most 24 bytes before offset at, or -1.
func dayBefore(ds []doctales.DateMention, at int) int {
	for i := len(ds) - 1; i >= 0; i-- {
		if d := ds[i]; d.Precision == "day" && d.EndOffset <= at && at-d.EndOffset <= 24 {
			return i
		}
	}
	return -1
}

// squeezedLen is the length of s with each run of spaces counted as one.
func squeezedLen(s string) int {
	n, space := 0, false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		n++
	}
	return n
}

// lastWords returns the last n words of s, lower case.
func lastWords(s string, n int) string {
	f := strings.Fields(strings.ToLower(s))
	return strings.Join(f[max(0, len(f)-n):], " ")
}

// possessiveDay is a day with a possessive "'s": "before Thursday's review".
var possessiveDay = lazyRE(`(?i)\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow)(['’]s)\b`)

// blankPossessive blanks the "'s" of possessive days, which the date parser
// does not read as dates, keeping offsets.
func blankPossessive(s string) string { return blankGroup(possessiveDay, s) }

// restatedDay is a weekday or a date in brackets, or after a comma, that
// restates the day before it: "6pm tomorrow (Friday)", "by 23:00 GMT
// today (8 December)" (blind-57, 2674: the parser read 3 February 2000),
// "by 12:00 today (Tuesday 08/12/2026)" (blind-78, 3524: 12:00 was lost).
var restatedDay = lazyRE(`(?i)\b(?:today|tomorrow|tonight)\s*(\((?:mon|tues|wednes|thurs|fri|satur|sun)day\)|\(\s*(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?\s*\)|\(\s*(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?(?:\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?)(?:,?\s+\d{4})?\s*\)|,\s*(?:mon|tues|wednes|thurs|fri|satur|sun)day\b(?:,?\s+\d{1,2}(?:st|nd|rd|th)?\b(?:\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b)?)?)`)

// restatedClockCue is what says a clock again in another zone: "4pm CET,
// which is 3pm UK time", "10:00 ET (i.e. 16:00 here)".
var restatedClockCue = lazyRE(`(?i)(?:,|\(|\s)\s*(?:which is|which would be|that is|that's|that’s|i\.e\.?|or|=)\s*$`)

// dropRestatedClocks drops a lone clock that restates, in another zone,
// the time of the dated mention just before it: "Thursday 10 December at
// 4pm CET, which is 3pm UK time" was also today at 15:00 (blind-88,
// 3926).
func dropRestatedClocks(found []doctales.DateMention, s span) []doctales.DateMention {
	for i := 1; i < len(found); i++ {
		a, b := found[i-1], found[i]
		if a.Precision != "minute" && a.Precision != "hour" || !clockOnly.MatchString(b.Text) {
			continue
		}
		gb, ge := a.EndOffset-s.start, b.BeginOffset-s.start
		if gb < 0 || ge > len(s.text) || gb > ge || ge-gb > 24 || !restatedClockCue.MatchString(s.text[gb:ge]) {
			continue
		}
		found = append(found[:i], found[i+1:]...)
		i--
	}
	return found
}

// fourDigitClock is a 24-hour clock written without its colon after a
// word that gives a time, in the languages the engine reads: "by 1430",
// "before 0600Z", "antes de las 1300", "até às 1400", "vóór 0900",
// "entro le 0400Z"; groups 1 and 2 the hour and minute, 3 a clock's
// mark ("hrs"), 4 a UTC mark.
var fourDigitClock = lazyRE(`(?i)\b(?:by|before|b4|until|till|no later than|not later than|at|antes de las|antes das|a las|hasta las|até [àa]s|at[ée] as|[àa]s|v[óo]{1,2}r|om|uiterlijk|bis|vor|um|entro le|prima delle|alle|avant|d['’]ici|[àa])\s+([01]\d|2[0-3])([0-5]\d)(?:\s*(hrs?|h|uhr|uur|lt|local)\b|\s*(z|utc|gmt)\b)?`)

// fourDigitDayAfter is the day written just after a fourDigitClock:
// "today", "tomorrow", "de mañana", "morgen", "di lunedì"; group 1 the
// word.
var fourDigitDayAfter = lazyRE(`(?i)^\s*(?:(?:on|de|di|do|da|del|am|op|le)\s+)?(today|tonight|tomorrow|tmrw|hoy|ma[ñn]ana|heute|morgen|hoje|amanh[ãa]|oggi|domani|vandaag|aujourd['’]hui|demain|monday|tuesday|wednesday|thursday|friday|saturday|sunday|lunes|martes|mi[ée]rcoles|jueves|viernes|lundi|mardi|mercredi|jeudi|vendredi|montag|dienstag|mittwoch|donnerstag|freitag|luned[iì]|marted[iì]|mercoled[iì]|gioved[iì]|venerd[iì]|maandag|dinsdag|woensdag|donderdag|vrijdag|segunda|ter[çc]a|quarta|quinta|sexta)\b`)

// clockOnBefore is a clock with its minutes, maybe a zone, and "on" just
// before a date: "before 16:00 on 14 Jan", "06:00 UTC on 14 Jan 2027";
// clockOnStart the same at the start of a mention.
var (
	clockOnBefore = lazyRE(`(?i)\b(\d{1,2}):([0-5]\d)(?:\s*((?-i:[A-Z]{2,4})|Z))?\s*,?\s+on\s+$`)
	clockOnStart  = lazyRE(`(?i)^(\d{1,2}):([0-5]\d)(?:\s*((?-i:[A-Z]{2,4})|Z))?\s*,?\s+on\s+`)
)

// clockOnDay gives a date the clock written before it with "on": the
// parser reads "before 16:00 on 14 Jan" as the day alone (17:00), and
// "06:00 UTC on 14 Jan 2027" was put at 18:00 (blind-95, 4194). A
// two-digit hour is a 24-hour clock; one digit is read in working hours.
func clockOnDay(found []doctales.DateMention, s span) {
	at := func(d *doctales.DateMention, hs, ms, zone string) {
		h, _ := strconv.Atoi(hs)
		mi, _ := strconv.Atoi(ms)
		if len(hs) == 1 {
			h = workingHour(h)
		}
		if h > 23 {
			return
		}
		loc := d.Time.Location()
		if zone != "" {
			if z := zoneAfter(zone); z != nil {
				loc = z
			} else if zone != "Z" {
				return
			} else {
				loc = time.UTC
			}
		}
		day := d.Time.In(loc)
		if d.Precision == "day" {
			day = d.Time
		}
		d.Time = time.Date(day.Year(), day.Month(), day.Day(), h, mi, 0, 0, loc).In(d.Time.Location())
		d.Precision = "minute"
	}
	for i := range found {
		d := &found[i]
		b, e := d.BeginOffset-s.start, d.EndOffset-s.start
		if b < 0 || e > len(s.text) || b > e {
			continue
		}
		switch d.Precision {
		case "day":
			if m := clockOnBefore.FindStringSubmatchIndex(s.text[:b]); m != nil && !covered(found, s.start+m[0], s.start+m[1]) {
				zone := ""
				if m[6] >= 0 {
					zone = s.text[m[6]:m[7]]
				}
				at(d, s.text[m[2]:m[3]], s.text[m[4]:m[5]], zone)
				if d.Precision == "minute" {
					d.BeginOffset, d.Text = s.start+m[0], s.text[m[0]:e]
				}
			}
		case "minute", "hour":
			if m := clockOnStart.FindStringSubmatch(d.Text); m != nil && len(m[1]) == 2 {
				at(d, m[1], m[2], m[3])
			}
		}
	}
}

// noonNext is "noon" or "midday" just after an hour: the "12" of "12
// noon" is said again by it.
var noonNext = lazyRE(`(?i)^\s*(?:noon|midday)\b`)

// twelveNoon is the hour said again before noon: "12 noon", "12 midday".
// Group 1, the number, is blanked for the parser.
var twelveNoon = lazyRE(`(?i)(?:^|[^\d:.])(12\s*)(?:noon|midday)\b`)

// forDuration is how long something lasts, which the parser reads as a
// time ("together for an hour on Wednesday at 7pm" was the 1st at 7pm).
var forDuration = lazyRE(`(?i)\b(for\s+(?:about\s+|around\s+)?(?:an?|one|two|three|half an|\d{1,2})\s+(?:hours?|minutes?|mins?))\b`)

// dotClock is a clock written with a dot after a word that gives a time,
// "at 5.30", "by 11.45am", "before 9.15"; group 1 is the dot. A number
// with more after it ("at 5.30.1", "by 5.12.2026") is not one.
var dotClock = fastre.MustCompile(`(?i)\b(?:at|by|before|until|till|from|around|after|about|@)\s+(?:[1-9]|1\d|2[0-3])(\.)[0-5]\d(?:\s*(?:am|pm|a\.m\.|p\.m\.))?(?:[\s,;:!?)]|\.(?:\s|$)|$)`)

// approxClock is a word of approximation before a clock: group 1, with an
// "at" before it ("at around 10:00"), which findDates blanks.
var approxClock = lazyRE(`(?i)(?:^|[^\p{L}])((?:at\s+)?(?:roughly|around|about|approximately|approx\.|circa|ca\.)\s+)(?:[01]?\d|2[0-3])(?:[:.][0-5]\d|\s*[ap]\.?m\b)`)

// mayApproxClock reports whether text may hold an approxClock.
func mayApproxClock(text string) bool {
	return strings.ContainsAny(text, "0123456789") && (strings.Contains(text, "round") || strings.Contains(text, "rough") || strings.Contains(text, "bout") || strings.Contains(text, "rox") || strings.Contains(text, "ca"))
}

// horasClock is an hour with "horas" after "as", "às" or "las": group 1
// the word, which hoursAsClock rewrites.
var horasClock = lazyRE(`(?i)(?:^|[^\p{L}])(?:[àa]s|las)\s+(?:[01]?\d|2[0-3])(\s+horas)\b`)

// hoursAsClock writes the " horas" of each horasClock in text as "h" and
// spaces, which the parser reads as the hour; offsets hold.
func hoursAsClock(text string) string {
	ms := horasClock.FindAllStringSubmatchIndex(text, -1)
	if ms == nil {
		return text
	}
	b := []byte(text)
	for _, m := range ms {
		b[m[2]] = 'h'
		for i := m[2] + 1; i < m[3]; i++ {
			b[i] = ' '
		}
	}
	return string(b)
}

// colonDotClocks writes the dot of each dotClock in text as a colon,
// which the parser reads; offsets hold.
func colonDotClocks(text string) string {
	ms := dotClock.FindAllStringSubmatchIndex(text, -1)
	if ms == nil {
		return text
	}
	b := []byte(text)
	for _, m := range ms {
		b[m[2]] = ':'
	}
	return string(b)
}

// wePronoun is the word "we" (English and Dutch), which the parser takes
// for Wednesday's abbreviation; group 1 is blanked for it.
var wePronoun = lazyRE(`(?i)(?:^|[^\p{L}'’])(we)(?:[^\p{L}'’]|$)`)

// placeAfterHour is the "in (the)" of a place after an hour: "Thursday at 2
// in the small conference room", which the parser reads as a month.
var placeAfterHour = lazyRE(`(?i)\b(?:at|around|by|about)\s+\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?(\s+in(?:\s+the)?)\b`)

// blankRestatedDay blanks a restated weekday ("tomorrow (Thursday)",
// "11:00 tomorrow, Thursday 17 December"), which makes the parser drop the
// time of day before it or read the whole as a time on 1 January 2000,
// keeping offsets.
func blankRestatedDay(s string) string {
	s = blankGroup(restatedDay, s)
	if strings.Contains(s, "(") {
		s = blankGroup(foreignRestatedDay, s)
	}
	return blankGroup(foreignRestatedWeekday, s)
}

// foreignRestatedWeekday is today or tomorrow in the other languages with
// the day's name after it, no date: "mañana jueves a las 18:00 UTC",
// "demain jeudi à midi", "morgen Donnerstag um 9", "domani giovedì". The
// parser reads the pair as no date, or the weekday alone (blind-77, 3491
// lost its zone: 18:00 on the message's clock). Group 1, the weekday, is
// blanked for the parser; a day number after it keeps it ("demain jeudi
// 14" is read whole).
var foreignRestatedWeekday = lazyRE(`(?i)(?:^|[^\p{L}])(?:hoy|mañana|aujourd['’]hui|demain|heute|morgen|hoje|amanhã|oggi|domani|vandaag),?\s+((?:lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|segunda|ter[çc]a|quarta|quinta|sexta|luned[iì]|marted[iì]|mercoled[iì]|gioved[iì]|venerd[iì]|sabato|domenica|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)(?:-feira)?)(?:\s*[,.;:!?)]|\s+\p{L}|\s*$)`)

// foreignRestatedDay is today or tomorrow in the other languages with the
// day restated in brackets: "amanhã (sexta) ao meio-dia", "mañana
// (miércoles)", "demain (mardi 15)", "morgen (Do, 10.12.)" (blind-69,
// 3183). Group 1, the bracket, is blanked for the parser.
var foreignRestatedDay = lazyRE(`(?i)(?:^|[^\p{L}])(?:hoy|mañana|aujourd['’]hui|demain|heute|morgen|hoje|amanhã|oggi|domani|vandaag)\s*(\(\s*\p{L}{2,12}(?:-feira)?\.?(?:,?\s*\d{1,2}(?:[./]\d{1,2}(?:[./]\d{2,4})?)?\.?)?\s*\))`)

// blankGroup blanks group 1 of each match of re in s, keeping offsets.
func blankGroup(re interface {
	FindAllStringSubmatchIndex(string, int) [][]int
}, s string) string {
	ms := re.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	b := []byte(s)
	for _, m := range ms {
		for i := m[2]; i < m[3]; i++ {
			b[i] = ' '
		}
	}
	return string(b)
}

// englishDayAbbrev are the two-letter English weekdays that are common
// words in the other languages: "tu" (you), "su" (his, on), "sa" (his).
var englishDayAbbrev = lazyRE(`(?i)(?:^|[^\p{L}'’])(tu|su|sa)(?:[^\p{L}'’.]|$)`)

// shortDayBefore is an abbreviated weekday just before a clock: "before
// thurs 10am", "fri at 3pm"; group 1 the abbreviation.
var shortDayBefore = lazyRE(`(?i)\b(mon|tues?|weds?|thu(?:rs?)?|fri|sat|sun)\.?\s+(?:at\s+|@\s*)?$`)

// shortDayClock moves a clock the parser read on the message's day to the
// abbreviated weekday written just before it ("before thurs 10am": the
// parser read "10am" alone).
func shortDayClock(found []doctales.DateMention, s span, ref time.Time) {
	for i := range found {
		d := &found[i]
		if d.Precision != "minute" && d.Precision != "hour" || d.BeginOffset < s.start || d.BeginOffset-s.start > len(s.text) || !loneClock.MatchString(d.Text) {
			continue
		}
		m := shortDayBefore.FindStringSubmatch(tail(s.text[:d.BeginOffset-s.start], 16))
		if m == nil {
			continue
		}
		wd, ok := shortWeekdays[strings.ToLower(m[1])]
		if !ok {
			continue
		}
		day := nextWeekday(ref, wd)
		if int(ref.Weekday()) == wd {
			day = ref // "thu 5pm" written on a Thursday morning
		}
		d.Time = time.Date(day.Year(), day.Month(), day.Day(), d.Time.Hour(), d.Time.Minute(), 0, 0, d.Time.Location())
	}
}

// shortDayOrdinal is an English weekday's abbreviation before a day of
// the month written as an ordinal ("mon 11th", "Thurs. 14th"): group 1
// the abbreviation, 2 the day.
var shortDayOrdinal = lazyRE(`(?i)\b(mon|tues?|weds?|thu(?:rs?)?|fri|sat|sun)\.?\s+(\d{1,2})(?:st|nd|rd|th)\b`)

// mayShortDayOrdinal is shortDayOrdinal's cheap gate: an ordinal suffix
// after a digit.
func mayShortDayOrdinal(s string) bool {
	for i := 1; i+1 < len(s); i++ {
		if s[i-1] >= '0' && s[i-1] <= '9' {
			switch s[i] | 0x20 {
			case 's', 'n', 'r', 't':
				return true
			}
		}
	}
	return false
}

// shortWeekdays are the English weekdays' abbreviations.
var shortWeekdays = map[string]int{"sun": 0, "mon": 1, "tue": 2, "tues": 2, "wed": 3, "weds": 3, "thu": 4, "thur": 4, "thurs": 4, "fri": 5, "sat": 6}

// longDayAbbrev is an English weekday abbreviated past its three letters
// ("thurs", "tues", "weds"); group 1 is the tail beyond them.
var longDayAbbrev = lazyRE(`(?i)\b(?:thu|tue|wed)(rs|r|s)\b`)

// mayLongDayAbbrev is longDayAbbrev's cheap gate.
func mayLongDayAbbrev(s string) bool {
	return strings.Contains(s, "hur") || strings.Contains(s, "HUR") || strings.Contains(s, "ues") || strings.Contains(s, "UES") || strings.Contains(s, "eds") || strings.Contains(s, "EDS")
}

// articleAfterDay is an indefinite article just after a day of the week
// (group 1), in the languages of dateLanguages.
var articleAfterDay = lazyRE(`(?i)(?:lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica|feira|segunda|terça|terca|quarta|quinta|sexta|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)\s+(una|uno|un|une|uma|um|ein|eine|einen|een)(?:[^\p{L}]|$)`)

// blankPunct replaces the non-ASCII punctuation and symbols of s with as
// many spaces as they take bytes, so that offsets hold.
func blankPunct(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= utf8.RuneSelf && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			b.WriteString(strings.Repeat(" ", utf8.RuneLen(r)))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// searchSentence runs the date parser over w, a window of sentence s, and
// resolves what it finds against dc: two-digit years near the message,
// "last", "next" and "this" days of the week, the tense of the clause and,
// outside English, times of day.
func searchSentence(p *dps.Parser, w, s span, dc dateContext) []doctales.DateMention {
	cfg := cfgFor(dc)
	text := w.text
	var clocks []clock
	if dc.lang != "" {
		// The parser reads times of day outside English badly: they are
		// masked for it and applied to the dates it finds.
		text, clocks = maskClocks(w.text)
	}
	if dc.lang != "" {
		// The parser reads English too: "Tu peux m'envoyer le planning
		// d'ici jeudi ?" is Tuesday to it, and the sentence's French
		// date is lost.
		text = blankGroup(englishDayAbbrev, text)
		// "até quinta-feira uma versão": the article after a day is a
		// number to the parser (31 January).
		text = blankGroup(articleAfterDay, text)
	}
	if dc.lang == "" && mayLongDayAbbrev(text) {
		// "thurs 10am", "by weds": the parser knows "thu" and "wed",
		// not the longer abbreviations; their tails are blanked (the
		// spaces are squeezed below).
		text = blankGroup(longDayAbbrev, text)
	}
	if mayZonePhrase(text) {
		// "by Friday your time", "by 5pm UK time on Friday", "antes de
		// las 10:00 hora de México de mañana": whose clock it is splits
		// the date for the parser (blind-51, 2438 was read as Tuesday,
		// 2446 as today); zonedDates applies it afterwards.
		text = blankZonePhrases(text)
	}
	if dc.lang != "" && strings.Contains(text, "-") {
		// "uiterlijk 11-12": a day and month with a dash, which the
		// parser does not read; with a slash it does (same length).
		text = dashedDayMonth(text)
	}
	text = blankPossessive(text)
	text = blankRestatedDay(text)
	if strings.Contains(text, "12") {
		// "by Wednesday 12 noon": the parser reads the 12th at noon
		// (blind-79, 3558); "Wednesday noon" it reads right.
		text = blankGroup(twelveNoon, text)
	}
	text = blankCodes(text)
	if strings.Contains(text, "we") || strings.Contains(text, "We") || strings.Contains(text, "WE") {
		// The parser reads the pronoun "we" as Wednesday: "by 3pm we
		// miss today" was Wednesday 15:00 (blind-84, 3758), and "by
		// Friday we need it" no date at all.
		text = blankGroup(wePronoun, text)
	}
	text = blankGroup(placeAfterHour, text)
	if strings.Contains(text, "or ") { // ("for ", "For "): a cheap gate
		text = blankGroup(forDuration, text)
	}
	// The parser misreads a clock after two spaces ("at  11:00 today",
	// a wrapped CRLF line): it reads the text with runs of spaces as one,
	// and what it finds is mapped back to the text's offsets.
	ptext, pmap := squeezeSpaces(text)
	if dc.lang == "" && mayShortDay(ptext) {
		// "by 9 tmrw latest": the parser knows "tomorrow", and reads an
		// hour beside it (blind-90, 3994 was the end of tomorrow).
		ptext, pmap = expandShortDays(ptext, pmap)
	}
	res, err := safeSearch(p, cfg, ptext)
	if err != nil {
		// The parser's sentence splitter breaks on some punctuation
		// ("¿Puedes …?"): try once more with it blanked, same length.
		// Failing again ("detector failed to find the suitable
		// language" on "Preciso que vc me confirme até meio-dia …"),
		// it reads nothing, and the clocks masked for it and the days
		// read below still count (blind-90, 4024 lost its noon).
		if res, err = safeSearch(p, cfg, blankPunct(ptext)); err != nil {
			res = nil
		}
	}
	var out []doctales.DateMention
	from := 0
	// The parser's search gives up on a whole window for one word it
	// cannot place ("New Year's Day) by 12/15" yields nothing): the
	// explicit dates it left uncovered are searched again on their own.
	if more := retryUncovered(p, cfg, ptext, res); len(more) > 0 {
		// What the parser read of a date it split is not kept beside
		// the date read again whole: "mer 13 gen 2027 17:30" was read
		// as the year "2027", which took the clock (today at 17:30,
		// blind-76, 3468), then as the date.
		for i, r := range res {
			for _, m := range more {
				if t := strings.TrimSpace(r.Text); t != "" && len(t) < len(strings.TrimSpace(m.Text)) && strings.Contains(m.Text, t) {
					res[i].Text = "" // skipped below
					break
				}
			}
		}
		res = append(res, more...)
	}
	if dc.lang != "" {
		res = rereadForeignDates(p, cfg, ptext, res)
	}
	for _, r := range res {
		if r.Date.IsZero() || strings.TrimSpace(r.Text) == "" {
			continue
		}
		i := strings.Index(ptext[from:], r.Text)
		if i < 0 {
			// A retried date, before the last one read.
			if i = strings.Index(ptext, r.Text); i < 0 {
				continue
			}
			from = 0
		}
		from += i + len(r.Text)
		b, e := from-len(r.Text), from
		if pmap != nil {
			b, e = pmap[b], pmap[e-1]+1
		}
		// Trim the preposition the parser kept: "before 5pm today".
		for k := 0; k < 3; k++ { // "in by tomorrow noon"
			m := leadingPrepositions.FindStringIndex(text[b:e])
			if m == nil || m[1] >= e-b {
				break
			}
			b += m[1]
		}
		for b < e && (text[b] == '@' || text[b] == ' ') { // "@ Tue Dec 8, 2026 14:00"
			b++
		}
		e = b + len(strings.TrimRightFunc(text[b:e], func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) }))
		// The end of a range ("14:00 - 15:00") is not a date of its own.
		if rangeEnd.MatchString(text[:b]) && loneClock.MatchString(text[b:e]) {
			continue
		}
		if m := trailingConnector.FindStringIndex(text[b:e]); m != nil && m[0] > 0 {
			e = b + m[0]
		}
		t, prec := r.Date.Time, precision(r.Date.Period)
		// "the rota for January by Wednesday": a deadline cue inside what
		// the parser read as one date splits it; the date after the cue
		// is the one asked for.
		if m := innerCue.FindStringSubmatchIndex(text[b:e]); m != nil {
			if d, err := p.Parse(cfg, text[b+m[2]:e]); err == nil && !d.IsZero() && (precision(d.Period) == "day" || precision(d.Period) == "week") && prec != "minute" && prec != "hour" {
				t, prec, b = d.Time, precision(d.Period), b+m[2]
			} else if err == nil && !d.IsZero() && !dateWord.MatchString(text[b:b+m[2]]) && !hasClock.MatchString(text[b:b+m[2]]) {
				// "(scores of 4+) by 3 pm today": what comes before the
				// cue is no date, only what the parser took with it.
				t, prec, b = d.Time, precision(d.Period), b+m[2]
			}
		}
		// "9am on 22 December" the parser reads as the 9th ("9am on
		// December 22" as 9 December 2121): the date after the clock is
		// read alone and given the clock (blind-64, 2966).
		if c := clockThenDate.FindStringSubmatchIndex(text[b:e]); c != nil {
			if d, err := p.Parse(cfg, text[b+c[2]:e]); err == nil && !d.IsZero() && precision(d.Period) == "day" {
				if h, mi, ok := readClock(groupsOf(text[b:e], englishClock.FindStringSubmatchIndex(text[b:b+c[2]]))); ok {
					t, prec = time.Date(d.Time.Year(), d.Time.Month(), d.Time.Day(), h, mi, 0, 0, d.Time.Location()), "minute"
				}
			}
		}
		// The parser sometimes reads "January" of "before January 10"
		// alone, as a month: read the month with its day.
		if prec == "month" {
			if m := dayAfterMonth.FindStringIndex(text[e:]); m != nil {
				if d, err := p.Parse(cfg, text[b:e+m[1]]); err == nil && !d.IsZero() {
					t, prec, e = d.Time, precision(d.Period), e+m[1]
					if pmap == nil {
						from = max(from, e)
					} else {
						from = max(from, sort.SearchInts(pmap, e))
					}
				}
			}
		}
		// … and "December" of "before 11 December": with the day before it.
		if prec == "month" {
			if m := dayBeforeMonth.FindStringIndex(text[:b]); m != nil {
				if d, err := p.Parse(cfg, text[m[0]:e]); err == nil && !d.IsZero() && precision(d.Period) == "day" {
					t, prec, b = d.Time, "day", m[0]
				}
			}
		}
		txt := w.text[b:e]
		if !plausibleDate(txt, dc.language()) || isMorning(w.text, b, txt) {
			continue
		}
		// "10/12/2026" outside English is day first, which the parser's
		// English reading of the digits can turn round (12 October), as
		// it does after a weekday: "quinta-feira, 07/01/2027" was 1 July
		// (a Thursday too; blind-108, 4742). So is English written in
		// Europe: "Due date: 12/04/2027" in a fuel-card bill sent at
		// +02:00 is 12 April (blind-119, 5155 was 4 December).
		if dc.lang != "" || dayFirstZone(dc.ref) {
			if m := slashDate.FindStringSubmatch(txt); m != nil {
				day, _ := strconv.Atoi(m[1])
				month, _ := strconv.Atoi(m[2])
				if day <= 12 && month <= 12 && int(t.Month()) == day && t.Day() == month {
					if d := time.Date(t.Year(), time.Month(month), day, t.Hour(), t.Minute(), 0, 0, t.Location()); d.Day() == day {
						t = d
						if m[3] == "" { // no year written: the one nearest the message
							t = nearestYear(t, dc.ref)
						}
					}
				}
			}
		}
		// "jueves 10 a las 12:00": a weekday and a day of the month, which
		// the parser may read as a month ("10" = October): the next such
		// day from the message's.
		if m := weekdayDayNum.FindStringSubmatch(txt); m != nil && !hasMonthName(txt) && !twelveNoon.MatchString(txt) {
			if n, _ := strconv.Atoi(m[1]); n >= 1 && n <= 31 {
				d := time.Date(dc.ref.Year(), dc.ref.Month(), n, t.Hour(), t.Minute(), 0, 0, t.Location())
				next := time.Date(dc.ref.Year(), dc.ref.Month()+1, n, t.Hour(), t.Minute(), 0, 0, t.Location())
				wd, named := weekdayIn(txt)
				if f := strings.Fields(strings.ToLower(txt)); !named && len(f) > 0 {
					wd, named = shortWeekdays[strings.TrimRight(f[0], ".,")] // "Thurs 7th 10am"
				}
				switch {
				case named && d.Day() == n && int(d.Weekday()) == wd && (int(next.Weekday()) != wd || n >= dc.ref.Day()):
					// "je t'avais demandé le compte rendu pour mardi 8"
					// on Thursday 10: the Tuesday 8 just past, the only
					// one its weekday fits (blind-49, 2375, was 8 January).
				case n < dc.ref.Day() || d.Month() != dc.ref.Month():
					d = next
				}
				if prec != "minute" && prec != "hour" {
					prec = "day"
				}
				t = d
			}
		}
		// "bis 14.12." the parser reads as 14:12: a dotted day and month
		// (relativeExtras reads it).
		// "bis spätestens Montag, 14.12., 10 Uhr" it reads as Monday at
		// 14:12 (blind-47, 2299).
		if e < len(w.text) && w.text[e] == '.' && (dottedDayMonth(txt) || dayThenDottedMonth(txt, w.text[e:])) {
			continue
		}
		// A lone "8am" the parser read as a month (August) is the
		// clock it says, on the message's day.
		if (prec == "month" || prec == "year") && loneClock.MatchString(txt) {
			c := englishClock.FindStringSubmatchIndex(txt)
			if c == nil || !deadlineCueBefore.MatchString(w.text[:b]) {
				continue
			}
			h, m, ok := readClock(groupsOf(txt, c))
			if !ok {
				continue
			}
			t, prec = time.Date(dc.ref.Year(), dc.ref.Month(), dc.ref.Day(), h, m, 0, 0, dc.ref.Location()), "minute"
		}
		// A clock with no day that is already past when the message is
		// written, asked for ("by 8am" at 9:00), is the next day's
		// (labelling guide, settled cases).
		if (prec == "minute" || prec == "hour") && loneClock.MatchString(txt) && t.Before(dc.ref) &&
			deadlineCueBefore.MatchString(w.text[:b]) && !pastTense(s.text[:w.start-s.start+b], dc.language()) {
			t = t.AddDate(0, 0, 1)
		}
		// "7 tomorrow", "Friday at 2": an hour without am/pm beside a
		// day, which the parser reads as a day or a month.
		if dayTxt, h, ok := bareHourDay(txt); ok && prec != "minute" && prec != "hour" {
			if mayShortDay(dayTxt) {
				dayTxt, _ = expandShortDays(dayTxt, nil)
			}
			if d, err := p.Parse(cfg, dayTxt); err == nil && !d.IsZero() && precision(d.Period) == "day" {
				d0 := resolve(d.Time, dayTxt, w.text[:b], w.text[e:], s.text[:w.start-s.start+b], dc)
				t, prec = time.Date(d0.Year(), d0.Month(), d0.Day(), h, 0, 0, 0, d0.Location()), "minute"
				txt = w.text[b:e]
				goto resolved
			}
		}
		// "Monday 9am CET" is September to the parser: read the day
		// without its time, which clockOf then adds.
		if prec != "minute" && prec != "hour" && prec != "day" {
			if c := englishClock.FindStringIndex(txt); c != nil {
				rest := zoneAbbrev.ReplaceAllString(txt[:c[0]]+" "+txt[c[1]:], " ")
				if d, err := p.Parse(cfg, strings.TrimSpace(rest)); err == nil && !d.IsZero() && precision(d.Period) == "day" {
					t, prec = d.Time, "day"
				} else if wd, ok := shortWeekdays[strings.TrimSuffix(strings.ToLower(strings.Trim(rest, " .,")), " at")]; ok && dc.lang == "" {
					// "thurs 10am" ("thu  10am" to the parser) was
					// October: the next such weekday.
					t, prec = nextWeekday(dc.ref, wd), "day"
				}
			}
		}
		if prec == "minute" || prec == "hour" {
			pm := afternoonParsed(t, txt, w.text[e:]) // "at 2:30 today": 14:30
			// The parser put a lone "1:45" past at 13:20 on tomorrow's
			// 01:45; in the afternoon it is still today's.
			if !pm.Equal(t) && loneClock.MatchString(txt) && pm.AddDate(0, 0, -1).After(dc.ref) {
				pm = pm.AddDate(0, 0, -1)
			}
			t = pm
		}
		t = resolve(t, txt, w.text[:b], w.text[e:], s.text[:w.start-s.start+b], dc)
	resolved:
		// "la réunion de planification 2027 le mercredi 16 décembre": the
		// parser took the number before the date as its year; the
		// weekday says which year it is (this one or the next).
		if wd, ok := weekdayIn(txt); ok && int(t.Weekday()) != wd {
			fixed := false
			if fourDigits.MatchString(txt) {
				for _, y := range []int{dc.ref.Year(), dc.ref.Year() + 1} {
					if c := time.Date(y, t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, t.Location()); c.Day() == t.Day() && int(c.Weekday()) == wd {
						t, fixed = c, true
						break
					}
				}
			}
			// "the retro for sprint 41 on Thursday at 2pm": the parser
			// took the 41 for a year (2041, on no Thursday); with no
			// month named, the weekday is the date.
			if !fixed && abs(t.Year()-dc.ref.Year()) >= 2 && !hasMonthName(txt) {
				n := nextWeekday(dc.ref, wd)
				t = time.Date(n.Year(), n.Month(), n.Day(), t.Hour(), t.Minute(), 0, 0, t.Location())
			}
		}
		// "Tue Dec 8, 2026 14:00 - 15:00 (CET)": the zone after the
		// range is the time's, when the text itself names none.
		if (prec == "minute" || prec == "hour") && !namesZone(txt) {
			loc := zoneAfter(w.text[e:])
			if c := englishClock.FindStringIndex(txt); loc == nil && c != nil {
				loc = zoneAfter(txt[c[1]:]) // "5pm Eastern today"
			}
			if loc != nil {
				t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, loc).In(dc.ref.Location())
			}
		} else if prec == "minute" || prec == "hour" {
			// "before 6pm IST today": India's (+05:30) in business
			// mail, which the parser reads as Israel's (blind-64, 2962).
			if istZone.MatchString(txt) {
				t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, time.FixedZone("IST", 5*3600+1800))
			}
			t = t.In(dc.ref.Location()) // "11pm ET tomorrow", written in the message's zone
		}
		// The parser keeps the day of "9am tomorrow" and "Monday noon"
		// and drops the time; "tomorrow at 10:00" and "tomorrow
		// morning" it leaves out.
		if prec == "day" {
			if h, m, n, loc, ok := clockOf(txt, w.text[e:]); ok {
				if loc != nil {
					t = time.Date(t.Year(), t.Month(), t.Day(), h, m, 0, 0, loc).In(t.Location())
				} else {
					t = time.Date(t.Year(), t.Month(), t.Day(), h, m, 0, 0, t.Location())
				}
				prec = "minute"
				e += n
				txt = w.text[b:e]
			} else if c := clockNounBefore.FindStringSubmatchIndex(w.text[:b]); c != nil && eventWords(w.text[c[14]:c[15]]) {
				// "the 10am standup tomorrow", "the customer's 9:00 ops
				// review tomorrow", "our 2pm call with the client
				// tomorrow": the event's hour, then the day.
				g := groupsOf(w.text[:b], c)
				if g[4] != "" { // "9:00", "2:30" without am/pm: in working hours
					h, _ := strconv.Atoi(g[4])
					g[4] = strconv.Itoa(workingHour(h))
				}
				if h, m, ok := readClock(g); ok {
					// "by 23:59 AoE on Friday": the words between are
					// the clock's zone, not an event (blind-60).
					loc := t.Location()
					if z := strings.TrimSpace(w.text[c[14]:c[15]]); zoneNames[z] != "" {
						if l := zoneAfter(z); l != nil {
							loc = l
						}
					}
					t = time.Date(t.Year(), t.Month(), t.Day(), h, m, 0, 0, loc).In(t.Location())
					prec = "minute"
					b = c[0]
					txt = w.text[b:e]
					// The parser's reading of the clock alone ("the
					// 10:30" today) is this mention's now.
					kept := out[:0]
					for _, o := range out {
						if o.EndOffset <= w.start+b || o.BeginOffset >= w.start+e {
							kept = append(kept, o)
						}
					}
					out = kept
				}
			}
		}
		// A time of day just after or before the date: "Freitag 12 Uhr".
		for k := range clocks {
			c := &clocks[k]
			// ("jeudi à 18h en": the parser read across the masked clock.)
			inside := c.b >= b && c.e <= e
			// (The gaps are read in the text the parser saw, a blanked
			// zone phrase as one space: "a las 10:00 hora de México de
			// mañana".)
			if c.used || !(inside || c.b >= e && squeezedLen(text[e:c.b]) <= 6 && clockAfterGap.MatchString(text[e:c.b]) ||
				c.e <= b && squeezedLen(unbracket(text[c.e:b])) <= 5 && clockBeforeGap.MatchString(text[c.e:b])) {
				continue
			}
			c.used = true
			if c.loc != nil {
				t = time.Date(t.Year(), t.Month(), t.Day(), c.h, c.m, 0, 0, c.loc).In(t.Location())
			} else {
				t = time.Date(t.Year(), t.Month(), t.Day(), c.h, c.m, 0, 0, t.Location())
			}
			prec = "minute"
			b, e = min(b, c.b), max(e, c.e)
			txt = w.text[b:e]
			break
		}
		out = append(out, doctales.DateMention{
			Text:        txt,
			Time:        t,
			Precision:   prec,
			BeginOffset: w.start + b,
			EndOffset:   w.start + e,
		})
	}
	// "today" and "tomorrow" the parser missed ("de noviembre mañana"
	// reads as no date to it).
	for _, m := range relativeDay.FindAllStringSubmatchIndex(w.text, 4) {
		b, e := m[0], m[1]
		if covered(out, w.start+b, w.start+e) || isMorning(w.text, b, w.text[b:e]) {
			continue
		}
		days := 0
		if m[4] >= 0 {
			days = 1
		}
		day := dc.ref.AddDate(0, 0, days)
		t, prec := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, day.Location()), "day"
		// "tomorrow's 10:00 release freeze": the clock just after.
		if h, mm, n, loc, ok := clockOf(w.text[b:e], w.text[e:]); ok {
			if loc == nil {
				loc = t.Location()
			}
			t, prec = time.Date(t.Year(), t.Month(), t.Day(), h, mm, 0, 0, loc).In(t.Location()), "minute"
			e += n
		}
		out = append(out, doctales.DateMention{
			Text: w.text[b:e], Time: t,
			Precision: prec, BeginOffset: w.start + b, EndOffset: w.start + e,
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].BeginOffset < out[j].BeginOffset })
	// A time of day with no date, after a deadline cue, is on the
	// message's day: "bis 12 Uhr".
	if dl := dc.language(); dl != nil {
		for _, c := range clocks {
			before := s.text[:w.start-s.start+c.b]
			if c.used || covered(out, w.start+c.b, w.start+c.e) {
				continue
			}
			if !dl.cueBefore.MatchString(before) && !deadlineCueBefore.MatchString(before) {
				// "Kannst du Herrn Kaya um 9 am Empfang abholen?": the
				// clock of a sentence that asks and names no day is
				// today's, or tomorrow's once past ("Riesci a esserci
				// tu alle 8?" in the evening); whether it is a deadline
				// is markDeadline's (blind-61, 2860).
				if len(dl.trigger.FindAllStringIndex(s.text, 2)) == 1 && foreignRequestCue.MatchString(s.text) {
					t := time.Date(dc.ref.Year(), dc.ref.Month(), dc.ref.Day(), c.h, c.m, 0, 0, dc.ref.Location())
					if t.Before(dc.ref) {
						t = t.AddDate(0, 0, 1)
					}
					out = append(out, doctales.DateMention{
						Text: w.text[c.b:c.e], Time: t, Precision: "minute",
						BeginOffset: w.start + c.b, EndOffset: w.start + c.e,
					})
				}
				continue
			}
			// "demain avant midi", "mañana antes de las 17h": the day
			// just before the cue is the clock's.
			// "by 4:00 PM CT": the zone after the clock is its own.
			zone := c.loc
			if zone == nil {
				zone = zoneAfter(w.text[c.e:])
			}
			at := func(day time.Time) time.Time {
				if zone != nil {
					return time.Date(day.Year(), day.Month(), day.Day(), c.h, c.m, 0, 0, zone).In(day.Location())
				}
				return time.Date(day.Year(), day.Month(), day.Day(), c.h, c.m, 0, 0, day.Location())
			}
			if i := dayBefore(out, w.start+c.b); i >= 0 {
				o := &out[i]
				o.Time = at(o.Time)
				o.Precision, o.EndOffset = "minute", w.start+c.e
				o.Text = w.text[o.BeginOffset-w.start : c.e]
				o.Deadline, o.Cue = true, lastWords(before, 2)
				continue
			}
			// "entro le 18 di oggi": the day just after the clock.
			if i := slices.IndexFunc(out, func(d doctales.DateMention) bool {
				return d.Precision == "day" && d.BeginOffset >= w.start+c.e && squeezedLen(text[c.e:d.BeginOffset-w.start]) <= 4 && clockBeforeGap.MatchString(text[c.e:d.BeginOffset-w.start])
			}); i >= 0 {
				o := &out[i]
				o.Time = at(o.Time)
				o.Precision, o.BeginOffset = "minute", w.start+c.b
				o.Text = w.text[c.b : o.EndOffset-w.start]
				o.Deadline, o.Cue = true, lastWords(before, 2)
				continue
			}
			out = append(out, doctales.DateMention{
				Text:        w.text[c.b:c.e],
				Time:        at(dc.ref),
				Precision:   "minute",
				BeginOffset: w.start + c.b,
				EndOffset:   w.start + c.e,
			})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].BeginOffset < out[j].BeginOffset })
	return out
}

// rangeEndCue is a cue that can end a range: "until", "tot", "bis".
var rangeEndCue = lazyRE(`(?i)^(?:until|till|til|to|tot|bis|jusqu['’]à|jusqu['’]au|hasta|até|fino a|fino al|fino alle)$`)

// clockRangeStart is the start of a window of hours just before a range's
// end: "from 9am", "van 22:00", "von 8 Uhr", "de 22h", "dalle 14".
var clockRangeStart = lazyRE(`(?i)(?:^|[^\p{L}])(?:from|van|von|vom|du|de|desde|dalle|dal|das)\s+[^.;!?]{0,30}?\d{1,2}(?:[:.h]\d{2}|\s*(?:am|pm|uhr|uur|h)\b)[^.;!?]{0,40}$`)

// bareHourRangeStart is an hour standing alone just before a range's
// end: "jeweils 9 bis 16:30 Uhr", "9 to 5pm", "open 8.30 until 18:00"
// (blind-115, 5020 was due at 16:30 that day). A day's number ("20.02.
// bis") is not an hour.
var bareHourRangeStart = lazyRE(`(?i)(?:^|[^\d:.,/])(?:[01]?\d|2[0-3])(?:[:.h][0-5]\d)?\s*(?:am|pm|a\.m\.|p\.m\.|uhr|uur|u|h)?\s*[-–]?\s*$`)

// istZone is IST written in a date.
var istZone = lazyRE(`\bIST\b`)

// zoneAbbrev is a time zone written as letters after a time: "CET", "PT".
var zoneAbbrev = lazyRE(`\b[A-Z]{2,4}\b`)

// namesZone reports whether a date text names its own zone: capitals
// other than AM and PM ("4:00 PM" names none, "16:00 CET" does).
func namesZone(txt string) bool {
	for _, z := range zoneAbbrev.FindAllString(txt, -1) {
		if z != "AM" && z != "PM" {
			return true
		}
	}
	return false
}

// englishClock is a time of day written in English: "9am", "5:30 p.m.",
// "14:00", "noon".
var englishClock = lazyRE(`(?i)\b(\d{1,2})(?::([0-5]\d))?\s*([ap])\.?m\b\.?|\b([01]?\d|2[0-3]):([0-5]\d)\b|\b(noon|midday)\b`)

// clockAfter is what stands between a day and the time of day after it:
// "at 10:00", "@ 3pm", ", noon", ", 2026 10am", "tomorrow's 10:00".
var clockAfter = lazyRE(`(?i)^(\s*,?\s*\d{4}\b)?(['’]s\s+|\s*(at|@|,|by|before)?\s*)`)

// morningAfter is "morning" after a day: what is wanted "tomorrow morning"
// is wanted by noon.
var morningAfter = lazyRE(`(?i)^\s+morning\b`)

// innerCue is a deadline cue inside a parsed date text, after a month or a
// day that is not the deadline: "January by Wednesday" (a day after the
// cue; "December 1 by 5:00 PM" is one instant).
// hasClock matches a time of day: "10:30", "3 pm", "9am".
var hasClock = lazyRE(`(?i)\b\d{1,2}(?::\d{2})?\s*[ap]\.?m\b|\b\d{1,2}:\d{2}\b`)

var innerCue = lazyRE(`(?i)^\S.*?\s(?:by|before|until|till)\s+(\S.*)$`)

// clockNounBefore matches a time of day naming an event just before its
// day: "the 10am standup tomorrow", "the 3:30 pm call on Friday", "the
// 9:00 ops review tomorrow", "our 2pm call with the client tomorrow".
// Groups 1–6 are readClock's (12-hour clock, or 4–5 a clock with minutes
// and no am/pm); group 7 the event's words, which eventWords checks.
var clockNounBefore = lazyRE(`(?i)\b(?:(\d{1,2})(?::([0-5]\d))?\s*([ap])\.?m\b\.?|([01]?\d|2[0-3]):([0-5]\d)\b)()\s+((?:[a-z][a-z-]{2,20}\s+){1,2}(?:(?:with|for)\s+(?:the\s+|our\s+|your\s+|a\s+)?(?:[a-z][a-z'’-]{1,20}\s+){1,2})?)(?:on\s+)?$`)

// notEventWord is a word that cannot name an event between a clock and
// its day: "at 2pm and can call you tomorrow" is two times, not "the
// 2pm … tomorrow".
var notEventWord = map[string]bool{
	"and": true, "or": true, "but": true, "then": true, "so": true, "if": true, "to": true,
	"i": true, "you": true, "we": true, "they": true, "he": true, "she": true, "it": true,
	"can": true, "could": true, "will": true, "would": true, "should": true, "must": true,
	"is": true, "are": true, "was": true, "were": true, "be": true, "been": true, "not": true,
	"today": true, "tonight": true, "yesterday": true, "until": true, "till": true, "by": true,
	"before": true, "after": true, "from": true, "at": true, "and/or": true, "also": true,
}

// eventWords reports whether the words between a clock and its day
// (clockNounBefore's group 7) can name the event of that clock: up to
// "with" or "for", none of them a conjunction, pronoun, verb of the
// clause or another time.
func eventWords(s string) bool {
	for _, w := range strings.Fields(strings.ToLower(s)) {
		if w == "with" || w == "for" {
			return true
		}
		if notEventWord[w] {
			return false
		}
	}
	return true
}

// clockOf returns the time of day written in txt, a date the parser read
// as a whole day, or just after it in after, with the number of bytes of
// after it takes.
func clockOf(txt, after string) (h, m, n int, loc *time.Location, ok bool) {
	if c := englishClock.FindStringSubmatchIndex(txt); c != nil {
		g := groupsOf(txt, c)
		h, m, ok = readClock(g)
		h = afternoonClock(g, h, txt[c[1]:]+after)
		return h, m, 0, zoneAfter(txt[c[1]:] + after), ok
	}
	if mm := morningAfter.FindStringIndex(after); mm != nil {
		return 12, 0, mm[1], nil, true
	}
	lead := clockAfter.FindString(after)
	if c := englishClock.FindStringSubmatchIndex(after[len(lead):]); c != nil && c[0] == 0 {
		g := groupsOf(after[len(lead):], c)
		h, m, ok = readClock(g)
		n = len(lead) + c[1]
		h = afternoonClock(g, h, after[n:])
		return h, m, n, zoneAfter(after[n:]), ok
	}
	// "tomorrow at 4": an hour without am/pm, in working hours.
	if c := bareHourAfter.FindStringSubmatchIndex(after); c != nil {
		hh, _ := strconv.Atoi(after[c[2]:c[3]])
		return workingHour(hh), 0, c[3], zoneAfter(after[c[3]:]), true
	}
	return 0, 0, 0, nil, false
}

// bareHourAfter matches "at 4" or "by 7" just after a day, the hour
// followed by the end of the clause, not by a unit ("at 4 locations").
var bareHourAfter = lazyRE(`(?i)^\s*,?\s*(?:at|@|by|before|um|om|alle|à|a las|às)\s+([1-9]|1[0-2])(?:\s*o'?clock)?(?:\s*([.,;:!?)]|$)|\s+(?:and|or|to|for|in|with|please|if|so|then|sharp|latest|at the latest|your time|our time)\b)`)

// bareHourBefore and bareHourAt match a day with an hour without am/pm
// the parser kept: "7 tomorrow", "Friday at 2".
var (
	bareHourBefore = lazyRE(`(?i)^([1-9]|1[0-2])(?:\s*o'?clock)?\s+(.+)$`)
	bareHourAt     = lazyRE(`(?i)^(.+?)\s*,?\s+(?:at|@)\s+([1-9]|1[0-2])(?:\s*o'?clock)?$`)
)

// bareHourDay splits a date text made of a day and an hour without am/pm
// into the day's text and the hour, read in working hours.
func bareHourDay(txt string) (string, int, bool) {
	day, hour := "", ""
	if m := bareHourBefore.FindStringSubmatch(txt); m != nil {
		hour, day = m[1], m[2]
	} else if m := bareHourAt.FindStringSubmatch(txt); m != nil {
		day, hour = m[1], m[2]
	} else {
		return "", 0, false
	}
	if _, ok := weekdayIn(day); !ok && !relativeDay.MatchString(day) {
		return "", 0, false
	}
	h, _ := strconv.Atoi(hour)
	// "by 6 am tomorrow", which the parser kept as the day alone: the
	// am or pm written after the hour decides (18:00 before; the
	// test case of blind-111, 4834).
	if m := meridiemStart.FindStringSubmatch(day); m != nil {
		day = day[len(m[0]):]
		if _, ok := weekdayIn(day); !ok && !relativeDay.MatchString(day) {
			return "", 0, false
		}
		switch {
		case strings.EqualFold(m[1], "p") && h < 12:
			h += 12
		case strings.EqualFold(m[1], "a") && h == 12:
			h = 0
		}
		return day, h, true
	}
	return day, workingHour(h), true
}

// meridiemStart is an am or pm at the start of the text, with the space
// after it.
var meridiemStart = lazyRE(`(?i)^([ap])\.?m\.?\s+`)

// workingHour reads an hour without am/pm in working hours (labelling
// guide): 7–11 in the morning, 12 noon, 1–6 in the afternoon.
func workingHour(h int) int {
	if h >= 1 && h <= 6 {
		return h + 12
	}
	return h
}

// groupsOf returns the texts of a submatch index of s.
func groupsOf(s string, c []int) []string {
	groups := make([]string, len(c)/2)
	for g := range groups {
		if c[2*g] >= 0 {
			groups[g] = s[c[2*g]:c[2*g+1]]
		}
	}
	return groups
}

// loneClock is a time of day with nothing else: "11am", "(EST) 11am".
var loneClock = lazyRE(`(?i)^[\s(@]*\d{1,2}(:[0-5]\d)?\s*([ap]\.?m\.?)?\s*(\(?[A-Z]{2,4}\)?)?\s*$`)

// invitationSubject is the subject of a calendar invitation, or of a
// person's invitation that begins with the word ("Einladung
// Jahresabschlussfeier Fr 11.12. 19 Uhr", "Invitation to the lab's
// winter lunch").
var invitationSubject = lazyRE(`(?i)^(updated )?(invitation|einladung|invitación|invitaci[oó]n|convite|invito|uitnodiging)(\s*[:–—-]|\s+\pL)|\b(has )?invited you to\b|^meeting request\b`)

// invitationStart marks as the deadline the start of the meeting an
// invitation is for: the first date with a time of day at or after ref,
// in the subject if it has one. It reports whether it marked one.
func invitationStart(ds []doctales.DateMention, ref time.Time) bool {
	// The calendar part's DTSTART is the start, whatever the subject's
	// words read ("mercredi 13 janv. 2027 19h" was the 11th at 19:00:
	// blind-105, 4616).
	for _, d := range ds {
		if d.Source == doctales.SourceCalendar && d.Deadline && d.Cue == "invitation" {
			return true
		}
	}
	for _, src := range []string{doctales.SourceSubject, doctales.SourceContent} {
		// One already marked in the text (meetingProposed: the date
		// after "il faut qu'on se voie", not tonight's call before it)
		// is the start, unless the subject gives one.
		if src == doctales.SourceContent {
			for _, d := range ds {
				if d.Deadline && d.Cue == "invitation" && d.Source == src && !d.Time.Before(ref) {
					return true
				}
			}
		}
		for i := range ds {
			d := &ds[i]
			if d.Source == src && (d.Precision == "minute" || d.Precision == "hour") && !d.Time.Before(ref) {
				d.Deadline, d.Cue = true, "invitation"
				return true
			}
		}
	}
	return false
}

// zoneAbbrevAfter is a time zone written after a time of day, past the end
// of a range: "10am - 11am (EST)", "4:00 PM ET".
var zoneAbbrevAfter = lazyRE(`^\s*(?:[-–]\s*\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?\s*)?\(?\s*(EST|EDT|ET|CST|CDT|CT|MST|MDT|MT|PST|PDT|PT|GMT|UTC|BST|CET|CEST|MEZ|MESZ|WET|WEST|EET|EEST|JST|AEST|AEDT|AoE|AOE|Central European(?: Standard| Summer)? Time|Eastern(?:(?: Standard| Daylight)? Time)?|Central(?:(?: Standard| Daylight)? Time)?|Mountain(?:(?: Standard| Daylight)? Time)?|Pacific(?:(?: Standard| Daylight)? Time)?|Greenwich Mean Time|British Summer Time|Coordinated Universal Time)\b`)

// zoneNames maps zone abbreviations to zones; the bare US ones ("ET")
// follow daylight saving time.
var zoneNames = map[string]string{
	"ET": "America/New_York", "CT": "America/Chicago", "MT": "America/Denver", "PT": "America/Los_Angeles",
	"EST": "-05", "EDT": "-04", "CST": "-06", "CDT": "-05", "MST": "-07", "MDT": "-06", "PST": "-08", "PDT": "-07",
	"GMT": "+00", "UTC": "+00", "BST": "+01", "WET": "+00", "WEST": "+01", "CET": "+01", "CEST": "+02", "MEZ": "+01", "MESZ": "+02", "AoE": "-12", "AOE": "-12",
	"EET": "+02", "EEST": "+03", "JST": "+09", "AEST": "+10", "AEDT": "+11",
	"Central European Time": "Europe/Berlin", "Central European Standard Time": "+01", "Central European Summer Time": "+02",
	"Eastern Time": "America/New_York", "Eastern Standard Time": "-05", "Eastern Daylight Time": "-04",
	"Central Time": "America/Chicago", "Central Standard Time": "-06", "Central Daylight Time": "-05",
	"Mountain Time": "America/Denver", "Mountain Standard Time": "-07", "Mountain Daylight Time": "-06",
	"Pacific Time": "America/Los_Angeles", "Eastern": "America/New_York", "Central": "America/Chicago", "Mountain": "America/Denver", "Pacific": "America/Los_Angeles", "Pacific Standard Time": "-08", "Pacific Daylight Time": "-07",
	"Greenwich Mean Time": "+00", "British Summer Time": "+01", "Coordinated Universal Time": "+00",
}

// zoneAfter returns the zone named at the start of s, or nil.
func zoneAfter(s string) *time.Location {
	m := zoneAbbrevAfter.FindStringSubmatch(s)
	if m == nil {
		return nil
	}
	name := zoneNames[m[1]]
	if name[0] == '+' || name[0] == '-' {
		h, _ := strconv.Atoi(name)
		return time.FixedZone(m[1], h*3600)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	return loc
}

// readClock reads an englishClock match.
// afternoonClock reads "2:30" (one digit, no am/pm) in working hours,
// as a reader of English does: 14:30. "02:30", "7:30", and a clock with
// "morning" after it keep their hour. g are englishClock's groups, rest
// the text after the clock.
func afternoonClock(g []string, h int, rest string) int {
	if g[4] != "" && len(g[4]) == 1 && h >= 1 && h <= 5 && !morningSoon.MatchString(rest) {
		return h + 12
	}
	return h
}

// oneDigitClock is "2:30" with one digit for the hour, alone.
var oneDigitClock = lazyRE(`(?:^|[^\d:.])([1-5]):([0-5]\d)\b`)

// afternoonParsed moves a time the parser read from "2:30" (one digit, no
// am/pm, no "morning" after it) to the afternoon, as afternoonClock does.
func afternoonParsed(t time.Time, txt, after string) time.Time {
	c := oneDigitClock.FindStringSubmatchIndex(txt)
	if c == nil {
		return t
	}
	h, _ := strconv.Atoi(txt[c[2]:c[3]])
	rest := txt[c[1]:] + after
	if t.Hour() != h || ampmAfter.MatchString(rest) || morningSoon.MatchString(rest) {
		return t
	}
	return t.Add(12 * time.Hour)
}

// ampmAfter matches am or pm right after a clock.
var ampmAfter = lazyRE(`(?i)^\s*[ap]\.?m\b`)

// morningSoon matches "morning" (or a.m.) within a few words.
var morningSoon = lazyRE(`(?i)^\W{0,3}(?:\w+\W+){0,2}(?:in the |this |tomorrow )?(?:morning|a\.?m\b|am\b|matin|ma[ñn]ana|morgen|mattina|ochtend|manh)`)

func readClock(g []string) (h, m int, ok bool) {
	switch {
	case g[6] != "":
		return 12, 0, true
	case g[4] != "":
		h, _ = strconv.Atoi(g[4])
		m, _ = strconv.Atoi(g[5])
		return h, m, true
	case g[1] != "":
		h, _ = strconv.Atoi(g[1])
		if g[2] != "" {
			m, _ = strconv.Atoi(g[2])
		}
		if h < 1 || h > 12 {
			return 0, 0, false
		}
		if strings.EqualFold(g[3], "p") && h < 12 {
			h += 12
		} else if strings.EqualFold(g[3], "a") && h == 12 {
			h = 0
		}
		return h, m, true
	}
	return 0, 0, false
}

// parserLanguage is the date parser's code of a detected language: Norwegian
// is read as Bokmål.
func parserLanguage(lang string) string {
	if lang == "no" {
		return "nb"
	}
	return lang
}

// cfgFor returns the date parser's configuration for dc.
func cfgFor(dc dateContext) *dps.Configuration {
	cfg := &dps.Configuration{
		Languages:           []string{"en"},
		CurrentTime:         dc.ref,
		PreferredDateSource: dps.Future,
		ReturnTimeAsPeriod:  true,
		DateOrder:           dps.MDY,
	}
	if dc.lang != "" {
		cfg.Languages = []string{parserLanguage(dc.lang), "en"}
		cfg.DateOrder = dps.DMY
	}
	return cfg
}

// dayAfterMonth is the day number after a month name.
// dayBeforeMonth is the day number just before a month name: the "11 "
// of "before 11 December".
var dayBeforeMonth = lazyRE(`\b\d{1,2}(st|nd|rd|th)?\s+$`)

var dayAfterMonth = fastre.MustCompile(`^\s+\d{1,2}(st|nd|rd|th)?\b(,?\s+\d{4}\b)?`)

// clock is a time of day found by timeOfDay: its bounds and its value.
type clock struct {
	b, e, h, m int
	used       bool
	// loc is the zone written after the clock ("à 00:00 UTC"), which
	// maskClocks blanks with it; nil for the message's.
	loc *time.Location
}

// clockAfterGap is what may stand between a date and the time of day
// after it: "lunes a mediodía", "jeudi à 10h", "Montag um 12",
// "amanhã ao meio-dia", "mañana al mediodía".
var clockAfterGap = lazyRE(`(?i)^[\s,]*(a|à|at|um|om|alle|às|as|ao|al|@)?\s*$`)

// clockBeforeGap is what may stand between a time of day and the date after
// it: "12 Uhr am Freitag", "17h le vendredi", "le 19 di oggi", "las 9:00
// hora de Madrid del jueves 14", "9:00 (hora de Madrid) del jueves" (the
// zone phrase blanked; blind-79, 3570).
var clockBeforeGap = fastre.MustCompile(`(?i)^[\s,()]*(am|le|el|on|op|il|de|del|di)?\s*$`)

// unbracket returns s with its round brackets as spaces: a zone phrase
// blanked in brackets ("9:00 (hora de Madrid) del jueves") leaves them.
func unbracket(s string) string {
	if !strings.ContainsAny(s, "()") {
		return s
	}
	return strings.NewReplacer("(", " ", ")", " ").Replace(s)
}

// countAfterHour is a unit after a bare hour: "entro le 24 ore", "om 3
// dagen".
var countAfterHour = lazyRE(`(?i)^\s*(?:ore|minuti|giorni|settimane|horas|minutos|días|dias|semanas|uur|minuten|dagen|weken|stunden|tage|wochen|heures|minutes|jours|semaines|hours?|days?|prozent|procent|por ciento|por cento|euro|eur|cent|mal|grad|punkte|minuten|sekunden|tagen|monate|monaten|jahre|jahren|dingen|redenen|cosas|coisas)(?:[^\p{L}]|$)|^\s*[%€$]`)

// roomNumber is a room's or an item's number with a dot, after the word
// that says so and perhaps a building's letter: "Raum B 2.14", "room
// 3.12", "Nr. 4.10". Group 1 is the number.
var roomNumber = fastre.MustCompile(`(?i)\b(?:raum|zimmer|room|rm|sala|salle|lokaal|kamer|zaal|aula|stanza|b[üu]ro|office|bureau|despacho|gabinete|nr|no|n[º°]|version|art|section|abschnitt|punkt|item|ref)\.?\s*(?:[A-Z]\s*)?(\d{1,2}\.\d{2})\b`)

// bareHourCue is a deadline cue that timeOfDay reads with a bare hour.
var bareHourCue = lazyRE(`(?i)^(?:entro le|prima delle|per le)\s+$`)

// maskClocks returns text with its times of day blanked (same length, so
// that offsets hold) and the times.
func maskClocks(text string) (string, []clock) {
	ms := timeOfDay.FindAllStringSubmatchIndex(text, 8)
	if ms == nil {
		return text, nil
	}
	buf := []byte(text)
	var out []clock
	for _, m := range ms {
		groups := make([]string, len(m)/2)
		for g := range groups {
			if m[2*g] >= 0 {
				groups[g] = text[m[2*g]:m[2*g+1]]
			}
		}
		h, min, ok := clockTime(groups)
		if !ok {
			continue
		}
		b, e := m[0], m[1]
		// "entro le 48 ore" is a span of hours, not a time of day.
		if m[10] >= 0 && countAfterHour.MatchString(text[m[11]:]) {
			continue
		}
		// "bis 14.12." and "am 14.12.2026" are dates, not 14:12.
		if m[4] >= 0 && text[m[4]-1] == '.' && m[5] < len(text) && text[m[5]] == '.' {
			continue
		}
		// The match may begin and end with the character around it.
		for b < e && !isWordByte(text[b]) {
			b++
		}
		for e > b && groups[len(groups)-1] == "" && !isWordByte(text[e-1]) {
			e--
		}
		// "entro le 19": the cue before the hour stays the cue, outside
		// the clock (markDeadline reads it before the date).
		if m[10] >= 0 && bareHourCue.MatchString(text[b:m[10]]) {
			b = m[10]
		}
		for i := b; i < e; i++ {
			buf[i] = ' '
		}
		// "le 25/12/2026 à 00:00 UTC": the zone goes with the clock; left
		// in the text, it hid the date from the parser (blind-54, 2574).
		var loc *time.Location
		if z := zoneAbbrevAfter.FindStringIndex(text[e:]); z != nil {
			if loc = zoneAfter(text[e:]); loc != nil {
				for i := e; i < e+z[1]; i++ {
					buf[i] = ' '
				}
			}
		}
		out = append(out, clock{b: b, e: e, h: h, m: min, loc: loc})
	}
	return string(buf), out
}

// isWordByte reports whether c is a digit, an ASCII letter or part of a
// multi-byte (non-ASCII) character.
func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// isMorning reports whether txt, found at b of text, is the word "morning"
// rather than "tomorrow": German "Guten Morgen", "heute Morgen", Spanish
// "esta mañana", "por la mañana".
func isMorning(text string, b int, txt string) bool {
	l := strings.ToLower(txt)
	if l != "morgen" && l != "mañana" && l != "manana" {
		return false
	}
	return morningBefore.MatchString(text[:b])
}

var morningBefore = fastre.MustCompile(`(?i)(guten|heute|jeden|am|diesen|la|esta|cada|por la|toda la)\s+$`)

// resolve corrects the parser's reading of txt, a date found between before
// and after (clause is the text of its sentence before it), for the
// reference dc.ref:
//   - a two-digit year is of the century that puts the date nearest ref;
//   - "last Friday" is the latest Friday before ref's day, "next Friday"
//     the Friday of the following week, "this Friday" the coming one;
//   - in a past-tense clause ("was due on November 15"), a day of the week
//     or a date without a year is the latest one not after ref's day;
//   - else a date without a year is the nearer of this and the previous
//     year's: a reminder of "November 15" sent in December is of the past.
func resolve(t time.Time, txt, before, after, clause string, dc dateContext) time.Time {
	ref := dc.ref
	if fourDigitYear.MatchString(txt) {
		return t
	}
	if twoDigitYear.MatchString(txt) {
		return nearestCentury(t, ref)
	}
	wd, isWeekday := weekdayIn(txt)
	hasDate := hasMonthName(txt) || dayMonth.MatchString(txt)
	weekdayOnly := isWeekday && !hasDate
	yearly := hasDate && !relativeDate.MatchString(txt)
	if weekdayOnly {
		near := tail(before, 16) + " " + head(after, 16)
		day := dayOf(ref)
		var d time.Time
		switch {
		case lastModifier.MatchString(near):
			back := (int(ref.Weekday()) - wd + 7) % 7
			if back == 0 {
				back = 7
			}
			d = day.AddDate(0, 0, -back)
		case nextModifier.MatchString(near):
			d = weekStart(ref).AddDate(0, 0, 7+(wd+6)%7)
		case thisModifier.MatchString(tail(before, 10)):
			d = day.AddDate(0, 0, (wd-int(ref.Weekday())+7)%7)
		}
		if !d.IsZero() {
			return time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), t.Second(), 0, t.Location())
		}
	}
	if !weekdayOnly && !yearly {
		return t
	}
	if pastTense(clause, dc.language()) {
		for dayOf(t).After(dayOf(ref)) {
			if weekdayOnly {
				t = t.AddDate(0, 0, -7)
			} else {
				t = t.AddDate(-1, 0, 0)
			}
		}
		return t
	}
	if yearly && t.After(ref) {
		if prev := t.AddDate(-1, 0, 0); ref.Sub(prev) < t.Sub(ref) {
			return prev
		}
	}
	return t
}

// dayMonth is a numeric day and month: 5/29, 29.05.
var dayMonth = fastre.MustCompile(`\b\d{1,2}[/.-]\d{1,2}\b`)

// monthWords are the month names and abbreviations of English and the
// languages of dateLanguages, lower case.
var monthWords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`january february march april may june july august september october november december
		jan feb mar apr jun jul aug sep sept oct nov dec
		enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre ene abr ago dic
		janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre décembre decembre janv févr fevr avr juil déc
		januar jänner februar märz april mai juni juli august september oktober november dezember jän mär mrz okt dez
		janeiro fevereiro março marco abril maio junho julho agosto setembro outubro novembro dezembro fev set out
		gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre gen mag giu lug ott
		januari februari maart april mei juni juli augustus september oktober november december mrt`) {
		m[w] = true
	}
	return m
})

// hasMonthName reports whether txt names a month.
func hasMonthName(txt string) bool {
	for _, f := range strings.FieldsFunc(strings.ToLower(txt), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if monthWords()[f] {
			return true
		}
	}
	return false
}

// weekdayIn returns the day of the week that txt names, if any.
func weekdayIn(txt string) (int, bool) {
	for _, f := range strings.FieldsFunc(strings.ToLower(txt), func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) {
		if d, ok := weekdayNames[f]; ok {
			return d, true
		}
	}
	return 0, false
}

// nearestCentury returns t moved by whole centuries to be nearest ref.
func nearestCentury(t, ref time.Time) time.Time {
	best := t
	for _, c := range []int{-200, -100, 100} {
		if u := t.AddDate(c, 0, 0); absDur(u.Sub(ref)) < absDur(best.Sub(ref)) {
			best = u
		}
	}
	return best
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// pastTense reports whether clause, the text before a date, is in the past
// tense: its last tense cue is a past one ("was due on", "we met on").
func pastTense(clause string, dl *dateLang) bool {
	// (A closing parenthesis ends an aside with its own tense: "your
	// corrections (the bit we argued about on Thursday) by Thursday".)
	if i := strings.LastIndexAny(clause, ",;:()\n"); i >= 0 {
		clause = clause[i+1:]
	}
	// "The pub sent the menu over and they want numbers by Friday": a
	// conjunction and a new subject start the date's own clause.
	if ms := newClause.FindAllStringIndex(clause, -1); ms != nil {
		clause = clause[ms[len(ms)-1][0]:]
	}
	last := func(res ...*fastre.Regexp) int {
		at := -1
		for _, re := range res {
			if re == nil {
				continue
			}
			for _, m := range re.FindAllStringIndex(clause, -1) {
				// "the signed report", "your closed ticket": a
				// participle after a determiner is an adjective,
				// not the tense of the clause.
				if re == pastCue && determinerBefore.MatchString(clause[:m[0]]) {
					continue
				}
				at = max(at, m[1])
			}
		}
		return at
	}
	var lp, lf *fastre.Regexp
	if dl != nil {
		lp, lf = dl.past, dl.future
	}
	p := last(pastCue, lp)
	return p >= 0 && p > last(futureCue, lf)
}

// newClause is a conjunction followed by a subject pronoun: where a new
// clause, with its own tense, begins.
var newClause = lazyRE(`(?i)\b(?:and|but|so|because|while|although|y|pero|et|mais|und|aber|e|ma|mas|en|maar)\s+(?:they|we|i|you|he|she|ellos|ellas|nosotros|ils|elles|nous|vous|sie|wir|ich|du|er|loro|noi|eles|elas|nós|zij|wij|ik|jij|hij)\b`)

// determinerBefore is a determiner just before a word.
var determinerBefore = lazyRE(`(?i)\b(the|a|an|this|that|these|those|your|our|my|his|her|their|its)\s+$`)

// tail returns the last n bytes of s, head the first n, cut at a rune.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := len(s) - n
	for i < len(s) && (s[i]&0xC0) == 0x80 {
		i++
	}
	return s[i:]
}

func head(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:runeStart(s, n)]
}

// bareUnit is a number with a one-letter unit and nothing else: "100m",
// "10 m", "3h".
var bareUnit = lazyRE(`^\d+\s*[mhdwy]$`)

// plausibleDate rejects the parser's false positives: "We" (Wednesday),
// "may" the verb, bare numbers and phone numbers. Without digits, a date
// needs a date word of English or of dl's language.
func plausibleDate(t string, dl *dateLang) bool {
	if len(t) < 3 {
		return false
	}
	digits := 0
	for _, r := range t {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if digits == 0 {
		// "sign and return by fri": a weekday's abbreviation the parser
		// read after its preposition (not "sat" or "sun", words too).
		if w := strings.ToLower(strings.TrimRight(t, ".")); w != "sat" && w != "sun" {
			if _, ok := shortWeekdays[w]; ok {
				return true
			}
		}
		return dateWord.MatchString(t) || dl != nil && dl.trigger.MatchString(t)
	}
	if strings.ContainsAny(t[:1], "$€£¥") || strings.HasPrefix(t, "€") || strings.HasPrefix(t, "£") {
		return false // "$24": an amount
	}
	if digits > 8 && !(digits <= 12 && hasMonthName(t)) || bareNumber.MatchString(t) {
		return false // a phone or order number; "Dec 8, 2026 14:00" has 9
	}
	// "2 x 100m drums", "give me 10m": a number with a unit's letter
	// and no "in" is a length or a quantity to the reader; the parser
	// reads it as minutes from now (blind-117, 5073 was due in 100
	// minutes). "in 30m" keeps its preposition in the text.
	if bareUnit.MatchString(t) {
		return false
	}
	// A bare number is a date only as a year.
	if digits == len(t) {
		return len(t) == 4 && (t[:2] == "19" || t[:2] == "20")
	}
	return true
}

func precision(p date.Period) string {
	switch p {
	case date.Second:
		return "second"
	case date.Minute:
		return "minute"
	case date.Hour:
		return "hour"
	case date.Day:
		return "day"
	case date.Month:
		return "month"
	case date.Year:
		return "year"
	}
	return "day"
}

func mention(s span, loc []int, t time.Time, prec, source string) doctales.DateMention {
	return doctales.DateMention{
		Text:        s.text[loc[0]:loc[1]],
		Time:        t,
		Precision:   prec,
		BeginOffset: s.start + loc[0],
		EndOffset:   s.start + loc[1],
		Source:      source,
		Deadline:    true,
		Cue:         strings.ToLower(s.text[loc[0]:loc[1]]),
	}
}

// dropNear removes mentions that overlap [b, e) or touch it, which the
// end-of-day mention replaces.
// dropContained drops a mention that lies within another, longer one: the
// "12:00" of "donderdag 12:00" read again on its own.
func dropContained(ds []doctales.DateMention) []doctales.DateMention {
	out := ds[:0:0]
	for i, d := range ds {
		inside := false
		for j, o := range ds {
			if i != j && o.BeginOffset <= d.BeginOffset && d.EndOffset <= o.EndOffset && o.EndOffset-o.BeginOffset > d.EndOffset-d.BeginOffset {
				inside = true
				break
			}
			// The same clock read twice, once with its date: "15 Dec
			// 2026, 23:59" and "23:59 UTC" (today) over the same
			// digits (blind-51, 2443); and an exact repeat.
			if i != j && d.Precision == "minute" && o.Precision == "minute" && o.BeginOffset < d.EndOffset && d.BeginOffset < o.EndOffset &&
				o.BeginOffset < d.BeginOffset && o.Time.Hour() == d.Time.Hour() && o.Time.Minute() == d.Time.Minute() ||
				j < i && o == d {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, d)
		}
	}
	return out
}

// dropNear drops the mentions of ds within 24 bytes of [b, e) of the
// sentence s, which a reading of [b, e) replaces (the parser's reading of
// part of the same words), but not a clock time that a comma or a full
// stop sets apart: "antes de las 22:00 de hoy, que mañana a primera hora
// no voy a estar" has two dates.
func dropNear(ds []doctales.DateMention, s span, b, e int) []doctales.DateMention {
	out := ds[:0]
	for _, d := range ds {
		if d.EndOffset+24 < b || d.BeginOffset > e+24 || d.Precision == "minute" && apart(s, d, b, e) {
			out = append(out, d)
		}
	}
	return out
}

// apart reports whether mention d and [b, e) of the sentence s do not
// overlap and a comma, semicolon or full stop stands between them.
func apart(s span, d doctales.DateMention, b, e int) bool {
	gb, ge := d.EndOffset, b
	if d.BeginOffset >= e {
		gb, ge = e, d.BeginOffset
	}
	if gb > ge || gb < s.start || ge > s.end {
		return false
	}
	return strings.ContainsAny(s.text[gb-s.start:ge-s.start], ",;.")
}

// markDeadline sets Deadline and Cue when a deadline cue governs d, in
// English or in the language of dl: not after "by" and an author's name ("By
// Jane Doe, March 3"), not after a label of a publication or header date
// ("Published: March 3"), not in a sign-off ("Until tomorrow,").
func markDeadline(d *doctales.DateMention, s span, dl *dateLang) {
	if d.Deadline {
		return
	}
	b, e := d.BeginOffset-s.start, d.EndOffset-s.start
	before := s.text[:b]
	if bylineLabel.MatchString(before) {
		return
	}
	// "Zusage bis Mi., 13.1.?", "réponse avant mer. 13/1": the day's
	// abbreviation the parser left out of the date stands between the cue
	// and it (blind-77, 3499, whose subject gave the deadline).
	if m := dayAbbrevEnd.FindStringIndex(before); m != nil {
		before = before[:m[0]]
	}
	cue := ""
	stateBefore := before
	for rest, k := before, 0; k < 2; k++ {
		m := deadlineCueBefore.FindStringSubmatchIndex(rest)
		if m == nil {
			break
		}
		between := rest[m[3]:]
		c := strings.ToLower(rest[m[2]:m[3]])
		// "Action required: December payroll" is a label, not "required
		// by"; a cue after it still counts ("Action needed: approve by").
		if (c == "required" || c == "needed") && strings.HasPrefix(strings.TrimSpace(between), ":") {
			rest = between
			continue
		}
		// "We tried to collect it by Direct Debit on 4 December": the
		// means of a payment, not a time.
		if c == "by" && byMeans.MatchString(between) {
			break
		}
		// "Timesheets not approved by then will not be paid this week":
		// the cue's time is "then", a date said before; the date after
		// it is another clause's (blind-80, 3596 was due this week).
		if thenAfterCue.MatchString(between) {
			break
		}
		if c != "by" || !byline.MatchString(between) || dateWord.MatchString(between) {
			cue = rest[m[2]:m[3]]
		}
		break
	}
	if cue == "" && dl != nil {
		// "para", "pour", "per" (for) ask for a date only right before it
		// ("pour le jeudi"); "pour le salon jeudi" is an occasion, and in
		// "a cotação para 3 carretas até amanhã" the cue is "até".
		for rest, k := before, 0; k < 3; k++ {
			m := dl.cueBefore.FindStringSubmatchIndex(rest)
			if m == nil {
				break
			}
			if c := rest[m[2]:m[3]]; !weakForeignCue[strings.ToLower(c)] || strings.TrimSpace(rest[m[3]:]) == "" || closeOf.MatchString(rest[m[3]:]) {
				cue = c
				break
			}
			rest = rest[m[3]:]
		}
	}
	// "Payroll for this period closes at 12:00 on Tuesday", "Le
	// iscrizioni online chiudono martedì 16/02 alle 12:00": a window for
	// the reader's submission that closes then (blind-117, 5077, 5106).
	if cue == "" && windowCloses.MatchString(before) {
		cue = "closes"
	}
	if cue == "" {
		if m := deadlineCueAfter.FindStringSubmatch(s.text[e:]); m != nil {
			cue = m[1]
		} else if m := deadlineCueStart.FindStringSubmatch(d.Text); m != nil {
			cue = m[1]
			// The cue opens the span ("till lunchtime"): the state
			// checks below read it as if it stood before the date.
			stateBefore = before + m[1] + " "
		}
	}
	// "(Mon-Fri, 08:00-18:30)": a window of hours, whose end is no
	// limit whatever stands before it.
	if clockRange.MatchString(d.Text) {
		return
	}
	if cue == "" || isSignOff(s.text, b, e) || presentDay(d.Text, s.text[e:]) || negatedBefore.MatchString(before) || noRushBefore.MatchString(before) || thanksFor.MatchString(before) || quotedAfterCue(before, cue) || soFar(d.Text, s.text[e:]) || supersededBefore.MatchString(before) || supersededAfter.MatchString(s.text[e:]) {
		return
	}
	// "030 271 44 90 (bereikbaar tot 18:30)", "available until 5pm": when
	// someone can be reached, not what the reader must do by then.
	if availableUntil.MatchString(before) {
		return
	}
	// "van 22:00 tot zondag 13 december 02:00", "from 9am until 5pm":
	// the end of a window of hours, not a deadline (blind-70, 3232).
	if (d.Precision == "minute" || d.Precision == "hour") && rangeEndCue.MatchString(cue) {
		if i := strings.LastIndex(strings.ToLower(before), strings.ToLower(cue)); i > 0 && (clockRangeStart.MatchString(before[:i]) || bareHourRangeStart.MatchString(before[:i])) {
			return
		}
	}
	// "I won't be reading email until Sunday", "I'm out till Monday": the
	// sender's own absence, not the reader's deadline.
	switch strings.ToLower(cue) {
	case "by", "before":
		// "Back by lunch.", "I'll be there by 3.": when the sender
		// arrives, not what the reader must do, unless the sentence
		// asks the reader something.
		if sendersArrival.MatchString(before) && !addressee.MatchString(s.text) && !requestCue.MatchString(s.text) {
			return
		}
		// "Kiln's on, firing should be done by tomorrow lunchtime": when
		// a thing is expected to be finished, not what the reader must do.
		if expectedDone.MatchString(stateBefore) && !addressee.MatchString(s.text) && !requestCue.MatchString(s.text) {
			return
		}
		// "I can drop it at yours by 11", "we'll have it back to you
		// before Friday": what the sender will bring or send, not what
		// the reader must do (blind-109, 4766 needed it back by half 5).
		if sendersDelivery.MatchString(stateBefore) && !requestCue.MatchString(s.text) {
			return
		}
	case "until", "till", "til":
		if firstPerson.MatchString(s.text) && !addressee.MatchString(s.text) {
			return
		}
		// "The posting doesn't close until February": not before then,
		// which asks nothing by then.
		if notUntil.MatchString(before) {
			return
		}
		// "the whole wing is without power until about 14:00", "the
		// road is closed till noon", "I'm off tomorrow till lunchtime":
		// how long a state lasts.
		if stateUntil.MatchString(stateBefore) {
			return
		}
	case "tot", "tot en met", "bis", "bis zum", "jusqu'au", "jusqu’au", "jusqu'à", "jusqu’à", "hasta", "hasta el", "fino al", "fino a", "até", "até ao", "até o":
		// "daarna zijn we dicht tot 4 januari", "geschlossen bis 4.
		// Januar", "fermé jusqu'au 4 janvier": how long a state lasts
		// (blind-50, 2430).
		if stateUntil.MatchString(before) {
			return
		}
		// "no vuelvo por tu zona hasta la semana que viene", "je ne
		// repasse pas avant": not before then, which asks nothing by
		// then.
		if foreignNotUntil.MatchString(before) {
			return
		}
	}
	d.Deadline, d.Cue = true, strings.ToLower(cue)
	// A deadline given as a day means the end of that business day; as
	// a month ("para el cierre de noviembre", "by March"), its last day.
	switch d.Precision {
	case "day", "week":
		d.Time = atHour(d.Time, endOfBusinessHour)
	case "month":
		d.Time = atHour(time.Date(d.Time.Year(), d.Time.Month()+1, 0, 0, 0, 0, 0, d.Time.Location()), endOfBusinessHour)
	}
}

// windowCloses is a window for the reader's entry or submission that
// closes just before a date, in the languages the engine reads: "payroll
// for this period closes at", "registrations close on", "les
// inscriptions ferment le", "die Anmeldung schließt am", "le iscrizioni
// chiudono", "las inscripciones cierran el", "de inschrijving sluit op",
// "as inscrições fecham a".
var windowCloses = lazyRE(`(?i)(?:^|[^\pL])(?:payroll|timesheets?|registrations?|entries|entry|enrol+ments?|applications?|submissions?|voting|bookings?|sign-?ups?|nominations?|iscrizioni|iscrizione|inscripci[oó]n(?:es)?|inscriptions?|anmeldung(?:en)?|inschrijving(?:en)?|inscri[çc][õo]es|inscri[çc][ãa]o|candidature|candidaturas)\b[^.;!?]{0,40}?\b(?:close|closes|closing|shuts?|chiud(?:e|ono)|cierran?|ferment|fermeront|ferme|schlie(?:ß|ss)t|schlie(?:ß|ss)en|sluit|sluiten|fecham|fecha)\b[^.;!?]{0,30}$`)

// stateUntil is a state that lasts until the date after it: "without
// power until about", "closed till", "offline until", "out of office
// until", the sender's whereabouts ("I'm at the Kellys' place till",
// "Estou na Secretaria numa reunião até as": blind-102, 4481; blind-103,
// 4541).
var stateUntil = lazyRE(`(?i)\b(?:i['’]m|i am|we['’]re|we are|he['’]s|she['’]s)\s+(?:at|in|on|with)\s[^.;!?]{0,40}?\s(?:until|till|til)\s+$|(?:^|[^\p{L}])(?:estou|estoy|estamos|je suis|nous sommes|ich bin|wir sind|sono|siamo|ik ben|we zijn)\s+(?:na|no|nos|nas|numa|num|en|em|au|à la|a la|al|im|in|bei|auf|nel|nella|dal|dalla|op|bij)\s[^.;!?]{0,60}?\s(?:at[ée](?: [àa]s| as)?|hasta(?: las?)?|jusqu['’](?:à|au)|bis|fino a(?:lle)?|tot)\s+$|\b(?:without|no|off|offline|closed|shut|unavailable|down|away|on leave|out of (?:the )?(?:office|service|order))\b[^.;!?]{0,40}?\s(?:until|till|til)\s+(?:about\s+|around\s+|approximately\s+|roughly\s+)?$|\b(?:dicht|gesloten|geschlossen|ferm[ée]e?s?|cerrad[oa]s?|chius[oi]|fechad[oa]s?)\b[^.;!?]{0,40}?\s(?:tot(?: en met)?|bis(?: zum)?|jusqu['’]au|jusqu['’][àa]|hasta(?: el)?|fino al?|at[ée](?: ao| o)?)\s+$`)

// availableUntil is being reachable just before "until" in the languages
// the engine reads: "available until", "bereikbaar tot", "erreichbar bis",
// "joignable jusqu'à", "disponible hasta las", "reperibile fino alle".
var availableUntil = lazyRE(`(?i)\b(?:reachable|available|contactable|bereikbaar|erreichbar|joignable|disponible|localizable|raggiungibile|reperibile|disponibile|dispon[íi]vel|contact[áa]vel)\s+(?:(?:by phone|telefonisch|per telefoon|par t[ée]l[ée]phone|por tel[ée]fono|al telefono|por telefone|on|op|am|le|el|il|o)\s+)?(?:until|till|til|tot|bis|jusqu['’]?\s*[àa]|hasta|fino a|fino alle|até)\s+(?:(?:las?|les?|à|às|as|om|um|the)\s+)?$`)

// expectedDone is a thing expected to be finished just before "by" or
// "before": "should be done by", "will be ready by", "is due to finish
// before", "we'd want to start about 8 and be done by" (blind-103,
// 4514), and an event's end ("It usually finishes by 1:30", "the
// meeting wraps up by 4pm").
var expectedDone = lazyRE(`(?i)\b(?:should|will|ought to|is expected to|are expected to|is due to|are due to)\s+(?:be\s+)?(?:done|ready|finished|complete|completed|over|dry|cool|back up|fixed)\s+(?:by|before)\s+$|\b(?:want|hope|expect|plan|aim|['’]d like) to\b[^.!?]{0,30}?\bbe\s+(?:done|finished|gone|off site|out of your way)\s+(?:by|before)\s+$|\b(?:finishes|ends|wraps up|is over|(?:will|should|usually|normally|typically|['’]ll) (?:finish|end|wrap up|be over))\s+(?:by|before)\s+$`)

// sendersDelivery is the sender's own bringing, sending or fetching
// something just before "by" or "before": "I can drop it at yours by",
// "we'll have it back to you before", "I'll send the invoice by".
var sendersDelivery = lazyRE(`(?i)^\W*(?:i|we)(?:\s+(?:can|could|will|shall|am going to|are going to)|['’]ll|['’]m going to|['’]re going to)\s+(?:(?:also|then|just|definitely|easily|probably)\s+)?(?:drop|bring|deliver|pop|send|post|get|have|fetch|collect|pick|return|email|e-mail|text|forward)\b[^.!?]{0,40}?\s(?:by|before)\s+$`)

// sendersArrival is the sender's own coming back or getting somewhere
// just before "by": "Back by", "I'll be home by", "we should be there
// before".
var sendersArrival = lazyRE(`(?i)^\W*(?:(?:i|we)(?:['’]ll| will| should| shall|['’]m| am|['’]re| are|['’]d| would)?\s+(?:be\s+)?)?(?:back|home|there|in the office|at my desk|on site)\s+(?:(?:by|before)\s+)?$`)

// isSignOff reports whether the date at [b, e) of text is in a line that is
// only a farewell: "Until tomorrow,", "See you Monday!".
func isSignOff(text string, b, e int) bool {
	ls := strings.LastIndexByte(text[:b], '\n') + 1
	le := strings.IndexByte(text[e:], '\n')
	if le < 0 {
		le = len(text)
	} else {
		le += e
	}
	m := signOff.FindStringSubmatch(text[ls:b])
	if m == nil {
		return false
	}
	rest := strings.TrimSpace(text[e:le])
	// "Tot morgen op de borrel,", "See you Friday at the match!": the
	// occasion of the farewell, on its line, ending as a sign-off does.
	if signOffOccasion.MatchString(rest) {
		return true
	}
	// "Besten Dank und bis morgen an der Teamsitzung" over the name: the
	// last line of the text, with no punctuation.
	if signOffOccasionBare.MatchString(rest) && signedBelow(text[le:]) {
		return true
	}
	if strings.Trim(rest, ",!.…") != "" {
		return false
	}
	return m[2] != "" || strings.HasPrefix(rest, ",") || strings.HasPrefix(rest, "!")
}

// signOffOccasion is what may follow a farewell's date on its line: a
// short place or occasion, then the comma or exclamation mark of a
// sign-off ("op de borrel,", "at the match!", "beim Training!").
var signOffOccasion = fastre.MustCompile(`(?i)^(?:op|bij|in|at|on|for|bei|beim|auf|im|zum|zur|à|au|aux|en|al|a la|en la|na|no|alla|al|allo)\s[^,!.?\n]{1,30}[,!]$`)

// signOffOccasionBare is signOffOccasion without its closing mark.
var signOffOccasionBare = lazyRE(`(?i)^(?:op|bij|in|at|on|for|bei|beim|auf|im|zum|zur|an der|am|à|au|aux|en|al|a la|en la|na|no|alla|allo)\s[^,!.?\n]{1,30}$`)

// signedBelow reports whether after, the text below a line, begins with
// a signature: a name of one to three words on its own line, after
// blank lines at most.
func signedBelow(after string) bool {
	after = strings.TrimLeft(after, " \t\r\n")
	line, _, _ := strings.Cut(after, "\n")
	line = strings.TrimSpace(line)
	if line == "" || strings.ContainsAny(line, "0123456789@:?!") {
		return false
	}
	n := len(strings.Fields(line))
	return n >= 1 && n <= 3
}

// chooseDeadline returns the earliest deadline mention not before ref's
// day (and, when it has a time of day, not before ref), or else the
// latest past one (an overdue deadline).
func chooseDeadline(ds []doctales.DateMention, ref time.Time) *doctales.DateMention {
	var best, past *doctales.DateMention
	dayStart := time.Date(ref.Year(), ref.Month(), ref.Day(), 0, 0, 0, 0, ref.Location())
	for i := range ds {
		d := &ds[i]
		// A year is no deadline: "aprovar os fornecedores para 2027"
		// (blind-69, 3181) was due on the message's own day.
		if !d.Deadline || d.Precision == "year" {
			continue
		}
		// A time of day already gone when the message was written ("the
		// truck booked for 8h did not come") gives way to one ahead.
		gone := (d.Precision == "minute" || d.Precision == "hour") && d.Time.Before(ref)
		if !d.Time.Before(dayStart) && !gone {
			// The same day given with its time ("due December 15" and
			// "December 15, 11:59 PM") is that time, not end of business.
			sameDayTimed := best != nil && best.Precision == "day" && (d.Precision == "minute" || d.Precision == "hour") && dayOf(d.Time).Equal(dayOf(best.Time))
			// And the other way round: a subject's "by 7pm TODAY" is not
			// replaced by the text's "until this evening" (a day, read
			// as end of business; blind-77, 3485).
			dayAfterTimed := best != nil && d.Precision == "day" && (best.Precision == "minute" || best.Precision == "hour") && dayOf(d.Time).Equal(dayOf(best.Time))
			if best == nil || (d.Time.Before(best.Time) && !dayAfterTimed) || sameDayTimed {
				best = d
			}
		} else if past == nil || d.Time.After(past.Time) {
			past = d
		}
	}
	if best != nil && best.Cue == "request" {
		// "Riesci a passare stasera tardi o domattina presto e finire
		// entro le 8?", "make sure whoever is on tonight knows … by 7 am
		// tomorrow": a date that only stands in a request gives way to
		// the time the reader is asked to be done by, within the day
		// after it (blind-110, 4827; blind-111, 4834).
		var by *doctales.DateMention
		for i := range ds {
			d := &ds[i]
			if !d.Deadline || !doneByCue(d.Cue) {
				continue
			}
			if d.Time.Equal(best.Time) {
				return best // the request's own time, said with "by" too
			}
			if by == nil && d.Time.After(best.Time) && d.Time.Sub(best.Time) <= 12*time.Hour && (d.Precision == "minute" || d.Precision == "hour") {
				by = d
			}
		}
		if by != nil {
			return by
		}
	}
	if best != nil {
		return best
	}
	return past
}

// noRushBefore is "no rush" just before a day: "No rush today, but could
// you send it by Friday?" asks nothing of today (blind-51, 2438), nor
// "Nessuna fretta per oggi o domani" of today or tomorrow (blind-103,
// 4548).
var noRushBefore = lazyRE(`(?i)(?:^|[^\p{L}])(?:no (?:rush|hurry)|not urgent|nessuna fretta|senza fretta|non c['’]è fretta|sin prisa|no hay prisa|sem pressa|n[ãa]o h[áa] pressa|rien ne presse|pas d['’]urgence|pas press[ée]|keine eile|geen haast)(?:\s+(?:for|per|para|pour|f[üu]r|voor))?\s+(?:(?:oggi|today|hoy|hoje|aujourd['’]hui|heute|vandaag)\s+(?:or|o|ou|oder|of)\s+)?$`)

// comparedDay matches what makes the day after it one compared with or
// counted from, not a day asked for: "same vomiting as Friday", "worse
// than Monday", "since Tuesday".
var comparedDay = lazyRE(`(?i)\b(as|than|since|like)\s+$`)

// requestDates marks as deadlines the dates of the new text that stand in
// a sentence asking the reader to act (requests holds those sentences'
// starts) and fall from ref's day to requestHorizon after it; it reports
// whether it marked any. A date in the past of the message ("the file you
// sent yesterday") is never one.
// supersededBefore is a date's own negation, the old date of a moved
// deadline: "It's now due Monday by 3pm, not today" (blind-52, 2474),
// "ya no son para mañana, pasan al martes 15" (2490), "plus pour demain",
// "nicht mehr morgen".
var supersededBefore = lazyRE(`(?i)(?:(?:^|[,;(–-])\s*(?:and |but |y |et |und |e |en )?not|\bno longer(?: due)?|\brather than|\binstead of|\bya no (?:es|son|est[áa]n?|vence|vencen) (?:para |el |la )?|\bplus (?:pour|avant|d'ici) |\bnicht mehr (?:bis |am )?|\bniet meer (?:voor |op )?|\bnon (?:è |sono )?più (?:per |entro )?|\bj[áa] n[ãa]o (?:é|s[ãa]o) (?:para )?)\s*(?:by |for |on |el |la |le |il |o |a )?$`)

// supersededAfter is what says, after a date, that it no longer holds:
// "Die Abgabe vom 30.11. hat sich erledigt" (blind-58, 2739), "the
// 30th no longer applies", "ya no vale", "n'est plus valable".
var supersededAfter = lazyRE(`(?i)^[.,]?\s*(?:\S+\s+)??(?:hat sich erledigt|ist erledigt|ist hinfällig|entfällt|gilt nicht mehr|no longer (?:applies|stands|holds)|is (?:cancelled|canceled|void)|ya no (?:vale|aplica|corre)|queda anulad[oa]|n['’]est plus (?:valable|d['’]actualit[ée])|non vale più|è annullat[oa]|já não vale|foi cancelad[oa]|vervalt|is vervallen|gaat niet door)`)

// startsFrom is a word that makes the date after it the start of
// something: "weil du ab morgen im Urlaub bist", "a partir del lunes",
// "from Monday": no deadline, even in a request's sentence (blind-54,
// 2579).
var startsFrom = lazyRE(`(?i)(?:^|[^\p{L}])(?:ab|seit|a partir del?|desde el|à partir d[eu]|dès|vanaf|sinds|a partire da|from|starting|as of|since)\s+$`)

func requestDates(ds []doctales.DateMention, own []span, requests map[int]bool, ref time.Time) bool {
	marked := false
	from, to := dayOf(ref), ref.Add(requestHorizon)
	for i := range ds {
		d := &ds[i]
		if d.Deadline || d.Source != doctales.SourceContent || d.Time.Before(from) || d.Time.After(to) {
			continue
		}
		// "(Mon-Fri, 08:00-18:30)" beside "please book": opening hours,
		// whose end is no limit (blind-55, 3008).
		if clockRange.MatchString(d.Text) || frequencyWords.MatchString(d.Text) {
			continue
		}
		// "(7 days a week, 7 AM - 9 PM)": the end of a range the parser
		// read alone (blind-68, 3085).
		if inRangeEnd(own, d.BeginOffset) {
			continue
		}
		switch d.Precision {
		case "minute", "hour":
			if d.Time.Before(ref) {
				continue // "the call at 10:00" of this morning
			}
		case "day", "week":
		default:
			continue
		}
		for _, s := range own {
			if d.BeginOffset >= s.start && d.BeginOffset < s.end && requests[s.start] && !conditionalAsk.MatchString(s.text) &&
				(askedBefore(s.text, d.BeginOffset-s.start) || askedAfterSoon(s.text, d, ref) || loneDatePlease(s.text, d.BeginOffset-s.start, d.EndOffset-s.start)) && !salesCall.MatchString(s.text[:d.BeginOffset-s.start]) &&
				!sendersPurpose.MatchString(s.text[:d.BeginOffset-s.start]) && !negatedBefore.MatchString(s.text[:d.BeginOffset-s.start]) &&
				!comparedDay.MatchString(s.text[:d.BeginOffset-s.start]) && !stateUntil.MatchString(s.text[:d.BeginOffset-s.start]) &&
				!noRushBefore.MatchString(s.text[:d.BeginOffset-s.start]) && !startsFrom.MatchString(s.text[:d.BeginOffset-s.start]) && !supersededBefore.MatchString(s.text[:d.BeginOffset-s.start]) &&
				!orLater(ds, d, s, ref) {
				d.Deadline, d.Cue = true, "request"
				if d.Precision == "day" || d.Precision == "week" {
					d.Time = atHour(d.Time, endOfBusinessHour)
				}
				marked = true
				break
			}
		}
	}
	return marked
}

// clockRange is a window of hours written as one: "08:00-18:30", "9-17h".
var clockRange = lazyRE(`^\d{1,2}(?:[:.h]\d{2})?\s*[-–]\s*\d{1,2}(?:[:.h]\d{2}|h)$`)

// frequencyWords are how often, not when: "7 days a week", "24 hours a
// day".
var frequencyWords = lazyRE(`(?i)\b(?:days? a week|hours a day|days? per week|hours per day)\b`)

// clockDashBefore is a clock and a dash just before a clock: the start
// of a range ("7 AM - ", "08:00–").
var clockDashBefore = lazyRE(`(?i)\b\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|h)?\s*[-–]\s*$`)

// inRangeEnd reports whether the offset b (in the message) follows the
// start of a range of hours in its sentence of own.
func inRangeEnd(own []span, b int) bool {
	for _, s := range own {
		if b >= s.start && b < s.end {
			return clockDashBefore.MatchString(tail(s.text[:b-s.start], 24))
		}
	}
	return false
}

// orLater reports whether d is the first of two times the request offers
// the reader: "Tu peux passer ce soir au théâtre ou demain matin ?" asks
// by the later one (blind-101, 4453).
func orLater(ds []doctales.DateMention, d *doctales.DateMention, s span, ref time.Time) bool {
	if d.EndOffset < s.start || d.EndOffset > s.end {
		return false
	}
	m := orBetween.FindStringIndex(s.text[d.EndOffset-s.start:])
	if m == nil {
		return false
	}
	next := d.EndOffset + m[1]
	if laterDayWord.MatchString(s.text[next-s.start:]) && dayOf(d.Time).Equal(dayOf(ref)) {
		return true // "ce soir ou demain matin": tomorrow the parser may not read
	}
	for _, e := range ds {
		if e.Source == d.Source && e.BeginOffset >= next && e.BeginOffset < next+12 && e.BeginOffset < s.end && e.Time.After(d.Time) {
			return true
		}
	}
	return false
}

// laterDayWord is tomorrow, in the languages the engine reads.
var laterDayWord = lazyRE(`(?i)^(?:tomorrow|demain|ma[ñn]ana|morgen|domani|amanh[ãa])\b`)

// orBetween is a disjunction after a time, before the next one within a
// few words: " au théâtre ou ", " or ", " o ", " oder ".
var orBetween = lazyRE(`(?i)^[^.?!;\n]{0,30}?\s(?:or|ou|o|oder|of|oppure)\s`)

// beforeThen is a request's pointer back to a time just named: "Can you
// take it to the stage door before then?", "corrige el registro antes de
// esa hora", "kun je het vóór die tijd doen?".
var beforeThen = fastre.MustCompile(`(?i)\b(?:(?:before|by|until|till)\s+(?:then|that\s+time)|before\s+(?:he|she|they|it|we|the\s+\w+)\s+(?:starts?|arrives?|gets?\s+there|comes?|leaves?|goes|begins?)|antes\s+de\s+(?:esa\s+hora|eso|entonces)|para\s+entonces|avant\s+(?:cette\s+heure|ça|cela)|d['’]ici\s+là|bis\s+dahin|vorher|prima\s+di\s+(?:allora|quell['’]ora)|entro\s+(?:allora|quell['’]ora)|per\s+allora|até\s+lá|até\s+(?:essa|esta|aquela)\s+hora|até\s+então|antes\s+(?:disso|dessa\s+hora)|para\s+esa\s+hora|entro\s+quel\s+momento|bis\s+zu\s+diesem\s+zeitpunkt|(?:tegen|vóór|voor)\s+(?:die\s+tijd|dat\s+tijdstip)|vor\s+diesem\s+zeitpunkt|voor\s+dan)(?:[^\p{L}]|$)`)

// ifYouCould is a request put as a condition inside a sentence: "The
// board pack closes on Wednesday 13 January, so if you could get me the
// totals by then, that would be perfect" (blind-92, 4085).
var ifYouCould = lazyRE(`(?i)\bif you (?:could|can|would)\b[^.?!]{0,40}\b(?:get|send|let|give|have|do|check|confirm|provide|forward|return|sign|fill|book|bring|pay)\b`)

// thenDeadline marks as the deadline the earliest date ahead named before a
// request that says "before then" or "by then", within the two sentences
// before it; it reports whether it marked one.
func thenDeadline(ds []doctales.DateMention, own []span, requests map[int]bool, ref time.Time) bool {
	for k, s := range own {
		// A request cue in the sentence counts even when the sentence
		// as a whole scores under the action threshold: "The pack goes
		// to the printer at 9 tomorrow and I'd like your page by then."
		// "If you can reply with their hours before then, I'll get them
		// into this run" asks as much.
		if !beforeThen.MatchString(s.text) || !requests[s.start] && cuesOf(s.text).request == "" && !(conditionalAsk.MatchString(s.text) && addressee.MatchString(s.text)) && !unlessDone.MatchString(s.text) && !orElse.MatchString(s.text) && !ifYouCould.MatchString(s.text) {
			continue
		}
		from := s.start
		if k >= 2 {
			from = own[k-2].start
		} else if k == 1 {
			from = own[0].start
		}
		// The earliest of them: "at 5pm ET today … tonight's preview.
		// Can you … before then?" is before 5pm.
		var first *doctales.DateMention
		at := s.start + beforeThen.FindStringIndex(s.text)[0]
		for i := range ds {
			d := &ds[i]
			if d.Source == doctales.SourceContent && d.BeginOffset >= from && d.EndOffset <= at && d.Time.After(ref) && (first == nil || d.Time.Before(first.Time)) {
				first = d
			}
		}
		// A date in the asking sentence itself is the one it points
		// back to ("Send them by 7 tomorrow and I'll sign off before
		// the trucks arrive"), not an earlier sentence's.
		for i := range ds {
			d := &ds[i]
			if d.Source == doctales.SourceContent && d.BeginOffset >= s.start && d.EndOffset <= at && d.Time.After(ref) {
				first = d
			}
		}
		if first != nil {
			first.Deadline, first.Cue = true, "before then"
			if (first.Precision == "day" || first.Precision == "week") && first.Time.Hour() == 0 && first.Time.Minute() == 0 {
				first.Time = atHour(first.Time, endOfBusinessHour) // a day's deadline is its end of business
			}
			return true
		}
	}
	return false
}

// orElse is a consequence after a task ("Keur de factuur vóór dat
// tijdstip goed, anders schuift de betaling …", "déjalos preparados
// antes de esa hora que si no hasta el lunes nada"): the sentence asks.
var orElse = lazyRE(`(?i),\s*(?:otherwise|or else|anders|sonst|ansonsten|sinon|autrement|de lo contrario|si no|altrimenti|sen[ãa]o|caso contr[áa]rio)\b|\b(?:que|porque) si no\b`)

// unlessDone is a condition on something the reader must get done, the
// ask of a system's notice: "If the renewal is not paid by then, the van
// will not be insured", "Unless it is signed by then …".
var unlessDone = lazyRE(`(?i)^\W*(?:if\b[^.!?]{0,80}\b(?:is not|isn['’]t|are not|aren['’]t|has not been|hasn['’]t been|have not been|haven['’]t been)|unless\b[^.!?]{0,80}\b(?:is|are|has been|have been))\s+(?:paid|received|signed|returned|renewed|completed|submitted|settled|confirmed|updated|approved)\b`)

// eventDeadline marks as the deadline the time of an event later today
// named in one of the two sentences before a request that names no date
// of its own: "The keynote in the main hall starts at 2pm and the
// speaker won't use a handheld. Can you grab the spare rack and drive it
// over?" is wanted before 2pm. Only a time of day within twelve hours,
// after a verb that makes it a limit (starts, closes, leaves, arrives …:
// leaveAt); it reports whether it marked one.
func eventDeadline(ds []doctales.DateMention, own []span, requests map[int]bool, ref time.Time) bool {
	// "Consegue olhar agora?": an ask for now has its own time, and the
	// event's hour is a fact beside it.
	for _, s := range own {
		if requests[s.start] && askedNow.MatchString(s.text) {
			return false
		}
	}
	for k, s := range own {
		if k == 0 || !requests[s.start] || conditionalAsk.MatchString(s.text) {
			continue
		}
		var first *doctales.DateMention
		for i := range ds {
			d := &ds[i]
			if d.Source != doctales.SourceContent {
				continue
			}
			if d.BeginOffset >= s.start && d.BeginOffset < s.end {
				first = nil // the request has its own date
				break
			}
			if d.Precision != "minute" && d.Precision != "hour" || !d.Time.After(ref) || d.Time.After(ref.Add(12*time.Hour)) {
				continue
			}
			for j := max(0, k-2); j < k; j++ {
				p := own[j]
				if d.BeginOffset < p.start || d.EndOffset > p.end {
					continue
				}
				before := strings.TrimRight(p.text[:d.BeginOffset-p.start], " ")
				before = strings.TrimSuffix(strings.TrimSuffix(before, "at"), "@") + " "
				if (leaveAt.MatchString(before) || foreignEventAt.MatchString(before)) && (first == nil || d.Time.Before(first.Time)) {
					first = d
				}
			}
		}
		if first != nil {
			first.Deadline, first.Cue = true, "before the event"
			return true
		}
	}
	return false
}

// askedNow is an ask's own "now" in the seven languages.
var askedNow = lazyRE(`(?i)\b(?:now|right away|straight away|immediately|agora|ahora|ya mismo|maintenant|tout de suite|jetzt|sofort|subito|adesso|ora|nu|meteen|direct)\b`)

// foreignEventAt is leaveAt in the other languages, a little before the
// time: "Pablo sale de robótica a las cinco", "il dottore passa alle 15",
// "der Zug fährt um 17 Uhr".
var foreignEventAt = lazyRE(`(?i)\b(?:sale|salen|termina|terminan|empieza|empiezan|cierra|cierran|llega|llegan|comienza|passa|arriva|arrivano|comincia|inizia|chiude|parte|partono|finisce|arrive|arrivent|commence|ferme|part|partent|finit|kommt|kommen|beginnt|schlie[ßs]t|f[äa]hrt|endet|chega|chegam|come[çc]a|fecha|sai|saem|komt|komen|begint|sluit|vertrekt)\b[^.!?]{0,30}$`)

// conditionalAsk is a request that applies only if something is so ("If
// there's a query on it, please let me know today"): its date is no
// deadline of the reader's unless a cue says so.
var conditionalAsk = lazyRE(`(?i)^\W*(if|in case|should you|wenn|falls|si|se|als|indien)\b`)

// askedAfterSoon reports whether the sentence asks the reader after a
// date that falls by the end of the next working day: "The customer demo
// is at 11:00 today - can you please restart the auth service?" The date
// is the hour the request has to beat.
func askedAfterSoon(s string, d *doctales.DateMention, ref time.Time) bool {
	if d.Time.After(endOfNextBusinessDay(ref)) {
		return false
	}
	for _, re := range []*fastre.Regexp{requestCue, foreignRequestCue} {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// sendersPurpose matches a purpose clause of the sender's just before a
// date: in "Could you confirm … so we can start the build tonight?" the
// evening is when the sender works, not when the reader must.
var sendersPurpose = fastre.MustCompile(`(?i)\b(so( that)?|in order to|then) (we|i|they)( can| could| will|'ll)?\b[^.!?\n]{0,60}$`)

// notUntil is a negation before "until": "doesn't close until".
// foreignNotUntil is notUntil in the other languages the engine reads.
var foreignNotUntil = lazyRE(`(?i)(?:^|[^\p{L}])(?:no|ne|n['’]|nicht|non|não|nao|niet|nunca|jamais|mai)\s[^.!?\n,;]{0,30}\b(?:hasta|jusqu['’](?:à|au)|bis|fino|até|tot)\b[^.!?\n]{0,24}$`)

var notUntil = lazyRE(`(?i)(\bnot\b|n't\b|\bnever\b|\bno\b)[^.!?\n,;]{0,30}\b(until|till|til)\b[^.!?\n]{0,24}$`)

// weakForeignCue are the "for" cues of the other languages, which name a
// deadline only just before its date.
var weakForeignCue = map[string]bool{"pour": true, "pour le": true, "para": true, "para el": true, "para a": true, "para o": true, "per": true, "per il": true}

// closeOf is the end of a period between a weak cue and its date: "para
// el cierre de diciembre", "pour la fin de".
var closeOf = lazyRE(`(?i)^\s*(la |le |il |a |o )?(cierre|fin|final|cl[ôo]ture|fine|chiusura|fecho|encerramento)\s+(de|del|du|de la|di|do|da|della)\s*$`)

// negatedBefore matches a clause that calls off or waives what its date
// would time, just before the date: "let's not run it tonight", "no need
// to reply today", "you don't have to finish it by Friday", "ce n'est
// pas pour demain" (blind-95, 4214), "don't worry about ringing me today"
// (blind-111, 4837). "Not later than" and "don't forget … by" still ask.
var negatedBefore = fastre.MustCompile(`(?i)\b(let'?s not|(?:don['’]?t|do not|no need to) worry about|let us not|no need to|(do not|don'?t|doesn'?t|won'?t) (need|have) to|needn'?t|not necessary to|not going to|(we|i)('ll| will) (not|skip)|(we|i) won'?t)\b[^.!?\n;]{0,40}$|(?:n['’]est pas|no es|não é|nao e|non è|isn['’]t|is not|ist nicht|is niet)\s+(?:pour|para|per|for|für|voor)\s*$`)

// personal reports whether a message of category c is written to the
// reader in person, so that what it asks is asked of them (a list or a
// newsletter asks everyone).
func personal(c string) bool {
	return c == doctales.CategoryPerson || c == doctales.CategoryReply
}

// loneDatePlease reports whether the sentence s is only the date at
// [b, e) and a "please": "early next week please." under a list of
// what the sender wants asks for the list by then (blind-115, 5003).
func loneDatePlease(s string, b, e int) bool {
	return b >= 0 && e <= len(s) && loneDateLead.MatchString(s[:b]) && pleaseAfterDate.MatchString(s[e:])
}

// loneDateLead is what may stand before a lone date asked for: nothing,
// or "by", "ideally", "latest".
var loneDateLead = lazyRE(`(?i)^\W*(?:(?:ideally|latest|at the latest|by|before)\s+)*$`)

// pleaseAfterDate is a "please" that ends a sentence just after a date.
var pleaseAfterDate = lazyRE(`(?i)^\s*,?\s*(?:if (?:you|u) can\s*,?\s*|at the latest\s*,?\s*|latest\s*,?\s*)?(?:please|pls|plz)\b\W*$`)

// askedBefore reports whether sentence s asks in so many words before the
// date at offset at: "Could you send it tomorrow?", "Send it tomorrow"
// ask for a day; in "Hi, today, … please click" the day is not what is
// asked, and a sentence the model alone reads as a request sets no date.
func askedBefore(s string, at int) bool {
	for _, re := range []*fastre.Regexp{requestCue, foreignRequestCue, foreignNeedYours, foreignNeedSoon} {
		if m := re.FindStringIndex(s); m != nil && m[0] < at {
			return true
		}
	}
	return imperative(s, words(s)) != ""
}

// salesCall is an advertiser's call to act, just before its date: "call
// us today", "reserve your copy today" set no deadline for the reader.
var salesCall = lazyRE(`(?i)\b(call us|call now|call toll|visit (us|our)|order (now|yours|your)|reserve (your|a)|buy|act|join (us|now|our)|sign up|subscribe|claim|shop|enroll)\b[^.!?\n]{0,24}$|(?:^|[.!?:;,]\s*|please\s+|\bnow\s+)(register|apply|download|order|act)\s+$`)

// requestHorizon is how far ahead a date in a request still reads as when
// it is wanted rather than as a plan.
const requestHorizon = 45 * 24 * time.Hour

func atHour(t time.Time, h int) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), h, 0, 0, 0, t.Location())
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Expressions the date parser reads otherwise than a reader (labelling
// guide, settled cases): "next week" for a task is its Friday, "early next
// week" its Monday; "tonight" and "this afternoon" the end of the day,
// "this morning" noon; "by the 14th" this month's 14th or next month's;
// "in two days" with the number in words.
var (
	// thisWeekTask is a task for this week, with no day: "sometime this
	// week", "entro questa settimana" (labelling guide: "this week" is
	// its Friday).
	thisWeekTask    = fastre.MustCompile(`(?i)\b(?:(?:some ?time|any ?time|later|during|in the course of|before the end of|by the end of|within|by|before|entro|durante|pendant|avant la fin de|im laufe|bis ende|binnen|ainda|antes del final de|antes do fim d[ae])\s+)?(this week|cette semaine|esta semana|nesta semana|diese woche|dieser woche|questa settimana|deze week)\b`)
	nextWeekTask    = fastre.MustCompile(`(?i)\b(?:(early|beginning of|start of|anfang|zu beginn der|d[ée]but de|d[ée]but|principios de|a principios de|inicio de|in[íi]cio d[ae]|all'inizio della|inizio|begin)\s+)?(?:(?:some ?time|any ?time|later|during|in the course of)\s+)?(next week|la semaine prochaine|la pr[óo]xima semana|n[äa]chste woche|n[äa]chsten woche|n[äa]chster woche|la semana que viene|la semaine qui vient|la prossima settimana|la settimana prossima|volgende week|pr[óo]xima semana|n[äa]sta vecka|neste uke|n[æa]ste uge)\b`)
	tomorrowMorning = fastre.MustCompile(`(?i)\b(demain (?:matin )?[àa] la premi[èe]re heure|ma[ñn]ana a primera hora|ma[ñn]ana temprano|morgen als erstes|morgen fr[üu]h als erstes|domani a prima ora|domani come prima cosa|domattina presto|amanh[ãa] (?:logo )?cedo|amanh[ãa] [àa] primeira hora|amanh[ãa] logo de manh[ãa]|morgen als eerste|morgen meteen|domattina|domani mattina|demain matin|ma[ñn]ana por la ma[ñn]ana|morgen fr[üu]h|morgenvroeg|morgenochtend|morgen ochtend|amanh[ãa] de manh[ãa]|i morgon bitti|imorgon bitti|i morgen tidlig|imorgen tidlig)\b`)
	partOfToday     = fastre.MustCompile(`(?i)\b(tonight|this evening|this afternoon|this morning|ce soir|cet apr[èe]s-midi|ce matin|esta noche|esta tarde|esta ma[ñn]ana|heute abend|heute nachmittag|heute morgen|heute vormittag|stasera|oggi pomeriggio|stamattina|vanavond|vanmiddag|vanochtend|hoje [àa] noite|esta manh[ãa]|in mattinata|dans la matin[ée]e|durante a manh[ãa]|in de loop van de ochtend|i kv[äa]ll|ikv[äa]ll|i kveld|ikveld|i aften|i eftermiddag|i ettermiddag)\b`)
	foreignDay      = fastre.MustCompile(`(?i)(?:\b(?:até|por|para)\s+(?:o\s+)?dia|\bantes\s+do\s+dia|\b(?:hasta|para|antes\s+del?)\s+(?:el\s+)?d[íi]a|\b(?:d'ici|avant|pour)\s+le|\bjusqu'au|\bbis(?:\s+zum)?|\bentro\s+il|(?:\bvoor|vóór|\buiterlijk|\bop)\s+de)\s+(\d{1,2})(?:er|\.|e|ste|de|º)?(?:\s|$|[,;.!?)])`)
	foreignMonth    = lazyRE(`(?i)^\s*(de\s+|del\s+)?(jan|fe[bv]|m[äa]r|apr|avr|abr|ma[iy]|mei|mag|jun|giu|jui|jul|lug|ago|aug|ao[uû]|set|sep|okt|oct|ott|out|nov|de[cz]|dic|d[ée]c|gen|ene|jän|f[ée]v|gennaio)`)
	weekdayOrdinal  = lazyRE(`(?i)\b((?:mon|tues|wednes|thurs|fri|satur|sun)day),?\s+the\s+(\d{1,2})(?:st|nd|rd|th)\b`)
	ordinalDay      = fastre.MustCompile(`(?i)\b(?:by|before|on|until|till|due|no later than|for)\s+the\s+(\d{1,2})(?:st|nd|rd|th)\b`)
	// dottedDate is "14.12." or "14.12.2026" (group 1), or "11.12" after a
	// weekday or a cue (group 3), never part of a longer number.
	dottedDate = lazyRE(`(?i)(?:^|[^\d.:,])(\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})?)(?:[^\d.]|$|\.(?:\s|$))|\b(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|mo|di|mi|do|fr|sa|so|lun|mar|mer|jeu|ven|by|bis|until|due|before|vor|innen|til|am|le|el|il|op|até|ate|entro|voor|avant|antes del?|hasta el)\.?,?\s+(\d{1,2}\.\d{1,2})(?:[^\d.]|$|\.\s|\.$)`)
	// inHours is a deadline counted in hours from the message.
	inHours = lazyRE(`(?i)\b(?:within|in the next|binnen|innerhalb (?:von|der n[äa]chsten)|dans les|sous|en las pr[óo]ximas|dentro de|em at[ée]|nas pr[óo]ximas|entro)\s+(\d{1,3})\s*(?:hours|hrs|h|uur|stunden|std\.?|heures|horas|ore)\b`)
	// inWordDays is a count of days or weeks from the message: "within 3
	// working days", "innerhalb von 3 Werktagen", "en un plazo de 3 días
	// hábiles", "sous huitaine". Groups: 1 the count, 2 an English
	// qualifier (working, business), 3 the unit, 4 a qualifier after it
	// (hábiles, úteis, ouvrés, lavorativi), 5 huitaine or quinzaine.
	inWordDays = fastre.MustCompile(`(?i)\b(?:in|within|innerhalb(?: von)?|binnen|sous|dans|dans un d[ée]lai de|en un plazo de|en el plazo de|dentro de|en|em at[ée]|em|no prazo de|num prazo de|entro|nel giro di|over)\s+(?:the (?:next|coming)\s+)?(a|an|one|two|three|four|five|six|seven|eight|nine|ten|a couple of|a few|uno?|una|dos|tres|cuatro|cinco|seis|siete|ocho|diez|quince|une|deux|trois|quatre|cinq|sept|huit|dix|quinze|eine[mnr]?|ein|zwei|drei|vier|fünf|sechs|sieben|acht|zehn|vierzehn|um|uma|dois|duas|três|quatro|due|tre|quattro|cinque|sette|otto|dieci|quindici|een|één|twee|drie|vijf|zeven|tien|veertien|\d{1,2})\s+(?:(business|working)\s+)?(days?|weeks?|tage?n?|werktage?n?|wochen|jours?|semaines?|d[íi]as|semanas|giorni|settimane|werkdagen|dagen|weken)(?:\s+(h[áa]biles|laborables|[úu]teis|ouvr[ée]s|ouvrables|lavorativi))?\b|\bsous (huitaine|quinzaine)\b`)
	monthAfter = lazyRE(`(?i)^\s*(of\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)`)
	// bareClock is an hour without am/pm and without a day after a cue,
	// ending its clause: "send it by 3.", "before 4 please", "be there
	// at 10?" (labelling guide, settled cases: a request with an hour and
	// no day is that hour today, or tomorrow when it has gone; an hour
	// without am/pm is read in working hours).
	bareClock = fastre.MustCompile(`(?i)\b(by|before|b4|no later than|at)\s+([1-9]|1[0-2])(?:ish|\s*o'?clock)?(?:\s*(?:[.!?;)]|,\s|$)|\s+(?:please|pls|plz|sharp|latest|at the latest|so|and|if you can|whether|if|because|or|otherwise|then)\b)`)
	// countBefore is what puts a number after "by" or "at" that is no
	// hour: "grew by 3.", "multiply by 4.", "we won at 2". ("until 9"
	// is left out of bareClock: "I won't be there till 9" is the sender's.)
	countBefore = lazyRE(`(?i)\b(increase[ds]?|decrease[ds]?|multipl\w*|divid\w*|grow|grew|grown|grows|rises?|rose|risen|falls?|fell|fallen|drop\w*|reduc\w*|rais\w*|lower\w*|up|down|off|times|scal\w*|behind|ahead|lead\w*|won|lost|wins?|beat|beaten|outnumber\w*|exceed\w*|over|under|shr[au]nk|slip\w*|chang\w*|adjust\w*|offset|delay\w*|extend\w*|push\w*|mov\w*|shift\w*|round\w*|page|pages|step|steps|chapter|item|number|no\.?|point|version|level|aged?|stand|stood|stands|stuck|capped|limit\w*|set|priced|valued|rated|ranked|\d+)\s+(by|before|at)\s+$`)
	// foreignClock is an hour written the way Italian, Spanish and
	// Portuguese write one, after the article of hours ("prima delle 16",
	// "entro le 16", "antes de las 16", "até às 16"), or with its unit
	// ("bis 16 Uhr", "voor 16 uur", "avant 16h"): that hour on the
	// message's day, or the next when "tomorrow" stands beside it.
	foreignClock = fastre.MustCompile(`(?i)(?:\b(?:prima delle|entro e non oltre le|non oltre le|entro le|dopo le|fino alle|verso le|delle|alle|dalle)|\b(?:antes de|hasta|a|para|desde|de)\s+las?|(?:\bantes das|\bdepois das|\ba partir das|\baté [àa]s|(?:^|\s)às))\s+(\d{1,2})(?:[:.](\d{2}))?(?:\s*(?:h|horas|ore|hrs)\b|\s*[,;:!?)]|\s*\.(?:\s|$)|\s*$|\s+(?:di|de|del|della|e|y|o|per|para|pour|se|si|in|en|em|con|com|ma|pero|mas|al|do|da|in punto|circa|horas|un|una|uno|um|uma|tu|su|tus|sus|il|lo|los|las|el|deve|devo|devono|chiude|parte|cierra|sale|tiene|tengo|fecha|tem|tenho|stasera|stamattina|stanotte|oggi|domani|sennò|hoy|mañana|hoje|amanh[ãa]|che|perché|perche|porque|que|quando|cuando|così|asi|así|cu[áa]nt[oa]s?|c[óo]mo|quant[ieoa]s?|qual|quem|combien)(?:[^\p{L}\p{N}-]|$))|(?:\b(?:bis|um|vor|gegen|ab|voor|v[óo]{1}[óo]?r|om|tot|uiterlijk|avant|a|vers|d['’]ici)|(?:^|\s)à)\s+(\d{1,2})(?:[:.h](\d{2}))?(?:\s*(?:uhr|uur|h)|u|\s*,\s*(?:dann|danach|weil|denn|sonst|dan|want|omdat|anders))\b|\b(?:um|om|vers)\s+(\d{1,2})[:.](\d{2})\b|\b()(\d{1,2})()-(?:uhr|uur)\b|(?:^|\s)(?:[àa] partir de|d[èe]s|vers|avant|jusqu['’][àa]|[àa]|[àa]s|at[ée] [àa]s|antes das|depois das|a partir das)\s+(\d{1,2})h(\d{2})\b|\b(?:bis|voor|v[óo]{1}[óo]?r|uiterlijk)\s+([1-9]|1[0-2])\s*\?`)
	// halfHour is German and Dutch "halb neun" / "half negen": half an
	// hour before the hour named (08:30), read in working hours.
	halfHour = fastre.MustCompile(`(?i)\b(?:bis|um|vor|gegen|ab|tot|om|voor|v[óo]{1,2}r|uiterlijk)\s+(?:morgen(?:ochtend|vroeg|\s+fr[üu]h)?\s+(?:om\s+|um\s+)?)?hal[fb]\s+(1[0-2]|[1-9]|een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|eins|zwei|drei|vier|f[üu]nf|sechs|sieben|acht|neun|zehn|elf|zw[öo]lf)\b`)
	// wordClock is an English clock in words: "half past two", "quarter
	// to four", and the British "half ten" (10:30), after a cue.
	// oClock is an English hour with "o'clock", in words or digits:
	// "by two o'clock", "before 3 o'clock"; group 1 the hour.
	oClock    = lazyRE(`(?i)\b(?:at|by|before|till|until|from)\s+(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[1-9]|1[0-2])\s*o['’]?clock\b`)
	wordClock = fastre.MustCompile(`(?i)\b(?:at|by|before|b4|till|until|for|from)\s+(?:(half|quarter)\s+(past|to)\s+|(half)\s+)(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[1-9]|1[0-2])\b`)
	// eveningAfter is what makes a clock the afternoon's or evening's:
	// "om half acht 's avonds", "at half past seven in the evening",
	// "vóór 8 uur vanavond", "à 9 h ce soir".
	eveningAfter = lazyRE(`(?i)^\s*(?:'s avonds|’s avonds|['’]s middags|vanavond|abends|am abend|nachmittags|heute abend|du soir|ce soir|de l['’]apr[èe]s-midi|de la (?:tarde|noche)|esta (?:tarde|noche)|di sera|della sera|stasera|del pomeriggio|da (?:noite|tarde)|hoje [àa] noite|[àa] noite|in the evening|tonight|pm|p\.m\.)`)
	// tomorrowWord is "tomorrow" in the languages foreignClock reads.
	// tomorrowsThing is tomorrow as the day of a thing named after a
	// clock: "die Termine für morgen", "les rendez-vous de demain".
	tomorrowsThing = lazyRE(`(?i)\b(?:f[üu]r|for|de|del|para|pour|per|voor|van|dos|das|di|dei|delle)\s+(?:morgen|tomorrow|ma[ñn]ana|demain|domani|amanh[ãa])\b`)
	tomorrowWord   = lazyRE(`(?i)\b(domani|domattina|ma[ñn]ana(?: a primera hora)?|amanh[ãa]|morgen|morgenochtend|morgenvroeg|demain)\b`)
	// beforeLunch is "before lunch", "by lunchtime": noon of the day.
	// beforeEventClock is a request's cue before the hour of an event of
	// the sender's or the reader's: "before our 3 o'clock", "by your
	// 2:30 call"; group 1 is the clock, 2 and 3 its hour and minute, 4
	// its am/pm ("" when none).
	beforeEventClock = lazyRE(`(?i)\b(?:before|by|ahead of|in time for) (?:our|the|my|your|their|his|her) ((\d{1,2})(?::(\d{2}))?\s*(o['’]?clock|[ap]\.?m\.?|))\s+(?:with|call|meeting|appointment|slot|session|standup|stand-up|review|demo|briefing|interview|sync)\b`)
	// foreignWordClock is an hour written as a word after its article
	// or cue: "antes de las seis", "até às duas", "alle sei", "bis acht
	// Uhr", "om tien uur", "avant six heures"; group 1 the word.
	// wordQuarter is the quarter or half that follows a written hour:
	// "la una y media", "l'una e mezza", "a uma e meia", "deux heures et
	// demie", "las dos menos cuarto".
	wordQuarter      = fastre.MustCompile(`(?i)^\s+(y media|y cuarto|menos cuarto|e mezz[ao]|e un quarto|meno un quarto|e meia|e um quarto|menos um quarto|et demie|et quart|moins le quart)\b`)
	foreignWordClock = fastre.MustCompile(`(?i)\b(?:antes de|hasta|a|para|desde) la (una)\b|\b(?:prima dell['’]|entro l['’]|all['’]|fino all['’])(una)\b|\b(?:at[ée] [àa]|antes da|a) (uma)\b|\sà (uma)\b|(?:\b(?:antes de|hasta|a|para|desde) las|\b(?:antes das|até às|ate as|das)|\b(?:alle|entro le|prima delle|fino alle|verso le))\s+(dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|duas|tr[êe]s|quatro|sete|oito|nove|dez|onze|doze|due|tre|quattro|cinque|sei|sette|otto|dieci|undici|dodici)\b|\b(?:um|bis|vor|gegen)\s+(zwei|drei|vier|f[üu]nf|sechs|sieben|acht|neun|zehn|elf|zw[öo]lf)\s+uhr\b|\b(?:om|tot|voor|vóór|uiterlijk|tegen)\s+(twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf)\s+uur\b|\b(?:avant|vers|jusqu'[àa])\s+(deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze)\s+heures\b`)
	beforeLunch      = fastre.MustCompile(`(?i)\b((before|by|until|till) lunch(time)?|v[óo]{1,2}r de (lunch|middag)|antes del almuerzo|antes de comer|avant (le )?d[ée]jeuner|vor dem mittag(essen)?|prima di pranzo|prima (del|di) mezzogiorno|antes do almo[çc]o)\b`)
	// noonOfDay is noon of a named day: "hasta el mediodía del viernes",
	// "vendredi midi" is the parser's.
	noonOfDay = fastre.MustCompile(`(?i)\b(mediod[íi]a|midi|mittag|mezzogiorno|meio-dia|middag|noon)\s+(?:del|de|du|am|van|di|do|da|on)\s+(\p{L}+(?:-feira)?)`)
)

// extraTrigger reports whether text holds one of the expressions
// relativeExtras reads, which dateTrigger does not announce.
func extraTrigger(text string) bool {
	digit := strings.ContainsAny(text, "0123456789")
	return partOfToday.MatchString(text) || beforeLunch.MatchString(text) || digit && foreignClock.MatchString(text) || halfHourGate(text) && halfHour.MatchString(text) || mayForeignWordClock(text) && foreignWordClock.MatchString(text) || len(wordClockIn(text)) > 0 || mayBareClock(text) && bareClock.MatchString(text) || tomorrowMorning.MatchString(text) || mayDotted(text) && dottedDate.MatchString(text) || len(inHoursIn(text)) > 0 || ordinalDay.MatchString(text) || foreignDay.MatchString(text) || mayOffsetSpan(text) && inWordDays.MatchString(text) || nextWeekTask.MatchString(text) || thisWeekTask.MatchString(text) || digit && weekNumber.MatchString(text) || strings.Contains(text, "clock") && oClock.MatchString(text) || mayDayAfterTomorrow(text) && dayAfterTomorrowWords.MatchString(text) || digit && strings.Contains(text, "-") && isoDateTime.MatchString(text) || digit && mayShortDayOrdinal(text) && shortDayOrdinal.MatchString(text)
}

// isoDateTime is an ISO 8601 date, with a time of day and a zone when
// given, as systems write them: "2026-12-08 09:00 UTC",
// "2026-12-08T09:00:00Z", "2026-12-08 09:00 +01:00". Groups: year,
// month, day, hour, minute, a named zone (Z, UTC, GMT), an offset's
// hours and minutes.
var isoDateTime = lazyRE(`\b(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:\s?(Z|UTC|GMT)\b|\s?([+-]\d{2}):?(\d{2})\b)?)?`)

// isoDates reads the ISO 8601 dates of s, which the parser misses or
// splits when a time and a zone follow ("Not after : 2026-12-08 09:00
// UTC" gave nothing, "before 2026-12-08 09:00 UTC" gave the 8th and a
// second "09:00 UTC" today): each replaces what the parser read inside
// it.
func isoDates(found []doctales.DateMention, s span, ref time.Time, source string) []doctales.DateMention {
	if !strings.Contains(s.text, "-") {
		return found
	}
	for _, m := range isoDateTime.FindAllStringSubmatchIndex(s.text, 4) {
		g := groupsOf(s.text, m)
		y, _ := strconv.Atoi(g[1])
		mo, _ := strconv.Atoi(g[2])
		d, _ := strconv.Atoi(g[3])
		t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, ref.Location())
		if mo < 1 || mo > 12 || t.Day() != d {
			continue // not a date: "2026-13-45"
		}
		prec := "day"
		if g[4] != "" {
			h, _ := strconv.Atoi(g[4])
			mi, _ := strconv.Atoi(g[5])
			if h > 23 || mi > 59 {
				continue
			}
			loc := ref.Location()
			switch {
			case g[6] != "":
				loc = time.UTC
			case g[7] != "":
				oh, _ := strconv.Atoi(g[7])
				om, _ := strconv.Atoi(g[8])
				off := oh*3600 + om*60
				if oh < 0 || strings.HasPrefix(g[7], "-") {
					off = oh*3600 - om*60
				}
				loc = time.FixedZone("", off)
			}
			t, prec = time.Date(y, time.Month(mo), d, h, mi, 0, 0, loc).In(ref.Location()), "minute"
		}
		b, e := s.start+m[0], s.start+m[1]
		kept := found[:0]
		for _, o := range found {
			if o.EndOffset <= b || o.BeginOffset >= e {
				kept = append(kept, o)
			}
		}
		nm := mention(s, m[:2], t, prec, source)
		nm.Deadline, nm.Cue = false, "" // a cue or a request decides
		found = append(kept, nm)
	}
	return found
}

// mayDayAfterTomorrow reports whether text may hold a
// dayAfterTomorrowWords phrase: a cheap gate on a part of each.
func mayDayAfterTomorrow(text string) bool {
	for _, p := range []string{"orrow", "aña", "ana", "opodoman", "manh", "emain", "orgen"} {
		if strings.Contains(text, p) {
			return true
		}
	}
	return false
}

// leaveAt is what makes "at 3" the hour someone leaves or something
// closes, a limit the reader must beat, even in a sentence that asks
// nothing: "They pack up at 3", "the office closes at 4", "I'm away to
// the mart at 3" (blind-101, 4434).
var leaveAt = lazyRE(`(?i)\b(on site|arriv(?:e|es|ing)|due|here|start(?:s|ing)?|begin(?:s|ning)?|leav(?:e|es|ing)|pack(?:s|ing)? up|clos(?:e|es|ing)|shut(?:s|ting)?|finish(?:es|ing)?|go(?:es)? home|head(?:s|ing)? off|knock(?:s|ing)? off|depart(?:s|ing)?|stop(?:s|ping)?|ends?)\s+$|\b(?:i['’]?m|i am|we['’]?re|we are|he['’]?s|she['’]?s)\s+(?:away|off|out|gone|heading out|going)(?:\s+to\s+(?:the\s+)?\pL+)?\s+$`)

// weekdayNumber is a weekday followed by its day of the month ("mercredi
// 16", "Friday the 11th"): group 1 the weekday, 2 the day.
var weekdayNumber = fastre.MustCompile(`(?i)\b(lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|luned[ìi]|marted[ìi]|mercoled[ìi]|gioved[ìi]|venerd[ìi]|sabato|domenica|segunda-feira|ter[çc]a-feira|quarta-feira|quinta-feira|sexta-feira|segunda|ter[çc]a|quarta|quinta|sexta|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+(?:(?:der|den|le|el|il|dia|the)\s+)?(\d{1,2})(?:st|nd|rd|th|er|e|º)?(?:[\s,;!?)]|\.\s|\.$|$)`)

// leaveClock is a bare hour after a leaving or closing verb: group 1 the
// verb, 2 the hour.
var leaveClock = lazyRE(`(?i)\b(leav(?:e|es|ing)|pack(?:s|ing)? up|clos(?:e|es|ing)|shut(?:s|ting)?|go(?:es)? home|head(?:s|ing)? off|knock(?:s|ing)? off|depart(?:s|ing)?)\s+at\s+([1-9]|1[0-2])(?:\s*o'?clock)?(?:[\s,.;!?)]|$)`)

// beforeCue is the cue of a foreign clock that sets a limit ("antes de
// las", "bis", "avant", "entro le", "vóór", "até às"), not a time ("a
// las", "um", "alle").
var beforeCue = lazyRE(`(?i)(antes|hasta|bis|vor|voor|v[óo]{1,2}r|tot|uiterlijk|avant|d['’]ici|entro|prima|fino|at[ée])\b`)

// weekdayBeside finds a weekday's name within 14 bytes before b or after
// e in text: its bounds and its number (0 is Sunday).
func weekdayBeside(text string, b, e int) (int, int, int, bool) {
	lo, hi := max(0, b-14), min(len(text), e+14)
	for _, w := range letterRun.FindAllStringIndex(text[lo:hi], -1) {
		wb, we := lo+w[0], lo+w[1]
		if we > b && wb < e {
			continue // inside the "next week" phrase
		}
		if d, ok := weekdayNames[strings.ToLower(text[wb:we])]; ok {
			return wb, we, d, true
		}
	}
	return 0, 0, 0, false
}

// letterRun is a word: letters and hyphens ("quinta-feira").
var letterRun = lazyRE(`[\p{L}-]+`)

// clockBeforePart is a clock written just before a part of today ("at 2
// this afternoon", "by 10:30 this morning", "8pm tonight", "vóór 20 u
// vanavond"): group 1 the cue, 2 the hour, 3 the minutes, 4 am/pm,
// o'clock or the hour's word (u, uur, Uhr; blind-110, 4832), 5 the
// clock's zone ("by 23:59 AoE tonight", "8pm ET tonight").
var clockBeforePart = lazyRE(`(?i)(?:\b(at|by|before|until|till|from|around|about|after|no later than)\s+)?\b(\d{1,2})(?:[:.](\d{2}))?\s*(a\.?m\.?|p\.?m\.?|o['’]?clock|(?:u|uur|uhr)\b)?(?:\s*\(?((?-i:[A-Z]{2,4}|AoE))\)?)?\s*,?\s*$`)

// clockBeforePartOfDay reads the clock at the end of before, the text
// just ahead of a part of today (morning when it is the morning's), as an
// instant on ref's day and the offset where the clock starts. A number
// with neither a cue, minutes nor am/pm is no clock ("page 2 this
// afternoon"); an hour without am/pm is the part's: "2 this afternoon" is
// 14:00, "10 this morning" 10:00.
func clockBeforePartOfDay(before string, morning bool, ref time.Time) (time.Time, int, bool) {
	c := clockBeforePart.FindStringSubmatchIndex(before)
	if c == nil || c[2] < 0 && c[6] < 0 && c[8] < 0 {
		return time.Time{}, 0, false
	}
	h, _ := strconv.Atoi(before[c[4]:c[5]])
	mi := 0
	if c[6] >= 0 {
		mi, _ = strconv.Atoi(before[c[6]:c[7]])
	}
	ap := ""
	if c[8] >= 0 {
		ap = strings.ToLower(before[c[8]:c[9]])
	}
	switch {
	case strings.HasPrefix(ap, "p") && h < 12, !strings.HasPrefix(ap, "a") && !morning && h < 12:
		h += 12
	case strings.HasPrefix(ap, "a") && h == 12:
		h = 0
	}
	if h > 23 || mi > 59 {
		return time.Time{}, 0, false
	}
	if c[10] >= 0 {
		// Tonight is the reader's; the hour is the zone's (blind-60).
		if loc := zoneAfter(before[c[10]:]); loc != nil {
			return time.Date(ref.Year(), ref.Month(), ref.Day(), h, mi, 0, 0, loc).In(ref.Location()), c[4], true
		}
		return time.Time{}, 0, false // "by 8 TBC tonight": no zone, no clock
	}
	return time.Date(ref.Year(), ref.Month(), ref.Day(), h, mi, 0, 0, ref.Location()), c[4], true
}

// dayWordIn reports whether text has a dateWord that can carry an hour
// written after it: not a month's name without a day beside it, which
// names a period ("the November downtime minutes … by 9" asks by 9).
func dayWordIn(text string) bool {
	for _, m := range dateWord.FindAllStringSubmatchIndex(text, -1) {
		if !monthName.MatchString(text[m[0]:m[1]]) {
			return true
		}
		if digitNear.MatchString(text[max(0, m[0]-4):m[0]]) || digitAfter.MatchString(text[m[1]:]) {
			return true // "18 December", "December 18"
		}
	}
	return false
}

// monthName is an English month's name (dateWord's months); digitNear
// and digitAfter a day's number just before or after it.
var (
	monthName  = lazyRE(`(?i)^(january|february|march|april|june|july|august|september|october|november|december)$`)
	digitNear  = lazyRE(`\d\s*(?:st|nd|rd|th)?\s*(?:of\s*)?$`)
	digitAfter = lazyRE(`^\s*,?\s*\d`)
)

// mayBareClock reports whether text has a lone digit or "10"-"12" after a
// space, which every bareClock match needs: a cheap gate.
func mayBareClock(text string) bool {
	for i := 1; i < len(text); i++ {
		if text[i] >= '1' && text[i] <= '9' && text[i-1] == ' ' {
			return true
		}
	}
	return false
}

// mayDotted reports whether text has a digit, a dot and a digit, which
// every dottedDate match needs: a cheap gate before the pattern, which
// would otherwise run on every sentence.
func mayDotted(text string) bool {
	for i := 1; i+1 < len(text); i++ {
		if text[i] == '.' && text[i-1] >= '0' && text[i-1] <= '9' && text[i+1] >= '0' && text[i+1] <= '9' {
			return true
		}
	}
	return false
}

// mayInHours reports whether text has a number followed by an hour word's
// first letter (h, u, s, o), which every inHours match needs.
func mayInHours(text string) bool {
	for i := 0; i+1 < len(text); i++ {
		if text[i] < '0' || text[i] > '9' {
			continue
		}
		j := i + 1
		for j < len(text) && (text[j] == ' ' || text[j] >= '0' && text[j] <= '9') {
			j++
		}
		if j < len(text) {
			switch text[j] | 0x20 {
			case 'h', 'u', 's', 'o':
				return true
			}
		}
		i = j
	}
	return false
}

// dottedDateIn and inHoursIn are the gated searches of relativeExtras.
func dottedDateIn(text string) [][]int {
	if !mayDotted(text) {
		return nil
	}
	return dottedDate.FindAllStringSubmatchIndex(text, 3)
}

// inWordDaysIn returns inWordDays' matches in text, behind its gate.
func inWordDaysIn(text string) [][]int {
	if !mayOffsetSpan(text) {
		return nil
	}
	return inWordDays.FindAllStringSubmatchIndex(text, 2)
}

func inHoursIn(text string) [][]int {
	if !mayInHours(text) {
		return nil
	}
	ms := inHours.FindAllStringSubmatchIndex(text, 2)
	if len(ms) == 0 {
		ms = inHoursAtMost.FindAllStringSubmatchIndex(text, 2)
	}
	return ms
}

// inHoursAtMost is a count of hours after the plain "in" with "at the
// most" after it, outside English: "necesito en 24 horas como mucho la
// lista" (blind-117, 5095), "en 48 heures maximum", "in 24 ore al
// massimo". Without "at the most", "en 2 horas" is when something
// happens, not a limit. Group 1 is the count.
var inHoursAtMost = lazyRE(`(?i)\b(?:en|in|em)\s+(\d{1,3})\s*(?:horas|heures|ore|h)\s+(?:como (?:mucho|m[áa]ximo)|a m[áa]s tardar|au plus tard|maximum|max\.?|al massimo|al pi[ùu] tardi|no m[áa]ximo|o mais tardar)\b`)

// wordNumbers are the counts inWordDays reads in words.
var wordNumbers = map[string]int{
	"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2, "a few": 3,
	"un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "diez": 10, "quince": 15,
	"une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "dix": 10, "quinze": 15, "huitaine": 8, "quinzaine": 15,
	"ein": 1, "eine": 1, "einem": 1, "einen": 1, "einer": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "zehn": 10, "vierzehn": 14,
	"um": 1, "uma": 1, "dois": 2, "duas": 2, "três": 3, "quatro": 4,
	"due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sette": 7, "otto": 8, "dieci": 10, "quindici": 15,
	"een": 1, "één": 1, "twee": 2, "drie": 3, "vijf": 5, "zeven": 7, "tien": 10, "veertien": 14,
}

// relativeExtras adds to found, the dates of sentence s, the expressions
// the parser reads otherwise than a reader, replacing what it made of them.
// endOfWeek says an end-of-week expression was already read in s.
func relativeExtras(found []doctales.DateMention, s span, ref time.Time, source string, endOfWeek bool) []doctales.DateMention {
	add := func(loc []int, t time.Time, prec string) {
		found = dropNear(found, s, s.start+loc[0], s.start+loc[1])
		m := mention(s, loc, t, prec, source)
		m.Deadline, m.Cue = false, "" // a cue or a request decides
		found = append(found, m)
	}
	// A weekday or a date right beside "next week" ("Monday next
	// week") is the parser's to read.
	weekdayNear := func(b, e int) bool {
		_, ok := weekdayIn(tail(s.text[:b], 14) + " " + head(s.text[e:], 14))
		return ok
	}
	if m := nextWeekTask.FindStringSubmatchIndex(s.text); m != nil && !endOfWeek && !weekdayNear(m[0], m[1]) {
		day := endOfWeekDay(ref, true)
		if m[2] >= 0 { // early next week
			day = weekStart(ref).AddDate(0, 0, 7)
		}
		add(m[:2], atHour(day, endOfBusinessHour), "day")
	} else if m != nil && !endOfWeek {
		// "vóór volgende week vrijdag", "el viernes de la próxima
		// semana": the parser reads English's "Friday next week", not
		// every language's order; the weekday of next week.
		if b, e, wd, ok := weekdayBeside(s.text, m[0], m[1]); ok && !covered(found, s.start+min(b, m[0]), s.start+max(e, m[1])) {
			add([]int{min(b, m[0]), max(e, m[1])}, weekStart(ref).AddDate(0, 0, 7+(wd+6)%7), "day")
		}
	}
	// "bis Ende KW 51", "como tarde en la semana 51", "by week 51": the
	// Friday of that ISO week ("Anfang KW 51", "early week 51": its
	// Monday), when it is this week or one of the next eight.
	if m := weekNumber.FindStringSubmatchIndex(s.text); m != nil && !covered(found, s.start+m[0], s.start+m[1]) {
		n, _ := strconv.Atoi(s.text[m[2]:m[3]])
		if mon, ok := isoWeekMonday(ref, n); ok {
			day := mon.AddDate(0, 0, 4)
			if weekStartBefore.MatchString(s.text[:m[0]]) {
				day = mon
			}
			add(m[:2], atHour(day, endOfBusinessHour), "day")
		}
	}
	// "avant mercredi 16 ?": a weekday with its day of the month that the
	// parser left; the next such day within two months.
	// "by mon 11th", "tues 12th": the same with an English weekday's
	// abbreviation, which the parser reads as a month (blind-115, 4995);
	// the ordinal suffix is required, so that "sat 3 hours" stays a verb.
	weekdayMatches := weekdayNumber.FindAllStringSubmatchIndex(s.text, 2)
	if mayShortDayOrdinal(s.text) {
		weekdayMatches = append(weekdayMatches, shortDayOrdinal.FindAllStringSubmatchIndex(s.text, 2)...)
	}
	for _, m := range weekdayMatches {
		if rest := strings.TrimLeft(s.text[m[5]:], " .,"); covered(found, s.start+m[0], s.start+m[5]) || monthAfter.MatchString(rest) || foreignMonth.MatchString(rest) {
			continue // "Thursday 17 December": the parser's, with its month
		}
		name := strings.ToLower(s.text[m[2]:m[3]])
		wd, ok := weekdayNames[name]
		if !ok {
			wd, ok = shortWeekdays[name]
		}
		n, _ := strconv.Atoi(s.text[m[4]:m[5]])
		if !ok || n < 1 || n > 31 {
			continue
		}
		for d := dayOf(ref); d.Before(dayOf(ref).AddDate(0, 2, 0)); d = d.AddDate(0, 0, 1) {
			if d.Day() == n && int(d.Weekday()) == wd {
				add([]int{m[2], m[5]}, d, "day")
				break
			}
		}
	}
	// "sometime this week", "entro questa settimana": this week's Friday,
	// when the week has one left; a weekday beside it is the parser's.
	if m := thisWeekTask.FindStringIndex(s.text); m != nil && !endOfWeek && !weekdayNear(m[0], m[1]) && !covered(found, s.start+m[0], s.start+m[1]) {
		if fri := weekStart(ref).AddDate(0, 0, 4); !dayOf(ref).After(fri) {
			add(m, atHour(fri, endOfBusinessHour), "day")
		}
	}
	// "tomorrow morning" in other languages ("entro domattina", "demain
	// matin"): noon of the next day, as the English reads.
	for _, m := range tomorrowMorning.FindAllStringIndex(s.text, 2) {
		add(m, atHour(ref.AddDate(0, 0, 1), 12), "hour")
	}
	for _, m := range partOfToday.FindAllStringIndex(s.text, 2) {
		if covered(found, s.start+m[0], s.start+m[1]) && !strings.Contains(strings.ToLower(s.text[m[0]:m[1]]), "morning") {
			continue
		}
		h, prec := endOfBusinessHour, "day"
		l := strings.ToLower(s.text[m[0]:m[1]])
		morning := strings.Contains(l, "morning") || strings.Contains(l, "matin") || strings.Contains(l, "mañana") || strings.Contains(l, "manana") || strings.Contains(l, "morgen") || strings.Contains(l, "vormittag") || strings.Contains(l, "mattina") || strings.Contains(l, "ochtend") || strings.Contains(l, "manh")
		if t, b, ok := clockBeforePartOfDay(s.text[:m[0]], morning, ref); ok {
			add([]int{b, m[1]}, t, "minute") // "at 2 this afternoon": 14:00, not the afternoon's end
			continue
		}
		if morning {
			h, prec = 12, "hour" // noon, not moved to the end of the day
		}
		t := atHour(ref, h)
		if t.Before(ref) && h == endOfBusinessHour {
			// "tonight" written after 17:00 is later tonight.
			t = time.Date(ref.Year(), ref.Month(), ref.Day(), 23, 59, 0, 0, ref.Location())
			prec = "minute"
		}
		add(m, t, prec)
	}
	if m := beforeLunch.FindStringIndex(s.text); m != nil && !covered(found, s.start+m[0], s.start+m[1]) {
		day := ref
		if ref.Hour() >= 12 {
			day = ref.AddDate(0, 0, 1) // lunch has gone: tomorrow's
		}
		add(m, atHour(day, 12), "hour")
		// "Back by lunch.": the sender's return, no deadline. "I'm off
		// tomorrow till lunchtime": how long the sender's state lasts
		// (blind-85, 3800).
		word := strings.ToLower(s.text[m[0]:m[1]])
		stateTill := (strings.HasPrefix(word, "till ") || strings.HasPrefix(word, "until ")) && stateUntil.MatchString(s.text[:m[0]]+word[:strings.IndexByte(word, ' ')+1])
		// "We'd want to start about 8 and be done by lunchtime": when
		// the sender expects to finish (blind-103, 4514).
		cue := word[:strings.IndexByte(word, ' ')+1]
		done := (cue == "by " || cue == "before ") && expectedDone.MatchString(s.text[:m[0]]+cue) && !addressee.MatchString(s.text) && !requestCue.MatchString(s.text)
		if !stateTill && !done && (!sendersArrival.MatchString(s.text[:m[0]]) || addressee.MatchString(s.text) || requestCue.MatchString(s.text)) {
			found[len(found)-1].Deadline, found[len(found)-1].Cue = true, "before"
		}
	}
	// "before our 3 o'clock with them today": the hour of an event the
	// request has to beat, on the day the sentence names.
	if m := beforeEventClock.FindStringSubmatchIndex(s.text); m != nil && !covered(found, s.start+m[2], s.start+m[1]) {
		h, _ := strconv.Atoi(s.text[m[4]:m[5]])
		mi := 0
		if m[6] >= 0 {
			mi, _ = strconv.Atoi(s.text[m[6]:m[7]])
		}
		switch ap := strings.ToLower(s.text[m[8]:m[9]]); {
		case strings.HasPrefix(ap, "p") && h < 12:
			h += 12
		case strings.HasPrefix(ap, "a") && h == 12:
			h = 0
		case strings.HasPrefix(strings.ToLower(ap), "o"): // "3 o'clock"
			h = workingHour(h)
		case ap == "" && m[6] < 0:
			h = workingHour(h)
		case ap == "" && h >= 1 && h <= 5: // "2:30" is afternoon, "6:30" morning
			h += 12
		}
		day, dayGiven := ref, false
		if wd, ok := weekdayIn(s.text[m[1]:]); ok {
			day, dayGiven = nextWeekday(ref, wd), true
		} else if tomorrowWord.MatchString(s.text[m[1]:]) {
			day, dayGiven = ref.AddDate(0, 0, 1), true
		}
		t := time.Date(day.Year(), day.Month(), day.Day(), h, mi, 0, 0, ref.Location())
		if !t.After(ref) && !dayGiven {
			t = t.AddDate(0, 0, 1) // "before the 6:30 slot" at 17:00: tomorrow's
		}
		if h < 24 && mi < 60 {
			add(m[2:4], t, "minute")
			found[len(found)-1].Deadline, found[len(found)-1].Cue = true, "before"
		}
	}
	for _, m := range noonOfDay.FindAllStringSubmatchIndex(s.text, 2) {
		wd, ok := weekdayIn(s.text[m[4]:m[5]])
		if !ok {
			continue
		}
		add(m[:2], atHour(nextWeekday(ref, wd), 12), "hour")
	}
	for _, m := range foreignClockIn(s.text) {
		hb, he, mb, me := m[2], m[3], m[4], m[5]
		if hb < 0 {
			hb, he, mb, me = m[6], m[7], m[8], m[9]
		}
		if hb < 0 && len(m) > 13 { // "om 15:30": minutes, no unit
			hb, he, mb, me = m[10], m[11], m[12], m[13]
		}
		if hb < 0 && len(m) > 19 { // "den 14-Uhr-Termin": the hour of a thing
			hb, he, mb, me = m[16], m[17], -1, -1
		}
		if hb < 0 && len(m) > 23 { // "à partir de 18h30"
			hb, he, mb, me = m[20], m[21], m[22], m[23]
		}
		bareAsked := false
		if hb < 0 && len(m) > 25 { // "lukt dat voor 5?": an hour asked, in working hours
			hb, he, mb, me, bareAsked = m[24], m[25], -1, -1, true
		}
		tomorrow := tomorrowWord.MatchString(s.text)
		// "nimmt heute noch Aufträge bis 16 Uhr an, sonst … morgen früh":
		// the day word nearest the clock is its day.
		explicitToday := false
		if tomorrow {
			if near := nearestRelativeDay(s.text, m[0]); near == 1 {
				tomorrow, explicitToday = false, true
			}
		}
		// "entro le 21 di stasera, altrimenti … domani sono tutte
		// piene": tonight, written after the clock, is its day
		// (blind-69, 3187).
		if tomorrow && tonightAfter.MatchString(head(s.text[m[1]:], 24)) {
			tomorrow, explicitToday = false, true
		}
		// "bis 16 Uhr die Termine für morgen verschieben": tomorrow is
		// the day of the things, not of the clock.
		if tomorrow && !tomorrowWord.MatchString(s.text[:m[0]]) && tomorrowsThing.MatchString(s.text[m[1]:]) && !tomorrowWord.MatchString(tomorrowsThing.ReplaceAllString(s.text[m[1]:], "")) {
			tomorrow = false
		}
		// "hoy antes de las 14:00 mañana se quedan sin comer": the
		// parser's tomorrow 14:00 gives way to today's, named before it.
		if explicitToday && coveredOn(found, s.start+m[0], s.start+m[1], ref.AddDate(0, 0, 1)) {
			found = dropNear(found, s, s.start+m[0], s.start+m[1])
		}
		// The match may end with the word after the number ("entro le
		// 20 stasera"): a mention of that word alone ("stasera") is no
		// reading of the clock.
		numEnd := he
		if mb >= 0 {
			numEnd = me
		}
		if covered(found, s.start+m[0], s.start+numEnd) && (!tomorrow || coveredOn(found, s.start+m[0], s.start+numEnd, ref.AddDate(0, 0, 1))) {
			// "voor 4 uur" read by the parser as 04:00: an hour of one
			// to six with no minutes, after a cue, is the afternoon's
			// (working hours), as this loop reads its own.
			if hb >= 0 && mb < 0 {
				if h, err := strconv.Atoi(s.text[hb:he]); err == nil && h >= 1 && h <= 6 {
					for i := range found {
						f := &found[i]
						if f.BeginOffset < s.start+m[1] && s.start+m[0] < f.EndOffset && f.Time.Hour() == h && f.Time.Minute() == 0 {
							f.Time = f.Time.Add(12 * time.Hour)
						}
					}
				}
			}
			continue // the parser's; but "antes de las 14:00 de mañana" read as today's 14:00 is not
		}
		h, _ := strconv.Atoi(s.text[hb:he])
		mi := 0
		if mb >= 0 {
			mi, _ = strconv.Atoi(s.text[mb:me])
		}
		if h > 23 || mi > 59 || h == 0 {
			continue
		}
		if h <= 12 && (m[2] >= 0 || bareAsked) {
			h = workingHour(h) // "alle 4": in working hours
		}
		// "vóór 8 uur vanavond", "um 7 Uhr abends", "à 9 h ce soir": the
		// evening's hour.
		if h < 12 && eveningAfter.MatchString(head(s.text[numEnd:], 24)) {
			h += 12
		}
		// "bis 16. Dezember", "alle 16 del 12": a day, not an hour.
		if rest := s.text[m[1]:]; foreignMonth.MatchString(strings.TrimLeft(rest, ". ")) || strings.HasPrefix(strings.TrimSpace(rest), "del ") || strings.HasPrefix(strings.TrimSpace(rest), "de ") && foreignMonth.MatchString(strings.TrimSpace(rest)[3:]) {
			continue
		}
		day := ref
		// "domattina entro le 10", "mañana antes de las 10": tomorrow
		// just before the clock is its day, whatever other day the
		// sentence names ("per consegnarvi tutto venerdì").
		tomorrowNear := tomorrowWord.MatchString(tail(s.text[:m[0]], 16))
		i := dayBefore(found, s.start+m[0])
		if i < 0 && len(found) == 1 && found[0].Precision == "day" && found[0].EndOffset <= s.start+m[0] {
			i = 0 // the sentence's one day, named earlier in it
		}
		if i >= 0 && !tomorrowNear {
			// "venerdì 11 facciamo una cena … verso le 20:30": the hour
			// of the day the parser read before it, without its clock.
			d := found[i].Time
			t := time.Date(d.Year(), d.Month(), d.Day(), h, mi, 0, 0, d.Location())
			found = append(found[:i], found[i+1:]...)
			add([]int{hb, m[1]}, t, "minute")
			continue
		}
		if wd, ok := weekdayIn(s.text); !tomorrowNear && (ok || !tomorrow && dateWord.MatchString(s.text)) {
			if !ok || len(found) > 0 {
				continue // the parser's, with its day ("am Samstag um 10 Uhr")
			}
			// The parser missed the day ("na quinta-feira, dia 10, às
			// 10h"): the hour on the weekday named.
			day = nextWeekday(ref, wd)
		}
		if tomorrow {
			day = ref.AddDate(0, 0, 1)
		}
		t := time.Date(day.Year(), day.Month(), day.Day(), h, mi, 0, 0, day.Location())
		if !t.After(ref) && day.Equal(ref) {
			if !beforeCue.MatchString(s.text[m[0]:hb]) {
				continue // an hour already gone today: a fact
			}
			// "necesito que me mandes antes de las 9" written at 19:00:
			// a request's hour with no day is tomorrow's once gone
			// (labelling guide, settled cases).
			t = t.AddDate(0, 0, 1)
		}
		// The mention starts at the hour, so that the cue before it
		// ("entro le", "bis") decides, as for the parser's dates.
		add([]int{hb, m[1]}, t, "minute")
	}
	if mayForeignWordClock(s.text) {
		for _, m := range foreignWordClock.FindAllStringSubmatchIndex(s.text, 2) {
			g := 2
			for g < len(m) && m[g] < 0 {
				g += 2
			}
			// "Pepe no entra hasta las once": not until eleven is when
			// someone comes, no hour the reader must beat.
			if g >= len(m) || covered(found, s.start+m[0], s.start+m[1]) || notBefore.MatchString(tail(s.text[:m[0]], 30)) {
				continue
			}
			n := foreignHourWords[strings.ToLower(s.text[m[g]:m[g+1]])]
			if n == 0 {
				continue
			}
			day, dayGiven := ref, false
			if wd, ok := weekdayIn(tail(s.text[:m[0]], 24) + " " + head(s.text[m[1]:], 24)); ok {
				day, dayGiven = nextWeekday(ref, wd), true
			} else if nearestRelativeDay(s.text, m[0]) == 2 {
				day, dayGiven = ref.AddDate(0, 0, 1), true
			}
			// "antes de la una y media": the quarter or half after it.
			hour, minute, end := workingHour(n), 0, m[1]
			if q := wordQuarter.FindStringSubmatchIndex(s.text[m[1]:]); q != nil {
				end += q[1]
				switch w := strings.ToLower(s.text[m[1]+q[2] : m[1]+q[3]]); {
				case strings.HasPrefix(w, "y media"), strings.HasPrefix(w, "e mezz"), strings.HasPrefix(w, "e meia"), strings.HasPrefix(w, "et demie"):
					minute = 30
				case strings.HasPrefix(w, "meno"), strings.HasPrefix(w, "menos"), strings.HasPrefix(w, "moins"):
					hour, minute = hour-1, 45
				default:
					minute = 15
				}
			}
			t := time.Date(day.Year(), day.Month(), day.Day(), hour, minute, 0, 0, ref.Location())
			if !t.After(ref) {
				if dayGiven {
					continue
				}
				t = t.AddDate(0, 0, 1)
			}
			// The mention starts at the hour: the cue before it decides.
			hb := m[0] + strings.LastIndexByte(s.text[m[0]:m[g]], ' ') + 1
			add([]int{hb, end}, t, "minute")
		}
	}
	for _, m := range halfHourIn(s.text) {
		n := halfHourNames[strings.ToLower(s.text[m[2]:m[3]])]
		if d, err := strconv.Atoi(s.text[m[2]:m[3]]); err == nil {
			n = d // "om half 1": 12:30
		}
		// Only the clock itself may be the parser's: "uiterlijk
		// morgenochtend half acht" has the parser's "morgenochtend".
		hs := m[0] + strings.Index(strings.ToLower(s.text[m[0]:m[1]]), "hal")
		if n == 0 || covered(found, s.start+hs, s.start+m[1]) {
			continue
		}
		h := workingHour(n) - 1
		if n == 1 {
			h = 12 // "half eins": 12:30
		}
		if eveningAfter.MatchString(s.text[m[1]:]) && h < 12 {
			h += 12 // "om half acht 's avonds": 19:30
		}
		// The day written just before it ("donderdag 17 december, om
		// half acht"), else a weekday or tomorrow in the sentence.
		day := ref
		if i := dayBefore(found, s.start+m[0]); i >= 0 {
			day = found[i].Time
		} else if wd, ok := weekdayIn(s.text); ok {
			day = nextWeekday(ref, wd)
		} else if tomorrowWord.MatchString(s.text) {
			day = ref.AddDate(0, 0, 1)
		}
		t := time.Date(day.Year(), day.Month(), day.Day(), h, 30, 0, 0, day.Location())
		if !t.After(ref) {
			continue
		}
		add([]int{m[0] + strings.IndexByte(s.text[m[0]:m[1]], ' ') + 1, m[1]}, t, "minute")
	}
	// An English clock in words, on the day the sentence names: the
	// parser reads "by half past four today" as "four today", the end of
	// the day, and "by two o'clock" not at all. What it read from the hour
	// word on gives way; a date it read before the hour stays.
	spokenClock := func(m []int, hb, he, mi, back int) {
		n := wordNumbers[strings.ToLower(s.text[hb:he])]
		if n == 0 {
			n, _ = strconv.Atoi(s.text[hb:he])
		}
		if n < 1 || n > 12 || covered(found, s.start+m[0], s.start+hb) {
			return
		}
		h := workingHour(n) - back
		if eveningAfter.MatchString(s.text[m[1]:]) && h < 12 {
			h += 12
		}
		day, dayGiven := ref, false
		if i := dayBefore(found, s.start+m[0]); i >= 0 {
			day, dayGiven = found[i].Time, true
		} else if wd, ok := weekdayIn(s.text); ok {
			day, dayGiven = nextWeekday(ref, wd), true
		} else if tomorrowWord.MatchString(s.text) || strings.Contains(strings.ToLower(s.text), "tomorrow") {
			day, dayGiven = ref.AddDate(0, 0, 1), true
		}
		t := time.Date(day.Year(), day.Month(), day.Day(), h, mi, 0, 0, ref.Location())
		if !t.After(ref) {
			if dayGiven {
				return
			}
			t = t.AddDate(0, 0, 1)
		}
		cueEnd := m[0] + strings.IndexByte(s.text[m[0]:m[1]], ' ') + 1
		add([]int{cueEnd, m[1]}, t, "minute")
	}
	for _, m := range wordClockIn(s.text) {
		// "b4 half 6" is a clock; "for half 2 of the shift" is not.
		if isDigit(s.text[m[8]]) && (strings.EqualFold(s.text[m[0]:m[0]+3], "for") || strings.HasPrefix(strings.ToLower(strings.TrimLeft(s.text[m[9]:], " ")), "of ")) {
			continue
		}
		mi, back := 30, 0
		switch {
		case m[2] >= 0 && strings.EqualFold(s.text[m[2]:m[3]], "quarter") && strings.EqualFold(s.text[m[4]:m[5]], "past"):
			mi = 15
		case m[2] >= 0 && strings.EqualFold(s.text[m[2]:m[3]], "quarter"):
			mi, back = 45, 1
		}
		spokenClock(m, m[8], m[9], mi, back)
	}
	if strings.Contains(s.text, "clock") {
		for _, m := range oClock.FindAllStringSubmatchIndex(s.text, 2) {
			spokenClock(m, m[2], m[3], 0, 0)
		}
	}
	// "They pack up at 3 and can't come back": the hour someone leaves
	// or something closes, whatever follows it.
	if mayBareClock(s.text) {
		for _, m := range leaveClock.FindAllStringSubmatchIndex(s.text, 2) {
			// ("closes at 12 noon tomorrow": the hour is the noon the
			// parser read with its day; blind-88, 3913 was today's.)
			if covered(found, s.start+m[4], s.start+m[5]) || dayBefore(found, s.start+m[0]) >= 0 || strings.HasPrefix(s.text[m[5]:], ".") && len(s.text) > m[5]+1 && s.text[m[5]+1] >= '0' && s.text[m[5]+1] <= '9' || noonNext.MatchString(s.text[m[5]:]) {
				continue
			}
			if before := s.text[:m[0]]; func() bool { _, ok := weekdayIn(before); return ok }() || dateWord.MatchString(before) || relativeDay.MatchString(before) && !strings.Contains(strings.ToLower(before), "today") {
				continue // "on Saturday they close at 4": that day's hour
			}
			h, _ := strconv.Atoi(s.text[m[4]:m[5]])
			if t := atHour(ref, workingHour(h)); t.After(ref) {
				add([]int{m[4], m[5]}, t, "hour")
			}
		}
	}
	if mayBareClock(s.text) {
		for _, m := range bareClock.FindAllStringSubmatchIndex(s.text, 2) {
			cue := strings.ToLower(s.text[m[2]:m[3]])
			if countBefore.MatchString(s.text[:m[3]]+" ") || covered(found, s.start+m[0], s.start+m[1]) || len(found) > 0 && dayBefore(found, s.start+m[0]) >= 0 {
				continue
			}
			if _, ok := weekdayIn(s.text); ok || dayWordIn(s.text) || relativeDay.MatchString(s.text) {
				continue // "Saturday at 7 … by 9", "tomorrow … by 3": the day's hour
			}
			// "at 10" is an hour only where the sentence asks: "We
			// arrived at 5." is a fact, and not always a clock.
			if cue == "at" && !strings.Contains(s.text, "?") && !directAsk.MatchString(s.text) && !leaveAt.MatchString(s.text[:m[2]]) {
				continue
			}
			h, _ := strconv.Atoi(s.text[m[4]:m[5]])
			t := atHour(ref, workingHour(h))
			if !t.After(ref) {
				t = t.AddDate(0, 0, 1)
			}
			add([]int{m[4], m[5]}, t, "hour")
		}
	}
	// "by 1430 today", "antes de las 1300 de mañana", "vóór 0900 morgen",
	// "entro le 0400Z di lunedì": a 24-hour clock without its colon,
	// which the parser reads as a year or not at all (blind-95: six of
	// its deadlines).
	if strings.ContainsAny(s.text, "0123456789") {
		for _, m := range fourDigitClock.FindAllStringSubmatchIndex(s.text, 2) {
			h, _ := strconv.Atoi(s.text[m[2]:m[3]])
			mi, _ := strconv.Atoi(s.text[m[4]:m[5]])
			loc := ref.Location()
			if m[8] >= 0 {
				loc = time.UTC // "0400Z", "0600 UTC"
			}
			after := fourDigitDayAfter.FindStringSubmatchIndex(s.text[m[1]:])
			// "voor 2027", "by 2030": a year, unless a clock's mark or a
			// day says otherwise.
			if n := h*100 + mi; n >= 1900 && n <= 2099 && m[6] < 0 && m[8] < 0 && after == nil {
				continue
			}
			end := m[1]
			day, dayGiven := ref.In(loc), false
			// The day written just after the clock is its own ("del
			// sábado antes de las 1100 de mañana"); else one just before.
			if i := dayBefore(found, s.start+m[0]); i >= 0 && after == nil {
				day, dayGiven = found[i].Time, true
			} else if a := after; a != nil {
				// "1430 today", "0900 morgen", "1300 de mañana", "0400Z di lunedì"
				word := strings.ToLower(s.text[m[1]+a[2] : m[1]+a[3]])
				if wd, ok := weekdayNames[word]; ok {
					day, dayGiven = nextWeekday(ref, wd), true
				} else if tomorrowWord.MatchString(word) || strings.HasPrefix(word, "tom") || strings.HasPrefix(word, "tmr") {
					day, dayGiven = ref.AddDate(0, 0, 1), true
				} else {
					dayGiven = true // today, hoy, heute, hoje, oggi, vandaag
				}
				end = m[1] + a[1]
			}
			t := time.Date(day.Year(), day.Month(), day.Day(), h, mi, 0, 0, loc).In(ref.Location())
			if !dayGiven && !t.After(ref) {
				t = t.AddDate(0, 0, 1) // "by 0745" in the evening: tomorrow's
			}
			add([]int{m[2], end}, t, "minute")
		}
	}
	// "sexta-feira (11/12)", "Thursday 12/11": the weekday written beside
	// a slash date decides which number is the day.
	for i := range found {
		d := &found[i]
		b, e := d.BeginOffset-s.start, d.EndOffset-s.start
		if b < 0 || e > len(s.text) || b > e {
			continue
		}
		sm := slashPair.FindStringSubmatch(s.text[b:e])
		if sm == nil {
			continue
		}
		wd, ok := weekdayIn(s.text[max(0, b-24):b] + " " + d.Text)
		if !ok || int(d.Time.Weekday()) == wd {
			continue
		}
		x, _ := strconv.Atoi(sm[1])
		y, _ := strconv.Atoi(sm[2])
		var best time.Time
		for _, dm := range [][2]int{{x, y}, {y, x}} { // day, month
			for _, yr := range []int{ref.Year(), ref.Year() + 1, ref.Year() - 1} {
				c := time.Date(yr, time.Month(dm[1]), dm[0], d.Time.Hour(), d.Time.Minute(), 0, 0, d.Time.Location())
				if c.Day() == dm[0] && int(c.Month()) == dm[1] && int(c.Weekday()) == wd && (best.IsZero() || absDur(c.Sub(ref)) < absDur(best.Sub(ref))) {
					best = c
				}
			}
		}
		if !best.IsZero() && absDur(best.Sub(ref)) < 180*24*time.Hour {
			d.Time = best
		}
	}
	for _, m := range ordinalDay.FindAllStringSubmatchIndex(s.text, 2) {
		if monthAfter.MatchString(s.text[m[1]:]) {
			continue // "by the 14th of December": the parser's
		}
		n, _ := strconv.Atoi(s.text[m[2]:m[3]])
		if n < 1 || n > 31 {
			continue
		}
		d := time.Date(ref.Year(), ref.Month(), n, 0, 0, 0, 0, ref.Location())
		// "He was hoping to have it by the 4th" (on the 7th): this
		// month's, gone; "by the 4th" ahead is next month's.
		if n < ref.Day() && !pastTense(s.text[:m[0]], nil) || d.Month() != ref.Month() {
			d = time.Date(ref.Year(), ref.Month()+1, n, 0, 0, 0, 0, ref.Location())
		}
		// Keep the preposition out of the mention: "the 14th".
		loc := []int{m[2] - len("the "), m[1]}
		add(loc, atHour(d, endOfBusinessHour), "day")
	}
	// "Friday the 4th": the day of that number, nearest ref, that falls
	// on that weekday (the parser puts it on today).
	if m := weekdayOrdinal.FindStringSubmatchIndex(s.text); m != nil && !monthAfter.MatchString(s.text[m[1]:]) {
		wd, _ := weekdayIn(s.text[m[2]:m[3]])
		n, _ := strconv.Atoi(s.text[m[4]:m[5]])
		var best time.Time
		for _, k := range []int{0, 1, -1} {
			c := time.Date(ref.Year(), ref.Month()+time.Month(k), n, 0, 0, 0, 0, ref.Location())
			if c.Day() == n && int(c.Weekday()) == wd%7 && (best.IsZero() || absDur(c.Sub(ref)) < absDur(best.Sub(ref))) {
				best = c
			}
		}
		if !best.IsZero() {
			add([]int{m[2], m[1]}, atHour(best, endOfBusinessHour), "day")
		}
	}
	for _, m := range foreignDay.FindAllStringSubmatchIndex(s.text, 2) {
		if foreignMonth.MatchString(s.text[m[3]:]) || strings.HasPrefix(strings.TrimLeft(s.text[m[3]:], ".º"), ":") {
			continue // "bis zum 10. Dezember", "bis 12:00": the parser's
		}
		if c := s.text[m[3]:]; strings.HasPrefix(c, ".") && len(c) > 1 && c[1] >= '0' && c[1] <= '9' {
			continue // "bis 10.12."
		}
		n, _ := strconv.Atoi(s.text[m[2]:m[3]])
		if n < 1 || n > 31 || covered(found, s.start+m[2], s.start+m[3]) {
			continue
		}
		if rest := strings.ToLower(strings.TrimSpace(s.text[m[3]:])); strings.HasPrefix(rest, "uhr") || strings.HasPrefix(rest, "uur") || strings.HasPrefix(rest, "h") {
			continue // a clock, not a day
		}
		d := time.Date(ref.Year(), ref.Month(), n, 0, 0, 0, 0, ref.Location())
		if n < ref.Day() || d.Month() != ref.Month() {
			d = time.Date(ref.Year(), ref.Month()+1, n, 0, 0, 0, 0, ref.Location())
		}
		add([]int{m[0], m[3]}, atHour(d, endOfBusinessHour), "day")
		// "até o dia 10", "bis zum 10.", "d'ici le 10" say by when;
		// "para o dia", "pour le", "op de" only which day.
		if lead := strings.ToLower(s.text[m[0]:m[2]]); !strings.HasPrefix(lead, "para") && !strings.HasPrefix(lead, "pour") && !strings.HasPrefix(lead, "op ") {
			found[len(found)-1].Deadline, found[len(found)-1].Cue = true, strings.TrimSpace(lead)
		}
	}
	// "bis 14.12.", "am 14.12.2026", "Fri 11.12", "by 10.12": a day and a
	// month with dots, day first, which the parser does not read.
	for _, m := range dottedDateIn(s.text) {
		b, e := m[2], m[3]
		if b < 0 {
			b, e = m[6], m[7]
		}
		parts := strings.Split(strings.TrimRight(s.text[b:e], "."), ".")
		// A full dotted date ("11.12.2026") is day first wherever it is
		// written, which the parser misreads ("Freitag 11.12.2026" was 12
		// November): it wins over what the parser found there.
		full := len(parts) == 3 && len(parts[2]) == 4
		if !full && covered(found, s.start+b, s.start+e) {
			continue
		}
		// Its weekday, written just before, belongs to it: "fredag
		// 11.12.2026", "Freitag, den 11.12.", so that a cue before the
		// weekday governs the whole date.
		if wd := weekdayBeforeDotted.FindStringIndex(s.text[:b]); wd != nil {
			if _, ok := weekdayIn(s.text[wd[0]:b]); ok {
				b = wd[0]
			}
		}
		day, _ := strconv.Atoi(parts[0])
		month, _ := strconv.Atoi(parts[1])
		if day < 1 || day > 31 || month < 1 || month > 12 {
			continue
		}
		var d time.Time
		if len(parts) == 3 && parts[2] != "" {
			y, _ := strconv.Atoi(parts[2])
			if y < 100 {
				y += 2000
			}
			d = time.Date(y, time.Month(month), day, 0, 0, 0, 0, ref.Location())
		} else { // the year that puts it nearest the message
			d = time.Date(ref.Year(), time.Month(month), day, 0, 0, 0, 0, ref.Location())
			for _, y := range []int{ref.Year() - 1, ref.Year() + 1} {
				if c := time.Date(y, time.Month(month), day, 0, 0, 0, 0, ref.Location()); absDur(c.Sub(ref)) < absDur(d.Sub(ref)) {
					d = c
				}
			}
		}
		if d.Day() != day {
			continue // 31.11.
		}
		// "15.12.2026, 18:00 Uhr", "14.12. um 9.30": its time of day.
		if c := clockAfterDotted.FindStringSubmatchIndex(s.text[e:]); c != nil {
			h, _ := strconv.Atoi(s.text[e+c[2] : e+c[3]])
			mi := 0 // "14.12., 10 Uhr"
			if c[4] >= 0 {
				mi, _ = strconv.Atoi(s.text[e+c[4] : e+c[5]])
			}
			if h < 24 && mi < 60 {
				add([]int{b, e + c[1]}, time.Date(d.Year(), d.Month(), d.Day(), h, mi, 0, 0, d.Location()), "minute")
				continue
			}
		}
		add([]int{b, e}, d, "day")
	}
	// "within 48 hours", "binnen 48 uur", "em até 48 horas": the hour
	// that many hours after the message.
	for _, m := range inHoursIn(s.text) {
		n, _ := strconv.Atoi(s.text[m[2]:m[3]])
		if n < 1 || n > 168 {
			continue
		}
		add(m[:2], ref.Add(time.Duration(n)*time.Hour).Truncate(time.Minute), "minute")
		found[len(found)-1].Deadline, found[len(found)-1].Cue = true, "within"
	}
	for _, m := range inWordDaysIn(s.text) {
		if explicitNear(found, s.start+m[0], s.start+m[1]) {
			continue // "within 5 working days (by 11 December 2026)": the date says it
		}
		var word, unit string
		if m[10] >= 0 { // "sous huitaine": eight days
			word, unit = strings.ToLower(s.text[m[10]:m[11]]), "days"
		} else {
			word, unit = strings.ToLower(s.text[m[2]:m[3]]), strings.ToLower(s.text[m[6]:m[7]])
		}
		n, ok := wordNumbers[word]
		if !ok {
			n, _ = strconv.Atoi(word)
		}
		if n < 1 {
			continue
		}
		var d time.Time
		switch {
		case strings.HasPrefix(unit, "week") || strings.HasPrefix(unit, "woch") || strings.HasPrefix(unit, "seman") || strings.HasPrefix(unit, "semain") || strings.HasPrefix(unit, "settiman") || strings.HasPrefix(unit, "wek"):
			d = ref.AddDate(0, 0, 7*n)
		case m[4] >= 0 || m[8] >= 0 || strings.HasPrefix(unit, "werk"): // business days
			d = ref
			for k := 0; k < n; {
				d = d.AddDate(0, 0, 1)
				if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
					k++
				}
			}
		default:
			d = ref.AddDate(0, 0, n)
		}
		add(m[:2], atHour(d, endOfBusinessHour), "day")
	}
	return found
}

// dayAbbrevEnd is an abbreviated weekday, with its dot or comma, at the
// end of the text before a date: "bis Mi., ", "avant mer. ", "by Thu ".
var dayAbbrevEnd = lazyRE(`(?i)(?:^|[^\p{L}])(?:mo|di|mi|do|fr|sa|so|lun|mar|mer|jeu|ven|sam|dim|seg|ter|qua|qui|sex|s[áa]b|dom|gio|mi[ée]|jue|vie|wo|vr|za|zo|ma|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:\.,?|,)?\s+$`)

// forgetDay is a sender taking back a day they gave earlier: "finalement
// non, oublie demain", "forget tomorrow", "vergiss morgen", "olvida lo de
// mañana". Group 1 is the day's word.
var forgetDay = fastre.MustCompile(`(?i)\b(?:forget(?: about)?|scratch|oublie[zr]?|vergiss|vergessen sie(?: das mit)?|olvida(?:d)?(?: lo de)?|olv[íi]date de(?: lo de)?|olv[íi]dese de(?: lo de)?|esquece(?: o de)?|esque[çc]a(?: o de)?|dimentica(?:te)?|lascia(?:te)? perdere|vergeet)\s+((?:today|tomorrow|tonight|demain|aujourd['’]hui|ce soir|morgen|heute|mañana|hoy|amanh[ãa]|hoje|domani|oggi|vandaag|monday|tuesday|wednesday|thursday|friday|lundi|mardi|mercredi|jeudi|vendredi|montag|dienstag|mittwoch|donnerstag|freitag|lunes|martes|mi[ée]rcoles|jueves|viernes|segunda|ter[çc]a|quarta|quinta|sexta|luned[iì]|marted[iì]|mercoled[iì]|gioved[iì]|venerd[iì]|maandag|dinsdag|woensdag|donderdag|vrijdag))(?:[^\p{L}]|$)`)

// dropForgottenDays removes from ds the deadlines an earlier sentence gave
// on a day the sender takes back later ("… d'ici demain midi? … et
// finalement non, oublie demain : … d'ici jeudi 14 janvier", blind-77,
// 3495): the later day is the deadline, and the earlier one is no date
// of the reader's any more.
func dropForgottenDays(ds []doctales.DateMention, sentences []span) []doctales.DateMention {
	for _, s := range sentences {
		for _, m := range forgetDay.FindAllStringSubmatchIndex(s.text, 2) {
			word, at := strings.ToLower(s.text[m[2]:m[3]]), s.start+m[2]
			kept := ds[:0]
			for _, d := range ds {
				if d.Deadline && d.Source == doctales.SourceContent && d.EndOffset <= at && strings.Contains(strings.ToLower(d.Text), word) {
					continue
				}
				kept = append(kept, d)
			}
			ds = kept
		}
	}
	return ds
}

// thenAfterCue is "then" right after a deadline cue: "by then", "until
// then", "before then".
var thenAfterCue = lazyRE(`(?i)^\s*then\b`)

// eodWeekday is the weekday just after an end of day: "end of day
// Thursday", "COB on Friday". Group 1 is the day's name.
var eodWeekday = lazyRE(`(?i)^,?\s+(?:on\s+|this\s+)?((?:mon|tues|wednes|thurs|fri|satur|sun)day)\b`)

// weekdayIndex returns the time.Weekday number of an English day name.
func weekdayIndex(name string) int {
	switch strings.ToLower(name)[:3] {
	case "mon":
		return 1
	case "tue":
		return 2
	case "wed":
		return 3
	case "thu":
		return 4
	case "fri":
		return 5
	case "sat":
		return 6
	}
	return 0
}

// nextWeekday returns the first day after ref's that falls on weekday wd
// (time.Weekday numbering): "Thursday" said on a Thursday is next week's.
func nextWeekday(ref time.Time, wd int) time.Time {
	d := ref.AddDate(0, 0, 1)
	for k := 0; k < 6 && int(d.Weekday()) != wd%7; k++ {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// halfHourGate reports whether text can hold a halfHour match ("half",
// "halb"), foreignClockIn and halfHourIn are the gated searches.
func halfHourGate(text string) bool {
	return strings.Contains(text, "hal") || strings.Contains(text, "Hal") || strings.Contains(text, "HAL")
}

func wordClockIn(text string) [][]int {
	if !strings.Contains(text, "alf") && !strings.Contains(text, "uarter") {
		return nil
	}
	return wordClock.FindAllStringSubmatchIndex(text, 2)
}

func halfHourIn(text string) [][]int {
	if !halfHourGate(text) {
		return nil
	}
	return halfHour.FindAllStringSubmatchIndex(text, 2)
}

func foreignClockIn(text string) [][]int {
	if !strings.ContainsAny(text, "0123456789") {
		return nil
	}
	return foreignClock.FindAllStringSubmatchIndex(text, 2)
}

// halfHourNames are the hours halfHour names.
var halfHourNames = map[string]int{"een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12,
	"eins": 1, "zwei": 2, "drei": 3, "fünf": 5, "funf": 5, "sechs": 6, "sieben": 7, "neun": 9, "zehn": 10, "zwölf": 12, "zwolf": 12}

// slashPair is the day and month (in either order) of a slash date.
var slashPair = lazyRE(`\b(\d{1,2})/(\d{1,2})\b`)

// coveredOn reports whether a mention of ds overlapping [b, e) falls on
// day's calendar day.
func coveredOn(ds []doctales.DateMention, b, e int, day time.Time) bool {
	for _, d := range ds {
		if d.BeginOffset < e && b < d.EndOffset && dayOf(d.Time).Equal(dayOf(day)) {
			return true
		}
	}
	return false
}

// explicitNear reports whether a mention of ds naming its month lies
// within 24 bytes of [b, e).
func explicitNear(ds []doctales.DateMention, b, e int) bool {
	for _, d := range ds {
		if !(d.EndOffset+24 < b || d.BeginOffset > e+24) && hasMonthName(d.Text) && strings.ContainsAny(d.Text, "0123456789") {
			return true
		}
	}
	return false
}

// rangeEnd matches the start of a time range just before a clock.
var rangeEnd = lazyRE(`\d(\s*[ap]\.?m\.?)?\s*[-–—]\s*$|\d\s+(to|till|until|bis|à|a|al|tot)\s+$`)

// explicitDate matches dates written with digits or a month name, and a
// weekday after a cue ("from Saturday by Friday" gives the parser nothing),
// which retryUncovered searches again when the parser's search left them
// out.
var explicitDate = lazyRE(`(?i)\b(by|before|until|till|on)\s+(?:(mon|tues|wednes|thurs|fri|satur|sun)day|mon|tues?|wed|thu|thur|fri|sat)\b|(?:^|[^\pL])(?:v[óo]{1,2}r|uiterlijk|bis|vor|avant|antes del?|hasta el|entro|prima di|at[ée]|antes de)\s+(?:el |le |il |o |a |à |de |het |den |dem |am )?(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo|luned[ìi]|marted[ìi]|mercoled[ìi]|gioved[ìi]|venerd[ìi]|sabato|domenica|segunda|ter[çc]a|quarta|quinta|sexta)(?:-feira)?(?:[^\pL]|$)|\b\d{1,2}/\d{1,2}(/\d{2,4})?\b|\b\d{4}-\d{2}-\d{2}\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(st|nd|rd|th)?\b(,?\s+\d{4})?|\b\d{1,2}(st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(\s+\d{4})?|\b\d{1,2}\.?\s+(?:de\s+)?(?:genn?|gennaio|ene|enero|janv|janvier|janeiro|januari|januar|jän|jänner|f[ée]vr?|f[ée]vrier|febbraio|febrero|fevereiro|februari|februar|mars|mrt|maart|märz|marzo|março|avr|avril|abr|abril|aprile|mai|mei|mayo|maggio|magg|giu|giugno|juin|junio|junho|juni|lug|luglio|juil|juillet|julio|julho|juli|ago|agosto|ao[ûu]t|sett?|settembre|septiembre|setembro|septembre|ott|ottobre|octobre|octubre|outubro|okt|oktober|dic|dicembre|d[ée]c|d[ée]cembre|diciembre|dez|dezember|dezembro)\.?(?:\s+(?:de\s+)?\d{4})?(?:[^\pL]|$)`)

// clockAfterDotted is a time of day just after a dotted date.
var clockAfterDotted = lazyRE(`(?i)^\.?,?\s*(?:um|à|a las|alle|às|om|at)?\s*(\d{1,2})(?:[:.h](\d{2})(?:\s*(?:uhr|h|hrs|uur))?|\s*(?:uhr|uur)\b)`)

// weekdayDayNum is a weekday and a day of the month: "jueves 10",
// "sexta-feira, dia 11", "Freitag, den 11.".
var weekdayDayNum = lazyRE(`(?i)^(?:lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|luned[ìi]|marted[ìi]|mercoled[ìi]|gioved[ìi]|venerd[ìi]|domenica|segunda|ter[çc]a|quarta|quinta|sexta|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|m[åa]ndag|tisdag|tirsdag|onsdag|torsdag|fredag|l[öø]rdag|s[öø]ndag|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|weds?|thu|thurs?|fri)(?:-feira|\.)?,?\s+(?:den\s+|dia\s+|le\s+|el\s+|the\s+)?(\d{1,2})(?:st|nd|rd|th|\.)?(?:\s|$|,)`)

// weekdayBeforeDotted is a word, maybe with a dot, a comma and "den",
// right before a dotted date: its weekday when weekdayIn knows it.
var weekdayBeforeDotted = lazyRE(`(?i)\b\p{L}{2,12}\.?,?\s+(?:den\s+)?$`)

// dayFirstZone reports whether a message written at ref's offset comes
// from where numeric dates put the day first: Europe, Africa, the Middle
// East (UTC-1 to UTC+4). An offset of exactly zero is left out: it is as
// often a server's UTC as London's, and the Americas, the Philippines
// and East Asia write the month or the year first.
func dayFirstZone(ref time.Time) bool {
	_, off := ref.Zone()
	return off != 0 && off >= -3600 && off <= 4*3600
}

// slashDate is a date written with slashes or dashes, alone or after a
// weekday: "10/12/2026", "quinta-feira, 07/01/2027",
// "11/12", "11-12".
var slashDate = lazyRE(`^(?:\p{L}{2,13}(?:-feira)?\.?,?\s+)?(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2}|\d{4}))?$`)

// fourDigits is a number of four digits: a year, perhaps.
var fourDigits = lazyRE(`\b\d{4}\b`)

// weekNumber is an ISO week's number ("KW 51", "semana 51", "week 51",
// "semaine n° 51"), group 1; weekStartBefore, before it, says its start
// ("Anfang KW 51").
var (
	weekNumber      = fastre.MustCompile(`(?i)\b(?:calendar\s+week|kalenderwoche|woche|kw|cw|wk|week|semana|semaine|settimana)\s*(?:n[º°o.]?\s*)?(\d{1,2})\b`)
	weekStartBefore = lazyRE(`(?i)\b(?:anfang|early|beginning\s+of|d[ée]but(?:\s+de\s+la)?|inicio\s+de\s+la|principio\s+de\s+la|in[íi]cio\s+da|inizio\s+della|begin)\s+$`)
)

// isoWeekMonday returns the Monday of ISO week n nearest ahead of ref:
// this week or one of the next eight, in ref's year or the next.
func isoWeekMonday(ref time.Time, n int) (time.Time, bool) {
	if n < 1 || n > 53 {
		return time.Time{}, false
	}
	this := weekStart(ref)
	for _, y := range []int{ref.Year(), ref.Year() + 1} {
		jan4 := time.Date(y, time.January, 4, 0, 0, 0, 0, ref.Location())
		mon := weekStart(jan4).AddDate(0, 0, 7*(n-1))
		if _, w := mon.ISOWeek(); w != n {
			continue // week 53 of a year with 52
		}
		if !mon.Before(this) && mon.Before(this.AddDate(0, 0, 9*7)) {
			return mon, true
		}
	}
	return time.Time{}, false
}

// dottedPair is a day and a month with a dot between at the end of a
// text, or a clock written so after "um", "gegen", "alle" (group 1).
var dottedPair = lazyRE(`(?i)(?:^|[\s,])(?:(um|ab|gegen|vers|alle|om|às|a las)\s+)?(\d{1,2})\.(\d{1,2})$`)

// dottedDayMonth reports whether txt, followed by a dot, ends with a day
// and month written "14.12" ("bis 14.12.", "Montag, 14.12., 10 Uhr"), not
// a clock at a sentence's end ("um 14.30.", "gegen 10.15.").
func dottedDayMonth(txt string) bool {
	m := dottedPair.FindStringSubmatch(txt)
	if m == nil || m[1] != "" {
		return false
	}
	day, _ := strconv.Atoi(m[2])
	month, _ := strconv.Atoi(m[3])
	return day >= 1 && day <= 31 && month >= 1 && month <= 12
}

// dottedMonthNext is a month written ".12." just after a day number.
var dottedMonthNext = lazyRE(`^\.(\d{1,2})\.`)

// dayThenDottedMonth reports whether txt ends with a day number that
// rest continues with its month (".12."): the parser read "Mittwoch, 16"
// of "Mittwoch, 16.12., 12 Uhr" (blind-52, 2498), which relativeExtras
// reads whole.
func dayThenDottedMonth(txt, rest string) bool {
	if txt == "" || txt[len(txt)-1] < '0' || txt[len(txt)-1] > '9' {
		return false
	}
	m := dottedMonthNext.FindStringSubmatch(rest)
	if m == nil {
		return false
	}
	month, _ := strconv.Atoi(m[1])
	return month >= 1 && month <= 12
}

// dashedDate is a day and month written with a dash, and perhaps a year:
// "11-12", "11-12-2026". Group 1 ends the date.
var dashedDate = lazyRE(`(?:^|[^\p{L}\p{N}-])(\d{1,2})-(\d{1,2})(-(?:\d{4}|\d{2}))?()(?:[^\p{L}\p{N}-]|$)`)

// notAfterDashedDate is what makes a dashed pair a range, not a date: an
// hour unit ("9-12 uur", "14-16h") or a month ("11-12 december").
var notAfterDashedDate = lazyRE(`(?i)^\s*(?:uur|u|h|uhr|heures?|ore|horas?|hrs?|jan|feb|m[äa]r|apr|ma[iy]|jun|jul|aug|sep|o[ck]t|nov|de[cz]|ene|abr|ago|dic|janv|f[ée]v|avr|juil|ao[uû]|d[ée]c|gen|giu|lug|set|ott|mei|okt|fev|out|dez)`)

// dashedDayMonth rewrites the dashed dates of text with slashes.
func dashedDayMonth(text string) string {
	ms := dashedDate.FindAllStringSubmatchIndex(text, 4)
	if ms == nil {
		return text
	}
	b := []byte(text)
	for _, m := range ms {
		day, _ := strconv.Atoi(text[m[2]:m[3]])
		month, _ := strconv.Atoi(text[m[4]:m[5]])
		if day < 1 || day > 31 || month < 1 || month > 12 || notAfterDashedDate.MatchString(text[m[8]:]) {
			continue
		}
		b[m[3]] = '/'
		if m[6] >= 0 {
			b[m[6]] = '/'
		}
	}
	return string(b)
}

// nearestYear returns t in the year (ref's, the one before or after)
// that puts it nearest ref.
func nearestYear(t, ref time.Time) time.Time {
	best := t
	for _, y := range []int{ref.Year() - 1, ref.Year(), ref.Year() + 1} {
		c := time.Date(y, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, t.Location())
		if c.Day() == t.Day() && absDur(c.Sub(ref)) < absDur(best.Sub(ref)) {
			best = c
		}
	}
	return best
}

// cueWeekday is explicitDate's weekday after a cue, which carries its cue.
var cueWeekday = lazyRE(`(?i)^(by|before|until|till|on)\s`)

// retryUncovered searches again, each on its own with the word before it,
// the explicit dates of text that no result of res covers.
func retryUncovered(p *dps.Parser, cfg *dps.Configuration, text string, res []dps.SearchResult) []dps.SearchResult {
	var more []dps.SearchResult
	for _, m := range explicitDate.FindAllStringIndex(text, 4) {
		seen := false
		for _, r := range res {
			// (… or, for another language's cue and weekday, is read
			// inside it: "vrijdag" of "vóór vrijdag". An English match
			// read again may join what the parser split: "Friday" and
			// "18 December" of "before Friday 18 December".)
			if !r.Date.IsZero() && (strings.Contains(r.Text, text[m[0]:m[1]]) || foreignWeekdayMatch(text[m[0]:m[1]]) && len(strings.TrimSpace(r.Text)) > 3 && strings.Contains(text[m[0]:m[1]], r.Text)) {
				seen = true
				break
			}
		}
		if seen {
			continue
		}
		// "by 12/15": the cue before it helps the parser read it.
		b := m[0]
		if k := strings.LastIndexAny(strings.TrimRight(text[:b], " "), " \n\t(,;"); k >= 0 && b-k < 12 && !cueWeekday.MatchString(text[m[0]:m[1]]) {
			b = k + 1
		}
		if r, err := safeSearch(p, cfg, text[b:m[1]]); err == nil {
			more = append(more, r...)
		}
	}
	return more
}

// foreignWeekdayMatch reports whether an explicitDate match is its
// other languages' cue and weekday: no digit, no English cue first.
func foreignWeekdayMatch(m string) bool {
	if strings.ContainsAny(m, "0123456789") {
		return false
	}
	f := strings.Fields(strings.ToLower(m))
	if len(f) == 0 {
		return false
	}
	switch strings.TrimLeft(f[0], "([,;") {
	case "by", "before", "until", "till", "on":
		return false
	}
	return true
}

// foreignDate is a day and a month named in one of dateLanguages, with
// its year if one follows: "8 décembre 2026", "8 de diciembre de 2026",
// "1er mars", "l'8 dicembre 2026".
var foreignDate = lazyRE(`(?i)\b\d{1,2}(?:er|º|ª|\.)?\s+(?:de\s+)?(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre|januar|j[äa]nner|februar|m[äa]rz|april|juni|juli|august|september|oktober|dezember|janeiro|fevereiro|mar[çc]o|maio|junho|julho|setembro|outubro|novembro|dezembro|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|januari|februari|maart|mei|augustus|oktober|december)(?:\s+(?:de\s+)?\d{4})?\b`)

// ordinalSuffix is the suffix of a day number written as an ordinal.
var ordinalSuffix = lazyRE(`^(\d{1,2})(?:er|º|ª)`)

// rereadForeignDates reads again, on its own, a day and month of another
// language that no result of res covers whole: the parser's search reads
// "expire le 8 décembre 2026" as the bare year "2026" (today), and "l'8
// dicembre 2026" as "dicembre" and "2026", while it reads "8 décembre
// 2026" alone right. The results that overlap the date read again are
// dropped; res comes back in text order.
func rereadForeignDates(p *dps.Parser, cfg *dps.Configuration, text string, res []dps.SearchResult) []dps.SearchResult {
	ms := foreignDate.FindAllStringIndex(text, 4)
	if ms == nil {
		return res
	}
	type placed struct {
		b, e int
		r    dps.SearchResult
	}
	var at []placed
	from := 0
	for _, r := range res {
		i := strings.Index(text[from:], r.Text)
		if i < 0 {
			if i = strings.Index(text, r.Text); i < 0 {
				continue
			}
			from = 0
		}
		from += i + len(r.Text)
		at = append(at, placed{from - len(r.Text), from, r})
	}
	changed := false
	for _, m := range ms {
		whole := false
		for _, x := range at {
			if !x.r.Date.IsZero() && x.b <= m[0] && x.e >= m[1] {
				whole = true
				break
			}
		}
		if whole {
			continue
		}
		// The parser knows no ordinal suffix ("1er décembre").
		plain := ordinalSuffix.ReplaceAllString(text[m[0]:m[1]], "$1")
		again, err := safeSearch(p, cfg, plain)
		if err != nil || len(again) != 1 || again[0].Date.IsZero() || strings.TrimSpace(again[0].Text) != plain {
			continue
		}
		again[0].Text = text[m[0]:m[1]]
		kept := at[:0]
		for _, x := range at {
			if x.e <= m[0] || x.b >= m[1] {
				kept = append(kept, x)
			}
		}
		at = append(kept, placed{m[0], m[1], again[0]})
		changed = true
	}
	if !changed {
		return res
	}
	sort.SliceStable(at, func(i, j int) bool { return at[i].b < at[j].b })
	out := make([]dps.SearchResult, len(at))
	for i, x := range at {
		out[i] = x.r
	}
	return out
}

// namedDateRef matches a sentence's reference to a labelled date ("by the
// due date", "before your renewal date"), and dateFieldLabel the label of
// the line that gives it ("Due date: 15 December 2026", "Renews on:").
var (
	namedDateRef   = fastre.MustCompile(`(?i)\b(by|before|on|until|prior to|ahead of)\s+(the|your|its|this)\s+(?:(?:new|revised|updated|extended|amended)\s+)?(due|renewal|expiry|expiration|payment|closing|cut-?off|deadline|return|submission)\s+date\b|\bvor (dem|ihrem) (fälligkeits|verlängerungs|ablauf)datum\b|\bantes de (la|su) fecha (de )?(vencimiento|renovación|pago)\b|\bavant (la|votre) date (d'échéance|de renouvellement|limite)\b|\bentro la (data di )?scadenza\b|\bvóór de vervaldatum\b|\bat[ée] (à|a) data[- ]limite\b|\bantes da data de vencimento\b|\bat[ée] (ao|o) (dia do )?vencimento\b|\bbefore (it|they|the certificate|the cert|your certificate|the domain|your domain|the licen[cs]e|your licen[cs]e|the token|your token) expires?\b|\bvor (dem|seinem|ihrem) ablauf\b|\bavant (son|leur|l['’]|qu['’]il n['’])\s*expir|\bantes de que (caduque|expire|venza)\b|\bprima della (sua )?scadenza\b|\bvoordat (het|hij|deze|dit) verloopt\b|\bantes que (expire|ven[çc]a)\b`)
	dateFieldLabel = lazyRE(`(?im)^[ \t*-]*(?:(?:new|revised|updated|extended|amended)[ \t]+)?(due( date| on| by)?|payment due|amount due by|renews?( on)?|renewal( date)?|expir(es|y|ation)( date| on)?|deadline|closing date|cut-?off|f[äa]llig(keitsdatum| am)?|vencimiento|fecha (de )?(vencimiento|l[íi]mite)|[ée]ch[ée]ance|date limite|scadenza|vervaldatum|vervalt op|data[- ]limite( de pagamento)?|data de vencimento|vencimento|not after|valid until|expires on|g[üu]ltig bis|valable jusqu['’]au|v[áa]lido hasta|valido fino al|geldig tot|v[áa]lido at[ée])\s*:?[ \t]`)
)

// cutoffCue matches a sentence stating a cut-off that the reader's part
// must beat: "the portal stops accepting filings at 5:00pm today", "the
// truck leaves at 14:00", and missingYours the sender still waiting on
// the reader's part: "I still don't have your signature".
var (
	cutoffCue    = fastre.MustCompile(`(?i)\b(moved up|brought forward|vorgezogen|vervroegd|adelantad[oa]|avanc[ée]e?|anticipat[oa]|antecipad[oa]|naar de bank|an die bank|to the bank|la banque|al banco|alla banca|para o banco|if i don'?t (?:have|get|receive) (?:it|them|this|that|yours)|si je ne l['’](?:ai|re[çc]ois) pas|si no lo (?:tengo|recibo)|wenn ich (?:es|sie) nicht|se non (?:lo|la) (?:ho|ricevo)|se n[ãa]o (?:o|a) (?:tiver|receber)|als ik (?:het|ze) niet|closes?|closing|shuts?|locks?|freezes?|goes (?:to print|live)|stops? accepting|pack(?:s|ing)? up|knock(?:s|ing)? off|head(?:s|ing)? off|go(?:es)? home|cut-?off|deadline|expires?|leaves?|departs?|goes out|last (collection|post|pick-?up)|goes to the (bank|printer|press|post|courier)|slot|window|cierra|vence|plazo|ferme|precisa da (?:nossa |tua |sua )?resposta|necesita (?:nuestra|tu|su) respuesta|a besoin de (?:notre|ta|votre) r[ée]ponse|braucht (?:unsere|deine|ihre) antwort|ha bisogno della (?:nostra|tua|sua) risposta|heeft (?:ons|jouw|je|uw) antwoord nodig|needs (?:our|your) answer|(?:deve|devo|devono) (?:andare via|andarsene|partire|scappare)|va via|se (?:va|tiene que ir)|tiene que irse|s['’]en va|doit (?:partir|repartir|y aller)|muss (?:weg|los|gehen|weiter)|f[äa]hrt (?:weg|ab|weiter)|noch bis|moet (?:weg|door|vertrekken|gaan)|moet om [^.!?\n]{1,12} (?:weg|door|vertrekken)|muss um [^.!?\n]{1,12} (?:weg|los|weiter)|vai embora|tem que ir embora|precisa sair|cl[ôo]ture|date limite|schlie[ßs]t|frist|chiude|scade|scadenza|fecha|prazo|sluit|vertrekt)\b`)
	missingYours = fastre.MustCompile(`(?i)\b((still )?(don'?t|do not|haven'?t|have not) (have|got|received) (your|the)|falta(?:n)? (?:todav[íi]a )?tus?|te falta|solo (?:aparece|falta|queda) (?:vac[íi]o )?tu|il (?:me )?manque (?:ta|ton|tes|votre|vos)|manque (?:encore )?(?:ta|ton|votre)|(?:es )?fehl(?:t|en) (?:noch )?(?:deine|ihre|dein|ihr)|manca(?:no)? (?:ancora )?(?:la tua|il tuo|la sua|il suo|le tue|i tuoi)|falta(?:m)? (?:ainda )?(?:a tua|o teu|a sua|o seu)|(?:je|jouw|uw) [^.?!\n]{0,30}\bontbreekt|ontbreekt (?:nog )?(?:je|jouw|uw)|(waiting|waiting on|waiting for) (your|you)|what i (still )?(don'?t|do not) have|without your|need your|sin tu|sans (ta|ton|votre)|ohne (deine|ihre|dein|ihr)|senza (la|il) (sua|tua|suo|tuo)|sem (a|o) (sua|seu|tua|teu)|zonder (je|jouw|uw)|you(?:'re|’re| are) the only one|(?:liggen|ligt|zijn|is) (?:nog )?bij jou|(?:liegen|liegt|ist|sind) (?:noch )?bei dir|(?:are|is) still (?:with you|at your (?:place|house))|(?:est[áa]n?|siguen) (?:todav[íi]a )?en tu casa|(?:sont|est) (?:encore )?chez toi|ancora da te|(?:est[ãa]o|est[áa]) (?:ainda )?(?:contigo|com voc[êe])|je n['’]ai (?:toujours )?pas (?:ta|ton|tes|votre|vos)|todav[íi]a no tengo (?:tu|su|tus|sus)|ich habe (?:immer )?noch (?:nicht |keine?n? )?(?:deine|ihre|dein|ihr)|non ho ancora (?:il tuo|la tua|il suo|la sua|i tuoi|le tue)|ainda n[ãa]o tenho (?:o teu|a tua|o seu|a sua)|ik heb (?:nog steeds |nog )?(?:niet|geen) (?:je|jouw|uw)|until you(?:'ve|’ve| have)? (?:done|approved|signed|confirmed|ticked|replied|sent)|(?:eres|es) (?:el|la) [úu]nic[oa]|tu es (?:le|la) seul|vous [êe]tes (?:le|la) seul|du bist (?:der|die) einzige|sie sind (?:der|die) einzige|sei (?:l['’]unic[oa]|il solo|la sola)|voc[êe] [ée] (?:o|a) [úu]nic[oa]|jij bent de enige|u bent de enige)\b`)
)

// cutoffDates marks as deadlines the dates of a sentence stating a
// cut-off within the next working day, in a message that asks the reader
// something or says the sender still waits on the reader's part; it
// reports whether it marked any. "The state portal stops accepting
// amended filings at 5:00pm today, and I still don't have your
// signature" sets 17:00 today.
func cutoffDates(ds []doctales.DateMention, own []span, asked bool, ref time.Time) bool {
	marked := false
	to := endOfNextBusinessDay(ref)
	for i := range ds {
		d := &ds[i]
		if d.Deadline || d.Source != doctales.SourceContent || !d.Time.After(ref) || d.Time.After(to) {
			continue
		}
		for k, s := range own {
			if d.BeginOffset < s.start || d.BeginOffset >= s.end || conditionalAsk.MatchString(s.text) || !cutoffIn(s.text) {
				continue
			}
			// "Auditors moved up to 2 today. They still don't have the
			// signed sheets": the waiting may be told just after.
			next, prev := "", ""
			if k+1 < len(own) {
				next = own[k+1].text
			}
			if k > 0 {
				prev = own[k-1].text // "… only your line is empty. The platform closes at 18:00."
			}
			// "I opened the package this morning and the slot is still
			// empty": a date of what the sender did is no cut-off.
			if pastTense(s.text[:d.BeginOffset-s.start], nil) {
				break
			}
			if asked || missingYours.MatchString(s.text) || missingYours.MatchString(next) || missingYours.MatchString(prev) {
				d.Deadline, d.Cue = true, "cut-off"
				if d.Precision == "day" || d.Precision == "week" {
					d.Time = atHour(d.Time, endOfBusinessHour)
				}
				marked = true
			}
			break
		}
	}
	return marked
}

// cutoffIn reports whether text states a cut-off: a cutoffCue that is not
// "leave" with a thing after it ("I'll leave it at the stage door
// tonight" is where, not a departure: blind-101, 4441).
func cutoffIn(text string) bool {
	for _, m := range cutoffCue.FindAllStringIndex(text, -1) {
		if w := strings.ToLower(text[m[0]:m[1]]); (w == "leave" || w == "leaves") && leftThing.MatchString(text[m[1]:]) {
			continue
		}
		return true
	}
	return false
}

// leftThing is what follows a "leave" that leaves a thing somewhere.
var leftThing = lazyRE(`(?i)^\s+(?:it|them|this|that|these|those|the|a|an|your|my|our|his|her|their|some|everything)\b`)

// beforeTheClock matches a request naming an hour given earlier with its
// day: "send it to me before the 6:30 slot".
var beforeTheClock = lazyRE(`(?i)\b(?:before|by|ahead of|in time for) the (\d{1,2})(?:[:.](\d{2}))?\s*([ap]\.?m\.?)?\s+[a-z]`)

// sameClock is a bare hour in a request ("alle 8", "at 8:30", "a las 10"),
// which clockAnaphora reads as the hour of a day named before; groups as
// beforeTheClock's.
var sameClock = lazyRE(`(?i)(?:\b(?:at|alle|a las|a la|um|om)|(?:^|\s)(?:à|às))\s+(\d{1,2})(?:[:.h](\d{2}))?\s*([ap]\.?m\.?)?(?:\s|[,.?!;]|$)`)

// datedSentence reports whether a date mention of ds begins in s.
func datedSentence(ds []doctales.DateMention, s span) bool {
	for _, d := range ds {
		if d.Source == doctales.SourceContent && d.BeginOffset >= s.start && d.BeginOffset < s.end {
			return true
		}
	}
	return false
}

// eventOfDay is an event named by its day just before it: "Thursday's
// board meeting", "Monday's 1:1" (the mention ends at the day).
var eventOfDay = lazyRE(`^['’]s\s+(?:[\pL\d-]+\s+){0,3}?(?:meeting|call|review|board|session|presentation|demo|standup|stand-up|sync|workshop|interview|briefing|hearing|audit|offsite|kick-?off|pitch|launch|class|lesson|rehearsal|show|event|dinner|lunch)\b`)

// itStartsAt is the next sentence giving that event's hour: "It starts at
// 9:30am", "The meeting begins at 10", "Sie beginnt um 9:30", "Empieza a
// las 9:30", "Elle commence à 9h30", "Inizia alle 9:30", "Começa às 9h30",
// "Het begint om 9.30 uur". Groups: hour, minute, am/pm.
var itStartsAt = lazyRE(`(?i)^\W*(?:(?:it|that|this|the\s+\w+(?:\s+\w+)?)\s+(?:starts|begins|kicks\s+off|is|runs\s+from)\s+at|(?:sie|es|er|die\s+\w+|das\s+\w+|der\s+\w+)\s+(?:beginnt|startet|f[äa]ngt)\s+um|(?:empieza|comienza|arranca|empiezan|comienzan)\s+a\s+las|(?:elle|il|la\s+\w+|le\s+\w+)\s+(?:commence|d[ée]bute)\s+[àa]|(?:inizia|comincia)\s+alle|(?:come[çc]a|inicia)\s+[àa]s|(?:het|hij|ze|de\s+\w+)\s+(?:begint|start)\s+om)\s+(\d{1,2})(?:[:.h](\d{2}))?\s*([ap]\.?m\.?)?`)

// eventStartNext gives a deadline on a day "ahead of Thursday's board
// meeting?" the hour the next sentence gives the event ("It starts at
// 9:30am"): the work is wanted before it starts (blind-47, 2277, was
// 17:00). The next sentence's clock, which the parser put on the
// message's day, moves to that day too. It reports whether it changed
// a deadline.
func eventStartNext(ds []doctales.DateMention, own []span, text string) bool {
	changed := false
	for i := range ds {
		d := &ds[i]
		if !d.Deadline || d.Source != doctales.SourceContent || d.Precision != "day" || d.EndOffset > len(text) || !eventOfDay.MatchString(text[d.EndOffset:]) {
			continue
		}
		for k, s := range own {
			if d.BeginOffset < s.start || d.BeginOffset >= s.end || k+1 == len(own) {
				continue
			}
			next := own[k+1]
			m := itStartsAt.FindStringSubmatch(next.text)
			if m == nil {
				break
			}
			h, mi, marked := clockGroups(m[1], m[2], m[3])
			if !marked {
				h = workingHour(h)
			}
			if h > 23 || mi > 59 {
				break
			}
			t := time.Date(d.Time.Year(), d.Time.Month(), d.Time.Day(), h, mi, 0, 0, d.Time.Location())
			d.Time, d.Precision, changed = t, "minute", true
			for j := range ds {
				if o := &ds[j]; j != i && o.Source == doctales.SourceContent && o.BeginOffset >= next.start && o.BeginOffset < next.end && (o.Precision == "minute" || o.Precision == "hour") {
					o.Time = t
				}
			}
			break
		}
	}
	return changed
}

// clockGroups reads a clock's hour, minutes and am/pm as a pattern's
// groups give them ("9", "30", "pm"): the hour in 24-hour form, and
// whether am or pm was written.
func clockGroups(hour, minute, ampm string) (h, mi int, marked bool) {
	h, _ = strconv.Atoi(hour)
	if minute != "" {
		mi, _ = strconv.Atoi(minute)
	}
	if p := strings.ToLower(ampm); strings.HasPrefix(p, "p") && h < 12 {
		h += 12
	}
	return h, mi, ampm != ""
}

// clockAnaphora marks as the deadline the dated mention whose hour a
// request names ("before the 6:30 slot" after "at 6:30 tomorrow
// morning"); it reports whether it marked one.
func clockAnaphora(ds []doctales.DateMention, own []span, requests map[int]bool, ref time.Time) bool {
	for _, s := range own {
		if !requests[s.start] {
			continue
		}
		m := beforeTheClock.FindStringSubmatch(s.text)
		if m == nil {
			// "Riesci a esserci tu alle 8?" after "viene domattina alle 8".
			if m = sameClock.FindStringSubmatch(s.text); m == nil || datedSentence(ds, s) {
				continue
			}
		}
		h, mi, _ := clockGroups(m[1], m[2], m[3])
		for i := range ds {
			d := &ds[i]
			if d.Source != doctales.SourceContent || (d.Precision != "minute" && d.Precision != "hour") || !d.Time.After(ref) {
				continue
			}
			if d.Time.Minute() == mi && (d.Time.Hour() == h || d.Time.Hour() == h+12) {
				d.Deadline, d.Cue = true, "before"
				return true
			}
		}
	}
	return false
}

// fieldDeadline marks as the deadline a date given on a labelled line
// ("Due date: 15 December 2026") when the sender's own words point at it
// ("please pay by the due date"); it reports whether it marked one.
func fieldDeadline(ds []doctales.DateMention, own []span, content string) bool {
	pointed := false
	for _, s := range own {
		if namedDateRef.MatchString(s.text) {
			pointed = true
			break
		}
	}
	if !pointed {
		return false
	}
	for i := range ds {
		d := &ds[i]
		if d.Source != doctales.SourceContent || d.BeginOffset > len(content) {
			continue
		}
		ls := strings.LastIndexByte(content[:d.BeginOffset], '\n') + 1
		if m := dateFieldLabel.FindStringIndex(content[ls:d.BeginOffset]); m != nil && m[0] == 0 {
			d.Deadline, d.Cue = true, "field"
			if d.Precision == "day" || d.Precision == "week" {
				d.Time = atHour(d.Time, endOfBusinessHour)
			}
			return true
		}
	}
	return false
}

// meetingProposal matches a sender proposing to meet, in the languages
// the set reads.
var meetingProposal = fastre.MustCompile(`(?i)^\W*(lunch|dinner|coffee|breakfast|drinks|a call|call|meeting|sync|catch-up|catch up|chat|almuerzo|comida|caf[ée]|d[ée]jeuner|d[îi]ner|mittagessen|kaffee|pranzo|cena|almo[çc]o|jantar|lunchen|koffie)\b[^?\n]{0,80}\?|\bzin om\b[^?\n]{0,80}\b(?:lunchen|lunch|koffie|eten|borrelen|afspreken|bijpraten)\b[^?\n]{0,60}\?|\b(?:hast du|haben sie|habt ihr) lust\b[^?\n]{0,80}\b(?:mittagessen|essen|kaffee|treffen|zusammensetzen|besprechen)\b[^?\n]{0,40}\?|\bte apetece\b[^?\n]{0,80}\b(?:comer|almorzar|cenar|caf[ée]|quedar|vernos)\b[^?\n]{0,40}\?|\bti va (?:di|se)\b[^?\n]{0,80}\b(?:pranzo|pranzare|cena|cenare|caff[èe]|vederci)\b[^?\n]{0,40}\?|\b(let'?s (meet|talk|catch up|sit down|have a (call|chat|meeting))|(want|wanna|like|care) to (grab|get|have) (a )?(lunch|dinner|coffee|breakfast|drinks?|beer)|(free|up) for (lunch|dinner|coffee|breakfast|drinks)|let us meet|(?:marcar|agendar) (?:uma )?(?:reuni[ãa]o|conversa|visita)|(?:concertar|fijar|organizar|programar|agendar) una (?:reuni[óo]n|cita|llamada)|(?:organiser|fixer|planifier|caler) (?:une r[ée]union|un rendez-vous|un point)|fissare (?:una riunione|un incontro|un appuntamento)|(?:einen termin|ein treffen|ein gespr[äa]ch) (?:vereinbaren|ausmachen)|(?:een afspraak|een overleg|een vergadering) (?:maken|plannen|inplannen)|(?:set up|schedule|arrange|book) (?:a|the) (?:meeting|call|catch-up)|can we (meet|talk|have a (call|chat))|could we (meet|talk)|shall we (meet|talk)|are you (free|available) (for|on|at)|join (me|us) (for|on|at)|lass uns\b[^.?!\n]{0,60}\b(treffen|zusammensetzen|sprechen|besprechen|telefonieren)|(können|wollen) wir uns\b|treffen wir uns|hast du zeit|haben sie zeit|on se voit|on se retrouve|retrouvons-nous|on d[ée]jeune|(pouvons|pourrions)-nous nous (voir|réunir|parler)|[êe]tes-vous disponible|es-tu dispo|nos vemos|podemos reunirnos|quedamos|¿?tienes tiempo|ci vediamo|possiamo vederci|sei libero|podemos nos reunir|vamos nos reunir|laten we\b[^.?!\n]{0,40}\b(afspreken|overleggen|bellen|zitten)|zullen we\b[^.?!\n]{0,40}\b(afspreken|overleggen|bellen)|je (vous|te) propose (une |un )?(r[ée]union|rendez-vous|point|call|visio|rencontre|d[ée]jeuner)|ich schlage (ihnen |dir |euch )?(einen |ein )?(termin|treffen|gespr[äa]ch|meeting)|(te|les|le|os) propongo (una |un )?(reuni[óo]n|cita|llamada)|(ti|vi|le) propongo (una |un )?(riunione|incontro|call)|(?:ti|vi|le)\s+propongo\s+di\s+(?:incontrarci|vederci|sentirci|trovarci)|(proponho|sugiro) (uma )?(reuni[ãa]o|conversa)|ik stel (een )?(vergadering|afspraak|overleg|meeting) voor|i['’]?d\s+like\s+(the|you|everyone|all)\s[^.?!]{0,40}\btogether\b|i['’]?d\s+like\s+to\s+(meet|get together|catch up|sit down)|i['’]?d\s+like\s+to\s+(do|have|go through|walk through|run through|look at)\s[^.?!]{0,60}\btogether\b|\b(you are|you're|you’re) (cordially |warmly )?invited\b|\bconvocat[ao] l['’]assemblea|\bsiete convocat[ie]\b|\bvous [êe]tes convoqu[ée]|\bse convoca (?:a|la) (?:junta|asamblea|reuni[óo]n)|\bwird hiermit einberufen|\bwordt bijeengeroepen\b|\b(we|i) (would like to )?invite you\b|\binvites you\b|\bnodig(t|en) (u|je|jullie)\b[^.?!\n]{0,30}\buit\b|\bbent (van harte )?uitgenodigd|\b(vous|te) invit(e|ons) (?:[àa]\s|[àa]$)|\bvous [êe]tes (cordialement )?invit[ée]|\b(l[äa]dt|laden) (sie|dich|euch)\b[^.?!\n]{0,40}\bein\b|\b(le|te|les|os) invit(o|amos) a\b|\b(ti|vi) invit(o|iamo) a\b|\bconvid(o|amos) (você|vocês|-o|-a|-os|-as)\b)|(?:i(?:'d| would)? like to|we(?:'d| would)? like to|i|we) invite you to|convid(?:o|amos)-(?:te|o|a|vos) (?:para|a)|(?:te|os|les|le) invit(?:o|amos) a|je (?:vous|t['’]) invite [àa]|nous (?:vous|t['’]) invitons [àa]|(?:ich|wir) (?:lade|laden|m[öo]chte|m[öo]chten|w[üu]rde|w[üu]rden) (?:dich|sie|euch)\b[^?!\n]{0,120}\bein(?:laden)?\b|(?:ti|vi|la) invit(?:o|iamo) a|(?:ik|wij|we) nodig(?:en)? (?:je|jou|u|jullie)\b[^.?!\n]{0,60}\buit|we (?:all )?(?:need|have) to (?:all )?(?:meet|get together|sit down)|il faut (?:qu['’]on|que nous) (?:se voie|nous voyions|se r[ée]unisse|nous r[ée]unissions|se retrouve)|(?:je|nous) (?:vous )?convoqu(?:e|ons)|\bconvoc(?:o|amos)\b|fica(?:m)? convocad[oa]s?|se convoca|quedan convocad[oa]s|(?:vi|ti) convoc(?:o|hiamo)|(?:we moeten|laten we) [^.?!\n]{0,40}(?:bij elkaar komen|samenkomen)|wir m[üu]ssen uns [^.?!\n]{0,40}(?:treffen|zusammensetzen)|\bon (?:se )?(?:fait|cale|programme|organise) (?:le |un |une )?(?:point|call|visio|r[ée]union|appel)\b[^?\n]{0,80}\?|\bhacemos (?:una |un )?(?:llamada|reuni[óo]n|videollamada|call|punto)\b[^?\n]{0,80}\?|\b(?:facciamo|ci facciamo) (?:il punto|una call|una riunione|una videochiamata|una chiamata)\b[^?\n]{0,80}\?|\b(?:fazemos|vamos fazer) (?:uma |um )?(?:call|reuni[ãa]o|chamada|videochamada|ponto)\b[^?\n]{0,80}\?|\b(?:machen|sollen) wir (?:einen |ein |eine )?(?:call|termin|telefonat|videocall|abstimmung|besprechung)\b[^?\n]{0,80}\?|\b(?:vous|t['’]) invite [àa] (?:la |une |un |l['’]|notre |nos )|\b(?:invitart[ie]|invitarvi|invitarla|invitarte|invitaros|invitarl[oa]s|(?:vous|t['’]) inviter|convidar-(?:te|vos)|convid[áa]-l[oa]s?|(?:je|jou|u|jullie) (?:graag )?uit te nodigen|(?:dich|sie|euch) (?:herzlich |gerne )?einzuladen)\b|\b(?:est-ce qu['’])?on (?:pourrait|peut) (?:faire|caler|organiser|pr[ée]voir|se faire) (?:un |une )?(?:petit |rapide )?(?:point|visio|call|r[ée]union|appel|rendez-vous)\b[^?\n]{0,80}\?|\b(?:can|could|shall) we (?:do|have|set up|book|jump on|hop on) (?:a |an )?(?:quick |short |brief )?(?:call|chat|meeting|catch-up|catch up|zoom|teams call|video call|sync)\b[^?\n]{0,80}\?|\b(?:i (?:suggest|propose)|(?:she|he|they|we)(?:['’]s|['’]ve| has| have)? (?:suggested|proposed)|how about|what about|je (?:vous|te) propose|(?:le|ti|vi|te|les|os) propongo|proponho|sugiro|ich schlage (?:ihnen |dir |euch )?|ik stel (?:je |u )?)\s*(?:(?:on|le|el|il|am|op|a|o)\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo|luned[iì]|marted[iì]|mercoled[iì]|gioved[iì]|venerd[iì]|sabato|domenica|segunda|ter[çc]a|quarta|quinta|sexta|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|tomorrow|demain|ma[ñn]ana|domani|morgen|amanh[ãa])(?:[^\p{L}]|$)`)

// comingAsk is a sender asking whether the reader comes to an event just
// described: "On fait le déjeuner jeudi à 12h30. Dis-moi si tu viens".
var comingAsk = fastre.MustCompile(`(?i)\b(?:(?:let me know|tell me) (?:if|whether) you(?:'re|’re| are| can| could)? (?:coming|joining us|make it|come|join us)\b|are you coming\s*\?|(?:want|wanna|care) to (?:join|come)(?: us)?\s*\?|fancy (?:joining|coming)|see you there|fatemi sapere se (?:ci siete|venite)|ditemi se venite|laat (?:even )?weten of jullie komen|sagt bescheid,? ob ihr kommt|avisadme si ven[íi]s|d[íi]ganme si vienen|digam-me se v[êe]m|(?:will|can) you (?:come|join us|make it)\s*\?|(?:dis|dites)-moi (?:juste )?si (?:tu viens|vous venez|tu passes|vous passez|vous serez (?:l[àa]|pr[ée]sents?))|(?:vous me (?:dites|direz)|tu me (?:dis|diras)) si (?:tu viens|vous venez|vous serez l[àa])|(?:merci de )?nous dire si vous serez (?:l[àa]|pr[ée]sents?)|(?:merci de |pouvez-vous |peux-tu )?me dire si (?:tu viens|vous venez|tu seras l[àa]|vous serez (?:l[àa]|pr[ée]sents?))|can (?:u|you) make (?:it|this|that)\s*\?|tu viens ?\?|vous venez ?\?|sag (?:mir )?bescheid,? ob du (?:kommst|dabei bist)|w[äa]re (?:es )?(?:super|sch[öo]n|toll|gut|klasse),? wenn (?:du|ihr|sie) [^.!?]{0,40}?(?:dazukommst|dazukommt|dazukommen|dabei bist|dabei seid|dabei sind|kommen k[öo]nntest|kommen k[öo]nntet|kommen k[öo]nnten)|hope to see (?:as many of )?you (?:all )?(?:there|then)|kommst du (?:auch|mit)?\s*\?|dime si (?:vienes|te apuntas)|(?:me )?(?:confirm(?:es|aras|ases)|avis(?:es|aras)|dig(?:as|eras)) si vienes|vienes\s*\?|fammi sapere se (?:vieni|ci sei)|vieni anche tu|diz-me se (?:vens|vais)|vens\?|laat (?:even |me )?weten of je (?:komt|erbij bent)|laat (?:je|jij|u) (?:me |mij |ons )?(?:even |nog )?weten of (?:je|jij|u) (?:komt|erbij bent|er bent)|laten jullie (?:me |mij |ons )?(?:even |nog )?weten of (?:je|jullie) (?:komt|komen|erbij bent|erbij zijn)|kom je (?:ook)?\s*\?|ci siete\b[^?\n]{0,30}\?|ci sei\b[^?\n]{0,30}\?|venite\s*\?|(?:os|te) apunt[áa]i?s\s*\?|ven[íi]s\s*\?|(?:tu es|vous [êe]tes) (?:partants?|dispos?|de la partie)\s*\?|(?:seid ihr|bist du) dabei\s*\?|(?:habt ihr|hast du) zeit\s*\?|voc[êe]s? (?:v[êe]m|vem|topam?)\s*\?|(?:zijn jullie|ben je) erbij\s*\?|komen jullie\s*\?|are you (?:both |two )?in\s*\?|can you (?:both )?make it\s*\?|\b(?:would|it'?d|it would) be (?:great|lovely|nice|good|amazing|brilliant) (?:if you (?:could )?(?:make it|come|came|join us|joined us)|to see you|to have you)|\b(?:ce serait|ça serait|ca serait) (?:super|g[ée]nial|chouette|bien|top|sympa) (?:que (?:tu viennes|vous veniez)|de (?:te|vous) voir|de (?:t['’]|vous )avoir)|\bser[íi]a (?:genial|estupendo|bonito|un placer) (?:que vinieras|que vengas|que vinieran|verte|veros|tenerte)|\bsarebbe (?:bello|bellissimo|fantastico) (?:se venissi|se veniste|averti|vederti|avervi)|\bes w[äa]re (?:sch[öo]n|toll|super),? wenn (?:du|ihr|sie) (?:kommst|k[äa]mst|kommt|k[äa]mt|kommen|k[äa]men|dabei)|\bseria (?:[óo]timo|muito bom|lindo|um prazer) (?:se (?:voc[êe] )?(?:viesse|viesses|viessem)|te ver|ter-te)|\bhet zou (?:leuk|fijn|mooi) zijn als (?:je|jij|jullie|u) (?:komt|komen|erbij))`)

// comingAsked marks as the deadline the time of an event the sender asks
// the reader to come to: a date with a time of day, ahead, in the
// sentence of the ask or the two before it. It reports whether it marked
// one.
func comingAsked(ds []doctales.DateMention, own []span, ref time.Time) bool {
	for k, s := range own {
		if !comingAsk.MatchString(unwrapLines(s.text)) {
			continue
		}
		from := own[max(0, k-2)].start
		for i := range ds {
			d := &ds[i]
			if d.Source == doctales.SourceContent && (d.Precision == "minute" || d.Precision == "hour") && d.BeginOffset >= from && d.BeginOffset < s.end && d.Time.After(ref) {
				// "moet je ze vandaag voor 6 uur ophalen … laat even
				// weten of je komt": a time to be done by is a task's
				// deadline, and the question whether the reader comes
				// for it is not an invitation (blind-109, 4789).
				if d.Deadline && doneByCue(d.Cue) {
					return false
				}
				d.Deadline, d.Cue = true, "invitation"
				return true
			}
		}
		// Further up, the event is the one time ahead the sender wrote
		// before asking: "De eerste intervisie is donderdag 14 januari
		// om 19:30 …" three sentences before "Laat je even weten of je
		// komt?" (blind-77, 3509). Two different times, and which one
		// is the event's is not guessed.
		one := -1
		for i := range ds {
			d := &ds[i]
			if d.Source != doctales.SourceContent || (d.Precision != "minute" && d.Precision != "hour") || d.BeginOffset >= s.end || !d.Time.After(ref) || !inSpans(own, d.BeginOffset) {
				continue
			}
			if one >= 0 && !ds[one].Time.Equal(d.Time) {
				one = -1
				break
			}
			if one < 0 {
				one = i
			}
		}
		if one >= 0 {
			ds[one].Deadline, ds[one].Cue = true, "invitation"
			return true
		}
	}
	return false
}

// doneByCue reports whether a deadline's cue asks for something done by
// its time ("by", "before", "vandaag voor", "spätestens"), in the
// languages the engine reads, rather than naming when something starts.
func doneByCue(cue string) bool {
	for _, w := range strings.Fields(cue) {
		switch w {
		case "by", "before", "voor", "vóór", "uiterlijk", "vor", "spätestens", "avant", "antes", "entro", "prima", "até":
			return true
		}
	}
	return false
}

// inSpans reports whether offset falls in one of spans.
func inSpans(spans []span, offset int) bool {
	for _, s := range spans {
		if offset >= s.start && offset < s.end {
			return true
		}
	}
	return false
}

// meetingProposed marks as the deadline the time of a meeting the sender
// proposes in their own words ("Lass uns am Donnerstag um 10 Uhr
// zusammensetzen"): a date with a time of day, ahead, in the sentence of
// the proposal. It reports whether it marked one.
func meetingProposed(ds []doctales.DateMention, own []span, ref time.Time) bool {
	// Dates first (few), then only their sentences. Of a sentence's
	// dates, the first after the proposal is the meeting's: "Après
	// l'appel de Beaulieu ce soir il faut qu'on se voie tous lundi à
	// 14h" (blind-48, 2335: tonight's call was taken).
	var memo map[int][]int
	for pass := 0; pass < 2; pass++ {
		for i := range ds {
			d := &ds[i]
			if d.Source != doctales.SourceContent || (d.Precision != "minute" && d.Precision != "hour") || !d.Time.After(ref) {
				continue
			}
			for _, s := range own {
				if d.BeginOffset < s.start || d.BeginOffset >= s.end {
					continue
				}
				if memo == nil {
					memo = map[int][]int{}
				}
				m, seen := memo[s.start]
				if !seen {
					m = meetingProposal.FindStringIndex(s.text)
					memo[s.start] = m
				}
				if m != nil && (pass == 1 || d.BeginOffset >= s.start+m[0]) {
					d.Deadline, d.Cue = true, "invitation"
					return true
				}
			}
		}
	}
	return false
}

// quotedAfterCue reports whether a quotation opens between the cue and the
// date: the date is part of a name quoted ("betaalverzoeken voor
// 'pianoles januari'": blind-105, 4631), not a "voor" (before) January.
// A quotation that holds the cue is someone's ask relayed („bitte bis
// Freitag gegenlesen“, blind-57, 2659) and counts.
func quotedAfterCue(before, cue string) bool {
	m := quotedName.FindStringIndex(before)
	return m != nil && !strings.Contains(strings.ToLower(before[m[0]:]), strings.ToLower(cue))
}

// quotedName is an open quotation within 40 bytes before a date.
var quotedName = lazyRE(`(?:^|\s)['"‘“«„][^'"’”»“\n]{1,40}$`)

// thanksFor is thanks for what happened on the day after it: "Nogmaals
// dank voor zaterdag" is no "voor" (before) Saturday (blind-105, 4630).
var thanksFor = lazyRE(`(?i)(?:^|[^\p{L}])(?:thanks?|thank you|bedankt|dank(?:je|jewel|u|uwel)?|merci|danke|vielen dank|gracias|grazie|obrigad[oa])\s+(?:(?:nogmaals|again|encore|nochmals|de nuevo|ancora)\s+)?(?:voor|for|pour|f[üu]r|por|per|pelo|pela)\s+(?:(?:de|het|the|le|la|il|el|o|a|den|die|das)\s+)?$`)

// numberBeforeWeekday is a number just before a comma and a weekday's
// name, which no date writes so; group 1 is the number.
var numberBeforeWeekday = fastre.MustCompile(`(?i)\b(\d{1,4}),\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|luned[ìi]|marted[ìi]|mercoled[ìi]|gioved[ìi]|venerd[ìi]|sabato|domenica|segunda|ter[çc]a|quarta|quinta|sexta|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)(?:[^\p{L}]|$)`)

// meioDia is Portuguese noon written with a space; group 1 is the space.
var meioDia = lazyRE(`(?i)\bmeio( )dia\b`)

// rangeStart is the beginning of a range of days, up to its end's first
// word: "between Tuesday and Thursday", "between the 14th and the 16th",
// "entre le 12 et le 14 janvier", "zwischen dem 12. und 14. Januar".
// Group 1 is the first day, group 2 a month after it, group 3 the end's
// first word.
var rangeStart = lazyRE(`(?i)\b(?:between|entre|zwischen|tra|fra|tussen)\s+(?:(?:the|le|dem|el|il|o|de|der|den)\s+)?(\pL+|\d{1,2}(?:st|nd|rd|th|\.|º)?)\s+(?:(?:of\s+|de\s+)?(\pL+)\.?\s+)?(?:and|et|und|y|e|en)\s+(?:(?:the|le|dem|el|il|o|de|der|den)\s+)?(\pL+|\d{1,2})`)

// rangeEndDay is what follows a range's end that makes a number a day: an
// ordinal ending, a day's dot or a month.
var rangeEndDay = lazyRE(`(?i)^\d{1,2}(?:st|nd|rd|th|\.|º)|^\d{1,2}\s+(?:de\s+|of\s+)?(\pL+)`)

// blankRangeStarts blanks in text (same length) the beginning of each
// range of days, so that its end is read alone; a range of other things
// ("between 2 and 3 weeks", "between you and me") stays as written.
func blankRangeStarts(text string) string {
	low := strings.ToLower(text)
	if !strings.Contains(low, "between") && !strings.Contains(low, "entre") && !strings.Contains(low, "zwischen") && !strings.Contains(low, "tra ") && !strings.Contains(low, "fra ") && !strings.Contains(low, "tussen") {
		return text
	}
	ms := rangeStart.FindAllStringSubmatchIndex(text, -1)
	if ms == nil {
		return text
	}
	b := []byte(text)
	for _, m := range ms {
		first, end := text[m[2]:m[3]], text[m[6]:]
		_, firstDay := weekdayNames[strings.ToLower(first)]
		_, endDay := weekdayIn(text[m[6]:m[7]])
		day := firstDay && endDay && m[4] < 0
		if !day && first[0] >= '0' && first[0] <= '9' {
			em := rangeEndDay.FindStringSubmatch(end)
			switch {
			case em == nil:
			case m[4] >= 0: // "12 January and 14 January"
				day = monthWords()[strings.ToLower(text[m[4]:m[5]])]
			case em[1] == "": // "the 14th and the 16th", "12. und 14."
				day = true
			default: // "12 et le 14 janvier"
				day = monthWords()[strings.ToLower(em[1])]
			}
		}
		if day {
			for i := m[0]; i < m[6]; i++ {
				b[i] = ' '
			}
		}
	}
	return string(b)
}
