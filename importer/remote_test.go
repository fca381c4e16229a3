package importer_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales/importer"
	"github.com/doctales/doctales/ingest"
)

// TestRemote_RateLimited: a 429 is sent again after its Retry-After, and
// does not use up the attempts a 503 or a network error has.
func TestRemote_RateLimited(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"code":"rate_limited","error":"Too many requests"}`))
			return
		}
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte(`{"id":"c1"}`))
	}))
	t.Cleanup(srv.Close)
	rem := &importer.Remote{URL: srv.URL, Retries: 1}
	start := time.Now()
	res, err := rem.Send(context.Background(), &importer.Item{Kind: importer.KindPost, Data: []byte(`{"content":"x"}`)}, ingest.Options{})
	if err != nil || res.ID != "c1" {
		t.Fatalf("Send = %+v, %v; want c1 after two 429s", res, err)
	}
	if d := time.Since(start); d < 2*time.Second || calls.Load() != 3 {
		t.Fatalf("%d calls in %v; want 3, waiting Retry-After (1 s) twice", calls.Load(), d)
	}
}
