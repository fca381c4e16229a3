package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

func TestEventLog_Append(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		ctx := context.Background()
		now := time.Date(2025, 6, 10, 9, 0, 0, 42, time.UTC)
		db := MustOpenDBAt(t, t.TempDir()+"/doctales.db", func(db *sqlite.DB) { db.Now = func() time.Time { return now } })

		a := &doctales.LogRecord{Source: doctales.SourceS3, Key: "k1", Data: json.RawMessage(`{"n":1}`)}
		b := &doctales.LogRecord{Source: doctales.SourceS3, Key: "k2", Data: json.RawMessage(`{"n":2}`)}
		c := &doctales.LogRecord{Source: doctales.SourceSNS, Key: "m1", Target: "webhook", Data: json.RawMessage(`{"n":3}`)}
		if err := db.Append(ctx, a, b); err != nil {
			t.Fatal(err)
		}
		if err := db.Append(ctx, c); err != nil {
			t.Fatal(err)
		}
		if a.Seq != 1 || b.Seq != 2 || c.Seq != 3 {
			t.Fatalf("seqs = %d, %d, %d", a.Seq, b.Seq, c.Seq)
		} else if !a.Time.Equal(now) || !c.Time.Equal(now) {
			t.Fatalf("time = %v", a.Time)
		}

		recs := mustReadLog(t, db, doctales.SourceS3)
		if len(recs) != 2 || recs[0].Seq != 1 || recs[1].Seq != 2 || recs[1].Key != "k2" ||
			string(recs[1].Data) != `{"n":2}` || !recs[1].Time.Equal(now) {
			t.Fatalf("ReadLog(s3) = %+v", recs)
		}
		// Targeted records are returned too; the runtime filters them.
		if recs := mustReadLog(t, db, doctales.SourceSNS); len(recs) != 1 || recs[0].Target != "webhook" {
			t.Fatalf("ReadLog(sns) = %+v", recs)
		}
		if recs := mustReadLog(t, db, ""); len(recs) != 3 {
			t.Fatalf("ReadLog(all) = %d records", len(recs))
		}

		// One record by seq.
		if rec, err := db.LogRecord(ctx, 3); err != nil || rec.Key != "m1" {
			t.Fatalf("LogRecord(3) = %+v, %v", rec, err)
		}
		_, err := db.LogRecord(ctx, 99)
		assertCode(t, err, doctales.ENOTFOUND)
	})

	t.Run("Nothing", func(t *testing.T) {
		db := MustOpenDB(t)
		if err := db.Append(context.Background()); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		ctx := context.Background()
		db := MustOpenDB(t)
		good := &doctales.LogRecord{Source: doctales.SourceS3, Data: json.RawMessage(`{}`)}
		for _, bad := range []*doctales.LogRecord{
			nil,
			{Data: json.RawMessage(`{}`)},
			{Source: doctales.SourceS3, Data: json.RawMessage(`{`)},
			{Source: doctales.SourceS3},
		} {
			assertCode(t, db.Append(ctx, good, bad), doctales.EINVALID)
		}
		if recs := mustReadLog(t, db, ""); len(recs) != 0 {
			t.Fatalf("%d records appended by rejected calls", len(recs))
		}
	})
}

func TestEventLog_ReadLog(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	var recs []*doctales.LogRecord
	for i := range 25 {
		src := doctales.SourceS3
		if i%5 == 4 {
			src = doctales.SourceSNS
		}
		recs = append(recs, &doctales.LogRecord{Source: src, Key: fmt.Sprint(i), Data: json.RawMessage(fmt.Sprint(i))})
	}
	if err := db.Append(ctx, recs...); err != nil {
		t.Fatal(err)
	}

	// Read s3 records in pages of 7, resuming after the last seq.
	var got []string
	var after int64
	for {
		page, err := db.ReadLog(ctx, doctales.SourceS3, after, 7)
		if err != nil {
			t.Fatal(err)
		} else if len(page) > 7 {
			t.Fatalf("page of %d", len(page))
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			if r.Seq <= after || r.Source != doctales.SourceS3 {
				t.Fatalf("record %+v after %d", r, after)
			}
			after = r.Seq
			got = append(got, r.Key)
		}
	}
	if len(got) != 20 || got[0] != "0" || got[3] != "3" || got[4] != "5" {
		t.Fatalf("keys = %v", got)
	}

	// A limit of 0 means the default.
	if page, err := db.ReadLog(ctx, "", 0, 0); err != nil || len(page) != 25 {
		t.Fatalf("ReadLog(limit 0) = %d, %v", len(page), err)
	}
}

func TestEventLog_Checkpoint(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if seq, err := db.Checkpoint(ctx, "extraction"); err != nil || seq != 0 {
		t.Fatalf("Checkpoint = %d, %v; want 0", seq, err)
	}
	for _, seq := range []int64{5, 9, 7} {
		if err := db.SetCheckpoint(ctx, "extraction", seq); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Checkpoint(ctx, "extraction"); err != nil || got != seq {
			t.Fatalf("Checkpoint = %d, %v; want %d", got, err, seq)
		}
	}
	if seq, _ := db.Checkpoint(ctx, "notification"); seq != 0 {
		t.Fatalf("other subscription's checkpoint = %d", seq)
	}
	assertCode(t, db.SetCheckpoint(ctx, "", 1), doctales.EINVALID)
	assertCode(t, db.SetCheckpoint(ctx, "x", -1), doctales.EINVALID)
}

