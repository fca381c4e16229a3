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

// TestEngine_BottomPostedReply: a reply written below or between the
// quoted lines ("On … wrote:", "> …", then the answer) is the sender's
// word to the reader like a reply written above them; the quoted lines
// still do not count, nor does a quoted line wrapped without its '>'.
func TestEngine_BottomPostedReply(t *testing.T) {
	reply := func(content string) *doctales.Communication {
		return email("Re: Lindqvist order of service", content)
	}
	const attribution = "On Mon, Jun 9, 2025 at 3:58 PM Renée Boudreau <renee@example.com> wrote:\n"
	for _, tt := range []struct{ name, content string }{
		{"BottomPosted", attribution + "> Hi Dave,\n>\n> Please hold the run, the names changed.\n>\n> Renée\n\nHeld, no problem.\n\nI've got the press booked for your job at 11 tomorrow, so I need the\ncorrected PDF by 10 tomorrow morning at the latest.\n\nDave\n"},
		{"Inline", "Il giorno lun 9 giu 2025 alle ore 08:47 Chiara Fontana\n<chiara@example.com> ha scritto:\n\n> Buongiorno Maurizio,\n> il concerto è domani alle 21.\n\nSì, me l'aveva detto.\n\n> La sala apre alle 10.\n\nEcco il problema: mi serve sapere entro le 10 di domani se qualcuno può aprirmi la sala.\n\n> Grazie,\n> Chiara\n\nGrazie a lei,\nMaurizio\n"},
		{"OutlookInline", "Hallo Stefan,\n\nsiehe unten.\n\n-----Ursprüngliche Nachricht-----\nVon: Stefan Krüger\nGesendet: Montag, 9. Juni 2025 16:48\nAn: Birgit Hoffmann\nBetreff: RFC-2291\n\n> Reicht das für das CAB?\n\nFast. Es fehlt die Risikobewertung. Bitte trag sie morgen bis 10 Uhr im RFC nach, sonst fliegt er von der Agenda.\n\n> Wartungsfenster wäre Samstag.\n\nPasst.\n\nGruß\nBirgit\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := MustExtract(t, reply(tt.content))
			if d.Deadline == nil || d.Deadline.Day() != 11 || d.Deadline.Hour() != 10 {
				t.Errorf("deadline %v, want 11 June 10:00 (the new text below the quote)", d.Deadline)
			}
			if d.Urgency != doctales.UrgencyHigh {
				t.Errorf("urgency %s %v, want high", d.Urgency, d.UrgencyReasons)
			}
		})
	}
	for _, tt := range []struct{ name, content string }{
		// Quoted lines wrapped without their '>': still quoted.
		{"WrappedQuote", "Thanks, noted.\n\n" + attribution + "> URGENT: we need the signed contract.\nPlease send it by 5pm today, otherwise the slot is gone.\n> Renée\n"},
		// The signature under a bottom-posted answer is not new text.
		{"SignatureBelowAnswer", attribution + "> Is the order in?\n\nYes, it went out this morning, thanks.\n\n-- \nDave Kowalczyk, Lakeshore Press\nPlease send artwork by 5pm today for next-day printing.\n"},
		// A quote not marked with '>' is all quoted.
		{"UnmarkedQuote", "Thanks, noted.\n\n" + attribution + "\nPlease send the signed contract by 5pm today.\n\n> > Earlier: thanks\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := MustExtract(t, reply(tt.content))
			if d.Deadline != nil || d.Urgency == doctales.UrgencyHigh {
				t.Errorf("urgency %s %v, deadline %v: the quoted part was read as new", d.Urgency, d.UrgencyReasons, d.Deadline)
			}
		})
	}
}
