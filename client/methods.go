package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/httpapi"
)

// IngestResult is the answer of POST /communications: the stored
// communication's id, object key and status, and whether the server
// recognised the request as a retry of an earlier one (the
// Idempotent-Replayed header, which function.Result leaves out of its
// JSON).
type IngestResult struct {
	function.Result
	Replayed bool
}

// IngestOptions are the query parameters of POST /communications.
type IngestOptions struct {
	Project string // the project of a raw e-mail (a document upload names it in its form)
	Source  string // the source a raw e-mail is recorded as, such as "gmail"
	Notify  string // "always", "never", or "" to follow the freshness window
}

// values returns o as a query.
func (o IngestOptions) values() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"project": o.Project, "source": o.Source, "notify": o.Notify} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// Ingest posts a communication as JSON (the body of POST /communications
// in openapi.yaml). A retry with the same id and body is answered with
// the first result, Replayed set.
func (c *Client) Ingest(ctx context.Context, body []byte) (*IngestResult, error) {
	return c.IngestRaw(ctx, bytes.NewReader(body), contentTypeJSON, IngestOptions{})
}

// IngestRaw posts body with contentType: message/rfc822 for a raw
// e-mail, application/pdf or a DOCX type for a document,
// multipart/form-data (with its boundary) for an upload, or JSON. A
// server busy or pacing the caller answers an *Error with Status 503 or
// 429 and its RetryAfter; sending the same body again is safe.
func (c *Client) IngestRaw(ctx context.Context, body io.Reader, contentType string, o IngestOptions) (*IngestResult, error) {
	a, err := c.do(ctx, request{route: routeIngest, path: "/communications", query: o.values(), body: body, contentType: contentType})
	if err != nil {
		return nil, err
	}
	out := &IngestResult{Replayed: a.header.Get(headerReplayedAnswer) == "true"}
	if err := json.Unmarshal(a.body, &out.Result); err != nil {
		return nil, &Error{Method: http.MethodPost, Path: "/communications", Status: a.status, Message: "decode the answer: " + err.Error()}
	}
	return out, nil
}

// Communication is the answer of GET /communications/{id}: the stored
// communication merged with its table item (status, final metadata,
// dimensions, triage state) and what it asks of the reader now.
type Communication struct {
	doctales.Communication
	S3Key      string                      `json:"s3Key"`
	Status     string                      `json:"status"`
	Dimensions *doctales.Dimensions        `json:"dimensions,omitempty"`
	Error      string                      `json:"error,omitempty"`
	Attention  doctales.AttentionJudgement `json:"attention"`
	State      string                      `json:"state,omitempty"`
	StateUntil *time.Time                  `json:"stateUntil,omitempty"`
	StateAt    *time.Time                  `json:"stateAt,omitempty"`
	Pinned     bool                        `json:"pinned,omitempty"`
	CreatedAt  time.Time                   `json:"createdAt"`
	UpdatedAt  time.Time                   `json:"updatedAt"`
}

