package doctales

import "time"

// Dimensions is what the extraction engine finds in a communication: who,
// what, when, how urgent, how it feels, what it asks for. It is stored as the
// item's "dimensions" attribute and travels in every stream image.
//
// The first fields below are the contract the rest of the pipeline reads;
// the fields after them are added by the extraction engine (package extract,
// documented field by field in docs/extraction.md). Offsets in Entities,
// KeyPhrases, PII and Dates are byte offsets into the text named by their
// Source ("content" when empty), as UTF-8.
type Dimensions struct {
	// Urgency is high, medium or low, with the score (0..1) and the reasons
	// that decided it, such as "deadline in 3h" or "urgent word + request".
	Urgency        string   `json:"urgency"`
	UrgencyScore   float64  `json:"urgencyScore"`
	UrgencyReasons []string `json:"urgencyReasons"`

	// UrgencyEvidence names, for each reason, the words or header that
	// caused it, with offsets into the text its Source names, so that a
	// reader can see why (issue 14).
	UrgencyEvidence []Evidence `json:"urgencyEvidence,omitempty"`

	// Category is what kind of message it is: CategoryPerson,
	// CategoryReply, CategoryList, CategoryBulk, CategoryAutomated,
	// CategoryAutoReply or CategorySuspicious; CategoryReasons say why
	// (a header, a pattern). Bulk, automated and auto-reply mail is never
	// high by its words alone.
	Category        string     `json:"category,omitempty"`
	CategoryReasons []Evidence `json:"categoryReasons,omitempty"`

	// Suspicious, when not empty, says why the message looks like fraud
	// or phishing (an urgent money or credential request from an unknown
	// sender, a display name that does not match the address). A
	// suspicious message is never pushed.
	Suspicious string `json:"suspicious,omitempty"`

	// RequiresAction tells whether the communication asks the reader to do
	// something.
	RequiresAction bool `json:"requiresAction"`

	// Deadline is the resolved absolute deadline, if one was found.
	Deadline *time.Time `json:"deadline,omitempty"`

	// Sentiment is POSITIVE, NEGATIVE, NEUTRAL or MIXED.
	Sentiment string `json:"sentiment,omitempty"`

	ExtractedAt time.Time `json:"extractedAt"`

	// ActionScore is the probability (0..1) behind RequiresAction, and
	// ActionReasons the cues that decided it, such as "request: please".
	ActionScore   float64  `json:"actionScore"`
	ActionReasons []string `json:"actionReasons,omitempty"`

	// SentimentScore holds the four class scores (summing to 1) and the
	// VADER compound score (-1..1) behind Sentiment.
	SentimentScore *SentimentScore `json:"sentimentScore,omitempty"`

	// Language is the dominant language as an ISO 639-1 code, or "und" when
	// the text is too short or too mixed to tell; LanguageScore is the
	// detector's confidence (0..1, 0 for "und").
	Language      string  `json:"language"`
	LanguageScore float64 `json:"languageScore"`

	// Entities are named entities in Comprehend's shape.
	Entities []Entity `json:"entities"`

	// KeyPhrases are the top noun phrases, best first.
	KeyPhrases []KeyPhrase `json:"keyPhrases"`

	// EntitiesTruncated and KeyPhrasesTruncated count the entities and
	// distinct key phrases found but left out of the lists above by a cap
	// (package comprehend keeps 100 entities and 10 key phrases, so that
	// the item stays under DynamoDB's 400 KB); 0 when none were.
	EntitiesTruncated   int `json:"entitiesTruncated,omitempty"`
	KeyPhrasesTruncated int `json:"keyPhrasesTruncated,omitempty"`

	// PII lists personally identifiable information found in the text,
	// without the text itself (see extract.Redact).
	PII []PIIEntity `json:"pii"`

	// Dates are the date and time expressions found, resolved against the
	// communication's timestamp.
	Dates []DateMention `json:"dates"`

	// The original system's four dimensions and its confidence scores.
	Temporal         *TemporalDimension     `json:"temporal,omitempty"`
	Relationship     *RelationshipDimension `json:"relationship,omitempty"`
	Visual           *VisualDimension       `json:"visual,omitempty"`
	Analytical       *AnalyticalDimension   `json:"analytical,omitempty"`
	ConfidenceScores ConfidenceScores       `json:"confidenceScores"`

	// AnalyzedBytes is how many bytes of the content the expensive steps
	// (tagging, entities, key phrases, dates, PII) read; Truncated is true
	// when that was less than the whole content.
	AnalyzedBytes int  `json:"analyzedBytes"`
	Truncated     bool `json:"truncated,omitempty"`
}

// Message categories (Dimensions.Category).
const (
	CategoryPerson     = "person"     // written by a person to the reader
	CategoryReply      = "reply"      // a person's reply in a thread
	CategoryList       = "list"       // a mailing list or forum
	CategoryBulk       = "bulk"       // a newsletter or marketing
	CategoryAutomated  = "automated"  // a notification, receipt or report sent by a system
	CategoryAutoReply  = "autoreply"  // an out-of-office or other automatic answer
	CategorySuspicious = "suspicious" // looks like fraud or phishing; see Dimensions.Suspicious
)

