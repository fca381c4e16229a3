package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// TargetDigest is the rule target that sends nothing at once and lists
// the notification in the next digest (When.Digest).
const TargetDigest = "digest"

// More kinds of a notification [Timer].
const (
	// TimerHeld delivers a notification held by a channel's quiet hours
	// when they end, on that channel.
	TimerHeld = "held"
	// TimerDigest sends the digest due at its time: one message listing
	// what was held for it or matched a rule whose target is "digest".
	TimerDigest = "digest"
)

// QuietHours is a daily window, in When.Location, during which a channel
// is not pushed to: "22:00-07:00" (over midnight) or "12:00-13:00".
type QuietHours struct {
	Start, End int // minutes after midnight
}

// ParseQuietHours reads "HH:MM-HH:MM". Equal ends are refused (a window
// of nothing, or of everything, is a mistake).
func ParseQuietHours(s string) (QuietHours, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return QuietHours{}, fmt.Errorf("quiet hours %q are not HH:MM-HH:MM, such as 22:00-07:00", s)
	}
	start, err := parseClock(a)
	if err != nil {
		return QuietHours{}, fmt.Errorf("quiet hours %q: start: %w", s, err)
	}
	end, err := parseClock(b)
	if err != nil {
		return QuietHours{}, fmt.Errorf("quiet hours %q: end: %w", s, err)
	}
	if start == end {
		return QuietHours{}, fmt.Errorf("quiet hours %q start and end at the same time", s)
	}
	return QuietHours{start, end}, nil
}

// parseClock reads "HH:MM" as minutes after midnight.
func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// ParseClock reads "HH:MM" (a digest's at) as minutes after midnight.
func ParseClock(s string) (int, error) { return parseClock(s) }

// Quiet reports whether t, read in loc, is inside the window, and if so
// when the window ends.
func (q QuietHours) Quiet(t time.Time, loc *time.Location) (bool, time.Time) {
	t = t.In(loc)
	m := t.Hour()*60 + t.Minute()
	in := (q.Start < q.End && m >= q.Start && m < q.End) || (q.Start > q.End && (m >= q.Start || m < q.End))
	if !in {
		return false, time.Time{}
	}
	end := time.Date(t.Year(), t.Month(), t.Day(), q.End/60, q.End%60, 0, 0, loc)
	if !end.After(t) {
		end = time.Date(t.Year(), t.Month(), t.Day()+1, q.End/60, q.End%60, 0, 0, loc)
	}
	return true, end
}

// DigestPolicy sends, Every (24h or 1h, say) at the time of day At (in
// minutes after midnight, in When.Location), one message on Channel
// listing the notifications that were held or matched a rule whose
// target is "digest". Every zero sends no digest.
type DigestPolicy struct {
	Every   time.Duration
	At      int
	Channel string
}

// Next returns the first digest time after t.
func (d DigestPolicy) Next(t time.Time, loc *time.Location) time.Time {
	lt := t.In(loc)
	step := func(x time.Time, n int) time.Time {
		if d.Every == 24*time.Hour {
			return x.AddDate(0, 0, n)
		}
		return x.Add(time.Duration(n) * d.Every)
	}
	x := time.Date(lt.Year(), lt.Month(), lt.Day(), d.At/60, d.At%60, 0, 0, loc)
	for x.After(t) {
		x = step(x, -1)
	}
	for !x.After(t) {
		x = step(x, 1)
	}
	return x
}

// DigestEntry is one notification listed in a digest.
type DigestEntry struct {
	ID              string    `json:"id"` // the held message's id
	CommunicationID string    `json:"communicationId"`
	Subject         string    `json:"subject"`
	At              time.Time `json:"at"`
	Why             string    `json:"why"`
}

// DigestStore keeps the entries of pending digests. The sqlite package's
// DB implements it, and on AWS the dynamodb package's Timers.
type DigestStore interface {
	// AddDigestEntry stores e under digestID unless an entry with its ID
	// is stored there.
	AddDigestEntry(ctx context.Context, digestID string, e DigestEntry) error
	// DigestEntries returns digestID's entries, oldest first.
	DigestEntries(ctx context.Context, digestID string) ([]DigestEntry, error)
}

// channels returns the channels m goes to now: its targets, with "all"
// (or none) standing for When.Channels.
func (w *When) channels(m *doctales.Message) []string {
	t := targetsOf(m)
	if t == nil {
		if a, ok := m.MessageAttributes[AttrTargets]; ok && !strings.Contains(a.StringValue, `"`+doctales.TargetAll+`"`) {
			return []string{} // an explicit empty list
		}
		return slices.DeleteFunc(slices.Clone(w.Channels), func(c string) bool { return c == TargetDigest })
	}
	return t
}

