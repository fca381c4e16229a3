package doctales

import "time"

// Dimensions is what the extraction engine finds in a communication: who,
// what, when, how urgent, how it feels, what it asks for. It is stored as the
// item's "dimensions" attribute and travels in every stream image.
//
// The fields below are the contract the rest of the pipeline reads; the
// extraction engine may add more.
type Dimensions struct {
	// Urgency is high, medium or low, with the score (0..1) and the reasons
	// that decided it, such as "deadline in 3h" or "urgent word + request".
	Urgency        string   `json:"urgency"`
	UrgencyScore   float64  `json:"urgencyScore"`
	UrgencyReasons []string `json:"urgencyReasons"`

	// RequiresAction tells whether the communication asks the reader to do
	// something.
	RequiresAction bool `json:"requiresAction"`

	// Deadline is the resolved absolute deadline, if one was found.
	Deadline *time.Time `json:"deadline,omitempty"`

	// Sentiment is POSITIVE, NEGATIVE, NEUTRAL or MIXED.
	Sentiment string `json:"sentiment,omitempty"`

	ExtractedAt time.Time `json:"extractedAt"`
}
