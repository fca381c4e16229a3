package httpapi

import (
	"context"
	"encoding/json"
	"path"
	"strings"

	"github.com/doctales/doctales"
)

// DeadLetterView is a dead letter as GET /dlq and GET /dlq/{id} answer it:
// the stored dead letter and, when the reader may see it, the
// communication it is about, so the dashboard can name it by its subject
// and sender rather than by a message id or an object key.
type DeadLetterView struct {
	*doctales.DeadLetter
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
		v := DeadLetterView{DeadLetter: dl}
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
