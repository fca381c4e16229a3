package postgres_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/tabletest"
	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/sqlite"
)

// benchItem returns a realistic item: an e-mail with extracted-size
// fields, as package sqlite's benchmark uses.
func benchItem(i int64) *doctales.Item {
	it := tabletest.NewItem(fmt.Sprintf("email-%09d", i), time.Now(), "alpha", "ann@example.com", "medium")
	it.Subject = "Quarterly report review before Friday's board meeting"
	return it
}

// BenchmarkCreateItem measures a durable conditional put with its INSERT
// stream record in the same transaction, on the SQLite table (a file in
// the temporary directory, its default settings) and on the PostgreSQL
// table (the test server: a temporary cluster on the same disk, default
// durability, fsync on), with 1 writer (Serial) and with 8 and 64
// concurrent writers. docs/cluster.md reports the ratios.
func BenchmarkCreateItem(b *testing.B) {
	tables := []struct {
		name string
		open func(b *testing.B) doctales.Table
	}{
		{"sqlite", func(b *testing.B) doctales.Table {
			db := sqlite.NewDB(filepath.Join(b.TempDir(), "doctales.db"))
			db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			if err := db.Open(); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = db.Close() })
			return db
		}},
		{"postgres", func(b *testing.B) doctales.Table {
			db, _ := mustOpen(b, postgres.Options{MaxConns: 16})
			return db
		}},
	}
	for _, tb := range tables {
		b.Run(tb.name+"/Serial", func(b *testing.B) {
			t := tb.open(b)
			ctx := context.Background()
			var i int64
			for b.Loop() {
				i++
				if _, _, err := t.CreateItem(ctx, benchItem(i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
		for _, writers := range []int{8, 64} {
			b.Run(fmt.Sprintf("%s/Writers%d", tb.name, writers), func(b *testing.B) {
				t := tb.open(b)
				ctx := context.Background()
				var n atomic.Int64
				b.SetParallelism(max(1, writers/runtime.GOMAXPROCS(0))) // goroutines = parallelism × GOMAXPROCS
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, _, err := t.CreateItem(ctx, benchItem(n.Add(1))); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			})
		}
	}
}
