package livews_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/doctales/doctales/livews"
)

// TestManagementAPI_PostToConnection checks the request as the SDK's
// apigatewaymanagementapi client sends it (POST {stage}/@connections/{id}
// with the id escaped as a path label, the body as is, SigV4 for
// execute-api) and the answers: 410 is ErrGone, others a PostError with
// the error type.
func TestManagementAPI_PostToConnection(t *testing.T) {
	var got *http.Request
	var body string
	status, errType := http.StatusOK, ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		if errType != "" {
			w.Header().Set("X-Amzn-Errortype", errType)
		}
		w.WriteHeader(status)
		if status != http.StatusOK {
			io.WriteString(w, `{"message":"Rate exceeded"}`)
		}
	}))
	t.Cleanup(srv.Close)
	m := &livews.ManagementAPI{
		Endpoint:    srv.URL + "/prod/",
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		Now:         func() time.Time { return time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC) },
	}
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		if err := m.PostToConnection(ctx, "L0SM9cOFvHcCIhw=", []byte(`{"event":"rule"}`)); err != nil {
			t.Fatal(err)
		}
		if got.Method != http.MethodPost || got.URL.EscapedPath() != "/prod/@connections/L0SM9cOFvHcCIhw%3D" || body != `{"event":"rule"}` {
			t.Errorf("%s %s %q", got.Method, got.URL.EscapedPath(), body)
		}
		auth := got.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/20250610/eu-west-1/execute-api/aws4_request") ||
			!strings.Contains(auth, "SignedHeaders=") || !strings.Contains(auth, "host") || got.Header.Get("X-Amz-Date") != "20250610T090000Z" {
			t.Errorf("signature headers: %q, date %q", auth, got.Header.Get("X-Amz-Date"))
		}
		if got.Header.Get("X-Amz-Content-Sha256") == "" && !strings.Contains(auth, "Signature=") {
			t.Errorf("no payload hash or signature: %v", got.Header)
		}
	})

	t.Run("Gone", func(t *testing.T) {
		status, errType = http.StatusGone, "GoneException"
		err := m.PostToConnection(ctx, "abc", []byte("x"))
		if !errors.Is(err, livews.ErrGone) || !strings.Contains(err.Error(), `"abc"`) {
			t.Errorf("410 = %v, want ErrGone naming the connection", err)
		}
	})

	t.Run("Throttled", func(t *testing.T) {
		status, errType = http.StatusTooManyRequests, "LimitExceededException:http://internal.amazon.com/coral/com.amazonaws.apigateway/"
		err := m.PostToConnection(ctx, "abc", []byte("x"))
		var pe *livews.PostError
		if !errors.As(err, &pe) || pe.Status != 429 || pe.Code != "LimitExceededException" || pe.Message != "Rate exceeded" || pe.ConnectionID != "abc" {
			t.Errorf("429 = %#v", err)
		}
		if errors.Is(err, livews.ErrGone) {
			t.Error("a throttled post is not gone")
		}
	})

	t.Run("Misconfigured", func(t *testing.T) {
		if err := (&livews.ManagementAPI{}).PostToConnection(ctx, "abc", nil); err == nil {
			t.Error("no error without an endpoint")
		}
		if err := m.PostToConnection(ctx, "", nil); err == nil {
			t.Error("no error for an empty connection id")
		}
	})
}
