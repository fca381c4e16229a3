package livews

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// ErrGone is returned by ManagementAPI.PostToConnection when API Gateway
// answers 410 GoneException: the connection is closed, and its row should
// be removed.
var ErrGone = errors.New("livews: connection gone")

// SigningService is the SigV4 service name of the API Gateway Management
// API (execute-api).
const SigningService = "execute-api"

// DefaultPostTimeout bounds one PostToConnection request.
const DefaultPostTimeout = 5 * time.Second

// maxErrorBodyBytes bounds how much of an error answer is read.
const maxErrorBodyBytes = 4 << 10

// ManagementAPI posts messages to WebSocket connections through the API
// Gateway Management API, as aws-sdk-go-v2's apigatewaymanagementapi
// client's PostToConnection does: POST {Endpoint}/@connections/{id}, the
// message as the body, signed with SigV4 for execute-api. It is written out
// here because the one call needs no more than the SDK's signer, which the
// module already has. Safe for concurrent use once its fields are set.
type ManagementAPI struct {
	// Endpoint is the stage's management URL,
	// https://{api-id}.execute-api.{region}.amazonaws.com/{stage}
	// (the template's WEBSOCKET_MANAGEMENT_ENDPOINT). Required.
	Endpoint string
	// Region is the signing region. Required.
	Region string
	// Credentials sign each request (the function's role). Required.
	Credentials aws.CredentialsProvider
	// HTTPClient sends the requests. Default: a client with
	// DefaultPostTimeout.
	HTTPClient *http.Client
	// Now is the signing clock. Default time.Now.
	Now func() time.Time
}

// PostError is a PostToConnection answer other than 200 and 410.
type PostError struct {
	ConnectionID string
	Status       int    // HTTP status
	Code         string // x-amzn-ErrorType, such as LimitExceededException
	Message      string
}

func (e *PostError) Error() string {
	return fmt.Sprintf("post to connection %q: %d %s: %s", e.ConnectionID, e.Status, e.Code, e.Message)
}

// PostToConnection sends data to the connection id. It returns ErrGone for
// 410 (the connection is closed), a *PostError for another status (403
// ForbiddenException, 413 PayloadTooLargeException over 128 KiB, 429
// LimitExceededException), and the transport's error otherwise.
func (m *ManagementAPI) PostToConnection(ctx context.Context, id string, data []byte) error {
	if m.Endpoint == "" || m.Region == "" || m.Credentials == nil {
		return errors.New("livews: management API needs Endpoint, Region and Credentials")
	}
	if id == "" {
		return errors.New("livews: post to connection: empty connection id")
	}
	// The id is escaped as the SDK escapes a path label: everything but
	// unreserved characters (connection ids end in '=').
	base := strings.TrimRight(m.Endpoint, "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/@connections/"+escapeLabel(id), bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("post to connection %q: %w", id, err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	creds, err := m.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("post to connection %q: credentials: %w", id, err)
	}
	sum := sha256.Sum256(data)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), SigningService, m.Region, m.now()); err != nil {
		return fmt.Errorf("post to connection %q: sign: %w", id, err)
	}
	resp, err := m.client().Do(req)
	if err != nil {
		return fmt.Errorf("post to connection %q: %w", id, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyBytes))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusGone:
		return fmt.Errorf("post to connection %q: %w", id, ErrGone)
	}
	pe := &PostError{ConnectionID: id, Status: resp.StatusCode, Code: resp.Header.Get("X-Amzn-Errortype")}
	var msg struct {
		Message  string `json:"message"`
		Message2 string `json:"Message"`
	}
	if json.Unmarshal(body, &msg) == nil {
		pe.Message = msg.Message + msg.Message2
	}
	if i := strings.IndexByte(pe.Code, ':'); i >= 0 {
		pe.Code = pe.Code[:i] // "LimitExceededException:http://..."
	}
	return pe
}

// escapeLabel percent-encodes every byte of s but the unreserved ones
// (RFC 3986: letters, digits, '-', '.', '_', '~').
func escapeLabel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func (m *ManagementAPI) client() *http.Client {
	if m.HTTPClient != nil {
		return m.HTTPClient
	}
	return &http.Client{Timeout: DefaultPostTimeout}
}

func (m *ManagementAPI) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}
