package doctales_test

import (
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

func TestAttention(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC) // a Friday
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	item := func(urgency string, ts time.Time, deadline *time.Time) *doctales.Item {
		return &doctales.Item{Timestamp: ts, Metadata: doctales.Metadata{Urgency: urgency}, Dimensions: &doctales.Dimensions{Deadline: deadline}}
	}
	for _, c := range []struct {
		name         string
		it           *doctales.Item
		level, words string
	}{
		{"OldMissedDeadline", item("high", at("2002-08-22T09:00:00Z").UTC(), at("2002-08-23T17:00:00Z")), doctales.AttentionMissed, "passed on Fri 23 Aug 2002"},
		{"JustPassed", item("high", now.Add(-3*time.Hour), at("2026-12-04T09:00:00Z")), doctales.AttentionNow, "passed 1 hour ago"},
		{"DueMonday", item("medium", now.AddDate(0, 0, -5), at("2026-12-07T17:00:00Z")), doctales.AttentionNow, "due in 3 days"},
		{"DueNextWednesday", item("medium", now, at("2026-12-09T17:00:00Z")), doctales.AttentionSoon, "due Wed 9 Dec"},
		{"HighFresh", item("high", now.Add(-2*time.Hour), nil), doctales.AttentionNow, "2 hours old"},
		{"HighStale", item("high", now.AddDate(0, 0, -9), nil), doctales.AttentionStale, "9 days ago"},
		{"HighAncient", item("high", now.AddDate(-24, 0, 0), nil), doctales.AttentionStale, "24 years ago"},
		{"Calm", item("low", now, nil), doctales.AttentionNone, "not high"},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := doctales.Attention(c.it, now, 72*time.Hour)
			if j.Level != c.level || !strings.Contains(j.Reason, c.words) {
				t.Fatalf("Attention = %+v, want %s with %q", j, c.level, c.words)
			}
			if strings.Contains(j.Reason, "overdue by") {
				t.Fatalf("reason %q counts an overdue time", j.Reason)
			}
		})
	}
	// Freshness 0: any age is fresh.
	if j := doctales.Attention(item("high", now.AddDate(-1, 0, 0), nil), now, 0); j.Level != doctales.AttentionNow {
		t.Fatalf("freshness 0: %+v", j)
	}
}
