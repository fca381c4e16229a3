package notify_test

import (
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
)

func item(urgency string) *doctales.Item {
	return &doctales.Item{ID: "email-123", Metadata: doctales.Metadata{Urgency: urgency}}
}

func TestEscalation(t *testing.T) {
	tests := []struct {
		name   string
		old    *doctales.Item
		new    *doctales.Item
		notify bool
		reason string
	}{
		{"InsertHigh", nil, item("high"), true, "urgency is high and there is no old image"},
		{"InsertMedium", nil, item("medium"), false, `urgency is "medium", not high`},
		{"ModifyMediumToHigh", item("medium"), item("high"), true, `urgency rose from "medium" to high`},
		{"ModifyUnsetToHigh", item(""), item("high"), true, "urgency became high from unset"},
		{"ModifyHighToHigh", item("high"), item("high"), false, "urgency was already high"},
		{"ModifyHighToMedium", item("high"), item("medium"), false, `urgency is "medium", not high`},
		{"MissingMetadata", nil, &doctales.Item{ID: "email-123"}, false, "new image has no urgency"},
		{"Remove", item("high"), nil, false, "no new image"},
		{"UppercaseIsNotHigh", nil, item("HIGH"), false, `urgency is "HIGH", not high`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notify, reason := notify.Escalation(tt.old, tt.new)
			if notify != tt.notify || reason != tt.reason {
				t.Errorf("Escalation = %v, %q; want %v, %q", notify, reason, tt.notify, tt.reason)
			}
		})
	}
}

// FuzzEscalation checks the rule against its definition: notify exactly
// when the new urgency is high and the old one is absent or not high, and
// always give a reason.
func FuzzEscalation(f *testing.F) {
	for _, s := range []struct {
		old, new string
		hasOld   bool
	}{
		{"", "high", false}, {"medium", "high", true}, {"high", "high", true},
		{"high", "medium", true}, {"", "", true}, {"low", "HIGH", true},
	} {
		f.Add(s.old, s.new, s.hasOld)
	}
	f.Fuzz(func(t *testing.T, oldUrgency, newUrgency string, hasOld bool) {
		var old *doctales.Item
		if hasOld {
			old = item(oldUrgency)
		}
		got, reason := notify.Escalation(old, item(newUrgency))
		want := newUrgency == doctales.UrgencyHigh && (!hasOld || oldUrgency != doctales.UrgencyHigh)
		if got != want {
			t.Errorf("Escalation(%q (present %v), %q) = %v, want %v", oldUrgency, hasOld, newUrgency, got, want)
		}
		if reason == "" {
			t.Error("empty reason")
		}
	})
}
