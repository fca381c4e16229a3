package sqlite_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/doctales/doctales"
)

func TestLog_TraceParent(t *testing.T) {
	db := MustOpenDB(t)
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	ctx := doctales.WithTraceParent(context.Background(), tp)

	// From the appender's context, and kept when the record names its own.
	if err := db.Append(ctx, &doctales.LogRecord{Source: doctales.SourceS3, Key: "a", Data: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	own := "00-11111111111111111111111111111111-2222222222222222-01"
	if err := db.Append(ctx, &doctales.LogRecord{Source: doctales.SourceS3, Key: "b", Data: json.RawMessage(`{}`), TraceParent: own}); err != nil {
		t.Fatal(err)
	}
	// Stream records of a table write carry it too.
	item := &doctales.Item{ID: "x", Type: "email", Status: doctales.StatusAccepted}
	if _, _, err := db.CreateItem(ctx, item); err != nil {
		t.Fatal(err)
	}
	s3, err := db.ReadLog(context.Background(), doctales.SourceS3, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := db.ReadLog(context.Background(), doctales.SourceDynamoDB, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(s3) != 2 || s3[0].TraceParent != tp || s3[1].TraceParent != own {
		t.Fatalf("S3 records carry %q, %q", s3[0].TraceParent, s3[1].TraceParent)
	}
	if len(stream) != 1 || stream[0].TraceParent != tp {
		t.Fatalf("stream record carries %+v", stream)
	}
	if doctales.TraceID(tp) != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Fatalf("TraceID(%q) = %q", tp, doctales.TraceID(tp))
	}
}
