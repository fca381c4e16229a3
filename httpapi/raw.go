package httpapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/ingest"
)

// Raw sources on POST /communications, besides JSON:
//
//   - Content-Type: message/rfc822 — a raw e-mail message; query
//     parameters project and source.
//   - Content-Type: multipart/form-data — a file upload: the part named
//     "file" (else the first part with a file name) is a document
//     (.txt, .md, .html, .pdf, .docx) or, named *.eml or typed
//     message/rfc822, an e-mail; form fields project and source.
//   - Content-Type: application/pdf or the DOCX type — a document as the
//     body; query parameters name, project and source.
//
// Each is parsed by the handler's ingest.Parser and stored by the ingestion
// function with its original bytes (and attachments) beside it.

// defaultParser parses raw sources when Handler.Parser is nil.
var defaultParser = &ingest.Parser{}

// multipartOverheadBytes is the room a multipart body gets beyond the
// document limit, for its headers and form fields.
const multipartOverheadBytes = 1 << 20

// postRaw handles a POST /communications whose media type mt is a raw
// source, and reports whether it did; false leaves the request to the JSON
// path.
func (h *Handler) postRaw(w http.ResponseWriter, r *http.Request, mt string) bool {
	p := h.Parser
	if p == nil {
		p = defaultParser
	}
	maxMsg, maxDoc := p.MaxMessageBytes, p.MaxDocumentBytes
	if maxMsg <= 0 {
		maxMsg = ingest.DefaultMaxMessageBytes
	}
	if maxDoc <= 0 {
		maxDoc = ingest.DefaultMaxDocumentBytes
	}
	q := r.URL.Query()
	opt := ingest.Options{Project: q.Get("project"), Source: q.Get("source"), Name: q.Get("name"), ContentType: r.Header.Get("Content-Type"), Owner: callerOwner(r)}
	var err error
	if opt.Notify, err = notifyParam(r); err != nil {
		Error(w, r, h.Logger, err)
		return true
	}

	// The body's limit by kind; anything else is left to the JSON path.
	var limit int64
	switch {
	case mt == ingest.MediaTypeMail:
		limit = maxMsg
	case mt == "multipart/form-data":
		limit = max(maxMsg, maxDoc) + multipartOverheadBytes
	case mt == "application/pdf" || ingest.DocumentFormat("", mt, nil) == ingest.FormatDOCX:
		// Text types come as uploads: text/plain stays a wrong content
		// type for a JSON body.
		limit = maxDoc
	default:
		return false
	}

	// The memory budget covers the body, its parse and its storing: it
	// is reserved before the first byte is read and given back when the
	// answer is written (issue 10).
	release, err := h.reserveParseMemory(w, r, limit)
	if err != nil {
		Error(w, r, h.Logger, err)
		return true
	}
	defer release()

	var parsed *ingest.Parsed
	switch {
	case mt == ingest.MediaTypeMail:
		var body []byte
		if body, err = readBody(w, r, limit); err == nil {
			parsed, err = p.ParseMail(r.Context(), body, opt)
		}
	case mt == "multipart/form-data":
		parsed, err = h.parseUpload(w, r, p, opt, maxMsg, maxDoc)
	default:
		var body []byte
		if body, err = readBody(w, r, limit); err == nil {
			if len(body) == 0 {
				err = doctales.FieldErrorf(doctales.EINVALID, "body", "the %s body is empty; send the document's bytes", mt)
			} else {
				parsed, err = p.ParseDocument(r.Context(), body, opt)
			}
		}
	}
	if err != nil {
		Error(w, r, h.Logger, err)
		return true
	}
	// Another message reusing this one's Message-ID is stored under its
	// own deterministic variant id rather than refused.
	res, err := h.ingestParsed(r.Context(), parsed)
	if err != nil {
		Error(w, r, h.Logger, err)
		return true
	}
	w.Header().Set("Location", "/communications/"+res.ID)
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, http.StatusAccepted, res)
	return true
}

// parseUpload reads a multipart/form-data upload: the form fields project
// and source, and one file.
func (h *Handler) parseUpload(w http.ResponseWriter, r *http.Request, p *ingest.Parser, opt ingest.Options, maxMsg, maxDoc int64) (*ingest.Parsed, error) {
	r.Body = http.MaxBytesReader(w, r.Body, max(maxMsg, maxDoc)+multipartOverheadBytes)
	// A body that ends before its closing boundary, or breaks off, is the
	// client's fault: 400 (it used to be 500), 413 past the limit.
	unreadable := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return doctales.FieldErrorf(doctales.EINVALID, "body", "multipart body cannot be read: %s", err)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "body", "multipart body cannot be read: %s", err)
	}
	var file []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, unreadable(err)
		}
		name := part.FormName()
		switch {
		case name == "project" || name == "source":
			v, err := io.ReadAll(io.LimitReader(part, 4096))
			if err != nil {
				return nil, unreadable(err)
			}
			if name == "project" {
				opt.Project = strings.TrimSpace(string(v))
			} else {
				opt.Source = strings.TrimSpace(string(v))
			}
		case file == nil && (name == "file" || part.FileName() != ""):
			opt.Name = part.FileName()
			opt.ContentType = part.Header.Get("Content-Type")
			if file, err = readSized(io.LimitReader(part, max(maxMsg, maxDoc)+1), min(r.ContentLength, max(maxMsg, maxDoc)+1)); err != nil {
				return nil, unreadable(err)
			}
		}
		part.Close()
	}
	if file == nil {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "file", "multipart body has no file; send it in a part named \"file\"")
	}
	if len(file) == 0 {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "file", "the uploaded file %s is empty (0 bytes)", quoteCut(opt.Name))
	}
	mt, _, _ := mime.ParseMediaType(opt.ContentType)
	if mt == ingest.MediaTypeMail || strings.HasSuffix(strings.ToLower(opt.Name), ".eml") {
		return p.ParseMail(r.Context(), file, opt)
	}
	if mt == "application/octet-stream" {
		opt.ContentType = "" // let the name or the content decide
	}
	return p.ParseDocument(r.Context(), file, opt)
}

// readBody reads r's body, at most limit bytes: ETOOLARGE past it, EINVALID
// when it breaks off. The buffer is sized from Content-Length, so that a
// large body is not copied while it grows.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	// A Content-Length over the limit must not size the buffer.
	body, err := readSized(http.MaxBytesReader(w, r.Body, limit), min(r.ContentLength, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, doctales.FieldErrorf(doctales.EINVALID, "body", "request body cannot be read: %s", err)
	}
	return body, nil
}

// readSized reads rd to the end into a buffer of size hint (when it is
// positive), growing it only if rd holds more. io.ReadAll would grow from
// 512 bytes, leaving about as much garbage as the body itself.
func readSized(rd io.Reader, hint int64) ([]byte, error) {
	if hint <= 0 || hint > 1<<30 {
		return io.ReadAll(rd)
	}
	// bytes.Buffer grows (doubling) whenever less than MinRead is free,
	// even for the last read that only sees EOF.
	buf := bytes.NewBuffer(make([]byte, 0, hint+bytes.MinRead))
	_, err := buf.ReadFrom(rd)
	return buf.Bytes(), err
}

// objectsOf returns the objects of parsed for the ingestion function.
func objectsOf(parsed *ingest.Parsed) []function.Object {
	objects := make([]function.Object, len(parsed.Objects))
	for i, o := range parsed.Objects {
		objects[i] = function.Object(o)
	}
	return objects
}
