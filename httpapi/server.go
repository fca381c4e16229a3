package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/upload"
)

// Handler serves the API. Set the fields, then use it as an http.Handler.
type Handler struct {
	Normalizer *ingest.Normalizer
	// Parser reads raw e-mail, documents and uploads (see raw.go); nil
	// means the default limits.
	Parser    *ingest.Parser
	Ingestion *function.Ingestion
	// Deletion serves DELETE /communications/{id}; nil answers 404.
	Deletion    *function.Deletion
	Table       doctales.Table
	Store       doctales.ObjectStore
	DeadLetters doctales.DeadLetterStore
	// Stream serves GET /notifications/stream; nil answers 404.
	Stream http.Handler
	// Stats, if set, returns the runtime's state for GET /stats.
	Stats func() any
	// Ready, if set, reports for GET /readyz whether the pipeline is ready,
	// with details (such as lagging subscriptions) shown either way.
	Ready func(ctx context.Context) (details map[string]any, err error)
	// Rules stores people's notification rules (issue 13, rules.go); nil
	// answers 501 on the rules routes. Channels are the channel names a
	// rule's targets may hold; nil means the browser's live stream alone.
	Rules    doctales.RuleStore
	Channels []string
	// PlatformAuth says that the platform authenticated the request and
	// put its principal in the context (on AWS, API Gateway's JWT
	// authorizer, read by package awslambda): Auth is not used, and a
	// request without a principal is 401.
	PlatformAuth bool

	// Freshness is the freshness window of the attention judgement
	// (doctales.Attention) given with each communication; zero means
	// doctales' default of 72 hours. Now is the clock; nil is time.Now.
	Freshness time.Duration
	Now       func() time.Time
	// Timezone is the IANA time zone of the person who reads the mail
	// (the configuration's timezone), given with GET /user-profile so the
	// dashboard shows times in it; "" lets the browser use its own.
	Timezone string
	// Trace, if set, serves GET /communications/{id}/events: the flow
	// history of a communication.
	Trace func(ctx context.Context, id string) (any, error)
	// Metrics, if set, serves GET /metrics.
	Metrics http.Handler
	// Middleware, if set, wraps every route (metrics, tracing); it sees
	// r.Pattern after routing.
	Middleware func(http.Handler) http.Handler
	Logger     *slog.Logger

	// The dashboard's stores (see dashboard.go); nil answers 404 on their
	// routes. UI, if set, serves GET / and GET /ui/: the dashboard page.
	Profiles         ProfileStore
	Directory        Directory
	CommunicationLog CommunicationLog
	UI               http.Handler
	// Analytics reads the aggregate tables the analytics consumer keeps
	// (analytics.go); nil answers 501 on /analytics/... (DynamoDB on AWS).
	Analytics doctales.AnalyticsReader

	// ParseMemory bounds the memory raw uploads and document parses hold
	// at once (see limits.go); nil means a budget of DefaultMaxParseMemory.
	ParseMemory *MemoryBudget
	// ParseMemoryFactor is the bytes a raw request reserves per byte of
	// its body; zero means DefaultParseMemoryFactor.
	ParseMemoryFactor int64
	// ParseMemoryWait is the longest a raw request waits for its
	// reservation before it is refused with 503; zero means
	// DefaultParseMemoryWait.
	ParseMemoryWait time.Duration
	// ReadTimeout is the server's http.Server.ReadTimeout: a raw upload's
	// read deadline is moved to ReadTimeout plus its size at
	// MinUploadBytesPerSecond. Zero leaves deadlines alone.
	ReadTimeout time.Duration
	// MinUploadBytesPerSecond is the slowest rate a raw upload is given
	// time for; zero means DefaultMinUploadBytesPerSecond.
	MinUploadBytesPerSecond int64
	// MaxQueryValueBytes is the longest query parameter value, in bytes;
	// zero means DefaultMaxQueryValueBytes. Longer is 413.
	MaxQueryValueBytes int

	// Auth resolves API keys and sessions (issue 17, see auth.go). Nil,
	// or a store with no user and no unrevoked key, means open mode:
	// every request acts as an admin. Once a user or key exists, every
	// route but /healthz, /readyz, the sign-in routes and the dashboard's
	// assets needs a key or a session.
	Auth Authenticator
	// AllowedHosts are the host names (optionally with ":port") accepted
	// in the Host header besides IP literals and localhost; any other is
	// answered 421, which stops DNS rebinding.
	AllowedHosts []string
	// ListenPort, if set, is the only port accepted with a "localhost"
	// Host header.
	ListenPort string
	// AllowOrigins are the origins (such as "https://app.example") given
	// CORS access with a bearer key. Empty, the default, means same
	// origin only: no Access-Control-Allow-Origin is ever sent.
	AllowOrigins []string
	// SessionTTL is how long a dashboard session lives; zero means
	// DefaultSessionTTL.
	SessionTTL time.Duration
	// RateLimits are the per-caller limits on ingest, reads and sign-in
	// (ratelimit.go); the zero value switches them all off, so set
	// DefaultRateLimits() to have them.
	RateLimits RateLimits
	// RateLimiterFor, if set, builds the RateLimiter of each limit of
	// RateLimits: a cluster's api processes share theirs in PostgreSQL.
	// Nil means in-memory Limiters, per process.
	RateLimiterFor func(RateLimit) RateLimiter
	// AuditLog, if set, records admin actions (audit.go).
	AuditLog doctales.AuditLog
	// AckKey, if set, returns the key of the ack links of notification
	// e-mails (GET/POST /communications/{id}/ack, ack.go). Nil answers
	// every ack link 404.
	AckKey func(ctx context.Context) ([]byte, error)
	// Uploads, if set, hands out the URLs of POST /uploads (on AWS,
	// presigned S3 PUTs); else LocalUploads does, with URLs on this server
	// that PUT /uploads/{id} receives (uploads.go). Neither answers 501.
	Uploads      doctales.Uploader
	LocalUploads *upload.Local
	// Live, if set, sends the dashboard to the WebSocket API (on AWS)
	// instead of the SSE stream: POST /live/ticket (live.go).
	Live *Live

	mux     *http.ServeMux
	handler http.Handler // mux, wrapped by Middleware
	auth    authState
	limits  limiters
	// crossOrigin refuses state-changing requests a browser sent from
	// another origin (Sec-Fetch-Site, Origin), AllowOrigins excepted.
	crossOrigin *http.CrossOriginProtection
}

