package dynamodb

import (
	"context"
	"strings"

	"github.com/doctales/doctales"
)

var _ doctales.Searcher = (*Table)(nil)

// SearchItems answers GET /communications?q= on DynamoDB by the documented
// simpler path (docs/aws.md, "Search on AWS"): the search box's filters
// (project:, urgency:, before:, after:, the list's own) narrow the query as
// FindItems does, and each word, phrase or from: must then appear, in any
// case, in what the item holds: its subject, sender, sender id, project,
// key phrases and entities. The body is not in the table (it stays in the
// bucket), so a word only the body has is not found here; results come
// newest first, not ranked; has:attachment is refused. The embedded
// table's FTS5 index reads bodies and ranks.
func (t *Table) SearchItems(ctx context.Context, s *doctales.Search, filter doctales.ItemFilter) ([]*doctales.Item, string, error) {
	if s.HasAttachment {
		return nil, "", doctales.FieldErrorf(doctales.EINVALID, "q", "has:attachment is not kept in the table on AWS (the attachments are in the bucket); see docs/aws.md, \"Search on AWS\"")
	}
	if s.Project != "" {
		filter.Project = &s.Project
	}
	if s.Urgency != "" {
		filter.Urgency = &s.Urgency
	}
	if s.After != nil {
		filter.Since = s.After
	}
	if s.Before != nil {
		filter.Until = s.Before
	}
	// from: is matched in code (a word of the name or address), so the
	// list's exact sender filter does not narrow the query for it.
	if len(s.From) > 0 {
		filter.Sender = nil
	}
	return t.findItems(ctx, filter, func(it *doctales.Item) bool { return searchMatches(s, it) })
}

// searchMatches reports whether it has every term of s and every from:.
func searchMatches(s *doctales.Search, it *doctales.Item) bool {
	for _, f := range s.From {
		f = strings.ToLower(f)
		if !strings.Contains(strings.ToLower(it.Sender), f) && !strings.Contains(strings.ToLower(it.SenderID), f) {
			return false
		}
	}
	if len(s.Terms) == 0 {
		return true
	}
	var b strings.Builder
	for _, x := range []string{it.Subject, it.Sender, it.SenderID, it.Project} {
		b.WriteString(x)
		b.WriteByte('\n')
	}
	if d := it.Dimensions; d != nil {
		for _, k := range d.KeyPhrases {
			b.WriteString(k.Text)
			b.WriteByte('\n')
		}
		for _, e := range d.Entities {
			b.WriteString(e.Text)
			b.WriteByte('\n')
		}
	}
	text := strings.ToLower(b.String())
	for _, term := range s.Terms {
		if !strings.Contains(text, strings.ToLower(term.Text)) {
			return false
		}
	}
	return true
}
