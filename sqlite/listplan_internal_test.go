package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// queryPlan returns the EXPLAIN QUERY PLAN lines of query on conn.
func queryPlan(t *testing.T, conn *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := conn.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// The lists the dashboard asks for read one page of rows in index order
// and stop, whatever the table's size (issue 15, migration 0190): each
// column sort has an index holding its ORDER BY, and each filter an index
// that starts with the owner. A plan that sorts ("USE TEMP B-TREE FOR
// ORDER BY") reads every matching row: only the outer sort of one page's
// ids may.
func TestFindItems_SortsUseIndex(t *testing.T) {
	db := NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := doctales.WithOwner(context.Background(), "ana")
	// A few rows, and the statistics of a large table, so that the
	// planner chooses as it would on a big one.
	for i := range 50 {
		c := &doctales.Communication{ID: fmt.Sprintf("c%02d", i), Owner: "ana", Type: doctales.TypeEmail, Project: fmt.Sprintf("p%d", i%5),
			Sender: fmt.Sprintf("S%d", i%7), Timestamp: time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC), Metadata: doctales.Metadata{Urgency: doctales.UrgencyLow}}
		if _, _, err := db.CreateItem(ctx, doctales.NewItem(c, c.Timestamp)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.wdb.Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}

	str := func(s string) *string { return &s }
	for _, c := range []struct {
		name   string
		filter doctales.ItemFilter
		index  string
	}{
		{"newest", doctales.ItemFilter{}, "items_owner"},
		{"urgency=high", doctales.ItemFilter{Urgency: str("high")}, "items_owner_urgency"},
		{"urgency=high&state=open", doctales.ItemFilter{Urgency: str("high"), State: str(doctales.StateOpen)}, "items_owner_urgency"},
		{"project", doctales.ItemFilter{Project: str("p1")}, "items_owner_project"},
		{"type", doctales.ItemFilter{Type: str(doctales.TypeEmail)}, "items_owner_type"},
		{"sort=urgency", doctales.ItemFilter{Sort: "urgency"}, "items_sort_urgency"},
		{"sort=-urgency", doctales.ItemFilter{Sort: "-urgency"}, "items_sort_urgency_asc"},
		{"sort=sender", doctales.ItemFilter{Sort: "sender"}, "items_sort_sender"},
		{"sort=-sender", doctales.ItemFilter{Sort: "-sender"}, "items_sort_sender_desc"},
		{"sort=deadline", doctales.ItemFilter{Sort: "deadline"}, "items_sort_deadline"},
		{"sort=-deadline", doctales.ItemFilter{Sort: "-deadline"}, "items_sort_deadline_desc"},
		{"sort=subject", doctales.ItemFilter{Sort: "subject"}, "items_sort_subject"},
		{"sort=-subject", doctales.ItemFilter{Sort: "-subject"}, "items_sort_subject_desc"},
	} {
		t.Run(c.name, func(t *testing.T) {
			query, args, col, _, err := db.findQuery(ctx, c.filter)
			if err != nil {
				t.Fatal(err)
			}
			plan := queryPlan(t, db.rdb, query, args...)
			uses := slices.ContainsFunc(plan, func(s string) bool { return strings.Contains(s, "INDEX "+c.index+" ") })
			sorts := 0
			for _, s := range plan {
				if strings.Contains(s, "TEMP B-TREE FOR ORDER BY") {
					sorts++
				}
			}
			allowed := 0
			if col != nil {
				allowed = 1 // the outer ORDER BY of one page's ids
			}
			if !uses || sorts > allowed {
				t.Errorf("plan of %s:\n  %s\nwant index %s and at most %d sort", c.name, strings.Join(plan, "\n  "), c.index, allowed)
			}
			// The page itself is right.
			if _, _, err := db.FindItems(ctx, c.filter); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Migration 0190 changes indexes only: a table that had items before it
// keeps every one, and its lists and sorts answer as before.
func TestMigration0190_ExistingTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doctales.db")
	db := NewDB(path)
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	ctx := doctales.WithOwner(context.Background(), "ana")
	const n = 300
	for i := range n {
		c := &doctales.Communication{ID: fmt.Sprintf("c%03d", i), Owner: "ana", Type: doctales.TypeEmail, Sender: fmt.Sprintf("S%d", i%7),
			Timestamp: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), Metadata: doctales.Metadata{Urgency: []string{"high", "medium", "low", ""}[i%4]}}
		if _, _, err := db.CreateItem(ctx, doctales.NewItem(c, c.Timestamp)); err != nil {
			t.Fatal(err)
		}
	}
	// Put the file back as it was after 0180: the old indexes, the new
	// ones gone, 0190 not applied.
	for _, stmt := range []string{
		`DROP INDEX items_owner_urgency`, `DROP INDEX items_owner_project`, `DROP INDEX items_owner_type`,
		`DROP INDEX items_sort_urgency`, `DROP INDEX items_sort_urgency_asc`, `DROP INDEX items_sort_sender`,
		`DROP INDEX items_sort_sender_desc`, `DROP INDEX items_sort_deadline`, `DROP INDEX items_sort_deadline_desc`,
		`CREATE INDEX items_project ON items (project, ts, id)`, `CREATE INDEX items_type ON items (type, ts, id)`,
		`CREATE INDEX items_urgency ON items (urgency, ts, id)`,
		`CREATE INDEX items_sort ON items (owner, urgency, deadline, sender, sender_id, ts, id)`,
		`DELETE FROM schema_version WHERE version = 190`,
	} {
		if _, err := db.wdb.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	before, _, err := db.FindItems(ctx, doctales.ItemFilter{Sort: "-sender", Limit: doctales.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = NewDB(path)
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		t.Fatalf("open the table of before 0190: %v", err)
	}
	defer db.Close()
	var indexes []string
	rows, err := db.rdb.Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, s)
	}
	rows.Close()
	for _, want := range []string{"items_owner_urgency", "items_sort_urgency", "items_sort_deadline_desc"} {
		if !slices.Contains(indexes, want) {
			t.Errorf("after 0190 the indexes are %v, without %s", indexes, want)
		}
	}
	for _, gone := range []string{"items_sort", "items_urgency", "items_project", "items_type"} {
		if slices.Contains(indexes, gone) {
			t.Errorf("after 0190 the indexes are %v, still with %s", indexes, gone)
		}
	}
	after, _, err := db.FindItems(ctx, doctales.ItemFilter{Sort: "-sender", Limit: doctales.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != n || len(before) != n {
		t.Fatalf("-sender lists %d items after 0190, %d before; want %d", len(after), len(before), n)
	}
	for i := range after {
		if after[i].ID != before[i].ID {
			t.Fatalf("-sender item %d is %s after 0190, %s before", i, after[i].ID, before[i].ID)
		}
	}
	high, _, err := db.FindItems(ctx, doctales.ItemFilter{Urgency: func(s string) *string { return &s }("high"), Limit: doctales.MaxPageSize})
	if err != nil || len(high) != n/4 {
		t.Fatalf("urgency=high lists %d items after 0190 (%v), want %d", len(high), err, n/4)
	}
}

// Without an owner scope (the open mode), a list of a table whose items
// all have one owner reads as that owner's: the owner-first indexes give
// the page in order. With two owners, nothing is assumed.
func TestFindItems_SoleOwnerWithoutScope(t *testing.T) {
	db := NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, ok, err := db.soleOwner(ctx); ok || err != nil {
		t.Fatalf("an empty table has a sole owner (%v)", err)
	}
	add := func(id, owner string) {
		c := &doctales.Communication{ID: id, Owner: owner, Type: doctales.TypeEmail, Timestamp: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			Metadata: doctales.Metadata{Urgency: doctales.UrgencyHigh}}
		if _, _, err := db.CreateItem(ctx, doctales.NewItem(c, c.Timestamp)); err != nil {
			t.Fatal(err)
		}
	}
	add("a1", "ana")
	add("a2", "ana")
	high := doctales.UrgencyHigh
	query, args, _, _, err := db.findQuery(ctx, doctales.ItemFilter{Urgency: &high})
	if err != nil {
		t.Fatal(err)
	}
	if plan := queryPlan(t, db.rdb, query, args...); !slices.ContainsFunc(plan, func(s string) bool { return strings.Contains(s, "items_owner_urgency") }) {
		t.Errorf("one owner, no scope: plan %v, want items_owner_urgency", plan)
	}
	add("b1", "bo")
	if _, ok, _ := db.soleOwner(ctx); ok {
		t.Fatal("two owners' items have a sole owner")
	}
	items, _, err := db.FindItems(ctx, doctales.ItemFilter{Urgency: &high})
	if err != nil || len(items) != 3 {
		t.Fatalf("two owners, no scope: %d items (%v), want all 3", len(items), err)
	}
}
