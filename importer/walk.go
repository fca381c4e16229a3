package importer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
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
// A path with control characters or invalid UTF-8 is quoted ([Escape]),
// so it can be printed on a terminal.
func (it *Item) Where() string {
	path := Escape(it.Path)
	switch {
	case it.Index >= 0:
		return fmt.Sprintf("%s[%d]", path, it.Index)
	case it.Offset >= 0:
		return fmt.Sprintf("%s at offset %d", path, it.Offset)
	}
	return path
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
// The walk is safe on a hostile tree (issue 10): it opens regular files
// only (a FIFO, socket or device is skipped and named), never follows a
// symbolic link out of the root and, unless FollowSymlinks, none inside
// it; it walks each folder once (by device and inode), so a link loop
// ends; and it refuses a file over its kind's size limit from its size,
// before reading it, reading at most the limit anyway. Each entry it does
// not read becomes an Item whose Err is a *SkipError or a *TooLargeError.
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
	// MaxMboxBytes is the largest mbox file; zero means
	// DefaultMaxMboxBytes.
	MaxMboxBytes int64
	// MaxPostsBytes is the largest JSON-lines file; zero means
	// DefaultMaxPostsBytes.
	MaxPostsBytes int64
	// MaxSlackFileBytes is the largest file of a Slack export; zero means
	// DefaultMaxSlackFileBytes.
	MaxSlackFileBytes int64
	// FollowSymlinks follows symbolic links whose target is inside the
	// root. Links out of the root are never followed. False (the default)
	// follows none, and each link is skipped and named.
	FollowSymlinks bool
	// Options are given to the social export readers (project, source).
	Options ingest.Options

	// Ignored counts the files Walk left alone; IgnoredPaths names the
	// first few.
	Ignored      int
	IgnoredPaths []string

	depth   int            // folders below the root being walked
	root    string         // the root, absolute, its links resolved
	visited map[dirID]bool // folders walked, against link loops
}

// maxWalkDepth is the deepest folder Walk enters: far deeper than any real
// mail tree, and a stop for loops on a platform without inodes.
const maxWalkDepth = 64

// maxIgnoredPaths is how many ignored files a Walker names.
const maxIgnoredPaths = 10

// Walk calls fn with each item under root, in a stable order (folders in
// name order). It stops at the first error fn returns, or when ctx is done,
// and returns it. Errors reading a single file, and entries not read
// (links, special files, files too large), become items with Err set;
// Walk itself fails only when root cannot be read. root may itself be a
// symbolic link: it is resolved once, at the start.
func (w *Walker) Walk(ctx context.Context, root string, fn func(*Item) error) error {
	if w.MaxMessageBytes <= 0 {
		w.MaxMessageBytes = ingest.DefaultMaxMessageBytes
	}
	if w.MaxDocumentBytes <= 0 {
		w.MaxDocumentBytes = ingest.DefaultMaxDocumentBytes
	}
	if w.MaxMboxBytes <= 0 {
		w.MaxMboxBytes = DefaultMaxMboxBytes
	}
	if w.MaxPostsBytes <= 0 {
		w.MaxPostsBytes = DefaultMaxPostsBytes
	}
	if w.MaxSlackFileBytes <= 0 {
		w.MaxSlackFileBytes = DefaultMaxSlackFileBytes
	}
	// Resolve the root once; links below it are judged against it.
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	if w.root, err = filepath.Abs(real); err != nil {
		return err
	}
	w.visited = map[dirID]bool{}
	// Walk the path as given (so the summary names what the user typed)
	// unless it is itself a link.
	start := root
	if lfi, err := os.Lstat(root); err == nil && lfi.Mode()&os.ModeSymlink != 0 {
		start = real
	}
	fi, err := os.Stat(start)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		w.visit(fi)
		return w.walkDir(ctx, start, fn)
	}
	return w.walkFile(ctx, start, fn)
}

// visit marks a folder walked and reports whether it was new.
func (w *Walker) visit(fi os.FileInfo) bool {
	id, ok := idOf(fi)
	if !ok {
		return true
	}
	if w.visited[id] {
		return false
	}
	w.visited[id] = true
	return true
}

