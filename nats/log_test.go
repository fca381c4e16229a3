package nats_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/logtest"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/nats"
)

// MustOpenLog opens a log on srv with opts, closed at test end.
func MustOpenLog(tb testing.TB, srv *testutil.NATSServer, opts nats.Options) *nats.Log {
	tb.Helper()
	l, err := nats.Open(context.Background(), srv.URL, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = l.Close() })
	return l
}

// The JetStream log passes the EventLog contract the SQLite log passes.
func TestLog_Contract(t *testing.T) {
	srv := testutil.StartNATS(t)
	n := 0
	logtest.Run(t, func(t *testing.T) doctales.EventLog {
		n++ // a stream and bucket of its own for each case: the log starts empty
		return MustOpenLog(t, srv, nats.Options{Stream: fmt.Sprintf("C%d", n), SubjectPrefix: fmt.Sprintf("c%d", n),
			CheckpointBucket: fmt.Sprintf("cp%d", n)})
	})
}

func rec(source, key, data string) *doctales.LogRecord {
	return &doctales.LogRecord{Source: source, Key: key, Data: json.RawMessage(data)}
}

func TestLog_AppendRead(t *testing.T) {
	srv := testutil.StartNATS(t)
	l := MustOpenLog(t, srv, nats.Options{})
	ctx := context.Background()
	at := time.Date(2026, 12, 5, 10, 0, 0, 123456789, time.UTC)
	l2 := MustOpenLog(t, srv, nats.Options{Now: func() time.Time { return at }})

	in := []*doctales.LogRecord{
		rec(doctales.SourceS3, "email/a.json", `{"n":1}`),
		rec(doctales.SourceDynamoDB, "USER#1", `{"n":2}`),
		{Source: doctales.SourceS3, Key: " spaced key ", Target: "only-me", Data: json.RawMessage(`{"n":3}`),
			TraceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
		rec(doctales.SourceS3, "line\r\nbreak", `{"n":4}`),
		rec("odd source.with*dots", "", `{"n":5}`),
	}
	if err := l2.Append(ctx, in...); err != nil {
		t.Fatal(err)
	}
	for i, r := range in {
		if r.Seq != int64(i+1) || !r.Time.Equal(at) {
			t.Fatalf("record %d: Seq %d Time %v; want %d, %v", i, r.Seq, r.Time, i+1, at)
		}
	}

	// Every source, in order, every field back.
	all, err := l.ReadLog(ctx, "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(in) {
		t.Fatalf("ReadLog(all) = %d records, want %d", len(all), len(in))
	}
	for i, got := range all {
		w := in[i]
		if got.Seq != w.Seq || got.Source != w.Source || got.Key != w.Key || got.Target != w.Target ||
			got.TraceParent != w.TraceParent || string(got.Data) != string(w.Data) || !got.Time.Equal(w.Time) {
			t.Errorf("record %d read back as %+v, want %+v", i, got, w)
		}
	}

	// One source, after a seq, with a limit.
	s3, err := l.ReadLog(ctx, doctales.SourceS3, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(s3) != 1 || s3[0].Seq != 3 {
		t.Fatalf("ReadLog(s3, after 1, limit 1) = %v; want seq 3", seqs(s3))
	}
	s3, err = l.ReadLog(ctx, doctales.SourceS3, 0, 100)
	if err != nil || fmt.Sprint(seqs(s3)) != "[1 3 4]" {
		t.Fatalf("ReadLog(s3) = %v, %v; want [1 3 4]", seqs(s3), err)
	}
	none, err := l.ReadLog(ctx, doctales.SourceSNS, 0, 100)
	if err != nil || len(none) != 0 {
		t.Fatalf("ReadLog(sns) = %v, %v; want none", seqs(none), err)
	}
	past, err := l.ReadLog(ctx, "", 5, 100)
	if err != nil || len(past) != 0 {
		t.Fatalf("ReadLog(after the last) = %v, %v; want none", seqs(past), err)
	}
	if last, err := l.LastSeq(ctx, doctales.SourceS3); err != nil || last != 4 {
		t.Fatalf("LastSeq(s3) = %d, %v; want 4", last, err)
	}
	if last, err := l.LastSeq(ctx, doctales.SourceSNS); err != nil || last != 0 {
		t.Fatalf("LastSeq(sns) = %d, %v; want 0", last, err)
	}

	// Many records keep their order across pages.
	var many []*doctales.LogRecord
	for i := range 1200 {
		many = append(many, rec(doctales.SourceSNS, fmt.Sprintf("k%d", i%13), fmt.Sprintf(`{"i":%d}`, i)))
	}
	if err := l.Append(ctx, many...); err != nil {
		t.Fatal(err)
	}
	var after int64
	n := 0
	for {
		page, err := l.ReadLog(ctx, doctales.SourceSNS, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			if want := fmt.Sprintf(`{"i":%d}`, n); string(r.Data) != want || r.Seq <= after {
				t.Fatalf("record %d is %s (seq %d after %d); want %s", n, r.Data, r.Seq, after, want)
			}
			after = r.Seq
			n++
		}
	}
	if n != 1200 {
		t.Fatalf("read %d of 1200 records", n)
	}
}

func seqs(recs []*doctales.LogRecord) []int64 {
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r.Seq
	}
	return out
}

func TestLog_AppendRejects(t *testing.T) {
	srv := testutil.StartNATS(t)
	l := MustOpenLog(t, srv, nats.Options{})
	ctx := context.Background()
	for _, tt := range []struct {
		name, code, field, msg string
		recs                   []*doctales.LogRecord
	}{
		{"nil", doctales.EINVALID, "", "Log record 1 is nil", []*doctales.LogRecord{rec("s", "k", `{}`), nil}},
		{"no source", doctales.EINVALID, "source", "Log record 0 has no source", []*doctales.LogRecord{rec("", "k", `{}`)}},
		{"bad json", doctales.EINVALID, "data", "Log record 0: data is not valid JSON", []*doctales.LogRecord{rec("s", "k", `{`)}},
		{"long source", doctales.EINVALID, "source", "Log record 0: source is 257 bytes; the limit is 256", []*doctales.LogRecord{rec(strings.Repeat("s", 257), "k", `{}`)}},
		{"too large", doctales.ETOOLARGE, "data", "the server's maximum payload is 1048576",
			[]*doctales.LogRecord{rec("s", "k", `{}`), rec("s", "big", `"`+strings.Repeat("x", 1<<20)+`"`)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := l.Append(ctx, tt.recs...)
			if doctales.ErrorCode(err) != tt.code || doctales.ErrorField(err) != tt.field || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Append = %v (code %s, field %q); want %s on %q saying %q", err, doctales.ErrorCode(err), doctales.ErrorField(err), tt.code, tt.field, tt.msg)
			}
		})
	}
	// Nothing of a rejected call was published.
	if recs, err := l.ReadLog(ctx, "", 0, 100); err != nil || len(recs) != 0 {
		t.Fatalf("after rejected appends the log has %v, %v; want nothing", seqs(recs), err)
	}
	if err := l.AppendFrom(ctx, "", rec("s", "k", `{}`)); doctales.ErrorField(err) != "origin" {
		t.Fatalf("AppendFrom without origin = %v; want EINVALID on origin", err)
	}
	if err := l.AppendFrom(ctx, "o", rec("s", "k", `{}`)); doctales.ErrorField(err) != "seq" || !strings.Contains(err.Error(), "origin seq 0") {
		t.Fatalf("AppendFrom of seq 0 = %v; want EINVALID on seq", err)
	}
	for _, origin := range []string{"has space", "line\nbreak", strings.Repeat("o", nats.MaxOriginBytes+1)} {
		r := rec("s", "k", `{}`)
		r.Seq = 1
		if err := l.AppendFrom(ctx, origin, r); doctales.ErrorField(err) != "origin" || len(err.Error()) > 300 {
			t.Fatalf("AppendFrom(origin %.20q) = %v; want a short EINVALID on origin", origin, err)
		}
	}
	// A huge key makes the record too large; the error quotes only its start.
	err := l.Append(ctx, rec("s", strings.Repeat("k", 2<<20), `{}`))
	if doctales.ErrorCode(err) != doctales.ETOOLARGE || len(err.Error()) > 300 {
		t.Fatalf("Append with a 2 MiB key = %.300v (%d bytes); want a short ETOOLARGE", err, len(err.Error()))
	}
}

