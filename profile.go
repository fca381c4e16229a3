package doctales

import (
	"encoding/json"
	"time"
)

// Archetypes: the four ways of working the dashboard adapts to, each tied to
// one dimension of a communication.
const (
	ArchetypePrioritizer = "prioritizer" // time and urgency
	ArchetypeConnector   = "connector"   // people
	ArchetypeVisualizer  = "visualizer"  // project boards
	ArchetypeAnalyst     = "analyst"     // metadata
)

// Archetype describes one archetype, as GET /archetypes lists it.
type Archetype struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Icon        string `json:"icon"`
	Dimension   string `json:"dimension"` // temporal, relationship, visual, analytical
}

// Archetypes returns the four archetypes of the original system, in its
// order, which is also the order that breaks ties between equal confidences.
func Archetypes() []Archetype {
	return []Archetype{
		{ArchetypePrioritizer, "Prioritizer", "Time-based organization with urgency indicators", "calendar", "temporal"},
		{ArchetypeConnector, "Connector", "People-centric view with relationship mapping", "users", "relationship"},
		{ArchetypeVisualizer, "Visualizer", "Visual boards with spatial organization", "image", "visual"},
		{ArchetypeAnalyst, "Analyst", "Detailed metadata view with logical hierarchies", "chart-bar", "analytical"},
	}
}

// IsArchetype reports whether id names one of the four archetypes.
func IsArchetype(id string) bool {
	for _, a := range Archetypes() {
		if a.ID == id {
			return true
		}
	}
	return false
}

// DefaultUserID is the profile read and written when a request names no
// user, as in the original API.
const DefaultUserID = "default-user"

// Limits of a user profile.
const (
	MaxUserIDBytes      = 128      // longer user ids are EINVALID
	MaxPreferencesBytes = 64 << 10 // the preferences object as JSON; larger is ETOOLARGE
)

// UserProfile is how a person uses the dashboard: the archetype it shows
// first, the confidence (0..1) the interaction-based detection has in each
// archetype, and free-form preferences kept for the dashboard (the
// interaction counts behind the confidences, whether the archetype was
// chosen by hand). Its JSON shape is the original GET /user-profile answer.
type UserProfile struct {
	ID                  string             `json:"id"`
	PrimaryArchetype    string             `json:"primaryArchetype"`
	ArchetypeConfidence map[string]float64 `json:"archetypeConfidence"`
	Preferences         json.RawMessage    `json:"preferences"`
	UpdatedAt           *time.Time         `json:"updatedAt,omitempty"`
}

// DefaultUserProfile returns the profile of a user who has none stored: the
// original server's default, prioritizer with 0.25 for each archetype.
func DefaultUserProfile(id string) *UserProfile {
	conf := make(map[string]float64, 4)
	for _, a := range Archetypes() {
		conf[a.ID] = 0.25
	}
	return &UserProfile{
		ID:                  id,
		PrimaryArchetype:    ArchetypePrioritizer,
		ArchetypeConfidence: conf,
		Preferences:         json.RawMessage(`{}`),
	}
}

// Validate reports the first invalid field of p: an empty or over-long id,
// an id that [ValidateSegment] refuses ("../", NUL, spaces),
// an unknown primary archetype, a confidence for an unknown archetype or
// outside 0..1, or preferences that are not a JSON object of at most
// MaxPreferencesBytes.
func (p *UserProfile) Validate() error {
	switch {
	case p.ID == "":
		return FieldErrorf(EINVALID, "id", "User id required.")
	case len(p.ID) > MaxUserIDBytes:
		return FieldErrorf(EINVALID, "id", "User id is longer than %d bytes.", MaxUserIDBytes)
	case ValidateSegment("id", p.ID, MaxUserIDBytes) != nil:
		// The rule every id follows (issue 10: "../" and NUL were taken).
		return ValidateSegment("id", p.ID, MaxUserIDBytes)
	case !IsArchetype(p.PrimaryArchetype):
		return FieldErrorf(EINVALID, "primaryArchetype",
			"primaryArchetype %q is not one of prioritizer, connector, visualizer, analyst.", p.PrimaryArchetype)
	}
	for k, v := range p.ArchetypeConfidence {
		if !IsArchetype(k) {
			return FieldErrorf(EINVALID, "archetypeConfidence",
				"archetypeConfidence names %q, which is not one of prioritizer, connector, visualizer, analyst.", k)
		}
		if !(v >= 0 && v <= 1) {
			return FieldErrorf(EINVALID, "archetypeConfidence."+k,
				"archetypeConfidence.%s must be a number from 0 to 1.", k)
		}
	}
	if len(p.Preferences) > 0 {
		if len(p.Preferences) > MaxPreferencesBytes {
			return FieldErrorf(ETOOLARGE, "preferences", "preferences are larger than %d bytes.", MaxPreferencesBytes)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(p.Preferences, &obj); err != nil || obj == nil {
			return FieldErrorf(EINVALID, "preferences", "preferences must be a JSON object.")
		}
	}
	return nil
}
