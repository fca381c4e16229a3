package extract_test

import (
	"context"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
)

// TestEngine_ZonePhrases: a deadline written on someone's clock in words
// ("by Wednesday your time", "09:30 your time", "hora de México", "ora
// italiana", "UK time", "deutscher Zeit") is that clock's instant. "Your"
// is the reader's: the zone of the reading time when no zone is
// configured. The cases are blind-51's misses (2438–2465), rewritten.
func TestEngine_ZonePhrases(t *testing.T) {
	for _, tc := range []struct {
		name, text, sent, now string
		want                  string // the deadline instant; "" for none
	}{
		// LA writes on Friday; the reader in Sydney reads on Monday.
		{"YourTimeWeekday", "Hey Josh,\n\nCould you review the draft and send a revised cut by Wednesday your time? Then I can look at it Tuesday night here.\n\nThanks!\nBrooke",
			"2026-12-11T14:00:00-08:00", "2026-12-14T08:30:00+11:00", "2026-12-16T17:00:00+11:00"},
		// Sydney hands over at 17:45; London reads at 07:50 the same day.
		{"YourTimeLoneClock", "Aisha,\n\nBatch 4471 is still stuck. Before your morning standup (09:30 your time) please roll back to build 212 and re-run it.\n\nTom",
			"2026-12-10T17:45:00+11:00", "2026-12-10T07:50:00Z", "2026-12-10T09:30:00Z"},
		// Madrid writes at 18:00 (11:00 in Mexico City): Mexico's tomorrow.
		{"HoraDeMexicoDeManana", "Hola Lucía:\n\nNecesito la conciliación de la filial antes de las 10:00 hora de México de mañana, que a esa hora la revisa el director financiero.\n\nGracias,\nRodrigo",
			"2026-12-08T18:00:00+01:00", "2026-12-08T18:30:00+01:00", "2026-12-09T17:00:00+01:00"},
		// New York writes at 05:00 (11:00 in Rome).
		{"OraItalianaDiOggi", "Ciao Matteo,\n\nil notaio chiude la pratica stasera: mi serve la bozza rivista entro le 19 ora italiana di oggi. Riesci?\n\nGrazie,\nGiulia",
			"2026-12-11T05:00:00-05:00", "2026-12-11T08:00:00-05:00", "2026-12-11T13:00:00-05:00"},
		{"UKTimeBeforeDay", "Hi,\n\nCould you send the revised quote by 5pm UK time on Friday?\n\nThanks,\nDan",
			"2026-12-09T09:00:00-07:00", "2026-12-09T09:30:00-07:00", "2026-12-11T10:00:00-07:00"},
		{"DeutscherZeit", "Hallo Herr Brandt,\n\nkönnen Sie mir den unterschriebenen Vertrag bitte heute bis 18 Uhr deutscher Zeit zurückschicken?\n\nViele Grüße\nAnna Weber",
			"2026-12-09T08:00:00-05:00", "2026-12-09T08:30:00-05:00", "2026-12-09T12:00:00-05:00"},
		// The sender's own clock changes nothing.
		{"MyTime", "Hi,\n\nCould you send it by 4pm my time tomorrow?\n\nThanks,\nDan",
			"2026-12-09T09:00:00-07:00", "2026-12-09T09:30:00+01:00", "2026-12-10T16:00:00-07:00"},
		// "Thanks for your time" is no clock, and its Friday is not asked.
		{"ThanksForYourTime", "Hi,\n\nThanks for your time on Friday. Could you send me the slides by Monday?\n\nThanks,\nDan",
			"2026-12-09T09:00:00-07:00", "2026-12-09T09:30:00+01:00", "2026-12-14T17:00:00-07:00"},
		// A count of hours after "entro le" is no time of day.
		{"EntroLe24Ore", "Ciao,\n\nmi serve la bozza entro le 24 ore, grazie.\n\nGiulia",
			"2026-12-09T09:00:00+01:00", "2026-12-09T09:30:00+01:00", ""},
		// The clock's day after a line break.
		{"EntroLe18DiOggiWrapped", "Però mi serve il modulo firmato entro le 18 di\noggi: il bando chiude stasera alle 20.\n\nGrazie,\nChiara",
			"2026-12-15T08:00:00+01:00", "2026-12-15T08:30:00+01:00", "2026-12-15T18:00:00+01:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sent, err := time.Parse(time.RFC3339, tc.sent)
			if err != nil {
				t.Fatal(err)
			}
			now, err := time.Parse(time.RFC3339, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			e := extract.New(extract.WithNow(func() time.Time { return now }), extract.WithAttentionModel(false))
			d, err := e.Extract(context.Background(), &doctales.Communication{
				ID: "z", Type: doctales.TypeEmail, Timestamp: sent,
				Sender: "Dan Cole", SenderID: "dan@example.com", Content: tc.text,
			})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.want == "" && d.Deadline != nil:
				t.Fatalf("deadline = %s, want none (dates %+v)", d.Deadline.Format(time.RFC3339), d.Dates)
			case tc.want == "":
			case d.Deadline == nil:
				t.Fatalf("no deadline, want %s (language %s; dates %+v)", tc.want, d.Language, d.Dates)
			default:
				want, _ := time.Parse(time.RFC3339, tc.want)
				if !d.Deadline.Equal(want) {
					t.Fatalf("deadline = %s, want %s (language %s; dates %+v)", d.Deadline.Format(time.RFC3339), tc.want, d.Language, d.Dates)
				}
			}
		})
	}
}
