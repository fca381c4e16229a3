package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/fsblob"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/upload"
)

// uploadFixture is an auth server with local uploads on a clock the test
// moves.
type uploadFixture struct {
	*authFixture
	now   time.Time
	local *upload.Local
}

func mustUploadServer(t *testing.T) *uploadFixture {
	t.Helper()
	u := &uploadFixture{now: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	u.authFixture = mustAuthServer(t, func(h *httpapi.Handler) {
		u.local = &upload.Local{
			Secret: func(ctx context.Context) ([]byte, error) { return u.db.AckKey(ctx) },
			Store:  h.Store.(*fsblob.Store),
			Dir:    filepath.Join(dir, "uploads"),
			Now:    func() time.Time { return u.now },
		}
		h.LocalUploads = u.local
	})
	return u
}

// bigMail returns an e-mail of at least n bytes.
func bigMail(subject string, n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Ana Ruiz <ana@acme.example>\r\nTo: me@example.com\r\nSubject: %s\r\nMessage-ID: <%s@acme.example>\r\nDate: Fri, 04 Dec 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease review the attached figures before Friday.\r\n", subject, strings.ReplaceAll(subject, " ", "-"))
	line := "Quarterly figures, region by region, as agreed in the last meeting.\r\n"
	for b.Len() < n {
		b.WriteString(line)
	}
	return b.Bytes()
}

// createUpload posts an upload request and returns the upload.
func createUpload(t *testing.T, base, key string, req doctales.UploadRequest) *doctales.Upload {
	t.Helper()
	body, _ := json.Marshal(req)
	resp, b := send(t, "POST", base+"/uploads", string(body), map[string]string{"Authorization": "Bearer " + key, "Content-Type": "application/json"})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /uploads = %d %s", resp.StatusCode, b)
	}
	var u doctales.Upload
	if err := json.Unmarshal([]byte(b), &u); err != nil {
		t.Fatal(err)
	}
	return &u
}

// putBody sends body to the upload's URL with its headers.
func putBody(t *testing.T, u *doctales.Upload, rawURL string, body []byte) (int, httpapi.ErrorResponse, string) {
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
	b, _ := io.ReadAll(resp.Body)
	var e httpapi.ErrorResponse
	_ = json.Unmarshal(b, &e)
	return resp.StatusCode, e, string(b)
}

// TestUploads_LocalEndToEnd: with auth on, a 5 MB e-mail (over the 4 MB a
// request through API Gateway may carry) goes through POST /uploads and a
// PUT to the server's own signed URL, without a key on the PUT, and is
// stored as POST /communications would store it: the key's user owns it,
// its original bytes are kept beside it, the uploaded copy is gone.
func TestUploads_LocalEndToEnd(t *testing.T) {
	f := mustUploadServer(t)
	_, ana := f.mustKey(t, "ana", doctales.ScopeIngest, doctales.ScopeRead)
	mail := bigMail("Quarterly figures", 5<<20)
	u := createUpload(t, f.srv.URL, ana, doctales.UploadRequest{Size: int64(len(mail)), ContentType: "message/rfc822", Project: "q3"})
	if !strings.HasPrefix(u.URL, f.srv.URL+"/uploads/"+u.ID+"?token=") || u.Method != "PUT" || u.MaxBytes != int64(len(mail)) {
		t.Fatalf("upload = %+v", u)
	}
	if u.Key != "uploads/ana/"+u.ID+".upload" || !u.ExpiresAt.Equal(f.now.Add(doctales.DefaultUploadExpiry)) {
		t.Errorf("key %q expires %v", u.Key, u.ExpiresAt)
	}
	code, _, b := putBody(t, u, u.URL, mail)
	if code != http.StatusAccepted {
		t.Fatalf("PUT = %d %s", code, b)
	}
	var res struct{ ID, S3Key string }
	if err := json.Unmarshal([]byte(b), &res); err != nil || res.ID == "" {
		t.Fatalf("PUT answer %s: %v", b, err)
	}
	resp, got := send(t, "GET", f.srv.URL+"/communications/"+url.PathEscape(res.ID), "", bearer(ana))
	if resp.StatusCode != 200 || !strings.Contains(got, `"subject":"Quarterly figures"`) || !strings.Contains(got, `"project":"q3"`) {
		t.Fatalf("GET = %d %.300s", resp.StatusCode, got)
	}
	it, err := f.db.GetItem(doctales.WithOwner(context.Background(), "ana"), res.ID)
	if err != nil {
		t.Fatalf("ana's item: %v", err)
	}
	store := f.h.Store.(*fsblob.Store)
	raw, _, err := store.Get(context.Background(), strings.TrimSuffix(it.S3Key, ".json")+".eml")
	if err != nil || !bytes.Equal(raw, mail) {
		t.Errorf("original bytes beside the communication: %d bytes, %v", len(raw), err)
	}
	if _, _, err := store.Get(context.Background(), u.Key); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Errorf("uploaded copy after ingestion: %v, want not found", err)
	}
	// The same mail again through a new URL replays, as POST does.
	u2 := createUpload(t, f.srv.URL, ana, doctales.UploadRequest{Size: int64(len(mail)), ContentType: "message/rfc822", Project: "q3"})
	if code, _, b := putBody(t, u2, u2.URL, mail); code != http.StatusAccepted || !strings.Contains(b, res.ID) {
		t.Errorf("second upload of the same mail = %d %s", code, b)
	}
}

