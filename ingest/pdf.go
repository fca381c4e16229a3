package ingest

import (
	"bytes"
	"errors"
	"strings"
	"time"

	"github.com/doctales/doctales"
	"github.com/ledongthuc/pdf"
)

// PDF walking limits: a page tree or structure tree that is deeper or
// bigger is read no further (the text found so far is kept). They bound
// the work a forged file can ask for.
const (
	maxPDFTreeDepth = 64
	maxPDFTreeNodes = 200000
)

// errPDFStop stops the content interpreter once enough text is read.
var errPDFStop = errors.New("enough text")

// pdfText reads a PDF with github.com/ledongthuc/pdf: the pages found by
// walking the page tree, each page's text from its content streams (words
// split where the layout moves, lines where it moves down), the Info
// title, author and creation date, the images each page draws, and tables
// from the structure tree of a tagged PDF. PDF has no notion of a chart, so
// chartCount stays 0. An encrypted PDF without a user password opens; one
// with a password is EINVALID.
func (p *Parser) pdfText(data []byte) (*DocumentInfo, error) {
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "file", "PDF cannot be read: %s", cut(clean(err.Error()), 200))
	}
	info := &DocumentInfo{}
	meta := r.Trailer().Key("Info")
	info.Title = meta.Key("Title").Text()
	info.Author = meta.Key("Author").Text()
	info.Created = pdfDate(meta.Key("CreationDate").Text())

	// Walk the page tree; a loop in it (a node among its own kids) shows
	// as a tree deeper than any real one, and is refused rather than read
	// 200,000 nodes deep.
	root := r.Trailer().Key("Root").Key("Pages")
	if n := root.Key("Count").Int64(); n > maxPDFTreeNodes {
		return nil, doctales.FieldErrorf(doctales.ETOOLARGE, "file",
			"PDF declares %d pages; the limit is %d", n, maxPDFTreeNodes)
	}
	var pages []pdf.Page
	nodes, tooDeep := 0, false
	var walk func(v pdf.Value, depth int)
	walk = func(v pdf.Value, depth int) {
		nodes++
		if depth > maxPDFTreeDepth {
			tooDeep = true
		}
		if tooDeep || nodes > maxPDFTreeNodes {
			return
		}
		kids := v.Key("Kids")
		if v.Key("Type").Name() == "Page" || kids.Kind() != pdf.Array {
			if v.Kind() == pdf.Dict {
				pages = append(pages, pdf.Page{V: v})
			}
			return
		}
		for i := 0; i < kids.Len(); i++ {
			walk(kids.Index(i), depth+1)
		}
	}
	walk(root, 0)
	if tooDeep {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "file",
			"PDF page tree is more than %d levels deep: its /Kids loop", maxPDFTreeDepth)
	}
	// Each page's resources may be inherited from its ancestors; a
	// /Parent chain that loops would be followed for ever.
	resources := make([]pdf.Value, len(pages))
	for i, pg := range pages {
		res, ok := pdfInherited(pg.V, "Resources")
		if !ok {
			return nil, doctales.FieldErrorf(doctales.EINVALID, "file",
				"PDF page %d has a /Parent chain longer than %d: it loops", i+1, maxPDFTreeDepth)
		}
		resources[i] = res
	}
	info.Pages = len(pages)

	var b strings.Builder
	for i, pg := range pages {
		if b.Len() > p.MaxContentBytes {
			break
		}
		info.Images += pdfPageText(pg, resources[i], &b, p.MaxContentBytes)
		b.WriteString("\n\n")
	}
	info.Text = b.String()
	info.Tables = pdfStructCount(r.Trailer().Key("Root").Key("StructTreeRoot"), "Table")
	return info, nil
}

// pdfInherited returns the value of key in the page dictionary v or the
// nearest ancestor that has it (PDF 32000-1, 7.7.3.4), following at most
// maxPDFTreeDepth /Parent links. Unlike pdf.Page.Resources, it ends on a
// /Parent loop: ok is false then.
func pdfInherited(v pdf.Value, key string) (val pdf.Value, ok bool) {
	for depth := 0; !v.IsNull(); depth++ {
		if depth > maxPDFTreeDepth {
			return pdf.Value{}, false
		}
		if r := v.Key(key); !r.IsNull() {
			return r, true
		}
		v = v.Key("Parent")
	}
	return pdf.Value{}, true
}

// isPDFImage reports whether the XObject x is an image, or a form that
// draws one directly.
func isPDFImage(x pdf.Value) bool {
	switch x.Key("Subtype").Name() {
	case "Image":
		return true
	case "Form":
		xo := x.Key("Resources").Key("XObject")
		for _, k := range xo.Keys() {
			if xo.Key(k).Key("Subtype").Name() == "Image" {
				return true
			}
		}
	}
	return false
}

