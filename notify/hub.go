package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doctales/doctales"
)

// Default Hub limits.
const (
	// DefaultClientBuffer is how many events, per client, may wait to be
	// written. A client that falls this far behind is disconnected.
	DefaultClientBuffer = 64

	// DefaultMaxClients bounds the open streams; one more is refused with
	// 503, because every stream holds a goroutine and a buffer.
	DefaultMaxClients = 1000

	// DefaultHeartbeatInterval is how often an idle stream gets a comment
	// line, so proxies and load balancers do not close it (most close idle
	// connections after 30 to 60 seconds).
	DefaultHeartbeatInterval = 15 * time.Second

	// DefaultRetryInterval is the reconnection delay the stream asks
	// browsers to use ("retry: 2000").
	DefaultRetryInterval = 2 * time.Second

	// DefaultWriteTimeout bounds each write to a client, so a stalled TCP
	// connection cannot keep its handler, or Hub.Close, waiting.
	DefaultWriteTimeout = 10 * time.Second
)

// EventNotification is the SSE event name of a topic message.
const EventNotification = "notification"

// StreamPath is where the API mounts the hub: GET /notifications/stream.
const StreamPath = "/notifications/stream"

// maxEventNameLen bounds an event name; see validEventName.
const maxEventNameLen = 64

// ErrHubClosed is returned by Hub.Send after Hub.Close.
var ErrHubClosed = errors.New("notify: hub closed")

// errTooManyClients is the subscribe error beyond MaxClients.
var errTooManyClients = errors.New("notify: too many stream clients")

// Hub fans topic messages and other live events out to browsers over
// Server-Sent Events.
//
// Mount it at [StreamPath]. Each GET opens a stream that receives, from then
// on, every event sent with [Hub.Deliver] or [Hub.Send] (or only the named
// ones, with ?events=notification,communication). Nothing is stored: a
// client that is not connected misses what is sent meanwhile, and a browser
// reconnecting with Last-Event-ID gets nothing replayed.
//
// Sending never blocks. Each client has a bounded buffer (ClientBuffer); a
// client whose buffer is full is disconnected, and counted in
// [Hub.Dropped], rather than allowed to slow the pipeline. Its browser
// reconnects after the retry interval.
//
// Set the exported fields before the first request and do not change them
// after. All methods are safe for concurrent use. The zero Hub works with
// the defaults; [NewHub] sets them explicitly.
type Hub struct {
	mu      sync.Mutex
	clients map[*client]struct{} // open streams
	closed  bool                 // set by Close; no new streams, no sends
	wg      sync.WaitGroup       // one per running ServeHTTP stream
	dropped atomic.Int64         // clients disconnected for a full buffer

	// ClientBuffer is how many events may wait per client before it is
	// dropped. Default DefaultClientBuffer; zero or less means the default.
	ClientBuffer int

	// MaxClients is how many streams may be open at once; beyond it a
	// request gets 503 with code EOVERLOADED. Default DefaultMaxClients;
	// zero or less means the default.
	MaxClients int

	// HeartbeatInterval is how often a comment line is sent on every
	// stream. Default DefaultHeartbeatInterval; zero or less means the
	// default.
	HeartbeatInterval time.Duration

	// RetryInterval is the reconnection delay sent to browsers, rounded to
	// milliseconds. Default DefaultRetryInterval; zero or less means the
	// default.
	RetryInterval time.Duration

	// WriteTimeout bounds each write to a client; a client that does not
	// take the bytes in time is disconnected. Default DefaultWriteTimeout;
	// zero or less means the default.
	WriteTimeout time.Duration

	// Logger receives stream lifecycle lines (Debug) and drops (Warn).
	// Default slog.Default().
	Logger *slog.Logger
}

// client is one open stream.
type client struct {
	ch     chan []byte     // encoded SSE frames waiting to be written
	events map[string]bool // the event names it wants; nil means all
	// owner is the user the stream belongs to (doctales.WithOwner on the
	// request); it receives only that user's events. Unscoped (an open
	// server) when !scoped.
	owner  string
	scoped bool
	gone   chan struct{} // closed when the hub drops the client or closes
}

// NewHub returns a hub with the default limits.
func NewHub() *Hub {
	return &Hub{
		clients:           make(map[*client]struct{}),
		ClientBuffer:      DefaultClientBuffer,
		MaxClients:        DefaultMaxClients,
		HeartbeatInterval: DefaultHeartbeatInterval,
		RetryInterval:     DefaultRetryInterval,
		WriteTimeout:      DefaultWriteTimeout,
		Logger:            slog.Default(),
	}
}

