package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
)

// The dashboard's endpoints: the original system's user profile and
// archetypes, and the aggregates and history the dashboard's views read.
//
//	GET  /user-profile?userId=        the stored profile, or the default one
//	PUT  /user-profile                store {id?, primaryArchetype, archetypeConfidence?, preferences?}
//	POST /user-profile/activity       add {activity} to the profile and detect the archetype from it
//	GET  /archetypes                  the four archetypes
//	GET  /people?q=&organization=&limit=  senders and sender organisations with counts
//	GET  /projects?limit=             projects with counts
//	GET  /communications/{id}/log     the log records and dead letters about one communication
//	GET  /  and  GET /ui/...          the dashboard itself (Handler.UI)
func init() {
	routeHooks = append(routeHooks, (*Handler).dashboardRoutes)
}

// ProfileStore keeps the dashboard users' profiles.
type ProfileStore interface {
	// UserProfile returns the stored profile, or ENOTFOUND.
	UserProfile(ctx context.Context, id string) (*doctales.UserProfile, error)
	// PutUserProfile stores p; a nil ArchetypeConfidence or empty
	// Preferences keeps the stored value. EINVALID or ETOOLARGE for an
	// invalid profile.
	PutUserProfile(ctx context.Context, p *doctales.UserProfile) error
}

// Directory aggregates the table by sender, sender organisation and
// project.
type Directory interface {
	FindPeople(ctx context.Context, f doctales.PeopleFilter) ([]*doctales.Person, error)
	FindOrganizations(ctx context.Context, limit int) ([]*doctales.Organization, error)
	FindProjects(ctx context.Context, limit int) ([]*doctales.ProjectSummary, error)
}

// CommunicationLog reads what the event log and the dead letters hold about
// one communication.
type CommunicationLog interface {
	// CommunicationLog returns the log records about the communication,
	// oldest first, at most limit.
	CommunicationLog(ctx context.Context, id string, limit int) ([]*doctales.LogRecord, error)
	// CommunicationDeadLetters returns its dead letters, oldest first.
	CommunicationDeadLetters(ctx context.Context, id string) ([]*doctales.DeadLetter, error)
}

// maxProfileBodyBytes bounds a PUT /user-profile body: the preferences'
// limit and room for the rest.
const maxProfileBodyBytes = doctales.MaxPreferencesBytes + 16<<10

// dashboardRoutes registers the dashboard's routes on m.
func (h *Handler) dashboardRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /user-profile", h.getUserProfile)
	m.HandleFunc("PUT /user-profile", h.putUserProfile)
	m.HandleFunc("POST /user-profile/activity", h.postActivity)
	m.HandleFunc("GET /archetypes", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, doctales.Archetypes())
	})
	m.HandleFunc("GET /people", h.listPeople)
	m.HandleFunc("GET /projects", h.listProjects)
	m.HandleFunc("GET /communications/{id}/log", h.communicationLog)
	if h.UI != nil {
		m.Handle("GET /{$}", h.UI)
		m.Handle("GET /ui/", h.UI)
	}
}

// notEnabled answers 404 for an endpoint whose backing store is not set.
func (h *Handler) notEnabled(w http.ResponseWriter, r *http.Request, what string) {
	Error(w, r, h.Logger, doctales.Errorf(doctales.ENOTFOUND, "%s is not enabled", what))
}

// userID returns the userId query parameter, or the default user.
func userID(r *http.Request) string {
	if id := r.URL.Query().Get("userId"); id != "" {
		return id
	}
	if owner, ok := doctales.OwnerFromContext(r.Context()); ok {
		return owner
	}
	return doctales.DefaultUserID
}

// ownProfile checks that a signed-in caller asks for their own profile:
// another user's is ENOTFOUND, as another user's communication is.
func ownProfile(r *http.Request, field, id string) error {
	if owner, ok := doctales.OwnerFromContext(r.Context()); ok && id != owner {
		return doctales.FieldErrorf(doctales.ENOTFOUND, field, "No profile for user %q.", id)
	}
	return nil
}

// profileID returns the id of the profile a request asks for, checked:
// a valid id, and the caller's own when signed in. It returns the error
// to answer with otherwise.
func profileID(r *http.Request) (string, error) {
	id := userID(r)
	if err := doctales.ValidateID("userId", id); err != nil {
		return "", err
	}
	if err := ownProfile(r, "userId", id); err != nil {
		return "", err
	}
	return id, nil
}

func (h *Handler) getUserProfile(w http.ResponseWriter, r *http.Request) {
	if h.Profiles == nil {
		h.notEnabled(w, r, "the user profile store")
		return
	}
	id, err := profileID(r)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	p, err := h.Profiles.UserProfile(r.Context(), id)
	if doctales.ErrorCode(err) == doctales.ENOTFOUND {
		p, err = doctales.DefaultUserProfile(id), nil
	}
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	p.Timezone = h.Timezone
	writeJSON(w, http.StatusOK, p)
}

// putUserProfile stores a profile. The user is the body's id, else the
// userId query parameter, else the default user.
func (h *Handler) putUserProfile(w http.ResponseWriter, r *http.Request) {
	if h.Profiles == nil {
		h.notEnabled(w, r, "the user profile store")
		return
	}
	body, err := readBody(w, r, maxProfileBodyBytes)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	var p doctales.UserProfile
	if err := json.Unmarshal(body, &p); err != nil {
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "body",
			"The body must be a JSON object {id, primaryArchetype, archetypeConfidence, preferences}: %v", jsonErrorText(err)))
		return
	}
	field := "id"
	if p.ID == "" {
		p.ID, field = userID(r), "userId"
	}
	if err := doctales.ValidateID(field, p.ID); err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	if err := ownProfile(r, field, p.ID); err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	if string(p.Preferences) == "null" {
		p.Preferences = nil // as if absent: keep the stored preferences
	}
	p.UpdatedAt = nil
	err = h.Profiles.PutUserProfile(r.Context(), &p)
	h.Audit(r.Context(), doctales.AuditProfileUpdate, p.ID, err, map[string]any{"primaryArchetype": p.PrimaryArchetype})
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "userId": p.ID})
}

