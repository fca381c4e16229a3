package extract_test

import (
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// TestDeadlines_Rounds108And109 holds the readings added for the misses
// of blind rounds 108 and 109 (the cases are written anew, not the blind
// files): what the sender will bring is not the reader's deadline, a
// weekday before a slash date keeps the day first outside English,
// "entro la settimana" is this week's Friday, and "let me know if you're
// coming" about a task done by a time is no invitation.
func TestDeadlines_Rounds108And109(t *testing.T) {
	utc := time.UTC
	cet := time.FixedZone("+0100", 3600)
	checkDeadlineCases(t, []deadlineCase{
		// The sender's own delivery, then the reader's task (blind-109, 4766).
		{"EnSenderBringsItReaderReturnsIt", "frame",
			"Hi Sue, the glass in the big frame cracked in the van. Any chance you can re-glaze it today? I can bring it round to yours by 10. Need it back at the gallery by 4pm for the opening. Let me know\n\nRob\n(sent from phone)",
			time.Date(2026, 12, 12, 8, 30, 0, 0, utc), time.Date(2026, 12, 12, 16, 0, 0, 0, utc)},
		{"EnWellHaveItBackBeforeThen", "keys",
			"Hi Jo,\n\nWe'll have the spare keys back to you before Tuesday. Can you confirm the new alarm code by Friday?\n\nThanks,\nPete",
			time.Date(2026, 12, 7, 9, 0, 0, 0, utc), time.Date(2026, 12, 11, 17, 0, 0, 0, utc)},
		// 7 January and 1 July 2027 are both Thursdays (blind-108, 4742).
		{"PtWeekdayBeforeSlashDate", "Inventário de fim de ano",
			"Bom dia,\n\nPara fecharmos o inventário, envie até quinta-feira, 07/01/2027, a contagem das caixas em armazém.\n\nObrigado,\nServiços Administrativos",
			time.Date(2027, 1, 4, 9, 0, 0, 0, utc), time.Date(2027, 1, 7, 17, 0, 0, 0, utc)},
		{"EsWeekdayBeforeSlashDate", "Inventario",
			"Hola Pilar:\n\n¿Me mandas el recuento del almacén antes del jueves 07/01/2027?\n\nGracias,\nAna",
			time.Date(2027, 1, 4, 9, 0, 0, 0, cet), time.Date(2027, 1, 7, 17, 0, 0, 0, cet)},
		// "Entro la settimana": this week's Friday (blind-108, 4748); a
		// week named after it is that week.
		{"ItWithinTheWeek", "Re: turni di gennaio",
			"Ciao Laura,\n\nmi prepari tu i turni di gennaio? Con calma, ma se riesci entro la settimana, così li appendiamo lunedì.\n\nPaolo",
			time.Date(2027, 1, 12, 18, 0, 0, 0, cet), time.Date(2027, 1, 15, 17, 0, 0, 0, cet)},
		{"ItWithinNextWeek", "Re: turni di febbraio",
			"Ciao Laura,\n\nmi prepari tu i turni di febbraio entro la settimana prossima?\n\nPaolo",
			time.Date(2027, 1, 12, 18, 0, 0, 0, cet), time.Date(2027, 1, 22, 17, 0, 0, 0, cet)},
	})
}

// TestUrgency_ComingForATaskIsNoInvitation: "let me know if you're
// coming" about a thing the reader must fetch before a time today is a
// task due today, high, not an invitation capped at medium (blind-109,
// 4789); an invitation to a meeting at a time stays one.
func TestUrgency_ComingForATaskIsNoInvitation(t *testing.T) {
	cet := time.FixedZone("+0100", 3600)
	sent := time.Date(2026, 12, 14, 10, 0, 0, 0, cet)
	c := email("je fietsen moeten vandaag uit de schuur",
		"Hoi Bram\n\nIk vertrek morgen vroeg op vakantie en de schuur gaat tot januari op slot. Jouw twee bakfietsen staan er nog, die moet je vandaag voor 5 uur ophalen\n\nLaat even weten of je komt dan wacht ik\n\nGerda\n\nVerstuurd vanaf mijn iPhone")
	c.Timestamp = sent
	d := extractAt(t, c, sent.Add(30*time.Minute), false)
	if want := time.Date(2026, 12, 14, 17, 0, 0, 0, cet); d.Deadline == nil || !d.Deadline.Equal(want) {
		t.Errorf("deadline = %v, want %v (dates %+v)", d.Deadline, want, d.Dates)
	}
	if d.Urgency != doctales.UrgencyHigh {
		t.Errorf("urgency = %s, want high (reasons %v)", d.Urgency, d.UrgencyReasons)
	}

	inv := email("ledenvergadering",
		"Hoi Bram\n\nDonderdag om 20:00 is de ledenvergadering in het clubhuis. Laat even weten of je komt.\n\nGerda")
	inv.Timestamp = sent
	d = extractAt(t, inv, sent.Add(30*time.Minute), false)
	if want := time.Date(2026, 12, 17, 20, 0, 0, 0, cet); d.Deadline == nil || !d.Deadline.Equal(want) {
		t.Errorf("invitation deadline = %v, want %v (dates %+v)", d.Deadline, want, d.Dates)
	}
	if d.Urgency == doctales.UrgencyHigh {
		t.Errorf("invitation urgency = high, want at most medium (reasons %v)", d.UrgencyReasons)
	}
}
