package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// TestTable_SearchItems: the simpler search path on DynamoDB (docs/aws.md,
// "Search on AWS"): words in any case in the subject, sender and key
// phrases, from: on the sender, the box's filters on the query, paging with
// a cursor, and has:attachment refused with the field named.
func TestTable_SearchItems(t *testing.T) {
	ctx := context.Background()
	tbl := MustOpenTable(t)
	for i := range 9 {
		it := newItem(fmt.Sprintf("c%02d", i), i, []string{"home-purchase", "career-change", "garden"}[i%3], fmt.Sprintf("s%d@x.example", i%3))
		it.Subject = []string{"Mortgage offer", "Interview on Friday", "Tomato seedlings"}[i%3]
		it.Dimensions = &doctales.Dimensions{KeyPhrases: []doctales.KeyPhrase{{Text: []string{"fixed rate", "hiring panel", "greenhouse"}[i%3]}}}
		if i%3 == 0 {
			it.Metadata.Urgency = doctales.UrgencyHigh
		}
		if _, _, err := tbl.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	search := func(t *testing.T, q string, limit int) []string {
		t.Helper()
		s, err := doctales.ParseSearch(q, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		f := doctales.ItemFilter{Limit: limit}
		for pages := 0; ; pages++ {
			items, next, err := tbl.SearchItems(ctx, s, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				ids = append(ids, it.ID)
			}
			if next == "" || pages > 20 {
				return ids
			}
			f.Cursor = next
		}
	}
	for _, tc := range []struct {
		q     string
		limit int
		want  string
	}{
		{"mortgage", 0, "[c06 c03 c00]"},
		{"MORTGAGE", 2, "[c06 c03 c00]"},
		{"greenhouse", 0, "[c08 c05 c02]"},
		{`"hiring panel"`, 0, "[c07 c04 c01]"},
		{"from:s1", 0, "[c07 c04 c01]"},
		{"interview project:career-change", 0, "[c07 c04 c01]"},
		{"mortgage urgency:low", 0, "[]"},
		{"seedlings zucchini", 0, "[]"},
	} {
		if got := fmt.Sprint(search(t, tc.q, tc.limit)); got != tc.want && !(tc.want == "[]" && got == "[]") {
			t.Errorf("search %q = %s, want %s", tc.q, got, tc.want)
		}
	}
	s, _ := doctales.ParseSearch("mortgage has:attachment", time.UTC)
	_, _, err := tbl.SearchItems(ctx, s, doctales.ItemFilter{})
	var de *doctales.Error
	if !errors.As(err, &de) || de.Field != "q" {
		t.Errorf("has:attachment = %v, want EINVALID on field q", err)
	}
}
