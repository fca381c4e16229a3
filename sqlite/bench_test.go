package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

// reportWrites adds ops/s and the mean number of write requests per
// transaction (how much group commit saved) to the benchmark's output.
func reportWrites(b *testing.B, db *sqlite.DB) {
	b.Helper()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	st, err := db.Stats(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if st.Batches > 0 {
		b.ReportMetric(float64(st.Writes)/float64(st.Batches), "writes/txn")
	}
}

// benchItem returns a realistic item: an e-mail with extracted-size fields.
func benchItem(i int64) *doctales.Item {
	it := newItem(fmt.Sprintf("email-%09d", i), time.Now(), "alpha", "ann@example.com", "medium")
	it.Subject = "Quarterly report review before Friday's board meeting"
	return it
}

// benchS3Record returns an S3 event record of typical size.
func benchS3Record(i int64) *doctales.LogRecord {
	data := fmt.Sprintf(`{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2025-06-10T09:00:00.000Z","eventName":"ObjectCreated:Put","s3":{"s3SchemaVersion":"1.0","bucket":{"name":"doc-tales-raw","arn":"arn:aws:s3:::doc-tales-raw"},"object":{"key":"email/2025/06/10/email-%09d.json","size":1432,"eTag":"9b2cf535f27731c974343645a3985328","sequencer":"%016X"}}}`, i, i)
	return &doctales.LogRecord{Source: doctales.SourceS3, Key: fmt.Sprintf("email/2025/06/10/email-%09d.json", i), Data: json.RawMessage(data)}
}

// BenchmarkCreateItem measures durable conditional puts, each with its
// INSERT stream record. Serial shows the cost of one fsync per write;
// Parallel (GOMAXPROCS goroutines, see -cpu) and Parallel64 (64 goroutines,
// like concurrent HTTP requests) show what group commit recovers.
func BenchmarkCreateItem(b *testing.B) {
	b.Run("Serial", func(b *testing.B) {
		db := MustOpenDB(b)
		ctx := context.Background()
		var i int64
		for b.Loop() {
			i++
			if _, _, err := db.CreateItem(ctx, benchItem(i)); err != nil {
				b.Fatal(err)
			}
		}
		reportWrites(b, db)
	})
	for _, par := range []int{1, 64} {
		b.Run(fmt.Sprintf("Parallel%d", par), func(b *testing.B) {
			db := MustOpenDB(b)
			ctx := context.Background()
			var n atomic.Int64
			b.SetParallelism(par)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, _, err := db.CreateItem(ctx, benchItem(n.Add(1))); err != nil {
						b.Error(err)
						return
					}
				}
			})
			reportWrites(b, db)
		})
	}
}

// BenchmarkAppend measures durable appends of one S3 event record.
func BenchmarkAppend(b *testing.B) {
	b.Run("Serial", func(b *testing.B) {
		db := MustOpenDB(b)
		ctx := context.Background()
		var i int64
		for b.Loop() {
			i++
			if err := db.Append(ctx, benchS3Record(i)); err != nil {
				b.Fatal(err)
			}
		}
		reportWrites(b, db)
	})
	for _, par := range []int{1, 64} {
		b.Run(fmt.Sprintf("Parallel%d", par), func(b *testing.B) {
			db := MustOpenDB(b)
			ctx := context.Background()
			var n atomic.Int64
			b.SetParallelism(par)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := db.Append(ctx, benchS3Record(n.Add(1))); err != nil {
						b.Error(err)
						return
					}
				}
			})
			reportWrites(b, db)
		})
	}
}

// BenchmarkIngest measures the ingest path's writes per request: one S3
// event append and one CreateItem, from 64 goroutines per CPU. The target
// is 2,000 ingests/s on two cores.
func BenchmarkIngest(b *testing.B) {
	db := MustOpenDB(b)
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if err := db.Append(ctx, benchS3Record(i)); err != nil {
				b.Error(err)
				return
			}
			if _, _, err := db.CreateItem(ctx, benchItem(i)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportWrites(b, db)
}

// BenchmarkFindItems measures a filtered first page of 50 over 10,000 items.
func BenchmarkFindItems(b *testing.B) {
	db := MustOpenDB(b)
	ctx := context.Background()
	var n atomic.Int64
	done := make(chan error)
	for range 64 {
		go func() {
			for {
				i := n.Add(1)
				if i > 10_000 {
					done <- nil
					return
				}
				it := benchItem(i)
				it.Project = []string{"alpha", "beta", "gamma", "delta"}[i%4]
				if _, _, err := db.CreateItem(ctx, it); err != nil {
					done <- err
					return
				}
			}
		}()
	}
	for range 64 {
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	project := "beta"
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			items, _, err := db.FindItems(ctx, doctales.ItemFilter{Project: &project})
			if err != nil || len(items) != doctales.DefaultPageSize {
				b.Errorf("%d items, %v", len(items), err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
