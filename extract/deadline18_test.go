package extract_test

import (
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// TestDeadlines_EighteenthSession holds the deadlines the eighteenth
// session found missed in blind rounds, each in words of its own (the
// rounds' messages are in testdata): the sender's own state "till
// lunchtime" beside the asked hour (blind-85, 3800), "by weds" after a
// count of days the parser reads as a date (blind-84, 3759), a labelled
// "NEW DUE DATE:" line that gives the hour the subject's day left out
// (blind-81, 3646), a bare hour before "dann" or "che" (3697, 3785), the
// pronoun "we" the parser took for Wednesday (3758), a British clock
// with a dot (3761), a weekday and its clock "after school, around 3.30"
// (650), "the eve of" an event dated in an earlier paragraph (3317), "la
// veille du départ" as a day, not the departure's hour (3413, 3855), a
// clock after the event's name as the deadline's hour (3133) and "até ao
// dia útil anterior à montagem" (3422); from blind-88: "closes at 12 noon
// tomorrow" (3913), a clock restated in another zone after a suggested
// meeting (3926) and Outlook's Portuguese "Enviada:" above the quoted
// first deadline (3942); from blind-90 and 91, phone mail's "by 9 tmrw"
// (3994) and "b4 half 6" (4001), a clock kept when the parser gives up on
// the sentence (4024), Dutch "lukt dat voor 5?" (4029), and a German
// message read as Polish for one "ń" (4057); and "Thurs 7th 10am"
// (4006), "b4 6 pls" (4122), "Laat je het vanavond even weten?" (4151)
// and "if you could get me … by then" (4085); from blind-94 and 95, a
// 24-hour clock without its colon ("by 1430 today", "antes de las 1300
// de mañana", "entro le 0400Z di lunedì"; blind-95's deadlines were .700)
// but not a year ("voor 2027"), "a las 14:00 h" (4050) and "by month end"
// (4163).
func TestDeadlines_EighteenthSession(t *testing.T) {
	est := time.FixedZone("-0500", -5*3600)
	cet := time.FixedZone("+0100", 3600)
	cases := []deadlineCase{
		{"SendersStateTillLunchtime", "New frames for Dad",
			"Hello,\n\nDad's prescription changed at the eye clinic today. Could you have the new frames ready by 5 tomorrow? I'll collect them after work. If anything is wrong please ring me - I'm off tomorrow till lunchtime.\n\nThanks,\nRuth",
			time.Date(2026, 12, 10, 19, 0, 0, 0, time.UTC), time.Date(2026, 12, 11, 17, 0, 0, 0, time.UTC)},
		{"ShortWeekdayAfterDayCount", "Re: lamb for the 30th",
			"yep can do the lamb. need ur final count and whether u want it hung 21 or 28 day by weds latest so i can get it sorted. delivery 30th am\n\nta\nPhil",
			time.Date(2026, 12, 18, 12, 0, 0, 0, time.UTC), time.Date(2026, 12, 23, 17, 0, 0, 0, time.UTC)},
		{"NewDueDateLineGivesTheHour", "Recall: equipment on loan to you is now due Mon Jan 11, 2027",
			"Media Services - recall notice\n\nAn item on loan to you has been recalled for a teaching session.\n\n  Item:         Sony camcorder kit 4\n  Original due: Feb 15, 2027\n  NEW DUE DATE: Mon Jan 11, 2027 5:30 PM\n\nPlease return the kit to the media desk by the new due date. Late returns are charged $5.00 per day.",
			time.Date(2027, 1, 8, 9, 0, 0, 0, est), time.Date(2027, 1, 11, 17, 30, 0, 0, est)},
		{"DeBareHourBeforeComma", "Re: Inventur Lager",
			"Moni, bitte morgen früh als Erstes die Regale 4 bis 7 nachzählen. Brauch die Zahlen bis 11, dann ruf ich den Lieferanten an.\n\nDanke\nK.",
			time.Date(2026, 12, 13, 20, 0, 0, 0, cet), time.Date(2026, 12, 14, 11, 0, 0, 0, cet)},
		{"ItHourBeforeChe", "pane per domani",
			"Luca, il fornaio ha sbagliato l'ordine, mancano 40 panini per il buffet di domani. Chiamalo tu entro le 15 che poi chiude il forno, io sono in banca fino a tardi.\n\ngrazie\nS.",
			time.Date(2026, 12, 29, 10, 0, 0, 0, cet), time.Date(2026, 12, 29, 15, 0, 0, 0, cet)},
		{"WeIsNotWednesday", "Re: contract",
			"Tom - the lender is ready today but I still don't have your signed mortgage deed. If I don't get it by 2pm we lose today's slot. Can you drop it in asap?\n\nSue",
			time.Date(2026, 12, 18, 9, 0, 0, 0, time.UTC), time.Date(2026, 12, 18, 14, 0, 0, 0, time.UTC)},
		{"DotClock", "tonight",
			"heads up - the food critic is in tonight. pls make sure the bar is stocked and brief the floor team on the gluten-free menu before doors at 5.45. ring me if anything is missing",
			time.Date(2027, 1, 13, 11, 0, 0, 0, time.UTC), time.Date(2027, 1, 13, 17, 45, 0, 0, time.UTC)},
		{"WeekdayThenClockAfterSchool", "Meeting about Sam",
			"Dear Ms Hart,\n\nSam has been worried about his reading and I'd like to talk about how we can help him at home. Could we meet on Thursday after school, around 3.45? I can come to the office.\n\nThanks,\nJo Bell",
			time.Date(2026, 12, 14, 19, 0, 0, 0, time.UTC), time.Date(2026, 12, 17, 15, 45, 0, 0, time.UTC)},
		{"EveOfTheEventDatedEarlier", "Statement",
			"Dear Mr Rowe,\n\nThe inquest is listed for two days starting Tuesday 19 January at 10.00am at the Coroner's Court.\n\nStatements are now to be filed by the eve of the inquest at the latest. Please send yours back, signed, by then.\n\nRegards,\nA. Patel",
			time.Date(2027, 1, 14, 9, 0, 0, 0, time.UTC), time.Date(2027, 1, 18, 17, 0, 0, 0, time.UTC)},
		{"FrVeilleDuDepartIsTheDay", "Classe de neige",
			"Bonjour,\n\nPour rappel, le départ a lieu le jeudi 14 janvier à 5h30 devant l'école.\n\nMerci de déposer le certificat médical et l'autorisation de sortie au plus tard la veille du départ.\n\nCordialement,\nLa direction",
			time.Date(2027, 1, 11, 18, 0, 0, 0, cet), time.Date(2027, 1, 13, 17, 0, 0, 0, cet)},
		{"FrVeilleAClockAfterTheEvent", "Vente de l'appartement",
			"Madame,\n\nLa signature de l'acte est fixée au mardi 22 décembre à 11 h à l'étude. Le solde du prix doit être viré sur notre compte au plus tard la veille de la signature à 15 h.\n\nBien à vous,\nL'étude",
			time.Date(2026, 12, 16, 10, 0, 0, 0, cet), time.Date(2026, 12, 21, 15, 0, 0, 0, cet)},
		{"PtWorkingDayBeforeTheEvent", "Seguro do palco",
			"Boa tarde,\n\nA montagem da feira começa na quinta-feira, 21 de janeiro, às 8h. A câmara exige o seguro de responsabilidade civil das empresas que montam estruturas até ao dia útil anterior à montagem.\n\nPode enviar-mo?\n\nCumprimentos,\nJoão",
			time.Date(2027, 1, 18, 16, 0, 0, 0, time.UTC), time.Date(2027, 1, 20, 17, 0, 0, 0, time.UTC)},
		{"TwelveNoonAfterCloses", "Team entries",
			"Hi Sam,\n\nEntries for the county relay close at 12 noon tomorrow, Friday 15 January. Please submit your team's form before then.\n\nThanks,\nLiz",
			time.Date(2027, 1, 14, 9, 0, 0, 0, time.UTC), time.Date(2027, 1, 15, 12, 0, 0, 0, time.UTC)},
		{"ClockRestatedInAnotherZone", "Call with Brightwave - Wednesday 5pm CET?",
			"Hi Alex,\n\nTheir CTO would like a short video call about the contract. He's suggested Wednesday 13 January at 5pm CET, which is 4pm UK time.\n\nCould you let me know if that works?\n\nBest,\nMia",
			time.Date(2027, 1, 11, 10, 0, 0, 0, time.UTC), time.Date(2027, 1, 13, 16, 0, 0, 0, time.UTC)},
		{"PtOutlookHeaderEnviada", "RE: Inventário das salas",
			"Bom dia, Rita,\n\nO prazo foi prorrogado: já não precisa de enviar o inventário hoje. Pode enviá-lo até quinta-feira, dia 14 de janeiro.\n\nCumprimentos,\nPaulo\n\nDe: Paulo Sousa\nEnviada: 18 de dezembro de 2026 10:02\nPara: Rita Lopes\nAssunto: Inventário das salas\n\nCara Rita,\nSolicito o envio do inventário das salas até segunda-feira, 11 de janeiro.\nCumprimentos,\nPaulo",
			time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC), time.Date(2027, 1, 14, 17, 0, 0, 0, time.UTC)},
		{"PhoneHourBesideTmrw", "Re: boards for unit 3",
			"Dan need the test sheets for unit 3 emailed over by 8 tmrw latest. inspector on site at 9 and he wont sign off without them\n\nRich\n\nSent from my iPhone",
			time.Date(2026, 12, 9, 18, 0, 0, 0, time.UTC), time.Date(2026, 12, 10, 8, 0, 0, 0, time.UTC)},
		{"PhoneB4HalfSix", "Sound cue change - tonight",
			"Kim - dropping the thunder cue in 1.4, going straight to the rain loop. can u get the new cue list to Ade in sound b4 half 6 so he can reprogram it? ta R",
			time.Date(2026, 12, 9, 13, 30, 0, 0, time.UTC), time.Date(2026, 12, 9, 18, 30, 0, 0, time.UTC)},
		{"PtParserGivesUpClockStays", "Joana doente",
			"Bia, a Joana acordou doente e nao faz o turno da tarde. Preciso que vc me confirme ate meio-dia se da pra cobrir o turno dela antes da abertura, senao fecho a loja mais cedo.\n\nAbs\nRenata",
			time.Date(2027, 1, 10, 7, 30, 0, 0, time.FixedZone("-0300", -3*3600)), time.Date(2027, 1, 10, 12, 0, 0, 0, time.FixedZone("-0300", -3*3600))},
		{"NlBareHourAskedVoor", "meterkast Kerkstraat 3 vandaag klaar?",
			"Bas, de netbeheerder komt morgen om 9 uur. De meterkast moet vandaag helemaal aangesloten zijn, lukt dat voor 4? Laat ff weten\n\nGerrit",
			time.Date(2027, 1, 7, 10, 15, 0, 0, cet), time.Date(2027, 1, 7, 16, 0, 0, 0, cet)},
		{"DeNotPolishForOnePlaceName", "T1 für Abholung morgen",
			"Hallo Jonas,\n\nunser Fahrer holt morgen früh um 6 ab und fährt direkt nach Poznań weiter. Bitte schick mir die MRN und das Begleitdokument bis heute 17 Uhr, danach ist niemand mehr im Büro.\n\nViele Grüße\nMelanie",
			time.Date(2026, 12, 9, 9, 0, 0, 0, cet), time.Date(2026, 12, 9, 17, 0, 0, 0, cet)},
		{"AbbrevWeekdayOrdinalClock", "Rehearsal moved - Thurs 10am",
			"Jo, the first band call is moved to Thurs 14th 10am in studio 2, Pat can't do Weds. Can u make it? Bring the set list if u have one\n\nSam",
			time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC), time.Date(2027, 1, 14, 10, 0, 0, 0, time.UTC)},
		{"PhoneB4BareHourPls", "Re: keys",
			"Hi Lou, change of plan! My brother's arriving tonite and he hasn't got a key. Could you drop mine back through the door b4 5 pls? I'll leave the back gate open for the walk tmrw instead.\nThx J x",
			time.Date(2027, 1, 7, 9, 0, 0, 0, time.UTC), time.Date(2027, 1, 7, 17, 0, 0, 0, time.UTC)},
		{"NlLaatJeHetVanavondWeten", "morgen Tim?",
			"Hoi Anke,\n\nOnze oppas is ziek. Kun jij Tim morgen ophalen na school, rond kwart over 3?\n\nLaat je het vanavond even weten? Anders moet ik morgen vrij vragen.\n\nGroetjes,\nEls",
			time.Date(2027, 1, 12, 14, 0, 0, 0, cet), time.Date(2027, 1, 12, 17, 0, 0, 0, cet)},
		{"IfYouCouldByThen", "Re: Visitor numbers",
			"Ruth,\n\nThe annual report goes to print on Thursday 21 January, so if you could get me the visitor totals and the number of new members by then, that would be perfect.\n\nThanks,\nOwen",
			time.Date(2027, 1, 15, 10, 0, 0, 0, time.UTC), time.Date(2027, 1, 21, 17, 0, 0, 0, time.UTC)},
		{"FourDigitClockToday", "De-ice cover",
			"Hi Sam,\n\nFreezing fog is forecast from midnight. I need the de-ice staffing plan for the night shift by 1430 today so I can take it to the 1500 ops call.\n\nThanks,\nDee",
			time.Date(2027, 1, 12, 9, 0, 0, 0, est), time.Date(2027, 1, 12, 14, 30, 0, 0, est)},
		{"EsFourDigitClockTomorrow", "Equipo para el vuelo especial",
			"Hola Marta:\n\nNecesito la confirmación del equipo de rampa para el chárter del sábado antes de las 1100 de mañana, que cierro la planificación con la aerolínea.\n\nGracias,\nJavier",
			time.Date(2026, 12, 17, 16, 0, 0, 0, cet), time.Date(2026, 12, 18, 11, 0, 0, 0, cet)},
		{"ItFourDigitClockZulu", "Turno sgombero neve",
			"Buongiorno,\n\nconfermate la squadra di sgombero neve per lunedì entro le 0500Z di lunedì tramite il portale operativo.\n\nCentro operativo",
			time.Date(2027, 1, 8, 10, 0, 0, 0, cet), time.Date(2027, 1, 11, 6, 0, 0, 0, cet)},
		{"NlYearIsNoClock", "Onderhoudscontract",
			"Hoi Bram,\n\nWe gaan akkoord met het onderhoudscontract voor 2027. Wil je het contract uiterlijk vrijdag 20 november getekend terugsturen?\n\nGroet,\nKarin",
			time.Date(2026, 11, 13, 11, 0, 0, 0, cet), time.Date(2026, 11, 20, 17, 0, 0, 0, cet)},
		{"EsClockWithHAfterTheDate", "Cita de inspección",
			"Aviso automático.\n\nDebe confirmar la asistencia del representante en la plataforma antes del 16/12/2026 a las 14:00 h. Si no se confirma en ese plazo, la cita quedará liberada.",
			time.Date(2026, 12, 14, 9, 0, 0, 0, cet), time.Date(2026, 12, 16, 14, 0, 0, 0, cet)},
		{"ByMonthEnd", "Re: year-end",
			"Hi Carla,\n\nFor the tax forms - can you send me the list of everyone we paid over $600 this year, with their addresses, by month end? A couple of my suppliers moved.\n\nThanks!\nRosa",
			time.Date(2026, 12, 26, 10, 0, 0, 0, est), time.Date(2026, 12, 31, 17, 0, 0, 0, est)},
		{"EsBeforeTheEventDatedEarlier", "Auditoría de seguridad",
			"Hola Ana:\n\nTe escribo por la auditoría de AESA: empieza el jueves 14 de enero a las 10:00 en la sala de briefing.\n\nEn tu turno hay tres agentes sin el curso online completado. Antes de la auditoría necesito que tengáis todos el curso completado.\n\nGracias,\nMarta",
			time.Date(2027, 1, 5, 9, 0, 0, 0, cet), time.Date(2027, 1, 14, 10, 0, 0, 0, cet)},
	}
	checkDeadlineCases(t, cases)
}

