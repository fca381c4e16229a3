package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"mime"
	"net/mail"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/invite"
	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
	"golang.org/x/text/encoding/charmap"
)

// MediaTypeMail is the media type of a raw e-mail message.
const MediaTypeMail = "message/rfc822"

// maxParseWarnings is the most parser warnings kept in Fields.
const maxParseWarnings = 10

// maxReferences is the most Message-IDs kept from References.
const maxReferences = 100

// mailParser is the enmime configuration: tolerant of malformed parts (they
// are skipped and noted), no HTML down-conversion (HTMLText does it),
// base64-damaged text kept as far as it decodes, the declared charset
// trusted (no guessing), and undeclared 8-bit text read as UTF-8 when it
// is (parseMediaType).
var mailParser = enmime.NewParser(
	enmime.SkipMalformedParts(true),
	enmime.SetCustomParseMediaType(parseMediaType),
	enmime.DisableTextConversion(true),
	enmime.DisableCharacterDetection(true),
	enmime.MaxStoredPartErrors(maxParseWarnings),
	enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
)

// ParseMail reads a raw RFC 5322 e-mail message (a leading mbox "From "
// line is allowed) into an e-mail communication and the objects to store
// beside it: the original bytes under RawKey(c, ".eml") and each attachment
// under AttachmentKey.
//
// The communication's id derives from opt.Project and the Message-ID (or,
// without one, the message's content), so the same message gives the same
// id again. Its RequestHash is the hash of the message without its trace
// headers (see mailHash), so a second delivery of the same message, with
// other Received lines, replays too; a different message that reuses the
// Message-ID conflicts, and Parsed.VariantID names the id to store it
// under instead. Sender and recipients are the
// addresses, with the display names kept in Fields ("from", "to", "cc",
// "replyTo"); Fields also holds the thread (messageId, inReplyTo,
// references, threadId), listId and the priority headers as sent
// ("x-priority", "importance", "x-msmail-priority"): weak evidence the
// extraction engine weighs, never the sender urgency. An HTML-only message
// is turned into text. Charsets are converted to UTF-8.
//
// Errors are *doctales.Error: ETOOLARGE for a breached limit (message size,
// attachment count or size, part count or nesting, parse time) and EINVALID
// for bytes that are not a message. A malformed part does not fail the
// message: it is skipped and named in Fields["parseWarnings"].
func (p *Parser) ParseMail(ctx context.Context, raw []byte, opt Options) (*Parsed, error) {
	cfg := p.withDefaults()
	if err := opt.check(); err != nil {
		return nil, err
	}
	if int64(len(raw)) > cfg.MaxMessageBytes {
		return nil, doctales.FieldErrorf(doctales.ETOOLARGE, "body",
			"message is %d bytes; the limit is %d bytes", len(raw), cfg.MaxMessageBytes)
	}
	msg := raw
	if bytes.HasPrefix(msg, []byte("From ")) {
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		} else {
			msg = nil
		}
	}
	if len(bytes.TrimSpace(msg)) == 0 {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "body", "message is empty")
	}
	// enmime recurses once per multipart level: refuse absurd numbers of
	// boundaries before it starts, and check the real depth after.
	if n := countFold(msg, "boundary="); n > cfg.MaxParts {
		return nil, doctales.FieldErrorf(doctales.ETOOLARGE, "body",
			"message declares %d multipart boundaries; the limit is %d MIME parts", n, cfg.MaxParts)
	}
	return cfg.bounded(ctx, "message", func() (*Parsed, error) {
		return cfg.parseMail(raw, msg, opt)
	})
}

