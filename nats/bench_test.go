package nats_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/nats"
)

// benchRecord is about the size of a DynamoDB stream record of one
// communication (1 KiB).
var benchRecord = json.RawMessage(`{"eventName":"MODIFY","dynamodb":{"Keys":{"id":{"S":"x"}},"NewImage":{"body":{"S":"` +
	strings.Repeat("lorem ipsum ", 80) + `"}}}}`)

// benchLogs opens the two logs compared: SQLite on a file of the test's
// temporary directory, and JetStream on a nats-server storing on file.
func benchLogs(b *testing.B) (map[string]doctales.EventLog, *testutil.NATSServer) {
	srv := testutil.StartNATS(b)
	db := openDLQ(b)
	synced := testutil.StartNATS(b, "jetstream { sync_interval: always }")
	return map[string]doctales.EventLog{"sqlite": db, "jetstream": MustOpenLog(b, srv, nats.Options{}),
		"jetstream-sync-always": MustOpenLog(b, synced, nats.Options{})}, srv
}

func benchBatch(n, from int) []*doctales.LogRecord {
	recs := make([]*doctales.LogRecord, n)
	for i := range recs {
		recs[i] = &doctales.LogRecord{Source: doctales.SourceDynamoDB, Key: fmt.Sprintf("USER#%d", (from+i)%50), Data: benchRecord}
	}
	return recs
}

// BenchmarkAppend appends batches of 1 and 100 records; records/s is the
// figure to compare. JetStream acknowledges a record once it is in the
// operating system's page cache and syncs every 2 minutes by default;
// jetstream-sync-always is a server with sync_interval: always, which
// syncs each write as SQLite syncs each commit.
func BenchmarkAppend(b *testing.B) {
	logs, _ := benchLogs(b)
	for _, name := range []string{"sqlite", "jetstream", "jetstream-sync-always"} {
		for _, batch := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/batch=%d", name, batch), func(b *testing.B) {
				ctx := context.Background()
				b.SetBytes(int64(batch * len(benchRecord)))
				for i := 0; b.Loop(); i++ {
					if err := logs[name].Append(ctx, benchBatch(batch, i*batch)...); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "records/s")
			})
		}
	}
}

// BenchmarkReadLog reads pages of 500 records (the runtime's read size)
// from a log of 5,000 of one source interleaved with 5,000 of another
// (page/...), and nothing after the last record (idle/...), as ReadLog
// does (a batched direct get on JetStream) and, for comparison, with an
// ordered consumer made for each read (the other way to read a JetStream
// stream from a given sequence).
func BenchmarkReadLog(b *testing.B) {
	logs, srv := benchLogs(b)
	ctx := context.Background()
	for _, l := range logs {
		for i := range 50 {
			recs := benchBatch(100, i*100)
			if i%2 == 1 {
				for _, r := range recs {
					r.Source = doctales.SourceS3
				}
			}
			if err := l.Append(ctx, recs...); err != nil {
				b.Fatal(err)
			}
		}
	}
	const page = 500
	read := func(b *testing.B, readPage func(after int64) ([]int64, error)) {
		var after int64
		n := 0
		for b.Loop() {
			seqs, err := readPage(after)
			if err != nil {
				b.Fatal(err)
			}
			if len(seqs) == 0 {
				after = 0 // wrap around
				continue
			}
			n += len(seqs)
			after = seqs[len(seqs)-1]
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	}
	consumer := MustOpenLog(b, srv, nats.Options{})
	nats.ReadByConsumer(consumer)
	logs["jetstream-consumer-per-read"] = consumer
	for _, name := range []string{"sqlite", "jetstream", "jetstream-consumer-per-read"} {
		b.Run("page/"+name, func(b *testing.B) {
			read(b, func(after int64) ([]int64, error) {
				recs, err := logs[name].ReadLog(ctx, doctales.SourceDynamoDB, after, page)
				return seqs(recs), err
			})
		})
	}
	// One partition of two, selected by the server: what each of two
	// partitioned workers reads (records/s counts its own records).
	b.Run("page/jetstream-partition-0-of-2", func(b *testing.B) {
		l := logs["jetstream"].(*nats.Log)
		read(b, func(after int64) ([]int64, error) {
			recs, _, err := l.ReadPartition(ctx, doctales.SourceDynamoDB, 0, 2, after, page)
			return seqs(recs), err
		})
	})
	// An idle poll: nothing after the last record, the runtime's read
	// when it is caught up (every PollInterval, per subscription).
	for _, name := range []string{"sqlite", "jetstream", "jetstream-consumer-per-read"} {
		b.Run("idle/"+name, func(b *testing.B) {
			for b.Loop() {
				recs, err := logs[name].ReadLog(ctx, doctales.SourceDynamoDB, 10_000, page)
				if err != nil || len(recs) != 0 {
					b.Fatalf("idle read: %d records, %v", len(recs), err)
				}
			}
		})
	}
}
