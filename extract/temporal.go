package extract

import (
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/doctales/doctales"
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
var dateTrigger = regexp.MustCompile(`(?i)\b(today|tonight|tomorrow|tmrw|yesterday|(mon|tues|wednes|thurs|fri|satur|sun)day|(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s*\d|\d{1,2}(st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|january|february|march|april|june|july|august|september|october|november|december|noon|midnight|next (week|month|year)|in \d+ (minutes?|hours?|days?|weeks?|months?)|\d+ (days?|weeks?|months?|hours?) ago)\b|\d{1,2}:\d{2}|\b\d{1,2}\s*(am|pm|a\.m\.|p\.m\.)|\b\d{1,2}/\d{1,2}(/\d{2,4})?\b|\b\d{4}-\d{2}-\d{2}\b|\bMay\s+\d`)

// endOfDay finds end-of-business-day expressions, which the date parser does
// not know; endOfWeek and endOfMonth likewise.
var (
	endOfDay   = regexp.MustCompile(`(?i)\b(eod|cob|eob|end of (the )?(business |work(ing)? )?day|close of (the )?business( day)?|end of play)\b`)
	endOfWeek  = regexp.MustCompile(`(?i)\b(eow|end of (the |this )?(work(ing)? |business )?week)\b`)
	endOfMonth = regexp.MustCompile(`(?i)\b(eom|end of (the |this )?month)\b`)
)

// deadlineCueBefore matches a deadline cue just before a date expression,
// deadlineCueAfter one just after it.
var (
	deadlineCueBefore = regexp.MustCompile(`(?i)\b(by|due|before|deadline|no later than|not later than|until|till|til|latest|expires?|expiring|cut-?off|prior to|ahead of|needed|required)\b[^.;!?]{0,24}$`)
	deadlineCueAfter  = regexp.MustCompile(`(?i)^[\s,]{0,3}(deadline|at the latest|latest|cut-?off)\b`)
	deadlineCueStart  = regexp.MustCompile(`(?i)^(by|due|before|until|till|no later than|not later than)\b`)
)

// dateWord is a word that makes a date expression plausible without digits.
var dateWord = regexp.MustCompile(`(?i)\b(today|tonight|tomorrow|yesterday|(mon|tues|wednes|thurs|fri|satur|sun)day|january|february|march|april|june|july|august|september|october|november|december|noon|midnight|week|month|year|ago)\b`)

var leadingPrepositions = regexp.MustCompile(`(?i)^(on|by|before|at|until|till|from|since|due|for)\s+`)

// dateParser is shared; go-dateparser's Parser supports concurrent Search.
var dateParser = sync.OnceValue(func() *dps.Parser { return &dps.Parser{} })

// findDates returns the date expressions of the given sentences resolved
// against ref, with deadline cues marked. At most maxSentences sentences are
// parsed.
func findDates(sentences []span, source string, ref time.Time, maxSentences int) []doctales.DateMention {
	var out []doctales.DateMention
	p := dateParser()
	n := 0
	for _, s := range sentences {
		eod := endOfDay.FindStringIndex(s.text)
		eow := endOfWeek.FindStringIndex(s.text)
		eom := endOfMonth.FindStringIndex(s.text)
		if !dateTrigger.MatchString(s.text) && eod == nil && eow == nil && eom == nil {
			continue
		}
		if n >= maxSentences {
			break
		}
		n++
		var found []doctales.DateMention
		// Parse windows around the triggers rather than the whole
		// sentence: the parser's cost grows with the text it is given.
		for _, w := range triggerWindows(s) {
			found = append(found, searchSentence(p, w, ref)...)
		}
		// End of day/week/month: on the day named nearby, else on ref's.
		if eod != nil {
			day := ref
			for _, d := range found {
				if abs(d.BeginOffset-s.start-eod[1]) < 24 || abs(eod[0]-(d.EndOffset-s.start)) < 24 {
					day = d.Time
				}
			}
			found = dropNear(found, s.start+eod[0], s.start+eod[1])
			found = append(found, mention(s, eod, atHour(day, endOfBusinessHour), "hour", source))
		}
		if eow != nil {
			d := ref
			for d.Weekday() != time.Friday {
				d = d.AddDate(0, 0, 1)
				if d.Weekday() == time.Saturday {
					break
				}
			}
			found = append(found, mention(s, eow, atHour(d, endOfBusinessHour), "day", source))
		}
		if eom != nil {
			d := time.Date(ref.Year(), ref.Month()+1, 0, 0, 0, 0, 0, ref.Location())
			found = append(found, mention(s, eom, atHour(d, endOfBusinessHour), "day", source))
		}
		for i := range found {
			markDeadline(&found[i], s)
			found[i].Source = source
		}
		out = append(out, found...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].BeginOffset < out[j].BeginOffset })
	return out
}