// routeHooks add the routes that other files of the package define (each
// appends its own in an init function), so that features can add routes
// without editing Init.
var routeHooks []func(h *Handler, m *http.ServeMux)

// Init builds the routes; call it once after setting the fields.
func (h *Handler) Init() {
	if h.Logger == nil {
		h.Logger = slog.Default()
	}
	if h.ParseMemory == nil {
		h.ParseMemory = NewMemoryBudget(DefaultMaxParseMemory)
	}
	h.limits = newLimiters(h.RateLimits, h.RateLimiterFor)
	h.crossOrigin = http.NewCrossOriginProtection()
	for _, o := range h.AllowOrigins {
		if o != "*" {
			if err := h.crossOrigin.AddTrustedOrigin(o); err != nil {
				h.Logger.Error("cors origin ignored", "origin", o, "error", err)
			}
		}
	}
	m := http.NewServeMux()
	m.HandleFunc("POST /communications", h.postCommunication)
	m.HandleFunc("GET /communications", h.listCommunications)
	m.HandleFunc("GET /communications/{id}", h.getCommunication)
	m.HandleFunc("GET /communications/{id}/events", h.communicationEvents)
	m.HandleFunc("DELETE /communications/{id}", h.deleteCommunication)
	m.HandleFunc("GET /dlq", h.listDeadLetters)
	m.HandleFunc("GET /dlq/{id}", h.getDeadLetter)
	m.HandleFunc("POST /dlq/{id}/redrive", h.redriveDeadLetter)
	m.HandleFunc("POST /dlq/redrive", h.redriveAll)
	m.HandleFunc("GET /notifications/stream", h.stream)
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	m.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(OpenAPI)
	})
	m.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		b, err := openAPIJSON()
		if err != nil {
			Error(w, r, h.Logger, fmt.Errorf("convert openapi.yaml to JSON: %w", err))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
	m.HandleFunc("GET /readyz", h.readyz)
	m.HandleFunc("GET /stats", h.stats)
	if h.Metrics != nil {
		m.Handle("GET /metrics", h.Metrics)
	}
	for _, add := range routeHooks {
		add(h, m)
	}
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		Error(w, r, h.Logger, doctales.Errorf(doctales.ENOTFOUND, "Not Found: %s %s", r.Method, r.URL.Path))
	})
	h.mux = m
	h.handler = m
	if h.Middleware != nil {
		h.handler = h.Middleware(m)
	}
}

