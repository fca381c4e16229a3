// Package comprehend is an optional extractor on Amazon Comprehend: the
// built-in engine (package extract) finds every dimension, and Comprehend
// replaces three of them, the named entities of the content, its key
// phrases and its sentiment, as the original system did.
//
//	extraction ─▶ [Extractor.Extract] ─▶ Base.Extract (all dimensions)
//	                                  └▶ BatchDetectEntities / KeyPhrases / Sentiment ─▶ merged
//
// Select it with `doctales serve --extractor comprehend` (or `extractor:
// comprehend` in the configuration file) or, on Lambda,
// DOCTALES_EXTRACTOR=comprehend. The built-in engine stays the default.
//
// # Calls
//
// For entities and key phrases the content is cut into chunks of at most
// MaxChunkBytes (under Comprehend's 5 KB per document), at a sentence or
// word boundary, and the chunks go in batch calls of at most 25 documents:
// one communication up to 100 KB (MaxAnalyzeBytes, the rest is not sent)
// costs one call of each. Entity and key phrase offsets are turned back
// into byte offsets into the content.
//
// Sentiment is read differently: DetectSentiment and BatchDetectSentiment
// take a 5 KB document but analyse only its first 500 characters and
// ignore the rest (SentimentSegmentChars). The same content is therefore
// cut again into segments of at most 500 characters, at a sentence or
// word boundary, each scored on its own (25 per call), and the four class
// scores are averaged weighted by each segment's length in characters,
// every character of which Comprehend read; the label is the class of the
// highest average.
//
// # Caps
//
// A dense document can name thousands of entities, and the item holding
// them must stay under DynamoDB's 400 KB. At most MaxEntities entities are
// kept (the base's entities of the subject and headers first, then
// Comprehend's content entities by score, in content order), and at most
// DefaultMaxKeyPhrases distinct key phrases, best first; how many were
// left out is recorded in Dimensions.EntitiesTruncated and
// Dimensions.KeyPhrasesTruncated.
//
// # Failures
//
// Throttling (ThrottlingException, TooManyRequestsException) is retried
// with exponential backoff and jitter, up to MaxAttempts calls. Any other
// failure, a document error in a batch, an unsupported language or an empty
// content, leaves the built-in engine's result as it is (logged at Warn):
// Comprehend can only improve a result, never lose one. Only a cancelled
// context is an error.
package comprehend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/comprehend"
	"github.com/aws/aws-sdk-go-v2/service/comprehend/types"
	"github.com/aws/smithy-go"

	"github.com/doctales/doctales"
)

// Limits of the Comprehend calls.
const (
	// MaxBatchSize is the most documents one batch call takes (25).
	MaxBatchSize = 25
	// DefaultMaxChunkBytes is the largest chunk sent as one document:
	// Comprehend takes 5 KB (5,000 bytes here, to be safe) per document in
	// a batch.
	DefaultMaxChunkBytes = 5000
	// DefaultMaxAnalyzeBytes bounds the content sent for one
	// communication: 100 KB, 20 chunks, one call of each kind.
	DefaultMaxAnalyzeBytes = 100_000
	// DefaultMaxAttempts is how many times a throttled call is made.
	DefaultMaxAttempts = 5
	// DefaultBaseDelay is the first backoff delay; each retry doubles it,
	// up to DefaultMaxDelay, with full jitter.
	DefaultBaseDelay = 200 * time.Millisecond
	DefaultMaxDelay  = 5 * time.Second
	// DefaultMaxKeyPhrases is how many key phrases are kept, best first.
	DefaultMaxKeyPhrases = 10
	// MaxEntities is how many entities an item keeps: at about 150 bytes
	// each in DynamoDB, 100 stay near 15 KB of the 400 KB item limit.
	MaxEntities = 100
	// SentimentSegmentChars is how much of a document DetectSentiment and
	// BatchDetectSentiment read: "Amazon Comprehend performs real-time
	// sentiment analysis on the first 500 characters of the input text and
	// ignores any additional text in the input" (API reference,
	// DetectSentiment, Text). Sentiment segments are cut to this many
	// characters (Unicode code points), not bytes.
	SentimentSegmentChars = 500
)

