package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/ledgertest"
	"github.com/doctales/doctales/internal/topictest"
	"github.com/doctales/doctales/notify"
)

// Topic is an in-memory topic with the semantics of an SNS standard topic:
// every Publish that succeeds delivers, a repeated MessageID included (it
// does not dedupe; subscribers do, by MessageID).
type Topic struct {
	mu        sync.Mutex
	Calls     []*doctales.Message // every Publish call
	Published []*doctales.Message // every delivery, repeats included
	Err       error               // returned by every Publish when set
}

func (tp *Topic) Publish(ctx context.Context, m *doctales.Message) error {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.Calls = append(tp.Calls, m)
	if tp.Err != nil {
		return tp.Err
	}
	tp.Published = append(tp.Published, m)
	return nil
}

var _ doctales.Topic = (*Topic)(nil)

// Ledger is an in-memory doctales.Ledger with the claim protocol, on the
// clock Now (nil is time.Now). FailMarks makes the next that many MarkSent
// calls fail, as a crash between publish and mark would.
type Ledger struct {
	mu        sync.Mutex
	entries   map[string]*ledgerEntry
	FailMarks int
	Now       func() time.Time
	Leases    []time.Duration // the lease of every Claim
}

type ledgerEntry struct {
	communicationID string
	state           string
	leaseUntil      time.Time
}

func (l *Ledger) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Ledger) Claim(ctx context.Context, messageID, communicationID string, lease time.Duration) (doctales.ClaimState, error) {
	if messageID == "" || lease <= 0 {
		return 0, doctales.Errorf(doctales.EINVALID, "message id and lease required")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.Leases = append(l.Leases, lease)
	if l.entries == nil {
		l.entries = make(map[string]*ledgerEntry)
	}
	now := l.now()
	e, ok := l.entries[messageID]
	switch {
	case !ok:
		l.entries[messageID] = &ledgerEntry{communicationID, doctales.LedgerSending, now.Add(lease)}
		return doctales.ClaimAcquired, nil
	case e.state == doctales.LedgerSent:
		return doctales.ClaimSent, nil
	case now.Before(e.leaseUntil):
		return doctales.ClaimInFlight, nil
	}
	e.leaseUntil = now.Add(lease)
	return doctales.ClaimTakenOver, nil
}

func (l *Ledger) Sent(ctx context.Context, messageID string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[messageID]
	return ok && e.state == doctales.LedgerSent, nil
}

func (l *Ledger) MarkSent(ctx context.Context, messageID, communicationID string) error {
	if messageID == "" {
		return doctales.Errorf(doctales.EINVALID, "message id required")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.FailMarks > 0 {
		l.FailMarks--
		return errors.New("ledger unavailable")
	}
	if l.entries == nil {
		l.entries = make(map[string]*ledgerEntry)
	}
	if e, ok := l.entries[messageID]; ok && e.state == doctales.LedgerSent {
		return nil
	}
	l.entries[messageID] = &ledgerEntry{communicationID: communicationID, state: doctales.LedgerSent}
	return nil
}

func (l *Ledger) Release(ctx context.Context, messageID string) error {
	if messageID == "" {
		return doctales.Errorf(doctales.EINVALID, "message id required")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.entries[messageID]; ok && e.state == doctales.LedgerSending {
		e.leaseUntil = l.now()
	}
	return nil
}

var _ doctales.Ledger = (*Ledger)(nil)

// TestTopic_Contract runs the shared topic contract on the mock topic:
// like SNS, it delivers a repeated MessageID again.
func TestTopic_Contract(t *testing.T) {
	topictest.Run(t, func(t *testing.T) topictest.Subject {
		tp := &Topic{}
		return topictest.Subject{Topic: tp, Delivered: func(t *testing.T) []string {
			var ids []string
			for _, m := range tp.Published {
				ids = append(ids, m.MessageID)
			}
			return ids
		}}
	})
}

// TestLedger_Contract runs the shared ledger contract on the in-memory
// ledger, so the tests below rely on the same semantics as SQLite and
// DynamoDB.
func TestLedger_Contract(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T, c *ledgertest.Clock) doctales.Ledger {
		return &Ledger{Now: c.Now}
	})
}

var testNow = time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)

