package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/postgres"
)

// countsClock is a table's clock that a test moves, safe for concurrent
// reads.
type countsClock struct {
	mu sync.Mutex
	t  time.Time
}

func newCountsClock() *countsClock {
	return &countsClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *countsClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *countsClock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// countsMismatches is CheckItemCounts, each difference as a line.
func countsMismatches(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	ms, err := db.CheckItemCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = "  " + m.String()
	}
	return out
}

// countsOp is one random write of countOps.
type countsOp struct {
	rng  *rand.Rand
	ids  []string
	next int
}

// pick returns one of s at random.
func (o *countsOp) pick(s ...string) string { return s[o.rng.IntN(len(s))] }

// do runs one random write through the table's own paths: a create
// (three owners, the default one among them), a status, urgency or state
// update (snoozes included, some ended by the clock), a delete, or now and
// then the adoption of the default owner's items by a user (an owner
// change). prefix keeps the ids of concurrent callers apart.
func (o *countsOp) do(ctx context.Context, db *postgres.DB, now time.Time, prefix string, adopt bool) (string, error) {
	op := o.rng.IntN(100)
	if len(o.ids) == 0 {
		op = 0
	}
	id := ""
	if len(o.ids) > 0 {
		id = o.ids[o.rng.IntN(len(o.ids))]
	}
	var err error
	switch {
	case op < 35:
		o.next++
		id = fmt.Sprintf("%sc%05d", prefix, o.next)
		c := &doctales.Communication{
			ID: id, Owner: o.pick("ana", "bo", doctales.DefaultUserID),
			Type: o.pick(doctales.TypeEmail, "slack"), Source: "email", Timestamp: now.Add(time.Duration(o.rng.IntN(1000)) * time.Second),
			Project: o.pick("", "p0", "p1", "p2"), Subject: "s", Sender: "Ann", SenderID: o.pick("ann@x.example", "bob@x.example"),
			Metadata: doctales.Metadata{Urgency: o.pick("", "low", "medium", "high")},
		}
		it := doctales.NewItem(c, now)
		if o.rng.IntN(4) == 0 {
			it.State = o.pick(doctales.StateDone, doctales.StateWaiting)
		}
		_, _, err = db.CreateItem(ctx, it)
		o.ids = append(o.ids, id)
	case op < 50:
		s := o.pick(doctales.StatusAccepted, doctales.StatusExtracted, doctales.StatusFailed)
		_, err = db.UpdateItem(ctx, id, doctales.ItemUpdate{Status: &s})
	case op < 62:
		u := o.pick("", "low", "medium", "high")
		_, err = db.UpdateItem(ctx, id, doctales.ItemUpdate{Urgency: &u})
	case op < 80:
		ch := doctales.StateChange{State: o.pick(doctales.ChangeDone, doctales.ChangeWaiting, doctales.ChangeOpen, doctales.ChangeSnoozed, doctales.ChangeRead)}
		if ch.State == doctales.ChangeSnoozed {
			ch.Until = now.Add(time.Duration(1+o.rng.IntN(30)) * time.Minute)
		}
		_, err = db.UpdateItem(ctx, id, doctales.ItemUpdate{State: &ch})
	case op < 96 || !adopt:
		err = db.DeleteItem(ctx, id)
		o.ids = slices.DeleteFunc(o.ids, func(s string) bool { return s == id })
	default:
		_, err = db.AdoptOpenItems(ctx, o.pick("carol", "ana"))
	}
	if err != nil && doctales.ErrorCode(err) != doctales.ENOTFOUND {
		return id, fmt.Errorf("op %d on %q: %w", op, id, err)
	}
	return id, nil
}

// countOps runs n random writes (countsOp.do), moving clock a minute each.
func countOps(t *testing.T, db *postgres.DB, rng *rand.Rand, clock *countsClock, n int) {
	t.Helper()
	o := &countsOp{rng: rng}
	prefix := fmt.Sprintf("r%08x", rng.Uint32()) // ids of their own for each call
	for range n {
		if _, err := o.do(context.Background(), db, clock.Add(time.Minute), prefix, true); err != nil {
			t.Fatal(err)
		}
	}
}