// TestIncident_DutyPageStillActive: a monitoring page sent to the reader
// as the one on duty for what it watches, whose fault is still active, is
// an incident happening now, high (blind-88 and 90: 3989, 4005 and 4010
// were low); the same page once cleared is not.
func TestIncident_DutyPageStillActive(t *testing.T) {
	sent := time.Date(2026, 12, 12, 14, 5, 0, 0, time.UTC)
	body := "ALARM RECEIVING CENTRE - FAULT NOTIFICATION\n\nSite:      Riverside Arts Centre\nEvent:     FAULT - Zone 2 (Main stage), open circuit\nStatus:    ACTIVE - not cleared\n\nYou are receiving this as the duty manager on the site contact list.\n\nAcknowledge by calling the centre on 0161 555 0199."
	c := email("FAULT - Riverside Arts Centre - Zone 2", body)
	c.Timestamp = sent
	c.Fields = map[string]any{"autoSubmitted": "auto-generated"}
	d := extractAt(t, c, sent.Add(10*time.Minute), false)
	if d.Urgency != doctales.UrgencyHigh {
		t.Errorf("urgency = %s (%v), want high: an active fault paged to the one on duty", d.Urgency, d.UrgencyReasons)
	}
	// Escalated to the one on call, not yet acknowledged (blind-96, 4259).
	de := email("ALARM Stufe 2: Kühlraum Labor L2 - 12,1 °C", "*** ALARM - STUFE 2 ***\n\nMessstelle:   Labor, Kühlraum L2\nMesswert:     12,1 °C\nStatus:       NICHT QUITTIERT\n\nDie Meldung wurde an die Rufbereitschaft des Labors eskaliert, weil der Alarm der Stufe 1 nicht quittiert wurde.\n\nDiese Nachricht wurde automatisch erzeugt.")
	de.Timestamp = sent
	de.Fields = map[string]any{"autoSubmitted": "auto-generated"}
	if d := extractAt(t, de, sent.Add(10*time.Minute), false); d.Urgency != doctales.UrgencyHigh {
		t.Errorf("escalated to the on-call: urgency = %s (%v), want high", d.Urgency, d.UrgencyReasons)
	}
	c = email("FAULT - Riverside Arts Centre - Zone 2", strings.Replace(body, "ACTIVE - not cleared", "CLEARED at 14:03", 1))
	c.Timestamp = sent
	c.Fields = map[string]any{"autoSubmitted": "auto-generated"}
	d = extractAt(t, c, sent.Add(10*time.Minute), false)
	if d.Urgency == doctales.UrgencyHigh {
		t.Errorf("cleared: urgency = high (%v), want lower: the fault is over", d.UrgencyReasons)
	}
}

