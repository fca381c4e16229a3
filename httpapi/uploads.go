package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/upload"
)

// Large bodies (issue 16, item 2):
//
//	POST /uploads        {"size","contentType","name"?,"project"?,"source"?,"notify"?}
//	                     → 201 {"id","key","url","method":"PUT","headers","maxBytes","expiresAt"}
//	PUT  /uploads/{id}?token=…   the embedded server's own upload URL (LocalUploads)
//
// On AWS the URL is a presigned S3 PUT (package s3's Uploads) and the
// object's ObjectCreated event starts the ingestion (awslambda.Uploads,
// which calls IngestUpload); locally the PUT lands here and is ingested
// before the answer, which is POST /communications' 202. Either way the
// bytes are ingested by IngestUpload, as POST /communications ingests the
// same body sent raw.

func init() {
	routeHooks = append(routeHooks, func(h *Handler, m *http.ServeMux) {
		m.HandleFunc("POST /uploads", h.createUpload)
		m.HandleFunc("PUT /uploads/{id}", h.putUpload)
	})
	routeScopes["POST /uploads"] = doctales.ScopeIngest
	routeScopes["PUT /uploads/{id}"] = scopePublic // the signed token is the credential, as S3's signature is
}

// maxUploadRequestBytes bounds the JSON body of POST /uploads.
const maxUploadRequestBytes = 8 << 10

// UploadLimit returns the largest body an upload of req may have: the
// parser's limit for an e-mail or for a document, as POST /communications
// applies them.
func (h *Handler) UploadLimit(req doctales.UploadRequest) int64 {
	p := h.parser()
	if req.IsMail() {
		if p.MaxMessageBytes > 0 {
			return p.MaxMessageBytes
		}
		return ingest.DefaultMaxMessageBytes
	}
	if p.MaxDocumentBytes > 0 {
		return p.MaxDocumentBytes
	}
	return ingest.DefaultMaxDocumentBytes
}

func (h *Handler) parser() *ingest.Parser {
	if h.Parser != nil {
		return h.Parser
	}
	return defaultParser
}

func (h *Handler) uploader() doctales.Uploader {
	if h.Uploads != nil {
		return h.Uploads
	}
	if h.LocalUploads != nil {
		return h.LocalUploads
	}
	return nil
}

// createUpload answers where to send one large body: 201 with the upload.
// A URL on the server itself is made absolute with the request's host.
func (h *Handler) createUpload(w http.ResponseWriter, r *http.Request) {
	up := h.uploader()
	if up == nil {
		Error(w, r, h.Logger, doctales.Errorf(doctales.ENOTIMPLEMENTED, "this server does not take uploads; POST the body to /communications"))
		return
	}
	body, err := readBody(w, r, maxUploadRequestBytes)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	var req doctales.UploadRequest
	if err := json.Unmarshal(body, &req); err != nil {
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "body", "upload request is not JSON of {size, contentType, ...}: %s", err))
		return
	}
	if err := req.Validate(h.UploadLimit(req)); err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	u, err := up.CreateUpload(r.Context(), callerOwner(r), req)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	if ref, err := url.Parse(u.URL); err == nil && !ref.IsAbs() {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		u.URL = (&url.URL{Scheme: scheme, Host: r.Host}).ResolveReference(ref).String()
	}
	w.Header().Set("Location", u.URL)
	writeJSON(w, http.StatusCreated, u)
}

