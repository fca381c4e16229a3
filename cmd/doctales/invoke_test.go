package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// invoke ingestion takes a raw API Gateway proxy request (from --event or
// standard input) and prints the proxy response; an event of another
// shape is refused with what it is and what is wanted, before the data
// folder is opened.
func TestInvokeIngestion_Events(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join("..", "..", "events", "api-gateway-post.json"))
	if err != nil {
		t.Fatal(err)
	}
	invoke := func(t *testing.T, stdin io.Reader, args ...string) (string, error) {
		t.Helper()
		var out bytes.Buffer
		all := append([]string{"invoke", "ingestion", "--data", t.TempDir(), "--log-level", "error"}, args...)
		err := run(context.Background(), all, stdin, &out, io.Discard)
		return out.String(), err
	}
	// result decodes the one line invoke prints.
	result := func(t *testing.T, out string) (status int, body map[string]any) {
		t.Helper()
		var line struct {
			Function string
			Result   struct {
				StatusCode int
				Body       string
			}
		}
		if err := json.Unmarshal([]byte(out), &line); err != nil || line.Function != "ingestion" {
			t.Fatalf("invoke printed %q (%v), want one result line of ingestion", out, err)
		}
		if err := json.Unmarshal([]byte(line.Result.Body), &body); err != nil {
			t.Fatalf("the proxy response's body %q is not JSON: %v", line.Result.Body, err)
		}
		return line.Result.StatusCode, body
	}

	t.Run("ValidFromStdin", func(t *testing.T) {
		out, err := invoke(t, bytes.NewReader(sample))
		if err != nil {
			t.Fatal(err)
		}
		status, body := result(t, out)
		if status != 202 || body["id"] != "email-123" || body["s3Key"] != "email/2025/06/10/email-123.json" {
			t.Fatalf("status %d, body %v; want 202 accepting email-123", status, body)
		}
	})
	t.Run("ValidFromStdinDash", func(t *testing.T) {
		out, err := invoke(t, bytes.NewReader(sample), "--event", "-")
		if err != nil {
			t.Fatal(err)
		}
		if status, _ := result(t, out); status != 202 {
			t.Fatalf("status %d, want 202", status)
		}
	})
	t.Run("InvalidRequestIsTheResponse", func(t *testing.T) {
		// A well-formed event whose request the API refuses: the
		// function ran, and its answer is the 400 and the field.
		ev := `{"httpMethod":"POST","path":"/communications","headers":{"Content-Type":"application/json"},"body":"{\"source\":\"email\",\"subject\":\"x\",\"urgency\":\"extreme\"}"}`
		out, err := invoke(t, strings.NewReader(ev))
		if err != nil {
			t.Fatal(err)
		}
		if status, body := result(t, out); status != 400 || body["error"] == nil {
			t.Fatalf("status %d, body %v; want 400 with an error", status, body)
		}
	})

	for _, c := range []struct {
		name, event, want string
	}{
		{"NotJSON", `{"httpMethod": "POST", "path": `, "not valid JSON"},
		{"S3Event", `{"Records":[{"eventSource":"aws:s3","s3":{"object":{"key":"email/x.json"}}}]}`, "the event has Records"},
		{"HTTPAPIv2", `{"version":"2.0","routeKey":"POST /communications","rawPath":"/communications","body":"{}"}`, "payload format 2.0"},
		{"NoMethod", `{"path":"/communications","body":"{}"}`, "no httpMethod"},
		{"NoPath", `{"httpMethod":"POST","body":"{}"}`, `no path (httpMethod "POST")`},
		{"WrongType", `{"httpMethod":["POST"],"path":"/communications"}`, "not valid JSON of the expected shape"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := invoke(t, strings.NewReader(c.event))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("invoke ingestion of %s: error %v, want one saying %q", c.event, err, c.want)
			}
			if out != "" {
				t.Fatalf("a refused event printed %q", out)
			}
		})
	}
	t.Run("NoEvent", func(t *testing.T) {
		for _, stdin := range []io.Reader{nil, strings.NewReader(" \n")} {
			_, err := invoke(t, stdin)
			if exitCode(err) != 2 || !strings.Contains(err.Error(), "--event FILE") {
				t.Fatalf("no event (stdin %v): error %v (exit %d), want a usage error naming --event FILE", stdin, err, exitCode(err))
			}
		}
	})
	t.Run("TooLarge", func(t *testing.T) {
		big := io.MultiReader(strings.NewReader(`{"httpMethod":"POST","path":"/communications","body":"`),
			strings.NewReader(strings.Repeat("a", maxEventBytes)), strings.NewReader(`"}`))
		_, err := invoke(t, big)
		if err == nil || !strings.Contains(err.Error(), "larger than 16777216 bytes") {
			t.Fatalf("a %d-byte event: error %v, want one naming the limit", maxEventBytes, err)
		}
	})
}