// deadlineCase is a message sent at sent whose deadline, read half an hour
// later, is want.
type deadlineCase struct {
	name, subject, text string
	sent, want          time.Time
}

// checkDeadlineCases runs each case as a subtest.
func checkDeadlineCases(t *testing.T, cases []deadlineCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := email(tc.subject, tc.text)
			c.Timestamp = tc.sent
			d := extractAt(t, c, tc.sent.Add(30*time.Minute), false)
			if d.Deadline == nil || !d.Deadline.Equal(tc.want) {
				t.Errorf("deadline = %v, want %v (language %s; dates %+v)", d.Deadline, tc.want, d.Language, d.Dates)
			}
		})
	}
}

// TestDeadlines_SubjectTakenBack: the body takes back the subject's date
// ("Please ignore the date I put in the subject line", "ce n'est pas pour
// demain") and gives its own (blind-95, 4195 and 4214), and a clock before
// "on" and a date is that date's ("before 06:00 UTC on 14 Jan", 4194).
func TestDeadlines_SubjectTakenBack(t *testing.T) {
	est := time.FixedZone("-0500", -5*3600)
	cet := time.FixedZone("+0100", 3600)
	checkOptionalDeadlineCases(t, []optionalDeadlineCase{
		{"IgnoreTheSubjectsDate", "Re: audit findings - report due Fri 15 Jan",
			"Hi Sam,\n\nPlease ignore the date I put in the subject line - the inspectors moved the audit. I now need your signed report by Monday 18 January.\n\nThanks,\nJo",
			time.Date(2027, 1, 11, 9, 0, 0, 0, est), ptrTime(time.Date(2027, 1, 18, 17, 0, 0, 0, est))},
		{"FrNotForTomorrow", "RE: témoignages pour demain",
			"Nadia,\n\nJe me suis trompé dans l'objet : ce n'est pas pour demain. Le comité a été décalé, rien ne presse.\n\nMerci,\nPaul",
			time.Date(2027, 1, 11, 9, 0, 0, 0, cet), nil},
		{"ClockOnDateInUTC", "Shift swap awaiting your approval",
			"A shift swap request needs your approval as the rostered supervisor.\n\nSwap approvals close before 06:00 UTC on 14 Jan 2027. Please approve or decline it in RosterLink.",
			time.Date(2027, 1, 13, 8, 0, 0, 0, est), ptrTime(time.Date(2027, 1, 14, 1, 0, 0, 0, est))},
	})
}

