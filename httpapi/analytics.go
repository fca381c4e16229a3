package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/doctales/doctales"
)

// The analytics of issue 12, item 5, read from the aggregate tables that
// the analytics consumer of the change stream keeps (package analytics):
//
//	GET /analytics/volume?by=day|week&from=&to=   volume and urgency per day, or per project and ISO week
//	GET /analytics/people?limit=                  people and organisations: traffic, last contact, open requests, response times
//	GET /analytics/deadlines?from=&to=&order=&limit=  communications with a deadline in a range, earliest (or latest) first
//
// They are scoped to the caller's communications like every read. A
// deployment whose table keeps no aggregates (DynamoDB on AWS) answers
// 501, saying so: see docs/aws.md.
func init() {
	routeHooks = append(routeHooks, func(h *Handler, m *http.ServeMux) {
		m.HandleFunc("GET /analytics/volume", h.analyticsVolume)
		m.HandleFunc("GET /analytics/people", h.analyticsPeople)
		m.HandleFunc("GET /analytics/deadlines", h.analyticsDeadlines)
	})
	for _, p := range []string{"GET /analytics/volume", "GET /analytics/people", "GET /analytics/deadlines"} {
		routeScopes[p] = doctales.ScopeRead
	}
}

// analyticsAvailable answers 501 when the handler has no aggregate tables.
func (h *Handler) analyticsAvailable(w http.ResponseWriter, r *http.Request) bool {
	if h.Analytics == nil {
		Error(w, r, h.Logger, doctales.Errorf(doctales.ENOTIMPLEMENTED,
			"Analytics are not kept by this deployment's table (on AWS there is no aggregate consumer yet; see docs/aws.md)."))
		return false
	}
	return true
}

// dayParam reads a YYYY-MM-DD query parameter; "" when absent.
func dayParam(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return "", nil
	}
	if _, err := time.Parse("2006-01-02", v); err != nil {
		return "", doctales.FieldErrorf(doctales.EINVALID, name, "%s %s is not a date such as 2026-03-31", name, quoteCut(v))
	}
	return v, nil
}

// VolumeResponse is the body of GET /analytics/volume: Days with by=day
// (the default), Weeks with by=week.
type VolumeResponse struct {
	By    string                `json:"by"`
	Days  []doctales.VolumeDay  `json:"days,omitempty"`
	Weeks []doctales.VolumeWeek `json:"weeks,omitempty"`
	Total int                   `json:"total"` // communications over the rows
}

func (h *Handler) analyticsVolume(w http.ResponseWriter, r *http.Request) {
	if !h.analyticsAvailable(w, r) {
		return
	}
	from, err := dayParam(r, "from")
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	to, err := dayParam(r, "to")
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	resp := VolumeResponse{By: r.URL.Query().Get("by")}
	switch resp.By {
	case "", "day":
		resp.By = "day"
		if resp.Days, err = h.Analytics.VolumeByDay(r.Context(), from, to); err != nil {
			Error(w, r, h.Logger, err)
			return
		}
		for _, d := range resp.Days {
			resp.Total += d.Total
		}
		if resp.Days == nil {
			resp.Days = []doctales.VolumeDay{}
		}
	case "week":
		if resp.Weeks, err = h.Analytics.VolumeByWeek(r.Context(), from, to); err != nil {
			Error(w, r, h.Logger, err)
			return
		}
		for _, wk := range resp.Weeks {
			resp.Total += wk.Total
		}
		if resp.Weeks == nil {
			resp.Weeks = []doctales.VolumeWeek{}
		}
	default:
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "by", "by %s is not one of day, week", quoteCut(resp.By)))
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// AnalyticsPeopleResponse is the body of GET /analytics/people.
type AnalyticsPeopleResponse struct {
	People        []doctales.PersonStats `json:"people"`
	Organizations []doctales.OrgStats    `json:"organizations"`
}

func (h *Handler) analyticsPeople(w http.ResponseWriter, r *http.Request) {
	if !h.analyticsAvailable(w, r) {
		return
	}
	limit, err := queryLimit(r, doctales.DefaultPageSize)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	people, orgs, err := h.Analytics.PeopleStats(r.Context(), limit)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, AnalyticsPeopleResponse{People: people, Organizations: orgs})
}

// MaxDeadlineRows is the most communications GET /analytics/deadlines
// lists.
const MaxDeadlineRows = 5000

// DeadlinesResponse is the body of GET /analytics/deadlines.
type DeadlinesResponse struct {
	Deadlines []doctales.DeadlineItem `json:"deadlines"`
	Count     int                     `json:"count"`
}

func (h *Handler) analyticsDeadlines(w http.ResponseWriter, r *http.Request) {
	if !h.analyticsAvailable(w, r) {
		return
	}
	var bounds [2]time.Time
	for i, name := range []string{"from", "to"} {
		d, err := dayParam(r, name)
		if err != nil {
			Error(w, r, h.Logger, err)
			return
		}
		if d != "" {
			t, _ := time.Parse("2006-01-02", d)
			if i == 1 {
				t = t.Add(24*time.Hour - time.Nanosecond) // the whole last day
			}
			bounds[i] = t
		}
	}
	limit := MaxDeadlineRows
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxDeadlineRows {
			Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "limit", "limit %s is not a number from 1 to %d", quoteCut(v), MaxDeadlineRows))
			return
		}
		limit = n
	}
	latest := false
	switch v := r.URL.Query().Get("order"); v {
	case "", "earliest":
	case "latest":
		latest = true
	default:
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "order", "order %s is not one of earliest, latest", quoteCut(v)))
		return
	}
	items, err := h.Analytics.Deadlines(r.Context(), bounds[0], bounds[1], latest, limit)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	if items == nil {
		items = []doctales.DeadlineItem{}
	}
	writeJSON(w, http.StatusOK, DeadlinesResponse{Deadlines: items, Count: len(items)})
}