// Deliver is the topic subscriber: it sends m to every stream as an event
// "notification" whose id is m.MessageID and whose data is m as JSON. It
// never blocks and never fails for want of listeners: live fan-out is best
// effort, so a closed hub or a hub without clients drops m and returns nil.
// It returns an error only if m cannot be encoded.
func (h *Hub) Deliver(ctx context.Context, m *doctales.Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("hub: encode message %q: %w", m.MessageID, err)
	}
	owner := doctales.OwnerOf(m.MessageAttributes[AttrUserID].StringValue)
	err = h.broadcast(EventNotification, owner, frame(m.MessageID, EventNotification, data))
	if errors.Is(err, ErrHubClosed) {
		return nil
	}
	return err
}

// Send sends data, encoded as JSON, to every stream of owner (and every
// unscoped stream) that wants event, as an SSE event of that name without
// an id. It never blocks. Event names are 1 to 64 letters, digits, '.', '_'
// or '-'; another name is an EINVALID error. Send returns ErrHubClosed
// after Close, and an error if data cannot be encoded.
func (h *Hub) Send(event, owner string, data any) error {
	if !validEventName(event) {
		return doctales.FieldErrorf(doctales.EINVALID, "event",
			"Event name must be 1 to %d letters, digits, '.', '_' or '-', got %q.", maxEventNameLen, event)
	}
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("hub: encode %q event: %w", event, err)
	}
	return h.broadcast(event, doctales.OwnerOf(owner), frame("", event, b))
}

// Dropped returns how many clients were disconnected because their buffer
// was full.
func (h *Hub) Dropped() int64 { return h.dropped.Load() }

// Clients returns how many streams are open.
func (h *Hub) Clients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// Close ends every stream, refuses new ones with 503 and makes Send return
// ErrHubClosed, then waits for the stream handlers to return (each within
// WriteTimeout). Call it before http.Server.Shutdown, which waits for
// handlers and would otherwise wait for the streams. A second call is a
// no-op that also waits.
func (h *Hub) Close() error {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		for c := range h.clients {
			close(c.gone)
			delete(h.clients, c)
		}
	}
	h.mu.Unlock()
	h.wg.Wait()
	return nil
}

// ServeHTTP serves one event stream: GET, optionally with
// ?events=name,name to receive only those event names. It answers 405 to
// other methods, 400 to a malformed events filter, and 503 with
// Retry-After when MaxClients streams are open or the hub is closed; errors
// are JSON {"error": message, "code": code}.
//
// The stream is text/event-stream, not cached. It starts with the retry
// interval ("retry: 2000"), then carries each event as
//
//	id: <MessageId>
//	event: notification
//	data: <the message as JSON>
//
// followed by a blank line, and a comment line (": heartbeat") every
// HeartbeatInterval. It ends when the client goes away, when the client
// falls ClientBuffer events behind, when a write takes longer than
// WriteTimeout, or at Close.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, doctales.EINVALID,
			"Method "+r.Method+" not allowed; the notification stream is GET only.")
		return
	}

	// Parse the event filter.
	filter, err := parseEventFilter(r.URL.Query()["events"])
	if err != nil {
		writeError(w, http.StatusBadRequest, doctales.ErrorCode(err), doctales.ErrorMessage(err))
		return
	}

	// Register the client before the headers are sent, so that an event
	// sent once the client has the headers reaches it.
	owner, scoped := doctales.OwnerFromContext(r.Context())
	c, err := h.subscribe(filter, owner, scoped)
	if err != nil {
		retry := (h.retryInterval() + time.Second - 1) / time.Second // whole seconds, rounded up
		w.Header().Set("Retry-After", strconv.Itoa(int(retry)))
		msg := "The notification stream is shutting down; retry later."
		if errors.Is(err, errTooManyClients) {
			msg = fmt.Sprintf("Too many notification streams are open (limit %d); retry later.", h.maxClients())
		}
		writeError(w, http.StatusServiceUnavailable, doctales.EOVERLOADED, msg)
		return
	}
	defer h.wg.Done()
	defer h.unsubscribe(c)
	log := h.logger().With(logKeyEvents, r.URL.Query().Get("events"))
	log.DebugContext(r.Context(), "stream opened")

	// Send the headers and the retry interval.
	rc := http.NewResponseController(w)
	writeTimeout := h.writeTimeout()
	write := func(b []byte) error {
		if err := rc.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		return rc.Flush()
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	if err := write([]byte("retry: " + strconv.FormatInt(h.retryInterval().Milliseconds(), 10) + "\n\n")); err != nil {
		log.DebugContext(r.Context(), "stream ended", logKeyError, err)
		return
	}

	// Copy events to the client until it leaves, is dropped or the hub
	// closes; heartbeat when idle.
	heartbeat := time.NewTicker(h.heartbeatInterval())
	defer heartbeat.Stop()
	for {
		var err error
		select {
		case <-r.Context().Done():
			log.DebugContext(r.Context(), "stream ended", logKeyReason, "client gone")
			return
		case <-c.gone:
			log.DebugContext(r.Context(), "stream ended", logKeyReason, "dropped or hub closed")
			return
		case b := <-c.ch:
			err = write(b)
		case <-heartbeat.C:
			err = write([]byte(": heartbeat\n\n"))
		}
		if err != nil {
			log.DebugContext(r.Context(), "stream ended", logKeyError, err)
			return
		}
	}
}

