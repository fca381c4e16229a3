package extract

import (
	"context"
	"math"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract/internal/attnmodel"
	"github.com/doctales/doctales/extract/internal/fastre"
	"github.com/doctales/doctales/internal/invite"
)

// Default limits of the engine.
const (
	// DefaultMaxAnalyzeBytes is how much of the content the costly steps
	// (tagging, entities, key phrases, dates, PII) read: 32 KiB covers the
	// new text of nearly every e-mail and bounds the time per message.
	DefaultMaxAnalyzeBytes = 32 << 10

	// DefaultMaxSentimentBytes is how much of the content sentiment reads.
	// VADER is cheap (about 1 µs a word), so it reads up to 1 MiB rather
	// than the original's 5 KB.
	DefaultMaxSentimentBytes = 1 << 20

	// DefaultActionThreshold is the probability above which a sentence is a
	// request to the reader.
	DefaultActionThreshold = 0.5
)

var _ doctales.Extractor = (*Engine)(nil)

// Engine extracts the dimensions of communications with local models only:
// no network, no model fetched at run time. The models are loaded once per
// process, on first use, and shared.
//
// The zero value is ready to use with the defaults; New sets them
// explicitly. An Engine is safe for concurrent use once its fields are set;
// do not change them while Extract runs.
type Engine struct {
	// Now returns the extraction time, used for ExtractedAt, isRecent and
	// isPast, and as the reference time of a communication without a
	// timestamp. Default time.Now.
	Now func() time.Time

	// MaxAnalyzeBytes bounds the bytes of content the costly steps read.
	// Default DefaultMaxAnalyzeBytes; zero means the default.
	MaxAnalyzeBytes int

	// MaxSentimentBytes bounds the bytes of content sentiment reads.
	// Default DefaultMaxSentimentBytes; zero means the default.
	MaxSentimentBytes int

	// MaxDateSentences bounds how many sentences go to the date parser.
	// Default DefaultMaxDateSentences; zero means the default.
	MaxDateSentences int

	// MaxNERTokens bounds the tokens the prose entity model labels.
	// Default DefaultMaxNERTokens; zero means the default.
	MaxNERTokens int

	// MaxKeyPhrases is how many key phrases to keep. Default
	// DefaultMaxKeyPhrases; zero means the default.
	MaxKeyPhrases int

	// ActionThreshold is the probability above which a sentence requires
	// action. Default DefaultActionThreshold; zero means the default.
	ActionThreshold float64

	// Location is the time zone of the person who reads the mail: "today",
	// "5pm" and business days are of this zone. Nil means the zone of each
	// message's own timestamp (its Date header's offset).
	Location *time.Location

	// Freshness is how old a message may be when it is read (Now minus
	// its timestamp) and still be urgent with nothing due ahead: an old
	// mail imported today is not high. Default DefaultFreshness; a
	// negative value turns the rule off.
	Freshness time.Duration

	// Reader is who reads the mail: display names ("Priya Shah") and
	// addresses. A mailing-list post that names the reader ("Priya -
	// can you confirm by noon tomorrow?") asks the reader, like a
	// person's mail (labelling guide, rule 7); without it, only the
	// recipients' own names are known, and a list's recipient is the list.
	Reader []string

	// AttentionModel turns on the learned attention model
	// (attention.go): it may raise a person's medium message to high,
	// or lower a high one to medium, when its P(high) says so. Default
	// DefaultAttentionModel.
	AttentionModel bool
}

// WithReader sets Engine.Reader.
func WithReader(names ...string) Option { return func(e *Engine) { e.Reader = names } }

// DefaultFreshness is Engine.Freshness by default: three days.
const DefaultFreshness = 72 * time.Hour

// WithFreshness sets Engine.Freshness.
func WithFreshness(d time.Duration) Option { return func(e *Engine) { e.Freshness = d } }

func (e *Engine) freshness() time.Duration {
	switch {
	case e.Freshness < 0:
		return 0
	case e.Freshness == 0:
		return DefaultFreshness
	}
	return e.Freshness
}

// Option sets a field of an Engine built by New.
type Option func(*Engine)

// WithNow sets the clock.
func WithNow(now func() time.Time) Option { return func(e *Engine) { e.Now = now } }

// WithLocation sets Engine.Location, the reader's time zone.
func WithLocation(loc *time.Location) Option { return func(e *Engine) { e.Location = loc } }

// WithMaxAnalyzeBytes sets Engine.MaxAnalyzeBytes.
func WithMaxAnalyzeBytes(n int) Option { return func(e *Engine) { e.MaxAnalyzeBytes = n } }

