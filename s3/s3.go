package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/doctales/doctales"
)

// Limits of S3 object keys and of what Get reads.
const (
	// MaxKeyBytes is the longest key S3 accepts, in bytes of UTF-8.
	MaxKeyBytes = 1024
	// DefaultMaxObjectBytes bounds what Get reads into memory: 64 MiB, far
	// above any communication the API accepts (1 MiB by default).
	DefaultMaxObjectBytes = 64 << 20
	// DefaultListPageSize is the MaxKeys of each ListObjectsV2 call, S3's
	// own maximum.
	DefaultListPageSize = 1000
)

// Object is an object's description with what S3 keeps beside the bytes.
type Object struct {
	doctales.ObjectInfo
	ContentType string
	// Metadata is the user metadata (x-amz-meta-*), keys in lower case.
	Metadata map[string]string
}

// MetaTraceParent is the user metadata key (x-amz-meta-traceparent) under
// which PutObject stores the W3C traceparent of the context that stored
// the object (doctales.WithTraceParent): the ingestion's span. S3 event
// notifications carry no trace context, so the extraction function reads
// it back with TraceParent and continues the same trace (issue 16).
const MetaTraceParent = "traceparent"

// PutOptions are the optional settings of PutObject.
type PutOptions struct {
	// ContentType of the object; empty means application/octet-stream.
	ContentType string
	// Metadata is stored as x-amz-meta-<key> headers. S3 limits the user
	// metadata to 2 KB in total. PutObject adds MetaTraceParent when the
	// context carries a traceparent and Metadata does not name one.
	Metadata map[string]string
}

// Store is one bucket. Create it with NewStore; it is safe for concurrent
// use, as the S3 client is.
type Store struct {
	client *s3.Client
	bucket string

	// MaxObjectBytes bounds what Get and GetObject read: a bigger object is
	// ETOOLARGE. Default DefaultMaxObjectBytes.
	MaxObjectBytes int64
	// ListPageSize is the MaxKeys of each ListObjectsV2 call. Default
	// DefaultListPageSize.
	ListPageSize int32
}

var _ doctales.ObjectStore = (*Store)(nil)

// NewStore returns the store of bucket through client. The bucket must
// exist (the SAM template creates it).
func NewStore(client *s3.Client, bucket string) *Store {
	return &Store{client: client, bucket: bucket, MaxObjectBytes: DefaultMaxObjectBytes, ListPageSize: DefaultListPageSize}
}

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.bucket }

// Put stores data under key with contentType; see PutObject.
func (s *Store) Put(ctx context.Context, key string, data []byte, contentType string) (doctales.ObjectInfo, error) {
	obj, err := s.PutObject(ctx, key, data, PutOptions{ContentType: contentType})
	return obj.ObjectInfo, err
}

// PutObject stores data under key, overwriting any object there, and
// returns its description. S3 stores the object durably before it answers;
// the bucket's event notification then announces it. Putting the same
// bytes again is harmless and announces the object again.
func (s *Store) PutObject(ctx context.Context, key string, data []byte, opts PutOptions) (Object, error) {
	if err := validateKey(key); err != nil {
		return Object{}, err
	}
	sum := md5.Sum(data)
	ct := opts.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	if tp := doctales.TraceParent(ctx); tp != "" && opts.Metadata[MetaTraceParent] == "" {
		meta := make(map[string]string, len(opts.Metadata)+1)
		for k, v := range opts.Metadata {
			meta[k] = v
		}
		meta[MetaTraceParent] = tp
		opts.Metadata = meta
	}
	out, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        &s.bucket,
		Key:           &key,
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		ContentType:   &ct,
		ContentMD5:    aws.String(base64.StdEncoding.EncodeToString(sum[:])),
		Metadata:      opts.Metadata,
	})
	if err != nil {
		return Object{}, fmt.Errorf("put object %q: %w", key, formatError(err, key))
	}
	return Object{
		ObjectInfo: doctales.ObjectInfo{
			Bucket:       s.bucket,
			Key:          key,
			Size:         int64(len(data)),
			ETag:         trimETag(aws.ToString(out.ETag)),
			LastModified: time.Now().UTC(),
		},
		ContentType: ct,
		Metadata:    opts.Metadata,
	}, nil
}

// Get returns the object's bytes and description, or ENOTFOUND.
func (s *Store) Get(ctx context.Context, key string) ([]byte, doctales.ObjectInfo, error) {
	data, obj, err := s.GetObject(ctx, key)
	return data, obj.ObjectInfo, err
}

// GetObject returns the object's bytes and its full description, or
// ENOTFOUND. An object larger than MaxObjectBytes is ETOOLARGE.
func (s *Store) GetObject(ctx context.Context, key string) ([]byte, Object, error) {
	if err := validateKey(key); err != nil {
		return nil, Object{}, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return nil, Object{}, fmt.Errorf("get object %q: %w", key, formatError(err, key))
	}
	defer out.Body.Close()
	limit := s.maxObjectBytes()
	if n := aws.ToInt64(out.ContentLength); n > limit {
		return nil, Object{}, doctales.FieldErrorf(doctales.ETOOLARGE, "key", "object %q is %d bytes; the limit is %d", key, n, limit)
	}
	data, err := io.ReadAll(io.LimitReader(out.Body, limit+1))
	if err != nil {
		return nil, Object{}, fmt.Errorf("get object %q: read body: %w", key, err)
	}
	if int64(len(data)) > limit {
		return nil, Object{}, doctales.FieldErrorf(doctales.ETOOLARGE, "key", "object %q is larger than the limit of %d bytes", key, limit)
	}
	obj := Object{
		ObjectInfo: doctales.ObjectInfo{
			Bucket:       s.bucket,
			Key:          key,
			Size:         int64(len(data)),
			ETag:         trimETag(aws.ToString(out.ETag)),
			LastModified: aws.ToTime(out.LastModified).UTC(),
		},
		ContentType: aws.ToString(out.ContentType),
		Metadata:    out.Metadata,
	}
	return data, obj, nil
}

