package s3_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/testutil"
	dts3 "github.com/doctales/doctales/s3"
)

// mustUploads returns the uploads of a new bucket on the test S3 server.
func mustUploads(t *testing.T) (*dts3.Uploads, *dts3.Store) {
	t.Helper()
	st := MustOpenStore(t)
	client := s3.NewFromConfig(testutil.AWSConfig(testutil.S3Endpoint(t)), func(o *s3.Options) { o.UsePathStyle = true })
	return dts3.NewUploads(client, st), st
}

// put sends body to the upload's URL with its headers.
func put(t *testing.T, u *doctales.Upload, rawURL string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(u.Method, rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range u.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// TestUploads_PresignedPut: the presigned URL really takes the PUT on
// s3rver (SigV4 query authentication, signed content type, length and
// metadata), and Read gives back the owner, the request and the body.
//
// s3rver accepts SigV4 query URLs but does not verify their signature,
// expiry or signed Content-Length (a changed X-Amz-Signature is still
// 200), so the refusals are S3's and are not tested here: this test
// checks the URL's shape (algorithm, expiry, the signed headers that make
// S3 refuse another length, type or metadata) and that a PUT to it lands
// with the metadata the ingestion reads.
func TestUploads_PresignedPut(t *testing.T) {
	ctx := context.Background()
	ups, st := mustUploads(t)
	body := []byte("From: Ana <ana@acme.example>\r\nSubject: Big\r\n\r\nThe figures.\r\n")
	req := doctales.UploadRequest{Size: int64(len(body)), ContentType: "message/rfc822", Project: "Projet été", Notify: doctales.NotifyNever}
	u, err := ups.CreateUpload(ctx, "ana", req)
	if err != nil {
		t.Fatal(err)
	}
	q, err := url.Parse(u.URL)
	if err != nil {
		t.Fatal(err)
	}
	signed := q.Query().Get("X-Amz-SignedHeaders")
	for _, h := range []string{"content-length", "content-type", "host", "x-amz-meta-doctales-upload"} {
		if !strings.Contains(signed, h) {
			t.Errorf("signed headers %q lack %s", signed, h)
		}
	}
	if q.Query().Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" || q.Query().Get("X-Amz-Expires") != "900" || u.Method != "PUT" {
		t.Errorf("url %s method %s", u.URL, u.Method)
	}
	if !strings.HasSuffix(q.Path, "/"+u.Key) || !strings.HasPrefix(u.Key, "uploads/ana/") || !strings.HasSuffix(u.Key, ".upload") {
		t.Errorf("path %s key %s", q.Path, u.Key)
	}
	if _, ok := u.Headers["Host"]; ok || u.Headers["Content-Type"] != "message/rfc822" || u.Headers["X-Amz-Meta-Doctales-Upload"] == "" {
		t.Errorf("headers %v", u.Headers)
	}

	if code, b := put(t, u, u.URL, body); code != http.StatusOK {
		t.Fatalf("PUT = %d %s", code, b)
	}
	owner, got, data, err := ups.Read(ctx, u.Key)
	if err != nil {
		t.Fatal(err)
	}
	if owner != "ana" || got != req || !bytes.Equal(data, body) {
		t.Errorf("Read = %q %+v %q", owner, got, data)
	}
	if err := ups.Delete(ctx, u.Key); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Get(ctx, u.Key); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Errorf("after Delete: %v", err)
	}
	// An object not put through an upload URL has no signed request.
	if _, err := st.Put(ctx, "uploads/ana/x.upload", body, "message/rfc822"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := ups.Read(ctx, "uploads/ana/x.upload"); doctales.ErrorField(err) != "metadata" {
		t.Errorf("Read of a plain object: %v", err)
	}
	if _, _, _, err := ups.Read(ctx, "email/2026/12/04/x.json"); doctales.ErrorCode(err) != doctales.EINVALID {
		t.Errorf("Read of a communication key: %v", err)
	}
}
