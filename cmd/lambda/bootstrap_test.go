// Package lambda_test builds the Lambda binaries as they are deployed
// (CGO_ENABLED=0, -tags lambda.norpc, named bootstrap) and runs each under
// the Lambda runtime contract against a fake Runtime API on 127.0.0.1.
package lambda_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doctales/doctales"
	dtddb "github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.StopServers()
	os.Exit(code)
}

// The paths of the Runtime API, version 2018-06-01.
const (
	pathNext       = "/2018-06-01/runtime/invocation/next"
	pathInvocation = "/2018-06-01/runtime/invocation/"
	pathInitError  = "/2018-06-01/runtime/init/error"
)

// result is what a function sent back for one invocation.
type result struct {
	kind string // "response" or "error"
	body []byte
	// errorType is the Lambda-Runtime-Function-Error-Type header of an
	// error.
	errorType string
}

// fakeRuntime is the Lambda Runtime API: it hands out the invocations the
// test queues and collects the answers.
type fakeRuntime struct {
	srv     *httptest.Server
	pending chan invocation
	mu      sync.Mutex
	results map[string]chan result
	seq     atomic.Int64
}

type invocation struct {
	id      string
	payload []byte
}

func newFakeRuntime(t *testing.T) *fakeRuntime {
	rt := &fakeRuntime{pending: make(chan invocation, 16), results: map[string]chan result{}}
	rt.srv = httptest.NewServer(http.HandlerFunc(rt.serve))
	t.Cleanup(rt.srv.Close)
	return rt
}

// addr is the host:port for AWS_LAMBDA_RUNTIME_API.
func (rt *fakeRuntime) addr() string { return strings.TrimPrefix(rt.srv.URL, "http://") }

func (rt *fakeRuntime) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == pathNext:
		select {
		case inv := <-rt.pending:
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
			h.Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(30*time.Second).UnixMilli()))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:doc-tales-test")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
			h.Set("Content-Type", "application/json")
			_, _ = w.Write(inv.payload)
		case <-r.Context().Done():
		}
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, pathInvocation):
		rest := strings.TrimPrefix(r.URL.Path, pathInvocation)
		id, kind, _ := strings.Cut(rest, "/")
		body, _ := io.ReadAll(r.Body)
		rt.mu.Lock()
		c := rt.results[id]
		rt.mu.Unlock()
		if c == nil || (kind != "response" && kind != "error") {
			http.Error(w, `{"errorMessage":"unknown invocation","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
			return
		}
		c <- result{kind: kind, body: body, errorType: r.Header.Get("Lambda-Runtime-Function-Error-Type")}
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"status":"OK"}`))
	case r.Method == http.MethodPost && r.URL.Path == pathInitError:
		body, _ := io.ReadAll(r.Body)
		rt.mu.Lock()
		c := rt.results["init"]
		rt.mu.Unlock()
		if c != nil {
			c <- result{kind: "init-error", body: body}
		}
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, r)
	}
}

// invoke queues payload and waits for the function's answer.
func (rt *fakeRuntime) invoke(t *testing.T, payload any) result {
	t.Helper()
	data, ok := payload.([]byte)
	if !ok {
		var err error
		if data, err = json.Marshal(payload); err != nil {
			t.Fatal(err)
		}
	}
	id := fmt.Sprintf("req-%d", rt.seq.Add(1))
	c := make(chan result, 1)
	rt.mu.Lock()
	rt.results[id] = c
	rt.mu.Unlock()
	rt.pending <- invocation{id: id, payload: data}
	select {
	case res := <-c:
		return res
	case <-time.After(60 * time.Second):
		t.Fatalf("no answer to invocation %s within 60s", id)
	}
	return result{}
}

// buildOnce builds the three bootstraps once per test binary.
var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// bootstrap returns the path of the function's bootstrap binary, built as
// `make lambda` builds it.
func bootstrap(t *testing.T, function string) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "doctales-bootstrap-")
		if buildErr != nil {
			return
		}
		// go test puts the go command that runs it first on the PATH.
		goBin := "go"
		for _, fn := range []string{"api", "extraction", "notification", "websocket", "timers"} {
			out := filepath.Join(buildDir, fn, "bootstrap")
			cmd := exec.Command(goBin, "build", "-tags", "lambda.norpc", "-ldflags", "-s -w", "-o", out, "./"+fn)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
			if b, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("build %s: %v\n%s", fn, err, b)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, function, "bootstrap")
}