// Categories lists every category, in the order they are documented.
var Categories = []string{CategoryPerson, CategoryReply, CategoryList, CategoryBulk, CategoryAutomated, CategoryAutoReply, CategorySuspicious}

// Evidence is what a reason rests on: the rule, and the words or header
// that triggered it with byte offsets [Start, End) into the text Source
// names ("content", "subject", or "header" with Text "List-Id: ...").
type Evidence struct {
	Rule   string `json:"rule"`
	Text   string `json:"text"`
	Source string `json:"source,omitempty"`
	Start  int    `json:"start"`
	End    int    `json:"end"`
}

// SentimentScore is Comprehend's SentimentScore plus VADER's compound score.
type SentimentScore struct {
	Positive float64 `json:"Positive"`
	Negative float64 `json:"Negative"`
	Neutral  float64 `json:"Neutral"`
	Mixed    float64 `json:"Mixed"`
	Compound float64 `json:"Compound"` // -1..1
}

// Entity types, as Comprehend names them.
const (
	EntityPerson         = "PERSON"
	EntityOrganization   = "ORGANIZATION"
	EntityLocation       = "LOCATION"
	EntityDate           = "DATE"
	EntityQuantity       = "QUANTITY"
	EntityEvent          = "EVENT"
	EntityTitle          = "TITLE"
	EntityCommercialItem = "COMMERCIAL_ITEM"
	EntityOther          = "OTHER"
)

// Text sources an offset can point into.
const (
	SourceContent    = "content"
	SourceSubject    = "subject"
	SourceSender     = "sender"
	SourceSenderID   = "sender_id"
	SourceRecipients = "recipients" // offsets into strings.Join(Recipients, ", ")
	SourceCc         = "cc"         // offsets into strings.Join(Cc, ", ")
	// SourceCalendar is a mail's invitation part (Fields calendarStart):
	// a date read there has no offsets into any text.
	SourceCalendar = "calendar"
)

// Entity is a named entity in Comprehend's DetectEntities shape: the text,
// its type, a score (0..1) and byte offsets [BeginOffset, EndOffset) into
// the text named by Source ("" means content).
type Entity struct {
	Text        string  `json:"Text"`
	Type        string  `json:"Type"`
	Score       float64 `json:"Score"`
	BeginOffset int     `json:"BeginOffset"`
	EndOffset   int     `json:"EndOffset"`
	Source      string  `json:"Source,omitempty"`
}

// KeyPhrase is a key phrase in Comprehend's DetectKeyPhrases shape, with
// byte offsets of its first occurrence in the content.
type KeyPhrase struct {
	Text        string  `json:"Text"`
	Score       float64 `json:"Score"`
	BeginOffset int     `json:"BeginOffset"`
	EndOffset   int     `json:"EndOffset"`
}

// PII entity types, as Comprehend DetectPiiEntities names them.
const (
	PIIEmail             = "EMAIL"
	PIIPhone             = "PHONE"
	PIICreditDebitNumber = "CREDIT_DEBIT_NUMBER"
	PIIIBAN              = "INTERNATIONAL_BANK_ACCOUNT_NUMBER"
	PIIBankRouting       = "BANK_ROUTING"
	PIISSN               = "SSN"
	PIIIPAddress         = "IP_ADDRESS"
	PIIMACAddress        = "MAC_ADDRESS"
	PIIURL               = "URL"
	PIIAWSAccessKey      = "AWS_ACCESS_KEY"
	PIIAWSSecretKey      = "AWS_SECRET_KEY"
	PIIName              = "NAME"
	PIIAddress           = "ADDRESS"
)

// PIIEntity is a PII span in Comprehend's DetectPiiEntities shape: type,
// score and byte offsets into the text named by Source ("" means content).
// It never holds the text itself.
type PIIEntity struct {
	Type        string  `json:"Type"`
	Score       float64 `json:"Score"`
	BeginOffset int     `json:"BeginOffset"`
	EndOffset   int     `json:"EndOffset"`
	Source      string  `json:"Source,omitempty"`
}

// DateMention is a date or time expression and the absolute time it
// resolves to. Deadline is true when a deadline cue (by, due, before,
// deadline, no later than, EOD, ...) governs it.
type DateMention struct {
	Text        string    `json:"text"`
	Time        time.Time `json:"time"`
	Precision   string    `json:"precision"` // second, minute, hour, day, week, month, year
	BeginOffset int       `json:"beginOffset"`
	EndOffset   int       `json:"endOffset"`
	Source      string    `json:"source,omitempty"`
	Deadline    bool      `json:"deadline,omitempty"`
	Cue         string    `json:"cue,omitempty"` // the deadline cue, lower case
}

