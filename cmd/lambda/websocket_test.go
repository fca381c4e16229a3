package lambda_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/doctales/doctales"
	dtddb "github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/livews"
)

// fakeManagement is the API Gateway Management API's PostToConnection
// (POST /{stage}/@connections/{id}): it records the messages of signed
// requests (SigV4 for execute-api) and answers 410 GoneException for the
// ids in gone.
type fakeManagement struct {
	mu   sync.Mutex
	got  map[string][]livews.Frame
	gone map[string]bool
}

func (f *fakeManagement) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutPrefix(r.URL.Path, "/dev/@connections/")
	auth := r.Header.Get("Authorization")
	if r.Method != http.MethodPost || !ok || !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") || !strings.Contains(auth, "/us-east-1/execute-api/aws4_request") {
		w.Header().Set("X-Amzn-Errortype", "ForbiddenException")
		http.Error(w, `{"message":"Forbidden"}`, http.StatusForbidden)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gone[id] {
		w.Header().Set("X-Amzn-Errortype", "GoneException")
		w.WriteHeader(http.StatusGone)
		io.WriteString(w, `{"message":""}`)
		return
	}
	var fr livews.Frame
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &fr)
	f.got[id] = append(f.got[id], fr)
}

func (f *fakeManagement) events(id string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, fr := range f.got[id] {
		out = append(out, fr.Event)
	}
	return out
}

// TestBootstrap_WebSocket runs the websocket bootstrap, as both deployed
// functions, over dynalite and a fake management API: $connect with a
// ticket, a stream batch and an SNS notification fanned out to the
// owner's connection, a 410 removing a closed one, $disconnect.
func TestBootstrap_WebSocket(t *testing.T) {
	ctx := context.Background()
	ddbEnd := testutil.DynamoDBEndpoint(t)
	table := fmt.Sprintf("doc-tales-connections-%d", time.Now().UnixNano())
	conns := dtddb.NewConnections(dynamodb.NewFromConfig(testutil.AWSConfig(ddbEnd)), table)
	if err := conns.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	mgmt := &fakeManagement{got: map[string][]livews.Frame{}, gone: map[string]bool{"gone=": true}}
	srv := httptest.NewServer(mgmt)
	t.Cleanup(srv.Close)

	rt := newFakeRuntime(t)
	start(t, rt, "websocket", map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB":     ddbEnd,
		"CONNECTIONS_TABLE":             table,
		"WEBSOCKET_MANAGEMENT_ENDPOINT": srv.URL + "/dev",
	})

	// $connect with a ticket of ana's (POST /live/ticket's).
	ticket, _, err := (&livews.Tickets{Store: conns}).Issue(ctx, "ana-sub-1")
	if err != nil {
		t.Fatal(err)
	}
	connect, err := os.ReadFile("../../livews/testdata/connect.json")
	if err != nil {
		t.Fatal(err)
	}
	ev := strings.NewReplacer("CONNECTION", "ana1=", "TICKET", ticket, "EVENTS", "").Replace(string(connect))
	res := rt.invoke(t, []byte(ev))
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(res.body, &resp); err != nil || res.kind != "response" || resp.StatusCode != 200 {
		t.Fatalf("$connect: %s %s", res.kind, res.body)
	}
	// The same ticket again: refused.
	ev = strings.NewReplacer("CONNECTION", "ana2=", "TICKET", ticket, "EVENTS", "").Replace(string(connect))
	res = rt.invoke(t, []byte(ev))
	if err := json.Unmarshal(res.body, &resp); err != nil || resp.StatusCode != 401 {
		t.Fatalf("$connect with a used ticket: %s %s", res.kind, res.body)
	}
	// A connection of ana's that closed without $disconnect.
	if err := conns.PutConnection(ctx, &doctales.LiveConnection{ID: "gone=", Owner: "ana-sub-1", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	// A change of ana's item on the table's stream.
	item := &doctales.Item{ID: "c1", Owner: "ana-sub-1", Type: "email", Subject: "Wire transfer", Status: doctales.StatusExtracted}
	img, err := item.Image()
	if err != nil {
		t.Fatal(err)
	}
	rec := events.DynamoDBEventRecord{EventName: "MODIFY", EventSource: "aws:dynamodb", EventID: "e1"}
	rec.Change = events.DynamoDBStreamRecord{Keys: item.Keys(), NewImage: img, SequenceNumber: "100", StreamViewType: "NEW_AND_OLD_IMAGES"}
	res = rt.invoke(t, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}})
	if res.kind != "response" || strings.Contains(string(res.body), "itemIdentifier") {
		t.Fatalf("stream batch: %s %s", res.kind, res.body)
	}
	if got := fmt.Sprint(mgmt.events("ana1=")); got != "[communication]" {
		t.Errorf("ana1= got %s", got)
	}
	if cs, err := conns.Connections(ctx, "ana-sub-1"); err != nil || len(cs) != 1 || cs[0].ID != "ana1=" {
		t.Errorf("after a 410, ana's connections = %v, %v", cs, err)
	}

	// A notification from the topic.
	sns, err := os.ReadFile("../../livews/testdata/sns.json")
	if err != nil {
		t.Fatal(err)
	}
	res = rt.invoke(t, []byte(strings.ReplaceAll(string(sns), "OWNER", "ana-sub-1")))
	if res.kind != "response" || string(res.body) != "null" {
		t.Fatalf("sns: %s %s", res.kind, res.body)
	}
	if got := fmt.Sprint(mgmt.events("ana1=")); got != "[communication notification]" {
		t.Errorf("ana1= got %s", got)
	}

	// $disconnect.
	disconnect, _ := os.ReadFile("../../livews/testdata/disconnect.json")
	res = rt.invoke(t, []byte(strings.ReplaceAll(string(disconnect), "CONNECTION", "ana1=")))
	if err := json.Unmarshal(res.body, &resp); err != nil || resp.StatusCode != 200 {
		t.Fatalf("$disconnect: %s %s", res.kind, res.body)
	}
	if cs, _ := conns.Connections(ctx, "ana-sub-1"); len(cs) != 0 {
		t.Errorf("after $disconnect: %v", cs)
	}

	t.Run("InitError", func(t *testing.T) {
		cmd := start(t, newFakeRuntime(t), "websocket", map[string]string{"WEBSOCKET_MANAGEMENT_ENDPOINT": srv.URL})
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err == nil {
				t.Error("exited 0 without CONNECTIONS_TABLE")
			}
		case <-time.After(30 * time.Second):
			t.Fatal("still running without CONNECTIONS_TABLE")
		}
	})
}
