package doctales

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxIDBytes is the longest communication id, in bytes. An id is a segment
// of the object key and the table key, so [ValidateID] also restricts its
// characters.
const MaxIDBytes = 128

// ValidateID checks an id named field (a communication id, a user-profile
// id) with the rules every route and the ingestion function share (issue
// 10): at most MaxIDBytes bytes and a valid [ValidateSegment]. It returns
// an *Error naming field: ETOOLARGE when too long, EINVALID otherwise.
func ValidateID(field, id string) error {
	if id == "" {
		return FieldErrorf(EINVALID, field, "%s is empty", field)
	}
	return ValidateSegment(field, id, MaxIDBytes)
}

// ValidateSegment checks that s, the value of field, can be one segment of
// an object key or table key: at most limit bytes, only letters, digits
// and . _ : @ -, not starting with "." and without "..", so that it can
// never name another folder (no "/", "../" or NUL). It returns an *Error
// naming field: ETOOLARGE when too long, EINVALID otherwise; the message
// quotes at most the first 64 characters of s.
func ValidateSegment(field, s string, limit int) error {
	switch {
	case len(s) > limit:
		return FieldErrorf(ETOOLARGE, field, "%s is %d bytes; the limit is %d", field, len(s), limit)
	case strings.ContainsRune(s, 0):
		return FieldErrorf(EINVALID, field, "%s %s contains a NUL byte", field, quoteCut(s))
	case strings.Contains(s, "/"), strings.Contains(s, ".."):
		return FieldErrorf(EINVALID, field,
			"%s %s contains \"/\" or \"..\"; it must be a single path segment", field, quoteCut(s))
	case strings.HasPrefix(s, "."):
		return FieldErrorf(EINVALID, field, "%s %s must not start with \".\"", field, quoteCut(s))
	}
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == ':' || c == '@' || c == '-'
		if !ok {
			return FieldErrorf(EINVALID, field,
				"%s %s may contain only letters, digits and . _ : @ -", field, quoteCut(s))
		}
	}
	return nil
}

// quoteCut quotes s, cut to 64 characters with "…" after the quote.
func quoteCut(s string) string {
	const n = 64
	if utf8.RuneCountInString(s) <= n {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q…", string([]rune(s)[:n]))
}
