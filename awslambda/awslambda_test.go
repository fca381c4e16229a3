package awslambda_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/awslambda"
	"github.com/doctales/doctales/extract"
	"github.com/doctales/doctales/fsblob"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/sqlite"
)

// fixture is the three functions' handlers over the embedded adapters, as
// the Lambda binaries wire them over the AWS ones.
type fixture struct {
	db           *sqlite.DB
	store        *fsblob.Store
	topic        *topic
	api          awslambda.APIFunc
	extraction   awslambda.ExtractionFunc
	notification awslambda.NotificationFunc
}

// topic records what is published.
type topic struct {
	mu   sync.Mutex
	msgs []*doctales.Message
	fail bool
}

func (t *topic) Publish(ctx context.Context, m *doctales.Message) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fail {
		return errors.New("topic down")
	}
	t.msgs = append(t.msgs, m)
	return nil
}

func (t *topic) subjects() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, m := range t.msgs {
		out = append(out, m.MessageAttributes["communicationId"].StringValue)
	}
	return out
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	logger := slog.New(slog.DiscardHandler)
	db := sqlite.NewDB(filepath.Join(dir, "doctales.db"))
	db.Logger = logger
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	store := fsblob.NewStore(filepath.Join(dir, "objects"), "doc-tales-raw-communications-dev")
	store.Events = db
	if err := store.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })

	f := &fixture{db: db, store: store, topic: &topic{}}
	h := &httpapi.Handler{
		Normalizer:  &ingest.Normalizer{},
		Ingestion:   &function.Ingestion{Store: store, Table: db},
		Table:       db,
		Store:       store,
		DeadLetters: awslambda.DeadLetterQueues{Queues: []string{"doc-tales-extraction-dlq-dev"}},
		Logger:      logger,
		// As cmd/lambda/api does: wildcard CORS on AWS (issue 17 item 7).
		AllowOrigins: []string{"*"},
	}
	h.Init()
	f.api = awslambda.API(h)
	ex := &function.Extraction{Store: store, Table: db, Extractor: extract.New(), Logger: logger}
	f.extraction = awslambda.Extraction(ex.Handle, db, logger)
	nf := &notify.Function{Topic: f.topic, Ledger: db, Logger: logger}
	f.notification = awslambda.Notification(nf.Handle, logger)
	return f
}

