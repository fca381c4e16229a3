package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

// TestFindItems_ListStatements checks that a list query is prepared once
// and reused (parsing the SQL was about a tenth of a list's CPU at a
// million items, issue 15), that the kept statements stop at
// sqlite.MaxListStatements, and that a list of a shape past the limit is
// still answered, and answered right.
func TestFindItems_ListStatements(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 30 {
		it := newItem(fmt.Sprintf("email-%03d", i), start.Add(time.Duration(i)*time.Minute),
			[]string{"alpha", "beta"}[i%2], "ann@example.com", []string{"high", "low", "medium"}[i%3])
		if _, _, err := db.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}

	// The same list twice: one statement.
	project := "beta"
	for range 2 {
		items, _, err := db.FindItems(ctx, doctales.ItemFilter{Project: &project})
		if err != nil || len(items) != 15 {
			t.Fatalf("FindItems(project beta) = %d items, %v; want 15", len(items), err)
		}
	}
	if n := db.ListStatements(); n != 1 {
		t.Fatalf("ListStatements after one list asked twice = %d, want 1", n)
	}

	// Many shapes: each filter subset with each sort. Past the limit the
	// statements kept stay at it, and every answer stays right.
	s := func(v string) *string { return &v }
	shapes := 0
	for mask := range 1 << 4 {
		for _, sort := range append([]string{""}, doctales.ColumnSorts...) {
			f := doctales.ItemFilter{Sort: sort}
			want := 30
			if mask&1 != 0 {
				f.Project, want = s("alpha"), want/2
			}
			if mask&2 != 0 {
				f.Type = s(doctales.TypeEmail)
			}
			if mask&4 != 0 {
				f.Status = s(doctales.StatusAccepted)
			}
			if mask&8 != 0 {
				f.State = s(doctales.StateOpen)
			}
			items, _, err := db.FindItems(ctx, f)
			if err != nil || len(items) != want {
				t.Fatalf("FindItems(%+v) = %d items, %v; want %d", f, len(items), err, want)
			}
			shapes++
		}
	}
	if shapes <= sqlite.MaxListStatements {
		t.Fatalf("only %d shapes asked: the limit %d was not crossed", shapes, sqlite.MaxListStatements)
	}
	if n := db.ListStatements(); n != sqlite.MaxListStatements {
		t.Fatalf("ListStatements after %d shapes = %d, want the limit %d", shapes, n, sqlite.MaxListStatements)
	}
}
