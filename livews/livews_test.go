package livews_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/doctales/doctales"
	dtddb "github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/livews"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.StopServers()
	os.Exit(code)
}

var t0 = time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)

// MustOpenStore returns a new connections table on dynalite.
func MustOpenStore(tb testing.TB) *dtddb.Connections {
	tb.Helper()
	client := dynamodb.NewFromConfig(testutil.AWSConfig(testutil.DynamoDBEndpoint(tb)))
	c := dtddb.NewConnections(client, fmt.Sprintf("doctales-livews-%d", time.Now().UnixNano()))
	c.Now = func() time.Time { return t0.Add(time.Second) }
	if err := c.CreateTable(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return c
}

// managementAPI is a fake API Gateway Management API: POST
// /{stage}/@connections/{id} takes a message for the connection, as
// documented; an id in gone answers 410 GoneException, one in throttled
// 429 LimitExceededException. A request without a SigV4 signature for
// execute-api is 403.
type managementAPI struct {
	srv       *httptest.Server
	mu        sync.Mutex
	got       map[string][]livews.Frame // by connection id
	gone      map[string]bool
	throttled map[string]bool
}

func newManagementAPI(t *testing.T) *managementAPI {
	m := &managementAPI{got: map[string][]livews.Frame{}, gone: map[string]bool{}, throttled: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /prod/@connections/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") || !strings.Contains(auth, "/us-east-1/execute-api/aws4_request") {
			apiError(w, http.StatusForbidden, "ForbiddenException", "Forbidden")
			return
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		switch {
		case m.gone[id]:
			apiError(w, http.StatusGone, "GoneException", "")
			return
		case m.throttled[id]:
			apiError(w, http.StatusTooManyRequests, "LimitExceededException", "Rate exceeded")
			return
		}
		body, _ := io.ReadAll(r.Body)
		var f livews.Frame
		if err := json.Unmarshal(body, &f); err != nil {
			t.Errorf("posted %q: %v", body, err)
		}
		m.got[id] = append(m.got[id], f)
		w.WriteHeader(http.StatusOK)
	})
	m.srv = httptest.NewServer(mux)
	t.Cleanup(m.srv.Close)
	return m
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"message":%q}`, msg)
}

// frames returns the event names posted to id, in order.
func (m *managementAPI) frames(id string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for _, f := range m.got[id] {
		names = append(names, f.Event)
	}
	return names
}

func (m *managementAPI) poster() *livews.ManagementAPI {
	return &livews.ManagementAPI{
		Endpoint:    m.srv.URL + "/prod",
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	}
}

// fixture is the two functions on one table and one fake management API.
type fixture struct {
	store   *dtddb.Connections
	api     *managementAPI
	fn      *livews.Function
	tickets *livews.Tickets
}

func newFixture(t *testing.T) *fixture {
	store := MustOpenStore(t)
	api := newManagementAPI(t)
	return &fixture{
		store: store,
		api:   api,
		fn: &livews.Function{
			Routes: &livews.Handler{Store: store, Now: func() time.Time { return t0.Add(time.Second) }},
			Fanout: &livews.Fanout{Store: store, Poster: api.poster()},
		},
		tickets: &livews.Tickets{Store: store, Now: func() time.Time { return t0 }},
	}
}

// event reads testdata/name, replacing each key of repl by its value.
func event(t *testing.T, name string, repl ...string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.NewReplacer(repl...).Replace(string(b)))
}

// invoke runs the function on payload and decodes its answer into v.
func (f *fixture) invoke(t *testing.T, payload []byte, v any) {
	t.Helper()
	out, err := f.fn.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			t.Fatalf("answer %s: %v", out, err)
		}
	}
}

// connect opens connection id for owner through a ticket, asking for
// events ("" for all), and returns the $connect answer's status.
func (f *fixture) connect(t *testing.T, id, owner, evs string) int {
	t.Helper()
	ticket, _, err := f.tickets.Issue(context.Background(), owner)
	if err != nil {
		t.Fatal(err)
	}
	return f.connectWith(t, id, ticket, evs)
}

func (f *fixture) connectWith(t *testing.T, id, ticket, evs string) int {
	t.Helper()
	var resp events.APIGatewayProxyResponse
	f.invoke(t, event(t, "connect.json", "CONNECTION", id, "TICKET", ticket, "EVENTS", evs), &resp)
	return resp.StatusCode
}

// streamRecord returns a stream record of item: INSERT, MODIFY or REMOVE.
func streamRecord(t *testing.T, name string, item *doctales.Item, seq string) events.DynamoDBEventRecord {
	t.Helper()
	img, err := item.Image()
	if err != nil {
		t.Fatal(err)
	}
	rec := events.DynamoDBEventRecord{EventID: "ev-" + seq, EventName: name, EventSource: "aws:dynamodb", AWSRegion: "us-east-1"}
	rec.Change.Keys = item.Keys()
	rec.Change.SequenceNumber = seq
	rec.Change.StreamViewType = "NEW_AND_OLD_IMAGES"
	if name == "REMOVE" {
		rec.Change.OldImage = img
	} else {
		rec.Change.NewImage = img
	}
	return rec
}

func item(id, owner string) *doctales.Item {
	return &doctales.Item{ID: id, Owner: owner, Type: "email", Source: "email", Subject: "Subject " + id,
		Timestamp: t0, S3Key: "email/2025/06/10/" + id + ".json", Status: doctales.StatusExtracted,
		Metadata: doctales.Metadata{Urgency: doctales.UrgencyHigh}}
}

func streamEvent(t *testing.T, recs ...events.DynamoDBEventRecord) []byte {
	t.Helper()
	b, err := json.Marshal(events.DynamoDBEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConnect(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		if st := f.connect(t, "AAA=", "ana", "notification,communication"); st != http.StatusOK {
			t.Fatalf("connect = %d", st)
		}
		conns, err := f.store.Connections(ctx, "ana")
		if err != nil || len(conns) != 1 {
			t.Fatalf("connections = %v, %v", conns, err)
		}
		c := conns[0]
		if c.ID != "AAA=" || fmt.Sprint(c.Events) != "[notification communication]" ||
			!c.ExpiresAt.Equal(t0.Add(time.Second+livews.ConnectionLifetime)) {
			t.Errorf("stored %+v", c)
		}
	})

	t.Run("TicketOnce", func(t *testing.T) {
		ticket, _, err := f.tickets.Issue(ctx, "ana")
		if err != nil {
			t.Fatal(err)
		}
		if st := f.connectWith(t, "BBB=", ticket, ""); st != http.StatusOK {
			t.Fatalf("first connect = %d", st)
		}
		if st := f.connectWith(t, "CCC=", ticket, ""); st != http.StatusUnauthorized {
			t.Errorf("second connect with one ticket = %d, want 401", st)
		}
	})

	t.Run("Refused", func(t *testing.T) {
		for name, ticket := range map[string]string{"Missing": "", "Unknown": "not-a-ticket"} {
			var resp events.APIGatewayProxyResponse
			f.invoke(t, event(t, "connect.json", "CONNECTION", "DDD=", "TICKET", ticket, "EVENTS", ""), &resp)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Body, `"field":"ticket"`) {
				t.Errorf("%s ticket: %d %s", name, resp.StatusCode, resp.Body)
			}
		}
		conns, _ := f.store.Connections(ctx, "ana")
		for _, c := range conns {
			if c.ID == "DDD=" || c.ID == "CCC=" {
				t.Errorf("refused connection %s stored", c.ID)
			}
		}
	})

	t.Run("Expired", func(t *testing.T) {
		old := &livews.Tickets{Store: f.store, Now: func() time.Time { return t0.Add(-livews.DefaultTicketTTL) }}
		ticket, _, err := old.Issue(ctx, "ana")
		if err != nil {
			t.Fatal(err)
		}
		if st := f.connectWith(t, "EEE=", ticket, ""); st != http.StatusUnauthorized {
			t.Errorf("expired ticket = %d, want 401", st)
		}
	})

	t.Run("BadEvents", func(t *testing.T) {
		ticket, _, _ := f.tickets.Issue(ctx, "ana")
		var resp events.APIGatewayProxyResponse
		f.invoke(t, event(t, "connect.json", "CONNECTION", "FFF=", "TICKET", ticket, "EVENTS", "bad name"), &resp)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, `"field":"events"`) {
			t.Errorf("bad events: %d %s", resp.StatusCode, resp.Body)
		}
		// The ticket was not used up by the malformed request.
		if st := f.connectWith(t, "FFF=", ticket, "notification"); st != http.StatusOK {
			t.Errorf("connect after a malformed one = %d", st)
		}
	})

	t.Run("Message", func(t *testing.T) {
		var resp events.APIGatewayProxyResponse
		f.invoke(t, event(t, "message.json", "CONNECTION", "AAA="), &resp)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("$default = %d", resp.StatusCode)
		}
	})

	t.Run("Disconnect", func(t *testing.T) {
		var resp events.APIGatewayProxyResponse
		f.invoke(t, event(t, "disconnect.json", "CONNECTION", "AAA="), &resp)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("$disconnect = %d", resp.StatusCode)
		}
		conns, _ := f.store.Connections(ctx, "ana")
		for _, c := range conns {
			if c.ID == "AAA=" {
				t.Error("disconnected connection still stored")
			}
		}
	})
}

func TestFanout_Stream(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ id, owner, events string }{
		{"ana1=", "ana", ""},
		{"ana2=", "ana", "notification"}, // only notifications
		{"bob1=", "bob", ""},
		{"gone=", "ana", ""}, // closed without $disconnect
	} {
		if st := f.connect(t, c.id, c.owner, c.events); st != http.StatusOK {
			t.Fatalf("connect %s = %d", c.id, st)
		}
	}
	f.api.gone["gone="] = true

	rule := events.DynamoDBEventRecord{EventName: "MODIFY", EventSource: "aws:dynamodb"}
	rule.Change.SequenceNumber = "3"
	rule.Change.Keys = map[string]events.DynamoDBAttributeValue{
		"PK": events.NewStringAttribute(doctales.PartitionFor("ana")),
		"SK": events.NewStringAttribute(doctales.RuleSortPrefix + "r1"),
	}
	rule.Change.NewImage = map[string]events.DynamoDBAttributeValue{
		"id": events.NewStringAttribute("r1"), "userId": events.NewStringAttribute("ana"),
	}
	var resp events.DynamoDBEventResponse
	f.invoke(t, streamEvent(t,
		streamRecord(t, "INSERT", item("c1", "ana"), "1"),
		streamRecord(t, "REMOVE", item("c0", "ana"), "2"),
		rule,
		streamRecord(t, "MODIFY", item("c2", "bob"), "4"),
	), &resp)
	if len(resp.BatchItemFailures) != 0 {
		t.Errorf("failures = %+v", resp.BatchItemFailures)
	}

	// Each owner's events reach that owner's connections only, filtered
	// by their ?events=.
	if got := fmt.Sprint(f.api.frames("ana1=")); got != "[communication removed rule]" {
		t.Errorf("ana1= got %s", got)
	}
	if got := f.api.frames("ana2="); len(got) != 0 {
		t.Errorf("ana2= (notifications only) got %v", got)
	}
	if got := fmt.Sprint(f.api.frames("bob1=")); got != "[communication]" {
		t.Errorf("bob1= got %s", got)
	}
	f.api.mu.Lock()
	first := f.api.got["ana1="][0]
	f.api.mu.Unlock()
	var it doctales.Item
	if err := json.Unmarshal(first.Data, &it); err != nil || it.ID != "c1" || it.Owner != "ana" || it.Subject != "Subject c1" {
		t.Errorf("communication data = %s (%v)", first.Data, err)
	}

	// 410 removed the gone connection, once.
	conns, err := f.store.Connections(context.Background(), "ana")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range conns {
		ids = append(ids, c.ID)
	}
	sort.Strings(ids)
	if fmt.Sprint(ids) != "[ana1= ana2=]" {
		t.Errorf("ana's connections after 410 = %v", ids)
	}
}

func TestFanout_StreamFailure(t *testing.T) {
	f := newFixture(t)
	if st := f.connect(t, "ana1=", "ana", ""); st != http.StatusOK {
		t.Fatal(st)
	}
	if st := f.connect(t, "bob1=", "bob", ""); st != http.StatusOK {
		t.Fatal(st)
	}
	f.api.throttled["bob1="] = true
	var resp events.DynamoDBEventResponse
	f.invoke(t, streamEvent(t,
		streamRecord(t, "INSERT", item("c1", "ana"), "1"),
		streamRecord(t, "INSERT", item("c2", "bob"), "2"),
	), &resp)
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "2" {
		t.Errorf("failures = %+v, want the record of sequence number 2", resp.BatchItemFailures)
	}
	// A throttled connection is not removed.
	if conns, _ := f.store.Connections(context.Background(), "bob"); len(conns) != 1 {
		t.Errorf("bob's connections = %v", conns)
	}
}

func TestFanout_SNS(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ id, owner, events string }{
		{"ana1=", "ana", "notification"},
		{"ana2=", "ana", "communication"},
		{"bob1=", "bob", ""},
	} {
		if st := f.connect(t, c.id, c.owner, c.events); st != http.StatusOK {
			t.Fatalf("connect %s = %d", c.id, st)
		}
	}
	f.invoke(t, event(t, "sns.json", "OWNER", "ana"), nil)
	if got := fmt.Sprint(f.api.frames("ana1=")); got != "[notification]" {
		t.Fatalf("ana1= got %s", got)
	}
	if got := f.api.frames("ana2="); len(got) != 0 {
		t.Errorf("ana2= (communications only) got %v", got)
	}
	if got := f.api.frames("bob1="); len(got) != 0 {
		t.Errorf("bob1= got ana's notification: %v", got)
	}
	// The data is the message as the SSE stream sends it, under the
	// notification's own MessageId.
	f.api.mu.Lock()
	fr := f.api.got["ana1="][0]
	f.api.mu.Unlock()
	var m doctales.Message
	if err := json.Unmarshal(fr.Data, &m); err != nil {
		t.Fatal(err)
	}
	if fr.ID != "notif-comm-1-urgency-high" || m.MessageID != fr.ID || m.Subject != "High priority: Wire transfer" ||
		m.MessageAttributes["userId"].StringValue != "ana" || m.MessageAttributes["communicationId"].StringValue != "comm-1" {
		t.Errorf("frame %+v, message %+v", fr, m)
	}
	if _, ok := m.MessageAttributes["messageId"]; ok {
		t.Error("the sns adapter's messageId attribute was kept")
	}

	t.Run("Failure", func(t *testing.T) {
		f.api.throttled["bob1="] = true
		_, err := f.fn.Invoke(context.Background(), event(t, "sns.json", "OWNER", "bob"))
		if err == nil || !strings.Contains(err.Error(), "LimitExceededException") {
			t.Errorf("throttled delivery = %v, want an error for Lambda to retry", err)
		}
	})
}

func TestFunction_UnknownEvent(t *testing.T) {
	f := &livews.Function{}
	for _, p := range []string{`{}`, `{"Records":[{"eventSource":"aws:s3"}]}`, `not json`, `{"requestContext":{"routeKey":"$connect"}}`} {
		if _, err := f.Invoke(context.Background(), []byte(p)); err == nil {
			t.Errorf("%s: no error", p)
		}
	}
}

func TestEncodeFrame_TooLarge(t *testing.T) {
	big := item("c9", "ana")
	big.Error = strings.Repeat("x", livews.MaxFrameBytes)
	data, _ := json.Marshal(big)
	b := livews.EncodeFrame(livews.Event{Name: livews.EventCommunication, Owner: "ana", Data: data})
	var f livews.Frame
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if f.Event != livews.EventResync || string(f.Data) != `{"event":"communication","id":"c9"}` {
		t.Errorf("frame = %s", b)
	}
	small := livews.EncodeFrame(livews.Event{Name: livews.EventRemoved, Data: json.RawMessage(`{"id":"c9"}`)})
	if string(small) != `{"event":"removed","data":{"id":"c9"}}` {
		t.Errorf("small frame = %s", small)
	}
}

func TestParseEvents(t *testing.T) {
	got, err := livews.ParseEvents([]string{"notification, communication", "notification"})
	if err != nil || fmt.Sprint(got) != "[notification communication]" {
		t.Errorf("= %v, %v", got, err)
	}
	if got, err := livews.ParseEvents(nil); got != nil || err != nil {
		t.Errorf("none = %v, %v", got, err)
	}
	if _, err := livews.ParseEvents([]string{"a,b c"}); doctales.ErrorField(err) != "events" {
		t.Errorf("bad name = %v", err)
	}
}
