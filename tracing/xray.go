package tracing

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// XRayIDGenerator makes trace ids that AWS X-Ray accepts: the first 4 bytes
// are the start time in Unix seconds, big-endian, the other 12 random
// (X-Ray's "1-<8 hex time>-<24 hex random>"; X-Ray refuses a trace id whose
// time is more than 30 days old or in the future). Span ids are 8 random
// bytes. It is the generator of go.opentelemetry.io/contrib/propagators/aws,
// written here because that module is deprecated ("no longer supported")
// from v1.47 on, the version the rest of OpenTelemetry is at in go.mod.
// Safe for concurrent use.
type XRayIDGenerator struct {
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

var _ sdktrace.IDGenerator = XRayIDGenerator{}

// NewIDs returns a new trace id and span id.
func (g XRayIDGenerator) NewIDs(context.Context) (trace.TraceID, trace.SpanID) {
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	var tid trace.TraceID
	binary.BigEndian.PutUint32(tid[:4], uint32(now().Unix()))
	binary.BigEndian.PutUint32(tid[4:8], rand.Uint32())
	binary.BigEndian.PutUint64(tid[8:], rand.Uint64())
	return tid, g.NewSpanID(context.Background(), tid)
}

// NewSpanID returns a new span id, never the invalid all-zero one.
func (XRayIDGenerator) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		binary.BigEndian.PutUint64(sid[:], rand.Uint64())
	}
	return sid
}

// XRayTraceID returns id in X-Ray's format, "1-<8 hex>-<24 hex>", as the
// X-Ray console and `aws xray get-trace-summaries` show it.
func XRayTraceID(id trace.TraceID) string {
	h := id.String()
	return "1-" + h[:8] + "-" + h[8:]
}

// XRayHeaderKey is the context key under which the Lambda Go runtime
// (github.com/aws/aws-lambda-go/lambda) puts the invocation's X-Ray trace
// header, the Lambda-Runtime-Trace-Id that it also sets as
// _X_AMZN_TRACE_ID. It is a plain string key there, so it is one here.
const XRayHeaderKey = "x-amzn-trace-id"

// XRayHeader returns the X-Ray trace header of the Lambda invocation ctx
// belongs to, or "".
func XRayHeader(ctx context.Context) string {
	h, _ := ctx.Value(XRayHeaderKey).(string)
	return h
}

// ParseXRayHeader returns the span context of an X-Ray trace header,
// "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
// (the fields in any order; others, such as Lineage, ignored): the trace
// id of Root, the span id of Parent, sampled when Sampled is 1. It is
// remote. A header without Root or Parent, or with one malformed, is an
// error naming the field.
func ParseXRayHeader(h string) (trace.SpanContext, error) {
	var cfg trace.SpanContextConfig
	var root, parent string
	for _, part := range strings.Split(h, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Root":
			root = v
		case "Parent":
			parent = v
		case "Sampled":
			if v == "1" {
				cfg.TraceFlags = trace.FlagsSampled
			}
		}
	}
	// Root is "1-" 8 hex "-" 24 hex.
	version, rest, _ := strings.Cut(root, "-")
	epoch, random, _ := strings.Cut(rest, "-")
	if version != "1" || len(epoch) != 8 || len(random) != 24 {
		return trace.SpanContext{}, fmt.Errorf("x-ray trace header %q: Root %q is not 1-<8 hex>-<24 hex>", h, root)
	}
	tid, err := hex.DecodeString(epoch + random)
	if err != nil {
		return trace.SpanContext{}, fmt.Errorf("x-ray trace header %q: Root %q is not hexadecimal", h, root)
	}
	copy(cfg.TraceID[:], tid)
	sid, err := hex.DecodeString(parent)
	if err != nil || len(sid) != 8 {
		return trace.SpanContext{}, fmt.Errorf("x-ray trace header %q: Parent %q is not 16 hex digits", h, parent)
	}
	copy(cfg.SpanID[:], sid)
	cfg.Remote = true
	sc := trace.NewSpanContext(cfg)
	if !sc.IsValid() {
		return trace.SpanContext{}, fmt.Errorf("x-ray trace header %q: an all-zero Root or Parent", h)
	}
	return sc, nil
}
