package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// DefaultWebhookTimeout bounds one webhook delivery, from connecting to
// reading the status line: SNS gives an HTTP(S) endpoint 15 seconds, and a
// receiver that is slower is better retried than waited for.
const DefaultWebhookTimeout = 10 * time.Second

// Webhook request headers. The x-amz-sns-* headers are the ones SNS sends to
// HTTP(S) subscribers, so a receiver written for SNS works unchanged.
const (
	HeaderMessageType = "x-amz-sns-message-type"
	HeaderMessageID   = "x-amz-sns-message-id"
	HeaderTopicArn    = "x-amz-sns-topic-arn"
	// HeaderSignature carries "sha256=<hex HMAC-SHA256 of the body>" when
	// the webhook has a secret; see [Sign] and [VerifySignature].
	HeaderSignature = "X-Doctales-Signature"
)

// MessageTypeNotification is the Type of a [Notification].
const MessageTypeNotification = "Notification"

// maxDrainBytes is how much of a response body is read, and discarded, so
// the connection can be reused.
const maxDrainBytes = 64 << 10

// snsTimeFormat is the timestamp format of SNS notifications.
const snsTimeFormat = "2006-01-02T15:04:05.000Z"

// Notification is the JSON body SNS POSTs to an HTTP(S) subscription for
// each message (the "Notification" message type):
//
//	{"Type":"Notification","MessageId":"…","TopicArn":"…","Subject":"…",
//	 "Message":"…","Timestamp":"2025-06-10T09:00:00.000Z",
//	 "MessageAttributes":{"communicationId":{"Type":"String","Value":"email-123"}}}
//
// SNS also sends SignatureVersion, Signature, SigningCertURL and
// UnsubscribeURL, which need SNS's certificate; a [Webhook] leaves them out
// and signs with a shared secret instead ([HeaderSignature]).
type Notification struct {
	Type              string                           `json:"Type"`
	MessageID         string                           `json:"MessageId"`
	TopicArn          string                           `json:"TopicArn"`
	Subject           string                           `json:"Subject,omitempty"`
	Message           string                           `json:"Message"`
	Timestamp         string                           `json:"Timestamp"`
	MessageAttributes map[string]NotificationAttribute `json:"MessageAttributes,omitempty"`
}

// NotificationAttribute is a message attribute as SNS writes it in an HTTP(S)
// notification: {"Type":"String","Value":"…"}.
type NotificationAttribute struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// NewNotification returns m in the shape SNS delivers to HTTP(S)
// subscribers. It does not keep m.
func NewNotification(m *doctales.Message) *Notification {
	n := &Notification{
		Type:      MessageTypeNotification,
		MessageID: m.MessageID,
		TopicArn:  m.TopicArn,
		Subject:   m.Subject,
		Message:   m.Message,
		Timestamp: m.Timestamp.UTC().Format(snsTimeFormat),
	}
	if len(m.MessageAttributes) > 0 {
		n.MessageAttributes = make(map[string]NotificationAttribute, len(m.MessageAttributes))
		for k, a := range m.MessageAttributes {
			n.MessageAttributes[k] = NotificationAttribute{Type: a.DataType, Value: a.StringValue}
		}
	}
	return n
}

// Sign returns the value of [HeaderSignature] for body:
// "sha256=" and the hex HMAC-SHA256 of body keyed with secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature reports whether header is the signature of body under
// secret, comparing in constant time. Receivers use it to check a webhook.
func VerifySignature(secret string, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}

// StatusError is the error of a delivery the endpoint answered with a status
// other than 2xx. Redirects (3xx) are not followed: they are errors too.
type StatusError struct {
	URL        string // the endpoint, password redacted
	StatusCode int
}

