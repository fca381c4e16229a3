package httpapi_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/doctales/doctales/httpapi"
)

func TestServeAPIGatewayV2(t *testing.T) {
	// echo answers with what it was asked, and a few headers.
	var got *http.Request
	var body string
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Add("Vary", "Origin")
		w.Header().Add("Vary", "Accept")
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(201)
		_, _ = w.Write([]byte{0xff, 0x00, 0x01})
	})
	ev := events.APIGatewayV2HTTPRequest{
		Version:         "2.0",
		RawPath:         "/prod/communications/a%2Fb",
		RawQueryString:  "urgency=high&project=home-purchase",
		Cookies:         []string{"session=abc", "theme=dark"},
		Headers:         map[string]string{"content-type": "application/json", "x-request-id": "r1"},
		Body:            base64.StdEncoding.EncodeToString([]byte(`{"id":"x"}`)),
		IsBase64Encoded: true,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			Stage: "prod",
			HTTP:  events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", SourceIP: "203.0.113.7"},
		},
	}
	resp, err := httpapi.ServeAPIGatewayV2(context.Background(), echo, ev)
	if err != nil {
		t.Fatal(err)
	}

	// The request.
	if got.Method != "POST" || got.URL.Path != "/communications/a/b" || got.URL.Query().Get("urgency") != "high" {
		t.Errorf("request %s %s?%s", got.Method, got.URL.Path, got.URL.RawQuery)
	}
	if body != `{"id":"x"}` || got.Header.Get("X-Request-Id") != "r1" || got.Header.Get("Cookie") != "session=abc; theme=dark" || got.RemoteAddr != "203.0.113.7:0" {
		t.Errorf("request body %q headers %v remote %q", body, got.Header, got.RemoteAddr)
	}

	// The response.
	if resp.StatusCode != 201 || !resp.IsBase64Encoded || resp.Body != base64.StdEncoding.EncodeToString([]byte{0xff, 0, 1}) {
		t.Errorf("response %d base64 %v body %q", resp.StatusCode, resp.IsBase64Encoded, resp.Body)
	}
	if !reflect.DeepEqual(resp.Cookies, []string{"a=1", "b=2"}) || resp.Headers["Set-Cookie"] != "" {
		t.Errorf("cookies %v, headers %v", resp.Cookies, resp.Headers)
	}
	if !reflect.DeepEqual(resp.MultiValueHeaders["Vary"], []string{"Origin", "Accept"}) || resp.Headers["Vary"] != "Origin" {
		t.Errorf("multi-value headers %v", resp.MultiValueHeaders)
	}

	t.Run("DefaultStage", func(t *testing.T) {
		ev := events.APIGatewayV2HTTPRequest{RawPath: "/prod/x", RequestContext: events.APIGatewayV2HTTPRequestContext{
			Stage: "$default", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"}}}
		if _, err := httpapi.ServeAPIGatewayV2(context.Background(), echo, ev); err != nil || got.URL.Path != "/prod/x" {
			t.Errorf("path %q, %v", got.URL.Path, err)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		if _, err := httpapi.ServeAPIGatewayV2(context.Background(), echo, events.APIGatewayV2HTTPRequest{}); err == nil {
			t.Error("no method: no error")
		}
		bad := ev
		bad.Body = "not base64!"
		if _, err := httpapi.ServeAPIGatewayV2(context.Background(), echo, bad); err == nil {
			t.Error("bad base64: no error")
		}
	})
}
