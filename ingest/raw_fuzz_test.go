package ingest_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/ingest"
)

// The raw parsers must never panic or hang on any input, must fail only
// with client errors, and must give communications the pipeline can store:
// valid UTF-8, a safe id, keys beside the communication's own, and the
// normaliser's length limits. Run one with, for example:
//
//	go test -fuzz FuzzParseMail -fuzztime 60s ./ingest/

// fuzzParser keeps each run fast; the limits themselves are tested in
// TestParser_Limits and TestParser_DocumentLimits.
var fuzzParser = &ingest.Parser{
	MaxMessageBytes:  256 << 10,
	MaxDocumentBytes: 256 << 10,
	Timeout:          5 * time.Second,
	Now:              func() time.Time { return fixedNow },
}

// checkParsed fails t unless err is a client error or res is storable.
func checkParsed(t *testing.T, res *ingest.Parsed, err error) {
	t.Helper()
	if err != nil {
		switch doctales.ErrorCode(err) {
		case doctales.EINVALID, doctales.ETOOLARGE, doctales.EUNSUPPORTED:
		default:
			t.Fatalf("not a client error: %v", err)
		}
		if doctales.ErrorMessage(err) == "" {
			t.Fatalf("error without a message: %v", err)
		}
		return
	}
	c := res.Communication
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	if !utf8.Valid(b) || !utf8.ValidString(c.Content) || !utf8.ValidString(c.Subject) {
		t.Fatalf("not valid UTF-8: %q", b)
	}
	if utf8.RuneCountInString(c.Subject) > ingest.DefaultMaxSubjectLength || utf8.RuneCountInString(c.Sender) > ingest.DefaultMaxNameLength {
		t.Fatalf("subject or sender over the normaliser's limits")
	}
	key := doctales.ObjectKey(c)
	if segs := strings.Split(key, "/"); len(segs) != 5 || strings.Contains(key, "..") || c.ID == "" {
		t.Fatalf("unsafe object key %q", key)
	}
	prefix := strings.TrimSuffix(key, ".json")
	for _, o := range res.Objects {
		if !strings.HasPrefix(o.Key, prefix) || strings.Contains(o.Key, "..") || strings.ContainsAny(o.Key, "\\\x00") {
			t.Fatalf("object key %q is not beside %q", o.Key, key)
		}
	}
}

// seedFiles adds the files matching pattern in the shared mail data, when
// present, as seeds.
func seedFiles(f *testing.F, pattern string, n int) {
	dir := os.Getenv("DOCTALES_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "data")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "mail", pattern))
	for i, name := range files {
		if i == n {
			break
		}
		if b, err := os.ReadFile(name); err == nil && len(b) <= 64<<10 {
			f.Add(b)
		}
	}
}

func FuzzParseMail(f *testing.F) {
	f.Add([]byte(sampleMail))
	f.Add([]byte(htmlOnlyMail))
	f.Add([]byte("From: a@b\n\nx"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: multipart/mixed; boundary=y\n\n--y\n\n--y--\n--x--\n"))
	seedFiles(f, "enmime/testdata/*/*", 40)
	seedFiles(f, "spam-1/*", 5)
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := fuzzParser.ParseMail(context.Background(), raw, ingest.Options{})
		checkParsed(t, res, err)
	})
}

// fuzzDocument fuzzes ParseDocument for one format, named by the file
// extension so the content cannot switch the format.
func fuzzDocument(f *testing.F, name string, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := fuzzParser.ParseDocument(context.Background(), data, ingest.Options{Name: name})
		checkParsed(t, res, err)
	})
}

func FuzzParsePDF(f *testing.F) {
	fuzzDocument(f, "x.pdf", samplePDF(f), MakePDF(f, "", "", nil, false), []byte("%PDF-1.7\n%%EOF"))
}

func FuzzParseDOCX(f *testing.F) {
	fuzzDocument(f, "x.docx", sampleDOCX(f), MakeDOCX(f, docxPart{"word/document.xml", "<w:t>x</w:t>"}), []byte("PK\x05\x06"+strings.Repeat("\x00", 18)))
}

func FuzzParseHTML(f *testing.F) {
	fuzzDocument(f, "x.html", []byte(htmlOnlyMail), []byte("<table><tr><td>a<td>b</table><img><svg>"), []byte("<title>t</title><meta name=author content=x>"))
}

func FuzzParseMarkdown(f *testing.F) {
	fuzzDocument(f, "x.md", []byte("---\ntitle: t\n---\n# h\n|a|b|\n|---|---|\n![i](x)\n```mermaid\n```\n"))
}

func FuzzParseText(f *testing.F) {
	fuzzDocument(f, "x.txt", []byte("caf\xe9"), []byte("\xff\xfeh\x00i\x00"), []byte("\xef\xbb\xbfhello"))
}

func FuzzSocialPost(f *testing.F) {
	f.Add([]byte(`{"platform":"twitter","id":1,"user":"a","text":"hi @b #c","timestamp":"2025-06-10T15:30:00Z"}`))
	f.Add([]byte(`{"text":"x","created_at":"Mon Jan 02 15:04:05 -0700 2006"}`))
	n := newNormalizer()
	f.Fuzz(func(t *testing.T, line []byte) {
		body, err := ingest.SocialPost(line, ingest.Options{})
		if err != nil {
			if doctales.ErrorCode(err) != doctales.EINVALID {
				t.Fatalf("not a client error: %v", err)
			}
			return
		}
		// The body goes to the normaliser, which may still refuse it
		// (no text, a field over a limit) but never with an internal
		// error.
		if _, err := n.Normalize(body); err != nil {
			if code := doctales.ErrorCode(err); code != doctales.EINVALID && code != doctales.ETOOLARGE {
				t.Fatalf("normalise %s: %v", body, err)
			}
		}
	})
}
