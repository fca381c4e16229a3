package timezone

// PATCH, Doc-Tales: PopTzOffset with its prefilter against the published
// scan, which it must equal on every input.

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// popTzOffsetPublished is PopTzOffset as go-dateparser v1.4.7 publishes it.
func popTzOffsetPublished(str string) (string, OffsetData) {
	if couldContainTimezone(str) && tables().rxSearchIgnoreCase.MatchString(str) {
		for _, offsetData := range tables().offsets {
			idxs := offsetData.Regex.FindStringIndex(str)
			if len(idxs) == 0 {
				continue
			}
			str = str[:idxs[0]+1] + str[idxs[1]:]
			return str, offsetData
		}
	}
	return str, OffsetData{}
}

var popTzSamples = []string{
	"", "a", "z", " Z", "tomorrow at 5pm", "5pm EST", "5pm est", "5 PM Eastern",
	"Mon, 2 Sep 2002 10:00:00 -0400", "2002-09-02T10:00:00+02:00", "10:00 UTC+5",
	"10:00 GMT-05:00", "10:00 gmt+0530", "at 9 a.m. PST.", "by Friday (CET)",
	"1 Oct 2002 04:00 +0100", "the best test", "utc", "UTC", "12:00 BST tomorrow",
	"12:00 \u212aST", "12:00 E\u017fT", "vendredi 17h CET", "à 17 h CEST", "MSK 12:00",
	"12:00 MSK", "noon hst", "date: 2002-09-01 13:00 -0700 (PDT)", "ET", "by 5 PT",
	"den 3. März 2026 um 15 Uhr MEZ", "5pm z", "2pm UTC-03:00", "2pm UTC-3", "+07:00",
	"100+0700", "x+0700", "la semaine prochaine", "até quinta-feira às 10h BRT",
}

func TestPopTzOffset_SameAsPublished(t *testing.T) {
	for _, s := range popTzSamples {
		checkPopTz(t, s)
	}
}

// TestPopTzOffset_SameAsPublishedMixed compares the two on texts made of
// the time-zone names themselves, in any case, with digits, signs, spaces,
// letters and the two runes that fold to ASCII letters between them.
func TestPopTzOffset_SameAsPublishedMixed(t *testing.T) {
	var names []string
	for _, info := range timezoneInfoList {
		for name := range info.Timezones {
			names = append(names, name)
		}
	}
	bits := []string{" ", "-", "+", "0", "5", ":", "_", "(", ")", ".", "a", "é", "\u212a", "\u017f", "UTC", "GMT", "+0530", "-05:00", "\n"}
	rng := rand.New(rand.NewPCG(14, 2026))
	found := 0
	for range 6000 {
		var b strings.Builder
		for range 1 + rng.IntN(6) {
			if rng.IntN(2) == 0 {
				name := names[rng.IntN(len(names))]
				switch rng.IntN(3) {
				case 0:
					name = strings.ToLower(name)
				case 1:
					name = strings.ReplaceAll(strings.ReplaceAll(name, "K", "\u212a"), "S", "\u017f")
				}
				b.WriteString(name)
			} else {
				b.WriteString(bits[rng.IntN(len(bits))])
			}
		}
		checkPopTz(t, b.String())
		if _, d := PopTzOffset(b.String()); !d.IsZero() {
			found++
		}
	}
	if found < 1000 {
		t.Errorf("only %d of 6000 texts hold a time zone: the test tries too little", found)
	}
}

func FuzzPopTzOffset(f *testing.F) {
	for _, s := range popTzSamples {
		f.Add(s)
	}
	f.Fuzz(checkPopTz)
}

func checkPopTz(t *testing.T, s string) {
	gotS, gotD := PopTzOffset(s)
	wantS, wantD := popTzOffsetPublished(s)
	if gotS != wantS || gotD != wantD {
		t.Errorf("PopTzOffset(%q) = %q, %q (%v); published %q, %q (%v)", s, gotS, gotD.Name, gotD.Regex, wantS, wantD.Name, wantD.Regex)
	}
}

func TestNeedOf(t *testing.T) {
	for _, c := range []struct {
		expr, literal string
		ok            bool
	}{
		{`(?i)(\W|\d|_)EST($|\W)`, "EST", true},
		{`(?i)(.)UTC\+06:30$`, "UTC+06:30", true},
		{`(?i)(.)(?:UTC|GMT)\-05:?00.*$`, "-05", true},
		{`(\W|\d|_)EST($|\W)`, "", false}, // case-sensitive letters
		{`(?i)(.)\+0700$`, "+0700", true},
		{`(?i)a|b`, "", false},
		{`(?i)(.)CÉT$`, "C", true},
		{`(?i)(\W|\d|_)SELČ($|\W)`, "SEL", true},
		{`(?i)(.)ÉÈ$`, "", false},
	} {
		n := needOf(c.expr)
		if n.ok != c.ok || n.literal != c.literal {
			t.Errorf("needOf(%q) = %v %q, want %v %q", c.expr, n.ok, n.literal, c.ok, c.literal)
		}
	}
	// Every offset of the table has a literal to look for.
	for i, o := range tables().offsets {
		if !tables().needs[i].ok {
			t.Errorf("offset %q (%s): no required literal", o.Name, o.Regex)
		}
	}
}
