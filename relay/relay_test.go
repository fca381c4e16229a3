package relay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/nats"
	"github.com/doctales/doctales/relay"
	"github.com/doctales/doctales/sqlite"
)

func mustOpenSQLite(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db := sqlite.NewDB(filepath.Join(tb.TempDir(), "doctales.db"))
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func appendN(t *testing.T, db *sqlite.DB, from, to int) {
	t.Helper()
	var recs []*doctales.LogRecord
	for i := from; i < to; i++ {
		recs = append(recs, &doctales.LogRecord{Source: doctales.SourceDynamoDB, Key: fmt.Sprintf("USER#%d", i%7),
			Data: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)), TraceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})
		if i%10 == 0 {
			recs[len(recs)-1].Target = "redriven-to-one"
		}
	}
	if err := db.Append(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
}

// crashAfterAppend is the origin log of a relay that dies after its
// append and before its checkpoint: SetCheckpoint fails.
type crashAfterAppend struct{ doctales.EventLog }

func (crashAfterAppend) SetCheckpoint(context.Context, string, int64) error {
	return errors.New("killed before the checkpoint")
}

// waitFor polls cond until it holds or 20 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// dedupeOnly is the JetStream log seen only as an OriginAppender: the
// relay cannot look for its copies and relies on Nats-Msg-Id alone.
type dedupeOnly struct{ *nats.Log }

func (d dedupeOnly) CopiedFrom() {} // hides (*nats.Log).CopiedFrom: not a relay.CopyFinder

var _ relay.OriginAppender = dedupeOnly{}

// The relay copies a SQLite log into JetStream once, in order, across a
// clean restart in the middle and a crash between append and checkpoint:
// the restarted relay finds the crashed batch in the stream and skips it
// (CopyFinder), or appends it again and JetStream drops it (Nats-Msg-Id).
func TestRelay_SQLiteToJetStreamOnce(t *testing.T) {
	t.Run("found in the stream", func(t *testing.T) { testRelayOnce(t, false) })
	t.Run("dropped by Nats-Msg-Id", func(t *testing.T) { testRelayOnce(t, true) })
}

func testRelayOnce(t *testing.T, msgIDOnly bool) {
	srv := testutil.StartNATS(t)
	origin := mustOpenSQLite(t)
	js, err := nats.Open(context.Background(), srv.URL, nats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.Close() })
	var dest doctales.EventLog = js
	if msgIDOnly {
		dest = dedupeOnly{js}
	}
	if _, ok := dest.(relay.CopyFinder); ok == msgIDOnly {
		t.Fatalf("destination is a CopyFinder: %v", ok)
	}
	ctx := context.Background()
	appendN(t, origin, 0, 250)

	// A relay runs and is stopped mid-way (or, on a fast machine, after
	// it has copied all 250: the next 50 come after it stopped, so that
	// the crashing relay below always has a full batch to copy).
	r1 := &relay.Relay{From: origin, To: dest, Origin: "sqlite", Source: doctales.SourceDynamoDB, BatchSize: 40, PollInterval: 20 * time.Millisecond}
	if err := r1.Open(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first relay to copy 80 records", func() bool { return r1.Copied() >= 80 })
	if err := r1.Close(); err != nil {
		t.Fatal(err)
	}
	cp, err := origin.Checkpoint(ctx, "relay/sqlite/"+doctales.SourceDynamoDB)
	if err != nil || cp < 80 {
		t.Fatalf("relay checkpoint after the first run = %d, %v; want at least 80", cp, err)
	}
	appendN(t, origin, 250, 300) // 300 records in the origin, seqs 1..300

	// A second one copies one batch and dies before its checkpoint.
	r2 := &relay.Relay{From: crashAfterAppend{origin}, To: dest, Origin: "sqlite", Source: doctales.SourceDynamoDB, BatchSize: 40}
	n, err := r2.Step(ctx)
	if n != 40 || err == nil || !strings.Contains(err.Error(), "set checkpoint") {
		t.Fatalf("crashing step = %d, %v; want 40 copied and a checkpoint error", n, err)
	}

	// More comes in; a third starts from the checkpoint, copies the
	// crashed batch again (deduplicated) and the rest.
	appendN(t, origin, 300, 350)
	r3 := &relay.Relay{From: origin, To: dest, Origin: "sqlite", Source: doctales.SourceDynamoDB, BatchSize: 40, PollInterval: 20 * time.Millisecond}
	if err := r3.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r3.Close() })
	waitFor(t, "the relay checkpoint to reach 350", func() bool {
		cp, _ := origin.Checkpoint(ctx, "relay/sqlite/"+doctales.SourceDynamoDB)
		return cp == 350
	})
	total := r1.Copied() + r2.Copied() + r3.Copied()
	if msgIDOnly && total < 350+40 {
		t.Fatalf("relays appended %d records in all; the crashed batch of 40 should have been appended twice", total)
	} else if !msgIDOnly && total > 350 {
		// (Fewer is possible: a Close that cancels an append whose
		// records reach the stream anyway leaves them uncounted; the
		// stream's contents, checked below, are what must be exact.)
		t.Fatalf("relays appended %d records in all; want at most 350, the crashed batch found in the stream and skipped", total)
	}

	// JetStream holds every origin record once, in order, fields kept.
	want, err := origin.ReadLog(ctx, doctales.SourceDynamoDB, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	got, err := js.ReadLog(ctx, "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("JetStream holds %d records; the origin %d", len(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		if g.Seq != int64(i+1) || string(g.Data) != string(w.Data) || g.Key != w.Key || g.Target != w.Target ||
			g.Source != w.Source || g.TraceParent != w.TraceParent || !g.Time.Equal(w.Time) {
			t.Fatalf("JetStream record %d = %+v; origin %+v", i, g, w)
		}
	}

	// A new append reaches JetStream through Changed, without a poll.
	appendN(t, origin, 350, 351)
	waitFor(t, "record 351 in JetStream", func() bool {
		last, _ := js.LastSeq(ctx, doctales.SourceDynamoDB)
		return last == 351
	})
}

