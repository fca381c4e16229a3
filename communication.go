package doctales

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Urgency levels, in increasing order. The sender may give one; the
// extraction step computes one; the item keeps the higher of the two.
const (
	UrgencyLow    = "low"
	UrgencyMedium = "medium"
	UrgencyHigh   = "high"
)

// UrgencyRank orders urgency levels: 0 for unknown or empty, 1 low, 2 medium,
// 3 high.
func UrgencyRank(u string) int {
	switch u {
	case UrgencyLow:
		return 1
	case UrgencyMedium:
		return 2
	case UrgencyHigh:
		return 3
	}
	return 0
}

// MaxUrgency returns the higher of two urgency levels.
func MaxUrgency(a, b string) string {
	if UrgencyRank(b) > UrgencyRank(a) {
		return b
	}
	return a
}

// Item statuses: where a communication is in the pipeline.
const (
	StatusAccepted  = "accepted"  // stored raw, waiting for extraction
	StatusExtracted = "extracted" // dimensions recorded
	StatusFailed    = "failed"    // extraction gave up; see Item.Error and the dead letters
)

// Communication types known to the normaliser. Any other source keeps the
// type it was given.
const (
	TypeEmail    = "email"
	TypeDocument = "document"
	TypeSocial   = "social"
)

// Communication is one normalised message, document or post: what the
// ingestion function stores raw in the object store and what the extraction
// function reads back. Its JSON shape is the stored object's shape.
type Communication struct {
	ID string `json:"id"`
	// Owner is the id of the user the communication belongs to (the
	// original's USER#<id> partition); empty means DefaultUserID.
	Owner     string    `json:"userId,omitempty"`
	Type      string    `json:"type"`   // email, document, social, or as given
	Source    string    `json:"source"` // the source the client named: email, gmail, dropbox, ...
	Timestamp time.Time `json:"timestamp"`
	Project   string    `json:"project"`

	Subject    string   `json:"subject"`
	Sender     string   `json:"sender"`    // display name
	SenderID   string   `json:"sender_id"` // e-mail address or platform user id
	Recipients []string `json:"recipients"`
	Cc         []string `json:"cc,omitempty"`
	Content    string   `json:"content"`

	Attachments []Attachment `json:"attachments"`
	Metadata    Metadata     `json:"metadata"`

	// RequestHash is the ContentHash of the request that created the
	// communication; the table item keeps it to recognise retries.
	RequestHash string `json:"requestHash,omitempty"`

	// Fields keeps the source-specific input fields that have no place
	// above: fileType and fileSize of a document, platform, mentions and
	// hashtags of a post, every key of an unknown source.
	Fields map[string]any `json:"fields,omitempty"`
}

// Attachment describes a file that came with a communication. Its bytes are
// never executed.
type Attachment struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"` // MIME type
	Size int64  `json:"size,omitempty"` // bytes
	URL  string `json:"url,omitempty"`
}

// Metadata is the small, filterable part of a communication, kept on the
// table item and in every stream image. The notification filter pattern
// reads metadata.urgency.
type Metadata struct {
	Urgency  string `json:"urgency,omitempty"` // high, medium, low; empty until known
	Category string `json:"category,omitempty"`
	Read     bool   `json:"read"`
	Flagged  bool   `json:"flagged,omitempty"`
	// SenderUrgency is the urgency the sender gave, before extraction.
	SenderUrgency string `json:"senderUrgency,omitempty"`
	// Escalation counts the times the urgency rose to high (the table
	// keeps it): each rise is a notification of its own, with its own
	// MessageId, so an item that calms down and rises again is notified
	// again, and a replay of the same rise never is.
	Escalation int `json:"escalation,omitempty"`
	// Notify overrides the freshness rule of notifications: NotifyAlways
	// (an import with --notify), NotifyNever (--no-notify), or "" (only
	// communications dated within the freshness window are pushed).
	Notify string `json:"notify,omitempty"`
}

// Values of Metadata.Notify.
const (
	NotifyAlways = "always"
	NotifyNever  = "never"
)

