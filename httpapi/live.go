package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
)

// The live stream's transport (issue 16). The embedded server streams
// Server-Sent Events (GET /notifications/stream); on AWS, API Gateway
// cannot hold an SSE stream open (an HTTP API answers within 30 seconds),
// so the same events come over an API Gateway WebSocket API (package
// livews). POST /live/ticket tells the dashboard which to open, and on AWS
// gives it the ticket that authenticates the WebSocket: a browser cannot
// set the Authorization header on a WebSocket, and the WebSocket API's
// host receives neither the HTTP API's token nor its cookies.
func init() {
	routeHooks = append(routeHooks, func(h *Handler, m *http.ServeMux) {
		m.HandleFunc("POST /live/ticket", h.liveTicket)
	})
	// The same scope as the SSE stream it stands for.
	routeScopes["POST /live/ticket"] = doctales.ScopeRead
}

// Transports of the live stream, LiveTicket.Transport.
const (
	TransportSSE       = "sse"
	TransportWebSocket = "websocket"
)

// LiveTicketIssuer issues WebSocket connection tickets; *livews.Tickets
// provides it. Issue returns a ticket that opens one connection receiving
// owner's events, and when it expires.
type LiveTicketIssuer interface {
	Issue(ctx context.Context, owner string) (ticket string, expires time.Time, err error)
}

// Live points the dashboard at the WebSocket API instead of the SSE
// stream. Set on AWS (cmd/lambda/api, from WEBSOCKET_URL and
// CONNECTIONS_TABLE); nil on the embedded server.
type Live struct {
	// URL is the WebSocket API stage's wss:// URL. Required.
	URL string
	// Tickets issues the tickets. Required.
	Tickets LiveTicketIssuer
}

// LiveTicket is the answer of POST /live/ticket.
type LiveTicket struct {
	// Transport is TransportSSE (open URL with EventSource; the session
	// cookie or key authenticates it) or TransportWebSocket (open
	// URL?ticket=Ticket&events=… with WebSocket).
	Transport string `json:"transport"`
	// URL is the stream's URL: a path on this server for SSE, an absolute
	// wss:// URL for WebSocket.
	URL string `json:"url"`
	// Ticket is the WebSocket's single-use credential; empty for SSE.
	Ticket string `json:"ticket,omitempty"`
	// ExpiresAt is when an unused Ticket stops working (a minute).
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// liveTicket answers POST /live/ticket: where the caller's live stream is
// and, on AWS, a ticket for it, issued to the caller. 200 with a
// LiveTicket; 404 when the server has neither stream.
func (h *Handler) liveTicket(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store") // a ticket is a credential
	if h.Live == nil || h.Live.URL == "" || h.Live.Tickets == nil {
		if h.Stream == nil {
			Error(w, r, h.Logger, doctales.Errorf(doctales.ENOTFOUND, "This server has no live stream."))
			return
		}
		writeJSON(w, http.StatusOK, LiveTicket{Transport: TransportSSE, URL: notify.StreamPath})
		return
	}
	ticket, expires, err := h.Live.Tickets.Issue(r.Context(), doctales.OwnerOf(callerOwner(r)))
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, LiveTicket{Transport: TransportWebSocket, URL: h.Live.URL, Ticket: ticket, ExpiresAt: &expires})
}
