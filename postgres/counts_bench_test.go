package postgres_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/postgres"
)

// BenchmarkItemCountsCreate measures what item_counts costs CreateItem on
// PostgreSQL, and what its shards buy: durable creates of one owner's
// items (as BenchmarkCreateItem makes them) with 1, 8 and 64 concurrent
// writers on a pool of 16 sessions, on a table without the counts'
// triggers (None), with every session counting in one row per count
// (OneShard: each create waits for the commit of the one before, which
// holds the owner's rows), and as migration 0009 makes it (Sharded: a
// shard per session, 64). lockwaits/sample is how many sessions waited
// for another's lock, on average (sampleLockWaits). Run the variants in
// turn, several rounds:
//
//	go test -c -o /tmp/pgcounts.test ./postgres/ && cd postgres
//	for round in 1 2 3 4; do for w in 8 64; do for v in None OneShard Sharded; do
//	  /tmp/pgcounts.test -test.run '^$' -test.bench "ItemCountsCreate/$v/Writers$w\$" -test.benchtime 600x | grep ^Benchmark
//	done; done; done
func BenchmarkItemCountsCreate(b *testing.B) {
	for _, v := range []string{"None", "OneShard", "Sharded"} {
		for _, writers := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/Writers%d", v, writers), func(b *testing.B) {
				db, _ := mustOpen(b, postgres.Options{MaxConns: 16})
				ctx := context.Background()
				switch v {
				case "None":
					if _, err := db.Pool().Exec(ctx, `DROP TRIGGER item_counts_ai ON items; DROP TRIGGER item_counts_ad ON items;
						DROP TRIGGER item_counts_au ON items`); err != nil {
						b.Fatal(err)
					}
				case "OneShard":
					setShard(b, db, "0")
				}
				var n atomic.Int64
				stop := sampleLockWaits(b, db)
				b.SetParallelism(max(1, writers/runtime.GOMAXPROCS(0)))
				if writers == 1 {
					b.SetParallelism(1)
				}
				b.ResetTimer()
				if writers == 1 {
					for b.Loop() {
						if _, _, err := db.CreateItem(ctx, benchItem(n.Add(1))); err != nil {
							b.Fatal(err)
						}
					}
				} else {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if _, _, err := db.CreateItem(ctx, benchItem(n.Add(1))); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
				b.StopTimer()
				samples, waiting := stop()
				if samples > 0 {
					b.ReportMetric(float64(waiting)/float64(samples), "lockwaits/sample")
				}
				if v != "None" {
					// The counts are right after the run, whatever the contention.
					if all, err := db.CountItems(ctx, doctales.ItemFilter{}); err != nil || all != n.Load() {
						b.Fatalf("after %d creates CountItems = %d, %v", n.Load(), all, err)
					}
				}
			})
		}
	}
}

