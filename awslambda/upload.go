package awslambda

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/aws/aws-lambda-go/events"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/function"
)

// UploadSource is what the upload function needs of the bucket
// (package s3's Uploads): an uploaded object's owner, request and body,
// and its deletion once ingested.
type UploadSource interface {
	Read(ctx context.Context, key string) (owner string, req doctales.UploadRequest, body []byte, err error)
	Delete(ctx context.Context, key string) error
}

// IngestUploadFunc ingests an upload's body as POST /communications
// would (httpapi.Handler.IngestUpload).
type IngestUploadFunc func(ctx context.Context, owner string, req doctales.UploadRequest, body []byte) (*function.Result, error)

// UploadFunc is the handler of the bucket's ObjectCreated events under
// doctales.UploadPrefix (issue 16, item 2).
type UploadFunc func(ctx context.Context, ev events.S3Event) error

// Uploads returns the handler of the ObjectCreated events of uploads (the
// objects presigned PUT URLs created): each record's object is read,
// ingested by ingest, then deleted (the ingestion keeps the original
// bytes beside the communication).
//
// What the uploader got wrong (a body that is not mail, a document the
// parser refuses, an id taken by other content: EINVALID, ETOOLARGE,
// EUNSUPPORTED, ECONFLICT) would fail every retry alike: it is logged
// with the key and not retried, and the object is left for the bucket's
// lifecycle rule to expire. An object already gone (S3 delivered the
// event twice and an earlier invocation ingested and deleted it) is done.
// Any other error is returned, so that Lambda retries the event and then
// sends it to the function's on-failure queue.
func Uploads(src UploadSource, ingest IngestUploadFunc, logger *slog.Logger) UploadFunc {
	return func(ctx context.Context, ev events.S3Event) error {
		for _, rec := range ev.Records {
			key := rec.S3.Object.Key
			if k, err := url.QueryUnescape(key); err == nil {
				key = k
			}
			owner, req, body, err := src.Read(ctx, key)
			if err == nil {
				var res *function.Result
				if res, err = ingest(ctx, owner, req, body); err == nil {
					logger.InfoContext(ctx, "upload ingested", "requestId", requestID(ctx), "key", key, "id", res.ID, "replayed", res.Replayed)
					if derr := src.Delete(ctx, key); derr != nil {
						logger.WarnContext(ctx, "ingested upload not deleted; the lifecycle rule will", "key", key, "error", derr)
					}
					continue
				}
			}
			switch doctales.ErrorCode(err) {
			case doctales.ENOTFOUND:
				logger.InfoContext(ctx, "upload already gone (ingested by an earlier delivery)", "requestId", requestID(ctx), "key", key)
			case doctales.EINVALID, doctales.ETOOLARGE, doctales.EUNSUPPORTED, doctales.ECONFLICT:
				logger.WarnContext(ctx, "upload refused", "requestId", requestID(ctx), "key", key, "code", doctales.ErrorCode(err), "field", doctales.ErrorField(err), "error", err)
			default:
				return fmt.Errorf("upload %q: %w", key, err)
			}
		}
		return nil
	}
}

// WithUploads returns the API function's handler that also serves the
// bucket's upload events: an event whose records come from S3 goes to
// uploads, anything else to api. One binary (and one SAM CodeUri) thus
// serves POST /uploads and the ingestion of what its URLs receive.
func WithUploads(api APIFunc, uploads UploadFunc) APIFunc {
	return func(ctx context.Context, raw json.RawMessage) (json.RawMessage, error) {
		var probe struct {
			Records []struct {
				EventSource string `json:"eventSource"`
			} `json:"Records"`
		}
		if json.Unmarshal(raw, &probe) == nil && len(probe.Records) > 0 && probe.Records[0].EventSource == "aws:s3" {
			var ev events.S3Event
			if err := json.Unmarshal(raw, &ev); err != nil {
				return nil, fmt.Errorf("s3 event: %w", err)
			}
			return nil, uploads(ctx, ev)
		}
		return api(ctx, raw)
	}
}
