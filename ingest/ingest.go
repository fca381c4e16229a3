package ingest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/doctales/doctales"
	"github.com/google/uuid"
)

// Default limits of a [Normalizer]. Lengths in characters count Unicode code
// points; lengths in bytes count UTF-8 bytes.
const (
	// DefaultMaxBodyBytes is the largest request body, in bytes (1 MiB):
	// room for a long message, small enough that a burst of requests
	// cannot exhaust memory.
	DefaultMaxBodyBytes = 1 << 20

	// DefaultMaxIDLength is the longest id, in bytes. The id is a segment
	// of the object key and the table key, so it is also restricted to
	// [A-Za-z0-9._:@-] and may not start with "." or contain "..".
	DefaultMaxIDLength = doctales.MaxIDBytes

	// DefaultMaxTypeLength is the longest type, in bytes. The type is the
	// first segment of the object key, so it has the id's charset rules.
	DefaultMaxTypeLength = 64

	// DefaultMaxSubjectLength is the longest subject or title, in
	// characters: the line length limit of RFC 5322 section 2.1.1.
	DefaultMaxSubjectLength = 998

	// DefaultMaxNameLength is the longest sender, sender id, recipient, cc
	// entry, source, category, platform, mention, hashtag, file type and
	// attachment name or type, in characters: 320 is the longest e-mail
	// address (64 + "@" + 255), which also fits display names and handles.
	DefaultMaxNameLength = 320

	// DefaultMaxProjectLength is the longest project, in characters. The
	// project is a table key (PROJ#<project>), so it is kept short.
	DefaultMaxProjectLength = 128

	// DefaultMaxURLLength is the longest attachment URL, in bytes: the
	// practical limit of browsers and proxies.
	DefaultMaxURLLength = 2048

	// DefaultMaxRecipients is the most entries in each of to, cc, mentions
	// and hashtags: far more than a real message has, few enough that the
	// table item stays small.
	DefaultMaxRecipients = 1000

	// DefaultMaxAttachments is the most attachment descriptors on one
	// communication.
	DefaultMaxAttachments = 100

	// DefaultMaxFieldDepth is the deepest nesting of objects and arrays in
	// a kept field (an unknown key or metadata extra), in levels: {"a":1}
	// is one level. Deep nesting has no use in a message and costs stack
	// in every later step that walks it.
	DefaultMaxFieldDepth = 8
)

// DefaultProject is the project of a communication that names none.
const DefaultProject = "default"

// TypeUnknown is the type of a communication whose source is not known and
// that names no type.
const TypeUnknown = "unknown"

// Normalizer turns request bodies into communications. The zero value is
// ready to use with the default limits, the system clock and UUID v4 ids.
// A Normalizer is safe for concurrent use as long as its fields are not
// changed.
type Normalizer struct {
	// MaxBodyBytes is the largest body Normalize accepts, in bytes; a
	// larger one is ETOOLARGE. Zero (or less) means DefaultMaxBodyBytes.
	MaxBodyBytes int64

	// MaxIDLength is the longest id, in bytes. Zero means
	// DefaultMaxIDLength.
	MaxIDLength int

	// MaxTypeLength is the longest type, in bytes. Zero means
	// DefaultMaxTypeLength.
	MaxTypeLength int

	// MaxSubjectLength is the longest subject, in characters. Zero means
	// DefaultMaxSubjectLength.
	MaxSubjectLength int

	// MaxNameLength is the longest sender, recipient and other short
	// text (see DefaultMaxNameLength), in characters. Zero means
	// DefaultMaxNameLength.
	MaxNameLength int

	// MaxProjectLength is the longest project, in characters. Zero means
	// DefaultMaxProjectLength.
	MaxProjectLength int

	// MaxURLLength is the longest attachment URL, in bytes. Zero means
	// DefaultMaxURLLength.
	MaxURLLength int

	// MaxRecipients is the most entries in each of to, cc, mentions and
	// hashtags. Zero means DefaultMaxRecipients.
	MaxRecipients int

	// MaxAttachments is the most attachments. Zero means
	// DefaultMaxAttachments.
	MaxAttachments int

	// MaxFieldDepth is the deepest nesting of a kept field, in levels.
	// Zero means DefaultMaxFieldDepth.
	MaxFieldDepth int

	// Now returns the time given to a communication without a timestamp.
	// Nil means time.Now.
	Now func() time.Time

	// NewID returns the id of a communication without one. It must return
	// a valid id (see DefaultMaxIDLength). Nil means a random UUID v4.
	NewID func() string
}