// parseMail does the work of ParseMail on a parser with defaults set.
func (p *Parser) parseMail(raw, msg []byte, opt Options) (*Parsed, error) {
	env, err := mailParser.ReadEnvelope(bytes.NewReader(msg))
	if err != nil {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "body",
			"not a readable e-mail message: %s", cut(clean(err.Error()), 200))
	}
	if !looksLikeMail(env) {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "body",
			"not an e-mail message: it has none of the From, To, Date, Subject, Message-ID or Received headers")
	}

	// Limits on the MIME structure.
	parts, depth := 0, 0
	walkParts(env.Root, 0, func(_ *enmime.Part, d int) {
		parts++
		depth = max(depth, d)
	})
	if parts > p.MaxParts {
		return nil, doctales.FieldErrorf(doctales.ETOOLARGE, "body",
			"message has %d MIME parts; the limit is %d", parts, p.MaxParts)
	}
	if depth > p.MaxPartDepth {
		return nil, doctales.FieldErrorf(doctales.ETOOLARGE, "body",
			"message nests MIME multiparts %d levels deep; the limit is %d", depth, p.MaxPartDepth)
	}

	c := &doctales.Communication{
		Type:        doctales.TypeEmail,
		Owner:       opt.Owner,
		Metadata:    doctales.Metadata{Notify: opt.Notify},
		Source:      opt.Source,
		Project:     opt.project(),
		Recipients:  []string{},
		Attachments: []doctales.Attachment{},
		Fields:      map[string]any{},
	}
	if c.Source == "" {
		c.Source = doctales.TypeEmail
	}
	c.Subject = cutChars(clean(oneLine(env.GetHeader("Subject"))), DefaultMaxSubjectLength)

	// Sender and recipients, with their display names.
	from := addresses(env, "From")
	if len(from) > 0 {
		c.Sender, c.SenderID = from[0].Name, from[0].Address
		if c.Sender == "" {
			c.Sender = c.SenderID
		}
		c.Fields["from"] = contacts(from[:1])
	}
	to, cc, replyTo := addresses(env, "To"), addresses(env, "Cc"), addresses(env, "Reply-To")
	c.Recipients = addrList(to)
	if len(cc) > 0 {
		c.Cc = addrList(cc)
		c.Fields["cc"] = contacts(cc)
	}
	if len(to) > 0 {
		c.Fields["to"] = contacts(to)
	}
	if len(replyTo) > 0 {
		c.Fields["replyTo"] = contacts(replyTo)
	}

	// Date, else the newest Received stamp, else now.
	c.Timestamp, c.Fields["dateSource"] = mailDate(env, p.Now)

	// Thread and list.
	msgID := firstID(env.GetHeader("Message-Id"))
	if msgID != "" {
		c.Fields["messageId"] = msgID
	}
	inReplyTo := firstID(env.GetHeader("In-Reply-To"))
	if inReplyTo != "" {
		c.Fields["inReplyTo"] = inReplyTo
	}
	refs := messageIDs(env.GetHeader("References"))
	if len(refs) > maxReferences {
		refs = refs[len(refs)-maxReferences:]
	}
	if len(refs) > 0 {
		c.Fields["references"] = refs
	}
	switch {
	case len(refs) > 0:
		c.Fields["threadId"] = refs[0]
	case inReplyTo != "":
		c.Fields["threadId"] = inReplyTo
	case msgID != "":
		c.Fields["threadId"] = msgID
	}
	if v := clean(env.GetHeader("List-Id")); v != "" {
		c.Fields["listId"] = cutChars(v, DefaultMaxNameLength)
	}
	// What kind of message it is, as its headers say: read by the
	// extraction engine's category (issue 14). Kept short: they are
	// evidence, not content.
	for _, h := range []struct{ header, field string }{
		{"List-Unsubscribe", "listUnsubscribe"}, {"List-Post", "listPost"}, {"Precedence", "precedence"},
		{"Auto-Submitted", "autoSubmitted"}, {"X-Autoreply", "xAutoreply"}, {"X-Autorespond", "xAutorespond"},
		{"X-Auto-Response-Suppress", "xAutoResponseSuppress"}, {"Return-Path", "returnPath"},
		{"X-Mailer", "xMailer"}, {"X-Campaign", "xCampaign"}, {"X-Mailchimp-Campaign", "xCampaign"},
		{"Feedback-ID", "feedbackId"}, {"X-Beenthere", "xBeenthere"}, {"Mailing-List", "mailingList"}, {"List-Archive", "listArchive"},
	} {
		if v := clean(oneLine(env.GetHeader(h.header))); v != "" {
			c.Fields[h.field] = cutChars(v, 200)
		}
	}
	// Priority headers as sent: weak evidence, read by the extraction
	// engine, never turned into the sender's urgency (spam sets them).
	for _, h := range []string{"X-Priority", "Importance", "X-MSMail-Priority", "Priority"} {
		if v := clean(env.GetHeader(h)); v != "" {
			c.Fields[strings.ToLower(h)] = cutChars(v, 64)
		}
	}

	// Body: the text part, else the HTML part made readable.
	text := undeclaredText(env.Root, "text/plain", env.Text)
	if strings.TrimSpace(text) == "" && env.HTML != "" {
		html := undeclaredText(env.Root, "text/html", env.HTML)
		text, _ = HTMLText(strings.NewReader(html), p.MaxContentBytes+1)
		c.Fields["bodyFromHtml"] = true
	}
	if env.HTML != "" {
		c.Fields["hasHtml"] = true
	}
	setContent(c, text, p.MaxContentBytes)
	if cs := textCharset(env.Root); cs != "" {
		c.Fields["charset"] = cs
	}

	// Attachments: described on the communication, stored beside it.
	files := make([]*enmime.Part, 0, len(env.Attachments)+len(env.Inlines))
	files = append(files, env.Attachments...)
	files = append(files, env.Inlines...)
	for _, op := range env.OtherParts {
		if len(op.Content) > 0 && !strings.HasPrefix(op.ContentType, "multipart/") {
			files = append(files, op)
		}
	}
	calendarWarning := ""
	// A calendar invitation's start and method, for the extraction
	// engine (issue 14: an invitation's deadline is the meeting start,
	// which an Outlook body often does not say).
	for _, part := range files {
		if !strings.EqualFold(part.ContentType, "text/calendar") && !strings.HasSuffix(strings.ToLower(part.FileName), ".ics") {
			continue
		}
		inv, err := invite.Parse(part.Content, c.Timestamp.Location())
		if err != nil {
			calendarWarning = cut(clean(err.Error()), 200)
			break
		}
		c.Fields["calendarStart"] = inv.Start.Format(time.RFC3339)
		if inv.Method != "" {
			c.Fields["calendarMethod"] = inv.Method
		}
		if inv.AllDay {
			c.Fields["calendarAllDay"] = true
		}
		break
	}
	if len(files) > p.MaxAttachments {
		return nil, doctales.FieldErrorf(doctales.ETOOLARGE, "attachments",
			"message has %d attachments; the limit is %d", len(files), p.MaxAttachments)
	}

	// Identity: the Message-ID, else the content. The request hash is
	// the content without the trace headers, so the same message
	// delivered twice (other Received lines, another mbox) replays; a
	// different message reusing the Message-ID gets VariantID.
	c.RequestHash = mailHash(env, files)
	var variant string
	if msgID != "" {
		c.ID = DeriveID("mail", idScope(c), "message-id:"+msgID)
		variant = DeriveID("mail", idScope(c), "message-id:"+msgID+"\x00"+c.RequestHash)
	} else {
		c.ID = DeriveID("mail", idScope(c), "content:"+c.RequestHash)
	}
	objects := []Object{{Key: RawKey(c, ".eml"), Data: raw, ContentType: MediaTypeMail}}
	var keys []string
	for i, part := range files {
		name := clean(part.FileName)
		if name == "" {
			name = fmt.Sprintf("attachment-%d%s", i+1, extensionOf(part.ContentType))
		}
		name = cutChars(name, DefaultMaxNameLength)
		if int64(len(part.Content)) > p.MaxAttachmentBytes {
			return nil, doctales.FieldErrorf(doctales.ETOOLARGE, fmt.Sprintf("attachments[%d]", i),
				"attachment %d (%q) is %d bytes; the limit is %d bytes", i+1, name, len(part.Content), p.MaxAttachmentBytes)
		}
		ct := cutChars(clean(part.ContentType), DefaultMaxNameLength)
		if ct == "" {
			ct = "application/octet-stream"
		}
		key := AttachmentKey(c, i+1, name)
		c.Attachments = append(c.Attachments, doctales.Attachment{Name: name, Type: ct, Size: int64(len(part.Content))})
		objects = append(objects, Object{Key: key, Data: part.Content, ContentType: ct})
		keys = append(keys, key)
	}
	if len(keys) > 0 {
		c.Fields["attachmentKeys"] = keys
	}
	c.Fields["rawKey"] = objects[0].Key
	// The size of the original; no fileType, which would make the visual
	// dimension call every e-mail a document.
	c.Fields["rawSize"] = len(raw)

	// Parser warnings: what a best-effort parse skipped or repaired.
	var warns []string
	if calendarWarning != "" {
		warns = append(warns, calendarWarning)
	}
	for _, e := range env.Errors {
		if len(warns) == maxParseWarnings {
			break
		}
		if e.Name == enmime.ErrorPlainTextFromHTML {
			continue
		}
		warns = append(warns, cut(clean(e.Error()), 200))
	}
	if len(warns) > 0 {
		c.Fields["parseWarnings"] = warns
	}
	return &Parsed{Communication: c, Objects: objects, VariantID: variant}, nil
}