// start runs the function's bootstrap against rt with env (on top of a
// clean AWS environment) and stops it at the end of the test.
func start(t *testing.T, rt *fakeRuntime, function string, env map[string]string) *exec.Cmd {
	t.Helper()
	return startOut(t, rt, function, env, nil)
}

// startOut is start with the function's stdout (its EMF lines) written
// to stdout.
func startOut(t *testing.T, rt *fakeRuntime, function string, env map[string]string, stdout io.Writer) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bootstrap(t, function))
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"AWS_LAMBDA_RUNTIME_API=" + rt.addr(),
		"AWS_LAMBDA_FUNCTION_NAME=doc-tales-" + function + "-test",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=" + testutil.TestAccessKey,
		"AWS_SECRET_ACCESS_KEY=" + testutil.TestSecretKey,
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_MAX_ATTEMPTS=1",
		"AWS_REQUEST_CHECKSUM_CALCULATION=when_required",
		"AWS_RESPONSE_CHECKSUM_VALIDATION=when_required",
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr strings.Builder
	cmd.Stderr = &syncWriter{w: &stderr}
	if stdout != nil {
		cmd.Stdout = stdout
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s stderr:\n%s", function, stderr.String())
		}
	})
	return cmd
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// unreachable points the SDK at a closed port: no call may succeed, so the
// tests without emulators never touch AWS.
var unreachable = map[string]string{
	"AWS_ENDPOINT_URL":       "http://127.0.0.1:1",
	"COMMUNICATIONS_TABLE":   "doc-tales-communications-test",
	"RAW_BUCKET":             "doc-tales-raw-communications-test",
	"NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:doc-tales-notifications-test",
	"LEDGER_TABLE":           "doc-tales-notification-ledger-test",
}

func apiV2(method, path, body string) map[string]any {
	ev := map[string]any{
		"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
		"headers": map[string]string{"content-type": "application/json"},
		"requestContext": map[string]any{
			"http":  map[string]string{"method": method, "path": path, "sourceIp": "127.0.0.1"},
			"stage": "$default", "requestId": "r",
			// What API Gateway's JWT authorizer adds for a valid token of
			// the user pool (see the SAM template).
			"authorizer": map[string]any{"jwt": map[string]any{
				"claims": map[string]string{"sub": "ana-sub-1", "scope": "doctales/ingest doctales/read"},
				"scopes": []string{"doctales/ingest", "doctales/read"},
			}},
		},
		"isBase64Encoded": false,
	}
	if body != "" {
		ev["body"] = body
	}
	return ev
}