// TemporalDimension is the original system's temporal dimension.
type TemporalDimension struct {
	Deadline      *time.Time  `json:"deadline,omitempty"`
	Urgency       string      `json:"urgency"`
	Chronology    Chronology  `json:"chronology"`
	TimeContext   TimeContext `json:"timeContext"`
	DetectedDates []string    `json:"detectedDates"`
}

// Chronology places a communication in time. FollowUpDate is the deadline,
// or else the first future date mentioned.
type Chronology struct {
	Created      time.Time  `json:"created"`
	LastUpdated  *time.Time `json:"lastUpdated,omitempty"`
	FollowUpDate *time.Time `json:"followUpDate,omitempty"`
}

// TimeContext relates a communication to the extraction time.
// DaysUntilDeadline and HoursUntilDeadline count from the communication's
// timestamp (rounded up, negative when the deadline is before it).
type TimeContext struct {
	IsRecent           bool     `json:"isRecent"` // timestamp within 7 days before extraction
	IsPast             bool     `json:"isPast"`   // timestamp before extraction
	RequiresAction     bool     `json:"requiresAction"`
	DaysUntilDeadline  *int     `json:"daysUntilDeadline,omitempty"`
	HoursUntilDeadline *float64 `json:"hoursUntilDeadline,omitempty"`
}

// RelationshipDimension is the original system's relationship dimension.
type RelationshipDimension struct {
	ConnectionStrength    string              `json:"connectionStrength"` // strong, medium, weak
	Frequency             string              `json:"frequency"`          // frequent, occasional, rare
	LastInteraction       *time.Time          `json:"lastInteraction,omitempty"`
	NetworkPosition       NetworkPosition     `json:"networkPosition"`
	Context               RelationshipContext `json:"context"`
	DetectedPeople        []string            `json:"detectedPeople"`
	DetectedOrganizations []string            `json:"detectedOrganizations"`
}

// NetworkPosition tells how close the sender is to the reader.
type NetworkPosition struct {
	IsDirectConnection bool    `json:"isDirectConnection"`
	SharedConnections  int     `json:"sharedConnections"`
	RelevanceScore     float64 `json:"relevanceScore"` // 0..1
}

// RelationshipContext tells which parts of life a communication touches.
type RelationshipContext struct {
	Personal        bool `json:"personal"`
	Professional    bool `json:"professional"`
	ProjectSpecific bool `json:"projectSpecific"`
}

// VisualDimension is the original system's visual dimension.
type VisualDimension struct {
	HasImages      bool            `json:"hasImages"`
	DocumentType   string          `json:"documentType,omitempty"`
	VisualElements VisualElements  `json:"visualElements"`
	SpatialContext *SpatialContext `json:"spatialContext,omitempty"`
	VisualCategory string          `json:"visualCategory"` // document, image, chart, mixed, text-only
}

// VisualElements counts the visual parts of a communication.
type VisualElements struct {
	Charts      int `json:"charts"`
	Tables      int `json:"tables"`
	Images      int `json:"images"`
	Attachments int `json:"attachments"`
}

// SpatialContext names the places a communication is about.
type SpatialContext struct {
	Location         string      `json:"location,omitempty"`
	Coordinates      *[2]float64 `json:"coordinates,omitempty"` // latitude, longitude
	RelatedLocations []string    `json:"relatedLocations"`
}

// AnalyticalDimension is the original system's analytical dimension.
type AnalyticalDimension struct {
	Categories []string           `json:"categories"`
	Tags       []string           `json:"tags"`
	Sentiment  string             `json:"sentiment"` // positive, neutral, negative, mixed
	Entities   AnalyticalEntities `json:"entities"`
	Metrics    Metrics            `json:"metrics"`
	Structure  Structure          `json:"structure"`
}

// AnalyticalEntities groups entity texts by kind; Concepts are the first
// five key phrases.
type AnalyticalEntities struct {
	People        []string `json:"people"`
	Organizations []string `json:"organizations"`
	Locations     []string `json:"locations"`
	Dates         []string `json:"dates"`
	Concepts      []string `json:"concepts"`
}

// Metrics measure the size and density of the content.
type Metrics struct {
	WordCount          int     `json:"wordCount"`
	ReadingTime        int     `json:"readingTime"` // minutes at 200 words a minute, rounded up
	Complexity         string  `json:"complexity"`  // low, medium, high
	InformationDensity float64 `json:"informationDensity"`
}

// Structure describes the layout of the content.
type Structure struct {
	HasHeadings      bool `json:"hasHeadings"`
	HasBulletPoints  bool `json:"hasBulletPoints"`
	HasNumberedLists bool `json:"hasNumberedLists"`
	ParagraphCount   int  `json:"paragraphCount"`
}

// ConfidenceScores are the original system's per-dimension confidences, 0..1.
type ConfidenceScores struct {
	Temporal     float64 `json:"temporal"`
	Relationship float64 `json:"relationship"`
	Visual       float64 `json:"visual"`
	Analytical   float64 `json:"analytical"`
}
