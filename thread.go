package doctales

import (
	"context"
	"strings"
	"time"
)

// Thread is a conversation: the items that share a ThreadID, summarised
// for a list (GET /threads). Count is how many of the owner's items it
// holds; People are its senders in the order they first wrote, each with
// how many messages they sent (at most MaxThreadPeople; PeopleTotal
// counts them all); Subject is the first message's (the root's when it
// is there); Last and LastID are the newest message's time and id;
// Urgency is the highest of its messages'; Open counts the messages not
// done.
type Thread struct {
	ID          string         `json:"id"`
	Subject     string         `json:"subject"`
	Count       int            `json:"count"`
	People      []ThreadPerson `json:"people"`
	PeopleTotal int            `json:"peopleTotal"`
	First       time.Time      `json:"first"`
	Last        time.Time      `json:"last"`
	LastID      string         `json:"lastId"`
	LastSender  string         `json:"lastSender"`
	Urgency     string         `json:"urgency,omitempty"`
	Open        int            `json:"open"`
}

// ThreadPerson is one sender in a thread.
type ThreadPerson struct {
	Name  string `json:"name"`
	ID    string `json:"id"`
	Count int    `json:"count"`
}

// MaxThreadPeople is the most people a Thread lists.
const MaxThreadPeople = 20

// MaxThreadItems is the most messages GET /threads/{id} returns.
const MaxThreadItems = 1000

// SummarizeThread summarises the items of thread id, which must be in
// time order, oldest first (as ThreadItems gives them). People are keyed
// by sender id (the address), case-insensitively, else by name.
func SummarizeThread(id string, items []*Item) *Thread {
	t := &Thread{ID: id, People: []ThreadPerson{}}
	seen := map[string]int{}
	for _, it := range items {
		t.Count++
		if t.Subject == "" {
			t.Subject = it.Subject
		}
		if t.First.IsZero() || it.Timestamp.Before(t.First) {
			t.First = it.Timestamp
		}
		if !it.Timestamp.Before(t.Last) {
			t.Last, t.LastID, t.LastSender = it.Timestamp, it.ID, it.Sender
		}
		t.Urgency = MaxUrgency(t.Urgency, it.Metadata.Urgency)
		if it.State != StateDone {
			t.Open++
		}
		key := strings.ToLower(it.SenderID)
		if key == "" {
			key = strings.ToLower(it.Sender)
		}
		if key == "" {
			continue
		}
		if i, ok := seen[key]; ok {
			if i >= 0 {
				t.People[i].Count++
			}
			continue
		}
		t.PeopleTotal++
		if len(t.People) == MaxThreadPeople {
			seen[key] = -1
			continue
		}
		seen[key] = len(t.People)
		t.People = append(t.People, ThreadPerson{Name: it.Sender, ID: it.SenderID, Count: 1})
	}
	return t
}

// ThreadFilter selects threads for ThreadReader.FindThreads: newest
// thread (by its newest message) first.
type ThreadFilter struct {
	// MinCount leaves out threads with fewer messages (2 lists only
	// conversations; 0 or 1 lists every mail, alone or not).
	MinCount int
	Limit    int    // at most this many; 0 means DefaultPageSize
	Cursor   string // the next cursor of the previous page
}

// ThreadReader is implemented by tables that group items by thread
// (package sqlite). Both are scoped to the owner in ctx like FindItems.
type ThreadReader interface {
	// FindThreads returns one page of threads and the cursor of the
	// next page ("" on the last). A malformed cursor is EINVALID
	// (field "next").
	FindThreads(ctx context.Context, f ThreadFilter) ([]*Thread, string, error)
	// ThreadItems returns the items of thread id, oldest first, at most
	// limit (the oldest ones); none is ENOTFOUND.
	ThreadItems(ctx context.Context, id string, limit int) ([]*Item, error)
}
