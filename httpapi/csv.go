package httpapi

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// MaxCSVRows bounds one CSV export: a million rows is about 200 MB of text.
const MaxCSVRows = 1_000_000

// csvHeader names the columns of GET /communications?format=csv.
var csvHeader = []string{"id", "timestamp", "sender", "sender_id", "subject", "project", "type", "urgency",
	"category", "requires_action", "deadline", "state", "status", "thread_id"}

// exportCSV answers GET /communications?format=csv: every communication
// the list's filters (or the search q) select, not one page, as CSV
// (RFC 4180) in the list's order, streamed page by page so that memory
// stays flat however many rows there are (at most MaxCSVRows). It is
// scoped to the caller like the list. An error after the first row has
// been sent cannot change the status: the export then ends with a last
// line "# error: …", so that a truncated file is never mistaken for a
// complete one.
//
// Cells that a spreadsheet would read as a formula (starting with =, +,
// -, @, tab or carriage return) are prefixed with a single quote, as
// OWASP advises against CSV injection: subjects and names come from
// strangers.
func (h *Handler) exportCSV(w http.ResponseWriter, r *http.Request, f doctales.ItemFilter) {
	q := r.URL.Query().Get("q")
	var page func(f doctales.ItemFilter) ([]*doctales.Item, string, error)
	if q != "" {
		if f.Sort != "" {
			Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "sort", "sort applies to lists; a search (q) is ranked best first, so sort must be newest or left out"))
			return
		}
		searcher, ok := h.Table.(doctales.Searcher)
		if !ok {
			h.notEnabled(w, r, "full-text search")
			return
		}
		s, err := searchOf(q, f)
		if err != nil {
			Error(w, r, h.Logger, err)
			return
		}
		page = func(f doctales.ItemFilter) ([]*doctales.Item, string, error) {
			return searcher.SearchItems(r.Context(), s, f)
		}
	} else {
		page = func(f doctales.ItemFilter) ([]*doctales.Item, string, error) {
			return h.Table.FindItems(r.Context(), f)
		}
	}
	f.Limit = doctales.MaxPageSize
	items, next, err := page(f)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="communications.csv"`)
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	flusher, _ := w.(http.Flusher)
	rows := 0
	for {
		for _, it := range items {
			if rows == MaxCSVRows {
				cw.Flush()
				_, _ = w.Write([]byte("# truncated at " + strconv.Itoa(MaxCSVRows) + " rows\n"))
				return
			}
			if err := cw.Write(csvRow(it)); err != nil {
				return // the client went away
			}
			rows++
		}
		cw.Flush()
		if flusher != nil {
			flusher.Flush()
		}
		if next == "" {
			return
		}
		f.Cursor = next
		if items, next, err = page(f); err != nil {
			h.Logger.Error("csv export", "rows", rows, "err", err)
			_, _ = w.Write([]byte("# error: the export stopped after " + strconv.Itoa(rows) + " rows\n"))
			return
		}
	}
}

// csvRow is one communication as a CSV row, in csvHeader's order.
func csvRow(it *doctales.Item) []string {
	var category, deadline string
	request := false
	if d := it.Dimensions; d != nil {
		category, request = d.Category, d.RequiresAction
		if d.Deadline != nil {
			deadline = d.Deadline.UTC().Format(time.RFC3339)
		}
	}
	state := it.State
	if state == "" {
		state = doctales.StateOpen
	}
	row := []string{it.ID, it.Timestamp.UTC().Format(time.RFC3339), it.Sender, it.SenderID, it.Subject, it.Project, it.Type,
		it.Metadata.Urgency, category, strconv.FormatBool(request), deadline, state, it.Status, it.ThreadID}
	for i, c := range row {
		row[i] = csvSafe(c)
	}
	return row
}

// csvSafe defuses a cell a spreadsheet would run as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
