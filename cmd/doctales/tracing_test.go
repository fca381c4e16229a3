package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/tracing"
)

// TestTracing checks that one communication's ingestion, extraction,
// notification and delivery are spans of one trace, whose id the API
// returns.
func TestTracing(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr := tracing.NewWithProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)))
	m := MustRunMain(t, func(m *Main) { m.Pipeline.Tracer = tr })

	resp, err := http.Post(m.URL()+"/communications", "application/json", strings.NewReader(urgentEmail))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	traceID := doctales.TraceID(resp.Header.Get("Traceparent"))
	if resp.StatusCode != 202 || traceID == "" {
		t.Fatalf("POST = %d, Traceparent %q", resp.StatusCode, resp.Header.Get("Traceparent"))
	}
	waitIdle(t, m.URL(), 20*time.Second)

	names := map[string]int{}
	for _, s := range exp.GetSpans() {
		if s.SpanContext.TraceID().String() == traceID {
			names[s.Name]++
		}
	}
	for _, want := range []string{"POST /communications", "invoke extraction", "invoke notification", "invoke topic/log"} {
		if names[want] == 0 {
			t.Errorf("trace %s has no %q span; it has %v", traceID, want, names)
		}
	}
	// The INSERT has no urgency yet and is filtered out; only the MODIFY
	// that extraction made reaches the notification function.
	if names["invoke notification"] != 1 {
		t.Errorf("trace has %d notification spans, want 1 (the MODIFY)", names["invoke notification"])
	}
}
