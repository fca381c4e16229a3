package attnmodel

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// synthetic is a small training set: "blocking", "now" and "leaves" mark
// the high messages, "newsletter" and "whenever" the others.
func synthetic() []Sample {
	var s []Sample
	high := []string{"your car is blocking the gate now", "the coach leaves at 7 and the slip is on your desk", "the driver is waiting now", "blocking the drive now", "the van leaves now"}
	low := []string{"whenever you have time", "monthly newsletter attached", "thanks for lunch", "whenever suits you, no rush", "the newsletter is out"}
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 4; i++ {
		for _, t := range high {
			s = append(s, Sample{Feats: Features(Input{Text: []string{t}, Category: doctales.CategoryPerson, Language: "en", Ref: at, At: at}), High: true})
		}
		for _, t := range low {
			s = append(s, Sample{Feats: Features(Input{Text: []string{t}, Category: doctales.CategoryPerson, Language: "en", Ref: at, At: at}), High: false})
		}
	}
	return s
}

func TestTrainDeterministic(t *testing.T) {
	a, b := Train(synthetic()), Train(synthetic())
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("two trainings on the same data differ: bias %v / %v, %d / %d weights", a.Bias, b.Bias, len(a.Weights), len(b.Weights))
	}
	ja, _ := a.Marshal()
	jb, _ := b.Marshal()
	if string(ja) != string(jb) {
		t.Fatal("the same model marshals differently")
	}
	at := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	hi := a.Prob(Features(Input{Text: []string{"a lorry is blocking us now"}, Category: doctales.CategoryPerson, Language: "en", Ref: at, At: at}))
	lo := a.Prob(Features(Input{Text: []string{"the newsletter, whenever"}, Category: doctales.CategoryPerson, Language: "en", Ref: at, At: at}))
	if !(hi > 0.5 && lo < 0.5) {
		t.Fatalf("P(high) of an unseen high-like text %.3f, of a low-like one %.3f: want > .5 and < .5", hi, lo)
	}
}

func TestFeaturesStable(t *testing.T) {
	ref := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC) // a Friday
	dl := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)   // Monday 9:00
	in := Input{
		Subject: "Slip", Text: []string{"The coach leaves at 7:15.", "Your desk!"},
		Category: doctales.CategoryPerson, Language: "en", Request: true,
		Deadline: &dl, DeadlineHasTime: true, Ref: ref, At: ref.Add(2 * time.Hour),
	}
	want := []string{"s:slip",
		"w:the", "b:<s>_the", "w:coach", "b:the_coach", "w:leaves", "b:coach_leaves", "w:at", "b:leaves_at", "w:7", "b:at_7", "w:15", "b:7_15",
		"w:your", "b:<s>_your", "w:desk", "b:your_desk", "len:30",
		"cat:person", "lang:en", "request", "dl:nextwd", "dltime", "dl+req:nextwd", "tod:evening", "age:3h"}
	if got := Features(in); !reflect.DeepEqual(got, want) {
		t.Fatalf("Features:\n got %q\nwant %q", got, want)
	}
	long := Input{Text: []string{strings.Repeat("word ", 3*MaxWords)}, Ref: ref, At: ref}
	if n := len(Features(long)); n > 2*MaxWords+10 {
		t.Fatalf("%d features of a %d-word text: the new text should be read up to %d words", n, 3*MaxWords, MaxWords)
	}
}

func TestDeadlineBucket(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC) // Friday 10:00
	for _, c := range []struct {
		dl   time.Time
		want string
	}{
		{at.Add(-time.Minute), "passed"},
		{at.Add(2 * time.Hour), "3h"},
		{at.Add(7 * time.Hour), "today"},
		{time.Date(2026, 12, 5, 11, 0, 0, 0, time.UTC), "tomorrow-am"},
		{time.Date(2026, 12, 7, 17, 0, 0, 0, time.UTC), "nextwd"}, // Monday: the next working day
		{time.Date(2026, 12, 9, 17, 0, 0, 0, time.UTC), "week"},
		{time.Date(2026, 12, 20, 17, 0, 0, 0, time.UTC), "later"},
	} {
		if got := DeadlineBucket(&c.dl, at); got != c.want {
			t.Errorf("DeadlineBucket(%s at %s) = %s, want %s", c.dl.Format(time.RFC3339), at.Format(time.RFC3339), got, c.want)
		}
	}
	if got := DeadlineBucket(nil, at); got != "none" {
		t.Errorf("DeadlineBucket(nil) = %s, want none", got)
	}
}