// mailHash returns the ContentHash of what makes a message itself: the
// identifying headers as decoded, the bodies and the attachments, but not
// the trace headers (Received, Return-Path, Delivered-To, X-...) that
// differ between two deliveries of the same message.
func mailHash(env *enmime.Envelope, files []*enmime.Part) string {
	h := sha256.New()
	for _, k := range []string{"Message-Id", "Date", "From", "To", "Cc", "Subject", "In-Reply-To", "References"} {
		fmt.Fprintf(h, "%s:%s\x00", k, env.GetHeader(k))
	}
	// The same message read from a file and from an mbox differs only in
	// line endings and the newlines at its end (issue 15): not its
	// identity.
	text, html := sameBody(env.Text), sameBody(env.HTML)
	fmt.Fprintf(h, "%d:%s\x00%d:%s\x00", len(text), text, len(html), html)
	for _, f := range files {
		sum := sha256.Sum256(f.Content)
		fmt.Fprintf(h, "%s\x00%s\x00%x\x00", f.FileName, f.ContentType, sum)
	}
	return doctales.ContentHash(h.Sum(nil))
}

// sameBody returns a body with CRLF line endings as LF and no trailing
// line breaks or spaces, for mailHash.
func sameBody(s string) string {
	return strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n\r\t ")
}