// ServeHTTP sets the security headers, refuses a foreign Host, adds CORS
// headers for allowed origins, answers preflight requests, refuses
// oversized query parameters, resolves the caller to a principal and
// checks its scope (auth.go), applies the caller's rate limit
// (ratelimit.go), and routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	if !h.checkHost(r) {
		writeJSON(w, http.StatusMisdirectedRequest, ErrorResponse{Code: "misdirected",
			Error: fmt.Sprintf("Host %s is not a name of this server; add it to allowedHosts in the configuration to use it.", quoteCut(r.Host))})
		return
	}
	h.cors(w, r)
	// A page on another origin may still send "simple" requests (a form,
	// a no-cors fetch with a file) that CORS does not stop, only hides
	// the answer of: refuse every state change a browser marks as
	// cross-origin, open mode included.
	if err := h.crossOrigin.Check(r); err != nil {
		Error(w, r, h.Logger, doctales.Errorf(doctales.EFORBIDDEN, "Cross-origin request refused: a page on another site may not change anything here."))
		return
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	// One check for every route: no handler sees a query value longer
	// than MaxQueryValueBytes (a 100 KB ?q= used to answer 500).
	if err := h.checkQuery(r); err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	r = withClientIP(r)
	if r = h.authenticate(w, r); r == nil {
		return
	}
	// Per-caller rate limits, once the caller is known (ratelimit.go).
	if !h.limit(w, r) {
		return
	}
	h.handler.ServeHTTP(w, r)
}

// postCommunication is the ingestion function's HTTP trigger.
func (h *Handler) postCommunication(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err == nil && h.postRaw(w, r, mt) {
			return // a raw e-mail, an upload or a document (raw.go)
		}
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EUNSUPPORTED, "Content-Type",
				"content type %q is not supported; send application/json, message/rfc822, multipart/form-data (a file), application/pdf or a DOCX", ct))
			return
		}
	}
	limit := h.Normalizer.MaxBodyBytes
	if limit <= 0 {
		limit = ingest.DefaultMaxBodyBytes
	}
	body, err := readBody(w, r, limit)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	c, err := h.Normalizer.Normalize(body)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	c.RequestHash = doctales.ContentHash(body)
	c.Owner = callerOwner(r) // never what the body says
	if c.Metadata.Notify, err = notifyParam(r); err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	res, err := h.Ingestion.Ingest(r.Context(), c)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	w.Header().Set("Location", "/communications/"+res.ID)
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, http.StatusAccepted, res)
}

// ListResponse is the body of GET /communications. Count is the number
// of items on this page; Total, set only when asked with ?total=true, is
// how many match the filters over all pages.
type ListResponse struct {
	Communications []*ListedItem `json:"communications"`
	Count          int           `json:"count"`
	Total          *int64        `json:"total,omitempty"`
	Next           string        `json:"next,omitempty"`
}

// ItemCounter is implemented by tables that count the items a filter
// matches (package sqlite); GET /communications?total=true needs it.
type ItemCounter interface {
	CountItems(ctx context.Context, filter doctales.ItemFilter) (int64, error)
}

