package comprehend_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	awscomprehend "github.com/aws/aws-sdk-go-v2/service/comprehend"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/comprehend"
	"github.com/doctales/doctales/internal/testutil"
)

// base is the built-in engine's stand-in: fixed dimensions.
type base struct{ lang string }

func (b base) Extract(ctx context.Context, c *doctales.Communication) (*doctales.Dimensions, error) {
	return &doctales.Dimensions{
		Urgency: "high", Language: b.lang, Sentiment: "NEUTRAL",
		SentimentScore: &doctales.SentimentScore{Neutral: 1, Compound: 0.25},
		Entities: []doctales.Entity{
			{Text: "Ana Ruiz", Type: "PERSON", Source: doctales.SourceSender},
			{Text: "Acme", Type: "ORGANIZATION", Source: doctales.SourceContent},
		},
		KeyPhrases: []doctales.KeyPhrase{{Text: "built-in phrase"}},
		Analytical: &doctales.AnalyticalDimension{Sentiment: "neutral"},
	}, nil
}

// fakeComprehend answers the three batch calls in Comprehend's JSON
// protocol (the request and response shapes of the API reference's
// BatchDetectEntities, BatchDetectKeyPhrases and BatchDetectSentiment):
// for every document one entity (its first word; or its first
// entitiesPerDoc words, scored by position), one key phrase (its last
// word) and a sentiment by a marker word. As Comprehend does, it rejects a
// document over 5,000 bytes and reads only the first 500 characters of a
// document for sentiment. It can throttle the first calls or fail.
type fakeComprehend struct {
	mu        sync.Mutex
	calls     map[string]int
	docs      map[string]int // documents per operation
	maxDocs   int
	throttleN int    // answer this many calls with ThrottlingException
	failWith  string // answer every call with this error type
	docError  bool   // report document 0 as failed
	// entitiesPerDoc, when set, returns that many entities per document:
	// its words, the n-th scored 1/(n+1).
	entitiesPerDoc int
	// sentimentDocs records each document BatchDetectSentiment received.
	sentimentDocs []string
}