// TestCombineOnlyPerson: whatever P(high), bulk, automated, auto-reply,
// list and suspicious mail keeps the rules' urgency.
func TestCombineOnlyPerson(t *testing.T) {
	for _, cat := range doctales.Categories {
		for _, rule := range []string{doctales.UrgencyLow, doctales.UrgencyMedium, doctales.UrgencyHigh} {
			for _, p := range []float64{0, 0.01, 0.5, 0.99, 1} {
				got := Combine(rule, cat, p, 0.5, 0.05)
				switch {
				case !Applies(cat) && got != rule:
					t.Errorf("Combine(%s, %s, p=%v) = %s: a %s message must keep the rules' urgency", rule, cat, p, got, cat)
				case rule == doctales.UrgencyLow && got != rule:
					t.Errorf("Combine(low, %s, p=%v) = %s: low is never changed", cat, p, got)
				}
			}
		}
	}
	for _, c := range []struct {
		rule    string
		p       float64
		want    string
		because string
	}{
		{doctales.UrgencyMedium, 0.5, doctales.UrgencyHigh, "p reaches raise"},
		{doctales.UrgencyMedium, 0.49, doctales.UrgencyMedium, "p under raise"},
		{doctales.UrgencyHigh, 0.05, doctales.UrgencyMedium, "p down to lower"},
		{doctales.UrgencyHigh, 0.06, doctales.UrgencyHigh, "p above lower"},
	} {
		if got := Combine(c.rule, doctales.CategoryPerson, c.p, 0.5, 0.05); got != c.want {
			t.Errorf("Combine(%s, person, p=%v) = %s, want %s (%s)", c.rule, c.p, got, c.want, c.because)
		}
	}
	if got := Combine(doctales.UrgencyMedium, doctales.CategoryPerson, NoOpinion, 0.5, 0.05); got != doctales.UrgencyMedium {
		t.Errorf("Combine(medium, person, NoOpinion) = %s: a message the model does not judge keeps the rules' urgency", got)
	}
	if got := Combine(doctales.UrgencyHigh, doctales.CategoryPerson, NoOpinion, 0.5, 0.05); got != doctales.UrgencyHigh {
		t.Errorf("Combine(high, person, NoOpinion) = %s: a message the model does not judge keeps the rules' urgency", got)
	}
	if got := Combine(doctales.UrgencyMedium, doctales.CategoryReply, 1, 0, 0); got != doctales.UrgencyMedium {
		t.Errorf("with raise 0 (off) Combine raised a medium message to %s", got)
	}
}

func TestChooseThresholds(t *testing.T) {
	outs := []Outcome{
		{Rule: "medium", Category: "person", Label: "high", P: 0.9},
		{Rule: "medium", Category: "person", Label: "high", P: 0.8},
		{Rule: "medium", Category: "person", Label: "medium", P: 0.6},
		{Rule: "high", Category: "person", Label: "high", P: 0.7},
	}
	r, l := ChooseThresholds(outs, 0.9)
	if r != 0.8 && r != 0.75 && r != 0.7 && r != 0.65 {
		t.Fatalf("raise %v: want one that raises the two highs (P .8, .9) and not the medium (P .6)", r)
	}
	if l != 0 {
		t.Fatalf("lower %v: no high message has a low P, want 0", l)
	}
	// Raising the medium too would cost precision: with 1.0 asked, no
	// pair that raises it is allowed.
	bad := append(outs, Outcome{Rule: "medium", Category: "person", Label: "low", P: 0.95})
	if r, _ := ChooseThresholds(bad, 1.0); r != 0 {
		t.Fatalf("raise %v: every raise includes the P .95 low message, precision < 1: want 0 (off)", r)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	for _, c := range []struct{ json, want string }{
		{`{"bias":0,"weights":{},"raise":1.5}`, "raise 1.5"},
		{`{"bias":0,"weights":{},"raise":0.5,"lower":0.6}`, "lower 0.6 must be below raise 0.5"},
		{`{"bias":"x"}`, "attention model"},
	} {
		_, err := Unmarshal([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Unmarshal(%s): error %v, want one naming %q", c.json, err, c.want)
		}
	}
}

// TestJudges: the model judges a person's mail it reads whole with
// something due soon (a deadline, or a clock time by the end of the next
// working day), and gives NoOpinion for a longer one, for other
// categories and for one with nothing due.
func TestJudges(t *testing.T) {
	at := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	m := Train(synthetic())
	short := Input{Text: []string{"your car is blocking the gate, the lorry comes at 10"}, Category: doctales.CategoryPerson, Ref: at, At: at, SoonTime: true}
	dated := short
	dated.SoonTime = false
	due := at.Add(6 * time.Hour)
	dated.Deadline = &due
	long := short
	long.Text = []string{strings.Repeat("your car is blocking the gate now ", MaxWords/7+1)}
	bulk := short
	bulk.Category = doctales.CategoryBulk
	nothingDue := short
	nothingDue.SoonTime = false
	for name, in := range map[string]Input{"short person mail with a clock time": short, "short person mail with a deadline": dated} {
		if p := m.Judge(in); p < 0 || p != m.Prob(Features(in)) {
			t.Errorf("Judge(%s) = %v, want its P(high) %v", name, p, m.Prob(Features(in)))
		}
	}
	if n := Words(long); n <= MaxWords {
		t.Fatalf("the long text has %d words, want more than %d", n, MaxWords)
	}
	for name, in := range map[string]Input{"long": long, "bulk": bulk, "nothing due": nothingDue} {
		if p := m.Judge(in); p != NoOpinion {
			t.Errorf("Judge(%s) = %v, want NoOpinion", name, p)
		}
	}
}

// BenchmarkJudge is the model's cost on one message of MaxWords words
// (the most it reads): features and P(high), against the engine's 5-7 ms
// a message (docs/extraction.md, "Eleventh session").
func BenchmarkJudge(b *testing.B) {
	m := Train(synthetic())
	at := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	in := Input{Subject: "Elm Road - planning officer on site", Text: []string{strings.Repeat("He's got another visit in Hatfield and says he can stay until 2. ", MaxWords/14)},
		Category: doctales.CategoryPerson, Language: "en", Request: true, Ref: at, At: at}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m.Judge(in)
	}
}
