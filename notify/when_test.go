package notify_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
)

// memTimers is an in-memory notify.TimerStore. FailFires makes the next
// that many FireTimer calls fail, as a crash after publishing would.
type memTimers struct {
	mu        sync.Mutex
	timers    map[string]notify.Timer
	FailFires int
}

func (s *memTimers) PutTimers(_ context.Context, ts []notify.Timer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timers == nil {
		s.timers = map[string]notify.Timer{}
	}
	for _, t := range ts {
		if _, ok := s.timers[t.ID]; !ok {
			s.timers[t.ID] = t
		}
	}
	return nil
}

func (s *memTimers) CancelTimers(_ context.Context, id, kind string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, t := range s.timers {
		if t.CommunicationID == id && t.Kind == kind && !t.Fired {
			delete(s.timers, k)
		}
	}
	return nil
}

func (s *memTimers) GetTimer(_ context.Context, id string) (notify.Timer, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.timers[id]
	return t, ok, nil
}

func (s *memTimers) DueTimers(_ context.Context, now time.Time, limit int) ([]notify.Timer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []notify.Timer
	for _, t := range s.timers {
		if !t.Fired && !t.Due.After(now) {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Due.Before(out[j].Due) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *memTimers) FireTimer(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.FailFires > 0 {
		s.FailFires--
		return errors.New("table unavailable")
	}
	t := s.timers[id]
	t.Fired = true
	s.timers[id] = t
	return nil
}

func (s *memTimers) NextNotifyTimer(context.Context) (time.Time, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for _, t := range s.timers {
		if !t.Fired && (next.IsZero() || t.Due.Before(next)) {
			next = t.Due
		}
	}
	return next, !next.IsZero(), nil
}

// memItems is an in-memory notify.ItemReader.
type memItems map[string]*doctales.Item

func (m memItems) GetItem(_ context.Context, id string) (*doctales.Item, error) {
	if it, ok := m[id]; ok {
		return it, nil
	}
	return nil, doctales.Errorf(doctales.ENOTFOUND, "communication %q not found", id)
}

// whenRig is a notification function with When, on a fake clock.
type whenRig struct {
	t      *testing.T
	now    time.Time
	f      *notify.Function
	topic  *Topic
	timers *memTimers
	items  memItems
	seq    int
}

func newWhenRig(t *testing.T, w *notify.When) *whenRig {
	r := &whenRig{t: t, now: testNow, timers: &memTimers{}, items: memItems{}}
	f, tp, l := newFunction(t)
	f.Now = func() time.Time { return r.now }
	w.Store, w.Items, w.Topic, w.Ledger, w.Logger = r.timers, r.items, tp, l, f.Logger
	if w.Digests == nil {
		w.Digests = &memDigests{}
	}
	w.Now = f.Now
	f.When = w
	r.f, r.topic = f, tp
	return r
}

// change sends the stream record of old → new and stores new.
func (r *whenRig) change(old, new *doctales.Item) {
	r.t.Helper()
	r.seq++
	name := notify.EventModify
	if old == nil {
		name = notify.EventInsert
	}
	cp := *new
	r.items[new.ID] = &cp
	resp := MustHandle(r.t, r.f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record(r.t, name, fmt.Sprintf("%04d", r.seq), old, new)}})
	if len(resp.BatchItemFailures) > 0 {
		r.t.Fatalf("record failed: %v", resp.BatchItemFailures)
	}
}

// at moves the clock to t and fires what is due; it returns the messages
// published by the timers.
func (r *whenRig) at(t time.Time) []*doctales.Message {
	r.t.Helper()
	r.now = t
	before := len(r.topic.Published)
	if _, err := r.f.When.FireDue(context.Background()); err != nil {
		r.t.Fatalf("FireDue at %s: %v", t, err)
	}
	return r.topic.Published[before:]
}

func withDeadline(it *doctales.Item, d time.Time) *doctales.Item {
	cp := *it
	dims := doctales.Dimensions{}
	if it.Dimensions != nil {
		dims = *it.Dimensions
	}
	dims.Deadline = &d
	cp.Dimensions = &dims
	return &cp
}

func targets(m *doctales.Message) string {
	return m.MessageAttributes[notify.AttrTargets].StringValue
}