// API is the part of the Comprehend client the extractor uses;
// *comprehend.Client satisfies it.
type API interface {
	BatchDetectEntities(ctx context.Context, in *comprehend.BatchDetectEntitiesInput, optFns ...func(*comprehend.Options)) (*comprehend.BatchDetectEntitiesOutput, error)
	BatchDetectKeyPhrases(ctx context.Context, in *comprehend.BatchDetectKeyPhrasesInput, optFns ...func(*comprehend.Options)) (*comprehend.BatchDetectKeyPhrasesOutput, error)
	BatchDetectSentiment(ctx context.Context, in *comprehend.BatchDetectSentimentInput, optFns ...func(*comprehend.Options)) (*comprehend.BatchDetectSentimentOutput, error)
}

var _ API = (*comprehend.Client)(nil)

// Extractor is a doctales.Extractor that asks Comprehend for entities, key
// phrases and sentiment on top of Base. Set Client and Base; the other
// fields have defaults. Safe for concurrent use.
type Extractor struct {
	// Client calls Comprehend. Required.
	Client API
	// Base finds every dimension first, and is the result whenever
	// Comprehend fails. Required: the built-in engine, extract.New().
	Base doctales.Extractor
	// Logger receives a Warn line per fallback. Default slog.Default().
	Logger *slog.Logger
	// OnFallback, if set, is called once per communication whose
	// Comprehend calls failed, so that Base's dimensions stand: the Lambda
	// function counts them (the EMF metric comprehend_fallbacks_total and
	// its alarm, issue 16).
	OnFallback func(ctx context.Context, id string, err error)

	// MaxChunkBytes is the largest document sent. Default
	// DefaultMaxChunkBytes; from 16 to 5,000.
	MaxChunkBytes int
	// MaxAnalyzeBytes bounds the content sent. Default
	// DefaultMaxAnalyzeBytes.
	MaxAnalyzeBytes int
	// MaxAttempts bounds the calls of one throttled request. Default
	// DefaultMaxAttempts.
	MaxAttempts int
	// BaseDelay and MaxDelay shape the backoff. Defaults DefaultBaseDelay
	// and DefaultMaxDelay.
	BaseDelay, MaxDelay time.Duration
	// Sleep waits between attempts; tests replace it. Default a timer that
	// stops early when ctx is done.
	Sleep func(ctx context.Context, d time.Duration) error
}

var _ doctales.Extractor = (*Extractor)(nil)

// supported are the languages Comprehend's entity, key phrase and sentiment
// detection take.
var supported = map[string]types.LanguageCode{
	"en": types.LanguageCodeEn, "es": types.LanguageCodeEs, "fr": types.LanguageCodeFr,
	"de": types.LanguageCodeDe, "it": types.LanguageCodeIt, "pt": types.LanguageCodePt,
	"ar": types.LanguageCodeAr, "hi": types.LanguageCodeHi, "ja": types.LanguageCodeJa,
	"ko": types.LanguageCodeKo, "zh": types.LanguageCodeZh,
}

// Extract returns Base's dimensions with the content's entities, key
// phrases and sentiment from Comprehend, or Base's dimensions unchanged when
// Comprehend cannot give them (see the package doc). It returns an error
// only when Base does or ctx is done.
func (e *Extractor) Extract(ctx context.Context, c *doctales.Communication) (*doctales.Dimensions, error) {
	if e.Base == nil || e.Client == nil {
		return nil, errors.New("comprehend extractor: Base and Client required")
	}
	dims, err := e.Base.Extract(ctx, c)
	if err != nil {
		return nil, err
	}
	lang := types.LanguageCodeEn
	if l, ok := supported[dims.Language]; ok {
		lang = l
	} else if dims.Language != "" && dims.Language != "und" {
		e.logger().WarnContext(ctx, "comprehend skipped", "id", c.ID, "reason", "language "+dims.Language+" is not supported")
		return dims, nil
	}
	text := truncate(c.Content, e.maxAnalyzeBytes())
	chunks := split(text, e.maxChunkBytes(), false)
	if len(chunks) == 0 {
		return dims, nil // nothing to send; Comprehend rejects empty text
	}
	res, err := e.detect(ctx, lang, chunks, split(text, SentimentSegmentChars, true))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("comprehend %q: %w", c.ID, ctx.Err())
		}
		e.logger().WarnContext(ctx, "comprehend failed; the built-in engine's result stands", "id", c.ID, "error", err)
		if e.OnFallback != nil {
			e.OnFallback(ctx, c.ID, err)
		}
		return dims, nil
	}
	merge(dims, res)
	return dims, nil
}