// ListedItem is a communication's item as lists show it, with what it
// asks of the reader now (issue 14).
//
// It carries the communication's type twice: as `commType`, the table's
// attribute in the original single-table design, and as `type`, the name
// GET /communications/{id} and POST use, so that a client reads the same
// field from a list and from one communication.
type ListedItem struct {
	*doctales.Item
	Attention doctales.AttentionJudgement `json:"attention"`
	TypeAlias string                      `json:"type,omitempty"`
}

// listed returns it as a list shows it, judged at now.
func listed(it *doctales.Item, j doctales.AttentionJudgement) *ListedItem {
	return &ListedItem{Item: it, Attention: j, TypeAlias: it.Type}
}

// maxAttentionScan bounds the items one ?attention= page reads.
const maxAttentionScan = 5000

// attentionLevels are the values of ?attention=.
var attentionLevels = []string{doctales.AttentionNow, doctales.AttentionSoon, doctales.AttentionMissed, doctales.AttentionStale, doctales.AttentionNone}

func (h *Handler) listCommunications(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	switch format := r.URL.Query().Get("format"); format {
	case "", "json":
	case "csv":
		h.exportCSV(w, r, f)
		return
	default:
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "format", "format %s is not one of json, csv", quoteCut(format)))
		return
	}
	var wantTotal bool
	switch v := r.URL.Query().Get("total"); v {
	case "", "false", "0":
	case "true", "1":
		wantTotal = true
	default:
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "total", "total %s is not true or false", quoteCut(v)))
		return
	}
	want := r.URL.Query().Get("attention")
	if want != "" && !slices.Contains(attentionLevels, want) {
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "attention", "attention %s is not one of %s", quoteCut(want), strings.Join(attentionLevels, ", ")))
		return
	}
	if wantTotal && want != "" {
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "total", "total cannot be combined with attention, which is judged at the time of asking and not counted"))
		return
	}
	if wantTotal && r.URL.Query().Get("q") != "" {
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "total", "total cannot be combined with q: a search is ranked, not counted"))
		return
	}
	if want != "" && f.Sort != "" {
		Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "sort", "sort %s cannot be combined with attention, which is judged newest first", f.Sort))
		return
	}
	// Lists of what asks for attention leave out what the reader is done
	// with or snoozed, unless ?state= says otherwise.
	if want != "" && f.State == nil {
		open := doctales.StateOpen
		f.State = &open
	}
	now, fresh := h.now(), h.freshness()
	out := []*ListedItem{}
	limit := f.Limit
	if limit == 0 {
		limit = doctales.DefaultPageSize
	}
	var next string
	if q := r.URL.Query().Get("q"); q != "" {
		if want != "" {
			Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "q", "q and attention cannot be combined; search, then look at each result's attention"))
			return
		}
		if f.Oldest || f.Sort != "" {
			Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "sort", "sort applies to lists; a search (q) is ranked best first, so sort must be newest or left out"))
			return
		}
		h.search(w, r, q, f)
		return
	}
	if want == "" {
		items, n, err := h.Table.FindItems(r.Context(), f)
		if err != nil {
			Error(w, r, h.Logger, err)
			return
		}
		for _, it := range items {
			out = append(out, listed(it, doctales.Attention(it, now, fresh)))
		}
		next = n
	} else {
		// The judgement depends on the time of asking, so it is not
		// stored: read pages, newest first, keep the matching items, and
		// hand back the cursor of the last item read.
		f.Limit = min(200, doctales.MaxPageSize)
		scanned := 0
		for len(out) < limit && scanned < maxAttentionScan {
			items, n, err := h.Table.FindItems(r.Context(), f)
			if err != nil {
				Error(w, r, h.Logger, err)
				return
			}
			for i, it := range items {
				scanned++
				if j := doctales.Attention(it, now, fresh); j.Level == want {
					out = append(out, listed(it, j))
					if len(out) == limit {
						if i < len(items)-1 || n != "" {
							next = h.cursorAfter(r, f, it)
						}
						break
					}
				}
			}
			if len(out) == limit || n == "" {
				if len(out) < limit {
					next = ""
				}
				break
			}
			f.Cursor, next = n, n
		}
	}
	resp := ListResponse{Communications: out, Count: len(out), Next: next}
	if wantTotal {
		counter, ok := h.Table.(ItemCounter)
		if !ok {
			Error(w, r, h.Logger, doctales.FieldErrorf(doctales.ENOTIMPLEMENTED, "total", "this deployment's table (%T) does not count items; leave total out", h.Table))
			return
		}
		n, err := counter.CountItems(r.Context(), f)
		if err != nil {
			Error(w, r, h.Logger, err)
			return
		}
		resp.Total = &n
	}
	writeJSON(w, http.StatusOK, resp)
}

