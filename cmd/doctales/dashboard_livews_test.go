package main

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/livews"
)

// wsServer is a WebSocket endpoint standing for the API Gateway WebSocket
// API (issue 16): it accepts any upgrade (RFC 6455 handshake), records the
// query (ticket, events) and lets the test send text messages to the last
// connection or close it. What the browser sends is read and dropped.
type wsServer struct {
	mu      sync.Mutex
	conns   []net.Conn
	queries []url.Values
}

func (s *wsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") || r.Header.Get("Sec-WebSocket-Key") == "" {
		http.Error(w, "not a WebSocket upgrade", http.StatusBadRequest)
		return
	}
	sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		base64.StdEncoding.EncodeToString(sum[:]))
	if err := rw.Flush(); err != nil {
		conn.Close()
		return
	}
	s.mu.Lock()
	s.conns = append(s.conns, conn)
	s.queries = append(s.queries, r.URL.Query())
	s.mu.Unlock()
	go func() { _, _ = io.Copy(io.Discard, bufio.NewReader(conn)) }()
}

// count returns how many connections were accepted.
func (s *wsServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (s *wsServer) query(i int) url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[i]
}

// send writes v, as JSON, in one unmasked text frame to the last
// connection.
func (s *wsServer) send(t *testing.T, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	hdr := []byte{0x81} // FIN, text
	switch n := len(b); {
	case n < 126:
		hdr = append(hdr, byte(n))
	case n < 1<<16:
		hdr = append(hdr, 126, 0, 0)
		binary.BigEndian.PutUint16(hdr[2:], uint16(n))
	default:
		hdr = append(hdr, 127, 0, 0, 0, 0, 0, 0, 0, 0)
		binary.BigEndian.PutUint64(hdr[2:], uint64(n))
	}
	s.mu.Lock()
	c := s.conns[len(s.conns)-1]
	s.mu.Unlock()
	if _, err := c.Write(append(hdr, b...)); err != nil {
		t.Fatal(err)
	}
}

// drop closes the last connection as API Gateway does at its two-hour
// limit: a close frame (1001 going away), then the TCP connection.
func (s *wsServer) drop() {
	s.mu.Lock()
	c := s.conns[len(s.conns)-1]
	s.mu.Unlock()
	_, _ = c.Write([]byte{0x88, 0x02, 0x03, 0xE9})
	_ = c.Close()
}

// ticketCounter issues "ticket-1", "ticket-2", … and counts them.
type ticketCounter struct {
	mu sync.Mutex
	n  int
}

func (c *ticketCounter) Issue(ctx context.Context, owner string) (string, time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return fmt.Sprintf("ticket-%d", c.n), time.Now().Add(livews.DefaultTicketTTL), nil
}

func (c *ticketCounter) issued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// TestDashboard_LiveWebSocket: when POST /live/ticket answers "websocket"
// (as on AWS), the dashboard opens the WebSocket with the ticket instead
// of the SSE stream, handles its messages as the SSE events (a
// communication appears, a repeated notification pops up once, a removal
// drops the card), and reconnects with a new ticket when the socket
// closes. The page and the socket share an origin through a proxy, as the
// dashboard's Content-Security-Policy allows only its own.
func TestDashboard_LiveWebSocket(t *testing.T) {
	chromiumPath(t)
	m := MustRunMain(t, nil)
	ws := &wsServer{}
	target, _ := url.Parse(m.URL())
	mux := http.NewServeMux()
	mux.Handle("/ws", ws)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1
	mux.Handle("/", proxy)
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	tickets := &ticketCounter{}
	m.Pipeline.API.Live = &httpapi.Live{URL: "ws://" + strings.TrimPrefix(front.URL, "http://") + "/ws", Tickets: tickets}

	// A real item, as the fan-out sends it: posted, extracted, read back.
	id := postJSON(t, m.URL(), map[string]any{"source": "email", "subject": "Seed", "from": "Ana Ruiz",
		"from_email": "ana@acme.example", "urgency": "high", "body": "URGENT: please call me today."})
	waitIdle(t, m.URL(), 20*time.Second)
	item, err := m.Pipeline.DB.GetItem(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	item.ID, item.Subject = "ws-1", "Sent over the WebSocket"

	b := newBrowser(t, 1280, 900)
	b.do(chromedp.Navigate(front.URL + "/#/prioritizer"))
	b.wait("the live WebSocket", `window.__doctales.live === 'live'`, 10*time.Second)
	if ws.count() != 1 {
		t.Fatalf("%d WebSocket connections, want 1", ws.count())
	}
	if q := ws.query(0); q.Get("ticket") != "ticket-1" || q.Get("events") != "communication,notification,removed,rule" {
		t.Errorf("connected with %v", q)
	}

	ws.send(t, livews.Frame{Event: livews.EventCommunication, Data: wsJSON(t, item)})
	b.wait("the communication sent over the WebSocket", `!!document.querySelector('.card[data-id="ws-1"]')`, 10*time.Second)

	note := map[string]any{"MessageId": "n-1", "Subject": "Pushed over the WebSocket", "Message": "From: Ana Ruiz",
		"MessageAttributes": map[string]any{"communicationId": map[string]string{"DataType": "String", "StringValue": "ws-1"}}}
	ws.send(t, livews.Frame{Event: livews.EventNotification, ID: "n-1", Data: wsJSON(t, note)})
	ws.send(t, livews.Frame{Event: livews.EventNotification, ID: "n-1", Data: wsJSON(t, note)}) // a retry's repeat
	// A second notification, after the repeat: once it shows, the repeat
	// has been handled.
	note["MessageId"], note["Subject"] = "n-2", "The next one"
	ws.send(t, livews.Frame{Event: livews.EventNotification, ID: "n-2", Data: wsJSON(t, note)})
	toasts := `[...document.querySelectorAll('#toasts .toast-title')].map((e) => e.textContent)`
	b.wait("the notifications' toasts", toasts+`.includes('The next one')`, 10*time.Second)
	if n := evalJS[int](b, toasts+`.filter((s) => s === 'Pushed over the WebSocket').length`); n != 1 {
		t.Errorf("%d toasts for one notification sent twice, want 1", n)
	}
	ws.send(t, livews.Frame{Event: livews.EventRemoved, Data: json.RawMessage(`{"id":"ws-1"}`)})
	b.wait("the removal", `window.__doctales.removed.includes('ws-1') && !document.querySelector('.card[data-id="ws-1"]')`, 10*time.Second)

	// The socket closes (API Gateway's two-hour limit, a deployment): the
	// page reconnects with a new ticket.
	ws.drop()
	b.wait("the reconnection", `window.__doctales.live === 'live'`, 15*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for ws.count() < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if ws.count() != 2 || ws.query(1).Get("ticket") != "ticket-2" || tickets.issued() != 2 {
		t.Errorf("after the drop: %d connections, %d tickets", ws.count(), tickets.issued())
	}

	// No SSE stream was opened.
	if n := evalJS[int](b, `performance.getEntriesByType('resource').filter((e) => e.name.includes('/notifications/stream')).length`); n != 0 {
		t.Errorf("the page opened the SSE stream %d times as well", n)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}

func wsJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
