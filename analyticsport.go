package doctales

import (
	"context"
	"time"
)

// The aggregate tables of issue 12, item 5: a consumer of the change stream
// (package analytics) reduces each communication to an AnalyticsFact, and
// a table that implements AnalyticsStore keeps the facts and the buckets
// they fall into. The HTTP API reads the buckets through AnalyticsReader
// (GET /analytics/volume, /analytics/people, /analytics/deadlines).

// AnalyticsFact is what one communication contributes to the aggregates:
// the bucket keys it falls into and what it counts there.
type AnalyticsFact struct {
	ID       string    // the communication's id
	Owner    string    // its owner; every aggregate is per owner
	Time     time.Time // its timestamp, UTC
	Day      string    // Time as YYYY-MM-DD (UTC)
	Week     string    // Time's ISO week, YYYY-Www
	Urgency  string    // high, medium, low, or "" while not extracted
	Person   string    // the sender key: the sender id, else the display name
	Name     string    // the sender's display name, else Person
	Org      string    // the sender's organisation, or "" (free mail, lists, no address)
	Project  string    // the communication's project
	ThreadID string    // its conversation, or "" for none
	Subject  string    // for the deadline calendar
	Deadline time.Time // the extracted deadline, zero for none
	// Request is set when the communication asks the reader to do
	// something (Dimensions.RequiresAction); Open when it does and the
	// reader has not marked it done.
	Request bool
	Open    bool
}

// AnalyticsChange is the new fact of one communication; Fact nil means the
// communication was removed and its contribution goes.
type AnalyticsChange struct {
	ID    string
	Owner string
	Fact  *AnalyticsFact // nil: removed
}

// AnalyticsStore keeps the aggregate tables. ApplyFacts replaces, for each
// change in order, the communication's fact and recomputes the buckets the
// old and the new fact fall into, atomically for the whole slice. Applying
// the same changes again changes nothing (idempotent on redelivery).
type AnalyticsStore interface {
	ApplyFacts(ctx context.Context, changes []AnalyticsChange) error
}

// VolumeDay is one day of traffic (UTC): how many communications, by
// urgency, and how many ask for action.
type VolumeDay struct {
	Day      string `json:"day"` // YYYY-MM-DD
	Total    int    `json:"total"`
	High     int    `json:"high"`
	Medium   int    `json:"medium"`
	Low      int    `json:"low"`
	Requests int    `json:"requests"`
}

// VolumeWeek is one ISO week of one project's traffic.
type VolumeWeek struct {
	Week    string `json:"week"` // YYYY-Www
	Project string `json:"project"`
	Total   int    `json:"total"`
	High    int    `json:"high"`
	Open    int    `json:"open"` // requests not done
}

// PersonStats is one sender with their traffic, their open requests and
// their response times within threads. TheyReplySeconds is the mean time
// this person took to answer the message before theirs in a thread (by
// someone else), over TheyReplied answers; RepliedToSeconds the mean time
// others took to answer this person, over RepliedTo answers. Zero counts
// mean not known.
type PersonStats struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Organization     string    `json:"organization"`
	Total            int       `json:"total"`
	High             int       `json:"high"`
	Open             int       `json:"open"`
	Last             time.Time `json:"lastContact"`
	TheyReplied      int       `json:"theyReplied"`
	TheyReplySeconds float64   `json:"theyReplySeconds"`
	RepliedTo        int       `json:"repliedTo"`
	RepliedToSeconds float64   `json:"repliedToSeconds"`
}

// OrgStats is one organisation (a sender domain that is neither free mail
// nor a mailing list) with its traffic.
type OrgStats struct {
	Name   string    `json:"name"`
	Total  int       `json:"total"`
	People int       `json:"people"`
	High   int       `json:"high"`
	Open   int       `json:"open"`
	Last   time.Time `json:"lastContact"`
}

// DeadlineItem is one communication with a deadline, for the calendar.
type DeadlineItem struct {
	ID       string    `json:"id"`
	Subject  string    `json:"subject"`
	Sender   string    `json:"sender"`
	Urgency  string    `json:"urgency"`
	Deadline time.Time `json:"deadline"`
	Open     bool      `json:"open"`
}

// AnalyticsReader reads the aggregate tables, scoped to the owner in ctx
// (WithOwner) like every other read. Ranges are inclusive days
// (YYYY-MM-DD); "" leaves that end open. Limits cap the rows returned.
// Deadlines lists earliest first, or latest first when latest is set.
type AnalyticsReader interface {
	VolumeByDay(ctx context.Context, from, to string) ([]VolumeDay, error)
	VolumeByWeek(ctx context.Context, from, to string) ([]VolumeWeek, error)
	PeopleStats(ctx context.Context, limit int) ([]PersonStats, []OrgStats, error)
	Deadlines(ctx context.Context, from, to time.Time, latest bool, limit int) ([]DeadlineItem, error)
}
