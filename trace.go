package doctales

import "context"

type traceParentKey struct{}

// WithTraceParent returns ctx carrying a W3C traceparent
// ("00-<trace id>-<span id>-<flags>"). Adapters that append events to the log
// copy it into each record, so the next function's span joins the same trace,
// as X-Ray links the architecture's Lambda functions.
func WithTraceParent(ctx context.Context, traceparent string) context.Context {
	return context.WithValue(ctx, traceParentKey{}, traceparent)
}

// TraceParent returns the W3C traceparent carried by ctx, or "".
func TraceParent(ctx context.Context) string {
	tp, _ := ctx.Value(traceParentKey{}).(string)
	return tp
}

// TraceID returns the trace id part of a W3C traceparent, or "".
func TraceID(traceparent string) string {
	// 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
	if len(traceparent) >= 35 && traceparent[2] == '-' && traceparent[35] == '-' {
		return traceparent[3:35]
	}
	return ""
}
