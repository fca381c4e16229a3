package livews

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// Function is the Lambda handler of cmd/lambda/websocket: one binary for
// the WebSocket API's routes (Handler) and for the fan-out (Fanout), which
// the template deploys as two functions. It tells the events apart by
// their documented shapes: requestContext.routeKey for API Gateway,
// Records[].eventSource "aws:dynamodb" for the table's stream and
// Records[].EventSource "aws:sns" for the topic.
type Function struct {
	Routes *Handler // nil: route events are an error
	Fanout *Fanout  // nil: stream and topic events are an error
}

// ErrUnknownEvent is returned by Function.Invoke for a payload of none of
// the three shapes, or of a shape whose handler is not set.
var ErrUnknownEvent = errors.New("livews: unknown event")

// Invoke implements lambda.Handler: it decodes payload, runs the handler
// of its shape, and encodes the answer (the proxy response, the
// DynamoDBEventResponse, or null for SNS).
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var probe struct {
		RequestContext struct {
			RouteKey string `json:"routeKey"`
		} `json:"requestContext"`
		Records []struct {
			// Go's decoder matches keys case-insensitively: DynamoDB
			// records say eventSource, SNS records EventSource.
			EventSource string `json:"eventSource"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(payload, &probe); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnknownEvent, err)
	}
	var source string
	if len(probe.Records) > 0 {
		source = probe.Records[0].EventSource
	}
	switch {
	case probe.RequestContext.RouteKey != "" && f.Routes != nil:
		var req events.APIGatewayWebsocketProxyRequest
		if err := json.Unmarshal(payload, &req); err != nil {
			return nil, fmt.Errorf("decode websocket event: %w", err)
		}
		resp, err := f.Routes.Handle(ctx, req)
		if err != nil {
			return nil, err
		}
		return json.Marshal(resp)
	case source == "aws:dynamodb" && f.Fanout != nil:
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("decode stream event: %w", err)
		}
		resp, err := f.Fanout.HandleStream(ctx, ev)
		if err != nil {
			return nil, err
		}
		return json.Marshal(resp)
	case source == "aws:sns" && f.Fanout != nil:
		var ev events.SNSEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("decode sns event: %w", err)
		}
		if err := f.Fanout.HandleSNS(ctx, ev); err != nil {
			return nil, err
		}
		return []byte("null"), nil
	}
	return nil, fmt.Errorf("%w: routeKey %q, eventSource %q", ErrUnknownEvent, probe.RequestContext.RouteKey, source)
}
