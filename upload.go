package doctales

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Large bodies (issue 16, item 2). API Gateway and Lambda cap a request
// at 6 MB (about 4.4 MB of e-mail once base64-encoded), so a body larger
// than that is not posted: POST /uploads hands out a URL that takes one
// PUT of it, straight into the object store (on AWS a presigned S3 PUT,
// locally a signed URL on the server itself), and the stored object is
// ingested exactly as POST /communications would ingest the same bytes.

// UploadPrefix is the first segment of every upload's object key:
// "uploads/<owner>/<id>.upload" (UploadKey).
const UploadPrefix = "uploads/"

// UploadSuffix ends every upload's object key. It is not ".json", so that
// the bucket's notification for uploads (prefix uploads/, suffix .upload)
// and the one for extraction (suffix .json) never overlap, which S3
// refuses.
const UploadSuffix = ".upload"

// DefaultUploadExpiry is how long an upload URL accepts its PUT.
const DefaultUploadExpiry = 15 * time.Minute

// MaxUploadFieldBytes bounds each of an UploadRequest's text fields, so
// that together they fit S3's 2 KB of user metadata.
const MaxUploadFieldBytes = 256

// UploadRequest is the body of POST /uploads: what the caller will send.
type UploadRequest struct {
	// Size is the body's exact length in bytes. The URL accepts no more
	// (on AWS, exactly this many: the length is signed).
	Size int64 `json:"size"`
	// ContentType is the body's media type, as POST /communications
	// takes it raw: message/rfc822 for an e-mail, application/pdf, the
	// DOCX type, text/plain, text/markdown, text/html, or
	// application/octet-stream to let Name's extension decide.
	ContentType string `json:"contentType"`
	// Name is the file name (its extension picks a document's format when
	// the content type does not); optional.
	Name string `json:"name,omitempty"`
	// Project, Source and Notify are POST /communications' query
	// parameters of the same names.
	Project string `json:"project,omitempty"`
	Source  string `json:"source,omitempty"`
	Notify  string `json:"notify,omitempty"`
}

// uploadTypes are the media types an upload may have.
var uploadTypes = []string{"message/rfc822", "application/pdf",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"text/plain", "text/markdown", "text/html", "application/octet-stream"}

// IsMail reports whether the upload is an e-mail (message/rfc822, or a
// file named *.eml).
func (r UploadRequest) IsMail() bool {
	mt, _, _ := mime.ParseMediaType(r.ContentType)
	return mt == "message/rfc822" || strings.HasSuffix(strings.ToLower(r.Name), ".eml")
}

// Validate checks r against maxBytes, the largest body its kind may have,
// and returns an EINVALID, ETOOLARGE or EUNSUPPORTED error naming the
// field and the limit.
func (r UploadRequest) Validate(maxBytes int64) error {
	if r.Size <= 0 {
		return FieldErrorf(EINVALID, "size", "size %d is not a positive number of bytes; give the body's exact length", r.Size)
	}
	if r.Size > maxBytes {
		return FieldErrorf(ETOOLARGE, "size", "size %d bytes is over the limit of %d bytes for a %s", r.Size, maxBytes, r.ContentType)
	}
	mt, _, err := mime.ParseMediaType(r.ContentType)
	if err != nil || !slices.Contains(uploadTypes, mt) {
		return FieldErrorf(EUNSUPPORTED, "contentType", "content type %q cannot be uploaded; send one of %s", r.ContentType, strings.Join(uploadTypes, ", "))
	}
	for _, f := range []struct{ name, v string }{{"name", r.Name}, {"project", r.Project}, {"source", r.Source}} {
		if len(f.v) > MaxUploadFieldBytes {
			return FieldErrorf(ETOOLARGE, f.name, "%s is %d bytes, over the limit of %d", f.name, len(f.v), MaxUploadFieldBytes)
		}
	}
	switch r.Notify {
	case "", NotifyAlways, NotifyNever:
	default:
		return FieldErrorf(EINVALID, "notify", "notify %q is not one of %q, %q or empty", r.Notify, NotifyAlways, NotifyNever)
	}
	return nil
}

// Encode returns r's fields but Size as a query string: the one value of
// the upload's object metadata (on S3 "x-amz-meta-doctales-upload",
// ASCII whatever the project's name).
func (r UploadRequest) Encode() string {
	q := url.Values{}
	for k, v := range map[string]string{"contentType": r.ContentType, "name": r.Name, "project": r.Project, "source": r.Source, "notify": r.Notify} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}

// DecodeUploadRequest reads what Encode wrote; size is the object's.
func DecodeUploadRequest(s string, size int64) (UploadRequest, error) {
	q, err := url.ParseQuery(s)
	if err != nil {
		return UploadRequest{}, FieldErrorf(EINVALID, "metadata", "upload metadata %.80q is not a query string: %s", s, err)
	}
	return UploadRequest{Size: size, ContentType: q.Get("contentType"), Name: q.Get("name"),
		Project: q.Get("project"), Source: q.Get("source"), Notify: q.Get("notify")}, nil
}

// Upload is the answer of POST /uploads: send the body with Method to URL
// with Headers, before ExpiresAt, once.
type Upload struct {
	ID        string            `json:"id"`
	Key       string            `json:"key"`
	URL       string            `json:"url"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	MaxBytes  int64             `json:"maxBytes"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

// Uploader hands out upload URLs (POST /uploads). CreateUpload returns
// where owner may send the one body req describes; a URL without scheme
// and host is on the server itself. Safe for concurrent use.
type Uploader interface {
	CreateUpload(ctx context.Context, owner string, req UploadRequest) (*Upload, error)
}

// NewUploadID returns a random upload id (32 hex digits).
func NewUploadID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// UploadKey returns the object key of owner's upload id.
func UploadKey(owner, id string) string {
	if owner == "" {
		owner = DefaultUserID
	}
	return UploadPrefix + owner + "/" + id + UploadSuffix
}

// ParseUploadKey returns the owner and id of an upload's object key, or
// an EINVALID error for any other key.
func ParseUploadKey(key string) (owner, id string, err error) {
	rest, ok := strings.CutPrefix(key, UploadPrefix)
	if ok {
		rest, ok = strings.CutSuffix(rest, UploadSuffix)
	}
	if ok {
		owner, id, ok = strings.Cut(rest, "/")
	}
	if !ok || ValidateID("owner", owner) != nil || ValidateID("id", id) != nil || strings.Contains(id, "/") {
		return "", "", FieldErrorf(EINVALID, "key", "key %q is not an upload's (%s<owner>/<id>%s)", key, UploadPrefix, UploadSuffix)
	}
	return owner, id, nil
}

// UploadExpired is the message of an expired upload URL.
func UploadExpired(id string, at time.Time, expiry time.Duration) *Error {
	return FieldErrorf(EFORBIDDEN, "token", "upload %s expired at %s (URLs last %s); ask POST /uploads for a new one", id, at.UTC().Format(time.RFC3339), expiry)
}

// String names the upload for logs.
func (u *Upload) String() string {
	return fmt.Sprintf("upload %s (%s, at most %d bytes)", u.ID, u.Key, u.MaxBytes)
}
