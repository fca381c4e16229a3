package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// MaxStateBodyBytes is the largest body of PATCH /communications/{id}.
const MaxStateBodyBytes = 1 << 10

func init() {
	routeHooks = append(routeHooks, func(h *Handler, m *http.ServeMux) {
		m.HandleFunc("PATCH /communications/{id}", h.patchState)
	})
}

// StateRequest is the body of PATCH /communications/{id}: {"state":"done"},
// "read", "unread", "pinned", "unpinned", "open", or
// {"state":"snoozed","until":"<RFC 3339>"}.
type StateRequest struct {
	State string `json:"state"`
	Until string `json:"until,omitempty"`
}

// patchState changes the reader's triage state of one of their
// communications. The change is an item write like any other, so it
// appends a MODIFY record and every open dashboard sees it through the
// live stream; a snooze sets a durable wake-up in the same write (the
// table's timers). Answers 200 with the item as lists show it; 400 naming
// the field and the limit; 404 for an unknown id or another user's.
func (h *Handler) patchState(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxStateBodyBytes+1))
	if err != nil {
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "body", "request body cannot be read: %s", err))
		return
	}
	if len(body) > MaxStateBodyBytes {
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "body", "the body is over %d bytes; the limit is %d", MaxStateBodyBytes, MaxStateBodyBytes))
		return
	}
	var req StateRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ute):
			err = doctales.FieldErrorf(doctales.EINVALID, ute.Field, "%s must be a string", ute.Field)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			err = doctales.FieldErrorf(doctales.EINVALID, f, "field %s is not known; send state and, for snoozed, until", quoteCut(f))
		default:
			err = doctales.FieldErrorf(doctales.EINVALID, "body", `the body is not a JSON object such as {"state":"done"}: %s`, err)
		}
		Error(w, r, h.Logger, err)
		return
	}
	now := h.now()
	ch := doctales.StateChange{State: req.State}
	if req.Until != "" {
		t, err := time.Parse(time.RFC3339, req.Until)
		if err != nil {
			Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "until", "until %s is not an RFC 3339 time such as %s", quoteCut(req.Until), now.Add(24*time.Hour).UTC().Format(time.RFC3339)))
			return
		}
		ch.Until = t
	}
	if err := ch.Validate(now); err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	it, err := h.Table.UpdateItem(r.Context(), id, doctales.ItemUpdate{State: &ch})
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, listed(it, doctales.Attention(it, now, h.freshness())))
}
