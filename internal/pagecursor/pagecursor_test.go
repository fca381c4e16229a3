package pagecursor_test

import (
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/pagecursor"
)

// TestCursor: a cursor decodes to what was encoded; anything else (not
// base64, not JSON, a bad time, no id) is EINVALID naming next.
func TestCursor(t *testing.T) {
	c := pagecursor.Cursor{TS: "2026-12-06T01:02:03.000000000Z", ID: "a", Sort: "subject", Missing: 1, Key: "x"}
	got, err := pagecursor.Decode(c.Encode())
	if err != nil || got != c {
		t.Fatalf("Decode(Encode(%+v)) = %+v, %v", c, got, err)
	}
	for _, bad := range []string{"", "!!", pagecursor.Cursor{TS: "yesterday", ID: "a"}.Encode(), pagecursor.Cursor{TS: c.TS}.Encode()} {
		if _, err := pagecursor.Decode(bad); doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "next" {
			t.Errorf("Decode(%q) = %v, want EINVALID naming next", bad, err)
		}
	}
}