// ObjectKey returns the object store key of c:
// "<type>/<yyyy>/<mm>/<dd>/<id>.json", dated by the communication's
// timestamp in UTC, as in the architecture document's example key
// "email/2025/06/10/email-123.json". A communication of another user than
// DefaultUserID lies under "users/<owner>/", so that two users' objects
// never share a key.
func ObjectKey(c *Communication) string {
	t := c.Timestamp.UTC()
	return fmt.Sprintf("%s%s/%04d/%02d/%02d/%s.json", OwnerPrefix(c.Owner), c.Type, t.Year(), int(t.Month()), t.Day(), c.ID)
}

// OwnerPrefix returns the object key prefix of owner's objects: "" for
// DefaultUserID (and for ""), else "users/<owner>/".
func OwnerPrefix(owner string) string {
	if owner == "" || owner == DefaultUserID {
		return ""
	}
	return "users/" + owner + "/"
}

// OwnerOf returns owner, or DefaultUserID when owner is empty.
func OwnerOf(owner string) string {
	if owner == "" {
		return DefaultUserID
	}
	return owner
}

// ContentHash returns a digest of the bytes a client sent for a
// communication. Two requests with the same id and the same hash are the same
// communication, so a retried request gets the same answer; the same id with
// another hash is a conflict.
func ContentHash(request []byte) string {
	sum := sha256.Sum256(request)
	return hex.EncodeToString(sum[:16])
}

