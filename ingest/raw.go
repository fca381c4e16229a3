package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/doctales/doctales"
)

// Default limits of a [Parser]: the safety limits on raw sources. Each
// breach is a *doctales.Error with code ETOOLARGE whose message names the
// limit and its value.
const (
	// DefaultMaxMessageBytes is the largest raw e-mail message, in bytes
	// (25 MiB): the limit of the big mail providers, so every message a
	// person received fits.
	DefaultMaxMessageBytes = 25 << 20

	// DefaultMaxDocumentBytes is the largest document file, in bytes
	// (32 MiB).
	DefaultMaxDocumentBytes = 32 << 20

	// DefaultMaxAttachments is the most attachments kept from one message.
	DefaultMaxAttachmentCount = DefaultMaxAttachments

	// DefaultMaxAttachmentBytes is the largest decoded attachment, in bytes
	// (25 MiB).
	DefaultMaxAttachmentBytes = 25 << 20

	// DefaultMaxPartDepth is the deepest nesting of MIME multiparts, in
	// levels (a plain message is 0, multipart/mixed holding
	// multipart/alternative is 2). Real mail nests less than 6 levels;
	// deep nesting only costs stack and time.
	DefaultMaxPartDepth = 20

	// DefaultMaxParts is the most MIME parts in one message.
	DefaultMaxParts = 1000

	// DefaultMaxContentBytes is the most text kept in a communication's
	// content, in bytes (1 MiB); longer text is cut at a character
	// boundary and Fields["contentTruncated"] is set.
	DefaultMaxContentBytes = 1 << 20

	// DefaultMaxUncompressedBytes is the most bytes a DOCX (a ZIP file) may
	// expand to, summed over the entries read (64 MiB): a guard against
	// zip bombs.
	DefaultMaxUncompressedBytes = 64 << 20

	// DefaultMaxCompressionRatio is the highest ratio of uncompressed to
	// compressed size of a ZIP entry. Office XML compresses about 10:1; a
	// zip bomb compresses 1000:1 and more.
	DefaultMaxCompressionRatio = 200

	// DefaultMaxZipEntries is the most entries in a DOCX.
	DefaultMaxZipEntries = 10000

	// DefaultDocumentTimeout is the longest a single message or document
	// may take to parse (10 s). A parser still running then is abandoned
	// and the item fails.
	DefaultDocumentTimeout = 10 * time.Second
)

// Parser reads raw sources (e-mail messages, documents, social exports)
// into communications. The zero value is ready to use with the default
// limits and the system clock. A Parser is safe for concurrent use as long
// as its fields are not changed.
type Parser struct {
	// MaxMessageBytes is the largest raw message, in bytes. Zero means
	// DefaultMaxMessageBytes.
	MaxMessageBytes int64

	// MaxDocumentBytes is the largest document file, in bytes. Zero means
	// DefaultMaxDocumentBytes.
	MaxDocumentBytes int64

	// MaxAttachments is the most attachments of one message. Zero means
	// DefaultMaxAttachmentCount.
	MaxAttachments int

	// MaxAttachmentBytes is the largest decoded attachment, in bytes.
	// Zero means DefaultMaxAttachmentBytes.
	MaxAttachmentBytes int64

	// MaxPartDepth is the deepest MIME multipart nesting, in levels. Zero
	// means DefaultMaxPartDepth.
	MaxPartDepth int

	// MaxParts is the most MIME parts of one message. Zero means
	// DefaultMaxParts.
	MaxParts int

	// MaxContentBytes is the most text kept as content, in bytes. Zero
	// means DefaultMaxContentBytes.
	MaxContentBytes int

	// MaxUncompressedBytes is the most bytes a DOCX may expand to. Zero
	// means DefaultMaxUncompressedBytes.
	MaxUncompressedBytes int64

	// MaxCompressionRatio is the highest uncompressed:compressed ratio of
	// a DOCX entry. Zero means DefaultMaxCompressionRatio.
	MaxCompressionRatio int

	// MaxZipEntries is the most entries of a DOCX. Zero means
	// DefaultMaxZipEntries.
	MaxZipEntries int

	// Timeout is the longest one message or document may take to parse.
	// Zero means DefaultDocumentTimeout; a negative value means no limit.
	Timeout time.Duration

	// Now gives the timestamp of a communication whose source has none.
	// Nil means time.Now.
	Now func() time.Time

	// Sandbox, when set, runs the format-specific extraction of
	// ParseDocument (PDF, DOCX, HTML and any format but plain text and
	// Markdown) as the job ExtractJob, in a process where a parser that
	// runs out of memory, overflows its stack or loops cannot hurt this
	// one: *sandbox.Pool, whose time-out then replaces Timeout for these
	// formats. Nil means in this process, where a fatal runtime error in
	// a third-party parser ends the program (issue 10).
	Sandbox Runner

	// PDFToText is the path of poppler's pdftotext. When set, the text of
	// a PDF comes from it (better text on real PDFs: see docs/import.md,
	// "PDF libraries"), run under limits of its own, and the metadata and
	// counts from the built-in reader. "" means the built-in reader only,
	// the default: no program outside this binary.
	PDFToText string
}