// New returns an Engine with the defaults, changed by opts.
func New(opts ...Option) *Engine {
	e := &Engine{
		Now:               time.Now,
		MaxAnalyzeBytes:   DefaultMaxAnalyzeBytes,
		MaxSentimentBytes: DefaultMaxSentimentBytes,
		MaxDateSentences:  DefaultMaxDateSentences,
		MaxNERTokens:      DefaultMaxNERTokens,
		MaxKeyPhrases:     DefaultMaxKeyPhrases,
		ActionThreshold:   DefaultActionThreshold,
		AttentionModel:    DefaultAttentionModel,
	}
	for _, o := range opts {
		o(e)
	}
	return e
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func orDefault[T int | float64](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// Extract computes the dimensions of c. It does not keep c. It returns an
// error only for a nil communication (EINVALID) or a done context; any text,
// however odd, gives a result, with "und" and empty fields where nothing
// could be found.
func (e *Engine) Extract(ctx context.Context, c *doctales.Communication) (*doctales.Dimensions, error) {
	d, _, err := e.extract(ctx, c, false)
	return d, err
}

// extract is Extract; with attention it also returns the attention
// model's input for c (attention.go).
func (e *Engine) extract(ctx context.Context, c *doctales.Communication, attention bool) (*doctales.Dimensions, *attnmodel.Input, error) {
	if c == nil {
		return nil, nil, doctales.Errorf(doctales.EINVALID, "Communication is required.")
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	now := e.now()
	ref := c.Timestamp
	if ref.IsZero() {
		ref = now
	}
	if e.Location != nil {
		ref = ref.In(e.Location) // the reader's "today" (issue 14, time)
	}

	// Prepare the texts: valid UTF-8 with unchanged offsets, cut for the
	// costly steps.
	content := sanitize(c.Content)
	subject := sanitize(c.Subject)
	analyzed := cut(content, orDefault(e.MaxAnalyzeBytes, DefaultMaxAnalyzeBytes))
	sentText := cut(content, orDefault(e.MaxSentimentBytes, DefaultMaxSentimentBytes))
	sentReplyFrom := replyStart(sentText)
	all := splitSentencesFrom(sentText, sentReplyFrom)
	var sents, fresh []span // analysed sentences; those not quoted
	for _, s := range all {
		if s.end > len(analyzed) {
			break
		}
		sents = append(sents, s)
		if !s.quoted {
			fresh = append(fresh, s)
		}
	}
	var subj []span
	if t := strings.TrimSpace(stripReplyPrefix(subject)); t != "" {
		b := strings.Index(subject, t)
		subj = []span{{text: t, start: b, end: b + len(t)}}
	}
	// The subject of a reply is the thread's first message's, often the
	// reader's own: "Re: lunch tomorrow?" asks the sender, and "Re:
	// URGENT" is an old alarm. Its requests and urgency words do not
	// count; its dates still do.
	askSubj := subj
	if strings.TrimSpace(stripReplyPrefix(subject)) != strings.TrimSpace(subject) {
		askSubj = nil
	}

	d := &doctales.Dimensions{
		ExtractedAt:   now,
		Language:      "und",
		Entities:      []doctales.Entity{},
		KeyPhrases:    []doctales.KeyPhrase{},
		PII:           []doctales.PIIEntity{},
		Dates:         []doctales.DateMention{},
		AnalyzedBytes: len(analyzed),
		Truncated:     len(analyzed) < len(content),
	}

	// Language of the new text, or of everything when all is quoted.
	var lb strings.Builder
	for _, s := range append(append([]span{}, subj...), pick(fresh, sents)...) {
		if lb.Len() > maxLanguageBytes {
			break
		}
		lb.WriteString(s.text)
		lb.WriteString("\n")
	}
	d.Language, d.LanguageScore = DetectLanguage(lb.String())

	// Sentiment over the whole text, less quoted replies when there is new
	// text.
	senti := all
	if len(fresh) > 0 {
		senti = senti[:0:0]
		for _, s := range all {
			if !s.quoted {
				senti = append(senti, s)
			}
		}
	}
	d.Sentiment, d.SentimentScore = sentimentOf(senti)
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}

	// Dates and the deadline, resolved against the timestamp. Only the
	// subject and the new text can set a deadline.
	maxDates := orDefault(e.MaxDateSentences, DefaultMaxDateSentences)
	dc := dateContext{ref: ref, lang: dateLanguage(d.Language, d.LanguageScore), reader: e.Location}
	if dc.reader == nil {
		dc.reader = now.Location() // the reading time's zone: the reader's clock when none is configured
	}
	subjDates := findDates(subj, doctales.SourceSubject, dc, maxDates)
	freshDates := dropForgottenDays(findDates(fresh, doctales.SourceContent, dc, maxDates), fresh)
	d.Dates = append(append(d.Dates, subjDates...), freshDates...)
	// "Your verification code is 482913. It expires in 10 minutes": a
	// one-time code's life is no task of the reader's, who asked for it
	// a moment ago (blind-61, 2842, was high).
	if oneTimeCode.MatchString(subject) || anyMatch(fresh, oneTimeCode) {
		for i := range d.Dates {
			if d.Dates[i].Deadline && d.Dates[i].Precision != "day" {
				d.Dates[i].Deadline, d.Dates[i].Cue = false, ""
			}
		}
	}
	if dl := chooseDeadline(d.Dates, ref); dl != nil {
		t := dl.Time
		d.Deadline = &t
	}

	// Entities of the headers and the content, then PII.
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	replyFrom := sentReplyFrom
	if len(analyzed) != len(sentText) {
		// Both are prefixes of content: the same text when as long.
		replyFrom = replyStart(analyzed)
	}
	toks := tagged(cut(analyzed[:replyFrom], maxTagBytes))
	d.Entities = findEntities(entityInput{
		text: analyzed, replyFrom: replyFrom, toks: toks,
		sender: sanitize(c.Sender), senderID: sanitize(c.SenderID),
		recips: sanitizeAll(c.Recipients), cc: sanitizeAll(c.Cc),
		dates: freshDates, maxNER: orDefault(e.MaxNERTokens, DefaultMaxNERTokens),
	})
	d.PII = FindPII(analyzed, d.Entities)
	d.KeyPhrases = mailKeyPhrases(subject, analyzed, toks, orDefault(e.MaxKeyPhrases, DefaultMaxKeyPhrases))

	// What kind of message it is: headers first, then content.
	d.Category, d.CategoryReasons = categorize(c, subject, content)

	// The sender's own words to the reader: the new text less disclaimers,
	// legal footers and unsubscribe blocks, which shout "immediately"
	// and "confidential" at nobody in particular.
	// One pass over the analysed text finds the boilerplate; a sentence
	// holding a match is left out.
	own := make([]span, 0, len(fresh))
	lower := lowerASCII(analyzed)
	bp := boilerplate.FindAllStringIndex(lower, -1)
	var legal [][]int // legal footers: the rest of their paragraph is theirs too
	if len(bp) > 0 {
		legal = legalFooter.FindAllStringIndex(lower, -1)
	}
	for _, s := range fresh {
		hit := false
		for _, m := range bp {
			if m[0] < s.end && s.start < m[1] {
				hit = true
				break
			}
		}
		// "… please notify the sender immediately. Urgent matters should
		// be raised by telephone.": the footer's next sentences.
		for _, m := range legal {
			if !hit && m[1] <= s.start && s.start-m[1] < 400 && !paragraphBreak(analyzed[m[1]:s.start]) {
				hit = true
			}
		}
		if !hit {
			own = append(own, s)
		}
	}
	if len(own) < len(fresh) {
		footerDates(d, fresh, own, ref)
	}

	// Requires action: the strongest request among subject and new text.
	var reasons []string
	best := 0.0
	threshold := orDefault(e.ActionThreshold, DefaultActionThreshold)
	asks := make(map[int]bool)     // sentences (by start) that ask or tell the reader something
	requests := make(map[int]bool) // sentences (by start) that ask the reader to act
	cues := cueMemo{}              // the cue patterns of each sentence, read once
	for i, s := range append(append([]span{}, askSubj...), own...) {
		p, why := sentenceActionCues(s.text, d.Language, cues)
		if p > best {
			best = p
		}
		if p >= threshold && why != "" && len(reasons) < 3 {
			reasons = append(reasons, why)
		}
		if i >= len(askSubj) && addressesReader(s.text) {
			asks[s.start] = true
		}
		// "Please ignore the reminder that went out at 8 o'clock": a
		// sentence that says no action is wanted, with no request
		// outside those words, asks for nothing by its time.
		if i >= len(askSubj) && p >= threshold && !noActionOnly(s.text, cues) {
			requests[s.start] = true
		}
	}
	// "Just sharing", "FYI", "no action required" outweigh the model when
	// no sentence carries an explicit request cue.
	var noAction, explicit, systemAsks bool
	ownStart := make(map[int]bool, len(own))
	for _, s := range own {
		ownStart[s.start] = true
	}
	for i, s := range append(append([]span{}, askSubj...), fresh...) {
		sc := cues.of(s.text)
		noAction = noAction || sc.noAction
		// A system's task in another language: "Merci de vérifier d'ici
		// là que votre compte est approvisionné".
		systemAsks = systemAsks || foreignSystemTask.MatchString(s.text)
		// A footer's "please notify the sender" asks nobody: only the
		// subject's and the sender's own words are an explicit request.
		if i >= len(askSubj) && !ownStart[s.start] {
			continue
		}
		if m := sc.request; m != "" && !weakRequest[strings.ToLower(m)] {
			explicit = true
			// A system's "please" asks only with a task after it: "please
			// update your card" asks, "please keep this receipt" and
			// "please contact us if …" do not.
			// A conditional one neither: "If something isn't right, let
			// us know within 7 days" (blind-57, 2685, a delivered parcel).
			systemAsks = systemAsks || (!strings.EqualFold(m, "please") || systemTask.MatchString(s.text)) && !conditionalAsk.MatchString(s.text)
		}
	}
	// "@Marta can you send the W-9 by EOD today? … Kevin - just looping
	// you in. Nothing needed from you.": the asks name someone else, and
	// the reader is told, by name, that nothing is needed of them.
	// The asks may be in another language, which sets no explicit cue:
	// "Carlos, ¿puedes enviar …? Lucía, te pongo en copia …; tú no
	// tienes que hacer nada."
	// "Ellen cc'd for info only", "Frau Reuter in Kopie zur Info": the
	// reader named as copied for information.
	askedElse := false // the asks are someone else's, the reader only copied
	if (noAction || anyMatch(own, ccForInfo)) && (explicit || len(requests) > 0 || d.Deadline != nil) && personal(d.Category) && askedOthers(content, own, requests, cues, e.Reader, d.Dates) {
		askedElse = true
		explicit = false
		requests = map[int]bool{}
		if best > 0.3 {
			best, reasons = 0.3, nil
		}
		// Their dates are the others' deadlines: "Carlos, ¿puedes
		// enviar las muestras antes del miércoles 9 a las 12:00?"
		unmarked := false
		for i := range d.Dates {
			dm := &d.Dates[i]
			if !dm.Deadline || dm.Source != doctales.SourceContent {
				continue
			}
			if v := addressedTo(content, dm.BeginOffset); v != "" && !namesOneOf(v, e.Reader) {
				dm.Deadline, dm.Cue, unmarked = false, "", true
			}
		}
		if unmarked {
			d.Deadline = nil
			if dl := chooseDeadline(d.Dates, ref); dl != nil {
				t := dl.Time
				d.Deadline = &t
			}
		}
	}
	if noAction && !explicit && best > 0.3 {
		best, reasons = 0.3, nil
	}
	d.ActionScore = math.Round(best*1000) / 1000
	d.RequiresAction = best >= orDefault(e.ActionThreshold, DefaultActionThreshold)
	d.ActionReasons = reasons

	// A reply that asks nothing ("Got it, thanks, all sorted") under
	// "Re: URGENT - rate card needed by 3pm": the subject's date is the
	// thread's old alarm, met or not, and no deadline of the reader's.
	if len(askSubj) == 0 && len(subj) > 0 && len(requests) == 0 && !d.RequiresAction {
		unmarkSubjectDeadlines(d, ref)
	}

	// "Please ignore the date I put in the subject line", "Je me suis
	// trompé dans l'objet": the subject's deadline is taken back, and the
	// text's stands (blind-95, 4195 and 4214).
	if anyMatch(own, subjectRetracted) {
		unmarkSubjectDeadlines(d, ref)
	}

	// A date in a sentence that asks the reader to act is when it is
	// wanted, "by" or not: "Could you send me the NDA tomorrow?".
	// An invitation's deadline is the meeting's start (it is medium:
	// it asks for an answer, not for work).
	invitation := invitationSubject.MatchString(subject)
	// An update or a cancellation of an invitation asks nothing (rule 6).
	invitationChange := invitationChanged.MatchString(subject)
	if invitationChange {
		invitation = false
	}
	// The invitation's own calendar part says what it is and when the
	// meeting starts: METHOD:CANCEL is a change; REQUEST (or none) an
	// invitation whose DTSTART is the deadline (rule 6), whatever the
	// body says ("Join the meeting").
	if start, method, allDay, ok := calendarPart(c, ref); ok {
		switch method {
		case invite.MethodCancel:
			invitation, invitationChange = false, true
		case invite.MethodRequest, "":
			if !invitationChange && !start.Before(ref) {
				invitation = true
				prec := "minute"
				if allDay {
					prec, start = "day", atHour(start, endOfBusinessHour)
				}
				d.Dates = append(d.Dates, doctales.DateMention{Text: "DTSTART", Time: start.In(ref.Location()), Precision: prec, Source: doctales.SourceCalendar, Deadline: true, Cue: "invitation"})
				d.Deadline = nil
				if dl := chooseDeadline(d.Dates, ref); dl != nil {
					t := dl.Time
					d.Deadline = &t
				}
			}
		}
	}
	if !invitation && !invitationChange && personal(d.Category) && (meetingProposed(d.Dates, own, ref) || comingAsked(d.Dates, own, ref)) {
		// "Let's meet on Thursday at 10": an invitation in words.
		invitation = true
		if dl := chooseDeadline(d.Dates, ref); dl != nil {
			t := dl.Time
			d.Deadline = &t
		}
	}
	// "When: Wednesday 16 December, 11:00-12:30 / Where: Room Sakura",
	// "Quando: venerdì 18 dicembre, ore 13:00 / Dove: Trattoria …": an
	// invitation laid out as its fields, in the sender's own text.
	if !invitation && !invitationChange && personal(d.Category) && len(own) > 0 {
		if own := analyzed[:min(replyFrom, len(analyzed))]; whenLine.MatchString(own) && whereLine.MatchString(own) {
			invitation = true
		} else if agendaLine.MatchString(own) && timeAhead(d.Dates, ref) {
			// "Agenda", "Pauta:" on a line of its own under a time
			// ahead: a meeting the sender calls (blind-95, 3962;
			// blind-98, 4343).
			invitation = true
		}
	}
	if invitation && invitationStart(d.Dates, ref) {
		if dl := chooseDeadline(d.Dates, ref); dl != nil {
			t := dl.Time
			d.Deadline = &t
		}
	}
	// "Please pay by the due date", "update your card before your
	// renewal date": the date of the labelled line it names.
	// The line gives the time the subject's day left out ("now due Fri
	// Jan 8" over "NEW DUE DATE: Fri Jan 08, 2027 11:59 PM", blind-81,
	// 3646).
	if (d.Deadline == nil || subjectDayOnly(d.Dates, *d.Deadline)) && fieldDeadline(d.Dates, own, content) {
		if dl := chooseDeadline(d.Dates, ref); dl != nil {
			t := dl.Time
			d.Deadline = &t
		}
	}
	// A list post that names the reader asks the reader: the dates of
	// the paragraphs that name them ("Justin, on a related note …" under
	// "give these folks until the end of the day" asks Justin nothing
	// by then).
	named, nameRe := false, (*regexp.Regexp)(nil)
	if d.Category == doctales.CategoryList {
		named, nameRe = e.namesReader(c, own)
	}
	// A system that asks in so many words points back too: "We'll try
	// again on December 11. Please update your payment method before then."
	// "If the renewal is not paid by then, the van will not be insured"
	// asks as plainly.
	if !systemAsks && d.Category == doctales.CategoryAutomated {
		for _, s := range own {
			if unlessDone.MatchString(s.text) {
				systemAsks = true
				break
			}
		}
	}
	// "Please pay the remaining balance within 7 days of this email":
	// a system's task with its limit in the same sentence (blind-117,
	// 5082) dates the ask like a person's.
	systemThen := d.Category == doctales.CategoryAutomated && systemAsks && d.Deadline == nil && (thenDeadline(d.Dates, own, requests, ref) || requestDates(d.Dates, own, requests, ref))
	if systemThen || (personal(d.Category) || named) && (requestDates(d.Dates, own, requests, ref) || thenDeadline(d.Dates, own, requests, ref) || eventDeadline(d.Dates, own, requests, ref)) {
		if dl := chooseDeadline(d.Dates, ref); dl != nil {
			t := dl.Time
			d.Deadline = &t
		}
	}
	// "The portal stops accepting filings at 5pm today, and I still
	// don't have your signature"; "before the 6:30 slot".
	// A system that asks in so many words ("awaiting your approval")
	// states its cut-off too: "Approvals close at 11:00 tomorrow".
	systemCutoff := d.Category == doctales.CategoryAutomated && systemAsks && d.Deadline == nil && cutoffDates(d.Dates, own, true, ref)
	if systemCutoff || personal(d.Category) && (cutoffDates(d.Dates, own, len(requests) > 0, ref) || clockAnaphora(d.Dates, own, requests, ref)) {
		if dl := chooseDeadline(d.Dates, ref); dl != nil {
			t := dl.Time
			d.Deadline = &t
		}
	}
	if d.Deadline != nil && eventStartNext(d.Dates, own, content) {
		if dl := chooseDeadline(d.Dates, ref); dl != nil {
			t := dl.Time
			d.Deadline = &t
		}
	}
	if named && nameRe != nil {
		for i := range d.Dates {
			if dm := &d.Dates[i]; dm.Deadline && (dm.Source != doctales.SourceContent || !nameRe.MatchString(paragraphAt(content, dm.BeginOffset))) {
				dm.Deadline = false
			}
		}
		d.Deadline = nil
		if dl := chooseDeadline(d.Dates, ref); dl != nil {
			t := dl.Time
			d.Deadline = &t
		} else {
			named = false // it names the reader, but asks them nothing by a date
		}
	}

	// Urgency from the deadline, the request and urgency words. A word
	// counts in the subject or in a sentence of the sender's own that asks
	// or tells the reader something: not in quoted text, a signature, a
	// disclaimer or an aside ("I'm testing it right now").
	in := UrgencyInput{Ref: ref, Deadline: d.Deadline, Request: d.RequiresAction, PriorityHeader: priorityHeader(c), Category: d.Category,
		Freshness: e.freshness(), Invitation: invitation, NamesReader: named, NoRush: anyMatch(own, noRush), InvitationChange: invitationChange}
	if d.Category == doctales.CategoryAutomated && !systemAsks && !relayedAsk.MatchString(subject) && !anyMatch(own, relayedAsk) {
		// A system's question ("Not at home?") or the model's hunch is
		// no request: a system asks in so many words ("please update",
		// "action required") when it wants something done.
		in.Request = false
	}
	if now.After(ref) && c.Metadata.Notify != doctales.NotifyAlways {
		// (An import with --notify asks for old mail to be judged by
		// its words, as if it came now.)
		in.Age = now.Sub(ref)
	}
	if dl := chooseDeadline(d.Dates, ref); dl != nil {
		src := dl.Source
		if src == "" {
			src = doctales.SourceContent
		}
		in.DeadlineEvidence = &doctales.Evidence{Rule: "deadline", Text: dl.Text, Source: src, Start: dl.BeginOffset, End: dl.EndOffset}
		in.DeadlineAsRequest = dl.Cue == "request"
	}
	for i, s := range append(append([]span{}, askSubj...), own...) {
		source := doctales.SourceContent
		if i < len(askSubj) {
			source = doctales.SourceSubject
		} else if !asks[s.start] {
			continue
		}
		if cues.of(s.text).noAction {
			continue
		}
		// "If you did not make this change, call us right away": a hurry
		// only if something happened that the message does not say did.
		if in.Cue == "" && !conditionalAsk.MatchString(s.text) {
			m := urgencyCue.FindStringIndex(s.text)
			if m != nil && (notReadersHurry(s.text[:m[0]]) || source == doctales.SourceContent && inQuotes(analyzed, s.start+m[0])) {
				m = nil // the sender's own pace, an ad's, or someone's words quoted
			}
			if m == nil && source == doctales.SourceContent && (requests[s.start] || directAsk.MatchString(s.text)) {
				m = nowCue.FindStringIndex(s.text) // "I need you on the bridge now"
			}
			if m != nil {
				in.Cue = strings.ToLower(s.text[m[0]:m[1]])
				in.CueEvidence = &doctales.Evidence{Rule: "urgent word", Text: s.text[m[0]:m[1]], Source: source, Start: s.start + m[0], End: s.start + m[1]}
			}
		}
		if in.SoftCue == "" {
			in.SoftCue = strings.ToLower(softUrgencyCue.FindString(s.text))
		}
	}
	// "They'll be on site in an hour", "before I board at 4": a request
	// beside something that happens within hours cannot wait (labelling
	// guide, rule 5), whether or not the sender says "urgent".
	if in.Cue == "" && len(requests) > 0 && personal(d.Category) {
		for _, s := range own {
			if m := imminentCue.FindStringIndex(s.text); m != nil && !inQuotes(analyzed, s.start+m[0]) && !conditionalAsk.MatchString(s.text) {
				in.Cue = strings.ToLower(s.text[m[0]:m[1]])
				in.CueEvidence = &doctales.Evidence{Rule: "within hours", Text: s.text[m[0]:m[1]], Source: doctales.SourceContent, Start: s.start + m[0], End: s.start + m[1]}
				break
			}
		}
	}
	// "La ceremonia empieza a las 12:30 … ¿Puedes traérmelo?", "Wir
	// müssen um 15 Uhr hier fertig sein. Kannst du …": a request beside
	// an hour later today, within a few hours of the message, cannot
	// wait for tomorrow (labelling guide, rule 5), whether or not the
	// hour is the deadline. Not for an invitation (rule 6), whose hour
	// is the meeting's.
	if in.Cue == "" && len(requests) > 0 && personal(d.Category) && !invitation {
		if ev := hourAheadToday(d.Dates, own, analyzed, ref); ev != nil {
			in.Cue = strings.ToLower(ev.Text)
			in.CueEvidence = ev
			if d.Deadline == nil {
				for i := range d.Dates {
					if d.Dates[i].BeginOffset == ev.Start && d.Dates[i].Source == doctales.SourceContent {
						d.Dates[i].Deadline, d.Dates[i].Cue = true, "request"
						t := d.Dates[i].Time
						d.Deadline, in.Deadline = &t, &t
						in.DeadlineEvidence = &doctales.Evidence{Rule: "deadline", Text: ev.Text, Source: ev.Source, Start: ev.Start, End: ev.End}
						break
					}
				}
			}
		}
	}
	// "The client is in reception", "the site is down and customers are
	// calling": a situation that cannot wait asks the reader to act now,
	// in so many words or not (labelling guide, rule 5).
	if in.Cue == "" && personal(d.Category) && !askedElse {
		for i, s := range append(append([]span{}, askSubj...), own...) {
			source := doctales.SourceContent
			if i < len(askSubj) {
				source = doctales.SourceSubject
			}
			m := situationNow.FindStringIndex(unwrapLines(s.text)) // same length: offsets hold
			if m == nil || source == doctales.SourceContent && inQuotes(analyzed, s.start+m[0]) || conditionalAsk.MatchString(s.text) || scheduledAfter.MatchString(s.text[m[1]:]) {
				continue
			}
			in.Cue = strings.ToLower(s.text[m[0]:m[1]])
			in.CueEvidence = &doctales.Evidence{Rule: "happening now", Text: s.text[m[0]:m[1]], Source: source, Start: s.start + m[0], End: s.start + m[1]}
			in.Request = true
			break
		}
	}
	// "Both are in your locked cabinet and I don't have a key. She has to
	// leave at 11", "Du bist die Einzige, die das Modul gehalten hat …
	// morgen um 9": only the reader can, and a time within a day says
	// by when, told without a question (labelling guide, rule 5). The
	// time is the deadline.
	if in.Cue == "" && personal(d.Category) && !askedElse && !invitation {
		if ev := readerOnlyBefore(d, own, analyzed, ref); ev != nil {
			in.Cue = strings.ToLower(ev.Text)
			in.CueEvidence = ev
			in.Request = true
		}
	}
	// "Can you get down here?", "Can you come over?", "Può venire ad
	// aprire?": a person asking the reader to come, on no day and not
	// "when you can", means now (labelling guide, rule 5).
	if in.Cue == "" && personal(d.Category) && !askedElse && d.Deadline == nil && !invitation {
		for _, s := range own {
			m := comeNow.FindStringIndex(s.text)
			if m == nil || !requests[s.start] || softAsk.MatchString(s.text) || conditionalAsk.MatchString(s.text) || inQuotes(analyzed, s.start+m[0]) || datedIn(d.Dates, s) {
				continue
			}
			in.Cue = strings.ToLower(s.text[m[0]:m[1]])
			in.CueEvidence = &doctales.Evidence{Rule: "happening now", Text: s.text[m[0]:m[1]], Source: doctales.SourceContent, Start: s.start + m[0], End: s.start + m[1]}
			in.Request = true
			break
		}
	}
	subjectCue := func(re *fastre.Regexp, rule string) *doctales.Evidence {
		if m := re.FindStringIndex(subject); m != nil {
			return &doctales.Evidence{Rule: rule, Text: subject[m[0]:m[1]], Source: doctales.SourceSubject, Start: m[0], End: m[1]}
		}
		return nil
	}
	in.Resolved = subjectCue(resolvedCue, "resolved")
	if in.Resolved == nil {
		in.Incident = subjectCue(incidentCue, "incident")
		if in.Incident == nil {
			in.Incident = subjectCue(monitorTag, "incident") // "[DOWN] shop.example - checkout"
		}
		if in.Incident == nil {
			in.Incident = subjectCue(liveAlarm, "incident")
		}
		// A monitoring page sent to the reader as the one on duty for
		// it, whose fault is still active: "Status: ACTIVE - not
		// cleared … You are receiving this as the Duty Stage Manager",
		// "ALERTA ACTIVA … Usted figura como mantenedor responsable"
		// (blind-88 and 90: 3989, 4005, 4010 were low).
		if in.Incident == nil && d.Category == doctales.CategoryAutomated {
			if own := analyzed[:min(replyFrom, len(analyzed))]; dutyRole.MatchString(own) {
				if m := activeFault.FindStringIndex(own); m != nil {
					in.Incident = &doctales.Evidence{Rule: "incident", Text: own[m[0]:m[1]], Source: doctales.SourceContent, Start: m[0], End: m[1]}
				}
			}
		}
		in.Trouble = subjectCue(troubleCue, "trouble")
		// The reader's own organisation locking the reader out is a
		// security page to act on now (labelling guide: "a security
		// alert on the reader's own account"); from anywhere else the
		// same words are what phishing says, and suspicion judges them.
		if in.Incident == nil && d.Category == doctales.CategoryAutomated && (ownOrganisation(c) || ownService(c)) {
			in.Incident = subjectCue(lockedOut, "incident")
		}
		// A bank or payment service telling the reader that money is
		// being moved from their account and to stop it if it was not
		// them ("è stato predisposto un bonifico … Se non sei stato tu,
		// blocca subito l'operazione"): a security alert on the
		// reader's own account to act on now (labelling guide). A
		// sign-in notice without money moving stays medium.
		if in.Incident == nil && d.Category == doctales.CategoryAutomated && anyMatch(own, notYou) {
			for _, s := range own {
				if m := moneyMoving.FindStringIndex(s.text); m != nil {
					in.Incident = &doctales.Evidence{Rule: "incident", Text: s.text[m[0]:m[1]], Source: doctales.SourceContent, Start: s.start + m[0], End: s.start + m[1]}
					break
				}
			}
		}
		// A bank freezing the reader's card now, until the reader
		// confirms a payment in its app ("We've frozen your debit card
		// ending 4417", "we have placed a temporary hold on this card"):
		// a security alert on the reader's own account (blind-68, 3085;
		// blind-117, 5075). Without a link: phishing's version sends
		// the reader to a page, which suspicion judges.
		if in.Incident == nil && d.Category == doctales.CategoryAutomated && !anyMatch(own, webLink) {
			for _, s := range own {
				if m := cardFrozen.FindStringIndex(s.text); m != nil {
					in.Incident = &doctales.Evidence{Rule: "incident", Text: s.text[m[0]:m[1]], Source: doctales.SourceContent, Start: s.start + m[0], End: s.start + m[1]}
					break
				}
			}
		}
	}
	if d.Category == doctales.CategoryAutomated && in.Incident != nil {
		// An outage page is high because it is happening now; its
		// times ("on call until Monday 09:00", "started 03:12") are
		// facts, not a deadline (labelling guide).
		d.Deadline, in.Deadline, in.DeadlineEvidence = nil, nil, nil
		for i := range d.Dates {
			d.Dates[i].Deadline = false
		}
	}
	if d.Category != doctales.CategoryList { // a list's Reply-To is the list
		d.Suspicious, _ = suspicion(c, subject, own, in.Cue != "" || in.Deadline != nil)
	}
	if d.Suspicious != "" {
		d.Category = doctales.CategorySuspicious
		_, ev := suspicion(c, subject, own, true)
		d.CategoryReasons = ev
		in.Suspicious = d.Suspicious
		in.Category = d.Category
	}
	// Marketing, automatic replies and fraud set no deadline for the
	// reader: "offer ends tonight", "back on Monday" and "within 24
	// hours or your account closes" are the sender's, not the reader's.
	// A list post's date is everyone's ("comments by 18 December"), not
	// the reader's, unless the post names the reader (labelling guide).
	listForAll := d.Category == doctales.CategoryList && !named
	switch {
	case personal(d.Category) && !explicit && !d.RequiresAction && anyMatch(own, fyiOnly):
		// "FYI, no action needed from you": its dates are facts, the
		// forwarded subject's "due Nov 30" someone else's.
		d.Deadline, in.Deadline, in.DeadlineEvidence = nil, nil, nil
		for i := range d.Dates {
			d.Dates[i].Deadline = false
		}
	case d.Category == doctales.CategoryAutomated && !systemAsks && in.Incident == nil && (anyMatch(own, fyiOnly) && !fyiLabelsOneLine(own) || saysNoAction(own)):
		// "Your request has been approved. Access will be active within
		// 2 hours. No further action is needed from you.", "Aucune action
		// n'est requise de votre part" (blind-99, 4376): a system's times
		// are when it acts, nothing the reader owes.
		d.Deadline, in.Deadline, in.DeadlineEvidence = nil, nil, nil
		for i := range d.Dates {
			d.Dates[i].Deadline = false
		}
	case d.Category == doctales.CategoryAutomated && in.Incident == nil && anyMatch(own, paymentDone) && !anyMatch(own, paymentFailed):
		// "Seu pagamento foi realizado com sucesso. … Vencimento:
		// 10/12/2026": a receipt's due date was met by the payment it
		// confirms (blind-47, 2303, was medium).
		d.Deadline, in.Deadline, in.DeadlineEvidence = nil, nil, nil
		for i := range d.Dates {
			d.Dates[i].Deadline = false
		}
	case isBounce(d.CategoryReasons):
		// A bounce returns the reader's own words: its dates are the
		// reader's asks of someone else, so it is low (labelling guide,
		// settled cases).
		in.Request, in.Cue, in.CueEvidence, in.Trouble = false, "", nil, nil
		d.Deadline, in.Deadline, in.DeadlineEvidence = nil, nil, nil
		for i := range d.Dates {
			d.Dates[i].Deadline = false
		}
	case d.Category == doctales.CategoryBulk, d.Category == doctales.CategoryAutoReply, d.Category == doctales.CategorySuspicious, listForAll:
		d.Deadline, in.Deadline, in.DeadlineEvidence = nil, nil, nil
		for i := range d.Dates {
			d.Dates[i].Deadline = false
		}
	}
	d.Urgency, d.UrgencyScore, d.UrgencyReasons, d.UrgencyEvidence = UrgencyWithEvidence(in)

	// The learned attention model, on a person's mail (attention.go).
	var ai *attnmodel.Input
	if attention || e.AttentionModel && attnmodel.Applies(d.Category) && d.Urgency != doctales.UrgencyLow {
		ai = attentionInput(d, in, askSubj, own)
		if e.AttentionModel {
			applyAttention(d, ai)
		}
	}

	// The original system's four dimensions, from the signals above.
	fourDimensions(dimInput{c: c, content: content, now: now, ref: ref, d: d, cue: in.Cue})
	return d, ai, nil
}

// calendarPart returns the start and method of the mail's invitation part
// as the parsers left them in Fields (calendarStart, calendarMethod,
// calendarAllDay); ok is false when there is none or it does not read.
func calendarPart(c *doctales.Communication, ref time.Time) (start time.Time, method string, allDay, ok bool) {
	s, _ := c.Fields["calendarStart"].(string)
	if s == "" {
		return time.Time{}, "", false, false
	}
	start, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, "", false, false
	}
	method, _ = c.Fields["calendarMethod"].(string)
	allDay, _ = c.Fields["calendarAllDay"].(bool)
	return start, strings.ToUpper(method), allDay, true
}

// lockedOut matches a subject saying the reader's account is locked or
// disabled, or their device infected: a security page when the reader's
// own organisation sends it.
var lockedOut = fastre.MustCompile(`(?i)\b(account|sign-?in|login|password) (has been |was |is )?(locked|disabled|blocked|suspended)\b|\blocked out\b|\bsecurity (alert|incident)\b|\b(active )?malware\b|\binfect(ed|ion)\b|\b(device|laptop|computer) (is |was |has been )?compromised\b`)

// readerOnly is the sender saying only the reader has or can do what is
// needed, in the seven languages: "you're the only one who", "it's in
// your locked cabinet", "los registros los tienes tú", "le seul badge,
// c'est toi qui l'as", "du bist die Einzige", "sei l'unica che",
// "jij bent de enige".
var readerOnly = lazyRE(`(?i)\b(?:you(?:'re| are) the only (?:one|person) (?:who|with|that)|only you (?:have|can|know)|you(?:'ve| have) (?:got )?the only (?:key|copy|badge|code|set|fob)|(?:is|are) (?:still )?(?:in|on) (?:[\p{L} ]{1,30} (?:in|on) )?your (?:locked )?(?:cabinet|drawer|desk|office|car|van|safe|locker|folder|bag)|(?:los|las|la|lo) tienes tú|solo (?:tú|usted) (?:tienes|tiene|puedes|puede|sabes)|eres (?:la|el) únic[oa] que|tienes (?:la|el) únic[oa]|c'est (?:toi|vous) qui (?:l'as|les as|l'avez|les avez)|(?:tu es|vous êtes) (?:la|le) seule? (?:à|qui)|(?:toi|vous) seule? (?:as|avez|peux|pouvez)|(?:du bist|sie sind) (?:die|der) einzige|nur (?:du|sie) (?:hast|haben|kannst|können|weißt|wissen)|(?:hast du|haben sie) den einzigen|(?:ce l'hai|li hai|le hai) (?:solo )?tu|solo (?:tu|lei) (?:hai|ha|puoi|può|sai|sa)\b|sei l'unic[oa] (?:che|a)|(?:só|somente) (?:você|tu) (?:tem|tens|pode|podes|sabe|sabes)|(?:você é|tu és) (?:a|o) únic[oa]|(?:alleen jij|alleen u) (?:hebt|heeft|kunt|kan|weet)|(?:jij bent|u bent) de enige|(?:heb jij|hebt u) de enige)`)

// lacking is the sender's side of readerOnly: something missing, someone
// unable or ill, what cannot happen without it.
var lacking = lazyRE(`(?i)\b(?:i don['’]t have|we don['’]t have|no key|can['’]t|cannot|can not|without (?:it|them|the)|never made it|missing|is ill|is sick|off sick|(?:i|we|he|she|they) needs? (?:it|them|the)|no puede|no podemos|sin (?:ellos|ella|él|los|las|la|el)|pide|ne (?:peut|peux|pouvons) pas|sans (?:le|la|les|lui|eux)|il manque|kann nicht|können nicht|ohne (?:den|die|das)|krank|fällt [^.!?]{0,40}aus|fehlt|non (?:può|possiamo|posso)|senza|manca|não (?:pode|podemos|consigo)|sem (?:o|a|os|as)|falta|kan niet|kunnen niet|zonder|ziek|ontbreekt)`)

// thanks is a sentence of thanks, whose "only you" is praise.
var thanks = lazyRE(`(?i)\b(?:thank|thanks|gracias|merci|danke|grazie|obrigad|bedankt)`)

// readerOnlyBefore returns the evidence of readerOnly in the sender's
// own words when a time of day within a day of ref is named there too,
// and marks the first such time as the deadline when d has none; nil
// otherwise.
func readerOnlyBefore(d *doctales.Dimensions, own []span, analyzed string, ref time.Time) *doctales.Evidence {
	// The time of day first: it is a walk over the dates, and most
	// messages name none within a day, when the patterns below, run on
	// every sentence, decide nothing.
	first := -1
	for i, dm := range d.Dates {
		if dm.Source != doctales.SourceContent || dm.Precision != "minute" && dm.Precision != "hour" || !dm.Time.After(ref) || dm.Time.Sub(ref) > 24*time.Hour || inQuotes(analyzed, dm.BeginOffset) {
			continue
		}
		if first < 0 || dm.Time.Before(d.Dates[first].Time) {
			first = i
		}
	}
	if first < 0 {
		return nil
	}
	var ev *doctales.Evidence
	needed := false
	for _, s := range own {
		needed = needed || lacking.MatchString(s.text)
	}
	if !needed {
		return nil // "the spare key is in your desk if you need it"
	}
	for _, s := range own {
		if m := readerOnly.FindStringIndex(unwrapLines(s.text)); m != nil && !conditionalAsk.MatchString(s.text) && !thanks.MatchString(s.text) && !inQuotes(analyzed, s.start+m[0]) {
			ev = &doctales.Evidence{Rule: "only the reader can", Text: s.text[m[0]:m[1]], Source: doctales.SourceContent, Start: s.start + m[0], End: s.start + m[1]}
			break
		}
	}
	if ev == nil {
		return nil
	}
	if d.Deadline == nil || d.Deadline.Before(ref) {
		d.Dates[first].Deadline, d.Dates[first].Cue = true, "only the reader can"
		t := d.Dates[first].Time
		d.Deadline = &t
	}
	return ev
}

// comeNow is an ask to come to where the sender is, in the seven
// languages: "can you get down here", "can you come over", "può venire
// ad aprire", "¿puedes venir?", "kannst du vorbeikommen", "kun je even
// langskomen".
var comeNow = fastre.MustCompile(`(?i)\b(?:(?:can|could) you (?:please )?(?:come|get|pop|run|drive|nip|head) (?:down|over|round|around|up|back)(?: here)?\b|(?:can|could) you come (?:here|and (?:open|unlock|help|let))\b|pu[òo] venire\b|puoi venire\b|potresti venire\b|potrebbe venire\b|vieni (?:qui|subito)\b|puedes venir\b|podr[íi]as venir\b|puede venir\b|podr[íi]a venir\b|tu peux venir\b|vous pouvez venir\b|pourriez-vous venir\b|peux-tu venir\b|pourrais-tu venir\b|kannst du (?:mal |bitte |schnell )?(?:her|vorbei|r[üu]ber)kommen\b|k[öo]nnen sie (?:mal |bitte |schnell )?(?:her|vorbei|r[üu]ber)kommen\b|(?:pode|podes|consegue|consegues) vir\b|kun (?:je|jij) (?:even |snel )?(?:hierheen |langs)?komen\b|kunt u (?:even |snel )?(?:hierheen |langs)?komen\b)`)

// softAsk is what makes an ask wait for the reader's convenience: "when
// you have a minute", "no rush".
var softAsk = lazyRE(`(?i)\b(?:when you (?:have|get|can)|whenever|sometime|some time|next week|no rush|if you have time|at some point|cuando puedas|quand tu (?:peux|pourras|auras)|wenn du (?:zeit|kannst)|quando puoi|quando puder|als je tijd)\b`)

// datedIn reports whether a date of the content stands in sentence s.
func datedIn(ds []doctales.DateMention, s span) bool {
	for _, d := range ds {
		if d.Source == doctales.SourceContent && d.BeginOffset >= s.start && d.BeginOffset < s.end {
			return true
		}
	}
	return false
}

// cardFrozen is a bank telling the reader it has frozen, blocked or
// put a hold on the reader's card: done, not threatened ("after that
// your card is suspended" is a policy's clock, blind-62, 2877).
var cardFrozen = lazyRE(`(?i)\b(?:frozen|froze|blocked|suspended|locked|paused)\s+(?:your\s+)?(?:debit\s+|credit\s+|visa\s+|bank\s+)*card\b|\b(?:placed|put)\s+a\s+(?:temporary\s+)?(?:hold|block|freeze)\s+on\s+(?:this|your)\s+(?:debit\s+|credit\s+)?card\b|\byour\s+(?:debit\s+|credit\s+)?card\s+(?:ending\s+(?:in\s+)?\d{4}\s+)?(?:has\s+been|was)\s+(?:frozen|blocked|suspended|locked|put\s+on\s+hold)\b`)

// webLink is a web address in the text.
var webLink = lazyRE(`(?i)\bhttps?://|\bwww\.`)

// notYou is a system's "if this was not you" (en, es, fr, de, pt, it, nl).
var notYou = fastre.MustCompile(`(?i)\b(?:if (?:this|it) (?:wasn['’]t|was not|isn['’]t|is not) you|if you did(?:n['’]t| not) (?:make|authori[sz]e|request|do|set)|si no (?:has|ha) sido (?:tú|tu|usted)|si no fuiste (?:tú|tu)|si (?:ce n['’]était|ce n['’]est) pas vous|si vous n['’]êtes pas à l['’]origine|wenn (?:sie|du) (?:das|dies) nicht (?:waren|warst)|falls (?:sie|du) (?:das|dies) nicht (?:waren|warst)|se n[ãa]o (?:foi|fo[ir]) (?:você|voce|tu)|se non (?:sei stato|sei stata|è stato|e stato|è stata) (?:tu|lei)|als (?:u|jij|je) dit niet (?:was|bent|deed))`)

// moneyMoving is money leaving the reader's account, set up or under way:
// "a transfer of $1,850.00 was set up", "è stato predisposto un bonifico",
// "se ha programado una transferencia", "un virement … a été initié".
var moneyMoving = fastre.MustCompile(`(?i)\b(?:(?:transfer|payment|wire|withdrawal)s? (?:of [^!?\n]{1,24}? )?(?:was|has been|is being|is) (?:set up|initiated|scheduled|made|requested|sent|started)|(?:predisposto|disposto|avviato|richiesto|effettuato) (?:un|il) (?:bonifico|pagamento|prelievo)|(?:bonifico|pagamento|prelievo) (?:di [^!?\n]{1,24}? )?(?:è stato|e stato|è in corso) |(?:programado|iniciado|solicitado|realizado) una (?:transferencia|retirada|orden de pago)|(?:virement|paiement|retrait) (?:de [^!?\n]{1,24}? )?(?:a été|est) (?:initié|programmé|effectué|demandé|en cours)|(?:abbuchung|zahlung) (?:über [^!?\n]{1,24}? )?(?:wurde|wird) (?:veranlasst|ausgeführt|angelegt|beauftragt|eingeleitet)|\s[üÜu]berweisung (?:über [^!?\n]{1,24}? )?(?:wurde|wird) (?:veranlasst|ausgeführt|angelegt|beauftragt|eingeleitet)|(?:transferência|pagamento|levantamento) (?:de [^!?\n]{1,24}? )?(?:foi|está a ser|está sendo) (?:agendad[oa]|iniciad[oa]|feit[oa]|solicitad[oa]|realizad[oa])|(?:overboeking|betaling|opname) (?:van [^!?\n]{1,24}? )?(?:is|wordt) (?:klaargezet|gestart|aangevraagd|uitgevoerd|ingepland))`)

// ownOrganisation reports whether the sender's registrable domain is a
// recipient's: a system of the reader's own organisation.
func ownOrganisation(c *doctales.Communication) bool {
	return sameOrganisation(c)
}

// ownService reports whether an automated message comes from the service
// it names and sends the reader only to that service: the display name
// carries the sender's domain name ("Ledgerline Security"
// <security@ledgerline.com>) and every link goes to that domain, at
// least one. A service the reader uses locking their account then is a
// security page; a lookalike fails one of the three.
func ownService(c *doctales.Communication) bool {
	from := registrable(domainOf(c.SenderID))
	label, _, _ := strings.Cut(from, ".")
	if len(label) < 4 || !strings.Contains(strings.ToLower(strings.ReplaceAll(c.Sender, " ", "")), label) {
		return false
	}
	hosts := urlHost.FindAllStringSubmatch(c.Content, 16)
	if len(hosts) == 0 {
		return false
	}
	for _, h := range hosts {
		if registrable(strings.ToLower(h[1])) != from {
			return false
		}
	}
	return true
}

// oneTimeCode is a one-time code's notice, in the languages the engine
// reads: "your verification code is", "código de verificación", "code de
// sécurité", "Bestätigungscode", "codice OTP", "verificatiecode".
var oneTimeCode = fastre.MustCompile(`(?i)\b(?:(?:verification|security|one[- ]time|login|sign[- ]in|confirmation|authentication|access|2fa|otp)\s+(?:code|pin|passcode)|your (?:code|passcode|otp) is|c[óo]digo (?:de )?(?:verificaci[óo]n|seguridad|acceso|verifica[çc][ãa]o|seguran[çc]a|confirma[çc][ãa]o|confirmaci[óo]n)|code (?:de )?(?:v[ée]rification|s[ée]curit[ée]|confirmation|connexion)|(?:best[äa]tigungs|sicherheits|verifizierungs|anmelde)code|codice (?:di )?(?:verifica|sicurezza|accesso|conferma)|codice otp|(?:verificatie|beveiligings|inlog)code)\b`)

// sameOrganisation reports whether the sender's registrable domain is a
// recipient's.
func sameOrganisation(c *doctales.Communication) bool {
	from := registrable(domainOf(c.SenderID))
	if from == "" {
		return false
	}
	for _, r := range c.Recipients {
		if a, err := mail.ParseAddress(r); err == nil {
			r = a.Address
		}
		if registrable(domainOf(r)) == from {
			return true
		}
	}
	return false
}

// unmarkSubjectDeadlines takes back the deadlines the subject gave and
// chooses the deadline again from what is left.
func unmarkSubjectDeadlines(d *doctales.Dimensions, ref time.Time) {
	unmarked := false
	for i := range d.Dates {
		if dm := &d.Dates[i]; dm.Deadline && dm.Source == doctales.SourceSubject {
			dm.Deadline, unmarked = false, true
		}
	}
	if !unmarked {
		return
	}
	d.Deadline = nil
	if dl := chooseDeadline(d.Dates, ref); dl != nil {
		t := dl.Time
		d.Deadline = &t
	}
}

// subjectDayOnly reports whether the deadline dl is a day without a time
// that only the subject gives.
func subjectDayOnly(ds []doctales.DateMention, dl time.Time) bool {
	found := false
	for _, d := range ds {
		if !d.Deadline || !d.Time.Equal(dl) {
			continue
		}
		if d.Source != doctales.SourceSubject || d.Precision != "day" {
			return false
		}
		found = true
	}
	return found
}

// namesReader reports whether the sender's own words name the reader: a
// recipient by the first word of their display name ("Tobias, could you
// …"), or Engine.Reader by a name or its first word; or whether a reader's
// address is itself among the recipients.
//
// It returns the pattern of the name it found (nil for an address).
func (e *Engine) namesReader(c *doctales.Communication, own []span) (bool, *regexp.Regexp) {
	var names []string
	for _, r := range append(append([]string{}, c.Recipients...), c.Cc...) {
		name := r
		if a, err := mail.ParseAddress(r); err == nil {
			for _, who := range e.Reader {
				if strings.EqualFold(strings.TrimSpace(who), a.Address) && !isListAddress(c, a.Address) {
					return true, nil
				}
			}
			name = a.Name
			if name == "" { // "mia.okafor@…": the local part's first word
				local, _, _ := strings.Cut(a.Address, "@")
				parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' })
				if len(parts) < 2 {
					continue // "geojson-ext@lists…", "team@…": no person's name
				}
				name = parts[0]
			}
		} else if i := strings.IndexByte(r, '<'); i > 0 {
			name = r[:i]
		} else {
			continue
		}
		names = append(names, name)
	}
	// The display names the mail parser kept ("Cc: Tomasz Wróbel
	// <twrobel@…>" leaves only the address in Cc).
	names = append(names, contactNames(c, "to")...)
	names = append(names, contactNames(c, "cc")...)
	for _, who := range e.Reader {
		if !strings.Contains(who, "@") {
			names = append(names, who)
		}
	}
	for _, name := range names {
		first := strings.Trim(strings.Fields(name + " x")[0], `"',`)
		if len([]rune(first)) < 3 {
			continue
		}
		re, err := regexp.Compile(`(?i)\b` + regexp.QuoteMeta(first) + `\b`)
		if err != nil {
			continue
		}
		if anyMatch(own, re) {
			return true, re
		}
	}
	return false, nil
}

// whenLine and whereLine are the "When:" and "Where:" lines of an
// invitation written out by a person, in the languages the engine reads.
var (
	whenLine  = lazyRE(`(?im)^[ \t*]*(?:when|date and time|wann|quand|cu[áa]ndo|quando|wanneer|datum en tijd)[ \t]*:[ \t]*\S`)
	whereLine = lazyRE(`(?im)^[ \t*]*(?:where|location|venue|wo|ort|o[ùu]|lieu|d[óo]nde|lugar|dove|luogo|onde|local|waar|locatie|plaats)[ \t]*:[ \t]*\S`)
	// agendaLine is an agenda's heading on a line of its own.
	agendaLine = lazyRE(`(?im)^[ \t*#]*(?:agenda|pauta|ordine del giorno|tagesordnung|ordre du jour|orden del d[íi]a|agendapunten)[ \t]*:?[ \t]*$`)
)

// askedOthers reports whether every request of own opens a paragraph
// addressed by name to someone ("@Marta can you …", "Marta, could you
// …") who is not the reader, while a sentence saying nothing is needed
// stands in a paragraph addressed to the reader by name ("Kevin - just
// looping you in. Nothing needed from you."). It needs the reader's names
// (WithReader): the same message is Marta's ask and Kevin's FYI.
func askedOthers(content string, own []span, requests map[int]bool, cues cueMemo, reader []string, ds []doctales.DateMention) bool {
	if len(reader) == 0 {
		return false
	}
	asked := map[string]bool{}
	// "Olá Júlia, Lembrete de que o relatório tem de estar comigo até
	// amanhã … Pedro, … não precisas de fazer nada": with no request,
	// the deadlines' paragraphs say whom they are for.
	if len(requests) == 0 {
		for _, dm := range ds {
			if !dm.Deadline || dm.Source != doctales.SourceContent {
				continue
			}
			v := addressedTo(content, dm.BeginOffset)
			if v == "" || namesOneOf(v, reader) {
				return false
			}
			asked[v] = true
		}
	}
	for _, s := range own {
		if !requests[s.start] {
			continue
		}
		v := addressedTo(content, s.start)
		if v == "" || namesOneOf(v, reader) {
			return false
		}
		asked[v] = true
	}
	if len(asked) == 0 {
		return false
	}
	for _, s := range own {
		if requests[s.start] {
			continue
		}
		if cues.of(s.text).noAction {
			if v := addressedTo(content, s.start); v != "" && !asked[v] && namesOneOf(v, reader) {
				return true
			}
		}
		// "Ellen cc'd for info only, she's signing off the lease
		// renewals", "Frau Reuter in Kopie zur Info für die Rechnung":
		// the reader, named, is copied to know, not to act.
		if ccForInfo.MatchString(s.text) && sentenceNames(s.text, reader, asked) {
			return true
		}
	}
	return false
}

// ccForInfo says someone is copied for information: "cc'd for info
// only", "in Kopie zur Info", "en copie pour information", "en copia
// para su conocimiento", "in copia per conoscenza", "em cópia para
// conhecimento", "in cc ter info".
var ccForInfo = fastre.MustCompile(`(?i)\b(?:cc['’]?(?:e?d)?\b[^.!?\n]{0,30}\b(?:for (?:your )?info(?:rmation)?|fyi|to know|so (?:she|he|they) (?:knows?|is aware))|(?:copied|looped in|in cc|in copy)\b[^.!?\n]{0,20}\b(?:for (?:your )?info(?:rmation)?|fyi|only)|(?:in kopie|in cc|cc)\b[^.!?\n]{0,20}\b(?:zur (?:info(?:rmation)?|kenntnis)|f[üu]r (?:die )?(?:info|kenntnis))|(?:en copie|en cc|cc)\b[^.!?\n]{0,20}\b(?:pour info(?:rmation)?|pour (?:votre |ton )?information|pour suivi)|(?:en copia|en cc|cc)\b[^.!?\n]{0,20}\b(?:para (?:tu |su )?(?:informaci[óo]n|conocimiento)|a t[íi]tulo informativo)|(?:in copia|in cc|cc)\b[^.!?\n]{0,20}\b(?:per conoscenza|per (?:tua |sua )?informazione)|(?:em c[óo]pia|em cc|cc)\b[^.!?\n]{0,20}\b(?:para (?:seu |teu )?conhecimento|para (?:sua |tua )?informa[çc][ãa]o)|(?:in (?:de )?cc|cc)\b[^.!?\n]{0,20}\b(?:ter info(?:rmatie)?|ter kennisname))`)

// sentenceNames reports whether s names the reader by a word of one of
// the reader's names (not an address), capitalised as a name is, and
// names none of the people asked.
func sentenceNames(s string, reader []string, asked map[string]bool) bool {
	found := false
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' && r != '\'' }) {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) {
			continue
		}
		lw := strings.ToLower(w)
		if asked[lw] {
			return false
		}
		for _, n := range reader {
			if !strings.Contains(n, "@") && namesOneOf(lw, []string{n}) && len(lw) > 1 {
				found = true
			}
		}
	}
	return found
}

