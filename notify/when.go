package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/doctales/doctales"
)

// Kinds of a notification [Timer].
const (
	// TimerReminder reminds of a deadline (When.Reminders before it).
	TimerReminder = "reminder"
	// TimerEscalation sends a high item again on the next channel while
	// it is not acknowledged.
	TimerEscalation = "escalation"
	// TimerNotified is a marker, written fired, that the item's
	// notification went out: a later change of the item re-plans its
	// reminders only when it was notified.
	TimerNotified = "notified"
)

// Timer is one durable scheduled notification of a communication: a
// reminder before its deadline, or an escalation step. ID is unique and
// deterministic (the same plan gives the same ID, so planning twice
// stores one timer) and names the message in [MessageID], so a timer that
// fires twice (a crash between publishing and marking it fired) publishes
// one MessageId, which the ledger and the topic drop the second time.
type Timer struct {
	ID              string    `json:"id"`
	CommunicationID string    `json:"communicationId"`
	Kind            string    `json:"kind"`
	Due             time.Time `json:"due"`
	// Deadline is the deadline a reminder was planned for: it does not
	// fire if the item's deadline moved since.
	Deadline time.Time `json:"deadline,omitzero"`
	// Before is how long before Deadline a reminder fires.
	Before time.Duration `json:"before,omitempty"`
	// Step is an escalation's step, 1 for the first resend.
	Step int `json:"step,omitempty"`
	// Channels are the channels the timer's message goes to (its
	// AttrTargets); empty means every channel.
	Channels []string `json:"channels,omitempty"`
	// Message is the notification a TimerHeld delivers.
	Message *doctales.Message `json:"message,omitempty"`
	// Fired is set once the timer's message was published (or the timer
	// found it had nothing to send).
	Fired bool `json:"fired,omitempty"`
	// Owner is the communication's owner: a table keyed by owner
	// (DynamoDB's USER#<owner> partitions) reads the item under it.
	Owner string `json:"owner,omitempty"`
}

// TimerStore keeps [Timer]s durably. The sqlite package's DB implements
// it; on AWS the role is EventBridge Scheduler's (docs/aws.md).
type TimerStore interface {
	// PutTimers stores each timer whose ID is not stored yet, and leaves
	// a stored one (fired or not) as it is.
	PutTimers(ctx context.Context, timers []Timer) error
	// CancelTimers deletes communicationID's pending (unfired) timers of
	// kind.
	CancelTimers(ctx context.Context, communicationID, kind string) error
	// GetTimer returns the timer stored with id, fired or not, and
	// false when there is none.
	GetTimer(ctx context.Context, id string) (Timer, bool, error)
	// DueTimers returns up to limit pending timers due at or before now,
	// earliest first.
	DueTimers(ctx context.Context, now time.Time, limit int) ([]Timer, error)
	// FireTimer marks the timer fired; a fired timer is never due again.
	FireTimer(ctx context.Context, id string) error
	// NextNotifyTimer returns the due time of the earliest pending timer, and
	// false when none is pending.
	NextNotifyTimer(ctx context.Context) (time.Time, bool, error)
}

// ItemReader reads the current state of a communication when a timer
// fires. doctales.Table satisfies it.
type ItemReader interface {
	GetItem(ctx context.Context, id string) (*doctales.Item, error)
}

// EscalationPolicy is "escalate until acknowledged": when a high item is
// not acknowledged (read, done, or its ack link followed) After its
// notification, it is sent again on Channels[0]; After later on
// Channels[1]; and so on, until it is acknowledged or the channels run
// out.
type EscalationPolicy struct {
	After    time.Duration
	Channels []string
}

