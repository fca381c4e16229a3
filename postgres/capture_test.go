package postgres_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/postgres"
)

// TestLogicalSlot_CommitOrder checks what BenchmarkChangeCapture's
// logical side measures: a test_decoding slot delivers the items table's
// writes in commit order (not in the order their transactions began or
// wrote their WAL), each with the row's values, the body being the stored
// item's JSON; an UPDATE carries no old image unless the table has
// REPLICA IDENTITY FULL, and then the whole old row.
func TestLogicalSlot_CommitOrder(t *testing.T) {
	c := openCapture(t)
	ctx := context.Background()
	c.createSlot(t, "order_test")

	// Two items created and one updated, by the table.
	a, b := captureItem(1), captureItem(2)
	for _, it := range []*doctales.Item{a, b} {
		if _, _, err := c.db.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	ua, err := c.db.UpdateItem(ctx, a.ID, captureUpdate(1))
	if err != nil {
		t.Fatal(err)
	}

	// Two transactions that commit in the other order than they began
	// and wrote: the first writes b, the second writes a and commits first.
	tx1, err := c.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx)
	if _, err := tx1.Exec(ctx, `UPDATE items SET status = 'begun-first' WHERE id = $1`, b.ID); err != nil {
		t.Fatal(err)
	}
	tx2, err := c.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback(ctx)
	if _, err := tx2.Exec(ctx, `UPDATE items SET status = 'begun-second' WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := tx2.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tx1.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	// With the full replica identity, an update carries the old row.
	if _, err := c.pool.Exec(ctx, `ALTER TABLE items REPLICA IDENTITY FULL`); err != nil {
		t.Fatal(err)
	}
	ub, err := c.db.UpdateItem(ctx, b.ID, captureUpdate(2))
	if err != nil {
		t.Fatal(err)
	}

	changes, err := getChanges(ctx, c.pool, "order_test", 0)
	if err != nil {
		t.Fatal(err)
	}
	var items []slotChange
	for _, ch := range changes {
		if strings.HasPrefix(ch.data, itemsChange) {
			items = append(items, ch)
		}
	}
	want := []struct {
		op, id, status string
		oldStatus      string // "" when the change must carry no old row
	}{
		{"INSERT", a.ID, doctales.StatusAccepted, ""},
		{"INSERT", b.ID, doctales.StatusAccepted, ""},
		{"UPDATE", a.ID, doctales.StatusExtracted, ""},
		{"UPDATE", a.ID, "begun-second", ""},
		{"UPDATE", b.ID, "begun-first", ""},
		{"UPDATE", b.ID, doctales.StatusExtracted, "begun-first"},
	}
	if len(items) != len(want) {
		t.Fatalf("%d changes of items, want %d: %+v", len(items), len(want), items)
	}
	for i, w := range want {
		ch := items[i]
		if !strings.HasPrefix(ch.data, itemsChange+w.op+": ") {
			t.Fatalf("change %d is %.60q…, want %s", i, ch.data, w.op)
		}
		oldRow, newRow, full := strings.Cut(ch.data, " new-tuple: ")
		if !full {
			newRow, oldRow = ch.data, ""
		}
		if got := column(t, newRow, "id[text]"); got != w.id {
			t.Errorf("change %d (%s): id %q, want %q", i, w.op, got, w.id)
		}
		if got := column(t, newRow, "status[text]"); got != w.status {
			t.Errorf("change %d (%s %s): status %q, want %q", i, w.op, w.id, got, w.status)
		}
		if w.oldStatus == "" && full {
			t.Errorf("change %d (%s %s) carries an old row without REPLICA IDENTITY FULL: %.200q", i, w.op, w.id, oldRow)
		} else if w.oldStatus != "" {
			if !strings.Contains(oldRow, "old-key: ") {
				t.Fatalf("change %d (%s %s) has no old row with REPLICA IDENTITY FULL: %.200q", i, w.op, w.id, ch.data)
			}
			if got := column(t, oldRow, "status[text]"); got != w.oldStatus {
				t.Errorf("change %d (%s %s): old status %q, want %q", i, w.op, w.id, got, w.oldStatus)
			}
			old := bodyItem(t, oldRow)
			if old.Status != doctales.StatusAccepted || old.Dimensions != nil {
				t.Errorf("change %d (%s %s): old body has status %q and dimensions %v, want the created item's", i, w.op, w.id, old.Status, old.Dimensions)
			}
		}
	}

	// The bodies are the items as the table stored them.
	if got := bodyItem(t, items[0].data); got.ID != a.ID || got.Subject != a.Subject || got.Dimensions != nil {
		t.Errorf("INSERT of %s: body is %s %q with dimensions %v", a.ID, got.ID, got.Subject, got.Dimensions)
	}
	for i, n := range map[int]*doctales.Item{2: ua, 5: ub} {
		_, newRow, ok := strings.Cut(items[i].data, " new-tuple: ")
		if !ok {
			newRow = items[i].data
		}
		got := bodyItem(t, newRow)
		if got.Dimensions == nil || fmt.Sprint(got.Dimensions.UrgencyReasons) != fmt.Sprint(n.Dimensions.UrgencyReasons) ||
			!got.UpdatedAt.Equal(n.UpdatedAt) {
			t.Errorf("change %d: body is %s updated %v with dimensions %+v, want the item UpdateItem returned (updated %v, reasons %q)",
				i, got.ID, got.UpdatedAt, got.Dimensions, n.UpdatedAt, n.Dimensions.UrgencyReasons)
		}
	}

	// Commit order, not WAL order: the transaction that began and wrote
	// first (b, begun-first) comes after the one that committed first,
	// though its change is lower in the WAL and its xid lower.
	first, second := items[4], items[3]
	if !(lsn(t, first.lsn) < lsn(t, second.lsn)) || !(first.xid < second.xid) {
		t.Errorf("begun-first at %s (xid %d) is not below begun-second at %s (xid %d) in the WAL: the test does not test commit order",
			first.lsn, first.xid, second.lsn, second.xid)
	}
}

// column returns the value of the test_decoding column name ("id[text]")
// in row: the first one, its quotes removed.
func column(tb testing.TB, row, name string) string {
	tb.Helper()
	_, v, ok := strings.Cut(" "+row, " "+name+":'")
	if !ok {
		tb.Fatalf("no column %s in %.200q", name, row)
	}
	if i := strings.IndexByte(v, '\''); i >= 0 && !strings.HasPrefix(v[i:], "''") {
		return v[:i] // no quote inside: the common case, without a copy
	}
	var sb strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\'' {
			if i+1 < len(v) && v[i+1] == '\'' { // a quote, doubled
				sb.WriteByte('\'')
				i++
				continue
			}
			return sb.String()
		}
		sb.WriteByte(v[i])
	}
	tb.Fatalf("column %s is not closed in %.200q", name, row)
	return ""
}

// bodyItem decodes the first body[bytea] column of a test_decoding row
// ('\x' and hex digits) as a stored item.
func bodyItem(tb testing.TB, row string) *doctales.Item {
	tb.Helper()
	v := column(tb, row, "body[bytea]")
	raw, err := hex.DecodeString(strings.TrimPrefix(v, `\x`))
	if err != nil {
		tb.Fatalf("body %.40q…: %v", v, err)
	}
	it, err := postgres.DecodeItem(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return it
}

// lsn returns a WAL position written as PostgreSQL writes it ("0/16B3748")
// as a number.
func lsn(tb testing.TB, s string) uint64 {
	tb.Helper()
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		tb.Fatalf("LSN %q is not hi/lo in hex", s)
	}
	return h<<32 | l
}