// BenchmarkItemCountsInsert measures the CPU the insert trigger of
// item_counts adds to an item's insert, apart from the WAL flush: one
// session inserts one item a statement (its own transaction, with
// synchronous_commit off), one owner's items in eight projects and three
// urgencies, without the triggers, with migration 0009's (WithTriggers: a
// call per row), and with the alternative measured against it
// (StatementTrigger: one call per statement, the six counts grouped from
// the transition table, as the update trigger does). backend-µs/op is the
// server session's CPU per insert (/proc, Linux); the difference of two
// variants is what their triggers cost. Alternate the runs:
//
//	go test -c -o /tmp/pgcounts.test ./postgres/ && cd postgres
//	for r in 1 2 3; do /tmp/pgcounts.test -test.run '^$' -test.bench ItemCountsInsert -test.benchtime 10000x | grep ^Bench; done
func BenchmarkItemCountsInsert(b *testing.B) {
	for _, v := range []string{"WithoutTriggers", "WithTriggers", "StatementTrigger"} {
		b.Run(v, func(b *testing.B) {
			db, _ := mustOpen(b, postgres.Options{MaxConns: 1})
			ctx := context.Background()
			switch v {
			case "WithoutTriggers":
				if _, err := db.Pool().Exec(ctx, `ALTER TABLE items DISABLE TRIGGER USER`); err != nil {
					b.Fatal(err)
				}
			case "StatementTrigger":
				if _, err := db.Pool().Exec(ctx, `DROP TRIGGER item_counts_ai ON items;
					CREATE FUNCTION bench_item_counts_stmt() RETURNS trigger LANGUAGE plpgsql AS $$
					DECLARE owners text[]; dims text[]; vals text[]; deltas bigint[];
					BEGIN
						SELECT array_agg(x.o), array_agg(x.d), array_agg(x.v), array_agg(x.n) INTO owners, dims, vals, deltas FROM (
							SELECT i.owner, c.dim, c.value, count(*) FROM new_items i CROSS JOIN LATERAL (VALUES
								('', ''), ('project', i.project), ('type', i.type), ('urgency', i.urgency), ('status', i.status), ('state', i.state)
							) AS c(dim, value) GROUP BY 1, 2, 3
						) AS x(o, d, v, n);
						IF owners IS NOT NULL THEN
							PERFORM doctales_item_counts_add(owners, dims, vals, deltas);
						END IF;
						RETURN NULL;
					END $$;
					CREATE TRIGGER item_counts_ai AFTER INSERT ON items REFERENCING NEW TABLE AS new_items
						FOR EACH STATEMENT EXECUTE FUNCTION bench_item_counts_stmt()`); err != nil {
					b.Fatal(err)
				}
			}
			conn, err := db.Pool().Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Release()
			if _, err := conn.Exec(ctx, `SET synchronous_commit = off`); err != nil {
				b.Fatal(err)
			}
			var pid int
			if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
				b.Fatal(err)
			}
			cpu0 := backendCPU(b, pid)
			i := 0
			for b.Loop() {
				i++
				if _, err := conn.Exec(ctx, `INSERT INTO items (id, ts, project, type, sender, sender_id, urgency, status, owner, body)
					VALUES ($1, '2026-01-01T00:00:00.000000000Z', 'project-' || ($2::int % 8), 'email',
						'Person', 'person@example.com', (ARRAY['low', 'medium', 'high'])[$2::int % 3 + 1], 'accepted', 'ana', '\x7b7d'::bytea)`,
					fmt.Sprintf("c%09d", i), i); err != nil {
					b.Fatal(err)
				}
			}
			if cpu := backendCPU(b, pid) - cpu0; cpu > 0 {
				b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "backend-µs/op")
			}
		})
	}
}

// backendCPU returns the CPU time (user and system) the server process
// pid has used, from /proc (Linux; 0 elsewhere, and the metric is left
// out): the session's own cost, whatever else the machine runs.
func backendCPU(tb testing.TB, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command's closing parenthesis; utime and
	// stime are the 14th and 15th of the line, in clock ticks (100 a
	// second on Linux).
	i := strings.LastIndexByte(string(data), ')')
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		tb.Fatalf("/proc/%d/stat: %d fields after the command", pid, len(f))
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		tb.Fatalf("/proc/%d/stat: utime %q, stime %q", pid, f[11], f[12])
	}
	return time.Duration(u+s) * 10 * time.Millisecond
}