// jsonErrorText returns a short description of a JSON decoding error.
func jsonErrorText(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("field %s has the wrong type", te.Field)
	}
	return err.Error()
}

// PeopleResponse is the body of GET /people.
type PeopleResponse struct {
	People        []*doctales.Person       `json:"people"`
	Organizations []*doctales.Organization `json:"organizations"`
	Count         int                      `json:"count"`
}

func (h *Handler) listPeople(w http.ResponseWriter, r *http.Request) {
	if h.Directory == nil {
		h.notEnabled(w, r, "the people directory")
		return
	}
	q := r.URL.Query()
	limit, err := queryLimit(r, doctales.DefaultPageSize)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	people, err := h.Directory.FindPeople(r.Context(), doctales.PeopleFilter{
		Query: q.Get("q"), Organization: q.Get("organization"), Limit: limit,
	})
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	orgs, err := h.Directory.FindOrganizations(r.Context(), limit)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, PeopleResponse{People: people, Organizations: orgs, Count: len(people)})
}

func (h *Handler) listProjects(w http.ResponseWriter, r *http.Request) {
	if h.Directory == nil {
		h.notEnabled(w, r, "the project directory")
		return
	}
	limit, err := queryLimit(r, doctales.DefaultPageSize)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	projects, err := h.Directory.FindProjects(r.Context(), limit)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"projects": projects, "count": len(projects)})
}

// queryLimit reads the limit query parameter: 1 to doctales.MaxPageSize,
// def when absent.
func queryLimit(r *http.Request, def int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > doctales.MaxPageSize {
		return 0, doctales.FieldErrorf(doctales.EINVALID, "limit", "limit %q is not a number from 1 to %d", v, doctales.MaxPageSize)
	}
	return n, nil
}

// LogEntry is one log record about a communication, as GET
// /communications/{id}/log lists it: where it sits in the log, what event
// it is and a one-line summary; Data, the record itself, only with
// ?data=true.
type LogEntry struct {
	Seq     int64           `json:"seq"`
	Source  string          `json:"source"`
	Key     string          `json:"key"`
	Target  string          `json:"target,omitempty"` // the subscription a redriven record is for
	Time    string          `json:"time"`
	Event   string          `json:"event"`   // ObjectCreated:Put, INSERT, MODIFY, REMOVE, notification
	Summary string          `json:"summary"` // such as "status extracted, urgency high"
	Data    json.RawMessage `json:"data,omitempty"`
}

// communicationLog lists the log records and dead letters about a
// communication. The communication need not exist any more: its history
// outlives it.
func (h *Handler) communicationLog(w http.ResponseWriter, r *http.Request) {
	if h.CommunicationLog == nil {
		h.notEnabled(w, r, "the communication log")
		return
	}
	id, err := pathID(r)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	limit, err := queryLimit(r, 0)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	if err := h.checkVisible(r, id); err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	recs, err := h.CommunicationLog.CommunicationLog(r.Context(), id, limit)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	dls, err := h.CommunicationLog.CommunicationDeadLetters(r.Context(), id)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	withData := r.URL.Query().Get("data") == "true"
	entries := make([]LogEntry, 0, len(recs))
	for _, rec := range recs {
		e := describeRecord(rec)
		if withData {
			e.Data = rec.Data
		}
		entries = append(entries, e)
	}
	if dls == nil {
		dls = []*doctales.DeadLetter{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "events": entries, "deadLetters": dls})
}

// describeRecord names the event a log record carries and summarises it.
// A record it cannot decode is described by its source alone.
func describeRecord(rec *doctales.LogRecord) LogEntry {
	e := LogEntry{Seq: rec.Seq, Source: rec.Source, Key: rec.Key, Target: rec.Target,
		Time: rec.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00")}
	switch rec.Source {
	case doctales.SourceS3:
		var s3 events.S3EventRecord
		if json.Unmarshal(rec.Data, &s3) == nil {
			e.Event = s3.EventName
			e.Summary = fmt.Sprintf("object %s stored (%d bytes)", s3.S3.Object.Key, s3.S3.Object.Size)
		}
	case doctales.SourceDynamoDB:
		var dr events.DynamoDBEventRecord
		if json.Unmarshal(rec.Data, &dr) == nil {
			e.Event = dr.EventName
			img := dr.Change.NewImage
			if img == nil {
				img = dr.Change.OldImage
			}
			if it, err := doctales.ItemFromImage(img); err == nil && img != nil {
				e.Summary = "status " + it.Status
				if it.Metadata.Urgency != "" {
					e.Summary += ", urgency " + it.Metadata.Urgency
				}
			}
		}
	case doctales.SourceSNS:
		var m doctales.Message
		if json.Unmarshal(rec.Data, &m) == nil {
			e.Event = "notification"
			e.Summary = m.Subject
		}
	}
	if e.Event == "" {
		e.Event = rec.Source
	}
	if rec.Target != "" {
		e.Summary += " (redriven to " + rec.Target + ")"
	}
	return e
}
