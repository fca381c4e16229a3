package extract_test

import (
	"testing"

	"github.com/doctales/doctales"
)

// TestEngine_QuotedBlocks: the quoted or forwarded part of a message, as
// mail clients in several languages mark it, is not the sender's word to
// the reader: its urgency words and dates do not count.
func TestEngine_QuotedBlocks(t *testing.T) {
	const quotedUrgent = "URGENT: the service stops tonight unless you sign immediately. Please send it by 5pm today."
	for _, tt := range []struct{ name, head string }{
		{"OutlookForward", "Ann, FYI only, nothing to do.\n\nFrom: John Smith <john@vendor.example>\nSent: Monday, June 9, 2025 4:55 PM\nTo: Maria Lopez <maria@acme.example>\nSubject: Contract renewal\n\n"},
		{"OutlookBold", "Ann, FYI only, nothing to do.\n\n*From:* John Smith <john@vendor.example>\n*Sent:* Monday, June 9, 2025 4:55 PM\n*To:* Maria Lopez\n*Subject:* Contract\n\n"},
		{"GermanOutlook", "Anna, nur zur Info.\n\nVon: John Smith <john@vendor.example>\nGesendet: Montag, 9. Juni 2025 16:55\nAn: Maria Lopez\nBetreff: Vertrag\n\n"},
		{"FrenchWrote", "Merci, c'est noté.\n\nLe lun. 9 juin 2025 à 16:55, John Smith <john@vendor.example> a écrit :\n"},
		{"GermanWrote", "Danke, erledigt.\n\nAm Mo., 9. Juni 2025 um 16:55 Uhr schrieb John Smith <john@vendor.example>:\n"},
		{"SpanishWrote", "Gracias, recibido.\n\nEl lun, 9 jun 2025 a las 16:55, John Smith (<john@vendor.example>) escribió:\n"},
		{"AppleForward", "FYI, nothing to do.\n\nBegin forwarded message:\n\nFrom: John Smith <john@vendor.example>\nSubject: Contract\n\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := email("Fwd: Contract renewal", tt.head+quotedUrgent)
			d := MustExtract(t, c)
			if d.Urgency == doctales.UrgencyHigh || d.Deadline != nil {
				t.Errorf("urgency %s %v, deadline %v: the quoted part was read", d.Urgency, d.UrgencyReasons, d.Deadline)
			}
			if d.Category != doctales.CategoryPerson {
				t.Errorf("category %s, want person (a forward by a person)", d.Category)
			}
		})
	}
	// The sender's own request above the forwarded block still counts.
	d := MustExtract(t, email("FW: Contract renewal", "Ann, can you take this one? Please reply to them before 5pm today.\n\nFrom: John Smith <john@vendor.example>\nSent: Monday, June 9, 2025 4:55 PM\nTo: Maria Lopez\nSubject: Contract\n\n"+quotedUrgent))
	if d.Urgency != doctales.UrgencyHigh || d.Deadline == nil || d.Deadline.Hour() != 17 {
		t.Errorf("own request above a forward: urgency %s %v, deadline %v; want high by 17:00", d.Urgency, d.UrgencyReasons, d.Deadline)
	}
}
