package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/streamrec"
	"github.com/doctales/doctales/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Issue 11 asks for an outbox relay or logical decoding, measured. The
// table writes its stream record into the log in the write's transaction
// (the outbox) and the relay reads it with ReadLog; logical decoding
// would write the item alone and read the changes from the WAL through a
// replication slot. BenchmarkChangeCapture measures both on the same
// schema and server; docs/cluster.md ("Outbox or logical decoding:
// measured") reports the figures and the choice.

const (
	// captureN is how many items the read side writes before it reads:
	// each created, then updated once, so 2×captureN changes.
	captureN = 2000
	// capturePage is how many records one read delivers at most: the
	// relay's DefaultBatchSize.
	capturePage = 500
	// captureUpdateItems is how many items the update benchmarks update
	// in turn, so that concurrent writers rarely wait on one row.
	captureUpdateItems = 2000
	// captureWriters is how many goroutines write the read side's items.
	captureWriters = 8
)

// captureItem returns item i as CreateItem stores it: benchItem (an
// e-mail as ingestion creates it), with its owner and its times to the
// microsecond, so that the bare write stores the same row.
func captureItem(i int64) *doctales.Item {
	it := benchItem(i)
	it.Owner = doctales.OwnerOf(it.Owner)
	now := time.Now().UTC().Truncate(time.Microsecond)
	it.CreatedAt, it.UpdatedAt = now, now
	return it
}

// captureUpdate returns the n-th update: the extraction's write of the
// dimensions (status, urgency, entities, key phrases, reasons), which
// makes the stored body 1,390 bytes (492 when created). n is in the reasons, so that every
// update changes the item and writes.
func captureUpdate(n int64) doctales.ItemUpdate {
	status := doctales.StatusExtracted
	urgency := []string{doctales.UrgencyHigh, "medium", "low"}[n%3]
	deadline := time.Date(2026, 12, 11, 17, 0, 0, 0, time.UTC)
	return doctales.ItemUpdate{
		Status:  &status,
		Urgency: &urgency,
		Dimensions: &doctales.Dimensions{
			Urgency:        urgency,
			UrgencyScore:   float64(n%100) / 100,
			UrgencyReasons: []string{fmt.Sprintf("deadline in %dh", n%48+1), "request to the reader"},
			RequiresAction: true,
			Deadline:       &deadline,
			Sentiment:      "NEUTRAL",
			ExtractedAt:    time.Date(2026, 12, 6, 11, 0, 0, 0, time.UTC),
			ActionScore:    0.8,
			ActionReasons:  []string{"asks: please review", "deadline: before Friday"},
			Language:       "en",
			LanguageScore:  0.99,
			Entities: []doctales.Entity{
				{Text: "Ann Example", Type: "PERSON", Score: 0.98, BeginOffset: 0, EndOffset: 11},
				{Text: "Acme Corporation", Type: "ORGANIZATION", Score: 0.95, BeginOffset: 40, EndOffset: 56},
				{Text: "Friday", Type: "DATE", Score: 0.9, BeginOffset: 80, EndOffset: 86},
			},
			KeyPhrases: []doctales.KeyPhrase{
				{Text: "quarterly report", Score: 0.97, BeginOffset: 10, EndOffset: 26},
				{Text: "board meeting", Score: 0.93, BeginOffset: 60, EndOffset: 73},
			},
			AnalyzedBytes: 1024,
		},
	}
}

// bareWriter writes items as the table does but without their stream
// records: the same row (postgres.ItemRowArgs) by the same statements,
// less the log append and the numbering after the commit. It is what the
// table would do with logical decoding in place of the outbox; the table
// itself cannot skip its outbox, so the benchmark writes through SQL.
type bareWriter struct {
	pool *pgxpool.Pool
}

// bareCreate is CreateItem's statement without its log append.
const bareCreate = `WITH ins AS (
		INSERT INTO items (id, ts, project, type, sender, sender_id, urgency, status, owner,
			state, state_until, thread_id, deadline, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (id) DO NOTHING RETURNING id
	), forget AS (
		DELETE FROM deleted WHERE NOT $15::boolean AND id IN (SELECT id FROM ins)
	)
	SELECT EXISTS (SELECT 1 FROM ins)`

// create inserts it unless its id is taken, one statement and commit.
func (w bareWriter) create(ctx context.Context, it *doctales.Item) error {
	args, err := postgres.ItemRowArgs(it)
	if err != nil {
		return fmt.Errorf("bare create %q: %w", it.ID, err)
	}
	var inserted bool
	if err := w.pool.QueryRow(ctx, bareCreate, append(args, it.Recovered)...).Scan(&inserted); err != nil {
		return fmt.Errorf("bare create %q: %w", it.ID, err)
	} else if !inserted {
		return fmt.Errorf("bare create %q: the id is taken", it.ID)
	}
	return nil
}

