package extract_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
)

// tuesday is the reference timestamp of the tests: Tuesday 10 June 2025, 09:30 UTC.
var tuesday = time.Date(2025, 6, 10, 9, 30, 0, 0, time.UTC)

// MustExtract runs a fresh engine on c and fails the test on error.
func MustExtract(tb testing.TB, c *doctales.Communication) *doctales.Dimensions {
	tb.Helper()
	e := extract.New(extract.WithNow(func() time.Time { return tuesday.Add(time.Hour) }))
	d, err := e.Extract(context.Background(), c)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func email(subject, content string) *doctales.Communication {
	return &doctales.Communication{
		ID: "t", Type: doctales.TypeEmail, Timestamp: tuesday,
		Subject: subject, Sender: "Ann Lee", SenderID: "ann@example.com",
		Content: content,
	}
}

func TestEngine_Extract(t *testing.T) {
	t.Run("WireTransfer", func(t *testing.T) {
		d := MustExtract(t, email("Wire transfer", "URGENT: please approve the wire before 5pm today."))
		if d.Urgency != doctales.UrgencyHigh {
			t.Errorf("urgency = %q (%v), want high", d.Urgency, d.UrgencyReasons)
		}
		if !d.RequiresAction {
			t.Error("requiresAction = false, want true")
		}
		want := time.Date(2025, 6, 10, 17, 0, 0, 0, time.UTC)
		if d.Deadline == nil || !d.Deadline.Equal(want) {
			t.Errorf("deadline = %v, want %v", d.Deadline, want)
		}
		if d.UrgencyScore < 0.7 {
			t.Errorf("urgencyScore = %v, want >= 0.7", d.UrgencyScore)
		}
	})
	t.Run("Photos", func(t *testing.T) {
		d := MustExtract(t, email("Weekend", "Hi, just sharing the photos from the weekend. Have a nice week."))
		if d.Urgency != doctales.UrgencyLow {
			t.Errorf("urgency = %q (%v), want low", d.Urgency, d.UrgencyReasons)
		}
		if d.RequiresAction {
			t.Errorf("requiresAction = true (%v), want false", d.ActionReasons)
		}
		if d.Deadline != nil {
			t.Errorf("deadline = %v, want none", d.Deadline)
		}
		if d.Sentiment != extract.SentimentPositive {
			t.Errorf("sentiment = %q, want POSITIVE", d.Sentiment)
		}
	})
	t.Run("ErrNil", func(t *testing.T) {
		_, err := extract.New().Extract(context.Background(), nil)
		if doctales.ErrorCode(err) != doctales.EINVALID {
			t.Fatalf("err = %v, want EINVALID", err)
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := extract.New().Extract(ctx, email("x", "y")); err == nil {
			t.Fatal("want an error from a cancelled context")
		}
	})
	t.Run("ZeroValue", func(t *testing.T) {
		var e extract.Engine
		d, err := e.Extract(context.Background(), email("Lunch", "Can you join us for lunch on Friday?"))
		if err != nil {
			t.Fatal(err)
		}
		if !d.RequiresAction {
			t.Error("requiresAction = false, want true")
		}
	})
}

func TestEngine_Extract_Urgency(t *testing.T) {
	for _, tt := range []struct {
		name, subject, content string
		fields                 map[string]any
		want                   string
		action                 bool
	}{
		{"DeadlineTomorrow", "Report", "Please send me the report by tomorrow.", nil, "high", true},
		{"EOD", "Contract", "I need the signed contract by EOD.", nil, "high", true},
		{"FridayIsThreeDays", "Slides", "Could you review the slides by Friday?", nil, "medium", true},
		{"UndatedRequest", "Question", "Could you send me the latest figures?", nil, "medium", true},
		{"DeadlineFarAway", "Plan", "Please submit the plan by August 30, 2025.", nil, "low", true},
		{"Newsletter", "News", "Our June newsletter is out. Read about our new office in Berlin.", nil, "low", false},
		{"PriorityHeaderAlone", "AMAZING OFFER", "Make money fast with our amazing offer.", map[string]any{"X-Priority": "1 (Highest)"}, "low", false},
		{"UrgentNoRequest", "Outage", "Urgent: the server is down since 8am.", nil, "medium", false},
		{"FYI", "FYI", "FYI, the meeting notes are attached. No action required.", nil, "low", false},
		{"ReplySubjectQuestionIgnored", "Re: lunch tomorrow?", "Yes! See you at 12:30 :)", nil, "low", false},
		{"ReplySubjectUrgentIgnored", "Re: URGENT: server down", "Fixed last week, nothing to do. I'll look at the logs next week.", nil, "low", false},
		{"SuggestionDoesNotOutweighNothingToDecide", "thoughts on the store", "Maybe the garden section isn't worth the floor space next year.\n\nNothing to decide now, let's talk over the holidays.", nil, "low", false},
		{"AutomatedFailureIsMedium", "web | Pipeline #20931 has failed for main", "Pipeline #20931 has failed. Job test:unit failed in 2m 10s.", map[string]any{"autoSubmitted": "auto-generated"}, "medium", false},
		{"AutomatedResolvedIsLow", "[RESOLVED] CheckoutHighErrorRate (checkout-api critical)", "The alert is resolved. Urgent: the error rate was critical for 12 minutes.", map[string]any{"autoSubmitted": "auto-generated"}, "low", false},
		{"SendersOwnHurry", "Property search", "Fill in the form below. Once we receive your requirements we will immediately begin looking for properties for you.", nil, "medium", true},
		{"AdvertisersNow", "New version", "Download it right now (no charge card needed), click here.", nil, "low", false},
		{"CallMeRightNow", "badge", "Sofia, my badge stopped working. Can you call me right now or remote-unlock it?", nil, "high", true},
		{"QuotedRequestIgnored", "Re: lunch", "Sounds good, thanks.\n\nOn Mon, Jun 9, 2025 at 3:00 PM Bob <bob@x.com> wrote:\n> Can you book the table by noon tomorrow?", nil, "low", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := email(tt.subject, tt.content)
			c.Fields = tt.fields
			d := MustExtract(t, c)
			if d.Urgency != tt.want {
				t.Errorf("urgency = %q %v, want %q", d.Urgency, d.UrgencyReasons, tt.want)
			}
			if d.RequiresAction != tt.action {
				t.Errorf("requiresAction = %v %v, want %v", d.RequiresAction, d.ActionReasons, tt.action)
			}
		})
	}
}

// TestEngine_ForeignRequests: asks that other languages write without a
// "please" or a modal are requests (blind-45: an Italian "mi mandi … entro
// venerdì 4?" read five days later was low, as if it asked nothing).
func TestEngine_ForeignRequests(t *testing.T) {
	for _, text := range []string{
		"Ciao Simone, ok per il formato. Allora mi mandi il consuntivo vendite per area con il confronto sul 2025 entro venerdì 4? Lo devo consolidare prima del comitato budget.",
		"Bom dia a todos, peço que cada um registe as suas horas durante a próxima semana.",
		"Hola a todos, os pido que reviséis el inventario antes del viernes.",
		"Bonjour à tous, je vous demande de compléter le tableau d'ici jeudi.",
	} {
		d := MustExtract(t, email("Budget", text))
		if !d.RequiresAction {
			t.Errorf("%q: requiresAction false (score %.2f), want true", text, d.ActionScore)
		}
	}
}

// TestEngine_AskedSomeoneElse: a request addressed by name to someone
// else, with the reader told by name that nothing is needed of them, is
// not the reader's (blind-46, 2233, was high for the Cc'd reader); for
// the one asked it stays high, and without the reader's names the engine
// cannot tell and keeps the ask. The same in another language, whose ask
// sets no English request cue and whose "tú no tienes que hacer nada"
// holds a request phrase ("tienes que") that asks nothing (blind-47,
// 2292).
func TestEngine_AskedSomeoneElse(t *testing.T) {
	english := email("RE: Vendor onboarding - Keystone", "@Marta can you send Keystone's W-9 and the signed vendor setup form to AP by EOD today? They won't release the pallet order until then.\n\nKevin - just looping you in since the pallets come out of your budget. Nothing needed from you.\n\nThanks,\nDana")
	spanish := email("RE: Muestras para Almacenes Quirós", "Carlos, ¿puedes enviar las muestras de la colección de primavera por mensajería antes del miércoles 9 a las 12:00? Las quieren para su reunión de compras del jueves.\n\nLucía, te pongo en copia solo para que estés al tanto; tú no tienes que hacer nada.\n\nGracias,\nMarta")
	spanish.Timestamp = time.Date(2026, 12, 7, 9, 30, 0, 0, time.FixedZone("", 3600))
	for _, tt := range []struct {
		c      *doctales.Communication
		now    time.Time
		reader []string
		want   string
	}{
		{english, tuesday.Add(time.Hour), []string{"Kevin Osei", "kevin.osei@example.com"}, doctales.UrgencyLow},
		{english, tuesday.Add(time.Hour), []string{"Marta Ruiz", "marta.ruiz@example.com"}, doctales.UrgencyHigh},
		{english, tuesday.Add(time.Hour), nil, doctales.UrgencyHigh},
		// Tuesday 07:30, the samples due Wednesday noon.
		{spanish, spanish.Timestamp.Add(22 * time.Hour), []string{"Lucía Prieto", "lucia.prieto@example.com"}, doctales.UrgencyLow},
		{spanish, spanish.Timestamp.Add(22 * time.Hour), []string{"Carlos Vidal", "carlos.vidal@example.com"}, doctales.UrgencyHigh},
	} {
		d := extractAt(t, tt.c, tt.now, true, tt.reader...)
		if d.Urgency != tt.want {
			t.Errorf("%q, reader %v: urgency %s %v, want %s", tt.c.Subject, tt.reader, d.Urgency, d.UrgencyReasons, tt.want)
		}
		if tt.want == doctales.UrgencyLow && d.Deadline != nil {
			t.Errorf("%q, reader %v: deadline %v, want none (the ask is someone else's)", tt.c.Subject, tt.reader, d.Deadline)
		}
	}
}

// TestEngine_SystemSaysNothingNeeded: a system's notice that says no
// action is needed has no deadline, whatever times it gives ("Access will
// be active within 2 hours"; blind-46, 2238, was high); and "I still need
// the signed letter back by Wednesday" asks.
func TestEngine_SystemSaysNothingNeeded(t *testing.T) {
	c := email("RITM0048812 approved - Access to Finance-Close", "Hello Rohan,\n\nYour request RITM0048812 has been approved.\n\nAccess will be active within 2 hours. No further action is needed from you.\n\nThis is a system-generated message. Please do not reply.")
	c.SenderID, c.Sender = "servicedesk-noreply@northgate.example", "Northgate IT Service Desk"
	d := MustExtract(t, c)
	if d.Category != doctales.CategoryAutomated || d.Urgency == doctales.UrgencyHigh || d.Deadline != nil {
		t.Errorf("category %s, urgency %s %v, deadline %v: want automated, not high, no deadline", d.Category, d.Urgency, d.UrgencyReasons, d.Deadline)
	}
	d = MustExtract(t, email("Re: engagement letter", "Just following up - I still need the signed engagement letter back by Wednesday so I can hold your slot."))
	if !d.RequiresAction {
		t.Errorf("\"I still need … back by Wednesday\": requiresAction false (score %.2f), want true", d.ActionScore)
	}
}

// wantInvitation checks that subject and text, sent at sent and read an
// hour later, are medium with the meeting's start want as the deadline.
func wantInvitation(t *testing.T, sent time.Time, subject, text string, want time.Time) {
	t.Helper()
	c := email(subject, text)
	c.Timestamp = sent
	d := extractAt(t, c, sent.Add(time.Hour), false)
	if d.Deadline == nil || !d.Deadline.Equal(want) || d.Urgency != doctales.UrgencyMedium {
		t.Errorf("%.50q: deadline %v, urgency %s %v; want %v, medium (an invitation)", text, d.Deadline, d.Urgency, d.UrgencyReasons, want)
	}
}

// TestEngine_InvitedInWords: "Convido-te para a reunião … na quarta-feira,
// 16/12, às 15h" is an invitation whose start is the deadline (blind-47,
// 2302, had none), in each language's words for "I invite you".
func TestEngine_InvitedInWords(t *testing.T) {
	sent := time.Date(2026, 12, 9, 15, 20, 0, 0, time.UTC) // Wednesday
	want := time.Date(2026, 12, 16, 15, 0, 0, 0, time.UTC)
	for _, text := range []string{
		"Olá Rui,\n\nConvido-te para a reunião de planeamento das campanhas de 2027 na quarta-feira, 16/12, às 15h, na sala Atlântico. Confirmas?\n\nInês",
		"Hi Rui,\n\nI'd like to invite you to the 2027 campaign planning meeting on Wednesday 16 December at 3pm in the Atlantic room. Can you make it?\n\nInes",
		"Hola Rui:\n\nTe invito a la reunión de planificación de 2027 el miércoles 16 de diciembre a las 15:00 en la sala Atlántico. ¿Te va bien?\n\nInés",
		"Bonjour Rui,\n\nJe vous invite à la réunion de planification 2027 le mercredi 16 décembre à 15h, salle Atlantique. Pouvez-vous confirmer ?\n\nInès",
		"Hallo Rui,\n\nich möchte dich zur Planungsbesprechung 2027 am Mittwoch, 16. Dezember, um 15 Uhr im Raum Atlantik einladen. Passt dir das?\n\nInês",
		"Ciao Rui,\n\nti invito alla riunione di pianificazione 2027 mercoledì 16 dicembre alle 15:00 nella sala Atlantico. Confermi?\n\nInês",
		"Hoi Rui,\n\nik nodig je graag uit voor het planningsoverleg 2027 op woensdag 16 december om 15:00 in de zaal Atlantic. Kun je?\n\nInês",
	} {
		wantInvitation(t, sent, "Planning 2027", text, want)
	}
}

// TestEngine_CallProposedInWords: "on fait le point mardi à 15h30 en
// visio ?" proposes a meeting as an invitation does, in each language
// (blind-55, 2606, had no deadline).
func TestEngine_CallProposedInWords(t *testing.T) {
	sent := time.Date(2026, 12, 10, 10, 15, 0, 0, time.UTC) // Thursday
	want := time.Date(2026, 12, 15, 15, 30, 0, 0, time.UTC)
	for _, text := range []string{
		"Salut Hélène,\n\nBien reçu la V2, merci ! On fait le point dessus mardi 15 à 15h30 en visio ? Une demi-heure devrait suffire.\n\nKarim",
		"Hola Helena:\n\nRecibida la V2, gracias. ¿Hacemos una videollamada el martes 15 a las 15:30 para revisarla?\n\nKarim",
		"Ciao Elena,\n\nricevuta la V2, grazie! Facciamo il punto martedì 15 alle 15:30 in videochiamata?\n\nKarim",
		"Hallo Helene,\n\ndanke für die V2! Machen wir einen Call am Dienstag, 15.12., um 15:30 Uhr?\n\nKarim",
	} {
		wantInvitation(t, sent, "Re: Maquette", text, want)
	}
}

// TestEngine_InvitedWarmly: a friend's "would be great if you could make
// it", a cousin's "ce serait super que tu viennes", a teacher's "Le
// propongo giovedì 17 alle 16:30" and a company's "Invitation – …" subject
// invite as plainly as "I invite you to" (blind-57, 2682, 2695, 2706;
// blind-56, 2654): medium, the start the deadline.
func TestEngine_InvitedWarmly(t *testing.T) {
	sent := time.Date(2026, 12, 14, 12, 0, 0, 0, time.UTC) // Monday
	for _, tc := range []struct{ subject, text, want string }{
		{"Dinner Saturday for my 40th?", "Ewan,\n\nI've finally admitted I'm turning 40. A few of us are having dinner at The Lantern this Saturday (19 Dec) at 7:30pm. Would be great if you could make it - no presents, just turn up.\n\nCallum", "2026-12-19T19:30:00Z"},
		{"Baptême de Maël", "Coucou Julien,\n\nLe baptême de Maël est ce dimanche 20 décembre, et on fait un déjeuner à la maison juste après, à 12h30. Ce serait super que tu viennes avec Sarah et les enfants.\n\nBises,\nAurélie", "2026-12-20T12:30:00Z"},
		{"Re: Colloquio per Sofia", "Gentile signor Russo,\n\ncerto, ne parliamo volentieri. Le propongo giovedì 17 alle 16:30 in aula 3, al piano terra.\n\nCordiali saluti,\nPaola Ferri", "2026-12-17T16:30:00Z"},
		{"Pre-audit walk-through", "Hi Holly,\n\nThe auditor is with us next week, so I'd like to do a walk-through of housekeeping and the back corridors together on Thursday at 16:30, starting from the linen room.\n\nLet me know if that time doesn't work for you.\n\nDaniel", "2026-12-17T16:30:00Z"},
		{"Re: the Q1 plan", "Hi Sam,\n\nThanks for the draft. How about Thursday at 4:30 in room 3 to go through it?\n\nAnna", "2026-12-17T16:30:00Z"},
		{"Invitation – Réunion plénière de fin d’année, jeudi 17 décembre à 11h", "Bonjour Julien,\n\nLa direction générale vous invite à la réunion plénière de fin d’année :\n\n  jeudi 17 décembre 2026, de 11h à 12h30\n  Auditorium du 1er étage\n\nMerci de confirmer votre présence en répondant à ce message.", "2026-12-17T11:00:00Z"},
	} {
		want, err := time.Parse(time.RFC3339, tc.want)
		if err != nil {
			t.Fatal(err)
		}
		wantInvitation(t, sent, tc.subject, tc.text, want)
	}
}

// TestEngine_OneTimeCode: a one-time code's "expires in 10 minutes",
// read a minute after it came, is no task of the reader's, who asked for
// it (blind-61, 2842, was high and pushed).
func TestEngine_OneTimeCode(t *testing.T) {
	sent := time.Date(2026, 12, 15, 9, 41, 7, 0, time.UTC)
	for _, tc := range []struct{ subject, text string }{
		{"Your code is 482913", "Your Harbour Bank verification code is 482913. It expires in 10 minutes. We will never ask you for this code."},
		{"Código de verificación", "Tu código de verificación es 771204. Caduca en 5 minutos. No lo compartas con nadie."},
		{"Ihr Bestätigungscode", "Ihr Bestätigungscode lautet 553920. Er ist 10 Minuten gültig."},
	} {
		c := email(tc.subject, tc.text)
		c.SenderID, c.Sender = "no-reply@harbourbank.example", "Harbour Bank"
		c.Fields = map[string]any{"autoSubmitted": "auto-generated"}
		c.Timestamp = sent
		d := extractAt(t, c, sent.Add(time.Minute), false)
		if d.Deadline != nil || d.Urgency == doctales.UrgencyHigh {
			t.Errorf("%q: deadline %v, urgency %s %v; want no deadline, not high (a one-time code)", tc.text, d.Deadline, d.Urgency, d.UrgencyReasons)
		}
	}
}

// TestEngine_EventHourInNextSentence: slides wanted "ahead of Thursday's
// board meeting? It starts at 9:30am" are wanted by 9:30 on Thursday
// (blind-47, 2277, was 17:00), and the 9:30 is Thursday's, not the
// message's day.
func TestEngine_EventHourInNextSentence(t *testing.T) {
	pst := time.FixedZone("PST", -8*3600)
	sent := time.Date(2026, 12, 7, 16, 40, 0, 0, pst) // Monday
	c := email("Churn slides for the board", "Hey Omar,\n\nCan you put together the churn cohort slides ahead of Thursday's board meeting? It starts at 9:30am and I'd like them in the deck before we walk in.\n\nThanks!\nLeah")
	c.Timestamp = sent
	d := extractAt(t, c, sent.Add(time.Hour), false)
	want := time.Date(2026, 12, 10, 9, 30, 0, 0, pst)
	if d.Deadline == nil || !d.Deadline.Equal(want) {
		t.Errorf("deadline %v, want %v; dates %+v", d.Deadline, want, d.Dates)
	}
	for _, m := range d.Dates {
		if strings.HasPrefix(m.Text, "9:30") && !m.Time.Equal(want) {
			t.Errorf("the 9:30 is read as %v, want Thursday's %v", m.Time, want)
		}
	}
}

// TestEngine_CopiedForInformation: an urgent ask addressed to someone by
// a greeting on its own line ("Raj -", "Herr Yilmaz,"), with the reader
// named as copied for information ("Ellen cc'd for info only", "Frau
// Reuter in Kopie zur Info"), is not the reader's (blind-48, 2327 and
// 2340, were high); for the one asked it stays high.
func TestEngine_CopiedForInformation(t *testing.T) {
	for _, tt := range []struct {
		name, subject, text string
		sent                time.Time
		copied, asked       []string
	}{
		{"English", "fire door certificate - TODAY",
			"Raj -\n\nI need the fire door certificate for Block C TODAY. The council inspector is on site at 3 and without it she can fail the whole building.\n\nEllen cc'd for info only, she's signing off the lease renewals so she needs to know if this goes wrong.\n\nAlan",
			time.Date(2026, 12, 16, 11, 5, 0, 0, time.UTC), []string{"Ellen Moss", "ellen.moss@example.com"}, []string{"Raj Patel", "raj.patel@example.com"}},
		{"German", "Gerüstabnahme Schulstraße – HEUTE",
			"Herr Yilmaz,\n\ndas Gerüst an der Schulstraße muss HEUTE bis 15 Uhr abgenommen sein, sonst dürfen die Dachdecker morgen nicht rauf. Bitte kümmern Sie sich persönlich darum und schicken Sie mir das Protokoll.\n\nFrau Reuter in Kopie zur Info für die Rechnung.\n\nB. Kowalski",
			time.Date(2026, 12, 15, 8, 20, 0, 0, time.FixedZone("", 3600)), []string{"Sabine Reuter", "s.reuter@example.com"}, []string{"Emre Yilmaz", "e.yilmaz@example.com"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := email(tt.subject, tt.text)
			c.Timestamp = tt.sent
			d := extractAt(t, c, tt.sent.Add(30*time.Minute), false, tt.copied...)
			if d.Urgency != doctales.UrgencyLow || d.Deadline != nil {
				t.Errorf("copied reader: urgency %s %v, deadline %v; want low, none", d.Urgency, d.UrgencyReasons, d.Deadline)
			}
			d = extractAt(t, c, tt.sent.Add(30*time.Minute), false, tt.asked...)
			if d.Urgency != doctales.UrgencyHigh {
				t.Errorf("asked reader: urgency %s %v; want high", d.Urgency, d.UrgencyReasons)
			}
		})
	}
}

// TestEngine_MeetingCalledInWords: "il faut qu'on se voie tous lundi à
// 14h" after "l'appel … ce soir" is an invitation for Monday 14:00, not
// tonight's call (blind-48, 2335); "Convoco assembleia extraordinária na
// quinta-feira, dia 17, às 19h30" one for Thursday 19:30 (2343); "la
// Giunta è convocata per le 15" invites nobody (tune, 317).
func TestEngine_MeetingCalledInWords(t *testing.T) {
	cet := time.FixedZone("", 3600)
	brt := time.FixedZone("", -3*3600)
	for _, tt := range []struct {
		name, subject, text string
		sent                time.Time
		want                time.Time
	}{
		{"French", "Réunion commande Beaulieu", "Bonsoir à tous,\n\nAprès l'appel de Beaulieu ce soir il faut qu'on se voie tous lundi à 14h à l'atelier pour revoir le planning de la commande.\n\nMerci de me dire si quelqu'un ne peut pas.\n\nNicolas",
			time.Date(2026, 12, 10, 19, 15, 0, 0, cet), time.Date(2026, 12, 14, 14, 0, 0, 0, cet)},
		{"Portuguese", "Assembleia extraordinária", "Boa noite a todos,\n\nConvoco assembleia extraordinária na quinta-feira, dia 17, às 19h30, no salão de festas. Quem não puder ir, por favor mande procuração.\n\nSílvia Rocha",
			time.Date(2026, 12, 14, 20, 5, 0, 0, brt), time.Date(2026, 12, 17, 19, 30, 0, 0, brt)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := email(tt.subject, tt.text)
			c.Timestamp = tt.sent
			d := extractAt(t, c, tt.sent.Add(12*time.Hour), false)
			if d.Deadline == nil || !d.Deadline.Equal(tt.want) || d.Urgency != doctales.UrgencyMedium {
				t.Errorf("deadline %v, urgency %s %v; want %v, medium", d.Deadline, d.Urgency, d.UrgencyReasons, tt.want)
			}
		})
	}
}

