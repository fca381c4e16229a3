package extract_test

import (
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// TestDeadlines_Round115 holds the readings added for the misses of
// blind round 115 (the cases are written anew, not the blind files): an
// English weekday's abbreviation before an ordinal day ("by mon 11th"),
// a name addressed before "need these" in phone mail, a date asked for
// alone with "please" under a list, and a bare hour before "bis" that
// opens a window of hours, not a deadline.
func TestDeadlines_Round115(t *testing.T) {
	utc := time.UTC
	cet := time.FixedZone("+0100", 3600)
	checkDeadlineCases(t, []deadlineCase{
		// The parser read "mon 11th" as November (blind-115, 4995).
		{"EnShortWeekdayOrdinal", "Re: skip on the drive",
			"cheers dave. can u get the skip moved off the drive by thurs 14th? the kitchen fitters arrive fri 15th and need the space\n\nsent from my phone",
			time.Date(2027, 1, 11, 8, 0, 0, 0, utc), time.Date(2027, 1, 14, 17, 0, 0, 0, utc)},
		{"EnShortWeekdayOrdinalDot", "boiler service",
			"Hi Pat, could you book the boiler service for Tue. 19th? Thanks, Mo",
			time.Date(2027, 1, 11, 8, 0, 0, 0, utc), time.Date(2027, 1, 19, 17, 0, 0, 0, utc)},
		// "Liam need these sorted": the reader's name before the ask
		// (blind-115, 4999).
		{"EnNameThenNeed", "Fwd: defects plot 4",
			"Sam need these fixed b4 the plasterers start at 9 tmrw. ring me if u cant\n\nJ\n\nSent from my iPhone",
			time.Date(2027, 1, 7, 15, 0, 0, 0, utc), time.Date(2027, 1, 8, 9, 0, 0, 0, utc)},
		// The date on a line of its own, asked with "please", under the
		// list of what is wanted (blind-115, 5003).
		{"EnLoneDatePlease", "records for the audit",
			"Hi Ola,\n\nThe insurer is visiting on the 28th. Can you get me:\n\n- the van mileage logs for December\n- the ladder inspection sheets\n\nearly next week please. Scans are fine.\n\nThanks\nBea",
			time.Date(2027, 1, 14, 11, 0, 0, 0, utc), time.Date(2027, 1, 18, 17, 0, 0, 0, utc)},
		// "jeweils 9 bis 16:30 Uhr" is when the courses run; the ask is
		// "bis Ende des Monats" (blind-115, 5020).
		{"DeBareHourWindow", "Sicherheitsschulung",
			"Hallo Jens,\n\ndie Berufsgenossenschaft bietet uns zwei Schulungstermine an (jeweils 8 bis 15:30 Uhr, in Bochum):\n- Dienstag, 16.02.\n- Donnerstag, 04.03.\n\nSag mir bitte bis Ende des Monats, welcher dir passt.\n\nGruß\nPia",
			time.Date(2027, 1, 25, 15, 0, 0, 0, cet), time.Date(2027, 1, 31, 17, 0, 0, 0, cet)},
	})
}

// TestDeadlines_Round115Guards: what the readings above must not read.
// "I sat 16 hours" is no date (an abbreviation needs its ordinal); a
// lone date with "please note" is no ask; an hour written as a deadline
// stays one.
func TestDeadlines_Round115Guards(t *testing.T) {
	utc := time.UTC
	cet := time.FixedZone("+0100", 3600)
	checkOptionalDeadlineCases(t, []optionalDeadlineCase{
		{"NextWeekPleaseNoteIsNoAsk", "car park",
			"Hi Ola,\n\nEarly next week please note the car park is closed for resurfacing. Can you tell the patients when they ring?\n\nBea",
			time.Date(2027, 1, 14, 11, 0, 0, 0, utc), nil},
		{"DeHourDeadlineStays", "Unterlagen",
			"Hallo Jens,\n\nbitte schick mir die Unterlagen bis 16:30 Uhr.\n\nGruß\nPia",
			time.Date(2027, 1, 25, 10, 0, 0, 0, cet), ptrTime(time.Date(2027, 1, 25, 16, 30, 0, 0, cet))},
	})
}

// TestDates_SatHoursIsNoDate: "sat" before a number without an ordinal
// suffix is the verb (16 January 2027 is a Saturday).
func TestDates_SatHoursIsNoDate(t *testing.T) {
	sent := time.Date(2027, 1, 11, 8, 0, 0, 0, time.UTC)
	c := email("waiting room", "Can you complain to the clinic for me, I sat 16 hours in the waiting room and nobody came?")
	c.Timestamp = sent
	d := extractAt(t, c, sent.Add(30*time.Minute), false)
	for _, m := range d.Dates {
		if strings.Contains(strings.ToLower(m.Text), "sat") {
			t.Errorf("date %q read in %q (dates %+v)", m.Text, "I sat 16 hours", d.Dates)
		}
	}
}

// TestDeadlines_Round117 holds the deadlines added for the misses of
// blind round 117 (cases written anew): a submission window that closes
// ("payroll … closes at", "le iscrizioni chiudono"), a count of hours
// with "at the most" after the plain "en", "within the next 7 days"
// asked by a system, "can you" opening a long phone sentence, and
// "100m" read as metres.
func TestDeadlines_Round117(t *testing.T) {
	utc := time.UTC
	cet := time.FixedZone("+0100", 3600)
	checkSenderCases(t, []senderCase{
		{"EnPayrollCloses", "Acme Timesheets", "no-reply@timesheets.acme-build.example", "Missing timesheet - week 7",
			"Hi Sam Ortiz,\n\nWe haven't received your timesheet for the week ending Sunday 21 February 2027.\n\nPayroll for this period closes at 10:00 on Tuesday 23 February 2027. Late timesheets are paid in the next run.\n\nThis is an automated reminder.",
			time.Date(2027, 2, 22, 14, 0, 0, 0, utc), ptrTime(time.Date(2027, 2, 23, 10, 0, 0, 0, utc))},
		{"ItRegistrationsClose", "Coppa Laguna - Iscrizioni", "noreply@iscrizioni.coppalaguna.example", "Iscrizione incompleta",
			"Gentile allenatore,\n\nmanca il certificato medico di 2 atleti.\n\nLe iscrizioni online chiudono mercoledì 24/02/2027 alle ore 18:00.\n\nMessaggio automatico, non rispondere.",
			time.Date(2027, 2, 23, 16, 0, 0, 0, cet), ptrTime(time.Date(2027, 2, 24, 18, 0, 0, 0, cet))},
		{"EsHoursAtTheMost", "Marta Gil", "marta.gil@clubnatacion.example", "RE: calles de Semana Santa",
			"Hola Pieter,\n\nte confirmo las calles del 29/03 al 02/04. Pero necesito en 48 horas como mucho la lista de nadadores, porque si no se las dan a otro club.\n\nUn saludo,\nMarta",
			time.Date(2027, 2, 16, 10, 0, 0, 0, cet), ptrTime(time.Date(2027, 2, 18, 10, 0, 0, 0, cet))},
		{"EnSystemWithinTheNextDays", "Riverside Surgery", "noreply@riverside-surgery.example", "Please book a review",
			"Dear Ann Lee,\n\nPlease book a routine review within the next 5 days, online or by calling reception (Mon-Fri, 08:00-18:30).\n\nRiverside Surgery\nThis is an automated message.",
			time.Date(2027, 1, 4, 9, 0, 0, 0, utc), ptrTime(time.Date(2027, 1, 9, 17, 0, 0, 0, utc))},
		// "100m" is metres, not a time 100 minutes from now.
		{"EnMetresAreNoMinutes", "Rob Hale", "rob.hale@halesparks.example", "cable",
			"can you grab 2 x 100m drums from the wholesaler on your way in tomorrow",
			time.Date(2027, 2, 15, 18, 40, 0, 0, utc), ptrTime(time.Date(2027, 2, 16, 17, 0, 0, 0, utc))},
		{"EnCanYouOpensLongPhoneSentence", "Rob Hale", "rob.hale@halesparks.example", "tomorrow",
			"alright sam can you pick up 3 x 50m reels of 1.5 t&e and a box of 32a rcbos from the wholesaler on your way in tomorrow, its on the account just give them job HX-20.\n\ncheers\nrob\n\nSent from my iPhone",
			time.Date(2027, 2, 15, 18, 40, 0, 0, utc), ptrTime(time.Date(2027, 2, 16, 17, 0, 0, 0, utc))},
	})
}

// TestDeadlines_Round117Guards: opening hours beside a system's ask are no limit, a range's
// end the parser reads alone is none either, and "en 2 horas" without
// "at the most" says when, not by when.
func TestDeadlines_Round117Guards(t *testing.T) {
	utc := time.UTC
	cet := time.FixedZone("+0100", 3600)
	checkSenderCases(t, []senderCase{
		{"OpeningHoursAreNoLimit", "Riverside Surgery", "noreply@riverside-surgery.example", "Your results",
			"Dear Ann Lee,\n\nYour results are normal. Please call reception if you have questions (Mon-Fri, 08:00-18:30).\n\nRiverside Surgery\nThis is an automated message.", time.Date(2027, 1, 4, 9, 0, 0, 0, utc), nil},
		{"RangeEndIsNoLimit", "Riverside Surgery", "noreply@riverside-surgery.example", "Your results",
			"Dear Ann Lee,\n\nYour results are normal. Please call us if you have questions (7 days a week, 7 AM - 9 PM).\n\nRiverside Surgery\nThis is an automated message.", time.Date(2027, 1, 4, 9, 0, 0, 0, utc), nil},
		{"EsInTwoHoursIsWhen", "Marta Gil", "marta.gil@clubnatacion.example", "llegada",
			"Hola Pieter, salimos ahora de Valencia y llegamos en 2 horas al hotel con todo el grupo. Un saludo, Marta", time.Date(2027, 2, 16, 10, 0, 0, 0, cet), nil},
	})
}

// senderCase is a message from sender <senderID> sent at sent and read
// 30 minutes later, with the deadline it must have; nil: none, and not
// high either.
type senderCase struct {
	name, sender, senderID, subject, text string
	sent                                  time.Time
	want                                  *time.Time
}

// checkSenderCases runs each case as a subtest.
func checkSenderCases(t *testing.T, cases []senderCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := extractAt(t, mailFrom(tc.sender, tc.senderID, "", tc.sent, tc.subject, tc.text), tc.sent.Add(30*time.Minute), false)
			switch {
			case tc.want == nil && (d.Deadline != nil || d.Urgency == doctales.UrgencyHigh):
				t.Errorf("deadline = %v, urgency %s (%v), want no deadline and not high (dates %+v)", d.Deadline, d.Urgency, d.UrgencyReasons, d.Dates)
			case tc.want != nil && (d.Deadline == nil || !d.Deadline.Equal(*tc.want)):
				t.Errorf("deadline = %v, want %v (category %s, language %s; dates %+v)", d.Deadline, *tc.want, d.Category, d.Language, d.Dates)
			}
		})
	}
}

