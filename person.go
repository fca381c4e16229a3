package doctales

import "time"

// Person is someone who sent communications, with counts over the table:
// the Connector view's list. ID is the sender id (an e-mail address or a
// platform user id), or the display name when the sender has no id.
type Person struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`         // the display name of the latest communication
	Organization string    `json:"organization"` // the domain of an e-mail address, else ""
	Count        int       `json:"count"`        // communications sent
	High         int       `json:"high"`         // of which of high urgency
	Last         time.Time `json:"lastInteraction"`
	Projects     []string  `json:"projects"`
}

// Organization is a sender domain with counts over the table.
type Organization struct {
	Name   string    `json:"name"`   // the domain, lower case
	Count  int       `json:"count"`  // communications from it
	People int       `json:"people"` // distinct senders
	High   int       `json:"high"`   // communications of high urgency
	Last   time.Time `json:"lastInteraction"`
}

// ProjectSummary is a project with counts over the table: a Visualizer
// board.
type ProjectSummary struct {
	Project string    `json:"project"`
	Count   int       `json:"count"`
	High    int       `json:"high"`
	Last    time.Time `json:"lastInteraction"`
}

// PeopleFilter selects people for a people query. Query, when set, keeps
// the senders whose id or name contains it (case-insensitive).
// Organization keeps the senders of one domain.
type PeopleFilter struct {
	Query        string
	Organization string
	Limit        int // at most this many; 0 means DefaultPageSize, above MaxPageSize is lowered
}
