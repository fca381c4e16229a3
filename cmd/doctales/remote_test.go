package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/client"
	"github.com/doctales/doctales/importer"
	"github.com/doctales/doctales/ingest"
)

// TestRemoteSink checks the import's sink through package client: a 429
// is waited out (not an attempt), a 503 sent again, the query carries the
// options, and an error answer comes back as the server's *doctales.Error.
func TestRemoteSink(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch n := calls.Add(1); {
		case r.URL.Query().Get("project") == "bad":
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"project is too long","code":"invalid","field":"project"}`)
		case n == 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":"Too many requests.","code":"rate_limited"}`)
		case n == 2:
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"error":"Busy.","code":"overloaded"}`)
		default:
			if r.Header.Get("Content-Type") != ingest.MediaTypeMail || r.URL.Query().Get("project") != "p" || r.URL.Query().Get("notify") != "never" {
				t.Errorf("request %s %q", r.URL, r.Header.Get("Content-Type"))
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, `{"id":"m-1","s3Key":"k","status":"accepted"}`)
		}
	}))
	defer srv.Close()
	c, err := client.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	s := &remoteSink{c: c, retries: 1}
	it := &importer.Item{Kind: importer.KindMail, Path: "a.eml", Offset: -1, Index: -1, Data: []byte("Subject: x\r\n\r\nx\r\n")}
	res, err := s.Send(context.Background(), it, ingest.Options{Project: "p", Notify: doctales.NotifyNever})
	if err != nil || res.ID != "m-1" || !res.Replayed || calls.Load() != 3 {
		t.Fatalf("Send = %+v, %v after %d calls; want m-1 replayed after a 429 and a 503", res, err, calls.Load())
	}
	_, err = s.Send(context.Background(), it, ingest.Options{Project: "bad"})
	var de *doctales.Error
	if !errors.As(err, &de) || de.Code != doctales.EINVALID || de.Field != "project" {
		t.Errorf("400: %v (%T); want the server's *doctales.Error naming project", err, err)
	}
}

// TestRemoteSink_Upload: an item over the upload threshold goes through
// POST /uploads (a 503 there is retried) and a PUT to the URL it answers,
// never POST /communications; a server that ingests before answering the
// PUT gives the id, one that answers like S3 (200, no body) the upload's
// id and no communication id.
func TestRemoteSink_Upload(t *testing.T) {
	var uploads, posts atomic.Int32
	s3like := false
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "POST" && r.URL.Path == "/uploads":
			if uploads.Add(1) == 1 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, `{"error":"Busy.","code":"overloaded"}`)
				return
			}
			var req doctales.UploadRequest
			_ = json.NewDecoder(r.Body).Decode(&req)
			if req.ContentType != "application/octet-stream" || req.Name != "big.pdf" || req.Project != "p" || req.Size != 64 {
				t.Errorf("upload request %+v", req)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"id":"u1","key":"uploads/default-user/u1.upload","url":"`+srv.URL+`/put/u1","method":"PUT","headers":{},"maxBytes":64,"expiresAt":"2026-12-05T10:15:00Z"}`)
		case r.Method == "PUT" && r.URL.Path == "/put/u1":
			if b, _ := io.ReadAll(r.Body); len(b) != 64 || r.Header.Get("Authorization") != "" {
				t.Errorf("PUT %d bytes, Authorization %q", len(b), r.Header.Get("Authorization"))
			}
			if s3like {
				w.WriteHeader(http.StatusOK)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, `{"id":"doc-1","s3Key":"k","status":"accepted"}`)
		default:
			posts.Add(1)
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	c, err := client.New(srv.URL, client.WithAPIKey("k"))
	if err != nil {
		t.Fatal(err)
	}
	s := &remoteSink{c: c, retries: 1, uploadThreshold: 32}
	it := &importer.Item{Kind: importer.KindDocument, Path: "/tmp/big.pdf", Offset: -1, Index: -1, Data: bytes.Repeat([]byte("x"), 64)}
	res, err := s.Send(context.Background(), it, ingest.Options{Project: "p"})
	if err != nil || res.ID != "doc-1" || res.Upload != "" || uploads.Load() != 2 || posts.Load() != 0 {
		t.Fatalf("Send = %+v, %v; %d upload requests, %d posts", res, err, uploads.Load(), posts.Load())
	}
	s3like = true
	res, err = s.Send(context.Background(), it, ingest.Options{Project: "p"})
	if err != nil || res.ID != "" || res.Upload != "u1" {
		t.Errorf("S3-like PUT: %+v, %v; want upload u1 and no id", res, err)
	}
	small := &importer.Item{Kind: importer.KindMail, Path: "a.eml", Offset: -1, Index: -1, Data: []byte("Subject: x\r\n\r\nx\r\n")}
	if _, err := s.Send(context.Background(), small, ingest.Options{}); err == nil || posts.Load() != 1 {
		t.Errorf("a small item: %v, %d posts; want it posted (and refused here)", err, posts.Load())
	}
}
