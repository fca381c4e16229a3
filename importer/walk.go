package importer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/ingest"
)

// Kinds of items.
const (
	KindMail     = "mail"     // a raw RFC 5322 message
	KindDocument = "document" // a .txt, .md, .html, .pdf or .docx file
	KindPost     = "post"     // a social post or chat message, as a JSON request body
)

// Item is one thing to import, found by a [Walker]: a message of a
// mailbox, a document, a post of an export.
type Item struct {
	Kind   string
	Path   string // the file it comes from
	Offset int64  // byte offset in Path of a message in an mbox or a line of posts; -1 for a whole file
	Index  int    // position in a Slack channel file's array; -1 otherwise
	Data   []byte // the raw message, the document, or the post's request body
	// Err is set when the item could not be read (a message over the size
	// limit, a post that is not JSON): it is reported and the import goes
	// on.
	Err error
}

// Where names the item for a report: the path, with the byte offset of a
// message in an mbox or a line of posts, or the index of a Slack message.
func (it *Item) Where() string {
	switch {
	case it.Index >= 0:
		return fmt.Sprintf("%s[%d]", it.Path, it.Index)
	case it.Offset >= 0:
		return fmt.Sprintf("%s at offset %d", it.Path, it.Offset)
	}
	return it.Path
}

// DefaultMaxLineBytes is the longest line of a JSON-lines export, in bytes
// (1 MiB), the normaliser's body limit.
const DefaultMaxLineBytes = ingest.DefaultMaxBodyBytes

// Walker finds the items under a path: a single .eml, an mbox file, a
// Maildir folder (cur/ and new/), a Slack export folder (channels.json,
// users.json, <channel>/<date>.json), a JSON-lines file of posts (.jsonl,
// .ndjson), a document, or a folder tree of these. Files whose kind it
// cannot tell are counted in Ignored and otherwise left alone; hidden files
// and folders are skipped.
//
// A Walker reads files but writes nothing. It is not safe for concurrent
// use.
type Walker struct {
	// MaxMessageBytes is the largest message taken from an mbox or a file;
	// a larger one becomes an Item with an ETOOLARGE error. Zero means
	// ingest.DefaultMaxMessageBytes.
	MaxMessageBytes int64
	// MaxDocumentBytes is the largest document; zero means
	// ingest.DefaultMaxDocumentBytes.
	MaxDocumentBytes int64
	// Options are given to the social export readers (project, source).
	Options ingest.Options

	// Ignored counts the files Walk left alone; IgnoredPaths names the
	// first few.
	Ignored      int
	IgnoredPaths []string

	depth int // folders below the root being walked
}

// maxWalkDepth is the deepest folder Walk enters: far deeper than any real
// mail tree, and a stop for symbolic link loops.
const maxWalkDepth = 64

// maxIgnoredPaths is how many ignored files a Walker names.
const maxIgnoredPaths = 10

// Walk calls fn with each item under root, in a stable order (folders in
// name order). It stops at the first error fn returns, or when ctx is done,
// and returns it. Errors reading a single file become items with Err set;
// Walk itself fails only when root cannot be read.
func (w *Walker) Walk(ctx context.Context, root string, fn func(*Item) error) error {
	if w.MaxMessageBytes <= 0 {
		w.MaxMessageBytes = ingest.DefaultMaxMessageBytes
	}
	if w.MaxDocumentBytes <= 0 {
		w.MaxDocumentBytes = ingest.DefaultMaxDocumentBytes
	}
	fi, err := os.Stat(root)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return w.walkDir(ctx, root, fn)
	}
	return w.walkFile(ctx, root, fi, fn)
}

// walkDir walks a folder: a Maildir, a Slack export, or a tree.
func (w *Walker) walkDir(ctx context.Context, dir string, fn func(*Item) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if isMaildir(dir) {
		return w.walkMaildir(ctx, dir, fn)
	}
	if isSlackExport(dir) {
		return w.walkSlack(ctx, dir, fn)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fn(&Item{Path: dir, Offset: -1, Index: -1, Err: err})
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		fi, err := e.Info()
		if err == nil && fi.Mode()&os.ModeSymlink != 0 {
			fi, err = os.Stat(p) // follow links to files and folders
		}
		if err != nil {
			continue
		}
		if fi.IsDir() {
			if w.depth >= maxWalkDepth {
				continue // a link loop, or absurd nesting
			}
			w.depth++
			err := w.walkDir(ctx, p, fn)
			w.depth--
			if err != nil {
				return err
			}
			continue
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		if err := w.walkFile(ctx, p, fi, fn); err != nil {
			return err
		}
	}
	return nil
}

// isMaildir reports whether dir has the cur and new folders of a Maildir.
func isMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// isSlackExport reports whether dir holds a Slack export's channels.json.
func isSlackExport(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "channels.json"))
	return err == nil && fi.Mode().IsRegular()
}

