package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/client"
	"github.com/doctales/doctales/importer"
	"github.com/doctales/doctales/ingest"
)

// remoteSink is the importer.Sink of ingest and import through a server
// (--url, or the server holding the data folder): each item is posted with
// package client, as importer.Request builds it, so that the CLI speaks to
// the API through the one typed client its other --url paths use.
type remoteSink struct {
	c *client.Client
	// retries is how many times an item answered 503 or not answered at
	// all is sent again, with a growing pause; a 429 is sent again after
	// its Retry-After without using up an attempt. This is the one retry
	// loop of the CLI's server paths (importer.Remote had a copy).
	retries int
	// uploadThreshold is the body size above which a raw e-mail or a
	// document goes through POST /uploads (client.Upload); zero means
	// client.DefaultUploadThresholdBytes, so that a 10 MB mail reaches an
	// API on AWS, whose requests are capped at 6 MB.
	uploadThreshold int64
}

var _ importer.Sink = (*remoteSink)(nil)

// Send posts it. An error answer with a code becomes a *doctales.Error
// (what the import summary and the JSON lines print: code, field and
// message); a transport error names the item.
func (s *remoteSink) Send(ctx context.Context, it *importer.Item, opt ingest.Options) (*importer.Result, error) {
	if s.large(it) {
		return s.retry(ctx, it, func() (*importer.Result, error) { return s.upload(ctx, it, opt) })
	}
	body, ctype, q, err := importer.Request(it, opt)
	if err != nil {
		return nil, err
	}
	o := client.IngestOptions{Project: q.Get("project"), Source: q.Get("source"), Notify: q.Get("notify")}
	return s.retry(ctx, it, func() (*importer.Result, error) {
		res, err := s.c.IngestRaw(ctx, bytes.NewReader(body), ctype, o)
		if err != nil {
			return nil, err
		}
		return &importer.Result{ID: res.ID, Replayed: res.Replayed}, nil
	})
}

// retry calls send until it succeeds, fails for good, or retries run
// out: a 429 is sent again after its Retry-After without using up an
// attempt, a 503 or a transport error again after a growing pause.
func (s *remoteSink) retry(ctx context.Context, it *importer.Item, send func() (*importer.Result, error)) (*importer.Result, error) {
	retries := s.retries
	if retries <= 0 {
		retries = 3
	}
	for attempt := 0; ; attempt++ {
		res, err := send()
		if err == nil {
			return res, nil
		}
		pause := time.Duration(attempt+1) * 200 * time.Millisecond
		var e *client.Error
		switch {
		case errors.As(err, &e) && e.Status == http.StatusTooManyRequests:
			// Rate limited: the server pacing the import, not a failure.
			pause = min(max(e.RetryAfter, time.Second), importer.MaxRetryAfter)
			attempt--
		case errors.As(err, &e):
			if e.Status != http.StatusServiceUnavailable || attempt >= retries {
				return nil, apiError(e)
			}
		default:
			if attempt >= retries || ctx.Err() != nil {
				return nil, fmt.Errorf("post %s: %w", it.Where(), err)
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
	}
}

// apiError returns an error answer as the *doctales.Error it was on the
// server, when it carried a code, so that the CLI reports it as it
// reports a local one.
func apiError(e *client.Error) error {
	if e.Code == "" {
		return fmt.Errorf("server answered %d: %s", e.Status, e.Error())
	}
	return &doctales.Error{Code: e.Code, Message: e.Message, Field: e.Field}
}

// large reports whether it is a raw e-mail or a document over the upload
// threshold.
func (s *remoteSink) large(it *importer.Item) bool {
	limit := s.uploadThreshold
	if limit <= 0 {
		limit = client.DefaultUploadThresholdBytes
	}
	return (it.Kind == importer.KindMail || it.Kind == importer.KindDocument) && int64(len(it.Data)) > limit
}

// upload sends it through POST /uploads and its URL (each attempt asks
// for a new URL: the embedded server gives a URL back when its body was
// not ingested, S3 never does). The embedded server
// ingests it before answering; on AWS the object's ObjectCreated event
// does, after the PUT, so the result has the upload's id and no
// communication id yet.
func (s *remoteSink) upload(ctx context.Context, it *importer.Item, opt ingest.Options) (*importer.Result, error) {
	o := client.UploadOptions{ContentType: ingest.MediaTypeMail, Project: opt.Project, Source: opt.Source, Notify: opt.Notify}
	if it.Kind == importer.KindDocument {
		o.ContentType, o.Name = "application/octet-stream", filepath.Base(it.Path)
	}
	res, err := s.c.Upload(ctx, it.Data, o)
	if err != nil {
		return nil, err // retry decides, and names the item
	}
	if res.Ingested == nil {
		return &importer.Result{Upload: res.Upload.ID}, nil
	}
	return &importer.Result{ID: res.Ingested.ID, Replayed: res.Ingested.Replayed}, nil
}