// cursorAfter returns the cursor of the page after item: a one-item page
// ending at it gives the table's own cursor.
func (h *Handler) cursorAfter(r *http.Request, f doctales.ItemFilter, it *doctales.Item) string {
	f.Cursor, f.Limit = "", 1
	// The table's cursor encodes (timestamp, id); ask for the page that
	// starts at it: the item itself, whose next cursor is wanted.
	until := it.Timestamp.Add(time.Nanosecond)
	f.Until = &until
	for {
		items, n, err := h.Table.FindItems(r.Context(), f)
		if err != nil || len(items) == 0 {
			return ""
		}
		if items[0].ID == it.ID {
			return n
		}
		if n == "" {
			return ""
		}
		f.Cursor = n
	}
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) freshness() time.Duration {
	if h.Freshness > 0 {
		return h.Freshness
	}
	return 72 * time.Hour
}

// parseFilter reads the list filters from the query string.
func parseFilter(r *http.Request) (doctales.ItemFilter, error) {
	q := r.URL.Query()
	var f doctales.ItemFilter
	str := func(name string) *string {
		if v := q.Get(name); v != "" {
			return &v
		}
		return nil
	}
	f.Project, f.Type, f.Sender = str("project"), str("type"), str("sender")
	if f.Urgency = str("urgency"); f.Urgency != nil && doctales.UrgencyRank(*f.Urgency) == 0 {
		return f, doctales.FieldErrorf(doctales.EINVALID, "urgency", "urgency %q is not one of high, medium, low", *f.Urgency)
	}
	if f.Status = str("status"); f.Status != nil {
		switch *f.Status {
		case doctales.StatusAccepted, doctales.StatusExtracted, doctales.StatusFailed:
		default:
			return f, doctales.FieldErrorf(doctales.EINVALID, "status", "status %q is not one of accepted, extracted, failed", *f.Status)
		}
	}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, doctales.FieldErrorf(doctales.EINVALID, p.name, "%s %q is not an RFC 3339 time such as 2025-06-10T15:30:00Z", p.name, v)
			}
			*p.dst = &t
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > doctales.MaxPageSize {
			return f, doctales.FieldErrorf(doctales.EINVALID, "limit", "limit %q is not a number from 1 to %d", v, doctales.MaxPageSize)
		}
		f.Limit = n
	}
	if f.State = str("state"); f.State != nil {
		if !slices.Contains(doctales.States, *f.State) {
			return f, doctales.FieldErrorf(doctales.EINVALID, "state", "state %s is not one of %s", quoteCut(*f.State), strings.Join(doctales.States, ", "))
		}
	}
	switch v := q.Get("sort"); {
	case v == "" || v == "newest":
	case v == "oldest":
		f.Oldest = true
	case slices.Contains(doctales.ColumnSorts, v):
		f.Sort = v
	default:
		return f, doctales.FieldErrorf(doctales.EINVALID, "sort", "sort %s is not one of %s", quoteCut(v), strings.Join(doctales.ListSorts, ", "))
	}
	f.Cursor = q.Get("next")
	return f, nil
}