// walkMaildir reads the messages of a Maildir: new/ then cur/, one message
// per file, in name order. tmp/ holds messages still being delivered and
// is skipped. Sub-folders (".Sent", ...) are Maildirs of their own and are
// walked after.
func (w *Walker) walkMaildir(ctx context.Context, dir string, fn func(*Item) error) error {
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			if err := fn(&Item{Kind: KindMail, Path: filepath.Join(dir, sub), Offset: -1, Index: -1, Err: err}); err != nil {
				return err
			}
			continue
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return err
			}
			if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			p := filepath.Join(dir, sub, e.Name())
			if err := fn(w.readWhole(p, KindMail, w.MaxMessageBytes)); err != nil {
				return err
			}
		}
	}
	// Maildir++ sub-folders are hidden folders holding cur/ and new/.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), ".") && isMaildir(filepath.Join(dir, e.Name())) {
			if err := w.walkMaildir(ctx, filepath.Join(dir, e.Name()), fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// documentExts are the extensions read as documents (".txt" only when the
// file is not a message).
var documentExts = map[string]bool{".txt": true, ".text": true, ".md": true, ".markdown": true,
	".html": true, ".htm": true, ".xhtml": true, ".pdf": true, ".docx": true}

// mailExts are the extensions of files read as one message whatever they
// hold.
var mailExts = map[string]bool{".eml": true, ".mbox": true, ".mbx": true, ".raw": true, ".msg822": true}

// walkFile reads one file by what it is.
func (w *Walker) walkFile(ctx context.Context, path string, fi os.FileInfo, fn func(*Item) error) error {
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".jsonl", ".ndjson":
		return w.walkPosts(ctx, path, fn)
	case ".pdf", ".docx", ".md", ".markdown", ".html", ".htm", ".xhtml":
		return fn(w.readWhole(path, KindDocument, w.MaxDocumentBytes))
	}
	// Everything else by its first bytes: an mbox, a message, a text
	// document (the SpamAssassin corpus names its messages *.txt).
	head, err := readHead(path, 4096)
	if err != nil {
		return fn(&Item{Path: path, Offset: -1, Index: -1, Err: err})
	}
	switch {
	case fromLine.Match(firstLine(head)):
		return w.walkMbox(ctx, path, fn)
	case looksLikeMessage(head):
		return fn(w.readWhole(path, KindMail, w.MaxMessageBytes))
	case documentExts[ext]:
		return fn(w.readWhole(path, KindDocument, w.MaxDocumentBytes))
	case mailExts[ext], headerLine.Match(firstLine(head)):
		// Named like a message, or starting like a header block: read
		// as one, so that it imports or fails with the parser's reason.
		return fn(w.readWhole(path, KindMail, w.MaxMessageBytes))
	}
	w.Ignored++
	if len(w.IgnoredPaths) < maxIgnoredPaths {
		w.IgnoredPaths = append(w.IgnoredPaths, path)
	}
	return nil
}

// readWhole reads a file as one item, refusing one over limit bytes.
func (w *Walker) readWhole(path, kind string, limit int64) *Item {
	it := &Item{Kind: kind, Path: path, Offset: -1, Index: -1}
	f, err := os.Open(path)
	if err != nil {
		it.Err = err
		return it
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	switch {
	case err != nil:
		it.Err = err
	case int64(len(data)) > limit:
		it.Err = tooLarge(kind, limit)
	default:
		it.Data = data
	}
	return it
}

// tooLarge is the error of an item over its size limit.
func tooLarge(kind string, limit int64) error {
	what := "message"
	if kind == KindDocument {
		what = "document"
	}
	return doctales.FieldErrorf(doctales.ETOOLARGE, "body", "%s is larger than the limit of %d bytes", what, limit)
}

// readHead returns the first n bytes of a file.
func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	m, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b[:m], nil
}

// firstLine returns the first line of b without its line ending.
func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return bytes.TrimRight(b, "\r")
}

// fromLine matches an mbox "From " separator line: "From <sender> <date>",
// the date with a time of day and a year, as every mbox writer puts it.
// Requiring the date keeps a body line that merely starts with "From "
// from splitting a message.
var fromLine = regexp.MustCompile(`^From \S*\s.*\d{1,2}:\d{2}(:\d{2})?.*\d{4}`)

// headerLine matches an RFC 5322 header field line.
var headerLine = regexp.MustCompile(`^[!-9;-~]+:`)

// messageHeaders are the fields whose presence makes a header block a
// message's.
var messageHeaders = regexp.MustCompile(`(?im)^(from|date|subject|message-id|received|return-path|to|delivered-to):`)

// looksLikeMessage reports whether head starts with a message's header
// block.
func looksLikeMessage(head []byte) bool {
	return headerLine.Match(firstLine(head)) && messageHeaders.Match(head)
}