func TestOptions_Validate(t *testing.T) {
	for _, tt := range []struct {
		o     nats.Options
		field string
		msg   string
	}{
		{nats.Options{Stream: "has space"}, "Stream", `stream name "has space"`},
		{nats.Options{SubjectPrefix: "a.>"}, "SubjectPrefix", `subject prefix "a.>"`},
		{nats.Options{CheckpointBucket: "a.b"}, "CheckpointBucket", `checkpoint bucket "a.b"`},
		{nats.Options{Replicas: 6}, "Replicas", "replicas 6 is outside 1..5"},
		{nats.Options{SubjectPartitions: nats.MaxSubjectPartitions * 2}, "SubjectPartitions", "subject partitions 2048 is not a power of two in 1..1024"},
		{nats.Options{SubjectPartitions: 12}, "SubjectPartitions", "subject partitions 12 is not a power of two"},
		{nats.Options{MaxAge: time.Minute}, "DuplicateWindow", "duplicate window 2m0s is longer than the maximum age 1m0s"},
		{nats.Options{MaxBytes: -1}, "MaxBytes", "maximum bytes -1 is negative"},
	} {
		err := tt.o.Validate()
		if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != tt.field || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Validate(%+v) = %v; want EINVALID on %s saying %q", tt.o, err, tt.field, tt.msg)
		}
	}
	if err := (nats.Options{}).Validate(); err != nil {
		t.Errorf("Validate of the defaults = %v", err)
	}
	// Open checks them before connecting.
	if _, err := nats.Open(context.Background(), "nats://127.0.0.1:1", nats.Options{Replicas: 9}); doctales.ErrorField(err) != "Replicas" {
		t.Errorf("Open with 9 replicas = %v; want EINVALID on Replicas", err)
	}
}