// mailFrom is email(subject, text) from sender <senderID>, sent at sent,
// to the recipient to ("" for none).
func mailFrom(sender, senderID, to string, sent time.Time, subject, text string) *doctales.Communication {
	c := email(subject, text)
	c.Sender, c.SenderID, c.Timestamp = sender, senderID, sent
	if to != "" {
		c.Recipients = []string{to}
	}
	return c
}

// checkFraud fails unless c, read at now, is suspicious and not high.
func checkFraud(t *testing.T, what string, c *doctales.Communication, now time.Time) {
	t.Helper()
	if d := extractAt(t, c, now, false); d.Suspicious == "" || d.Urgency == doctales.UrgencyHigh {
		t.Errorf("%s: suspicious %q, urgency %s (%v); want suspicious, not high", what, d.Suspicious, d.Urgency, d.UrgencyReasons)
	}
}

// TestUrgency_Round117 holds the urgency readings of blind round 117
// (cases written anew): a bank that has frozen the reader's card until
// the reader confirms in its app is a security alert, high, and the
// same words as a threat or with a link are not; a family member's "new
// address" asking for a transfer and a careers department on free mail
// asking a fee are suspicious; a list post's request naming the reader
// keeps its weight for two weeks.
func TestUrgency_Round117(t *testing.T) {
	utc := time.UTC
	cet := time.FixedZone("+0100", 3600)
	sent := time.Date(2027, 2, 20, 14, 0, 0, 0, utc)
	bank := func(text string) *doctales.Communication {
		return mailFrom("Harbour Bank", "alerts@harbourbank.example", "Sam Ortiz <sam.ortiz@gmail.com>", sent, "About your debit card", text)
	}
	frozen := bank("Hi Sam,\n\nWe've just declined a card payment of £249.00 and frozen your debit card ending 1180 to keep your money safe.\n\nOpen the Harbour app now and tell us if it was you. Until you do, your card stays frozen.\n\nHarbour Bank\nThis is an automated message.")
	if d := extractAt(t, frozen, sent.Add(10*time.Minute), false); d.Urgency != doctales.UrgencyHigh {
		t.Errorf("frozen card: urgency %s (%v), want high", d.Urgency, d.UrgencyReasons)
	}
	threat := bank("Hi Sam,\n\nYou have 3 card transactions without receipts. Please add them in the app by Friday. After that your debit card is suspended until we have reviewed them.\n\nHarbour Bank\nThis is an automated message.")
	if d := extractAt(t, threat, sent.Add(10*time.Minute), false); d.Urgency == doctales.UrgencyHigh {
		t.Errorf("suspension threatened for Friday: urgency high (%v), want not high", d.UrgencyReasons)
	}
	linked := bank("Hi Sam,\n\nWe've frozen your debit card ending 1180. Confirm your details at https://harbour-secure-check.example/login to unfreeze it.\n\nHarbour Bank")
	if d := extractAt(t, linked, sent.Add(10*time.Minute), false); d.Urgency == doctales.UrgencyHigh {
		t.Errorf("frozen card with a link: urgency high (%v), want not high", d.UrgencyReasons)
	}

	cousin := mailFrom("Rita Lopes", "rita.lopes.nova@gmail.com", "sam.ortiz@gmail.com", sent,
		"preciso de um favor urgente",
		"olá primo!! sou eu, a rita, perdi o telemóvel e este é o meu email novo. preciso de um favor enorme, tenho de pagar hoje a renda e o banco bloqueou-me a conta. consegues fazer-me uma transferência de 700€ para esta conta? devolvo na segunda\n\nIBAN: PT50 0035 0000 1234 5678 9012 3\n\nnão digas nada à avó\n\nbjs Rita")
	if d := extractAt(t, cousin, sent.Add(10*time.Minute), false); d.Suspicious == "" || d.Urgency != doctales.UrgencyLow {
		t.Errorf("new-address transfer request: suspicious %q, urgency %s (%v); want suspicious and low", d.Suspicious, d.Urgency, d.UrgencyReasons)
	}

	job := mailFrom("Northgrid Energy Careers", "northgrid.careers.uk@gmail.com", "sam.ortiz@gmail.com", sent,
		"Offer: Trainee Technician",
		"Dear Sam Ortiz,\n\nYou have been shortlisted for Trainee Technician at Northgrid Energy. To secure your start date you must complete the DBS check through our vetting partner. The fee of £85.00 is refunded with your first salary.\n\nPay here: https://dbs-quickcheck.example/northgrid\n\nPlease also reply with your bank details so HR can set up your payroll.")
	if d := extractAt(t, job, sent.Add(10*time.Minute), false); d.Suspicious == "" {
		t.Errorf("careers department on free mail asking a fee: not suspicious (category %s, urgency %s)", d.Category, d.Urgency)
	}

	list := mailFrom("Ben Cole", "ben.cole@swimregion.example", "trainers@lists.swimregion.example", time.Date(2027, 2, 19, 14, 0, 0, 0, cet),
		"[trainers] heat sheets for 6/03",
		"Hi all,\n\nFor the gala on Saturday 6/03 I have the heat sheets of 8 clubs, thanks!\n\nStill missing: Sam Ortiz (Riverside) and Jo Park (Eastfield). Can you send them by the end of the month?\n\nCheers\nBen")
	list.Fields = map[string]any{"listId": "<trainers.lists.swimregion.example>", "listPost": "<mailto:trainers@lists.swimregion.example>"}
	d := extractAt(t, list, time.Date(2027, 2, 19, 15, 0, 0, 0, cet), false, "Sam Ortiz", "sam.ortiz@gmail.com")
	if d.Category != doctales.CategoryList || d.Urgency != doctales.UrgencyMedium {
		t.Errorf("list post naming the reader, due in nine days: category %s, urgency %s (%v); want list, medium", d.Category, d.Urgency, d.UrgencyReasons)
	}
}