// TestWhen_Reminders: a notified item with a deadline two days ahead gets
// a reminder 24 h and 1 h before it, each once, under its own MessageId.
func TestWhen_Reminders(t *testing.T) {
	r := newWhenRig(t, &notify.When{Reminders: []time.Duration{24 * time.Hour, time.Hour}})
	dl := testNow.Add(48 * time.Hour)
	it := withDeadline(testItem("c-1", "high"), dl)
	r.change(nil, it)
	if n := len(r.topic.Published); n != 1 {
		t.Fatalf("notifications = %d, want 1", n)
	}
	if got := r.at(dl.Add(-24*time.Hour - time.Second)); len(got) != 0 {
		t.Fatalf("a second before the 24h reminder: %d messages", len(got))
	}
	got := r.at(dl.Add(-24 * time.Hour))
	if len(got) != 1 || !strings.HasPrefix(got[0].Subject, "Reminder, due in 24h: Contract signature") {
		t.Fatalf("at deadline-24h: %d messages %v, want one reminder", len(got), subjects(got))
	}
	if !strings.Contains(got[0].Message, "Reminder: the deadline of this communication is in 24h.") {
		t.Errorf("body:\n%s", got[0].Message)
	}
	if got := r.at(dl.Add(-2 * time.Hour)); len(got) != 0 {
		t.Fatalf("the 24h reminder fired again: %v", subjects(got))
	}
	got1 := r.at(dl.Add(-time.Hour))
	if len(got1) != 1 || !strings.HasPrefix(got1[0].Subject, "Reminder, due in 1h: ") {
		t.Fatalf("at deadline-1h: %v", subjects(got1))
	}
	ids := []string{r.topic.Published[0].MessageID, got[0].MessageID, got1[0].MessageID}
	if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 3 {
		t.Errorf("message ids not distinct: %v", ids)
	}
	// The same record again (a retried batch) plans nothing new.
	r.change(nil, it)
	if got := r.at(dl.Add(-time.Minute)); len(got) != 0 {
		t.Errorf("a re-delivered record re-planned: %v", subjects(got))
	}
}

// TestWhen_ReminderReplanned: a reminder does not fire for a deadline that
// moved, fires for the new one, and none fires once the item is done.
func TestWhen_ReminderReplanned(t *testing.T) {
	r := newWhenRig(t, &notify.When{Reminders: []time.Duration{time.Hour}})
	dl := testNow.Add(10 * time.Hour)
	it := withDeadline(testItem("c-2", "high"), dl)
	r.change(nil, it)
	moved := withDeadline(it, dl.Add(5*time.Hour))
	r.change(it, moved)
	if got := r.at(dl.Add(-time.Hour)); len(got) != 0 {
		t.Fatalf("the old deadline's reminder fired: %v", subjects(got))
	}
	if got := r.at(dl.Add(4 * time.Hour)); len(got) != 1 {
		t.Fatalf("the new deadline's reminder: %v, want 1", subjects(got))
	}

	// Done before the reminder: nothing.
	it3 := withDeadline(testItem("c-3", "high"), testNow.Add(30*time.Hour))
	r.change(nil, it3)
	done := *it3
	done.State = doctales.StateDone
	r.change(it3, &done)
	if got := r.at(testNow.Add(29 * time.Hour)); len(got) != 0 {
		t.Fatalf("a done item was reminded: %v", subjects(got))
	}
}

// TestWhen_FiresOnceAcrossCrash: a crash after a reminder was published
// but before its timer was marked fired publishes nothing new after
// restart (the ledger has its MessageId), and the timer is then fired.
func TestWhen_FiresOnceAcrossCrash(t *testing.T) {
	r := newWhenRig(t, &notify.When{Reminders: []time.Duration{time.Hour}})
	dl := testNow.Add(3 * time.Hour)
	r.change(nil, withDeadline(testItem("c-4", "high"), dl))
	r.timers.FailFires = 1
	r.now = dl.Add(-time.Hour)
	if _, err := r.f.When.FireDue(context.Background()); err == nil {
		t.Fatal("FireDue with a failing FireTimer returned no error")
	}
	if n := len(r.topic.Published); n != 2 {
		t.Fatalf("published = %d, want 2 (the notification and the reminder)", n)
	}
	calls := len(r.topic.Calls)
	if got := r.at(dl.Add(-30 * time.Minute)); len(got) != 0 {
		t.Fatalf("reminder sent again after the crash: %v", subjects(got))
	}
	if len(r.topic.Calls) != calls {
		t.Errorf("Publish called again (%d calls, was %d): the ledger should have stopped it", len(r.topic.Calls), calls)
	}
	if next, ok, _ := r.timers.NextNotifyTimer(context.Background()); ok {
		t.Errorf("a timer is still pending, due %s", next)
	}
}

