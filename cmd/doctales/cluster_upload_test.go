package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/testutil"
)

// uploadMail returns an e-mail of about n bytes whose subject is subject.
func uploadMail(subject string, n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Ana Ruiz <ana@acme.example>\r\nTo: me@example.com\r\nSubject: %s\r\nMessage-ID: <%s@acme.example>\r\nDate: Fri, 04 Dec 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe full ledger is below; please check it by Friday.\r\n",
		subject, doctales.NewUploadID())
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%08d  invoice settled, amount carried to the next period as agreed\r\n", i)
	}
	return b.Bytes()
}

// createUpload asks p for an upload URL for body (POST /uploads) and
// returns the upload.
func createUpload(t *testing.T, p *clusterProc, body []byte) doctales.Upload {
	t.Helper()
	req, _ := json.Marshal(doctales.UploadRequest{Size: int64(len(body)), ContentType: "message/rfc822", Name: "ledger.eml", Project: "ops"})
	resp, err := http.Post(p.url()+"/uploads", "application/json", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var u doctales.Upload
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(out, &u) != nil || u.URL == "" {
		t.Fatalf("POST %s/uploads = %d %s; want 201 with a URL", p.name, resp.StatusCode, out)
	}
	return u
}

// putUploadOn sends body to u's URL with its host replaced by p's (as a
// load balancer may send it to any api process) and returns the status
// and the answer.
func putUploadOn(t *testing.T, p *clusterProc, u doctales.Upload, body []byte) (int, map[string]any) {
	t.Helper()
	target, err := url.Parse(u.URL)
	if err != nil {
		t.Fatal(err)
	}
	target.Host = p.addr
	req, _ := http.NewRequest(u.Method, target.String(), bytes.NewReader(body))
	for k, v := range u.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	out, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("PUT %s on %s = %d, not JSON: %s", u.ID, p.name, resp.StatusCode, out)
	}
	return resp.StatusCode, m
}

