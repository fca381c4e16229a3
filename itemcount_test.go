package doctales_test

import (
	"fmt"
	"testing"

	"github.com/doctales/doctales"
)

// TestCompareCounts checks both directions of a counter check (a wrong
// counter, a missing one, one no item matches), that a zero counter with
// no items is no difference, and the stable order of the report.
func TestCompareCounts(t *testing.T) {
	counters := map[[3]string]int64{
		{"bo", "", ""}:             4,
		{"ana", "project", "roof"}: 7,
		{"ana", "project", "old"}:  0, // kept at zero: not a difference
		{"ana", "type", "ghost"}:   3,
	}
	items := map[[3]string]int64{
		{"bo", "", ""}:              4,
		{"ana", "project", "roof"}:  2,
		{"ana", "urgency", "high"}:  1,
		{"ana", "project", "attic"}: 5,
	}
	got := doctales.CompareCounts(counters, items)
	want := []doctales.CountsMismatch{
		{Owner: "ana", Dim: "project", Value: "attic", Items: 5},
		{Owner: "ana", Dim: "project", Value: "roof", Counter: 7, Items: 2},
		{Owner: "ana", Dim: "type", Value: "ghost", Counter: 3},
		{Owner: "ana", Dim: "urgency", Value: "high", Items: 1},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("CompareCounts =\n%v\nwant\n%v", got, want)
	}
	if got := doctales.CompareCounts(items, items); len(got) != 0 {
		t.Fatalf("CompareCounts of equal counts = %v, want none", got)
	}
	m := doctales.CountsMismatch{Owner: "bo", Dim: doctales.CountAll, Counter: 1, Items: 2}
	if s, w := m.String(), `owner "bo", all items "": the counter says 1, the items 2`; s != w {
		t.Fatalf("String = %q, want %q", s, w)
	}
}

// TestItemFilter_Equalities checks the equality filters both tables put
// in a list's WHERE: set and non-empty values only, in a fixed order.
func TestItemFilter_Equalities(t *testing.T) {
	s := func(v string) *string { return &v }
	f := doctales.ItemFilter{Status: s("failed"), Project: s("roof"), Type: s(""), Urgency: s("high"), State: s("open"), Sender: s("ana@x.example")}
	got := fmt.Sprint(f.Equalities())
	if want := "[{project roof} {urgency high} {status failed}]"; got != want {
		t.Fatalf("Equalities = %s, want %s", got, want)
	}
	if got := (doctales.ItemFilter{}).Equalities(); len(got) != 0 {
		t.Fatalf("Equalities of no filter = %v, want none", got)
	}
}
