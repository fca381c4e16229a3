package sqlite_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

// searchBenchN is how many communications BenchmarkSearch stores.
const searchBenchN = 100_000

var (
	searchBenchOnce sync.Once
	searchBenchDB   *sqlite.DB
	searchBenchErr  error
)

// searchBenchWords is the vocabulary of the generated bodies: a few
// common words and many rare ones, as in mail.
var searchBenchWords = func() []string {
	common := strings.Fields("the a to of and please review meeting report project team update thanks attached today tomorrow week budget invoice client")
	out := append([]string(nil), common...)
	for i := range 5000 {
		out = append(out, fmt.Sprintf("w%04dx", i))
	}
	return out
}()

// openSearchBench builds, once per test binary, a database of
// searchBenchN communications of two owners in a temporary folder that is
// removed when the benchmark ends. Bodies are about 120 words.
func openSearchBench(b *testing.B) *sqlite.DB {
	searchBenchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "doctales-search-bench-")
		if err != nil {
			searchBenchErr = err
			return
		}
		db := sqlite.NewDB(filepath.Join(dir, "doctales.db"))
		db.Logger = discardLogger()
		if searchBenchErr = db.Open(); searchBenchErr != nil {
			return
		}
		start := time.Now()
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		for w := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(w), 1))
				for i := w; i < searchBenchN; i += 64 {
					var body strings.Builder
					for range 120 {
						// Zipf-like: common words often, rare ones seldom.
						if r.IntN(2) == 0 {
							body.WriteString(searchBenchWords[r.IntN(20)])
						} else {
							body.WriteString(searchBenchWords[r.IntN(len(searchBenchWords))])
						}
						body.WriteByte(' ')
					}
					owner := "ana"
					if i%2 == 1 {
						owner = "bob"
					}
					it := doctales.NewItem(&doctales.Communication{
						ID: fmt.Sprintf("c%06d", i), Owner: owner, Type: doctales.TypeEmail, Timestamp: t0.Add(time.Duration(i) * time.Minute),
						Project: fmt.Sprintf("p%d", i%20), Subject: "Re: " + searchBenchWords[r.IntN(len(searchBenchWords))] + " report",
						Sender: fmt.Sprintf("Sender %d", i%500), SenderID: fmt.Sprintf("s%d@example.com", i%500),
						Recipients: []string{"me@example.com"}, Content: body.String(),
					}, t0)
					if _, _, err := db.CreateItem(ctx, it); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			searchBenchErr = err
			return
		}
		fmt.Fprintf(os.Stderr, "built %d communications in %v at %s\n", searchBenchN, time.Since(start).Round(time.Second), dir)
		searchBenchDB = db
		benchCleanup = append(benchCleanup, func() { db.Close(); os.RemoveAll(dir) })
	})
	if searchBenchErr != nil {
		b.Fatal(searchBenchErr)
	}
	return searchBenchDB
}

// BenchmarkSearch measures GET /communications?q= at the table: a first
// page of 50 results, owner-scoped, over 100,000 communications (about
// 50,000 per owner). "rare" matches a handful, "common" a third of the
// table (ranking them all is the worst case), "filters" only filters.
func BenchmarkSearch(b *testing.B) {
	db := openSearchBench(b)
	ctx := doctales.WithOwner(context.Background(), "ana")
	for _, q := range []struct{ name, q string }{
		{"rare", "w1234x"},
		{"two-words", "w1234x report"},
		{"phrase", `"please review"`},
		{"common", "invoice"},
		{"from", "from:sender"},
		{"filters", "project:p4 after:2025-02-01"},
		{"prefix", "w12*"},
	} {
		s, err := doctales.ParseSearch(q.q, time.UTC)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(q.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				items, _, err := db.SearchItems(ctx, s, doctales.ItemFilter{Limit: 50})
				if err != nil {
					b.Fatal(err)
				}
				n = len(items)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/search")
			b.ReportMetric(float64(n), "results")
		})
	}
}

// benchCleanup runs after every test and benchmark of the package
// (TestMain): it removes the search benchmark's database.
var benchCleanup []func()

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range benchCleanup {
		f()
	}
	os.Exit(code)
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
