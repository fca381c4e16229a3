package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/tabletest"
	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/runtime"
)

// TestRuntime_OnPostgres runs the event runtime on PostgreSQL alone, in
// a "process" of its own (its own DB) while another writes the table: the
// urgent item's stream record reaches the subscription's function through
// the filter and the calm one does not; a record the function fails on
// is dead-lettered in PostgreSQL and, redriven, delivered; the
// checkpoint is kept in PostgreSQL.
func TestRuntime_OnPostgres(t *testing.T) {
	ctx := context.Background()
	writer, dsn := mustOpen(t, postgres.Options{})
	reader := mustOpenDSN(t, dsn, postgres.Options{})

	var mu sync.Mutex
	got := map[string]int{}
	fail := map[string]bool{"boom": true}
	delivered := make(chan string, 16)
	rt := &runtime.Runtime{Log: reader, DeadLetters: reader, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := rt.Add(runtime.Subscription{
		Name:             "urgent",
		Source:           doctales.SourceDynamoDB,
		Filters:          []string{`{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high"]}}}}}}`},
		Semantics:        runtime.SemanticsLocal,
		MaxRetryAttempts: runtime.NoRetries,
		BatchSize:        1, // a failing record alone is dead-lettered, not the batch after it
		Handler: runtime.HandlerFunc(func(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
			for i, rec := range recs {
				var r events.DynamoDBEventRecord
				if err := json.Unmarshal(rec.Data, &r); err != nil {
					return i, err
				}
				id := r.Change.NewImage["id"].String()
				mu.Lock()
				failing := fail[id]
				mu.Unlock()
				if failing {
					return i, errors.New("the function fails on " + id)
				}
				mu.Lock()
				got[id]++
				mu.Unlock()
				delivered <- id
			}
			return -1, nil
		}),
	}); err != nil {
		t.Fatal(err)
	}
	if err := rt.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })

	for _, it := range []*doctales.Item{
		tabletest.NewItem("calm", time.Now(), "p", "s", "low"),
		tabletest.NewItem("boom", time.Now(), "p", "s", "high"),
		tabletest.NewItem("urgent", time.Now(), "p", "s", "high"),
	} {
		if _, _, err := writer.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	waitFor := func(want string) {
		t.Helper()
		select {
		case id := <-delivered:
			if id != want {
				t.Fatalf("delivered %q, want %q", id, want)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("%q not delivered within 15s", want)
		}
	}
	waitFor("urgent")

	// The failing record is dead-lettered (wait for it, bounded).
	var dls []*doctales.DeadLetter
	deadline := time.Now().Add(15 * time.Second)
	for len(dls) == 0 {
		var err error
		if dls, err = writer.DeadLetters(ctx, "urgent", 0); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("no dead letter within 15s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if dls[0].Key != "boom" {
		t.Fatalf("dead letter of %q, want boom", dls[0].Key)
	}
	mu.Lock()
	fail["boom"] = false
	mu.Unlock()
	if _, err := writer.Redrive(ctx, dls[0].ID); err != nil {
		t.Fatal(err)
	}
	waitFor("boom")
	if err := rt.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got["calm"] != 0 || got["urgent"] != 1 || got["boom"] != 1 {
		t.Fatalf("deliveries %v; want urgent and boom once, calm never", got)
	}
	if seq, err := writer.Checkpoint(ctx, "urgent"); err != nil || seq == 0 {
		t.Fatalf("checkpoint %d, %v; want it kept in PostgreSQL", seq, err)
	}
}