// NewNormalizer returns a Normalizer with every field set to its default.
func NewNormalizer() *Normalizer {
	return &Normalizer{
		MaxBodyBytes:     DefaultMaxBodyBytes,
		MaxIDLength:      DefaultMaxIDLength,
		MaxTypeLength:    DefaultMaxTypeLength,
		MaxSubjectLength: DefaultMaxSubjectLength,
		MaxNameLength:    DefaultMaxNameLength,
		MaxProjectLength: DefaultMaxProjectLength,
		MaxURLLength:     DefaultMaxURLLength,
		MaxRecipients:    DefaultMaxRecipients,
		MaxAttachments:   DefaultMaxAttachments,
		MaxFieldDepth:    DefaultMaxFieldDepth,
		Now:              time.Now,
		NewID:            uuid.NewString,
	}
}

// withDefaults returns a copy of n with every zero field set to its default.
func (n *Normalizer) withDefaults() Normalizer {
	c := *n
	def64 := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def64(&c.MaxBodyBytes, DefaultMaxBodyBytes)
	def(&c.MaxIDLength, DefaultMaxIDLength)
	def(&c.MaxTypeLength, DefaultMaxTypeLength)
	def(&c.MaxSubjectLength, DefaultMaxSubjectLength)
	def(&c.MaxNameLength, DefaultMaxNameLength)
	def(&c.MaxProjectLength, DefaultMaxProjectLength)
	def(&c.MaxURLLength, DefaultMaxURLLength)
	def(&c.MaxRecipients, DefaultMaxRecipients)
	def(&c.MaxAttachments, DefaultMaxAttachments)
	def(&c.MaxFieldDepth, DefaultMaxFieldDepth)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.NewID == nil {
		c.NewID = uuid.NewString
	}
	return c
}

// shape lists, for one kind of source, the keys that may carry each part of
// a communication, the source's own key first. The first key present wins;
// the others stay in Fields.
type shape struct {
	typ        string // default type
	subject    []string
	content    []string
	sender     []string
	senderID   []string
	recipients []string
}

var (
	emailShape = shape{
		typ:        doctales.TypeEmail,
		subject:    []string{"subject", "title"},
		content:    []string{"body", "content", "text"},
		sender:     []string{"from", "sender", "author", "user"},
		senderID:   []string{"from_email", "sender_id", "author_id", "user_id"},
		recipients: []string{"to", "recipients"},
	}
	documentShape = shape{
		typ:        doctales.TypeDocument,
		subject:    []string{"title", "subject"},
		content:    []string{"content", "body", "text"},
		sender:     []string{"author", "sender", "from", "user"},
		senderID:   []string{"author_id", "sender_id", "from_email", "user_id"},
		recipients: []string{"recipients", "to"},
	}
	socialShape = shape{
		typ:        doctales.TypeSocial,
		subject:    []string{"subject", "title"},
		content:    []string{"text", "content", "body"},
		sender:     []string{"user", "sender", "from", "author"},
		senderID:   []string{"user_id", "sender_id", "from_email", "author_id"},
		recipients: []string{"recipients", "to"},
	}
	otherShape = shape{
		typ:        TypeUnknown,
		subject:    []string{"subject", "title"},
		content:    []string{"content", "body", "text"},
		sender:     []string{"sender", "from", "author", "user"},
		senderID:   []string{"sender_id", "from_email", "author_id", "user_id"},
		recipients: []string{"recipients", "to"},
	}
)

// sourceShapes maps the sources the original system knew (lower case) to
// their shape.
var sourceShapes = map[string]*shape{
	"email":    &emailShape,
	"gmail":    &emailShape,
	"outlook":  &emailShape,
	"document": &documentShape,
	"dropbox":  &documentShape,
	"gdrive":   &documentShape,
	"social":   &socialShape,
	"twitter":  &socialShape,
	"linkedin": &socialShape,
	"slack":    &socialShape,
}

// typeShapes maps a type to its shape, for a body that names a known type
// but no known source.
var typeShapes = map[string]*shape{
	doctales.TypeEmail:    &emailShape,
	doctales.TypeDocument: &documentShape,
	doctales.TypeSocial:   &socialShape,
}

