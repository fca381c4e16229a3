package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/livews"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/runtime"
)

// LiveSubscription is the name of the subscription that streams table
// changes to the dashboard.
const LiveSubscription = doctales.BrowserSubscription

// EventCommunication is the SSE event name of a table change: the
// communication's item as it is after the change (its NewImage).
const EventCommunication = livews.EventCommunication

// EventRemoved is the SSE event name of a deleted communication: {"id"}
// (DELETE /communications/{id} or the retention sweep), sent from its
// REMOVE stream record so that open dashboards drop it.
const EventRemoved = livews.EventRemoved

// EventRule is the SSE event name of a change to one of the person's rules
// (issue 13): {"id", "event"} with the stream's event name, so an open
// Rules page reloads them.
const EventRule = livews.EventRule

// liveSubscription returns the subscription that sends each change of the
// table to the browsers following the live stream, as a "communication"
// event carrying the item, so dashboards show new communications and their
// extraction results without reloading.
//
// It starts at the latest record each time the server starts (a browser
// that reconnects reloads what it shows), never retries (live fan-out is
// best effort, as the hub's is), and decodes nothing while no browser is
// connected.
func (p *Pipeline) liveSubscription() runtime.Subscription {
	return runtime.Subscription{
		Name:             LiveSubscription,
		Source:           doctales.SourceDynamoDB,
		StartAtLatest:    true,
		Concurrency:      1,                 // one worker keeps the changes in order
		MaxRetryAttempts: runtime.NoRetries, // a browser that missed a change reloads; -1 is "until expired" on AWS
		Handler:          liveHandler(p.Hub),
	}
}

// liveHandler sends the NewImage of every stream record in ev to hub as a
// "communication" event, each removal as a "removed" event and each rule
// change as a "rule" event: livews.ChangeEvents, the events the WebSocket
// fan-out sends on AWS, so both streams carry the same. Records it cannot
// read and a closed hub are skipped: it never fails.
func liveHandler(hub *notify.Hub) runtime.Handler {
	send := runtime.DynamoDBHandler(func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		for _, r := range ev.Records {
			for _, e := range livews.ChangeEvents(r) {
				_ = hub.Send(e.Name, e.Owner, e.Data)
			}
		}
		return events.DynamoDBEventResponse{}, nil
	})
	// Decode nothing while no browser is connected.
	return runtime.HandlerFunc(func(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
		if hub.Clients() == 0 {
			return -1, nil
		}
		return send.Invoke(ctx, recs)
	})
}