// readEvent decodes an event file into v.
func readEvent(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// invokeAPI runs an API Gateway event file through the API handler and
// decodes the answer's body into body.
func (f *fixture) invokeAPI(t *testing.T, path string, resp any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.api(context.Background(), data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := json.Unmarshal(out, resp); err != nil {
		t.Fatalf("%s: answer %s: %v", path, out, err)
	}
}

// TestArchitectureEvents runs the architecture document's example events
// (events/*.json) through the Lambda handlers, in the document's order.
func TestArchitectureEvents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	// API Gateway → ingestion.
	var resp events.APIGatewayProxyResponse
	f.invokeAPI(t, "../events/api-gateway-post.json", &resp)
	if resp.StatusCode != 202 || resp.Headers["Access-Control-Allow-Origin"] != "*" {
		t.Fatalf("ingestion answer %d %v: %s", resp.StatusCode, resp.Headers, resp.Body)
	}
	var res function.Result
	if err := json.Unmarshal([]byte(resp.Body), &res); err != nil || res.ID != "email-123" || res.S3Key != "email/2025/06/10/email-123.json" {
		t.Fatalf("ingestion body %s (%v)", resp.Body, err)
	}

	// S3 → extraction.
	var s3ev events.S3Event
	readEvent(t, "../events/s3-object-created.json", &s3ev)
	if err := f.extraction(ctx, s3ev); err != nil {
		t.Fatal(err)
	}
	item, err := f.db.GetItem(ctx, "email-123")
	if err != nil || item.Status != doctales.StatusExtracted || item.Dimensions == nil || item.Metadata.Urgency != "high" {
		t.Fatalf("after extraction: %+v, %v", item, err)
	}

	// DynamoDB stream → notification.
	var ddb events.DynamoDBEvent
	readEvent(t, "../events/dynamodb-stream-modify.json", &ddb)
	out, err := f.notification(ctx, ddb)
	if err != nil || len(out.BatchItemFailures) != 0 {
		t.Fatalf("notification = %+v, %v", out, err)
	}
	if got := f.topic.subjects(); len(got) != 1 || got[0] != "email-123" {
		t.Errorf("published %v, want one for email-123", got)
	}
	// The same record again notifies no more (the ledger).
	if _, err := f.notification(ctx, ddb); err != nil || len(f.topic.subjects()) != 1 {
		t.Errorf("redelivered record published again: %v, %v", f.topic.subjects(), err)
	}
}

func TestAPI(t *testing.T) {
	f := newFixture(t)

	t.Run("RESTv1", func(t *testing.T) {
		var resp events.APIGatewayProxyResponse
		f.invokeAPI(t, "testdata/apigw-v1-post.json", &resp)
		if resp.StatusCode != 202 || resp.Headers["Location"] != "/communications/closing-1" {
			t.Fatalf("POST answer %d %v: %s", resp.StatusCode, resp.Headers, resp.Body)
		}
		f.invokeAPI(t, "testdata/apigw-v1-get.json", &resp)
		var list httpapi.ListResponse
		if err := json.Unmarshal([]byte(resp.Body), &list); err != nil || resp.StatusCode != 200 || list.Count != 1 || list.Communications[0].ID != "closing-1" {
			t.Fatalf("GET ?project=home-purchase answer %d: %s", resp.StatusCode, resp.Body)
		}
		// The same POST again is a replay, not a second communication.
		f.invokeAPI(t, "testdata/apigw-v1-post.json", &resp)
		if resp.StatusCode != 202 || resp.Headers["Idempotent-Replayed"] != "true" {
			t.Errorf("replayed POST answer %d %v", resp.StatusCode, resp.Headers)
		}
	})

	t.Run("HTTPv2", func(t *testing.T) {
		// A base64 body, a stage prefix in rawPath, lower-case headers.
		var resp events.APIGatewayV2HTTPResponse
		f.invokeAPI(t, "testdata/apigw-v2-post.json", &resp)
		if resp.StatusCode != 202 || resp.Headers["Content-Type"] != "application/json" {
			t.Fatalf("POST answer %d %v: %s", resp.StatusCode, resp.Headers, resp.Body)
		}
		f.invokeAPI(t, "testdata/apigw-v2-get.json", &resp)
		var got map[string]any
		if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || resp.StatusCode != 200 || got["id"] != "v2-1" || got["type"] != "social" {
			t.Fatalf("GET answer %d: %s", resp.StatusCode, resp.Body)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		raw := `{"version":"2.0","rawPath":"/communications/nope","requestContext":{"http":{"method":"GET"},"stage":"$default"}}`
		out, err := f.api(context.Background(), json.RawMessage(raw))
		if err != nil {
			t.Fatal(err)
		}
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != 404 {
			t.Errorf("answer %s", out)
		}
	})

	t.Run("ErrNotAPIGatewayEvent", func(t *testing.T) {
		data, _ := os.ReadFile("../events/s3-object-created.json")
		if _, err := f.api(context.Background(), data); !errors.Is(err, awslambda.ErrNotAPIGatewayEvent) {
			t.Errorf("S3 event to the API: %v", err)
		}
	})
}

// TestAPI_RepeatedHeadersV2: an HTTP API (payload 2.0) answer carries a
// repeated header as one comma-separated value in headers, since that
// format has no multiValueHeaders, and each Set-Cookie in cookies.
func TestAPI_RepeatedHeadersV2(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		w.Header().Add("Vary", "Accept")
		w.Header().Add("Set-Cookie", "a=1; Secure")
		w.Header().Add("Set-Cookie", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT")
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok"))
	})
	raw := `{"version":"2.0","routeKey":"$default","rawPath":"/x","rawQueryString":"","headers":{"accept":"text/plain"},"requestContext":{"http":{"method":"GET","path":"/x","sourceIp":"192.0.2.1"},"stage":"$default"},"isBase64Encoded":false}`
	out, err := awslambda.API(h)(context.Background(), json.RawMessage(raw))
	if err != nil {
		t.Fatal(err)
	}
	var resp map[string]any
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	if mv, ok := resp["multiValueHeaders"]; ok && mv != nil {
		t.Errorf("multiValueHeaders %v in a payload 2.0 answer: API Gateway ignores it", mv)
	}
	headers, _ := resp["headers"].(map[string]any)
	if headers["Vary"] != "Origin, Accept" || headers["Content-Type"] != "text/plain" {
		t.Errorf("headers %v, want Vary \"Origin, Accept\" and Content-Type", headers)
	}
	if _, ok := headers["Set-Cookie"]; ok {
		t.Errorf("Set-Cookie in headers: %v", headers)
	}
	if fmt.Sprint(resp["cookies"]) != "[a=1; Secure b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT]" {
		t.Errorf("cookies %v", resp["cookies"])
	}
}

func TestExtraction(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var resp events.APIGatewayProxyResponse
	f.invokeAPI(t, "testdata/apigw-v1-post.json", &resp)

	t.Run("OK", func(t *testing.T) {
		var ev events.S3Event
		readEvent(t, "testdata/s3-put.json", &ev)
		if err := f.extraction(ctx, ev); err != nil {
			t.Fatal(err)
		}
		item, err := f.db.GetItem(ctx, "closing-1")
		if err != nil || item.Status != doctales.StatusExtracted || item.Dimensions == nil || item.Dimensions.Deadline == nil {
			t.Fatalf("item = %+v, %v", item, err)
		}
	})

	t.Run("MissingObject", func(t *testing.T) {
		// An error, so that Lambda retries and then dead-letters the event.
		var ev events.S3Event
		readEvent(t, "testdata/s3-put.json", &ev)
		ev.Records[0].S3.Object.Key = "email/2025/06/10/missing.json"
		ev.Records[0].S3.Object.URLDecodedKey = ev.Records[0].S3.Object.Key
		if err := f.extraction(ctx, ev); doctales.ErrorCode(err) != doctales.ENOTFOUND {
			t.Errorf("missing object: %v", err)
		}
	})

	t.Run("FailedAttemptMarksItemFailed", func(t *testing.T) {
		// Lambda gives the function no attempt count: every failed
		// attempt marks the item failed, so the last one (whose event is
		// dead-lettered) leaves it failed; a later success clears it.
		var ev events.S3Event
		readEvent(t, "testdata/s3-put.json", &ev)
		long := strings.Repeat("é", awslambda.MaxFailureMessageBytes)
		var sawDeadline time.Duration
		failing := awslambda.Extraction(func(ctx context.Context, _ events.S3Event) error {
			d, _ := ctx.Deadline()
			sawDeadline = time.Until(d)
			return doctales.Errorf(doctales.ETOOLARGE, "The item is larger than DynamoDB's 400 KB item limit. %s", long)
		}, f.db, slog.New(slog.DiscardHandler))
		dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if err := failing(dctx, ev); doctales.ErrorCode(err) != doctales.ETOOLARGE {
			t.Fatalf("the error must go back to Lambda, so that it retries and dead-letters: %v", err)
		}
		if sawDeadline > 60*time.Second-awslambda.MarkFailedMargin {
			t.Errorf("extraction ran with %v left, want at least %v less than Lambda's 60s", sawDeadline, awslambda.MarkFailedMargin)
		}
		item, err := f.db.GetItem(ctx, "closing-1")
		if err != nil || item.Status != doctales.StatusFailed || !strings.Contains(item.Error, "400 KB") || len(item.Error) > awslambda.MaxFailureMessageBytes+len("…") || !utf8.ValidString(item.Error) {
			t.Fatalf("after a failed attempt: item %+v, %v", item, err)
		}
		if err := f.extraction(ctx, ev); err != nil {
			t.Fatal(err)
		}
		item, err = f.db.GetItem(ctx, "closing-1")
		if err != nil || item.Status != doctales.StatusExtracted || item.Error != "" {
			t.Errorf("after a successful retry: status %q error %q, %v", item.Status, item.Error, err)
		}
	})

	t.Run("MarkFailedSkips", func(t *testing.T) {
		// Not a communication's key, or no such item: nothing to mark.
		for _, key := range []string{"email/2025/06/10/closing-1/attachments/1-data.json", "email/2025/06/10/closing-1.eml", "email/2025/06/10/nobody.json"} {
			if err := awslambda.MarkFailed(ctx, f.db, key, errors.New("x")); err != nil {
				t.Errorf("%s: %v", key, err)
			}
		}
		item, _ := f.db.GetItem(ctx, "closing-1")
		if item.Status != doctales.StatusExtracted {
			t.Errorf("status %q after marks of other keys", item.Status)
		}
	})

	t.Run("TestEvent", func(t *testing.T) {
		var ev events.S3Event
		if err := json.Unmarshal([]byte(`{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2025-06-10T15:30:00.000Z","Bucket":"b"}`), &ev); err != nil {
			t.Fatal(err)
		}
		if err := f.extraction(ctx, ev); err != nil {
			t.Errorf("s3:TestEvent: %v", err)
		}
	})
}

func TestNotification(t *testing.T) {
	ctx := context.Background()

	t.Run("InsertModifyRemove", func(t *testing.T) {
		// INSERT of a high item and MODIFY from low to high notify; a
		// MODIFY that stays high and a REMOVE do not.
		f := newFixture(t)
		var ev events.DynamoDBEvent
		readEvent(t, "testdata/dynamodb-stream.json", &ev)
		out, err := f.notification(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.BatchItemFailures) != 0 {
			t.Errorf("failures %+v", out.BatchItemFailures)
		}
		if got := f.topic.subjects(); len(got) != 2 || got[0] != "stream-1" || got[1] != "stream-2" {
			t.Errorf("published for %v, want stream-1 and stream-2", got)
		}
		// The response is what Lambda expects: an empty list, not null.
		b, _ := json.Marshal(out)
		if string(b) != `{"batchItemFailures":[]}` {
			t.Errorf("response %s", b)
		}
	})

	t.Run("PoisonRecord", func(t *testing.T) {
		f := newFixture(t)
		var ev events.DynamoDBEvent
		readEvent(t, "testdata/dynamodb-stream-poison.json", &ev)
		out, err := f.notification(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		poison := ev.Records[1].Change.SequenceNumber
		if len(out.BatchItemFailures) != 1 || out.BatchItemFailures[0].ItemIdentifier != poison {
			t.Errorf("batch item failures %+v, want exactly %s", out.BatchItemFailures, poison)
		}
		if got := f.topic.subjects(); len(got) != 2 || got[0] != "p-1" || got[1] != "p-3" {
			t.Errorf("published for %v, want p-1 and p-3", got)
		}
	})

	t.Run("SameItemAfterPoison", func(t *testing.T) {
		// A later record of the poisoned item is reported, not handled, so
		// that the item's changes keep their order.
		f := newFixture(t)
		var ev events.DynamoDBEvent
		readEvent(t, "testdata/dynamodb-stream-poison.json", &ev)
		later := ev.Records[0]
		later.Change.SequenceNumber = "999"
		later.Change.Keys = ev.Records[1].Change.Keys
		ev.Records = append(ev.Records, later)
		out, err := f.notification(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, x := range out.BatchItemFailures {
			ids = append(ids, x.ItemIdentifier)
		}
		if len(ids) != 2 || ids[0] != ev.Records[1].Change.SequenceNumber || ids[1] != "999" {
			t.Errorf("failures %v", ids)
		}
	})

	t.Run("TopicDown", func(t *testing.T) {
		// Every record fails and is reported; nothing is marked sent, so a
		// retry notifies.
		f := newFixture(t)
		f.topic.fail = true
		var ev events.DynamoDBEvent
		readEvent(t, "testdata/dynamodb-stream.json", &ev)
		out, err := f.notification(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.BatchItemFailures) != 3 { // stream-1 twice (insert, then its later modify), stream-2
			t.Errorf("failures %+v", out.BatchItemFailures)
		}
		f.topic.fail = false
		if _, err := f.notification(ctx, ev); err != nil || len(f.topic.subjects()) != 2 {
			t.Errorf("retry published %v, %v", f.topic.subjects(), err)
		}
	})

	t.Run("Cancelled", func(t *testing.T) {
		f := newFixture(t)
		var ev events.DynamoDBEvent
		readEvent(t, "testdata/dynamodb-stream.json", &ev)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := f.notification(cctx, ev); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled batch: %v", err)
		}
	})
}

// TestPrincipalFromJWT: the user is the token's subject; only the pool's
// doctales/* scopes count, from the scopes list or the scope claim.
func TestPrincipalFromJWT(t *testing.T) {
	p := awslambda.PrincipalFromJWT(map[string]string{"sub": "1b2c-3d", "scope": "openid doctales/read other/admin doctales/read"}, nil)
	if p == nil || p.UserID != "1b2c-3d" || !p.Can(doctales.ScopeRead) || p.Can(doctales.ScopeIngest) || p.Can(doctales.ScopeAdmin) || len(p.Scopes) != 1 {
		t.Fatalf("principal = %+v", p)
	}
	if p := awslambda.PrincipalFromJWT(map[string]string{"sub": "x"}, []string{"doctales/admin"}); p == nil || !p.Can(doctales.ScopeIngest) {
		t.Fatalf("admin principal = %+v", p)
	}
	for _, sub := range []string{"", "../etc", "a/b"} {
		if p := awslambda.PrincipalFromJWT(map[string]string{"sub": sub}, []string{"doctales/read"}); p != nil {
			t.Errorf("sub %q gave a principal %+v", sub, p)
		}
	}
}