// Normalize parses a JSON request body and returns the normalised
// communication. It does not keep body.
//
// It returns a *doctales.Error with code ETOOLARGE when the body or a field is
// over its limit, and EINVALID for anything else the client must fix; Field
// names the input key and Message names the limit or the expected type, for
// example "subject is 1204 characters; the limit is 998". Any other error
// (NewID returned an invalid id) is internal.
func (n *Normalizer) Normalize(body []byte) (*doctales.Communication, error) {
	cfg := n.withDefaults()

	// Refuse an oversized body before parsing it.
	if int64(len(body)) > cfg.MaxBodyBytes {
		return nil, doctales.FieldErrorf(doctales.ETOOLARGE, "body",
			"body is %d bytes; the limit is %d bytes", len(body), cfg.MaxBodyBytes)
	}

	// Parse exactly one JSON object. Duplicate keys are accepted and the
	// last one wins, as encoding/json does: rejecting them would need a
	// second tokenizing pass for a mistake that loses nothing the client
	// did not overwrite itself.
	obj, err := decodeObject(body)
	if err != nil {
		return nil, err
	}

	// encoding/json replaces invalid UTF-8 with U+FFFD without a word, so
	// check the raw bytes and name the field that holds the bad ones.
	if !utf8.Valid(body) {
		field := invalidUTF8Field(body, "")
		if field == "" {
			field = "body"
		}
		return nil, doctales.FieldErrorf(doctales.EINVALID, field,
			"%s is not valid UTF-8 (byte offset %d)", field, invalidUTF8Offset(body))
	}

	r := &request{cfg: &cfg, obj: obj, used: make(map[string]bool, len(obj)), keep: make(map[string]any)}
	c, err := r.communication()
	if err != nil {
		return nil, err
	}
	c.RequestHash = doctales.ContentHash(body)
	return c, nil
}

// decodeObject parses body as one JSON object, numbers kept as json.Number.
func decodeObject(body []byte) (map[string]any, error) {
	if len(bytes.Trim(body, " \t\r\n")) == 0 {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "body", "body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &syn):
			return nil, doctales.FieldErrorf(doctales.EINVALID, "body",
				"body is not valid JSON: %s (byte offset %d)", syn.Error(), syn.Offset)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, doctales.FieldErrorf(doctales.EINVALID, "body",
				"body is not valid JSON: it ends before the object is complete")
		default:
			return nil, doctales.FieldErrorf(doctales.EINVALID, "body", "body is not valid JSON: %s", err)
		}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "body", "body must be a JSON object, not %s", kindOf(v))
	}
	off := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "body",
			"body has data after the JSON object (byte offset %d)", off)
	}
	return obj, nil
}

// request is one body being normalised.
type request struct {
	cfg  *Normalizer
	obj  map[string]any
	used map[string]bool // keys read into a Communication field
	keep map[string]any  // read keys also kept in Fields, as sent
}

