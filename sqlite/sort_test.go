package sqlite_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// TestTable_FindItems_Sort lists items in every column sort, one page at
// a time (7 items a page, then one page of 1,000), and checks that every
// item comes exactly once, in the sort's order: missing values last,
// then the value, then the newest first among equals.
func TestTable_FindItems_Sort(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)

	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	urgencies := []string{"low", "medium", "high", ""}
	senders := []string{"Carol", "alice", "Bob", "", "bob"}
	subjects := []string{"Invoice", "agenda", "", "Zebra", "budget", "agenda"}
	var all []*doctales.Item
	for i := range 45 {
		// Every third shares its timestamp with the previous: ids break
		// those ties.
		ts := base.Add(time.Duration(i-i%3/2) * time.Hour)
		it := newItem(fmt.Sprintf("c-%02d", i), ts, []string{"alpha", "beta"}[i%2], fmt.Sprintf("s%d@example.com", i%4), urgencies[i%4])
		it.Sender = senders[i%5]
		if it.Sender == "" && i%2 == 0 {
			it.SenderID = "" // neither: sorts last
		}
		it.Subject = subjects[i%6]
		if i%3 != 0 {
			d := base.Add(time.Duration(i%7) * 24 * time.Hour)
			it.Dimensions = &doctales.Dimensions{Deadline: &d}
		}
		if _, _, err := db.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		all = append(all, it)
	}

	// key returns what the item lacks (true sorts last) and its value.
	type key struct {
		missing bool
		s       string
		n       int
	}
	urgencyRank := map[string]int{"high": 3, "medium": 2, "low": 1}
	keys := map[string]func(*doctales.Item) key{
		"urgency": func(it *doctales.Item) key {
			n := urgencyRank[it.Metadata.Urgency]
			return key{missing: n == 0, n: n}
		},
		"sender": func(it *doctales.Item) key {
			s := it.Sender
			if s == "" {
				s = it.SenderID
			}
			return key{missing: s == "", s: strings.ToLower(s)}
		},
		"subject": func(it *doctales.Item) key {
			return key{missing: it.Subject == "", s: strings.ToLower(it.Subject)}
		},
		"deadline": func(it *doctales.Item) key {
			if it.Dimensions == nil || it.Dimensions.Deadline == nil {
				return key{missing: true}
			}
			return key{s: it.Dimensions.Deadline.UTC().Format(time.RFC3339Nano)}
		},
	}
	// The natural direction: urgency high first, the others ascending.
	natural := map[string]int{"urgency": -1, "sender": 1, "subject": 1, "deadline": 1}

	for _, sort := range doctales.ColumnSorts {
		name := strings.TrimPrefix(sort, "-")
		dir := natural[name]
		if strings.HasPrefix(sort, "-") {
			dir = -dir
		}
		for _, project := range []string{"", "beta"} {
			want := []string{}
			var sel []*doctales.Item
			for _, it := range all {
				if project == "" || it.Project == project {
					sel = append(sel, it)
				}
			}
			slices.SortFunc(sel, func(a, b *doctales.Item) int {
				ka, kb := keys[name](a), keys[name](b)
				if ka.missing != kb.missing {
					if ka.missing {
						return 1
					}
					return -1
				}
				if c := dir * cmp.Or(cmp.Compare(ka.n, kb.n), cmp.Compare(ka.s, kb.s)); c != 0 {
					return c
				}
				return cmp.Or(b.Timestamp.Compare(a.Timestamp), cmp.Compare(b.ID, a.ID))
			})
			for _, it := range sel {
				want = append(want, it.ID)
			}
			for _, limit := range []int{7, doctales.MaxPageSize} {
				t.Run(fmt.Sprintf("%s/project=%s/limit=%d", sort, project, limit), func(t *testing.T) {
					f := doctales.ItemFilter{Sort: sort, Limit: limit}
					if project != "" {
						f.Project = &project
					}
					var got []string
					for page := 0; ; page++ {
						if page > 50 {
							t.Fatal("more than 50 pages")
						}
						items, next, err := db.FindItems(ctx, f)
						if err != nil {
							t.Fatal(err)
						}
						for _, it := range items {
							got = append(got, it.ID)
						}
						if next == "" {
							break
						}
						f.Cursor = next
					}
					if !slices.Equal(got, want) {
						t.Fatalf("order\n got %v\nwant %v", got, want)
					}
				})
			}
		}
	}

	t.Run("SenderFilter", func(t *testing.T) {
		// The sender filter reads a union of two index scans; the sort
		// still holds across pages.
		sender := "s1@example.com"
		f := doctales.ItemFilter{Sort: "-urgency", Sender: &sender, Limit: 2}
		var got []*doctales.Item
		for {
			items, next, err := db.FindItems(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, items...)
			if next == "" {
				break
			}
			f.Cursor = next
		}
		var n int
		for _, it := range all {
			if it.SenderID == sender {
				n++
			}
		}
		if len(got) != n || n == 0 {
			t.Fatalf("%d items, want %d", len(got), n)
		}
		for i := 1; i < len(got); i++ {
			a, b := urgencyRank[got[i-1].Metadata.Urgency], urgencyRank[got[i].Metadata.Urgency]
			if a == 0 && b != 0 || a != 0 && b != 0 && a > b {
				t.Fatalf("item %d (%s) before %d (%s) in low first", i-1, got[i-1].Metadata.Urgency, i, got[i].Metadata.Urgency)
			}
		}
	})

	t.Run("CursorOfAnotherSort", func(t *testing.T) {
		_, byUrgency, err := db.FindItems(ctx, doctales.ItemFilter{Sort: "urgency", Limit: 3})
		if err != nil || byUrgency == "" {
			t.Fatalf("first page: next %q, err %v", byUrgency, err)
		}
		_, byTime, err := db.FindItems(ctx, doctales.ItemFilter{Limit: 3})
		if err != nil || byTime == "" {
			t.Fatalf("first page: next %q, err %v", byTime, err)
		}
		for _, f := range []doctales.ItemFilter{
			{Sort: "-urgency", Cursor: byUrgency},
			{Sort: "subject", Cursor: byUrgency},
			{Cursor: byUrgency},
			{Oldest: true, Cursor: byUrgency},
			{Sort: "deadline", Cursor: byTime},
		} {
			_, _, err := db.FindItems(ctx, f)
			if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "next" {
				t.Errorf("sort %q with a cursor of another sort: %v, want EINVALID naming next", f.Sort, err)
			}
		}
	})

	t.Run("UnknownSort", func(t *testing.T) {
		_, _, err := db.FindItems(ctx, doctales.ItemFilter{Sort: "colour"})
		if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "sort" {
			t.Fatalf("err = %v, want EINVALID naming sort", err)
		}
	})
}