// Item is a communication's row in the table: its metadata, where its raw
// object is, its status and, once extracted, its dimensions. JSON names follow
// the original single-table design (commType, s3Key, sender_id).
type Item struct {
	ID string `json:"id"`
	// Owner is the user the communication belongs to; see
	// Communication.Owner. The table sets DefaultUserID when empty.
	Owner     string    `json:"userId"`
	Type      string    `json:"commType"`
	Source    string    `json:"source,omitempty"`
	Project   string    `json:"project"`
	Subject   string    `json:"subject"`
	Sender    string    `json:"sender"`
	SenderID  string    `json:"sender_id"`
	Timestamp time.Time `json:"timestamp"`
	S3Key     string    `json:"s3Key"`
	Metadata  Metadata  `json:"metadata"`

	Status      string      `json:"status"`
	Dimensions  *Dimensions `json:"dimensions,omitempty"`
	Error       string      `json:"error,omitempty"` // why extraction failed
	ContentHash string      `json:"contentHash"`
	// Recovered is set on an item the extraction function created from
	// its stored object because ingestion had not (yet) created it: after
	// a crash, or in the moment between the two writes.
	Recovered bool `json:"recovered,omitempty"`

	// ThreadID names the conversation the communication belongs to: for
	// e-mail, the first Message-ID of its References header, else its
	// In-Reply-To, else its own Message-ID (what the mail parser keeps
	// in Communication.Fields["threadId"]). Replies share their root's
	// ThreadID whatever order they arrive in. Empty for what has no
	// thread (documents, posts).
	ThreadID string `json:"threadId,omitempty"`

	// The reader's triage state (issue 12, see state.go): State is ""
	// (open), StateDone, StateSnoozed or StateWaiting; StateUntil is when a snooze ends;
	// StateAt is when the state, Pinned or Metadata.Read last changed.
	// They change only through ItemUpdate.State, so each change is a
	// MODIFY record like any other write.
	State      string     `json:"state,omitempty"`
	StateUntil *time.Time `json:"stateUntil,omitempty"`
	StateAt    *time.Time `json:"stateAt,omitempty"`
	Pinned     bool       `json:"pinned,omitempty"`

	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`

	// Search is the text the table indexes for full-text search beside
	// the item's own fields: the body and the recipients, which the item
	// does not keep. It is never stored on the item nor sent in stream
	// images (json "-"); only CreateItem reads it.
	Search *SearchText `json:"-"`
}

// SearchText is what a communication adds to the search index beyond its
// item: its text, its recipients and how many attachments it has.
type SearchText struct {
	Body        string
	People      []string // recipients and cc, as given
	Attachments int
}

// NewItem returns the table item for a freshly ingested communication.
func NewItem(c *Communication, now time.Time) *Item {
	return &Item{
		ID:          c.ID,
		Owner:       OwnerOf(c.Owner),
		Type:        c.Type,
		Source:      c.Source,
		Project:     c.Project,
		Subject:     c.Subject,
		Sender:      c.Sender,
		SenderID:    c.SenderID,
		Timestamp:   c.Timestamp,
		S3Key:       ObjectKey(c),
		Metadata:    c.Metadata,
		Status:      StatusAccepted,
		ContentHash: c.RequestHash,
		ThreadID:    ThreadOf(c),
		CreatedAt:   now,
		UpdatedAt:   now,
		Search: &SearchText{
			Body:        c.Content,
			People:      append(append([]string(nil), c.Recipients...), c.Cc...),
			Attachments: len(c.Attachments),
		},
	}
}

// MaxThreadIDBytes bounds a thread id; a longer one (a hostile header)
// is not kept, so the communication stands alone.
const MaxThreadIDBytes = 512

// ThreadOf returns the thread id the parser kept for c
// (Fields["threadId"], a Message-ID without its angle brackets), or ""
// when it has none or it is longer than MaxThreadIDBytes.
func ThreadOf(c *Communication) string {
	s, _ := c.Fields["threadId"].(string)
	if len(s) > MaxThreadIDBytes {
		return ""
	}
	return s
}

// ItemUpdate names the fields of an item to change; nil means unchanged.
type ItemUpdate struct {
	Status     *string
	Urgency    *string // metadata.urgency
	Dimensions *Dimensions
	Error      *string
	// State, if set, changes the reader's triage state (see
	// Item.ApplyState).
	State *StateChange
	// ThreadID, if set, replaces the item's thread id: doctor --repair
	// copies it from the stored object onto items written before the
	// table kept it.
	ThreadID *string
}

// ItemFilter selects items for Table.FindItems. Nil or empty fields do not
// filter. Results are newest first (timestamp, then id, descending).
type ItemFilter struct {
	Project *string
	Type    *string
	Sender  *string // matches sender_id or sender
	Urgency *string
	Status  *string
	Since   *time.Time // timestamp >= Since
	Until   *time.Time // timestamp < Until
	// State is StateOpen (including a snooze that has ended),
	// StateDone, StateWaiting or StateSnoozed (a snooze still running), judged at the
	// table's clock.
	State *string
	// Oldest lists oldest first (timestamp, then id, ascending) instead
	// of newest first: GET /communications?sort=oldest.
	Oldest bool
	// Sort, when not "", orders by a column instead of time: one of
	// ColumnSorts (GET /communications?sort=urgency and so on), each
	// with the newest first among equals. The Analyst's column headers
	// ask for it. Only the SQLite table has it; DynamoDB refuses it
	// (EINVALID, field "sort"): its indexes are by time.
	Sort string

	Limit  int    // at most this many; 0 means DefaultPageSize
	Cursor string // the next cursor of the previous page; "" for the first
}

// ColumnSorts are the values of ItemFilter.Sort, besides "" (time):
// urgency high first and -urgency low first; sender and subject A to Z
// (case-insensitive) and their "-" forms Z to A; deadline soonest first
// and -deadline latest first. Items without the value (no urgency,
// sender, subject or deadline) come last in both directions; among
// equals the newest comes first.
var ColumnSorts = []string{"urgency", "-urgency", "sender", "-sender", "subject", "-subject", "deadline", "-deadline"}

// ListSorts are every value of GET /communications?sort=, in the order a
// 400 lists them.
var ListSorts = append([]string{"newest", "oldest"}, ColumnSorts...)

// Page sizes for listing items.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// PageLimit returns the page size a list asks for: limit, or
// DefaultPageSize when it is zero, at most MaxPageSize. A negative limit
// is an EINVALID error naming the field, so every table adapter refuses
// it with the same words.
func PageLimit(limit int) (int, error) {
	switch {
	case limit < 0:
		return 0, FieldErrorf(EINVALID, "limit", "Limit must not be negative.")
	case limit == 0:
		return DefaultPageSize, nil
	case limit > MaxPageSize:
		return MaxPageSize, nil
	}
	return limit, nil
}