const testTopicArn = "arn:aws:sns:eu-west-1:123456789012:doctales-notifications"

// newFunction returns a function wired to a fresh in-memory topic and ledger,
// logging into the test log.
func newFunction(tb testing.TB) (*notify.Function, *Topic, *Ledger) {
	tb.Helper()
	tp, l := &Topic{}, &Ledger{}
	return &notify.Function{
		Topic:    tp,
		Ledger:   l,
		Logger:   slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:      func() time.Time { return testNow },
		TopicArn: testTopicArn,
	}, tp, l
}

// tbWriter writes log lines to the test log.
type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// MustImage returns the stream image of it.
func MustImage(tb testing.TB, it *doctales.Item) map[string]events.DynamoDBAttributeValue {
	tb.Helper()
	if it == nil {
		return nil
	}
	img, err := it.Image()
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

// record returns a stream record of the change from old to new.
func record(tb testing.TB, name, seq string, old, new *doctales.Item) events.DynamoDBEventRecord {
	tb.Helper()
	return events.DynamoDBEventRecord{
		EventName:   name,
		EventSource: doctales.SourceDynamoDB,
		Change: events.DynamoDBStreamRecord{
			SequenceNumber: seq,
			NewImage:       MustImage(tb, new),
			OldImage:       MustImage(tb, old),
			StreamViewType: "NEW_AND_OLD_IMAGES",
		},
	}
}

// testItem returns a complete item with the given id and urgency.
func testItem(id, urgency string) *doctales.Item {
	return &doctales.Item{
		ID:        id,
		Type:      doctales.TypeEmail,
		Project:   "new-office",
		Subject:   "Contract signature",
		Sender:    "Alice Smith",
		SenderID:  "alice@example.com",
		Timestamp: testNow.Add(-time.Hour),
		Metadata:  doctales.Metadata{Urgency: urgency},
		Status:    doctales.StatusAccepted,
	}
}

// MustReadEvent reads a stream event from testdata/events.
func MustReadEvent(tb testing.TB, name string) events.DynamoDBEvent {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "events", name))
	if err != nil {
		tb.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		tb.Fatalf("decode %s: %v", name, err)
	}
	return ev
}

// MustHandle calls Handle and fails the test on a whole-batch error.
func MustHandle(tb testing.TB, f *notify.Function, ev events.DynamoDBEvent) events.DynamoDBEventResponse {
	tb.Helper()
	resp, err := f.Handle(context.Background(), ev)
	if err != nil {
		tb.Fatalf("Handle: %v", err)
	}
	return resp
}

