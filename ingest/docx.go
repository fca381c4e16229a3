package ingest

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// docxText reads a DOCX file (Office Open XML: a ZIP of XML parts) with
// archive/zip and encoding/xml: the body text of word/document.xml
// (paragraphs on their own lines, table cells separated by tabs), the title,
// author and creation date of docProps/core.xml, the page and word counts
// of docProps/app.xml (as last saved by the editor), tables (w:tbl),
// images (drawings and VML images) and charts (the chart parts).
//
// It is guarded against ZIP bombs: at most MaxZipEntries entries, no
// entry read whose declared or actual size is more than
// MaxCompressionRatio times its compressed size, and at most
// MaxUncompressedBytes read in all.
func (p *Parser) docxText(data []byte) (*DocumentInfo, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "file", "DOCX cannot be read: it is not a valid ZIP file (%s)", cut(err.Error(), 120))
	}
	if len(zr.File) > p.MaxZipEntries {
		return nil, doctales.FieldErrorf(doctales.ETOOLARGE, "file",
			"DOCX has %d ZIP entries; the limit is %d", len(zr.File), p.MaxZipEntries)
	}
	budget := p.MaxUncompressedBytes
	files := map[string]*zip.File{}
	info := &DocumentInfo{}
	for _, f := range zr.File {
		files[f.Name] = f
		if strings.HasPrefix(f.Name, "word/charts/chart") && strings.HasSuffix(f.Name, ".xml") {
			info.Charts++
		}
	}
	read := func(name string) ([]byte, error) {
		f := files[name]
		if f == nil {
			return nil, nil
		}
		b, err := p.readZipEntry(f, &budget)
		return b, err
	}

	doc, err := read("word/document.xml")
	if err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "file", "DOCX has no word/document.xml; it is not a Word document")
	}
	body, err := docxBody(doc, p.MaxContentBytes)
	if err != nil {
		return nil, err
	}
	info.Text, info.Tables, info.Images = body.text, body.tables, body.images
	if body.charts > info.Charts {
		info.Charts = body.charts
	}

	// Document properties; a broken one loses only its fields.
	if core, err := read("docProps/core.xml"); err != nil {
		return nil, err
	} else if core != nil {
		var cp struct {
			Title   string `xml:"title"`
			Creator string `xml:"creator"`
			Created string `xml:"created"`
		}
		if xml.Unmarshal(core, &cp) == nil {
			info.Title, info.Author = cp.Title, cp.Creator
			if t, err := time.Parse(time.RFC3339, strings.TrimSpace(cp.Created)); err == nil && t.Year() >= 1970 {
				info.Created = t
			}
		}
	}
	if app, err := read("docProps/app.xml"); err != nil {
		return nil, err
	} else if app != nil {
		var ap struct {
			Pages string `xml:"Pages"`
			Words string `xml:"Words"`
		}
		if xml.Unmarshal(app, &ap) == nil {
			info.Pages, _ = strconv.Atoi(strings.TrimSpace(ap.Pages))
			info.Words, _ = strconv.Atoi(strings.TrimSpace(ap.Words))
		}
	}
	return info, nil
}

// readZipEntry reads one entry within the remaining budget of
// uncompressed bytes and the compression ratio limit, checking both the
// sizes the archive declares and the bytes it really inflates to.
func (p *Parser) readZipEntry(f *zip.File, budget *int64) ([]byte, error) {
	ratioErr := func(size uint64) error {
		return doctales.FieldErrorf(doctales.ETOOLARGE, "file",
			"DOCX entry %q expands from %d to %d bytes, a ratio over the limit of %d:1 (a zip bomb?)",
			cut(f.Name, 100), f.CompressedSize64, size, p.MaxCompressionRatio)
	}
	sizeErr := func() error {
		return doctales.FieldErrorf(doctales.ETOOLARGE, "file",
			"DOCX expands to more than %d bytes; the limit is %d bytes (a zip bomb?)", p.MaxUncompressedBytes, p.MaxUncompressedBytes)
	}
	ratioOK := func(size uint64) bool {
		// Small entries may compress very well (runs of spaces); the
		// ratio matters only once the size does.
		return size < 1<<20 || size <= uint64(p.MaxCompressionRatio)*max(f.CompressedSize64, 1)
	}
	if f.UncompressedSize64 > uint64(*budget) {
		return nil, sizeErr()
	}
	if !ratioOK(f.UncompressedSize64) {
		return nil, ratioErr(f.UncompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "file", "DOCX entry %q cannot be read: %s", cut(f.Name, 100), cut(err.Error(), 120))
	}
	defer rc.Close()
	// Never trust the declared size: read at most the budget plus one.
	b, err := io.ReadAll(io.LimitReader(rc, *budget+1))
	if err != nil && !errors.Is(err, zip.ErrChecksum) {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "file", "DOCX entry %q cannot be read: %s", cut(f.Name, 100), cut(err.Error(), 120))
	}
	if int64(len(b)) > *budget {
		return nil, sizeErr()
	}
	if !ratioOK(uint64(len(b))) {
		return nil, ratioErr(uint64(len(b)))
	}
	*budget -= int64(len(b))
	return b, nil
}

// docxBodyInfo is what the body of a Word document holds.
type docxBodyInfo struct {
	text                   string
	tables, images, charts int
}

// docxBody reads the text and the visual elements of word/document.xml:
// paragraphs on their own lines, the paragraphs of a table cell joined by
// spaces, cells separated by tabs and rows on their own lines.
func docxBody(doc []byte, limit int) (*docxBodyInfo, error) {
	out := &docxBodyInfo{}
	var b bytes.Buffer
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = false
	inText := false
	inCell := 0
	trim := func(cut string) {
		for b.Len() > 0 && strings.IndexByte(cut, b.Bytes()[b.Len()-1]) >= 0 {
			b.Truncate(b.Len() - 1)
		}
	}
	for b.Len() <= limit {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if b.Len() > 0 {
				break // keep what was read before the damage
			}
			return nil, doctales.FieldErrorf(doctales.EINVALID, "file", "DOCX word/document.xml is not valid XML: %s", cut(err.Error(), 120))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inText = true
			case "tab":
				b.WriteByte('\t')
			case "br", "cr":
				b.WriteByte('\n')
			case "tbl":
				out.tables++
			case "tc":
				inCell++
			case "pic", "imagedata":
				// A DrawingML picture or a VML image.
				out.images++
			case "graphicData":
				for _, a := range t.Attr {
					if a.Name.Local == "uri" && strings.HasSuffix(a.Value, "/chart") {
						out.charts++
					}
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				if inCell > 0 {
					b.WriteByte(' ')
				} else {
					b.WriteByte('\n')
				}
			case "tc":
				inCell = max(0, inCell-1)
				trim(" ")
				b.WriteByte('\t')
			case "tr":
				trim("\t ")
				b.WriteByte('\n')
			}
		case xml.CharData:
			if inText {
				b.Write(t)
			}
		}
	}
	out.text = b.String()
	return out, nil
}
