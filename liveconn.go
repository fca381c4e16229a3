package doctales

import "time"

// LiveConnection is one browser's open WebSocket connection to the API
// Gateway WebSocket API (issue 16): on AWS, the live stream's equivalent of
// a client of the embedded server's Server-Sent Events stream
// (GET /notifications/stream). The connections table keeps one per open
// connection, so that the stream consumer (package livews) can find an
// owner's connections and post each event only to them.
type LiveConnection struct {
	// ID is API Gateway's connectionId, the address of PostToConnection.
	ID string `json:"id"`
	// Owner is the user whose events the connection receives (the
	// principal its ticket was issued to).
	Owner string `json:"owner"`
	// Events are the event names it asked for (?events=notification,…);
	// empty means all, as on the SSE stream.
	Events []string `json:"events,omitempty"`
	// ConnectedAt is when $connect accepted it.
	ConnectedAt time.Time `json:"connectedAt"`
	// ExpiresAt is when it is gone for sure: API Gateway closes every
	// WebSocket connection after two hours, and the table's time to live
	// deletes the row after it even if $disconnect never ran.
	ExpiresAt time.Time `json:"expiresAt"`
}

// Wants reports whether c asked for events named event.
func (c *LiveConnection) Wants(event string) bool {
	if len(c.Events) == 0 {
		return true
	}
	for _, e := range c.Events {
		if e == event {
			return true
		}
	}
	return false
}
