// Package logtest is the shared contract test of [doctales.EventLog], the
// log the runtime delivers from: Append numbers records in order and sets
// their time, ReadLog returns a source's records after a sequence in
// order with every field, bad records are refused whole with the field
// named, checkpoints are kept per name, and Changed wakes at an append.
// Package sqlite's DB (run from this package's test) and package nats's
// Log run it.
package logtest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

func rec(source, key, data string) *doctales.LogRecord {
	return &doctales.LogRecord{Source: source, Key: key, Data: json.RawMessage(data)}
}

// Run runs the contract on fresh, empty logs from newLog.
func Run(t *testing.T, newLog func(t *testing.T) doctales.EventLog) {
	ctx := context.Background()

	t.Run("AppendReadInOrder", func(t *testing.T) {
		l := newLog(t)
		in := []*doctales.LogRecord{
			rec(doctales.SourceS3, "email/1.json", `{"n":1}`),
			rec(doctales.SourceDynamoDB, "USER#1", `{"n":2}`),
			{Source: doctales.SourceS3, Key: "email/2.json", Target: "extraction", Data: json.RawMessage(`{"n":3}`),
				TraceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
		}
		if err := l.Append(ctx, in[:2]...); err != nil {
			t.Fatal(err)
		}
		if err := l.Append(ctx, in[2]); err != nil {
			t.Fatal(err)
		}
		for i, r := range in {
			if r.Seq <= 0 || (i > 0 && r.Seq <= in[i-1].Seq) || r.Time.IsZero() {
				t.Fatalf("record %d: Seq %d, Time %v; want increasing seqs and a time", i, r.Seq, r.Time)
			}
		}
		all, err := l.ReadLog(ctx, "", 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 {
			t.Fatalf("ReadLog(every source) = %d records, want 3", len(all))
		}
		for i, g := range all {
			w := in[i]
			if g.Seq != w.Seq || g.Source != w.Source || g.Key != w.Key || g.Target != w.Target ||
				g.TraceParent != w.TraceParent || string(g.Data) != string(w.Data) || !g.Time.Equal(w.Time) {
				t.Errorf("record %d read back as %+v, appended %+v", i, g, w)
			}
		}
		s3, err := l.ReadLog(ctx, doctales.SourceS3, 0, 100)
		if err != nil || len(s3) != 2 || s3[0].Seq != in[0].Seq || s3[1].Seq != in[2].Seq {
			t.Fatalf("ReadLog(s3) = %v, %v; want records 1 and 3", seqs(s3), err)
		}
		after, err := l.ReadLog(ctx, doctales.SourceS3, in[0].Seq, 100)
		if err != nil || len(after) != 1 || after[0].Seq != in[2].Seq {
			t.Fatalf("ReadLog(s3 after the first) = %v, %v; want record 3", seqs(after), err)
		}
		one, err := l.ReadLog(ctx, "", 0, 1)
		if err != nil || len(one) != 1 || one[0].Seq != in[0].Seq {
			t.Fatalf("ReadLog(limit 1) = %v, %v; want the first record", seqs(one), err)
		}
		def, err := l.ReadLog(ctx, "", 0, 0)
		if err != nil || len(def) != 3 {
			t.Fatalf("ReadLog(limit 0: the default) = %v, %v; want all 3", seqs(def), err)
		}
		none, err := l.ReadLog(ctx, doctales.SourceSNS, 0, 100)
		if err != nil || len(none) != 0 {
			t.Fatalf("ReadLog(a source never appended) = %v, %v; want none", seqs(none), err)
		}
	})

	t.Run("ManyKeepOrder", func(t *testing.T) {
		l := newLog(t)
		var in []*doctales.LogRecord
		for i := range 250 {
			in = append(in, rec(doctales.SourceSNS, fmt.Sprintf("k%d", i%7), fmt.Sprintf(`{"i":%d}`, i)))
		}
		if err := l.Append(ctx, in...); err != nil {
			t.Fatal(err)
		}
		var after int64
		n := 0
		for {
			page, err := l.ReadLog(ctx, doctales.SourceSNS, after, 60)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, r := range page {
				if want := fmt.Sprintf(`{"i":%d}`, n); string(r.Data) != want || r.Seq != in[n].Seq {
					t.Fatalf("record %d is %s seq %d; want %s seq %d", n, r.Data, r.Seq, want, in[n].Seq)
				}
				after = r.Seq
				n++
			}
		}
		if n != 250 {
			t.Fatalf("read %d of 250", n)
		}
	})

	t.Run("RefusesBadRecordsWhole", func(t *testing.T) {
		l := newLog(t)
		for _, tt := range []struct {
			name, field string
			recs        []*doctales.LogRecord
		}{
			{"nil", "", []*doctales.LogRecord{rec("s", "k", `{}`), nil}},
			{"no source", "source", []*doctales.LogRecord{rec("s", "k", `{}`), rec("", "k", `{}`)}},
			{"not JSON", "data", []*doctales.LogRecord{rec("s", "k", `{}`), rec("s", "k", `{"a":`)}},
		} {
			err := l.Append(ctx, tt.recs...)
			if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != tt.field {
				t.Errorf("Append(%s) = %v; want EINVALID on %q", tt.name, err, tt.field)
			}
			if tt.recs[0].Seq != 0 {
				t.Errorf("Append(%s) refused, yet set the first record's Seq to %d", tt.name, tt.recs[0].Seq)
			}
		}
		if err := l.Append(ctx); err != nil {
			t.Errorf("Append() of nothing = %v; want nil", err)
		}
		if all, err := l.ReadLog(ctx, "", 0, 100); err != nil || len(all) != 0 {
			t.Fatalf("after refused appends the log holds %v, %v; want nothing", seqs(all), err)
		}
	})

	t.Run("Checkpoints", func(t *testing.T) {
		l := newLog(t)
		if cp, err := l.Checkpoint(ctx, "extraction"); err != nil || cp != 0 {
			t.Fatalf("Checkpoint before any = %d, %v; want 0", cp, err)
		}
		for _, step := range []struct {
			name string
			seq  int64
		}{{"extraction", 10}, {"extraction/part-1-of-2", 4}, {"extraction", 3}} { // the last moves back: a replay
			if err := l.SetCheckpoint(ctx, step.name, step.seq); err != nil {
				t.Fatal(err)
			}
			if cp, err := l.Checkpoint(ctx, step.name); err != nil || cp != step.seq {
				t.Fatalf("Checkpoint(%s) = %d, %v; want %d", step.name, cp, err, step.seq)
			}
		}
		if cp, _ := l.Checkpoint(ctx, "extraction/part-1-of-2"); cp != 4 {
			t.Fatalf("another name's checkpoint moved: %d, want 4", cp)
		}
		if err := l.SetCheckpoint(ctx, "", 1); doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "subscription" {
			t.Errorf("SetCheckpoint without a name = %v; want EINVALID on subscription", err)
		}
		if err := l.SetCheckpoint(ctx, "x", -1); doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "seq" {
			t.Errorf("SetCheckpoint(-1) = %v; want EINVALID on seq", err)
		}
	})

	t.Run("ChangedWakesAtAppend", func(t *testing.T) {
		l := newLog(t)
		ch := l.Changed()
		select {
		case <-ch:
			t.Fatal("Changed closed before any append")
		default:
		}
		if err := l.Append(ctx, rec(doctales.SourceS3, "k", `{}`)); err != nil {
			t.Fatal(err)
		}
		// The waiter wakes at the append (the JetStream log also when the
		// stream's republish arrives): wait on the channel, bounded.
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatal("Changed not closed within 10 s of an append")
		}
		if next := l.Changed(); next == ch {
			t.Fatal("Changed returns the same, closed channel after an append")
		}
	})
}

func seqs(recs []*doctales.LogRecord) []int64 {
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r.Seq
	}
	return out
}
