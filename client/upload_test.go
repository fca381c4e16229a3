package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/client"
)

// TestUpload_Local: a 5 MB e-mail, over DefaultUploadThresholdBytes, goes
// through POST /uploads and the embedded server's own URL, and is
// ingested for the key's user before the PUT is answered.
func TestUpload_Local(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, "ana", doctales.ScopeIngest, doctales.ScopeRead)
	var b bytes.Buffer
	b.WriteString("From: Ana <ana@acme.example>\r\nSubject: Big figures\r\nMessage-ID: <big@acme.example>\r\nDate: Fri, 04 Dec 2026 09:00:00 +0000\r\n\r\nThe figures are below.\r\n")
	for b.Len() <= client.DefaultUploadThresholdBytes+1<<20 {
		b.WriteString("region north, region south, region east, region west: all up.\r\n")
	}
	res, err := c.Upload(context.Background(), b.Bytes(), client.UploadOptions{ContentType: "message/rfc822", Project: "q3"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ingested == nil || res.Ingested.ID == "" || !strings.HasPrefix(res.Upload.Key, "uploads/ana/") {
		t.Fatalf("upload result %+v", res)
	}
	got, err := c.GetCommunication(context.Background(), res.Ingested.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "Big figures" || got.Project != "q3" {
		t.Errorf("communication subject %q project %q", got.Subject, got.Project)
	}
}

// TestUpload_Refused: an upload the server refuses is an *Error naming
// the field; a PUT that S3 refuses is an *Error with S3's code and
// message; the API key is never sent to the upload URL.
func TestUpload_Refused(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, "ana", doctales.ScopeIngest)
	_, err := c.Upload(context.Background(), []byte("x"), client.UploadOptions{ContentType: "image/png"})
	if e := apiError(t, err); e.Status != http.StatusUnsupportedMediaType || e.Field != "contentType" {
		t.Errorf("image upload: %+v", e)
	}

	var sawAuth string
	s3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			u := doctales.Upload{ID: "u1", Key: "uploads/ana/u1.upload", URL: "http://" + r.Host + "/bucket/uploads/ana/u1.upload?X-Amz-Signature=abc", Method: "PUT", Headers: map[string]string{"Content-Type": "message/rfc822"}}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(u)
		case http.MethodPut:
			sawAuth = r.Header.Get("Authorization")
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>`)
		}
	}))
	defer s3.Close()
	c2, err := client.New(s3.URL, client.WithAPIKey("secret-key"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c2.Upload(context.Background(), []byte("From: a\r\n\r\nhi"), client.UploadOptions{ContentType: "message/rfc822"})
	if e := apiError(t, err); e.Status != http.StatusForbidden || e.Message != "AccessDenied: Request has expired" {
		t.Errorf("S3 refusal: %+v", e)
	}
	if sawAuth != "" {
		t.Errorf("the PUT carried Authorization %q", sawAuth)
	}
}
