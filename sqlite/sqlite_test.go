package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

var verbose = flag.Bool("sqlite.log", false, "log database lifecycle messages")

// MustOpenDB returns an open database in a temporary directory, closed at
// test end.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	return MustOpenDBAt(tb, filepath.Join(tb.TempDir(), "doctales.db"), nil)
}

// MustOpenDBAt opens the database at path, after configure (if not nil)
// has changed its settings, and closes it at test end.
func MustOpenDBAt(tb testing.TB, path string, configure func(*sqlite.DB)) *sqlite.DB {
	tb.Helper()
	db := sqlite.NewDB(path)
	if !*verbose {
		db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if configure != nil {
		configure(db)
	}
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

// MustLockDB takes the write lock of the database file at path from
// another connection, as another process would, and returns a function
// that releases it.
func MustLockDB(tb testing.TB, path string) (release func()) {
	tb.Helper()
	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := other.Conn(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), `BEGIN IMMEDIATE`); err != nil {
		tb.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if _, err := conn.ExecContext(context.Background(), `ROLLBACK`); err != nil {
				tb.Error(err)
			}
			_ = conn.Close()
			_ = other.Close()
		})
	}
	tb.Cleanup(release)
	return release
}

// newItem returns an item for a communication with the given fields.
func newItem(id string, ts time.Time, project, sender, urgency string) *doctales.Item {
	c := &doctales.Communication{
		ID:        id,
		Type:      doctales.TypeEmail,
		Source:    "email",
		Timestamp: ts,
		Project:   project,
		Subject:   "Subject of " + id,
		Sender:    "Name of " + sender,
		SenderID:  sender,
		Metadata:  doctales.Metadata{Urgency: urgency},
	}
	return doctales.NewItem(c, time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC))
}

// mustReadLog reads every record of source.
func mustReadLog(tb testing.TB, db *sqlite.DB, source string) []*doctales.LogRecord {
	tb.Helper()
	recs, err := db.ReadLog(context.Background(), source, 0, sqlite.MaxReadLimit)
	if err != nil {
		tb.Fatal(err)
	}
	return recs
}

// mustStreamRecords reads and decodes every stream record.
func mustStreamRecords(tb testing.TB, db *sqlite.DB) []events.DynamoDBEventRecord {
	tb.Helper()
	var out []events.DynamoDBEventRecord
	for _, rec := range mustReadLog(tb, db, doctales.SourceDynamoDB) {
		var r events.DynamoDBEventRecord
		if err := json.Unmarshal(rec.Data, &r); err != nil {
			tb.Fatalf("stream record %d: %v", rec.Seq, err)
		}
		if want := fmt.Sprintf("%020d", rec.Seq); r.Change.SequenceNumber != want {
			tb.Fatalf("record %d: SequenceNumber = %q, want %q", rec.Seq, r.Change.SequenceNumber, want)
		}
		out = append(out, r)
	}
	return out
}