// TestWhen_Escalation: an unacknowledged high item is sent again on the
// next channel after each 15 minutes, once per step; an acknowledged
// (read) one, or a done one, is not.
func TestWhen_Escalation(t *testing.T) {
	esc := notify.EscalationPolicy{After: 15 * time.Minute, Channels: []string{"email", "webhook"}}
	r := newWhenRig(t, &notify.When{Escalation: esc})
	r.change(nil, testItem("c-5", "high"))
	if got := r.at(testNow.Add(14 * time.Minute)); len(got) != 0 {
		t.Fatalf("escalated early: %v", subjects(got))
	}
	got := r.at(testNow.Add(15 * time.Minute))
	if len(got) != 1 || targets(got[0]) != `["email"]` || !strings.HasPrefix(got[0].Subject, "Not yet acknowledged: ") {
		t.Fatalf("first step: %v", subjects(got))
	}
	got2 := r.at(testNow.Add(30 * time.Minute))
	if len(got2) != 1 || targets(got2[0]) != `["webhook"]` {
		t.Fatalf("second step: %v", subjects(got2))
	}
	if got2[0].MessageID == got[0].MessageID || got[0].MessageID == r.topic.Published[0].MessageID {
		t.Error("escalation steps share a MessageId")
	}
	if got := r.at(testNow.Add(3 * time.Hour)); len(got) != 0 {
		t.Fatalf("escalated past the last channel: %v", subjects(got))
	}

	// Read (opened, or the ack link) before 15 minutes: no escalation.
	it := testItem("c-6", "high")
	r.now = testNow.Add(4 * time.Hour)
	r.change(nil, it)
	read := *it
	read.Metadata.Read = true
	r.change(it, &read)
	if got := r.at(testNow.Add(5 * time.Hour)); len(got) != 0 {
		t.Fatalf("an acknowledged item escalated: %v", subjects(got))
	}
	// Done: none either.
	it7 := testItem("c-7", "high")
	r.change(nil, it7)
	done := *it7
	done.State = doctales.StateDone
	r.change(it7, &done)
	if got := r.at(testNow.Add(6 * time.Hour)); len(got) != 0 {
		t.Fatalf("a done item escalated: %v", subjects(got))
	}
	// A medium item never escalates.
	r.change(nil, testItem("c-8", "medium"))
	if got := r.at(testNow.Add(7 * time.Hour)); len(got) != 0 {
		t.Fatalf("a medium item escalated: %v", subjects(got))
	}
}

func TestWhen_Validate(t *testing.T) {
	base := func() *notify.When {
		return &notify.When{Store: &memTimers{}, Items: memItems{}, Topic: &Topic{}, Ledger: &Ledger{}}
	}
	w := base()
	w.Reminders = []time.Duration{time.Hour, 0}
	if err := w.Validate(); err == nil || !strings.Contains(err.Error(), "reminders[1] 0s") {
		t.Errorf("zero reminder: %v", err)
	}
	w = base()
	w.Escalation.After = time.Minute
	if err := w.Validate(); err == nil || !strings.Contains(err.Error(), "escalation.channels") {
		t.Errorf("escalation without channels: %v", err)
	}
}

func TestAckToken(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	tok := notify.AckToken(key, "c-1")
	if !notify.CheckAckToken(key, "c-1", tok) {
		t.Fatal("own token refused")
	}
	for _, bad := range []struct{ id, tok string }{{"c-2", tok}, {"c-1", tok[:10]}, {"c-1", "zz"}, {"c-1", ""}} {
		if notify.CheckAckToken(key, bad.id, bad.tok) {
			t.Errorf("token %q for %q accepted", bad.tok, bad.id)
		}
	}
	if notify.CheckAckToken(nil, "c-1", tok) {
		t.Error("accepted with no key")
	}
}

func subjects(ms []*doctales.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Subject+" "+targets(m))
	}
	return out
}

// memDigests is an in-memory notify.DigestStore.
type memDigests struct {
	mu      sync.Mutex
	entries map[string][]notify.DigestEntry
}

func (d *memDigests) AddDigestEntry(_ context.Context, id string, e notify.DigestEntry) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.entries == nil {
		d.entries = map[string][]notify.DigestEntry{}
	}
	for _, x := range d.entries[id] {
		if x.ID == e.ID {
			return nil
		}
	}
	d.entries[id] = append(d.entries[id], e)
	return nil
}

func (d *memDigests) DigestEntries(_ context.Context, id string) ([]notify.DigestEntry, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.entries[id]), nil
}

