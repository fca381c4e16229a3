// Package hostile writes documents made to hurt a parser: the corpus of
// issue 10, built in code so that each file's bytes are readable beside
// the tests that send them (ingest, cmd/doctales), and nothing binary is
// committed. None of them is a valid document; each must fail alone, with
// a client error, within the parse time-out, while the process that
// received it stays up.
package hostile

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"strings"
)

// File is one hostile document.
type File struct {
	Name string // file name, whose extension gives the format
	Data []byte
	// Why says what the file does to a parser that trusts it.
	Why string
}

// Files returns the whole corpus. It takes about a tenth of a second (the
// zip bombs are deflated here).
func Files() []File {
	return append(PDFs(), DOCXs()...)
}

// PDFs returns the hostile PDFs.
func PDFs() []File {
	return []File{
		{"xref-4000000000.pdf", xrefNumber(4_000_000_000),
			"an xref subsection starting at object 4,000,000,000: a reader that sizes its table by it allocates 160 GB"},
		{"xref-300000000.pdf", xrefNumber(300_000_000),
			"an xref subsection starting at object 300,000,000: 12 GB for a reader that sizes its table by it"},
		{"objstm-self.pdf", objStmSelf(),
			"the object stream holding the catalog is itself inside that object stream: endless recursion"},
		{"objstm-extends-loop.pdf", objStmExtendsLoop(),
			"an object stream that /Extends itself: a search for an object in it never ends"},
		{"page-own-parent.pdf", pageOwnParent(),
			"a page that is its own /Parent: looking up its inherited resources never ends"},
		{"pages-kids-loop.pdf", pagesKidsLoop(),
			"a page tree node that lists itself twice as a kid: the tree is infinite"},
		{"deep-nesting.pdf", deepNesting(1_000_000),
			"an Info title of 1,000,000 nested arrays: a recursive parser needs a deep stack"},
		{"huge-length.pdf", hugeLength(),
			"a content stream declaring a /Length of 99,999,999,999 bytes and a page /Count of 4,000,000,000"},
	}
}

// DOCXs returns the hostile DOCX files.
func DOCXs() []File {
	return []File{
		{"bomb.docx", zipBomb(false), "word/document.xml inflates from about 100 KB to 100 MB (1000:1)"},
		{"bomb-lying.docx", zipBomb(true), "the same bomb declaring an uncompressed size of 1,000 bytes"},
		{"huge-declared.docx", hugeDeclared(), "an entry declaring an uncompressed size of 4 GB"},
	}
}

// pdf assembles a PDF from object bodies (object n is objs[n-1]) with a
// classic xref table and a trailer; extra is added to the trailer.
func pdf(objs []string, extra string) []byte {
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
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, extra, xref)
	return b.Bytes()
}

// xrefNumber is a PDF whose xref table has one subsection starting at
// object first: the 142-byte file of issue 10.
func xrefNumber(first int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n%d 1\n0000000009 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", first, xref)
	return b.Bytes()
}

// xrefStream is a PDF 1.5 whose cross-reference is a stream (object n,
// the last) with the given entries: type, field 2, field 3 for objects
// 0..n-1 (entry n, the stream itself, is added). Objects holds the bodies
// of objects 1..len(objs), written at their offsets, which entries of type
// 1 may refer to as -1 ("the offset of this object").
func xrefStream(objs []string, entries [][3]int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	offs := map[int]int{}
	for i, o := range objs {
		offs[i+1] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	n := len(entries)
	xref := b.Len()
	var data []byte
	for i, e := range entries {
		if e[0] == 1 && e[1] == -1 {
			e[1] = offs[i]
		}
		data = append(data, byte(e[0]), byte(e[1]>>8), byte(e[1]), byte(e[2]))
	}
	data = append(data, 1, byte(xref>>8), byte(xref), 0)
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 2 1] /Root 1 0 R /Length %d >>\nstream\n", n, n+1, len(data))
	b.Write(data)
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// objStmSelf: object 1 (the catalog) is in object stream 2, and object 2
// is declared to be in object stream 2 as well.
func objStmSelf() []byte {
	return xrefStream(nil, [][3]int{{0, 0, 255}, {2, 2, 0}, {2, 2, 0}})
}

// objStmExtendsLoop: object 1 is in object stream 2, which holds no
// object and extends itself.
func objStmExtendsLoop() []byte {
	return xrefStream([]string{
		"<< /Type /Catalog >>",
		"<< /Type /ObjStm /N 0 /First 1 /Extends 2 0 R /Length 1 >>\nstream\n \nendstream",
	}, [][3]int{{0, 0, 255}, {2, 2, 0}, {1, -1, 0}})
}

// pageOwnParent: the only page is its own parent and has no resources:
// the 435-byte file of issue 10.
func pageOwnParent() []byte {
	return pdf([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
		"<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 720 Td (Hello, loop) Tj ET\nendstream",
	}, "")
}

// pagesKidsLoop: the page tree root lists itself twice as a kid.
func pagesKidsLoop() []byte {
	return pdf([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [2 0 R 2 0 R] /Count 2 >>",
	}, "")
}

// deepNesting: the Info dictionary's title is depth nested arrays.
func deepNesting(depth int) []byte {
	return pdf([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [] /Count 0 >>",
		"<< /Title " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + " >>",
	}, "/Info 3 0 R ")
}

// hugeLength: a page whose content stream declares a length of almost
// 100 GB, in a tree declaring four billion pages.
func hugeLength() []byte {
	return pdf([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 4000000000 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << >> /Contents 4 0 R >>",
		"<< /Length 99999999999 >>\nstream\nBT (x) Tj ET\nendstream",
	}, "")
}

// zipBomb is a DOCX whose word/document.xml inflates to 100 MB of
// spaces. When lying, the archive declares 1,000 bytes uncompressed.
func zipBomb(lying bool) []byte {
	const size = 100 << 20
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestSpeed)
	chunk := bytes.Repeat([]byte{' '}, 1<<20)
	for i := 0; i < size>>20; i++ {
		fw.Write(chunk)
	}
	fw.Close()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	declared := uint64(size)
	if lying {
		declared = 1000
	}
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate,
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared})
	w.Write(comp.Bytes())
	zw.Close()
	return b.Bytes()
}

// hugeDeclared is a DOCX with a tiny entry that declares 4 GB.
func hugeDeclared() []byte {
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestSpeed)
	fw.Write([]byte("<w:document/>"))
	fw.Close()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate,
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: 4 << 30})
	w.Write(comp.Bytes())
	zw.Close()
	return b.Bytes()
}
