package lambda_test

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/doctales/doctales"
	dtddb "github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/metrics/emf"
	dts3 "github.com/doctales/doctales/s3"
)

// otlpSpan is what the test reads of an exported span.
type otlpSpan struct {
	name, traceID, spanID, parentID string
	links                           []string // span ids
}

// fakeCollector is the ADOT collector's OTLP/HTTP receiver
// (localhost:4318 in the Lambda layer): it decodes the protobuf
// ExportTraceServiceRequests posted to /v1/traces and keeps the spans.
type fakeCollector struct {
	mu    sync.Mutex
	spans []otlpSpan
}

func (c *fakeCollector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req coltracepb.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "not an OTLP trace export", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				sp := otlpSpan{name: s.Name, traceID: hex.EncodeToString(s.TraceId), spanID: hex.EncodeToString(s.SpanId), parentID: hex.EncodeToString(s.ParentSpanId)}
				for _, l := range s.Links {
					sp.links = append(sp.links, hex.EncodeToString(l.SpanId))
				}
				c.spans = append(c.spans, sp)
			}
		}
	}
	c.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// span returns the exported span named name; it fails unless there is
// exactly one.
func (c *fakeCollector) span(t *testing.T, name string) otlpSpan {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var found []otlpSpan
	for _, s := range c.spans {
		if s.name == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d spans named %q exported; all: %+v", len(found), name, c.spans)
	}
	return found[0]
}

// lines collects a function's stdout.
type lines struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// emfLines returns the EMF lines written, each checked against the
// specification, once n whole lines have come through the pipe from the
// function's stdout (the function writes its line before it answers, but
// the copy from the pipe runs on its own); it fails after 10 seconds
// without them.
func (l *lines) emfLines(t *testing.T, n int) []map[string]any {
	t.Helper()
	var text string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		l.mu.Lock()
		text = l.buf.String()
		l.mu.Unlock()
		if strings.Count(text, "\n") >= n || time.Now().After(deadline) {
			break
		}
	}
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if err := emf.Validate(sc.Bytes()); err != nil {
			t.Fatalf("%v in %s", err, sc.Bytes())
		}
		var m map[string]any
		_ = json.Unmarshal(sc.Bytes(), &m)
		out = append(out, m)
	}
	return out
}