// chunk is a piece of the content sent as one document.
type chunk struct {
	text  string
	start int // byte offset in the content
}

// truncate returns at most max bytes of text, never cutting a UTF-8
// sequence.
func truncate(text string, max int) string {
	if len(text) <= max {
		return text
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut]
}

// split cuts text into chunks of at most size bytes, or size characters
// (runes) when runes is true, each ending at a sentence end or a space
// when one is in the second half of the chunk, and never inside a UTF-8
// sequence. Chunks of only white space are left out.
func split(text string, size int, runes bool) []chunk {
	var out []chunk
	for start := 0; start < len(text); {
		// limit is the byte index size bytes or runes from start.
		limit := len(text)
		if runes {
			n := 0
			for i := range text[start:] {
				if n == size {
					limit = start + i
					break
				}
				n++
			}
		} else if start+size < len(text) {
			limit = start + size
			for limit > start && !utf8.RuneStart(text[limit]) {
				limit--
			}
		}
		end := limit
		if limit < len(text) {
			window := text[start:limit]
			if i := lastBoundary(window, ". ", "! ", "? ", "\n"); i > len(window)/2 {
				end = start + i
			} else if i := strings.LastIndexFunc(window, unicode.IsSpace); i > len(window)/2 {
				end = start + i + 1
			}
		}
		if strings.TrimSpace(text[start:end]) != "" {
			out = append(out, chunk{text: text[start:end], start: start})
		}
		start = end
	}
	return out
}

// lastBoundary returns the index just after the last of seps in s, or -1.
func lastBoundary(s string, seps ...string) int {
	best := -1
	for _, sep := range seps {
		if i := strings.LastIndex(s, sep); i >= 0 && i+len(sep) > best {
			best = i + len(sep)
		}
	}
	return best
}

// result is what Comprehend found in the chunks.
type result struct {
	entities   []doctales.Entity
	keyPhrases []doctales.KeyPhrase
	sentiment  *doctales.SentimentScore
	label      string
}

