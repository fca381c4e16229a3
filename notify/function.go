package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/pattern"
)

// Stream event names, as DynamoDB Streams writes them.
const (
	EventInsert = string(events.DynamoDBOperationTypeInsert)
	EventModify = string(events.DynamoDBOperationTypeModify)
	EventRemove = string(events.DynamoDBOperationTypeRemove)
)

// Log attribute keys.
const (
	logKeyMessageID       = "messageId"
	logKeyCommunicationID = "communicationId"
	logKeySequenceNumber  = "sequenceNumber"
	logKeyEventName       = "eventName"
	logKeyReason          = "reason"
	logKeySubject         = "subject"
	logKeyFailed          = "failed"
	logKeyError           = "error"
	logKeyURL             = "url"
	logKeyEvents          = "events"
)

// Publisher is the one method of [doctales.Topic] the function uses.
type Publisher interface {
	Publish(ctx context.Context, m *doctales.Message) error
}

var _ Publisher = (doctales.Topic)(nil)

// Escalation is the notification rule: it reports whether the change from
// old to new made a communication high priority, and why (or why not).
//
// It notifies when new's metadata.urgency is "high" and old is nil (an insert,
// or a modify whose old image is unknown) or old's urgency was anything but
// "high". It does not notify when new is nil (a remove), when new is not high
// (including a missing urgency), or when old was already high: an item that
// stays high was notified when it became high. Escalation is pure and safe
// for concurrent use.
func Escalation(old, new *doctales.Item) (notify bool, reason string) {
	switch {
	case new == nil:
		return false, "no new image"
	case new.Metadata.Urgency == "":
		return false, "new image has no urgency"
	case new.Metadata.Urgency != doctales.UrgencyHigh:
		return false, fmt.Sprintf("urgency is %q, not high", new.Metadata.Urgency)
	case old == nil:
		return true, "urgency is high and there is no old image"
	case old.Metadata.Urgency == doctales.UrgencyHigh:
		return false, "urgency was already high"
	case old.Metadata.Urgency == "":
		return true, "urgency became high from unset"
	}
	return true, fmt.Sprintf("urgency rose from %q to high", old.Metadata.Urgency)
}

// Claim leases (see [Function.ClaimLease] and docs/aws.md, "Notifications
// once").
const (
	// DefaultClaimLease is the lease of a claim made without a context
	// deadline (the local runtime): far longer than a live publisher
	// takes between claiming and marking sent (milliseconds), short
	// enough that a retry after a crash and restart soon takes over.
	DefaultClaimLease = 10 * time.Second
	// ClaimSkew is added to a context deadline to make a claim's lease
	// (on Lambda): the clocks of two invocations may differ by this much.
	ClaimSkew = time.Second
	// ClaimPoll is how often a record whose claim is in flight claims
	// again while it waits for the lease ([Function.ClaimWait]).
	ClaimPoll = 250 * time.Millisecond
)

// ErrInFlight is wrapped by the error of a record whose message another
// attempt has claimed and whose lease still runs: the record fails, and
// its retry after the lease takes the claim over.
var ErrInFlight = errors.New("notification in flight: claimed by another attempt whose lease still runs")

// claimLease returns the lease of a claim made under ctx: until ctx's
// deadline plus ClaimSkew when it has one (a Lambda invocation cannot
// outlive its deadline, so a claim whose holder timed out or crashed is
// free as soon as Lambda retries), else d, else DefaultClaimLease.
func claimLease(ctx context.Context, d time.Duration, now time.Time) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		if l := dl.Sub(now) + ClaimSkew; l > 0 {
			return l
		}
		return ClaimSkew
	}
	if d > 0 {
		return d
	}
	return DefaultClaimLease
}

