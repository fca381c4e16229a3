package extract

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// urgencyCue matches words that say something is urgent; softUrgencyCue
// words that say it matters soon.
var (
	urgencyCue     = regexp.MustCompile(`(?i)\b(urgent|urgently|asap|a\.s\.a\.p|immediately|immediate attention|right away|right now|emergency|critical|time[- ]sensitive|as soon as possible|without delay|at once|top priority|high priority|action required|final notice|overdue|past due)\b`)
	softUrgencyCue = regexp.MustCompile(`(?i)\b(important|soon|promptly|quickly|reminder|priority|at your earliest convenience)\b`)
)

// UrgencyInput is what the urgency rules look at.
type UrgencyInput struct {
	Ref            time.Time  // the communication's timestamp
	Deadline       *time.Time // resolved deadline, nil if none
	Request        bool       // the communication asks the reader to act
	Cue            string     // a strong urgency word found, lower case; "" if none
	SoftCue        string     // a weaker one ("important", "soon")
	PriorityHeader bool       // X-Priority 1/2, Importance: high or a sender urgency of high
}

// Urgency score bands: a level's score lies in [low, high) of its band.
const (
	lowBase    = 0.1
	mediumBase = 0.45
	highBase   = 0.75
)

// Urgency applies the urgency rules: high when a deadline falls within one
// business day of the timestamp, or a strong urgency word comes with a
// request; medium for a deadline within a week, an undated request or a
// strong urgency word alone; low otherwise. A priority header only adds to
// the score and, with a request, names itself as a reason: it never makes a
// communication high by itself, since spam sets it freely. It returns the
// level, a score in 0..1 and the reasons.
func Urgency(in UrgencyInput) (string, float64, []string) {
	var reasons []string
	level := doctales.UrgencyLow
	score := lowBase
	raise := func(l string, base float64, reason string) {
		if doctales.UrgencyRank(l) > doctales.UrgencyRank(level) {
			level, score = l, base
		}
		reasons = append(reasons, reason)
	}

	// Deadline proximity, counted from the communication's own timestamp.
	if in.Deadline != nil {
		until := in.Deadline.Sub(in.Ref)
		switch {
		case until < 0 && until > -7*24*time.Hour && in.Request:
			raise(doctales.UrgencyHigh, highBase, "overdue deadline + request")
		case until < 0:
			reasons = append(reasons, "deadline already past")
		case !in.Deadline.After(endOfNextBusinessDay(in.Ref)):
			raise(doctales.UrgencyHigh, highBase+0.1, "deadline in "+humanDuration(until))
		case until <= 7*24*time.Hour:
			raise(doctales.UrgencyMedium, mediumBase+0.1, "deadline in "+humanDuration(until))
		default:
			reasons = append(reasons, "deadline in "+humanDuration(until))
		}
	}

	// Urgency words, strong with a request, alone, or soft.
	switch {
	case in.Cue != "" && in.Request:
		raise(doctales.UrgencyHigh, highBase, "urgent word + request")
	case in.Cue != "":
		raise(doctales.UrgencyMedium, mediumBase, "urgent word, no request")
	case in.Request && in.Deadline == nil:
		raise(doctales.UrgencyMedium, mediumBase, "undated request")
	case in.Request:
		reasons = append(reasons, "request")
	}
	if in.SoftCue != "" {
		score += 0.05
		reasons = append(reasons, "soft urgency word")
	}
	if in.PriorityHeader {
		score += 0.05
		reasons = append(reasons, "priority header")
	}
	if in.Cue != "" && in.Deadline != nil {
		score += 0.1
	}

	// Keep the score inside its level's band.
	top := map[string]float64{doctales.UrgencyLow: mediumBase - 0.01, doctales.UrgencyMedium: highBase - 0.01, doctales.UrgencyHigh: 1}[level]
	score = math.Round(math.Min(score, top)*100) / 100
	if len(reasons) == 0 {
		reasons = append(reasons, "no deadline, request or urgency word")
	}
	return level, score, reasons
}

// endOfNextBusinessDay returns the end (23:59:59) of the first business day
// after t's day: Friday's next business day is Monday.
func endOfNextBusinessDay(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, t.Location())
	d = d.AddDate(0, 0, 1)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// humanDuration formats d as "45m", "3h" or "2d".
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(math.Ceil(d.Minutes())))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(math.Round(d.Hours())))
	}
	return fmt.Sprintf("%dd", int(math.Round(d.Hours()/24)))
}

// priorityHeader reports whether the communication's fields or metadata
// carry a high priority flag.
func priorityHeader(c *doctales.Communication) bool {
	if c.Metadata.SenderUrgency == doctales.UrgencyHigh {
		return true
	}
	for k, v := range c.Fields {
		s, ok := v.(string)
		if !ok {
			if f, ok := v.(float64); ok {
				s = fmt.Sprint(f)
			} else if i, ok := v.(int); ok {
				s = fmt.Sprint(i)
			} else {
				continue
			}
		}
		s = strings.ToLower(strings.TrimSpace(s))
		switch strings.ToLower(k) {
		case "x-priority", "xpriority", "priority":
			if strings.HasPrefix(s, "1") || strings.HasPrefix(s, "2") || strings.HasPrefix(s, "high") || strings.HasPrefix(s, "urgent") {
				return true
			}
		case "importance", "x-msmail-priority":
			if s == "high" {
				return true
			}
		}
	}
	return false
}