// detect makes the entity and key phrase batch calls for every group of
// MaxBatchSize chunks, and the sentiment batch calls for every group of
// MaxBatchSize segments (see the package doc).
func (e *Extractor) detect(ctx context.Context, lang types.LanguageCode, chunks, segments []chunk) (*result, error) {
	res := &result{sentiment: &doctales.SentimentScore{}}
	for g := 0; g < len(chunks); g += MaxBatchSize {
		group := chunks[g:min(g+MaxBatchSize, len(chunks))]
		texts := make([]string, len(group))
		for i, ch := range group {
			texts[i] = ch.text
		}

		// Entities.
		var ents *comprehend.BatchDetectEntitiesOutput
		if err := e.retry(ctx, "BatchDetectEntities", func() (err error) {
			ents, err = e.Client.BatchDetectEntities(ctx, &comprehend.BatchDetectEntitiesInput{LanguageCode: lang, TextList: texts})
			return err
		}); err != nil {
			return nil, err
		}
		if err := batchErrors("BatchDetectEntities", ents.ErrorList); err != nil {
			return nil, err
		}
		for _, r := range ents.ResultList {
			ch, ok := at(group, r.Index)
			if !ok {
				return nil, fmt.Errorf("BatchDetectEntities: result index %v out of range", aws.ToInt32(r.Index))
			}
			for _, x := range r.Entities {
				b, en := byteSpan(ch, x.BeginOffset, x.EndOffset)
				res.entities = append(res.entities, doctales.Entity{
					Text: aws.ToString(x.Text), Type: string(x.Type), Score: float64(aws.ToFloat32(x.Score)),
					BeginOffset: b, EndOffset: en, Source: doctales.SourceContent,
				})
			}
		}

		// Key phrases.
		var kps *comprehend.BatchDetectKeyPhrasesOutput
		if err := e.retry(ctx, "BatchDetectKeyPhrases", func() (err error) {
			kps, err = e.Client.BatchDetectKeyPhrases(ctx, &comprehend.BatchDetectKeyPhrasesInput{LanguageCode: lang, TextList: texts})
			return err
		}); err != nil {
			return nil, err
		}
		if err := batchErrors("BatchDetectKeyPhrases", kps.ErrorList); err != nil {
			return nil, err
		}
		for _, r := range kps.ResultList {
			ch, ok := at(group, r.Index)
			if !ok {
				return nil, fmt.Errorf("BatchDetectKeyPhrases: result index %v out of range", aws.ToInt32(r.Index))
			}
			for _, x := range r.KeyPhrases {
				b, en := byteSpan(ch, x.BeginOffset, x.EndOffset)
				res.keyPhrases = append(res.keyPhrases, doctales.KeyPhrase{
					Text: aws.ToString(x.Text), Score: float64(aws.ToFloat32(x.Score)), BeginOffset: b, EndOffset: en,
				})
			}
		}
	}

	// Sentiment, per segment of at most SentimentSegmentChars, weighted by
	// the segment's length in characters.
	var weight float64
	for g := 0; g < len(segments); g += MaxBatchSize {
		group := segments[g:min(g+MaxBatchSize, len(segments))]
		texts := make([]string, len(group))
		for i, seg := range group {
			texts[i] = seg.text
		}
		var sen *comprehend.BatchDetectSentimentOutput
		if err := e.retry(ctx, "BatchDetectSentiment", func() (err error) {
			sen, err = e.Client.BatchDetectSentiment(ctx, &comprehend.BatchDetectSentimentInput{LanguageCode: lang, TextList: texts})
			return err
		}); err != nil {
			return nil, err
		}
		if err := batchErrors("BatchDetectSentiment", sen.ErrorList); err != nil {
			return nil, err
		}
		for _, r := range sen.ResultList {
			seg, ok := at(group, r.Index)
			if !ok || r.SentimentScore == nil {
				return nil, fmt.Errorf("BatchDetectSentiment: result index %v out of range or without scores", aws.ToInt32(r.Index))
			}
			w := float64(utf8.RuneCountInString(seg.text))
			s := r.SentimentScore
			res.sentiment.Positive += w * float64(aws.ToFloat32(s.Positive))
			res.sentiment.Negative += w * float64(aws.ToFloat32(s.Negative))
			res.sentiment.Neutral += w * float64(aws.ToFloat32(s.Neutral))
			res.sentiment.Mixed += w * float64(aws.ToFloat32(s.Mixed))
			weight += w
		}
	}
	if weight > 0 {
		s := res.sentiment
		s.Positive, s.Negative, s.Neutral, s.Mixed = s.Positive/weight, s.Negative/weight, s.Neutral/weight, s.Mixed/weight
		res.label = "NEUTRAL"
		best := s.Neutral
		for _, x := range []struct {
			label string
			v     float64
		}{{"POSITIVE", s.Positive}, {"NEGATIVE", s.Negative}, {"MIXED", s.Mixed}} {
			if x.v > best {
				res.label, best = x.label, x.v
			}
		}
	}
	return res, nil
}

// at returns the chunk a result index names.
func at(group []chunk, index *int32) (chunk, bool) {
	if index == nil || int(*index) < 0 || int(*index) >= len(group) {
		return chunk{}, false
	}
	return group[*index], true
}

// byteSpan turns Comprehend's character offsets into a chunk into byte
// offsets into the content.
func byteSpan(ch chunk, begin, end *int32) (int, int) {
	b, e := int(aws.ToInt32(begin)), int(aws.ToInt32(end))
	runes, bi, ei := 0, len(ch.text), len(ch.text)
	for i := range ch.text {
		if runes == b {
			bi = i
		}
		if runes == e {
			ei = i
			break
		}
		runes++
	}
	if bi > ei {
		bi = ei
	}
	return ch.start + bi, ch.start + ei
}

// batchErrors returns an error naming the first document error of a batch.
func batchErrors(op string, errs []types.BatchItemError) error {
	if len(errs) == 0 {
		return nil
	}
	x := errs[0]
	return fmt.Errorf("%s: document %d: %s: %s (%d documents failed)", op, aws.ToInt32(x.Index), aws.ToString(x.ErrorCode), aws.ToString(x.ErrorMessage), len(errs))
}