// When plans and fires the notifications that come later than the first
// one (issue 13, "When"): reminders before a deadline and escalation
// until acknowledged. The notification [Function] tells it about every
// item it sees (Changed) and every notification it publishes (Notified);
// the timers are stored in Store, so they survive a crash and fire once
// after restart; Run (or FireDue) publishes those that fall due.
//
// Set the fields before use and do not change them after. When is safe
// for concurrent use.
type When struct {
	// Reminders are how long before an item's deadline a reminder is
	// sent, such as 24h and 1h. Empty sends none.
	Reminders []time.Duration
	// Escalation, if After is positive, escalates unacknowledged high
	// items.
	Escalation EscalationPolicy
	// QuietHours are, per channel, the daily window in which that
	// channel is not pushed to: a notification is held until the window
	// ends, or folded into the digest when Digest is set.
	QuietHours map[string]QuietHours
	// Digest, if Every is positive, lists in one message per period what
	// was held or matched a rule whose target is TargetDigest.
	Digest DigestPolicy
	// Location is the person's time zone, of QuietHours and Digest.At;
	// nil is UTC.
	Location *time.Location
	// Channels are the channels that exist here ("all" stands for them).
	Channels []string

	// Store keeps the timers. Required.
	Store TimerStore
	// Digests keeps the digests' entries; required with a Digest.
	Digests DigestStore
	// Items reads an item when its timer fires. Required.
	Items ItemReader
	// Topic and Ledger publish a fired timer's message once, as the
	// Function does (claim, publish, mark sent; the lease is
	// DefaultClaimLease, or the context's deadline plus ClaimSkew).
	// Required.
	Topic  Publisher
	Ledger doctales.Ledger
	// TopicArn is copied into every message.
	TopicArn string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Logger; nil is slog.Default().
	Logger *slog.Logger

	wakeOnce sync.Once
	wake     chan struct{}
}

// Validate reports a missing store, reader, topic or ledger, and a
// negative duration, naming the field and value.
func (w *When) Validate() error {
	switch {
	case w.Store == nil:
		return errors.New("notify when: Store required")
	case w.Items == nil:
		return errors.New("notify when: Items required")
	case w.Topic == nil:
		return errors.New("notify when: Topic required")
	case w.Ledger == nil:
		return errors.New("notify when: Ledger required")
	case w.Escalation.After < 0:
		return fmt.Errorf("notify when: escalation.after %s is negative", w.Escalation.After)
	case w.Digest.Every < 0:
		return fmt.Errorf("notify when: digest.every %s is negative", w.Digest.Every)
	case w.Digest.Every > 0 && (w.Digests == nil || w.Digest.Channel == ""):
		return fmt.Errorf("notify when: digest.every %s needs a digest channel and a Digests store", w.Digest.Every)
	case w.Escalation.After > 0 && len(w.Escalation.Channels) == 0:
		return fmt.Errorf("notify when: escalation.after %s needs escalation.channels, the channels to send on in turn", w.Escalation.After)
	}
	for i, d := range w.Reminders {
		if d <= 0 {
			return fmt.Errorf("notify when: reminders[%d] %s is not positive", i, d)
		}
	}
	return nil
}

// notifiedID is the id of item id's TimerNotified marker.
func notifiedID(id string) string { return TimerNotified + ":" + id }

// reminderID is the id of the reminder before deadline, unique per item,
// deadline and offset: the same plan stores one timer, and a moved
// deadline plans new ones.
func reminderID(id string, deadline time.Time, before time.Duration) string {
	return fmt.Sprintf("%s:%s@%s-%s", TimerReminder, id, deadline.UTC().Format(time.RFC3339), before)
}

// escalationID is the id of step of the escalation of notification
// messageID (so an item that becomes high again escalates again).
func escalationID(messageID string, step int) string {
	return fmt.Sprintf("%s:%s#%d", TimerEscalation, messageID, step)
}

// Notified plans what follows notification m of item: the marker that it
// was notified, its reminders and, for a high item, its escalation. It is
// idempotent: the timers' ids are deterministic and PutTimers keeps the
// first.
func (w *When) Notified(ctx context.Context, item *doctales.Item, m *doctales.Message) error {
	now := w.now()
	channels := targetsOf(m)
	timers := []Timer{{ID: notifiedID(item.ID), CommunicationID: item.ID, Owner: item.Owner, Kind: TimerNotified, Due: now, Fired: true, Channels: channels}}
	timers = append(timers, w.reminders(item, channels, now)...)
	if w.Escalation.After > 0 && item.Metadata.Urgency == doctales.UrgencyHigh {
		for i, ch := range w.Escalation.Channels {
			timers = append(timers, Timer{ID: escalationID(m.MessageID, i+1), CommunicationID: item.ID, Owner: item.Owner, Kind: TimerEscalation,
				Due: now.Add(time.Duration(i+1) * w.Escalation.After), Step: i + 1, Channels: []string{ch}})
		}
	}
	if err := w.Store.PutTimers(ctx, timers); err != nil {
		return fmt.Errorf("plan timers of communication %q: %w", item.ID, err)
	}
	w.poke()
	return nil
}

