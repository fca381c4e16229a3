package main

import (
	"context"
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
