package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/analytics"
	"github.com/doctales/doctales/sqlite"
)

// viewsBench is a database of n communications of one owner, with the
// aggregate tables filled by the analytics consumer's ApplyFacts, for
// BenchmarkViews. Built once per size and test binary.
type viewsBench struct {
	db    *sqlite.DB
	apply time.Duration // ApplyFacts over every item, in batches of 100
}

var (
	viewsBenchMu sync.Mutex
	viewsBenchDB = map[int]*viewsBench{}
)

// openViewsBench builds the database of n communications: 2,000 senders
// (a tenth at free-mail domains) over 400 organisations, threads of about
// three messages, a deadline on one in twenty, bodies of 40 words from
// searchBenchWords, one day per 200 communications.
func openViewsBench(b *testing.B, n int) *viewsBench {
	viewsBenchMu.Lock()
	defer viewsBenchMu.Unlock()
	if v := viewsBenchDB[n]; v != nil {
		return v
	}
	dir, err := os.MkdirTemp("", "doctales-views-bench-")
	if err != nil {
		b.Fatal(err)
	}
	db := sqlite.NewDB(filepath.Join(dir, "doctales.db"))
	db.Logger = discardLogger()
	if err := db.Open(); err != nil {
		b.Fatal(err)
	}
	benchCleanup = append(benchCleanup, func() { db.Close(); os.RemoveAll(dir) })
	ctx := context.Background()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	items := make([]*doctales.Item, n)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := w; i < n; i += 16 {
				var body strings.Builder
				for range 40 {
					body.WriteString(searchBenchWords[r.IntN(len(searchBenchWords))])
					body.WriteByte(' ')
				}
				s := i % 2000
				domain := fmt.Sprintf("org%d.example", s%400)
				if s%10 == 0 {
					domain = "gmail.com"
				}
				ts := t0.Add(time.Duration(i) * 432 * time.Second) // 200 a day
				it := doctales.NewItem(&doctales.Communication{
					ID: fmt.Sprintf("v%07d", i), Owner: "ana", Type: doctales.TypeEmail, Timestamp: ts,
					Project: fmt.Sprintf("p%d", i%20), Subject: "Re: " + searchBenchWords[r.IntN(len(searchBenchWords))] + " report",
					Sender: fmt.Sprintf("Sender %d", s), SenderID: fmt.Sprintf("s%d@%s", s, domain), Content: body.String(),
					Metadata: doctales.Metadata{Urgency: []string{"low", "low", "medium", "high"}[i%4]},
				}, ts)
				it.ThreadID = fmt.Sprintf("t%d", i/3)
				it.Status = doctales.StatusExtracted
				it.Dimensions = &doctales.Dimensions{Urgency: it.Metadata.Urgency, RequiresAction: i%3 == 0, Category: doctales.CategoryPerson}
				if i%20 == 0 {
					dl := ts.Add(48 * time.Hour)
					it.Dimensions.Deadline = &dl
				}
				items[i] = it
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
		b.Fatal(err)
	}
	// The consumer's work: every item's fact, in the runtime's batches.
	start := time.Now()
	for i := 0; i < n; i += 100 {
		var changes []doctales.AnalyticsChange
		for _, it := range items[i:min(i+100, n)] {
			changes = append(changes, doctales.AnalyticsChange{ID: it.ID, Owner: it.Owner, Fact: analytics.FactOf(it)})
		}
		if err := db.ApplyFacts(ctx, changes); err != nil {
			b.Fatal(err)
		}
	}
	v := &viewsBench{db: db, apply: time.Since(start)}
	fmt.Fprintf(os.Stderr, "views bench: %d communications, facts applied in %v (%.0f records/s)\n", n, v.apply.Round(time.Millisecond), float64(n)/v.apply.Seconds())
	viewsBenchDB[n] = v
	return v
}

// BenchmarkViews measures what the dashboard's first render of each view
// asks the table for, at 10,000 and 100,000 communications of one owner:
// the Analyst's first page (newest and oldest first, and by urgency,
// subject and deadline), its search (a rare
// word and a common one), and the Visualizer's and Connector's aggregate
// reads. Run: go test -run XXX -bench Views ./sqlite/
func BenchmarkViews(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) { benchViews(b, n) })
	}
}

func benchViews(b *testing.B, n int) {
	{
		v := openViewsBench(b, n)
		ctx := doctales.WithOwner(context.Background(), "ana")
		rare, _ := doctales.ParseSearch("w1234x", time.UTC)
		common, _ := doctales.ParseSearch("report", time.UTC)
		for _, c := range []struct {
			name string
			fn   func() (int, error)
		}{
			{"list-newest", func() (int, error) {
				it, _, err := v.db.FindItems(ctx, doctales.ItemFilter{Limit: 1000})
				return len(it), err
			}},
			{"list-oldest", func() (int, error) {
				it, _, err := v.db.FindItems(ctx, doctales.ItemFilter{Limit: 1000, Oldest: true})
				return len(it), err
			}},
			{"list-urgency", func() (int, error) {
				it, _, err := v.db.FindItems(ctx, doctales.ItemFilter{Limit: 1000, Sort: "urgency"})
				return len(it), err
			}},
			{"list-subject", func() (int, error) {
				it, _, err := v.db.FindItems(ctx, doctales.ItemFilter{Limit: 1000, Sort: "subject"})
				return len(it), err
			}},
			{"list-deadline", func() (int, error) {
				it, _, err := v.db.FindItems(ctx, doctales.ItemFilter{Limit: 1000, Sort: "deadline"})
				return len(it), err
			}},
			{"search-rare", func() (int, error) {
				it, _, err := v.db.SearchItems(ctx, rare, doctales.ItemFilter{Limit: 50})
				return len(it), err
			}},
			{"search-common", func() (int, error) {
				it, _, err := v.db.SearchItems(ctx, common, doctales.ItemFilter{Limit: 50})
				return len(it), err
			}},
			{"volume-days", func() (int, error) {
				d, err := v.db.VolumeByDay(ctx, "", "")
				return len(d), err
			}},
			{"volume-weeks", func() (int, error) {
				d, err := v.db.VolumeByWeek(ctx, "", "")
				return len(d), err
			}},
			{"people", func() (int, error) {
				p, _, err := v.db.PeopleStats(ctx, 60)
				return len(p), err
			}},
			{"deadlines", func() (int, error) {
				d, err := v.db.Deadlines(ctx, time.Time{}, time.Time{}, false, 0)
				return len(d), err
			}},
			{"deadline-latest", func() (int, error) {
				d, err := v.db.Deadlines(ctx, time.Time{}, time.Time{}, true, 1)
				return len(d), err
			}},
		} {
			b.Run(c.name, func(b *testing.B) {
				rows := 0
				for b.Loop() {
					r, err := c.fn()
					if err != nil {
						b.Fatal(err)
					}
					rows = r
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/op")
				b.ReportMetric(float64(rows), "rows")
			})
		}
		b.Run("apply", func(b *testing.B) {
			b.ReportMetric(float64(n)/v.apply.Seconds(), "records/s")
		})
	}
}
