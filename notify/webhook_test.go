package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/runtime"
)

// loopback allows the test servers on 127.0.0.1, which a webhook refuses
// by default (issue 17).
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// received is one request the test endpoint got.
type received struct {
	header http.Header
	body   []byte
}

// MustServe starts an HTTP server on 127.0.0.1 that records each request
// on the returned channel and answers with status. It is closed at test end.
func MustServe(tb testing.TB, status int) (*httptest.Server, <-chan received) {
	tb.Helper()
	ch := make(chan received, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ch <- received{header: r.Header.Clone(), body: body}
		if status >= 300 && status < 400 {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(status)
	}))
	tb.Cleanup(srv.Close)
	return srv, ch
}

func testMessage() *doctales.Message {
	return notify.NewMessage(testItem("email-123", "high"), testTopicArn, testNow)
}

func TestWebhook_Deliver(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		srv, ch := MustServe(t, http.StatusNoContent)
		keys := []notify.SigningKey{{ID: "k1", Secret: "s3cret"}}
		w := &notify.Webhook{AllowPrivate: loopback, URL: srv.URL + "/hooks/doctales", Keys: keys}
		m := testMessage()
		if err := w.Deliver(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		got := <-ch

		// Headers SNS sends, and ours.
		for name, want := range map[string]string{
			"Content-Type":           "application/json",
			"x-amz-sns-message-type": "Notification",
			"x-amz-sns-message-id":   m.MessageID,
			"x-amz-sns-topic-arn":    testTopicArn,
		} {
			if v := got.header.Get(name); v != want {
				t.Errorf("header %s = %q, want %q", name, v, want)
			}
		}
		sig := got.header.Get(notify.HeaderSignature)
		if err := notify.VerifySignature(keys, got.header, got.body, time.Now(), 0); !strings.HasPrefix(sig, "v1=") || err != nil {
			t.Errorf("signature %q does not verify: %v", sig, err)
		}
		if got.header.Get(notify.HeaderKeyID) != "k1" {
			t.Errorf("key id %q, want k1", got.header.Get(notify.HeaderKeyID))
		}
		other := []notify.SigningKey{{ID: "k1", Secret: "other"}}
		if err := notify.VerifySignature(other, got.header, got.body, time.Now(), 0); !errors.Is(err, notify.ErrSignatureMismatch) {
			t.Errorf("wrong secret: %v, want ErrSignatureMismatch", err)
		}

		// The SNS HTTP notification body.
		var body map[string]any
		if err := json.Unmarshal(got.body, &body); err != nil {
			t.Fatalf("body %s: %v", got.body, err)
		}
		for key, want := range map[string]string{
			"Type":      "Notification",
			"MessageId": m.MessageID,
			"TopicArn":  testTopicArn,
			"Subject":   "High Priority: Contract signature",
			"Message":   m.Message,
			"Timestamp": "2025-06-10T09:00:00.000Z",
		} {
			if body[key] != want {
				t.Errorf("body %s = %v, want %q", key, body[key], want)
			}
		}
		attrs, _ := body["MessageAttributes"].(map[string]any)
		id, _ := attrs["communicationId"].(map[string]any)
		if id["Type"] != "String" || id["Value"] != "email-123" {
			t.Errorf("MessageAttributes.communicationId = %v, want {Type: String, Value: email-123}", attrs["communicationId"])
		}
		if len(body) != 7 {
			t.Errorf("body has keys %v, want the 7 of an SNS notification without signature", body)
		}
	})

	t.Run("Unsigned", func(t *testing.T) {
		srv, ch := MustServe(t, http.StatusOK)
		if err := (&notify.Webhook{AllowPrivate: loopback, URL: srv.URL}).Deliver(context.Background(), testMessage()); err != nil {
			t.Fatal(err)
		}
		if sig := (<-ch).header.Get(notify.HeaderSignature); sig != "" {
			t.Errorf("signature %q sent without a secret", sig)
		}
	})

	t.Run("ErrStatus", func(t *testing.T) {
		for _, status := range []int{http.StatusInternalServerError, http.StatusBadRequest, http.StatusFound, http.StatusPermanentRedirect} {
			srv, ch := MustServe(t, status)
			err := (&notify.Webhook{AllowPrivate: loopback, URL: srv.URL}).Deliver(context.Background(), testMessage())
			var se *notify.StatusError
			if !errors.As(err, &se) || se.StatusCode != status {
				t.Fatalf("status %d: error = %v, want *StatusError %d", status, err, status)
			}
			if !strings.Contains(err.Error(), srv.URL) {
				t.Errorf("error %q does not name the URL %s", err, srv.URL)
			}
			<-ch
			if len(ch) != 0 {
				t.Errorf("status %d: redirect followed", status)
			}
		}
	})

	t.Run("ErrTimeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}))
		defer srv.Close()
		defer close(release)
		w := &notify.Webhook{AllowPrivate: loopback, URL: srv.URL, Timeout: 50 * time.Millisecond}
		start := time.Now()
		err := w.Deliver(context.Background(), testMessage())
		if err == nil || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error = %v, want a deadline exceeded", err)
		}
		if !strings.Contains(err.Error(), srv.URL) {
			t.Errorf("error %q does not name the URL", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Deliver took %v with a 50ms timeout", d)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		err := (&notify.Webhook{URL: "ftp://example.com/x"}).Deliver(context.Background(), testMessage())
		if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "url" {
			t.Fatalf("error = %v, want EINVALID on url", err)
		}
	})
}