// Runner runs a named job on input bytes somewhere else and returns its
// output; *sandbox.Pool is one. Its errors are *sandbox.Error when the
// worker died, *sandbox.JobError when the job failed, or the context's.
type Runner interface {
	Run(ctx context.Context, job string, input []byte) ([]byte, error)
}

// Options are what the caller says about a raw item, beside its bytes.
type Options struct {
	// Project is the communication's project; "" means DefaultProject.
	Project string
	// Source is the source to record ("email", "gmail", "dropbox", ...);
	// "" means the kind's own: "email", "document" or the platform.
	Source string
	// Name is the file name of a document (its extension selects the
	// format when the content type does not).
	Name string
	// ContentType is the media type of a document, if known.
	ContentType string
	// Notify overrides the freshness rule of notifications for what is
	// stored: doctales.NotifyAlways, doctales.NotifyNever or "".
	Notify string
	// Owner is the user the communication belongs to ("" means
	// doctales.DefaultUserID). It is part of the derived id and of the
	// object keys, so that two users importing the same message each
	// keep their own copy.
	Owner string
}

// Parsed is one communication read from a raw source, with the objects to
// store beside its JSON object: the original bytes first, then the
// attachments. The ingestion function stores the objects before the
// communication, so the communication never names an object that is not
// there.
type Parsed struct {
	Communication *doctales.Communication
	Objects       []Object

	// VariantID, when set, is the id to store the communication under if
	// its own id is taken by different content: an e-mail that reuses
	// another message's Message-ID (test fixtures, broken mailers and
	// spam do). It is deterministic, so importing the message again finds
	// it there. See As.
	VariantID string
}

// As returns a copy of p under another id: the communication's id, the
// keys of its objects and the keys its Fields name change;
// Fields["variantOf"] keeps the original id.
func (p *Parsed) As(id string) *Parsed {
	c := *p.Communication
	c.ID = id
	c.Fields = maps.Clone(p.Communication.Fields)
	if c.Fields == nil {
		c.Fields = map[string]any{}
	}
	from, to := objectPrefix(p.Communication), objectPrefix(&c)
	rekey := func(k string) string { return to + strings.TrimPrefix(k, from) }
	objects := make([]Object, len(p.Objects))
	for i, o := range p.Objects {
		o.Key = rekey(o.Key)
		objects[i] = o
	}
	if k, ok := c.Fields["rawKey"].(string); ok {
		c.Fields["rawKey"] = rekey(k)
	}
	if ks, ok := c.Fields["attachmentKeys"].([]string); ok {
		out := make([]string, len(ks))
		for i, k := range ks {
			out[i] = rekey(k)
		}
		c.Fields["attachmentKeys"] = out
	}
	c.Fields["variantOf"] = p.Communication.ID
	return &Parsed{Communication: &c, Objects: objects}
}

// Object is an object to store beside a communication: its key in the
// object store, its bytes and its media type.
type Object struct {
	Key         string
	Data        []byte
	ContentType string
}

