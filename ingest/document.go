package ingest

import (
	"bytes"
	"context"
	"mime"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/doctales/doctales"
	"golang.org/x/text/encoding/charmap"
)

// Document formats ParseDocument reads, by the fileType it records.
const (
	FormatText     = "txt"
	FormatMarkdown = "md"
	FormatHTML     = "html"
	FormatPDF      = "pdf"
	FormatDOCX     = "docx"
)

// documentTypes maps media types to formats.
var documentTypes = map[string]string{
	"text/plain":      FormatText,
	"text/markdown":   FormatMarkdown,
	"text/x-markdown": FormatMarkdown,
	"text/html":       FormatHTML,
	"application/pdf": FormatPDF,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": FormatDOCX,
}

// documentExts maps file extensions to formats.
var documentExts = map[string]string{
	".txt": FormatText, ".text": FormatText,
	".md": FormatMarkdown, ".markdown": FormatMarkdown,
	".html": FormatHTML, ".htm": FormatHTML, ".xhtml": FormatHTML,
	".pdf":  FormatPDF,
	".docx": FormatDOCX,
}

// mediaTypes maps formats to the media type of the stored original.
var mediaTypes = map[string]string{
	FormatText:     "text/plain; charset=utf-8",
	FormatMarkdown: "text/markdown; charset=utf-8",
	FormatHTML:     "text/html",
	FormatPDF:      "application/pdf",
	FormatDOCX:     "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

// DocumentFormat returns the format of a document named name with media
// type contentType ("" if unknown) and first bytes head: the media type
// wins, then the extension, then the content (%PDF, a ZIP file, HTML). It
// returns "" for a format ParseDocument does not read.
func DocumentFormat(name, contentType string, head []byte) string {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		if f, ok := documentTypes[strings.ToLower(mt)]; ok {
			return f
		}
	}
	if f, ok := documentExts[strings.ToLower(filepath.Ext(name))]; ok {
		return f
	}
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return FormatPDF
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return FormatDOCX
	}
	lower := bytes.ToLower(head[:min(len(head), 512)])
	if bytes.Contains(lower, []byte("<html")) || bytes.Contains(lower, []byte("<!doctype html")) {
		return FormatHTML
	}
	return ""
}

// DocumentInfo is what the extraction of one document finds: its text,
// metadata and the counts the visual dimension reads.
type DocumentInfo struct {
	Text    string
	Title   string
	Author  string
	Created time.Time
	Pages   int
	Words   int
	Images  int
	Tables  int
	Charts  int
}

// ParseDocument reads a document file (.txt, .md, .html, .pdf, .docx; the
// format from opt.ContentType, else opt.Name's extension, else the content)
// into a document communication: its text as content, its title (else the
// file name) as subject, its author as sender, and in Fields fileType,
// fileName, fileSize, pageCount, wordCount and the counts the visual
// dimension reads (imageCount, tableCount, chartCount, hasImages,
// hasTables, hasCharts). The original bytes are stored beside it under
// RawKey(c, "."+fileType).
//
// The id derives from opt.Project and the hash of the bytes, so the same
// file imported again replays. Errors are *doctales.Error: ETOOLARGE for a
// breached limit (file size, DOCX expansion or ratio, parse time),
// EUNSUPPORTED for another format, EINVALID for a file that cannot be read.
func (p *Parser) ParseDocument(ctx context.Context, data []byte, opt Options) (*Parsed, error) {
	cfg := p.withDefaults()
	if err := opt.check(); err != nil {
		return nil, err
	}
	if int64(len(data)) > cfg.MaxDocumentBytes {
		return nil, doctales.FieldErrorf(doctales.ETOOLARGE, "file",
			"document is %d bytes; the limit is %d bytes", len(data), cfg.MaxDocumentBytes)
	}
	format := DocumentFormat(opt.Name, opt.ContentType, data[:min(len(data), 1024)])
	if format == "" {
		return nil, doctales.FieldErrorf(doctales.EUNSUPPORTED, "file",
			"document %q is not a format Doc-Tales reads; send .txt, .md, .html, .pdf or .docx", cut(opt.Name, 100))
	}
	if cfg.Sandbox != nil && !inProcessFormats[format] {
		info, err := cfg.extractIsolated(ctx, format, data)
		if err != nil {
			return nil, err
		}
		return cfg.document(data, format, info, opt), nil
	}
	return cfg.bounded(ctx, format+" document", func() (*Parsed, error) {
		info, err := cfg.ExtractDocument(format, data)
		if err != nil {
			return nil, err
		}
		return cfg.document(data, format, info, opt), nil
	})
}