// TestRound119_DayFirstAndScams holds the readings added for rounds 118
// and 119 (cases written anew): English numeric dates in mail sent from
// a European offset put the day first, and mail sent from an American
// offset keeps the month first; a request for the password of the
// reader's mailbox is phishing whatever the domain; the
// domain-registration scam's letter is suspicious.
func TestRound119_DayFirstAndScams(t *testing.T) {
	cest := time.FixedZone("+0200", 2*3600)
	edt := time.FixedZone("-0400", -4*3600)
	bill := func(zone *time.Location) *doctales.Communication {
		c := email("Your FuelPass statement",
			"Dear customer,\n\nYour March statement is ready.\n\nAmount due:   EUR 412.60\nDue date:     09/04/2027\n\nPlease pay by 09/04/2027 online or by bank transfer.\n\nFuelPass Billing\nThis is an automated message.")
		c.Sender, c.SenderID = "FuelPass Billing", "billing@fuelpass.example"
		c.Timestamp = time.Date(2027, 4, 5, 6, 0, 0, 0, zone)
		return c
	}
	d := extractAt(t, bill(cest), time.Date(2027, 4, 5, 9, 0, 0, 0, cest), false)
	if want := time.Date(2027, 4, 9, 17, 0, 0, 0, cest); d.Deadline == nil || !d.Deadline.Equal(want) {
		t.Errorf("+02:00 bill: deadline = %v, want %v (dates %+v)", d.Deadline, want, d.Dates)
	}
	d = extractAt(t, bill(edt), time.Date(2027, 4, 5, 9, 0, 0, 0, edt), false)
	if d.Deadline != nil && d.Deadline.Month() == time.April {
		t.Errorf("-04:00 bill: deadline = %v, want 4 September (month first) or none", d.Deadline)
	}

	share := mailFrom("Bloem Verlag über DateiTeilen", "freigabe@dateiteilen-sicher.example", "anna@koertsvertaling.example", time.Date(2027, 4, 9, 15, 0, 0, 0, cest),
		"Jan Vos hat ein Dokument mit Ihnen geteilt",
		"Jan Vos (j.vos@bloemverlag.example) hat ein Dokument mit Ihnen geteilt:\n\nVertrag_2027.pdf\n\nUm das Dokument zu öffnen, bestätigen Sie bitte Ihre Identität mit der E-Mail-Adresse und dem Passwort Ihres E-Mail-Kontos:\n\nhttps://dateiteilen-sicher.example/view?doc=77\n\nDateiTeilen")
	checkFraud(t, "mailbox password asked", share, share.Timestamp.Add(time.Hour))

	dns := mailFrom("Tom Wu", "tom.wu@asia-regcenter.example", "Hans Keller <hans@keller-dach.example>", time.Date(2027, 4, 7, 3, 0, 0, 0, edt),
		"brand and domain name registration",
		"(It's very urgent, please forward this email to your CEO. Thanks)\n\nDear CEO,\n\nWe are a domain registration service company in Hong Kong. On April 6, 2027 we received an application from Sunrise Trading Ltd to register \"keller-dach\" as their Internet Keyword and the following domain names: keller-dach.cn, keller-dach.hk.\n\nPlease reply within 7 workdays, or we will approve their application.\n\nBest Regards,\nTom Wu")
	checkFraud(t, "domain-registration letter", dns, dns.Timestamp.Add(5*time.Hour))

	appeal := mailFrom("Page Support", "no-reply@page-appeals-help.example", "rui@padariasol.example", time.Date(2027, 5, 16, 3, 0, 0, 0, cest),
		"Aviso final: a sua página será removida",
		"Olá,\n\nA sua página \"Padaria Sol\" foi denunciada por violação das nossas Normas da Comunidade.\n\nPara confirmar que é o administrador da página, terá de iniciar sessão com o seu e-mail e a palavra-passe do Facebook e indicar o código de autenticação de dois fatores.\n\nApresentar recurso: https://page-appeals-help.example/recurso?id=77\n\nSe não recebermos o seu recurso nas próximas 24 horas, a página será eliminada.\n\nEquipa de Apoio")
	checkFraud(t, "password and two-factor code asked", appeal, appeal.Timestamp.Add(5*time.Hour))
	advice := mailFrom("Padaria Sol", "no-reply@padariasol.example", "rui.costa@gmail.com", time.Date(2027, 5, 16, 3, 0, 0, 0, cest),
		"Your password was changed",
		"Hi Rui,\n\nThe password of your Padaria Sol account was changed today. If this was you, there is nothing to do. We recommend you change your password regularly and turn on two-factor authentication.\n\nThe Padaria Sol team")
	if d := extractAt(t, advice, advice.Timestamp.Add(time.Hour), false); d.Suspicious != "" {
		t.Errorf("a service's advice on passwords and two-factor authentication: suspicious %q, want not", d.Suspicious)
	}
}
