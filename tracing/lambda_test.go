package tracing_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/tracing"
)

// newLambdaTracer returns a Tracer as NewLambda builds it, exporting
// through a batcher (as to the ADOT collector) into memory: a span shows
// in the exporter only once flushed.
func newLambdaTracer(t *testing.T) (*tracing.Tracer, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	p := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp),
		sdktrace.WithIDGenerator(tracing.XRayIDGenerator{}),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())))
	tr := tracing.NewWithProvider(p)
	t.Cleanup(func() { _ = tr.Close() })
	return tr, exp
}

const (
	xrayHeader = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	upstream1  = "00-6b1489604bf92f3577b34da6a3ce9290-00f067aa0ba902b7-01"
	upstream2  = "00-6b14896011111111111111111111111a-2222222222222222-01"
)

func TestTracer_StartLambda(t *testing.T) {
	t.Run("UpstreamParent", func(t *testing.T) {
		tr, exp := newLambdaTracer(t)
		//lint:ignore SA1029 the Lambda runtime (aws-lambda-go) stores the X-Ray header under this plain string key, and so must the test
		ctx := context.WithValue(context.Background(), tracing.XRayHeaderKey, xrayHeader)
		ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
		hctx, end := tr.StartLambda(ctx, "extraction", tracing.TriggerDatasource, []string{"garbage", upstream1, upstream2})

		// The handler's context carries the span and its traceparent,
		// which the adapters store.
		sc := trace.SpanContextFromContext(hctx)
		if tp := doctales.TraceParent(hctx); tp != "00-"+sc.TraceID().String()+"-"+sc.SpanID().String()+"-01" {
			t.Fatalf("traceparent %q for span %s", tp, sc.SpanID())
		}
		if len(exp.GetSpans()) != 0 {
			t.Fatal("span exported before the invocation ended")
		}
		if err := end(nil); err != nil {
			t.Fatal(err)
		}
		spans := exp.GetSpans()
		if len(spans) != 1 {
			t.Fatalf("%d spans exported at the end of the invocation", len(spans))
		}
		s := spans[0]
		// A child of the first valid upstream: the same trace.
		if s.Parent.TraceID().String() != "6b1489604bf92f3577b34da6a3ce9290" || s.Parent.SpanID().String() != "00f067aa0ba902b7" {
			t.Fatalf("parent %s/%s", s.Parent.TraceID(), s.Parent.SpanID())
		}
		if s.SpanContext.TraceID() != s.Parent.TraceID() || s.Name != "extraction" || s.SpanKind != trace.SpanKindConsumer {
			t.Fatalf("span %s %s %s", s.Name, s.SpanKind, s.SpanContext.TraceID())
		}
		// Linked to the other upstream and to the X-Ray segment.
		if len(s.Links) != 2 || s.Links[0].SpanContext.SpanID().String() != "2222222222222222" ||
			s.Links[1].SpanContext.SpanID().String() != "53995c3f42cd8ad8" || s.Links[1].SpanContext.TraceID().String() != "5759e988bd862e3fe1be46a994272793" {
			t.Fatalf("links %+v", s.Links)
		}
		attrs := map[string]string{}
		for _, a := range s.Attributes {
			attrs[string(a.Key)] = a.Value.String()
		}
		if attrs["faas.invocation_id"] != "req-1" || attrs["faas.trigger"] != "datasource" ||
			attrs["aws.xray.trace_id"] != "1-6b148960-4bf92f3577b34da6a3ce9290" {
			t.Fatalf("attributes %v", attrs)
		}
	})

	t.Run("XRayParent", func(t *testing.T) {
		tr, exp := newLambdaTracer(t)
		//lint:ignore SA1029 the Lambda runtime (aws-lambda-go) stores the X-Ray header under this plain string key, and so must the test
		ctx := context.WithValue(context.Background(), tracing.XRayHeaderKey, xrayHeader)
		_, end := tr.StartLambda(ctx, "api", tracing.TriggerHTTP, nil)
		if err := end(errors.New("boom")); err != nil {
			t.Fatal(err)
		}
		s := exp.GetSpans()[0]
		if s.Parent.SpanID().String() != "53995c3f42cd8ad8" || s.SpanContext.TraceID().String() != "5759e988bd862e3fe1be46a994272793" || len(s.Links) != 0 {
			t.Fatalf("parent %s, trace %s, links %v", s.Parent.SpanID(), s.SpanContext.TraceID(), s.Links)
		}
		if s.SpanKind != trace.SpanKindServer || s.Status.Code != codes.Error || s.Status.Description != "boom" {
			t.Fatalf("kind %s status %+v", s.SpanKind, s.Status)
		}
	})

	t.Run("NotSampled", func(t *testing.T) {
		// X-Ray sampled the invocation out: so is the span.
		tr, exp := newLambdaTracer(t)
		//lint:ignore SA1029 the Lambda runtime (aws-lambda-go) stores the X-Ray header under this plain string key, and so must the test
		ctx := context.WithValue(context.Background(), tracing.XRayHeaderKey, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0")
		hctx, end := tr.StartLambda(ctx, "notification", tracing.TriggerDatasource, nil)
		_ = end(nil)
		if n := len(exp.GetSpans()); n != 0 || trace.SpanContextFromContext(hctx).IsSampled() {
			t.Fatalf("%d spans exported of an unsampled invocation", n)
		}
	})

	t.Run("NewTrace", func(t *testing.T) {
		// Neither header nor upstream: a new trace with an X-Ray id.
		tr, exp := newLambdaTracer(t)
		_, end := tr.StartLambda(context.Background(), "notification", tracing.TriggerDatasource, []string{""})
		_ = end(nil)
		s := exp.GetSpans()[0]
		if s.Parent.IsValid() || !xrayTraceID.MatchString(tracing.XRayTraceID(s.SpanContext.TraceID())) {
			t.Fatalf("parent %v, trace %s", s.Parent, s.SpanContext.TraceID())
		}
	})
}
