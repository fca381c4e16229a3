package boot

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/doctales/doctales/awslambda"
	"github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/metrics/emf"
	"github.com/doctales/doctales/tracing"
)

// Observer gives every invocation of a Lambda function a span, continuing
// the pipeline's trace (tracing.Tracer.StartLambda), and writes its
// counters as one CloudWatch Embedded Metric Format line on stdout when it
// ends (package emf), so that the same counters GET /metrics serves
// locally reach CloudWatch with no API call on the invocation's path
// (issue 16). Create it with NewObserver; wrap the function's handler with
// API, Extraction or Notification.
type Observer struct {
	// Function is the code's role: "api", "extraction" or "notification"
	// (the EMF dimension "function" and the span's name).
	Function string
	// FunctionName is the deployed function's name (the EMF dimension
	// "FunctionName"). Default lambdacontext.FunctionName, from
	// AWS_LAMBDA_FUNCTION_NAME.
	FunctionName string
	// Tracer starts the spans. Required.
	Tracer *tracing.Tracer
	// Metrics adds up the invocation's counters; a handler's code adds
	// its own (the Comprehend fallbacks). Required.
	Metrics *emf.Recorder
	// Out receives the EMF lines. Default os.Stdout, which Lambda sends
	// to CloudWatch Logs (the JSON logs go to stderr, also there).
	Out io.Writer
	// Logger reports spans that could not be exported and lines that
	// could not be written; never fatal to the invocation.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// NewObserver returns the Observer of function with the Lambda tracer
// (tracing.NewLambda: X-Ray ids, OTLP/HTTP export when
// OTEL_EXPORTER_OTLP_ENDPOINT is set, as the ADOT collector layer wants).
func NewObserver(ctx context.Context, function string, logger *slog.Logger) (*Observer, error) {
	tr, err := tracing.NewLambda(ctx)
	if err != nil {
		return nil, err
	}
	return &Observer{Function: function, Tracer: tr, Metrics: &emf.Recorder{}, Logger: logger}, nil
}

// start begins an invocation: its span, and the clock of its duration.
// The returned function ends both, adds the invocation's counters and
// writes the EMF line.
func (o *Observer) start(ctx context.Context, trigger string, upstream []string) (context.Context, func(error)) {
	now := o.now()
	begin := now()
	ctx, end := o.Tracer.StartLambda(ctx, o.Function, trigger, upstream)
	return ctx, func(err error) {
		o.Metrics.Add(emf.FunctionInvocations, 1)
		errs := 0.0
		if err != nil {
			errs = 1
		}
		o.Metrics.Add(emf.FunctionErrors, errs)
		o.Metrics.Add(emf.FunctionDuration, now().Sub(begin).Seconds())
		if ferr := end(err); ferr != nil {
			o.logger().WarnContext(ctx, "spans not exported", "function", o.Function, "error", ferr)
		}
		name := o.FunctionName
		if name == "" {
			name = lambdacontext.FunctionName
		}
		out := o.Out
		if out == nil {
			out = os.Stdout
		}
		if werr := o.Metrics.Flush(out, now(), name, o.Function); werr != nil {
			o.logger().WarnContext(ctx, "metrics not written", "function", o.Function, "error", werr)
		}
	}
}

// API wraps the API function's handler: a server span per invocation,
// child of the X-Ray segment, and the line. Set HTTP as the
// httpapi.Handler's Middleware too, for each request's own span and
// counters.
func (o *Observer) API(fn awslambda.APIFunc) awslambda.APIFunc {
	return func(ctx context.Context, ev json.RawMessage) (json.RawMessage, error) {
		ctx, done := o.start(ctx, tracing.TriggerHTTP, nil)
		out, err := fn(ctx, ev)
		done(err)
		return out, err
	}
}

// HTTP is the httpapi.Handler's Middleware (which sees r.Pattern after
// routing): the request's span (named by its route, with its status; its
// traceparent is what ingestion stores in the object's metadata and on the
// item) and the counters http_requests_total and, for accepted POST
// /communications, ingest_bytes_total.
func (o *Observer) HTTP(h http.Handler) http.Handler {
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		o.Metrics.Add(emf.HTTPRequests, 1)
		if r.Method == http.MethodPost && r.Pattern == "POST /communications" && sw.code/100 == 2 && r.ContentLength > 0 {
			o.Metrics.Add(emf.IngestBytes, float64(r.ContentLength))
		}
	})
	return o.Tracer.Middleware(counted)
}

