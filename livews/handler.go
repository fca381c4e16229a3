package livews

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/doctales/doctales"
)

// Route keys of the WebSocket API.
const (
	RouteConnect    = "$connect"
	RouteDisconnect = "$disconnect"
	RouteDefault    = "$default"
)

// Handler serves the WebSocket API's routes: $connect checks the ticket
// and stores the connection under the ticket's owner, $disconnect removes
// it, $default (anything the browser sends, such as the dashboard's
// keep-alive ping) is accepted and ignored: the stream is one-way, as SSE
// is.
type Handler struct {
	// Store is the connections table. Required.
	Store Store
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger gets a Debug line per connection and the Error of a failed
	// store call. Default slog.Default().
	Logger *slog.Logger
}

// Handle answers one API Gateway WebSocket event
// (events.APIGatewayWebsocketProxyRequest, the Lambda proxy integration's
// shape). On $connect it answers 200, or refuses the connection with 401
// for a missing, unknown, used or expired ticket, 400 for a malformed
// ?events= and 500 when the table fails. $disconnect and $default answer
// 200; an unknown route 400. It returns an error only when the table fails
// on $disconnect, so that Lambda logs it (API Gateway does not retry).
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	rc := req.RequestContext
	log := logger(h.Logger).With("route", rc.RouteKey, "connectionId", rc.ConnectionID)
	switch rc.RouteKey {
	case RouteConnect:
		conn, err := h.connect(ctx, req)
		if err != nil {
			status := statusOf(err)
			if status >= 500 {
				log.ErrorContext(ctx, "connect failed", "error", err)
			} else {
				log.DebugContext(ctx, "connect refused", "error", err)
			}
			return errorResponse(status, err), nil
		}
		log.DebugContext(ctx, "connected", "events", conn.Events)
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
	case RouteDisconnect:
		if err := h.Store.DeleteConnection(ctx, rc.ConnectionID); err != nil {
			// The row expires by itself (ConnectionLifetime); the fan-out
			// also removes it at its first 410.
			log.ErrorContext(ctx, "disconnect failed", "error", err)
			return errorResponse(http.StatusInternalServerError, err), fmt.Errorf("disconnect %q: %w", rc.ConnectionID, err)
		}
		log.DebugContext(ctx, "disconnected", "reason", rc.DisconnectReason)
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
	case RouteDefault:
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
	}
	err := doctales.FieldErrorf(doctales.EINVALID, "routeKey", "Route %q is not one of $connect, $disconnect, $default.", rc.RouteKey)
	return errorResponse(http.StatusBadRequest, err), nil
}

// connect checks a $connect request and stores its connection.
func (h *Handler) connect(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (*doctales.LiveConnection, error) {
	// The events filter first: a malformed one must not use up the ticket.
	evs := req.MultiValueQueryStringParameters[QueryEvents]
	if len(evs) == 0 && req.QueryStringParameters[QueryEvents] != "" {
		evs = []string{req.QueryStringParameters[QueryEvents]}
	}
	names, err := ParseEvents(evs)
	if err != nil {
		return nil, err
	}
	ticket := req.QueryStringParameters[QueryTicket]
	if ticket == "" {
		return nil, doctales.FieldErrorf(doctales.EUNAUTHORIZED, QueryTicket,
			"Query parameter ticket required: get one from POST /live/ticket.")
	}
	if req.RequestContext.ConnectionID == "" {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "connectionId", "The $connect event has no connection id.")
	}
	owner, err := h.Store.TakeTicket(ctx, HashTicket(ticket))
	if err != nil {
		return nil, err
	}
	now := h.now()
	conn := &doctales.LiveConnection{
		ID:          req.RequestContext.ConnectionID,
		Owner:       owner,
		Events:      names,
		ConnectedAt: now,
		ExpiresAt:   now.Add(ConnectionLifetime),
	}
	if err := h.Store.PutConnection(ctx, conn); err != nil {
		return nil, err
	}
	return conn, nil
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now().UTC()
	}
	return time.Now().UTC()
}