// update applies upd as UpdateItem does: the row locked from its read to
// its commit, the update applied by streamrec.ApplyUpdate, written unless
// it changes nothing.
func (w bareWriter) update(ctx context.Context, id string, upd doctales.ItemUpdate) error {
	err := pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
		var body []byte
		if err := tx.QueryRow(ctx, `SELECT body FROM items WHERE id = $1 FOR UPDATE`, id).Scan(&body); err != nil {
			return fmt.Errorf("read: %w", err)
		}
		old, err := postgres.DecodeItem(body)
		if err != nil {
			return err
		}
		n, err := streamrec.ApplyUpdate(old, upd)
		if err != nil {
			return err
		}
		args, err := postgres.ItemRowArgs(n)
		if err != nil {
			return err
		}
		if bytes.Equal(args[13].([]byte), body) {
			return nil // changes nothing
		}
		n.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
		if args, err = postgres.ItemRowArgs(n); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE items SET ts = $2, project = $3, type = $4, sender = $5, sender_id = $6,
			urgency = $7, status = $8, owner = $9, state = $10, state_until = $11, thread_id = $12, deadline = $13, body = $14
			WHERE id = $1`, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("bare update %q: %w", id, err)
	}
	return nil
}

// captureDB is one fresh database with the schema (postgres.Open) and a
// pool of its own for the bare writes and the slot's SQL.
type captureDB struct {
	db   *postgres.DB
	pool *pgxpool.Pool
}

// openCapture opens a fresh database for one measurement, closed at its end.
func openCapture(tb testing.TB) captureDB {
	tb.Helper()
	db, dsn := mustOpen(tb, postgres.Options{MaxConns: 16})
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		tb.Fatalf("parse %s: %v", dsn, err)
	}
	cfg.MaxConns = 16
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("open a pool on %s: %v", dsn, err)
	}
	tb.Cleanup(pool.Close)
	return captureDB{db: db, pool: pool}
}

// walLSN returns the server's current WAL position.
func (c captureDB) walLSN(tb testing.TB) string {
	tb.Helper()
	var lsn string
	if err := c.pool.QueryRow(context.Background(), `SELECT pg_current_wal_lsn()::text`).Scan(&lsn); err != nil {
		tb.Fatalf("read the WAL position: %v", err)
	}
	return lsn
}

// walSince returns how many WAL bytes the server wrote since lsn.
func (c captureDB) walSince(tb testing.TB, lsn string) float64 {
	tb.Helper()
	var n float64
	if err := c.pool.QueryRow(context.Background(), `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)`, lsn).Scan(&n); err != nil {
		tb.Fatalf("WAL bytes since %s: %v", lsn, err)
	}
	return n
}

// createSlot creates a logical replication slot with test_decoding, to
// be dropped at the end of the test (a slot outlives its session and
// holds WAL; the database cannot be dropped while it exists).
func (c captureDB) createSlot(tb testing.TB, name string) {
	tb.Helper()
	ctx := context.Background()
	if _, err := c.pool.Exec(ctx, `SELECT pg_create_logical_replication_slot($1, 'test_decoding')`, name); err != nil {
		tb.Fatalf("create logical slot %s: %v (the server needs wal_level=logical)", name, err)
	}
	tb.Cleanup(func() { dropSlot(tb, c.pool, name) })
}

// dropSlot drops the slot name, if it exists.
func dropSlot(tb testing.TB, pool *pgxpool.Pool, name string) {
	tb.Helper()
	if _, err := pool.Exec(context.Background(),
		`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, name); err != nil {
		tb.Errorf("drop logical slot %s: %v", name, err)
	}
}

// slotChange is one row of pg_logical_slot_get_changes with test_decoding.
type slotChange struct {
	lsn  string
	xid  int64
	data string // "BEGIN 123", "table public.items: INSERT: id[text]:'…' …", "COMMIT 123"
}

