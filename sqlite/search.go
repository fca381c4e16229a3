package sqlite

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/doctales/doctales"
)

// MaxIndexedBodyBytes is how much of a communication's body the search
// index keeps: the start of a long document is searchable, the rest is
// not, so that one huge upload cannot bloat the index.
const MaxIndexedBodyBytes = 256 << 10

// SearchRankWindow is how many matches of a search are ranked: the
// newest ones (by the order they were indexed). A search matching more
// ranks the best of its newest SearchRankWindow; more words or a filter
// narrow it.
const SearchRankWindow = 2000

// searchDoc is an item's row in search_docs: the columns of the index.
type searchDoc struct {
	subject, body, sender, people, entities, phrases, owner string
	attachments                                             int
}

// ownerToken is the one index token of an owner: "o" and the id in hex,
// so that no two owners share it whatever their ids hold.
func ownerToken(owner string) string {
	return "o" + hex.EncodeToString([]byte(doctales.OwnerOf(owner)))
}

// newSearchDoc returns the text of it the index keeps. The body and the
// recipients come from it.Search, which only a fresh item carries.
func newSearchDoc(it *doctales.Item) searchDoc {
	d := searchDoc{
		subject: it.Subject,
		sender:  strings.TrimSpace(it.Sender + " " + it.SenderID),
		owner:   ownerToken(it.Owner),
	}
	if s := it.Search; s != nil {
		d.body = cutUTF8(s.Body, MaxIndexedBodyBytes)
		d.people = strings.Join(s.People, " ")
		d.attachments = s.Attachments
	}
	if dim := it.Dimensions; dim != nil {
		var b strings.Builder
		for _, e := range dim.Entities {
			b.WriteString(e.Text)
			b.WriteByte(' ')
		}
		d.entities = strings.TrimSpace(b.String())
		b.Reset()
		for _, k := range dim.KeyPhrases {
			b.WriteString(k.Text)
			b.WriteByte(' ')
		}
		d.phrases = strings.TrimSpace(b.String())
		if v := dim.Visual; v != nil {
			d.attachments = max(d.attachments, v.VisualElements.Attachments)
		}
	}
	return d
}

// cutUTF8 returns at most n bytes of s, cut at a character boundary.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// indexItem writes it's row of search_docs (and so the index, by the
// triggers of migration 0120) inside the writer. old is the item before
// an update, nil for a new item: an update rewrites only the columns the
// item holds (subject, sender, entities, key phrases) and keeps the body
// and recipients indexed when it was created, and writes nothing when
// those did not change (a state change).
func (tx *writeTx) indexItem(old, it *doctales.Item) error {
	d := newSearchDoc(it)
	if old == nil {
		if _, err := tx.exec(`INSERT INTO search_docs (id, subject, body, sender, people, entities, phrases, owner, attachments)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET subject = excluded.subject, body = excluded.body, sender = excluded.sender,
				people = excluded.people, entities = excluded.entities, phrases = excluded.phrases, owner = excluded.owner,
				attachments = excluded.attachments`,
			it.ID, d.subject, d.body, d.sender, d.people, d.entities, d.phrases, d.owner, d.attachments); err != nil {
			return fmt.Errorf("index item for search: %w", FormatError(err))
		}
		return nil
	}
	if o := newSearchDoc(old); o == d {
		return nil
	}
	if _, err := tx.exec(`INSERT INTO search_docs (id, subject, sender, entities, phrases, owner, attachments)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET subject = excluded.subject, sender = excluded.sender,
			entities = excluded.entities, phrases = excluded.phrases, owner = excluded.owner,
			attachments = max(attachments, excluded.attachments)`,
		it.ID, d.subject, d.sender, d.entities, d.phrases, d.owner, d.attachments); err != nil {
		return fmt.Errorf("reindex item for search: %w", FormatError(err))
	}
	return nil
}

// unindexItem removes the item's text from the search index and its
// timer, inside the writer (DeleteItem).
func (tx *writeTx) unindexItem(id string) error {
	if _, err := tx.exec(`DELETE FROM search_docs WHERE id = ?`, id); err != nil {
		return fmt.Errorf("remove item from search index: %w", FormatError(err))
	}
	if _, err := tx.exec(`DELETE FROM timers WHERE id = ?`, id); err != nil {
		return fmt.Errorf("remove item's timer: %w", FormatError(err))
	}
	return nil
}

// afterUpdate keeps the search index and the timers in step with an
// update, inside its transaction: the index gets the new text, and a
// state change sets or clears the item's wake-up.
func (tx *writeTx) afterUpdate(old, it *doctales.Item, upd doctales.ItemUpdate) error {
	if err := tx.indexItem(old, it); err != nil {
		return err
	}
	if upd.State == nil {
		return nil
	}
	if it.State == doctales.StateSnoozed && it.StateUntil != nil {
		if _, err := tx.exec(`INSERT INTO timers (id, due) VALUES (?, ?)
			ON CONFLICT (id) DO UPDATE SET due = excluded.due`, it.ID, formatTime(*it.StateUntil)); err != nil {
			return fmt.Errorf("set wake-up timer: %w", FormatError(err))
		}
		return nil
	}
	if _, err := tx.exec(`DELETE FROM timers WHERE id = ?`, it.ID); err != nil {
		return fmt.Errorf("clear wake-up timer: %w", FormatError(err))
	}
	return nil
}