// TestCluster_Upload: large uploads across two api processes behind a
// (pretend) load balancer, on a real nats-server and PostgreSQL. POST
// /uploads on api A hands out a URL; a body that is not mail, PUT on A,
// is refused and gives the URL back; its PUT on api B is ingested and the
// extraction worker extracts it; a second PUT, on A or B, is 409 naming
// the token. Two PUTs of another URL at once, one on each process: one is
// ingested, the other is 409. A token changed by one character is 403.
// No marker file is left in the data folder (the used uploads are in
// PostgreSQL) nor any uploaded copy among the objects.
func TestCluster_Upload(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	a := env.start(t, "api-a", RoleAPI)
	b := env.start(t, "api-b", RoleAPI)
	env.start(t, "extraction", RoleExtraction)

	body := uploadMail("Full ledger export", 256<<10)
	u := createUpload(t, a, body)
	if !strings.HasPrefix(u.URL, a.url()+"/uploads/"+u.ID+"?token=") || u.MaxBytes != int64(len(body)) {
		t.Fatalf("upload %+v: want a URL on api-a of at most %d bytes", u, len(body))
	}
	// A body that is not ingested (not mail) gives the URL back, for
	// every process: the row is deleted from PostgreSQL.
	if code, res := putUploadOn(t, a, u, []byte("\x00\x01 not mail")); code != http.StatusBadRequest {
		t.Fatalf("PUT of a body that is not mail on api-a = %d %v; want 400", code, res)
	}
	code, res := putUploadOn(t, b, u, body)
	if code != http.StatusAccepted {
		t.Fatalf("PUT on api-b of api-a's upload = %d %v; want 202", code, res)
	}
	id, _ := res["id"].(string)
	waitCond(t, 30*time.Second, func() string { return id + " is " + status(t, a.url(), id) + ", not extracted" },
		func() bool { return status(t, a.url(), id) == doctales.StatusExtracted })
	var c map[string]any
	getJSON(t, a.url()+"/communications/"+id, &c)
	if c["subject"] != "Full ledger export" || c["project"] != "ops" {
		t.Fatalf("the uploaded communication is %v; want the mail's subject, project ops", c)
	}

	for _, p := range []*clusterProc{a, b} {
		code, res := putUploadOn(t, p, u, body)
		if code != http.StatusConflict || res["field"] != "token" || !strings.Contains(fmt.Sprint(res["error"]), u.ID) {
			t.Errorf("second PUT on %s = %d %v; want 409 naming token and the upload", p.name, code, res)
		}
	}

	// One URL, two PUTs at once on the two processes: exactly one body.
	body2 := uploadMail("Second ledger export", 64<<10)
	u2 := createUpload(t, b, body2)
	var (
		wg    sync.WaitGroup
		codes [2]int
		ress  [2]map[string]any
	)
	for i, p := range []*clusterProc{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], ress[i] = putUploadOn(t, p, u2, body2)
		}()
	}
	wg.Wait()
	won, lost := 0, 0
	for i := range codes {
		switch codes[i] {
		case http.StatusAccepted:
			won++
		case http.StatusConflict:
			lost++
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("two PUTs at once of one upload: %d %v and %d %v; want one 202 and one 409", codes[0], ress[0], codes[1], ress[1])
	}

	// A forged token: refused by either process, the upload unused.
	u3 := createUpload(t, a, body2)
	forged := u3
	i := strings.Index(forged.URL, "token=") + len("token=") + 3
	forged.URL = forged.URL[:i] + map[bool]string{true: "B", false: "A"}[forged.URL[i] == 'A'] + forged.URL[i+1:]
	if code, res := putUploadOn(t, b, forged, body2); code != http.StatusForbidden || res["field"] != "token" {
		t.Fatalf("PUT with a changed token = %d %v; want 403 naming token", code, res)
	}

	if _, err := os.Stat(filepath.Join(env.Data, "uploads")); err == nil {
		t.Errorf("the data folder has the embedded mode's marker folder %s; the cluster's used uploads are in PostgreSQL", filepath.Join(env.Data, "uploads"))
	}
	var left []string
	_ = filepath.WalkDir(filepath.Join(env.Data, "objects"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(path, doctales.UploadSuffix) {
			left = append(left, path)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("uploaded copies left among the objects: %v", left)
	}
}

// TestCluster_UploadS3: with --s3 the uploaded body goes through the
// bucket (the s3rver emulator): POST /uploads on api A, the PUT on api
// B, the communication extracted by a worker reading the bucket, its
// original in the bucket beside it, the uploaded copy deleted; a second
// PUT is 409.
func TestCluster_UploadS3(t *testing.T) {
	endpoint := testutil.S3Endpoint(t)
	client := awss3.NewFromConfig(testutil.AWSConfig(endpoint), func(o *awss3.Options) { o.UsePathStyle = true })
	bucket := fmt.Sprintf("cluster-upload-%d", time.Now().UnixNano())
	ctx := context.Background()
	if _, err := client.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	env := newClusterEnv(t, newHookReceiver(t).URL)
	env.Env = []string{"AWS_ACCESS_KEY_ID=" + testutil.TestAccessKey, "AWS_SECRET_ACCESS_KEY=" + testutil.TestSecretKey,
		"AWS_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"}
	s3URL := endpoint + "/" + bucket
	a := env.start(t, "api-a", RoleAPI, "--s3", s3URL)
	b := env.start(t, "api-b", RoleAPI, "--s3", s3URL)
	env.start(t, "extraction", RoleExtraction, "--s3", s3URL)

	body := uploadMail("Ledger through the bucket", 128<<10)
	u := createUpload(t, a, body)
	code, res := putUploadOn(t, b, u, body)
	if code != http.StatusAccepted {
		t.Fatalf("PUT on api-b of api-a's upload = %d %v; want 202", code, res)
	}
	id, key := res["id"].(string), res["s3Key"].(string)
	waitCond(t, 30*time.Second, func() string { return id + " is " + status(t, a.url(), id) + ", not extracted" },
		func() bool { return status(t, a.url(), id) == doctales.StatusExtracted })
	if _, err := client.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: &bucket, Key: &key}); err != nil {
		t.Fatalf("object %s is not in bucket %s: %v", key, bucket, err)
	}
	prefix := doctales.UploadPrefix
	out, err := client.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != 0 {
		t.Errorf("uploaded copies left in the bucket: %d under %s", len(out.Contents), prefix)
	}
	if code, res := putUploadOn(t, a, u, body); code != http.StatusConflict || res["field"] != "token" {
		t.Errorf("second PUT on api-a = %d %v; want 409 naming token", code, res)
	}
}