// vocativeAt is a paragraph that opens by naming whom it addresses:
// "@Marta", "Marta,", "Kevin -", "Hi Marta,".
var vocativeAt = lazyRE(`^\s*(?:(?i:hi|hello|hey|dear|hallo|liebe[rs]?|sehr geehrte[rs]?|hola|estimad[oa]|querid[oa]|bonjour|cher|ch[èe]re|ciao|gentile|caro|cara|ol[áa]|prezad[oa]|beste|geachte|hoi)\s+)?(?:(?:Herr|Frau|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Sr\.?|Sra\.?|Srta\.?|Don|Doña|M\.|Mme|Mlle|Monsieur|Madame|Signor|Signora|Sig\.(?:ra)?|Dott\.(?:ssa)?|Dhr\.?|Mevr\.?|Mevrouw|Meneer)\s+)?(?:@([\pL][\pL\d._-]*)|(\p{Lu}[\pL'’-]+)\s*(?:,|:|\s[-–—](?:\s|$)))`)

// vocative returns the lower-cased name a paragraph opens by addressing,
// or "".
func vocative(para string) string {
	m := vocativeAt.FindStringSubmatch(para)
	if m == nil {
		return ""
	}
	if v := strings.ToLower(m[1] + m[2]); !notVocative[v] {
		return v
	}
	return ""
}