// TestBootstrap runs each function's bootstrap on events that need no AWS
// service: a health check, an event of the wrong kind, an S3 test event, a
// stream batch with a REMOVE and a poison record.
func TestBootstrap(t *testing.T) {
	t.Run("API", func(t *testing.T) {
		rt := newFakeRuntime(t)
		start(t, rt, "api", unreachable)
		res := rt.invoke(t, apiV2("GET", "/healthz", ""))
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(res.body, &resp); err != nil || res.kind != "response" || resp.StatusCode != 200 || !strings.Contains(resp.Body, `"ok"`) {
			t.Fatalf("healthz: %s %s", res.kind, res.body)
		}
		// A second invocation on the same process: a preflight from a
		// page on another origin gets no CORS grant (no wildcard on AWS
		// either; ALLOW_ORIGINS names the allowed ones).
		res = rt.invoke(t, map[string]any{"httpMethod": "OPTIONS", "path": "/communications", "headers": map[string]string{"Origin": "https://evil.example"}})
		var v1 events.APIGatewayProxyResponse
		if err := json.Unmarshal(res.body, &v1); err != nil || v1.StatusCode != 204 || v1.Headers["Access-Control-Allow-Origin"] != "" {
			t.Fatalf("preflight: %s %s", res.kind, res.body)
		}
		// Without a token the authorizer would stop the request; the
		// function, behind it, refuses one without a principal too.
		ev := apiV2("GET", "/communications", "")
		delete(ev["requestContext"].(map[string]any), "authorizer")
		res = rt.invoke(t, ev)
		var unauth events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(res.body, &unauth); err != nil || unauth.StatusCode != 401 {
			t.Fatalf("GET without a principal: %s %s", res.kind, res.body)
		}
		// Not an API Gateway event: a function error.
		res = rt.invoke(t, map[string]any{"Records": []any{}})
		if res.kind != "error" || !strings.Contains(string(res.body), "not an API Gateway proxy event") {
			t.Fatalf("S3 event to the API: %s %s", res.kind, res.body)
		}
	})

	t.Run("Extraction", func(t *testing.T) {
		rt := newFakeRuntime(t)
		start(t, rt, "extraction", unreachable)
		res := rt.invoke(t, []byte(`{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"}`))
		if res.kind != "response" || string(res.body) != "null" {
			t.Fatalf("s3:TestEvent: %s %s", res.kind, res.body)
		}
		// S3 cannot be reached: a function error, so Lambda retries.
		data, _ := os.ReadFile("../../events/s3-object-created.json")
		res = rt.invoke(t, data)
		if res.kind != "error" || !strings.Contains(string(res.body), "email/2025/06/10/email-123.json") {
			t.Fatalf("unreachable S3: %s %s", res.kind, res.body)
		}
	})

	t.Run("Notification", func(t *testing.T) {
		rt := newFakeRuntime(t)
		start(t, rt, "notification", unreachable)
		ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
			{EventName: "REMOVE", Change: events.DynamoDBStreamRecord{SequenceNumber: "100", OldImage: map[string]events.DynamoDBAttributeValue{"id": events.NewStringAttribute("a")}}},
			{EventName: "INSERT", Change: events.DynamoDBStreamRecord{SequenceNumber: "200", NewImage: map[string]events.DynamoDBAttributeValue{
				"id": events.NewStringAttribute("b"), "metadata": events.NewStringAttribute("not a map")}}},
		}}
		res := rt.invoke(t, ev)
		if res.kind != "response" || string(res.body) != `{"batchItemFailures":[{"itemIdentifier":"200"}]}` {
			t.Fatalf("poison batch: %s %s", res.kind, res.body)
		}
	})

	t.Run("InitError", func(t *testing.T) {
		// Without its topic the notification function does not start (the
		// original logged and dropped every notification).
		rt := newFakeRuntime(t)
		env := map[string]string{"LEDGER_TABLE": "x"}
		cmd := start(t, rt, "notification", env)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err == nil {
				t.Error("exited 0 without NOTIFICATION_TOPIC_ARN")
			}
		case <-time.After(30 * time.Second):
			t.Fatal("still running without NOTIFICATION_TOPIC_ARN")
		}
	})
}

// fakeSNS answers SNS Publish calls and counts them.
type fakeSNS struct {
	mu       sync.Mutex
	messages []url.Values
}

