package lambda_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/awslambda"
	"github.com/doctales/doctales/cmd/lambda/internal/boot"
	dtddb "github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/extract"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/metrics/emf"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/sns"
	"github.com/doctales/doctales/tracing"
)

// The X-Ray segments Lambda would start for each invocation (the
// Lambda-Runtime-Trace-Id of the Runtime API, _X_AMZN_TRACE_ID). The
// extraction and notification invocations are not in the API's trace, as
// on AWS: S3 and DynamoDB Streams pass no trace header to Lambda.
const (
	xrayAPI          = "Root=1-6b148960-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	xrayExtraction   = "Root=1-6b148961-aaaaaaaaaaaaaaaaaaaaaaaa;Parent=1111111111111111;Sampled=1"
	xrayNotification = "Root=1-6b148962-bbbbbbbbbbbbbbbbbbbbbbbb;Parent=2222222222222222;Sampled=1"
)

// invocationContext is the context the Lambda Go runtime gives a handler.
func invocationContext(xray, requestID string) context.Context {
	//lint:ignore SA1029 the Lambda runtime (aws-lambda-go) stores the X-Ray header under this plain string key, and so must the test
	ctx := context.WithValue(context.Background(), tracing.XRayHeaderKey, xray)
	return lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: requestID})
}

// TestObserve_Chain runs a communication through the three functions'
// handlers as the binaries under cmd/lambda compose them (awslambda's
// handlers wrapped by boot.Observer, the adapters boot builds, over
// s3rver and dynalite and a fake SNS), each with its own tracer (as each
// function is its own process) exporting into memory, and checks the
// trace: API invocation (child of its X-Ray segment) → request span →
// x-amz-meta-traceparent of the object → extraction span (its child, in
// the same trace, linked to the extraction's X-Ray segment) → the item's
// traceparent attribute → the stream record's NewImage → notification
// span (its child). And each invocation's EMF line: valid, with the
// counters of what happened.
func TestObserve_Chain(t *testing.T) {
	ctx := context.Background()
	s3End, ddbEnd := testutil.S3Endpoint(t), testutil.DynamoDBEndpoint(t)
	suffix := fmt.Sprint(time.Now().UnixNano())
	env := boot.Env{Bucket: "doc-tales-raw-obs-" + suffix, TableName: "doc-tales-communications-obs-" + suffix,
		LedgerTable: "doc-tales-ledger-obs-" + suffix, S3PathStyle: true,
		TopicARN: "arn:aws:sns:us-east-1:123456789012:doc-tales-notifications-test"}
	s3cfg, ddbcfg := testutil.AWSConfig(s3End), testutil.AWSConfig(ddbEnd)
	store, table, ledger := env.Store(s3cfg), env.Table(ddbcfg), env.Ledger(ddbcfg)
	s3c := s3.NewFromConfig(s3cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &env.Bucket}); err != nil {
		t.Fatal(err)
	}
	if err := table.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ledger.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	fakeTopic := &fakeSNS{}
	snsSrv := httptest.NewServer(fakeTopic)
	t.Cleanup(snsSrv.Close)
	snscfg := testutil.AWSConfig(snsSrv.URL)
	logger := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))

	// observer returns a function's Observer with its own tracer.
	observer := func(fn string) (*boot.Observer, *tracetest.InMemoryExporter, *bytes.Buffer) {
		exp := tracetest.NewInMemoryExporter()
		p := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithIDGenerator(tracing.XRayIDGenerator{}),
			sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())))
		t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
		out := &bytes.Buffer{}
		return &boot.Observer{Function: fn, FunctionName: "doc-tales-" + fn + "-test", Tracer: tracing.NewWithProvider(p),
			Metrics: &emf.Recorder{}, Out: out, Logger: logger}, exp, out
	}

	// The API function, as cmd/lambda/api builds it.
	apiObs, apiSpans, apiOut := observer("api")
	h := &httpapi.Handler{
		Parser:     &ingest.Parser{},
		Normalizer: &ingest.Normalizer{MaxBodyBytes: 1 << 20},
		Ingestion:  &function.Ingestion{Store: store, Table: table},
		Table:      table, Store: store, Logger: logger, PlatformAuth: true,
		Middleware: apiObs.HTTP,
	}
	h.Init()
	api := apiObs.API(awslambda.API(h))
	body := `{"id":"obs-1","source":"email","subject":"Wire transfer","from":"Ana Ruiz","from_email":"ana@acme.example","body":"URGENT: please approve the wire before 5pm today."}`
	raw, _ := json.Marshal(apiV2("POST", "/communications", body))
	out, err := api(invocationContext(xrayAPI, "req-api"), raw)
	if err != nil {
		t.Fatal(err)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != 202 {
		t.Fatalf("POST: %s, %v", out, err)
	}
	var accepted struct{ S3Key string }
	_ = json.Unmarshal([]byte(resp.Body), &accepted)

	// The API's spans: the invocation, child of its X-Ray segment, and
	// the request, child of the invocation.
	spans := apiSpans.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("%d API spans exported by the end of the invocation, want 2", len(spans))
	}
	request, invocation := spans[0], spans[1]
	if invocation.Name != "api" || invocation.Parent.SpanID().String() != "53995c3f42cd8ad8" ||
		tracing.XRayTraceID(invocation.SpanContext.TraceID()) != "1-6b148960-bd862e3fe1be46a994272793" {
		t.Fatalf("API invocation span %q, parent %s, trace %s", invocation.Name, invocation.Parent.SpanID(), invocation.SpanContext.TraceID())
	}
	if request.Name != "POST /communications" || request.Parent.SpanID() != invocation.SpanContext.SpanID() {
		t.Fatalf("request span %q, parent %s", request.Name, request.Parent.SpanID())
	}

	// The object carries the request span's traceparent.
	tp, err := store.TraceParent(ctx, accepted.S3Key)
	if err != nil || tp != traceparent(request.SpanContext) {
		t.Fatalf("object traceparent %q (%v), want the request's %q", tp, err, traceparent(request.SpanContext))
	}

	// The extraction function, on the object's S3 event.
	exObs, exSpans, exOut := observer("extraction")
	fn := &function.Extraction{Store: store, Table: table, Extractor: extract.New(), Logger: logger}
	ex := exObs.Extraction(awslambda.Extraction(fn.Handle, table, logger), store.TraceParent)
	s3ev := events.S3Event{Records: []events.S3EventRecord{{EventSource: "aws:s3", EventName: "ObjectCreated:Put", AWSRegion: "us-east-1",
		S3: events.S3Entity{Bucket: events.S3Bucket{Name: env.Bucket}, Object: events.S3Object{Key: accepted.S3Key}}}}}
	if err := ex(invocationContext(xrayExtraction, "req-ex"), s3ev); err != nil {
		t.Fatal(err)
	}
	spans = exSpans.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d extraction spans", len(spans))
	}
	extraction := spans[0]
	if extraction.Parent.SpanID() != request.SpanContext.SpanID() || extraction.SpanContext.TraceID() != request.SpanContext.TraceID() {
		t.Fatalf("extraction span: parent %s in trace %s; want the request %s in %s", extraction.Parent.SpanID(), extraction.SpanContext.TraceID(),
			request.SpanContext.SpanID(), request.SpanContext.TraceID())
	}
	if len(extraction.Links) != 1 || extraction.Links[0].SpanContext.SpanID().String() != "1111111111111111" {
		t.Fatalf("extraction links %+v, want its X-Ray segment", extraction.Links)
	}

	// The item, as DynamoDB holds it: its stream record's NewImage.
	owner := strings.Split(accepted.S3Key, "/")[1]
	ddb := dynamodb.NewFromConfig(ddbcfg)
	got, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(env.TableName), ConsistentRead: aws.Bool(true), Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: doctales.PartitionFor(owner)}, "SK": &types.AttributeValueMemberS{Value: doctales.SortPrefix + "obs-1"}}})
	if err != nil || got.Item == nil {
		t.Fatalf("item of %s: %v", owner, err)
	}
	img, err := dtddb.ToStreamImage(got.Item)
	if err != nil {
		t.Fatal(err)
	}
	if tp := dtddb.ImageTraceParent(img); tp != traceparent(extraction.SpanContext) {
		t.Fatalf("item traceparent %q, want the extraction's %q", tp, traceparent(extraction.SpanContext))
	}

	// The notification function, on the MODIFY record, with a poison
	// record of another item in the same batch.
	noObs, noSpans, noOut := observer("notification")
	topic := sns.NewTopic(awssns.NewFromConfig(snscfg), env.TopicARN)
	nfn := &notify.Function{Topic: topic, Ledger: ledger, Logger: logger, TopicArn: topic.ARN()}
	if err := nfn.Validate(); err != nil {
		t.Fatal(err)
	}
	no := noObs.Notification(awslambda.Notification(nfn.Handle, logger))
	rec := events.DynamoDBEventRecord{EventName: "MODIFY", EventSource: "aws:dynamodb", Change: events.DynamoDBStreamRecord{
		Keys: map[string]events.DynamoDBAttributeValue{"PK": img["PK"], "SK": img["SK"]}, NewImage: img, SequenceNumber: "300", StreamViewType: "NEW_AND_OLD_IMAGES"}}
	poison := events.DynamoDBEventRecord{EventName: "INSERT", Change: events.DynamoDBStreamRecord{SequenceNumber: "400", NewImage: map[string]events.DynamoDBAttributeValue{
		"id": events.NewStringAttribute("other"), "metadata": events.NewStringAttribute("not a map")}}}
	nresp, err := no(invocationContext(xrayNotification, "req-no"), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec, poison}})
	if err != nil || len(nresp.BatchItemFailures) != 1 {
		t.Fatalf("notification: %+v, %v", nresp, err)
	}
	spans = noSpans.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d notification spans", len(spans))
	}
	notification := spans[0]
	if notification.Parent.SpanID() != extraction.SpanContext.SpanID() || notification.SpanContext.TraceID() != request.SpanContext.TraceID() {
		t.Fatalf("notification span: parent %s, trace %s; want the extraction %s", notification.Parent.SpanID(), notification.SpanContext.TraceID(), extraction.SpanContext.SpanID())
	}
	fakeTopic.mu.Lock()
	published := len(fakeTopic.messages)
	fakeTopic.mu.Unlock()
	if published != 1 {
		t.Fatalf("%d notifications published", published)
	}

	// One valid EMF line per invocation, with its counters.
	for _, tc := range []struct {
		out    *bytes.Buffer
		fn     string
		values map[string]float64
	}{
		{apiOut, "api", map[string]float64{emf.FunctionInvocations: 1, emf.FunctionErrors: 0, emf.HTTPRequests: 1, emf.IngestBytes: float64(len(body))}},
		{exOut, "extraction", map[string]float64{emf.FunctionInvocations: 1, emf.FunctionErrors: 0, emf.RecordsRead: 1, emf.RecordsDelivered: 1, emf.RecordsFailed: 0}},
		{noOut, "notification", map[string]float64{emf.FunctionInvocations: 1, emf.FunctionErrors: 0, emf.RecordsRead: 2, emf.RecordsDelivered: 1, emf.RecordsFailed: 1}},
	} {
		line := tc.out.Bytes()
		if bytes.Count(line, []byte("\n")) != 1 {
			t.Fatalf("%s wrote %q, want one line", tc.fn, line)
		}
		if err := emf.Validate(line); err != nil {
			t.Fatalf("%s: %v in %s", tc.fn, err, line)
		}
		var m map[string]any
		_ = json.Unmarshal(line, &m)
		if m["function"] != tc.fn || m["FunctionName"] != "doc-tales-"+tc.fn+"-test" {
			t.Errorf("%s dimensions: %v %v", tc.fn, m["function"], m["FunctionName"])
		}
		for name, want := range tc.values {
			if m[name] != want {
				t.Errorf("%s: %s = %v, want %v in %s", tc.fn, name, m[name], want, line)
			}
		}
		if d, _ := m[emf.FunctionDuration].(float64); d <= 0 {
			t.Errorf("%s: duration %v", tc.fn, m[emf.FunctionDuration])
		}
	}
}

// traceparent is the W3C traceparent of sc.
func traceparent(sc trace.SpanContext) string {
	return "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-" + sc.TraceFlags().String()
}
