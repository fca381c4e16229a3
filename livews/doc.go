// Package livews is the live stream on AWS (issue 16): the dashboard's
// updates through an API Gateway WebSocket API, carrying the same events
// as the embedded server's Server-Sent Events stream
// (GET /notifications/stream, package notify's Hub).
//
// # Where it sits
//
//	browser ──POST /live/ticket──► API (httpapi) ──ticket hash──► connections table
//	browser ──wss://…?ticket=…───► $connect (Handler) ──takes the ticket, stores the connection
//	table stream ──► Fanout.HandleStream ─┐
//	notification topic ──► Fanout.HandleSNS ─┴─► owner's connections ──PostToConnection──► browser
//
// # Authentication
//
// A browser cannot set headers on a WebSocket, and the WebSocket API is on
// another host than the HTTP API, so neither the Authorization header nor
// the session cookie reach $connect. The dashboard therefore asks the HTTP
// API, with its usual credentials (the Cognito access token on AWS, a key
// or session locally), for a ticket (POST /live/ticket, scope read), and
// opens wss://…?ticket=…. A ticket is 256 random bits, stored only as its
// SHA-256, valid for a minute and for one connection (a conditional
// delete), so one seen in a log is useless. That was chosen over the
// access token in the query string, which would put an hour-long bearer
// token in URLs and need a JWT check (and the pool's keys) in $connect.
//
// # Events
//
// Each WebSocket message is a [Frame], {"event","id","data"}: the SSE
// event's name, id and data. The table's stream gives "communication",
// "removed" and "rule" ([ChangeEvents], as cmd/doctales/live.go); the
// topic gives "notification" ([NotificationEvent], as [notify.Hub.Deliver]).
// ?events= on $connect picks names as on the SSE stream. An event whose
// frame would exceed API Gateway's 128 KiB becomes "resync".
//
// # Failures
//
// 410 Gone removes the connection; other failures are retried as the
// event source retries (see [Fanout]).
package livews
