package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// testClock is a table's clock that a test moves, safe for the table's
// own goroutines (the snooze timer) to read meanwhile.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// openCountsDB opens the table file at path with clock now, so that a
// test can end snoozes. Snoozes wake only when the test calls
// FireDueTimers (what the timer loop calls), so that no wake-up changes
// the items between the two reads a check compares. It is closed when
// the test ends.
func openCountsDB(t *testing.T, path string, now *testClock) *DB {
	t.Helper()
	db := NewDB(path)
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	db.Now = now.Now
	db.NoTimers = true
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// countsMismatches is CheckItemCounts, each difference as a line.
func countsMismatches(t *testing.T, db *DB) []string {
	t.Helper()
	ms, err := db.CheckItemCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.String()
	}
	return out
}

// countOps runs n random writes through the table's own paths: creates
// (three owners, the default one among them), status, urgency and state
// updates (snoozes included, some woken by the timer), deletes, and now
// and then the adoption of the default owner's items by a user, an owner
// change. It moves now forward as it goes.
func countOps(t *testing.T, db *DB, rng *rand.Rand, now *testClock, n int) {
	t.Helper()
	ctx := context.Background()
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	var ids []string
	for range n {
		at := now.Add(time.Minute)
		op := rng.IntN(100)
		if len(ids) == 0 {
			op = 0
		}
		id := ""
		if len(ids) > 0 {
			id = ids[rng.IntN(len(ids))]
		}
		var err error
		switch {
		case op < 35: // create
			c := &doctales.Communication{
				ID:   "c" + at.Format("0102150405"), // the clock moves on each op Owner: pick("ana", "bo", doctales.DefaultUserID),
				Type: pick(doctales.TypeEmail, "slack"), Source: "email", Timestamp: at,
				Project: pick("", "p0", "p1", "p2"), Subject: "s", Metadata: doctales.Metadata{Urgency: pick("", "low", "medium", "high")},
			}
			it := doctales.NewItem(c, at)
			if rng.IntN(4) == 0 {
				it.State = pick(doctales.StateDone, doctales.StateWaiting)
			}
			_, _, err = db.CreateItem(ctx, it)
			ids = append(ids, c.ID)
		case op < 50:
			s := pick(doctales.StatusAccepted, doctales.StatusExtracted, doctales.StatusFailed)
			_, err = db.UpdateItem(ctx, id, doctales.ItemUpdate{Status: &s})
		case op < 62:
			u := pick("", "low", "medium", "high")
			_, err = db.UpdateItem(ctx, id, doctales.ItemUpdate{Urgency: &u})
		case op < 80:
			ch := doctales.StateChange{State: pick(doctales.ChangeDone, doctales.ChangeWaiting, doctales.ChangeOpen, doctales.ChangeSnoozed, doctales.ChangeRead)}
			if ch.State == doctales.ChangeSnoozed {
				ch.Until = at.Add(time.Duration(1+rng.IntN(30)) * time.Minute)
			}
			_, err = db.UpdateItem(ctx, id, doctales.ItemUpdate{State: &ch})
		case op < 92:
			err = db.DeleteItem(ctx, id)
			ids = slices.DeleteFunc(ids, func(s string) bool { return s == id })
		case op < 96:
			_, err = db.FireDueTimers(ctx)
		default:
			_, err = db.AdoptOpenItems(ctx, pick("carol", "ana"))
		}
		if err != nil && doctales.ErrorCode(err) != doctales.ENOTFOUND {
			t.Fatalf("op %d on %q: %v", op, id, err)
		}
	}
}