func TestQuietHours(t *testing.T) {
	q, err := notify.ParseQuietHours("22:00-07:00")
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	day := func(h, m int) time.Time { return time.Date(2026, 3, 10, h, m, 0, 0, berlin) }
	for _, c := range []struct {
		at    time.Time
		quiet bool
		end   time.Time
	}{
		{day(21, 59), false, time.Time{}},
		{day(22, 0), true, day(31, 0)}, // 07:00 the next day
		{day(3, 0), true, day(7, 0)},
		{day(7, 0), false, time.Time{}},
	} {
		quiet, end := q.Quiet(c.at, berlin)
		if quiet != c.quiet || !end.Equal(c.end) {
			t.Errorf("Quiet(%s) = %v %s, want %v %s", c.at, quiet, end, c.quiet, c.end)
		}
	}
	for _, bad := range []string{"22:00", "25:00-07:00", "07:00-07:00", "ten-eleven"} {
		if _, err := notify.ParseQuietHours(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseQuietHours(%q) = %v, want an error naming it", bad, err)
		}
	}
}

func TestDigestNext(t *testing.T) {
	d := notify.DigestPolicy{Every: 24 * time.Hour, At: 8 * 60}
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	if got := d.Next(at, time.UTC); !got.Equal(time.Date(2026, 3, 11, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("daily Next(09:00) = %s", got)
	}
	if got := d.Next(at.Add(-2*time.Hour), time.UTC); !got.Equal(time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("daily Next(07:00) = %s", got)
	}
	h := notify.DigestPolicy{Every: time.Hour, At: 15}
	if got := h.Next(at, time.UTC); !got.Equal(time.Date(2026, 3, 10, 9, 15, 0, 0, time.UTC)) {
		t.Errorf("hourly Next(09:00) = %s", got)
	}
}

// TestWhen_QuietHoursHold: at 23:00 a notification goes at once to the
// channels that are not quiet and is held for e-mail (quiet 22:00-07:00)
// until 07:00, when it is sent once, on e-mail alone.
func TestWhen_QuietHoursHold(t *testing.T) {
	q, _ := notify.ParseQuietHours("22:00-07:00")
	r := newWhenRig(t, &notify.When{QuietHours: map[string]notify.QuietHours{"email": q}, Channels: []string{"browser", "webhook", "email"}})
	night := time.Date(2025, 6, 10, 23, 0, 0, 0, time.UTC)
	r.now = night
	r.change(nil, testItem("q-1", "high"))
	if len(r.topic.Published) != 1 || targets(r.topic.Published[0]) != `["browser","webhook"]` {
		t.Fatalf("at 23:00 published %v, want one to browser and webhook", subjects(r.topic.Published))
	}
	if got := r.at(night.Add(7*time.Hour + 59*time.Minute)); len(got) != 0 {
		t.Fatalf("held e-mail sent at 06:59: %v", subjects(got))
	}
	got := r.at(night.Add(8 * time.Hour))
	if len(got) != 1 || targets(got[0]) != `["email"]` || !strings.HasPrefix(got[0].Subject, "High Priority: ") {
		t.Fatalf("at 07:00: %v, want the notification on email", subjects(got))
	}
	if got[0].MessageID == r.topic.Published[0].MessageID {
		t.Error("the held delivery has the first one's MessageId: the topic would drop it")
	}
	if got := r.at(night.Add(12 * time.Hour)); len(got) != 0 {
		t.Fatalf("held e-mail sent twice: %v", subjects(got))
	}
	// In the day nothing is held.
	r.change(nil, testItem("q-2", "high"))
	if last := r.topic.Published[len(r.topic.Published)-1]; targets(last) != "" {
		t.Errorf("daytime targets = %q, want every channel", targets(last))
	}
}

// TestWhen_Digest: with a daily digest at 08:00, what quiet hours hold is
// listed in one digest message on e-mail at 08:00, each item once.
func TestWhen_Digest(t *testing.T) {
	q, _ := notify.ParseQuietHours("22:00-07:00")
	dg := &memDigests{}
	r := newWhenRig(t, &notify.When{QuietHours: map[string]notify.QuietHours{"email": q, "webhook": q}, Channels: []string{"webhook", "email"},
		Digest: notify.DigestPolicy{Every: 24 * time.Hour, At: 8 * 60, Channel: "email"}, Digests: dg})
	night := time.Date(2025, 6, 10, 23, 0, 0, 0, time.UTC)
	r.now = night
	a, b := testItem("d-1", "high"), testItem("d-2", "high")
	b.Subject = "Board minutes"
	r.change(nil, a)
	r.change(nil, b)
	r.change(nil, a) // a re-delivered record lists it once
	if len(r.topic.Published) != 0 {
		t.Fatalf("published at night: %v, want everything folded into the digest", subjects(r.topic.Published))
	}
	if got := r.at(night.Add(8 * time.Hour)); len(got) != 0 {
		t.Fatalf("at 07:00 (end of quiet hours, before the digest): %v", subjects(got))
	}
	got := r.at(night.Add(9 * time.Hour))
	if len(got) != 1 || targets(got[0]) != `["email"]` || got[0].Subject != "Doc-Tales digest: 2 communication(s)" {
		t.Fatalf("at 08:00: %v, want one digest on email", subjects(got))
	}
	for _, want := range []string{"- Contract signature (23:00, id d-1)", "- Board minutes (23:00, id d-2)"} {
		if !strings.Contains(got[0].Message, want) {
			t.Errorf("digest lacks %q:\n%s", want, got[0].Message)
		}
	}
	if got := r.at(night.Add(40 * time.Hour)); len(got) != 0 {
		t.Fatalf("digest sent again: %v", subjects(got))
	}
}

// TestWhen_QuietReminder: a reminder that falls in e-mail's quiet hours
// goes to the webhook at once and is held for e-mail; if the deadline
// passes before the window ends, the held one is dropped, not sent late.
func TestWhen_QuietReminder(t *testing.T) {
	q, _ := notify.ParseQuietHours("22:00-07:00")
	r := newWhenRig(t, &notify.When{Reminders: []time.Duration{time.Hour}, QuietHours: map[string]notify.QuietHours{"email": q}, Channels: []string{"webhook", "email"}})
	day := time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)
	r.now = day
	dl := day.Add(11*time.Hour + 30*time.Minute) // 23:30
	r.change(nil, withDeadline(testItem("qr-1", "high"), dl))
	got := r.at(dl.Add(-time.Hour))
	if len(got) != 1 || targets(got[0]) != `["webhook"]` || !strings.HasPrefix(got[0].Subject, "Reminder") {
		t.Fatalf("at 22:30: %v, want the reminder on the webhook alone", subjects(got))
	}
	if got := r.at(day.Add(19 * time.Hour)); len(got) != 0 {
		t.Fatalf("at 07:00, after the deadline: %v, want the held reminder dropped", subjects(got))
	}
}

