package doctales

import (
	"context"
	"slices"
	"strings"
	"time"
)

// The "needs you now" screen (issue 12): what the reader has to deal with,
// in four sections, judged at read time from the item's dimensions, its
// category, its triage state and the clock, like Attention. The API
// serves it (GET /communications/now) so that the dashboard and every
// other client share one rule.
const (
	// SectionNow: fresh high items and deadlines within the next working
	// day (or passed less than a day ago), not done, snoozed or waiting:
	// Attention's "now".
	SectionNow = "now"
	// SectionToday: what comes back or asks for something later today: a
	// snooze that ends before the end of today, and a person's request
	// that came in the last NowRequestWindow, neither high nor due soon.
	SectionToday = "today"
	// SectionWeek: a deadline after the next working day and within a
	// week (Attention's "soon").
	SectionWeek = "week"
	// SectionWaiting: items the reader marked waiting (state "waiting":
	// they did their part and wait on someone else), longest waiting
	// first. The table has no record of the reader's own sent mail, so
	// "waiting on others" is what the reader says it is.
	SectionWaiting = "waiting"
)

// NowSectionTitles are the sections in display order, with their titles.
var NowSectionTitles = []struct{ ID, Title string }{
	{SectionNow, "Needs you now"},
	{SectionToday, "Later today"},
	{SectionWeek, "This week"},
	{SectionWaiting, "Waiting on others"},
}

// NowRequestWindow is how recent a person's request without deadline or
// high urgency must be to be listed under "later today".
const NowRequestWindow = 24 * time.Hour

// Bounds of a NowView request.
const (
	DefaultNowPerSection = 10    // items listed per section when not asked
	MaxNowPerSection     = 100   // the most items a section lists
	MaxNowCandidates     = 20000 // the most items read to build one view
)

// NowEntry is one item of a section, with what it asks of the reader now
// and why it is in its section, in words: Reason is the attention
// judgement's reason (and, for SectionNow, the extraction engine's urgency
// reasons); Evidence quotes the words the urgency rests on
// (Dimensions.UrgencyEvidence), at most three.
type NowEntry struct {
	*Item
	Attention AttentionJudgement `json:"attention"`
	Reason    string             `json:"reason"`
	Evidence  []string           `json:"evidence,omitempty"`

	section string
	key     time.Time // sort key within the section: when it needs the reader
}

// NowSection is one section: Count is exact (every item that belongs,
// not only those listed); Items are the first of them in section order.
type NowSection struct {
	ID    string      `json:"id"`
	Title string      `json:"title"`
	Count int         `json:"count"`
	Items []*NowEntry `json:"items"`
}

// NowView is the whole screen at Now. Complete is false when the table
// held more than MaxNowCandidates candidates, so that counts may be low.
type NowView struct {
	Now      time.Time     `json:"now"`
	Sections []*NowSection `json:"sections"`
	Complete bool          `json:"complete"`
}

// NowPlace judges where it belongs at now: the section ("" for none)
// and the entry. freshness is Attention's; loc is the reader's time zone,
// which says when "today" ends. The rules, in order:
//
//   - done: nowhere.
//   - waiting: SectionWaiting.
//   - snoozed: SectionToday when the snooze ends before midnight in loc,
//     else nowhere (a snooze already over counts as open).
//   - bulk, auto-reply and suspicious mail: nowhere; mailing-list and
//     automated mail only with a deadline (a bill due tomorrow), never by
//     urgency alone.
//   - Attention now: SectionNow; soon: SectionWeek; missed or stale (old
//     items): nowhere.
//   - none, a person's request (RequiresAction) dated within
//     NowRequestWindow: SectionToday.
func NowPlace(it *Item, now time.Time, freshness time.Duration, loc *time.Location) (string, *NowEntry) {
	if loc == nil {
		loc = time.UTC
	}
	e := &NowEntry{Item: it, Attention: Attention(it, now, freshness)}
	switch it.EffectiveState(now) {
	case StateDone:
		return "", nil
	case StateWaiting:
		e.section, e.Reason = SectionWaiting, "waiting on others"
		e.key = it.Timestamp
		if it.StateAt != nil {
			e.key = *it.StateAt
			e.Reason = "marked waiting " + ago(max(now.Sub(*it.StateAt), 0)) + " ago"
		}
		return e.section, e
	case StateSnoozed:
		if it.StateUntil == nil || !it.StateUntil.Before(nextMidnight(now.In(loc))) {
			return "", nil
		}
		e.section, e.key = SectionToday, *it.StateUntil
		e.Reason = "snoozed until " + it.StateUntil.In(loc).Format("15:04") + ", back later today"
		return e.section, e
	}
	d := it.Dimensions
	category := ""
	hasDeadline := false
	if d != nil {
		category = d.Category
		hasDeadline = d.Deadline != nil && !d.Deadline.IsZero()
	}
	switch category {
	case CategoryBulk, CategoryAutoReply, CategorySuspicious:
		return "", nil
	case CategoryList, CategoryAutomated:
		if !hasDeadline {
			return "", nil
		}
	}
	switch e.Attention.Level {
	case AttentionNow:
		// It needs the reader at its deadline when the deadline is why
		// it is here; a high item due later (or never) needs them now.
		e.section, e.Reason, e.key = SectionNow, e.Attention.Reason, now
		if hasDeadline && !d.Deadline.After(EndOfNextBusinessDay(now.In(d.Deadline.Location()))) {
			e.key = *d.Deadline
		}
		if d != nil && len(d.UrgencyReasons) > 0 {
			e.Reason += ": " + strings.Join(d.UrgencyReasons, ", ")
		}
		e.Evidence = evidenceWords(d, 3)
	case AttentionSoon:
		e.section, e.Reason, e.key = SectionWeek, e.Attention.Reason, *d.Deadline
		e.Evidence = evidenceWords(d, 3)
	case AttentionNone:
		age := now.Sub(it.Timestamp)
		if d == nil || !d.RequiresAction || age < 0 || age > NowRequestWindow {
			return "", nil
		}
		e.section, e.key = SectionToday, now
		e.Reason = "asks for something, " + ago(age) + " ago"
		if len(d.ActionReasons) > 0 {
			e.Reason += " (" + d.ActionReasons[0] + ")"
		}
	default: // missed, stale: old, too late to act on
		return "", nil
	}
	return e.section, e
}