// dateWindowBytes is how far around a trigger the date parser reads.
const dateWindowBytes = 48

// triggerWindows returns the pieces of s around its date triggers, merged
// when they overlap, cut at word boundaries.
func triggerWindows(s span) []span {
	var out []span
	for _, m := range dateTrigger.FindAllStringIndex(s.text, 8) {
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
			out[n-1].end = s.start + e
			out[n-1].text = s.text[out[n-1].start-s.start : e]
			continue
		}
		out = append(out, span{text: s.text[b:e], start: s.start + b, end: s.start + e})
	}
	return out
}

// runeStart moves i back to the start of the rune it falls in.
func runeStart(s string, i int) int {
	for i > 0 && i < len(s) && (s[i]&0xC0) == 0x80 {
		i--
	}
	return i
}

// searchSentence runs the date parser over one sentence.
func searchSentence(p *dps.Parser, s span, ref time.Time) []doctales.DateMention {
	cfg := &dps.Configuration{
		Languages:           []string{"en"},
		CurrentTime:         ref,
		PreferredDateSource: dps.Future,
		ReturnTimeAsPeriod:  true,
		DateOrder:           dps.MDY,
	}
	_, res, err := p.Search(cfg, s.text)
	if err != nil {
		return nil
	}
	var out []doctales.DateMention
	from := 0
	for _, r := range res {
		if r.Date.IsZero() {
			continue
		}
		i := strings.Index(s.text[from:], r.Text)
		if i < 0 {
			continue
		}
		b, e := from+i, from+i+len(r.Text)
		from = e
		// Trim the preposition the parser kept: "before 5pm today".
		if m := leadingPrepositions.FindStringIndex(s.text[b:e]); m != nil && m[1] < e-b {
			b += m[1]
		}
		txt := strings.TrimRightFunc(s.text[b:e], func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
		e = b + len(txt)
		if !plausibleDate(txt) {
			continue
		}
		out = append(out, doctales.DateMention{
			Text:        txt,
			Time:        r.Date.Time,
			Precision:   precision(r.Date.Period),
			BeginOffset: s.start + b,
			EndOffset:   s.start + e,
		})
	}
	return out
}

// plausibleDate rejects the parser's false positives: "We" (Wednesday),
// "may" the verb, bare numbers and phone numbers.
func plausibleDate(t string) bool {
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
		return dateWord.MatchString(t)
	}
	if digits > 8 {
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
func dropNear(ds []doctales.DateMention, b, e int) []doctales.DateMention {
	out := ds[:0]
	for _, d := range ds {
		if d.EndOffset+24 < b || d.BeginOffset > e+24 {
			out = append(out, d)
		}
	}
	return out
}

// markDeadline sets Deadline and Cue when a deadline cue governs d.
func markDeadline(d *doctales.DateMention, s span) {
	if d.Deadline {
		return
	}
	b, e := d.BeginOffset-s.start, d.EndOffset-s.start
	if m := deadlineCueBefore.FindStringSubmatch(s.text[:b]); m != nil {
		d.Deadline, d.Cue = true, strings.ToLower(m[1])
	} else if m := deadlineCueAfter.FindStringSubmatch(s.text[e:]); m != nil {
		d.Deadline, d.Cue = true, strings.ToLower(m[1])
	} else if m := deadlineCueStart.FindStringSubmatch(d.Text); m != nil {
		d.Deadline, d.Cue = true, strings.ToLower(m[1])
	}
	// A deadline given as a day means the end of that business day.
	if d.Deadline && (d.Precision == "day" || d.Precision == "week") {
		d.Time = atHour(d.Time, endOfBusinessHour)
	}
}

// chooseDeadline returns the earliest deadline mention not before ref's
// day, or else the latest past one (an overdue deadline).
func chooseDeadline(ds []doctales.DateMention, ref time.Time) *doctales.DateMention {
	var best, past *doctales.DateMention
	dayStart := time.Date(ref.Year(), ref.Month(), ref.Day(), 0, 0, 0, 0, ref.Location())
	for i := range ds {
		d := &ds[i]
		if !d.Deadline {
			continue
		}
		if !d.Time.Before(dayStart) {
			if best == nil || d.Time.Before(best.Time) {
				best = d
			}
		} else if past == nil || d.Time.After(past.Time) {
			past = d
		}
	}
	if best != nil {
		return best
	}
	return past
}

func atHour(t time.Time, h int) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), h, 0, 0, 0, t.Location())
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
