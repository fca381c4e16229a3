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
	// Timezone is the IANA time zone the person reads in, when the server
	// is configured with one (timezone:): the dashboard shows times in it.
	// The API sets it on the way out; it is not stored with the profile.
	Timezone string `json:"timezone,omitempty"`
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

// Archetype detection (issue 12): what a person does in each view of the
// dashboard, not what they open. Opening a communication says nothing
// about how one works (everybody opens mail, and the original counted
// each open as "analyst", so everybody ended up an analyst); sorting and
// filtering a table, triaging by deadline, following a person or a board,
// and the time spent working in a view do.

// ViewActivity is what a person did in one view of the dashboard: how
// often they took each action (see ActionWeights) and how many seconds
// they spent working in it (visible and touched in the last minute).
type ViewActivity struct {
	Actions map[string]int64 `json:"actions,omitempty"`
	Seconds float64          `json:"seconds,omitempty"`
}

// Activity is a person's ViewActivity by view ("prioritizer", "analyst",
// "now", "threads", "search", ...). The dashboard keeps it in the profile's
// preferences ("activity") through POST /user-profile/activity.
type Activity map[string]*ViewActivity

// Limits of one activity report (POST /user-profile/activity).
const (
	MaxActivityViews   = 16
	MaxActivityActions = 32
	MaxActivityName    = 32
	MaxActionsPerPost  = 10000
	MaxSecondsPerPost  = 3600
)

// ViewArchetypes maps the views that belong to an archetype to it; an
// action in one of them counts for that archetype, whatever it is, and so
// does the time spent there. Other views (Needs you now, Threads, Search,
// Operations, Rules) are everybody's: an action there counts, at half its
// weight, for the archetype it leans to (ActionArchetypes), and time spent
// there counts for none.
var ViewArchetypes = map[string]string{
	"prioritizer": ArchetypePrioritizer,
	"connector":   ArchetypeConnector,
	"visualizer":  ArchetypeVisualizer,
	"analyst":     ArchetypeAnalyst,
}

// ActionWeights is the evidence one action gives. "open" (opening a
// communication's details) weighs nothing: it is counted, and ignored.
var ActionWeights = map[string]float64{
	"open":     0,
	"more":     1, // load more, show more
	"done":     2,
	"snooze":   2,
	"waiting":  2,
	"pin":      2,
	"deadline": 2, // a deadline or a date followed
	"search":   2,
	"filter":   2,
	"sort":     2,
	"person":   2, // a person or an organisation followed
	"thread":   2, // a thread opened
	"board":    2, // a project board followed
	"image":    2, // attachments or images viewed
	"export":   3,
}

// ActionArchetypes is the archetype an action leans to when it is taken
// outside the four archetypes' views.
var ActionArchetypes = map[string]string{
	"done": ArchetypePrioritizer, "snooze": ArchetypePrioritizer, "waiting": ArchetypePrioritizer,
	"pin": ArchetypePrioritizer, "deadline": ArchetypePrioritizer,
	"search": ArchetypeAnalyst, "filter": ArchetypeAnalyst, "sort": ArchetypeAnalyst, "export": ArchetypeAnalyst,
	"person": ArchetypeConnector, "thread": ArchetypeConnector,
	"board": ArchetypeVisualizer, "image": ArchetypeVisualizer,
}

// SecondsPerPoint is the time spent working in an archetype's view that
// weighs as much as one point of action weight.
const SecondsPerPoint = 60

// ArchetypePrior is the evidence each archetype starts with, so that the
// confidences start at 25 % and move as evidence builds up (the original
// made the first click 100 %). ArchetypeMinEvidence is the evidence needed
// before the detected archetype may change.
const (
	ArchetypePrior       = 4.0
	ArchetypeMinEvidence = 8.0
)