// ownerItems reads an item only under its owner, as a table keyed by
// owner (DynamoDB's USER#<owner> partitions) does.
type ownerItems struct{ memItems }

func (o ownerItems) GetItem(ctx context.Context, id string) (*doctales.Item, error) {
	it, err := o.memItems.GetItem(ctx, id)
	if owner, _ := doctales.OwnerFromContext(ctx); err == nil && it.Owner != owner {
		return nil, doctales.Errorf(doctales.ENOTFOUND, "communication %q not found under owner %q", id, owner)
	}
	return it, err
}

// TestWhen_HeldKeepsOwner: a notification and a reminder held by quiet
// hours carry the item's owner, so on a table keyed by owner (AWS) they
// find the item when the window ends and are sent, not dropped as gone.
func TestWhen_HeldKeepsOwner(t *testing.T) {
	q, _ := notify.ParseQuietHours("22:00-07:00")
	r := newWhenRig(t, &notify.When{QuietHours: map[string]notify.QuietHours{"email": q}, Channels: []string{"webhook", "email"},
		Reminders: []time.Duration{time.Hour}})
	r.f.When.Items = ownerItems{r.items}
	night := time.Date(2025, 6, 10, 23, 0, 0, 0, time.UTC)
	r.now = night
	it := testItem("own-1", "high")
	it.Owner = "ana"
	r.change(nil, withDeadline(it, night.Add(8*time.Hour+30*time.Minute))) // 07:30
	// 06:30 the reminder falls due inside quiet hours: held for e-mail.
	if got := r.at(night.Add(7*time.Hour + 30*time.Minute)); len(got) != 1 || targets(got[0]) != `["webhook"]` {
		t.Fatalf("at 06:30: %v, want the reminder on webhook alone", subjects(got))
	}
	got := r.at(night.Add(8 * time.Hour))
	if len(got) != 2 || targets(got[0]) != `["email"]` || targets(got[1]) != `["email"]` {
		t.Fatalf("at 07:00: %v, want the held notification and the held reminder on email", subjects(got))
	}
}
