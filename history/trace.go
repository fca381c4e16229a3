package history

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/runtime"
)

// Trace is the flow history of one communication with its current item and
// a one-line verdict on whether and why it was notified.
type Trace struct {
	Item    *doctales.Item        `json:"communication"`
	Events  []*doctales.FlowEvent `json:"events"`
	Verdict string                `json:"verdict"`
}

// NewTrace builds a trace from an item and its flow events. The item's
// acceptance is the first event.
func NewTrace(item *doctales.Item, evs []*doctales.FlowEvent) *Trace {
	all := make([]*doctales.FlowEvent, 0, len(evs)+1)
	all = append(all, &doctales.FlowEvent{
		CommunicationID: item.ID, Time: item.CreatedAt, Step: "ingestion", Kind: "accepted",
		Detail: "stored raw at " + item.S3Key,
	})
	all = append(all, evs...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].Time.Before(all[j].Time) })
	return &Trace{Item: item, Events: all, Verdict: Verdict(item, all)}
}

// Verdict says in one line whether the communication was notified, and why
// or why not.
func Verdict(item *doctales.Item, evs []*doctales.FlowEvent) string {
	var published, skipped, filtered, extractionFailed, deliveredTo []string
	for _, ev := range evs {
		switch {
		case ev.Step == "notification" && ev.Kind == "published":
			published = append(published, ev.Detail)
		case ev.Step == "notification" && ev.Kind == "skipped":
			skipped = append(skipped, ev.Detail)
		case ev.Step == "notification" && ev.Kind == runtime.OutcomeFiltered:
			filtered = append(filtered, ev.Detail)
		case ev.Step == "extraction" && ev.Kind == runtime.OutcomeDeadLettered:
			extractionFailed = append(extractionFailed, ev.Detail)
		case strings.HasPrefix(ev.Step, "topic/") && ev.Kind == runtime.OutcomeDelivered:
			deliveredTo = append(deliveredTo, strings.TrimPrefix(ev.Step, "topic/"))
		}
	}
	switch {
	case len(published) > 0:
		v := "notified: " + published[0]
		if len(deliveredTo) > 0 {
			v += "; delivered to " + strings.Join(dedupe(deliveredTo), ", ")
		}
		return v
	case len(extractionFailed) > 0:
		return "not notified: extraction was dead-lettered (" + extractionFailed[len(extractionFailed)-1] + "); redrive it with `doctales dlq redrive`"
	case item.Status == doctales.StatusAccepted:
		return "not notified yet: waiting for extraction"
	case len(skipped) > 0:
		return "not notified: " + skipped[len(skipped)-1]
	case len(filtered) > 0:
		return "not notified: " + filtered[len(filtered)-1]
	}
	return fmt.Sprintf("not notified: urgency is %q and no high-urgency change reached the notification function", item.Metadata.Urgency)
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// WriteText prints a trace for a terminal: a header, one line per event with
// the time since acceptance, and the verdict.
func (t *Trace) WriteText(w io.Writer) error {
	it := t.Item
	fmt.Fprintf(w, "communication %s (%s, project %s, subject %q)\n", it.ID, it.Type, it.Project, it.Subject)
	fmt.Fprintf(w, "  status %s, urgency %s", it.Status, orDash(it.Metadata.Urgency))
	if it.Dimensions != nil && len(it.Dimensions.UrgencyReasons) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(it.Dimensions.UrgencyReasons, "; "))
	}
	fmt.Fprintf(w, "\n  object %s\n\n", it.S3Key)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\t+SINCE\tSTEP\tWHAT\tEVENT\tDETAIL")
	start := it.CreatedAt
	for _, ev := range t.Events {
		what := ev.Kind
		if ev.Attempt > 0 {
			what += fmt.Sprintf(" (attempt %d", ev.Attempt)
			if ev.Duration > 0 {
				what += ", " + ev.Duration.Round(10*time.Microsecond).String()
			}
			what += ")"
		}
		since := ev.Time.Sub(start).Round(100 * time.Microsecond)
		fmt.Fprintf(tw, "%s\t+%s\t%s\t%s\t%s\t%s\n", ev.Time.UTC().Format("15:04:05.000"), since, ev.Step, what,
			orDash(ev.Event), oneLine(ev.Detail))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nverdict: %s\n", t.Verdict)
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if r := []rune(s); len(r) > 120 {
		return string(r[:119]) + "…"
	}
	return s
}