// reminders returns item's reminders still ahead of now.
func (w *When) reminders(item *doctales.Item, channels []string, now time.Time) []Timer {
	dl := deadlineOf(item)
	if dl.IsZero() || item.State == doctales.StateDone {
		return nil
	}
	var out []Timer
	for _, before := range w.Reminders {
		due := dl.Add(-before)
		if !due.After(now) {
			continue
		}
		out = append(out, Timer{ID: reminderID(item.ID, dl, before), CommunicationID: item.ID, Owner: item.Owner, Kind: TimerReminder,
			Due: due, Deadline: dl.UTC(), Before: before, Channels: channels})
	}
	return out
}

// Changed re-plans item's reminders after a change (an INSERT or MODIFY
// record): once the item is done its pending reminders are cancelled;
// if it was notified, the reminders of its deadline under the current
// configuration are planned, after those of the old deadline are
// cancelled when it moved. Planning is idempotent (the ids are the
// same), so a reminder that fired is not planned again.
func (w *When) Changed(ctx context.Context, old, item *doctales.Item) error {
	if len(w.Reminders) == 0 {
		return nil
	}
	if item.State == doctales.StateDone {
		if old != nil && old.State == doctales.StateDone {
			return nil
		}
		return w.Store.CancelTimers(ctx, item.ID, TimerReminder)
	}
	timers := w.reminders(item, nil, w.now())
	moved := old != nil && !deadlineOf(old).Equal(deadlineOf(item))
	if len(timers) == 0 && !moved {
		return nil
	}
	// Reminders go where the notification went: the marker's channels.
	marker, notified, err := w.Store.GetTimer(ctx, notifiedID(item.ID))
	if err != nil || !notified {
		return err
	}
	if moved {
		if err := w.Store.CancelTimers(ctx, item.ID, TimerReminder); err != nil {
			return err
		}
	}
	for i := range timers {
		timers[i].Channels = marker.Channels
	}
	if err := w.Store.PutTimers(ctx, timers); err != nil {
		return fmt.Errorf("re-plan reminders of communication %q: %w", item.ID, err)
	}
	w.poke()
	return nil
}

// deadlineOf returns the item's deadline, or zero.
func deadlineOf(it *doctales.Item) time.Time {
	if it == nil || it.Dimensions == nil || it.Dimensions.Deadline == nil {
		return time.Time{}
	}
	return *it.Dimensions.Deadline
}

// targetsOf returns m's AttrTargets, nil for every channel.
func targetsOf(m *doctales.Message) []string {
	a, ok := m.MessageAttributes[AttrTargets]
	if !ok {
		return nil
	}
	var t []string
	if json.Unmarshal([]byte(a.StringValue), &t) != nil || slices.Contains(t, doctales.TargetAll) {
		return nil
	}
	return t
}

// FireDue publishes the message of every timer due at Now and marks it
// fired, and returns how many messages it published. A timer whose item
// is gone, done, or (for a reminder) has another deadline now, or (for an
// escalation) was acknowledged, fires without a message. Each message is
// published before its timer is marked fired, under a MessageId the
// ledger checks first: a crash in between publishes nothing new.
func (w *When) FireDue(ctx context.Context) (int, error) {
	sent := 0
	for {
		due, err := w.Store.DueTimers(ctx, w.now(), 100)
		if err != nil {
			return sent, fmt.Errorf("read due timers: %w", err)
		}
		if len(due) == 0 {
			return sent, nil
		}
		for i := range due {
			ok, err := w.fire(ctx, &due[i])
			if err != nil {
				return sent, fmt.Errorf("fire timer %q: %w", due[i].ID, err)
			}
			if ok {
				sent++
			}
		}
	}
}

