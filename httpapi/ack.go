package httpapi

import (
	"net/http"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
)

func init() {
	routeHooks = append(routeHooks, func(h *Handler, m *http.ServeMux) {
		m.HandleFunc("GET /communications/{id}/ack", h.ack)
		m.HandleFunc("POST /communications/{id}/ack", h.ack)
	})
	routeScopes["GET /communications/{id}/ack"] = scopePublic  // the token is the credential
	routeScopes["POST /communications/{id}/ack"] = scopePublic // the token is the credential
}

// ack acknowledges a notified communication from the link in its
// notification e-mail: ?token= is notify.AckToken of the id under the
// table's ack key, so the link needs no sign-in and works for that one
// communication only. Acknowledging marks it read (a MODIFY like
// PATCH {"state":"read"}), which stops its escalation (notify.When). It
// answers 200 with {"id","acknowledged":true} (again for a second click),
// 404 for a wrong token or unknown id (the same answer, so a guess learns
// nothing), and 404 when the server has no ack key.
func (h *Handler) ack(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	notFound := doctales.Errorf(doctales.ENOTFOUND, "communication %q not found, or the ack link's token is not its own", id)
	if h.AckKey == nil {
		Error(w, r, h.Logger, notFound)
		return
	}
	key, err := h.AckKey(r.Context())
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	if !notify.CheckAckToken(key, id, r.URL.Query().Get("token")) {
		Error(w, r, h.Logger, notFound)
		return
	}
	if _, err := h.Table.UpdateItem(r.Context(), id, doctales.ItemUpdate{State: &doctales.StateChange{State: doctales.ChangeRead}}); err != nil {
		if doctales.ErrorCode(err) == doctales.ENOTFOUND {
			err = notFound
		}
		Error(w, r, h.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "acknowledged": true})
}