// TestUploads_Refused: a tampered, foreign or missing token is 403 naming
// the token; an expired one 403 saying when it expired; a body over the
// declared size 413 naming the limit; a body that is refused leaves the
// URL usable; a second PUT after one ingested is 409; an upload over
// the parser's limit is refused at POST /uploads naming the limit; POST
// /uploads needs the ingest scope.
func TestUploads_Refused(t *testing.T) {
	f := mustUploadServer(t)
	_, ana := f.mustKey(t, "ana", doctales.ScopeIngest, doctales.ScopeRead)
	_, reader := f.mustKey(t, "bob", doctales.ScopeRead)
	mail := bigMail("Refusals", 2000)
	req := doctales.UploadRequest{Size: int64(len(mail)), ContentType: "message/rfc822"}

	u := createUpload(t, f.srv.URL, ana, req)
	tok, _ := url.Parse(u.URL)
	token := tok.Query().Get("token")
	flip := []byte(token)
	flip[len(flip)/3] ^= 1
	other := createUpload(t, f.srv.URL, ana, req)
	otherTok, _ := url.Parse(other.URL)
	for name, raw := range map[string]string{
		"tampered":      f.srv.URL + "/uploads/" + u.ID + "?token=" + url.QueryEscape(string(flip)),
		"another's":     f.srv.URL + "/uploads/" + u.ID + "?token=" + url.QueryEscape(otherTok.Query().Get("token")),
		"missing":       f.srv.URL + "/uploads/" + u.ID,
		"forged id":     f.srv.URL + "/uploads/" + other.ID + "?token=" + url.QueryEscape(token),
		"not base64url": f.srv.URL + "/uploads/" + u.ID + "?token=%21%21.%21",
	} {
		code, e, b := putBody(t, u, raw, mail)
		if code != http.StatusForbidden || e.Field != "token" {
			t.Errorf("%s token: %d %s, want 403 naming token", name, code, b)
		}
	}

	if code, e, b := putBody(t, u, u.URL, append(bytes.Clone(mail), 'x')); code != http.StatusRequestEntityTooLarge || !strings.Contains(e.Error, fmt.Sprint(len(mail))) {
		t.Errorf("oversized body: %d %s, want 413 naming the limit %d", code, b, len(mail))
	}
	// A body that is not ingested (not mail) does not use the URL up.
	if code, _, b := putBody(t, u, u.URL, []byte("\x00\x01 not mail")); code != http.StatusBadRequest {
		t.Errorf("not mail: %d %s, want 400", code, b)
	}
	if code, _, b := putBody(t, u, u.URL, mail); code != http.StatusAccepted {
		t.Fatalf("PUT = %d %s", code, b)
	}
	if code, e, b := putBody(t, u, u.URL, mail); code != http.StatusConflict || !strings.Contains(e.Error, "already used") {
		t.Errorf("second PUT: %d %s, want 409 already used", code, b)
	}

	late := createUpload(t, f.srv.URL, ana, req)
	f.now = f.now.Add(doctales.DefaultUploadExpiry)
	if code, e, b := putBody(t, late, late.URL, mail); code != http.StatusForbidden || !strings.Contains(e.Error, "expired at") {
		t.Errorf("expired URL: %d %s, want 403 expired", code, b)
	}

	huge := doctales.UploadRequest{Size: 1 << 40, ContentType: "message/rfc822"}
	body, _ := json.Marshal(huge)
	resp, b := send(t, "POST", f.srv.URL+"/uploads", string(body), map[string]string{"Authorization": "Bearer " + ana, "Content-Type": "application/json"})
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(b, `"field":"size"`) || !strings.Contains(b, "limit of") {
		t.Errorf("huge upload request: %d %s", resp.StatusCode, b)
	}
	for _, c := range []struct{ body, field string }{
		{`{"size":0,"contentType":"message/rfc822"}`, "size"},
		{`{"size":10,"contentType":"image/png"}`, "contentType"},
		{`{"size":10,"contentType":"text/plain","notify":"maybe"}`, "notify"},
	} {
		resp, b := send(t, "POST", f.srv.URL+"/uploads", c.body, map[string]string{"Authorization": "Bearer " + ana, "Content-Type": "application/json"})
		if resp.StatusCode/100 != 4 || !strings.Contains(b, `"field":"`+c.field+`"`) {
			t.Errorf("%s: %d %s, want 4xx naming %s", c.body, resp.StatusCode, b, c.field)
		}
	}
	if resp, b := send(t, "POST", f.srv.URL+"/uploads", `{"size":10,"contentType":"text/plain"}`, map[string]string{"Authorization": "Bearer " + reader, "Content-Type": "application/json"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /uploads with a read key: %d %s, want 403", resp.StatusCode, b)
	}
}

// TestUploads_Document: a document upload named by its extension
// (application/octet-stream) is parsed as a document.
func TestUploads_Document(t *testing.T) {
	f := mustUploadServer(t)
	_, ana := f.mustKey(t, "ana", doctales.ScopeIngest, doctales.ScopeRead)
	doc := []byte("# Launch plan\n\nThe launch moves to March; confirm the budget by Friday.\n")
	u := createUpload(t, f.srv.URL, ana, doctales.UploadRequest{Size: int64(len(doc)), ContentType: "application/octet-stream", Name: "plan.md"})
	code, _, b := putBody(t, u, u.URL, doc)
	if code != http.StatusAccepted {
		t.Fatalf("PUT = %d %s", code, b)
	}
	var res struct{ ID string }
	_ = json.Unmarshal([]byte(b), &res)
	it, err := f.db.GetItem(doctales.WithOwner(context.Background(), "ana"), res.ID)
	if err != nil || it.Type != "document" {
		t.Fatalf("item %+v, %v", it, err)
	}
}

// TestUploads_NotConfigured: without an uploader POST /uploads is 501 and
// PUT /uploads/{id} 404.
func TestUploads_NotConfigured(t *testing.T) {
	f := mustAuthServer(t, nil)
	if resp, b := send(t, "POST", f.srv.URL+"/uploads", `{"size":10,"contentType":"text/plain"}`, map[string]string{"Content-Type": "application/json"}); resp.StatusCode != http.StatusNotImplemented {
		t.Errorf("POST /uploads = %d %s, want 501", resp.StatusCode, b)
	}
	if resp, b := send(t, "PUT", f.srv.URL+"/uploads/x?token=y", "abc", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("PUT /uploads/x = %d %s, want 404", resp.StatusCode, b)
	}
}

// TestUploads_SameAsPost: in open mode (no key), a mail posted raw and
// the same mail uploaded are one communication: the upload replays the
// post's id, as a second post would.
func TestUploads_SameAsPost(t *testing.T) {
	f := mustUploadServer(t)
	mail := bigMail("Same bytes", 3000)
	resp, b := send(t, "POST", f.srv.URL+"/communications?project=p", string(mail), map[string]string{"Content-Type": "message/rfc822"})
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST = %d %s", resp.StatusCode, b)
	}
	var posted struct{ ID string }
	_ = json.Unmarshal([]byte(b), &posted)
	body, _ := json.Marshal(doctales.UploadRequest{Size: int64(len(mail)), ContentType: "message/rfc822", Project: "p"})
	resp, b = send(t, "POST", f.srv.URL+"/uploads", string(body), map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /uploads = %d %s", resp.StatusCode, b)
	}
	var u doctales.Upload
	_ = json.Unmarshal([]byte(b), &u)
	req, _ := http.NewRequest("PUT", u.URL, bytes.NewReader(mail))
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	got, _ := io.ReadAll(r.Body)
	if r.StatusCode != http.StatusAccepted || !strings.Contains(string(got), posted.ID) || r.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("upload of the posted mail = %d %s (replayed %q), want %s replayed", r.StatusCode, got, r.Header.Get("Idempotent-Replayed"), posted.ID)
	}
}