// getChanges reads (and consumes) the slot's changes, up to about
// nrows rows, every row there is when nrows is 0 (test_decoding ends a
// page at a transaction's end: each item write is three rows, BEGIN, its
// change and COMMIT).
func getChanges(ctx context.Context, pool *pgxpool.Pool, slot string, nrows int) ([]slotChange, error) {
	var limit any // NULL: every change there is
	if nrows > 0 {
		limit = nrows
	}
	rows, err := pool.Query(ctx, `SELECT lsn::text, xid::text::bigint, data FROM pg_logical_slot_get_changes($1, NULL, $2::int)`, slot, limit)
	if err != nil {
		return nil, fmt.Errorf("read slot %s: %w", slot, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (slotChange, error) {
		var c slotChange
		err := r.Scan(&c.lsn, &c.xid, &c.data)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("read slot %s: %w", slot, err)
	}
	return out, nil
}

// itemsChange is the prefix of test_decoding's rows for the items table.
const itemsChange = "table public.items: "

// BenchmarkChangeCapture measures, on a fresh database each, the outbox
// against logical decoding (issue 11):
//
//   - create/… and update/…: the write of one item (CreateItem; UpdateItem
//     with the extraction's dimensions) with its stream record in the same
//     transaction and its numbering after the commit (outbox), or the same
//     row by the same statements without them (logical: what the table
//     would write if the stream came from the WAL), with 1 writer (Serial)
//     and 8 concurrent writers. logical-full updates with REPLICA IDENTITY
//     FULL on items, which logical decoding needs to carry the old image.
//     Each reports ops/s and WAL B/op (pg_current_wal_lsn before and after,
//     over the ops: every WAL byte the server wrote meanwhile).
//   - read/…: 2×captureN changes (captureN items created, then each
//     updated, by 8 writers) delivered in order: ReadLog pages of 500 from
//     seq 0 (outbox, what the relay reads), or pg_logical_slot_get_changes
//     of test_decoding in pages of 500 records (1,500 rows), from a copy of
//     a slot made before the writes (logical; logical-onecall reads them
//     all in one call, the cost of decoding without the pages;
//     logical-full-rebuild also makes each change's stream record, with
//     both images, as a relay would have to). Each reports records/s and
//     the bytes a record carries (the stream record's JSON; the
//     test_decoding row's text).
//
// The server is the tests' (internal/testutil: wal_level=logical, fsync
// on). docs/cluster.md reports the figures.
func BenchmarkChangeCapture(b *testing.B) {
	for _, w := range []struct {
		name    string
		writers int
	}{{"Serial", 1}, {"Writers8", 8}} {
		b.Run("create/outbox/"+w.name, func(b *testing.B) {
			c := openCapture(b)
			var n atomic.Int64
			measureWrites(b, c, w.writers, func(ctx context.Context) error {
				_, created, err := c.db.CreateItem(ctx, captureItem(n.Add(1)))
				if err == nil && !created {
					err = errors.New("not created")
				}
				return err
			})
		})
		b.Run("create/logical/"+w.name, func(b *testing.B) {
			c := openCapture(b)
			bw := bareWriter{c.pool}
			var n atomic.Int64
			measureWrites(b, c, w.writers, func(ctx context.Context) error {
				return bw.create(ctx, captureItem(n.Add(1)))
			})
		})
		for _, v := range []struct {
			name     string
			outbox   bool
			identity string
		}{{"outbox", true, ""}, {"logical", false, ""}, {"logical-full", false, "FULL"}} {
			b.Run("update/"+v.name+"/"+w.name, func(b *testing.B) {
				c := openCapture(b)
				bw := bareWriter{c.pool}
				ctx := context.Background()
				// The items to update, created bare in one transaction
				// (their INSERT records are not what is measured).
				if err := pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
					batch := &pgx.Batch{}
					for i := int64(1); i <= captureUpdateItems; i++ {
						args, err := postgres.ItemRowArgs(captureItem(i))
						if err != nil {
							return err
						}
						batch.Queue(bareCreate, append(args, false)...)
					}
					return tx.SendBatch(ctx, batch).Close()
				}); err != nil {
					b.Fatalf("create %d items to update: %v", captureUpdateItems, err)
				}
				if v.identity != "" {
					if _, err := c.pool.Exec(ctx, `ALTER TABLE items REPLICA IDENTITY `+v.identity); err != nil {
						b.Fatal(err)
					}
				}
				var n atomic.Int64
				measureWrites(b, c, w.writers, func(ctx context.Context) error {
					k := n.Add(1)
					id := captureItem(k%captureUpdateItems + 1).ID
					if v.outbox {
						_, err := c.db.UpdateItem(ctx, id, captureUpdate(k))
						return err
					}
					return bw.update(ctx, id, captureUpdate(k))
				})
			})
		}
	}

	b.Run("read/outbox", func(b *testing.B) {
		c := openCapture(b)
		ctx := context.Background()
		writeChanges(b, func(i int64) error {
			if _, _, err := c.db.CreateItem(ctx, captureItem(i)); err != nil {
				return err
			}
			_, err := c.db.UpdateItem(ctx, captureItem(i).ID, captureUpdate(i))
			return err
		})
		var records, recordBytes int64
		for b.Loop() {
			var after int64
			got := 0
			for {
				recs, err := c.db.ReadLog(ctx, doctales.SourceDynamoDB, after, capturePage)
				if err != nil {
					b.Fatal(err)
				}
				if len(recs) == 0 {
					break
				}
				for _, r := range recs {
					if r.Seq <= after {
						b.Fatalf("record %d after %d: out of order", r.Seq, after)
					}
					after = r.Seq
					recordBytes += int64(len(r.Data))
				}
				got += len(recs)
			}
			if got != 2*captureN {
				b.Fatalf("read %d records, want %d", got, 2*captureN)
			}
			records += int64(got)
		}
		b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
		b.ReportMetric(float64(recordBytes)/float64(records), "B/record")
	})

	for _, v := range []struct {
		name     string
		identity string
		rows     int  // a page's rows; 0: all in one call
		rebuild  bool // make each change's stream record, as a relay would
	}{
		{"read/logical", "", 3 * capturePage, false},
		{"read/logical-full", "FULL", 3 * capturePage, false},
		{"read/logical-onecall", "", 0, false},
		{"read/logical-full-rebuild", "FULL", 3 * capturePage, true},
	} {
		identity := v.identity
		b.Run(v.name, func(b *testing.B) {
			c := openCapture(b)
			ctx := context.Background()
			if identity != "" {
				if _, err := c.pool.Exec(ctx, `ALTER TABLE items REPLICA IDENTITY `+identity); err != nil {
					b.Fatal(err)
				}
			}
			// A slot made before the writes and never read: each read
			// reads a copy of it, which starts where it does.
			c.createSlot(b, "capture_template")
			bw := bareWriter{c.pool}
			writeChanges(b, func(i int64) error {
				if err := bw.create(ctx, captureItem(i)); err != nil {
					return err
				}
				return bw.update(ctx, captureItem(i).ID, captureUpdate(i))
			})
			enc := streamrec.Encoder{Region: "us-east-1", StreamARN: c.db.StreamARN()}
			var records, recordBytes int64
			for b.Loop() {
				b.StopTimer()
				if _, err := c.pool.Exec(ctx, `SELECT pg_copy_logical_replication_slot('capture_template', 'capture_read')`); err != nil {
					b.Fatalf("copy the template slot: %v", err)
				}
				b.StartTimer()
				got := 0
				for {
					page, err := getChanges(ctx, c.pool, "capture_read", v.rows)
					if err != nil {
						b.Fatal(err)
					}
					for _, ch := range page {
						if !strings.HasPrefix(ch.data, itemsChange) {
							continue
						}
						got++
						if !v.rebuild {
							recordBytes += int64(len(ch.data))
							continue
						}
						rec := rebuildRecord(b, enc, ch)
						recordBytes += int64(len(rec.Data))
					}
					if len(page) == 0 || v.rows == 0 {
						break
					}
				}
				b.StopTimer()
				dropSlot(b, c.pool, "capture_read")
				b.StartTimer()
				if got != 2*captureN {
					b.Fatalf("read %d changes of items, want %d", got, 2*captureN)
				}
				records += int64(got)
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(recordBytes)/float64(records), "B/record")
		})
	}
}