// inProcessFormats are the formats read in process even when the parser
// has a Sandbox: plain text and Markdown are decoded by our own linear
// code (UTF-8 checks, RE2 regular expressions), with nothing a file can
// make crash or loop. Every other format, including any added later, goes
// to the sandbox.
var inProcessFormats = map[string]bool{FormatText: true, FormatMarkdown: true}

// ExtractDocument reads a document of a known format (FormatPDF, ...) in
// this process, with the parser's limits: the format-specific step of
// [Parser.ParseDocument], which a sandbox worker runs (see [SandboxJobs]).
// Errors are *doctales.Error naming the field "file": EINVALID for a file
// that cannot be read, ETOOLARGE for a breached limit, EUNSUPPORTED for an
// unknown format. A panic in a third-party parser is not caught here.
func (p *Parser) ExtractDocument(format string, data []byte) (*DocumentInfo, error) {
	cfg := p.withDefaults()
	switch format {
	case FormatPDF:
		if cfg.PDFToText != "" {
			return cfg.pdfWithPDFToText(data)
		}
		return cfg.pdfText(data)
	case FormatDOCX:
		return cfg.docxText(data)
	case FormatHTML:
		return cfg.htmlText(data), nil
	case FormatMarkdown:
		return cfg.markdownText(data), nil
	case FormatText:
		return &DocumentInfo{Text: decodeText(data)}, nil
	}
	return nil, doctales.FieldErrorf(doctales.EUNSUPPORTED, "file", "document format %q is not one Doc-Tales reads", cut(format, 40))
}