// Error implements the error interface.
func (e *StatusError) Error() string {
	return fmt.Sprintf("webhook %s: status %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
}

// Permanent reports whether retrying the same request cannot succeed: a 4xx
// answer other than 408 Request Timeout and 429 Too Many Requests means the
// receiver refuses this notification, so the runtime dead-letters it at
// once instead of retrying it for an hour, and goes on with the next one.
// Server errors (5xx), 408, 429 and redirects (3xx, which are not followed
// and usually mean a moved endpoint that an operator fixes) are retried.
// The runtime finds the method through runtime.PermanentError.
func (e *StatusError) Permanent() bool {
	return e.StatusCode >= 400 && e.StatusCode <= 499 &&
		e.StatusCode != http.StatusRequestTimeout && e.StatusCode != http.StatusTooManyRequests
}

// Webhook is a topic subscriber that POSTs each message as a [Notification]
// to an HTTP(S) endpoint, the way SNS delivers to HTTP(S) subscriptions.
//
// Set the fields before the first Deliver and do not change them after;
// Deliver is then safe for concurrent use. A Webhook logs through LogValue
// with its secret redacted.
type Webhook struct {
	// URL is the endpoint, http or https. Required.
	URL string

	// Client sends the requests; its CheckRedirect is overridden so that
	// redirects are never followed. Nil means a client with the default
	// transport.
	Client *http.Client

	// Timeout bounds one delivery. Zero means DefaultWebhookTimeout;
	// negative is invalid.
	Timeout time.Duration

	// Secret, when set, signs each body with HMAC-SHA256 in
	// HeaderSignature. Empty means unsigned.
	Secret string

	// ContentType is the Content-Type header of each request (SNS's
	// requestPolicy.headerContentType). Empty means application/json.
	ContentType string
}

// Validate reports a URL that is not an absolute http or https URL, or a
// negative Timeout, as an EINVALID [doctales.Error] naming the field.
func (w *Webhook) Validate() error {
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "url",
			"Webhook url must be an absolute http or https URL, got %q.", redactURL(w.URL))
	}
	if w.Timeout < 0 {
		return doctales.FieldErrorf(doctales.EINVALID, "timeout",
			"Webhook timeout must not be negative, got %s.", w.Timeout)
	}
	return nil
}

// Deliver POSTs m to URL with the headers Content-Type: application/json,
// x-amz-sns-message-type: Notification, x-amz-sns-message-id,
// x-amz-sns-topic-arn and, when Secret is set, X-Doctales-Signature.
//
// A 2xx answer is a delivery. Any other status, a redirect included, is a
// *[StatusError] (permanent for most 4xx; see [StatusError.Permanent]); a
// timeout (Timeout or ctx) or a network failure is an error naming the URL,
// and is retried. Deliver does not retry: the runtime does. A message
// may thus arrive more than once; receivers drop repeats by MessageId.
func (w *Webhook) Deliver(ctx context.Context, m *doctales.Message) error {
	if err := w.Validate(); err != nil {
		return err
	}
	target := redactURL(w.URL)

	// Encode and sign the body.
	body, err := json.Marshal(NewNotification(m))
	if err != nil {
		return fmt.Errorf("webhook %s: encode message %q: %w", target, m.MessageID, err)
	}
	timeout := w.Timeout
	if timeout == 0 {
		timeout = DefaultWebhookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %s: new request: %w", target, err)
	}
	contentType := w.ContentType
	if contentType == "" {
		contentType = "application/json"
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set(HeaderMessageType, MessageTypeNotification)
	req.Header.Set(HeaderMessageID, m.MessageID)
	req.Header.Set(HeaderTopicArn, m.TopicArn)
	if w.Secret != "" {
		req.Header.Set(HeaderSignature, Sign(w.Secret, body))
	}

	// Send without following redirects, and drain the answer so the
	// connection can be reused.
	resp, err := w.client().Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: post message %q: %w", target, m.MessageID, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrainBytes))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &StatusError{URL: target, StatusCode: resp.StatusCode}
	}
	return nil
}

// LogValue logs the webhook with its secret redacted.
func (w *Webhook) LogValue() slog.Value {
	secret := ""
	if w.Secret != "" {
		secret = "REDACTED"
	}
	return slog.GroupValue(
		slog.String(logKeyURL, redactURL(w.URL)),
		slog.Duration("timeout", w.Timeout),
		slog.String("secret", secret))
}

// client returns a copy of Client (or a new client) that does not follow
// redirects.
func (w *Webhook) client() *http.Client {
	var c http.Client
	if w.Client != nil {
		c = *w.Client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// redactURL returns raw with any password replaced, for errors and logs.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Keep nothing after the scheme of an unparsable URL: it may hold
		// credentials that url.Redacted could not find.
		if i := strings.Index(raw, "://"); i >= 0 {
			return raw[:i+3] + "…"
		}
		return "…"
	}
	return u.Redacted()
}