// Function is the notification function: it reads a batch of DynamoDB stream
// records and publishes one [doctales.Message] per escalation ([Escalation])
// to Topic, once per escalation thanks to Ledger: it claims the message id
// ([doctales.Ledger.Claim]), publishes, then marks it sent. A crash between
// publishing and marking is resolved by the claim's lease: the record's
// retry takes the claim over once the lease ran out and publishes again
// with the same MessageID, which the local topic drops and SNS subscribers
// drop by the "messageId" attribute.
//
// Set the fields before the first call to Handle and do not change them
// after; Handle is then safe for concurrent use on different batches.
type Function struct {
	// Topic receives the notifications. Required. It need not drop a
	// repeated MessageID (an SNS standard topic does not): the Ledger's
	// claim keeps repeats to a crash between publish and mark.
	Topic Publisher

	// Ledger claims each message id before it is published and records
	// it sent after, so a re-delivered record does not publish again.
	// Required.
	Ledger doctales.Ledger

	// ClaimLease is the lease of a claim made without a context deadline
	// (the local runtime); zero is DefaultClaimLease. Under a deadline
	// (Lambda) the lease runs to the deadline plus ClaimSkew.
	ClaimLease time.Duration

	// ClaimWait is how long a record whose message is in flight (claimed
	// by an attempt that crashed, whose lease still runs) waits, claiming
	// again every ClaimPoll, before it fails with ErrInFlight: a restart
	// soon after a crash then takes the claim over instead of spending the
	// record's retries. Zero waits up to the lease; negative does not
	// wait. It never waits past ctx's deadline (less ClaimSkew).
	ClaimWait time.Duration

	// afterPublish, if set, runs between publishing and marking sent:
	// the tests' crash injection.
	afterPublish func(ctx context.Context, m *doctales.Message)
	// sleep, if set, replaces the wait between claims (tests).
	sleep func(ctx context.Context, d time.Duration) error

	// Logger receives one line per notification and per failed record.
	// Nil means slog.Default().
	Logger *slog.Logger

	// Now is the clock of the message timestamps. Nil means time.Now.
	Now func() time.Time

	// TopicArn is copied into every message; empty leaves it out.
	TopicArn string

	// Freshness is how old a communication may be, by its own date, and
	// still be pushed: older mail (an imported mailbox, a message delayed
	// for days) is recorded but notifies nobody, unless its metadata says
	// notify "always". Zero pushes at any age.
	Freshness time.Duration

	// Rules, if set, are people's notification rules (issue 13): the first
	// enabled rule of the item's owner whose pattern matches a change
	// decides whether it is notified, and to which channels (the message's
	// AttrTargets). Nil keeps the one built-in rule, [Escalation], to
	// every channel.
	Rules *RuleBook

	// Flats, if set, is the cache of record flattenings the runtime's
	// subscription filters fill (runtime.Runtime.Flats): the rules judge
	// a record handed to HandleLog from the flattening its filter made,
	// instead of encoding and flattening it again. Nil flattens each
	// record once for all rules.
	Flats *pattern.FlatCache

	// When, if set, plans and fires what follows a notification
	// (reminders before the deadline, escalation until acknowledged): it
	// is told of every item change and every notification published.
	When *When

	// OnDecision, if set, is told what was decided for each INSERT or
	// MODIFY record: kind "published" or "skipped", and why. The flow
	// history uses it to answer "why was I (not) notified?".
	OnDecision func(ctx context.Context, communicationID, kind, detail string)
}

// Validate reports a missing Topic or Ledger.
func (f *Function) Validate() error {
	if f.Topic == nil {
		return errors.New("notify function: Topic required")
	}
	if f.Ledger == nil {
		return errors.New("notify function: Ledger required")
	}
	if f.Rules != nil && f.Rules.Store == nil {
		return errNoRules
	}
	if f.When != nil {
		return f.When.Validate()
	}
	return nil
}

