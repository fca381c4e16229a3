package doctales

import (
	"cmp"
	"fmt"
	"slices"
)

// Dimensions of an item counter (the item_counts table of packages sqlite
// and postgres): how many items an owner has in all (CountAll) and by each
// value of the columns a list filters on with an equality. The values are
// stored in both tables' dim column.
const (
	CountAll     = ""
	CountProject = "project"
	CountType    = "type"
	CountUrgency = "urgency"
	CountStatus  = "status"
	CountState   = "state"
)

// CountedBy returns the item counter's dimension and value that answer a
// count of the items f selects, and ok false when a counter cannot: when
// f sets more than one of project, type, urgency, status and state, or
// any of sender, since and until (which the counters do not split by), or
// a state whose items depend on the clock other than open (a running
// snooze: the tables count those through an index, they are few). Open is
// the empty stored state plus the snoozes that have ended, which the
// caller adds. Limit, Cursor and the order do not change a count. One rule
// for every table, so that a list's total means the same on each.
func (f ItemFilter) CountedBy() (dim, value string, ok bool) {
	set := func(p *string) bool { return p != nil && *p != "" }
	if set(f.Sender) || f.Since != nil || f.Until != nil {
		return "", "", false
	}
	dim = CountAll
	for _, c := range []struct {
		dim   string
		value *string
	}{
		{CountProject, f.Project},
		{CountType, f.Type},
		{CountUrgency, f.Urgency},
		{CountStatus, f.Status},
		{CountState, f.State},
	} {
		if !set(c.value) {
			continue
		}
		if dim != CountAll {
			return "", "", false // two filters: count the rows
		}
		dim, value = c.dim, *c.value
	}
	if dim == CountState {
		switch value {
		case StateOpen:
			value = "" // stored as ''
		case StateDone, StateWaiting:
		default:
			// Snoozed depends on the clock; anything else is refused by
			// the tables' filters, with the field named.
			return "", "", false
		}
	}
	return dim, value, true
}

// CountDimName names an item counter's dimension in an error or a
// report: the dimension itself, or "all items" for CountAll.
func CountDimName(dim string) string {
	if dim == CountAll {
		return "all items"
	}
	return dim
}

// CountsMismatch is an item counter that differs from the items it
// counts, as a table's CheckItemCounts reports it: Counter is what the
// counter table holds (summed over shards where a table shards it; 0 when
// it has no row), Items what the items give (0 when no item has that
// value).
type CountsMismatch struct {
	Owner, Dim, Value string
	Counter, Items    int64
}

func (m CountsMismatch) String() string {
	return fmt.Sprintf("owner %q, %s %q: the counter says %d, the items %d", m.Owner, CountDimName(m.Dim), m.Value, m.Counter, m.Items)
}

// CompareCounts returns every count on which counters and items differ,
// keyed by owner, dimension and value, in that order: a count the items
// give that the counters hold otherwise (or not at all), and a non-zero
// counter no item matches. A zero counter with no items is no difference
// (a table may keep such a row until its next write). The order is
// stable, so a check's report can be compared and read.
func CompareCounts(counters, items map[[3]string]int64) []CountsMismatch {
	var out []CountsMismatch
	for k, n := range items {
		if counters[k] != n {
			out = append(out, CountsMismatch{Owner: k[0], Dim: k[1], Value: k[2], Counter: counters[k], Items: n})
		}
	}
	for k, n := range counters {
		if _, ok := items[k]; !ok && n != 0 {
			out = append(out, CountsMismatch{Owner: k[0], Dim: k[1], Value: k[2], Counter: n})
		}
	}
	slices.SortFunc(out, func(a, b CountsMismatch) int {
		return cmp.Or(cmp.Compare(a.Owner, b.Owner), cmp.Compare(a.Dim, b.Dim), cmp.Compare(a.Value, b.Value))
	})
	return out
}

// FilterColumn is a column a list filters on with an equality, and the
// value it must hold.
type FilterColumn struct {
	Column, Value string
}

// Equalities returns the columns f filters on with a plain equality
// (project, type, urgency and status, in that order) with their values;
// an unset or empty value is no filter. Both tables put these in a list's
// WHERE as they are; state, sender and the time range have rules of
// their own.
func (f ItemFilter) Equalities() []FilterColumn {
	var out []FilterColumn
	for _, c := range [...]struct {
		column string
		value  *string
	}{
		{"project", f.Project},
		{"type", f.Type},
		{"urgency", f.Urgency},
		{"status", f.Status},
	} {
		if c.value != nil && *c.value != "" {
			out = append(out, FilterColumn{c.column, *c.value})
		}
	}
	return out
}
