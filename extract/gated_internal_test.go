package extract

import "testing"

// TestPatternsGated: the large cue patterns run behind fastre's prefix
// gate. One alternative that opens with a non-ASCII letter ("[üu]ber…")
// or holds a repeat over 50 takes a whole pattern off the gate and back to
// plain regexp on every sentence, with the same results and several times
// the cost; this test names the pattern when that happens.
func TestPatternsGated(t *testing.T) {
	for name, re := range map[string]interface{ Gated() bool }{
		"situationNow": situationNow, "moneyOrCredentials": moneyOrCredentials, "secrecyCue": secrecyCue,
		"accountThreat": accountThreat, "seniorTitle": seniorTitle, "resolvedCue": resolvedCue,
		"brandName": brandName, "cutoffCue": cutoffCue, "missingYours": missingYours,
		"beforeLunch": beforeLunch, "tomorrowMorning": tomorrowMorning, "partOfToday": partOfToday,
		"foreignRequestCue": foreignRequestCue, "endOfWeek": endOfWeek, "bareClock": bareClock,
		"halfHour": halfHour, "noonOfDay": noonOfDay, "urgencyCue": urgencyCue, "incidentCue": incidentCue, "lureAsk": lureAsk,
		"beforeThen": beforeThen, "comingAsk": comingAsk, "foreignWordClock": foreignWordClock,
		"foreignNeedSoon": foreignNeedSoon, "notYou": notYou, "moneyMoving": moneyMoving,
		"subjectRetracted": subjectRetracted, "oneTimeCode": oneTimeCode, "roomNumber": roomNumber, "numberBeforeWeekday": numberBeforeWeekday,
		"dotClock": dotClock, "offsetSpanRE": offsetSpanRE, "weekdayNumber": weekdayNumber,
	} {
		if !re.Gated() {
			t.Errorf("%s runs without the prefix gate: an alternative opens with a non-ASCII letter or repeats over 50", name)
		}
	}
}