// document builds the parsed document from what its extractor found.
func (p *Parser) document(data []byte, format string, info *DocumentInfo, opt Options) *Parsed {
	c := &doctales.Communication{
		Type:        doctales.TypeDocument,
		Owner:       opt.Owner,
		Metadata:    doctales.Metadata{Notify: opt.Notify},
		Source:      opt.Source,
		Project:     opt.project(),
		Recipients:  []string{},
		Attachments: []doctales.Attachment{},
		Fields:      map[string]any{},
	}
	if c.Source == "" {
		c.Source = doctales.TypeDocument
	}
	name := clean(filepath.Base(strings.ReplaceAll(opt.Name, `\`, "/")))
	if name == "." || name == "/" {
		name = ""
	}
	title := clean(oneLine(info.Title))
	if title == "" && name != "" {
		title = strings.TrimSuffix(name, filepath.Ext(name))
	}
	c.Subject = cutChars(title, DefaultMaxSubjectLength)
	c.Sender = cutChars(clean(oneLine(info.Author)), DefaultMaxNameLength)
	c.Timestamp = info.Created
	if c.Timestamp.IsZero() {
		c.Timestamp = p.Now().UTC()
	}
	setContent(c, info.Text, p.MaxContentBytes)

	c.RequestHash = doctales.ContentHash(data)
	c.ID = DeriveID("doc", idScope(c), "sha256:"+c.RequestHash)

	words := info.Words
	if words == 0 {
		words = len(strings.Fields(c.Content))
	}
	f := c.Fields
	f["fileType"] = format
	f["fileSize"] = len(data)
	if name != "" {
		f["fileName"] = cutChars(name, DefaultMaxNameLength)
	}
	if info.Pages > 0 {
		f["pageCount"] = info.Pages
	}
	f["wordCount"] = words
	f["imageCount"] = info.Images
	f["tableCount"] = info.Tables
	f["chartCount"] = info.Charts
	f["hasImages"] = info.Images > 0
	f["hasTables"] = info.Tables > 0
	f["hasCharts"] = info.Charts > 0
	key := RawKey(c, "."+format)
	f["rawKey"] = key
	return &Parsed{Communication: c, Objects: []Object{{Key: key, Data: data, ContentType: mediaTypes[format]}}}
}

// decodeText returns data as UTF-8 text: UTF-8 as is (without a byte order
// mark), UTF-16 with a byte order mark decoded, anything else read as
// Windows-1252, the usual charset of old text files.
func decodeText(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")):
		data = data[3:]
	case bytes.HasPrefix(data, []byte("\xFF\xFE")), bytes.HasPrefix(data, []byte("\xFE\xFF")):
		return utf16Text(data)
	}
	if utf8.Valid(data) {
		return string(data)
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	return string(out)
}

// utf16Text decodes UTF-16 text that starts with a byte order mark.
func utf16Text(data []byte) string {
	big := data[0] == 0xFE
	data = data[2:]
	var b strings.Builder
	for i := 0; i+1 < len(data); i += 2 {
		u := rune(data[i])<<8 | rune(data[i+1])
		if !big {
			u = rune(data[i+1])<<8 | rune(data[i])
		}
		if u >= 0xD800 && u < 0xDC00 && i+3 < len(data) {
			l := rune(data[i+2])<<8 | rune(data[i+3])
			if !big {
				l = rune(data[i+3])<<8 | rune(data[i+2])
			}
			if l >= 0xDC00 && l < 0xE000 {
				b.WriteRune(0x10000 + (u-0xD800)<<10 + (l - 0xDC00))
				i += 2
				continue
			}
		}
		b.WriteRune(u)
	}
	return b.String()
}

// htmlText reads an HTML document.
func (p *Parser) htmlText(data []byte) *DocumentInfo {
	text, hi := HTMLText(strings.NewReader(decodeText(data)), p.MaxContentBytes+1)
	return &DocumentInfo{Text: text, Title: hi.Title, Author: hi.Author, Images: hi.Images, Tables: hi.Tables, Charts: hi.Charts}
}

// The package's patterns (these, and those of mail.go and social.go) are
// compiled on first use by sync.OnceValue: compiled at init they cost
// 145 KB of allocation before main of every command, serve's start included
// (issue 15).
var (
	mdHeading  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^#\s+(.+?)\s*#*\s*$`) })
	mdImage    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`!\[[^\]]*\]\([^)]*\)`) })
	mdTableSep = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?m)^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$`)
	})
	mdFence = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile("(?m)^```+\\s*(mermaid|vega|vega-lite|chart)\\b") })
	mdFront = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?s)\A---\n(.*?)\n---\n`) })
	mdMeta  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^(title|author):\s*["']?(.*?)["']?\s*$`) })
)

// markdownText reads a Markdown document: the text as written, the title
// from front matter or the first level-1 heading, images, tables (their
// separator rows) and charts (mermaid or vega code blocks).
func (p *Parser) markdownText(data []byte) *DocumentInfo {
	text := decodeText(data)
	info := &DocumentInfo{Text: text}
	if m := mdFront().FindStringSubmatch(strings.ReplaceAll(text[:min(len(text), 4096)], "\r\n", "\n")); m != nil {
		for _, kv := range mdMeta().FindAllStringSubmatch(m[1], -1) {
			if kv[1] == "title" {
				info.Title = kv[2]
			} else {
				info.Author = kv[2]
			}
		}
	}
	if info.Title == "" {
		if m := mdHeading().FindStringSubmatch(text); m != nil {
			info.Title = m[1]
		}
	}
	info.Images = len(mdImage().FindAllStringIndex(text, -1))
	info.Tables = len(mdTableSep().FindAllStringIndex(text, -1))
	info.Charts = len(mdFence().FindAllStringIndex(text, -1))
	return info
}