// Handle processes the records of ev in order, as an AWS Lambda function
// with ReportBatchItemFailures would:
//
//   - INSERT and MODIFY records are read (NewImage and, for MODIFY, OldImage)
//     and, when [Escalation] says so, the message id is claimed in the
//     Ledger, published to Topic and then marked sent. A message already
//     sent is skipped; one claimed by another attempt whose lease still
//     runs is waited for ([Function.ClaimWait]), then fails the record
//     ([ErrInFlight]) for a retry. Publishing before marking means a crash
//     in between re-sends the same MessageID once the lease ran out, which
//     the local topic and SNS subscribers drop; the reverse order could
//     lose the notification.
//   - REMOVE records are ignored, and so are records with keys only
//     (StreamViewType KEYS_ONLY: the communication was deleted since and
//     its images redacted).
//   - A record that fails (an unreadable image, an image without id, an
//     unknown event name, a ledger or topic error) stops the batch: it and
//     every later record are returned in BatchItemFailures, identified by
//     their dynamodb.SequenceNumber, so the runtime retries them in order
//     and the order of changes per item is kept. The cause is logged at Warn.
//
// Handle returns an error, and an empty response, only when the whole batch
// failed: a missing Topic or Ledger, or ctx cancelled. Retrying a batch,
// wholly or partly, publishes a message again only after a crash between
// its publish and its mark, with the same MessageID.
func (f *Function) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	return f.HandleLog(ctx, ev, nil)
}

// HandleLog is Handle for the local runtime (runtime.DynamoDBLogHandler):
// recs are the log records ev was decoded from, recs[i] for
// ev.Records[i], so the rules judge each record from its raw bytes and
// the flattening the subscription's filter left in Flats (see
// judgeRules). recs of another length than ev.Records are ignored.
func (f *Function) HandleLog(ctx context.Context, ev events.DynamoDBEvent, recs []*doctales.LogRecord) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	if err := f.Validate(); err != nil {
		return resp, err
	}
	log := f.logger()

	for i := range ev.Records {
		rec := &ev.Records[i]

		// A cancelled context fails the whole batch: nothing after this
		// record was attempted, and retrying what was done is harmless.
		if err := ctx.Err(); err != nil {
			return events.DynamoDBEventResponse{}, fmt.Errorf("notify batch at record %d of %d: %w", i+1, len(ev.Records), err)
		}

		var raw *doctales.LogRecord
		if len(recs) == len(ev.Records) {
			raw = recs[i]
		}
		err := f.handleRecord(ctx, rec, raw)
		if err == nil {
			continue
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return events.DynamoDBEventResponse{}, fmt.Errorf("notify batch at record %d of %d: %w (%v)", i+1, len(ev.Records), ctxErr, err)
		}

		// Stop at the first failure and report it and every later record,
		// so the runtime retries them in stream order.
		log.WarnContext(ctx, "record failed",
			logKeySequenceNumber, rec.Change.SequenceNumber,
			logKeyEventName, rec.EventName,
			logKeyFailed, len(ev.Records)-i,
			logKeyError, err)
		for _, r := range ev.Records[i:] {
			resp.BatchItemFailures = append(resp.BatchItemFailures,
				events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
		}
		return resp, nil
	}
	return resp, nil
}