// fire publishes t's message if it still applies, then marks t fired.
func (w *When) fire(ctx context.Context, t *Timer) (bool, error) {
	log := w.logger()
	m, why, err := w.message(ctx, t)
	if err != nil {
		return false, err
	}
	if m == nil {
		log.InfoContext(ctx, "timer dropped", logKeyCommunicationID, t.CommunicationID, "timer", t.ID, logKeyReason, why)
		return false, w.Store.FireTimer(ctx, t.ID)
	}
	// Claim, publish, mark sent, as the Function does.
	claim, err := w.Ledger.Claim(ctx, m.MessageID, t.CommunicationID, claimLease(ctx, 0, w.now()))
	if err != nil {
		return false, fmt.Errorf("claim message %q: %w", m.MessageID, err)
	}
	if claim == doctales.ClaimInFlight {
		return false, fmt.Errorf("message %q of communication %q: %w", m.MessageID, t.CommunicationID, ErrInFlight)
	}
	sent := claim == doctales.ClaimSent
	pub := m
	if !sent && (t.Kind == TimerReminder || t.Kind == TimerEscalation) {
		// Quiet hours and the digest apply to these too.
		// The digest lists it by this message's subject ("Reminder, due
		// in 1h: …"); a held reminder keeps its deadline (Hold).
		item := &doctales.Item{ID: t.CommunicationID, Owner: t.Owner, Subject: m.Subject}
		if t.Kind == TimerReminder {
			dl := t.Deadline
			item.Dimensions = &doctales.Dimensions{Deadline: &dl}
		}
		if pub, err = w.Hold(ctx, item, m); err != nil {
			if rerr := w.Ledger.Release(ctx, m.MessageID); rerr != nil {
				err = errors.Join(err, rerr)
			}
			return false, err
		}
	}
	if !sent && pub != nil {
		if err := w.Topic.Publish(ctx, pub); err != nil {
			if rerr := w.Ledger.Release(ctx, m.MessageID); rerr != nil {
				err = errors.Join(err, rerr)
			}
			return false, fmt.Errorf("publish message %q of communication %q: %w", m.MessageID, t.CommunicationID, err)
		}
	}
	if !sent {
		if err := w.Ledger.MarkSent(ctx, m.MessageID, t.CommunicationID); err != nil {
			return false, fmt.Errorf("mark message %q sent: %w", m.MessageID, err)
		}
		log.InfoContext(ctx, "timer fired", logKeyMessageID, m.MessageID, logKeyCommunicationID, t.CommunicationID, "timer", t.ID, "held", pub == nil)
	}
	if err := w.Store.FireTimer(ctx, t.ID); err != nil {
		return false, err
	}
	return !sent, nil
}

