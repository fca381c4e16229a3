package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/doctales/doctales"
)

// maxActivityBodyBytes bounds a POST /user-profile/activity body.
const maxActivityBodyBytes = 16 << 10

// activityMu serializes the read-modify-write of activity reports, so two
// tabs reporting at once both count.
var activityMu sync.Mutex

// postActivity adds an activity report, {"activity": {view: {actions:
// {action: n}, seconds}}} (what the person did since the last report), to
// the caller's profile (preferences.activity), recomputes the archetype
// confidences from the whole activity (doctales.ArchetypeConfidence) and,
// unless the archetype was chosen by hand (preferences.archetypeMode
// "manual"), the primary archetype (doctales.DetectArchetype). It answers
// the stored profile.
func (h *Handler) postActivity(w http.ResponseWriter, r *http.Request) {
	if h.Profiles == nil {
		h.notEnabled(w, r, "the user profile store")
		return
	}
	body, err := readBody(w, r, maxActivityBodyBytes)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	var req struct {
		Activity doctales.Activity `json:"activity"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "body",
			`The body must be a JSON object {"activity": {view: {"actions": {action: count}, "seconds": s}}}: %v`, jsonErrorText(err)))
		return
	}
	if err := req.Activity.Validate(); err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	id, err := profileID(r)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}

	activityMu.Lock()
	defer activityMu.Unlock()
	p, err := h.Profiles.UserProfile(r.Context(), id)
	if doctales.ErrorCode(err) == doctales.ENOTFOUND {
		p, err = doctales.DefaultUserProfile(id), nil
	}
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	prefs := map[string]json.RawMessage{}
	if len(p.Preferences) > 0 {
		_ = json.Unmarshal(p.Preferences, &prefs)
		if prefs == nil {
			prefs = map[string]json.RawMessage{}
		}
	}
	all := doctales.Activity{}
	if raw, ok := prefs["activity"]; ok {
		_ = json.Unmarshal(raw, &all) // a damaged record starts afresh
		if all == nil {
			all = doctales.Activity{}
		}
	}
	all.Add(req.Activity)
	if prefs["activity"], err = json.Marshal(all); err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	var mode string
	_ = json.Unmarshal(prefs["archetypeMode"], &mode)
	p.ArchetypeConfidence = doctales.ArchetypeConfidence(all)
	if mode != "manual" {
		p.PrimaryArchetype = doctales.DetectArchetype(all, p.PrimaryArchetype)
	}
	if p.Preferences, err = json.Marshal(prefs); err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	p.UpdatedAt = nil
	if err := h.Profiles.PutUserProfile(r.Context(), p); err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	p.Timezone = h.Timezone
	writeJSON(w, http.StatusOK, p)
}
