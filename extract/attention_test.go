package extract_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
	"github.com/doctales/doctales/extract/eval"
	"github.com/doctales/doctales/extract/internal/attnmodel"
)

// TestAttentionModelLoads: the embedded model reads, and its thresholds
// are ones Combine can use.
func TestAttentionModelLoads(t *testing.T) {
	raise, lower := extract.AttentionModelThresholds()
	if raise <= 0 || raise > 1 || lower < 0 || lower >= raise {
		t.Fatalf("embedded attention model: raise %v, lower %v: want 0 < lower < raise <= 1", raise, lower)
	}
}

// urgencyFile reads one message of the urgency set with its label.
func urgencyFile(t *testing.T, file string) (*doctales.Communication, eval.UrgencyLabel) {
	t.Helper()
	dir := eval.UrgencyDir()
	labels, err := eval.LoadUrgencyLabels(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range labels {
		if l.File == file {
			c, err := eval.ParseUrgencyMessage(context.Background(), filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			return c, l
		}
	}
	t.Fatalf("%s: no label", file)
	return nil, eval.UrgencyLabel{}
}

func extractAt(t *testing.T, c *doctales.Communication, now time.Time, model bool, reader ...string) *doctales.Dimensions {
	t.Helper()
	d, err := extract.New(extract.WithNow(func() time.Time { return now }), extract.WithReader(reader...), extract.WithAttentionModel(model)).Extract(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestAttentionModel_RaisesSituation: in each language, a person's
// message of the tune split that only tells a situation, labelled high,
// is high with the model on and not with it off; and the engine's
// answer with the model on is what Combine gives on ExtractAttention's
// input (so "doctales eval attention" measures the engine's path). Of
// the tune split's high messages the rules make medium, the model (with
// its gate: something due soon) raises ones in en, es, fr and nl only.
func TestAttentionModel_RaisesSituation(t *testing.T) {
	raise, lower := extract.AttentionModelThresholds()
	for _, file := range []string{"1354.eml", "1809.eml", "1733.eml", "1869.eml"} {
		t.Run(file, func(t *testing.T) {
			c, l := urgencyFile(t, file)
			if l.Split != "tune" || l.Urgency != doctales.UrgencyHigh {
				t.Fatalf("%s is %s, %s: want a high message of the tune split", file, l.Split, l.Urgency)
			}
			off := extractAt(t, c, l.Now, false, l.Reader...)
			on := extractAt(t, c, l.Now, true, l.Reader...)
			if off.Urgency == doctales.UrgencyHigh || on.Urgency != doctales.UrgencyHigh {
				t.Fatalf("%s (%s, %s): urgency %s with the model off, %s on (%v): want not high, then high", file, l.Language, l.Note, off.Urgency, on.Urgency, on.UrgencyReasons)
			}
			_, in, err := extract.New(extract.WithNow(func() time.Time { return l.Now }), extract.WithReader(l.Reader...), extract.WithAttentionModel(false)).ExtractAttention(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			m, err := attnmodel.Unmarshal(extract.AttentionModelData())
			if err != nil {
				t.Fatal(err)
			}
			if got := attnmodel.Combine(off.Urgency, off.Category, m.Prob(attnmodel.Features(*in)), raise, lower); got != on.Urgency {
				t.Fatalf("%s: Combine on ExtractAttention's input gives %s, the engine %s", file, got, on.Urgency)
			}
		})
	}
}

// TestAttentionModel_OnlyPersonMail: a text the model raises in a
// person's mail changes nothing in a newsletter, a system's mail, an
// automatic reply, a list post or phishing.
func TestAttentionModel_OnlyPersonMail(t *testing.T) {
	c, l := urgencyFile(t, "1606.eml")
	if d := extractAt(t, c, l.Now, true); d.Urgency != doctales.UrgencyHigh || extractAt(t, c, l.Now, false).Urgency == doctales.UrgencyHigh {
		t.Fatalf("1606.eml: the model does not raise it (%s): the test would prove nothing", d.Urgency)
	}
	for _, tt := range []struct {
		name, from, fromName, subject string
		fields                        map[string]any
		category                      string
	}{
		{"Newsletter", "news@pritchardhale.example", "Pritchard Hale news", c.Subject,
			map[string]any{"listUnsubscribe": "<https://pritchardhale.example/u?id=1>", "precedence": "bulk"}, doctales.CategoryBulk},
		{"Automated", "no-reply@sitevisits.example", "Site visits", c.Subject,
			map[string]any{"autoSubmitted": "auto-generated"}, doctales.CategoryAutomated},
		{"AutoReply", c.SenderID, c.Sender, "Automatic reply: " + c.Subject,
			map[string]any{"autoSubmitted": "auto-replied"}, doctales.CategoryAutoReply},
		{"List", "owen@pritchardhale.co.uk", "Owen Pritchard", "[site-team] " + c.Subject,
			map[string]any{"listId": "<site-team.lists.pritchardhale.example>", "listPost": "<mailto:site-team@lists.pritchardhale.example>"}, doctales.CategoryList},
		{"Phishing", "x@mailer.example", "billing@bank.example", c.Subject, nil, doctales.CategorySuspicious},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := *c
			m.SenderID, m.Sender, m.Subject, m.Fields = tt.from, tt.fromName, tt.subject, tt.fields
			off, on := extractAt(t, &m, l.Now, false), extractAt(t, &m, l.Now, true)
			if on.Category != tt.category {
				t.Fatalf("category %s, want %s (the test's wrapper)", on.Category, tt.category)
			}
			if on.Urgency != off.Urgency {
				t.Fatalf("%s mail: urgency %s with the model, %s without (%v): the model must not change it", tt.category, on.Urgency, off.Urgency, on.UrgencyReasons)
			}
		})
	}
}
