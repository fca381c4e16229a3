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
	body := ev.Body
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return events.APIGatewayProxyResponse{}, fmt.Errorf("api gateway event: body is not valid base64: %w", err)
		}
		body = string(b)
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
	if b := rec.Body.Bytes(); utf8.Valid(b) {
		resp.Body = string(b)
	} else {
		resp.Body, resp.IsBase64Encoded = base64.StdEncoding.EncodeToString(b), true
	}
	return resp, nil
}
