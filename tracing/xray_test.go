package tracing_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/doctales/doctales/tracing"
)

// xrayTraceID is X-Ray's trace id format: version 1, the start time in
// 8 hex digits, 96 random bits in 24.
var xrayTraceID = regexp.MustCompile(`^1-[0-9a-f]{8}-[0-9a-f]{24}$`)

func TestXRayIDGenerator(t *testing.T) {
	at := time.Date(2026, 12, 5, 22, 0, 0, 0, time.UTC)
	g := tracing.XRayIDGenerator{Now: func() time.Time { return at }}
	seen := map[trace.TraceID]bool{}
	for range 100 {
		tid, sid := g.NewIDs(context.Background())
		if !tid.IsValid() || !sid.IsValid() {
			t.Fatalf("invalid ids %s %s", tid, sid)
		}
		x := tracing.XRayTraceID(tid)
		if !xrayTraceID.MatchString(x) {
			t.Fatalf("X-Ray trace id %q does not match %s", x, xrayTraceID)
		}
		// The first 8 hex digits are the time, as X-Ray requires.
		if want := "1-6b148960-"; !strings.HasPrefix(x, want) {
			t.Fatalf("X-Ray trace id %q: want the time %s", x, want)
		}
		if seen[tid] {
			t.Fatalf("trace id %s twice", tid)
		}
		seen[tid] = true
	}
}

func TestParseXRayHeader(t *testing.T) {
	sc, err := tracing.ParseXRayHeader("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	if err != nil {
		t.Fatal(err)
	}
	if sc.TraceID().String() != "5759e988bd862e3fe1be46a994272793" || sc.SpanID().String() != "53995c3f42cd8ad8" || !sc.IsSampled() || !sc.IsRemote() {
		t.Fatalf("span context %+v", sc)
	}
	if x := tracing.XRayTraceID(sc.TraceID()); x != "1-5759e988-bd862e3fe1be46a994272793" {
		t.Fatalf("XRayTraceID = %q", x)
	}
	// Fields in another order, a Lineage, not sampled.
	sc, err = tracing.ParseXRayHeader("Sampled=0;Lineage=a87bd80c:1|68fd508a:5;Parent=53995c3f42cd8ad8;Root=1-5759e988-bd862e3fe1be46a994272793")
	if err != nil || sc.IsSampled() || sc.SpanID().String() != "53995c3f42cd8ad8" {
		t.Fatalf("reordered header: %+v, %v", sc, err)
	}
	for _, tc := range []struct{ header, field string }{
		{"", "Root"},
		{"Root=1-5759e988-bd862e3fe1be46a994272793", "Parent"},
		{"Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", "Root"},
		{"Root=1-5759e98-bd862e3fe1be46a9942727930;Parent=53995c3f42cd8ad8", "Root"},
		{"Root=1-5759e98z-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", "Root"},
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8a", "Parent"},
		{"Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8", "all-zero"},
	} {
		if _, err := tracing.ParseXRayHeader(tc.header); err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("ParseXRayHeader(%q) = %v, want an error naming %s", tc.header, err, tc.field)
		}
	}
}