// walkMbox reads an mbox file message by message, streaming, so a
// mailbox of any size needs memory for one message only. A message starts
// at a "From " line at the start of the file or after a blank line; its
// bytes are what follows that line up to the blank line before the next,
// with one ">" removed from lines matching ">+From " (the mboxrd
// convention). A message over MaxMessageBytes becomes an item with an
// ETOOLARGE error and the walk goes on with the next.
func (w *Walker) walkMbox(ctx context.Context, path string, fn func(*Item) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fn(&Item{Kind: KindMail, Path: path, Offset: -1, Index: -1, Err: err})
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	var (
		msg      bytes.Buffer
		start    int64  = -1 // offset of the current message's From line
		pos      int64       // offset of the next line
		blank    = true      // the previous line was blank (or start of file)
		overflow bool        // the current message passed the limit
	)
	emit := func() error {
		if start < 0 {
			return nil
		}
		it := &Item{Kind: KindMail, Path: path, Offset: start, Index: -1}
		if overflow {
			it.Err = tooLarge(KindMail, w.MaxMessageBytes)
		} else {
			data := msg.Bytes()
			// Drop the blank line that separates it from the next.
			if bytes.HasSuffix(data, []byte("\r\n\r\n")) {
				data = data[:len(data)-2]
			} else if bytes.HasSuffix(data, []byte("\n\n")) {
				data = data[:len(data)-1]
			}
			it.Data = bytes.Clone(data)
		}
		msg.Reset()
		overflow = false
		return fn(it)
	}
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A very long line: gather it whole.
			long := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
				if int64(len(long)) > w.MaxMessageBytes {
					overflow = true
					long = long[:0]
				}
			}
			line = long
		}
		if len(line) > 0 {
			n := int64(len(line))
			trimmed := bytes.TrimRight(line, "\r\n")
			if blank && bytes.HasPrefix(line, []byte("From ")) && fromLine.Match(line) {
				if err := emit(); err != nil {
					return err
				}
				if cerr := ctx.Err(); cerr != nil {
					return cerr
				}
				start = pos
			} else if start >= 0 && !overflow {
				if l := bytes.TrimLeft(line, ">"); len(l) < len(line) && bytes.HasPrefix(l, []byte("From ")) {
					line = line[1:]
				}
				if int64(msg.Len()+len(line)) > w.MaxMessageBytes {
					overflow = true
					msg.Reset()
				} else {
					msg.Write(line)
				}
			}
			pos += n
			blank = len(trimmed) == 0
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			if eerr := emit(); eerr != nil {
				return eerr
			}
			return fn(&Item{Kind: KindMail, Path: path, Offset: pos, Index: -1, Err: err})
		}
	}
	return emit()
}

// walkPosts reads a JSON-lines file of posts, one request body per
// non-blank line.
func (w *Walker) walkPosts(ctx context.Context, path string, fn func(*Item) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fn(&Item{Kind: KindPost, Path: path, Offset: -1, Index: -1, Err: err})
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	var pos int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, rerr := br.ReadSlice('\n')
		n := int64(len(line))
		tooLong := false
		if errors.Is(rerr, bufio.ErrBufferFull) {
			long := append([]byte(nil), line...)
			for errors.Is(rerr, bufio.ErrBufferFull) {
				line, rerr = br.ReadSlice('\n')
				n += int64(len(line))
				if !tooLong {
					long = append(long, line...)
					if len(long) > DefaultMaxLineBytes {
						tooLong, long = true, nil
					}
				}
			}
			line = long
		}
		it := &Item{Kind: KindPost, Path: path, Offset: pos, Index: -1}
		pos += n
		switch {
		case tooLong:
			it.Err = doctales.FieldErrorf(doctales.ETOOLARGE, "body", "line is longer than the limit of %d bytes", DefaultMaxLineBytes)
		case len(bytes.TrimSpace(line)) == 0:
			it = nil
		default:
			it.Data, it.Err = ingest.SocialPost(line, w.Options)
		}
		if it != nil {
			if err := fn(it); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return fn(&Item{Kind: KindPost, Path: path, Offset: pos, Index: -1, Err: rerr})
		}
	}
}

// walkSlack reads a Slack export folder: users.json and channels.json,
// then each channel folder's day files in name (date) order.
func (w *Walker) walkSlack(ctx context.Context, dir string, fn func(*Item) error) error {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil
		}
		return b
	}
	d, err := ingest.NewSlackDirectory(read("users.json"), read("channels.json"))
	if err != nil {
		return fn(&Item{Kind: KindPost, Path: dir, Offset: -1, Index: -1, Err: err})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fn(&Item{Kind: KindPost, Path: dir, Offset: -1, Index: -1, Err: err})
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		channel := e.Name()
		days, _ := filepath.Glob(filepath.Join(dir, channel, "*.json"))
		sort.Strings(days)
		for _, day := range days {
			if err := ctx.Err(); err != nil {
				return err
			}
			data, err := os.ReadFile(day)
			if err != nil {
				if err := fn(&Item{Kind: KindPost, Path: day, Offset: -1, Index: -1, Err: err}); err != nil {
					return err
				}
				continue
			}
			bodies, err := d.Messages(channel, data, w.Options)
			if err != nil {
				if err := fn(&Item{Kind: KindPost, Path: day, Offset: -1, Index: -1, Err: err}); err != nil {
					return err
				}
				continue
			}
			for _, b := range bodies {
				if err := fn(&Item{Kind: KindPost, Path: day, Offset: -1, Index: b.Index, Data: b.Body, Err: b.Err}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