// GetCommunication returns communication id; an unknown id (or another
// user's) is an *Error with Status 404.
func (c *Client) GetCommunication(ctx context.Context, id string) (*Communication, error) {
	var out Communication
	if _, err := c.call(ctx, routeGet, "/communications/"+pathID(id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListOptions are the filters and paging of GET /communications; the zero
// value lists the newest page of everything.
type ListOptions struct {
	Project, Type, Sender, Urgency, Status, State string
	Attention                                     string // now, soon, missed, stale or none
	Query                                         string // the search box (q); not with Attention
	Since, Until                                  time.Time
	// Sort is newest (the default, ""), oldest, or a column sort:
	// urgency, sender, subject, deadline, each also with "-" for the
	// other direction (doctales.ColumnSorts; SQLite only, not with
	// Query or Attention). Keep it across the pages: a cursor belongs
	// to its sort.
	Sort  string
	Limit int    // page size; 0 for the server's default
	Next  string // the cursor of the page wanted: a ListResponse's Next
	// Total asks for ListResponse.Total, how many match over all pages
	// (SQLite only; not with Query or Attention).
	Total bool
}

// values returns o as the query of GET /communications.
func (o ListOptions) values() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"project": o.Project, "type": o.Type, "sender": o.Sender, "urgency": o.Urgency,
		"status": o.Status, "state": o.State, "attention": o.Attention, "q": o.Query, "sort": o.Sort, "next": o.Next} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if !o.Since.IsZero() {
		q.Set("since", o.Since.Format(time.RFC3339))
	}
	if !o.Until.IsZero() {
		q.Set("until", o.Until.Format(time.RFC3339))
	}
	if o.Limit != 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Total {
		q.Set("total", "true")
	}
	return q
}

// ListCommunications returns one page of the caller's communications,
// newest first; the next page is asked for with Next set to the answer's
// Next, which is empty on the last page.
func (c *Client) ListCommunications(ctx context.Context, o ListOptions) (*httpapi.ListResponse, error) {
	var out httpapi.ListResponse
	if _, err := c.call(ctx, routeList, "/communications", o.values(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeadLetters is the answer of GET /dlq.
type DeadLetters struct {
	DeadLetters []httpapi.DeadLetterView `json:"deadLetters"`
	Count       int                      `json:"count"`
}

// DeadLetters lists up to limit dead letters (0: the server's default of
// 100), of subscription when it is not empty. It needs an admin key.
func (c *Client) DeadLetters(ctx context.Context, subscription string, limit int) (*DeadLetters, error) {
	q := url.Values{}
	if subscription != "" {
		q.Set("subscription", subscription)
	}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out DeadLetters
	if _, err := c.call(ctx, routeDeadLetters, "/dlq", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// redriveAnswer is the body of the two redrive routes.
type redriveAnswer struct {
	Redriven []int64 `json:"redriven"`
	Seq      int64   `json:"seq"`
}

// Redrive appends dead letter id's record to its source log again and
// returns the new record's sequence number.
func (c *Client) Redrive(ctx context.Context, id int64) (int64, error) {
	var out redriveAnswer
	if _, err := c.call(ctx, routeRedrive, "/dlq/"+strconv.FormatInt(id, 10)+"/redrive", nil, nil, &out); err != nil {
		return 0, err
	}
	return out.Seq, nil
}

// RedriveAll redrives every dead letter (of subscription, if not empty)
// and returns the ids redriven.
func (c *Client) RedriveAll(ctx context.Context, subscription string) ([]int64, error) {
	q := url.Values{}
	if subscription != "" {
		q.Set("subscription", subscription)
	}
	var out redriveAnswer
	if _, err := c.call(ctx, routeRedriveAll, "/dlq/redrive", q, nil, &out); err != nil {
		return nil, err
	}
	return out.Redriven, nil
}

// Readiness is the body of GET /readyz: "status" ("ready" or "not
// ready"), "error" when not ready, and the details the server adds.
type Readiness map[string]any

// Ready asks GET /readyz. A server that answers 503 is not an error: ready
// is false and the Readiness says why.
func (c *Client) Ready(ctx context.Context) (r Readiness, ready bool, err error) {
	a, err := c.call(ctx, routeReadyz, "/readyz", nil, nil, &r)
	if e, ok := err.(*Error); ok && e.Status == http.StatusServiceUnavailable && a != nil {
		if json.Unmarshal(a.body, &r) == nil {
			return r, false, nil
		}
	}
	if err != nil {
		return nil, false, err
	}
	return r, true, nil
}

// Stats decodes GET /stats into out: the server's counters, whose shape
// is the serving process's (the CLI's serve reports subscriptions and
// alarms). It needs an admin key.
func (c *Client) Stats(ctx context.Context, out any) error {
	_, err := c.call(ctx, routeStats, "/stats", nil, nil, out)
	return err
}

// Rules returns the caller's rules in evaluation order and the channel
// names their targets may hold.
func (c *Client) Rules(ctx context.Context) (*httpapi.RulesResponse, error) {
	var out httpapi.RulesResponse
	if _, err := c.call(ctx, routeRules, "/rules", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AddRule creates a rule (POST /rules); a req.ID that exists is a 409.
func (c *Client) AddRule(ctx context.Context, req httpapi.RuleRequest) (*doctales.Rule, error) {
	var out doctales.Rule
	if _, err := c.call(ctx, routeAddRule, "/rules", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PutRule changes the fields of rule id that req gives, creating the rule
// when it does not exist (PUT /rules/{id}).
func (c *Client) PutRule(ctx context.Context, id string, req httpapi.RuleRequest) (*doctales.Rule, error) {
	var out doctales.Rule
	if _, err := c.call(ctx, routePutRule, "/rules/"+pathID(id), nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteRule deletes rule id; the default rule can be disabled, not
// deleted (400), and an unknown id is a 404.
func (c *Client) DeleteRule(ctx context.Context, id string) error {
	_, err := c.call(ctx, routeDeleteRule, "/rules/"+pathID(id), nil, nil, nil)
	return err
}

// TestRule tells which of the caller's newest communications pattern
// matches, without storing anything.
func (c *Client) TestRule(ctx context.Context, pattern json.RawMessage) (*httpapi.RuleTestResponse, error) {
	var out httpapi.RuleTestResponse
	if _, err := c.call(ctx, routeTestRule, "/rules/test", nil, httpapi.RuleRequest{Pattern: pattern}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TestStoredRule is TestRule with the pattern of the stored rule id.
func (c *Client) TestStoredRule(ctx context.Context, id string) (*httpapi.RuleTestResponse, error) {
	var out httpapi.RuleTestResponse
	if _, err := c.call(ctx, routeTestStoredRule, "/rules/"+pathID(id)+"/test", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