// putUpload receives the body of one of the embedded server's upload
// URLs: the token must be this server's for this id and unexpired (403),
// the body at most the declared size (413), the URL unused (409). The
// body is stored durably, then ingested (IngestUpload) and the answer is
// POST /communications' 202. A body that is not ingested (refused, or the
// server failed) gives the URL back, so it may be sent again.
func (h *Handler) putUpload(w http.ResponseWriter, r *http.Request) {
	l := h.LocalUploads
	if l == nil {
		Error(w, r, h.Logger, doctales.Errorf(doctales.ENOTFOUND, "Not Found: %s %s (this server's uploads go to the URL POST /uploads answers)", r.Method, r.URL.Path))
		return
	}
	t, err := l.Check(r.Context(), r.PathValue("id"), r.URL.Query().Get("token"))
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	limit := t.Request.Size
	if r.ContentLength > limit {
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.ETOOLARGE, "body", "body is %d bytes, over upload %s's limit of %d bytes (the size POST /uploads declared)", r.ContentLength, t.ID, limit))
		return
	}
	release, err := h.reserveParseMemory(w, r, limit)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	defer release()
	body, err := readBody(w, r, limit)
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			err = doctales.FieldErrorf(doctales.ETOOLARGE, "body", "body is over upload %s's limit of %d bytes (the size POST /uploads declared)", t.ID, limit)
		}
		Error(w, r, h.Logger, err)
		return
	}
	if len(body) == 0 {
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "body", "upload %s's body is empty; send the %d bytes declared", t.ID, limit))
		return
	}
	if err := l.Claim(r.Context(), t); err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	err = l.Put(r.Context(), t, body)
	var res *function.Result
	if err == nil {
		res, err = h.IngestUpload(r.Context(), t.Owner, t.Request, body)
	}
	if err != nil {
		// Not ingested: the URL may be sent again while it lasts.
		if rerr := l.Release(context.WithoutCancel(r.Context()), t); rerr != nil {
			h.Logger.WarnContext(r.Context(), "upload not released after a failed PUT", "upload", t.ID, "error", rerr)
		}
		Error(w, r, h.Logger, err)
		return
	}
	if err := l.Done(r.Context(), t); err != nil {
		h.Logger.WarnContext(r.Context(), "uploaded object not deleted after ingestion", "upload", t.ID, "error", err)
	}
	w.Header().Set("Location", "/communications/"+res.ID)
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, http.StatusAccepted, res)
}

// IngestUpload ingests the body of an upload as POST /communications
// ingests the same bytes sent raw with req's content type and
// parameters, for owner: parsed by the handler's Parser (an e-mail, or a
// document), stored with its original bytes and attachments, its id from
// the Message-ID or the content, so that a repeat replays. It is the
// ingestion of both the embedded server's PUT and, on AWS, the upload's
// ObjectCreated event.
func (h *Handler) IngestUpload(ctx context.Context, owner string, req doctales.UploadRequest, body []byte) (*function.Result, error) {
	if owner != "" {
		ctx = doctales.WithOwner(ctx, owner)
	}
	if limit := h.UploadLimit(req); int64(len(body)) > limit {
		return nil, doctales.FieldErrorf(doctales.ETOOLARGE, "body", "upload is %d bytes, over the limit of %d bytes", len(body), limit)
	}
	p := h.parser()
	opt := ingest.Options{Project: req.Project, Source: req.Source, Name: req.Name, ContentType: req.ContentType, Notify: req.Notify, Owner: owner}
	var parsed *ingest.Parsed
	var err error
	if req.IsMail() {
		parsed, err = p.ParseMail(ctx, body, opt)
	} else {
		if mt, _, _ := mime.ParseMediaType(opt.ContentType); mt == "application/octet-stream" {
			opt.ContentType = "" // let the name or the content decide
		}
		parsed, err = p.ParseDocument(ctx, body, opt)
	}
	if err != nil {
		return nil, err
	}
	return h.ingestParsed(ctx, parsed)
}

// ingestParsed stores a parsed raw source; a message that reuses another's
// Message-ID is stored under its own deterministic variant id.
func (h *Handler) ingestParsed(ctx context.Context, parsed *ingest.Parsed) (*function.Result, error) {
	res, err := h.Ingestion.Ingest(ctx, parsed.Communication, objectsOf(parsed)...)
	if doctales.ErrorCode(err) == doctales.ECONFLICT && parsed.VariantID != "" {
		v := parsed.As(parsed.VariantID)
		res, err = h.Ingestion.Ingest(ctx, v.Communication, objectsOf(v)...)
	}
	return res, err
}

var _ doctales.Uploader = (*upload.Local)(nil)