// communication maps r.obj to a Communication. Fields are checked in a fixed
// order so the same body always gives the same error.
func (r *request) communication() (*doctales.Communication, error) {
	c := &doctales.Communication{
		Recipients:  []string{},
		Attachments: []doctales.Attachment{},
	}

	// Source selects the shape; it is stored as given.
	sh := &otherShape
	if v, ok := r.take("source"); ok {
		s, err := r.name("source", v)
		if err != nil {
			return nil, err
		}
		c.Source = s
		if k, ok := sourceShapes[strings.ToLower(s)]; ok {
			sh = k
		}
	}

	// Type: as given, else the source's default. It is the first segment
	// of the object key, so it must be a safe path segment.
	c.Type = sh.typ
	if v, ok := r.take("type"); ok {
		s, err := r.str("type", v)
		if err != nil {
			return nil, err
		}
		if s != "" {
			if err := checkSegment("type", s, r.cfg.MaxTypeLength); err != nil {
				return nil, err
			}
			c.Type = s
			if sh == &otherShape && typeShapes[s] != nil {
				sh = typeShapes[s]
			}
		}
	}

	// Id: as given (an empty id counts as absent, as in the original),
	// else a new one.
	if v, ok := r.take("id"); ok {
		s, err := r.str("id", v)
		if err != nil {
			return nil, err
		}
		if s != "" {
			if err := checkSegment("id", s, r.cfg.MaxIDLength); err != nil {
				return nil, err
			}
			c.ID = s
		}
	}
	if c.ID == "" {
		c.ID = r.cfg.NewID()
		if err := checkSegment("id", c.ID, r.cfg.MaxIDLength); err != nil {
			// Not the client's fault: do not pass the *Error on.
			return nil, fmt.Errorf("new id %q: %s", c.ID, doctales.ErrorMessage(err))
		}
	}

	// Timestamp: RFC 3339, kept in UTC; else now.
	c.Timestamp = r.cfg.Now().UTC()
	if v, ok := r.take("timestamp"); ok {
		s, err := r.str("timestamp", v)
		if err != nil {
			return nil, err
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, doctales.FieldErrorf(doctales.EINVALID, "timestamp",
				"timestamp must be an RFC 3339 date-time such as 2025-06-10T15:30:00Z, not %s", quote(s))
		}
		c.Timestamp = t.UTC()
	}

	// Project: as given, else the default.
	c.Project = DefaultProject
	if v, ok := r.take("project"); ok {
		s, err := r.str("project", v)
		if err != nil {
			return nil, err
		}
		if err := maxChars("project", s, r.cfg.MaxProjectLength); err != nil {
			return nil, err
		}
		if strings.TrimSpace(s) != "" {
			c.Project = s
		}
	}

	// Metadata, then the top-level urgency and category that may repeat it.
	if err := r.metadata(c); err != nil {
		return nil, err
	}

	// Subject.
	if k, v, ok := r.first(sh.subject); ok {
		s, err := r.str(k, v)
		if err != nil {
			return nil, err
		}
		if err := maxChars(k, s, r.cfg.MaxSubjectLength); err != nil {
			return nil, err
		}
		c.Subject = s
	}

	// Content: required and not blank, named as the client named it.
	k, v, ok := r.first(sh.content)
	if !ok {
		return nil, doctales.FieldErrorf(doctales.EINVALID, k,
			"%s is required: the text of the communication (one of %s)", k, strings.Join(sh.content, ", "))
	}
	s, err := r.str(k, v)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(s) == "" {
		return nil, doctales.FieldErrorf(doctales.EINVALID, k, "%s is blank; it must contain the text of the communication", k)
	}
	c.Content = s

	// Sender and sender id. The sender may be a contact object, as in
	// the original system's sample event; its address is the sender id
	// unless one is given, and the object is kept in Fields.
	if k, v, ok := r.first(sh.sender); ok {
		if m, isContact := v.(map[string]any); isContact {
			if c.Sender, c.SenderID, err = r.contact(k, m); err != nil {
				return nil, err
			}
			r.keep[k] = m
		} else if c.Sender, err = r.str(k, v); err != nil {
			return nil, typeError(k, "a string or a contact object {name, email, id}", v)
		} else if err = maxChars(k, c.Sender, r.cfg.MaxNameLength); err != nil {
			return nil, err
		}
	}
	if k, v, ok := r.first(sh.senderID); ok {
		if c.SenderID, err = r.name(k, v); err != nil {
			return nil, err
		}
	}

	// Recipients and cc.
	if k, v, ok := r.first(sh.recipients); ok {
		if c.Recipients, err = r.strings(k, v, true); err != nil {
			return nil, err
		}
	}
	if v, ok := r.take("cc"); ok {
		if c.Cc, err = r.strings("cc", v, true); err != nil {
			return nil, err
		}
		if len(c.Cc) == 0 {
			c.Cc = nil
		}
	}

	// Attachments.
	if v, ok := r.take("attachments"); ok {
		if c.Attachments, err = r.attachments(v); err != nil {
			return nil, err
		}
	}

	// Everything else is kept in Fields: the typed source-specific keys
	// first, then unknown keys as sent.
	if c.Fields, err = r.fields(); err != nil {
		return nil, err
	}
	return c, nil
}

