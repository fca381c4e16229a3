package livews

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
)

// The event names, those of the embedded server's SSE stream
// (GET /notifications/stream, see notify.Hub and cmd/doctales/live.go).
const (
	// EventNotification is a topic message: data is the message
	// (doctales.Message) as JSON, id its MessageId.
	EventNotification = notify.EventNotification
	// EventCommunication is a change of a communication: data is the item
	// after the change (its NewImage).
	EventCommunication = "communication"
	// EventRemoved is a deleted communication: data is {"id"}.
	EventRemoved = "removed"
	// EventRule is a change of one of the person's rules: data is
	// {"id","event"} with the stream's event name.
	EventRule = "rule"
	// EventResync replaces an event whose frame would exceed MaxFrameBytes:
	// data is {"event","id"}; the dashboard reloads what it shows, as after
	// a reconnection. It has no SSE counterpart (SSE has no size limit).
	EventResync = "resync"
)

// Limits, API Gateway's (WebSocket API quotas) and this package's.
const (
	// MaxFrameBytes is the largest message PostToConnection takes: 128 KiB.
	MaxFrameBytes = 128 << 10
	// ConnectionLifetime is how long API Gateway keeps a WebSocket
	// connection open at most (2 hours); a row expires that long after
	// $connect, plus a minute, so the time to live never removes an open
	// connection.
	ConnectionLifetime = 2*time.Hour + time.Minute
	// DefaultTicketTTL is how long a connection ticket may wait for its
	// $connect: a minute, enough for a browser to open the socket right
	// after asking, short enough that a ticket seen in a log is useless.
	DefaultTicketTTL = time.Minute
	// TicketBytes is the size of a ticket's random part (256 bits).
	TicketBytes = 32
	// RetryAttempts is how often the fan-out's event sources (the stream
	// mapping and SNS's asynchronous invocation) retry a failed event:
	// twice, as Lambda's asynchronous default.
	RetryAttempts = 2
	// MaxEventAge is how old an event may be and still be retried: a
	// minute (the least Lambda allows), as a live event is worth little
	// later; a browser that missed one reloads when it reconnects.
	MaxEventAge = time.Minute
)

// Query parameters of $connect.
const (
	// QueryTicket carries the ticket from POST /live/ticket: a browser's
	// WebSocket cannot send an Authorization header.
	QueryTicket = "ticket"
	// QueryEvents picks the event names, as ?events= on the SSE stream.
	QueryEvents = "events"
)

// Store is the connections table (dynamodb.Connections).
type Store interface {
	// PutConnection stores a connection, replacing one with its id.
	PutConnection(ctx context.Context, c *doctales.LiveConnection) error
	// DeleteConnection removes a connection; an unknown id is not an error.
	DeleteConnection(ctx context.Context, id string) error
	// Connections returns owner's unexpired connections.
	Connections(ctx context.Context, owner string) ([]*doctales.LiveConnection, error)
	// PutTicket stores a ticket's hash for owner until expires.
	PutTicket(ctx context.Context, hash, owner string, expires time.Time) error
	// TakeTicket uses up a ticket and returns its owner; an unknown, used
	// or expired one is EUNAUTHORIZED.
	TakeTicket(ctx context.Context, hash string) (string, error)
}

// Poster posts a message to one connection (ManagementAPI). It returns an
// error wrapping ErrGone when the connection is closed.
type Poster interface {
	PostToConnection(ctx context.Context, id string, data []byte) error
}

// Event is one live event for one owner's connections.
type Event struct {
	Name  string          // EventNotification, EventCommunication, …
	ID    string          // the SSE id: a notification's MessageId; else ""
	Owner string          // the user it belongs to (doctales.OwnerOf applied)
	Data  json.RawMessage // the SSE data line
}

// Frame is the WebSocket message of an Event: the SSE event's name, id and
// data as one JSON object, {"event":"notification","id":"…","data":{…}}.
type Frame struct {
	Event string          `json:"event"`
	ID    string          `json:"id,omitempty"`
	Data  json.RawMessage `json:"data"`
}

// ChangeEvents returns the live events of one record of the
// communications table's stream, those the embedded server's live
// subscription sends (cmd/doctales/live.go): a rule's change as "rule", a
// removed communication as "removed", any other change as "communication"
// with the item after it. A record it cannot read gives none.
func ChangeEvents(rec events.DynamoDBEventRecord) []Event {
	ev := func(name, owner string, v any) []Event {
		b, err := json.Marshal(v)
		if err != nil {
			return nil
		}
		return []Event{{Name: name, Owner: doctales.OwnerOf(owner), Data: b}}
	}
	if doctales.IsRuleRecord(rec.Change.Keys) {
		img := rec.Change.NewImage
		if img == nil {
			img = rec.Change.OldImage
		}
		var k struct {
			ID    string `json:"id"`
			Owner string `json:"userId"`
		}
		if err := doctales.UnmarshalMap(img, &k); err != nil || k.ID == "" {
			return nil
		}
		return ev(EventRule, k.Owner, map[string]string{"id": k.ID, "event": rec.EventName})
	}
	if rec.EventName == "REMOVE" {
		if rec.Change.OldImage == nil {
			return nil
		}
		old, err := doctales.ItemFromImage(rec.Change.OldImage)
		if err != nil || old.ID == "" {
			return nil
		}
		return ev(EventRemoved, old.Owner, map[string]string{"id": old.ID})
	}
	if rec.Change.NewImage == nil {
		return nil
	}
	item, err := doctales.ItemFromImage(rec.Change.NewImage)
	if err != nil {
		return nil
	}
	return ev(EventCommunication, item.Owner, item)
}