func TestEventLog_Changed(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)

	// Several waiters wake at one append.
	ch := db.Changed()
	var wg sync.WaitGroup
	woke := make(chan struct{}, 3)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if closed(ch, 5*time.Second) {
				woke <- struct{}{}
			}
		}()
	}
	if closed(ch, 20*time.Millisecond) {
		t.Fatal("Changed closed before any append")
	}
	if err := db.Append(ctx, &doctales.LogRecord{Source: doctales.SourceS3, Data: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(woke) != 3 {
		t.Fatalf("%d of 3 waiters woke", len(woke))
	}

	// The next channel is a new one, open until the next append.
	next := db.Changed()
	if closed(next, 20*time.Millisecond) {
		t.Fatal("new Changed channel already closed")
	}
	// Writes that append nothing do not wake waiters.
	if err := db.SetCheckpoint(ctx, "s", 1); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSent(ctx, "m", "c"); err != nil {
		t.Fatal(err)
	}
	if closed(next, 20*time.Millisecond) {
		t.Fatal("Changed closed by a write that appended nothing")
	}
	// Appends inside table writes wake waiters.
	if _, _, err := db.CreateItem(ctx, newItem("e1", time.Now(), "p", "s", "low")); err != nil {
		t.Fatal(err)
	}
	if !closed(next, time.Second) {
		t.Fatal("Changed not closed by CreateItem")
	}
}

func TestEventLog_DeleteLogBefore(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	for i := range 10 {
		if err := db.Append(ctx, &doctales.LogRecord{Source: doctales.SourceS3, Key: fmt.Sprint(i), Data: json.RawMessage(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := db.DeleteLogBefore(ctx, 8); err != nil || n != 7 {
		t.Fatalf("DeleteLogBefore = %d, %v; want 7", n, err)
	}
	recs := mustReadLog(t, db, "")
	if len(recs) != 3 || recs[0].Seq != 8 {
		t.Fatalf("log after compaction = %+v", recs)
	}
	// Seq is never reused, even when the whole log is deleted.
	if _, err := db.DeleteLogBefore(ctx, 100); err != nil {
		t.Fatal(err)
	}
	rec := &doctales.LogRecord{Source: doctales.SourceS3, Data: json.RawMessage(`{}`)}
	if err := db.Append(ctx, rec); err != nil {
		t.Fatal(err)
	} else if rec.Seq != 11 {
		t.Fatalf("seq after compaction = %d, want 11", rec.Seq)
	}
}

func TestDeadLetterStore(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	t0 := time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)

	var dls []*doctales.DeadLetter
	for i, sub := range []string{"extraction", "notification", "extraction"} {
		dl := &doctales.DeadLetter{
			Subscription: sub,
			Source:       doctales.SourceDynamoDB,
			Key:          fmt.Sprintf("email-%d", i),
			Seq:          int64(10 + i),
			Record:       json.RawMessage(fmt.Sprintf(`{"eventID":"%d"}`, i)),
			Error:        "boom",
			Reason:       "retries exhausted",
			Attempts:     3,
			FirstAttempt: t0,
			LastAttempt:  t0.Add(time.Minute),
		}
		if err := db.AddDeadLetter(ctx, dl); err != nil {
			t.Fatal(err)
		} else if dl.ID == 0 || dl.CreatedAt.IsZero() {
			t.Fatalf("AddDeadLetter left ID %d, CreatedAt %v", dl.ID, dl.CreatedAt)
		}
		dls = append(dls, dl)
	}

	t.Run("List", func(t *testing.T) {
		got, err := db.DeadLetters(ctx, "extraction", 0)
		if err != nil {
			t.Fatal(err)
		} else if len(got) != 2 || got[0].ID != dls[0].ID || got[1].ID != dls[2].ID {
			t.Fatalf("DeadLetters(extraction) = %+v", got)
		}
		if got, err := db.DeadLetters(ctx, "", 2); err != nil || len(got) != 2 || got[1].ID != dls[1].ID {
			t.Fatalf("DeadLetters(all, 2) = %+v, %v", got, err)
		}
	})

	t.Run("Get", func(t *testing.T) {
		got, err := db.DeadLetter(ctx, dls[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		want := dls[1]
		if got.Subscription != want.Subscription || got.Key != want.Key || got.Seq != want.Seq ||
			string(got.Record) != string(want.Record) || got.Error != "boom" || got.Reason != want.Reason ||
			got.Attempts != 3 || !got.FirstAttempt.Equal(t0) || !got.LastAttempt.Equal(want.LastAttempt) ||
			!got.CreatedAt.Equal(want.CreatedAt) {
			t.Fatalf("DeadLetter = %+v, want %+v", got, want)
		}
		_, err = db.DeadLetter(ctx, 999)
		assertCode(t, err, doctales.ENOTFOUND)
	})

	t.Run("Redrive", func(t *testing.T) {
		changed := db.Changed()
		rec, err := db.Redrive(ctx, dls[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Seq == 0 || rec.Source != doctales.SourceDynamoDB || rec.Key != "email-0" ||
			rec.Target != "extraction" || string(rec.Data) != string(dls[0].Record) {
			t.Fatalf("Redrive = %+v", rec)
		}
		if !closed(changed, time.Second) {
			t.Fatal("Changed not closed by Redrive")
		}
		recs := mustReadLog(t, db, doctales.SourceDynamoDB)
		if len(recs) != 1 || recs[0].Seq != rec.Seq || recs[0].Target != "extraction" {
			t.Fatalf("log = %+v", recs)
		}
		_, err = db.DeadLetter(ctx, dls[0].ID)
		assertCode(t, err, doctales.ENOTFOUND)

		// A second redrive finds nothing and appends nothing.
		_, err = db.Redrive(ctx, dls[0].ID)
		assertCode(t, err, doctales.ENOTFOUND)
		if recs := mustReadLog(t, db, ""); len(recs) != 1 {
			t.Fatalf("%d records after a second redrive", len(recs))
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		assertCode(t, db.AddDeadLetter(ctx, &doctales.DeadLetter{Source: "aws:s3", Record: json.RawMessage(`{}`)}), doctales.EINVALID)
		assertCode(t, db.AddDeadLetter(ctx, &doctales.DeadLetter{Subscription: "s", Source: "aws:s3", Record: json.RawMessage(`{`)}), doctales.EINVALID)
		assertCode(t, db.AddDeadLetter(ctx, nil), doctales.EINVALID)
	})
}

func TestLedger(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if sent, err := db.Sent(ctx, "msg-1"); err != nil || sent {
		t.Fatalf("Sent before MarkSent = %v, %v", sent, err)
	}
	if err := db.MarkSent(ctx, "msg-1", "email-1"); err != nil {
		t.Fatal(err)
	}
	if sent, err := db.Sent(ctx, "msg-1"); err != nil || !sent {
		t.Fatalf("Sent = %v, %v", sent, err)
	}
	if err := db.MarkSent(ctx, "msg-1", "email-1"); err != nil {
		t.Fatalf("second MarkSent: %v", err)
	}
	if sent, _ := db.Sent(ctx, "msg-2"); sent {
		t.Fatal("unmarked message reported sent")
	}
	assertCode(t, db.MarkSent(ctx, "", "email-1"), doctales.EINVALID)
}

func TestTopic_Publish(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	topic := db.Topic("doc-tales-alerts")
	if topic.ARN() != "arn:aws:sns:us-east-1:000000000000:doc-tales-alerts" {
		t.Fatalf("ARN = %q", topic.ARN())
	}

	m := &doctales.Message{MessageID: "msg-1", Subject: "Urgent: email-1", Message: "body",
		MessageAttributes: map[string]doctales.MessageAttribute{"urgency": {DataType: "String", StringValue: "high"}}}
	if err := topic.Publish(ctx, m); err != nil {
		t.Fatal(err)
	}
	if m.TopicArn != topic.ARN() || m.Timestamp.IsZero() {
		t.Fatalf("Publish left TopicArn %q, Timestamp %v", m.TopicArn, m.Timestamp)
	}
	recs := mustReadLog(t, db, doctales.SourceSNS)
	if len(recs) != 1 || recs[0].Key != "msg-1" {
		t.Fatalf("log = %+v", recs)
	}
	var got doctales.Message
	if err := json.Unmarshal(recs[0].Data, &got); err != nil {
		t.Fatal(err)
	} else if got.MessageID != "msg-1" || got.TopicArn != topic.ARN() || got.Subject != m.Subject ||
		got.MessageAttributes["urgency"].StringValue != "high" {
		t.Fatalf("message = %+v", got)
	}

	// Publishing the same MessageId again appends nothing and wakes no one.
	changed := db.Changed()
	if err := topic.Publish(ctx, &doctales.Message{MessageID: "msg-1", Subject: "again"}); err != nil {
		t.Fatal(err)
	}
	if recs := mustReadLog(t, db, doctales.SourceSNS); len(recs) != 1 {
		t.Fatalf("%d records after a repeated publish", len(recs))
	}
	if closed(changed, 20*time.Millisecond) {
		t.Fatal("Changed closed by a repeated publish")
	}

	// Another message, and the same message on another topic, are appended.
	if err := topic.Publish(ctx, &doctales.Message{MessageID: "msg-2"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Topic("other").Publish(ctx, &doctales.Message{MessageID: "msg-1"}); err != nil {
		t.Fatal(err)
	}
	if recs := mustReadLog(t, db, doctales.SourceSNS); len(recs) != 3 || recs[1].Seq != recs[0].Seq+1 || recs[2].Seq != recs[1].Seq+1 {
		t.Fatalf("log = %+v; want 3 records with consecutive seqs", recs)
	}

	assertCode(t, topic.Publish(ctx, &doctales.Message{}), doctales.EINVALID)
	assertCode(t, topic.Publish(ctx, nil), doctales.EINVALID)
}