// countFilters are the filters whose counts the tests compare: none,
// each single one (the counters' case), two at once, a sender and a date
// range (the rows').
func countFilters(since time.Time) []doctales.ItemFilter {
	s := func(v string) *string { return &v }
	fs := []doctales.ItemFilter{{}, {Sender: s("ann@x.example")}, {Since: &since}, {Project: s("p1"), Until: &since}}
	for _, v := range []string{"", "p0", "p1", "p2", "none"} {
		fs = append(fs, doctales.ItemFilter{Project: s(v)})
	}
	for _, v := range []string{doctales.TypeEmail, "slack"} {
		fs = append(fs, doctales.ItemFilter{Type: s(v)})
	}
	for _, v := range []string{"low", "medium", "high"} {
		fs = append(fs, doctales.ItemFilter{Urgency: s(v)}, doctales.ItemFilter{Urgency: s(v), Project: s("p1")})
	}
	for _, v := range []string{doctales.StatusAccepted, doctales.StatusExtracted, doctales.StatusFailed} {
		fs = append(fs, doctales.ItemFilter{Status: s(v)})
	}
	for _, v := range doctales.States {
		fs = append(fs, doctales.ItemFilter{State: s(v)}, doctales.ItemFilter{State: s(v), Urgency: s("high")})
	}
	return fs
}

// filterString shows the set fields of f.
func filterString(f doctales.ItemFilter) string {
	var out []string
	for _, x := range []struct {
		name string
		v    *string
	}{{"project", f.Project}, {"type", f.Type}, {"sender", f.Sender}, {"urgency", f.Urgency}, {"status", f.Status}, {"state", f.State}} {
		if x.v != nil {
			out = append(out, fmt.Sprintf("%s=%q", x.name, *x.v))
		}
	}
	if f.Since != nil {
		out = append(out, "since="+f.Since.Format(time.RFC3339))
	}
	if f.Until != nil {
		out = append(out, "until="+f.Until.Format(time.RFC3339))
	}
	if len(out) == 0 {
		return "(none)"
	}
	return strings.Join(out, " ")
}

// countPages counts the items FindItems lists for f, page by page.
func countPages(t *testing.T, ctx context.Context, db *postgres.DB, f doctales.ItemFilter) int64 {
	t.Helper()
	f.Limit = 7
	var n int64
	for page := 0; ; page++ {
		items, next, err := db.FindItems(ctx, f)
		if err != nil {
			t.Fatalf("FindItems(%s) page %d: %v", filterString(f), page, err)
		}
		n += int64(len(items))
		if next == "" {
			return n
		}
		if page > 10000 {
			t.Fatalf("FindItems(%s): over 10,000 pages", filterString(f))
		}
		f.Cursor = next
	}
}

// checkCountItems compares CountItems with the count of FindItems' pages
// (all of them) for each owner scope (none included) and each filter.
func checkCountItems(t *testing.T, db *postgres.DB, since time.Time) {
	t.Helper()
	for _, owner := range []string{"", "ana", "bo", "carol", doctales.DefaultUserID} {
		ctx := context.Background()
		if owner != "" {
			ctx = doctales.WithOwner(ctx, owner)
		}
		for _, f := range countFilters(since) {
			got, err := db.CountItems(ctx, f)
			if err != nil {
				t.Fatalf("owner %q, CountItems(%s): %v", owner, filterString(f), err)
			}
			if want := countPages(t, ctx, db, f); got != want {
				t.Errorf("owner %q, filter %s: CountItems %d, FindItems' pages %d", owner, filterString(f), got, want)
			}
		}
	}
}