// addressedTo returns whom the paragraph at offset at addresses by name: its
// own vocative ("Marta, could you …"), or else the message's greeting
// when that stands alone in the first paragraph ("Raj -", "Herr
// Yilmaz,") and no later paragraph before at addresses someone else.
func addressedTo(content string, at int) string {
	if v := vocative(paragraphAt(content, at)); v != "" {
		return v
	}
	first := strings.TrimSpace(paragraphAt(content, 0))
	if first == "" || strings.ContainsRune(first, '\n') || len(first) > 40 {
		return ""
	}
	v := vocative(first)
	if v == "" {
		return ""
	}
	// "Hi all,\n\n… Marta, could you …\n\nThe next point …": a later
	// paragraph that addresses someone ends the greeting's reach.
	for p := len(first); p < at && p < len(content); {
		e := strings.Index(content[p:], "\n\n")
		if e < 0 {
			break
		}
		p += e + 2
		if p < at && p < len(content) && vocative(paragraphAt(content, p)) != "" {
			return ""
		}
	}
	return v
}

// notVocative are the words that open a paragraph with a comma or a dash
// without naming anyone: "Thanks, …", "Update - …".
var notVocative = map[string]bool{
	"thanks": true, "thank": true, "ok": true, "okay": true, "sure": true, "yes": true, "no": true,
	"ps": true, "fyi": true, "also": true, "sorry": true, "great": true, "perfect": true, "so": true,
	"well": true, "update": true, "note": true, "important": true, "urgent": true, "reminder": true,
	"re": true, "fwd": true, "fw": true, "morning": true, "afternoon": true, "evening": true,
}

