package ingest_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/ingest"
)

func TestParser_ParseDocument(t *testing.T) {
	ctx := context.Background()
	p := newParser()
	type want struct {
		subject, sender string
		content         []string // substrings, in order
		fields          map[string]any
		created         time.Time
	}
	tests := []struct {
		name string
		data []byte
		opt  ingest.Options
		want want
	}{
		{"PDF", samplePDF(t), ingest.Options{Name: "report.pdf"}, want{
			subject: "Q3 Report", sender: "Ana Ruiz",
			content: []string{"Quarterly report\nRevenue grew 12 percent.", "Please approve the budget by Friday."},
			fields: map[string]any{"fileType": "pdf", "pageCount": 2, "imageCount": 1, "tableCount": 1,
				"chartCount": 0, "hasImages": true, "hasTables": true, "hasCharts": false, "fileName": "report.pdf"},
			created: time.Date(2025, 6, 10, 15, 30, 0, 0, time.UTC),
		}},
		{"DOCX", sampleDOCX(t), ingest.Options{Name: "budget.docx"}, want{
			subject: "Q3 Budget", sender: "Ana Ruiz",
			content: []string{"Budget review\nPlease approve the Q3 budget by Friday.\n", "Item\tCost\nServers\t1200"},
			fields: map[string]any{"fileType": "docx", "pageCount": 2, "wordCount": 17, "imageCount": 1,
				"tableCount": 1, "chartCount": 1, "hasImages": true, "hasCharts": true},
			created: time.Date(2025, 6, 10, 15, 30, 0, 0, time.UTC),
		}},
		{"HTML", []byte(`<!doctype html><html><head><title>Launch plan</title><meta name="author" content="Bo Lind">
<script>var x = "<p>not text</p>";</script></head><body><h1>Launch</h1><p>Ship on <b>Monday</b>.</p>
<table><tr><th>Task</th><th>Owner</th></tr><tr><td>Docs</td><td>Bo</td></tr></table>
<img src="a.png"><svg></svg></body></html>`), ingest.Options{Name: "plan.html"}, want{
			subject: "Launch plan", sender: "Bo Lind",
			content: []string{"Launch\n\nShip on Monday.", "Task\tOwner\nDocs\tBo"},
			fields:  map[string]any{"fileType": "html", "imageCount": 1, "tableCount": 1, "chartCount": 1},
		}},
		{"Markdown", []byte("---\ntitle: Notes\nauthor: Carla\n---\n# Heading\n\n![chart](c.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```mermaid\ngraph TD\n```\n"),
			ingest.Options{Name: "notes.md"}, want{
				subject: "Notes", sender: "Carla", content: []string{"# Heading"},
				fields: map[string]any{"fileType": "md", "imageCount": 1, "tableCount": 1, "chartCount": 1},
			}},
		{"TextWindows1252", []byte("Caf\xe9 menu \x96 prices\n"), ingest.Options{Name: "menu.txt", Source: "dropbox"}, want{
			subject: "menu", content: []string{"Café menu – prices"},
			fields: map[string]any{"fileType": "txt", "imageCount": 0, "wordCount": 4},
		}},
		{"SniffedPDF", samplePDF(t), ingest.Options{Name: "upload"}, want{
			subject: "Q3 Report", sender: "Ana Ruiz", content: []string{"Quarterly report"},
			fields:  map[string]any{"fileType": "pdf", "fileName": "upload"},
			created: time.Date(2025, 6, 10, 15, 30, 0, 0, time.UTC),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := p.ParseDocument(ctx, tt.data, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			c := res.Communication
			if c.Type != "document" || c.Subject != tt.want.subject || c.Sender != tt.want.sender {
				t.Errorf("type %q subject %q sender %q", c.Type, c.Subject, c.Sender)
			}
			if tt.opt.Source != "" && c.Source != tt.opt.Source {
				t.Errorf("source = %q", c.Source)
			}
			rest := c.Content
			for _, s := range tt.want.content {
				i := strings.Index(rest, s)
				if i < 0 {
					t.Fatalf("content %q lacks %q (in order)", c.Content, s)
				}
				rest = rest[i+len(s):]
			}
			// Compare through JSON, as the stored object holds them.
			b, _ := json.Marshal(c.Fields)
			var fields map[string]any
			json.Unmarshal(b, &fields)
			for k, v := range tt.want.fields {
				wb, _ := json.Marshal(v)
				gb, _ := json.Marshal(fields[k])
				if string(wb) != string(gb) {
					t.Errorf("fields[%q] = %s, want %s", k, gb, wb)
				}
			}
			want := tt.want.created
			if want.IsZero() {
				want = fixedNow
			}
			if !c.Timestamp.Equal(want) {
				t.Errorf("timestamp = %s, want %s", c.Timestamp, want)
			}
			if len(res.Objects) != 1 || !bytes.Equal(res.Objects[0].Data, tt.data) ||
				res.Objects[0].Key != strings.TrimSuffix(doctales.ObjectKey(c), ".json")+"."+fields["fileType"].(string) {
				t.Errorf("objects = %d, key %q: want the original bytes beside the communication", len(res.Objects), res.Objects[0].Key)
			}
			again, _ := p.ParseDocument(ctx, tt.data, tt.opt)
			if again.Communication.ID != c.ID {
				t.Error("the same file must get the same id")
			}
		})
	}

	t.Run("ErrUnsupported", func(t *testing.T) {
		_, err := p.ParseDocument(ctx, []byte{0x89, 'P', 'N', 'G'}, ingest.Options{Name: "x.png"})
		if doctales.ErrorCode(err) != doctales.EUNSUPPORTED {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ErrCorrupt", func(t *testing.T) {
		for name, data := range map[string][]byte{
			"x.pdf":  []byte("%PDF-1.4\nthis is not a PDF"),
			"x.docx": []byte("PK\x03\x04 not a zip"),
			"y.docx": MakeDOCX(t, docxPart{"hello.txt", "no word document"}),
		} {
			_, err := p.ParseDocument(ctx, data, ingest.Options{Name: name})
			if doctales.ErrorCode(err) != doctales.EINVALID {
				t.Errorf("%s: err = %v, want invalid", name, err)
			}
		}
	})
}

// TestParser_DocumentLimits crosses each document limit once.
func TestParser_DocumentLimits(t *testing.T) {
	ctx := context.Background()
	// A zip bomb: 20 MB of zeros deflate to about 20 KB.
	bomb := func() []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.Create("word/document.xml")
		w.Write([]byte("<w:document><w:body><w:p><w:r><w:t>"))
		w.Write(make([]byte, 20<<20))
		w.Write([]byte("</w:t></w:r></w:p></w:body></w:document>"))
		zw.Close()
		return b.Bytes()
	}()
	big := []byte("<html><body>" + strings.Repeat("<p>word word word</p>", 200_000) + "</body></html>")
	tests := []struct {
		name   string
		p      ingest.Parser
		data   []byte
		file   string
		substr string
	}{
		{"Size", ingest.Parser{MaxDocumentBytes: 1000}, samplePDF(t), "a.pdf", "the limit is 1000 bytes"},
		{"ZipRatio", ingest.Parser{}, bomb, "bomb.docx", "ratio over the limit of 200:1"},
		{"ZipTotal", ingest.Parser{MaxUncompressedBytes: 100, MaxCompressionRatio: 1 << 30}, sampleDOCX(t), "a.docx", "expands to more than 100 bytes"},
		{"ZipEntries", ingest.Parser{MaxZipEntries: 2}, sampleDOCX(t), "a.docx", "5 ZIP entries; the limit is 2"},
		{"Time", ingest.Parser{Timeout: time.Microsecond}, big, "big.html", "to parse; the limit is 1µs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.p.ParseDocument(ctx, tt.data, ingest.Options{Name: tt.file})
			if doctales.ErrorCode(err) != doctales.ETOOLARGE || !strings.Contains(doctales.ErrorMessage(err), tt.substr) {
				t.Fatalf("error %v, want too_large with %q", err, tt.substr)
			}
		})
	}
}