// looksLikeMail reports whether env has at least one header a message has.
func looksLikeMail(env *enmime.Envelope) bool {
	for _, h := range []string{"From", "To", "Date", "Subject", "Message-Id", "Received", "Return-Path", "Sender"} {
		if len(env.GetHeaderValues(h)) > 0 {
			return true
		}
	}
	return false
}

// walkParts calls fn for p and every part below it with its multipart
// depth.
func walkParts(p *enmime.Part, depth int, fn func(*enmime.Part, int)) {
	for ; p != nil; p = p.NextSibling {
		fn(p, depth)
		if p.FirstChild != nil {
			walkParts(p.FirstChild, depth+1, fn)
		}
	}
}

// parseMediaType reads a Content-Type for the MIME parser, with one
// change: a text part that declares no charset, or US-ASCII, is passed
// through as its bytes (charset utf-8) instead of being decoded as
// Windows-1252. Scripts and mailers that send 8-bit text without MIME
// headers write UTF-8 (RFC 6532), and reading it as Windows-1252 turned
// "às 15h" into "Ã\u00a0s 15h" and hid the message's language and dates;
// bodies that are not valid UTF-8 are decoded as Windows-1252 afterwards
// (undeclaredText), as the parser did.
func parseMediaType(ctype string) (string, map[string]string, []string, error) {
	mt, params, invalid, err := mediatype.Parse(ctype)
	if err == nil && strings.HasPrefix(mt, "text/") && asciiCharset(params["charset"]) {
		if params == nil {
			params = map[string]string{}
		}
		params["charset"] = "utf-8"
	}
	return mt, params, invalid, err
}

// asciiCharset reports whether cs, a declared charset, is US-ASCII or
// none (RFC 2045's default).
func asciiCharset(cs string) bool {
	switch strings.ToLower(strings.TrimSpace(cs)) {
	case "", "us-ascii", "ascii":
		return true
	}
	return false
}

// declaredCharset returns the charset p's Content-Type header declares,
// lower-cased, "us-ascii" when it declares none.
func declaredCharset(p *enmime.Part) string {
	_, params, _, err := mediatype.Parse(p.Header.Get("Content-Type"))
	if err != nil || strings.TrimSpace(params["charset"]) == "" {
		return "us-ascii"
	}
	return strings.ToLower(strings.TrimSpace(params["charset"]))
}

