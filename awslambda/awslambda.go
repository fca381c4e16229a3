// Package awslambda runs the Doc-Tales functions on AWS Lambda: it turns
// the events Lambda delivers into calls of the same function code the
// embedded runtime calls.
//
//	API Gateway (REST v1 or HTTP API v2) ─▶ [API]          ─▶ httpapi.Handler (ingestion, reads)
//	S3 ObjectCreated (async invoke)      ─▶ [Extraction]   ─▶ function.Extraction
//	DynamoDB stream batch                ─▶ [Notification] ─▶ notify.Function, with batch item failures
//
// The binaries under cmd/lambda read their settings from the environment
// the SAM template sets, build the AWS adapters (packages s3, dynamodb, sns)
// and start the Lambda runtime with one of these handlers.
package awslambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/httpapi"
)

// ErrNotAPIGatewayEvent is returned by the API handler for an event that is
// neither an API Gateway REST (v1) nor an HTTP API (v2) proxy event.
var ErrNotAPIGatewayEvent = errors.New("not an API Gateway proxy event (REST v1 or HTTP API v2)")

// APIFunc is the handler of the API function, for lambda.Start.
type APIFunc func(ctx context.Context, ev json.RawMessage) (json.RawMessage, error)

// API returns the handler that serves API Gateway events with h: HTTP API
// events (payload format 2.0, "version": "2.0") through
// httpapi.ServeAPIGatewayV2, REST API proxy events (those with an
// httpMethod) through httpapi.ServeAPIGateway. The answer is the matching
// proxy response. Another event is ErrNotAPIGatewayEvent, which Lambda
// reports as a function error.
func API(h http.Handler) APIFunc {
	return func(ctx context.Context, raw json.RawMessage) (json.RawMessage, error) {
		var probe struct {
			Version    string `json:"version"`
			HTTPMethod string `json:"httpMethod"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, fmt.Errorf("api event: %w", err)
		}
		switch {
		case probe.Version == "2.0":
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(raw, &ev); err != nil {
				return nil, fmt.Errorf("api gateway v2 event: %w", err)
			}
			if a := ev.RequestContext.Authorizer; a != nil && a.JWT != nil {
				if p := PrincipalFromJWT(a.JWT.Claims, a.JWT.Scopes); p != nil {
					ctx = doctales.NewContextWithPrincipal(ctx, p)
				}
			}
			resp, err := httpapi.ServeAPIGatewayV2(ctx, h, ev)
			if err != nil {
				return nil, err
			}
			foldHeadersV2(&resp)
			return json.Marshal(resp)
		case probe.HTTPMethod != "":
			var ev events.APIGatewayProxyRequest
			if err := json.Unmarshal(raw, &ev); err != nil {
				return nil, fmt.Errorf("api gateway event: %w", err)
			}
			if claims, ok := ev.RequestContext.Authorizer["claims"].(map[string]any); ok {
				str := map[string]string{}
				for k, v := range claims {
					if s, ok := v.(string); ok {
						str[k] = s
					}
				}
				if p := PrincipalFromJWT(str, nil); p != nil {
					ctx = doctales.NewContextWithPrincipal(ctx, p)
				}
			}
			resp, err := httpapi.ServeAPIGateway(ctx, h, ev)
			if err != nil {
				return nil, err
			}
			return json.Marshal(resp)
		}
		return nil, ErrNotAPIGatewayEvent
	}
}

// foldHeadersV2 puts every value of a repeated response header into
// headers, joined with ", ", and clears multiValueHeaders. The HTTP API's
// payload format 2.0 has no multiValueHeaders in its response (AWS's
// "Working with AWS Lambda proxy integrations for HTTP APIs": only
// cookies, isBase64Encoded, statusCode, headers and body), so API Gateway
// ignores that field and would send only the first value it finds in
// headers (such as "Vary: Origin" without "Accept"). A comma-separated
// list is the same field under RFC 9110, section 5.3; Set-Cookie, the one
// header that cannot be joined, is already in cookies.
//
// httpapi.ServeAPIGatewayV2 fills multiValueHeaders; this is the Lambda
// edge's correction until that bridge does it itself.
func foldHeadersV2(resp *events.APIGatewayV2HTTPResponse) {
	for k, vs := range resp.MultiValueHeaders {
		if len(vs) == 0 {
			continue
		}
		if resp.Headers == nil {
			resp.Headers = map[string]string{}
		}
		resp.Headers[k] = strings.Join(vs, ", ")
	}
	resp.MultiValueHeaders = nil
}

// ScopePrefix is the resource server identifier of the user pool's
// scopes: a token's "doctales/read" is the scope "read".
const ScopePrefix = "doctales/"

// PrincipalFromJWT returns the principal of a token API Gateway's JWT
// authorizer validated: the user is the "sub" claim (Cognito's immutable
// user id; a user name can be freed and taken again by someone else), and
// the scopes are those of the token (scopes, else the space-separated
// "scope" claim) named "doctales/<scope>". It returns nil when the token
// has no valid subject.
func PrincipalFromJWT(claims map[string]string, scopes []string) *doctales.Principal {
	sub := claims["sub"]
	if doctales.ValidateID("sub", sub) != nil {
		return nil
	}
	if len(scopes) == 0 {
		scopes = strings.Fields(claims["scope"])
	}
	p := &doctales.Principal{UserID: sub, Via: "jwt"}
	for _, s := range scopes {
		if name, ok := strings.CutPrefix(s, ScopePrefix); ok && slices.Contains(doctales.Scopes, name) && !slices.Contains(p.Scopes, name) {
			p.Scopes = append(p.Scopes, name)
		}
	}
	return p
}

// ExtractionFunc is the handler of the extraction function.
type ExtractionFunc func(ctx context.Context, ev events.S3Event) error

// Extraction returns the handler of S3 event notifications: each record is
// extracted by handle (function.Extraction.Handle), and an error is
// returned, so that Lambda retries the asynchronous invocation (twice, per
// the function's EventInvokeConfig) and then sends the event to the
// on-failure destination. An event without records (such as the
// s3:TestEvent S3 sends when a notification is configured) does nothing.
//
// When handle fails, table (if not nil) gets the item marked
// StatusFailed with the error, before the error goes back to Lambda (see
// MarkFailed): the function cannot know which attempt is the last, so
// every failed attempt marks it, and a later attempt that succeeds (a
// retry, or a replay from the queue) sets it to StatusExtracted and clears
// the error. So an event that is dead-lettered leaves its item failed, as
// the embedded runtime's dead-letter hook does. To leave time for that
// write, handle runs under a deadline MarkFailedMargin before Lambda's.
func Extraction(handle func(context.Context, events.S3Event) error, table doctales.Table, logger *slog.Logger) ExtractionFunc {
	return func(ctx context.Context, ev events.S3Event) error {
		if len(ev.Records) == 0 {
			logger.InfoContext(ctx, "event without records ignored", "requestId", requestID(ctx))
			return nil
		}
		hctx := ctx
		if d, ok := ctx.Deadline(); ok && time.Until(d) > 2*MarkFailedMargin && table != nil {
			var cancel context.CancelFunc
			hctx, cancel = context.WithDeadline(ctx, d.Add(-MarkFailedMargin))
			defer cancel()
		}
		err := handle(hctx, ev)
		if err == nil {
			return nil
		}
		key := ev.Records[0].S3.Object.Key
		if k, kerr := url.QueryUnescape(key); kerr == nil {
			key = k
		}
		logger.ErrorContext(ctx, "extraction failed", "requestId", requestID(ctx), "key", key, "error", err)
		if table != nil {
			if len(ev.Records) != 1 {
				logger.WarnContext(ctx, "item not marked failed: the event has several records", "requestId", requestID(ctx), "records", len(ev.Records))
			} else if merr := MarkFailed(ctx, table, key, err); merr != nil {
				logger.ErrorContext(ctx, "mark item failed", "requestId", requestID(ctx), "key", key, "error", merr)
			}
		}
		return err
	}
}

// MarkFailedMargin is how long before the invocation's deadline the
// extraction is cancelled, so that MarkFailed can still write.
const MarkFailedMargin = 2 * time.Second

// MaxFailureMessageBytes bounds the error stored on a failed item.
const MaxFailureMessageBytes = 1000

// MarkFailed sets the item of the communication object key
// ("[users/<owner>/]<type>/<yyyy>/<mm>/<dd>/<id>.json") to StatusFailed
// with cause's message (at most MaxFailureMessageBytes), acting for the
// owner the key names. A key that is not a communication's, or an item
// that does not exist (ingestion never created it, or it was deleted),
// is not an error: there is nothing to mark.
func MarkFailed(ctx context.Context, table doctales.Table, key string, cause error) error {
	if !function.IsCommunicationKey(key) {
		return nil
	}
	if rest, ok := strings.CutPrefix(key, "users/"); ok {
		owner, _, _ := strings.Cut(rest, "/")
		ctx = doctales.WithOwner(ctx, owner)
	}
	id := strings.TrimSuffix(path.Base(key), ".json")
	msg := cause.Error()
	if len(msg) > MaxFailureMessageBytes {
		cut := MaxFailureMessageBytes
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	status := doctales.StatusFailed
	_, err := table.UpdateItem(ctx, id, doctales.ItemUpdate{Status: &status, Error: &msg})
	if err != nil && doctales.ErrorCode(err) != doctales.ENOTFOUND {
		return fmt.Errorf("mark item %q (object %q) failed: %w", id, key, err)
	}
	return nil
}

// NotificationFunc is the handler of the notification function.
type NotificationFunc func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// Notification returns the handler of DynamoDB stream batches. It hands
// handle (notify.Function.Handle) one record at a time and reports in
// BatchItemFailures exactly the records that failed, plus the later records
// of the same item, which it does not attempt, so that an item's changes
// are never handled out of order. Records of other items go on: one poison
// record does not hold back the notifications of the rest of the batch.
//
// With FunctionResponseTypes [ReportBatchItemFailures], Lambda retries from
// the lowest failed sequence number (redelivering the later records too;
// the notification ledger makes that harmless) and, after
// MaximumRetryAttempts or MaximumRecordAgeInSeconds, sends the failed
// records' batch to the on-failure destination. An error from handle (a
// cancelled context, a missing topic) fails the whole batch.
func Notification(handle func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error), logger *slog.Logger) NotificationFunc {
	return func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		resp := events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}
		failedKeys := map[string]bool{}
		for _, rec := range ev.Records {
			key := recordKey(rec)
			if key != "" && failedKeys[key] {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
				continue
			}
			r, err := handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}})
			if err != nil {
				logger.ErrorContext(ctx, "notification batch failed", "requestId", requestID(ctx), "records", len(ev.Records), "error", err)
				return events.DynamoDBEventResponse{}, err
			}
			if len(r.BatchItemFailures) > 0 {
				failedKeys[key] = key != ""
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
			}
		}
		if n := len(resp.BatchItemFailures); n > 0 {
			logger.WarnContext(ctx, "batch item failures", "requestId", requestID(ctx), "records", len(ev.Records), "failed", n)
		}
		return resp, nil
	}
}

// recordKey returns the item a stream record is about: its sort key, or
// else the id in its images; "" when it names none.
func recordKey(rec events.DynamoDBEventRecord) string {
	if sk, ok := rec.Change.Keys["SK"]; ok && sk.DataType() == events.DataTypeString {
		return sk.String()
	}
	for _, img := range []map[string]events.DynamoDBAttributeValue{rec.Change.NewImage, rec.Change.OldImage} {
		if id, ok := img["id"]; ok && id.DataType() == events.DataTypeString {
			return doctales.SortPrefix + id.String()
		}
	}
	return ""
}

// requestID returns the Lambda request id of the invocation, if any.
func requestID(ctx context.Context) string {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return lc.AwsRequestID
	}
	return ""
}

// DeadLetterQueues answers the API's dead-letter routes on AWS, where dead
// letters are messages in the functions' SQS on-failure queues: it lists
// none and finds none, naming the queues. Inspect and redrive them with
// the SQS console or `aws sqs` (docs/aws.md).
type DeadLetterQueues struct {
	// Queues names the on-failure queues, for the messages.
	Queues []string
}

var _ doctales.DeadLetterStore = DeadLetterQueues{}

// AddDeadLetter is not supported: Lambda writes to the queues itself.
func (q DeadLetterQueues) AddDeadLetter(ctx context.Context, dl *doctales.DeadLetter) error {
	return doctales.Errorf(doctales.EINVALID, "On AWS, dead letters go to the SQS queues %v.", q.Queues)
}

// DeadLetters lists none.
func (q DeadLetterQueues) DeadLetters(ctx context.Context, subscription string, limit int) ([]*doctales.DeadLetter, error) {
	return nil, nil
}

// DeadLetter is ENOTFOUND, naming the queues.
func (q DeadLetterQueues) DeadLetter(ctx context.Context, id int64) (*doctales.DeadLetter, error) {
	return nil, doctales.Errorf(doctales.ENOTFOUND, "On AWS, dead letters are in the SQS queues %v.", q.Queues)
}

// Redrive is ENOTFOUND, naming the queues.
func (q DeadLetterQueues) Redrive(ctx context.Context, id int64) (*doctales.LogRecord, error) {
	return nil, doctales.Errorf(doctales.ENOTFOUND, "On AWS, redrive from the SQS queues %v.", q.Queues)
}

// TimersResult is the timers function's answer: how many timers it sent.
type TimersResult struct {
	Sent int `json:"sent"`
}

// Timers returns the handler of the timers function: on any event (the
// EventBridge Scheduler schedule's input, or a test invocation) it fires
// every notification timer due by now with fireDue (notify.When.FireDue)
// and answers how many it sent. An error fails the invocation, and the
// next minute's invocation picks up what is still due: a timer is marked
// fired only after its message was published.
func Timers(fireDue func(context.Context) (int, error), logger *slog.Logger) func(context.Context, json.RawMessage) (TimersResult, error) {
	return func(ctx context.Context, _ json.RawMessage) (TimersResult, error) {
		sent, err := fireDue(ctx)
		if err != nil {
			logger.ErrorContext(ctx, "notification timers failed", "requestId", requestID(ctx), "sent", sent, "error", err)
			return TimersResult{Sent: sent}, err
		}
		if sent > 0 {
			logger.InfoContext(ctx, "notification timers fired", "requestId", requestID(ctx), "sent", sent)
		}
		return TimersResult{Sent: sent}, nil
	}
}