// metadata reads the metadata object and the top-level urgency and category
// into c.Metadata. Metadata keys other than urgency, category, read and
// flagged are kept in c.Fields["metadata"] by r.fields.
func (r *request) metadata(c *doctales.Communication) error {
	var meta map[string]any
	if v, ok := r.take("metadata"); ok {
		m, ok := v.(map[string]any)
		if !ok {
			return typeError("metadata", "an object", v)
		}
		meta = m
	}
	metaStr := func(key string) (string, bool, error) {
		v, ok := meta[key]
		if !ok || v == nil {
			return "", false, nil
		}
		s, err := r.name("metadata."+key, v)
		return s, true, err
	}
	metaBool := func(key string) (bool, error) {
		v, ok := meta[key]
		if !ok || v == nil {
			return false, nil
		}
		b, ok := v.(bool)
		if !ok {
			return false, typeError("metadata."+key, "a boolean", v)
		}
		return b, nil
	}

	// Urgency, at the top level or in metadata; both must agree.
	var urgency, urgencyField string
	if v, ok := r.take("urgency"); ok {
		s, err := r.str("urgency", v)
		if err != nil {
			return err
		}
		urgency, urgencyField = s, "urgency"
	}
	if s, ok, err := metaStr("urgency"); err != nil {
		return err
	} else if ok {
		if urgencyField != "" && !strings.EqualFold(s, urgency) {
			return doctales.FieldErrorf(doctales.EINVALID, "metadata.urgency",
				"metadata.urgency %s disagrees with urgency %s; send one", quote(s), quote(urgency))
		}
		urgency, urgencyField = s, "metadata.urgency"
	}
	if urgencyField != "" {
		u := strings.ToLower(urgency)
		if doctales.UrgencyRank(u) == 0 {
			return doctales.FieldErrorf(doctales.EINVALID, urgencyField,
				"%s must be one of %s, %s, %s, not %s", urgencyField,
				doctales.UrgencyHigh, doctales.UrgencyMedium, doctales.UrgencyLow, quote(urgency))
		}
		c.Metadata.Urgency = u
		c.Metadata.SenderUrgency = u
	}

	// Category, likewise.
	if v, ok := r.take("category"); ok {
		s, err := r.name("category", v)
		if err != nil {
			return err
		}
		c.Metadata.Category = s
	}
	if s, ok, err := metaStr("category"); err != nil {
		return err
	} else if ok {
		if c.Metadata.Category != "" && s != c.Metadata.Category {
			return doctales.FieldErrorf(doctales.EINVALID, "metadata.category",
				"metadata.category %s disagrees with category %s; send one", quote(s), quote(c.Metadata.Category))
		}
		c.Metadata.Category = s
	}

	// Read and flagged.
	var err error
	if c.Metadata.Read, err = metaBool("read"); err != nil {
		return err
	}
	if c.Metadata.Flagged, err = metaBool("flagged"); err != nil {
		return err
	}
	return nil
}

// attachments reads an array of {name, type, size, url} objects.
func (r *request) attachments(v any) ([]doctales.Attachment, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, typeError("attachments", "an array of objects", v)
	}
	if len(arr) > r.cfg.MaxAttachments {
		return nil, doctales.FieldErrorf(doctales.ETOOLARGE, "attachments",
			"attachments has %d entries; the limit is %d", len(arr), r.cfg.MaxAttachments)
	}
	out := make([]doctales.Attachment, 0, len(arr))
	for i, e := range arr {
		field := fmt.Sprintf("attachments[%d]", i)
		m, ok := e.(map[string]any)
		if !ok {
			return nil, typeError(field, "an object", e)
		}
		var a doctales.Attachment
		for _, key := range sortedKeys(m) {
			f, val := field+"."+key, m[key]
			if val == nil {
				continue
			}
			var err error
			switch key {
			case "name":
				a.Name, err = r.name(f, val)
			case "type":
				a.Type, err = r.name(f, val)
			case "size":
				a.Size, err = nonNegativeInt(f, val)
			case "url":
				a.URL, err = r.url(f, val)
			default:
				err = doctales.FieldErrorf(doctales.EINVALID, f,
					"%s is not an attachment field; use name, type, size and url", f)
			}
			if err != nil {
				return nil, err
			}
		}
		if strings.TrimSpace(a.Name) == "" {
			return nil, doctales.FieldErrorf(doctales.EINVALID, field+".name", "%s.name is required", field)
		}
		out = append(out, a)
	}
	return out, nil
}

// url reads an attachment URL: http or https only, since a client may show
// it as a link.
func (r *request) url(field string, v any) (string, error) {
	s, err := r.str(field, v)
	if err != nil {
		return "", err
	}
	if len(s) > r.cfg.MaxURLLength {
		return "", doctales.FieldErrorf(doctales.ETOOLARGE, field,
			"%s is %d bytes; the limit is %d", field, len(s), r.cfg.MaxURLLength)
	}
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", doctales.FieldErrorf(doctales.EINVALID, field,
			"%s must be an absolute http or https URL, not %s", field, quote(s))
	}
	return s, nil
}