// Extraction wraps the extraction function's handler. Before the handler
// runs, traceParent (s3.Store.TraceParent: one HeadObject) reads the
// traceparent the ingestion stored with each communication object, so the
// extraction span is a child of the ingestion's (S3 notifications carry no
// trace context). An object that cannot be read is left to the handler to
// report. The records of a failed invocation count as failed: Lambda
// retries the whole event.
func (o *Observer) Extraction(fn awslambda.ExtractionFunc, traceParent func(ctx context.Context, key string) (string, error)) awslambda.ExtractionFunc {
	return func(ctx context.Context, ev events.S3Event) error {
		var upstream []string
		for _, rec := range ev.Records {
			key, err := url.QueryUnescape(rec.S3.Object.Key)
			if err != nil || !function.IsCommunicationKey(key) {
				continue
			}
			if tp, err := traceParent(ctx, key); err == nil && tp != "" {
				upstream = append(upstream, tp)
			} else if err != nil {
				o.logger().DebugContext(ctx, "no trace context from the object", "key", key, "error", err)
			}
		}
		ctx, done := o.start(ctx, tracing.TriggerDatasource, upstream)
		err := fn(ctx, ev)
		o.records(len(ev.Records), len(ev.Records)*boolInt(err != nil))
		done(err)
		return err
	}
}

// Notification wraps the notification function's handler: its span is a
// child of the traceparent on the first record's NewImage (the extraction
// that made the item urgent; dynamodb.AttrTraceParent) and links to the
// others. Records in BatchItemFailures count as failed, every record when
// the handler fails the batch.
func (o *Observer) Notification(fn awslambda.NotificationFunc) awslambda.NotificationFunc {
	return func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		var upstream []string
		for _, rec := range ev.Records {
			if tp := dynamodb.ImageTraceParent(rec.Change.NewImage); tp != "" {
				upstream = append(upstream, tp)
			}
		}
		ctx, done := o.start(ctx, tracing.TriggerDatasource, upstream)
		resp, err := fn(ctx, ev)
		failed := len(resp.BatchItemFailures)
		if err != nil {
			failed = len(ev.Records)
		}
		o.records(len(ev.Records), failed)
		done(err)
		return resp, err
	}
}

// records adds an event's record counters.
func (o *Observer) records(read, failed int) {
	o.Metrics.Add(emf.RecordsRead, float64(read))
	o.Metrics.Add(emf.RecordsDelivered, float64(read-failed))
	o.Metrics.Add(emf.RecordsFailed, float64(failed))
}

func (o *Observer) now() func() time.Time {
	if o.Now != nil {
		return o.Now
	}
	return time.Now
}

func (o *Observer) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.Default()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// statusWriter remembers the status code.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int)        { w.code = code; w.ResponseWriter.WriteHeader(code) }
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// triggerTimer is the faas.trigger of a scheduled invocation (OpenTelemetry's
// semantic conventions: "timer").
const triggerTimer = "timer"

// Timers wraps the timers function's handler (awslambda.Timers): a span per
// scheduled invocation and the EMF line of its counters.
func (o *Observer) Timers(fn func(context.Context, json.RawMessage) (awslambda.TimersResult, error)) func(context.Context, json.RawMessage) (awslambda.TimersResult, error) {
	return func(ctx context.Context, ev json.RawMessage) (awslambda.TimersResult, error) {
		ctx, done := o.start(ctx, triggerTimer, nil)
		res, err := fn(ctx, ev)
		done(err)
		return res, err
	}
}
