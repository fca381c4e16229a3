package importer

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"unicode/utf8"

	"github.com/doctales/doctales"
)

// Size limits of the files a [Walker] reads, checked on the file's size
// before a byte is read and again while reading (a file that grows, a
// /proc file that stats as 0 bytes), so a hostile or damaged tree cannot
// exhaust memory or keep the walk reading for ever. Messages and documents
// use the ingest limits (ingest.DefaultMaxMessageBytes, 25 MiB, and
// ingest.DefaultMaxDocumentBytes, 32 MiB). Issue 10.
const (
	// DefaultMaxMboxBytes is the largest mbox file, in bytes (64 GiB). An
	// mbox is streamed one message at a time, so this bounds the time of
	// the walk, not its memory: far above any real mailbox.
	DefaultMaxMboxBytes = 64 << 30

	// DefaultMaxPostsBytes is the largest JSON-lines file of posts, in
	// bytes (16 GiB). Streamed a line at a time (each line at most
	// DefaultMaxLineBytes), so again a bound on time.
	DefaultMaxPostsBytes = 16 << 30

	// DefaultMaxSlackFileBytes is the largest file of a Slack export
	// (users.json, channels.json, a <channel>/<date>.json day file), in
	// bytes (64 MiB). A day file is decoded whole, so this bounds memory:
	// a busy channel's day is a few MiB.
	DefaultMaxSlackFileBytes = 64 << 20
)

// Reasons a walk skips an entry without reading it. Each is a group of
// the import summary's "skipped" list.
const (
	ReasonSymlinkOutside     = "symbolic link to outside the import folder"
	ReasonSymlinkNotFollowed = "symbolic link not followed (--follow-symlinks follows links that stay inside the folder)"
	ReasonSymlinkBroken      = "symbolic link that cannot be resolved (a loop or a missing target)"
	ReasonLoop               = "folder already walked (a symbolic link loop)"
	ReasonTooDeep            = "folder nested too deep"
)

// SkipError is the error of an entry a [Walker] will not read: a symbolic
// link it does not follow, a FIFO, socket or device, a folder already
// walked. The [Importer] counts such items as skipped, grouped by Reason.
type SkipError struct {
	Path   string // the entry
	Reason string // one of the Reason… constants, or "not a regular file (…)"
	Target string // where a symbolic link points, when known
}

// Error names the entry, escaped, and the reason.
func (e *SkipError) Error() string {
	if e.Target != "" {
		return fmt.Sprintf("%s: %s -> %s", e.Reason, Escape(e.Path), Escape(e.Target))
	}
	return fmt.Sprintf("%s: %s", e.Reason, Escape(e.Path))
}

// notRegular is the reason for an entry of mode m that is neither a
// regular file nor a folder.
func notRegular(m fs.FileMode) string {
	kind := "special file"
	switch {
	case m&fs.ModeNamedPipe != 0:
		kind = "FIFO"
	case m&fs.ModeSocket != 0:
		kind = "socket"
	case m&fs.ModeCharDevice != 0:
		kind = "character device"
	case m&fs.ModeDevice != 0:
		kind = "block device"
	case m&fs.ModeSymlink != 0:
		kind = "symbolic link"
	}
	return "not a regular file (" + kind + ")"
}

// TooLargeError is the error of a file over its kind's size limit. It
// wraps an ETOOLARGE [doctales.Error] without the path, so that the
// summary groups such files by kind.
type TooLargeError struct {
	Path  string
	What  string // "message", "mbox", "document", "Slack file", ...
	Size  int64  // bytes, as far as known (the limit plus one when the file grew while read)
	Limit int64
}

// Error names the file (quoted), its size and the limit.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s %q is %d bytes, over the limit of %d bytes", e.What, e.Path, e.Size, e.Limit)
}

// Unwrap returns the ETOOLARGE error, for doctales.ErrorCode.
func (e *TooLargeError) Unwrap() error {
	return doctales.FieldErrorf(doctales.ETOOLARGE, "body", "%s is %d bytes, over the limit of %d bytes", e.What, e.Size, e.Limit)
}

// Escape returns s as is when every rune is printable, else quoted with
// strconv.Quote, so a file name holding an escape sequence, a carriage
// return or invalid UTF-8 never reaches a terminal raw.
func Escape(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// openRegular opens path for reading if it is a regular file: without
// following a symbolic link and without blocking on a FIFO, then checked
// again with fstat, so a file swapped between the walk's look and the open
// is refused rather than read. A refused file gives a *SkipError.
func openRegular(path string) (*os.File, os.FileInfo, error) {
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		if fi, lerr := os.Lstat(path); lerr == nil && !fi.Mode().IsRegular() {
			return nil, nil, &SkipError{Path: path, Reason: notRegular(fi.Mode())}
		}
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, &SkipError{Path: path, Reason: notRegular(fi.Mode())}
	}
	return f, fi, nil
}

// checkSize refuses a file whose stat size is over limit.
func checkSize(path, what string, fi os.FileInfo, limit int64) error {
	if fi.Size() > limit {
		return &TooLargeError{Path: path, What: what, Size: fi.Size(), Limit: limit}
	}
	return nil
}

// readAll reads f whole, refusing it by its size before reading and
// reading at most limit+1 bytes whatever the size said.
func readAll(f *os.File, fi os.FileInfo, path, what string, limit int64) ([]byte, error) {
	if err := checkSize(path, what, fi, limit); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{Path: path, What: what, Size: int64(len(data)), Limit: limit}
	}
	return data, nil
}

// readFile opens and reads a regular file of at most limit bytes.
func readFile(path, what string, limit int64) ([]byte, error) {
	f, fi, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f, fi, path, what, limit)
}