// stateWhere returns the condition on items (aliased p) for a state
// filter, judged at now: open includes a snooze whose time has passed.
func stateWhere(p, state, now string) (string, []any, error) {
	switch state {
	case doctales.StateOpen:
		return "(" + p + "state = '' OR (" + p + "state = 'snoozed' AND " + p + "state_until <= ?))", []any{now}, nil
	case doctales.StateSnoozed:
		return "(" + p + "state = 'snoozed' AND " + p + "state_until > ?)", []any{now}, nil
	case doctales.StateDone:
		return p + "state = 'done'", nil, nil
	case doctales.StateWaiting:
		return p + "state = 'waiting'", nil, nil
	}
	return "", nil, doctales.FieldErrorf(doctales.EINVALID, "state", "state %q is not one of %s", state, strings.Join(doctales.States, ", "))
}

// matchExpr returns the FTS5 query of s: each word or phrase as a quoted
// FTS5 string (so no character of the search is FTS5 syntax: quotes are
// doubled), a trailing * only where the user wrote one, and each from: as
// a prefix phrase on the sender column; all ANDed. Words with no letter
// or digit are dropped (they index nothing). "" means nothing to match.
func matchExpr(s *doctales.Search) string {
	var parts []string
	quote := func(t string) string { return `"` + strings.ReplaceAll(t, `"`, `""`) + `"` }
	for _, t := range s.Terms {
		if !hasWordChar(t.Text) {
			continue
		}
		q := quote(t.Text)
		if t.Prefix {
			q += "*"
		}
		parts = append(parts, q)
	}
	for _, f := range s.From {
		if hasWordChar(f) {
			parts = append(parts, "sender : "+quote(f)+"*")
		}
	}
	return strings.Join(parts, " AND ")
}

func hasWordChar(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// searchCursor is the position of the next page of a search: an offset
// into the ranked results.
type searchCursor struct {
	Offset int `json:"o"`
}

// SearchItems answers a search box (doctales.ParseSearch): the items of
// the owner in ctx whose text matches every word, phrase and from: of s,
// best first by bm25 (subject and sender weigh most; see migration 0120),
// then newest; or, when s has filters only, the matching items newest
// first. filter adds State and Limit (0: DefaultPageSize) and Cursor, the
// next of the previous page. A search whose words are all punctuation
// finds nothing.
func (db *DB) SearchItems(ctx context.Context, s *doctales.Search, filter doctales.ItemFilter) ([]*doctales.Item, string, error) {
	limit, err := doctales.PageLimit(filter.Limit)
	if err != nil {
		return nil, "", err
	}
	var cur searchCursor
	if filter.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(filter.Cursor)
		if err == nil {
			err = json.Unmarshal(b, &cur)
		}
		if err != nil || cur.Offset < 0 {
			return nil, "", doctales.FieldErrorf(doctales.EINVALID, "next", "Invalid page cursor.")
		}
	}

	match := matchExpr(s)
	if s.HasText() && match == "" {
		return []*doctales.Item{}, "", nil
	}
	where, args := []string{"1 = 1"}, []any{}
	if match != "" {
		m := match
		if owner, ok := doctales.OwnerFromContext(ctx); ok {
			// The owner's token first: the index intersects the words
			// with one user's documents instead of everybody's.
			m = "owner : " + ownerToken(owner) + " AND " + match
		}
		where, args = append(where, "search MATCH ?"), append(args, m)
	}
	if owner, ok := doctales.OwnerFromContext(ctx); ok {
		where, args = append(where, "i.owner = ?"), append(args, owner)
	}
	if s.Project != "" {
		where, args = append(where, "i.project = ?"), append(args, s.Project)
	}
	if s.Urgency != "" {
		where, args = append(where, "i.urgency = ?"), append(args, s.Urgency)
	}
	if s.After != nil {
		where, args = append(where, "i.ts >= ?"), append(args, formatTime(*s.After))
	}
	if s.Before != nil {
		where, args = append(where, "i.ts < ?"), append(args, formatTime(*s.Before))
	}
	if s.HasAttachment {
		where = append(where, "d.attachments > 0")
	}
	if filter.State != nil && *filter.State != "" {
		c, a, err := stateWhere("i.", *filter.State, formatTime(db.Now()))
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, c), append(args, a...)
	}
	cond := strings.Join(where, " AND ")
	var query string
	if match != "" {
		// Rank the newest SearchRankWindow matches (the index walks its
		// documents newest first and stops there), then read the bodies
		// of one page only: ranking every match of a common word would
		// cost a tenth of a second per 50,000.
		query = `SELECT i.body FROM (
				SELECT d.id AS id, search.rank AS rank, search.rowid AS docid
				FROM search JOIN search_docs d ON d.docid = search.rowid JOIN items i ON i.id = d.id
				WHERE ` + cond + ` ORDER BY search.rowid DESC LIMIT ` + strconv.Itoa(SearchRankWindow) + `
			) m JOIN items i ON i.id = m.id ORDER BY m.rank, m.docid DESC LIMIT ? OFFSET ?`
	} else {
		query = `SELECT i.body FROM items i LEFT JOIN search_docs d ON d.id = i.id
			WHERE ` + cond + ` ORDER BY i.ts DESC, i.id DESC LIMIT ? OFFSET ?`
	}
	args = append(args, limit+1, cur.Offset)
	rows, err := db.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("search items (match %q): %w", match, FormatError(err))
	}
	defer rows.Close()
	items := make([]*doctales.Item, 0, min(limit, 64))
	more := false
	for rows.Next() {
		if len(items) == limit {
			more = true
			break
		}
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, "", fmt.Errorf("search items: %w", FormatError(err))
		}
		it, err := decodeItem(body)
		if err != nil {
			return nil, "", fmt.Errorf("search items: %w", err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("search items (match %q): %w", match, FormatError(err))
	}
	if !more {
		return items, "", nil
	}
	b, _ := json.Marshal(searchCursor{Offset: cur.Offset + limit})
	return items, base64.RawURLEncoding.EncodeToString(b), nil
}

var _ doctales.Searcher = (*DB)(nil)