// namesOneOf reports whether the name v is a word of one of the names.
func namesOneOf(v string, names []string) bool {
	for _, n := range names {
		for _, w := range strings.FieldsFunc(strings.ToLower(n), func(r rune) bool { return !unicode.IsLetter(r) }) {
			if w == v {
				return true
			}
		}
	}
	return false
}

// paragraphAt returns the paragraph of text (between blank lines) that
// holds offset at.
func paragraphAt(text string, at int) string {
	if at < 0 || at > len(text) {
		return ""
	}
	b := strings.LastIndex(text[:at], "\n\n") + 1
	e := strings.Index(text[at:], "\n\n")
	if e < 0 {
		return text[b:]
	}
	return text[b : at+e]
}

// contactNames returns the display names of the mail parser's contacts
// under key ("to", "cc"), in memory ([]map[string]string) or after a JSON
// round trip ([]any); not the list's own entry nor a group's name ("Dev
// list", "All staff").
func contactNames(c *doctales.Communication, key string) []string {
	var out []string
	add := func(name, email string) {
		if name != "" && !isListAddress(c, email) && !groupName.MatchString(name) {
			out = append(out, name)
		}
	}
	switch v := c.Fields[key].(type) {
	case []map[string]string:
		for _, m := range v {
			add(m["name"], m["email"])
		}
	case []any:
		for _, x := range v {
			if m, ok := x.(map[string]any); ok {
				n, _ := m["name"].(string)
				a, _ := m["email"].(string)
				add(n, a)
			}
		}
	}
	return out
}

