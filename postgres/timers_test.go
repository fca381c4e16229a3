package postgres_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/timertest"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/postgres"
)

// TestNotifyTimers_Contract runs the timer store contract that the SQLite
// and DynamoDB adapters run. One DB reads its own claims again, so the
// contract's repeated DueTimers see the same timers.
func TestNotifyTimers_Contract(t *testing.T) {
	timertest.Run(t, func(t *testing.T) notify.TimerStore {
		db, _ := mustOpen(t, postgres.Options{})
		return db
	})
}

// TestTimers_ClaimRace: two DBs on one database (two notification
// workers) read the due timers at the same moment, round after round,
// one new timer per round: exactly one of them gets it each time. Then
// with 200 timers due, each goes to exactly one of them.
func TestTimers_ClaimRace(t *testing.T) {
	ctx := context.Background()
	a, dsn := mustOpen(t, postgres.Options{})
	b := mustOpenDSN(t, dsn, postgres.Options{})
	now := time.Now()
	race := func() [2][]notify.Timer {
		var got [2][]notify.Timer
		var errs [2]error
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, db := range []*postgres.DB{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				got[i], errs[i] = db.DueTimers(ctx, now, 0)
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		return got
	}
	for round := range 20 {
		id := fmt.Sprintf("reminder:%d", round)
		if err := a.PutTimers(ctx, []notify.Timer{{ID: id, CommunicationID: "c", Kind: notify.TimerReminder, Due: now.Add(-time.Second)}}); err != nil {
			t.Fatal(err)
		}
		got := race()
		if n := len(got[0]) + len(got[1]); n != 1 {
			t.Fatalf("round %d: the two claimers got %d and %d timers (%+v); want one timer, to one of them", round, len(got[0]), len(got[1]), got)
		}
		for _, db := range []*postgres.DB{a, b} {
			if err := db.FireTimer(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
	}

	var many []notify.Timer
	for i := range 200 {
		many = append(many, notify.Timer{ID: fmt.Sprintf("many:%03d", i), CommunicationID: "d", Kind: notify.TimerEscalation, Due: now.Add(-time.Minute)})
	}
	if err := a.PutTimers(ctx, many); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for range 3 {
		got := race()
		for _, ts := range got {
			for _, tm := range ts {
				seen[tm.ID]++
				if err := a.FireTimer(ctx, tm.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if len(seen) != 200 {
		t.Errorf("%d of 200 due timers were claimed in three rounds of 2×100", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("timer %s was returned %d times", id, n)
		}
	}
}

// TestTimers_LeaseTakeover: a timer claimed by one DB is not due for
// another until the claim's lease (postgres.TimerLease) ends, when the
// other takes it over; NextNotifyTimer of the other says when that is,
// not the timer's due time (which would have it poll meanwhile).
func TestTimers_LeaseTakeover(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := t0
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	a, dsn := mustOpen(t, postgres.Options{Now: now})
	b := mustOpenDSN(t, dsn, postgres.Options{Now: now})
	if err := a.PutTimers(ctx, []notify.Timer{{ID: "e1", CommunicationID: "c", Kind: notify.TimerEscalation, Due: t0}}); err != nil {
		t.Fatal(err)
	}
	if got, err := a.DueTimers(ctx, t0, 0); err != nil || len(got) != 1 {
		t.Fatalf("a's DueTimers = %+v, %v; want e1", got, err)
	}
	if got, err := b.DueTimers(ctx, t0, 0); err != nil || len(got) != 0 {
		t.Fatalf("b's DueTimers while a holds the claim = %+v, %v; want none", got, err)
	}
	if next, ok, err := b.NextNotifyTimer(ctx); err != nil || !ok || !next.Equal(t0.Add(postgres.TimerLease)) {
		t.Fatalf("b's NextNotifyTimer = %s %v %v; want the lease's end %s", next, ok, err, t0.Add(postgres.TimerLease))
	}
	if next, ok, err := a.NextNotifyTimer(ctx); err != nil || !ok || !next.Equal(t0) {
		t.Fatalf("a's NextNotifyTimer = %s %v %v; want its own claim's due time %s", next, ok, err, t0)
	}
	// a dies; once the lease ran out, b takes the timer over.
	mu.Lock()
	clock = t0.Add(postgres.TimerLease)
	mu.Unlock()
	if got, err := b.DueTimers(ctx, clock, 0); err != nil || len(got) != 1 || got[0].ID != "e1" {
		t.Fatalf("b's DueTimers after the lease = %+v, %v; want e1", got, err)
	}
	if got, err := a.DueTimers(ctx, clock, 0); err != nil || len(got) != 0 {
		t.Fatalf("a's DueTimers after b took over = %+v, %v; want none", got, err)
	}
	if err := b.FireTimer(ctx, "e1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := a.NextNotifyTimer(ctx); err != nil || ok {
		t.Fatalf("NextNotifyTimer after firing = %v, %v; want none pending", ok, err)
	}
}

// countingTopic counts the messages published, by MessageId.
type countingTopic struct {
	mu   sync.Mutex
	byID map[string]int
}

func (c *countingTopic) Publish(_ context.Context, m *doctales.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byID[m.MessageID]++
	return nil
}

// gatedTopic publishes to a countingTopic, the first message only after
// release is closed; entered is closed when that first message arrives.
type gatedTopic struct {
	*countingTopic
	once             sync.Once
	entered, release chan struct{}
}

func (g *gatedTopic) Publish(ctx context.Context, m *doctales.Message) error {
	g.once.Do(func() {
		close(g.entered)
		<-g.release
	})
	return g.countingTopic.Publish(ctx, m)
}

// TestWhen_TwoWorkersFireOnce: two notification workers (notify.When,
// each on its own DB of one database) fire the due reminders and
// escalations of 30 communications. Worker a claims them and is held in
// its first publish while worker b runs FireDue: b finds nothing due (a
// holds every timer), and once a goes on, each timer's message is
// published exactly once. Without the claims b would read the timers a
// is firing and meet a's ledger claim on the first (ErrInFlight), a
// failed FireDue.
func TestWhen_TwoWorkersFireOnce(t *testing.T) {
	ctx := context.Background()
	a, dsn := mustOpen(t, postgres.Options{})
	b := mustOpenDSN(t, dsn, postgres.Options{})
	now := time.Now().UTC().Truncate(time.Second)
	deadline := now.Add(2 * time.Hour)
	var timers []notify.Timer
	for i := range 30 {
		id := fmt.Sprintf("comm-%02d", i)
		it := &doctales.Item{ID: id, Subject: "Contract " + id, Timestamp: now, Metadata: doctales.Metadata{Urgency: doctales.UrgencyHigh},
			Dimensions: &doctales.Dimensions{Deadline: &deadline}}
		if _, _, err := a.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		timers = append(timers,
			notify.Timer{ID: "reminder:" + id, CommunicationID: id, Kind: notify.TimerReminder, Due: now.Add(-time.Second),
				Deadline: deadline, Before: 2 * time.Hour, Channels: []string{"log"}},
			notify.Timer{ID: "escalation:" + id + "#1", CommunicationID: id, Kind: notify.TimerEscalation, Due: now.Add(-time.Second),
				Step: 1, Channels: []string{"webhook"}})
	}
	if err := a.PutTimers(ctx, timers); err != nil {
		t.Fatal(err)
	}
	counts := &countingTopic{byID: map[string]int{}}
	gate := &gatedTopic{countingTopic: counts, entered: make(chan struct{}), release: make(chan struct{})}
	clock := func() time.Time { return now }
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	wa := &notify.When{Store: a, Items: a, Topic: gate, Ledger: a, Now: clock, Logger: quiet}
	wb := &notify.When{Store: b, Items: b, Topic: counts, Ledger: b, Now: clock, Logger: quiet}
	var sentA int
	var errA error
	done := make(chan struct{})
	go func() {
		defer close(done)
		sentA, errA = wa.FireDue(ctx)
	}()
	select {
	case <-gate.entered:
	case <-done:
		t.Fatalf("worker a returned before publishing: %d sent, %v", sentA, errA)
	case <-time.After(30 * time.Second):
		t.Fatal("worker a did not publish within 30s")
	}
	sentB, errB := wb.FireDue(ctx)
	close(gate.release)
	<-done
	if errA != nil || errB != nil {
		t.Fatalf("FireDue: worker a %v, worker b %v; want no error", errA, errB)
	}
	if sentA != len(timers) || sentB != 0 {
		t.Errorf("worker a sent %d, worker b %d; want %d and 0 (a held every timer)", sentA, sentB, len(timers))
	}
	counts.mu.Lock()
	defer counts.mu.Unlock()
	if len(counts.byID) != len(timers) {
		t.Errorf("%d distinct messages published; want %d", len(counts.byID), len(timers))
	}
	for id, n := range counts.byID {
		if n != 1 {
			t.Errorf("message %s published %d times", id, n)
		}
	}
	for _, tm := range timers {
		if got, ok, err := a.GetTimer(ctx, tm.ID); err != nil || !ok || !got.Fired {
			t.Errorf("timer %s after firing = %+v %v %v; want fired", tm.ID, got, ok, err)
		}
	}
}

// TestDigest_Entries: a digest's entries are stored once per id and come
// back oldest first; an id PostgreSQL text cannot hold is EINVALID.
func TestDigest_Entries(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, e := range []notify.DigestEntry{
		{ID: "m2", CommunicationID: "c2", Subject: "Second", At: t0.Add(time.Minute), Why: "rule"},
		{ID: "m1", CommunicationID: "c1", Subject: "First", At: t0},
		{ID: "m1", CommunicationID: "c1", Subject: "First again", At: t0.Add(time.Hour)},
	} {
		if err := db.AddDigestEntry(ctx, "digest@1", e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.DigestEntries(ctx, "digest@1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "m1" || got[0].Subject != "First" || got[1].ID != "m2" || got[1].Why != "rule" {
		t.Fatalf("entries = %+v; want m1 (kept from its first add), then m2", got)
	}
	if other, err := db.DigestEntries(ctx, "digest@2"); err != nil || len(other) != 0 {
		t.Fatalf("another digest's entries = %+v, %v; want none", other, err)
	}
	if err := db.AddDigestEntry(ctx, "digest@1", notify.DigestEntry{ID: "m\x00"}); doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "id" {
		t.Errorf("an entry id with a NUL byte = %v; want EINVALID on id", err)
	}
	if err := db.PutTimers(ctx, []notify.Timer{{ID: "ok"}, {ID: "bad\xff"}}); doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "timers[1].id" {
		t.Errorf("a timer id of invalid UTF-8 = %v; want EINVALID on timers[1].id", err)
	}
}

// recordingTopic keeps the messages published, in order.
type recordingTopic struct {
	mu   sync.Mutex
	msgs []*doctales.Message
}

func (r *recordingTopic) Publish(_ context.Context, m *doctales.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return nil
}

func (r *recordingTopic) all() []*doctales.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*doctales.Message(nil), r.msgs...)
}

// withTargets returns item's notification for channels.
func withTargets(item *doctales.Item, now time.Time, channels string) *doctales.Message {
	m := notify.NewMessage(item, "", now)
	m.MessageAttributes[notify.AttrTargets] = doctales.MessageAttribute{DataType: "String.Array", StringValue: channels}
	return m
}

// TestWhen_QuietHoursAndDigestAcrossWorkers: quiet hours and the digest
// on the PostgreSQL stores, with the timers written by one notification
// worker and fired by another. At 23:00, inside the webhook's quiet
// hours (22:00-07:00), a notification to the webhook and the log goes to
// the log at once and is held for the webhook; at 07:00 the other worker
// delivers it there, once. A notification to the digest is listed in
// the 08:00 digest, which the other worker sends, listing it.
func TestWhen_QuietHoursAndDigestAcrossWorkers(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := t0
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	setClock := func(t time.Time) { mu.Lock(); clock = t; mu.Unlock() }
	a, dsn := mustOpen(t, postgres.Options{Now: now})
	b := mustOpenDSN(t, dsn, postgres.Options{Now: now})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	night, err := notify.ParseQuietHours("22:00-07:00")
	if err != nil {
		t.Fatal(err)
	}
	topic := &recordingTopic{}
	worker := func(db *postgres.DB, digest bool) *notify.When {
		w := &notify.When{Store: db, Digests: db, Items: db, Topic: topic, Ledger: db, Now: now, Logger: quiet,
			Channels: []string{"log", "webhook"}, QuietHours: map[string]notify.QuietHours{"webhook": night}}
		if digest {
			w.QuietHours = nil
			w.Digest = notify.DigestPolicy{Every: 24 * time.Hour, At: 8 * 60, Channel: "log"}
		}
		return w
	}
	item := &doctales.Item{ID: "wire", Subject: "Wire transfer", Timestamp: t0, Metadata: doctales.Metadata{Urgency: doctales.UrgencyHigh}}
	if _, _, err := a.CreateItem(ctx, item); err != nil {
		t.Fatal(err)
	}

	// Quiet hours: the log now, the webhook held until 07:00.
	pub, err := worker(a, false).Hold(ctx, item, withTargets(item, t0, `["log","webhook"]`))
	if err != nil {
		t.Fatal(err)
	}
	if pub == nil || pub.MessageAttributes[notify.AttrTargets].StringValue != `["log"]` {
		t.Fatalf("at 23:00 Hold = %+v; want the message for the log alone", pub)
	}
	wb := worker(b, false)
	if n, err := wb.FireDue(ctx); err != nil || n != 0 {
		t.Fatalf("FireDue at 23:00 = %d, %v; want nothing due", n, err)
	}
	setClock(time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC))
	if n, err := wb.FireDue(ctx); err != nil || n != 1 {
		t.Fatalf("the other worker's FireDue at 07:00 = %d, %v; want the held notification", n, err)
	}
	if n, err := worker(a, false).FireDue(ctx); err != nil || n != 0 {
		t.Fatalf("FireDue again = %d, %v; want nothing (fired once)", n, err)
	}
	msgs := topic.all()
	if len(msgs) != 1 || msgs[0].MessageAttributes[notify.AttrTargets].StringValue != `["webhook"]` || msgs[0].Subject != pub.Subject {
		t.Fatalf("published %+v; want the held notification, for the webhook", msgs)
	}

	// The digest: listed by one worker at 10:00, sent by the other at
	// 08:00 the next day.
	setClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	if pub, err := worker(a, true).Hold(ctx, item, withTargets(item, now(), `["digest"]`)); err != nil || pub != nil {
		t.Fatalf("Hold to the digest = %+v, %v; want nothing published now", pub, err)
	}
	wd := worker(b, true)
	if n, err := wd.FireDue(ctx); err != nil || n != 0 {
		t.Fatalf("FireDue before the digest's time = %d, %v; want nothing", n, err)
	}
	setClock(time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC))
	if n, err := wd.FireDue(ctx); err != nil || n != 1 {
		t.Fatalf("FireDue at the digest's time = %d, %v; want the digest", n, err)
	}
	msgs = topic.all()
	if len(msgs) != 2 || !strings.Contains(msgs[1].Message, "Wire transfer") || !strings.HasPrefix(msgs[1].Subject, "Doc-Tales digest: 1 communication") {
		t.Fatalf("published %+v; want the digest listing the wire transfer", msgs[len(msgs)-1])
	}
}