func failures(resp events.DynamoDBEventResponse) []string {
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

func TestFunction_Handle(t *testing.T) {
	t.Run("ArchitectureExample", func(t *testing.T) {
		// The architecture document's example: a MODIFY with no OldImage and
		// no subject.
		f, tp, l := newFunction(t)
		resp := MustHandle(t, f, MustReadEvent(t, "modify-high.json"))
		if len(resp.BatchItemFailures) != 0 {
			t.Fatalf("BatchItemFailures = %v", failures(resp))
		}
		if len(tp.Calls) != 1 {
			t.Fatalf("published %d messages, want 1", len(tp.Calls))
		}
		m := tp.Calls[0]
		if want := notify.MessageID("email-123", notify.EscalationUrgencyHigh); m.MessageID != want {
			t.Errorf("MessageID = %q, want %q", m.MessageID, want)
		}
		if m.Subject != "High Priority Communication" {
			t.Errorf("Subject = %q", m.Subject)
		}
		if !strings.HasPrefix(m.Message, "You have a high priority communication that requires your attention.\n\nSubject: (no subject)\n") {
			t.Errorf("Message = %q", m.Message)
		}
		if got := m.MessageAttributes[notify.AttrCommunicationID]; got != (doctales.MessageAttribute{DataType: "String", StringValue: "email-123"}) {
			t.Errorf("communicationId attribute = %+v", got)
		}
		if got := m.MessageAttributes[notify.AttrUrgency].StringValue; got != "high" {
			t.Errorf("urgency attribute = %q", got)
		}
		if m.TopicArn != testTopicArn || !m.Timestamp.Equal(testNow) {
			t.Errorf("TopicArn, Timestamp = %q, %v", m.TopicArn, m.Timestamp)
		}
		if sent, _ := l.Sent(context.Background(), m.MessageID); !sent {
			t.Error("message not marked sent")
		}
	})

	t.Run("DuplicateDelivery", func(t *testing.T) {
		f, tp, _ := newFunction(t)
		ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
			record(t, notify.EventInsert, "100", nil, testItem("email-1", "high")),
		}}
		MustHandle(t, f, ev)
		MustHandle(t, f, ev)
		if len(tp.Calls) != 1 {
			t.Fatalf("Publish called %d times for one escalation delivered twice, want 1", len(tp.Calls))
		}
	})

	t.Run("InsertHighThenModifyHigh", func(t *testing.T) {
		// The original notified twice: at ingestion and at extraction.
		f, tp, _ := newFunction(t)
		extracted := testItem("email-1", "high")
		extracted.Status = doctales.StatusExtracted
		MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
			record(t, notify.EventInsert, "100", nil, testItem("email-1", "high")),
			record(t, notify.EventModify, "200", testItem("email-1", "high"), extracted),
		}})
		if len(tp.Calls) != 1 {
			t.Fatalf("Publish called %d times, want 1", len(tp.Calls))
		}
	})

	t.Run("InsertMediumThenModifyHigh", func(t *testing.T) {
		f, tp, _ := newFunction(t)
		MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
			record(t, notify.EventInsert, "100", nil, testItem("email-1", "medium")),
			record(t, notify.EventModify, "200", testItem("email-1", "medium"), testItem("email-1", "high")),
		}})
		if len(tp.Calls) != 1 {
			t.Fatalf("Publish called %d times, want 1", len(tp.Calls))
		}
		if got := tp.Calls[0].Subject; got != "High Priority: Contract signature" {
			t.Errorf("Subject = %q", got)
		}
		if !strings.Contains(tp.Calls[0].Message, "\nFrom: Alice Smith <alice@example.com>\nProject: new office\n") {
			t.Errorf("Message = %q", tp.Calls[0].Message)
		}
	})

	t.Run("ReIngest", func(t *testing.T) {
		// Removed and ingested again: same escalation, same id, no second
		// notification.
		f, tp, _ := newFunction(t)
		MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
			record(t, notify.EventInsert, "100", nil, testItem("email-1", "high")),
			record(t, notify.EventRemove, "200", testItem("email-1", "high"), nil),
			record(t, notify.EventInsert, "300", nil, testItem("email-1", "high")),
		}})
		if len(tp.Calls) != 1 {
			t.Fatalf("Publish called %d times, want 1", len(tp.Calls))
		}
	})

	t.Run("NoEscalation", func(t *testing.T) {
		f, tp, _ := newFunction(t)
		resp := MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
			record(t, notify.EventModify, "100", testItem("email-1", "high"), testItem("email-1", "medium")),
			record(t, notify.EventModify, "200", testItem("email-2", "high"), testItem("email-2", "high")),
			record(t, notify.EventRemove, "300", testItem("email-3", "high"), nil),
			record(t, notify.EventInsert, "400", nil, testItem("email-4", "")),
		}})
		if len(tp.Calls) != 0 || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("published %d, failures %v; want none", len(tp.Calls), failures(resp))
		}
	})

	t.Run("PoisonRecord", func(t *testing.T) {
		f, tp, _ := newFunction(t)
		poison := record(t, notify.EventInsert, "200", nil, testItem("email-2", "high"))
		poison.Change.NewImage["timestamp"] = events.NewStringAttribute("not a time")
		resp := MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
			record(t, notify.EventInsert, "100", nil, testItem("email-1", "high")),
			poison,
			record(t, notify.EventInsert, "300", nil, testItem("email-3", "high")),
		}})
		if got := failures(resp); len(got) != 2 || got[0] != "200" || got[1] != "300" {
			t.Fatalf("BatchItemFailures = %v, want [200 300]", got)
		}
		if len(tp.Calls) != 1 || tp.Calls[0].MessageAttributes[notify.AttrCommunicationID].StringValue != "email-1" {
			t.Fatalf("published %d messages, want only email-1's", len(tp.Calls))
		}
	})

	t.Run("ImageWithoutID", func(t *testing.T) {
		f, _, _ := newFunction(t)
		rec := record(t, notify.EventInsert, "100", nil, testItem("email-1", "high"))
		delete(rec.Change.NewImage, "id")
		resp := MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}})
		if got := failures(resp); len(got) != 1 || got[0] != "100" {
			t.Fatalf("BatchItemFailures = %v, want [100]", got)
		}
	})

	t.Run("UnknownEventName", func(t *testing.T) {
		f, _, _ := newFunction(t)
		rec := record(t, "UPSERT", "100", nil, testItem("email-1", "high"))
		resp := MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}})
		if got := failures(resp); len(got) != 1 || got[0] != "100" {
			t.Fatalf("BatchItemFailures = %v, want [100]", got)
		}
	})

	t.Run("PublishError", func(t *testing.T) {
		f, tp, l := newFunction(t)
		tp.Err = errors.New("topic down")
		resp := MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
			record(t, notify.EventModify, "100", testItem("email-1", "high"), testItem("email-1", "high")),
			record(t, notify.EventInsert, "200", nil, testItem("email-2", "high")),
			record(t, notify.EventInsert, "300", nil, testItem("email-3", "low")),
		}})
		if got := failures(resp); len(got) != 2 || got[0] != "200" || got[1] != "300" {
			t.Fatalf("BatchItemFailures = %v, want [200 300]", got)
		}
		if sent, _ := l.Sent(context.Background(), notify.MessageID("email-2", notify.EscalationUrgencyHigh)); sent {
			t.Fatal("unpublished message marked sent")
		}
	})

	t.Run("SubjectTruncated", func(t *testing.T) {
		f, tp, _ := newFunction(t)
		it := testItem("email-1", "high")
		it.Subject = strings.Repeat("日本語の件名", 40)
		MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
			record(t, notify.EventInsert, "100", nil, it),
		}})
		if len(tp.Calls) != 1 {
			t.Fatalf("published %d messages, want 1", len(tp.Calls))
		}
		s := tp.Calls[0].Subject
		if n := len([]rune(s)); n != notify.MaxSubjectRunes || !strings.HasSuffix(s, "…") || !strings.HasPrefix(s, "High Priority: 日本語") {
			t.Fatalf("Subject = %q (%d runes), want %d runes ending in …", s, n, notify.MaxSubjectRunes)
		}
	})

	t.Run("ContextCancelled", func(t *testing.T) {
		f, tp, _ := newFunction(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		resp, err := f.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
			record(t, notify.EventInsert, "100", nil, testItem("email-1", "high")),
		}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Handle error = %v, want context.Canceled", err)
		}
		if len(resp.BatchItemFailures) != 0 || len(tp.Calls) != 0 {
			t.Fatalf("response %v, %d published; want empty, none", failures(resp), len(tp.Calls))
		}
	})

	t.Run("ErrTopicRequired", func(t *testing.T) {
		f := &notify.Function{Ledger: &Ledger{}}
		if _, err := f.Handle(context.Background(), events.DynamoDBEvent{}); err == nil || !strings.Contains(err.Error(), "Topic required") {
			t.Fatalf("Handle error = %v, want Topic required", err)
		}
	})
}

func TestLogSubscriber_Deliver(t *testing.T) {
	var buf bytes.Buffer
	s := &notify.LogSubscriber{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	m := notify.NewMessage(testItem("email-1", "high"), testTopicArn, testNow)
	if err := s.Deliver(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	line := buf.String()
	for _, want := range []string{"msg=notification", "messageId=" + m.MessageID, `subject="High Priority: Contract signature"`, "communicationId=email-1"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line %q lacks %q", line, want)
		}
	}
	if strings.Count(line, "\n") != 1 {
		t.Errorf("logged %d lines, want 1", strings.Count(line, "\n"))
	}
}
