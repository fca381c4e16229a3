package sqlite

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// A request marked oneStatement runs without a savepoint: when its
// statement fails in a batch, SQLite undoes that statement alone, the
// others of the batch commit, and the log numbers stay without a gap.
func TestDB_OneStatementFailsAlone(t *testing.T) {
	db := NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()

	// Hold the writer so that the next three requests share a batch.
	held, release := make(chan struct{}), make(chan struct{})
	go db.write(ctx, func(tx *writeTx) error { close(held); <-release; return nil })
	<-held

	appendOne := func(key string) func(tx *writeTx) error {
		return func(tx *writeTx) error {
			_, err := tx.appendLog(&doctales.LogRecord{Source: "test", Key: key, Data: []byte(`{}`), Time: time.Now()}, "")
			return err
		}
	}
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i, fn := range []func(tx *writeTx) error{
		appendOne("a"),
		func(tx *writeTx) error {
			// One statement that fails: the seq "a" just took.
			tx.lastSeq--
			_, err := tx.appendLog(&doctales.LogRecord{Source: "test", Key: "bad", Data: []byte(`{}`)}, "")
			return err
		},
		appendOne("c"),
	} {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = db.writeOneStatement(ctx, fn) }()
		waitQueued(t, db, i+1)
	}
	close(release)
	wg.Wait()

	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("the good requests failed: %v, %v", errs[0], errs[2])
	}
	if errs[1] == nil {
		t.Fatal("the request with a duplicate seq succeeded")
	}
	recs, err := db.ReadLog(ctx, "test", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range recs {
		keys = append(keys, r.Key)
	}
	if len(recs) != 2 || recs[0].Key != "a" || recs[1].Key != "c" || recs[1].Seq != recs[0].Seq+1 {
		t.Fatalf("log after the batch: %v (%d records)", keys, len(recs))
	}
}

// waitQueued waits until n requests wait in db's write queue.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(db.writes) < n {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %d queued writes (have %d)", n, len(db.writes))
		}
		time.Sleep(time.Millisecond)
	}
}

// The INSERT record CreateItem writes from the row's JSON is the record
// newStreamRecord builds from the item, byte for byte (but for the random
// eventID).
func TestDB_InsertRecordOfJSON(t *testing.T) {
	db := NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 12, 6, 0, 50, 1, 5e8, time.UTC)
	deadline := now.Add(time.Hour)
	it := &doctales.Item{ID: "x-1", Owner: "ana", Project: "p", SenderID: "bo@example.com", Sender: "Bo <Lind>", Type: "email",
		Status: doctales.StatusAccepted, Timestamp: now, CreatedAt: now, UpdatedAt: now,
		Dimensions: &doctales.Dimensions{Deadline: &deadline, UrgencyScore: 0.5, UrgencyReasons: []string{"a & b"}}}
	it.Metadata.Urgency = doctales.UrgencyHigh
	row, err := newItemRow(it)
	if err != nil {
		t.Fatal(err)
	}
	want, err := db.newStreamRecord(EventInsert, nil, it, now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.newStreamRecordOfJSON(EventInsert, it, row.body, now)
	if err != nil {
		t.Fatal(err)
	}
	id := func(b []byte) string {
		var r struct{ EventID string }
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return r.EventID
	}
	g := bytes.Replace(got.Data, []byte(id(got.Data)), []byte("ID"), 1)
	w := bytes.Replace(want.Data, []byte(id(want.Data)), []byte("ID"), 1)
	if !bytes.Equal(g, w) || got.SeqAt-len(got.Data) != want.SeqAt-len(want.Data) {
		t.Errorf("record from the row's JSON:\n%s\nwant\n%s", g, w)
	}
}