// BenchmarkItemCountsAdopt measures AdoptOpenItems (the first user takes
// the open mode's items: an update of every item's owner, 500 a statement,
// in one transaction) of $DOCTALES_BENCH_N items (default 8,000) with and
// without the counts' triggers. It is what made the update trigger a
// statement trigger (see migration 0009): with a call per row, the time
// grew as the square of the items.
//
//	go test -run '^$' -bench ItemCountsAdopt -benchtime 1x -count 3 ./postgres/
func BenchmarkItemCountsAdopt(b *testing.B) {
	n := 8000
	if v := os.Getenv("DOCTALES_BENCH_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("DOCTALES_BENCH_N=%q: want a whole number above 0", v)
		}
	}
	for _, trigger := range []bool{true, false} {
		name := "WithTriggers"
		if !trigger {
			name = "WithoutTriggers"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db, _ := mustOpen(b, postgres.Options{})
				ctx := context.Background()
				if _, err := db.Pool().Exec(ctx, `ALTER TABLE items DISABLE TRIGGER USER`); err != nil {
					b.Fatal(err)
				}
				if _, err := db.Pool().Exec(ctx, `INSERT INTO items (id, ts, project, type, sender, sender_id, urgency, status, owner, body)
					SELECT 'bench-' || lpad(x::text, 7, '0'), '2026-01-01T00:00:00.' || lpad(x::text, 9, '0') || 'Z', 'project-' || (x % 8), 'email',
						'Person', 'person@example.com', 'low', 'extracted', $2, '{"id":"x"}'::bytea FROM generate_series(0, $1 - 1) AS x`, n, doctales.DefaultUserID); err != nil {
					b.Fatal(err)
				}
				if trigger {
					if _, err := db.Pool().Exec(ctx, `ALTER TABLE items ENABLE TRIGGER USER`); err != nil {
						b.Fatal(err)
					}
					if err := db.RebuildItemCounts(ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				if m, err := db.AdoptOpenItems(ctx, "ana"); err != nil || m != int64(n) {
					b.Fatalf("AdoptOpenItems = %d, %v; want %d", m, err, n)
				}
				b.StopTimer()
				if trigger {
					if got, err := db.CountItems(doctales.WithOwner(ctx, "ana"), doctales.ItemFilter{}); err != nil || got != int64(n) {
						b.Fatalf("after the adoption CountItems(ana) = %d, %v; want %d", got, err, n)
					}
				}
				b.StartTimer()
			}
		})
	}
}

// sampleLockWaits samples, every 10 ms until the returned stop is
// called, how many of db's sessions wait for a lock (wait_event_type
// Lock: for a row another transaction holds until its commit, as
// transactionid), and stop returns the number of samples and the sum of
// the waiting sessions: how many writers waited, on average, for
// another's commit.
func sampleLockWaits(b *testing.B, db *postgres.DB) (stop func() (samples, waiting int64)) {
	ctx, cancel := context.WithCancel(context.Background())
	var samples, waiting int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
			var w int64
			if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND state = 'active' AND wait_event_type = 'Lock'`).Scan(&w); err != nil {
				continue // the pool is busy or the run ended
			}
			samples++
			waiting += w
		}
	}()
	return func() (int64, int64) {
		cancel()
		<-done
		return samples, waiting
	}
}

// BenchmarkCountItems compares the two ways CountItems answers on
// PostgreSQL, on one owner's table of $DOCTALES_BENCH_N items (default
// 1,000,000, eight projects, inserted by SQL without the triggers, then
// counted by RebuildItemCounts): Counters reads item_counts (the sum of a
// count's shards), Rows counts the matching rows (what CountItems does
// for two filters, and did for every filter before migration 0009).
//
//	go test -run '^$' -bench 'BenchmarkCountItems' -benchtime 50x ./postgres/
func BenchmarkCountItems(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("DOCTALES_BENCH_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("DOCTALES_BENCH_N=%q: want a whole number above 0", v)
		}
	}
	db, _ := mustOpen(b, postgres.Options{})
	ctx := context.Background()
	start := time.Now()
	if _, err := db.Pool().Exec(ctx, `ALTER TABLE items DISABLE TRIGGER USER`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO items (id, ts, project, type, sender, sender_id, urgency, status, owner, body)
		SELECT 'bench-' || lpad(x::text, 7, '0'), '2026-01-01T00:00:00.' || lpad(x::text, 9, '0') || 'Z', 'project-' || (x % 8), 'email',
			'Person', 'person@example.com', 'low', 'extracted', 'ana', '\x7b7d'::bytea FROM generate_series(0, $1 - 1) AS x`, n); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `ALTER TABLE items ENABLE TRIGGER USER; ANALYZE items`); err != nil {
		b.Fatal(err)
	}
	if err := db.RebuildItemCounts(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d items inserted and counted in %s", n, time.Since(start).Round(time.Millisecond))
	owner := doctales.WithOwner(ctx, "ana")
	project := "project-3"
	f := doctales.ItemFilter{Project: &project}
	want := int64((n + 4) / 8)
	for _, c := range []struct {
		name  string
		count func(context.Context, doctales.ItemFilter) (int64, error)
	}{{"Counters", db.CountItems}, {"Rows", db.CountRows}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				got, err := c.count(owner, f)
				if err != nil || got != want {
					b.Fatalf("count of %s = %d, %v; want %d", project, got, err, want)
				}
			}
		})
	}
}
