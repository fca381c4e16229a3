package httpapi

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
)

func init() {
	routeHooks = append(routeHooks, func(h *Handler, m *http.ServeMux) {
		m.HandleFunc("GET /communications/{id}/ack", h.ackPage)
		m.HandleFunc("POST /communications/{id}/ack", h.ack)
	})
	routeScopes["GET /communications/{id}/ack"] = scopePublic  // the token is the credential
	routeScopes["POST /communications/{id}/ack"] = scopePublic // the token is the credential
}

// AckPageContentSecurityPolicy is the Content-Security-Policy of the ack
// link's confirmation page: the API's, except that its one form may post
// to the page's own origin.
const AckPageContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// ackPageHTML is the page a GET on an ack link shows: the communication's
// subject and one button that POSTs the same URL (token included). The
// done variant is the answer to that POST from a browser.
var ackPageHTML = template.Must(template.New("ack").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{if .Done}}Acknowledged{{else}}Acknowledge{{end}} – Doc-Tales</title></head>
<body>
<main>
{{if .Done}}<h1>Acknowledged</h1>
<p>“{{.Subject}}” is marked read: no more reminders that it was not acknowledged.</p>
{{else}}<h1>Acknowledge this communication?</h1>
<p>“{{.Subject}}”</p>
<p>Acknowledging marks it read and stops the reminders that it was not acknowledged.</p>
<form method="post" action="?token={{.Token}}"><button type="submit">Acknowledge</button></form>
{{end}}</main>
</body></html>
`))

// ackPage answers a GET on the ack link of a notification e-mail
// (notify.Email's link) with a small HTML page whose one button POSTs the
// same URL, and changes nothing: mail systems and link scanners fetch the
// links of a message, and a fetch must not acknowledge for the person. The
// token is checked as by ack (404 for a wrong token or unknown id), so a
// page is shown only for a link that would work.
func (h *Handler) ackPage(w http.ResponseWriter, r *http.Request) {
	id, token, ok := h.checkAck(w, r)
	if !ok {
		return
	}
	it, err := h.Table.GetItem(r.Context(), id)
	if err != nil {
		if doctales.ErrorCode(err) == doctales.ENOTFOUND {
			err = ackNotFound(id)
		}
		Error(w, r, h.Logger, err)
		return
	}
	writeAckPage(w, it.Subject, token, false)
}

// ack acknowledges a notified communication from the link in its
// notification e-mail, by POST (the button of ackPage, or any client):
// ?token= is notify.AckToken of the id under the table's ack key, so the
// link needs no sign-in and works for that one communication only.
// Acknowledging marks it read (a MODIFY like PATCH {"state":"read"}),
// which stops its escalation (notify.When). It answers 200 with
// {"id","acknowledged":true} (again for a second click), or a short HTML
// page when the request prefers HTML (a browser submitting the form); 404
// for a wrong token or unknown id (the same answer, so a guess learns
// nothing), and 404 when the server has no ack key.
func (h *Handler) ack(w http.ResponseWriter, r *http.Request) {
	id, token, ok := h.checkAck(w, r)
	if !ok {
		return
	}
	it, err := h.Table.UpdateItem(r.Context(), id, doctales.ItemUpdate{State: &doctales.StateChange{State: doctales.ChangeRead}})
	if err != nil {
		if doctales.ErrorCode(err) == doctales.ENOTFOUND {
			err = ackNotFound(id)
		}
		Error(w, r, h.Logger, err)
		return
	}
	if prefersHTML(r) {
		subject := ""
		if it != nil {
			subject = it.Subject
		}
		writeAckPage(w, subject, token, true)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "acknowledged": true})
}

// checkAck reads the id and the token of an ack link and checks the
// token; on any failure it writes the answer (404 for a wrong token, a
// missing ack key or a bad id) and reports false.
func (h *Handler) checkAck(w http.ResponseWriter, r *http.Request) (id, token string, ok bool) {
	id, err := pathID(r)
	if err != nil {
		Error(w, r, h.Logger, err)
		return "", "", false
	}
	if h.AckKey == nil {
		Error(w, r, h.Logger, ackNotFound(id))
		return "", "", false
	}
	key, err := h.AckKey(r.Context())
	if err != nil {
		Error(w, r, h.Logger, err)
		return "", "", false
	}
	token = r.URL.Query().Get("token")
	if !notify.CheckAckToken(key, id, token) {
		Error(w, r, h.Logger, ackNotFound(id))
		return "", "", false
	}
	return id, token, true
}

// ackNotFound is the one answer to an ack link that does not work.
func ackNotFound(id string) error {
	return doctales.Errorf(doctales.ENOTFOUND, "communication %q not found, or the ack link's token is not its own", id)
}

// prefersHTML reports whether the request's Accept names text/html before
// application/json (or without it): a browser's form submission.
func prefersHTML(r *http.Request) bool {
	a := r.Header.Get("Accept")
	h := strings.Index(a, "text/html")
	if h < 0 {
		return false
	}
	j := strings.Index(a, "application/json")
	return j < 0 || h < j
}

// writeAckPage writes the ack page: the question with its button, or
// (done) the confirmation. It is never cached, and its CSP lets its form
// post to the page's own origin only.
func writeAckPage(w http.ResponseWriter, subject, token string, done bool) {
	if subject = strings.TrimSpace(subject); subject == "" {
		subject = "(no subject)"
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", AckPageContentSecurityPolicy)
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = ackPageHTML.Execute(w, struct {
		Subject, Token string
		Done           bool
	}{subject, token, done})
}