// searchOf parses the search box q and adds the list's own filters to it
// (project, urgency, since, until, sender), for the list and the CSV
// export alike.
func searchOf(q string, f doctales.ItemFilter) (*doctales.Search, error) {
	s, err := doctales.ParseSearch(q, time.UTC)
	if err != nil {
		return nil, err
	}
	if f.Project != nil && s.Project == "" {
		s.Project = *f.Project
	}
	if f.Urgency != nil && s.Urgency == "" {
		s.Urgency = *f.Urgency
	}
	if f.Since != nil && s.After == nil {
		s.After = f.Since
	}
	if f.Until != nil && s.Before == nil {
		s.Before = f.Until
	}
	if f.Sender != nil {
		s.From = append(s.From, *f.Sender)
	}
	return s, nil
}

// search answers GET /communications?q=: the search box (see
// doctales.ParseSearch), with the list's own filters (project, urgency,
// since, until, state, limit, next) added to it, ranked best first.
// Scoped to the caller's communications like every list.
func (h *Handler) search(w http.ResponseWriter, r *http.Request, q string, f doctales.ItemFilter) {
	searcher, ok := h.Table.(doctales.Searcher)
	if !ok {
		h.notEnabled(w, r, "full-text search")
		return
	}
	s, err := searchOf(q, f)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	items, next, err := searcher.SearchItems(r.Context(), s, f)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	now, fresh := h.now(), h.freshness()
	out := make([]*ListedItem, 0, len(items))
	for _, it := range items {
		out = append(out, listed(it, doctales.Attention(it, now, fresh)))
	}
	writeJSON(w, http.StatusOK, ListResponse{Communications: out, Count: len(out), Next: next})
}

// getCommunication returns the stored communication merged with its item:
// status, final metadata, dimensions and timestamps.
func (h *Handler) getCommunication(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	item, err := h.Table.GetItem(r.Context(), id)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	out := map[string]any{}
	if data, _, err := h.Store.Get(r.Context(), item.S3Key); err == nil {
		if err := json.Unmarshal(data, &out); err != nil {
			// A truncated or overwritten object: say which communication
			// and what to run; the log names the key (issue 10).
			Error(w, r, h.Logger, fmt.Errorf("%w: decode object %q (%d bytes): %w",
				doctales.Errorf(doctales.EDAMAGED, "The stored object for %s is damaged; run doctales doctor.", item.ID),
				item.S3Key, len(data), err))
			return
		}
	} else if doctales.ErrorCode(err) != doctales.ENOTFOUND {
		Error(w, r, h.Logger, err)
		return
	}
	delete(out, "requestHash")
	out["attention"] = doctales.Attention(item, h.now(), h.freshness())
	out["id"] = item.ID
	out["s3Key"] = item.S3Key
	out["metadata"] = item.Metadata
	out["status"] = item.Status
	out["dimensions"] = item.Dimensions
	out["createdAt"] = item.CreatedAt
	out["updatedAt"] = item.UpdatedAt
	if item.Error != "" {
		out["error"] = item.Error
	}
	// The reader's triage state (issue 12), as the item has it.
	for k, v := range map[string]any{"state": item.State, "stateUntil": item.StateUntil, "stateAt": item.StateAt, "pinned": item.Pinned} {
		switch x := v.(type) {
		case string:
			if x == "" {
				delete(out, k)
				continue
			}
		case *time.Time:
			if x == nil {
				delete(out, k)
				continue
			}
		case bool:
			if !x {
				delete(out, k)
				continue
			}
		}
		out[k] = v
	}
	writeJSON(w, http.StatusOK, out)
}

// notifyParam reads ?notify=always|never: whether the communication is
// pushed when it becomes high whatever its age, or never ("" follows the
// freshness window).
func notifyParam(r *http.Request) (string, error) {
	switch v := r.URL.Query().Get("notify"); v {
	case "", doctales.NotifyAlways, doctales.NotifyNever:
		return v, nil
	default:
		return "", doctales.FieldErrorf(doctales.EINVALID, "notify", "notify %s is not one of always, never", quoteCut(v))
	}
}