// TestBootstrap_Observe runs the deployed binaries with the environment
// the SAM template gives them when the ADOT collector layer is attached
// (OTEL_EXPORTER_OTLP_ENDPOINT, here a fake collector) over s3rver and
// dynalite: every invocation exports its span before it answers, the
// spans form one trace through the object's metadata and the item's
// attribute, and each invocation prints one EMF line on stdout.
func TestBootstrap_Observe(t *testing.T) {
	ctx := context.Background()
	s3End, ddbEnd := testutil.S3Endpoint(t), testutil.DynamoDBEndpoint(t)
	suffix := fmt.Sprint(time.Now().UnixNano())
	bucket, table, ledger := "doc-tales-raw-o-"+suffix, "doc-tales-communications-o-"+suffix, "doc-tales-ledger-o-"+suffix
	s3c := s3.NewFromConfig(testutil.AWSConfig(s3End), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	ddb := dynamodb.NewFromConfig(testutil.AWSConfig(ddbEnd))
	if err := dtddb.NewTable(ddb, table).CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	if err := dtddb.NewLedger(ddb, ledger).CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	snsSrv := httptest.NewServer(&fakeSNS{})
	t.Cleanup(snsSrv.Close)
	collector := &fakeCollector{}
	colSrv := httptest.NewServer(collector)
	t.Cleanup(colSrv.Close)
	env := map[string]string{
		"AWS_ENDPOINT_URL_S3":         s3End,
		"AWS_ENDPOINT_URL_DYNAMODB":   ddbEnd,
		"AWS_ENDPOINT_URL_SNS":        snsSrv.URL,
		"DOCTALES_S3_PATH_STYLE":      "true",
		"COMMUNICATIONS_TABLE":        table,
		"RAW_BUCKET":                  bucket,
		"LEDGER_TABLE":                ledger,
		"NOTIFICATION_TOPIC_ARN":      "arn:aws:sns:us-east-1:123456789012:doc-tales-notifications-test",
		"OTEL_EXPORTER_OTLP_ENDPOINT": colSrv.URL,
	}

	// POST through the API function.
	rt := newFakeRuntime(t)
	apiOut := &lines{}
	startOut(t, rt, "api", env, apiOut)
	body := `{"id":"obs-2","source":"email","subject":"Wire transfer","from":"Ana Ruiz","from_email":"ana@acme.example","body":"URGENT: please approve the wire before 5pm today."}`
	res := rt.invoke(t, apiV2("POST", "/communications", body))
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res.body, &resp); err != nil || resp.StatusCode != 202 {
		t.Fatalf("POST: %s %s", res.kind, res.body)
	}
	var accepted struct{ S3Key string }
	_ = json.Unmarshal([]byte(resp.Body), &accepted)
	// Exported before the answer: the invocation span, child of the
	// fake runtime's X-Ray segment (Lambda-Runtime-Trace-Id), and the
	// request's, whose traceparent the object carries.
	invocation, request := collector.span(t, "api"), collector.span(t, "POST /communications")
	if invocation.traceID != "5759e988bd862e3fe1be46a994272793" || invocation.parentID != "53995c3f42cd8ad8" || request.parentID != invocation.spanID {
		t.Fatalf("API spans %+v %+v", invocation, request)
	}
	obj, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &accepted.S3Key})
	if err != nil || obj.Metadata[dts3.MetaTraceParent] != "00-"+request.traceID+"-"+request.spanID+"-01" {
		t.Fatalf("object metadata %v, %v; want the request span %s", obj.Metadata, err, request.spanID)
	}

	// Extraction on the object's S3 event: a child of the request span.
	rtx := newFakeRuntime(t)
	exOut := &lines{}
	startOut(t, rtx, "extraction", env, exOut)
	s3ev := map[string]any{"Records": []any{map[string]any{
		"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventName": "ObjectCreated:Put",
		"s3": map[string]any{"bucket": map[string]any{"name": bucket}, "object": map[string]any{"key": accepted.S3Key}},
	}}}
	if res := rtx.invoke(t, s3ev); res.kind != "response" {
		t.Fatalf("extraction: %s %s", res.kind, res.body)
	}
	extraction := collector.span(t, "extraction")
	if extraction.parentID != request.spanID || len(extraction.links) != 1 || extraction.links[0] != "53995c3f42cd8ad8" {
		t.Fatalf("extraction span %+v; want the child of %s, linked to the X-Ray segment", extraction, request.spanID)
	}

	// The stream record DynamoDB Streams would send: the item as stored.
	owner := strings.Split(accepted.S3Key, "/")[1]
	got, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true), Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: doctales.PartitionFor(owner)}, "SK": &types.AttributeValueMemberS{Value: doctales.SortPrefix + "obs-2"}}})
	if err != nil || got.Item == nil {
		t.Fatalf("item: %v", err)
	}
	img, err := dtddb.ToStreamImage(got.Item)
	if err != nil {
		t.Fatal(err)
	}
	rtn := newFakeRuntime(t)
	noOut := &lines{}
	startOut(t, rtn, "notification", env, noOut)
	rec := events.DynamoDBEventRecord{EventName: "MODIFY", EventSource: "aws:dynamodb", Change: events.DynamoDBStreamRecord{
		Keys: map[string]events.DynamoDBAttributeValue{"PK": img["PK"], "SK": img["SK"]}, NewImage: img, SequenceNumber: "300", StreamViewType: "NEW_AND_OLD_IMAGES"}}
	if res := rtn.invoke(t, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}}); res.kind != "response" || string(res.body) != `{"batchItemFailures":[]}` {
		t.Fatalf("notification: %s %s", res.kind, res.body)
	}
	notification := collector.span(t, "notification")
	if notification.parentID != extraction.spanID || notification.traceID != request.traceID {
		t.Fatalf("notification span %+v; want the child of %s", notification, extraction.spanID)
	}

	// One EMF line per invocation.
	for _, tc := range []struct {
		out  *lines
		fn   string
		want map[string]float64
	}{
		{apiOut, "api", map[string]float64{emf.FunctionInvocations: 1, emf.HTTPRequests: 1, emf.IngestBytes: float64(len(body))}},
		{exOut, "extraction", map[string]float64{emf.FunctionInvocations: 1, emf.RecordsRead: 1, emf.RecordsFailed: 0}},
		{noOut, "notification", map[string]float64{emf.FunctionInvocations: 1, emf.RecordsRead: 1, emf.RecordsDelivered: 1}},
	} {
		ls := tc.out.emfLines(t, 1)
		if len(ls) != 1 {
			t.Fatalf("%s printed %d EMF lines, want 1", tc.fn, len(ls))
		}
		if ls[0]["function"] != tc.fn || ls[0]["FunctionName"] != "doc-tales-"+tc.fn+"-test" {
			t.Errorf("%s dimensions %v %v", tc.fn, ls[0]["function"], ls[0]["FunctionName"])
		}
		for k, v := range tc.want {
			if ls[0][k] != v {
				t.Errorf("%s: %s = %v, want %v", tc.fn, k, ls[0][k], v)
			}
		}
	}
}
