package notify_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
)

// sseEvent is one parsed Server-Sent Events block.
type sseEvent struct {
	ID, Event, Data, Retry, Comment string
}

// stream is an open event stream read by a goroutine.
type stream struct {
	resp   *http.Response
	events chan sseEvent // closed at the end of the stream
	cancel context.CancelFunc
}

// MustServeHub serves h at StreamPath on 127.0.0.1; at test end the hub is
// closed, then the server.
func MustServeHub(tb testing.TB, h *notify.Hub) *httptest.Server {
	tb.Helper()
	h.Logger = slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mux := http.NewServeMux()
	mux.Handle("GET "+notify.StreamPath, h)
	srv := httptest.NewServer(mux)
	tb.Cleanup(func() {
		_ = h.Close()
		srv.Close()
	})
	return srv
}

// get opens a GET on the stream; the request is cancelled at test end.
// An optional prefix goes before the stream path.
func get(tb testing.TB, srv *httptest.Server, query string, prefix ...string) (*http.Response, context.CancelFunc) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+strings.Join(prefix, "")+notify.StreamPath+query, nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { resp.Body.Close() })
	return resp, cancel
}

// MustOpenStream opens a stream, checks its headers and starts reading
// events.
func MustOpenStream(tb testing.TB, srv *httptest.Server, query string, prefix ...string) *stream {
	tb.Helper()
	resp, cancel := get(tb, srv, query, prefix...)
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		tb.Fatalf("GET %s: status %d: %s", query, resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		tb.Fatalf("Content-Type = %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		tb.Fatalf("Cache-Control = %q", cc)
	}
	s := &stream{resp: resp, events: make(chan sseEvent, 1000), cancel: cancel}
	go func() {
		defer close(s.events)
		r := bufio.NewReader(resp.Body)
		var ev sseEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSuffix(line, "\n")
			if line == "" {
				s.events <- ev
				ev = sseEvent{}
				continue
			}
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "":
				ev.Comment = value
			case "id":
				ev.ID = value
			case "event":
				ev.Event = value
			case "data":
				ev.Data = value
			case "retry":
				ev.Retry = value
			}
		}
	}()
	if ev := s.MustNext(tb); ev.Retry != "2000" {
		tb.Fatalf("first block = %+v, want retry: 2000", ev)
	}
	return s
}

// MustNext returns the next block, failing after 5 seconds or at the end of
// the stream.
func (s *stream) MustNext(tb testing.TB) sseEvent {
	tb.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			tb.Fatal("stream ended")
		}
		return ev
	case <-time.After(5 * time.Second):
		tb.Fatal("no event within 5s")
	}
	return sseEvent{}
}

// MustEnd waits for the stream to end.
func (s *stream) MustEnd(tb testing.TB) {
	tb.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-s.events:
			if !ok {
				return
			}
		case <-timeout:
			tb.Fatal("stream still open after 5s")
		}
	}
}

// waitFor polls cond until it holds, failing after 5 seconds.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// mustErrorBody decodes a JSON error answer.
func mustErrorBody(tb testing.TB, resp *http.Response) (msg, code string) {
	tb.Helper()
	var body struct{ Error, Code string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		tb.Fatalf("decode error body: %v", err)
	}
	return body.Error, body.Code
}