// deleteCommunication deletes one of the caller's communications: its
// objects, its row (a REMOVE stream record) and its history. Another
// user's id is 404, as an unknown one is.
func (h *Handler) deleteCommunication(w http.ResponseWriter, r *http.Request) {
	if h.Deletion == nil {
		h.notEnabled(w, r, "deleting communications")
		return
	}
	id, err := pathID(r)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	res, err := h.Deletion.Delete(r.Context(), id)
	if doctales.ErrorCode(err) != doctales.ENOTFOUND {
		// Only real deletes (or failed ones) are audited: a 404 must
		// not tell the audit reader which ids exist.
		detail := map[string]any{}
		if res != nil {
			detail["objects"] = len(res.Objects)
		}
		h.Audit(r.Context(), doctales.AuditDelete, id, err, detail)
	}
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// checkVisible returns ENOTFOUND when the request is scoped to a user
// (doctales.WithOwner) and id is not one of that user's communications:
// the histories are kept by id, so this is their ownership check. On an
// open server every history is visible, even one that outlives its item.
func (h *Handler) checkVisible(r *http.Request, id string) error {
	if _, scoped := doctales.OwnerFromContext(r.Context()); !scoped {
		return nil
	}
	_, err := h.Table.GetItem(r.Context(), id)
	return err
}

// communicationEvents returns the flow history of a communication.
func (h *Handler) communicationEvents(w http.ResponseWriter, r *http.Request) {
	if h.Trace == nil {
		Error(w, r, h.Logger, doctales.Errorf(doctales.ENOTFOUND, "the flow history is not enabled"))
		return
	}
	id, err := pathID(r)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	if err := h.checkVisible(r, id); err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	t, err := h.Trace(r.Context(), id)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (h *Handler) listDeadLetters(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > doctales.MaxPageSize {
			Error(w, r, h.Logger, doctales.FieldErrorf(doctales.EINVALID, "limit", "limit %q is not a number from 1 to %d", v, doctales.MaxPageSize))
			return
		}
		limit = n
	}
	dls, err := h.deadLettersOf(r.Context(), r.URL.Query().Get("subscription"), r.URL.Query().Get("channel"), limit)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	if dls == nil {
		dls = []*doctales.DeadLetter{}
	}
	for _, dl := range dls {
		withhold(r, dl)
	}
	// Each with the subject and sender of its communication (issue 12).
	writeJSON(w, http.StatusOK, map[string]any{"deadLetters": h.describeDeadLetters(r.Context(), dls), "count": len(dls)})
}

// withhold strips the content of another user's communication from a
// dead letter an admin reads: operations are visible, mail is not.
func withhold(r *http.Request, dl *doctales.DeadLetter) {
	owner, scoped := doctales.OwnerFromContext(r.Context())
	if !scoped || doctales.RecordOwner(dl.Source, dl.Record) == owner {
		return
	}
	if out, changed, err := doctales.StripContent(dl.Source, dl.Record); err == nil && changed {
		dl.Record, dl.Withheld = out, true
	}
}

func (h *Handler) deadLetterID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, doctales.FieldErrorf(doctales.EINVALID, "id", "dead letter id %s is not a positive number", quoteCut(v))
	}
	return id, nil
}

func (h *Handler) getDeadLetter(w http.ResponseWriter, r *http.Request) {
	id, err := h.deadLetterID(r)
	if err == nil {
		var dl *doctales.DeadLetter
		if dl, err = h.DeadLetters.DeadLetter(r.Context(), id); err == nil {
			withhold(r, dl)
			writeJSON(w, http.StatusOK, h.describeDeadLetters(r.Context(), []*doctales.DeadLetter{dl})[0])
			return
		}
	}
	Error(w, r, h.Logger, err)
}