func TestLog_Checkpoints(t *testing.T) {
	srv := testutil.StartNATS(t)
	l := MustOpenLog(t, srv, nats.Options{})
	ctx := context.Background()
	for _, name := range []string{"extraction", "notification/part-1-of-2", "webhook:https://x.example/a b", "b64.trick"} {
		if cp, err := l.Checkpoint(ctx, name); err != nil || cp != 0 {
			t.Fatalf("Checkpoint(%q) before any = %d, %v; want 0", name, cp, err)
		}
		if err := l.SetCheckpoint(ctx, name, 42); err != nil {
			t.Fatal(err)
		}
		if cp, err := l.Checkpoint(ctx, name); err != nil || cp != 42 {
			t.Fatalf("Checkpoint(%q) = %d, %v; want 42", name, cp, err)
		}
	}
	// Names map to distinct keys.
	if cp, _ := l.Checkpoint(ctx, "trick"); cp != 0 {
		t.Fatalf("Checkpoint(trick) = %d; want 0 (b64.trick is another name)", cp)
	}
	if err := l.SetCheckpoint(ctx, "extraction", 7); err != nil { // moves back: a replay
		t.Fatal(err)
	}
	if cp, _ := l.Checkpoint(ctx, "extraction"); cp != 7 {
		t.Fatalf("Checkpoint after moving back = %d, want 7", cp)
	}
	if err := l.SetCheckpoint(ctx, "", 1); doctales.ErrorField(err) != "subscription" {
		t.Fatalf("SetCheckpoint without a name = %v; want EINVALID on subscription", err)
	}
	if err := l.SetCheckpoint(ctx, "x", -1); doctales.ErrorField(err) != "seq" || !strings.Contains(err.Error(), "-1") {
		t.Fatalf("SetCheckpoint(-1) = %v; want EINVALID on seq naming -1", err)
	}
	long := strings.Repeat("n", nats.MaxCheckpointNameBytes+1)
	if err := l.SetCheckpoint(ctx, long, 1); doctales.ErrorField(err) != "subscription" || !strings.Contains(err.Error(), "1025 bytes; the limit is 1024") {
		t.Fatalf("SetCheckpoint(1025-byte name) = %v; want EINVALID naming the size and limit", err)
	}
	if _, err := l.Checkpoint(ctx, long); doctales.ErrorField(err) != "subscription" {
		t.Fatalf("Checkpoint(1025-byte name) = %v; want EINVALID on subscription", err)
	}
	// At the limit it works, whatever the bytes (stored base64-encoded).
	edge := strings.Repeat("é", nats.MaxCheckpointNameBytes/2)
	if err := l.SetCheckpoint(ctx, edge, 9); err != nil {
		t.Fatal(err)
	}
	if cp, err := l.Checkpoint(ctx, edge); err != nil || cp != 9 {
		t.Fatalf("Checkpoint(1024-byte name) = %d, %v; want 9", cp, err)
	}
}

