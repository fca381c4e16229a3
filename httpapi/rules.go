package httpapi

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
)

// Limits of the rules routes.
const (
	// MaxRuleBodyBytes is the largest body of POST and PUT /rules.
	MaxRuleBodyBytes = 16 << 10
	// RuleTestItems is how many of the caller's newest communications a
	// rule is tried on by POST /rules/test: "test against my last 100".
	RuleTestItems = 100
)

func init() {
	routeHooks = append(routeHooks, func(h *Handler, m *http.ServeMux) {
		m.HandleFunc("GET /rules", h.listRules)
		m.HandleFunc("POST /rules", h.createRule)
		m.HandleFunc("POST /rules/test", h.testRule)
		m.HandleFunc("GET /rules/{id}", h.getRule)
		m.HandleFunc("PUT /rules/{id}", h.putRule)
		m.HandleFunc("DELETE /rules/{id}", h.deleteRule)
		m.HandleFunc("POST /rules/{id}/test", h.testRule)
	})
}

// RuleRequest is the body of POST /rules and PUT /rules/{id}. Every field
// may be left out of a PUT, which then keeps the stored value: {"enabled":
// false} disables a rule. Pattern is the event pattern as a JSON object,
// or as a string holding one (as a text area gives it; error offsets then
// count in that string). A POST without id gets a random one; enabled
// defaults to true.
type RuleRequest struct {
	ID      *string         `json:"id,omitempty"`
	Name    *string         `json:"name,omitempty"`
	Order   *int            `json:"order,omitempty"`
	Enabled *bool           `json:"enabled,omitempty"`
	Pattern json.RawMessage `json:"pattern,omitempty"`
	Targets []string        `json:"targets,omitempty"`
}

// RulesResponse is the body of GET /rules: the caller's rules in the order
// they are evaluated, and the channel names their targets may hold.
type RulesResponse struct {
	Rules    []*doctales.Rule `json:"rules"`
	Channels []string         `json:"channels"`
}

// RuleTestResponse is the body of POST /rules/test: of the caller's
// Tested newest communications, those the pattern matches, newest first.
type RuleTestResponse struct {
	Pattern json.RawMessage `json:"pattern"`
	Tested  int             `json:"tested"`
	Matches []RuleMatch     `json:"matches"`
}

// RuleMatch is one communication a pattern matched.
type RuleMatch struct {
	ID        string    `json:"id"`
	Subject   string    `json:"subject"`
	Sender    string    `json:"sender,omitempty"`
	Project   string    `json:"project,omitempty"`
	Urgency   string    `json:"urgency,omitempty"`
	Timestamp time.Time `json:"timestamp"`
}

// rulesAvailable answers 501 when the handler has no rule store.
func (h *Handler) rulesAvailable(w http.ResponseWriter, r *http.Request) bool {
	if h.Rules == nil {
		Error(w, r, h.Logger, doctales.Errorf(doctales.ENOTIMPLEMENTED, "Rules are not supported by this deployment's table."))
		return false
	}
	return true
}

// listRules serves GET /rules.
func (h *Handler) listRules(w http.ResponseWriter, r *http.Request) {
	if !h.rulesAvailable(w, r) {
		return
	}
	rules, err := h.Rules.Rules(r.Context(), callerOwner(r))
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, RulesResponse{Rules: nonNilRules(rules), Channels: h.channels()})
}

// getRule serves GET /rules/{id}.
func (h *Handler) getRule(w http.ResponseWriter, r *http.Request) {
	if !h.rulesAvailable(w, r) {
		return
	}
	rule, err := h.findRule(r, r.PathValue("id"))
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, rule)
}

// createRule serves POST /rules: 201 with the rule, 400 naming the field
// and the problem (a bad pattern's offset and path), 409 when the id is
// taken.
func (h *Handler) createRule(w http.ResponseWriter, r *http.Request) {
	if !h.rulesAvailable(w, r) {
		return
	}
	req, err := readRuleRequest(w, r)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	rule := &doctales.Rule{Owner: callerOwner(r), Enabled: true}
	if req.ID != nil {
		rule.ID = *req.ID
		if _, err := h.findRule(r, rule.ID); err == nil {
			Error(w, r, h.Logger, doctales.FieldErrorf(doctales.ECONFLICT, "id", "rule %s exists; change it with PUT /rules/%s", quoteCut(rule.ID), rule.ID))
			return
		}
	} else {
		rule.ID = newRuleID()
	}
	h.saveRule(w, r, rule, req)
}

// putRule serves PUT /rules/{id}: it changes the fields given (creating
// the rule when it does not exist), 200 with the rule.
func (h *Handler) putRule(w http.ResponseWriter, r *http.Request) {
	if !h.rulesAvailable(w, r) {
		return
	}
	req, err := readRuleRequest(w, r)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	id := r.PathValue("id")
	if req.ID != nil && *req.ID != id {
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "id", "id %s in the body differs from %s in the path; a rule's id cannot change", quoteCut(*req.ID), quoteCut(id)))
		return
	}
	rule, err := h.findRule(r, id)
	if doctales.ErrorCode(err) == doctales.ENOTFOUND {
		rule, err = &doctales.Rule{ID: id, Owner: callerOwner(r), Enabled: true}, nil
	}
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	h.saveRule(w, r, rule, req)
}

