package sqlite_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

// waitFor polls cond until it holds, failing the test after five seconds.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// inFlight returns the number of write requests in the writer's current
// transaction.
func inFlight(tb testing.TB, db *sqlite.DB) int64 {
	tb.Helper()
	st, err := db.Stats(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return st.InFlight
}

// pending returns the number of queued write requests.
func pending(tb testing.TB, db *sqlite.DB) int {
	tb.Helper()
	st, err := db.Stats(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return st.PendingWrites
}

// s3Record returns a small S3 log record.
func s3Record(key string) *doctales.LogRecord {
	return &doctales.LogRecord{Source: doctales.SourceS3, Key: key, Data: json.RawMessage(`{"key":"` + key + `"}`)}
}

// TestDB_ConcurrentWriters runs 100 goroutines that each ingest (append
// an S3 record, create an item) and extract (update it); every write must
// be acknowledged and present, with unique, dense seqs.
func TestDB_ConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	const n = 100

	var wg sync.WaitGroup
	errs := make(chan error, 3*n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("email-%03d", i)
			errs <- db.Append(ctx, s3Record(id))
			_, created, err := db.CreateItem(ctx, newItem(id, time.Now(), "p", "s", "low"))
			if err == nil && !created {
				err = fmt.Errorf("item %q not created", id)
			}
			errs <- err
			status := doctales.StatusExtracted
			_, err = db.UpdateItem(ctx, id, doctales.ItemUpdate{Status: &status})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	st, err := db.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Items != n || st.ItemsByStatus[doctales.StatusExtracted] != n || st.LogRecords != 3*n || st.LastSeq != 3*n {
		t.Fatalf("stats = %+v", st)
	}
	t.Logf("%d writes in %d transactions", st.Writes, st.Batches)

	// Every item has its INSERT before its MODIFY, and seqs are dense.
	recs := mustReadLog(t, db, "")
	seen := map[string]string{}
	for i, rec := range recs {
		if rec.Seq != int64(i+1) {
			t.Fatalf("record %d has seq %d", i, rec.Seq)
		}
		if rec.Source != doctales.SourceDynamoDB {
			continue
		}
		var r struct {
			EventName string `json:"eventName"`
		}
		if err := json.Unmarshal(rec.Data, &r); err != nil {
			t.Fatal(err)
		}
		switch r.EventName {
		case "INSERT":
			if seen[rec.Key] != "" {
				t.Fatalf("%s: INSERT after %s", rec.Key, seen[rec.Key])
			}
		case "MODIFY":
			if seen[rec.Key] != "INSERT" {
				t.Fatalf("%s: MODIFY after %q", rec.Key, seen[rec.Key])
			}
		}
		seen[rec.Key] = r.EventName
	}
	if len(seen) != n {
		t.Fatalf("%d items in the stream, want %d", len(seen), n)
	}
}

// TestDB_GroupCommit queues three requests behind a held lock so that they
// share one transaction, the middle one failing after it appended: the
// other two commit, the failed one leaves nothing, and seqs stay dense.
func TestDB_GroupCommit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "doctales.db")
	db := MustOpenDBAt(t, path, nil)
	release := MustLockDB(t, path)

	// The first request takes the writer, which waits for the lock.
	results := make([]chan error, 4)
	for i := range results {
		results[i] = make(chan error, 1)
	}
	go func() { results[0] <- db.Append(ctx, s3Record("first")) }()
	waitFor(t, "the writer to take the first request", func() bool { return inFlight(t, db) == 1 })

	// The next three queue up behind it, in order.
	errBoom := errors.New("boom")
	go func() { results[1] <- db.Append(ctx, s3Record("ok-1")) }()
	waitFor(t, "1 queued", func() bool { return pending(t, db) == 1 })
	go func() { results[2] <- db.AppendThenFail(ctx, s3Record("failed"), errBoom) }()
	waitFor(t, "2 queued", func() bool { return pending(t, db) == 2 })
	go func() { results[3] <- db.Append(ctx, s3Record("ok-2")) }()
	waitFor(t, "3 queued", func() bool { return pending(t, db) == 3 })
	release()

	for i, want := range []error{nil, nil, errBoom, nil} {
		if err := <-results[i]; !errors.Is(err, want) {
			t.Fatalf("request %d: err = %v, want %v", i, err, want)
		}
	}
	st, err := db.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Batches != 2 || st.Writes != 4 {
		t.Fatalf("%d requests in %d transactions, want 4 in 2", st.Writes, st.Batches)
	}
	recs := mustReadLog(t, db, "")
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	for i, key := range []string{"first", "ok-1", "ok-2"} {
		if recs[i].Key != key || recs[i].Seq != int64(i+1) {
			t.Fatalf("record %d = %s seq %d, want %s seq %d", i, recs[i].Key, recs[i].Seq, key, i+1)
		}
	}
}

// TestDB_MaxBatchSize crosses MaxBatchSize: four requests queued behind a
// lock commit in two transactions of two.
func TestDB_MaxBatchSize(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "doctales.db")
	db := MustOpenDBAt(t, path, func(db *sqlite.DB) { db.MaxBatchSize = 2 })
	release := MustLockDB(t, path)

	results := make(chan error, 5)
	go func() { results <- db.Append(ctx, s3Record("first")) }()
	waitFor(t, "the writer to take the first request", func() bool { return inFlight(t, db) == 1 })
	for i := range 4 {
		go func() { results <- db.Append(ctx, s3Record(fmt.Sprint(i))) }()
	}
	waitFor(t, "4 queued", func() bool { return pending(t, db) == 4 })
	release()
	for range 5 {
		if err := <-results; err != nil {
			t.Fatal(err)
		}
	}
	if st, _ := db.Stats(ctx); st.Batches != 3 || st.Writes != 5 {
		t.Fatalf("%d requests in %d transactions, want 5 in 3", st.Writes, st.Batches)
	}
}