// message returns the message t sends now, or nil and why it sends none.
func (w *When) message(ctx context.Context, t *Timer) (*doctales.Message, string, error) {
	switch t.Kind {
	case TimerNotified:
		return nil, "a marker", nil
	case TimerDigest:
		m, err := w.digestMessage(ctx, t)
		if m == nil && err == nil {
			return nil, "an empty digest", nil
		}
		return m, "", err
	}
	if t.Owner != "" {
		ctx = doctales.WithOwner(ctx, t.Owner)
	}
	item, err := w.Items.GetItem(ctx, t.CommunicationID)
	if doctales.ErrorCode(err) == doctales.ENOTFOUND {
		return nil, "the communication is gone", nil
	} else if err != nil {
		return nil, "", fmt.Errorf("read communication %q: %w", t.CommunicationID, err)
	}
	now := w.now()
	if item.State == doctales.StateDone {
		return nil, "the communication is done", nil
	}
	if t.Kind == TimerHeld {
		if t.Message == nil {
			return nil, "a held timer without its message", nil
		}
		if !t.Deadline.IsZero() && !now.Before(t.Deadline) {
			return nil, "a held reminder whose deadline " + t.Deadline.UTC().Format(time.RFC3339) + " passed", nil
		}
		m := *t.Message
		m.MessageID = MessageID(item.ID, t.ID)
		m.MessageAttributes = map[string]doctales.MessageAttribute{}
		for k, v := range t.Message.MessageAttributes {
			m.MessageAttributes[k] = v
		}
		targets, _ := json.Marshal(t.Channels)
		m.MessageAttributes[AttrTargets] = doctales.MessageAttribute{DataType: "String.Array", StringValue: string(targets)}
		m.Timestamp = now.UTC()
		return &m, "", nil
	}
	m := NewMessage(item, w.TopicArn, now)
	m.MessageID = MessageID(item.ID, t.ID)
	switch t.Kind {
	case TimerReminder:
		dl := deadlineOf(item)
		if !dl.Equal(t.Deadline) {
			return nil, fmt.Sprintf("the deadline moved from %s to %s", t.Deadline.Format(time.RFC3339), dl.UTC().Format(time.RFC3339)), nil
		}
		if !now.Before(dl) {
			return nil, "the deadline " + dl.UTC().Format(time.RFC3339) + " passed before the reminder could be sent", nil
		}
		left := formatBefore(t.Before)
		m.Subject = truncate("Reminder, due in "+left+": "+subjectOrFallback(item.Subject), MaxSubjectRunes)
		m.Message = strings.Replace(m.Message, bodyIntro, "Reminder: the deadline of this communication is in "+left+".", 1)
	case TimerEscalation:
		if item.Metadata.Read {
			return nil, "acknowledged (read)", nil
		}
		if item.Metadata.Urgency != doctales.UrgencyHigh {
			return nil, fmt.Sprintf("no longer high (urgency %q)", item.Metadata.Urgency), nil
		}
		m.Subject = truncate("Not yet acknowledged: "+subjectOrFallback(item.Subject), MaxSubjectRunes)
		m.Message = strings.Replace(m.Message, bodyIntro,
			fmt.Sprintf("You have a high priority communication that was not acknowledged; this is reminder %d, on %s.", t.Step, strings.Join(t.Channels, ", ")), 1)
	default:
		return nil, "unknown kind " + t.Kind, nil
	}
	m.MessageAttributes["timer"] = doctales.MessageAttribute{DataType: stringAttr, StringValue: t.Kind}
	if len(t.Channels) > 0 {
		targets, _ := json.Marshal(t.Channels)
		m.MessageAttributes[AttrTargets] = doctales.MessageAttribute{DataType: "String.Array", StringValue: string(targets)}
	}
	return m, "", nil
}

// formatBefore writes d as people say it: "24h", "1h", "90m", "1h30m".
func formatBefore(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// maxTimerSleep bounds how long Run sleeps without looking again, so a
// change of the wall clock is noticed.
const maxTimerSleep = 10 * time.Minute

// timerRetry is how long Run waits after a failure.
const timerRetry = 5 * time.Second

// Run fires due timers until ctx is done: it sleeps until the earliest
// pending timer (or a new plan, or maxTimerSleep), then calls FireDue.
// Timers that fell due while nothing ran fire at its first pass.
func (w *When) Run(ctx context.Context) {
	w.wakeOnce.Do(func() { w.wake = make(chan struct{}, 1) })
	t := time.NewTimer(0)
	defer t.Stop()
	log := w.logger()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-t.C:
		}
		wait := maxTimerSleep
		if _, err := w.FireDue(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Error("notification timers failed; retrying", logKeyError, err, "retryIn", timerRetry.String())
			wait = timerRetry
		} else if next, ok, err := w.Store.NextNotifyTimer(ctx); err != nil {
			log.Error("read next notification timer", logKeyError, err)
			wait = timerRetry
		} else if ok {
			wait = min(max(next.Sub(w.now()), 0), maxTimerSleep)
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(wait)
	}
}

// poke wakes Run to look at the timers again.
func (w *When) poke() {
	w.wakeOnce.Do(func() { w.wake = make(chan struct{}, 1) })
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *When) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *When) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}

// AckToken returns the token of communication id's ack link under key:
// the hex HMAC-SHA256 of "ack|<id>". It never expires; it only marks the
// communication read, so a leaked link can do no more than that.
func AckToken(key []byte, id string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("ack|" + id))
	return hex.EncodeToString(mac.Sum(nil))
}

// CheckAckToken reports whether token is id's ack token under key, in
// constant time.
func CheckAckToken(key []byte, id, token string) bool {
	want, err := hex.DecodeString(token)
	if err != nil || len(key) == 0 {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("ack|" + id))
	return hmac.Equal(mac.Sum(nil), want)
}
