package extract_test

import (
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// TestDeadlines_NineteenthSession holds the readings added for the misses
// of blind rounds 86 to 99 (the cases are written anew, not the blind
// files): invitations in words and in an agenda's layout, "by the
// weekend" in four languages, and ranges of days, whose end is the
// deadline.
func TestDeadlines_NineteenthSession(t *testing.T) {
	utc := time.UTC
	cet := time.FixedZone("+0100", 3600)
	brt := time.FixedZone("-0300", -3*3600)
	checkDeadlineCases(t, []deadlineCase{
		// Invitations: the deadline is the meeting's start.
		{"FrCouldWeHaveAVideoCall", "plan de salle",
			"Coucou Inès,\n\nEst-ce qu'on pourrait faire un point visio jeudi à 19h pour le plan de salle ? Je t'envoie le lien demain.\n\nBises,\nMaud",
			time.Date(2027, 1, 11, 21, 0, 0, 0, cet), time.Date(2027, 1, 14, 19, 0, 0, 0, cet)},
		{"ItWritingToInviteYou", "Riunione dei capigruppo",
			"Caro Luca,\n\nti scrivo per invitarti alla riunione dei capigruppo di martedì 12 gennaio alle 21:00, in oratorio.\n\nUn saluto,\nMarta",
			time.Date(2027, 1, 8, 10, 0, 0, 0, cet), time.Date(2027, 1, 12, 21, 0, 0, 0, cet)},
		{"FrTellMeIfYouAreComing", "Réunion des bénévoles",
			"Bonjour à tous,\n\nComme prévu, une réunion des bénévoles aura lieu :\nmardi 12 janvier à 18h30, salle des fêtes.\nMerci de me dire si vous venez.\n\nClaire",
			time.Date(2027, 1, 8, 10, 0, 0, 0, cet), time.Date(2027, 1, 12, 18, 30, 0, 0, cet)},
		{"EnAgendaUnderTheTime", "Rota planning - Tue 12 Jan, 3pm, Room 4",
			"Hi all,\n\nBefore the spring rota goes out I want us all in one room for an hour:\n\n  Tuesday 12 January, 15:00-16:00\n  Room 4, first floor\n\nAgenda\n1. Weekend cover\n2. Leave requests\n3. AOB\n\nThanks,\nGrace",
			time.Date(2027, 1, 8, 10, 0, 0, 0, utc), time.Date(2027, 1, 12, 15, 0, 0, 0, utc)},
		{"PtAgendaWithoutTheSubject", "Encontro da equipa de voluntários",
			"Olá a todos!\n\nQuero juntar a equipa para organizarmos o semestre:\n📅 Terça-feira, 12 de janeiro, às 19h30\n📍 Sala da paróquia\nPauta:\n1. Escalas\n2. Doações de janeiro\n\nAbraços,\nRita",
			time.Date(2027, 1, 8, 18, 0, 0, 0, brt), time.Date(2027, 1, 12, 19, 30, 0, 0, brt)},
		// "By the weekend": the Friday of the week, at the end of the day.
		{"EnByTheWeekend", "hamper quote",
			"Hi Tom,\n\nCould you send me a quote for twenty hampers by the weekend? We deliver on Monday the 21st.\n\nThanks,\nAnna",
			time.Date(2026, 12, 8, 9, 0, 0, 0, utc), time.Date(2026, 12, 11, 17, 0, 0, 0, utc)},
		{"ItByTheWeekend", "ordine farina",
			"Buongiorno Paola,\n\nse mi confermi l'ordine entro fine settimana ti tengo il prezzo di dicembre.\n\nCordiali saluti,\nGiorgio",
			time.Date(2026, 12, 8, 9, 0, 0, 0, cet), time.Date(2026, 12, 11, 17, 0, 0, 0, cet)},
		{"EsEndOfNextWeek", "informe",
			"Hola Marta:\n\n¿Me puedes mandar el informe a finales de la semana que viene?\n\nGracias,\nJuan",
			time.Date(2026, 12, 8, 9, 0, 0, 0, cet), time.Date(2026, 12, 18, 17, 0, 0, 0, cet)},
		// Ranges: the end of the range.
		{"EnBetweenTwoWeekdays", "revised quote",
			"Hi Sam,\n\nCould you send the revised quote between Tuesday and Thursday? The fitter is here on Friday.\n\nThanks,\nLiz",
			time.Date(2026, 12, 11, 16, 0, 0, 0, utc), time.Date(2026, 12, 17, 17, 0, 0, 0, utc)},
		{"DeBetweenTwoDaysWithARoom", "Notenlisten",
			"Liebe Frau Berg,\n\ndamit ich die Unterlagen verschicken kann, geben Sie die Listen bitte zwischen dem 12. und 14. Januar bei mir im Sekretariat (Raum C 3.12) ab.\n\nVielen Dank\nAnja Roth",
			time.Date(2027, 1, 8, 10, 0, 0, 0, cet), time.Date(2027, 1, 14, 17, 0, 0, 0, cet)},
	})
}

// TestDeadlines_SystemSaysNoAction: a system that says nothing is wanted
// of the reader sets no deadline with its "by" and "until" (blind-95,
// 3983; blind-99, 4376; blind-98, 4315); one that says so only under a
// condition still asks by its date (blind-77, 3681).
func TestDeadlines_SystemSaysNoAction(t *testing.T) {
	cet := time.FixedZone("+0100", 3600)
	cases := []struct {
		name, subject, text string
		want                *time.Time
	}{
		{"FrSentByPost", "Confirmation de paiement",
			"Bonjour,\n\nNous confirmons la réception de votre paiement. Votre carte vous sera envoyée par la poste d'ici le 20 janvier 2027.\n\nAucune action n'est requise de votre part.\n\nCe courriel est généré automatiquement.", nil},
		{"PtCertificateRenewed", "Certificado renovado",
			"Olá,\n\nO certificado do seu domínio foi renovado com sucesso. O certificado anterior expira em 2027-01-20.\n\nNão é necessária qualquer ação.\n\nMensagem automática.", nil},
		{"EnMaintenanceWindow", "Planned maintenance",
			"This is a notification of planned maintenance.\n\nWhen: Saturday 16 January 2027, 20:00 - 23:00\nAction required: none. Everything will be back before Monday morning.\n\nThis is an automated message.", nil},
		{"EnConditionalNothingToDo", "Your gallery expires soon",
			"Hi,\n\nYour gallery is set to expire on January 20, 2027. To keep it open, extend the expiry date in your dashboard before January 20.\nIf you'd like it to expire, you don't need to do anything.\n\nThe Pixel team",
			ptrTime(time.Date(2027, 1, 20, 17, 0, 0, 0, cet))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := email(tc.subject, tc.text)
			c.Sender, c.SenderID = "Notifications", "noreply@notify.example"
			c.Timestamp = time.Date(2027, 1, 11, 9, 0, 0, 0, cet)
			d := extractAt(t, c, c.Timestamp.Add(30*time.Minute), false)
			if d.Category != doctales.CategoryAutomated {
				t.Fatalf("category = %q, want automated (the case needs a system's mail)", d.Category)
			}
			switch {
			case tc.want == nil && d.Deadline != nil:
				t.Errorf("deadline = %v, want none (dates %+v)", d.Deadline, d.Dates)
			case tc.want != nil && (d.Deadline == nil || !d.Deadline.Equal(*tc.want)):
				t.Errorf("deadline = %v, want %v (dates %+v)", d.Deadline, *tc.want, d.Dates)
			}
		})
	}
}
