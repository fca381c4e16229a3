package lambda_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doctales/doctales"
	dtddb "github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/internal/testutil"
)

// s3UploadEvent is the S3 event notification S3 sends for an object
// created by a presigned PUT, in the documented shape (Amazon S3 User
// Guide, "Event message structure", version 2.1): the key URL-encoded
// as S3 encodes it (a space is "+").
func s3UploadEvent(bucket, key string, size int) []byte {
	ev := fmt.Sprintf(`{"Records":[{
  "eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",
  "eventTime":"2026-12-05T10:00:01.123Z","eventName":"ObjectCreated:Put",
  "userIdentity":{"principalId":"AWS:AROAEXAMPLE:doc-tales-ingestion-dev"},
  "requestParameters":{"sourceIPAddress":"203.0.113.7"},
  "responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
  "s3":{"s3SchemaVersion":"1.0","configurationId":"uploads",
    "bucket":{"name":%q,"ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"arn":"arn:aws:s3:::%s"},
    "object":{"key":%q,"size":%d,"eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"0055AED6DCD90281E5"}}}]}`,
		bucket, bucket, url.QueryEscape(key), size)
	return []byte(ev)
}

// TestBootstrap_Upload: a 10 MB e-mail, over what API Gateway takes,
// goes through the API bootstrap's POST /uploads, a PUT of the
// presigned URL to s3rver, and the same bootstrap's handling of the
// object's ObjectCreated event: the item is in dynalite, in the token
// subject's partition, with the original bytes beside it, and the
// uploaded object is gone. A second delivery of the event does nothing.
func TestBootstrap_Upload(t *testing.T) {
	ctx := context.Background()
	s3End, ddbEnd := testutil.S3Endpoint(t), testutil.DynamoDBEndpoint(t)
	suffix := fmt.Sprint(time.Now().UnixNano())
	bucket, table := "doc-tales-raw-up-"+suffix, "doc-tales-communications-up-"+suffix
	s3c := s3.NewFromConfig(testutil.AWSConfig(s3End), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	tbl := dtddb.NewTable(dynamodb.NewFromConfig(testutil.AWSConfig(ddbEnd)), table)
	if err := tbl.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"AWS_ENDPOINT_URL_S3":       s3End,
		"AWS_ENDPOINT_URL_DYNAMODB": ddbEnd,
		"DOCTALES_S3_PATH_STYLE":    "true",
		"COMMUNICATIONS_TABLE":      table,
		"RAW_BUCKET":                bucket,
		// The parser's worker is a child process; in process keeps the
		// test's memory small on a shared machine.
		"DOCTALES_PARSE_IN_PROCESS": "true",
	}
	rt := newFakeRuntime(t)
	start(t, rt, "api", env)

	var mail bytes.Buffer
	mail.WriteString("From: Ana Ruiz <ana@acme.example>\r\nTo: me@example.com\r\nSubject: Full ledger\r\nMessage-ID: <ledger-aws@acme.example>\r\nDate: Fri, 04 Dec 2026 09:00:00 +0000\r\n\r\nThe full ledger is below.\r\n")
	for i := 0; mail.Len() < 10<<20; i++ {
		fmt.Fprintf(&mail, "%08d  invoice settled, amount carried to the next period\r\n", i)
	}
	req, _ := json.Marshal(doctales.UploadRequest{Size: int64(mail.Len()), ContentType: "message/rfc822", Project: "ledger"})
	res := rt.invoke(t, apiV2("POST", "/uploads", string(req)))
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res.body, &resp); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /uploads: %s %s", res.kind, res.body)
	}
	var up doctales.Upload
	if err := json.Unmarshal([]byte(resp.Body), &up); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(up.URL, s3End+"/"+bucket+"/uploads/ana-sub-1/") || !strings.Contains(up.URL, "X-Amz-Signature=") {
		t.Fatalf("upload URL %s", up.URL)
	}

	put, err := http.NewRequest(up.Method, up.URL, bytes.NewReader(mail.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range up.Headers {
		put.Header.Set(k, v)
	}
	pr, err := http.DefaultClient.Do(put)
	if err != nil {
		t.Fatal(err)
	}
	pr.Body.Close()
	if pr.StatusCode != http.StatusOK {
		t.Fatalf("PUT to the presigned URL: %d", pr.StatusCode)
	}

	for i := range 2 {
		if res := rt.invoke(t, s3UploadEvent(bucket, up.Key, mail.Len())); res.kind != "response" {
			t.Fatalf("upload event (delivery %d): %s %s", i+1, res.kind, res.body)
		}
	}
	owner := doctales.WithOwner(ctx, "ana-sub-1")
	items, _, err := tbl.FindItems(owner, doctales.ItemFilter{})
	if err != nil || len(items) != 1 || items[0].Subject != "Full ledger" || items[0].Project != "ledger" {
		t.Fatalf("items %+v, %v", items, err)
	}
	raw, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: ptr(strings.TrimSuffix(items[0].S3Key, ".json") + ".eml")})
	if err != nil || *raw.ContentLength != int64(mail.Len()) {
		t.Errorf("original beside the communication: %v", err)
	}
	if _, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &up.Key}); err == nil {
		t.Errorf("the uploaded object %s is still there", up.Key)
	}
}

func ptr(s string) *string { return &s }
