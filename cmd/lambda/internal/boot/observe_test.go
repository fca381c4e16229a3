package boot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/awslambda"
	"github.com/doctales/doctales/metrics/emf"
	"github.com/doctales/doctales/tracing"
)

// testObserver returns an Observer exporting spans into memory and EMF
// lines into a buffer, on a clock that moves 1.5 s per reading.
func testObserver(t *testing.T, function string) (*Observer, *tracetest.InMemoryExporter, *bytes.Buffer) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	p := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithIDGenerator(tracing.XRayIDGenerator{}))
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	out := &bytes.Buffer{}
	clock := time.Date(2026, 12, 5, 22, 0, 0, 0, time.UTC)
	return &Observer{Function: function, FunctionName: "fn-" + function, Tracer: tracing.NewWithProvider(p), Metrics: &emf.Recorder{}, Out: out,
		Now: func() time.Time { clock = clock.Add(1500 * time.Millisecond); return clock }}, exp, out
}

// line returns the one EMF line in out, checked against the specification.
func line(t *testing.T, out *bytes.Buffer) map[string]any {
	t.Helper()
	if bytes.Count(out.Bytes(), []byte("\n")) != 1 {
		t.Fatalf("want one line, got %q", out.String())
	}
	if err := emf.Validate(out.Bytes()); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(out.Bytes(), &m)
	return m
}

func TestObserver_ExtractionFailed(t *testing.T) {
	o, spans, out := testObserver(t, "extraction")
	const tp = "00-6b1489604bf92f3577b34da6a3ce9290-00f067aa0ba902b7-01"
	var heads []string
	head := func(_ context.Context, key string) (string, error) {
		heads = append(heads, key)
		return tp, nil
	}
	ev := events.S3Event{Records: []events.S3EventRecord{
		{S3: events.S3Entity{Object: events.S3Object{Key: "email/2025/06/10/a+b.json"}}},
		{S3: events.S3Entity{Object: events.S3Object{Key: "email/2025/06/10/a/attachments/1-x.json"}}}, // not a communication: no HEAD
	}}
	var seen string
	fn := o.Extraction(func(ctx context.Context, ev events.S3Event) error {
		seen = doctales.TraceParent(ctx)
		o.Metrics.Add(emf.ComprehendFallbacks, 1) // what OnFallback does
		return errors.New("table down")
	}, head)
	if err := fn(context.Background(), ev); err == nil || err.Error() != "table down" {
		t.Fatalf("error %v, want the handler's", err)
	}
	if len(heads) != 1 || heads[0] != "email/2025/06/10/a b.json" {
		t.Fatalf("HEAD of %q, want the decoded communication key only", heads)
	}
	s := spans.GetSpans()
	if len(s) != 1 || s[0].Parent.SpanID().String() != "00f067aa0ba902b7" || s[0].Status.Code != codes.Error {
		t.Fatalf("spans %+v", s)
	}
	if seen != "00-"+s[0].SpanContext.TraceID().String()+"-"+s[0].SpanContext.SpanID().String()+"-01" {
		t.Fatalf("the handler's traceparent %q is not its span's", seen)
	}
	m := line(t, out)
	for k, want := range map[string]any{"function": "extraction", "FunctionName": "fn-extraction", emf.FunctionInvocations: 1.0, emf.FunctionErrors: 1.0,
		emf.RecordsRead: 2.0, emf.RecordsDelivered: 0.0, emf.RecordsFailed: 2.0, emf.ComprehendFallbacks: 1.0, emf.FunctionDuration: 1.5} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
}

func TestObserver_Notification(t *testing.T) {
	const tp1 = "00-6b1489604bf92f3577b34da6a3ce9290-00f067aa0ba902b7-01"
	const tp2 = "00-6b1489604bf92f3577b34da6a3ce9291-1111111111111111-01"
	img := func(tp string) map[string]events.DynamoDBAttributeValue {
		return map[string]events.DynamoDBAttributeValue{"id": events.NewStringAttribute("x"), "traceparent": events.NewStringAttribute(tp)}
	}
	ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		{Change: events.DynamoDBStreamRecord{SequenceNumber: "1", NewImage: img(tp1)}},
		{Change: events.DynamoDBStreamRecord{SequenceNumber: "2", NewImage: img(tp2)}},
		{Change: events.DynamoDBStreamRecord{SequenceNumber: "3"}}, // a REMOVE: no NewImage
	}}
	t.Run("BatchItemFailures", func(t *testing.T) {
		o, spans, out := testObserver(t, "notification")
		fn := o.Notification(func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: "2"}}}, nil
		})
		if _, err := fn(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		s := spans.GetSpans()[0]
		if s.Parent.SpanID().String() != "00f067aa0ba902b7" || len(s.Links) != 1 || s.Links[0].SpanContext.SpanID().String() != "1111111111111111" {
			t.Fatalf("parent %s, links %+v", s.Parent.SpanID(), s.Links)
		}
		m := line(t, out)
		if m[emf.RecordsRead] != 3.0 || m[emf.RecordsFailed] != 1.0 || m[emf.RecordsDelivered] != 2.0 || m[emf.FunctionErrors] != 0.0 {
			t.Fatalf("line %v", m)
		}
	})
	t.Run("BatchFailed", func(t *testing.T) {
		o, _, out := testObserver(t, "notification")
		fn := o.Notification(func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			return events.DynamoDBEventResponse{}, context.Canceled
		})
		if _, err := fn(context.Background(), ev); !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		m := line(t, out)
		if m[emf.RecordsFailed] != 3.0 || m[emf.RecordsDelivered] != 0.0 || m[emf.FunctionErrors] != 1.0 {
			t.Fatalf("line %v", m)
		}
	})
}

func TestObserver_NoFunctionName(t *testing.T) {
	// Outside Lambda there is no function name: the line is not written,
	// the invocation is not failed, and the reason is logged.
	o, _, out := testObserver(t, "api")
	o.FunctionName = ""
	var logs bytes.Buffer
	o.Logger = newTextLogger(&logs)
	fn := o.API(func(ctx context.Context, ev json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{}`), nil
	})
	if _, err := fn(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 || !strings.Contains(logs.String(), "metrics not written") || !strings.Contains(logs.String(), "FunctionName") {
		t.Fatalf("out %q, logs %q", out.String(), logs.String())
	}
}

func newTextLogger(w *bytes.Buffer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// TestObserver_Timers: a scheduled invocation of the timers function is a
// span with the trigger "timer" and one EMF line; a failure counts as an
// error.
func TestObserver_Timers(t *testing.T) {
	o, spans, out := testObserver(t, "timers")
	fn := o.Timers(func(ctx context.Context, _ json.RawMessage) (awslambda.TimersResult, error) {
		return awslambda.TimersResult{Sent: 2}, errors.New("ledger down")
	})
	if res, err := fn(context.Background(), json.RawMessage(`{"source":"doctales.timers"}`)); err == nil || res.Sent != 2 {
		t.Fatalf("= %+v, %v; want the handler's answer and error", res, err)
	}
	s := spans.GetSpans()
	if len(s) != 1 || s[0].Status.Code != codes.Error {
		t.Fatalf("spans %+v", s)
	}
	var trigger string
	for _, a := range s[0].Attributes {
		if a.Key == "faas.trigger" {
			trigger = a.Value.AsString()
		}
	}
	if trigger != "timer" {
		t.Errorf("faas.trigger = %q, want timer", trigger)
	}
	m := line(t, out)
	if m["function"] != "timers" || m[emf.FunctionInvocations] != 1.0 || m[emf.FunctionErrors] != 1.0 {
		t.Fatalf("line %v", m)
	}
}