// groupName is a display name of a group, not a person.
var groupName = lazyRE(`(?i)\b(list|lists|group|groups|team|all|everyone|staff|members|users|dev|devel|announce|discuss|talk|help|info|support|undisclosed)\b`)

// invitationChanged is the subject of an update or a cancellation of a
// calendar invitation.
var invitationChanged = lazyRE(`(?i)^\s*(updated invitation( with note)?|invitation (updated|mise à jour)|canceled event|cancelled event|canceled|cancelled|cancellation|event canceled|abgesagt|abgesagtes ereignis|aktualisierte einladung|annul[ée]|invitation annul[ée]e|evento cancelado|cancelado|invito aggiornato|annullato|geannuleerd|bijgewerkte uitnodiging)\b`)

// systemTask is a system's "please" followed by a task of the reader's
// own, not in a conditional ("please contact us if …").
// foreignSystemTask is systemTask in the other languages the engine
// reads: a polite formula with a task after it.
var foreignSystemTask = fastre.MustCompile(`(?i)\b(?:op uw goedkeuring wacht|wacht (?:nog )?op uw goedkeuring|fehlen (?:noch )?[^.!?\n]{0,40}\bvon ihnen|wartet auf ihre freigabe|en attente de votre (?:validation|approbation)|pendiente de su aprobaci[óo]n|in attesa della sua approvazione|aguarda a sua aprova[çc][ãa]o)|\b(?:merci de|veuillez|nous vous prions de)\s+(?:v[ée]rifier|mettre [àa] jour|r[ée]gler|payer|confirmer|nous communiquer|renouveler|valider)|\bbitte\s+(?:aktualisieren|bezahlen|begleichen|best[äa]tigen|pr[üu]fen|[üu]berweisen|erneuern)|\b(?:por favor,?|le rogamos que)\s+(?:actualice|pague|abone|confirme|verifique|renueve|atualize)|\b(?:per favore|la preghiamo di)\s+(?:aggiorn|pag|conferm|verific|salda|rinnov)\w*|\bgraag\s+(?:bijwerken|betalen|bevestigen|controleren)|\bwilt u\b[^.?!\n]{0,40}\b(?:bijwerken|betalen|controleren|bevestigen)`)