// undeclaredText returns s, the content of the first part of media type
// mt, as text: a part that declares US-ASCII or nothing was passed through
// as bytes (parseMediaType), and when those bytes are not UTF-8 they are
// Windows-1252, the usual 8-bit charset of mail without MIME headers.
func undeclaredText(root *enmime.Part, mt, s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var part *enmime.Part
	walkParts(root, 0, func(p *enmime.Part, _ int) {
		if part == nil && p.ContentType == mt {
			part = p
		}
	})
	if part == nil || !asciiCharset(declaredCharset(part)) {
		return s
	}
	if out, err := charmap.Windows1252.NewDecoder().String(s); err == nil {
		return out
	}
	return s
}

// textCharset returns the original charset of the first text part.
func textCharset(root *enmime.Part) string {
	var cs string
	walkParts(root, 0, func(p *enmime.Part, _ int) {
		if cs == "" && strings.HasPrefix(p.ContentType, "text/") {
			cs = declaredCharset(p)
		}
	})
	return cutChars(strings.ToLower(clean(cs)), 64)
}

// addresses parses an address header leniently: a list that does not parse
// is split on commas and each piece read as "Name <addr>" or a bare
// address, so a broken header still names who sent the message.
func addresses(env *enmime.Envelope, key string) []*mail.Address {
	raw := env.GetHeader(key)
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	var out []*mail.Address
	if list, err := env.AddressList(key); err == nil && len(list) > 0 {
		// "Lang, Petra <petra@…>" unquoted reads as a name without an
		// address and a second entry: keep only entries with an address.
		for _, a := range list {
			if strings.Contains(a.Address, "@") {
				out = append(out, a)
			}
		}
	}
	if len(out) == 0 && strings.Count(raw, "<") > 0 {
		// Each <address> with the words before it as its name: the
		// commas of unquoted "Last, First" names are not separators.
		prev := 0
		for _, m := range angleAddr().FindAllStringSubmatchIndex(raw, -1) {
			name := strings.Trim(strings.TrimSpace(raw[prev:m[0]]), ",;\"' ")
			if d, err := (&mime.WordDecoder{}).DecodeHeader(name); err == nil {
				name = d
			}
			out = append(out, &mail.Address{Name: name, Address: raw[m[2]:m[3]]})
			prev = m[1]
		}
	}
	if len(out) == 0 {
		for _, piece := range strings.Split(raw, ",") {
			if a := looseAddress(piece); a != nil {
				out = append(out, a)
			}
		}
	}
	if len(out) > DefaultMaxRecipients {
		out = out[:DefaultMaxRecipients]
	}
	for _, a := range out {
		a.Name = cutChars(clean(oneLine(a.Name)), DefaultMaxNameLength)
		a.Address = cutChars(clean(a.Address), DefaultMaxNameLength)
	}
	return out
}

var angleAddr = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`<([^<>\s]+@[^<>\s]+)>`) })
var bareAddr = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^\s<>"',;()]+@[^\s<>"',;()]+`) })

// looseAddress reads one address the strict parser refused.
func looseAddress(s string) *mail.Address {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if m := angleAddr().FindStringSubmatchIndex(s); m != nil {
		name := strings.Trim(strings.TrimSpace(s[:m[0]]), `"' `)
		return &mail.Address{Name: name, Address: s[m[2]:m[3]]}
	}
	if m := bareAddr().FindString(s); m != "" {
		return &mail.Address{Address: m}
	}
	return &mail.Address{Name: strings.Trim(s, `"' `)}
}

// contacts returns addresses as contact objects {name, email}, the shape of
// the original system's Contact.
func contacts(list []*mail.Address) []map[string]string {
	out := make([]map[string]string, 0, len(list))
	for _, a := range list {
		m := map[string]string{"email": a.Address}
		if a.Name != "" {
			m["name"] = a.Name
		}
		out = append(out, m)
	}
	return out
}

// addrList returns the addresses (or names, for entries without one).
func addrList(list []*mail.Address) []string {
	out := make([]string, 0, len(list))
	for _, a := range list {
		if a.Address != "" {
			out = append(out, a.Address)
		} else if a.Name != "" {
			out = append(out, a.Name)
		}
	}
	return out
}