func TestHTMLText(t *testing.T) {
	text, info := ingest.HTMLText(strings.NewReader(`<p>a<b>b</b> c</p><div>d<br>e</div><!-- x --><style>x</style>f &amp; g`), 0)
	if want := "ab c\n\nd\ne\n\nf & g"; text != want {
		t.Errorf("text = %q, want %q", text, want)
	}
	if info.Tables != 0 || info.Images != 0 {
		t.Errorf("info = %+v", info)
	}
}

// TestHTMLText_Blockquote: a reply's quoted <blockquote> comes out as
// "> " lines, the way mail clients quote, so that the extraction engine
// knows it is not the sender's text; nested quotes nest.
func TestHTMLText_Blockquote(t *testing.T) {
	got, _ := ingest.HTMLText(strings.NewReader(`<p>Thanks, done.</p><div>On Mon Ann wrote:<blockquote>Please send it <b>today</b>.<br>Urgent.<blockquote>Older text</blockquote></blockquote></div><p>After</p>`), 0)
	want := "Thanks, done.\n\nOn Mon Ann wrote:\n\n> Please send it today.\n> Urgent.\n\n> > Older text\n\nAfter"
	if got != want {
		t.Errorf("HTMLText =\n%q\nwant\n%q", got, want)
	}
}
