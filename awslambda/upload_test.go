package awslambda_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/awslambda"
	"github.com/doctales/doctales/function"
)

// fakeUploads is an UploadSource over a map of keys to bodies.
type fakeUploads struct {
	bodies  map[string][]byte
	readErr error
	deleted []string
}

func (f *fakeUploads) Read(ctx context.Context, key string) (string, doctales.UploadRequest, []byte, error) {
	if f.readErr != nil {
		return "", doctales.UploadRequest{}, nil, f.readErr
	}
	b, ok := f.bodies[key]
	if !ok {
		return "", doctales.UploadRequest{}, nil, doctales.Errorf(doctales.ENOTFOUND, "no %s", key)
	}
	owner, _, err := doctales.ParseUploadKey(key)
	return owner, doctales.UploadRequest{Size: int64(len(b)), ContentType: "message/rfc822"}, b, err
}

func (f *fakeUploads) Delete(ctx context.Context, key string) error {
	f.deleted = append(f.deleted, key)
	delete(f.bodies, key)
	return nil
}

// TestUploads: the upload event's key is URL-decoded, the object ingested
// for the owner its key names and deleted; a refused body (EINVALID) is
// not retried; a missing object (a repeated delivery) is done; an outage
// is returned so that Lambda retries; and WithUploads routes S3 events to
// the upload handler and anything else to the API.
func TestUploads(t *testing.T) {
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	key := "uploads/ana:1/0123.upload"
	src := &fakeUploads{bodies: map[string][]byte{key: []byte("mail")}}
	var got []string
	ingestErr := error(nil)
	ingest := func(ctx context.Context, owner string, req doctales.UploadRequest, body []byte) (*function.Result, error) {
		got = append(got, owner+" "+string(body))
		return &function.Result{ID: "m1"}, ingestErr
	}
	h := awslambda.Uploads(src, ingest, logger)
	ev := events.S3Event{Records: []events.S3EventRecord{{EventSource: "aws:s3", EventName: "ObjectCreated:Put",
		S3: events.S3Entity{Object: events.S3Object{Key: "uploads/ana%3A1/0123.upload"}}}}}
	if err := h(ctx, ev); err != nil || len(got) != 1 || got[0] != "ana:1 mail" || len(src.deleted) != 1 {
		t.Fatalf("ingest: %v, ingested %v, deleted %v", err, got, src.deleted)
	}
	if err := h(ctx, ev); err != nil || len(got) != 1 {
		t.Errorf("second delivery: %v, ingested %v", err, got)
	}
	src.bodies[key] = []byte("not mail")
	ingestErr = doctales.FieldErrorf(doctales.EINVALID, "body", "not a message")
	if err := h(ctx, ev); err != nil {
		t.Errorf("a refused body is retried: %v", err)
	}
	src.readErr = errors.New("connection reset")
	if err := h(ctx, ev); err == nil {
		t.Error("an outage is not returned for Lambda to retry")
	}

	api := func(ctx context.Context, raw json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`"api"`), nil
	}
	calls := 0
	both := awslambda.WithUploads(api, func(ctx context.Context, ev events.S3Event) error { calls++; return nil })
	raw, _ := json.Marshal(ev)
	if _, err := both(ctx, raw); err != nil || calls != 1 {
		t.Errorf("S3 event: %v, upload calls %d", err, calls)
	}
	if out, err := both(ctx, json.RawMessage(`{"version":"2.0"}`)); err != nil || string(out) != `"api"` || calls != 1 {
		t.Errorf("API event: %s %v, upload calls %d", out, err, calls)
	}
}