// TestEngine_AlarmCalledOff: "ignore all that - PANIC OVER … Don't ring
// them" above a quoted URGENT ask asks nothing (blind-48, 2328, was
// medium).
func TestEngine_AlarmCalledOff(t *testing.T) {
	c := email("Re: VENUE HAS NO RECORD OF OUR BOOKING", "ignore all that - PANIC OVER. They had it under Mum's maiden name. Room is ours on the 27th, deposit shows as paid. Don't ring them.\n\nxx\n\nOn Sun, 13 Dec 2026 at 08:14, Zoe Carmichael <zoe@example.com> wrote:\n> Will the Old Mill says they have NO booking for the 27th!!! Can you\n> find the confirmation email and call them first thing, I'm at work\n> all day. URGENT")
	c.Timestamp = time.Date(2026, 12, 13, 10, 25, 0, 0, time.UTC)
	d := extractAt(t, c, c.Timestamp.Add(time.Hour), false)
	if d.Urgency != doctales.UrgencyLow || d.RequiresAction {
		t.Errorf("urgency %s %v, requiresAction %v; want low, false", d.Urgency, d.UrgencyReasons, d.RequiresAction)
	}
}

// TestEngine_Chasers: blind-49's follow-ups. "il sig. Rossi … mi ha
// scritto direttamente:" is the sender's account, not a quote's
// attribution (2388: the ask below it was never read); "Please ignore
// the reminder that went out at 8 o'clock" and "dejalo … No hace falta
// que hagas nada" above a quoted URGENT ask nothing (2363, 2372); a
// reminder's deadline in a paragraph greeting someone else, the reader
// told "não precisas de fazer nada" on a wrapped line, is not the
// reader's (2383); a system's "wacht nog op uw goedkeuring … Keur de
// factuur vóór dat tijdstip goed, anders …" asks by then (2389).
func TestEngine_Chasers(t *testing.T) {
	cet := time.FixedZone("", 3600)
	for _, tt := range []struct {
		name, from, subject, text string
		sent                      time.Time
		reader                    []string
		urgency                   string
		deadline                  time.Time // zero: none
	}{
		{"OwnAccountWithColon", "roberta@example.it", "Preventivo Rossi - mi ha scritto direttamente",
			"Luca,\n\nil sig. Rossi (condominio di via Solferino) mi ha scritto direttamente:\ndice di aver sollecitato tre volte il preventivo per la caldaia e di non aver avuto risposta. Se non lo riceve oggi si rivolge a un'altra ditta.\n\nMandaglielo oggi entro le 18, per favore, e mettimi in copia.\n\nRoberta",
			time.Date(2026, 12, 11, 10, 30, 0, 0, cet), nil, doctales.UrgencyHigh, time.Date(2026, 12, 11, 18, 0, 0, 0, cet)},
		{"IgnoreTheReminder", "l.grant@example.org.uk", "Re: Reminder - trip consent form for Ada",
			"Dear Mr Okonjo,\n\nPlease ignore the reminder that went out at 8 o'clock - our system sent it to everyone on the list. Ada's consent form and payment arrived this morning at 8:52. Thanks, received!\n\nKind regards,\nMrs Grant\n\n-----Original Message-----\nFrom: Louise Grant\nSent: 09 December 2026 08:00\nSubject: Reminder - trip consent form for Ada\n\nReminder: the consent form and payment must reach the office by Friday 11 December.",
			time.Date(2026, 12, 9, 9, 31, 0, 0, time.UTC), nil, doctales.UrgencyLow, time.Time{}},
		{"DoneItMyself", "diego@example.com.ar", "Re: ¿Me pasás el plano de la planta baja?",
			"Carla, dejalo: lo encontré en la carpeta del proyecto y ya se lo mandé yo al cliente. No hace falta que hagas nada.\n\nAbrazo,\nDiego\n\nEl jue, 10 dic 2026 a las 9:20, Diego Fuentes escribió:\n> Carla, ¿me pasás URGENTE el plano de la planta baja? Lo necesito antes del\n> mediodía.",
			time.Date(2026, 12, 10, 12, 48, 0, 0, time.FixedZone("", -3*3600)), nil, doctales.UrgencyLow, time.Time{}},
		{"ReminderToSomeoneElse", "claudia@example.pt", "Lembrete: relatório de emissões",
			"Olá Júlia,\n\nLembrete de que o relatório de emissões do 3.º trimestre tem de estar comigo\naté amanhã ao fim do dia, para seguir para a APA na sexta.\n\nPedro, ponho-te em cópia só para saberes o ponto de situação; não precisas\nde fazer nada.\n\nObrigada,\nCláudia",
			time.Date(2026, 12, 9, 10, 10, 0, 0, time.UTC), []string{"Pedro Vieira", "pedro.vieira@example.pt"}, doctales.UrgencyLow, time.Time{}},
		{"SystemApprovalBeforeThen", "no-reply@basware.example.nl", "Herinnering: factuur wacht op uw goedkeuring",
			"Beste Sanne de Vries,\n\nDe volgende factuur wacht nog op uw goedkeuring:\n\n  Leverancier: Koelservice Rijnmond B.V.\n  Factuur:     KR-2026-3381\n\nDe betaalrun van deze week draait morgen (donderdag) om 10:00. Keur de\nfactuur vóór dat tijdstip goed, anders schuift de betaling naar de run van\n17 december.\n\nDit bericht is automatisch verzonden.",
			time.Date(2026, 12, 9, 16, 0, 0, 0, cet), nil, doctales.UrgencyHigh, time.Date(2026, 12, 10, 10, 0, 0, 0, cet)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := email(tt.subject, tt.text)
			c.SenderID, c.Timestamp = tt.from, tt.sent
			if strings.Contains(tt.from, "no-reply") {
				c.Sender = ""
				c.Fields = map[string]any{"autoSubmitted": "auto-generated"}
			}
			d := extractAt(t, c, tt.sent.Add(30*time.Minute), false, tt.reader...)
			if d.Urgency != tt.urgency {
				t.Errorf("urgency %s %v, want %s", d.Urgency, d.UrgencyReasons, tt.urgency)
			}
			switch {
			case tt.deadline.IsZero() && d.Deadline != nil:
				t.Errorf("deadline %v, want none", d.Deadline)
			case !tt.deadline.IsZero() && (d.Deadline == nil || !d.Deadline.Equal(tt.deadline)):
				t.Errorf("deadline %v, want %v", d.Deadline, tt.deadline)
			}
		})
	}
}
