package dynamodb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/doctales/doctales"
)

// TestTable_FindItems_ColumnSort: the table's indexes are by time, so a
// column sort is refused with EINVALID naming sort and pointing to
// docs/aws.md, while newest and oldest still list.
func TestTable_FindItems_ColumnSort(t *testing.T) {
	ctx := context.Background()
	tbl := MustOpenTable(t)
	if _, _, err := tbl.CreateItem(ctx, newItem("c1", 1, "p", "s@x.example")); err != nil {
		t.Fatal(err)
	}
	for _, sort := range doctales.ColumnSorts {
		_, _, err := tbl.FindItems(ctx, doctales.ItemFilter{Sort: sort})
		if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "sort" ||
			!strings.Contains(err.Error(), "sorting by "+strings.TrimPrefix(sort, "-")+" is not available on AWS") || !strings.Contains(err.Error(), "docs/aws.md") {
			t.Errorf("sort %s: %v, want EINVALID naming sort and docs/aws.md", sort, err)
		}
	}
	for _, oldest := range []bool{false, true} {
		if items, _, err := tbl.FindItems(ctx, doctales.ItemFilter{Oldest: oldest}); err != nil || len(items) != 1 {
			t.Errorf("oldest=%v: %d items, %v", oldest, len(items), err)
		}
	}
}