func (f *fakeSNS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	f.messages = append(f.messages, r.PostForm)
	n := len(f.messages)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<PublishResponse><PublishResult><MessageId>m-%d</MessageId></PublishResult></PublishResponse>`, n)
}

// TestBootstrap_Flow runs the whole flow through the three bootstraps over
// s3rver and dynalite (and a fake SNS): POST /communications, the S3 event
// of the object, then the stream record of the item.
func TestBootstrap_Flow(t *testing.T) {
	ctx := context.Background()
	s3End, ddbEnd := testutil.S3Endpoint(t), testutil.DynamoDBEndpoint(t)
	suffix := fmt.Sprint(time.Now().UnixNano())
	bucket, table, ledger := "doc-tales-raw-"+suffix, "doc-tales-communications-"+suffix, "doc-tales-ledger-"+suffix

	// The resources the SAM template would create.
	s3c := s3.NewFromConfig(testutil.AWSConfig(s3End), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	ddb := dynamodb.NewFromConfig(testutil.AWSConfig(ddbEnd))
	tbl := dtddb.NewTable(ddb, table)
	if err := tbl.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	if err := dtddb.NewLedger(ddb, ledger).CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	sns := &fakeSNS{}
	snsSrv := httptest.NewServer(sns)
	t.Cleanup(snsSrv.Close)

	env := map[string]string{
		"AWS_ENDPOINT_URL_S3":       s3End,
		"AWS_ENDPOINT_URL_DYNAMODB": ddbEnd,
		"AWS_ENDPOINT_URL_SNS":      snsSrv.URL,
		"DOCTALES_S3_PATH_STYLE":    "true",
		"COMMUNICATIONS_TABLE":      table,
		"RAW_BUCKET":                bucket,
		"LEDGER_TABLE":              ledger,
		"NOTIFICATION_TOPIC_ARN":    "arn:aws:sns:us-east-1:123456789012:doc-tales-notifications-test",
		// The sample is dated June 2025: judge and push it whatever its age.
		"DOCTALES_FRESHNESS": "0",
	}

	// Ingestion through the API function.
	rt := newFakeRuntime(t)
	start(t, rt, "api", env)
	body := `{"id":"flow-1","source":"email","subject":"Wire transfer","from":"Ana Ruiz","from_email":"ana@acme.example","body":"URGENT: please approve the wire before 5pm today.","timestamp":"2025-06-10T15:30:00Z"}`
	res := rt.invoke(t, apiV2("POST", "/communications", body))
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res.body, &resp); err != nil || resp.StatusCode != 202 {
		t.Fatalf("POST: %s %s", res.kind, res.body)
	}
	var accepted struct{ ID, S3Key string }
	_ = json.Unmarshal([]byte(resp.Body), &accepted)

	// Extraction on the object's S3 event.
	rtx := newFakeRuntime(t)
	start(t, rtx, "extraction", env)
	s3ev := map[string]any{"Records": []any{map[string]any{
		"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventName": "ObjectCreated:Put",
		"s3": map[string]any{"bucket": map[string]any{"name": bucket}, "object": map[string]any{"key": accepted.S3Key}},
	}}}
	if res := rtx.invoke(t, s3ev); res.kind != "response" {
		t.Fatalf("extraction: %s %s", res.kind, res.body)
	}
	// The item is the token subject's, in their own partition: the
	// default user (and so anyone else) does not see it.
	if !strings.HasPrefix(accepted.S3Key, "users/ana-sub-1/") {
		t.Fatalf("s3Key %q is not under the token subject's prefix", accepted.S3Key)
	}
	if _, err := tbl.GetItem(ctx, "flow-1"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("the default user sees ana's item: %v", err)
	}
	item, err := tbl.GetItem(doctales.WithOwner(ctx, "ana-sub-1"), "flow-1")
	if err != nil || item.Status != doctales.StatusExtracted || item.Metadata.Urgency != "high" || item.Owner != "ana-sub-1" {
		t.Fatalf("item after extraction: %+v, %v", item, err)
	}

	// Notification on the MODIFY record DynamoDB Streams would send.
	img, err := item.Image()
	if err != nil {
		t.Fatal(err)
	}
	rec := events.DynamoDBEventRecord{EventName: "MODIFY", EventSource: "aws:dynamodb", Change: events.DynamoDBStreamRecord{
		Keys: item.Keys(), NewImage: img, SequenceNumber: "300", StreamViewType: "NEW_AND_OLD_IMAGES"}}
	rtn := newFakeRuntime(t)
	start(t, rtn, "notification", env)
	for range 2 { // delivered twice: notified once
		res := rtn.invoke(t, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}})
		if res.kind != "response" || string(res.body) != `{"batchItemFailures":[]}` {
			t.Fatalf("notification: %s %s", res.kind, res.body)
		}
	}
	sns.mu.Lock()
	defer sns.mu.Unlock()
	if len(sns.messages) != 1 || sns.messages[0].Get("Subject") != "High Priority: Wire transfer" {
		t.Fatalf("SNS got %v", sns.messages)
	}

	// DELETE through the API function: the objects and the item go.
	res = rt.invoke(t, apiV2("DELETE", "/communications/flow-1", ""))
	var del events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res.body, &del); err != nil || del.StatusCode != 200 || !strings.Contains(del.Body, accepted.S3Key) {
		t.Fatalf("DELETE: %s %s", res.kind, res.body)
	}
	if _, err := tbl.GetItem(doctales.WithOwner(ctx, "ana-sub-1"), "flow-1"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("item after DELETE: %v", err)
	}
}
