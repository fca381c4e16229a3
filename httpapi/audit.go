package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/doctales/doctales"
)

// The audit log of admin actions (issue 17, item 5): handlers that change
// something an operator answers for call Handler.Audit, which records the
// request's principal and client address with the action.
//
//	GET /audit?since=RFC3339|DURATION&action=A&limit=N   (admin)
func init() {
	routeHooks = append(routeHooks, func(h *Handler, m *http.ServeMux) {
		m.HandleFunc("GET /audit", h.listAudit)
	})
}

// clientIPKey is the context key of the request's client address.
type clientIPKey struct{}

// Audit records that the request in ctx did action to target, ending with
// err (nil for success), with detail (never a secret). It takes the
// principal and client address from ctx; a failure to write is logged,
// not returned, so an action is never undone by its audit row. Without an
// AuditLog it does nothing. Handlers added later (DELETE
// /communications/{id}) call it the same way.
func (h *Handler) Audit(ctx context.Context, action, target string, err error, detail map[string]any) {
	if h.AuditLog == nil {
		return
	}
	e := &doctales.AuditEntry{Action: action, Target: target, Outcome: doctales.AuditOutcome(err), Detail: detail}
	if p := doctales.PrincipalFromContext(ctx); p != nil {
		e.UserID, e.KeyID, e.Via = p.UserID, p.KeyID, p.Via
	}
	e.ClientIP, _ = ctx.Value(clientIPKey{}).(string)
	if werr := h.AuditLog.AppendAudit(context.WithoutCancel(ctx), e); werr != nil {
		h.Logger.ErrorContext(ctx, "audit entry not written", "action", action, "target", target, "error", werr)
	}
}

// withClientIP returns r with its client address in the context, for Audit.
func withClientIP(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), clientIPKey{}, clientIP(r)))
}

// AuditResponse is the body of GET /audit.
type AuditResponse struct {
	Entries []*doctales.AuditEntry `json:"entries"`
	Count   int                    `json:"count"`
}

// listAudit serves GET /audit: the newest entries first.
func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request) {
	if h.AuditLog == nil {
		h.notEnabled(w, r, "the audit log")
		return
	}
	var f doctales.AuditFilter
	q := r.URL.Query()
	if v := q.Get("since"); v != "" {
		t, err := ParseSince(v, time.Now())
		if err != nil {
			Error(w, r, h.Logger, err)
			return
		}
		f.Since = &t
	}
	if v := q.Get("action"); v != "" {
		f.Action = &v
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > doctales.MaxPageSize {
			Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "limit", "limit %q is not a number from 1 to %d", v, doctales.MaxPageSize))
			return
		}
		f.Limit = n
	}
	es, err := h.AuditLog.AuditEntries(r.Context(), f)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	if es == nil {
		es = []*doctales.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, AuditResponse{Entries: es, Count: len(es)})
}

// ParseSince reads a "since" value: an RFC 3339 time, or a duration such
// as "24h" or "7d" counted back from now. Anything else is EINVALID.
func ParseSince(v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if n, ok := cutSuffixInt(v, "d"); ok && n >= 0 {
		return now.Add(-time.Duration(n) * 24 * time.Hour), nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, doctales.FieldErrorf(doctales.EINVALID, "since", "since %q is neither an RFC 3339 time nor a duration such as 24h or 7d", v)
}

// cutSuffixInt parses "7d" as 7 for suffix "d".
func cutSuffixInt(v, suffix string) (int, bool) {
	if len(v) <= len(suffix) || v[len(v)-len(suffix):] != suffix {
		return 0, false
	}
	n, err := strconv.Atoi(v[:len(v)-len(suffix)])
	return n, err == nil
}