// handleRecord notifies for one stream record if it is an escalation that
// was not notified yet. raw, if set, is the log record rec was decoded
// from.
func (f *Function) handleRecord(ctx context.Context, rec *events.DynamoDBEventRecord, raw *doctales.LogRecord) error {
	log := f.logger()

	// Read the images the event type has.
	var old *doctales.Item
	switch rec.EventName {
	case EventRemove:
		log.DebugContext(ctx, "record skipped", logKeySequenceNumber, rec.Change.SequenceNumber, logKeyReason, "remove")
		return nil
	case EventModify:
		if len(rec.Change.OldImage) > 0 {
			item, err := doctales.ItemFromImage(rec.Change.OldImage)
			if err != nil {
				return fmt.Errorf("%s record %q: old image: %w", rec.EventName, rec.Change.SequenceNumber, err)
			}
			old = item
		}
	case EventInsert:
	default:
		return fmt.Errorf("record %q: unknown event name %q", rec.Change.SequenceNumber, rec.EventName)
	}
	if doctales.IsRuleRecord(rec.Change.Keys) {
		// A person's rule changed: the rules are read through
		// (RuleBook), nothing to notify.
		log.DebugContext(ctx, "record skipped", logKeySequenceNumber, rec.Change.SequenceNumber, logKeyReason, "a rule's change")
		return nil
	}
	if len(rec.Change.NewImage) == 0 && rec.Change.StreamViewType == "KEYS_ONLY" {
		// A record whose communication was deleted since (its images
		// were redacted), or a stream that sends keys only: nothing to
		// judge, nothing to notify.
		log.InfoContext(ctx, "record skipped", logKeySequenceNumber, rec.Change.SequenceNumber, logKeyReason, "keys only (deleted since, or a KEYS_ONLY stream)")
		return nil
	}
	if len(rec.Change.NewImage) == 0 {
		return fmt.Errorf("%s record %q: no new image", rec.EventName, rec.Change.SequenceNumber)
	}
	item, err := doctales.ItemFromImage(rec.Change.NewImage)
	if err != nil {
		return fmt.Errorf("%s record %q: new image: %w", rec.EventName, rec.Change.SequenceNumber, err)
	}
	if item.ID == "" {
		return fmt.Errorf("%s record %q: new image has no id", rec.EventName, rec.Change.SequenceNumber)
	}

	// Re-plan the item's timers (a deadline moved, the item is done).
	if f.When != nil {
		if err := f.When.Changed(ctx, old, item); err != nil {
			return fmt.Errorf("%s record %q: timers: %w", rec.EventName, rec.Change.SequenceNumber, err)
		}
	}

	// Decide: by the person's rules, or by the one built-in rule.
	var rule *compiledRule
	notify, reason := false, ""
	if f.Rules != nil {
		rule, reason, err = f.judgeRules(ctx, rec, raw, old, item)
		if err != nil {
			return fmt.Errorf("%s record %q: rules: %w", rec.EventName, rec.Change.SequenceNumber, err)
		}
		notify = rule != nil
	} else {
		notify, reason = Escalation(old, item)
	}
	if !notify {
		detail := "not an escalation: " + reason
		if f.Rules != nil {
			detail = "no rule fired: " + reason
		}
		f.decide(ctx, item.ID, "skipped", detail)
		log.DebugContext(ctx, "record skipped",
			logKeySequenceNumber, rec.Change.SequenceNumber,
			logKeyCommunicationID, item.ID,
			logKeyReason, reason)
		return nil
	}

	// Some escalations are not pushed: what the person said, what looks
	// like fraud, and what is too old to need them now.
	if skip := f.withhold(item); skip != "" {
		f.decide(ctx, item.ID, "skipped", skip)
		log.InfoContext(ctx, "notification withheld",
			logKeyCommunicationID, item.ID,
			logKeyReason, skip)
		return nil
	}

	// Skip an escalation that was already notified.
	var msg *doctales.Message
	if rule != nil {
		msg = newRuleMessage(item, rule.Rule, f.TopicArn, f.now())
	} else {
		msg = NewMessage(item, f.TopicArn, f.now())
	}
	claim, err := f.claim(ctx, msg.MessageID, item.ID)
	if err != nil {
		return fmt.Errorf("claim message %q of communication %q: %w", msg.MessageID, item.ID, err)
	}
	switch claim {
	case doctales.ClaimSent:
		// A crash after marking but before planning: plan now (planning
		// is idempotent).
		if err := f.planned(ctx, item, msg); err != nil {
			return err
		}
		f.decide(ctx, item.ID, "skipped", "already notified as message "+msg.MessageID)
		log.DebugContext(ctx, "notification already sent",
			logKeyMessageID, msg.MessageID,
			logKeyCommunicationID, item.ID)
		return nil
	case doctales.ClaimInFlight:
		return fmt.Errorf("message %q of communication %q: %w", msg.MessageID, item.ID, ErrInFlight)
	case doctales.ClaimTakenOver:
		// The last holder's lease ran out before it marked the message
		// sent: it may have published. Publish again, same MessageID.
		log.WarnContext(ctx, "notification resent after an expired claim",
			logKeyMessageID, msg.MessageID,
			logKeyCommunicationID, item.ID)
	}

	// Quiet hours and the digest take channels out (held, or listed in
	// the next digest), idempotently.
	pub := msg
	if f.When != nil {
		if pub, err = f.When.Hold(ctx, item, msg); err != nil {
			// Nothing published: free the claim for the retry.
			if rerr := f.Ledger.Release(ctx, msg.MessageID); rerr != nil {
				err = errors.Join(err, rerr)
			}
			return fmt.Errorf("message %q of communication %q: %w", msg.MessageID, item.ID, err)
		}
	}

	// Publish, then mark: a crash in between re-sends the same id after
	// the claim's lease.
	if pub != nil {
		if err := f.Topic.Publish(ctx, pub); err != nil {
			// Not published (or not known to be): free the claim so
			// the retry need not wait for the lease.
			if rerr := f.Ledger.Release(ctx, msg.MessageID); rerr != nil {
				err = errors.Join(err, rerr)
			}
			return fmt.Errorf("publish message %q of communication %q: %w", msg.MessageID, item.ID, err)
		}
	}
	if f.afterPublish != nil {
		f.afterPublish(ctx, msg)
	}
	if err := f.Ledger.MarkSent(ctx, msg.MessageID, item.ID); err != nil {
		return fmt.Errorf("mark message %q of communication %q sent: %w", msg.MessageID, item.ID, err)
	}
	if err := f.planned(ctx, item, msg); err != nil {
		return err
	}
	f.decide(ctx, item.ID, "published", fmt.Sprintf("message %s: %s", msg.MessageID, reason))
	log.InfoContext(ctx, "notification published",
		logKeyMessageID, msg.MessageID,
		logKeyCommunicationID, item.ID,
		logKeyReason, reason)
	return nil
}

