package client

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/doctales/doctales"
)

// DefaultUploadThresholdBytes is the body size above which the CLI sends
// a body through POST /uploads rather than POST /communications (4 MB):
// API Gateway and Lambda take at most 6 MB per request, about 4.4 MB of
// body once base64-encoded, so a larger body posted to the API on AWS
// fails; below it the one request is cheaper.
const DefaultUploadThresholdBytes = 4 << 20

// UploadOptions describe an upload's body: its media type and file name,
// and POST /communications' project, source and notify.
type UploadOptions struct {
	ContentType string // message/rfc822, application/pdf, the DOCX type, text/*, or application/octet-stream with Name
	Name        string
	Project     string
	Source      string
	Notify      string
}

// UploadResult is the outcome of Upload: the upload the server handed
// out and, when the server ingested the body before answering the PUT
// (the embedded server), the ingestion's answer. On AWS Ingested is nil:
// the object's ObjectCreated event starts the ingestion after the PUT.
type UploadResult struct {
	Upload   doctales.Upload
	Ingested *IngestResult
}

// Upload sends body through POST /uploads and a PUT to the URL it
// answers, with the headers it names and without the API key (the URL
// is signed; S3 refuses a second credential). A refused PUT is an *Error
// with the answer's status and message, from JSON (the embedded server)
// or S3's XML error.
func (c *Client) Upload(ctx context.Context, body []byte, o UploadOptions) (*UploadResult, error) {
	req := doctales.UploadRequest{Size: int64(len(body)), ContentType: o.ContentType, Name: o.Name, Project: o.Project, Source: o.Source, Notify: o.Notify}
	var u doctales.Upload
	if _, err := c.call(ctx, routeUpload, "/uploads", nil, req, &u); err != nil {
		return nil, err
	}
	if u.URL == "" {
		return nil, &Error{Method: http.MethodPost, Path: "/uploads", Status: http.StatusOK, Message: "the answer has no upload url"}
	}
	method := u.Method
	if method == "" {
		method = http.MethodPut
	}
	put, err := http.NewRequestWithContext(ctx, method, u.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range u.Headers {
		put.Header.Set(k, v)
	}
	put.ContentLength = int64(len(body))
	resp, err := c.http.Do(put)
	if err != nil {
		return nil, fmt.Errorf("%s upload %s: %w", method, u.ID, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return nil, fmt.Errorf("%s upload %s: %w", method, u.ID, err)
	}
	path := "/uploads/" + u.ID
	if resp.StatusCode/100 != 2 {
		e := errorOf(method, path, resp.StatusCode, data)
		if e.Message == "" {
			e.Message = s3Error(data)
		}
		return nil, e
	}
	out := &UploadResult{Upload: u}
	if strings.HasPrefix(resp.Header.Get(headerContentType), contentTypeJSON) && len(data) > 0 {
		r := &IngestResult{Replayed: resp.Header.Get(headerReplayedAnswer) == "true"}
		if err := json.Unmarshal(data, &r.Result); err != nil {
			return nil, &Error{Method: method, Path: path, Status: resp.StatusCode, Message: "decode the answer: " + err.Error()}
		}
		out.Ingested = r
	}
	return out, nil
}

// s3Error returns "Code: Message" of an S3 XML error body, or the body's
// start.
func s3Error(data []byte) string {
	var e struct{ Code, Message string }
	if xml.Unmarshal(data, &e) == nil && e.Code != "" {
		return e.Code + ": " + e.Message
	}
	if len(data) > 200 {
		data = data[:200]
	}
	return strings.TrimSpace(string(data))
}