var systemTask = fastre.MustCompile(`(?i)\bplease\s+(\w+\s+)?(pay|update|confirm|approve|renew|complete|sign|verify|review|respond|reply|fix|correct|resubmit|submit|upload|log ?in|sign ?in|check|reset|change|call|act|acknowledge|accept|register|book|choose|select|enter|provide|send|return|replace|install|restart|disconnect)\b`)

// fyiOnly is a person saying the message asks nothing of the reader.
// fyiLabelsOneLine reports whether every "for your information" of own
// heads a line of its own, a fact beside the system's ask: "For your
// information: the commissary agreement on file expires 03/31/2027"
// under "submit your renewal … by 12/30/2026" (blind-99, 4366).
func fyiLabelsOneLine(own []span) bool {
	labelled := false
	for _, s := range own {
		if !fyiOnly.MatchString(s.text) {
			continue
		}
		if !fyiLabel.MatchString(s.text) {
			return false
		}
		labelled = true
	}
	return labelled
}

// fyiLabel is a sentence that opens with "For your information:" as the
// label of what follows.
var fyiLabel = lazyRE(`(?i)^\W*(?:fyi|for your information|zur info(?:rmation)?|pour info(?:rmation)?|para (?:tu|sua|su) informaci[óo]n|per (?:tua|sua) informazione|ter info(?:rmatie)?|para sua informa[çc][ãa]o)\s*:`)