// A republish of the same origin record is stored once and answered with
// the first copy's sequence.
func TestLog_AppendFromDeduplicates(t *testing.T) {
	srv := testutil.StartNATS(t)
	l := MustOpenLog(t, srv, nats.Options{})
	ctx := context.Background()
	batch := func() []*doctales.LogRecord {
		var recs []*doctales.LogRecord
		for i := 1; i <= 3; i++ {
			r := rec(doctales.SourceDynamoDB, fmt.Sprintf("k%d", i), fmt.Sprintf(`{"i":%d}`, i))
			r.Seq = int64(100 + i) // the origin's seq
			recs = append(recs, r)
		}
		return recs
	}
	first := batch()
	if err := l.AppendFrom(ctx, "sqlite", first...); err != nil {
		t.Fatal(err)
	}
	again := append(batch(), &doctales.LogRecord{Seq: 104, Source: doctales.SourceDynamoDB, Key: "k4", Data: json.RawMessage(`{"i":4}`)})
	if err := l.AppendFrom(ctx, "sqlite", again...); err != nil {
		t.Fatal(err)
	}
	for i := range first {
		if again[i].Seq != first[i].Seq {
			t.Fatalf("republished record %d got seq %d; the first copy has %d", i, again[i].Seq, first[i].Seq)
		}
	}
	// Another origin with the same seqs is not a duplicate.
	other := batch()[:1]
	if err := l.AppendFrom(ctx, "postgres", other...); err != nil {
		t.Fatal(err)
	}
	recs, err := l.ReadLog(ctx, "", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(seqs(recs)) != "[1 2 3 4 5]" {
		t.Fatalf("log holds %v; want 5 records (3, 1 new, 1 of another origin)", seqs(recs))
	}
}

// Changed wakes a reader in another connection once the record is stored:
// a read right after it sees the record.
func TestLog_Changed(t *testing.T) {
	srv := testutil.StartNATS(t)
	writer := MustOpenLog(t, srv, nats.Options{})
	reader := MustOpenLog(t, srv, nats.Options{})
	ctx := context.Background()
	for i := range 3 {
		ch := reader.Changed()
		select {
		case <-ch:
			t.Fatal("Changed closed before any append")
		default:
		}
		if err := writer.Append(ctx, rec(doctales.SourceS3, "k", fmt.Sprintf(`{"i":%d}`, i))); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("append %d: Changed not closed within 10 s", i)
		}
		recs, err := reader.ReadLog(ctx, doctales.SourceS3, int64(i), 10)
		if err != nil || len(recs) != 1 {
			t.Fatalf("after Changed, ReadLog = %v, %v; want the new record", seqs(recs), err)
		}
	}
	// Close closes the channel too: nobody waits forever.
	ch := reader.Changed()
	_ = reader.Close()
	select {
	case <-ch:
	case <-time.After(time.Second):
		t.Fatal("Changed not closed by Close")
	}
	if _, err := reader.ReadLog(ctx, "", 0, 1); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("ReadLog after Close = %v; want an error saying closed", err)
	}
}

// File storage: records and checkpoints survive a server restart, and the
// same Log reconnects.
func TestLog_ServerRestartKeepsRecords(t *testing.T) {
	srv := testutil.StartNATS(t)
	l := MustOpenLog(t, srv, nats.Options{})
	ctx := context.Background()
	var in []*doctales.LogRecord
	for i := range 50 {
		in = append(in, rec(doctales.SourceS3, fmt.Sprintf("k%d", i%5), fmt.Sprintf(`{"i":%d}`, i)))
	}
	if err := l.Append(ctx, in...); err != nil {
		t.Fatal(err)
	}
	if err := l.SetCheckpoint(ctx, "s", 20); err != nil {
		t.Fatal(err)
	}
	srv.Restart()

	// Wait for the reconnection: the first reads may fail while it happens.
	var recs []*doctales.LogRecord
	var err error
	deadline := time.Now().Add(15 * time.Second)
	for {
		rctx, cancel := context.WithTimeout(ctx, time.Second)
		recs, err = l.ReadLog(rctx, doctales.SourceS3, 0, 100)
		cancel()
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // waiting for the client's reconnect, which has no signal to wait on here
	}
	if err != nil {
		t.Fatalf("after restart: %v\n%s", err, srv.Log())
	}
	if len(recs) != 50 || string(recs[49].Data) != `{"i":49}` {
		t.Fatalf("after restart the log holds %d records; want the 50 appended", len(recs))
	}
	if cp, err := l.Checkpoint(ctx, "s"); err != nil || cp != 20 {
		t.Fatalf("checkpoint after restart = %d, %v; want 20", cp, err)
	}
	// And it goes on from there.
	r := rec(doctales.SourceS3, "k", `{"i":50}`)
	if err := l.Append(ctx, r); err != nil || r.Seq != 51 {
		t.Fatalf("append after restart: seq %d, %v; want 51", r.Seq, err)
	}
}

