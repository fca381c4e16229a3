package httpapi

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// ServeAPIGateway runs an API Gateway REST (v1) proxy event through h and
// returns the proxy response, so the same HTTP handler serves `doctales
// invoke ingestion --event` and, on AWS, a Lambda behind API Gateway.
func ServeAPIGateway(ctx context.Context, h http.Handler, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	method := ev.HTTPMethod
	if method == "" {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("api gateway event: httpMethod is required")
	}
	path := ev.Path
	if path == "" {
		path = "/"
	}
	q := url.Values{}
	for k, v := range ev.QueryStringParameters {
		q.Set(k, v)
	}
	for k, vs := range ev.MultiValueQueryStringParameters {
		q[k] = vs
	}
	u := &url.URL{Path: path, RawQuery: q.Encode()}
	body, err := eventBody(ev.Body, ev.IsBase64Encoded)
	if err != nil {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("api gateway event: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(body))
	if err != nil {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("api gateway event: %w", err)
	}
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	for k, vs := range ev.MultiValueHeaders {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	if req.Header.Get("Content-Type") == "" && ev.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.RemoteAddr = ev.RequestContext.Identity.SourceIP + ":0"

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := events.APIGatewayProxyResponse{
		StatusCode:        rec.Code,
		Headers:           map[string]string{},
		MultiValueHeaders: map[string][]string{},
	}
	for k, vs := range rec.Header() {
		resp.Headers[k] = vs[0]
		resp.MultiValueHeaders[k] = vs
	}
	resp.Body, resp.IsBase64Encoded = responseBody(rec.Body.Bytes())
	return resp, nil
}

// eventBody returns an event's body, decoding it if it is base64.
func eventBody(body string, isBase64 bool) (string, error) {
	if !isBase64 {
		return body, nil
	}
	b, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return "", fmt.Errorf("body is not valid base64: %w", err)
	}
	return string(b), nil
}

// responseBody returns a response body as API Gateway takes it: as is when
// it is text, base64 otherwise.
func responseBody(b []byte) (string, bool) {
	if utf8.Valid(b) {
		return string(b), false
	}
	return base64.StdEncoding.EncodeToString(b), true
}
