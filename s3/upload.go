package s3

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doctales/doctales"
)

// UploadMetadataKey is the user metadata (x-amz-meta-doctales-upload)
// that carries an upload's request (doctales.UploadRequest.Encode) from
// POST /uploads to the ingestion of its ObjectCreated event. It is a
// signed header of the presigned URL, so the uploader cannot change it.
const UploadMetadataKey = "doctales-upload"

// Uploads hands out presigned S3 PUT URLs for POST /uploads
// (doctales.Uploader) and reads what was uploaded. Each URL puts one
// object "uploads/<owner>/<id>.upload" (doctales.UploadKey) of exactly
// the declared size (Content-Length is signed), with the declared
// content type and the request in its metadata, for Expiry. It acts with
// the credentials of the client it was made from (on Lambda, the
// function's role, which needs s3:PutObject on the key): S3 refuses the
// PUT once either the URL or those credentials have expired.
type Uploads struct {
	store   *Store
	presign *s3.PresignClient
	// Expiry is how long a URL is valid; zero means
	// doctales.DefaultUploadExpiry.
	Expiry time.Duration
	// Now is the clock of ExpiresAt; nil means time.Now.
	Now func() time.Time
}

var _ doctales.Uploader = (*Uploads)(nil)

// NewUploads returns the uploads into the store's bucket through client
// (the store's client).
func NewUploads(client *s3.Client, store *Store) *Uploads {
	return &Uploads{store: store, presign: s3.NewPresignClient(client, func(o *s3.PresignOptions) {
		// The SDK would otherwise sign a CRC32 checksum of an empty body
		// into the URL (its default "when supported" calculation), and S3
		// would refuse the real body; the uploader sends none.
		o.ClientOptions = append(o.ClientOptions, func(o *s3.Options) {
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		})
	})}
}

func (u *Uploads) expiry() time.Duration {
	if u.Expiry > 0 {
		return u.Expiry
	}
	return doctales.DefaultUploadExpiry
}

// CreateUpload presigns the PUT of one upload. Headers are the signed
// headers the PUT must carry (Content-Type and the metadata), without
// Host and Content-Length, which the HTTP client sets.
func (u *Uploads) CreateUpload(ctx context.Context, owner string, req doctales.UploadRequest) (*doctales.Upload, error) {
	if owner == "" {
		owner = doctales.DefaultUserID
	}
	id := doctales.NewUploadID()
	key := doctales.UploadKey(owner, id)
	now := time.Now
	if u.Now != nil {
		now = u.Now
	}
	exp := now().Add(u.expiry())
	p, err := u.presign.PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(u.store.bucket),
		Key:           aws.String(key),
		ContentType:   aws.String(req.ContentType),
		ContentLength: aws.Int64(req.Size),
		Metadata:      map[string]string{UploadMetadataKey: req.Encode()},
	}, s3.WithPresignExpires(u.expiry()))
	if err != nil {
		return nil, fmt.Errorf("presign put %q: %w", key, err)
	}
	headers := map[string]string{}
	for k, vs := range p.SignedHeader {
		switch http.CanonicalHeaderKey(k) {
		case "Host", "Content-Length":
			continue
		}
		headers[http.CanonicalHeaderKey(k)] = strings.Join(vs, ",")
	}
	return &doctales.Upload{ID: id, Key: key, URL: p.URL, Method: p.Method, Headers: headers, MaxBytes: req.Size, ExpiresAt: exp.UTC()}, nil
}

// Read returns an uploaded object's owner, request and body. A key that
// is not an upload's is EINVALID; an object without the metadata
// POST /uploads signed (put by other means) is EINVALID naming it.
func (u *Uploads) Read(ctx context.Context, key string) (owner string, req doctales.UploadRequest, body []byte, err error) {
	owner, _, err = doctales.ParseUploadKey(key)
	if err != nil {
		return "", req, nil, err
	}
	body, obj, err := u.store.GetObject(ctx, key)
	if err != nil {
		return "", req, nil, err
	}
	meta, ok := obj.Metadata[UploadMetadataKey]
	if !ok {
		return "", req, nil, doctales.FieldErrorf(doctales.EINVALID, "metadata", "object %q has no x-amz-meta-%s: it was not put through a POST /uploads URL", key, UploadMetadataKey)
	}
	req, err = doctales.DecodeUploadRequest(meta, int64(len(body)))
	if err != nil {
		return "", req, nil, err
	}
	if req.ContentType == "" {
		req.ContentType = obj.ContentType
	}
	return owner, req, body, nil
}

// Delete removes an upload once it is ingested.
func (u *Uploads) Delete(ctx context.Context, key string) error { return u.store.Delete(ctx, key) }