// TestDB_WriteQueueFull crosses WriteQueueSize: with the writer stuck
// behind another process's lock and the queue full, a write blocks until
// its context ends; the queued writes complete once the lock is released.
func TestDB_WriteQueueFull(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "doctales.db")
	db := MustOpenDBAt(t, path, func(db *sqlite.DB) {
		db.WriteQueueSize = 1
		db.MaxBatchSize = 1
	})
	release := MustLockDB(t, path)

	first, second := make(chan error, 1), make(chan error, 1)
	go func() { first <- db.Append(ctx, s3Record("first")) }()
	waitFor(t, "the writer to take the first request", func() bool { return inFlight(t, db) == 1 })
	go func() { second <- db.Append(ctx, s3Record("second")) }()
	waitFor(t, "the queue to fill", func() bool { return pending(t, db) == 1 })

	tctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := db.Append(tctx, s3Record("third")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	} else if time.Since(start) < 90*time.Millisecond {
		t.Fatal("a full queue did not block")
	}
	if st, _ := db.Stats(ctx); st.QueueFull != 1 {
		t.Fatalf("QueueFull = %d, want 1", st.QueueFull)
	}

	release()
	for _, ch := range []chan error{first, second} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	if recs := mustReadLog(t, db, ""); len(recs) != 2 || recs[0].Key != "first" || recs[1].Key != "second" {
		t.Fatalf("log = %+v", recs)
	}
}

// TestDB_Busy checks that a lock held by another process longer than
// BusyTimeout fails the write with EOVERLOADED.
func TestDB_Busy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doctales.db")
	db := MustOpenDBAt(t, path, func(db *sqlite.DB) { db.BusyTimeout = 50 * time.Millisecond })
	release := MustLockDB(t, path)
	err := db.Append(context.Background(), s3Record("k"))
	assertCode(t, err, doctales.EOVERLOADED)
	release()
	if err := db.Append(context.Background(), s3Record("k")); err != nil {
		t.Fatal(err)
	}
}

// TestDB_CancelledWhileQueued checks that a request whose context ends
// while it waits in the queue is not written.
func TestDB_CancelledWhileQueued(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "doctales.db")
	db := MustOpenDBAt(t, path, nil)
	release := MustLockDB(t, path)

	first := make(chan error, 1)
	go func() { first <- db.Append(ctx, s3Record("first")) }()
	waitFor(t, "the writer to take the first request", func() bool { return inFlight(t, db) == 1 })

	cctx, cancel := context.WithCancel(ctx)
	second := make(chan error, 1)
	go func() { second <- db.Append(cctx, s3Record("cancelled")) }()
	waitFor(t, "1 queued", func() bool { return pending(t, db) == 1 })
	cancel()
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	release()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	// Let the writer reach the cancelled request, then check it was skipped.
	if err := db.Append(ctx, s3Record("last")); err != nil {
		t.Fatal(err)
	}
	if recs := mustReadLog(t, db, ""); len(recs) != 2 || recs[1].Key != "last" {
		t.Fatalf("log = %+v", recs)
	}
}

// TestDB_CloseDrainsQueue checks that Close commits the requests already
// queued before it returns.
func TestDB_CloseDrainsQueue(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "doctales.db")
	db := MustOpenDBAt(t, path, nil)
	release := MustLockDB(t, path)

	results := make(chan error, 5)
	go func() { results <- db.Append(ctx, s3Record("0")) }()
	waitFor(t, "the writer to take the first request", func() bool { return inFlight(t, db) == 1 })
	for i := 1; i < 5; i++ {
		go func() { results <- db.Append(ctx, s3Record(fmt.Sprint(i))) }()
	}
	waitFor(t, "4 queued", func() bool { return pending(t, db) == 4 })
	closeErr := make(chan error, 1)
	go func() { closeErr <- db.Close() }()
	time.Sleep(50 * time.Millisecond)
	release()
	if err := <-closeErr; err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := <-results; err != nil {
			t.Fatal(err)
		}
	}

	db = MustOpenDBAt(t, path, nil)
	if recs := mustReadLog(t, db, ""); len(recs) != 5 {
		t.Fatalf("%d records after reopen, want 5", len(recs))
	}
}

// TestDB_BackgroundCheckpoint checks that the checkpointer copies the WAL
// into the database file without the writer: far fewer pages are written
// than the writer's own checkpoint threshold, yet the file grows.
func TestDB_BackgroundCheckpoint(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "doctales.db")
	db := MustOpenDBAt(t, path, func(db *sqlite.DB) { db.CheckpointInterval = 20 * time.Millisecond })
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	time.Sleep(50 * time.Millisecond) // let a checkpoint of the schema pass
	before := size()
	for i := range 50 {
		if _, _, err := db.CreateItem(ctx, newItem(fmt.Sprint(i), time.Now(), "p", "s", "low")); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the database file to grow", func() bool { return size() > before })
}
