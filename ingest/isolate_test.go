package ingest_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/internal/hostile"
	"github.com/doctales/doctales/sandbox"
)

// TestMain lets the test binary serve as the sandbox worker of the tests
// that parse in isolation.
func TestMain(m *testing.M) {
	sandbox.Main(ingest.SandboxJobs())
	os.Exit(m.Run())
}

// MustOpenSandbox returns an open pool of this test binary with small
// limits (256 MiB, 2 s of CPU, 4 s wall), closed at test end.
func MustOpenSandbox(tb testing.TB) *sandbox.Pool {
	tb.Helper()
	p := sandbox.NewPool()
	p.Size = 2
	p.MemoryBytes = 256 << 20
	p.CPUTime = 2 * time.Second
	p.Timeout = 4 * time.Second
	if err := p.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = p.Close() })
	return p
}

// hostileWant is the answer each hostile file must get in the sandbox:
// its code and a piece of its message.
var hostileWant = map[string]struct{ code, msg string }{
	"xref-4000000000.pdf": {doctales.ETOOLARGE, "pdf: parser ran out of memory (limit 256 MiB)"},
	"xref-300000000.pdf":  {doctales.ETOOLARGE, "pdf: parser ran out of memory (limit 256 MiB)"},
	"objstm-self.pdf":     {doctales.EINVALID, "pdf: parser crashed (stack overflow, limit 64 MiB)"},
	// The loop is killed by whichever limit it meets first: the CPU limit
	// on an idle machine, the wall time-out when other work takes the CPU.
	"objstm-extends-loop.pdf": {doctales.ETOOLARGE, "(killed)"},
	"page-own-parent.pdf":     {doctales.EINVALID, "PDF page 1 has a /Parent chain longer than 64: it loops"},
	"pages-kids-loop.pdf":     {doctales.EINVALID, "PDF page tree is more than 64 levels deep: its /Kids loop"},
	"deep-nesting.pdf":        {doctales.EINVALID, "pdf: parser failed (object nesting exceeds maximum depth 1000)"},
	"huge-length.pdf":         {doctales.ETOOLARGE, "PDF declares 4000000000 pages; the limit is 200000"},
	"bomb.docx":               {doctales.ETOOLARGE, "zip bomb"},
	"bomb-lying.docx":         {doctales.EINVALID, "DOCX entry \"word/document.xml\" cannot be read"},
	"huge-declared.docx":      {doctales.ETOOLARGE, "zip bomb"},
}

// TestParser_Hostile parses every file of the hostile corpus in the
// sandbox: each fails alone with its client error, in bounded time, and
// a normal document parses after each in the same pool.
func TestParser_Hostile(t *testing.T) {
	p := &ingest.Parser{Sandbox: MustOpenSandbox(t)}
	ok := MakePDF(t, "Fine", "Ana", []pdfPage{{Lines: []string{"still working"}}}, false)
	for _, f := range hostile.Files() {
		t.Run(f.Name, func(t *testing.T) {
			want, known := hostileWant[f.Name]
			if !known {
				t.Fatalf("no expected answer for %s", f.Name)
			}
			start := time.Now()
			_, err := p.ParseDocument(context.Background(), f.Data, ingest.Options{Name: f.Name})
			took := time.Since(start)
			t.Logf("%s (%d bytes) in %s: %v", f.Name, len(f.Data), took.Round(time.Millisecond), err)
			if err == nil {
				t.Fatalf("%s parsed; want %s", f.Name, want.code)
			}
			if code := doctales.ErrorCode(err); code != want.code || !strings.Contains(doctales.ErrorMessage(err), want.msg) {
				t.Fatalf("got %s %q, want %s containing %q", code, doctales.ErrorMessage(err), want.code, want.msg)
			}
			if field := doctales.ErrorField(err); field != "file" {
				t.Fatalf("field %q, want file", field)
			}
			if took > 6*time.Second {
				t.Fatalf("took %s, over the 4 s time-out", took)
			}
			got, err := p.ParseDocument(context.Background(), ok, ingest.Options{Name: "ok.pdf"})
			if err != nil || !strings.Contains(got.Communication.Content, "still working") {
				t.Fatalf("a normal PDF after %s: %v", f.Name, err)
			}
		})
	}
}

// FuzzParseDocumentIsolated fuzzes the document path through the sandbox:
// the format is sniffed from the content (%PDF, a ZIP, HTML), so a
// mutation can move between readers. Seeded with the hostile corpus and
// the fixtures. Every input must end in a storable document or a client
// error naming the file, never an internal error; the pool must survive
// whatever the worker died of.
//
//	go test -fuzz FuzzParseDocumentIsolated -fuzztime 60s ./ingest/
func FuzzParseDocumentIsolated(f *testing.F) {
	for _, h := range hostile.Files() {
		if len(h.Data) <= 1<<20 { // the 2 MB nesting file is the one left out
			f.Add(h.Data)
		}
	}
	f.Add(MakePDF(f, "Fuzz", "Ana", []pdfPage{{Lines: []string{"hello", "world"}, Image: true}}, true))
	f.Add(MakeDOCX(f, docxPart{"word/document.xml", "<w:document><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>"}))
	f.Add([]byte("<html><title>t</title><table><tr><td>a</table>"))
	pool := MustOpenSandbox(f)
	p := &ingest.Parser{Sandbox: pool, MaxDocumentBytes: 1 << 20, Now: func() time.Time { return fixedNow }}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := p.ParseDocument(context.Background(), data, ingest.Options{})
		checkParsed(t, res, err)
		if err != nil && doctales.ErrorCode(err) != doctales.EUNSUPPORTED && doctales.ErrorField(err) != "file" {
			t.Fatalf("error names field %q, want file: %v", doctales.ErrorField(err), err)
		}
	})
}

// BenchmarkParseDocument compares a small PDF read in process and in a
// sandbox worker: the difference is the cost of isolation per document.
//
//	go test -run XXX -bench ParseDocument ./ingest/
func BenchmarkParseDocument(b *testing.B) {
	doc := MakePDF(b, "Bench", "Ana", []pdfPage{{Lines: []string{"one line of text", "and another"}}, {Lines: []string{"page two"}}}, false)
	for name, p := range map[string]*ingest.Parser{
		"InProcess": {},
		"Sandbox":   {Sandbox: MustOpenSandbox(b)},
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := p.ParseDocument(context.Background(), doc, ingest.Options{Name: "b.pdf"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