func TestRelay_Validate(t *testing.T) {
	db := mustOpenSQLite(t)
	for _, tt := range []struct {
		r     *relay.Relay
		field string
	}{
		{&relay.Relay{To: db, Origin: "o"}, "From"},
		{&relay.Relay{From: db, Origin: "o"}, "To"},
		{&relay.Relay{From: db, To: db}, "Origin"},
		{&relay.Relay{From: db, To: db, Origin: "o", BatchSize: relay.MaxBatchSize + 1}, "BatchSize"},
		{&relay.Relay{From: db, To: db, Origin: "o", PollInterval: -time.Second}, "PollInterval"},
	} {
		if err := tt.r.Open(); doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != tt.field {
			t.Errorf("Open without a valid %s = %v; want EINVALID on it", tt.field, err)
		}
	}
}

// Without deduplication in the destination (another SQLite log), the
// relay still copies every record, at least once.
func TestRelay_PlainDestination(t *testing.T) {
	from, to := mustOpenSQLite(t), mustOpenSQLite(t)
	appendN(t, from, 0, 30)
	r := &relay.Relay{From: from, To: to, Origin: "a", BatchSize: 7}
	for {
		n, err := r.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	got, err := to.ReadLog(context.Background(), "", 0, 100)
	if err != nil || len(got) != 30 || string(got[29].Data) != `{"i":29}` {
		t.Fatalf("destination holds %d records, %v; want 30", len(got), err)
	}
}

// Run, as an elected leader runs it: each Run starts from the checkpoint
// in From, so a relay leading again after another process led in
// between resumes where that one stopped and copies nothing twice (the
// destination here deduplicates nothing).
func TestRelay_RunResumesFromCheckpoint(t *testing.T) {
	from, to := mustOpenSQLite(t), mustOpenSQLite(t)
	ctx := context.Background()
	count := func() int {
		got, err := to.ReadLog(ctx, "", 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return len(got)
	}
	run := func(r *relay.Relay, want int) {
		t.Helper()
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- r.Run(rctx) }()
		waitFor(t, fmt.Sprintf("%d records in the destination", want), func() bool { return count() >= want })
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	a := &relay.Relay{From: from, To: to, Origin: "a", BatchSize: 7, PollInterval: 10 * time.Millisecond}
	appendN(t, from, 0, 30)
	run(a, 30)
	// Another process leads: it copies the next ten.
	appendN(t, from, 30, 40)
	b := &relay.Relay{From: from, To: to, Origin: "a", BatchSize: 7}
	for {
		n, err := b.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	// The first leads again and copies only what came after.
	appendN(t, from, 40, 50)
	run(a, 50)
	got, err := to.ReadLog(ctx, "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 50 {
		t.Fatalf("destination holds %d records, want 50: a Run did not start from the checkpoint", len(got))
	}
	for i, g := range got {
		if want := fmt.Sprintf(`{"i":%d}`, i); string(g.Data) != want {
			t.Fatalf("record %d is %s, want %s", i+1, g.Data, want)
		}
	}
	if err := (&relay.Relay{From: from, To: to}).Run(ctx); doctales.ErrorField(err) != "Origin" {
		t.Fatalf("Run without Origin = %v", err)
	}
}

// cancelAfterAppend is the real destination log, whose Append ends the
// caller's context once the records are in: a leader stepping down
// between the copy and the checkpoint.
type cancelAfterAppend struct {
	doctales.EventLog
	cancel context.CancelFunc
}

func (c cancelAfterAppend) Append(ctx context.Context, recs ...*doctales.LogRecord) error {
	err := c.EventLog.Append(ctx, recs...)
	c.cancel()
	return err
}

// A batch appended to To is recorded in the checkpoint even when the
// context ends right after the append: otherwise the next Run copies it
// again (TestRelay_RunResumesFromCheckpoint saw 52 records for 50 when
// its cancel fell there).
func TestRelay_CheckpointAfterCancel(t *testing.T) {
	from, to := mustOpenSQLite(t), mustOpenSQLite(t)
	appendN(t, from, 0, 5)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &relay.Relay{From: from, To: cancelAfterAppend{EventLog: to, cancel: cancel}, Origin: "a", BatchSize: 5}
	if n, err := r.Step(ctx); err != nil || n != 5 {
		t.Fatalf("Step = %d, %v; want 5 records copied", n, err)
	}
	cp, err := from.Checkpoint(context.Background(), r.Name)
	if err != nil {
		t.Fatal(err)
	}
	got, err := to.ReadLog(context.Background(), "", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if last := got[len(got)-1]; cp == 0 || len(got) != 5 {
		t.Fatalf("checkpoint %d after copying %d records (last %s): the batch is copied but not recorded", cp, len(got), last.Data)
	}
}

// commitsThenEnds is a log whose Append commits and then reports the
// caller's context as ended, as the SQLite writer may when ctx ends while
// a write runs: the leader steps down as its batch commits.
type commitsThenEnds struct {
	*sqlite.DB
	stepDown context.CancelFunc
}

func (l commitsThenEnds) Append(ctx context.Context, recs ...*doctales.LogRecord) error {
	if err := l.DB.Append(context.WithoutCancel(ctx), recs...); err != nil {
		return err
	}
	l.stepDown()
	return ctx.Err()
}

// A batch whose append commits as the leader's context ends is
// checkpointed all the same: the next leader copies nothing twice (CI saw
// 52 records of 50 in TestRelay_RunResumesFromCheckpoint once).
func TestRelay_StepDownDuringAppendCopiesNothingTwice(t *testing.T) {
	from, sink := mustOpenSQLite(t), mustOpenSQLite(t)
	appendN(t, from, 0, 5)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := &relay.Relay{From: from, To: commitsThenEnds{DB: sink, stepDown: cancel}, Origin: "a", BatchSize: 5}
	if _, err := a.Step(ctx); err != nil {
		t.Fatalf("step: %v (a batch that committed was reported as failed)", err)
	}
	appendN(t, from, 5, 8)
	b := &relay.Relay{From: from, To: sink, Origin: "a", BatchSize: 5}
	for {
		n, err := b.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	got, err := sink.ReadLog(context.Background(), "", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 8 {
		t.Fatalf("destination holds %d records, want 8: the batch appended as the leader stepped down was copied again", len(got))
	}
}
