package doctales_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// nowClock is Wednesday 2 December 2026, 10:00 UTC.
var nowClock = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

type nowItem struct {
	id       string
	age      time.Duration // before nowClock
	urgency  string
	category string
	deadline *time.Time
	action   bool
	state    string
	until    *time.Time
	stateAt  *time.Time
	pinned   bool
}

func (n nowItem) item() *doctales.Item {
	it := &doctales.Item{
		ID: n.id, Subject: n.id, Timestamp: nowClock.Add(-n.age),
		Metadata: doctales.Metadata{Urgency: n.urgency},
		State:    n.state, StateUntil: n.until, StateAt: n.stateAt, Pinned: n.pinned,
		Status: doctales.StatusExtracted,
		Dimensions: &doctales.Dimensions{
			Urgency: n.urgency, Category: n.category, Deadline: n.deadline, RequiresAction: n.action,
		},
	}
	if n.urgency == doctales.UrgencyHigh {
		it.Dimensions.UrgencyReasons = []string{"urgent word + request"}
		it.Dimensions.UrgencyEvidence = []doctales.Evidence{{Rule: "urgent word", Text: "URGENT"}, {Rule: "urgent word", Text: "URGENT"}, {Rule: "request", Text: "please approve"}}
	}
	return it
}

func at(t time.Time) *time.Time { return &t }

// sectionOf returns the section id each item landed in ("" for none).
func sectionOf(v *doctales.NowView) map[string]string {
	out := map[string]string{}
	for _, s := range v.Sections {
		for _, e := range s.Items {
			out[e.ID] = s.ID
		}
	}
	return out
}

func TestNowView_Sections(t *testing.T) {
	tomorrow17 := time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
	dayAfter17 := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	items := []nowItem{
		{id: "urgent", age: 10 * time.Minute, urgency: "high", category: doctales.CategoryPerson},
		{id: "due-tomorrow-17", age: time.Hour, urgency: "medium", category: doctales.CategoryPerson, deadline: &tomorrow17},
		{id: "due-day-after-17", age: time.Hour, urgency: "medium", category: doctales.CategoryPerson, deadline: &dayAfter17},
		{id: "overdue-2h", age: 5 * time.Hour, urgency: "high", category: doctales.CategoryPerson, deadline: at(nowClock.Add(-2 * time.Hour))},
		{id: "missed-2002", age: 24 * 365 * 24 * time.Hour, urgency: "high", category: doctales.CategoryList, deadline: at(nowClock.Add(-24 * 365 * 24 * time.Hour))},
		{id: "old-high", age: 10 * 24 * time.Hour, urgency: "high", category: doctales.CategoryPerson},
		{id: "done-urgent", age: time.Minute, urgency: "high", category: doctales.CategoryPerson, state: doctales.StateDone},
		{id: "snoozed-tomorrow", age: time.Minute, urgency: "high", category: doctales.CategoryPerson, state: doctales.StateSnoozed, until: at(tomorrow17)},
		{id: "snoozed-till-15", age: time.Minute, urgency: "high", category: doctales.CategoryPerson, state: doctales.StateSnoozed, until: at(nowClock.Add(5 * time.Hour))},
		{id: "snooze-over", age: time.Minute, urgency: "high", category: doctales.CategoryPerson, state: doctales.StateSnoozed, until: at(nowClock.Add(-time.Minute))},
		{id: "bulk-high", age: time.Minute, urgency: "high", category: doctales.CategoryBulk},
		{id: "bulk-deadline", age: time.Minute, urgency: "medium", category: doctales.CategoryBulk, deadline: &tomorrow17},
		{id: "list-high", age: time.Minute, urgency: "high", category: doctales.CategoryList},
		{id: "automated-bill", age: time.Minute, urgency: "medium", category: doctales.CategoryAutomated, deadline: &tomorrow17},
		{id: "suspicious", age: time.Minute, urgency: "high", category: doctales.CategorySuspicious},
		{id: "request", age: 3 * time.Hour, urgency: "medium", category: doctales.CategoryPerson, action: true},
		{id: "old-request", age: 30 * time.Hour, urgency: "medium", category: doctales.CategoryPerson, action: true},
		{id: "list-request", age: time.Hour, urgency: "low", category: doctales.CategoryList, action: true},
		{id: "waiting", age: 5 * 24 * time.Hour, urgency: "medium", category: doctales.CategoryPerson, state: doctales.StateWaiting, stateAt: at(nowClock.Add(-48 * time.Hour))},
		{id: "waiting-urgent", age: time.Hour, urgency: "high", category: doctales.CategoryPerson, state: doctales.StateWaiting, stateAt: at(nowClock.Add(-time.Hour))},
		{id: "plain", age: time.Hour, urgency: "low", category: doctales.CategoryPerson},
		{id: "high-due-next-month", age: 20 * time.Minute, urgency: "high", category: doctales.CategoryPerson, deadline: at(nowClock.Add(30 * 24 * time.Hour))},
	}
	var its []*doctales.Item
	for _, n := range items {
		its = append(its, n.item())
	}
	v := doctales.BuildNowView(its, nowClock, 72*time.Hour, time.UTC, 50)
	got := sectionOf(v)
	want := map[string]string{
		"urgent": "now", "high-due-next-month": "now", "due-tomorrow-17": "now", "overdue-2h": "now", "snooze-over": "now", "automated-bill": "now",
		"due-day-after-17": "week",
		"snoozed-till-15":  "today", "request": "today",
		"waiting": "waiting", "waiting-urgent": "waiting",
	}
	for _, n := range items {
		if got[n.id] != want[n.id] {
			t.Errorf("%s: in section %q, want %q", n.id, got[n.id], want[n.id])
		}
	}

	// Order in "now": overdue, then what is due now (fresh high: the
	// newest first), then by deadline.
	var order []string
	for _, e := range v.Sections[0].Items {
		order = append(order, e.ID)
	}
	if fmt.Sprint(order) != "[overdue-2h snooze-over urgent high-due-next-month automated-bill due-tomorrow-17]" {
		t.Errorf("now order = %v", order)
	}
	// Waiting: longest waiting first.
	if w := v.Sections[3].Items; len(w) != 2 {
		t.Errorf("waiting lists %d items, want 2", len(w))
	} else if w[0].ID != "waiting" || w[0].Reason != "marked waiting 2 days ago" {
		t.Errorf("waiting first: %s %q, want waiting, marked 2 days ago", w[0].ID, w[0].Reason)
	}
	// Reasons in words, with the engine's reasons and quoted evidence,
	// each word once.
	for _, e := range v.Sections[0].Items {
		if e.ID == "urgent" {
			if e.Reason != "high priority, 10 minutes old: urgent word + request" {
				t.Errorf("urgent reason = %q", e.Reason)
			}
			if fmt.Sprint(e.Evidence) != "[URGENT please approve]" {
				t.Errorf("urgent evidence = %q", e.Evidence)
			}
		}
		if e.ID == "due-tomorrow-17" && e.Reason != "due in 31 hours (Thu 17:00 UTC)" {
			t.Errorf("deadline reason = %q", e.Reason)
		}
	}
	if !v.Complete {
		t.Error("complete = false")
	}
}

