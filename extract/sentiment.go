package extract

import (
	"math"
	"strings"
	"sync"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract/internal/fastre"
	"github.com/jonreiter/govader"
)

// Sentiment labels, as Comprehend names them.
const (
	SentimentPositive = "POSITIVE"
	SentimentNegative = "NEGATIVE"
	SentimentNeutral  = "NEUTRAL"
	SentimentMixed    = "MIXED"
)

// Sentiment thresholds on VADER's compound score, as its authors use them.
const (
	sentimentCut = 0.05 // |compound| below this is neutral
	mixedCut     = 0.5  // a sentence at least this far from 0 is strongly polar
)

// vader is the shared VADER analyser, with businessLexicon over VADER's
// own: read-only maps after construction, so safe for concurrent use.
var vader = sync.OnceValue(func() *govader.SentimentIntensityAnalyzer {
	a := govader.NewSentimentIntensityAnalyzer()
	for w, v := range businessLexicon {
		a.Lexicon[w] = v
	}
	return a
})

// businessLexicon corrects VADER, tuned on social media, for business
// mail (issue 14: an outage and an overdue-invoice threat read POSITIVE):
// the words of trouble it lacks, on its -4..4 scale, and the courtesy
// words every request carries ("please", "kindly"), which in mail say
// nothing of how the news feels.
var businessLexicon = map[string]float64{
	"outage": -2.4, "outages": -2.4, "downtime": -1.8, "overdue": -1.9, "unpaid": -1.4,
	"delinquent": -2.0, "unreachable": -1.7, "breach": -2.2, "breached": -2.2,
	"declined": -1.2, "terminating": -1.4, "termination": -1.4, "escalate": -0.8,
	"escalation": -0.8, "unavailable": -1.3, "degraded": -1.5, "incident": -0.8,
	"please": 0.1, "kindly": 0.2, "pls": 0.1,
}

// businessPhrases rewrite, for VADER only, phrases whose words it misreads
// in business mail: an "outstanding balance" is unpaid, not excellent; a
// service that is "down" is failing; "interest" charged is a penalty; a
// "shared folder" is only a place.
var businessPhrases = []struct {
	re   *fastre.Regexp
	with string
}{
	{fastre.MustCompile(`(?i)\boutstanding (balance|amount|invoice|payment|debt|sum)s?\b`), "unpaid $1"},
	{fastre.MustCompile(`(?i)\b(is|are|been|went|was|were|goes|going) down\b`), "$1 failing"},
	{fastre.MustCompile(`(?i)\b(late[- ]payment |late )?interest (will be |is |may be )?(charged|applied|added)\b`), "penalty charged"},
	{fastre.MustCompile(`(?i)\bshared (folder|drive|directory|inbox|calendar|document)\b`), "common $1"},
}

// businessText returns s with businessPhrases rewritten.
func businessText(s string) string {
	for _, p := range businessPhrases {
		s = p.re.ReplaceAllString(s, p.with)
	}
	return s
}

// sentimentOf scores the sentences with VADER one by one and aggregates
// them, each weighted by its number of words. A text with strongly positive
// and strongly negative sentences in comparable weight is MIXED.
func sentimentOf(sentences []span) (string, *doctales.SentimentScore) {
	v := vader()
	sentences = mergeFragments(sentences)
	var sumW, pos, neg, neu, raw, strongPos, strongNeg float64
	nSent := 0
	for _, s := range sentences {
		w := float64(len(words(s.text)))
		if w == 0 {
			continue
		}
		ps := v.PolarityScores(businessText(s.text))
		sumW += w
		pos += w * ps.Positive
		neg += w * ps.Negative
		neu += w * ps.Neutral
		raw += unnormalize(ps.Compound)
		nSent++
		if ps.Compound >= mixedCut {
			strongPos += w
		} else if ps.Compound <= -mixedCut {
			strongNeg += w
		}
	}
	if sumW == 0 {
		return SentimentNeutral, &doctales.SentimentScore{Neutral: 1}
	}
	sc := &doctales.SentimentScore{Compound: round3(normalize(raw))}
	// Mixed is the share of the weaker strong side relative to the stronger.
	if hi := math.Max(strongPos, strongNeg); hi > 0 {
		sc.Mixed = math.Min(strongPos, strongNeg) / hi * (strongPos + strongNeg) / sumW
	}
	rest := 1 - sc.Mixed
	total := pos + neg + neu
	if total == 0 {
		total = 1
		neu = 1
	}
	sc.Positive = round3(rest * pos / total)
	sc.Negative = round3(rest * neg / total)
	sc.Neutral = round3(rest * neu / total)
	sc.Mixed = round3(sc.Mixed)

	label := SentimentNeutral
	switch {
	case strongPos > 0 && strongNeg > 0 && math.Min(strongPos, strongNeg) >= 0.3*math.Max(strongPos, strongNeg):
		label = SentimentMixed
	case sc.Compound >= sentimentCut:
		label = SentimentPositive
	case sc.Compound <= -sentimentCut:
		label = SentimentNegative
	}
	return label, sc
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// Sentiment returns the label and scores of text: VADER on each sentence,
// aggregated as Extract does (without its quoted-reply rule). It reads at
// most DefaultMaxSentimentBytes and is safe for concurrent use.
func Sentiment(text string) (string, *doctales.SentimentScore) {
	return sentimentOf(splitSentences(cut(sanitize(text), DefaultMaxSentimentBytes)))
}

// vaderAlpha is VADER's normalisation constant: compound = s/sqrt(s²+α).
const vaderAlpha = 15

// unnormalize recovers a sentence's summed valence from its compound
// score, so that sentences add up as VADER adds words.
func unnormalize(c float64) float64 {
	if c >= 0.9999 {
		c = 0.9999
	} else if c <= -0.9999 {
		c = -0.9999
	}
	return c * math.Sqrt(vaderAlpha/(1-c*c))
}

func normalize(s float64) float64 { return s / math.Sqrt(s*s+vaderAlpha) }

// mergeFragments joins a sentence of fewer than fragmentWords words to the
// one before it when they are adjacent ("So lucky." after a sentence), so
// that VADER reads a fragment in its context.
func mergeFragments(ss []span) []span {
	const fragmentWords = 4
	out := make([]span, 0, len(ss))
	for _, s := range ss {
		if n := len(out); n > 0 && len(words(s.text)) < fragmentWords && s.start-out[n-1].end <= 2 && s.end-out[n-1].start <= maxSentenceBytes {
			p := &out[n-1]
			p.text = p.text + strings.Repeat(" ", s.start-p.end) + s.text
			p.end = s.end
			continue
		}
		out = append(out, s)
	}
	return out
}