// pdfStructCount counts the structure elements of type typ in a tagged
// PDF's structure tree.
func pdfStructCount(root pdf.Value, typ string) int {
	n, nodes := 0, 0
	var walk func(v pdf.Value, depth int)
	walk = func(v pdf.Value, depth int) {
		nodes++
		if depth > maxPDFTreeDepth || nodes > maxPDFTreeNodes {
			return
		}
		switch v.Kind() {
		case pdf.Array:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), depth+1)
			}
		case pdf.Dict:
			if v.Key("S").Name() == typ {
				n++
			}
			walk(v.Key("K"), depth+1)
		}
	}
	walk(root.Key("K"), 0)
	return n
}

// pdfPageText appends the text of one page to b, at most limit bytes in
// all, and returns the number of distinct images the page draws (Do of an
// image XObject). It interprets the text operators itself, rather than calling
// Page.GetPlainText, so that glyph positioning (TJ offsets, Td moves) turns
// into spaces and line breaks instead of gluing words together.
func pdfPageText(pg pdf.Page, resources pdf.Value, b *strings.Builder, limit int) (images int) {
	contents := pg.V.Key("Contents")
	if contents.IsNull() {
		return 0
	}
	xobjects := resources.Key("XObject")
	drawn := map[string]bool{}
	fonts := map[string]*pdf.Font{}
	fontDict := resources.Key("Font")
	for _, name := range fontDict.Keys() {
		fonts[name] = &pdf.Font{V: fontDict.Key(name)}
	}
	var enc pdf.TextEncoding
	last := byte('\n')
	write := func(s string) {
		if s == "" {
			return
		}
		b.WriteString(s)
		last = s[len(s)-1]
	}
	space := func() {
		if last != ' ' && last != '\n' {
			write(" ")
		}
	}
	newline := func() {
		if last != '\n' {
			write("\n")
		}
	}
	show := func(raw string) {
		if enc != nil {
			raw = enc.Decode(raw)
		}
		write(strings.ToValidUTF8(raw, ""))
	}
	var lineY float64
	defer func() {
		// The interpreter panics on malformed streams, and we panic to
		// stop it once enough is read: keep the text found so far.
		_ = recover()
	}()
	defer func() { images = len(drawn) }()
	pdf.Interpret(contents, func(stk *pdf.Stack, op string) {
		if b.Len() > limit {
			panic(errPDFStop)
		}
		n := stk.Len()
		args := make([]pdf.Value, n)
		for i := n - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		switch op {
		case "Do":
			if len(args) == 1 {
				name := args[0].Name()
				if !drawn[name] && isPDFImage(xobjects.Key(name)) {
					drawn[name] = true
					images++
				}
			}
		case "BT":
			space()
		case "T*":
			newline()
		case "Td", "TD":
			if len(args) == 2 {
				if args[1].Float64() != 0 {
					newline()
				} else if args[0].Float64() != 0 {
					space()
				}
			}
		case "Tm":
			if len(args) == 6 {
				if y := args[5].Float64(); y != lineY {
					newline()
					lineY = y
				} else {
					space()
				}
			}
		case "Tf":
			enc = nil
			if len(args) == 2 {
				if f, ok := fonts[args[0].Name()]; ok {
					enc = f.Encoder()
				}
			}
		case "'", "\"":
			newline()
			if len(args) > 0 {
				show(args[len(args)-1].RawString())
			}
		case "Tj":
			if len(args) == 1 {
				show(args[0].RawString())
			}
		case "TJ":
			if len(args) == 1 {
				v := args[0]
				for i := 0; i < v.Len(); i++ {
					x := v.Index(i)
					switch x.Kind() {
					case pdf.String:
						show(x.RawString())
					case pdf.Integer, pdf.Real:
						// A move left of more than a quarter em is a
						// word space.
						if x.Float64() < -250 {
							space()
						}
					}
				}
			}
		}
	})
	return len(drawn)
}

// pdfDate parses a PDF date string "D:YYYYMMDDHHmmSSOHH'mm'" (every part
// after the year optional). It returns the zero time when s is not one.
func pdfDate(s string) time.Time {
	s = strings.TrimPrefix(strings.TrimSpace(s), "D:")
	if len(s) < 4 {
		return time.Time{}
	}
	digits := func(from, n, def int) int {
		if len(s) < from+n {
			return def
		}
		v := 0
		for _, c := range s[from : from+n] {
			if c < '0' || c > '9' {
				return def
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year := digits(0, 4, -1)
	if year < 1970 || year > 9999 {
		return time.Time{}
	}
	t := time.Date(year, time.Month(max(1, digits(4, 2, 1))), max(1, digits(6, 2, 1)),
		digits(8, 2, 0), digits(10, 2, 0), digits(12, 2, 0), 0, time.UTC)
	if len(s) > 14 && (s[14] == '+' || s[14] == '-') {
		off := time.Duration(digits(15, 2, 0))*time.Hour + time.Duration(digits(18, 2, 0))*time.Minute
		if s[14] == '+' {
			t = t.Add(-off)
		} else {
			t = t.Add(off)
		}
	}
	return t
}
