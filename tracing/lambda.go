package tracing

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/doctales/doctales"
)

// DefaultFlushTimeout bounds the export at the end of a Lambda invocation:
// Lambda freezes the process once the handler returns, so spans still
// buffered then would wait for the next invocation (or be lost with the
// instance). Two seconds is far above an OTLP/HTTP post to the ADOT
// collector on localhost.
const DefaultFlushTimeout = 2 * time.Second

// Lambda invocation triggers, the faas.trigger attribute of the span.
const (
	TriggerHTTP       = "http"       // API Gateway
	TriggerDatasource = "datasource" // S3 object created, DynamoDB stream
)

// NewLambda returns the Tracer of a Lambda function: trace ids X-Ray
// accepts (XRayIDGenerator), sampling that follows the parent (the X-Ray
// header's Sampled flag, or the upstream traceparent's), and export over
// OTLP/HTTP when the environment names an endpoint, as New does. The SAM
// template sets OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 when the
// ADOT collector layer is attached: the collector, a Lambda extension,
// forwards the spans to X-Ray (docs/aws.md, "Tracing and metrics on AWS").
// Without an endpoint spans are only numbered; their ids still go into S3
// metadata and the table, so logs and items name their trace.
func NewLambda(ctx context.Context) (*Tracer, error) {
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(sdkresource.NewSchemaless(semconv.ServiceName(ServiceName),
			semconv.CloudProviderAWS, semconv.CloudPlatformAWSLambda,
			semconv.FaaSName(lambdacontext.FunctionName))),
		sdktrace.WithIDGenerator(XRayIDGenerator{}),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
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

// Flush exports the spans ended so far, waiting at most until ctx is done.
func (t *Tracer) Flush(ctx context.Context) error {
	return t.provider.ForceFlush(ctx)
}

// StartLambda starts the span of one Lambda invocation of function (api,
// extraction, notification) and returns the context to run the handler
// in, carrying the span and its traceparent (doctales.WithTraceParent, so
// the adapters store it: the S3 object's metadata, the table item's
// traceparent attribute), and the function that ends the span with the
// handler's error and flushes the export (see DefaultFlushTimeout),
// returning the flush's error.
//
// upstream are the traceparents of the work the event comes from: the
// ingestion span stored in the object's metadata, for an S3 event; the
// extraction span stored on the item, for a stream record. The span is a
// child of the first valid one, so the whole pipeline is one trace, and
// links to the others and to the invocation's X-Ray segment (the
// XRayHeader of ctx). Without a valid upstream it is a child of the X-Ray
// segment; without either it starts a trace. Malformed traceparents and
// headers are ignored: tracing never fails an invocation.
func (t *Tracer) StartLambda(ctx context.Context, function, trigger string, upstream []string) (context.Context, func(error) error) {
	var parent trace.SpanContext
	var links []trace.Link
	for _, tp := range upstream {
		sc := t.remote(tp)
		if !sc.IsValid() {
			continue
		}
		if !parent.IsValid() {
			parent = sc
			continue
		}
		if sc.Equal(parent) {
			continue
		}
		links = append(links, trace.Link{SpanContext: sc, Attributes: []attribute.KeyValue{attribute.String("doctales.link", "upstream")}})
	}
	if xsc, err := ParseXRayHeader(XRayHeader(ctx)); err == nil {
		if !parent.IsValid() {
			parent = xsc
		} else {
			links = append(links, trace.Link{SpanContext: xsc, Attributes: []attribute.KeyValue{attribute.String("doctales.link", "x-ray")}})
		}
	}
	if parent.IsValid() {
		ctx = trace.ContextWithRemoteSpanContext(ctx, parent)
	}
	kind := trace.SpanKindConsumer
	if trigger == TriggerHTTP {
		kind = trace.SpanKindServer
	}
	ctx, span := t.tracer.Start(ctx, function, trace.WithSpanKind(kind), trace.WithLinks(links...),
		trace.WithAttributes(
			attribute.String("faas.trigger", trigger),
			attribute.String("doctales.function", function),
			attribute.Int("doctales.upstream", len(upstream)),
		))
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		span.SetAttributes(attribute.String("faas.invocation_id", lc.AwsRequestID))
	}
	span.SetAttributes(attribute.String("aws.xray.trace_id", XRayTraceID(span.SpanContext().TraceID())))
	ctx = doctales.WithTraceParent(ctx, t.traceparent(ctx))
	return ctx, func(err error) error {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultFlushTimeout)
		defer cancel()
		return t.Flush(fctx)
	}
}