// mailDate returns the message's time and where it came from: "date" (the
// Date header), "received" (the newest Received stamp) or "import" (now).
// A Date more than a day after the message's newest Received stamp is
// the sender's wrong clock ("Wed, 04 Oct 2028" on a mail received in
// 2002 stood first in every newest-first list): the stamp stands instead.
// (Not "after now": a message replayed or evaluated at another time may
// rightly be dated after the clock of the machine reading it.)
func mailDate(env *enmime.Envelope, now func() time.Time) (time.Time, string) {
	var received time.Time
	for _, r := range env.GetHeaderValues("Received") {
		if i := strings.LastIndexByte(r, ';'); i >= 0 {
			if t, ok := parseDate(r[i+1:]); ok {
				received = t
				break
			}
		}
	}
	if t, ok := parseDate(env.GetHeader("Date")); ok && (received.IsZero() || !t.After(received.Add(futureDateSlack))) {
		return t, "date"
	}
	if !received.IsZero() {
		return received, "received"
	}
	return now().UTC(), "import"
}

// futureDateSlack is how far a Date header may run ahead of the message's
// receipt before it is taken for a wrong clock: a day covers any zone
// written wrongly.
const futureDateSlack = 24 * time.Hour

var (
	dateComment = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\([^)]*\)`) })
	dateSpaces  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\s+`) })
	dateLayouts = []string{
		"Mon, 2 Jan 2006 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04:05 MST",
		"Mon, 2 Jan 2006 15:04 -0700",
		"2 Jan 2006 15:04:05 -0700",
		"2 Jan 2006 15:04:05 MST",
		"Mon, 2 Jan 06 15:04:05 -0700",
		"Mon, 2 Jan 06 15:04:05 MST",
		"Mon Jan 2 15:04:05 2006",
		"Mon Jan 2 15:04:05 MST 2006",
		"Mon, Jan 2 2006 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04:05",
		"2006-01-02 15:04:05 -0700",
		time.RFC3339,
	}
)

// parseDate reads an RFC 5322 date, and the common ways mailers get it
// wrong. Times before 1970 or after 9999 are refused.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	ok := func(t time.Time) bool { return t.Year() >= 1970 && t.Year() <= 9999 }
	if t, err := mail.ParseDate(s); err == nil && ok(t) {
		return t, true
	}
	s = strings.TrimSpace(dateSpaces().ReplaceAllString(dateComment().ReplaceAllString(s, " "), " "))
	s = strings.TrimSuffix(s, " GMT")
	if t, err := mail.ParseDate(s); err == nil && ok(t) {
		return t, true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil && ok(t) {
			return t, true
		}
	}
	return time.Time{}, false
}

var msgIDRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`<[^<>\s]+>`) })

// firstID returns the first Message-ID in a header, without angle
// brackets; a value without brackets is taken whole.
func firstID(s string) string {
	if ids := messageIDs(s); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// messageIDs returns the Message-IDs in a header, without angle brackets.
func messageIDs(s string) []string {
	s = clean(s)
	if s == "" {
		return nil
	}
	var out []string
	for _, m := range msgIDRe().FindAllString(s, -1) {
		out = append(out, cutChars(m[1:len(m)-1], 512))
	}
	if len(out) == 0 {
		if f := strings.Fields(s); len(f) > 0 {
			out = append(out, cutChars(f[0], 512))
		}
	}
	return out
}

// oneLine replaces line breaks and tabs with spaces.
func oneLine(s string) string {
	if strings.ContainsAny(s, "\r\n\t") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return s
}

// extensionOf returns a file extension for a media type, or "".
func extensionOf(mediaType string) string {
	switch mediaType {
	case "message/rfc822":
		return ".eml"
	case "text/plain":
		return ".txt"
	case "text/html":
		return ".html"
	}
	if exts, err := mime.ExtensionsByType(mediaType); err == nil && len(exts) > 0 {
		return exts[0]
	}
	if _, sub, ok := strings.Cut(mediaType, "/"); ok && sub != "" && len(sub) <= 10 {
		return "." + path.Base(SafeName(sub))
	}
	return ""
}

// countFold counts the case-insensitive occurrences of the lower-case ASCII
// needle in b.
func countFold(b []byte, needle string) int {
	n := 0
	for i := 0; i+len(needle) <= len(b); i++ {
		j := 0
		for j < len(needle) {
			c := b[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[j] {
				break
			}
			j++
		}
		if j == len(needle) {
			n++
			i += j - 1
		}
	}
	return n
}