// saveRule applies req to rule, validates and stores it, and answers.
func (h *Handler) saveRule(w http.ResponseWriter, r *http.Request, rule *doctales.Rule, req *RuleRequest) {
	if req.Name != nil {
		rule.Name = strings.TrimSpace(*req.Name)
	}
	if req.Order != nil {
		rule.Order = *req.Order
	}
	if req.Enabled != nil {
		rule.Enabled = *req.Enabled
	}
	if req.Pattern != nil {
		p, err := patternText(req.Pattern)
		if err != nil {
			Error(w, r, h.Logger, err)
			return
		}
		rule.Pattern = p
	}
	if req.Targets != nil {
		rule.Targets = req.Targets
	}
	if err := notify.ValidateRule(rule, h.channels()); err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	created, err := h.Rules.PutRule(r.Context(), rule)
	h.Audit(r.Context(), doctales.AuditRulePut, rule.ID, err, map[string]any{"enabled": rule.Enabled})
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/rules/"+rule.ID)
	}
	writeJSON(w, status, rule)
}

// deleteRule serves DELETE /rules/{id}: 204, 404 for an unknown id, 400
// for the default rule (which can be disabled, not deleted).
func (h *Handler) deleteRule(w http.ResponseWriter, r *http.Request) {
	if !h.rulesAvailable(w, r) {
		return
	}
	id := r.PathValue("id")
	err := h.Rules.DeleteRule(r.Context(), callerOwner(r), id)
	h.Audit(r.Context(), doctales.AuditRuleDelete, id, err, nil)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// testRule serves POST /rules/test ({"pattern": …}) and POST
// /rules/{id}/test (the stored rule's pattern): which of the caller's
// RuleTestItems newest communications the pattern matches, each tried as
// the record of its last change (notify.ItemRecord). It only reads.
func (h *Handler) testRule(w http.ResponseWriter, r *http.Request) {
	var pat json.RawMessage
	if id := r.PathValue("id"); id != "" {
		if !h.rulesAvailable(w, r) {
			return
		}
		rule, err := h.findRule(r, id)
		if err != nil {
			Error(w, r, h.Logger, err)
			return
		}
		pat = rule.Pattern
	} else {
		req, err := readRuleRequest(w, r)
		if err != nil {
			Error(w, r, h.Logger, err)
			return
		}
		if req.Pattern == nil {
			Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "pattern", `pattern is required, such as {"pattern": %s}`, doctales.DefaultRulePattern))
			return
		}
		if pat, err = patternText(req.Pattern); err != nil {
			Error(w, r, h.Logger, err)
			return
		}
	}
	items, _, err := h.Table.FindItems(r.Context(), doctales.ItemFilter{Limit: RuleTestItems})
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	matched, err := notify.MatchItems(string(pat), items)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	out := RuleTestResponse{Pattern: pat, Tested: len(items), Matches: []RuleMatch{}}
	for _, it := range matched {
		out.Matches = append(out.Matches, RuleMatch{ID: it.ID, Subject: it.Subject, Sender: it.Sender,
			Project: it.Project, Urgency: it.Metadata.Urgency, Timestamp: it.Timestamp})
	}
	writeJSON(w, http.StatusOK, out)
}

// findRule returns the caller's rule id (the built-in default included),
// or ENOTFOUND.
func (h *Handler) findRule(r *http.Request, id string) (*doctales.Rule, error) {
	rules, err := h.Rules.Rules(r.Context(), callerOwner(r))
	if err != nil {
		return nil, err
	}
	for _, rule := range rules {
		if rule.ID == id {
			return rule, nil
		}
	}
	return nil, doctales.FieldErrorf(doctales.ENOTFOUND, "id", "rule %s not found", quoteCut(id))
}

// channels returns the channel names rules may target here.
func (h *Handler) channels() []string {
	if h.Channels == nil {
		return []string{doctales.ChannelBrowser}
	}
	return h.Channels
}

// readRuleRequest decodes a rule body, refusing unknown fields and wrong
// types with the field's name.
func readRuleRequest(w http.ResponseWriter, r *http.Request) (*RuleRequest, error) {
	body, err := readBody(w, r, MaxRuleBodyBytes)
	if err != nil {
		return nil, err
	}
	var req RuleRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ute):
			return nil, doctales.FieldErrorf(doctales.EINVALID, ute.Field, "%s must be %s, not a JSON %s", ute.Field, ruleFieldType(ute.Field), ute.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return nil, doctales.FieldErrorf(doctales.EINVALID, f, "field %s is not known; send id, name, order, enabled, pattern and targets", quoteCut(f))
		default:
			return nil, doctales.FieldErrorf(doctales.EINVALID, "body", `the body is not a JSON object such as {"name":"Boss","pattern":{…},"targets":["log"]}: %s`, err)
		}
	}
	return &req, nil
}

// ruleFieldType names what a RuleRequest field holds, for errors.
func ruleFieldType(field string) string {
	switch field {
	case "order":
		return "a whole number"
	case "enabled":
		return "true or false"
	case "targets":
		return "a list of channel names"
	}
	return "a string"
}

// patternText returns a rule's pattern from a request: the JSON object as
// sent, or the text of a JSON string.
func patternText(raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, doctales.FieldErrorf(doctales.EINVALID, "pattern", "pattern string cannot be read: %s", err)
		}
		raw = json.RawMessage(strings.TrimSpace(s))
	}
	if len(raw) == 0 || string(raw) == "null" {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "pattern", "pattern is empty; give an event pattern such as %s", doctales.DefaultRulePattern)
	}
	return raw, nil
}

// newRuleID returns a random rule id, "r" and 12 hex digits.
func newRuleID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "r" + hex.EncodeToString(b[:])
}

func nonNilRules(rules []*doctales.Rule) []*doctales.Rule {
	if rules == nil {
		return []*doctales.Rule{}
	}
	return rules
}
