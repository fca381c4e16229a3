package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

// nowBenchN is how many communications the now and thread benchmarks
// store: one owner's, four to a thread, one in 50 high and one in 20 with
// a deadline, spread over two years up to nowAt.
const nowBenchN = 50_000

var (
	nowBenchOnce sync.Once
	nowBenchDB   *sqlite.DB
	nowBenchErr  error
)

func openNowBench(b *testing.B) *sqlite.DB {
	nowBenchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "doctales-now-bench-")
		if err != nil {
			nowBenchErr = err
			return
		}
		db := sqlite.NewDB(filepath.Join(dir, "doctales.db"))
		db.Logger = discardLogger()
		db.Now = func() time.Time { return nowAt }
		if nowBenchErr = db.Open(); nowBenchErr != nil {
			return
		}
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		span := 2 * 365 * 24 * time.Hour
		for w := range 16 {
			wg.Go(func() {
				for i := w; i < nowBenchN; i += 16 {
					ts := nowAt.Add(-span / nowBenchN * time.Duration(nowBenchN-i))
					it := doctales.NewItem(&doctales.Communication{
						ID: fmt.Sprintf("n%06d", i), Owner: "ana", Type: doctales.TypeEmail, Source: "email", Timestamp: ts,
						Subject: "Re: thread", Sender: fmt.Sprintf("p%d", i%37), SenderID: fmt.Sprintf("p%d@acme.example", i%37),
						Fields: map[string]any{"threadId": fmt.Sprintf("t%06d@acme.example", i/4)},
					}, ts)
					if i%50 == 0 {
						it.Metadata.Urgency = doctales.UrgencyHigh
					}
					if i%20 == 0 {
						d := ts.Add(48 * time.Hour)
						it.Dimensions = &doctales.Dimensions{Deadline: &d, Category: doctales.CategoryPerson}
					}
					if _, _, err := db.CreateItem(ctx, it); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			nowBenchErr = err
			return
		}
		benchCleanup = append(benchCleanup, func() { db.Close(); os.RemoveAll(dir) })
		nowBenchDB = db
	})
	if nowBenchErr != nil {
		b.Fatal(nowBenchErr)
	}
	return nowBenchDB
}

// BenchmarkNowView reads the candidates of "needs you now" and groups
// them, as GET /communications/now does.
func BenchmarkNowView(b *testing.B) {
	db := openNowBench(b)
	ctx := doctales.WithOwner(context.Background(), "ana")
	q := doctales.NewNowQuery(nowAt, 72*time.Hour, time.UTC)
	for b.Loop() {
		items, _, err := db.NowCandidates(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		v := doctales.BuildNowView(items, nowAt, 72*time.Hour, time.UTC, 10)
		if v.Sections[0].Count == 0 {
			b.Fatal("nothing needs you now")
		}
	}
}

// BenchmarkThreads reads the first page of 50 threads (12,500 threads of
// four messages).
func BenchmarkThreads(b *testing.B) {
	db := openNowBench(b)
	ctx := doctales.WithOwner(context.Background(), "ana")
	for b.Loop() {
		ths, _, err := db.FindThreads(ctx, doctales.ThreadFilter{Limit: 50})
		if err != nil || len(ths) != 50 || ths[0].Count != 4 {
			b.Fatalf("%d threads, %v", len(ths), err)
		}
	}
}

// BenchmarkThreadsConversations is BenchmarkThreads with min=2, which
// counts each thread's messages too.
func BenchmarkThreadsConversations(b *testing.B) {
	db := openNowBench(b)
	ctx := doctales.WithOwner(context.Background(), "ana")
	for b.Loop() {
		ths, _, err := db.FindThreads(ctx, doctales.ThreadFilter{Limit: 50, MinCount: 2})
		if err != nil || len(ths) != 50 {
			b.Fatalf("%d threads, %v", len(ths), err)
		}
	}
}

// BenchmarkThreadItems reads one thread's messages.
func BenchmarkThreadItems(b *testing.B) {
	db := openNowBench(b)
	ctx := doctales.WithOwner(context.Background(), "ana")
	for b.Loop() {
		items, err := db.ThreadItems(ctx, "t006000@acme.example", 0)
		if err != nil || len(items) != 4 {
			b.Fatalf("%d items, %v", len(items), err)
		}
	}
}

// BenchmarkThreadsConversationsRare is the worst case of min=2: 20,000
// lone messages and the only conversations older than all of them, so
// that the walk passes every item.
func BenchmarkThreadsConversationsRare(b *testing.B) {
	db := MustOpenDBAt(b, filepath.Join(b.TempDir(), "doctales.db"), nil)
	ctx := context.Background()
	for i := range 20_000 {
		ts := nowAt.Add(-time.Duration(20_000-i) * time.Minute)
		thread := fmt.Sprintf("lone%d@x", i)
		if i < 100 {
			thread = fmt.Sprintf("conv%d@x", i/2)
		}
		it := doctales.NewItem(&doctales.Communication{ID: fmt.Sprintf("r%05d", i), Owner: "ana", Type: doctales.TypeEmail, Timestamp: ts,
			Fields: map[string]any{"threadId": thread}}, ts)
		if _, _, err := db.CreateItem(ctx, it); err != nil {
			b.Fatal(err)
		}
	}
	ana := doctales.WithOwner(ctx, "ana")
	for b.Loop() {
		ths, _, err := db.FindThreads(ana, doctales.ThreadFilter{Limit: 50, MinCount: 2})
		if err != nil || len(ths) != 50 {
			b.Fatalf("%d threads, %v", len(ths), err)
		}
	}
}