// claim claims messageID, waiting while it is in flight (ClaimWait).
func (f *Function) claim(ctx context.Context, messageID, communicationID string) (doctales.ClaimState, error) {
	lease := claimLease(ctx, f.ClaimLease, f.now())
	wait := f.ClaimWait
	if wait == 0 {
		wait = lease
	}
	for waited := time.Duration(0); ; waited += ClaimPoll {
		claim, err := f.Ledger.Claim(ctx, messageID, communicationID, lease)
		if err != nil || claim != doctales.ClaimInFlight || waited+ClaimPoll > wait {
			return claim, err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < ClaimPoll+ClaimSkew {
			return claim, nil
		}
		if err := f.pause(ctx, ClaimPoll); err != nil {
			return 0, err
		}
	}
}

// pause waits d, or until ctx is done.
func (f *Function) pause(ctx context.Context, d time.Duration) error {
	if f.sleep != nil {
		return f.sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// planned tells When, if set, that msg was published for item.
func (f *Function) planned(ctx context.Context, item *doctales.Item, msg *doctales.Message) error {
	if f.When == nil {
		return nil
	}
	if err := f.When.Notified(ctx, item, msg); err != nil {
		return fmt.Errorf("message %q of communication %q: %w", msg.MessageID, item.ID, err)
	}
	return nil
}

// withhold returns why an escalation of item is not pushed, or "".
func (f *Function) withhold(item *doctales.Item) string {
	switch item.Metadata.Notify {
	case doctales.NotifyNever:
		return "notifications are off for this communication (imported with --no-notify)"
	case doctales.NotifyAlways:
		return ""
	}
	if d := item.Dimensions; d != nil && d.Suspicious != "" {
		return "suspicious, never pushed: " + d.Suspicious
	}
	if f.Freshness > 0 && !item.Timestamp.IsZero() {
		if age := f.now().Sub(item.Timestamp); age > f.Freshness {
			return fmt.Sprintf("older than the freshness window (%s): dated %s, %s ago", f.Freshness, item.Timestamp.UTC().Format(time.RFC3339), roundAge(age))
		}
	}
	return ""
}

// roundAge formats an age in days past two days, else in hours.
func roundAge(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	return d.Round(time.Minute).String()
}

func (f *Function) decide(ctx context.Context, id, kind, detail string) {
	if f.OnDecision != nil {
		f.OnDecision(ctx, id, kind, detail)
	}
}

func (f *Function) logger() *slog.Logger {
	if f.Logger != nil {
		return f.Logger
	}
	return slog.Default()
}

func (f *Function) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}
