package extract_test

import (
	"context"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
)

// TestDatesResolved checks that dates are read against the message's own
// Date header and zone, or the reader's zone when one is set: tense, two-
// digit years, "last" and "next" days, end of next week, and the languages
// the detector is confident of. Each case gives the resolved instant in RFC
// 3339 (with its offset), or "" for no deadline.
func TestDatesResolved(t *testing.T) {
	// Wednesday 3 December 2025, 09:00 at -07:00 (16:00 UTC).
	wed := "2025-12-03T09:00:00-07:00"
	cases := []struct {
		name, text, sent, zone string
		// deadline is the deadline; "" means none. date, when set, is the
		// first date mention's time (for dates that are not deadlines).
		deadline, date string
	}{
		{"PastTenseYearless", "The invoice was due on November 15 and is still unpaid.", wed, "", "2025-11-15T17:00:00-07:00", ""},
		{"LastFriday", "We went over the numbers last Friday.", wed, "", "", "2025-11-28T00:00:00-07:00"},
		{"LastFridayDeadline", "The report was due last Friday, please send it.", wed, "", "2025-11-28T17:00:00-07:00", ""},
		{"NextFriday", "Please send the slides by next Friday.", wed, "", "2025-12-12T17:00:00-07:00", ""},
		{"ThisFriday", "Please send the slides by this Friday.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"YearlessNearestPast", "Reminder: your payment due November 28 has not arrived.", wed, "", "2025-11-28T17:00:00-07:00", ""},
		{"YearlessFuture", "Please renew the domain before January 10.", wed, "", "2026-01-10T17:00:00-07:00", ""},
		{"TwoDigitYear1998", "Please return the signed form by 05/29/98.", "1998-05-20T10:00:00-04:00", "", "1998-05-29T17:00:00-04:00", ""},
		{"TwoDigitYearPast", "The contract signed on 12/01/97 is attached.", "1998-05-20T10:00:00-04:00", "", "", "1997-12-01T00:00:00-04:00"},
		{"FivePMToday", "Please approve the wire before 5pm today.", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"FivePMTodayBerlin", "Please approve the wire before 5pm today.", wed, "Europe/Berlin", "2025-12-03T17:00:00+01:00", ""},
		{"EndOfNextWeek", "Please send the final numbers by the end of next week.", wed, "", "2025-12-12T17:00:00-07:00", ""},
		{"EndOfTheWeek", "I need the numbers by the end of the week.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"EODTomorrow", "I need the draft EOD tomorrow.", wed, "", "2025-12-04T17:00:00-07:00", ""},
		{"UntilTomorrowSignOff", "Thanks for the draft, I'll read it tonight.\n\nUntil tomorrow,\nAnn", wed, "", "", ""},
		{"SeeYouMondaySignOff", "Great work on the launch.\n\nSee you Monday!\nAnn", wed, "", "", ""},
		{"UntilTomorrowDeadline", "The offer is valid until tomorrow.", wed, "", "2025-12-04T17:00:00-07:00", ""},
		{"AtTheEndOfTheDay", "At the end of the day, it's your call.", wed, "", "", ""},
		{"NearTheEndOfTheDay", "Near the end of the day, Kilacycle took the track with a 111mph run.", wed, "", "", ""},
		{"UntilTheEndOfTheDay", "We should give them until the end of the day to upload the logs.", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"PostedByOn", "Posted by timothy on Thursday August 29, @15:03\nfrom the dept.", "2002-08-29T16:00:00Z", "", "", ""},
		{"CompiledBy", "Research compiled by GE Financial, August 2002.", wed, "", "", ""},
		{"DueAtTheEndOfTheDay", "The form is due at the end of the day.", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"BylineBy", "By Jane Doe, March 3, 2024\n\nThe city council voted on the new budget.", wed, "", "", ""},
		{"BylinePublished", "Published: March 3, 2024\n\nThe city council voted on the new budget.", wed, "", "", ""},
		{"EsViernes", "Por favor, envíame el informe antes del viernes a las 17:00.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"EsManana", "Necesito la propuesta firmada para mañana, gracias.", wed, "", "2025-12-04T17:00:00-07:00", ""},
		{"EsSignOff", "Gracias por el borrador, lo leo esta noche.\n\nHasta mañana,\nJuan", wed, "", "", ""},
		{"FrDemainMidi", "Pouvez-vous m'envoyer le contrat avant demain midi ?", wed, "", "2025-12-04T12:00:00-07:00", ""},
		{"FrDIciVendredi", "Merci de valider le devis d'ici vendredi.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"DeFreitag12Uhr", "Bitte schicken Sie mir den Bericht bis Freitag 12 Uhr.", wed, "", "2025-12-05T12:00:00-07:00", ""},
		{"DeMorgen", "Ich brauche die Unterlagen bis morgen, danke.", wed, "", "2025-12-04T17:00:00-07:00", ""},
		{"DeGutenMorgen", "Guten Morgen Anna, wie geht es dir?", wed, "", "", ""},
		{"PtSexta", "Você pode me enviar o relatório até sexta-feira?", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"ItVenerdi", "Puoi mandarmi il rapporto entro venerdì alle 12?", wed, "", "2025-12-05T12:00:00-07:00", ""},
		{"WeekdayWithDatePast", "We met on Monday, November 24 to sign.", wed, "", "", "2025-11-24T00:00:00-07:00"},
		{"EsMartesPasado", "La reunión fue el martes pasado.", wed, "", "", "2025-12-02T00:00:00-07:00"},
		{"DeSignOff", "Danke für den Entwurf, ich lese ihn heute Abend.\n\nBis morgen,\nJürgen", wed, "", "", ""},
		{"DeBis12Uhr", "Bitte schicken Sie mir die Zahlen heute bis 12 Uhr.", wed, "", "2025-12-03T12:00:00-07:00", ""},
		{"NlDonderdag", "Kun je me het rapport uiterlijk donderdag sturen?", wed, "", "2025-12-04T17:00:00-07:00", ""},
		// A time of day in or next to a day the parser read as a whole day.
		{"NineAMTomorrow", "Could you send me the deck by 9am tomorrow?", wed, "", "2025-12-04T09:00:00-07:00", ""},
		{"TomorrowNoon", "Can you make sure the tables are in by tomorrow noon?", wed, "", "2025-12-04T12:00:00-07:00", ""},
		{"TomorrowAt10", "Please send the form by tomorrow at 10:00.", wed, "", "2025-12-04T10:00:00-07:00", ""},
		{"TomorrowMorning", "Please send the form by tomorrow morning.", wed, "", "2025-12-04T12:00:00-07:00", ""},
		// A participle after a determiner is not the tense of the clause.
		{"SignedReportByFriday", "Sam, the DOT needs the signed report by Friday, thanks.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		// A date in a sentence that asks the reader is when it is wanted.
		{"RequestTomorrowNoBy", "Could you send me the signed NDA tomorrow?", wed, "", "2025-12-04T17:00:00-07:00", ""},
		{"RequestSometimeThisWeekNo", "I met them yesterday. Could you call them?", wed, "", "", ""},
		{"SalesCallToday", "Just pick up the phone and call us today!", wed, "", "", ""},
		{"TodaysGames", "This article covers the critical issues needed for today's most demanding games.", wed, "", "", ""},
		{"TodaysMeeting", "Please read the notes before today's meeting.", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"UntilSenderAway", "I won't be reading email until Sunday night or so.", wed, "", "", ""},
		{"UntilReader", "You have until Friday to send the form.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"PossessiveDay", "Could you add the timeline before Thursday's review?", wed, "", "2025-12-04T17:00:00-07:00", ""},
		{"SometimeThisWeek", "Could you book the hotel? Let me know sometime this week.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"ClockZoneAfterRange", "Please join the review on Thu Dec 4, 2025 10am - 11am (EST).", wed, "", "2025-12-04T08:00:00-07:00", ""},
		{"ClockZoneET", "Can you call me today at 4:00 PM ET?", wed, "", "2025-12-03T14:00:00-07:00", ""},
		// The day before a cue and a time of day is the time's.
		{"FrDemainAvantMidi", "Pourriez-vous me confirmer demain avant midi ?", wed, "", "2025-12-04T12:00:00-07:00", ""},
		{"EsMananaAntesDeLas17h", "¿Puedes enviarme el informe de ventas de noviembre mañana antes de las 17h?", wed, "", "2025-12-04T17:00:00-07:00", ""},
		{"EsLunesAMediodia", "Le recordamos su cita con la doctora el martes a las 9:30. Si no puede asistir, avísenos antes del lunes a mediodía.", wed, "", "2025-12-08T12:00:00-07:00", ""},
		// The labelling guide's settled cases (docs/extraction.md).
		{"SometimeNextWeek", "Could you review the draft sometime next week?", wed, "", "2025-12-12T17:00:00-07:00", ""},
		{"NextWeekTask", "Can you send me the figures next week?", wed, "", "2025-12-12T17:00:00-07:00", ""},
		{"EarlyNextWeek", "Please send me the contract early next week.", wed, "", "2025-12-08T17:00:00-07:00", ""},
		{"EndOfTheMonth", "Please submit your timesheet by the end of the month.", wed, "", "2025-12-31T17:00:00-07:00", ""},
		{"EndOfMonthShort", "Could you send the invoice by end of month?", wed, "", "2025-12-31T17:00:00-07:00", ""},
		{"COBThursday", "I need the deck by COB Thursday.", wed, "", "2025-12-04T17:00:00-07:00", ""},
		{"CloseOfBusinessTomorrow", "Please send it by close of business tomorrow.", wed, "", "2025-12-04T17:00:00-07:00", ""},
		{"HourNoDayAhead", "Can you get me the numbers by 3pm?", wed, "", "2025-12-03T15:00:00-07:00", ""},
		{"HourNoDayPassed", "Can you get me the numbers by 8am?", wed, "", "2025-12-04T08:00:00-07:00", ""},
		{"Tonight", "Please finish the slides tonight.", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"ThisMorning", "Can you send it this morning?", wed, "", "2025-12-03T12:00:00-07:00", ""},
		{"ByTheFourteenth", "Could you send the signed form by the 14th?", wed, "", "2025-12-14T17:00:00-07:00", ""},
		{"NumericMonthDay", "Please reply by 12/15.", wed, "", "2025-12-15T17:00:00-07:00", ""},
		{"InTwoDays", "Could you please send the invoice in two days?", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"MondayNineAMPT", "Can you join the call Monday 9am PT?", wed, "", "2025-12-08T10:00:00-07:00", ""},
		{"BareHourMorningTomorrow", "Can you send me the file by 7 tomorrow?", wed, "", "2025-12-04T07:00:00-07:00", ""},
		{"BareHourAfternoonWeekday", "Could you come to the review Friday at 2?", wed, "", "2025-12-05T14:00:00-07:00", ""},
		{"TomorrowAtBareHour", "Can we talk tomorrow at 4, please?", wed, "", "2025-12-04T16:00:00-07:00", ""},
		{"TonightAfterFive", "Can you send me the slides tonight?", "2025-12-03T19:30:00-07:00", "", "2025-12-03T23:59:00-07:00", ""},
		{"SendersPurposeTonight", "Could you confirm the strings are frozen so we can start the build tonight?", wed, "", "", ""},
		{"EsFinDeMes", "La gestoría nos las pide antes de fin de mes, ¿me las pasas?", wed, "", "2025-12-31T17:00:00-07:00", ""},
		{"EsMonthDeadline", "Necesito las liquidaciones para el cierre de diciembre, por favor.", wed, "", "2025-12-31T17:00:00-07:00", ""},
		{"WrappedRequest", "The client asked for the sign-off report. Can you share the report\n(open defects + coverage) in two days?", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"DateAfterUnknownWord", "Please send your picks (Christmas Eve, New Year's\nDay) by 12/15.", wed, "", "2025-12-15T17:00:00-07:00", ""},
		{"InvitationSubjectZoneAfterRange", "When: Tuesday Dec 9, 2025 14:00 – 15:00 Central European Time - Stockholm", wed, "", "", "2025-12-09T06:00:00-07:00"},
		{"PtAteODia", "Preciso dele até o dia 10 para liberar o pagamento.", wed, "", "2025-12-10T17:00:00-07:00", ""},
		{"FrDIciLe", "Merci de me renvoyer le contrat signé d'ici le 12.", wed, "", "2025-12-12T17:00:00-07:00", ""},
		{"DeBisZum", "Bitte schick mir die Zahlen bis zum 9., danke.", wed, "", "2025-12-09T17:00:00-07:00", ""},
		{"ItEntroIl", "Mi mandi il preventivo entro il 15?", wed, "", "2025-12-15T17:00:00-07:00", ""},
		{"DeBisUhrNotDay", "Bitte schick mir die Zahlen heute bis 12 Uhr.", wed, "", "2025-12-03T12:00:00-07:00", ""},
		{"DateBeforeAskToday", "The customer demo is at 11:00 today - can you please restart the auth service?", wed, "", "2025-12-03T11:00:00-07:00", ""},
		{"DateBeforeAskLater", "The launch is on Friday, December 19. Can you review the copy?", wed, "", "", ""},
		{"LunchQuestion", "Lunch tomorrow at 12:30 at the ramen place on 5th? Let me know, I'll book a table.", wed, "", "2025-12-04T12:30:00-07:00", ""},
		{"FrFinDeLaSemaineProchaine", "Pourriez-vous envoyer le devis d'ici la fin de la semaine prochaine ?", wed, "", "2025-12-12T17:00:00-07:00", ""},
		// Fourth session: a waived date, an event's hour before its day, a
		// zone between a clock and its day, tomorrow morning and early next
		// week in other languages.
		{"LetsNotTonight", "Ok, let's not run it tonight after all. Can you write up the rollback steps?", wed, "", "", ""},
		{"NoNeedToday", "No need to reply today, I'll sort it out with Ana.", wed, "", "", ""},
		{"ClockNounBeforeDay", "Can you write it up before the 10am standup tomorrow?", wed, "", "2025-12-04T10:00:00-07:00", ""},
		{"PossessiveDayClock", "Could you review it before tomorrow's 10:00 release freeze?", wed, "", "2025-12-04T10:00:00-07:00", ""},
		{"ClockZoneThenDay", "Please approve this payroll by 4:00 PM CT today.", wed, "", "2025-12-03T15:00:00-07:00", ""},
		{"ClockZoneThenDayCrossesMidnight", "Please approve it by 11pm ET tomorrow.", wed, "", "2025-12-04T21:00:00-07:00", ""},
		{"ClockThenTomorrow", "Can you send it by 10:00 tomorrow?", wed, "", "2025-12-04T10:00:00-07:00", ""},
		{"ItDomattina", "Ciao Marco, mi mandi le slide della presentazione entro domattina? Grazie mille, a presto.", wed, "", "2025-12-04T12:00:00-07:00", ""},
		{"MonthThenCueDay", "Could you send round the plot rota for January by Friday?", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"DayByClockIsOne", "Due: Thursday, December 4, 2025 by 5:00 PM. Please pay on time.", wed, "", "2025-12-04T17:00:00-07:00", ""},
		{"FrPourLeSalonIsNoCue", "Je suis à Lyon pour le salon jeudi, je passerai te voir.", wed, "", "", ""},
		{"FrPourLeJeudi", "Il me faut la traduction pour le jeudi 4 décembre, merci.", wed, "", "2025-12-04T17:00:00-07:00", ""},
		{"FrOnSeRetrouve", "Salut Camille, on se retrouve jeudi 4 décembre à 12h30 pour déjeuner ? Dis-moi si ça te va.", wed, "", "2025-12-04T12:30:00-07:00", ""},
		{"WeekdayThenCueWeekday", "Could you send me the photos from Saturday by Friday?", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"DeDottedDateTrailingDot", "Bitte um Rückmeldung bis 14.12., vielen Dank für Ihre Mühe.", wed, "", "2025-12-14T17:00:00-07:00", ""},
		{"DeDottedDateFull", "Die Rechnung ist fällig am 18.12.2025. Bitte überweisen Sie den Betrag rechtzeitig.", wed, "", "2025-12-18T17:00:00-07:00", ""},
		{"DeDottedClockStaysClock", "Bitte schicken Sie es mir heute bis 14.30 Uhr, danke.", wed, "", "2025-12-03T14:30:00-07:00", ""},
		{"DeWeekdayDottedFull", "Bitte um Freigabe bis Freitag 5.12.2025, danke für die Mühe und viele Grüße an das ganze Team.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"NbFristLabelDotted", "Hei Ingrid, vaktplanen for januar er ferdig utarbeidet og venter på din godkjenning. Dette er en automatisk melding og kan ikke besvares. Frist for godkjenning: fredag 5.12.2025", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"NbKlTodayAfterAbbreviation", "Vi har fått inn en akutt pasient og jeg trenger stuen. Kan du gi beskjed til anestesi innen kl. 14 i dag? Ring meg hvis det ikke går.", wed, "", "2025-12-03T14:00:00-07:00", ""},
		{"SvSenastWeekday", "Hej Erik, det saknas fortfarande tidrapporter för november från dig och lönerna körs nästa vecka. Kan du skicka in din tidrapport senast fredag?", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"PtGoneHourGivesWay", "O caminhão agendado para as 8h não apareceu e a carga precisa embarcar hoje. Preciso que a coleta seja feita hoje até as 16h, senão perdemos a janela do cliente.", wed, "", "2025-12-03T16:00:00-07:00", ""},
		{"WrappedBeforeTheWeekend", "The printer needs the poster first thing Monday, so can you get the PDF to me before the\nweekend?", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"ClockAfterCRLFWrap", "The customer demo is at\r\n11:00 today - can you please restart the auth service?", wed, "", "2025-12-03T11:00:00-07:00", ""},
		{"RestatedWeekdayKeepsClock", "Please upload the build by 6pm tomorrow (Thursday). Could you confirm?", wed, "", "2025-12-04T18:00:00-07:00", ""},
		{"SameDayWithItsTime", "Your course is due December 5. Complete it by December 5, 2025 11:59 PM please.", wed, "", "2025-12-05T23:59:00-07:00", ""},
		{"ConditionalAskIsNoDeadline", "The invoice falls due on Friday, 5 December. If there's a query on it, please let me know today.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"FrSlashDateDayFirst", "Merci de régler ce montant au plus tard le 04/12/2025 par carte bancaire depuis votre Espace Client.", wed, "", "2025-12-04T17:00:00-07:00", ""},
		{"WithinTwoDays", "Please send the revised site plan within 2 days so staff have time to write the report.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"HourThenPlace", "Makes sense. Can we meet Thursday at 2 in the small conference room?", wed, "", "2025-12-04T14:00:00-07:00", ""},
		{"FrClockInsideMention", "Pour avancer sur le projet, je te propose qu'on se retrouve jeudi à 18h en salle des profs. Dis-moi si ça te va.", wed, "", "2025-12-04T18:00:00-07:00", ""},
		{"JunkBeforeCueInMention", "Dr. Kimura needs the shortlist (the 24 with scores of 4+) by 3 pm today so the invitations go out. Could you pull it from Slate?", wed, "", "2025-12-03T15:00:00-07:00", ""},
		{"BeforeThenIsTheEarliestNamed", "The fire marshal is doing his walk-through at 5pm ET today and has to see the permit or no flash pots at tonight's preview. Can you take it to the stage door before then?", wed, "", "2025-12-03T15:00:00-07:00", ""},
		{"EnDottedAfterWeekday", "Please approve the rota by Fri 5.12, thanks.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"VersionIsNoDate", "Version 3.12.1 is out, please upgrade by Friday.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"B4Today", "can u send it b4 5pm today pls", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"PtBeforeTheWeekend", "Você consegue me mandar a planilha antes do fim de semana? Obrigado.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"MonthTwoDigitDay", "Could you please send the signed proof of delivery for shipment PRF-22871 by Dec 20?", wed, "", "2025-12-20T17:00:00-07:00", ""},
		{"EsWeekdayDayNumClock", "Necesito la traducción antes del jueves 4 a las 12:00, por favor. Gracias.", wed, "", "2025-12-04T12:00:00-07:00", ""},
		{"PtWeakCueThenStrong", "Consegue me mandar a cotação para 3 carretas até amanhã às 11h? Obrigada.", wed, "", "2025-12-04T11:00:00-07:00", ""},
		{"PtWeekdayDia", "Olá Lucía, você pode fazer a tradução para o português até sexta-feira, dia 5? São 9 páginas.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"NlBinnen48Uur", "Corrigeer en verstuur de melding binnen 48 uur om vertraging bij de uitslag te voorkomen.", wed, "", "2025-12-05T09:00:00-07:00", ""},
		{"Within24Hours", "Could you please confirm the booking within 24 hours?", wed, "", "2025-12-04T09:00:00-07:00", ""},
		{"DoesNotCloseUntil", "Could you look it over? The posting doesn't close until February.", wed, "", "", ""},
		{"DeAnfangNaechsterWoche", "Könnten Sie mir das Angebot bis Anfang nächster Woche schicken?", wed, "", "2025-12-08T17:00:00-07:00", ""},
		// A bare hour after by/before (or at, in a question) is today's,
		// read in working hours; tomorrow's when it has gone.
		{"BareHourBy", "Can you have the keys cut by 2?", wed, "", "2025-12-03T14:00:00-07:00", ""},
		{"BareHourBeforePlease", "Send it before 4 please.", wed, "", "2025-12-03T16:00:00-07:00", ""},
		{"BareHourGoneIsTomorrow", "Can you send it by 8?", wed, "", "2025-12-04T08:00:00-07:00", ""},
		{"BareHourIsNoCount", "Please note sales grew by 3.", wed, "", "", ""},
		{"BareHourStatementAt", "We arrived at 5.", wed, "", "", ""},
		{"BareHourSendersUntil", "Could you ask them? I won't be there till 9.", wed, "", "", ""},
		{"BareHourWithDayIsTheDays", "The florist starts Saturday at 7, so please come by 9.", wed, "", "", "2025-12-06T07:00:00-07:00"},
		{"BeforeLunch", "Could you send it before lunch?", wed, "", "2025-12-03T12:00:00-07:00", ""},
		// Hours after the article of hours, or with their unit.
		{"ItPrimaDelle", "Può inviarmela via mail prima delle 16?", wed, "", "2025-12-03T16:00:00-07:00", ""},
		{"EsAntesDeLas", "¿Me lo puedes mandar antes de las 16?", wed, "", "2025-12-03T16:00:00-07:00", ""},
		{"DeBisUhr", "Kannst du mir das bis 16 Uhr schicken?", wed, "", "2025-12-03T16:00:00-07:00", ""},
		{"DeAlleIsAll", "Bitte schicken Sie alle 16 Berichte.", wed, "", "", ""},
		{"DeBisDayIsNoHour", "Bitte bis 16. Dezember schicken.", wed, "", "2025-12-16T17:00:00-07:00", ""},
		{"FrDemainPremiereHeure", "Merci de me renvoyer le bon signé demain à la première heure.", wed, "", "2025-12-04T12:00:00-07:00", ""},
		{"EsMananaPrimeraHora", "¿Me lo mandas mañana a primera hora?", wed, "", "2025-12-04T12:00:00-07:00", ""},
		// A cut-off stated beside what the sender still lacks of the
		// reader's; an hour a request names after it was given with its day.
		{"CutOffToday", "The state portal stops accepting amended filings at 5:00pm today, and I still don't have your signature on page 3.", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"CutOffIsNoAsk", "The state portal stops accepting amended filings at 5:00pm today.", wed, "", "", "2025-12-03T17:00:00-07:00"},
		{"BeforeTheSlot", "Our driver is booked on your dock at 6:30 tomorrow morning. Could you send me the release number before the 6:30 slot?", wed, "", "2025-12-04T06:30:00-07:00", ""},
		{"BeforeDayMonth", "Please update your payment method before 11 December to avoid interruption.", wed, "", "2025-12-11T17:00:00-07:00", ""},
		{"AmountIsNoDay", "Your plan renews for $24.00.", wed, "", "", ""},
		{"WithinDaysByDate", "Please upload the invoice within 5 working days (by 11 December 2025).", wed, "", "2025-12-11T17:00:00-07:00", ""},
		{"EsAntesDeLasDeManana", "Necesito el contrato firmado antes de las 14:00 de mañana.", wed, "", "2025-12-04T14:00:00-07:00", ""},
		{"DeMorgenAndSaturdayAtTen", "Kannst du mir bitte bis morgen Mittag Bescheid geben, ob der Termin am Samstag um 10 Uhr passt?", wed, "", "2025-12-04T12:00:00-07:00", ""},
		{"NlVoorDeLunch", "Laat je me vóór de lunch weten of de piano meegaat?", wed, "", "2025-12-03T12:00:00-07:00", ""},
		{"EsMediodiaDelViernes", "Tienes hasta el mediodía del viernes para mandarla.", wed, "", "2025-12-05T12:00:00-07:00", ""},
		{"OneDigitClockIsAfternoon", "Can you get the binder back here before she walks in at 2:30 today?", wed, "", "2025-12-03T14:30:00-07:00", ""},
		{"LeadingZeroClockKeepsItsHour", "Can you call me at 02:30 tomorrow?", wed, "", "2025-12-04T02:30:00-07:00", ""},
		{"OneDigitClockMorning", "Could you be at the dock at 6:30 tomorrow morning?", wed, "", "2025-12-04T06:30:00-07:00", ""},
		{"BareHourByWhether", "Nadia needs to know by 2 whether you can cover it, can you tell her?", wed, "", "2025-12-03T14:00:00-07:00", ""},
		{"ItEntroENonOltre", "Il PDF mi deve arrivare entro e non oltre le 12, per favore.", wed, "", "2025-12-03T12:00:00-07:00", ""},
		{"WeekdayDecidesSlashOrder", "Você consegue me enviar o PDF da apólice até sexta-feira (5/12)?", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"ForAnHourIsNoTime", "I'd like the junior coaches together for an hour on Wednesday 3 December at 7pm in the clubhouse.", wed, "", "2025-12-03T19:00:00-07:00", ""},
		{"FrJeVousProposeUneReunion", "Je vous propose une réunion de chantier jeudi 4 décembre à 9h30, rue des Vinaigriers.", wed, "", "2025-12-04T09:30:00-07:00", ""},
		{"WhenYouGetAChanceThisWeek", "Could you review the draft when you get a chance this week?", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"PtAteDia", "Você pode me devolver o aditamento assinado até dia 12?", wed, "", "2025-12-12T17:00:00-07:00", ""},
		{"ItInMattinata", "Mi può mandare la contabile in mattinata?", wed, "", "2025-12-03T12:00:00-07:00", ""},
		{"DeBisHalbNeun", "Können Sie uns das Tor aufschließen? Wir warten bis halb zwölf.", wed, "", "2025-12-03T11:30:00-07:00", ""},
		{"NlVoorHalfVier", "Kun je het contract voor half vier tekenen?", wed, "", "2025-12-03T15:30:00-07:00", ""},
		{"HalfPastTwoThisAfternoon", "The roster locks at half past two this afternoon, can you send me your number before?", wed, "", "2025-12-03T14:30:00-07:00", ""},
		{"BritishHalfTen", "The inspector waits till half ten, can you bring the keys?", wed, "", "2025-12-03T10:30:00-07:00", ""},
		{"NlHalfAchtSAvonds", "Kun je donderdag om half acht 's avonds komen?", wed, "", "2025-12-04T19:30:00-07:00", ""},
		// A day compared with is no day asked for.
		{"SameAsFriday", "Call me asap - same trouble as Friday and they're upset.", wed, "", "", ""},
		// Seventh session: a day, month and year in another language is
		// one date, not the bare year (today); expiry verbs are cues; "by
		// then" in six languages; a request cue in a long sentence.
		{"FrDayMonthYearClock", "Bonjour Paul, le certificat expire le 8 décembre 2025 à 02:00. Merci de corriger l'enregistrement DNS avant cette heure.", wed, "", "2025-12-08T02:00:00-07:00", ""},
		{"FrOrdinalFirst", "Bonjour Paul, la facture était due le 1er décembre 2025 et elle n'est toujours pas réglée. Merci de la régler.", wed, "", "2025-12-01T17:00:00-07:00", ""},
		{"ItDayMonthYearClock", "Ciao Paolo, il certificato scade l'8 dicembre 2025 alle 02:00. Per favore correggi il record DNS prima di allora.", wed, "", "2025-12-08T02:00:00-07:00", ""},
		{"DeOrdinalDayIsNoSentenceEnd", "Hallo Paul, das Zertifikat läuft am 8. Dezember 2025 um 02:00 ab. Bitte korrigiere den DNS-Eintrag bis dahin.", wed, "", "2025-12-08T02:00:00-07:00", ""},
		{"EsCaducaAntesDeEsaHora", "Hola Pablo, el certificado caduca el 8 de diciembre de 2025 a las 02:00. Por favor, corrige el registro DNS antes de esa hora.", wed, "", "2025-12-08T02:00:00-07:00", ""},
		{"PtExpiraAteLa", "Olá Paulo, o certificado expira a 8 de dezembro de 2025 às 02:00. Por favor corrige o registo DNS até lá.", wed, "", "2025-12-08T02:00:00-07:00", ""},
		{"NlVerlooptVoorDieTijd", "Hoi Paul, het certificaat verloopt op 8 december 2025 om 02:00. Wil je het DNS-record vóór die tijd corrigeren?", wed, "", "2025-12-08T02:00:00-07:00", ""},
		{"ByThenInALongSentence", "The board pack goes to the printer at 9 tomorrow morning and I'd like your revised page in my inbox by then.", wed, "", "2025-12-04T09:00:00-07:00", ""},
		{"NlWilJeVanavond", "Hoi Sanne, wil je de kleur vanavond nog even doorgeven aan de leverancier?", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"FrComingToLunch", "Salut Claire, on fait le déjeuner de l'atelier jeudi 4 à 12h30 au Bouchon. Dis-moi si tu viens.", wed, "", "2025-12-04T12:30:00-07:00", ""},
		{"NlInvitedToMeeting", "Het bestuur nodigt u uit voor een extra ledenvergadering op donderdag 11 december, om half acht 's avonds in het dorpshuis.", wed, "", "2025-12-11T19:30:00-07:00", ""},
		{"WantToJoinWrapped", "A few of us are taking them to lunch at Sassafras, Thursday at 12:30. Want to\njoin? Just let me know.", wed, "", "2025-12-04T12:30:00-07:00", ""},
		{"ItFatemiSapereSeCiSiete", "Ciao a tutti, la cena di Natale sarà venerdì 5 dicembre alle 20:00 all'Osteria del Borgo. Fatemi sapere se ci siete.", wed, "", "2025-12-05T20:00:00-07:00", ""},
		{"LoneAfternoonClockIsToday", "The driver waits until 1:45, can you sign the papers before then?", wed, "", "2025-12-03T13:45:00-07:00", ""},
		{"ItDomattinaEntroLe10WithFriday", "Per consegnarvi tutto venerdì mi serve l'ordine firmato domattina entro le 10: il camion carica alle 11.", wed, "", "2025-12-04T10:00:00-07:00", ""},
		{"NlMorgenochtendHalfAcht", "Wil je de gecorrigeerde paklijst uiterlijk morgenochtend half acht in het systeem zetten?", wed, "", "2025-12-04T07:30:00-07:00", ""},
		{"BeforeOurThreeOClockToday", "Marcus, can you get them the signed bank confirmation before our 3 o'clock with them today?", wed, "", "2025-12-03T15:00:00-07:00", ""},
		{"BeforeTheSlotMorningTomorrow", "Could you send me the release number before the 6:30 slot?", "2025-12-03T17:05:00-07:00", "", "2025-12-04T06:30:00-07:00", ""},
		{"PastSlotSentenceIsNoCutoff", "I opened the package this morning and the slot is still empty. Please upload it before the portal closes.", wed, "", "", ""},
		{"RestatedDayAfterTomorrow", "Please approve it by 11:00 tomorrow, Thursday 4 December; after that the file cannot reach the bank.", wed, "", "2025-12-04T11:00:00-07:00", ""},
		{"ActionRequiredLabelIsNoCue", "Action required: December payroll. The pay run is attached.", wed, "", "", ""},
		{"FrVousInviteA", "Le conseil de copropriété vous invite à une réunion d'information le jeudi 11 décembre à 19 h, dans la salle commune.", wed, "", "2025-12-11T19:00:00-07:00", ""},
		{"FrDitesMoiSiVousPassez", "On fête ça jeudi 4 décembre à 18 h 30, dans la salle du 3e. Dites-moi juste si vous passez, que je prévoie assez de gâteau !", wed, "", "2025-12-04T18:30:00-07:00", ""},
		{"EsHastaLa1", "El camión solo puede estar en la calle hasta la 1, después nos multan. ¿Puedes hablar con la administración?", wed, "", "2025-12-03T13:00:00-07:00", ""},
		{"ItSameClockInTheAsk", "Il tecnico del gas viene domattina alle 8, non lunedì. Riesci a esserci tu alle 8 per aprirgli?", wed, "", "2025-12-04T08:00:00-07:00", ""},
		{"ConditionalBeforeThen", "What I still don't have is their hours. The BACS file goes to the bank at 3pm today. If you can reply with their hours before then I'll get them into this run.", wed, "", "2025-12-03T15:00:00-07:00", ""},
		{"WeekdayOrdinalPast", "He was hoping to have the shot list by Monday the 1st and still hasn't got it. Could you send it?", wed, "", "2025-12-01T17:00:00-07:00", ""},
		{"WeekdayOrdinalAhead", "Could you send the list by Friday the 12th?", wed, "", "2025-12-12T17:00:00-07:00", ""},
		{"OrdinalPastTense", "He was hoping to have it by the 1st, and he still hasn't got it. Can you send it?", wed, "", "2025-12-01T17:00:00-07:00", ""},
		{"EsAntesDeLasSeis", "Mándame la autorización firmada antes de las seis, que es cuando cerramos la recepción.", wed, "", "2025-12-03T18:00:00-07:00", ""},
		{"EsNoEntraHastaLasOnce", "Yo no tengo la llave y Pepe no entra hasta las once. ¿La tienes tú?", wed, "", "", ""},
		{"DeHeuteBisNotMorgen", "Die Druckerei nimmt heute noch Aufträge bis 16 Uhr an, sonst hängt morgen früh eine leere Wand. Können Sie die Datei freigeben?", wed, "", "2025-12-03T16:00:00-07:00", ""},
		{"ItAssembleaConvocata", "Gentile condomina, è convocata l'assemblea straordinaria del condominio giovedì 11 dicembre 2025 alle ore 21:00, presso la sala riunioni.", wed, "", "2025-12-11T21:00:00-07:00", ""},
		{"LetMeKnowWhetherYouCanCome", "I'd like the tenors in for an extra sectional on Thursday at 7pm in the church hall. Could you let me know whether you can come?", wed, "", "2025-12-04T19:00:00-07:00", ""},
		{"DeBisZumWrappedBeforeDay", "Kannst Du bitte den Stand ablesen und mir bis zum\n15. Dezember schicken? Ein Foto reicht.", wed, "", "2025-12-15T17:00:00-07:00", ""},
		{"ItGiuntaConvocataIsNoInvitation", "Mi serve il testo definitivo entro domattina, la Giunta è convocata per le 15 e devo girarlo ai colleghi prima.", wed, "", "2025-12-04T12:00:00-07:00", ""},
		{"ClockBeforeThisAfternoon", "Can you send it by 3pm this afternoon?", wed, "", "2025-12-03T15:00:00-07:00", ""},
		{"BareHourBeforeThisAfternoon", "It goes on the press at 2 this afternoon. Tell me which one by 2 and we run it.", wed, "", "2025-12-03T14:00:00-07:00", ""},
		{"BareHourBeforeThisMorning", "Could you send it by 10:30 this morning?", wed, "", "2025-12-03T10:30:00-07:00", ""},
		{"PageNumberIsNoClock", "Please read page 2 this afternoon.", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"WhichOneByTwo", "Tell me which one by 2.", wed, "", "2025-12-03T14:00:00-07:00", ""},
		{"FrAccentedAFourteen", "Tu peux m'envoyer le dossier à 14h ? Merci.", wed, "", "2025-12-03T14:00:00-07:00", ""},
		{"PtAsNineteenAfterSpace", "Consegue descer com a amostra agora? Ele tem voo às 19h.", wed, "", "", "2025-12-03T19:00:00-07:00"},
		{"PtWeekdayDayAndHourUnreadByParser", "Gostaria de marcar uma reunião na quinta-feira, dia 4, às 10h, aqui na fábrica. Pode confirmar se o horário funciona?", wed, "", "2025-12-04T10:00:00-07:00", ""},
		{"NlVolgendeWeekVrijdag", "Zou jij de notulen willen nakijken vóór volgende week vrijdag?", wed, "", "2025-12-12T17:00:00-07:00", ""},
		{"ItEntroQuestaSettimana", "Riesci a guardarlo entro questa settimana e dirmi cosa ne pensi?", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"SometimeThisWeek", "Could you take a look at the diff sometime this week?", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"EsAntesDeLasNueveGoneIsTomorrow", "Necesito que me mandes antes de las 9 una copia de tu INE.", "2025-12-03T19:00:00-07:00", "", "2025-12-04T09:00:00-07:00", ""},
		{"EsAntesDeLaUna", "Si me lo devuelve firmado antes de la una, lo dejo funcionando hoy mismo.", wed, "", "2025-12-03T13:00:00-07:00", ""},
		{"PackUpAtThree", "The tree crew is here now. They pack up at 3 and can't come back until January. Can you reply \"ok to cut\" so I can show him?", wed, "", "2025-12-03T15:00:00-07:00", ""},
		{"ItVenerdiVersoLeCiSiete", "venerdì 5 facciamo una cena a casa nostra: verso le 20:30, ci siete tu e Francesca?", wed, "", "2025-12-05T20:30:00-07:00", ""},
		{"FrCalendarDayThenClock", "Le conseil syndical vous invite à sa réunion du 8 déc. 2025 18:30, dans la salle commune.", wed, "", "2025-12-08T18:30:00-07:00", ""},
		{"FrAvantMercrediDix", "Tu peux me renvoyer tout ça scanné avant mercredi 10 ? Après ils donnent les places.", wed, "", "2025-12-10T17:00:00-07:00", ""},
		{"OnlyOnePendingCutoff", "The portal says corrections close at 17:00 today and you're the only one still showing as pending.", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"WeekdayNumberWithMonthIsTheParsers", "Approvals close at 11:00 tomorrow, Thursday 4 December; after that the file cannot reach the bank. Please approve the run.", wed, "", "2025-12-04T11:00:00-07:00", ""},
		{"OnSiteAtTwoBeforeThen", "Nia, scaffold inspector is on site at 2 and won't sign the tower off without your handover cert. Can you email it over before then?", wed, "", "2025-12-03T14:00:00-07:00", ""},
		{"FrSiJeNeLaiPasCeSoir", "Je n'ai toujours pas ta commande pour la semaine prochaine : si je ne l'ai pas ce soir, je ne pourrai pas te livrer avant mardi. Dis-moi les quantités.", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"JustSoYouKnowHasNoDeadline", "Just so you know, the garden waste is off until 5 Jan. Nothing you need to do.", wed, "", "", "2026-01-05T00:00:00-07:00"}, // a state's end, no deadline: the day as read
		{"BeforeHeStarts", "The locksmith is booked to change the locks at Flat 3 at 8:00 tomorrow morning. I'll need the signed lease addendum back before he starts.", wed, "", "2025-12-04T08:00:00-07:00", ""},
		{"MovedUpToTwoTodayStillMissing", "Auditors moved up to 2 today. They still don't have the signed stock count sheets. Are they in your truck?", wed, "", "2025-12-03T14:00:00-07:00", ""},
		{"NlBusVertrektOmStillBijJou", "Sanne, de bus naar het toernooi vertrekt om 15:30 en de spelerspassen liggen nog bij jou thuis.", wed, "", "2025-12-03T15:30:00-07:00", ""},
		{"BeforeThenPointsToItsOwnSentence", "Walked the site this afternoon but the light went. Send them through by 7 tomorrow and I'll sign off before the trucks arrive.", "2025-12-03T16:10:00-07:00", "", "2025-12-04T07:00:00-07:00", ""},
		{"DeHourOfAThing", "Petra, sitze im ICE fest. Kannst du Frau Kessler anrufen und den 14-Uhr-Termin absagen?", wed, "", "2025-12-03T14:00:00-07:00", ""},
		{"ItRiuscirestiStasera", "Riusciresti a lasciarmelo nella cassetta stasera? Altrimenti perdo il contributo.", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"PortalLocksAtFiveToday", "The typesetter's portal locks at 5pm today; after that any change is an erratum. Could you enter your corrections directly?", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"EsAntesDeLaUnaYMedia", "Hoy la gestoría cierra pronto: ¿me las puedes mandar antes de la una y media?", wed, "", "2025-12-03T13:30:00-07:00", ""},
		{"FrIlMeFautTaPartieCeSoir", "Il me faut donc ta partie ce soir, pour que je puisse fusionner les deux fichiers avant de lui envoyer.", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"NlVoorAchtUurVanavond", "Als je de auto kunt missen, wil je dan vóór 8 uur vanavond je reservering aanpassen?", wed, "", "2025-12-03T20:00:00-07:00", ""},
		{"NlTotMorgenOpDeBorrelIsAFarewell", "Kun je me haar naam en telefoonnummer sturen?\n\nTot morgen op de borrel,\nJoost", wed, "", "", ""},
		{"DeKoennenSieMorgenFrueh", "Können Sie mir die Maße morgen früh als Erstes schicken?", wed, "", "2025-12-04T12:00:00-07:00", ""},
		{"NlZinOmDinsdagOmHalfEen", "Zin om dinsdag om half 1 even te lunchen bij De Hoek? Laat maar weten of het je uitkomt.", wed, "", "2025-12-09T12:30:00-07:00", ""},
		// Week numbers (blind-47, 2289, 2297): the Friday of that ISO
		// week (Wed 3 Dec 2025 is in week 49; week 51 is 15-21 Dec).
		{"KWEnde", "Bitte schick mir die gezählten Listen bis Ende KW 51 zurück.", wed, "", "2025-12-19T17:00:00-07:00", ""},
		{"SemanaNumero", "Necesito que me mandes las fichas revisadas, como tarde en la semana 51.", wed, "", "2025-12-19T17:00:00-07:00", ""},
		{"KWAnfang", "Bitte schick mir die Listen bis Anfang KW 51.", wed, "", "2025-12-15T17:00:00-07:00", ""},
		{"WeekNumberFarAway", "Please read the notes for week 30 of the course.", wed, "", "", ""},
		// A dotted day and month, then its hour (2299: was 14:12).
		{"DottedDateThenUhr", "Kannst du mir bis spätestens Montag, 8.12., 10 Uhr Bescheid geben?", wed, "", "2025-12-08T10:00:00-07:00", ""},
		{"DottedClockEndsSentence", "Wir treffen uns am Freitag um 14.30.", wed, "", "", "2025-12-05T14:30:00-07:00"},
		// A year just before a weekday and date is not its year when the
		// weekday says otherwise (Wednesday 10 December is 2025's).
		{"YearBeforeWeekday", "Le budget 2026 le mercredi 10 décembre à 15h sera présenté au conseil.", wed, "", "", "2025-12-10T15:00:00-07:00"},
		// Blind-48's hours: Italian "le 20" before a day word (was the
		// evening's 17:00), Dutch "14u", English "thurs"/"tues",
		// Portuguese "às 19h30".
		{"EntroLeStasera", "devo saperlo ENTRO LE 20 stasera sennò chiamo l'agenzia", wed, "", "2025-12-03T20:00:00-07:00", ""},
		{"DutchHourU", "De kerstbomen komen om 14u, kun jij tekenen voor ontvangst?", wed, "", "2025-12-03T14:00:00-07:00", ""},
		{"ThursAbbrev", "Could you send me the figures before thurs 10am?", wed, "", "2025-12-04T10:00:00-07:00", ""},
		{"TuesAbbrev", "Please send it by tues 3pm.", wed, "", "2025-12-09T15:00:00-07:00", ""},
		{"PtAsHoraH", "A assembleia é na quinta-feira, dia 4, às 19h30, no salão de festas.", wed, "", "", "2025-12-04T19:30:00-07:00"},
		{"SprintNumberNotAYear", "Setting up the retro for sprint 41 on Thursday at 2pm in the Lakeview room.", wed, "", "", "2025-12-04T14:00:00-07:00"},
		// A weekday and day of the month just past, which only it fits
		// (blind-49, 2375: "mardi 8" on Thursday 10 was 8 January).
		{"PastWeekdayDayNumber", "Je reviens vers toi : je t'avais demandé le compte rendu pour mardi 2 et je n'ai toujours rien reçu.", wed, "", "2025-12-02T17:00:00-07:00", ""},
		// A weekday after another language's cue, in a sentence whose
		// other date made the parser drop it (blind-50, 2430).
		{"NlWeekdayBesideOtherDate", "Graag alles vóór vrijdag beantwoorden, daarna zijn we dicht tot 4 januari.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		// How long a state lasts, in other languages (2430's "dicht tot
		// 4 januari"): no deadline.
		{"NlClosedUntil", "Het kantoor is dicht tot 4 januari.", wed, "", "", "2026-01-04T00:00:00-07:00"},
		{"DeClosedUntil", "Wir sind geschlossen bis 4. Januar.", wed, "", "", "2026-01-04T00:00:00-07:00"},
		// Blind-51: whose clock a day is in ("your time") split the
		// date for the parser; "No rush today" asks nothing of today; a
		// date's clock after a comma was read again as today's.
		{"YourTimeAfterDay", "Could you send me the translated contract by Friday your time? Our client reads it over the weekend.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		// (5pm in London is 10:00 at -07:00: the zone the phrase names.)
		{"UKTimeBeforeDay", "We'd asked for the revised quote by 5pm UK time on Friday and I haven't seen it yet.", wed, "", "2025-11-28T10:00:00-07:00", ""},
		{"NoRushToday", "No rush today, but could you send me the contract by Friday?", wed, "", "2025-12-05T17:00:00-07:00", ""},
		// Blind-52 to blind-55 (fifteenth session): a bare day with "at the
		// latest" after it; "the deadline is still Monday"; a date that
		// starts a state in a request's sentence; "p.v." (next month); a
		// zone after a foreign clock ("à 00:00 UTC", "12 Uhr MEZ") that
		// hid the date; a weekday with its dotted day and month beyond a
		// trigger window's word; day-month with a dash; "Tuesday week".
		{"FrDayNumberAuPlusTard", "Le dossier doit être déposé au greffe le 15 au plus tard. Peux-tu t'en charger ?", wed, "", "2025-12-15T17:00:00-07:00", ""},
		{"EsPlazoSigueSiendo", "Te recuerdo que el plazo sigue siendo el lunes 8 a las 12:00 para entregar las actas firmadas.", wed, "", "2025-12-08T12:00:00-07:00", ""},
		{"DeAbMorgenStartsAState", "Kurze Erinnerung, weil du ab morgen im Urlaub bist: die Abrechnung bitte bis Freitag, 9. Januar.", wed, "", "2026-01-09T17:00:00-07:00", ""},
		{"ItProssimoVenturo", "Buongiorno, mi servono le fatture entro il 18 p.v., grazie.", wed, "", "2026-01-18T17:00:00-07:00", ""},
		{"FrClockInUTC", "Le certificat actuel expire le 25/12/2025 à 00:00 UTC. Merci de relancer la validation.", wed, "", "2025-12-24T17:00:00-07:00", ""},
		{"DeClockMEZ", "Bitte schicken Sie den Vertrag bis Freitag 12 Uhr MEZ zurück.", wed, "", "2025-12-05T04:00:00-07:00", ""},
		{"DeWeekdayDottedDayMonth", "Bitte trag deine Wünsche für den Dienstplan Januar bis spätestens Mittwoch, 10.12., 12 Uhr in die Liste im Büro ein.", wed, "", "2025-12-10T12:00:00-07:00", ""},
		{"NlDashedDayMonth", "Kun je je opmerkingen op hoofdstuk 3 uiterlijk 11-12 sturen?", wed, "", "2025-12-11T17:00:00-07:00", ""},
		{"NlSlashedDayMonthNoYear", "Kun je je opmerkingen op hoofdstuk 3 uiterlijk 11/12 sturen?", wed, "", "2025-12-11T17:00:00-07:00", ""},
		{"NlHourRangeIsNoDate", "We zijn open van 9-12 uur, kom langs vóór vrijdag.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"TuesdayWeek", "Could I have your draft of chapter 6 by Tuesday week, the 16th?", wed, "", "2025-12-16T17:00:00-07:00", ""},
		{"NowDueMondayNotToday", "Good news: the chair agreed to push the board pack. It's now due Monday by 3pm, not today.", wed, "", "2025-12-08T15:00:00-07:00", ""},
		{"DashThenPleaseImperative", "I've sent them through the e-signing link again - please sign them tonight and I'll forward them to the broker first thing.", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"ClockTodayDateInBrackets", "Please choose one of the options in Manage My Booking by 23:00 today (3 December).", wed, "", "2025-12-03T23:00:00-07:00", ""},
		{"ClockGMTTodayDateInBrackets", "Please choose one of the options in Manage My Booking by 23:00 GMT today (3 December).", wed, "", "2025-12-03T16:00:00-07:00", ""},
		{"DeOldDeadlineSettledNewTermin", "Die Abgabe vom 30.11. hat sich erledigt, die Geschäftsführung hat die Runde verschoben. Neuer Termin für deine Planung: Montag, 8.12.", wed, "", "2025-12-08T17:00:00-07:00", ""},
		{"EsComoTarde", "Sí: lo quiero el jueves 11 como tarde, para llevarlo al comité del lunes.", wed, "", "2025-12-11T17:00:00-07:00", ""},
		{"ByFriAbbrevLowerCase", "see attached, sign and return by fri pls", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"OrderTodayIsANounNotAnAd", "need the PO numbers for the Halvorsen order today pls, finance closes the batch at 4", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"AoEClock", "Please submit the abstract by 23:59 AoE.", wed, "", "2025-12-04T04:59:00-07:00", ""},
		// The zone between the clock and its day was read as the name of
		// an event ("the 10am standup tomorrow"), or hid the clock from
		// "tonight".
		{"AoEClockOnWeekday", "Please submit the abstract by 23:59 AoE on Friday.", wed, "", "2025-12-06T04:59:00-07:00", ""},
		{"AoEClockCommaWeekday", "Please submit the abstract by 23:59 AoE, Friday.", wed, "", "2025-12-06T04:59:00-07:00", ""},
		// "preciso disso" (I need this) asks, as "preciso do" did.
		{"PtPrecisoDissoHoje", "preciso disso hoje pfv: o comprovante do pix do aluguel, a imobiliária fecha às 16h", wed, "", "2025-12-03T16:00:00-07:00", ""},
		// A bare foreign clock the sentence asks for is today's.
		{"DeUmElfGefragt", "Hallo Tim, ich bin leider zehn Minuten später, die Bahn steht mal wieder. Kannst du Herrn Kaya um 11 am Empfang abholen und ihm einen Kaffee anbieten? Danke dir!!", wed, "", "2025-12-03T11:00:00-07:00", ""},
		// A count of days from the message, in the other languages.
		{"DeInnerhalbVonDreiWerktagen", "Bitte senden Sie uns die Unterlagen innerhalb von 3 Werktagen zurück, danke.", wed, "", "2025-12-08T17:00:00-07:00", ""},
		{"EsEnUnPlazoDeTresDiasHabiles", "Por favor, envíe los documentos firmados en un plazo de tres días hábiles.", wed, "", "2025-12-08T17:00:00-07:00", ""},
		{"FrSousHuitaine", "Merci de nous retourner l'attestation signée sous huitaine, s'il vous plaît.", wed, "", "2025-12-11T17:00:00-07:00", ""},
		{"PtEmAteTresDiasUteis", "Por favor, envie a nota fiscal em até 3 dias úteis, obrigado.", wed, "", "2025-12-08T17:00:00-07:00", ""},
		{"ItEntroDieciGiorni", "Per favore, inviate la fattura quietanzata entro 10 giorni, grazie mille.", wed, "", "2025-12-13T17:00:00-07:00", ""},
		{"NlBinnenDrieWerkdagen", "Kunt u het formulier binnen drie werkdagen terugsturen? Alvast bedankt.", wed, "", "2025-12-08T17:00:00-07:00", ""},
		// A 12-hour clock before its date was read as the day of the
		// month ("9am on 22 December" was the 9th).
		{"ClockOnDayMonth", "Drop-off is at 9am on 22 December, please be on time.", wed, "", "", "2025-12-22T09:00:00-07:00"},
		{"ClockOnMonthDay", "Drop-off is at 9am on December 22, please be on time.", wed, "", "", "2025-12-22T09:00:00-07:00"},
		// A span counted back from an event: the deadline is before the
		// event, whose date is given after the span or elsewhere.
		{"DayBeforeTheMeetingOnThe17th", "Please sign the declaration the day before the board meeting on the 17th.", wed, "", "2025-12-16T17:00:00-07:00", ""},
		{"HoursBeforeEventDatedElsewhere", "Thanks for booking Bramble in with us - drop-off is 8am on Tuesday 16th and collection 10am on Saturday 20th.\n\nOur insurers say we must have seen the vaccination card at least 48 hours before drop-off, or we will have to release the kennel.", wed, "", "2025-12-14T08:00:00-07:00", ""},
		{"FrHeuresAvantLAssemblee", "Le cabinet doit recevoir votre pouvoir signé au plus tard 48 heures avant l'assemblée du jeudi 11 décembre à 18h30.", wed, "", "2025-12-09T18:30:00-07:00", ""},
		{"NlWerkdagenVoorDeOplevering", "De meerwerkopdracht moet ik uiterlijk drie werkdagen voor de oplevering op maandag 15 december getekend terug hebben.", wed, "", "2025-12-10T17:00:00-07:00", ""},
		{"ListAWeekBeforeTheRelease", "Dates for this cycle:\n  * release: Tuesday 16 December\n\n@Ines - could you get the translations merged a week before the release?", wed, "", "2025-12-09T17:00:00-07:00", ""},
		// Forward from an event: "within seven days of his visit" (asked
		// in the past, still running), "you have 14 days from the date …".
		{"WithinDaysOfHisVisit", "When our assessor visited on Monday 1 December he asked for the invoice to be sent within seven days of his visit.", wed, "", "2025-12-08T17:00:00-07:00", ""},
		{"YouHaveDaysFromTheDate", "You have 14 days from the date the proposal was made (1 December 2025) to accept it.", wed, "", "2025-12-15T17:00:00-07:00", ""},
		{"FrPayableQuinzeJoursDateDeFacture", "La facture est datée du 2 décembre et elle est payable à 15 jours date de facture.", wed, "", "2025-12-17T17:00:00-07:00", ""},
		// The event named in the sentence before its date, or as "the due
		// date"; clear days ("jours francs") do not count the event's.
		{"PtDiasAntesDaPartida", "Já temos o seu nome na lista para o passeio no sábado, dia 20 de dezembro. Partida às 7h30 do largo.\n\nO pagamento tem de ser feito até 10 dias antes da partida.", wed, "", "2025-12-10T17:00:00-07:00", ""},
		{"AWeekBeforeTheDueDate", "The estimate is due Friday, December 19.\n\nPlease upload the statements at least one week before the due date.", wed, "", "2025-12-12T17:00:00-07:00", ""},
		{"FrJoursFrancsAvant", "Le formulaire doit être reçu au plus tard trois jours francs avant la réunion du mardi 16 décembre.", wed, "", "2025-12-12T17:00:00-07:00", ""},
		// "Stasera" after the clock is its day, whatever "domani" follows;
		// "de mañana" after a clock is tomorrow's ("de la mañana" the
		// morning); a day restated in brackets in the other languages;
		// a weekday and the date that names it; a year is no deadline.
		{"ItEntroLe21DiStasera", "il sistema vuole le matricole di tutti i partecipanti entro le 21 di stasera, altrimenti la prenotazione salta e domani sono tutte piene.", wed, "", "2025-12-03T21:00:00-07:00", ""},
		{"EsAntesDeLas13DeManana", "Necesito que me confirmes antes de las 13:00 de mañana (jueves), porque a esa hora tengo que mandar el menú definitivo.", wed, "", "2025-12-04T13:00:00-07:00", ""},
		{"PtAmanhaSextaEntreParenteses", "O prazo deles é amanhã (quinta) ao meio-dia. Se não estiver assinado até lá, a bolsa fica suspensa.", wed, "", "2025-12-04T12:00:00-07:00", ""},
		{"PtQuartaFeiraDia17", "Agradecíamos uma resposta até quarta-feira, dia 17 de dezembro, para podermos fechar a distribuição dos alunos.", wed, "", "2025-12-17T17:00:00-07:00", ""},
		{"PtAnoNaoEPrazo", "A administração reúne amanhã às 11h para aprovar os fornecedores para 2025. Só consigo levar a proposta se me chegar assinada até amanhã às 10h.", wed, "", "2025-12-04T10:00:00-07:00", ""},
		// IST in business mail is India's (+05:30), not Israel's.
		{"ISTIsIndia", "Could you approve the payment batch before 6pm IST today?", wed, "", "2025-12-03T05:30:00-07:00", ""},
		// The end of a window of hours is no deadline, and "jusqu'à 24 h
		// avant" is no count from now.
		{"NlOnderhoudVanTot", "Op zaterdag 6 december van 22:00 tot zondag 7 december 02:00 voert ICT gepland onderhoud uit aan HiX. U hoeft zelf niets te doen.", wed, "", "", "2025-12-06T00:00:00-07:00"},
		{"FrJusquA24hAvant", "L'annulation est possible depuis l'intranet jusqu'à 24 h avant le début de la réunion du mardi 9 décembre à 10:00.", wed, "", "", "2025-12-09T10:00:00-07:00"},
		// Told, not asked: a free cancellation window, and the past.
		{"ItCancellazioneGratuitaNoDeadline", "La visita guidata è sabato 13 dicembre alle 10:15. La cancellazione è gratuita fino a 48 ore prima della visita.", wed, "", "", "2025-12-13T10:15:00-07:00"},
		// Codes of classes and rooms are no dates ("of 11M1 on" was 11
		// minutes past, "The Y11" a November).
		{"SchoolCodesAreNoDates", "The Y11 data drop locks at 9am tomorrow (Thursday), so I need the rest of 11M1 on SIMS before 9.", wed, "", "2025-12-04T09:00:00-07:00", ""},
		{"SchoolCodesBeforeTodayClock", "Rach can you cover 10Y2 P4 today (11:50, S14)? Mr Dale off sick.", wed, "", "2025-12-03T11:50:00-07:00", ""},
		// A conjunction the parser kept after the hour.
		{"TomorrowAtTenAndAfter", "She is doing the swaps at the staffing meeting tomorrow at 10 and after that the rota is locked. So I need your answer before then!!", wed, "", "2025-12-04T10:00:00-07:00", ""},
		{"AoEClockTonight", "Camera-ready is due 23:59 AoE tonight, please upload it.", wed, "", "2025-12-04T04:59:00-07:00", ""},
		{"UTCClockTonight", "Please send it by 23:00 UTC tonight.", wed, "", "2025-12-03T16:00:00-07:00", ""},
		{"EsYaNoSonParaManana", "Buenas noticias: los planos ya no son para mañana, pasan al martes 9.", wed, "", "2025-12-09T17:00:00-07:00", ""},
		{"DateCommaClockUTC", "Please complete your profile before 15 Dec 2025, 23:59 UTC so the airline can receive your data.", wed, "", "2025-12-15T16:59:00-07:00", ""},
		{"PtVencimentoNoAssunto", "Está disponível o boleto da taxa condominial de dezembro da unidade 72, com vencimento 15/12/2025. Após o vencimento incidem multa de 2% e juros de 1% ao mês.", wed, "", "2025-12-15T17:00:00-07:00", ""},
		{"BackByLunchIsTheSendersReturn", "Got them, thanks Joel - all sorted. Back by lunch.", wed, "", "", ""},
		{"EsSoloFaltaTuRenglonCierraHoy", "Ya firmaron los otros diez jugadores, solo aparece vacío tu renglón. La plataforma se cierra hoy a las 18:00 y después no se aceptan altas.", wed, "", "2025-12-03T18:00:00-07:00", ""},
		{"ItAlle13DeveAndareVia", "Andrea il fotografo è già in negozio. Me la mandi? Alle 13 deve andare via, e se non facciamo almeno la linea Sabbia oggi il catalogo slitta a gennaio.", wed, "", "2025-12-03T13:00:00-07:00", ""},
		{"FrAperoAPartirDe18h30", "Comme chaque année on organise un petit apéro dans la cour, jeudi 4 décembre\nà partir de 18h30. Vous me dites si vous venez ? Que je sache combien de gobelets prévoir.", wed, "", "2025-12-04T18:30:00-07:00", ""},
		{"NlVoorVierUurIsTheAfternoon", "Kevin is ziek, dus de training van vanavond heeft geen trainer. Kun je me voor 4 uur laten weten of je kan?", wed, "", "2025-12-03T16:00:00-07:00", ""},
		{"DeBisSechzehnUhrDieTermineFuerMorgen", "Kannst du bis 16 Uhr die Termine für morgen vormittag abtelefonieren und verschieben?", wed, "", "2025-12-03T16:00:00-07:00", ""},
		{"EsHoyAntesDeLasCatorceManana", "Si no está pagado hoy antes de las 14:00 mañana Lucía y Pablo se quedan sin comer allí. Porfa haz la transferencia y mándale el justificante.", wed, "", "2025-12-03T14:00:00-07:00", ""},
		{"PtAteEssaHoraPointsBack", "Os serviços académicos fecham o processo de estágios amanhã ao meio-dia. O seu protocolo ainda não tem a sua assinatura – assine e entregue-o na secretaria até essa hora, senão o estágio só arranca em março.", wed, "", "2025-12-04T12:00:00-07:00", ""},
		{"FrIlMeFautLeChiffrageCeSoir", "Le client de Lyon vient d'avancer sa visite à demain 9h. Il me faut le chiffrage révisé pour l'escalier ce soir, sinon je n'aurai rien à lui montrer.", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"EsHoyAntesDeLas7DeLaTarde", "Tengo a otros tres esperando hueco, así que necesito que me digas hoy antes de las 7 de la tarde si lo quieres y cuántos kilos vas a traer.", wed, "", "2025-12-03T19:00:00-07:00", ""},
		{"DeBisHeuteKeinenIsSoFar", "Für Ihre Abrechnung Strom und Wasser konnten wir bis heute keinen Zahlungseingang feststellen. Bitte überweisen Sie den Betrag bis zum 15.12.2025 auf unser Konto.", wed, "", "2025-12-15T17:00:00-07:00", ""},
		{"NlVoorMetAccentenVijfUur", "Ik sta hier alleen in de winkel. Kun jij vóór vijf uur een accu bij de groothandel ophalen?", wed, "", "2025-12-03T17:00:00-07:00", ""},
		{"ByDirectDebitIsTheMeans", "We tried to collect your renewal premium by Direct Debit on 1 December 2025, but your bank returned the payment.", wed, "", "", ""},
		{"DashThenImperativeByThen", "The office closes the internship process tomorrow at noon. Your agreement still lacks your signature - sign it and hand it in at the office by then, or the internship only starts in March.", wed, "", "2025-12-04T12:00:00-07:00", ""},
		{"ConjunctionStartsTheDatesClause", "The Anchor have finally sent the Christmas menu over for the 19th and they want final numbers plus a deposit per person by Friday.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"FrTuPeuxIsNoTuesday", "Tu peux m'envoyer le planning complet d'ici jeudi ? Je dois le joindre au dossier pour la mairie.", "2025-12-02T09:00:00-07:00", "", "2025-12-04T17:00:00-07:00", ""},
		{"PtQuintaFeiraUmaVersao", "Podes enviar-me até quinta-feira uma versão com o texto do contrarrótulo em inglês? Quero levá-la à reunião na sexta.", wed, "", "2025-12-04T17:00:00-07:00", ""},
		{"EventTimeBeforeTheAsk", "Looks like the rack got left on the shelf by bay 3 after Friday's job. The keynote in the main hall starts at 2pm and the speaker won't use a handheld. Can you grab the spare rack and drive it over?", wed, "", "2025-12-03T14:00:00-07:00", ""},
		{"ShouldBeDoneByIsAnExpectation", "Found them in the glaze room after all. Kiln's on, firing should be done by tomorrow lunchtime.", wed, "", "", ""},
		{"EsEventVerbBeforeTheAsk", "El camión de reparto sale del almacén a las 18:00 con o sin papeles. ¿Puedes dejar firmados los albaranes en la oficina?", wed, "", "2025-12-03T18:00:00-07:00", ""},
		{"EventHourBesideAnAskForNowIsAFact", "La página de donaciones da error desde el almuerzo y el correo de la campaña sale a las 18:00 para 40 mil personas. ¿Puedes mirarlo ahora? Llámame si necesitas una contraseña.", wed, "", "", ""},
		{"AreYouComingToGetHimIsNoInvitation", "He has been sitting in reception since 9:40. Should I bring him up, or are you coming to get him?", wed, "", "", ""},
		// Twelfth session: the day after tomorrow (read as tomorrow or
		// not at all), minutes the parser cut after the hour, English
		// hours in words, an evening hour in other languages, a farewell over
		// the name with no punctuation.
		{"EsPasadoManana", "Hola Ana, ¿puedes enviarme el presupuesto pasado mañana? Si no, perdemos la reserva.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"EsPasadoMananaALas10", "Hola Ana, ¿puedes pasar por la oficina pasado mañana a las 10? Si no, perdemos la reserva.", wed, "", "2025-12-05T10:00:00-07:00", ""},
		{"ItDopodomani", "Ciao Luca, ti scrivo per il contratto della casa al mare. Mi mandi i documenti entro dopodomani? Altrimenti perdiamo la caparra.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"PtDepoisDeAmanha", "Olá Rui, é sobre o contrato do apartamento. Podes mandar-me a assinatura depois de amanhã? Senão perdemos o sinal.", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"DayAfterTomorrow", "Could you send the signed lease over the day after tomorrow?", wed, "", "2025-12-05T17:00:00-07:00", ""},
		{"DeMorgenUmNeunUhrDreissig", "Hallo Jan, es geht um den Vertrag für die Wohnung. Kannst du morgen um 9:30 vorbeikommen? Sonst verfällt das Angebot.", wed, "", "2025-12-04T09:30:00-07:00", ""},
		{"ItDomaniAlleOttoEUnQuarto", "Ciao Luca, ti scrivo per il papà. Riesci a passare a prenderlo domani alle 8.15? Altrimenti va da solo.", wed, "", "2025-12-04T08:15:00-07:00", ""},
		{"NlMorgenOmKwartOverAcht", "Hoi Sanne, ik schrijf je over de verbouwing. Kun je morgen om 8:15 langskomen? Anders schuift alles op.", wed, "", "2025-12-04T08:15:00-07:00", ""},
		{"TwoOClock", "About the house contract: could you give me a yes or no by two o'clock? Otherwise we lose the deposit.", wed, "", "2025-12-03T14:00:00-07:00", ""},
		{"ThreeOClockDigits", "About the house contract: could you give me a yes or no by 3 o'clock? Otherwise we lose the deposit.", wed, "", "2025-12-03T15:00:00-07:00", ""},
		{"HalfPastFourToday", "Could you send the figures by half past four today? Otherwise we lose the deposit.", wed, "", "2025-12-03T16:30:00-07:00", ""},
		{"EsSieteDeLaTarde", "Hola Ana, te escribo por lo del piso. ¿Puedes pasar hoy antes de las siete de la tarde? Si no, perdemos la reserva.", wed, "", "2025-12-03T19:00:00-07:00", ""},
		{"FrSeptHeuresDuSoir", "Bonjour Marc, pour le contrat de l'appartement, pouvez-vous me répondre avant sept heures du soir ? Sinon on perd l'acompte.", wed, "", "2025-12-03T19:00:00-07:00", ""},
		{"ItSetteDiSera", "Ciao Luca, ti scrivo per il vestito del matrimonio. Puoi rispondermi entro le 7 di sera? Altrimenti lo perdiamo.", wed, "", "2025-12-03T19:00:00-07:00", ""},
		{"PmStaysPm", "Please approve the release by 6pm GMT tomorrow (Friday) for the certification slot.", wed, "", "2025-12-04T11:00:00-07:00", ""},
		{"DeFarewellOverTheName", "Kannst du mir bis übermorgen die Namen aus deinem Team schicken?\n\nBesten Dank und bis morgen an der Teamsitzung\nReto", wed, "", "2025-12-05T17:00:00-07:00", ""},
		// Thirteenth session: an event's clock with its day after the
		// event's name ("the customer's 9:00 ops review tomorrow", "our
		// 2pm call with the client tomorrow") was put on today; an hour
		// after "by" was dropped when a month named a period in the
		// sentence ("the November downtime minutes … by 9").
		{"EventClockThenTomorrow", "Can you send me the numbers before the customer's 9:00 ops review tomorrow? I want to forward them.", wed, "", "2025-12-04T09:00:00-07:00", ""},
		{"EventClockWithWhomThenTomorrow", "Please send the deck before our 2pm call with the client tomorrow.", wed, "", "2025-12-04T14:00:00-07:00", ""},
		{"EventClockOnWeekday", "Can you join the 10:30 standup on Friday? We need your numbers there.", wed, "", "2025-12-05T10:30:00-07:00", ""},
		{"EventAfternoonClockInWorkingHours", "Can you bring the samples before the 2:30 tasting tomorrow?", wed, "", "2025-12-04T14:30:00-07:00", ""},
		{"BareHourBesideMonthAsPeriod", "Can you send me the November downtime minutes and the credit by 8 so I can forward them straight on?", wed, "", "2025-12-04T08:00:00-07:00", ""},
		// Blind-44: an event's end is no deadline; an aside in
		// parentheses keeps its own tense; a clock set apart by a comma
		// from "mañana a primera hora" is a date of its own; being
		// reachable until an hour asks nothing.
		{"EventEndIsNoDeadline", "The workshop is on Friday in room 2. It usually finishes by 1:30, so clinics are not affected.", wed, "", "", ""},
		{"AsideInParenthesesKeepsItsTense", "Hannah, could you let me have your corrections (the bit we argued about on Tuesday) by Thursday? I print on Friday.", wed, "", "2025-12-04T17:00:00-07:00", ""},
		{"EsClockTodayBesideTomorrowMorning", "Como me dijiste que estabas fuera hasta el domingo, déjame la llave en mi buzón antes de las 22:00 de hoy, que mañana a primera hora no voy a estar para ir a buscarla.", "2025-12-03T17:48:00-07:00", "", "2025-12-03T22:00:00-07:00", ""},
		{"NlReachableUntilIsNoDeadline", "Wilt u daar gebruik van maken, laat het mij dan vóór 20:00 uur vanavond weten.\n\nSanne de Vries\nLocatiemanager\n030 271 44 90 (bereikbaar tot 18:30)", wed, "", "2025-12-03T20:00:00-07:00", ""},
		// Blind-45: ISO 8601 dates with a time and a zone, as systems
		// write them (the parser read nothing, or the date and a second
		// "09:00 UTC" today); "12:00 noon ET tomorrow".
		{"WithoutPowerUntilIsNoDeadline", "Facilities confirmed the work is tomorrow from 07:00; the whole wing is without power until about 14:00.", wed, "", "", ""},
		{"ISODateTimeWithZone", "Please renew the certificate by 2025-12-04 09:00 UTC.", wed, "", "2025-12-04T02:00:00-07:00", ""},
		{"ISOFieldPointedAt", "Renew and deploy the certificate before it expires, otherwise partners' handshakes fail.\n\n  Common name : api.example.com\n  Not after   : 2025-12-04 09:00 UTC\n  Days left   : 1", wed, "", "2025-12-04T02:00:00-07:00", ""},
		{"ISODateTimeT", "Approve the change by 2025-12-04T15:30:00Z please.", wed, "", "2025-12-04T08:30:00-07:00", ""},
		{"ClockRestatedAsNoonBeforeDay", "Please approve the payroll run by 12:00 noon ET tomorrow, so that deposits arrive on time.", wed, "", "2025-12-04T10:00:00-07:00", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sent, err := time.Parse(time.RFC3339, tc.sent)
			if err != nil {
				t.Fatal(err)
			}
			var opts []extract.Option
			if tc.zone != "" {
				loc, err := time.LoadLocation(tc.zone)
				if err != nil {
					t.Fatal(err)
				}
				opts = append(opts, extract.WithLocation(loc))
			}
			e := extract.New(append(opts, extract.WithNow(func() time.Time { return sent.Add(time.Hour) }))...)
			d, err := e.Extract(context.Background(), &doctales.Communication{
				ID: "t", Type: doctales.TypeEmail, Timestamp: sent,
				Sender: "Ann Lee", SenderID: "ann@example.com", Content: tc.text,
			})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if d.Deadline != nil {
				got = d.Deadline.Format(time.RFC3339)
			}
			if got != tc.deadline {
				t.Errorf("deadline = %q, want %q (language %s %.2f; dates %+v)", got, tc.deadline, d.Language, d.LanguageScore, d.Dates)
			}
			if tc.date != "" {
				if len(d.Dates) == 0 {
					t.Fatalf("no dates, want %s", tc.date)
				}
				if got := d.Dates[0].Time.Format(time.RFC3339); got != tc.date {
					t.Errorf("date = %s, want %s (%+v)", got, tc.date, d.Dates[0])
				}
			}
		})
	}
}