func (f *fakeComprehend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "Comprehend_20171127.")
	var in struct {
		LanguageCode string
		TextList     []string
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	f.mu.Lock()
	f.calls[op]++
	f.docs[op] += len(in.TextList)
	f.maxDocs = max(f.maxDocs, len(in.TextList))
	if op == "BatchDetectSentiment" {
		f.sentimentDocs = append(f.sentimentDocs, in.TextList...)
	}
	throttle := f.throttleN > 0
	if throttle {
		f.throttleN--
	}
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	fail := func(typ string) {
		w.Header().Set("X-Amzn-ErrorType", typ)
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"__type":%q,"message":"no"}`, typ)
	}
	switch {
	case throttle:
		fail("ThrottlingException")
		return
	case f.failWith != "":
		fail(f.failWith)
		return
	}
	var results []map[string]any
	for i, text := range in.TextList {
		if len(text) > 5000 {
			fail("TextSizeLimitExceededException")
			return
		}
		words := strings.Fields(text)
		first, last := words[0], words[len(words)-1]
		runes := func(s string) int { return utf8.RuneCountInString(s) }
		lastAt := runes(text[:strings.LastIndex(text, last)])
		res := map[string]any{"Index": i}
		switch op {
		case "BatchDetectEntities":
			fb := runes(text[:strings.Index(text, first)])
			res["Entities"] = []map[string]any{{"Text": first, "Type": "ORGANIZATION", "Score": 0.9, "BeginOffset": fb, "EndOffset": fb + runes(first)}}
			if f.entitiesPerDoc > 0 {
				var ents []map[string]any
				at := 0
				for n, w := range words[:min(f.entitiesPerDoc, len(words))] {
					b := at + strings.Index(text[at:], w)
					at = b + len(w)
					ents = append(ents, map[string]any{"Text": w, "Type": "OTHER", "Score": 1 / float64(n+1), "BeginOffset": runes(text[:b]), "EndOffset": runes(text[:b]) + runes(w)})
				}
				res["Entities"] = ents
			}
		case "BatchDetectKeyPhrases":
			res["KeyPhrases"] = []map[string]any{{"Text": last, "Score": 0.5 + float64(i)/100, "BeginOffset": lastAt, "EndOffset": lastAt + runes(last)}}
		case "BatchDetectSentiment":
			score := map[string]float64{"Positive": 0.1, "Negative": 0.1, "Neutral": 0.7, "Mixed": 0.1}
			label := "NEUTRAL"
			read := text // Comprehend reads the first 500 characters only
			if r := []rune(text); len(r) > comprehend.SentimentSegmentChars {
				read = string(r[:comprehend.SentimentSegmentChars])
			}
			if strings.Contains(read, "terrible") {
				score, label = map[string]float64{"Positive": 0, "Negative": 0.9, "Neutral": 0.1, "Mixed": 0}, "NEGATIVE"
			}
			res["Sentiment"], res["SentimentScore"] = label, score
		}
		results = append(results, res)
	}
	out := map[string]any{"ResultList": results, "ErrorList": []any{}}
	if f.docError {
		out["ErrorList"] = []map[string]any{{"Index": 0, "ErrorCode": "InternalServerException", "ErrorMessage": "boom"}}
	}
	_ = json.NewEncoder(w).Encode(out)
}

// newExtractor returns an extractor over a real Comprehend client talking
// to fake.
func newExtractor(t *testing.T, fake *fakeComprehend, lang string) (*comprehend.Extractor, *[]time.Duration) {
	return newExtractorRetrying(t, fake, lang, 1) // the extractor's own backoff is under test
}

// newExtractorRetrying is newExtractor with the SDK's own retries: for the
// tests that are not about backoff. Now and then (about 1 run in 100 under
// load) the SDK reads a response from this test server on a connection it
// has closed ("use of closed network connection"); with one attempt the
// extractor rightly takes that for a Comprehend failure.
func newExtractorRetrying(t *testing.T, fake *fakeComprehend, lang string, attempts int) (*comprehend.Extractor, *[]time.Duration) {
	t.Helper()
	fake.calls, fake.docs = map[string]int{}, map[string]int{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	cfg := testutil.AWSConfig(srv.URL)
	cfg.RetryMaxAttempts = attempts
	var sleeps []time.Duration
	var mu sync.Mutex
	return &comprehend.Extractor{
		Client: awscomprehend.NewFromConfig(cfg),
		Base:   base{lang: lang},
		Logger: slog.New(slog.DiscardHandler),
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			sleeps = append(sleeps, d)
			return ctx.Err()
		},
	}, &sleeps
}

func TestExtractor_Extract(t *testing.T) {
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		fake := &fakeComprehend{}
		x, _ := newExtractor(t, fake, "en")
		content := "Müller GmbH wrote: the wire is terrible and late. Please approve it today."
		dims, err := x.Extract(ctx, &doctales.Communication{ID: "a", Content: content})
		if err != nil {
			t.Fatal(err)
		}
		if dims.Urgency != "high" {
			t.Errorf("base dimensions lost: %+v", dims)
		}
		// The sender entity stays; the base's content entity is replaced.
		var texts []string
		for _, e := range dims.Entities {
			texts = append(texts, e.Text)
			if e.Source == doctales.SourceContent && content[e.BeginOffset:e.EndOffset] != e.Text {
				t.Errorf("entity %q at bytes [%d,%d) is %q in the content", e.Text, e.BeginOffset, e.EndOffset, content[e.BeginOffset:e.EndOffset])
			}
		}
		if strings.Join(texts, ",") != "Ana Ruiz,Müller" {
			t.Errorf("entities = %v", texts)
		}
		if len(dims.KeyPhrases) != 1 || dims.KeyPhrases[0].Text != "today." || content[dims.KeyPhrases[0].BeginOffset:dims.KeyPhrases[0].EndOffset] != "today." {
			t.Errorf("key phrases = %+v", dims.KeyPhrases)
		}
		if dims.Sentiment != "NEGATIVE" || dims.SentimentScore.Negative != float64(float32(0.9)) || dims.SentimentScore.Compound != 0.25 || dims.Analytical.Sentiment != "negative" {
			t.Errorf("sentiment = %s %+v, analytical %q", dims.Sentiment, dims.SentimentScore, dims.Analytical.Sentiment)
		}
	})

	t.Run("Batches", func(t *testing.T) {
		// 60 chunks: three batches of at most 25 for entities and key
		// phrases, each chunk under 5,000 bytes; 600 sentiment segments of
		// at most 500 characters in 24 batches; sentiment weighted by
		// length.
		fake := &fakeComprehend{}
		x, _ := newExtractor(t, fake, "en")
		x.MaxAnalyzeBytes = 1 << 20
		sentence := strings.Repeat("word ", 199) + "end. "                // 1,000 bytes
		content := strings.Repeat(sentence, 300)                          // 300,000 bytes: 60 chunks of 5,000
		content = strings.Replace(content, "word word ", "terrible  ", 1) // same length
		dims, err := x.Extract(ctx, &doctales.Communication{ID: "b", Content: content})
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range []string{"BatchDetectEntities", "BatchDetectKeyPhrases"} {
			if fake.calls[op] != 3 || fake.docs[op] != 60 {
				t.Errorf("%s: %d calls for %d documents, want 3 for 60", op, fake.calls[op], fake.docs[op])
			}
		}
		if op := "BatchDetectSentiment"; fake.calls[op] != 24 || fake.docs[op] != 600 {
			t.Errorf("%s: %d calls for %d documents, want 24 for 600", op, fake.calls[op], fake.docs[op])
		}
		if fake.maxDocs > comprehend.MaxBatchSize {
			t.Errorf("a batch had %d documents", fake.maxDocs)
		}
		// One segment of 600 negative: the average stays neutral.
		if dims.Sentiment != "NEUTRAL" || dims.SentimentScore.Negative <= 0.1 || dims.SentimentScore.Negative > 0.11 {
			t.Errorf("aggregated sentiment = %s %+v", dims.Sentiment, dims.SentimentScore)
		}
		if len(dims.KeyPhrases) != 1 { // every chunk's last word is "end."
			t.Errorf("key phrases not deduplicated: %d", len(dims.KeyPhrases))
		}
	})

	t.Run("MaxAnalyzeBytes", func(t *testing.T) {
		fake := &fakeComprehend{}
		x, _ := newExtractor(t, fake, "en")
		content := strings.Repeat("word ", 100_000) // 500 KB
		if _, err := x.Extract(ctx, &doctales.Communication{ID: "c", Content: content}); err != nil {
			t.Fatal(err)
		}
		if fake.docs["BatchDetectEntities"] != 20 || fake.calls["BatchDetectEntities"] != 1 {
			t.Errorf("sent %d documents in %d calls, want 20 in 1 (100 KB)", fake.docs["BatchDetectEntities"], fake.calls["BatchDetectEntities"])
		}
		// 100,000 characters in segments of at most 500: 200 in 8 calls.
		if fake.docs["BatchDetectSentiment"] != 200 || fake.calls["BatchDetectSentiment"] != 8 {
			t.Errorf("sent %d sentiment segments in %d calls, want 200 in 8", fake.docs["BatchDetectSentiment"], fake.calls["BatchDetectSentiment"])
		}
	})

	t.Run("SentimentSegments", func(t *testing.T) {
		// A 1,700-character e-mail whose complaint comes after the first
		// 500 characters: sent whole, Comprehend would never read it. Cut
		// into segments of at most 500 characters (here 4, at sentence
		// ends), each is read; the negative one weighs its length.
		fake := &fakeComprehend{}
		x, _ := newExtractor(t, fake, "en")
		polite := strings.Repeat("Thanks for the update on the project. ", 30) // 1,140 characters
		complaint := "The delivery was terrible and we lost the customer. "    // 52
		content := polite + complaint + strings.Repeat("Ünïcödé wörds à la fin. ", 21)
		dims, err := x.Extract(ctx, &doctales.Communication{ID: "s", Content: content})
		if err != nil {
			t.Fatal(err)
		}
		var total, negative int
		for _, d := range fake.sentimentDocs {
			n := utf8.RuneCountInString(d)
			if n > comprehend.SentimentSegmentChars {
				t.Errorf("sentiment segment of %d characters: Comprehend reads %d", n, comprehend.SentimentSegmentChars)
			}
			if !strings.HasSuffix(d, ". ") && d != fake.sentimentDocs[len(fake.sentimentDocs)-1] {
				t.Errorf("segment not cut at a sentence end: ...%q", d[max(0, len(d)-20):])
			}
			total += n
			if strings.Contains(d, "terrible") {
				negative = n
			}
		}
		if total != utf8.RuneCountInString(content) || negative == 0 {
			t.Fatalf("segments cover %d of %d characters; the negative one has %d", total, utf8.RuneCountInString(content), negative)
		}
		w := float64(negative) / float64(total)
		want := w*float64(float32(0.9)) + (1-w)*float64(float32(0.1))
		if got := dims.SentimentScore.Negative; got < want-1e-9 || got > want+1e-9 {
			t.Errorf("negative score %v, want %v (the negative segment's share %d/%d)", got, want, negative, total)
		}
	})

	t.Run("Caps", func(t *testing.T) {
		// 15 chunks of 30 entities each (450) and 15 distinct key phrases:
		// 100 entities kept (the base's sender entity and the 99 best),
		// 10 key phrases; the numbers left out are recorded.
		fake := &fakeComprehend{entitiesPerDoc: 30}
		x, _ := newExtractorRetrying(t, fake, "en", 3)
		x.MaxChunkBytes = 400
		var b strings.Builder
		for i := range 15 {
			fmt.Fprintf(&b, "%s last%02d. ", strings.Repeat("entity ", 50), i) // 359 bytes: one chunk each
		}
		content := b.String()
		dims, err := x.Extract(ctx, &doctales.Communication{ID: "cap", Content: content})
		if err != nil {
			t.Fatal(err)
		}
		// (15 chunks, each sent once, or again by the SDK's retry.)
		if n := fake.docs["BatchDetectEntities"]; n < 15 || n%15 != 0 {
			t.Fatalf("%d chunks, want 15", n)
		}
		if len(dims.Entities) != comprehend.MaxEntities || dims.EntitiesTruncated != 1+15*30-comprehend.MaxEntities {
			t.Errorf("%d entities, %d truncated; want %d and %d", len(dims.Entities), dims.EntitiesTruncated, comprehend.MaxEntities, 1+15*30-comprehend.MaxEntities)
		}
		if dims.Entities[0].Source != doctales.SourceSender {
			t.Errorf("the sender entity was dropped: %+v", dims.Entities[0])
		}
		last := -1
		for _, e := range dims.Entities[1:] {
			if e.Score < 1.0/7 { // each chunk's 7 best (1, 1/2 ... 1/7) make 105 >= 99
				t.Errorf("entity scored %v kept over better ones", e.Score)
			}
			if e.BeginOffset < last || content[e.BeginOffset:e.EndOffset] != e.Text {
				t.Errorf("entity %q at %d out of content order or offsets", e.Text, e.BeginOffset)
			}
			last = e.BeginOffset
		}
		if len(dims.KeyPhrases) != comprehend.DefaultMaxKeyPhrases || dims.KeyPhrasesTruncated != 5 {
			t.Errorf("%d key phrases, %d truncated; want %d and 5", len(dims.KeyPhrases), dims.KeyPhrasesTruncated, comprehend.DefaultMaxKeyPhrases)
		}
		out, _ := json.Marshal(dims)
		if !strings.Contains(string(out), `"entitiesTruncated":351`) || !strings.Contains(string(out), `"keyPhrasesTruncated":5`) {
			t.Errorf("the caps are not in the stored JSON: %.300s", out)
		}
	})

	t.Run("Throttled", func(t *testing.T) {
		fake := &fakeComprehend{throttleN: 3}
		x, sleeps := newExtractor(t, fake, "en")
		dims, err := x.Extract(ctx, &doctales.Communication{ID: "d", Content: "terrible news"})
		if err != nil {
			t.Fatal(err)
		}
		if dims.Sentiment != "NEGATIVE" {
			t.Errorf("after throttling, sentiment %q: Comprehend's result not used", dims.Sentiment)
		}
		if len(*sleeps) != 3 || fake.calls["BatchDetectEntities"] != 4 {
			t.Errorf("%d backoffs, %d entity calls; want 3 and 4", len(*sleeps), fake.calls["BatchDetectEntities"])
		}
		for i, d := range *sleeps {
			if d <= 0 || d > comprehend.DefaultBaseDelay<<i {
				t.Errorf("backoff %d = %v, want in (0, %v]", i, d, comprehend.DefaultBaseDelay<<i)
			}
		}
	})

	// Fallbacks: each leaves the base's result.
	for _, tc := range []struct {
		name    string
		fake    *fakeComprehend
		lang    string
		content string
		failed  bool // Comprehend failed: OnFallback is called (not for a skip)
	}{
		{"ThrottledTooLong", &fakeComprehend{throttleN: 100}, "en", "text", true},
		{"ServiceError", &fakeComprehend{failWith: "InternalServerException"}, "en", "text", true},
		{"DocumentError", &fakeComprehend{docError: true}, "en", "text", true},
		{"UnsupportedLanguage", &fakeComprehend{}, "sv", "hej", false},
		{"EmptyContent", &fakeComprehend{}, "en", "   \n", false},
	} {
		t.Run("Fallback"+tc.name, func(t *testing.T) {
			x, _ := newExtractor(t, tc.fake, tc.lang)
			var fallbacks []string
			x.OnFallback = func(_ context.Context, id string, err error) {
				if err == nil {
					t.Error("OnFallback without the error")
				}
				fallbacks = append(fallbacks, id)
			}
			dims, err := x.Extract(ctx, &doctales.Communication{ID: "e", Content: tc.content})
			if err != nil {
				t.Fatal(err)
			}
			if tc.failed != (len(fallbacks) == 1 && fallbacks[0] == "e") || len(fallbacks) > 1 {
				t.Errorf("OnFallback calls %v; want one for e: %v", fallbacks, tc.failed)
			}
			want, _ := base{lang: tc.lang}.Extract(ctx, nil)
			if dims.Sentiment != want.Sentiment || len(dims.Entities) != 2 || dims.KeyPhrases[0].Text != "built-in phrase" {
				t.Errorf("fallback dims = %+v", dims)
			}
		})
	}

	t.Run("Cancelled", func(t *testing.T) {
		fake := &fakeComprehend{throttleN: 100}
		x, _ := newExtractor(t, fake, "en")
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := x.Extract(cctx, &doctales.Communication{ID: "f", Content: "text"})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: %v", err)
		}
	})

	t.Run("ErrMissingBase", func(t *testing.T) {
		x := &comprehend.Extractor{}
		if _, err := x.Extract(ctx, &doctales.Communication{}); err == nil {
			t.Error("no error without Base and Client")
		}
	})
}