// Hold applies quiet hours and the digest to notification m of item,
// before it is published: each channel of m inside its quiet hours is
// taken out of m's targets and either folded into the next digest (when
// one is configured) or held until the window ends (a TimerHeld); the
// target "digest" is taken out and the notification listed in the next
// digest. It returns m with the channels left, or nil when none is left
// (nothing to publish now). Hold is idempotent: the timers and entries
// it stores have ids made from m's MessageId.
func (w *When) Hold(ctx context.Context, item *doctales.Item, m *doctales.Message) (*doctales.Message, error) {
	if len(w.QuietHours) == 0 && w.Digest.Every == 0 {
		return m, nil
	}
	now := w.now()
	var keep []string
	digest := false
	var timers []Timer
	for _, ch := range w.channels(m) {
		if ch == TargetDigest {
			digest = w.Digest.Every > 0
			continue
		}
		q, ok := w.QuietHours[ch]
		quiet, end := false, time.Time{}
		if ok {
			quiet, end = q.Quiet(now, w.loc())
		}
		switch {
		case !quiet:
			keep = append(keep, ch)
		case w.Digest.Every > 0:
			digest = true
		default:
			// Owner: a table keyed by owner (DynamoDB) reads the item
			// under it when the held timer fires.
			held := Timer{ID: TimerHeld + ":" + m.MessageID + ":" + ch, CommunicationID: item.ID, Owner: item.Owner, Kind: TimerHeld,
				Due: end, Channels: []string{ch}, Message: m}
			if m.MessageAttributes["timer"].StringValue == TimerReminder {
				held.Deadline = deadlineOf(item) // a reminder is pointless once its deadline passed
			}
			timers = append(timers, held)
		}
	}
	if digest {
		if err := w.addToDigest(ctx, item, m, now); err != nil {
			return nil, err
		}
	}
	if len(timers) > 0 {
		if err := w.Store.PutTimers(ctx, timers); err != nil {
			return nil, fmt.Errorf("hold message %q for quiet hours: %w", m.MessageID, err)
		}
		w.poke()
	}
	if len(keep) == len(w.channels(m)) {
		return m, nil
	}
	if len(keep) == 0 {
		return nil, nil
	}
	cp := *m
	cp.MessageAttributes = make(map[string]doctales.MessageAttribute, len(m.MessageAttributes))
	for k, v := range m.MessageAttributes {
		cp.MessageAttributes[k] = v
	}
	targets, _ := json.Marshal(keep)
	cp.MessageAttributes[AttrTargets] = doctales.MessageAttribute{DataType: "String.Array", StringValue: string(targets)}
	return &cp, nil
}

// addToDigest lists m in the next digest and plans that digest.
func (w *When) addToDigest(ctx context.Context, item *doctales.Item, m *doctales.Message, now time.Time) error {
	if w.Digests == nil {
		return fmt.Errorf("notify when: a digest is configured but Digests is nil")
	}
	at := w.Digest.Next(now, w.loc())
	id := TimerDigest + "@" + at.UTC().Format(time.RFC3339)
	why := ""
	for _, l := range strings.Split(m.Message, "\n") {
		if v, ok := strings.CutPrefix(l, "Why: "); ok {
			why = v
		}
	}
	e := DigestEntry{ID: m.MessageID, CommunicationID: item.ID, Subject: subjectOrFallback(item.Subject), At: now, Why: why}
	if err := w.Digests.AddDigestEntry(ctx, id, e); err != nil {
		return fmt.Errorf("add message %q to digest %s: %w", m.MessageID, id, err)
	}
	if err := w.Store.PutTimers(ctx, []Timer{{ID: id, Kind: TimerDigest, Due: at, Channels: []string{w.Digest.Channel}}}); err != nil {
		return fmt.Errorf("plan digest %s: %w", id, err)
	}
	w.poke()
	return nil
}

// digestMessage returns digest t's message, or nil when it lists nothing.
func (w *When) digestMessage(ctx context.Context, t *Timer) (*doctales.Message, error) {
	entries, err := w.Digests.DigestEntries(ctx, t.ID)
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	loc := w.loc()
	lines := []string{fmt.Sprintf("Your digest of %s: %d communication(s) matched while not pushed.", t.Due.In(loc).Format("Mon 2 Jan 2006, 15:04 MST"), len(entries)), ""}
	for _, e := range entries {
		l := fmt.Sprintf("- %s (%s, id %s)", oneLine(e.Subject), e.At.In(loc).Format("15:04"), e.CommunicationID)
		if e.Why != "" {
			l += ": " + e.Why
		}
		lines = append(lines, l)
	}
	m := &doctales.Message{
		MessageID: MessageID(TimerDigest, t.ID),
		TopicArn:  w.TopicArn,
		Subject:   truncate(fmt.Sprintf("Doc-Tales digest: %d communication(s)", len(entries)), MaxSubjectRunes),
		Message:   strings.Join(lines, "\n"),
		Timestamp: w.now().UTC(),
		MessageAttributes: map[string]doctales.MessageAttribute{
			"timer": {DataType: stringAttr, StringValue: TimerDigest},
		},
	}
	if len(t.Channels) > 0 && t.Channels[0] != "" {
		targets, _ := json.Marshal(t.Channels)
		m.MessageAttributes[AttrTargets] = doctales.MessageAttribute{DataType: "String.Array", StringValue: string(targets)}
	}
	return m, nil
}

func (w *When) loc() *time.Location {
	if w.Location != nil {
		return w.Location
	}
	return time.UTC
}