// Head returns the object's description without its bytes, or ENOTFOUND.
func (s *Store) Head(ctx context.Context, key string) (Object, error) {
	if err := validateKey(key); err != nil {
		return Object{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return Object{}, fmt.Errorf("head object %q: %w", key, formatError(err, key))
	}
	return Object{
		ObjectInfo: doctales.ObjectInfo{
			Bucket:       s.bucket,
			Key:          key,
			Size:         aws.ToInt64(out.ContentLength),
			ETag:         trimETag(aws.ToString(out.ETag)),
			LastModified: aws.ToTime(out.LastModified).UTC(),
		},
		ContentType: aws.ToString(out.ContentType),
		Metadata:    out.Metadata,
	}, nil
}

// TraceParent returns the traceparent stored with the object
// (MetaTraceParent), "" when it has none, with one HeadObject call (which
// s3:GetObject permits). The extraction function's span continues the
// ingestion's trace from it. ENOTFOUND when the object is absent.
func (s *Store) TraceParent(ctx context.Context, key string) (string, error) {
	obj, err := s.Head(ctx, key)
	if err != nil {
		return "", err
	}
	return obj.Metadata[MetaTraceParent], nil
}

// List calls fn for every object whose key starts with prefix, in key
// order, reading ListPageSize keys per request. It stops at the first error
// of fn and returns it.
func (s *Store) List(ctx context.Context, prefix string, fn func(doctales.ObjectInfo) error) error {
	size := s.ListPageSize
	if size <= 0 || size > DefaultListPageSize {
		size = DefaultListPageSize
	}
	in := &s3.ListObjectsV2Input{Bucket: &s.bucket, MaxKeys: &size}
	if prefix != "" {
		in.Prefix = &prefix
	}
	pages := s3.NewListObjectsV2Paginator(s.client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list objects %q: %w", prefix, formatError(err, prefix))
		}
		for _, o := range page.Contents {
			if err := fn(objectInfo(s.bucket, o)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Delete removes the object. Deleting a missing key is not an error, as in
// S3.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := validateKey(key); err != nil {
		return err
	}
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &key}); err != nil {
		return fmt.Errorf("delete object %q: %w", key, formatError(err, key))
	}
	return nil
}

func (s *Store) maxObjectBytes() int64 {
	if s.MaxObjectBytes > 0 {
		return s.MaxObjectBytes
	}
	return DefaultMaxObjectBytes
}

func objectInfo(bucket string, o types.Object) doctales.ObjectInfo {
	return doctales.ObjectInfo{
		Bucket:       bucket,
		Key:          aws.ToString(o.Key),
		Size:         aws.ToInt64(o.Size),
		ETag:         trimETag(aws.ToString(o.ETag)),
		LastModified: aws.ToTime(o.LastModified).UTC(),
	}
}

// trimETag removes the quotes S3 puts around ETags.
func trimETag(s string) string { return strings.Trim(s, `"`) }

// formatError translates S3 errors into application errors: a missing key
// or bucket is ENOTFOUND, throttling EOVERLOADED. Others are returned as
// they are.
func formatError(err error, key string) error {
	var nsk *types.NoSuchKey
	var nsb *types.NoSuchBucket
	var nf *types.NotFound
	switch {
	case errors.As(err, &nsk), errors.As(err, &nf):
		return &appError{doctales.Errorf(doctales.ENOTFOUND, "Object %q not found.", key), err}
	case errors.As(err, &nsb):
		return &appError{doctales.Errorf(doctales.ENOTFOUND, "Bucket not found."), err}
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return &appError{doctales.Errorf(doctales.ENOTFOUND, "Object %q not found.", key), err}
		case "SlowDown", "ServiceUnavailable", "RequestLimitExceeded":
			return &appError{doctales.Errorf(doctales.EOVERLOADED, "The object store is busy; retry later."), err}
		}
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
		return &appError{doctales.Errorf(doctales.ENOTFOUND, "Object %q not found.", key), err}
	}
	return err
}

// appError is an application error that keeps the S3 error as its
// cause, for logs.
type appError struct {
	app   *doctales.Error
	cause error
}

func (e *appError) Error() string   { return e.app.Error() + ": " + e.cause.Error() }
func (e *appError) Unwrap() []error { return []error{e.app, e.cause} }

// validateKey returns EINVALID (field "key") unless key is a relative,
// "/"-separated UTF-8 path of at most MaxKeyBytes bytes without empty, "."
// or ".." segments and without control characters.
func validateKey(key string) error {
	bad := func(format string, args ...any) error {
		return doctales.FieldErrorf(doctales.EINVALID, "key", "key %q: "+format, append([]any{key}, args...)...)
	}
	switch {
	case key == "":
		return doctales.FieldErrorf(doctales.EINVALID, "key", "key is empty")
	case len(key) > MaxKeyBytes:
		return bad("is %d bytes; the limit is %d", len(key), MaxKeyBytes)
	case !utf8.ValidString(key):
		return bad("is not valid UTF-8")
	case strings.HasPrefix(key, "/"):
		return bad("must be relative, not start with \"/\"")
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return bad("contains a control character")
		}
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return bad("has an empty, \".\" or \"..\" segment")
		}
	}
	return nil
}

// Keys returns the keys of the objects whose key starts with prefix, in
// key order, for function.ObjectRemover.
func (s *Store) Keys(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	err := s.List(ctx, prefix, func(o doctales.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	})
	return keys, err
}
