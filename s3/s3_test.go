package s3_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/testutil"
	dts3 "github.com/doctales/doctales/s3"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.StopServers()
	os.Exit(code)
}

// MustOpenStore returns a store over a new bucket on the test S3 server.
func MustOpenStore(tb testing.TB) *dts3.Store {
	tb.Helper()
	client := s3.NewFromConfig(testutil.AWSConfig(testutil.S3Endpoint(tb)), func(o *s3.Options) { o.UsePathStyle = true })
	bucket := fmt.Sprintf("doctales-test-%d", time.Now().UnixNano())
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		tb.Fatalf("create bucket: %v", err)
	}
	return dts3.NewStore(client, bucket)
}

func TestStore_PutGet(t *testing.T) {
	ctx := context.Background()
	st := MustOpenStore(t)

	t.Run("OK", func(t *testing.T) {
		data := []byte(`{"id":"email-123","subject":"Meeting Reminder"}`)
		sum := md5.Sum(data)
		info, err := st.Put(ctx, "email/2025/06/10/email-123.json", data, "application/json")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := info.ETag, hex.EncodeToString(sum[:]); got != want {
			t.Errorf("put ETag = %q, want the MD5 %q", got, want)
		}
		got, gi, err := st.Get(ctx, "email/2025/06/10/email-123.json")
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(data) {
			t.Errorf("get = %s, want %s", got, data)
		}
		if gi.ETag != info.ETag || gi.Size != int64(len(data)) || gi.Bucket != st.Bucket() || gi.LastModified.IsZero() {
			t.Errorf("get info = %+v, put info %+v", gi, info)
		}
	})

	t.Run("Metadata", func(t *testing.T) {
		_, err := st.PutObject(ctx, "doc/a.json", []byte("{}"), dts3.PutOptions{
			ContentType: "application/json",
			Metadata:    map[string]string{"communication-id": "a", "content-hash": "abc"},
		})
		if err != nil {
			t.Fatal(err)
		}
		obj, err := st.Head(ctx, "doc/a.json")
		if err != nil {
			t.Fatal(err)
		}
		if obj.ContentType != "application/json" || obj.Metadata["communication-id"] != "a" || obj.Metadata["content-hash"] != "abc" || obj.Size != 2 {
			t.Errorf("head = %+v", obj)
		}
		_, got, err := st.GetObject(ctx, "doc/a.json")
		if err != nil {
			t.Fatal(err)
		}
		if got.Metadata["communication-id"] != "a" {
			t.Errorf("get metadata = %v", got.Metadata)
		}
	})

	t.Run("Overwrite", func(t *testing.T) {
		if _, err := st.Put(ctx, "x/y.json", []byte("1"), "text/plain"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Put(ctx, "x/y.json", []byte("22"), "text/plain"); err != nil {
			t.Fatal(err)
		}
		if got, _, err := st.Get(ctx, "x/y.json"); err != nil || string(got) != "22" {
			t.Errorf("get = %q, %v", got, err)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, _, err := st.Get(ctx, "nope/missing.json")
		if doctales.ErrorCode(err) != doctales.ENOTFOUND {
			t.Errorf("get missing: code %q, err %v", doctales.ErrorCode(err), err)
		}
		if _, err := st.Head(ctx, "nope/missing.json"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
			t.Errorf("head missing: code %q, err %v", doctales.ErrorCode(err), err)
		}
	})

	t.Run("ErrInvalidKey", func(t *testing.T) {
		for _, key := range []string{"", "/abs", "a/../b", "a//b", "a\x00b", strings.Repeat("k", dts3.MaxKeyBytes+1)} {
			_, err := st.Put(ctx, key, []byte("x"), "")
			if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "key" {
				t.Errorf("put %q: code %q field %q", key, doctales.ErrorCode(err), doctales.ErrorField(err))
			}
		}
	})

	t.Run("ErrTooLarge", func(t *testing.T) {
		if _, err := st.Put(ctx, "big/obj", make([]byte, 2048), ""); err != nil {
			t.Fatal(err)
		}
		st.MaxObjectBytes = 1024
		defer func() { st.MaxObjectBytes = dts3.DefaultMaxObjectBytes }()
		if _, _, err := st.Get(ctx, "big/obj"); doctales.ErrorCode(err) != doctales.ETOOLARGE {
			t.Errorf("get over the limit: code %q, err %v", doctales.ErrorCode(err), err)
		}
	})
}

func TestStore_List(t *testing.T) {
	ctx := context.Background()
	st := MustOpenStore(t)
	st.ListPageSize = 2 // force several ListObjectsV2 pages
	var want []string
	for i := range 5 {
		key := fmt.Sprintf("email/2025/06/1%d/e%d.json", i, i)
		want = append(want, key)
		if _, err := st.Put(ctx, key, []byte(`{}`), "application/json"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Put(ctx, "social/2025/01/01/s.json", []byte(`{}`), "application/json"); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := st.List(ctx, "email/", func(o doctales.ObjectInfo) error {
		if o.Size != 2 || o.ETag == "" {
			t.Errorf("listed %+v", o)
		}
		got = append(got, o.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("list = %v, want %v", got, want)
	}

	t.Run("StopsAtError", func(t *testing.T) {
		n := 0
		stop := fmt.Errorf("stop")
		err := st.List(ctx, "", func(doctales.ObjectInfo) error { n++; return stop })
		if err != stop || n != 1 {
			t.Errorf("list = %v after %d objects", err, n)
		}
	})
}

func TestStore_TraceParent(t *testing.T) {
	st := MustOpenStore(t)
	const tp = "00-6b1489604bf92f3577b34da6a3ce9290-00f067aa0ba902b7-01"
	ctx := doctales.WithTraceParent(context.Background(), tp)

	// Stored from the context as x-amz-meta-traceparent, beside the
	// caller's own metadata, which is not changed.
	own := map[string]string{"source": "email"}
	if _, err := st.PutObject(ctx, "email/2025/06/10/traced.json", []byte(`{}`), dts3.PutOptions{Metadata: own}); err != nil {
		t.Fatal(err)
	}
	if len(own) != 1 {
		t.Fatalf("the caller's metadata map was changed: %v", own)
	}
	got, err := st.TraceParent(context.Background(), "email/2025/06/10/traced.json")
	if err != nil || got != tp {
		t.Fatalf("TraceParent = %q, %v; want %q", got, err, tp)
	}
	obj, err := st.Head(context.Background(), "email/2025/06/10/traced.json")
	if err != nil || obj.Metadata["source"] != "email" || obj.Metadata[dts3.MetaTraceParent] != tp {
		t.Fatalf("metadata %v, %v", obj.Metadata, err)
	}
	// Put (the doctales.ObjectStore method the ingestion uses) too.
	if _, err := st.Put(ctx, "email/2025/06/10/traced-2.json", []byte(`{}`), "application/json"); err != nil {
		t.Fatal(err)
	}
	if got, err := st.TraceParent(context.Background(), "email/2025/06/10/traced-2.json"); err != nil || got != tp {
		t.Fatalf("TraceParent after Put = %q, %v", got, err)
	}

	// A traceparent the caller names wins; none in the context stores none.
	mine := "00-11111111111111111111111111111111-2222222222222222-01"
	if _, err := st.PutObject(ctx, "a/mine.json", []byte(`{}`), dts3.PutOptions{Metadata: map[string]string{dts3.MetaTraceParent: mine}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.TraceParent(ctx, "a/mine.json"); got != mine {
		t.Fatalf("TraceParent = %q, want the caller's %q", got, mine)
	}
	if _, err := st.Put(context.Background(), "a/untraced.json", []byte(`{}`), ""); err != nil {
		t.Fatal(err)
	}
	if got, err := st.TraceParent(ctx, "a/untraced.json"); err != nil || got != "" {
		t.Fatalf("TraceParent of an untraced object = %q, %v", got, err)
	}
	if _, err := st.TraceParent(ctx, "a/missing.json"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("TraceParent of a missing object: %v", err)
	}
}