// assertCode fails the test unless err carries the code.
func assertCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := doctales.ErrorCode(err); got != code {
		tb.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

// closed reports whether ch is closed, waiting at most d.
func closed(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

func TestDB_Open(t *testing.T) {
	t.Run("ErrPathRequired", func(t *testing.T) {
		if err := sqlite.NewDB("").Open(); err == nil {
			t.Fatal("expected error")
		}
	})
	t.Run("ErrQuestionMark", func(t *testing.T) {
		if err := sqlite.NewDB(filepath.Join(t.TempDir(), "a?b.db")).Open(); err == nil {
			t.Fatal("expected error")
		}
	})
	t.Run("ErrNegativeLimit", func(t *testing.T) {
		db := sqlite.NewDB(filepath.Join(t.TempDir(), "doctales.db"))
		db.WriteQueueSize = -1
		if err := db.Open(); err == nil || !strings.Contains(err.Error(), "WriteQueueSize") {
			t.Fatalf("err = %v, want one naming WriteQueueSize", err)
		}
	})
	t.Run("ErrOpenTwice", func(t *testing.T) {
		db := MustOpenDB(t)
		if err := db.Open(); err == nil {
			t.Fatal("expected error")
		}
	})
	t.Run("CloseTwice", func(t *testing.T) {
		db := MustOpenDB(t)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrClosed", func(t *testing.T) {
		db := MustOpenDB(t)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		err := db.Append(context.Background(), &doctales.LogRecord{Source: doctales.SourceS3, Data: json.RawMessage(`{}`)})
		if !errors.Is(err, sqlite.ErrClosed) {
			t.Fatalf("err = %v, want ErrClosed", err)
		}
		if _, err := db.GetItem(context.Background(), "x"); err == nil {
			t.Fatal("expected read error after close")
		}
	})
	t.Run("CreatesDirectory", func(t *testing.T) {
		MustOpenDBAt(t, filepath.Join(t.TempDir(), "a", "b", "doctales.db"), nil)
	})
	t.Run("StreamARN", func(t *testing.T) {
		db := MustOpenDBAt(t, filepath.Join(t.TempDir(), "doctales.db"), func(db *sqlite.DB) {
			db.Region = "eu-west-1"
			db.TableName = "comms"
			db.Now = func() time.Time { return time.Date(2025, 6, 10, 8, 30, 0, 123e6, time.UTC) }
		})
		if got, want := db.StreamARN(), "arn:aws:dynamodb:eu-west-1:000000000000:table/comms/stream/2025-06-10T08:30:00.123"; got != want {
			t.Fatalf("StreamARN = %q, want %q", got, want)
		}
	})
}

// TestDB_Reopen checks that everything written survives Close and Open.
func TestDB_Reopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "doctales.db")
	db := MustOpenDBAt(t, path, nil)
	arn := db.StreamARN()

	item := newItem("email-1", time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC), "alpha", "a@example.com", "low")
	if _, _, err := db.CreateItem(ctx, item); err != nil {
		t.Fatal(err)
	}
	s3 := &doctales.LogRecord{Source: doctales.SourceS3, Key: "email/2025/06/10/email-1.json", Data: json.RawMessage(`{"s3":1}`)}
	if err := db.Append(ctx, s3); err != nil {
		t.Fatal(err)
	}
	if err := db.SetCheckpoint(ctx, "extraction", s3.Seq); err != nil {
		t.Fatal(err)
	}
	dl := &doctales.DeadLetter{Subscription: "notification", Source: doctales.SourceDynamoDB, Key: "email-1", Seq: 1, Record: json.RawMessage(`{"r":1}`)}
	if err := db.AddDeadLetter(ctx, dl); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSent(ctx, "msg-1", "email-1"); err != nil {
		t.Fatal(err)
	}
	if err := db.Topic("alerts").Publish(ctx, &doctales.Message{MessageID: "msg-1"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = MustOpenDBAt(t, path, nil)
	if db.StreamARN() != arn {
		t.Fatalf("StreamARN = %q, want %q", db.StreamARN(), arn)
	}
	if got, err := db.GetItem(ctx, "email-1"); err != nil {
		t.Fatal(err)
	} else if got.Subject != item.Subject || !got.Timestamp.Equal(item.Timestamp) {
		t.Fatalf("item = %+v", got)
	}
	if recs := mustReadLog(t, db, ""); len(recs) != 3 {
		t.Fatalf("log has %d records, want 3", len(recs))
	}
	if seq, err := db.Checkpoint(ctx, "extraction"); err != nil || seq != s3.Seq {
		t.Fatalf("checkpoint = %d, %v; want %d", seq, err, s3.Seq)
	}
	if got, err := db.DeadLetter(ctx, dl.ID); err != nil || string(got.Record) != `{"r":1}` {
		t.Fatalf("dead letter = %+v, %v", got, err)
	}
	if sent, err := db.Sent(ctx, "msg-1"); err != nil || !sent {
		t.Fatalf("sent = %v, %v", sent, err)
	}
	// The topic still deduplicates across restarts.
	if err := db.Topic("alerts").Publish(ctx, &doctales.Message{MessageID: "msg-1"}); err != nil {
		t.Fatal(err)
	}
	// Seq keeps increasing after reopening.
	rec := &doctales.LogRecord{Source: doctales.SourceS3, Key: "k", Data: json.RawMessage(`{}`)}
	if err := db.Append(ctx, rec); err != nil {
		t.Fatal(err)
	} else if rec.Seq != 4 {
		t.Fatalf("seq after reopen = %d, want 4", rec.Seq)
	}
}

func TestDB_Stats(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	for i := range 3 {
		if _, _, err := db.CreateItem(ctx, newItem(fmt.Sprintf("e%d", i), time.Now(), "p", "s", "")); err != nil {
			t.Fatal(err)
		}
	}
	status := doctales.StatusExtracted
	if _, err := db.UpdateItem(ctx, "e0", doctales.ItemUpdate{Status: &status}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetCheckpoint(ctx, "sub", 2); err != nil {
		t.Fatal(err)
	}
	if err := db.AddDeadLetter(ctx, &doctales.DeadLetter{Subscription: "sub", Source: "aws:s3", Record: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	st, err := db.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Items != 3 || st.ItemsByStatus[doctales.StatusAccepted] != 2 || st.ItemsByStatus[doctales.StatusExtracted] != 1 {
		t.Fatalf("items: %+v", st)
	}
	if st.LogRecords != 4 || st.LastSeq != 4 || st.DeadLetters != 1 || st.Checkpoints["sub"] != 2 {
		t.Fatalf("stats: %+v", st)
	}
	if st.Writes != 6 || st.Batches < 1 || st.Batches > 6 {
		t.Fatalf("writer counters: %+v", st)
	}
}

// TestDB_StatementsPreparedOnFirstUse checks that Open leaves the read
// pool with one connection and the writer's and readers' statements
// unprepared (issue 15: for each of serve's three files they cost a
// dozen prepares before ready, most of which a start never runs), and
// that the first write and the first read prepare them, with the same
// results.
func TestDB_StatementsPreparedOnFirstUse(t *testing.T) {
	db := MustOpenDB(t)
	if writer, reads, conns := db.PreparedAtOpen(); writer || reads != 0 || conns != 1 {
		t.Fatalf("after Open: writer's statements prepared %v, %d read statements prepared, %d read connections; want false, 0, 1", writer, reads, conns)
	}
	ctx := context.Background()
	if _, _, err := db.CreateItem(ctx, newItem("lazy-1", time.Now(), "p", "s", "")); err != nil {
		t.Fatal(err)
	}
	if writer, _, _ := db.PreparedAtOpen(); !writer {
		t.Errorf("after the first write the writer's statements are not prepared")
	}
	it, err := db.GetItem(ctx, "lazy-1")
	if err != nil || it.ID != "lazy-1" {
		t.Fatalf("GetItem(lazy-1) = %+v, %v; want the item just created", it, err)
	}
	if _, reads, conns := db.PreparedAtOpen(); reads != 1 || conns < 1 {
		t.Errorf("after one GetItem: %d read statements prepared, %d read connections; want 1 and at least 1", reads, conns)
	}
}