// item_counts follows every write path: after a few hundred random
// creates, updates (status, urgency, state, owner), deletes and adoptions,
// each count equals the count of its items, and CountItems answers what
// counting FindItems' pages over all pages answers, for every owner and
// filter, snoozes ended by the clock included.
func TestItemCounts_FollowEveryWrite(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 15))
	clock := newCountsClock()
	db, _ := mustOpen(t, postgres.Options{Now: clock.Now})
	start := clock.Now()
	for round := range 3 {
		countOps(t, db, rng, clock, 150)
		if bad := countsMismatches(t, db); len(bad) > 0 {
			t.Fatalf("round %d (seed %d): item_counts differs from the items:\n%s", round, seed, strings.Join(bad, "\n"))
		}
		checkCountItems(t, db, start.Add(time.Duration(round*50)*time.Minute))
	}
	counts, err := db.CountCommunications(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	all, err := db.CountRows(context.Background(), doctales.ItemFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, n := range counts {
		sum += n
	}
	if sum != all {
		t.Fatalf("CountCommunications %v sums to %d; the table has %d items", counts, sum, all)
	}
}

// The check above can fail: without any one of the three triggers, the
// same writes leave counts that differ from the items.
func TestItemCounts_MissingTriggerIsCaught(t *testing.T) {
	for _, trigger := range []string{"item_counts_ai", "item_counts_ad", "item_counts_au"} {
		t.Run(trigger, func(t *testing.T) {
			clock := newCountsClock()
			db, _ := mustOpen(t, postgres.Options{Now: clock.Now})
			if _, err := db.Pool().Exec(context.Background(), `DROP TRIGGER `+trigger+` ON items`); err != nil {
				t.Fatal(err)
			}
			countOps(t, db, rand.New(rand.NewPCG(1, 15)), clock, 200)
			if bad := countsMismatches(t, db); len(bad) == 0 {
				t.Fatalf("without %s the counts still equal the items: the check would not see a lost trigger", trigger)
			}
		})
	}
}

// Concurrent writers keep the counts exact: eight goroutines, each on its
// own session, create, update and delete items of three owners at once
// (on ids of their own and on each other's, so that updates and deletes
// race), with the shards as they are, with every session in one shard
// (the counts' rows shared by all: the decrements to 0 and their deletes
// race with the upserts), and with two shards. Afterwards every count
// equals a GROUP BY of the items, and no write failed (no deadlock).
func TestItemCounts_ConcurrentWriters(t *testing.T) {
	for _, c := range []struct{ name, shard string }{
		{"Sharded", ""},
		{"OneShard", "0"},
		{"TwoShards", "pg_backend_pid() % 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			clock := newCountsClock()
			db, _ := mustOpen(t, postgres.Options{Now: clock.Now, MaxConns: 8})
			if c.shard != "" {
				setShard(t, db, c.shard)
			}
			seed := uint64(time.Now().UnixNano())
			t.Logf("seed %d", seed)
			const writers, ops = 8, 120
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			shared := &sharedIDs{}
			for w := range writers {
				wg.Go(func() {
					o := &countsOp{rng: rand.New(rand.NewPCG(seed, uint64(w)))}
					for range ops {
						// Half the time, work on an id another writer made.
						if ids := shared.sample(o.rng, 4); len(ids) > 0 && o.rng.IntN(2) == 0 {
							mine := o.ids
							o.ids = ids
							_, err := o.do(ctx, db, clock.Now(), fmt.Sprintf("w%d", w), false)
							o.ids = mine
							if err != nil {
								errs <- err
								return
							}
							continue
						}
						id, err := o.do(ctx, db, clock.Now(), fmt.Sprintf("w%d", w), false)
						if err != nil {
							errs <- err
							return
						}
						shared.add(id)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("a concurrent write failed: %v", err)
			}
			if bad := countsMismatches(t, db); len(bad) > 0 {
				t.Fatalf("after %d concurrent writers (seed %d), item_counts differs from the items:\n%s", writers, seed, strings.Join(bad, "\n"))
			}
			var items, zeros int64
			if err := db.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM item_counts WHERE n = 0)`).Scan(&items, &zeros); err != nil {
				t.Fatal(err)
			}
			if items == 0 {
				t.Fatal("no item left to count: the test wrote nothing")
			}
			if zeros != 0 {
				t.Errorf("item_counts keeps %d rows at 0; a decrement to 0 deletes its row", zeros)
			}
			t.Logf("%d items left; the counts equal a GROUP BY of them", items)
		})
	}
}

// sharedIDs are the ids the concurrent writers made, for the others to
// update and delete.
type sharedIDs struct {
	mu  sync.Mutex
	ids []string
}

func (s *sharedIDs) add(id string) {
	if id == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.ids, id) {
		s.ids = append(s.ids, id)
	}
}

func (s *sharedIDs) sample(rng *rand.Rand, n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for range min(n, len(s.ids)) {
		out = append(out, s.ids[rng.IntN(len(s.ids))])
	}
	return out
}

// setShard replaces the shard the sessions' writes count in by expr, a
// SQL expression of smallint range (the shard function is read at each
// trigger call, so it applies to every session from now on).
func setShard(tb testing.TB, db *postgres.DB, expr string) {
	tb.Helper()
	if _, err := db.Pool().Exec(context.Background(), `CREATE OR REPLACE FUNCTION doctales_item_counts_shard() RETURNS smallint
		LANGUAGE sql STABLE AS $$ SELECT (`+expr+`)::smallint $$`); err != nil {
		tb.Fatal(err)
	}
}

// CountItems reads item_counts for the owner and one filter, and counts
// the rows for two filters, a sender, a date or a running snooze: a count
// changed by hand shows in the first and not in the others. Open adds
// the snoozes that have ended.
func TestCountItems_UsesCounters(t *testing.T) {
	clock := newCountsClock()
	db, _ := mustOpen(t, postgres.Options{Now: clock.Now})
	ctx := context.Background()
	s := func(v string) *string { return &v }
	now := clock.Now()
	for i := range 12 {
		c := &doctales.Communication{ID: fmt.Sprintf("c%02d", i), Owner: "ana", Type: doctales.TypeEmail, Timestamp: now,
			Project: []string{"p1", "p2"}[i%2], Metadata: doctales.Metadata{Urgency: []string{"high", "low", "medium"}[i%3]}}
		if _, _, err := db.CreateItem(ctx, doctales.NewItem(c, now)); err != nil {
			t.Fatal(err)
		}
	}
	// Two snoozes: one ends in 10 minutes, one in an hour.
	for id, d := range map[string]time.Duration{"c00": 10 * time.Minute, "c01": time.Hour} {
		if _, err := db.UpdateItem(ctx, id, doctales.ItemUpdate{State: &doctales.StateChange{State: doctales.ChangeSnoozed, Until: now.Add(d)}}); err != nil {
			t.Fatal(err)
		}
	}
	// Each change goes to one shard of its count: the creations above may
	// have run on several pool sessions, so on several shards.
	for _, q := range []string{
		`UPDATE item_counts SET n = n + 1000 WHERE owner = 'ana' AND dim = 'project' AND value = 'p1' AND shard = (SELECT min(shard) FROM item_counts WHERE owner = 'ana' AND dim = 'project' AND value = 'p1')`,
		`UPDATE item_counts SET n = n + 2000 WHERE owner = 'ana' AND dim = 'state' AND value = '' AND shard = (SELECT min(shard) FROM item_counts WHERE owner = 'ana' AND dim = 'state' AND value = '')`,
		`UPDATE item_counts SET n = n + 4000 WHERE owner = 'ana' AND dim = 'status' AND value = 'accepted' AND shard = (SELECT min(shard) FROM item_counts WHERE owner = 'ana' AND dim = 'status' AND value = 'accepted')`,
		// Another owner's count, and another shard of ana's, for the sums.
		`INSERT INTO item_counts (owner, dim, value, shard, n) VALUES ('bo', 'project', 'p1', 3, 5), ('ana', 'project', 'p1', 99, 7)`,
	} {
		if _, err := db.Pool().Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	now = clock.Add(15 * time.Minute) // c00's snooze has ended
	ana := doctales.WithOwner(ctx, "ana")
	for _, c := range []struct {
		ctx    context.Context
		filter doctales.ItemFilter
		want   int64
	}{
		{ana, doctales.ItemFilter{Project: s("p1")}, 6 + 1000 + 7},
		{ctx, doctales.ItemFilter{Project: s("p1")}, 6 + 1000 + 7 + 5},                     // every owner's
		{ana, doctales.ItemFilter{Project: s("p1"), Limit: 3, Oldest: true}, 6 + 1000 + 7}, // the page does not count
		{ana, doctales.ItemFilter{Project: s("p1"), Urgency: s("high")}, 2},                // two filters: the rows
		{ana, doctales.ItemFilter{Project: s("p1"), Since: &now}, 0},                       // a date: the rows
		{ana, doctales.ItemFilter{Project: s("p1"), Sender: s("x")}, 0},                    // a sender: the rows
		{ana, doctales.ItemFilter{State: s(doctales.StateOpen)}, 10 + 2000 + 1},            // '' and the ended snooze
		{ana, doctales.ItemFilter{State: s(doctales.StateSnoozed)}, 1},                     // the running one, from the rows
		{ana, doctales.ItemFilter{Status: s(doctales.StatusAccepted)}, 12 + 4000},
		{doctales.WithOwner(ctx, "nobody"), doctales.ItemFilter{Project: s("p1")}, 0},
	} {
		got, err := db.CountItems(c.ctx, c.filter)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("CountItems(%s) = %d, want %d", filterString(c.filter), got, c.want)
		}
	}
	counts, err := db.CountCommunications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts[doctales.StatusAccepted] != 12+4000 {
		t.Errorf("CountCommunications = %v, want accepted %d from the counters", counts, 12+4000)
	}
	// What FindItems refuses, CountItems refuses the same way.
	for _, c := range []struct {
		filter doctales.ItemFilter
		field  string
	}{
		{doctales.ItemFilter{State: s("later")}, "state"},
		{doctales.ItemFilter{Project: s("a\x00b")}, "project"},
		{doctales.ItemFilter{Urgency: s("\xff")}, "urgency"},
	} {
		_, err := db.CountItems(ana, c.filter)
		var e *doctales.Error
		if !errors.As(err, &e) || e.Code != doctales.EINVALID || e.Field != c.field {
			t.Errorf("CountItems(%s) = %v, want EINVALID naming the field %s", filterString(c.filter), err, c.field)
		}
	}
}

// Migration 0009 fills item_counts from the items a table already has.
func TestMigration0009_ExistingTable(t *testing.T) {
	ctx := context.Background()
	clock := newCountsClock()
	db, dsn := mustOpen(t, postgres.Options{Now: clock.Now})
	countOps(t, db, rand.New(rand.NewPCG(2, 15)), clock, 150)
	// Put the database back as it was after 0008, and write more items
	// then, which no trigger counts.
	if _, err := db.Pool().Exec(ctx, `DROP TABLE item_counts;
		DROP FUNCTION doctales_item_counts_ai, doctales_item_counts_ad, doctales_item_counts_au CASCADE;
		DROP FUNCTION doctales_item_counts_add, doctales_item_counts_shard;
		DROP INDEX items_snoozed;
		DELETE FROM schema_migrations WHERE version = 9`); err != nil {
		t.Fatal(err)
	}
	countOps(t, db, rand.New(rand.NewPCG(3, 15)), clock, 100)
	var items int64
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM items`).Scan(&items); err != nil || items == 0 {
		t.Fatalf("the table has %d items before 0009 (%v); want some", items, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = mustOpenDSN(t, dsn, postgres.Options{Now: clock.Now})
	if bad := countsMismatches(t, db); len(bad) > 0 {
		t.Fatalf("after 0009 item_counts differs from the items:\n%s", strings.Join(bad, "\n"))
	}
	if n, err := db.CountItems(ctx, doctales.ItemFilter{}); err != nil || n != items {
		t.Fatalf("after 0009 CountItems = %d (%v), want %d", n, err, items)
	}
	// And the triggers count from there on.
	countOps(t, db, rand.New(rand.NewPCG(4, 15)), clock, 100)
	if bad := countsMismatches(t, db); len(bad) > 0 {
		t.Fatalf("after 0009 and more writes item_counts differs from the items:\n%s", strings.Join(bad, "\n"))
	}
	checkCountItems(t, db, clock.Now().Add(-time.Hour))
}

// A count changed outside Doctales is found by CheckItemCounts, named,
// and put right by RebuildItemCounts, which also folds each count's
// shards into one row.
func TestRebuildItemCounts_RepairsACountChangedOutside(t *testing.T) {
	ctx := context.Background()
	clock := newCountsClock()
	db, _ := mustOpen(t, postgres.Options{Now: clock.Now, MaxConns: 4})
	now := clock.Now()
	// Writes from several sessions, so that counts have several shards.
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			c := &doctales.Communication{ID: fmt.Sprintf("c%02d", i), Owner: []string{"ana", "ben"}[i%2], Type: doctales.TypeEmail, Timestamp: now, Project: []string{"roof", "van", "shop"}[i%3]}
			if _, _, err := db.CreateItem(ctx, doctales.NewItem(c, now)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if bad := countsMismatches(t, db); len(bad) > 0 {
		t.Fatalf("before the edit:\n%s", strings.Join(bad, "\n"))
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO item_counts (owner, dim, value, shard, n) VALUES
		('ana', 'project', 'roof', 77, 5), ('ana', 'project', 'ghost', 0, 3)`); err != nil {
		t.Fatal(err)
	}
	bad, err := db.CheckItemCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []doctales.CountsMismatch{
		{Owner: "ana", Dim: "project", Value: "ghost", Counter: 3},
		{Owner: "ana", Dim: "project", Value: "roof", Counter: 7, Items: 2},
	}
	if fmt.Sprint(bad) != fmt.Sprint(want) {
		t.Fatalf("CheckItemCounts = %v, want %v", bad, want)
	}
	if err := db.RebuildItemCounts(ctx); err != nil {
		t.Fatal(err)
	}
	if bad := countsMismatches(t, db); len(bad) > 0 {
		t.Fatalf("after RebuildItemCounts:\n%s", strings.Join(bad, "\n"))
	}
	var rows, keys int64
	if err := db.Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT (owner, dim, value)) FROM item_counts`).Scan(&rows, &keys); err != nil {
		t.Fatal(err)
	}
	if rows != keys {
		t.Errorf("after RebuildItemCounts %d rows hold %d counts; want one row a count", rows, keys)
	}
	roof := "roof"
	if n, err := db.CountItems(doctales.WithOwner(ctx, "ana"), doctales.ItemFilter{Project: &roof}); err != nil || n != 2 {
		t.Fatalf("CountItems(ana, roof) after the rebuild = %d, %v; want 2", n, err)
	}
}

// GET /communications?total=true answers with the total on the
// PostgreSQL table (it answered 501 before it counted), the same as
// counting the pages, and GET /stats has the communications' counts.
func TestCountItems_HTTPTotal(t *testing.T) {
	ctx := context.Background()
	clock := newCountsClock()
	db, _ := mustOpen(t, postgres.Options{Now: clock.Now})
	now := clock.Now()
	for i := range 9 {
		c := &doctales.Communication{ID: fmt.Sprintf("c%02d", i), Type: doctales.TypeEmail, Timestamp: now.Add(time.Duration(i) * time.Minute),
			Project: []string{"roof", "van", "roof"}[i%3], Subject: "s"}
		it := doctales.NewItem(c, now)
		if i%4 == 0 {
			it.Status = doctales.StatusExtracted
		}
		if _, _, err := db.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	h := &httpapi.Handler{Table: db, Stats: func() any { return map[string]any{} }}
	h.Init()
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(path string, v any) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			var e map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&e)
			t.Fatalf("GET %s = %d %v", path, resp.StatusCode, e)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	var list httpapi.ListResponse
	get("/communications?project=roof&limit=2&total=true", &list)
	if list.Total == nil || *list.Total != 6 || list.Count != 2 {
		t.Fatalf("GET /communications?project=roof&limit=2&total=true: count %d, total %v; want 2 and 6", list.Count, list.Total)
	}
	var stats struct {
		Communications httpapi.CommunicationCounts `json:"communications"`
	}
	get("/stats", &stats)
	if c := stats.Communications; c.Total != 9 || c.Extracted != 3 || c.Accepted != 6 {
		t.Fatalf("GET /stats communications = %+v; want total 9, extracted 3, accepted 6", c)
	}
}

// Statements of many rows count each of them: a bulk insert of 1,200
// items (one statement, a trigger call per row), their adoption by a user
// (three statements of 500 in one transaction, an owner change of each,
// a trigger call per statement) and a bulk delete leave the counts equal
// to the items.
func TestItemCounts_ManyRowsAStatement(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	if _, err := db.Pool().Exec(ctx, `INSERT INTO items (id, ts, project, type, sender, sender_id, urgency, status, owner, body)
		SELECT 'bulk-' || lpad(x::text, 5, '0'), '2026-01-01T00:00:00.' || lpad(x::text, 9, '0') || 'Z', 'project-' || (x % 8), 'email',
			'Person', 'person@example.com', (ARRAY['low', 'medium', 'high'])[x % 3 + 1], 'accepted', $1, '{"id":"x"}'::bytea
		FROM generate_series(1, 1200) AS x`, doctales.DefaultUserID); err != nil {
		t.Fatal(err)
	}
	if bad := countsMismatches(t, db); len(bad) > 0 {
		t.Fatalf("after a bulk insert:\n%s", strings.Join(bad, "\n"))
	}
	if n, err := db.AdoptOpenItems(ctx, "ana"); err != nil || n != 1200 {
		t.Fatalf("AdoptOpenItems = %d, %v; want 1200", n, err)
	}
	if bad := countsMismatches(t, db); len(bad) > 0 {
		t.Fatalf("after the adoption:\n%s", strings.Join(bad, "\n"))
	}
	if n, err := db.CountItems(doctales.WithOwner(ctx, "ana"), doctales.ItemFilter{}); err != nil || n != 1200 {
		t.Fatalf("CountItems(ana) = %d, %v; want 1200", n, err)
	}
	if _, err := db.Pool().Exec(ctx, `DELETE FROM items WHERE project IN ('project-1', 'project-2')`); err != nil {
		t.Fatal(err)
	}
	if bad := countsMismatches(t, db); len(bad) > 0 {
		t.Fatalf("after a bulk delete:\n%s", strings.Join(bad, "\n"))
	}
	var rows int64
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM item_counts WHERE value IN ('project-1', 'project-2')`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("item_counts keeps %d rows of the deleted projects (%v); a count at 0 deletes its row", rows, err)
	}
}