// A deadline is "now" up to the end of the next working day: on a
// Friday, Monday's deadline is now and Tuesday's is this week.
func TestNowView_NextWorkingDay(t *testing.T) {
	friday := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	monday := time.Date(2026, 12, 7, 17, 0, 0, 0, time.UTC)
	tuesday := time.Date(2026, 12, 8, 17, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		deadline time.Time
		want     string
	}{{monday, doctales.SectionNow}, {tuesday, doctales.SectionWeek}, {friday.Add(8 * 24 * time.Hour), ""}} {
		it := nowItem{id: "x", age: time.Hour, urgency: "medium", category: doctales.CategoryPerson, deadline: &c.deadline}.item()
		if got, _ := doctales.NowPlace(it, friday, 72*time.Hour, time.UTC); got != c.want {
			t.Errorf("deadline %s on a Friday: section %q, want %q", c.deadline.Format(time.RFC1123), got, c.want)
		}
	}
}

// "Later today" ends at midnight in the reader's zone: a snooze ending at
// 20:00 UTC is later today in UTC but tomorrow in Tokyo.
func TestNowView_TodayIsTheReadersDay(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	it := nowItem{id: "s", age: time.Hour, urgency: "high", state: doctales.StateSnoozed, until: at(nowClock.Add(10 * time.Hour))}.item()
	if got, _ := doctales.NowPlace(it, nowClock, 72*time.Hour, time.UTC); got != doctales.SectionToday {
		t.Errorf("UTC: %q, want today", got)
	}
	if got, _ := doctales.NowPlace(it, nowClock, 72*time.Hour, tokyo); got != "" {
		t.Errorf("Tokyo (already 19:00 there): %q, want none", got)
	}
	// The day ends at midnight: a moment before is today, midnight is not.
	midnight := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	for until, want := range map[time.Time]string{midnight.Add(-time.Millisecond): doctales.SectionToday, midnight: ""} {
		it.StateUntil = &until
		if got, _ := doctales.NowPlace(it, nowClock, 72*time.Hour, time.UTC); got != want {
			t.Errorf("snoozed until %s: %q, want %q", until.Format(time.RFC3339Nano), got, want)
		}
	}
}

// Counts are exact when a section holds more than it lists, and an item
// given twice counts once.
func TestNowView_ExactCounts(t *testing.T) {
	var its []*doctales.Item
	for i := range 137 {
		its = append(its, nowItem{id: fmt.Sprintf("h%03d", i), age: time.Duration(i) * time.Minute, urgency: "high", category: doctales.CategoryPerson}.item())
	}
	its = append(its, its[5])
	v := doctales.BuildNowView(its, nowClock, 72*time.Hour, time.UTC, 0)
	s := v.Sections[0]
	if s.Count != 137 || len(s.Items) != doctales.DefaultNowPerSection {
		t.Fatalf("count %d, listed %d; want 137 and %d", s.Count, len(s.Items), doctales.DefaultNowPerSection)
	}
	if s.Items[0].ID != "h000" || s.Items[9].ID != "h009" {
		t.Errorf("first %s, tenth %s: want the newest first", s.Items[0].ID, s.Items[9].ID)
	}
	for _, s := range v.Sections[1:] {
		if s.Count != 0 || s.Items == nil {
			t.Errorf("section %s: count %d, items %v (want 0 and [], never null in JSON)", s.ID, s.Count, s.Items)
		}
	}
}

// Pinned items lead their section.
func TestNowView_PinnedFirst(t *testing.T) {
	a := nowItem{id: "a", age: time.Minute, urgency: "high"}.item()
	b := nowItem{id: "b", age: time.Hour, urgency: "high", pinned: true}.item()
	v := doctales.BuildNowView([]*doctales.Item{a, b}, nowClock, 72*time.Hour, nil, 10)
	if v.Sections[0].Items[0].ID != "b" {
		t.Errorf("first = %s, want the pinned b", v.Sections[0].Items[0].ID)
	}
}
