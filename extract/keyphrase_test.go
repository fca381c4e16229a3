package extract

import (
	"strings"
	"testing"
)

// TestKeyPhrasesMail: short noun phrases, no greeting, sign-off or day
// names, and the subject's topic first.
func TestKeyPhrasesMail(t *testing.T) {
	subject := "Customer satisfaction survey"
	body := "Hi team,\n\nThe annual customer satisfaction survey closed on Monday with 1,800 responses. Overall satisfaction is 82%, but response times of the help desk scored lowest.\n\nRegards,\nCustomer Insights"
	kps := mailKeyPhrases(subject, body, tagged(body), 10)
	if len(kps) == 0 || !strings.EqualFold(kps[0].Text, "customer satisfaction survey") {
		t.Fatalf("top phrase: got %+v, want customer satisfaction survey", kps)
	}
	for _, k := range kps {
		ws := strings.Fields(k.Text)
		if len(ws) > 3 {
			t.Errorf("%q: more than 3 words", k.Text)
		}
		if body[k.BeginOffset:k.EndOffset] != k.Text {
			t.Errorf("%q: offsets %d-%d do not match", k.Text, k.BeginOffset, k.EndOffset)
		}
		switch strings.ToLower(k.Text) {
		case "team", "monday", "customer insights", "regards":
			t.Errorf("%q: greeting, day or sign-off as a key phrase", k.Text)
		}
	}
}

func TestMailFrame(t *testing.T) {
	text := "Hi all,\nThe printer is broken.\nThanks,\nMia"
	f := mailFrame(text)
	if got := text[f.start:f.end]; got != "The printer is broken." {
		t.Errorf("frame %q", got)
	}
	plain := "Abstract title\nA study of things. More text here."
	if f := mailFrame(plain); f.start != 0 || f.end != len(plain) {
		t.Errorf("plain text framed: %+v", f)
	}
}