// inside reports whether the resolved absolute path p is the root or
// below it.
func (w *Walker) inside(p string) bool {
	rel, err := filepath.Rel(w.root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// skip reports an entry not read.
func skip(fn func(*Item) error, se *SkipError) error {
	return fn(&Item{Path: se.Path, Offset: -1, Index: -1, Err: se})
}

// entry looks at the entry name of folder dir without following it. For a
// regular file or a folder to walk it returns the path to read (a
// followed link's resolved target) and its information; anything else it
// reports through fn as skipped or failed, and returns ok false.
func (w *Walker) entry(dir, name string, fn func(*Item) error) (p string, fi os.FileInfo, ok bool, err error) {
	p = filepath.Join(dir, name)
	fi, err = os.Lstat(p)
	if err != nil {
		return "", nil, false, fn(&Item{Path: p, Offset: -1, Index: -1, Err: err})
	}
	mode := fi.Mode()
	switch {
	case mode.IsDir(), mode.IsRegular():
		return p, fi, true, nil
	case mode&os.ModeSymlink == 0:
		return "", nil, false, skip(fn, &SkipError{Path: p, Reason: notRegular(mode)})
	}
	// A symbolic link: where does it lead?
	target, terr := filepath.EvalSymlinks(p)
	if terr != nil {
		dest, _ := os.Readlink(p)
		return "", nil, false, skip(fn, &SkipError{Path: p, Reason: ReasonSymlinkBroken, Target: dest})
	}
	if abs, aerr := filepath.Abs(target); aerr == nil {
		target = abs
	}
	if !w.inside(target) {
		return "", nil, false, skip(fn, &SkipError{Path: p, Reason: ReasonSymlinkOutside, Target: target})
	}
	if !w.FollowSymlinks {
		return "", nil, false, skip(fn, &SkipError{Path: p, Reason: ReasonSymlinkNotFollowed, Target: target})
	}
	tfi, err := os.Stat(target)
	if err != nil {
		return "", nil, false, fn(&Item{Path: p, Offset: -1, Index: -1, Err: err})
	}
	if !tfi.IsDir() && !tfi.Mode().IsRegular() {
		return "", nil, false, skip(fn, &SkipError{Path: p, Reason: notRegular(tfi.Mode()), Target: target})
	}
	return target, tfi, true, nil
}

// enter walks the sub-folder p (information fi) once: a folder already
// walked, or one too deep, is skipped and named. name is the entry that
// led there: p itself, or a followed link.
func (w *Walker) enter(ctx context.Context, name, p string, fi os.FileInfo, fn func(*Item) error, walk func(context.Context, string, func(*Item) error) error) error {
	se := &SkipError{Path: name}
	if name != p {
		se.Target = p
	}
	if w.depth >= maxWalkDepth {
		se.Reason = ReasonTooDeep
		return skip(fn, se)
	}
	if !w.visit(fi) {
		se.Reason = ReasonLoop
		return skip(fn, se)
	}
	w.depth++
	defer func() { w.depth-- }()
	return walk(ctx, p, fn)
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
		if err := ctx.Err(); err != nil {
			return err
		}
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p, fi, ok, err := w.entry(dir, e.Name(), fn)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if fi.IsDir() {
			err = w.enter(ctx, filepath.Join(dir, e.Name()), p, fi, fn, w.walkDir)
		} else {
			err = w.walkFile(ctx, p, fn)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// isMaildir reports whether dir has the cur and new folders of a Maildir
// (folders, not links to them).
func isMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		if fi, err := os.Lstat(filepath.Join(dir, sub)); err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// isSlackExport reports whether dir holds a Slack export's channels.json
// (a regular file, not a link).
func isSlackExport(dir string) bool {
	fi, err := os.Lstat(filepath.Join(dir, "channels.json"))
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
			p, fi, ok, err := w.entry(filepath.Join(dir, sub), e.Name(), fn)
			if err != nil {
				return err
			}
			if !ok || fi.IsDir() {
				continue
			}
			if err := fn(w.readWhole(p, KindMail)); err != nil {
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

// walkFile reads one file by what it is. It opens regular files only,
// and refuses a file over its kind's limit before reading it.
func (w *Walker) walkFile(ctx context.Context, path string, fn func(*Item) error) error {
	f, fi, err := openRegular(path)
	if err != nil {
		return fn(&Item{Path: path, Offset: -1, Index: -1, Err: err})
	}
	defer f.Close()
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".jsonl", ".ndjson":
		return w.walkPosts(ctx, path, f, fi, fn)
	case ".pdf", ".docx", ".md", ".markdown", ".html", ".htm", ".xhtml":
		return fn(w.readItem(f, fi, path, KindDocument))
	}
	// Everything else by its first bytes: an mbox, a message, a text
	// document (the SpamAssassin corpus names its messages *.txt).
	head, err := readHead(f, 4096)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		return fn(&Item{Path: path, Offset: -1, Index: -1, Err: fmt.Errorf("read %q: %w", path, err)})
	}
	switch {
	case fromLine.Match(firstLine(head)):
		return w.walkMbox(ctx, path, f, fi, fn)
	case looksLikeMessage(head):
		return fn(w.readItem(f, fi, path, KindMail))
	case documentExts[ext]:
		return fn(w.readItem(f, fi, path, KindDocument))
	case mailExts[ext], headerLine.Match(firstLine(head)):
		// Named like a message, or starting like a header block: read
		// as one, so that it imports or fails with the parser's reason.
		return fn(w.readItem(f, fi, path, KindMail))
	}
	w.Ignored++
	if len(w.IgnoredPaths) < maxIgnoredPaths {
		w.IgnoredPaths = append(w.IgnoredPaths, path)
	}
	return nil
}

// readWhole opens a file and reads it as one item.
func (w *Walker) readWhole(path, kind string) *Item {
	f, fi, err := openRegular(path)
	if err != nil {
		return &Item{Kind: kind, Path: path, Offset: -1, Index: -1, Err: err}
	}
	defer f.Close()
	return w.readItem(f, fi, path, kind)
}

// readItem reads an open file as one item, refusing it by its size
// before reading when it is over its kind's limit.
func (w *Walker) readItem(f *os.File, fi os.FileInfo, path, kind string) *Item {
	it := &Item{Kind: kind, Path: path, Offset: -1, Index: -1}
	what, limit := "message", w.MaxMessageBytes
	if kind == KindDocument {
		what, limit = "document", w.MaxDocumentBytes
	}
	it.Data, it.Err = readAll(f, fi, path, what, limit)
	return it
}

// tooLarge is the error of a message over its size limit.
func tooLarge(kind string, limit int64) error {
	what := "message"
	if kind == KindDocument {
		what = "document"
	}
	return doctales.FieldErrorf(doctales.ETOOLARGE, "body", "%s is larger than the limit of %d bytes", what, limit)
}

// readHead returns the first n bytes of f.
func readHead(f io.Reader, n int) ([]byte, error) {
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
//
// The file is refused by its size when over MaxMboxBytes, and read no
// further than that if it grows.
func (w *Walker) walkMbox(ctx context.Context, path string, f *os.File, fi os.FileInfo, fn func(*Item) error) error {
	if err := checkSize(path, "mbox", fi, w.MaxMboxBytes); err != nil {
		return fn(&Item{Kind: KindMail, Path: path, Offset: -1, Index: -1, Err: err})
	}
	lr := &io.LimitedReader{R: f, N: w.MaxMboxBytes + 1}
	br := bufio.NewReaderSize(lr, 64<<10)
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
			if lr.N == 0 {
				// Grown past the limit while read: the message in hand
				// is cut, so it fails with the file's size error.
				return fn(&Item{Kind: KindMail, Path: path, Offset: pos, Index: -1,
					Err: &TooLargeError{Path: path, What: "mbox", Size: pos, Limit: w.MaxMboxBytes}})
			}
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
// non-blank line, refused by its size when over MaxPostsBytes and read no
// further than that if it grows.
func (w *Walker) walkPosts(ctx context.Context, path string, f *os.File, fi os.FileInfo, fn func(*Item) error) error {
	if err := checkSize(path, "JSON-lines file", fi, w.MaxPostsBytes); err != nil {
		return fn(&Item{Kind: KindPost, Path: path, Offset: -1, Index: -1, Err: err})
	}
	lr := &io.LimitedReader{R: f, N: w.MaxPostsBytes + 1}
	br := bufio.NewReaderSize(lr, 64<<10)
	var pos int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, rerr := br.ReadSlice('\n')
		if rerr == io.EOF && lr.N == 0 {
			return fn(&Item{Kind: KindPost, Path: path, Offset: pos, Index: -1,
				Err: &TooLargeError{Path: path, What: "JSON-lines file", Size: pos + int64(len(line)), Limit: w.MaxPostsBytes}})
		}
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
// then each channel folder's day files in name (date) order. Every file is
// refused by its size when over MaxSlackFileBytes, before it is read: a
// day file is decoded whole.
func (w *Walker) walkSlack(ctx context.Context, dir string, fn func(*Item) error) error {
	var failed error
	read := func(name string) []byte {
		b, err := readFile(filepath.Join(dir, name), "Slack file", w.MaxSlackFileBytes)
		if err != nil && !errors.Is(err, fs.ErrNotExist) && failed == nil {
			failed = err
		}
		return b
	}
	users, channels := read("users.json"), read("channels.json")
	if failed != nil {
		return fn(&Item{Kind: KindPost, Path: dir, Offset: -1, Index: -1, Err: failed})
	}
	d, err := ingest.NewSlackDirectory(users, channels)
	if err != nil {
		return fn(&Item{Kind: KindPost, Path: dir, Offset: -1, Index: -1, Err: err})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fn(&Item{Kind: KindPost, Path: dir, Offset: -1, Index: -1, Err: err})
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || e.Type().IsRegular() {
			continue // the export's own files, read above or not needed
		}
		p, fi, ok, err := w.entry(dir, e.Name(), fn)
		if err != nil {
			return err
		}
		if !ok || !fi.IsDir() {
			continue
		}
		channel := e.Name()
		err = w.enter(ctx, filepath.Join(dir, e.Name()), p, fi, fn, func(ctx context.Context, cdir string, fn func(*Item) error) error {
			return w.walkChannel(ctx, d, channel, cdir, fn)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// walkChannel reads the day files (<date>.json) of one channel folder of
// a Slack export, in name order.
func (w *Walker) walkChannel(ctx context.Context, d *ingest.SlackDirectory, channel, cdir string, fn func(*Item) error) error {
	days, err := os.ReadDir(cdir)
	if err != nil {
		return fn(&Item{Kind: KindPost, Path: cdir, Offset: -1, Index: -1, Err: err})
	}
	for _, e := range days {
		if err := ctx.Err(); err != nil {
			return err
		}
		if filepath.Ext(e.Name()) != ".json" {
			continue
		}
		day, fi, ok, err := w.entry(cdir, e.Name(), fn)
		if err != nil {
			return err
		}
		if !ok || fi.IsDir() {
			continue
		}
		data, err := readFile(day, "Slack day file", w.MaxSlackFileBytes)
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
	return nil
}