// subscribe registers a new client and adds it to the wait group.
func (h *Hub) subscribe(filter map[string]bool, owner string, scoped bool) (*client, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrHubClosed
	}
	if len(h.clients) >= h.maxClients() {
		return nil, errTooManyClients
	}
	c := &client{
		ch:     make(chan []byte, h.clientBuffer()),
		events: filter,
		owner:  owner,
		scoped: scoped,
		gone:   make(chan struct{}),
	}
	if h.clients == nil {
		h.clients = make(map[*client]struct{})
	}
	h.clients[c] = struct{}{}
	h.wg.Add(1)
	return c, nil
}

// unsubscribe removes c if it is still registered.
func (h *Hub) unsubscribe(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; ok {
		delete(h.clients, c)
		close(c.gone)
	}
}

// broadcast queues an encoded frame for every client that wants event and
// may see owner's communications, dropping, without blocking, every client
// whose buffer is full.
func (h *Hub) broadcast(event, owner string, b []byte) error {
	var dropped int
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return ErrHubClosed
	}
	for c := range h.clients {
		if c.events != nil && !c.events[event] {
			continue
		}
		if c.scoped && c.owner != owner {
			continue // another user's mail
		}
		select {
		case c.ch <- b:
		default:
			// A slow client never stalls the pipeline: drop it; its
			// browser reconnects.
			delete(h.clients, c)
			close(c.gone)
			dropped++
		}
	}
	h.mu.Unlock()

	if dropped > 0 {
		total := h.dropped.Add(int64(dropped))
		h.logger().Warn("slow stream clients dropped", "count", dropped, "total", total, "buffer", h.clientBuffer())
	}
	return nil
}

// frame encodes one SSE event. data must be one line (JSON is). An id with
// a line break or NUL, which would corrupt the stream, is left out.
func frame(id, event string, data []byte) []byte {
	var b strings.Builder
	if id != "" && !strings.ContainsAny(id, "\r\n\x00") {
		b.WriteString("id: " + id + "\n")
	}
	b.WriteString("event: " + event + "\n")
	b.WriteString("data: ")
	b.Write(data)
	b.WriteString("\n\n")
	return []byte(b.String())
}

// parseEventFilter parses the values of the events query parameter into a
// set; no names means nil, all events.
func parseEventFilter(values []string) (map[string]bool, error) {
	names, err := ParseEventNames(values)
	if err != nil || names == nil {
		return nil, err
	}
	filter := make(map[string]bool, len(names))
	for _, name := range names {
		filter[name] = true
	}
	return filter, nil
}

// ParseEventNames parses the values of an events query parameter (the SSE
// stream's, and the WebSocket API's in package livews), each a
// comma-separated list of event names, into the names in order, each once;
// nil means all events. A name that is not 1 to 64 letters, digits, '.',
// '_' or '-' is EINVALID naming "events".
func ParseEventNames(values []string) ([]string, error) {
	var names []string
	seen := map[string]bool{}
	for _, v := range values {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" || seen[name] {
				continue
			}
			if !validEventName(name) {
				return nil, doctales.FieldErrorf(doctales.EINVALID, "events",
					"Query parameter events must list event names of 1 to %d letters, digits, '.', '_' or '-', got %q.", maxEventNameLen, name)
			}
			seen[name] = true
			names = append(names, name)
		}
	}
	return names, nil
}

// validEventName reports whether name is 1 to maxEventNameLen ASCII
// letters, digits, '.', '_' or '-': safe on an SSE "event:" line and in a
// comma-separated filter.
func validEventName(name string) bool {
	if name == "" || len(name) > maxEventNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// writeError writes {"error": msg, "code": code} with status.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg, "code": code})
}

func (h *Hub) clientBuffer() int {
	if h.ClientBuffer > 0 {
		return h.ClientBuffer
	}
	return DefaultClientBuffer
}

func (h *Hub) maxClients() int {
	if h.MaxClients > 0 {
		return h.MaxClients
	}
	return DefaultMaxClients
}

func (h *Hub) heartbeatInterval() time.Duration {
	if h.HeartbeatInterval > 0 {
		return h.HeartbeatInterval
	}
	return DefaultHeartbeatInterval
}

func (h *Hub) retryInterval() time.Duration {
	if h.RetryInterval > 0 {
		return h.RetryInterval
	}
	return DefaultRetryInterval
}

func (h *Hub) writeTimeout() time.Duration {
	if h.WriteTimeout > 0 {
		return h.WriteTimeout
	}
	return DefaultWriteTimeout
}

func (h *Hub) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}