func (h *Handler) redriveDeadLetter(w http.ResponseWriter, r *http.Request) {
	id, err := h.deadLetterID(r)
	if err == nil {
		var rec *doctales.LogRecord
		rec, err = h.DeadLetters.Redrive(r.Context(), id)
		h.Audit(r.Context(), doctales.AuditRedrive, strconv.FormatInt(id, 10), err, nil)
		if err == nil {
			writeJSON(w, http.StatusAccepted, map[string]any{"redriven": []int64{id}, "seq": rec.Seq})
			return
		}
	}
	Error(w, r, h.Logger, err)
}

// redriveAll redrives every dead letter (of ?subscription= if given).
func (h *Handler) redriveAll(w http.ResponseWriter, r *http.Request) {
	dls, err := h.DeadLetters.DeadLetters(r.Context(), r.URL.Query().Get("subscription"), doctales.MaxPageSize)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	ids := []int64{}
	for _, dl := range dls {
		if _, err := h.DeadLetters.Redrive(r.Context(), dl.ID); err != nil && doctales.ErrorCode(err) != doctales.ENOTFOUND {
			h.Audit(r.Context(), doctales.AuditRedriveAll, r.URL.Query().Get("subscription"), err, map[string]any{"redriven": len(ids), "failedAt": dl.ID})
			Error(w, r, h.Logger, err)
			return
		}
		ids = append(ids, dl.ID)
	}
	target := r.URL.Query().Get("subscription")
	if target == "" {
		target = "*"
	}
	h.Audit(r.Context(), doctales.AuditRedriveAll, target, nil, map[string]any{"redriven": len(ids)})
	writeJSON(w, http.StatusAccepted, map[string]any{"redriven": ids})
}

func (h *Handler) stream(w http.ResponseWriter, r *http.Request) {
	if h.Stream == nil {
		Error(w, r, h.Logger, doctales.Errorf(doctales.ENOTFOUND, "the live notification stream is not enabled"))
		return
	}
	// A stream lives for hours; the server's ReadTimeout does not cut it,
	// as net/http clears the read deadline once the request is read
	// (TestServerTimeouts/StreamOutlivesReadTimeout checks it).
	h.Stream.ServeHTTP(w, r)
}

func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) {
	out := map[string]any{"status": "ready"}
	if h.Ready != nil {
		details, err := h.Ready(r.Context())
		for k, v := range details {
			out[k] = v
		}
		if err != nil {
			out["status"], out["error"] = "not ready", err.Error()
			writeJSON(w, http.StatusServiceUnavailable, out)
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) stats(w http.ResponseWriter, r *http.Request) {
	if h.Stats == nil {
		Error(w, r, h.Logger, errors.New("stats not configured"))
		return
	}
	out := h.Stats()
	// The Operations page counts communications (table items), not the
	// objects stored for them (a mail is its JSON and its original).
	if m, ok := out.(map[string]any); ok {
		if c, ok := h.Table.(CommunicationCounter); ok {
			counts, err := c.CountCommunications(r.Context())
			if err != nil {
				Error(w, r, h.Logger, err)
				return
			}
			m["communications"] = communicationCounts(counts)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// CommunicationCounter is implemented by a table that can count its
// communications by status (package sqlite); GET /stats then says how many
// communications the pipeline holds.
type CommunicationCounter interface {
	CountCommunications(ctx context.Context) (map[string]int64, error)
}

// CommunicationCounts is the "communications" object of GET /stats: how
// many communications the table holds, in all and by status.
type CommunicationCounts struct {
	Total     int64 `json:"total"`
	Accepted  int64 `json:"accepted"`  // stored, waiting for extraction
	Extracted int64 `json:"extracted"` // dimensions recorded
	Failed    int64 `json:"failed"`    // extraction gave up
}

func communicationCounts(by map[string]int64) CommunicationCounts {
	c := CommunicationCounts{Accepted: by[doctales.StatusAccepted], Extracted: by[doctales.StatusExtracted], Failed: by[doctales.StatusFailed]}
	for _, n := range by {
		c.Total += n
	}
	return c
}