// BuildNowView groups items into the four sections at now, each with its
// exact count and its first perSection entries (DefaultNowPerSection when
// perSection <= 0). Items may hold ones that belong nowhere; an item
// listed twice counts once. Order within a section: pinned first, then by
// when it needs the reader (a deadline, the end of a snooze; fresh high
// items and requests count as due now; waiting items by how long they
// have waited), then higher urgency, then newest.
func BuildNowView(items []*Item, now time.Time, freshness time.Duration, loc *time.Location, perSection int) *NowView {
	if perSection <= 0 {
		perSection = DefaultNowPerSection
	}
	perSection = min(perSection, MaxNowPerSection)
	by := map[string][]*NowEntry{}
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		if it == nil || seen[it.ID] {
			continue
		}
		seen[it.ID] = true
		if s, e := NowPlace(it, now, freshness, loc); s != "" {
			by[s] = append(by[s], e)
		}
	}
	v := &NowView{Now: now, Complete: true}
	for _, st := range NowSectionTitles {
		es := by[st.ID]
		slices.SortFunc(es, compareNowEntries)
		sec := &NowSection{ID: st.ID, Title: st.Title, Count: len(es), Items: append([]*NowEntry{}, es[:min(len(es), perSection)]...)}
		v.Sections = append(v.Sections, sec)
	}
	return v
}

// compareNowEntries orders entries of one section (see BuildNowView).
func compareNowEntries(a, b *NowEntry) int {
	switch {
	case a.Pinned != b.Pinned:
		if a.Pinned {
			return -1
		}
		return 1
	case !a.key.Equal(b.key):
		return a.key.Compare(b.key)
	}
	if ra, rb := UrgencyRank(a.Metadata.Urgency), UrgencyRank(b.Metadata.Urgency); ra != rb {
		return rb - ra
	}
	if c := b.Timestamp.Compare(a.Timestamp); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// evidenceWords returns up to n distinct words the urgency rests on, each
// cut to 80 bytes at a rune boundary.
func evidenceWords(d *Dimensions, n int) []string {
	if d == nil {
		return nil
	}
	var out []string
	for _, ev := range d.UrgencyEvidence {
		t := strings.TrimSpace(ev.Text)
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if len(t) > 80 {
			t = strings.ToValidUTF8(t[:80], "") + "…"
		}
		out = append(out, t)
		if len(out) == n {
			break
		}
	}
	return out
}

// nextMidnight returns the start of the day after t's, in t's location
// (time.Date normalises the 32nd and the DST shifts).
func nextMidnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, t.Location())
}

// NowQuery says which items a table must read for a NowView at Now: a
// superset of those that belong (NowPlace decides). Every field is a bound
// on an indexed column, so the candidates are few whatever the table's
// size.
type NowQuery struct {
	Now time.Time
	// HighSince: urgency high, dated at or after (the freshness window).
	HighSince time.Time
	// DeadlineFrom, DeadlineTo: a deadline within [From, To].
	DeadlineFrom, DeadlineTo time.Time
	// RequestSince: dated at or after (requests for "later today").
	RequestSince time.Time
	// SnoozeEndsBy: a snooze still running at Now that ends by then.
	SnoozeEndsBy time.Time
	// Waiting items are always candidates. Done items never are.
	Limit int // read at most Limit+1 items, to tell a truncated read
}

// NewNowQuery returns the query of the view at now, for the freshness
// window and the reader's location.
func NewNowQuery(now time.Time, freshness time.Duration, loc *time.Location) NowQuery {
	if loc == nil {
		loc = time.UTC
	}
	q := NowQuery{
		Now:          now,
		DeadlineFrom: now.Add(-24 * time.Hour),
		DeadlineTo:   now.Add(7 * 24 * time.Hour),
		RequestSince: now.Add(-NowRequestWindow),
		SnoozeEndsBy: nextMidnight(now.In(loc)),
		Limit:        MaxNowCandidates,
	}
	if freshness > 0 {
		q.HighSince = now.Add(-freshness)
	}
	return q
}

// NowReader is implemented by tables that read a NowView's candidates
// with indexes (package sqlite). They are scoped to the owner in ctx like
// FindItems; truncated reports that more than q.Limit matched, in which
// case only q.Limit are returned. A table without it is scanned page by
// page (see the HTTP API).
type NowReader interface {
	NowCandidates(ctx context.Context, q NowQuery) (items []*Item, truncated bool, err error)
}