// NotificationEvent returns the "notification" event of an SNS record of
// the notification topic: the message as notify.Hub.Deliver sends it on
// the SSE stream, rebuilt from the SNS entity. Its MessageId is the
// notification's own (the "messageId" attribute the sns adapter adds),
// not the id SNS gave the delivery, so a browser recognises a repeat; its
// owner is the "userId" attribute.
func NotificationEvent(rec events.SNSEventRecord) (Event, error) {
	e := rec.SNS
	m := &doctales.Message{
		MessageID: e.MessageID,
		TopicArn:  e.TopicArn,
		Subject:   e.Subject,
		Message:   e.Message,
		Timestamp: e.Timestamp,
	}
	for name, v := range e.MessageAttributes {
		// Lambda gives each attribute as {"Type": "String", "Value": "…"}.
		a, _ := v.(map[string]any)
		typ, _ := a["Type"].(string)
		val, _ := a["Value"].(string)
		if name == "messageId" {
			if val != "" {
				m.MessageID = val
			}
			continue
		}
		if m.MessageAttributes == nil {
			m.MessageAttributes = map[string]doctales.MessageAttribute{}
		}
		m.MessageAttributes[name] = doctales.MessageAttribute{DataType: typ, StringValue: val}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return Event{}, fmt.Errorf("encode notification %q: %w", m.MessageID, err)
	}
	return Event{
		Name:  EventNotification,
		ID:    m.MessageID,
		Owner: doctales.OwnerOf(m.MessageAttributes[notify.AttrUserID].StringValue),
		Data:  b,
	}, nil
}

// EncodeFrame returns e's WebSocket message. One over MaxFrameBytes is
// replaced by an EventResync frame naming e.
func EncodeFrame(e Event) []byte {
	b, err := json.Marshal(Frame{Event: e.Name, ID: e.ID, Data: e.Data})
	if err == nil && len(b) <= MaxFrameBytes {
		return b
	}
	id := e.ID
	if id == "" {
		var k struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(e.Data, &k)
		id = k.ID
	}
	data, _ := json.Marshal(map[string]string{"event": e.Name, "id": id})
	b, _ = json.Marshal(Frame{Event: EventResync, Data: data})
	return b
}

// NewTicket returns a new connection ticket, 256 random bits in base64url,
// and its hash, the only form stored.
func NewTicket() (ticket, hash string) {
	b := make([]byte, TicketBytes)
	_, _ = rand.Read(b) // never fails on supported systems
	ticket = base64.RawURLEncoding.EncodeToString(b)
	return ticket, HashTicket(ticket)
}

// HashTicket returns the SHA-256 of ticket in hex: a ticket is random
// enough that a fast hash is as good as a slow one.
func HashTicket(ticket string) string {
	sum := sha256.Sum256([]byte(ticket))
	return hex.EncodeToString(sum[:])
}

// Tickets issues connection tickets (POST /live/ticket on AWS).
type Tickets struct {
	// Store keeps the tickets' hashes. Required.
	Store interface {
		PutTicket(ctx context.Context, hash, owner string, expires time.Time) error
	}
	// TTL is how long a ticket may wait for its $connect. Default
	// DefaultTicketTTL; zero or less means the default.
	TTL time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Issue returns a new ticket for owner and when it expires. The ticket
// opens one connection, within TTL, that receives owner's events only.
func (t *Tickets) Issue(ctx context.Context, owner string) (string, time.Time, error) {
	if owner == "" {
		return "", time.Time{}, doctales.FieldErrorf(doctales.EINVALID, "owner", "A ticket needs an owner.")
	}
	ttl := t.TTL
	if ttl <= 0 {
		ttl = DefaultTicketTTL
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	ticket, hash := NewTicket()
	expires := now().Add(ttl).UTC()
	if err := t.Store.PutTicket(ctx, hash, doctales.OwnerOf(owner), expires); err != nil {
		return "", time.Time{}, err
	}
	return ticket, expires, nil
}

// ParseEvents parses ?events= (comma-separated names, possibly repeated)
// as the SSE stream does (notify.ParseEventNames): nil means all; a name
// that is not 1 to 64 letters, digits, '.', '_' or '-' is EINVALID naming
// "events".
func ParseEvents(values []string) ([]string, error) {
	return notify.ParseEventNames(values)
}

// errorResponse is the answer of a refused route: {"error","code","field"}
// with status, as the HTTP API answers. On $connect any status but 2xx
// refuses the connection.
func errorResponse(status int, err error) events.APIGatewayProxyResponse {
	body, _ := json.Marshal(map[string]string{
		"error": doctales.ErrorMessage(err),
		"code":  doctales.ErrorCode(err),
		"field": doctales.ErrorField(err),
	})
	return events.APIGatewayProxyResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body),
	}
}

// statusOf maps an application error code to the HTTP status of the
// refusal.
func statusOf(err error) int {
	switch doctales.ErrorCode(err) {
	case doctales.EINVALID:
		return http.StatusBadRequest
	case doctales.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case doctales.EOVERLOADED:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// isGone reports whether err says the connection is closed.
func isGone(err error) bool {
	if errors.Is(err, ErrGone) {
		return true
	}
	var pe *PostError
	return errors.As(err, &pe) && pe.Status == http.StatusGone
}

func logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}
