package doctales

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of a search query (GET /communications?q=): longer or busier
// queries are refused with EINVALID naming the limit, never passed on.
const (
	MaxSearchBytes = 1024 // bytes of the whole query
	MaxSearchTerms = 32   // words, phrases and filters
)

// Search is a parsed search box (ParseSearch): words and phrases to find
// in the text, and filters.
type Search struct {
	Terms []SearchTerm
	// From are sender filters (from:): each must match the sender's name
	// or address, a word or the start of one.
	From    []string
	Project string     // project: exact
	Urgency string     // urgency: high, medium or low
	After   *time.Time // after: timestamp >= After
	Before  *time.Time // before: timestamp < Before
	// HasAttachment is has:attachment.
	HasAttachment bool
}

// SearchTerm is a word or a quoted phrase. Prefix is set for a word
// written with a trailing "*" (invoi*).
type SearchTerm struct {
	Text   string
	Phrase bool
	Prefix bool
}

// HasText reports whether s asks for text (words, phrases or from:), as
// opposed to filters only.
func (s *Search) HasText() bool { return len(s.Terms) > 0 || len(s.From) > 0 }

// Searcher is implemented by tables that answer full-text searches. The
// results are ranked best first when s has text, newest first when it has
// only filters; the cursor is opaque ("" on the last page). Scoped to the
// owner in ctx, like FindItems; filter's State applies too.
type Searcher interface {
	SearchItems(ctx context.Context, s *Search, filter ItemFilter) ([]*Item, string, error)
}

// ParseSearch reads a search box: words, "quoted phrases" (an unbalanced
// quote runs to the end), and the filters from:NAME, project:NAME,
// urgency:high|medium|low, before:DATE, after:DATE (YYYY-MM-DD, midnight
// in loc, or RFC 3339) and has:attachment; a filter's value may be quoted
// (from:"Ana Ruiz"). Any other word with a colon is a word. Nothing in q
// is syntax for the index: words and phrases are searched as text.
// Errors are EINVALID with field "q", naming the limit or the bad value.
func ParseSearch(q string, loc *time.Location) (*Search, error) {
	if loc == nil {
		loc = time.UTC
	}
	if len(q) > MaxSearchBytes {
		return nil, FieldErrorf(EINVALID, "q", "the search is %d bytes; the limit is %d", len(q), MaxSearchBytes)
	}
	if !utf8.ValidString(q) {
		return nil, FieldErrorf(EINVALID, "q", "the search is not valid UTF-8")
	}
	s := &Search{}
	n := 0
	rest := q
	for {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			break
		}
		if n++; n > MaxSearchTerms {
			return nil, FieldErrorf(EINVALID, "q", "the search has more than %d words, phrases and filters; the limit is %d", MaxSearchTerms, MaxSearchTerms)
		}
		if rest[0] == '"' {
			var phrase string
			phrase, rest = cutQuoted(rest[1:])
			s.Terms = append(s.Terms, SearchTerm{Text: phrase, Phrase: true})
			continue
		}
		end := strings.IndexFunc(rest, unicode.IsSpace)
		if end < 0 {
			end = len(rest)
		}
		word := rest[:end]
		key, value, ok := strings.Cut(word, ":")
		key = strings.ToLower(key)
		if ok && isSearchKey(key) {
			if strings.HasPrefix(value, `"`) {
				value, rest = cutQuoted(rest[len(key)+2:])
			} else {
				rest = rest[end:]
			}
			if err := s.setFilter(key, value, loc); err != nil {
				return nil, err
			}
			continue
		}
		rest = rest[end:]
		t := SearchTerm{Text: word}
		if trimmed := strings.TrimRight(word, "*"); trimmed != word {
			t.Text, t.Prefix = trimmed, true
		}
		s.Terms = append(s.Terms, t)
	}
	return s, nil
}

// cutQuoted returns the text up to the next '"' and what follows it; with
// no closing quote, all of s.
func cutQuoted(s string) (quoted, rest string) {
	if i := strings.IndexByte(s, '"'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// searchKeys are the filters of the search box.
var searchKeys = []string{"from", "project", "urgency", "before", "after", "has"}

func isSearchKey(k string) bool {
	for _, x := range searchKeys {
		if x == k {
			return true
		}
	}
	return false
}

// setFilter records one key:value filter.
func (s *Search) setFilter(key, value string, loc *time.Location) error {
	if strings.TrimSpace(value) == "" {
		return FieldErrorf(EINVALID, "q", "%s: needs a value, as in %s", key, searchExample[key])
	}
	switch key {
	case "from":
		s.From = append(s.From, value)
	case "project":
		s.Project = value
	case "urgency":
		v := strings.ToLower(value)
		if UrgencyRank(v) == 0 {
			return FieldErrorf(EINVALID, "q", "urgency:%s is not one of high, medium, low", value)
		}
		s.Urgency = v
	case "before", "after":
		t, err := parseSearchDate(value, loc)
		if err != nil {
			return FieldErrorf(EINVALID, "q", "%s:%s is not a date such as 2025-06-10 or 2025-06-10T15:30:00Z", key, value)
		}
		if key == "before" {
			s.Before = &t
		} else {
			s.After = &t
		}
	case "has":
		switch strings.ToLower(value) {
		case "attachment", "attachments":
			s.HasAttachment = true
		default:
			return FieldErrorf(EINVALID, "q", "has:%s is not known; the one there is is has:attachment", value)
		}
	}
	return nil
}

var searchExample = map[string]string{
	"from": "from:ana", "project": "project:q3", "urgency": "urgency:high",
	"before": "before:2025-06-10", "after": "after:2025-06-01", "has": "has:attachment",
}

// parseSearchDate reads YYYY-MM-DD (midnight in loc) or RFC 3339.
func parseSearchDate(v string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, v)
}
