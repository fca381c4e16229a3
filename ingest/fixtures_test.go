package ingest_test

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
	"testing"
)

// The document fixtures are built here, in code, rather than committed as
// binaries: what each holds is readable beside the test that checks it.

// pdfPage is one page of a generated PDF: lines of text, each shown with a
// Td move, and whether it draws the shared image.
type pdfPage struct {
	Lines []string
	Image bool
}

// MakePDF returns a small PDF 1.4 file with the pages, an Info dictionary
// (title, author, creation date), a Helvetica font, one 1×1 image XObject
// and FlateDecode content streams. When tagged, its structure tree holds
// one Table element.
func MakePDF(tb testing.TB, title, author string, pages []pdfPage, tagged bool) []byte {
	tb.Helper()
	var objs []string
	// 1 catalog, 2 pages, 3 font, 4 info, 5 image, 6 struct tree, then a
	// page object and a content stream per page.
	first := 7
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", first+2*i)
	}
	catalog := "<< /Type /Catalog /Pages 2 0 R >>"
	if tagged {
		catalog = "<< /Type /Catalog /Pages 2 0 R /StructTreeRoot 6 0 R /MarkInfo << /Marked true >> >>"
	}
	objs = append(objs,
		catalog,
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Title (%s) /Author (%s) /CreationDate (D:20250610153000Z) >>", title, author),
		"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream",
		"<< /Type /StructTreeRoot /K [<< /S /Document /K [<< /S /P >> << /S /Table /K [<< /S /TR >>] >>] >>] >>",
	)
	for _, p := range pages {
		var content strings.Builder
		content.WriteString("BT /F1 12 Tf 72 720 Td")
		for i, l := range p.Lines {
			if i > 0 {
				content.WriteString(" 0 -14 Td")
			}
			fmt.Fprintf(&content, " (%s) Tj", l)
		}
		content.WriteString(" ET")
		if p.Image {
			content.WriteString(" q 10 0 0 10 100 100 cm /Im1 Do Q")
		}
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write([]byte(content.String()))
		zw.Close()
		n := len(objs) + 2 // this page's content object number
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> /XObject << /Im1 5 0 R >> >> /Contents %d 0 R >>", n),
			fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.String()),
		)
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// docxPart is one file of a generated DOCX.
type docxPart struct {
	Name string
	Body string
}

// MakeDOCX returns a ZIP file with the parts, deflated.
func MakeDOCX(tb testing.TB, parts ...docxPart) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, p := range parts {
		w, err := zw.Create(p.Name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(p.Body)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// sampleDOCX is a Word document with a title, an author, two paragraphs,
// a 2×2 table, one picture and one chart.
func sampleDOCX(tb testing.TB) []byte {
	const w = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"`
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document ` + w + `><w:body>
<w:p><w:r><w:t>Budget review</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Please approve the </w:t></w:r><w:r><w:t>Q3 budget by Friday.</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Item</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Cost</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>Servers</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>1200</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:drawing><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic/></a:graphicData></a:graphic></w:drawing></w:r></w:p>
<w:p><w:r><w:drawing><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart"/></a:graphic></w:drawing></w:r></w:p>
</w:body></w:document>`
	core := `<?xml version="1.0" encoding="UTF-8"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">
<dc:title>Q3 Budget</dc:title><dc:creator>Ana Ruiz</dc:creator><dcterms:created>2025-06-10T15:30:00Z</dcterms:created></cp:coreProperties>`
	app := `<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Pages>2</Pages><Words>17</Words></Properties>`
	return MakeDOCX(tb,
		docxPart{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		docxPart{"word/document.xml", doc},
		docxPart{"docProps/core.xml", core},
		docxPart{"docProps/app.xml", app},
		docxPart{"word/charts/chart1.xml", `<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"/>`},
	)
}

// samplePDF is a two-page PDF with an image on the first page and a
// tagged table.
func samplePDF(tb testing.TB) []byte {
	return MakePDF(tb, "Q3 Report", "Ana Ruiz", []pdfPage{
		{Lines: []string{"Quarterly report", "Revenue grew 12 percent."}, Image: true},
		{Lines: []string{"Please approve the budget by Friday."}},
	}, true)
}

// sampleMail is a multipart message with display names, a thread, a list,
// priority headers, a Latin-1 text part, an HTML alternative and a PDF
// attachment.
const sampleMail = "From root@example.com Thu Aug 22 12:36:23 2002\r\n" +
	"Return-Path: <ana@acme.example>\r\n" +
	"From: \"Ruiz, Ana\" <ana@acme.example>\r\n" +
	"To: Bo Lind <bo@example.com>, carla@example.com\r\n" +
	"Cc: =?UTF-8?B?SsO8cmdlbg==?= <juergen@example.de>\r\n" +
	"Reply-To: Finance <finance@acme.example>\r\n" +
	"Subject: =?ISO-8859-1?Q?R=E9union_budget?=\r\n" +
	"Date: Tue, 10 Jun 2025 15:30:00 +0200\r\n" +
	"Message-ID: <abc.123@acme.example>\r\n" +
	"In-Reply-To: <parent@acme.example>\r\n" +
	"References: <root@acme.example> <parent@acme.example>\r\n" +
	"List-Id: Finance team <finance.acme.example>\r\n" +
	"X-Priority: 1 (Highest)\r\n" +
	"Importance: High\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=\"inner\"\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=iso-8859-1\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Bonjour, la r=E9union est report=E9e. Please approve the budget by Friday.\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"\r\n" +
	"<p>Bonjour, la r&eacute;union est report&eacute;e.</p>\r\n" +
	"--inner--\r\n" +
	"--outer\r\n" +
	"Content-Type: application/pdf; name=\"../../etc/passwd report.pdf\"\r\n" +
	"Content-Disposition: attachment; filename=\"../../etc/passwd report.pdf\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"JVBERi0xLjQKJSBhIHRpbnkgZmFrZSBQREYK\r\n" +
	"--outer--\r\n"

// htmlOnlyMail is a message with only an HTML body.
const htmlOnlyMail = "From: shop@example.com\n" +
	"To: me@example.com\n" +
	"Subject: Offer\n" +
	"Content-Type: text/html; charset=utf-8\n" +
	"\n" +
	"<html><head><title>x</title><style>p{color:red}</style><script>alert(1)</script></head>" +
	"<body><h1>Big sale</h1><p>Save <b>50%</b> today&nbsp;only.</p><ul><li>Shoes</li><li>Hats</li></ul></body></html>\n"
