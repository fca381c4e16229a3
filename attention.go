package doctales

import (
	"fmt"
	"time"
)

// Attention levels: what a communication asks of its reader at the time
// they look (issue 14), as opposed to Urgency, judged when it came.
const (
	AttentionNow    = "now"    // high and fresh, or a deadline within the next working day (or just passed)
	AttentionSoon   = "soon"   // a deadline within a week
	AttentionMissed = "missed" // its deadline passed more than a day ago: too late to act on
	AttentionStale  = "stale"  // was high when it came, long ago, with no deadline ahead
	AttentionNone   = "none"   // nothing asks for the reader's attention
)

// AttentionJudgement is the attention level of an item at a given time,
// with the reason in words.
type AttentionJudgement struct {
	Level  string `json:"level"`
	Reason string `json:"reason"`
}

// Attention judges it at now: a deadline decides first (within the next
// working day or passed less than a day ago: now; within a week: soon;
// passed longer ago: missed, never "overdue by 8,900 days"), then its
// urgency and age (high and dated within freshness: now; high and older:
// stale). freshness 0 means any age is fresh.
func Attention(it *Item, now time.Time, freshness time.Duration) AttentionJudgement {
	if d := it.Dimensions; d != nil && d.Deadline != nil && !d.Deadline.IsZero() {
		dl := *d.Deadline
		until := dl.Sub(now)
		switch {
		case until < -24*time.Hour:
			return AttentionJudgement{AttentionMissed, "the deadline passed on " + dl.Format("Mon 2 Jan 2006 15:04 MST")}
		case until < 0:
			return AttentionJudgement{AttentionNow, "the deadline passed " + ago(-until) + " ago"}
		case !dl.After(EndOfNextBusinessDay(now.In(dl.Location()))):
			return AttentionJudgement{AttentionNow, "due in " + ago(until) + " (" + dl.Format("Mon 15:04 MST") + ")"}
		case until <= 7*24*time.Hour:
			return AttentionJudgement{AttentionSoon, "due " + dl.Format("Mon 2 Jan 15:04 MST")}
		}
	}
	if it.Metadata.Urgency == UrgencyHigh {
		age := now.Sub(it.Timestamp)
		if freshness > 0 && !it.Timestamp.IsZero() && age > freshness {
			return AttentionJudgement{AttentionStale, "high when it came, " + ago(age) + " ago; nothing due ahead"}
		}
		return AttentionJudgement{AttentionNow, "high priority, " + ago(max(age, 0)) + " old"}
	}
	return AttentionJudgement{AttentionNone, "no deadline ahead and not high priority"}
}

// EndOfNextBusinessDay returns the end (23:59:59) of the first business
// day after t's day, in t's location: Friday's next business day is
// Monday.
func EndOfNextBusinessDay(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, t.Location()).AddDate(0, 0, 1)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// ago formats a duration for a person: "40 minutes", "5 hours", "3 days",
// "14 years".
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "moments"
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute")
	case d < 48*time.Hour:
		return plural(int(d.Hours()), "hour")
	case d < 2*365*24*time.Hour:
		return plural(int(d.Hours()/24), "day")
	}
	return plural(int(d.Hours()/24/365), "year")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
