package extract_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
)

// TestEngine_CalendarInvitation: an Outlook invitation whose body says only
// "join the meeting" takes its deadline from the DTSTART of its
// text/calendar part (labelling guide, rule 6: an invitation is medium,
// with the start as its deadline); a cancellation is low with none.
func TestEngine_CalendarInvitation(t *testing.T) {
	raw, err := os.ReadFile("testdata/invite/outlook-request.eml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := extract.ParseMail(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Fields["calendarStart"]; got != "2026-12-10T14:00:00+01:00" {
		t.Fatalf("calendarStart = %v, want the DTSTART in W. Europe Standard Time", got)
	}
	now, _ := time.Parse(time.RFC3339, "2026-12-04T10:20:00+01:00")
	eng := extract.New(extract.WithNow(func() time.Time { return now }))
	d, err := eng.Extract(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := time.Parse(time.RFC3339, "2026-12-10T14:00:00+01:00")
	if d.Urgency != doctales.UrgencyMedium || d.Deadline == nil || !d.Deadline.Equal(want) {
		t.Fatalf("urgency %s deadline %v, want medium and %s (reasons %v)", d.Urgency, d.Deadline, want, d.UrgencyReasons)
	}
	found := false
	for _, dm := range d.Dates {
		found = found || dm.Source == doctales.SourceCalendar && dm.Deadline
	}
	if !found {
		t.Fatalf("no deadline mention from the calendar part in %+v", d.Dates)
	}

	c.Fields["calendarMethod"] = "CANCEL"
	d, err = eng.Extract(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if d.Urgency != doctales.UrgencyLow || d.Deadline != nil {
		t.Fatalf("cancellation: urgency %s deadline %v, want low and none", d.Urgency, d.Deadline)
	}

	// A start already gone when the mail is read is no deadline.
	c.Fields["calendarMethod"] = "REQUEST"
	late := extract.New(extract.WithNow(func() time.Time { return want.Add(24 * time.Hour) }))
	c.Timestamp = want.Add(time.Hour)
	if d, err = late.Extract(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	for _, dm := range d.Dates {
		if dm.Source == doctales.SourceCalendar {
			t.Fatalf("a past start became a date mention: %+v", dm)
		}
	}
}
