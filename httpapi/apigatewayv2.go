package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// ServeAPIGatewayV2 runs an API Gateway HTTP API event (payload format 2.0)
// through h and returns the response in the same format, so the HTTP
// handler serves a Lambda function behind an HTTP API as it serves one
// behind a REST API (ServeAPIGateway).
//
// The request path is rawPath (percent-encoded, as sent), less the stage
// prefix when the stage is not $default; the query string is rawQueryString; cookies become one Cookie
// header. Response headers with several values go in multiValueHeaders (and
// their first value in headers); Set-Cookie headers go in cookies. A body
// that is not UTF-8 is sent base64-encoded.
func ServeAPIGatewayV2(ctx context.Context, h http.Handler, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	method := ev.RequestContext.HTTP.Method
	if method == "" {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("api gateway v2 event: requestContext.http.method is required")
	}
	path := ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	if st := ev.RequestContext.Stage; st != "" && st != "$default" {
		if rest, ok := strings.CutPrefix(path, "/"+st); ok && (rest == "" || strings.HasPrefix(rest, "/")) {
			path = rest
		}
	}
	if path == "" {
		path = "/"
	}
	// rawPath is percent-encoded, as the client sent it.
	decoded, err := url.PathUnescape(path)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("api gateway v2 event: rawPath %q: %w", path, err)
	}
	u := &url.URL{Path: decoded, RawPath: path, RawQuery: ev.RawQueryString}
	body, err := eventBody(ev.Body, ev.IsBase64Encoded)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("api gateway v2 event: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(body))
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("api gateway v2 event: %w", err)
	}
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	if req.Header.Get("Content-Type") == "" && body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.RemoteAddr = ev.RequestContext.HTTP.SourceIP + ":0"

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := events.APIGatewayV2HTTPResponse{StatusCode: rec.Code, Headers: map[string]string{}}
	for k, vs := range rec.Header() {
		if k == "Set-Cookie" {
			resp.Cookies = append(resp.Cookies, vs...)
			continue
		}
		resp.Headers[k] = vs[0]
		if len(vs) > 1 {
			if resp.MultiValueHeaders == nil {
				resp.MultiValueHeaders = map[string][]string{}
			}
			resp.MultiValueHeaders[k] = vs
		}
	}
	resp.Body, resp.IsBase64Encoded = responseBody(rec.Body.Bytes())
	return resp, nil
}