// fields returns the keys not read into a Communication field: the known
// source-specific keys with their types checked, unknown keys as sent, and
// the extra keys of metadata under "metadata". It returns nil when there are
// none.
func (r *request) fields() (map[string]any, error) {
	out := make(map[string]any)
	for _, key := range sortedKeys(r.obj) {
		v := r.obj[key]
		if kv, ok := r.keep[key]; ok {
			if err := r.depth(key, kv); err != nil {
				return nil, err
			}
			out[key] = kv
			continue
		}
		if r.used[key] {
			// Metadata keeps its extra keys, such as sourceSpecific.
			if key == "metadata" && v != nil {
				extra := make(map[string]any)
				for k, mv := range v.(map[string]any) {
					switch k {
					case "urgency", "category", "read", "flagged":
					default:
						extra[k] = mv
					}
				}
				if len(extra) > 0 {
					if err := r.depth("metadata", extra); err != nil {
						return nil, err
					}
					out["metadata"] = extra
				}
			}
			continue
		}
		var err error
		switch key {
		case "fileType", "platform":
			if v != nil {
				v, err = r.name(key, v)
			}
		case "fileSize":
			if v != nil {
				v, err = nonNegativeInt(key, v)
			}
		case "mentions", "hashtags":
			if v != nil {
				v, err = r.strings(key, v, false)
			}
		default:
			err = r.depth(key, v)
		}
		if err != nil {
			return nil, err
		}
		out[key] = v
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// take returns the value of key and marks it read. It reports false when key
// is absent or null: null means "not given" for every known key.
func (r *request) take(key string) (any, bool) {
	v, ok := r.obj[key]
	if !ok {
		return nil, false
	}
	r.used[key] = true
	return v, v != nil
}

// first returns the first of keys that is present and not null, marking it
// read; null aliases are marked read too and dropped. When none is present it
// returns keys[0], the name to use in a "required" message.
func (r *request) first(keys []string) (string, any, bool) {
	for _, k := range keys {
		v, ok := r.obj[k]
		if !ok {
			continue
		}
		if v == nil {
			r.used[k] = true
			continue
		}
		r.used[k] = true
		return k, v, true
	}
	return keys[0], nil, false
}

// str returns v as a string or an EINVALID error naming field.
func (r *request) str(field string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", typeError(field, "a string", v)
	}
	return s, nil
}

// name returns v as a string of at most MaxNameLength characters.
func (r *request) name(field string, v any) (string, error) {
	s, err := r.str(field, v)
	if err != nil {
		return "", err
	}
	return s, maxChars(field, s, r.cfg.MaxNameLength)
}

// contact reads a contact object {name, email, id, ...}, as the original
// system's Contact type, and returns its name and its address: the e-mail,
// else the id. Other keys are ignored here.
func (r *request) contact(field string, m map[string]any) (name, addr string, err error) {
	get := func(key string) (string, error) {
		v, ok := m[key]
		if !ok || v == nil {
			return "", nil
		}
		return r.name(field+"."+key, v)
	}
	if name, err = get("name"); err != nil {
		return "", "", err
	}
	if addr, err = get("email"); err != nil {
		return "", "", err
	}
	if addr == "" {
		if addr, err = get("id"); err != nil {
			return "", "", err
		}
	}
	if name == "" && addr == "" {
		return "", "", doctales.FieldErrorf(doctales.EINVALID, field,
			"%s is a contact object without name, email or id", field)
	}
	return name, addr, nil
}

// strings reads a string or an array of strings, each at most MaxNameLength
// characters and at most MaxRecipients of them. An empty string is an empty
// list. The result is never nil. When contacts is true an entry may also be
// a contact object, read as its address, else its name.
func (r *request) strings(field string, v any, contacts bool) ([]string, error) {
	const want = "a string or an array of strings"
	switch x := v.(type) {
	case string:
		if x == "" {
			return []string{}, nil
		}
		if err := maxChars(field, x, r.cfg.MaxNameLength); err != nil {
			return nil, err
		}
		return []string{x}, nil
	case []any:
		if len(x) > r.cfg.MaxRecipients {
			return nil, doctales.FieldErrorf(doctales.ETOOLARGE, field,
				"%s has %d entries; the limit is %d", field, len(x), r.cfg.MaxRecipients)
		}
		out := make([]string, 0, len(x))
		for i, e := range x {
			f := fmt.Sprintf("%s[%d]", field, i)
			if m, ok := e.(map[string]any); ok && contacts {
				name, addr, err := r.contact(f, m)
				if err != nil {
					return nil, err
				}
				out = append(out, cmp.Or(addr, name))
				continue
			}
			s, ok := e.(string)
			if !ok {
				return nil, doctales.FieldErrorf(doctales.EINVALID, f,
					"%s must be %s; %s is %s", field, want, f, kindOf(e))
			}
			if err := maxChars(f, s, r.cfg.MaxNameLength); err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, typeError(field, want, v)
	}
}

// depth returns an EINVALID error when v nests deeper than MaxFieldDepth.
func (r *request) depth(field string, v any) error {
	if d := depthOf(v); d > r.cfg.MaxFieldDepth {
		return doctales.FieldErrorf(doctales.EINVALID, field,
			"%s is nested %d levels deep; the limit is %d", field, d, r.cfg.MaxFieldDepth)
	}
	return nil
}

// depthOf returns the nesting depth of a decoded JSON value: 0 for a scalar,
// one more than its deepest element for an object or array.
func depthOf(v any) int {
	d := 0
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			d = max(d, depthOf(e))
		}
	case []any:
		for _, e := range x {
			d = max(d, depthOf(e))
		}
	default:
		return 0
	}
	return d + 1
}

