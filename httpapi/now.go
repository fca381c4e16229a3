package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/doctales/doctales"
)

// The triage screens of issue 12:
//
//	GET /communications/now?limit=&tz=   "needs you now": four sections with exact counts
//	GET /threads?limit=&next=&min=        conversations, newest first, with count and people
//	GET /threads/{id}                     one conversation's messages, oldest first
//
// They are served here, not computed in the browser, so that the
// dashboard and every other client share one rule (doctales.NowPlace,
// doctales.SummarizeThread).
func init() {
	routeHooks = append(routeHooks, func(h *Handler, m *http.ServeMux) {
		m.HandleFunc("GET /communications/now", h.nowView)
		m.HandleFunc("GET /threads", h.listThreads)
		m.HandleFunc("GET /threads/{id...}", h.getThread)
	})
	for _, p := range []string{"GET /communications/now", "GET /threads", "GET /threads/{id...}"} {
		routeScopes[p] = doctales.ScopeRead
	}
}

// nowView answers GET /communications/now: the caller's items grouped by
// doctales.BuildNowView at the server's clock. limit is how many items
// each section lists (1 to MaxNowPerSection, default
// DefaultNowPerSection); counts are exact whatever it is. tz is the
// reader's IANA time zone (default UTC), which says when "later today"
// ends. A table that reads candidates by index (doctales.NowReader) is
// asked for them; another is read page by page, newest first, up to
// MaxNowCandidates items.
func (h *Handler) nowView(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	per := doctales.DefaultNowPerSection
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > doctales.MaxNowPerSection {
			Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "limit", "limit %s is not a number from 1 to %d", quoteCut(v), doctales.MaxNowPerSection))
			return
		}
		per = n
	}
	loc := time.UTC
	if v := q.Get("tz"); v != "" {
		l, err := loadZone(v)
		if err != nil {
			Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "tz", "tz %s is not a time zone name such as Europe/Paris or UTC", quoteCut(v)))
			return
		}
		loc = l
	}
	now, fresh := h.now(), h.freshness()
	nq := doctales.NewNowQuery(now, fresh, loc)
	var items []*doctales.Item
	truncated := false
	if nr, ok := h.Table.(doctales.NowReader); ok {
		var err error
		if items, truncated, err = nr.NowCandidates(r.Context(), nq); err != nil {
			Error(w, r, h.Logger, err)
			return
		}
	} else {
		f := doctales.ItemFilter{Limit: doctales.MaxPageSize}
		for {
			page, next, err := h.Table.FindItems(r.Context(), f)
			if err != nil {
				Error(w, r, h.Logger, err)
				return
			}
			items = append(items, page...)
			if next == "" {
				break
			}
			if len(items) >= nq.Limit {
				truncated = true
				break
			}
			f.Cursor = next
		}
	}
	v := doctales.BuildNowView(items, now, fresh, loc, per)
	v.Complete = !truncated
	writeJSON(w, http.StatusOK, v)
}

// loadZone loads an IANA zone name, refusing names that are paths.
func loadZone(name string) (*time.Location, error) {
	if len(name) > 64 || strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return nil, doctales.Errorf(doctales.EINVALID, "bad zone")
	}
	return time.LoadLocation(name)
}

// ThreadsResponse is the body of GET /threads.
type ThreadsResponse struct {
	Threads []*doctales.Thread `json:"threads"`
	Count   int                `json:"count"`
	Next    string             `json:"next,omitempty"`
}

// listThreads answers GET /threads: the caller's conversations, the one
// with the newest message first, each with its count, people, subject,
// newest message and highest urgency. limit 1 to MaxPageSize (default
// DefaultPageSize), next the cursor of the previous page, min the fewest
// messages a thread must have (2 lists only conversations).
func (h *Handler) listThreads(w http.ResponseWriter, r *http.Request) {
	tr, ok := h.Table.(doctales.ThreadReader)
	if !ok {
		h.notEnabled(w, r, "threads")
		return
	}
	q := r.URL.Query()
	f := doctales.ThreadFilter{Cursor: q.Get("next")}
	for _, p := range []struct {
		name string
		dst  *int
		max  int
	}{{"limit", &f.Limit, doctales.MaxPageSize}, {"min", &f.MinCount, doctales.MaxThreadItems}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > p.max {
				Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, p.name, "%s %s is not a number from 1 to %d", p.name, quoteCut(v), p.max))
				return
			}
			*p.dst = n
		}
	}
	ths, next, err := tr.FindThreads(r.Context(), f)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, ThreadsResponse{Threads: ths, Count: len(ths), Next: next})
}

// ThreadResponse is the body of GET /threads/{id}: the summary and the
// messages, oldest first; Truncated when the thread holds more than
// MaxThreadItems (the oldest are given).
type ThreadResponse struct {
	Thread         *doctales.Thread `json:"thread"`
	Communications []*ListedItem    `json:"communications"`
	Truncated      bool             `json:"truncated,omitempty"`
}

// getThread answers GET /threads/{id}: the thread's messages in date
// order. The id is a Message-ID (it may hold "/", so the route takes the
// rest of the path); one over MaxThreadIDBytes, not UTF-8 or with control
// characters is 400 naming id; a thread without any of the caller's
// messages is 404.
func (h *Handler) getThread(w http.ResponseWriter, r *http.Request) {
	tr, ok := h.Table.(doctales.ThreadReader)
	if !ok {
		h.notEnabled(w, r, "threads")
		return
	}
	id := r.PathValue("id")
	switch {
	case id == "":
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "id", "thread id required, as in /threads/<Message-ID>"))
		return
	case len(id) > doctales.MaxThreadIDBytes:
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "id", "thread id is %d bytes; the limit is %d", len(id), doctales.MaxThreadIDBytes))
		return
	case !utf8.ValidString(id) || strings.IndexFunc(id, unicode.IsControl) >= 0:
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "id", "thread id %s has control characters or is not UTF-8", quoteCut(id)))
		return
	}
	items, err := tr.ThreadItems(r.Context(), id, doctales.MaxThreadItems+1)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	out := ThreadResponse{}
	if len(items) > doctales.MaxThreadItems {
		items, out.Truncated = items[:doctales.MaxThreadItems], true
	}
	out.Thread = doctales.SummarizeThread(id, items)
	now, fresh := h.now(), h.freshness()
	for _, it := range items {
		out.Communications = append(out.Communications, listed(it, doctales.Attention(it, now, fresh)))
	}
	writeJSON(w, http.StatusOK, out)
}