// Fanout posts live events to their owners' connections: the consumer of
// the communications table's stream (communication, removed and rule
// events) and the subscriber of the notification topic (notification
// events), which together send what the embedded server's SSE stream
// sends.
//
// Each event goes to every connection of its owner that wants its name,
// and to no other. A connection that answers 410 Gone is removed from the
// table. Any other failure (throttling, a 5xx, the table) fails the event:
// a stream record is reported in BatchItemFailures, so Lambda retries from
// it (the template bounds the retries and the record's age, as live events
// are worth little late); an SNS delivery makes the invocation fail, so
// Lambda retries it asynchronously. A retry may post an event twice to a
// connection that had it: communication, removed and rule events are
// idempotent, and notifications carry their MessageId for the browser to
// drop a repeat.
type Fanout struct {
	// Store is the connections table. Required.
	Store Store
	// Poster is the API Gateway Management API. Required.
	Poster Poster
	// Logger gets a Warn line per failed post and a Debug line per removed
	// connection. Default slog.Default().
	Logger *slog.Logger
}

// Stats counts what one call of Fanout.Send did.
type Stats struct {
	Posted  int // messages posted
	Gone    int // connections removed after 410
	Skipped int // connections that did not want the event
}

// Send posts each event to its owner's connections. It returns, for the
// indexes of events that failed, the first error of each (nil when all
// went out), and the counts. Connections are read once per owner.
func (f *Fanout) Send(ctx context.Context, evs []Event) (map[int]error, Stats) {
	var st Stats
	var failed map[int]error
	fail := func(i int, err error) {
		if failed == nil {
			failed = map[int]error{}
		}
		if failed[i] == nil {
			failed[i] = err
		}
	}
	log := logger(f.Logger)
	conns := map[string][]*doctales.LiveConnection{}
	gone := map[string]bool{}
	for i, e := range evs {
		cs, ok := conns[e.Owner]
		if !ok {
			var err error
			if cs, err = f.Store.Connections(ctx, e.Owner); err != nil {
				fail(i, fmt.Errorf("connections of %q: %w", e.Owner, err))
				continue // read again for the next event of this owner
			}
			conns[e.Owner] = cs
		}
		if len(cs) == 0 {
			continue
		}
		frame := EncodeFrame(e)
		for _, c := range cs {
			if gone[c.ID] {
				continue
			}
			if !c.Wants(e.Name) {
				st.Skipped++
				continue
			}
			err := f.Poster.PostToConnection(ctx, c.ID, frame)
			switch {
			case err == nil:
				st.Posted++
			case isGone(err):
				gone[c.ID] = true
				st.Gone++
				if err := f.Store.DeleteConnection(ctx, c.ID); err != nil {
					// Not a failure of the event: the row expires by
					// itself, and the next event tries again.
					log.WarnContext(ctx, "remove gone connection", "connectionId", c.ID, "error", err)
				} else {
					log.DebugContext(ctx, "connection gone, removed", "connectionId", c.ID)
				}
			default:
				log.WarnContext(ctx, "post to connection failed", "connectionId", c.ID, "event", e.Name, "error", err)
				fail(i, err)
			}
		}
	}
	return failed, st
}

// HandleStream is the handler of the communications table's stream (all
// records, unfiltered): each record's ChangeEvents are sent, and the
// records whose events failed are returned in BatchItemFailures by their
// sequence number.
func (f *Fanout) HandleStream(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var evs []Event
	var recOf []int // event index -> record index
	for r, rec := range ev.Records {
		for _, e := range ChangeEvents(rec) {
			evs = append(evs, e)
			recOf = append(recOf, r)
		}
	}
	var resp events.DynamoDBEventResponse
	failed, _ := f.Send(ctx, evs)
	reported := map[int]bool{}
	for i := range evs {
		if _, ok := failed[i]; !ok || reported[recOf[i]] {
			continue
		}
		reported[recOf[i]] = true
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{
			ItemIdentifier: ev.Records[recOf[i]].Change.SequenceNumber,
		})
	}
	return resp, nil
}

// HandleSNS is the handler of the notification topic's Lambda
// subscription: each record is sent as a "notification" event. It returns
// an error when one could not be read or posted, so that Lambda retries
// the invocation.
func (f *Fanout) HandleSNS(ctx context.Context, ev events.SNSEvent) error {
	var evs []Event
	var errs []error
	for _, rec := range ev.Records {
		e, err := NotificationEvent(rec)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		evs = append(evs, e)
	}
	failed, _ := f.Send(ctx, evs)
	for i := range evs {
		if err := failed[i]; err != nil {
			errs = append(errs, fmt.Errorf("notification %q: %w", evs[i].ID, err))
		}
	}
	return errors.Join(errs...)
}