// rebuildRecord makes the stream record of a test_decoding change of
// items as a relay reading a slot would have to: the images decoded from
// the rows' body columns (the old one is there with REPLICA IDENTITY
// FULL), encoded as the table encodes them, the change's LSN for its
// sequence number.
func rebuildRecord(tb testing.TB, enc streamrec.Encoder, ch slotChange) *streamrec.Record {
	tb.Helper()
	change := ch.data[len(itemsChange):]
	event := postgres.EventInsert
	if strings.HasPrefix(change, "UPDATE: ") {
		event = postgres.EventModify
	}
	var old *doctales.Item
	oldRow, newRow, full := strings.Cut(change, " new-tuple: ")
	if full {
		old = bodyItem(tb, oldRow)
	} else {
		newRow = change
	}
	rec, err := enc.Item(event, old, bodyItem(tb, newRow), time.Now())
	if err != nil {
		tb.Fatalf("rebuild the record of %.60q: %v", ch.data, err)
	}
	rec.SetSeq(int64(lsn(tb, ch.lsn)))
	return rec
}

// measureWrites times write, called b.N times by writers goroutines
// (b.Loop for one), and reports ops/s and the WAL bytes per op.
func measureWrites(b *testing.B, c captureDB, writers int, write func(context.Context) error) {
	ctx := context.Background()
	lsn := c.walLSN(b)
	if writers == 1 {
		for b.Loop() {
			if err := write(ctx); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		b.SetParallelism(max(1, writers/runtime.GOMAXPROCS(0))) // goroutines = parallelism × GOMAXPROCS
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := write(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.StopTimer()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(c.walSince(b, lsn)/float64(b.N), "WAL-B/op")
}

// writeChanges runs write(i) for i in 1..captureN on captureWriters
// goroutines, outside the timer: the read side's items.
func writeChanges(b *testing.B, write func(i int64) error) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, captureWriters)
	for range captureWriters {
		wg.Go(func() {
			for i := next.Add(1); i <= captureN; i = next.Add(1) {
				if err := write(i); err != nil {
					errs <- fmt.Errorf("write item %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}