func TestHub(t *testing.T) {
	t.Run("ReceivesMessage", func(t *testing.T) {
		h := notify.NewHub()
		srv := MustServeHub(t, h)
		s := MustOpenStream(t, srv, "")

		m := testMessage()
		if err := h.Deliver(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		ev := s.MustNext(t)
		if ev.ID != m.MessageID || ev.Event != notify.EventNotification {
			t.Fatalf("event = %+v, want id %s, event notification", ev, m.MessageID)
		}
		var got doctales.Message
		if err := json.Unmarshal([]byte(ev.Data), &got); err != nil {
			t.Fatalf("data %q: %v", ev.Data, err)
		}
		if got.MessageID != m.MessageID || got.Subject != m.Subject || got.Message != m.Message ||
			got.MessageAttributes[notify.AttrCommunicationID].StringValue != "email-123" {
			t.Fatalf("data = %+v, want %+v", got, m)
		}
	})

	t.Run("Heartbeat", func(t *testing.T) {
		h := notify.NewHub()
		h.HeartbeatInterval = 20 * time.Millisecond
		s := MustOpenStream(t, MustServeHub(t, h), "")
		if ev := s.MustNext(t); ev.Comment != "heartbeat" {
			t.Fatalf("event = %+v, want a heartbeat comment", ev)
		}
	})

	t.Run("EventFilter", func(t *testing.T) {
		h := notify.NewHub()
		srv := MustServeHub(t, h)
		comms := MustOpenStream(t, srv, "?events=communication")
		both := MustOpenStream(t, srv, "?events=notification,communication")

		if err := h.Deliver(context.Background(), testMessage()); err != nil {
			t.Fatal(err)
		}
		if err := h.Send("communication", "", map[string]string{"id": "email-9", "status": "extracted"}); err != nil {
			t.Fatal(err)
		}
		if ev := comms.MustNext(t); ev.Event != "communication" || ev.ID != "" || ev.Data != `{"id":"email-9","status":"extracted"}` {
			t.Fatalf("filtered stream got %+v, want the communication event", ev)
		}
		if ev := both.MustNext(t); ev.Event != "notification" {
			t.Fatalf("first event = %+v, want notification", ev)
		}
		if ev := both.MustNext(t); ev.Event != "communication" {
			t.Fatalf("second event = %+v, want communication", ev)
		}
	})

	// A stream scoped to a user (doctales.WithOwner, set by the API for
	// the caller) gets that user's events only; an unscoped one (an open
	// server) gets all.
	t.Run("Owner", func(t *testing.T) {
		h := notify.NewHub()
		h.Logger = slog.New(slog.NewTextHandler(tbWriter{t}, nil))
		mux := http.NewServeMux()
		scoped := func(owner string) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				h.ServeHTTP(w, r.WithContext(doctales.WithOwner(r.Context(), owner)))
			})
		}
		mux.Handle("GET /ana"+notify.StreamPath, scoped("ana"))
		mux.Handle("GET /ben"+notify.StreamPath, scoped("ben"))
		mux.Handle("GET "+notify.StreamPath, h)
		srv := httptest.NewServer(mux)
		t.Cleanup(func() { _ = h.Close(); srv.Close() })
		ana := MustOpenStream(t, srv, "", "/ana")
		ben := MustOpenStream(t, srv, "", "/ben")
		all := MustOpenStream(t, srv, "", "")

		m := testMessage()
		m.MessageAttributes[notify.AttrUserID] = doctales.MessageAttribute{DataType: "String", StringValue: "ana"}
		if err := h.Deliver(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		if err := h.Send("communication", "ben", map[string]string{"id": "ben-1"}); err != nil {
			t.Fatal(err)
		}
		if ev := ana.MustNext(t); ev.Event != "notification" || ev.ID != m.MessageID {
			t.Fatalf("ana got %+v, want her notification", ev)
		}
		if ev := ben.MustNext(t); ev.Event != "communication" || !strings.Contains(ev.Data, "ben-1") {
			t.Fatalf("ben got %+v, want his communication and not ana's notification", ev)
		}
		if ev := all.MustNext(t); ev.Event != "notification" {
			t.Fatalf("unscoped stream got %+v, want the notification", ev)
		}
		if ev := all.MustNext(t); ev.Event != "communication" {
			t.Fatalf("unscoped stream got %+v, want the communication", ev)
		}
		// Nothing else reached ana: a heartbeat-free hub sends nothing
		// more, so send one event for ana and check it is the next.
		if err := h.Send("communication", "ana", map[string]string{"id": "ana-2"}); err != nil {
			t.Fatal(err)
		}
		if ev := ana.MustNext(t); !strings.Contains(ev.Data, "ana-2") {
			t.Fatalf("ana's next event = %+v, want ana-2 (ben's event leaked?)", ev)
		}
	})

	t.Run("ErrInvalidFilter", func(t *testing.T) {
		srv := MustServeHub(t, notify.NewHub())
		resp, _ := get(t, srv, "?events=bad%0Aname")
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("status = %d, want 400", resp.StatusCode)
		}
		if msg, code := mustErrorBody(t, resp); code != doctales.EINVALID || !strings.Contains(msg, "events") {
			t.Fatalf("error = %q, %q", msg, code)
		}
	})

	t.Run("ErrInvalidEventName", func(t *testing.T) {
		h := notify.NewHub()
		for _, name := range []string{"", "a\nb", "a,b", strings.Repeat("x", 65)} {
			if err := h.Send(name, "", 1); doctales.ErrorCode(err) != doctales.EINVALID {
				t.Errorf("Send(%q) = %v, want EINVALID", name, err)
			}
		}
	})

	t.Run("ErrMethod", func(t *testing.T) {
		h := notify.NewHub()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, notify.StreamPath, nil))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != http.MethodGet {
			t.Fatalf("status = %d, Allow = %q", rec.Code, rec.Header().Get("Allow"))
		}
	})

	t.Run("SlowClientDropped", func(t *testing.T) {
		h := notify.NewHub()
		h.ClientBuffer = 4
		h.WriteTimeout = 2 * time.Second // longer than it takes to fill the buffer
		srv := MustServeHub(t, h)
		fast := MustOpenStream(t, srv, "")
		slow, _ := get(t, srv, "") // never read: its socket buffers, then its hub buffer, fill
		if slow.StatusCode != http.StatusOK {
			t.Fatalf("slow client: status %d", slow.StatusCode)
		}

		// Send large events one at a time, each read by the fast client,
		// until the slow one is dropped.
		payload := strings.Repeat("x", 256<<10)
		for i := 0; h.Dropped() == 0; i++ {
			if i == 1000 {
				t.Fatal("slow client not dropped after 1000 events of 256 KiB")
			}
			if err := h.Send("communication", "", payload); err != nil {
				t.Fatal(err)
			}
			if ev := fast.MustNext(t); ev.Event != "communication" {
				t.Fatalf("fast client got %+v", ev)
			}
		}
		if h.Dropped() != 1 {
			t.Fatalf("Dropped() = %d, want 1", h.Dropped())
		}
		if n := h.Clients(); n != 1 {
			t.Fatalf("Clients() = %d, want 1 (the fast one)", n)
		}

		// The fast client is still served.
		if err := h.Deliver(context.Background(), testMessage()); err != nil {
			t.Fatal(err)
		}
		if ev := fast.MustNext(t); ev.Event != notify.EventNotification {
			t.Fatalf("fast client got %+v after the drop", ev)
		}
	})

	t.Run("ErrMaxClients", func(t *testing.T) {
		h := notify.NewHub()
		h.MaxClients = 1
		srv := MustServeHub(t, h)
		first := MustOpenStream(t, srv, "")

		resp, _ := get(t, srv, "")
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("second stream: status %d, want 503", resp.StatusCode)
		}
		if resp.Header.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
		if msg, code := mustErrorBody(t, resp); code != doctales.EOVERLOADED || !strings.Contains(msg, "limit 1") {
			t.Fatalf("error = %q, %q; want overloaded naming the limit", msg, code)
		}

		// The slot frees when the first client leaves.
		first.cancel()
		waitFor(t, "the first client to leave", func() bool { return h.Clients() == 0 })
		MustOpenStream(t, srv, "")
	})

	t.Run("CloseEndsStreams", func(t *testing.T) {
		h := notify.NewHub()
		srv := MustServeHub(t, h)
		a := MustOpenStream(t, srv, "")
		b := MustOpenStream(t, srv, "?events=communication")

		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
		a.MustEnd(t)
		b.MustEnd(t)
		if err := h.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if err := h.Send("communication", "", 1); !errors.Is(err, notify.ErrHubClosed) {
			t.Fatalf("Send after Close = %v, want ErrHubClosed", err)
		}
		if err := h.Deliver(context.Background(), testMessage()); err != nil {
			t.Fatalf("Deliver after Close = %v, want nil (best effort)", err)
		}
		resp, _ := get(t, srv, "")
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("stream after Close: status %d, want 503", resp.StatusCode)
		}
	})
}