// Add adds the counts and seconds of d to a.
func (a Activity) Add(d Activity) {
	for view, v := range d {
		if v == nil {
			continue
		}
		cur := a[view]
		if cur == nil {
			cur = &ViewActivity{}
			a[view] = cur
		}
		for act, n := range v.Actions {
			if cur.Actions == nil {
				cur.Actions = map[string]int64{}
			}
			cur.Actions[act] += n
		}
		cur.Seconds += v.Seconds
	}
}

// Validate reports the first invalid part of an activity report: too many
// views or actions, a name that is empty or too long, a negative count or
// time, or more than one report may hold.
func (a Activity) Validate() error {
	if len(a) > MaxActivityViews {
		return FieldErrorf(EINVALID, "activity", "activity names %d views; the limit is %d.", len(a), MaxActivityViews)
	}
	for view, v := range a {
		if view == "" || len(view) > MaxActivityName {
			return FieldErrorf(EINVALID, "activity", "activity view %q must be 1 to %d bytes.", view, MaxActivityName)
		}
		if v == nil {
			continue
		}
		if len(v.Actions) > MaxActivityActions {
			return FieldErrorf(EINVALID, "activity."+view, "activity.%s names %d actions; the limit is %d.", view, len(v.Actions), MaxActivityActions)
		}
		for act, n := range v.Actions {
			if act == "" || len(act) > MaxActivityName {
				return FieldErrorf(EINVALID, "activity."+view, "action %q must be 1 to %d bytes.", act, MaxActivityName)
			}
			if n < 0 || n > MaxActionsPerPost {
				return FieldErrorf(EINVALID, "activity."+view+".actions."+act, "a count must be from 0 to %d.", MaxActionsPerPost)
			}
		}
		if !(v.Seconds >= 0 && v.Seconds <= MaxSecondsPerPost) {
			return FieldErrorf(EINVALID, "activity."+view+".seconds", "seconds must be from 0 to %d.", MaxSecondsPerPost)
		}
	}
	return nil
}

// ArchetypeEvidence returns the evidence for each archetype in a: each
// action's weight in the archetype of its view (half of it in the
// archetype the action leans to, in a view of none), and the time spent
// in an archetype's view, a point per SecondsPerPoint. Unknown actions
// weigh nothing.
func ArchetypeEvidence(a Activity) map[string]float64 {
	ev := make(map[string]float64, 4)
	for _, at := range Archetypes() {
		ev[at.ID] = 0
	}
	for view, v := range a {
		if v == nil {
			continue
		}
		own, isArchetypeView := ViewArchetypes[view]
		for act, n := range v.Actions {
			w := ActionWeights[act] * float64(max(n, 0))
			switch {
			case w == 0:
			case isArchetypeView:
				ev[own] += w
			case ActionArchetypes[act] != "":
				ev[ActionArchetypes[act]] += w / 2
			}
		}
		if isArchetypeView && v.Seconds > 0 {
			ev[own] += v.Seconds / SecondsPerPoint
		}
	}
	return ev
}

// ArchetypeConfidence returns each archetype's confidence, 0..1, summing to
// 1: its evidence plus ArchetypePrior, over the total.
func ArchetypeConfidence(a Activity) map[string]float64 {
	ev := ArchetypeEvidence(a)
	total := 0.0
	for _, v := range ev {
		total += v
	}
	conf := make(map[string]float64, len(ev))
	for k, v := range ev {
		conf[k] = (v + ArchetypePrior) / (total + ArchetypePrior*float64(len(ev)))
	}
	return conf
}

// DetectArchetype returns the archetype a's evidence points to. current
// keeps its place unless another is strictly more likely and at least
// ArchetypeMinEvidence was seen, so that one action does not flip it;
// between challengers that tie, the earlier in Archetypes' order wins.
func DetectArchetype(a Activity, current string) string {
	best := current
	if !IsArchetype(best) {
		best = ArchetypePrioritizer
	}
	ev := ArchetypeEvidence(a)
	total := 0.0
	for _, v := range ev {
		total += v
	}
	if total < ArchetypeMinEvidence {
		return best
	}
	for _, at := range Archetypes() {
		if ev[at.ID] > ev[best] {
			best = at.ID
		}
	}
	return best
}
