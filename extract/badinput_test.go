package extract_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
)

// TestEngine_Extract_BadInput feeds odd text: each must give a result, in
// bounded time, with "und" or empty fields rather than an error.
func TestEngine_Extract_BadInput(t *testing.T) {
	junk := make([]byte, 64<<10)
	for i := range junk {
		junk[i] = byte(i*7919 + i>>3)
	}
	for _, tt := range []struct {
		name, content string
		lang          string // "" means any
	}{
		{"Empty", "", "und"},
		{"OneMegOfOneWord", strings.Repeat("a", 1<<20), ""},
		{"OneMegOfOneWordSpaced", strings.Repeat("word ", 1<<18), ""},
		{"BinaryJunk", string(junk), ""},
		{"Emoji", "😀😀🎉🎉👍", "und"},
		{"RTL", "مرحبا، أرجو أن ترسل التقرير قبل يوم الجمعة. شكرا جزيلا", "ar"},
		{"MixedScripts", "Hello мир 世界 مرحبا שלום नमस्ते", ""},
		{"OnlyPunctuation", strings.Repeat("?!.,;", 1000), "und"},
		{"LongLine", strings.Repeat("x", 5000) + " please call me tomorrow", ""},
		{"Nul", "please\x00send\x00it", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			d := MustExtract(t, email("", tt.content))
			if el := time.Since(start); el > 10*time.Second {
				t.Errorf("took %v", el)
			}
			if tt.lang != "" && d.Language != tt.lang {
				t.Errorf("language = %q, want %q", d.Language, tt.lang)
			}
			if d.Entities == nil || d.KeyPhrases == nil || d.PII == nil || d.Dates == nil {
				t.Error("nil slices in result, want empty")
			}
			if d.Temporal == nil || d.Relationship == nil || d.Visual == nil || d.Analytical == nil {
				t.Error("missing a dimension")
			}
			if len(tt.content) > extract.DefaultMaxAnalyzeBytes && !d.Truncated {
				t.Error("truncated = false on a long content")
			}
		})
	}
}

// FuzzExtract checks that no input panics or hangs the engine.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"", "URGENT: please approve the wire before 5pm today.", "By EOD tomorrow!!", "😀",
		"Call +44 20 7946 0958 or mail a@b.co", "4111 1111 1111 1111", "On Mon, Bob wrote:\n> hi",
		"Best regards,\nAnn Lee\nCEO, Acme Inc.", "\xff\xfe\x00", "مرحبا", "1/2/3/4/5 12:00 am pm",
		"¿Puedes pasar pasado mañana a las 10:30 de la tarde?", "by half past four today, or by 3 o'clock",
		"Kannst du morgen um 9:30 kommen?\n\nBesten Dank und bis morgen an der Sitzung\nReto",
	} {
		f.Add("Subject", s)
	}
	e := extract.New()
	f.Fuzz(func(t *testing.T, subject, content string) {
		c := &doctales.Communication{Subject: subject, Content: content, Timestamp: tuesday, Sender: subject, Recipients: []string{content}}
		d, err := e.Extract(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range d.PII {
			if p.BeginOffset < 0 || p.EndOffset > len(content) || p.BeginOffset > p.EndOffset {
				t.Fatalf("PII offsets out of range: %+v", p)
			}
		}
		for _, en := range d.Entities {
			// Invalid UTF-8 bytes read as '?' and NUL as ' ' in Text.
			if en.Source == "" && (en.BeginOffset < 0 || en.EndOffset > len(content) ||
				clean(content)[en.BeginOffset:en.EndOffset] != en.Text ||
				en.EndOffset-en.BeginOffset != len(en.Text)) {
				t.Fatalf("entity offsets do not match its text: %+v", en)
			}
		}
		_ = extract.Redact(content, d.PII)
	})
}

// clean is the engine's view of text: each invalid UTF-8 byte as '?', each
// NUL as ' ', so that offsets are unchanged.
func clean(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			b[i] = '?'
		} else if r == 0 {
			b[i] = ' '
		}
		i += n
	}
	return string(b)
}
