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

// TestDeadlines_Rounds110And111: a Flemish or German clock with its hour
// word before "tonight" is that clock, not late tonight (blind-110,
// 4832), and a German "it would be great if you came" under a meeting's
// time is an invitation whose start is the deadline (blind-111, 4859).
func TestDeadlines_Rounds110And111(t *testing.T) {
	cet := time.FixedZone("+0100", 3600)
	checkDeadlineCases(t, []deadlineCase{
		{"NlClockWithUBeforeTonight", "levering tegels",
			"Dag Ann,\n\nDe tegels worden morgen om 8 u geleverd in plaats van vrijdag. Kan je me vóór 21 u vanavond laten weten of je er kan zijn om te tekenen?\n\nGroetjes,\nDirk",
			time.Date(2027, 1, 12, 18, 10, 0, 0, cet), time.Date(2027, 1, 12, 21, 0, 0, 0, cet)},
		{"DeWouldBeGreatIfYouJoined", "Teambesprechung Dienstag 15 Uhr",
			"Hallo Jonas,\n\nam Dienstag, 12.01., um 15:00 Uhr besprechen wir im Büro die neuen Touren. Frau Weber vom Einkauf ist auch dabei.\n\nEs wäre schön, wenn du vor deiner Schicht kurz dazukommst.\n\nViele Grüße\nKatrin",
			time.Date(2027, 1, 8, 10, 0, 0, 0, cet), time.Date(2027, 1, 12, 15, 0, 0, 0, cet)},
	})
}

// TestDeadlines_Round111Requests: "don't worry about ringing me today"
// asks nothing of today (blind-111, 4837); "kun jij" asks (4871); and a
// time that only stands in a request ("tonight", "stasera tardi") gives
// way to the time the reader is asked to be done by, within the day
// after it (4834; blind-110, 4827), unless the request's own time is
// said with "by" too (blind-93, 4143).
func TestDeadlines_Round111Requests(t *testing.T) {
	utc := time.UTC
	cet := time.FixedZone("+0100", 3600)
	brt := time.FixedZone("-0300", -3*3600)
	checkDeadlineCases(t, []deadlineCase{
		{"EnDontWorryAboutToday", "Re: fridge",
			"Thanks Amy, well spotted. Can u log it on the maintenance sheet with a photo pls, the engineer wants it by Wednesday. Don't worry about calling me today, go home and rest!\nM\n\nSent from my iPad",
			time.Date(2026, 12, 14, 8, 0, 0, 0, utc), time.Date(2026, 12, 16, 17, 0, 0, 0, utc)},
		{"NlKunJijNextWeek", "overdrachtsmap",
			"Hoi Fleur,\n\nKun jij ergens volgende week de overdrachtsmap van de nieuwe collega doorlopen? Hij ligt op kantoor.\n\nGroetjes,\nSanne",
			time.Date(2027, 1, 5, 15, 0, 0, 0, cet), time.Date(2027, 1, 15, 17, 0, 0, 0, cet)},
		{"ItTonightOrEarlyTomorrowByEight", "Re: bagno",
			"Ciao Marco,\n\ndomani alle 10 arriva l'elettricista e vuole le pareti pulite. Riesci a passare stasera tardi o domattina presto e finire di pulire entro le 8?\n\nGrazie\nLuca",
			time.Date(2026, 12, 16, 19, 0, 0, 0, cet), time.Date(2026, 12, 17, 8, 0, 0, 0, cet)},
		{"EnTonightsShiftThenByTomorrow", "Re: transport",
			"thanks so much could you have dads bag and his glasses ready by the door by 6 am tomorrow the taxi comes at 6.30 and can you tell whoever is on tonight please thanks Sue",
			time.Date(2027, 1, 13, 21, 30, 0, 0, utc), time.Date(2027, 1, 14, 6, 0, 0, 0, utc)},
		{"PtRequestTimeSaidWithByToo", "remédio",
			"Oi Bia! O gato precisa tomar o remédio às 14h e eu tô presa no plantão até as 18h. Você consegue passar aqui até as 14h pra dar o remédio?\n\nBeijos, Lu",
			time.Date(2027, 1, 20, 9, 0, 0, 0, brt), time.Date(2027, 1, 20, 14, 0, 0, 0, brt)},
	})
}

// TestDeadlines_Rounds112And113: "até as 15 horas", "antes de las 19
// horas" are clocks, not fifteen or nineteen hours from the message
// (blind-113, 4941); Flemish "tegen woensdag" is by Wednesday (4951); a
// clock after "roughly" or "at around" belongs to the day before it
// (4925: "Wednesday 13 January, roughly 10:00" was 10:00 today).
func TestDeadlines_Rounds112And113(t *testing.T) {
	utc := time.UTC
	cet := time.FixedZone("+0100", 3600)
	brt := time.FixedZone("-0300", -3*3600)
	checkDeadlineCases(t, []deadlineCase{
		{"PtAteAsHoras", "trator",
			"Oi Zé, o trator da horta começou a fazer um barulho estranho. Você consegue passar aqui hoje até as 16 horas? Depois disso o portão fecha. Valeu",
			time.Date(2026, 12, 9, 8, 50, 0, 0, brt), time.Date(2026, 12, 9, 16, 0, 0, 0, brt)},
		{"EsAntesDeLasHoras", "furgoneta",
			"Javi, la furgoneta pierde agua otra vez. ¿Puedes venir a mirarla hoy antes de las 18 horas? Mañana salimos temprano.\n\nNuria",
			time.Date(2026, 12, 15, 9, 30, 0, 0, cet), time.Date(2026, 12, 15, 18, 0, 0, 0, cet)},
		{"NlTegenWeekday", "lijst vrijwilligers",
			"Dag Bart,\n\nDe gemeente wil voor de verzekering een lijst van alle vrijwilligers.\n\nKan je mij die tegen donderdag 17 december bezorgen?\n\nGroeten,\nLies",
			time.Date(2026, 12, 11, 16, 0, 0, 0, cet), time.Date(2026, 12, 17, 17, 0, 0, 0, cet)},
		{"EnDayThenRoughlyAClock", "Visit to the allotment",
			"Dear Sam,\n\nWould it be possible to bring my Year 2 class to the allotment on Thursday 14 January, roughly 9:30 to 11:00?\n\nCould you let me know by Friday 8th whether that works?\n\nMany thanks,\nAnna",
			time.Date(2027, 1, 4, 9, 0, 0, 0, utc), time.Date(2027, 1, 8, 17, 0, 0, 0, utc)},
	})
}