var fyiOnly = fastre.MustCompile(`(?i)\b(no (further )?action (is )?(required|needed)|nothing (to do|needed|for you to do)|nothing you (need|have) to do|just so you know|fyi|for your information|just sharing|just wanted to share|no reply (needed|necessary)|zur info(rmation)?|pour info(rmation)?|para tu informaci[óo]n|per tua informazione|ter info(rmatie)?|para sua informa[çc][ãa]o)\b`)

// paymentDone is a system confirming that a payment was made: a receipt.
// paymentFailed is one saying it was not, whose due date still stands.
var (
	paymentDone   = fastre.MustCompile(`(?i)\b(?:(?:your |the )?payment (?:was |has been |is )?(?:received|successful|completed|confirmed|processed)|thank you for your payment|we(?:'ve| have) received your payment|(?:seu |o )?pagamento (?:foi )?(?:realizado|efetuado|confirmado|recebido|processado|aprovado)(?: com sucesso)?|recebemos (?:o )?seu pagamento|(?:tu |su |el )?pago (?:ha sido |fue |se ha )?(?:realizado|recibido|confirmado|procesado|efectuado)(?: con [ée]xito| correctamente)?|hemos recibido (?:tu|su) pago|(?:votre |le )?paiement (?:a [ée]t[ée] |est )?(?:re[çc]u|effectu[ée]|accept[ée]|confirm[ée]|valid[ée])|nous avons (?:bien )?re[çc]u votre paiement|(?:ihre |die )?zahlung (?:ist |wurde )?(?:eingegangen|erhalten|erfolgreich|best[äa]tigt|verbucht)|wir haben ihre zahlung erhalten|(?:il (?:tuo|suo) )?pagamento (?:[èe] stato |risulta )?(?:ricevuto|effettuato|completato|confermato|andato a buon fine)|abbiamo ricevuto il (?:tuo|suo) pagamento|(?:uw |je |de )?betaling (?:is )?(?:ontvangen|geslaagd|gelukt|verwerkt|voldaan)|wij hebben (?:uw|je) betaling ontvangen)\b`)
	paymentFailed = fastre.MustCompile(`(?i)\b(?:fail(?:ed|s)?|declined|unsuccessful|not (?:been )?(?:received|processed|completed)|returned|bounced|rejected|unpaid|overdue|falhou|recusad[oa]|n[ãa]o foi|fall[óo]|rechazad[oa]|no se ha|[ée]chou[ée]|refus[ée]|rejet[ée]|n'a pas|fehlgeschlagen|abgelehnt|nicht|non [èe] andato|rifiutat[oa]|non riuscito|mislukt|geweigerd|niet)\b`)
)

// isBounce reports whether the category's evidence is a delivery failure.
func isBounce(ev []doctales.Evidence) bool {
	for _, e := range ev {
		if e.Rule == "bounce sender" || e.Rule == "bounce subject" {
			return true
		}
	}
	return false
}

// isListAddress reports whether addr is the list's own address, from
// List-Post (<mailto:dev@lists.example>) or List-Id (<dev.lists.example>,
// the list's address with its first dot for the @): a subscriber reads the
// list, the post is not written to them.
func isListAddress(c *doctales.Communication, addr string) bool {
	addr = strings.ToLower(addr)
	if p := strings.ToLower(field(c, "listPost")); p != "" && strings.Contains(p, "mailto:"+addr) {
		return true
	}
	id := strings.ToLower(field(c, "listId"))
	if i := strings.LastIndexByte(id, '<'); i >= 0 {
		id = strings.TrimSuffix(id[i+1:], ">")
	}
	id = strings.TrimSpace(id)
	return id != "" && strings.Replace(id, ".", "@", 1) == addr
}

// relayedAsk matches a system relaying a person's request to the reader:
// "requested your review", "assigned to you", "awaiting your approval".
var relayedAsk = fastre.MustCompile(`(?i)\b(requested (your|a) (review|approval|input|signature)|review requested|assigned (it )?to you|you (were|have been) (assigned|mentioned|asked)|mentioned you|awaiting your (approval|review|response|signature|action)|needs your (approval|review|attention|signature|action)|waiting (for|on) you|pending your (approval|review|signature))\b`)

// stripReplyPrefix removes "Re:", "Fwd:" and the like from a subject.
func stripReplyPrefix(s string) string {
	for {
		t := strings.TrimSpace(s)
		l := strings.ToLower(t)
		switch {
		case strings.HasPrefix(l, "re:"), strings.HasPrefix(l, "fw:"), strings.HasPrefix(l, "aw:"):
			s = t[3:]
		case strings.HasPrefix(l, "fwd:"):
			s = t[4:]
		default:
			return t
		}
	}
}

// pick returns a when it is not empty, else b.
func pick(a, b []span) []span {
	if len(a) > 0 {
		return a
	}
	return b
}

func sanitizeAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = sanitize(s)
	}
	return out
}

// footerDates unmarks the deadlines of d found in a sentence of fresh
// that is not the sender's own (a legal footer's "delete it within 24
// hours", an unsubscribe block's date), and chooses d's deadline again:
// such a date is nobody's deadline.
func footerDates(d *doctales.Dimensions, fresh, own []span, ref time.Time) {
	ownAt := make(map[int]bool, len(own))
	for _, s := range own {
		ownAt[s.start] = true
	}
	changed := false
	for i := range d.Dates {
		dm := &d.Dates[i]
		if !dm.Deadline || dm.Source != doctales.SourceContent {
			continue
		}
		for _, s := range fresh {
			if !ownAt[s.start] && s.start <= dm.BeginOffset && dm.EndOffset <= s.end {
				dm.Deadline, dm.Cue, changed = false, "", true
				break
			}
		}
	}
	if changed {
		d.Deadline = nil
		if dl := chooseDeadline(d.Dates, ref); dl != nil {
			t := dl.Time
			d.Deadline = &t
		}
	}
}

// saysNoAction reports whether a sentence says, unconditionally, that
// nothing is wanted of the reader: "If you'd like it to expire, you don't
// need to do anything" still asks for something otherwise (blind-77,
// 3681).
func saysNoAction(own []span) bool {
	for _, s := range own {
		if systemNoAction.MatchString(s.text) && !conditionalAsk.MatchString(s.text) {
			return true
		}
	}
	return false
}

// systemNoAction is a system's statement that nothing is wanted of the
// reader, in the languages the engine reads: stronger than noActionCue,
// which also holds an automated mail's "do not reply" and "unsubscribe".
var systemNoAction = fastre.MustCompile(`(?i)\b(?:no (?:further )?action (?:is |will be )?(?:required|needed|necessary)|action required:\s*(?:none|no)\b|(?:there is )?nothing (?:you need|for you) to do|you (?:do not|don['’]t) need to do anything|aucune (?:action|d[ée]marche) (?:n['’]est |n'est )?(?:requise|n[ée]cessaire|[àa] effectuer)|vous n['’]avez rien [àa] faire|keine (?:aktion|handlung|weitere aktion|ma[ßs]nahme)n? (?:ist )?(?:erforderlich|n[öo]tig|notwendig)|kein handlungsbedarf|sie m[üu]ssen nichts (?:weiter )?(?:tun|unternehmen)|nenhuma a[çc][ãa]o (?:[ée] )?(?:necess[áa]ria|requerida)|n[ãa]o [ée] necess[áa]ri[ao] (?:qualquer|nenhuma) a[çc][ãa]o|n[ãa]o precisa (?:de )?fazer nada|geen (?:verdere )?actie (?:nodig|vereist)|u hoeft niets (?:te doen|meer te doen)|nessuna azione (?:[èe] )?(?:richiesta|necessaria)|non (?:[èe] )?(?:richiesta|necessaria) alcuna azione|ninguna acci[óo]n (?:es )?(?:necesaria|requerida)|no (?:es necesario|tiene que) (?:hacer|realizar) (?:nada|ninguna acci[óo]n))`)

// timeAhead reports whether the subject or the text names a time of day
// after ref: the start an invitation needs.
func timeAhead(ds []doctales.DateMention, ref time.Time) bool {
	for _, d := range ds {
		if (d.Source == doctales.SourceSubject || d.Source == doctales.SourceContent) && (d.Precision == "minute" || d.Precision == "hour") && !d.Time.Before(ref) {
			return true
		}
	}
	return false
}