// withDefaults returns a copy of p with every zero field set to its default.
func (p *Parser) withDefaults() Parser {
	c := *p
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.MaxDocumentBytes <= 0 {
		c.MaxDocumentBytes = DefaultMaxDocumentBytes
	}
	if c.MaxAttachments <= 0 {
		c.MaxAttachments = DefaultMaxAttachmentCount
	}
	if c.MaxAttachmentBytes <= 0 {
		c.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if c.MaxPartDepth <= 0 {
		c.MaxPartDepth = DefaultMaxPartDepth
	}
	if c.MaxParts <= 0 {
		c.MaxParts = DefaultMaxParts
	}
	if c.MaxContentBytes <= 0 {
		c.MaxContentBytes = DefaultMaxContentBytes
	}
	if c.MaxUncompressedBytes <= 0 {
		c.MaxUncompressedBytes = DefaultMaxUncompressedBytes
	}
	if c.MaxCompressionRatio <= 0 {
		c.MaxCompressionRatio = DefaultMaxCompressionRatio
	}
	if c.MaxZipEntries <= 0 {
		c.MaxZipEntries = DefaultMaxZipEntries
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultDocumentTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// bounded runs parse with the parser's time limit and turns a panic in a
// third-party parser into a client error: a malformed file must fail alone,
// never take the process down. On a timeout the parse goroutine is left to
// finish on its own (Go cannot stop it); the size limits bound what it can
// hold meanwhile.
func (p *Parser) bounded(ctx context.Context, what string, parse func() (*Parsed, error)) (*Parsed, error) {
	type result struct {
		p   *Parsed
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: doctales.FieldErrorf(doctales.EINVALID, "body",
					"the %s could not be read: its parser failed (%v)", what, cut(fmt.Sprint(r), 200))}
			}
		}()
		res, err := parse()
		done <- result{res, err}
	}()
	var timeout <-chan time.Time
	if p.Timeout > 0 {
		t := time.NewTimer(p.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case r := <-done:
		return r.p, r.err
	case <-timeout:
		return nil, doctales.FieldErrorf(doctales.ETOOLARGE, "body",
			"the %s took longer than %s to parse; the limit is %s", what, p.Timeout, p.Timeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// DeriveID returns the deterministic id of a communication of kind ("mail",
// "doc", "post") in project whose identity is key (a Message-ID, a content
// hash, a platform and post id): the same key in the same project always
// gives the same id, so importing it again replays instead of duplicating.
// The id is kind + "-" + 32 hex digits, a valid id for the normaliser.
func DeriveID(kind, project, key string) string {
	h := sha256.New()
	h.Write([]byte(project))
	h.Write([]byte{0})
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return kind + "-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// idScope returns what a derived id of c is unique within: its project,
// and its owner when that is not the default user (ids derived before
// owners existed stay the same).
func idScope(c *doctales.Communication) string {
	if doctales.OwnerPrefix(c.Owner) == "" {
		return c.Project
	}
	return c.Owner + "\x00" + c.Project
}

// objectPrefix returns the key of c's JSON object without ".json": the
// prefix of every object stored beside it.
func objectPrefix(c *doctales.Communication) string {
	return strings.TrimSuffix(doctales.ObjectKey(c), ".json")
}

// RawKey returns the key of the original bytes of c, stored beside its JSON
// object with the extension ext (".eml", ".pdf"):
// "<type>/<yyyy>/<mm>/<dd>/<id><ext>".
func RawKey(c *doctales.Communication, ext string) string {
	return objectPrefix(c) + ext
}

// AttachmentKey returns the key of c's attachment n (from 1) named name:
// "<type>/<yyyy>/<mm>/<dd>/<id>/attachments/<n>-<safe name>". The name is
// reduced to letters, digits, ".", "_" and "-" so that it is a safe path
// segment on every file system; it is never used to run anything.
func AttachmentKey(c *doctales.Communication, n int, name string) string {
	return fmt.Sprintf("%s/attachments/%d-%s", objectPrefix(c), n, SafeName(name))
}

// SafeName returns name reduced to a safe file name: ASCII letters, digits,
// ".", "_" and "-", other runs replaced by "_", no leading dot, at most 100
// bytes, "file" when nothing is left.
func SafeName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	under := false
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			if !under {
				b.WriteByte('_')
				under = true
			}
			continue
		}
		b.WriteRune(r)
		under = false
	}
	s := strings.TrimLeft(b.String(), ".")
	for strings.Contains(s, "..") {
		s = strings.ReplaceAll(s, "..", ".")
	}
	if len(s) > 100 {
		s = s[len(s)-100:]
		s = strings.TrimLeft(s, ".")
	}
	if s == "" || s == "_" {
		return "file"
	}
	return s
}

// cut returns s cut to at most n bytes at a character boundary, with "…"
// appended when cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// cutChars returns s cut to at most n characters.
func cutChars(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// clean returns s as valid UTF-8 without NUL bytes and with surrounding
// space trimmed.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.ContainsRune(s, 0) {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return strings.TrimSpace(s)
}

// setContent sets c.Content to text, cut to max bytes, and records a cut in
// Fields. Line breaks are "\n": a message sent over SMTP ends its lines
// with CRLF, a file from an old Mac with CR alone, and the extraction
// engine reads a blank line as the end of a paragraph (whom it
// addresses, where a quote ends) only as "\n\n". The raw object keeps
// the bytes as they came.
func setContent(c *doctales.Communication, text string, max int) {
	text = clean(text)
	if strings.IndexByte(text, '\r') >= 0 {
		text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	}
	if len(text) > max {
		c.Fields["contentTruncated"] = true
		c.Fields["contentBytes"] = len(text)
		i := max
		for i > 0 && !utf8.RuneStart(text[i]) {
			i--
		}
		text = text[:i]
	}
	c.Content = text
}

// project returns the project of opt, or DefaultProject.
func (o Options) project() string {
	if o.Project == "" {
		return DefaultProject
	}
	return o.Project
}

// checkOptions validates the caller's project and source with the
// normaliser's rules.
func (o Options) check() error {
	if err := maxChars("project", o.Project, DefaultMaxProjectLength); err != nil {
		return err
	}
	if err := maxChars("source", o.Source, DefaultMaxNameLength); err != nil {
		return err
	}
	if !utf8.ValidString(o.Project) || !utf8.ValidString(o.Source) {
		return doctales.FieldErrorf(doctales.EINVALID, "project", "project and source must be valid UTF-8")
	}
	return nil
}
