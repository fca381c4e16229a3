package httpapi

import (
	"context"
	"encoding/json"
	"path"
	"slices"
	"strings"

	"github.com/doctales/doctales"
)

// DeadLetterView is a dead letter as GET /dlq and GET /dlq/{id} answer it:
// the stored dead letter and, when the reader may see it, the
// communication it is about, so the dashboard can name it by its subject
// and sender rather than by a message id or an object key.
type DeadLetterView struct {
	*doctales.DeadLetter
	// Channel is the channel whose delivery failed (log, webhook, email,
	// sns, browser: doctales.SubscriptionChannel), or "" for a function's
	// dead letter (extraction, notification).
	Channel string `json:"channel,omitempty"`
	// Communication is the communication the record is about, looked up
	// in the table; nil when the record names none, the communication
	// is gone, or it is another user's (the table's owner scope hides it,
	// as withhold hides the record's content).
	Communication *DeadLetterCommunication `json:"communication,omitempty"`
}

// DeadLetterCommunication names the communication a dead letter is about.
type DeadLetterCommunication struct {
	ID       string `json:"id"`
	Subject  string `json:"subject"`
	Sender   string `json:"sender,omitempty"`
	SenderID string `json:"senderId,omitempty"`
	Type     string `json:"type,omitempty"`
	Status   string `json:"status,omitempty"`
}

// DeadLetterCommunicationID returns the id of the communication a dead
// letter's record is about: the base name of an object key
// ("<type>/<yyyy>/<mm>/<dd>/<id>.json"), a stream record's key, or a
// topic message's communicationId attribute; "" when it names none.
func DeadLetterCommunicationID(dl *doctales.DeadLetter) string {
	switch dl.Source {
	case doctales.SourceS3:
		base := path.Base(dl.Key)
		if !strings.HasSuffix(base, ".json") {
			return ""
		}
		return strings.TrimSuffix(base, ".json")
	case doctales.SourceDynamoDB:
		return dl.Key
	case doctales.SourceSNS:
		var m doctales.Message
		if json.Unmarshal(dl.Record, &m) == nil {
			return m.MessageAttributes["communicationId"].StringValue
		}
	}
	return ""
}

// describeDeadLetters looks up the communication of each dead letter in
// the table (once per id) with the request's owner scope.
func (h *Handler) describeDeadLetters(ctx context.Context, dls []*doctales.DeadLetter) []DeadLetterView {
	out := make([]DeadLetterView, 0, len(dls))
	seen := map[string]*DeadLetterCommunication{}
	for _, dl := range dls {
		v := DeadLetterView{DeadLetter: dl, Channel: doctales.SubscriptionChannel(dl.Subscription)}
		if id := DeadLetterCommunicationID(dl); id != "" && h.Table != nil {
			c, ok := seen[id]
			if !ok {
				if it, err := h.Table.GetItem(ctx, id); err == nil && doctales.VisibleTo(ctx, it.Owner) {
					c = &DeadLetterCommunication{ID: it.ID, Subject: it.Subject, Sender: it.Sender, SenderID: it.SenderID,
						Type: it.Type, Status: it.Status}
				}
				seen[id] = c
			}
			v.Communication = c
		}
		out = append(out, v)
	}
	return out
}

// ChannelDeadLetterStore is implemented by dead-letter stores that list
// one channel's dead letters in one query (sqlite.DB); others are listed
// whole and filtered.
type ChannelDeadLetterStore interface {
	ChannelDeadLetters(ctx context.Context, channel string, limit int) ([]*doctales.DeadLetter, error)
}

// deadLettersOf lists up to limit dead letters of subscription (all when
// "") and of channel (all when ""): each channel's dead letters apart
// (issue 13). A channel not in doctales.Channels is EINVALID naming
// "channel".
func (h *Handler) deadLettersOf(ctx context.Context, subscription, channel string, limit int) ([]*doctales.DeadLetter, error) {
	if channel == "" {
		return h.DeadLetters.DeadLetters(ctx, subscription, limit)
	}
	if !slices.Contains(doctales.Channels, channel) {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "channel", "channel %q is not one of %s", channel, strings.Join(doctales.Channels, ", "))
	}
	if cs, ok := h.DeadLetters.(ChannelDeadLetterStore); ok && subscription == "" {
		return cs.ChannelDeadLetters(ctx, channel, limit)
	}
	all, err := h.DeadLetters.DeadLetters(ctx, subscription, doctales.MaxPageSize)
	if err != nil {
		return nil, err
	}
	var out []*doctales.DeadLetter
	for _, dl := range all {
		if doctales.SubscriptionChannel(dl.Subscription) == channel && len(out) < limit {
			out = append(out, dl)
		}
	}
	return out, nil
}