// ReadPartition returns, page by page, exactly the records of the
// partition, in order, for every split that divides SubjectPartitions;
// other splits are refused (ok false) so that the runtime reads all.
func TestLog_ReadPartition(t *testing.T) {
	srv := testutil.StartNATS(t)
	l := MustOpenLog(t, srv, nats.Options{})
	ctx := context.Background()
	var in []*doctales.LogRecord
	for i := range 1000 {
		src := doctales.SourceS3
		if i%3 == 0 {
			src = doctales.SourceDynamoDB
		}
		in = append(in, rec(src, fmt.Sprintf("USER#%d", i%50), fmt.Sprintf(`{"i":%d}`, i)))
	}
	if err := l.Append(ctx, in...); err != nil {
		t.Fatal(err)
	}
	for _, source := range []string{doctales.SourceS3, ""} {
		for _, count := range []int{2, 4, 8, 16} {
			seen := map[int64]bool{}
			for index := range count {
				var after int64
				for {
					page, ok, err := l.ReadPartition(ctx, source, index, count, after, 37)
					if err != nil || !ok {
						t.Fatalf("ReadPartition(%q, %d of %d) = ok %v, %v", source, index, count, ok, err)
					}
					if len(page) == 0 {
						break
					}
					for _, r := range page {
						if r.Seq <= after {
							t.Fatalf("partition %d of %d: seq %d after %d", index, count, r.Seq, after)
						}
						if p := doctales.KeyPartition(r.Key, count); p != index || (source != "" && r.Source != source) {
							t.Fatalf("partition %d of %d got %s %s (partition %d)", index, count, r.Source, r.Key, p)
						}
						if seen[r.Seq] {
							t.Fatalf("seq %d read twice", r.Seq)
						}
						seen[r.Seq] = true
						after = r.Seq
					}
				}
			}
			for _, r := range in {
				if (source == "" || r.Source == source) && !seen[r.Seq] {
					t.Fatalf("source %q, %d partitions: seq %d (%s) never read", source, count, r.Seq, r.Key)
				}
			}
		}
	}
	for _, count := range []int{3, 6, 32, 1} {
		if _, ok, err := l.ReadPartition(ctx, doctales.SourceS3, 0, count, 0, 10); ok || err != nil {
			t.Errorf("ReadPartition with %d partitions of 16 subject partitions = ok %v, %v; want refused", count, ok, err)
		}
	}
	if got := l.Subject(doctales.SourceS3, "USER#7"); !strings.HasPrefix(got, "doctales.aws:s3.") || strings.Count(got, ".") != 5 {
		t.Errorf("Subject = %q; want doctales.aws:s3. and 4 partition bits", got)
	}
}

// CopiedFrom finds an origin's copies after a sequence among the last
// messages, by their ids, and nothing else's.
func TestLog_CopiedFrom(t *testing.T) {
	srv := testutil.StartNATS(t)
	l := MustOpenLog(t, srv, nats.Options{})
	ctx := context.Background()
	from := func(origin string, seqs ...int64) {
		var recs []*doctales.LogRecord
		for _, s := range seqs {
			r := rec(doctales.SourceDynamoDB, "k", `{}`)
			r.Seq = s
			recs = append(recs, r)
		}
		if err := l.AppendFrom(ctx, origin, recs...); err != nil {
			t.Fatal(err)
		}
	}
	from("sqlite", 1, 2, 3)
	if err := l.Append(ctx, rec(doctales.SourceDynamoDB, "k", `{}`), rec(doctales.SourceS3, "k", `{}`)); err != nil {
		t.Fatal(err)
	}
	from("sqlite-other", 4, 5)
	from("sqlite", 4, 5)
	for _, tt := range []struct {
		origin, source string
		after          int64
		scan           int
		want           string
	}{
		{"sqlite", "", 0, 100, "map[1:true 2:true 3:true 4:true 5:true]"},
		{"sqlite", doctales.SourceDynamoDB, 2, 100, "map[3:true 4:true 5:true]"},
		{"sqlite", doctales.SourceS3, 0, 100, "map[]"},
		{"sqlite", "", 0, 2, "map[4:true 5:true]"}, // only the last two messages
		{"sqlite-other", "", 0, 100, "map[4:true 5:true]"},
		{"postgres", "", 0, 100, "map[]"},
	} {
		got, err := l.CopiedFrom(ctx, tt.origin, tt.source, tt.after, tt.scan)
		if err != nil || fmt.Sprint(got) != tt.want {
			t.Errorf("CopiedFrom(%s, %q, after %d, scan %d) = %v, %v; want %s", tt.origin, tt.source, tt.after, tt.scan, got, err, tt.want)
		}
	}
}
