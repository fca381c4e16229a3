package importer

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"path/filepath"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/ingest"
)

// Result is what a Sink did with an item.
type Result struct {
	ID       string
	Replayed bool // the item was already in: nothing was written
	// Upload is the id of the upload that carried a large item (POST
	// /uploads) when the server ingests it after answering (on AWS, from
	// the object's ObjectCreated event): ID is then "".
	Upload string
}

// Sink takes one item to its destination. Implementations are safe for
// concurrent use. An error with code ECONFLICT means the item's id is taken
// by different content (the same Message-ID with other bytes).
type Sink interface {
	Send(ctx context.Context, it *Item, opt ingest.Options) (*Result, error)
}

// Local parses items in this process and stores them through the
// ingestion function, the same path POST /communications takes: the
// original bytes and attachments first, then the communication, then the
// table item.
type Local struct {
	Parser     *ingest.Parser
	Normalizer *ingest.Normalizer
	Ingestion  *function.Ingestion
	// DryRun parses but stores nothing; every item reports as new.
	DryRun bool
	// Owner is the user the communications belong to; "" is
	// doctales.DefaultUserID.
	Owner string
}

var _ Sink = (*Local)(nil)

// Send parses it and, unless DryRun, ingests it.
func (l *Local) Send(ctx context.Context, it *Item, opt ingest.Options) (*Result, error) {
	if l.Owner != "" {
		// Scoped like a request with that user's key: another user's
		// id is a conflict, never a replay of theirs.
		opt.Owner = l.Owner
		ctx = doctales.WithOwner(ctx, l.Owner)
	}
	parsed, err := Parse(ctx, l.Parser, l.Normalizer, it, opt)
	if err != nil {
		return nil, err
	}
	if l.DryRun {
		return &Result{ID: parsed.Communication.ID}, nil
	}
	res, err := Ingest(ctx, l.Ingestion, parsed)
	if err != nil {
		return nil, err
	}
	return &Result{ID: res.ID, Replayed: res.Replayed}, nil
}

// Ingest stores parsed through the ingestion function with the objects
// beside it. When its id is taken by different content and it has a
// VariantID (a message reusing another's Message-ID), it is stored under
// that id instead, so no distinct message is lost and a second import
// still replays.
func Ingest(ctx context.Context, ing *function.Ingestion, parsed *ingest.Parsed) (*function.Result, error) {
	res, err := ing.Ingest(ctx, parsed.Communication, Objects(parsed)...)
	if doctales.ErrorCode(err) == doctales.ECONFLICT && parsed.VariantID != "" {
		v := parsed.As(parsed.VariantID)
		return ing.Ingest(ctx, v.Communication, Objects(v)...)
	}
	return res, err
}

// Objects returns the objects of parsed for the ingestion function.
func Objects(parsed *ingest.Parsed) []function.Object {
	objects := make([]function.Object, len(parsed.Objects))
	for i, o := range parsed.Objects {
		objects[i] = function.Object(o)
	}
	return objects
}

// Parse turns an item into a communication and the objects to store beside
// it, with the parser for mail and documents and the normaliser for posts.
func Parse(ctx context.Context, p *ingest.Parser, n *ingest.Normalizer, it *Item, opt ingest.Options) (*ingest.Parsed, error) {
	if p == nil {
		p = &ingest.Parser{}
	}
	if n == nil {
		n = &ingest.Normalizer{}
	}
	switch it.Kind {
	case KindMail:
		return p.ParseMail(ctx, it.Data, opt)
	case KindDocument:
		opt.Name = filepath.Base(it.Path)
		return p.ParseDocument(ctx, it.Data, opt)
	case KindPost:
		c, err := n.Normalize(it.Data)
		if err != nil {
			return nil, err
		}
		c.Owner = opt.Owner // never what the post says
		c.Metadata.Notify = opt.Notify
		return &ingest.Parsed{Communication: c}, nil
	}
	return nil, fmt.Errorf("importer: unknown item kind %q", it.Kind)
}

// Request returns what POST /communications is sent for it: the body,
// its content type and the query (project, source, notify). A message
// goes as message/rfc822 with project and source in the query, a
// document as a multipart upload with them in the form, a post as its
// JSON. Remote sends it; so does any other client of the API (the CLI's
// package client sink), so that both send the same request.
func Request(it *Item, opt ingest.Options) (body []byte, contentType string, query url.Values, err error) {
	query = url.Values{}
	if opt.Notify != "" {
		query.Set("notify", opt.Notify)
	}
	switch it.Kind {
	case KindMail:
		if opt.Project != "" {
			query.Set("project", opt.Project)
		}
		if opt.Source != "" {
			query.Set("source", opt.Source)
		}
		return it.Data, ingest.MediaTypeMail, query, nil
	case KindDocument:
		body, contentType, err = upload(it, opt)
		return body, contentType, query, err
	case KindPost:
		return it.Data, "application/json", query, nil
	}
	return nil, "", nil, fmt.Errorf("importer: unknown item kind %q", it.Kind)
}

// MaxRetryAfter caps how long the CLI's remote sink (doctales import
// --url) waits on a 429's Retry-After (1 min), so that a misconfigured
// server cannot park an import for hours.
const MaxRetryAfter = time.Minute

// upload builds a multipart/form-data body with the document in a part
// named "file" and the project and source fields.
func upload(it *Item, opt ingest.Options) ([]byte, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"project": opt.Project, "source": opt.Source} {
		if v != "" {
			if err := mw.WriteField(k, v); err != nil {
				return nil, "", err
			}
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filepath.Base(it.Path)))
	h.Set("Content-Type", "application/octet-stream")
	w, err := mw.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := w.Write(it.Data); err != nil {
		return nil, "", err
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}
