// Package tracing follows a communication through the pipeline with
// OpenTelemetry: a span per HTTP request and per function invocation, linked
// across the flow by the W3C traceparent that every log record carries (as
// X-Ray links the architecture's Lambda functions).
//
// The HTTP middleware starts (or continues, from an incoming traceparent
// header) a trace for each request and puts its traceparent in the context
// with doctales.WithTraceParent; the adapters copy it into the records they
// append; the runtime's [Tracer] observer starts each invocation's span as a
// child of the first record's context, with links to the others, and passes
// the new traceparent on. Spans are exported over OTLP/HTTP when
// OTEL_EXPORTER_OTLP_ENDPOINT is set, and only numbered otherwise (the trace
// id still appears in the API's Traceparent response header and in logs).
package tracing

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/runtime"
)

// ServiceName names the service in exported spans.
const ServiceName = "doctales"

// Tracer creates the pipeline's spans. It implements runtime.Observer and
// provides HTTP middleware. The zero value is not usable: use New or
// NewWithProvider.
type Tracer struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
	prop     propagation.TraceContext
}

// New returns a Tracer that exports over OTLP/HTTP when the environment
// names an endpoint (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, with the exporter's other standard
// variables), and otherwise only numbers spans.
func New(ctx context.Context) (*Tracer, error) {
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(sdkresource.NewSchemaless(semconv.ServiceName(ServiceName))),
	}
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" {
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	return NewWithProvider(sdktrace.NewTracerProvider(opts...)), nil
}

// NewWithProvider returns a Tracer over a provider; tests pass one with an
// in-memory exporter.
func NewWithProvider(p *sdktrace.TracerProvider) *Tracer {
	return &Tracer{provider: p, tracer: p.Tracer("github.com/doctales/doctales")}
}

// Close flushes and stops the exporter.
func (t *Tracer) Close() error {
	return t.provider.Shutdown(context.Background())
}

// traceparent returns the W3C traceparent of the span in ctx.
func (t *Tracer) traceparent(ctx context.Context) string {
	c := propagation.MapCarrier{}
	t.prop.Inject(ctx, c)
	return c["traceparent"]
}

// remote returns the span context of a traceparent, invalid if empty or
// malformed.
func (t *Tracer) remote(traceparent string) trace.SpanContext {
	if traceparent == "" {
		return trace.SpanContext{}
	}
	ctx := t.prop.Extract(context.Background(), propagation.MapCarrier{"traceparent": traceparent})
	return trace.SpanContextFromContext(ctx)
}

// StartInvocation implements runtime.Observer: a consumer span per function
// invocation, child of the first record's trace, linked to every record's.
func (t *Tracer) StartInvocation(ctx context.Context, inv *runtime.Invocation) (context.Context, func(int, error)) {
	var links []trace.Link
	parent := trace.SpanContext{}
	for _, rec := range inv.Records {
		sc := t.remote(rec.TraceParent)
		if !sc.IsValid() {
			continue
		}
		if !parent.IsValid() {
			parent = sc
		}
		links = append(links, trace.Link{SpanContext: sc, Attributes: []attribute.KeyValue{
			attribute.Int64("doctales.log.seq", rec.Seq),
		}})
	}
	if parent.IsValid() {
		ctx = trace.ContextWithRemoteSpanContext(ctx, parent)
	}
	ctx, span := t.tracer.Start(ctx, "invoke "+inv.Subscription,
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithLinks(links...),
		trace.WithAttributes(
			attribute.String("faas.trigger", "pubsub"),
			attribute.String("doctales.subscription", inv.Subscription),
			attribute.String("messaging.system", inv.Source),
			attribute.Int("messaging.batch.message_count", len(inv.Records)),
			attribute.Int("doctales.attempt", inv.Attempt),
		))
	if len(inv.Records) > 0 {
		span.SetAttributes(attribute.String("doctales.record.key", inv.Records[0].Key))
	}
	ctx = doctales.WithTraceParent(ctx, t.traceparent(ctx))
	return ctx, func(failed int, err error) {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
			span.SetAttributes(attribute.Int("doctales.failed_record", failed))
		}
		span.End()
	}
}

// RecordOutcome implements runtime.Observer; outcomes are in the flow
// history, not in spans.
func (t *Tracer) RecordOutcome(string, *doctales.LogRecord, runtime.Outcome) {}

// Middleware starts a server span per request, continuing an incoming
// traceparent header, puts its traceparent in the request context for the
// adapters, and returns it in the Traceparent response header.
func (t *Tracer) Middleware(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := t.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := t.tracer.Start(ctx, r.Method+" "+r.URL.Path, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(semconv.HTTPRequestMethodKey.String(r.Method), semconv.URLPath(r.URL.Path)))
		defer span.End()
		tp := t.traceparent(ctx)
		w.Header().Set("Traceparent", tp)
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		r = r.WithContext(doctales.WithTraceParent(ctx, tp))
		h.ServeHTTP(sw, r)
		if r.Pattern != "" {
			span.SetName(r.Pattern)
		}
		span.SetAttributes(semconv.HTTPResponseStatusCode(sw.code))
		if sw.code >= 500 {
			span.SetStatus(codes.Error, strconv.Itoa(sw.code))
		}
	})
}

// statusWriter remembers the status code; it passes Flush through for the
// live stream.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) { w.code = code; w.ResponseWriter.WriteHeader(code) }
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var _ runtime.Observer = (*Tracer)(nil)