// checkSegment checks an id or type: at most limit bytes of
// [A-Za-z0-9._:@-], not starting with "." and without "..", so that it is a
// safe segment of an object key and of a file path.
func checkSegment(field, s string, limit int) error {
	return doctales.ValidateSegment(field, s, limit)
}

// maxChars returns an ETOOLARGE error when s has more than limit characters.
func maxChars(field, s string, limit int) error {
	// Count only when the byte length allows a breach.
	if len(s) <= limit {
		return nil
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return doctales.FieldErrorf(doctales.ETOOLARGE, field,
			"%s is %d characters; the limit is %d", field, n, limit)
	}
	return nil
}

// nonNegativeInt returns v as an int64 >= 0.
func nonNegativeInt(field string, v any) (int64, error) {
	num, ok := v.(json.Number)
	if ok {
		if i, err := num.Int64(); err == nil && i >= 0 {
			return i, nil
		}
	}
	return 0, doctales.FieldErrorf(doctales.EINVALID, field,
		"%s must be a non-negative integer (bytes), not %s", field, describe(v))
}

// typeError returns the EINVALID error for a value of the wrong JSON type.
func typeError(field, want string, got any) error {
	return doctales.FieldErrorf(doctales.EINVALID, field, "%s must be %s, not %s", field, want, kindOf(got))
}

// kindOf names the JSON type of a decoded value.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// describe names a scalar by value and anything else by type.
func describe(v any) string {
	if num, ok := v.(json.Number); ok {
		return quote(num.String())
	}
	return kindOf(v)
}

// quote returns s quoted for an error message, cut to 64 characters so that
// a huge value does not make a huge message.
func quote(s string) string {
	const max = 64
	if utf8.RuneCountInString(s) <= max {
		return fmt.Sprintf("%q", s)
	}
	r := []rune(s)
	return fmt.Sprintf("%q…", string(r[:max]))
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// invalidUTF8Offset returns the offset of the first byte of b that is not
// part of valid UTF-8, or -1.
func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// invalidUTF8Field returns the path, such as "to[1]" or "metadata.category",
// of the first value in the JSON text raw whose bytes are not valid UTF-8.
// When a key itself is invalid it returns the path of the object holding it.
// raw must be valid JSON syntax; path is the path of raw itself ("" at the
// top).
func invalidUTF8Field(raw []byte, path string) string {
	raw = bytes.Trim(raw, " \t\r\n")
	if len(raw) == 0 || (raw[0] != '{' && raw[0] != '[') {
		return path
	}
	isObject := raw[0] == '{'
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return path
	}
	for i := 0; dec.More(); i++ {
		child := fmt.Sprintf("%s[%d]", path, i)
		if isObject {
			start := dec.InputOffset()
			tok, err := dec.Token()
			if err != nil {
				return path
			}
			if !utf8.Valid(raw[start:dec.InputOffset()]) {
				return path
			}
			child, _ = tok.(string)
			if path != "" {
				child = path + "." + child
			}
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return path
		}
		if !utf8.Valid(v) {
			return invalidUTF8Field(v, child)
		}
	}
	return path
}
