// Package pagecursor is the page cursor of the SQL tables (packages sqlite
// and postgres): the position after which a list's next page starts,
// opaque to clients, in one format whichever table wrote it.
package pagecursor

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/doctales/doctales"
)

// TimeFormat is how the tables store a timestamp, and so how a cursor
// carries one.
const TimeFormat = "2006-01-02T15:04:05.000000000Z"

// Cursor is the stored timestamp and id of the last item of the previous
// page and, under a column sort, the sort's name and that item's sort key
// (whether it lacks the value, and the value), so that the next page
// starts right after it in the same order.
type Cursor struct {
	TS      string `json:"ts"`
	ID      string `json:"id"`
	Sort    string `json:"s,omitempty"`
	Missing int64  `json:"m,omitempty"`
	Key     any    `json:"k,omitempty"`
}

// Encode returns the cursor as base64url of its JSON.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode reads a cursor made by Encode, or returns EINVALID with field
// "next".
func Decode(s string) (Cursor, error) {
	var c Cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err == nil {
		_, err = time.Parse(TimeFormat, c.TS)
	}
	if err != nil || c.ID == "" {
		return Cursor{}, doctales.FieldErrorf(doctales.EINVALID, "next", "Invalid page cursor.")
	}
	return c, nil
}
