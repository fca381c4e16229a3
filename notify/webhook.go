package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
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
	// HeaderSignature carries "v1=<hex HMAC-SHA256>" for each signing key,
	// comma-separated, the current key first; see [Sign].
	HeaderSignature = "X-Doctales-Signature"
	// HeaderTimestamp is the Unix time in seconds at which the request was
	// signed; it is part of what is signed.
	HeaderTimestamp = "X-Doctales-Timestamp"
	// HeaderKeyID names the keys of the signatures, comma-separated, in
	// the same order.
	HeaderKeyID = "X-Doctales-Key-Id"
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
// with its secrets redacted. Do not copy a Webhook after first use.
type Webhook struct {
	once       sync.Once    // makes httpClient
	httpClient *http.Client // guarded, follows no redirect; see client

	// URL is the endpoint, http or https. Required.
	URL string

	// AllowPrivate names the refused ranges (loopback, private, link-local,
	// metadata, ...; see [CheckAddr]) this webhook may connect to anyway,
	// such as 127.0.0.1/32 for a receiver on the same machine. Nil refuses
	// them all.
	AllowPrivate []netip.Prefix

	// Resolver looks up the URL's host name. Nil means net.DefaultResolver.
	Resolver Resolver

	// Now is the clock of the signature timestamp. Nil means time.Now.
	Now func() time.Time

	// Timeout bounds one delivery. Zero means DefaultWebhookTimeout;
	// negative is invalid.
	Timeout time.Duration

	// Keys, when set, sign each request (see [Sign]): the first is the
	// current key, a second one the previous key during a rotation, so
	// receivers knowing either verify. At most MaxSigningKeys. Empty means
	// unsigned.
	Keys []SigningKey

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
	return validateKeys(w.Keys)
}

// Deliver POSTs m to URL with the headers Content-Type: application/json,
// x-amz-sns-message-type: Notification, x-amz-sns-message-id,
// x-amz-sns-topic-arn and, when Keys are set, X-Doctales-Timestamp,
// X-Doctales-Key-Id and X-Doctales-Signature.
//
// It connects only to addresses outside the refused ranges, or named by
// AllowPrivate, checking each address it dials (see [CheckAddr]); a
// refused target, or a redirect to one, is a permanent
// *[RefusedTargetError] and nothing is sent to it.
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
	if len(w.Keys) > 0 {
		now := time.Now
		if w.Now != nil {
			now = w.Now
		}
		for k, v := range SignatureHeaders(w.Keys, now(), body) {
			req.Header[k] = v
		}
	}

	// Send through the guarded dialer without following redirects, and
	// drain the answer so the connection can be reused.
	resp, err := w.client().Do(req)
	if err != nil {
		if re := (*RefusedTargetError)(nil); errors.As(err, &re) {
			return fmt.Errorf("webhook %s: %w", target, re)
		}
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
	ids := make([]string, len(w.Keys))
	for i, k := range w.Keys {
		ids[i] = k.ID
	}
	secret := ""
	if len(w.Keys) > 0 {
		secret = "REDACTED"
	}
	return slog.GroupValue(
		slog.String(logKeyURL, redactURL(w.URL)),
		slog.Duration("timeout", w.Timeout),
		slog.String("keys", strings.Join(ids, ",")),
		slog.String("secret", secret))
}

// client returns the webhook's HTTP client, made on first use: its
// transport dials through a guardedDialer and uses no proxy (a proxy would
// be the address checked, not the target), and it follows no redirect.
func (w *Webhook) client() *http.Client {
	w.once.Do(func() {
		resolver := w.Resolver
		if resolver == nil {
			resolver = net.DefaultResolver
		}
		g := &guardedDialer{allow: w.AllowPrivate, resolver: resolver}
		tr := &http.Transport{
			Proxy:                 nil,
			DialContext:           g.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          10,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
		w.httpClient = &http.Client{
			Transport: tr,
			// Redirects are never followed. One to a refused address is
			// refused outright (permanent), so that it is dead-lettered
			// with the reason instead of retried for an hour; any other
			// is answered as a *StatusError.
			CheckRedirect: func(req *http.Request, _ []*http.Request) error {
				if err := g.check(req.Context(), req.URL.Hostname()); err != nil {
					return err
				}
				return http.ErrUseLastResponse
			},
		}
	})
	return w.httpClient
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
