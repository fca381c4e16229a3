package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
	_ "modernc.org/sqlite"
)

// TestFTS5Available checks that the SQLite the binary is built with (the
// CGO-free modernc.org/sqlite) has FTS5 with the options search uses.
func TestFTS5Available(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE VIRTUAL TABLE f USING fts5(a, tokenize = 'porter unicode61 remove_diacritics 2')`); err != nil {
		t.Fatalf("CREATE VIRTUAL TABLE ... USING fts5: %v", err)
	}
	if _, err := db.Exec(`INSERT INTO f (f, rank) VALUES ('secure-delete', 1)`); err != nil {
		t.Fatalf("fts5 secure-delete: %v", err)
	}
}

// searchItem returns a fresh item with a body and recipients, as
// ingestion makes it.
func searchItem(id, owner, subject, body, sender string, ts time.Time) *doctales.Item {
	return doctales.NewItem(&doctales.Communication{
		ID: id, Owner: owner, Type: doctales.TypeEmail, Source: "email", Timestamp: ts, Project: "alpha",
		Subject: subject, Sender: sender, SenderID: strings.ToLower(strings.ReplaceAll(sender, " ", ".")) + "@acme.example",
		Recipients: []string{"me@example.com"}, Content: body,
	}, ts)
}

func mustSearch(t *testing.T, db *sqlite.DB, ctx context.Context, q string, f doctales.ItemFilter) []string {
	t.Helper()
	s, err := doctales.ParseSearch(q, time.UTC)
	if err != nil {
		t.Fatalf("parse %q: %v", q, err)
	}
	items, _, err := db.SearchItems(ctx, s, f)
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	ids := []string{}
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	return ids
}

func TestSearchItems(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	t0 := time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)
	for _, it := range []*doctales.Item{
		searchItem("a", "ana", "Wire transfer", "Please approve the wire before 5pm; the invoices are attached.", "Ana Ruiz", t0),
		searchItem("b", "ana", "Lunch", "Shall we try the new café on Friday?", "Bo Chen", t0.Add(time.Hour)),
		searchItem("c", "bob", "Wire transfer too", "Bob's own wire, the word invoice again.", "Cy Doe", t0.Add(2*time.Hour)),
		searchItem("d", "ana", "Report", "Quarterly numbers, see the attached deck.", "Ana Ruiz", t0.Add(3*time.Hour)),
	} {
		if it.ID == "d" {
			it.Search.Attachments = 1
			it.Project, it.Metadata.Urgency = "q3", doctales.UrgencyHigh
		}
		if _, _, err := db.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	ana := doctales.WithOwner(ctx, "ana")
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"approve", []string{"a"}},          // a word of the body
		{"invoice", []string{"a"}},          // stemmed: invoices; bob's is not ana's
		{"cafe", []string{"b"}},             // diacritics folded
		{"wire", []string{"a"}},             // owner-scoped
		{`"before 5pm"`, []string{"a"}},     // phrase
		{`"5pm before"`, []string{}},        // phrase order matters
		{"from:ana", []string{"d", "a"}},    // filters only with from: rank; both match equally, newest first
		{"from:ruiz wire", []string{"a"}},   // from: with words
		{"from:\"Bo Chen\"", []string{"b"}}, // quoted from:
		{"project:q3", []string{"d"}},       // filter only: newest first
		{"urgency:high", []string{"d"}},     // urgency
		{"has:attachment", []string{"d"}},   // attachments
		{"after:2025-06-10 before:2025-06-11", []string{"d", "b", "a"}},
		{"before:2025-06-10", []string{}},
		{"me@example.com", []string{"d", "b", "a"}}, // recipients are people
		{"quarter*", []string{"d"}},                 // prefix only when asked
		{"quarter", []string{}},
	} {
		got := mustSearch(t, db, ana, tc.q, doctales.ItemFilter{})
		if tc.q == "from:ana" || strings.HasPrefix(tc.q, "me@") {
			slices.Sort(got)
			slices.Sort(tc.want)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("search %q = %v, want %v", tc.q, got, tc.want)
		}
	}
	// Bob sees only his.
	if got := mustSearch(t, db, doctales.WithOwner(ctx, "bob"), "wire", doctales.ItemFilter{}); !slices.Equal(got, []string{"c"}) {
		t.Errorf("bob's search = %v", got)
	}

	// Extraction's update indexes key phrases and entities, and keeps the
	// body indexed.
	dims := &doctales.Dimensions{KeyPhrases: []doctales.KeyPhrase{{Text: "treasury approval"}}, Entities: []doctales.Entity{{Text: "Globex", Type: "ORGANIZATION"}}}
	if _, err := db.UpdateItem(ana, "a", doctales.ItemUpdate{Dimensions: dims}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"treasury", "globex", "approve"} {
		if got := mustSearch(t, db, ana, q, doctales.ItemFilter{}); !slices.Equal(got, []string{"a"}) {
			t.Errorf("after update, search %q = %v", q, got)
		}
	}

	// A delete takes the text out of the index.
	if err := db.DeleteItem(ana, "a"); err != nil {
		t.Fatal(err)
	}
	if got := mustSearch(t, db, ana, "approve", doctales.ItemFilter{}); len(got) != 0 {
		t.Errorf("after delete, search = %v", got)
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM search WHERE search MATCH 'approve'`); n != 0 {
		t.Errorf("the index still matches a deleted body: %d rows", n)
	}
	// secure-delete: the word's entry is gone from the index's pages,
	// not just masked by a delete marker until the next merge.
	if n := countRows(t, db, `SELECT COUNT(*) FROM search_data WHERE instr(block, CAST('approv' AS BLOB)) > 0`); n != 0 {
		t.Errorf("a deleted body's token is still in %d index blocks", n)
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM search_docs WHERE id = 'a'`); n != 0 {
		t.Errorf("a deleted body is still in search_docs")
	}

	// Paging: one at a time.
	s, _ := doctales.ParseSearch("after:2025-01-01", time.UTC)
	var all []string
	cursor := ""
	for range 5 {
		items, next, err := db.SearchItems(ana, s, doctales.ItemFilter{Limit: 1, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			all = append(all, it.ID)
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if !slices.Equal(all, []string{"d", "b"}) {
		t.Errorf("pages = %v", all)
	}
	_, _, err := db.SearchItems(ana, s, doctales.ItemFilter{Cursor: "!!"})
	assertCode(t, err, doctales.EINVALID)
}

// countRows runs a COUNT query on a separate connection to the file.
func countRows(t *testing.T, db *sqlite.DB, q string) int {
	t.Helper()
	c, err := sql.Open("sqlite", db.Path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var n int
	if err := c.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSearchItems_Hostile checks that FTS5 syntax, unbalanced quotes and
// odd bytes in a search are text, never an error from the index.
func TestSearchItems_Hostile(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if _, _, err := db.CreateItem(ctx, searchItem("a", "", "NEAR the AND gate", `He said "hello" (twice) * and ^ then OR`, "Ana Ruiz", time.Now())); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`"`, `"""`, `"hello`, `hello"`, `(`, `)`, `*`, `^`, `-`, `:`, `NEAR(`, `NEAR(a b)`, `AND`, `OR`, `NOT`,
		`a AND`, `subject:hello`, `{subject}: x`, `hello*"`, `"a" "b`, `***`, `'; DROP TABLE items; --`,
		"\x00", "é\u0301", `from:"`, `from:")`, `col:"x`, strings.Repeat("(", 500), strings.Repeat(`"a `, 30),
	} {
		s, err := doctales.ParseSearch(q, time.UTC)
		if err != nil {
			if doctales.ErrorCode(err) != doctales.EINVALID {
				t.Errorf("parse %q: %v", q, err)
			}
			continue
		}
		if _, _, err := db.SearchItems(ctx, s, doctales.ItemFilter{}); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
	for _, q := range []string{"AND", "NEAR", `"hello`, "(twice)"} {
		if got := mustSearch(t, db, ctx, q, doctales.ItemFilter{}); !slices.Equal(got, []string{"a"}) {
			t.Errorf("search %q = %v, want [a]", q, got)
		}
	}
}

// TestSearch_Migration checks that items stored before the search index
// are indexed by the migration (subject, sender, key phrases).
func TestSearch_Migration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doctales.db")
	db := MustOpenDBAt(t, path, nil)
	ctx := context.Background()
	it := searchItem("old", "", "Budget meeting", "body text", "Ana Ruiz", time.Now())
	if _, _, err := db.CreateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Undo migration 0120 by hand, as if the file were older; and 0210,
	// which such a file cannot have either (its triggers read state).
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER item_counts_ai`, `DROP TRIGGER item_counts_ad`, `DROP TRIGGER item_counts_au`,
		`DROP TABLE item_counts`, `DELETE FROM schema_version WHERE version = 210`, `DROP TABLE search`, `DROP TABLE search_docs`, `DROP TABLE timers`, `DROP INDEX items_state`,
		`ALTER TABLE items DROP COLUMN state`, `ALTER TABLE items DROP COLUMN state_until`, `DELETE FROM schema_version WHERE version = 120`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	db = MustOpenDBAt(t, path, nil)
	for _, q := range []string{"budget", "from:ruiz"} {
		if got := mustSearch(t, db, ctx, q, doctales.ItemFilter{}); !slices.Equal(got, []string{"old"}) {
			t.Errorf("after migration, search %q = %v", q, got)
		}
	}
}

func TestParseSearch_Limits(t *testing.T) {
	for _, q := range []string{
		strings.Repeat("a", doctales.MaxSearchBytes+1),
		strings.Repeat("a ", doctales.MaxSearchTerms+1),
		"urgency:urgent", "before:yesterday", "has:pdf", "from:", "\xff",
	} {
		_, err := doctales.ParseSearch(q, time.UTC)
		if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "q" {
			t.Errorf("ParseSearch(%.40q) = %v, want EINVALID on q", q, err)
		}
	}
	_, err := doctales.ParseSearch(strings.Repeat("a", doctales.MaxSearchBytes+1), time.UTC)
	if !strings.Contains(fmt.Sprint(err), fmt.Sprint(doctales.MaxSearchBytes)) {
		t.Errorf("error %v does not name the limit", err)
	}
}