// item_counts follows every write path exactly: after a few hundred random
// creates, updates (status, urgency, state, owner), deletes and timer
// wake-ups, each counter equals the count of its items, and CountItems
// answers as a count of the rows would.
func TestItemCounts_FollowEveryWrite(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 15))
	now := newTestClock()
	db := openCountsDB(t, filepath.Join(t.TempDir(), "doctales.db"), now)
	for round := range 4 {
		countOps(t, db, rng, now, 150)
		if bad := countsMismatches(t, db); len(bad) > 0 {
			t.Fatalf("round %d (seed %d): item_counts differs from the items:\n%s", round, seed, joinLines(bad))
		}
		checkCountItems(t, db)
	}

	// Whatever the draw, each path once more: a snooze woken by the
	// timer, and an adoption that moves items to another owner.
	ctx := context.Background()
	for _, id := range []string{"woken", "adopted"} {
		c := &doctales.Communication{ID: id, Type: doctales.TypeEmail, Timestamp: now.Now(), Project: "p9"}
		if _, _, err := db.CreateItem(ctx, doctales.NewItem(c, now.Now())); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.UpdateItem(ctx, "woken", doctales.ItemUpdate{State: &doctales.StateChange{State: doctales.ChangeSnoozed, Until: now.Now().Add(time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	now.Add(2 * time.Minute)
	if n, err := db.FireDueTimers(ctx); err != nil || n == 0 {
		t.Fatalf("FireDueTimers woke %d items (%v), want the snoozed one", n, err)
	}
	if n, err := db.AdoptOpenItems(ctx, "dora"); err != nil || n < 2 {
		t.Fatalf("AdoptOpenItems moved %d items (%v), want at least 2", n, err)
	}
	if bad := countsMismatches(t, db); len(bad) > 0 {
		t.Fatalf("after a wake-up and an adoption (seed %d), item_counts differs from the items:\n%s", seed, joinLines(bad))
	}
	checkCountItems(t, db)
}

// checkCountItems compares CountItems with a count of the rows for each
// owner scope (none included) and each single filter, and some combined.
func checkCountItems(t *testing.T, db *DB) {
	t.Helper()
	s := func(v string) *string { return &v }
	var filters []doctales.ItemFilter
	filters = append(filters, doctales.ItemFilter{})
	for _, v := range []string{"", "p0", "p1", "p2", "none"} {
		filters = append(filters, doctales.ItemFilter{Project: s(v)})
	}
	for _, v := range []string{doctales.TypeEmail, "slack"} {
		filters = append(filters, doctales.ItemFilter{Type: s(v)})
	}
	for _, v := range []string{"low", "medium", "high"} {
		filters = append(filters, doctales.ItemFilter{Urgency: s(v)}, doctales.ItemFilter{Urgency: s(v), Project: s("p1")})
	}
	for _, v := range []string{doctales.StatusAccepted, doctales.StatusExtracted, doctales.StatusFailed} {
		filters = append(filters, doctales.ItemFilter{Status: s(v)})
	}
	for _, v := range doctales.States {
		filters = append(filters, doctales.ItemFilter{State: s(v)}, doctales.ItemFilter{State: s(v), Urgency: s("high")})
	}
	for _, owner := range []string{"", "ana", "bo", "carol", "dora", doctales.DefaultUserID} {
		ctx := context.Background()
		if owner != "" {
			ctx = doctales.WithOwner(ctx, owner)
		}
		for _, f := range filters {
			got, err := db.CountItems(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := db.countRows(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("owner %q, filter %s: CountItems %d, rows %d", owner, filterString(f), got, want)
			}
		}
	}
}

// filterString shows the set fields of f.
func filterString(f doctales.ItemFilter) string {
	out := ""
	for _, x := range []struct {
		name string
		v    *string
	}{{"project", f.Project}, {"type", f.Type}, {"urgency", f.Urgency}, {"status", f.Status}, {"state", f.State}} {
		if x.v != nil {
			out += fmt.Sprintf(" %s=%q", x.name, *x.v)
		}
	}
	if out == "" {
		return "(none)"
	}
	return out[1:]
}

func joinLines(s []string) string {
	out := ""
	for _, l := range s {
		out += "  " + l + "\n"
	}
	return out
}

// The check above can fail: without any one of the three triggers, the
// same writes leave counters that differ from the items.
func TestItemCounts_MissingTriggerIsCaught(t *testing.T) {
	for _, trigger := range []string{"item_counts_ai", "item_counts_ad", "item_counts_au"} {
		t.Run(trigger, func(t *testing.T) {
			now := newTestClock()
			db := openCountsDB(t, filepath.Join(t.TempDir(), "doctales.db"), now)
			if _, err := db.wdb.Exec(`DROP TRIGGER ` + trigger); err != nil {
				t.Fatal(err)
			}
			countOps(t, db, rand.New(rand.NewPCG(1, 15)), now, 300)
			if bad := countsMismatches(t, db); len(bad) == 0 {
				t.Fatalf("without %s the counters still equal the items: the check would not see a lost trigger", trigger)
			}
		})
	}
}

// CountItems reads item_counts for the owner and one filter, and counts
// the rows for two filters or a running snooze: a counter changed by hand
// shows in the first and not in the others. Open adds the snoozes that
// have ended and that the timer has not woken yet.
func TestCountItems_UsesCounters(t *testing.T) {
	clock := newTestClock()
	db := openCountsDB(t, filepath.Join(t.TempDir(), "doctales.db"), clock)
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
	for _, q := range []string{
		`UPDATE item_counts SET n = n + 1000 WHERE owner = 'ana' AND dim = 'project' AND value = 'p1'`,
		`UPDATE item_counts SET n = n + 2000 WHERE owner = 'ana' AND dim = 'state' AND value = ''`,
		`UPDATE item_counts SET n = n + 3000 WHERE owner = 'ana' AND dim = 'state' AND value = 'snoozed'`,
		`UPDATE item_counts SET n = n + 4000 WHERE owner = 'ana' AND dim = 'status' AND value = 'accepted'`,
		// Another owner's counter, for the open mode's sum.
		`INSERT INTO item_counts (owner, dim, value, n) VALUES ('bo', 'project', 'p1', 5)`,
	} {
		if _, err := db.wdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	now = clock.Add(15 * time.Minute) // c00's snooze has ended, the timer not run
	ana := doctales.WithOwner(ctx, "ana")
	for _, c := range []struct {
		ctx    context.Context
		filter doctales.ItemFilter
		want   int64
	}{
		{ana, doctales.ItemFilter{Project: s("p1")}, 6 + 1000},
		{ctx, doctales.ItemFilter{Project: s("p1")}, 6 + 1000 + 5},                                    // every owner's
		{ana, doctales.ItemFilter{Project: s("p1"), Limit: 3, Cursor: "", Sort: "urgency"}, 6 + 1000}, // the page does not count
		{ana, doctales.ItemFilter{Project: s("p1"), Urgency: s("high")}, 2},                           // two filters: the rows
		{ana, doctales.ItemFilter{Project: s("p1"), Since: &now}, 0},                                  // a date: the rows
		{ana, doctales.ItemFilter{Project: s("p1"), Sender: s("x")}, 0},                               // a sender: the rows
		{ana, doctales.ItemFilter{State: s(doctales.StateOpen)}, 10 + 2000 + 1},                       // '' and the ended snooze
		{ana, doctales.ItemFilter{State: s(doctales.StateSnoozed)}, 1},                                // the running one, from the rows
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
	// A state no item can have is refused, naming the field, as before.
	_, err = db.CountItems(ana, doctales.ItemFilter{State: s("later")})
	var e *doctales.Error
	if !errors.As(err, &e) || e.Code != doctales.EINVALID || e.Field != "state" {
		t.Errorf("CountItems(state=later) = %v, want EINVALID naming the field state", err)
	}
}

// Migration 0210 fills item_counts from the items a table already has.
func TestMigration0210_ExistingTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doctales.db")
	now := newTestClock()
	db := openCountsDB(t, path, now)
	countOps(t, db, rand.New(rand.NewPCG(2, 15)), now, 200)
	// Put the file back as it was after 0200, and write more items
	// then, which no trigger counts.
	for _, stmt := range []string{
		`DROP TRIGGER item_counts_ai`, `DROP TRIGGER item_counts_ad`, `DROP TRIGGER item_counts_au`,
		`DROP TABLE item_counts`, `DELETE FROM schema_version WHERE version = 210`,
	} {
		if _, err := db.wdb.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	countOps(t, db, rand.New(rand.NewPCG(3, 15)), now, 100)
	var items int64
	if err := db.rdb.QueryRow(`SELECT count(*) FROM items`).Scan(&items); err != nil || items == 0 {
		t.Fatalf("the table has %d items before 0210 (%v); want some", items, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openCountsDB(t, path, now)
	if bad := countsMismatches(t, db); len(bad) > 0 {
		t.Fatalf("after 0210 item_counts differs from the items:\n%s", joinLines(bad))
	}
	var all int64
	if err := db.rdb.QueryRow(`SELECT sum(n) FROM item_counts WHERE dim = ''`).Scan(&all); err != nil || all != items {
		t.Fatalf("after 0210 the counters hold %d items (%v), want %d", all, err, items)
	}
	// And the triggers count from there on.
	countOps(t, db, rand.New(rand.NewPCG(4, 15)), now, 100)
	if bad := countsMismatches(t, db); len(bad) > 0 {
		t.Fatalf("after 0210 and more writes item_counts differs from the items:\n%s", joinLines(bad))
	}
	checkCountItems(t, db)
}

// A write that fails after its insert leaves the counters as they were:
// the triggers' changes roll back with the row, alone (a savepoint of a
// batch) or with the whole transaction.
func TestItemCounts_RollBackWithTheWrite(t *testing.T) {
	clock := newTestClock()
	db := openCountsDB(t, filepath.Join(t.TempDir(), "doctales.db"), clock)
	ctx := context.Background()
	now := clock.Now()
	failed := errors.New("failed after the insert")
	insertThenFail := func(i int) error {
		it := doctales.NewItem(&doctales.Communication{ID: fmt.Sprintf("bad%03d", i), Owner: "ana", Type: doctales.TypeEmail, Timestamp: now, Project: "lost"}, now)
		row, err := newItemRow(it)
		if err != nil {
			return err
		}
		return db.write(ctx, func(tx *writeTx) error {
			if _, err := tx.stmt(db.stmts.insertItem).Exec(row.insertArgs(it.ID)...); err != nil {
				return err
			}
			return failed
		})
	}
	if err := insertThenFail(0); !errors.Is(err, failed) {
		t.Fatalf("insert then fail: %v", err)
	}
	// Failing writes among good ones, so that some share a batch with
	// them (whether they do does not change what must hold).
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			if i%2 == 0 {
				if err := insertThenFail(i + 1); !errors.Is(err, failed) {
					t.Errorf("insert then fail: %v", err)
				}
				return
			}
			it := doctales.NewItem(&doctales.Communication{ID: fmt.Sprintf("good%03d", i), Owner: "ana", Type: doctales.TypeEmail, Timestamp: now, Project: "kept"}, now)
			if _, _, err := db.CreateItem(ctx, it); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if bad := countsMismatches(t, db); len(bad) > 0 {
		t.Fatalf("after failed writes item_counts differs from the items:\n%s", joinLines(bad))
	}
	ana := doctales.WithOwner(ctx, "ana")
	for project, want := range map[string]int64{"lost": 0, "kept": 20} {
		if n, err := db.CountItems(ana, doctales.ItemFilter{Project: &project}); err != nil || n != want {
			t.Errorf("CountItems(project=%s) = %d, %v; want %d", project, n, err, want)
		}
	}
}

// BenchmarkCountItems compares the two ways CountItems answers, on one
// owner's table of $DOCTALES_BENCH_N items (default 1,000,000, eight
// projects, inserted by SQL): Counters reads item_counts, Rows counts the
// matching entries of items_owner_project as CountItems did before
// migration 0210 (and still does for two filters). The table is built
// once per run, in about a minute at a million.
//
//	go test -run '^$' -bench CountItems -benchtime 200x ./sqlite/
func BenchmarkCountItems(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("DOCTALES_BENCH_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("DOCTALES_BENCH_N=%q: want a whole number above 0", v)
		}
	}
	db := NewDB(filepath.Join(b.TempDir(), "doctales.db"))
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	if _, err := db.wdb.Exec(`WITH RECURSIVE i(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM i WHERE x + 1 < ?)
		INSERT INTO items (id, ts, project, type, sender, sender_id, urgency, status, body, owner)
		SELECT printf('bench-%07d', x), printf('2026-01-01T00:00:00.%09dZ', x), 'project-' || (x % 8), 'email',
			'Person', 'person@example.com', 'low', 'extracted', '{}', 'ana' FROM i`, n); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d items inserted in %s", n, time.Since(start).Round(time.Millisecond))
	ctx := doctales.WithOwner(context.Background(), "ana")
	project := "project-3"
	f := doctales.ItemFilter{Project: &project}
	want := int64((n + 4) / 8)
	for _, c := range []struct {
		name  string
		count func(context.Context, doctales.ItemFilter) (int64, error)
	}{{"Counters", db.CountItems}, {"Rows", db.countRows}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				got, err := c.count(ctx, f)
				if err != nil || got != want {
					b.Fatalf("count of %s = %d, %v; want %d", project, got, err, want)
				}
			}
		})
	}
}

// BenchmarkItemCountsInsert measures what the insert trigger of item_counts
// adds to a row's insert, alone: the statement CreateItem runs
// (insertItem), 100 rows a transaction, on a table with and without the
// trigger. The difference of the two is the trigger's CPU per created
// item; -count 5 alternates them.
//
//	go test -run '^$' -bench ItemCountsInsert -count 5 ./sqlite/
func BenchmarkItemCountsInsert(b *testing.B) {
	for _, trigger := range []bool{true, false} {
		name := "WithTrigger"
		if !trigger {
			name = "WithoutTrigger"
		}
		b.Run(name, func(b *testing.B) {
			db := NewDB(filepath.Join(b.TempDir(), "doctales.db"))
			db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			if err := db.Open(); err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if !trigger {
				if _, err := db.wdb.Exec(`DROP TRIGGER item_counts_ai`); err != nil {
					b.Fatal(err)
				}
			}
			now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			var rows []itemRow
			for i := range 100 {
				c := &doctales.Communication{ID: "x", Owner: "ana", Type: doctales.TypeEmail, Timestamp: now, Subject: "Quarterly report review",
					Project: fmt.Sprintf("project-%d", i%8), Metadata: doctales.Metadata{Urgency: []string{"low", "medium", "high"}[i%3]}}
				r, err := newItemRow(doctales.NewItem(c, now))
				if err != nil {
					b.Fatal(err)
				}
				rows = append(rows, r)
			}
			var tx *sql.Tx
			var insert *sql.Stmt
			i := 0
			for b.Loop() {
				if i%100 == 0 {
					var err error
					if tx, err = db.wdb.Begin(); err != nil {
						b.Fatal(err)
					}
					insert = tx.Stmt(db.stmts.insertItem)
				}
				if _, err := insert.Exec(rows[i%100].insertArgs(fmt.Sprintf("c%09d", i))...); err != nil {
					b.Fatal(err)
				}
				i++
				if i%100 == 0 {
					if err := tx.Commit(); err != nil {
						b.Fatal(err)
					}
				}
			}
			if i%100 != 0 {
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A counter changed outside Doctales (a hand edit, a damaged page) is
// found by CheckItemCounts, named, and put right by RebuildItemCounts,
// which leaves the right ones as they were.
func TestRebuildItemCounts_RepairsACounterChangedOutside(t *testing.T) {
	clock := newTestClock()
	db := openCountsDB(t, filepath.Join(t.TempDir(), "doctales.db"), clock)
	ctx := context.Background()
	now := clock.Now()
	for i := range 12 {
		c := &doctales.Communication{ID: fmt.Sprintf("c%02d", i), Owner: []string{"ana", "ben"}[i%2], Type: doctales.TypeEmail, Timestamp: now, Project: []string{"roof", "van", "shop"}[i%3]}
		if _, _, err := db.CreateItem(ctx, doctales.NewItem(c, now)); err != nil {
			t.Fatal(err)
		}
	}
	if bad := countsMismatches(t, db); len(bad) > 0 {
		t.Fatalf("before the edit: %v", bad)
	}
	if err := db.write(ctx, func(tx *writeTx) error {
		if _, err := tx.tx.Exec(`UPDATE item_counts SET n = n + 5 WHERE owner = 'ana' AND dim = 'project' AND value = 'roof'`); err != nil {
			return err
		}
		_, err := tx.tx.Exec(`INSERT INTO item_counts (owner, dim, value, n) VALUES ('ana', 'project', 'ghost', 3)`)
		return err
	}); err != nil {
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
		t.Fatalf("after RebuildItemCounts: %v", bad)
	}
	roof := "roof"
	if n, err := db.CountItems(doctales.WithOwner(ctx, "ana"), doctales.ItemFilter{Project: &roof}); err != nil || n != 2 {
		t.Fatalf("CountItems(ana, roof) after the rebuild = %d, %v; want 2", n, err)
	}
}