// optionalDeadlineCase is a message sent at sent and read 30 minutes
// later, with the deadline it must have (nil: none).
type optionalDeadlineCase struct {
	name, subject, text string
	sent                time.Time
	want                *time.Time
}

// checkOptionalDeadlineCases runs each case as a subtest.
func checkOptionalDeadlineCases(t *testing.T, cases []optionalDeadlineCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := email(tc.subject, tc.text)
			c.Timestamp = tc.sent
			d := extractAt(t, c, tc.sent.Add(30*time.Minute), false)
			switch {
			case tc.want == nil && d.Deadline != nil:
				t.Errorf("deadline = %v, want none (dates %+v)", d.Deadline, d.Dates)
			case tc.want != nil && (d.Deadline == nil || !d.Deadline.Equal(*tc.want)):
				t.Errorf("deadline = %v, want %v (dates %+v)", d.Deadline, *tc.want, d.Dates)
			}
		})
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

// TestDeadlines_CountedBeforeTheEventIsNotTheEvent: "by the Friday before
// the dress rehearsal" is counted from the event, which "before the <event>"
// (the event's own start) must not read as the rehearsal itself.
func TestDeadlines_CountedBeforeTheEventIsNotTheEvent(t *testing.T) {
	sent := time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC)
	c := email("Polo shirts", "Hi all,\n\nThe dress rehearsal is on Tuesday 19 January at 6pm in the hall.\n\nPlease send me your child's polo size by the Friday before the dress rehearsal so I can order them.\n\nThanks,\nMr Hale")
	c.Timestamp = sent
	d := extractAt(t, c, sent.Add(30*time.Minute), false)
	if event := time.Date(2027, 1, 19, 18, 0, 0, 0, time.UTC); d.Deadline != nil && d.Deadline.Equal(event) {
		t.Errorf("deadline = %v, the rehearsal itself; want a day before it or none", d.Deadline)
	}
}