func TestWebhook_Validate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		hook  *notify.Webhook
		field string // "" means valid
	}{
		{"TwoKeys", &notify.Webhook{URL: "https://example.com", Keys: []notify.SigningKey{{ID: "a", Secret: "x"}, {ID: "b", Secret: "y"}}}, ""},
		{"ThreeKeys", &notify.Webhook{URL: "https://example.com", Keys: []notify.SigningKey{{ID: "a", Secret: "x"}, {ID: "b", Secret: "y"}, {ID: "c", Secret: "z"}}}, "keys"},
		{"SameKeyID", &notify.Webhook{URL: "https://example.com", Keys: []notify.SigningKey{{ID: "a", Secret: "x"}, {ID: "a", Secret: "y"}}}, "keys"},
		{"EmptySecret", &notify.Webhook{URL: "https://example.com", Keys: []notify.SigningKey{{ID: "a"}}}, "keys"},
		{"HTTP", &notify.Webhook{URL: "http://127.0.0.1:8080/hook"}, ""},
		{"HTTPS", &notify.Webhook{URL: "https://hooks.example.com/doctales?x=1"}, ""},
		{"Empty", &notify.Webhook{}, "url"},
		{"Relative", &notify.Webhook{URL: "/hook"}, "url"},
		{"NoHost", &notify.Webhook{URL: "http:///hook"}, "url"},
		{"FTP", &notify.Webhook{URL: "ftp://example.com"}, "url"},
		{"JavaScript", &notify.Webhook{URL: "javascript:alert(1)"}, "url"},
		{"Unparsable", &notify.Webhook{URL: "http://a b.com/\x7f"}, "url"},
		{"NegativeTimeout", &notify.Webhook{URL: "https://example.com", Timeout: -time.Second}, "timeout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.hook.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != tt.field {
				t.Fatalf("Validate() = %v, want EINVALID on %s", err, tt.field)
			}
		})
	}
	t.Run("RedactsPassword", func(t *testing.T) {
		err := (&notify.Webhook{URL: "ftp://user:hunter2@example.com"}).Validate()
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("Validate() = %v, want an error without the password", err)
		}
	})
}

func TestWebhook_LogValue(t *testing.T) {
	var buf strings.Builder
	slog.New(slog.NewTextHandler(&buf, nil)).Info("subscriber", "webhook", &notify.Webhook{URL: "https://example.com/h", Keys: []notify.SigningKey{{ID: "k1", Secret: "s3cret"}}})
	if strings.Contains(buf.String(), "s3cret") || !strings.Contains(buf.String(), "REDACTED") {
		t.Fatalf("log line %q shows the secret", buf.String())
	}
}

func TestWebhook_PermanentOrRetried(t *testing.T) {
	m := &doctales.Message{MessageID: "m-1", TopicArn: "arn:aws:sns:us-east-1:000000000000:t", Message: "hi", Timestamp: time.Now()}
	permanent := func(err error) bool {
		var p runtime.PermanentError
		return errors.As(err, &p) && p.Permanent()
	}
	for _, tc := range []struct {
		status    int
		permanent bool
	}{
		{400, true}, {401, true}, {403, true}, {404, true}, {410, true}, {413, true}, {422, true},
		{408, false}, {429, false}, {500, false}, {502, false}, {503, false}, {504, false}, {302, false},
	} {
		srv, _ := MustServe(t, tc.status)
		err := (&notify.Webhook{AllowPrivate: loopback, URL: srv.URL}).Deliver(context.Background(), m)
		if err == nil {
			t.Fatalf("status %d: no error", tc.status)
		}
		if got := permanent(err); got != tc.permanent {
			t.Errorf("status %d: permanent = %v, want %v (%v)", tc.status, got, tc.permanent, err)
		}
	}

	// Connection refused: retried.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	err := (&notify.Webhook{AllowPrivate: loopback, URL: url, Timeout: time.Second}).Deliver(context.Background(), m)
	if err == nil || permanent(err) {
		t.Fatalf("connection refused: err = %v, permanent = %v; want a retried error", err, permanent(err))
	}
}

func TestWebhook_ContentType(t *testing.T) {
	srv, ch := MustServe(t, http.StatusOK)
	m := &doctales.Message{MessageID: "m-1", Message: "hi", Timestamp: time.Now()}
	if err := (&notify.Webhook{AllowPrivate: loopback, URL: srv.URL, ContentType: "text/plain; charset=UTF-8"}).Deliver(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got := (<-ch).header.Get("Content-Type"); got != "text/plain; charset=UTF-8" {
		t.Fatalf("Content-Type %q, want the request policy's", got)
	}
}