// merge puts Comprehend's findings into dims: entities of the content
// replace the base's content entities (those of the subject and headers
// stay), key phrases and sentiment replace the base's; the analytical
// dimension's sentiment follows. The lists are capped (MaxEntities,
// DefaultMaxKeyPhrases) and the number left out recorded.
func merge(dims *doctales.Dimensions, res *result) {
	ents := make([]doctales.Entity, 0, min(MaxEntities, len(dims.Entities)+len(res.entities)))
	dropped := 0
	for _, x := range dims.Entities {
		if x.Source != "" && x.Source != doctales.SourceContent {
			if len(ents) == MaxEntities {
				dropped++
				continue
			}
			ents = append(ents, x)
		}
	}
	content := res.entities
	if room := MaxEntities - len(ents); len(content) > room {
		// The best-scored, kept in the order they appear in the content.
		content = slices.Clone(content)
		sort.SliceStable(content, func(i, j int) bool { return content[i].Score > content[j].Score })
		dropped += len(content) - room
		content = content[:room]
		sort.SliceStable(content, func(i, j int) bool { return content[i].BeginOffset < content[j].BeginOffset })
	}
	dims.Entities = append(ents, content...)
	dims.EntitiesTruncated = dropped

	// Key phrases: one per text (case-insensitive), best score first.
	seen := map[string]int{}
	var kps []doctales.KeyPhrase
	for _, k := range res.keyPhrases {
		key := strings.ToLower(k.Text)
		if i, ok := seen[key]; ok {
			if k.Score > kps[i].Score {
				kps[i].Score = k.Score
			}
			continue
		}
		seen[key] = len(kps)
		kps = append(kps, k)
	}
	sort.SliceStable(kps, func(i, j int) bool { return kps[i].Score > kps[j].Score })
	dims.KeyPhrasesTruncated = 0
	if len(kps) > DefaultMaxKeyPhrases {
		dims.KeyPhrasesTruncated = len(kps) - DefaultMaxKeyPhrases
		kps = kps[:DefaultMaxKeyPhrases]
	}
	dims.KeyPhrases = kps

	if res.label != "" {
		if dims.SentimentScore != nil {
			res.sentiment.Compound = dims.SentimentScore.Compound
		}
		dims.Sentiment, dims.SentimentScore = res.label, res.sentiment
		if dims.Analytical != nil {
			dims.Analytical.Sentiment = strings.ToLower(res.label)
		}
	}
}

// retry calls fn until it succeeds, fails with an error other than
// throttling, or MaxAttempts calls were made, waiting with exponential
// backoff and full jitter between calls.
func (e *Extractor) retry(ctx context.Context, op string, fn func() error) error {
	attempts := e.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	base, maxDelay := e.BaseDelay, e.MaxDelay
	if base <= 0 {
		base = DefaultBaseDelay
	}
	if maxDelay <= 0 {
		maxDelay = DefaultMaxDelay
	}
	var err error
	for i := range attempts {
		if err = fn(); err == nil || !throttled(err) {
			break
		}
		if i == attempts-1 {
			break
		}
		d := min(base<<i, maxDelay)
		d = time.Duration(rand.Int64N(int64(d)) + 1)
		if serr := e.sleep(ctx, d); serr != nil {
			return serr
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// throttled reports whether err is Comprehend asking to slow down.
func throttled(err error) bool {
	var tmr *types.TooManyRequestsException
	if errors.As(err, &tmr) {
		return true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ThrottlingException", "TooManyRequestsException", "Throttling", "ProvisionedThroughputExceededException":
			return true
		}
	}
	return false
}

func (e *Extractor) sleep(ctx context.Context, d time.Duration) error {
	if e.Sleep != nil {
		return e.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (e *Extractor) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.Default()
}

func (e *Extractor) maxChunkBytes() int {
	if e.MaxChunkBytes >= minChunkBytes && e.MaxChunkBytes <= DefaultMaxChunkBytes {
		return e.MaxChunkBytes
	}
	return DefaultMaxChunkBytes
}

// minChunkBytes keeps a chunk longer than any UTF-8 sequence, so split
// always advances.
const minChunkBytes = 16

func (e *Extractor) maxAnalyzeBytes() int {
	if e.MaxAnalyzeBytes > 0 {
		return e.MaxAnalyzeBytes
	}
	return DefaultMaxAnalyzeBytes
}
