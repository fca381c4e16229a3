package fsblob_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/fsblob"
)

// testNow is the clock of every test store.
var testNow = time.Date(2025, 6, 10, 15, 30, 0, 123456789, time.UTC)

// MustOpenStore returns an open store of bucket "raw" in a temporary folder,
// with a fixed clock and events recorded in log (which may be nil), closed
// at test end.
func MustOpenStore(tb testing.TB, log *EventLog) *fsblob.Store {
	tb.Helper()
	s := fsblob.NewStore(filepath.Join(tb.TempDir(), "root"), "raw")
	s.Now = func() time.Time { return testNow }
	if log != nil {
		s.Events = log
	}
	if err := s.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// EventLog is an in-memory doctales.EventLog that records what is appended.
// Only Append does anything; Err, when set, makes Append fail.
type EventLog struct {
	mu   sync.Mutex
	recs []*doctales.LogRecord
	Err  error
}

var _ doctales.EventLog = (*EventLog)(nil)

// Append records recs.
func (l *EventLog) Append(ctx context.Context, recs ...*doctales.LogRecord) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Err != nil {
		return l.Err
	}
	for _, r := range recs {
		r.Seq = int64(len(l.recs) + 1)
		r.Time = time.Now()
		l.recs = append(l.recs, r)
	}
	return nil
}

// Records returns a copy of the records appended so far.
func (l *EventLog) Records() []*doctales.LogRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*doctales.LogRecord(nil), l.recs...)
}

// ReadLog is not used by the store.
func (l *EventLog) ReadLog(context.Context, string, int64, int) ([]*doctales.LogRecord, error) {
	return nil, errors.New("not implemented")
}

// Changed is not used by the store.
func (l *EventLog) Changed() <-chan struct{} { return nil }

// Checkpoint is not used by the store.
func (l *EventLog) Checkpoint(context.Context, string) (int64, error) { return 0, nil }

// SetCheckpoint is not used by the store.
func (l *EventLog) SetCheckpoint(context.Context, string, int64) error { return nil }

// md5Hex returns the hex MD5 of data.
func md5Hex(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

func TestStore_Put(t *testing.T) {
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		s := MustOpenStore(t, nil)
		data := []byte(`{"id":"email-123","content":"hello"}`)
		key := "email/2025/06/10/email-123.json"
		info, err := s.Put(ctx, key, data, "application/json")
		if err != nil {
			t.Fatal(err)
		}
		want := doctales.ObjectInfo{Bucket: "raw", Key: key, Size: int64(len(data)), ETag: md5Hex(data),
			LastModified: testNow.Truncate(time.Millisecond)}
		if info != want {
			t.Fatalf("Put info = %+v, want %+v", info, want)
		}

		got, ginfo, err := s.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		} else if !bytes.Equal(got, data) {
			t.Fatalf("Get = %q, want %q", got, data)
		} else if !ginfo.LastModified.Equal(want.LastModified) || ginfo.ETag != want.ETag || ginfo.Size != want.Size {
			t.Fatalf("Get info = %+v, want %+v", ginfo, want)
		}

		// The file is where the key says, under <root>/<bucket>.
		b, err := os.ReadFile(filepath.Join(s.Root, "raw", "email", "2025", "06", "10", "email-123.json"))
		if err != nil || !bytes.Equal(b, data) {
			t.Fatalf("file: %q, %v", b, err)
		}
	})

	t.Run("Overwrite", func(t *testing.T) {
		s := MustOpenStore(t, nil)
		for _, v := range []string{"first version, longer", "second"} {
			if _, err := s.Put(ctx, "k.json", []byte(v), ""); err != nil {
				t.Fatal(err)
			}
		}
		if got, _, err := s.Get(ctx, "k.json"); err != nil || string(got) != "second" {
			t.Fatalf("Get = %q, %v", got, err)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		log := &EventLog{}
		s := MustOpenStore(t, log)
		info, err := s.Put(ctx, "empty", nil, "")
		if err != nil {
			t.Fatal(err)
		} else if info.Size != 0 || info.ETag != "d41d8cd98f00b204e9800998ecf8427e" {
			t.Fatalf("info = %+v", info)
		}
		if !bytes.Contains(log.Records()[0].Data, []byte(`"size":0`)) {
			t.Fatalf("event has no size: %s", log.Records()[0].Data)
		}
	})

	t.Run("ETagIsMD5", func(t *testing.T) {
		s := MustOpenStore(t, nil)
		info, err := s.Put(ctx, "hello.txt", []byte("hello"), "text/plain")
		if err != nil {
			t.Fatal(err)
		}
		// md5 -s hello
		if info.ETag != "5d41402abc4b2a76b9719d911017c592" {
			t.Fatalf("ETag = %q", info.ETag)
		}
		if _, ginfo, _ := s.Get(ctx, "hello.txt"); ginfo.ETag != info.ETag {
			t.Fatalf("Get ETag = %q, want %q", ginfo.ETag, info.ETag)
		}
	})

	t.Run("ErrInvalidKey", func(t *testing.T) {
		tmp := t.TempDir()
		s := fsblob.NewStore(filepath.Join(tmp, "root"), "raw")
		if err := s.Open(); err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		long := strings.Repeat(strings.Repeat("k", 200)+"/", 6)[:1025]
		for _, key := range []string{
			"", "../x", "a/../../b", "/abs", `a\b`, `..\x`, "..", ".", "a/./b", "a//b", "a/", "a/b/..",
			"a\x00b", "a\nb", "\xff", long, strings.Repeat("s", 256), "a/.fsblob-tmp-123",
		} {
			_, err := s.Put(ctx, key, []byte("x"), "")
			if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "key" {
				t.Errorf("Put(%q): %v, want EINVALID on field key", key, err)
			}
			_, _, err = s.Get(ctx, key)
			if doctales.ErrorCode(err) != doctales.EINVALID {
				t.Errorf("Get(%q): %v, want EINVALID", key, err)
			}
		}
		// Nothing was written anywhere: the bucket folder is the only entry.
		err := filepath.WalkDir(tmp, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				t.Errorf("file written: %s", path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("KeyLimits", func(t *testing.T) {
		s := MustOpenStore(t, nil)
		seg := strings.Repeat("s", fsblob.MaxSegmentBytes)
		if _, err := s.Put(ctx, seg, []byte("x"), ""); err != nil {
			t.Fatalf("segment of %d bytes: %v", len(seg), err)
		}
		if _, err := s.Put(ctx, seg+"s", []byte("x"), ""); doctales.ErrorCode(err) != doctales.EINVALID {
			t.Fatalf("segment of %d bytes: %v", len(seg)+1, err)
		}
		// Five 200-byte segments, each followed by "/", and a 19-byte one
		// make exactly MaxKeyBytes.
		key := strings.Repeat(strings.Repeat("k", 200)+"/", 5) + strings.Repeat("k", 19)
		if len(key) != fsblob.MaxKeyBytes {
			t.Fatalf("test key is %d bytes", len(key))
		}
		if _, err := s.Put(ctx, key, []byte("x"), ""); err != nil {
			t.Fatalf("key of %d bytes: %v", len(key), err)
		}
		_, err := s.Put(ctx, key+"k", []byte("x"), "")
		if doctales.ErrorCode(err) != doctales.EINVALID || !strings.Contains(doctales.ErrorMessage(err), "the limit is 1024") {
			t.Fatalf("key of %d bytes: %v", len(key)+1, err)
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		s := MustOpenStore(t, nil)
		if _, err := s.Put(ctx, "a/b", []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(ctx, "a/b/c", []byte("x"), ""); doctales.ErrorCode(err) != doctales.ECONFLICT {
			t.Fatalf("object under an object: %v", err)
		}
		if _, err := s.Put(ctx, "a", []byte("x"), ""); doctales.ErrorCode(err) != doctales.ECONFLICT {
			t.Fatalf("object over a folder: %v", err)
		}
		if got, _, err := s.Get(ctx, "a/b"); err != nil || string(got) != "x" {
			t.Fatalf("a/b damaged: %q, %v", got, err)
		}
	})

	t.Run("ErrClosed", func(t *testing.T) {
		s := MustOpenStore(t, nil)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(ctx, "k", []byte("x"), ""); !errors.Is(err, fsblob.ErrClosed) {
			t.Fatalf("Put after Close: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	})

	t.Run("ErrCanceled", func(t *testing.T) {
		s := MustOpenStore(t, nil)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Put(cctx, "k", []byte("x"), ""); !errors.Is(err, context.Canceled) {
			t.Fatalf("Put with a cancelled context: %v", err)
		}
	})

	t.Run("ErrAppend", func(t *testing.T) {
		log := &EventLog{Err: errors.New("log full")}
		s := MustOpenStore(t, log)
		_, err := s.Put(ctx, "k", []byte("x"), "")
		if err == nil || !strings.Contains(err.Error(), "log full") || !strings.Contains(err.Error(), `"k"`) {
			t.Fatalf("Put with a failing log: %v", err)
		}
		// The object is stored; putting again announces it.
		if _, _, err := s.Get(ctx, "k"); err != nil {
			t.Fatalf("Get: %v", err)
		}
		log.Err = nil
		if _, err := s.Put(ctx, "k", []byte("x"), ""); err != nil || len(log.Records()) != 1 {
			t.Fatalf("Put again: %v, %d records", err, len(log.Records()))
		}
	})
}

func TestStore_Put_Event(t *testing.T) {
	ctx := context.Background()
	log := &EventLog{}
	s := MustOpenStore(t, log)

	key := "email/2025/06/10/Re: a b+c(1)@x~y.json"
	data := []byte(`{"content":"hello"}`)
	if _, err := s.Put(ctx, key, data, "application/json"); err != nil {
		t.Fatal(err)
	}
	recs := log.Records()
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	lr := recs[0]
	if lr.Source != doctales.SourceS3 || lr.Key != key || lr.Target != "" {
		t.Fatalf("log record %+v", lr)
	}

	// The data is exactly one S3 event notification record.
	var rec events.S3EventRecord
	dec := json.NewDecoder(bytes.NewReader(lr.Data))
	if err := dec.Decode(&rec); err != nil {
		t.Fatalf("unmarshal %s: %v", lr.Data, err)
	}
	wantKey := "email/2025/06/10/Re%3A+a+b%2Bc%281%29%40x~y.json"
	switch {
	case rec.EventVersion != "2.1", rec.EventSource != "aws:s3", rec.AWSRegion != "us-east-1",
		!rec.EventTime.Equal(testNow.Truncate(time.Millisecond)), rec.EventName != "ObjectCreated:Put",
		rec.PrincipalID.PrincipalID != fsblob.DefaultPrincipalID,
		rec.RequestParameters.SourceIPAddress != "127.0.0.1":
		t.Errorf("event header: %+v", rec)
	case !regexp.MustCompile(`^[0-9A-F]{16}$`).MatchString(rec.ResponseElements["x-amz-request-id"]),
		len(rec.ResponseElements["x-amz-id-2"]) != 64, len(rec.ResponseElements) != 2:
		t.Errorf("responseElements: %v", rec.ResponseElements)
	case rec.S3.SchemaVersion != "1.0", rec.S3.ConfigurationID != fsblob.DefaultConfigurationID,
		rec.S3.Bucket.Name != "raw", rec.S3.Bucket.Arn != "arn:aws:s3:::raw",
		rec.S3.Bucket.OwnerIdentity.PrincipalID != fsblob.DefaultPrincipalID:
		t.Errorf("s3 bucket: %+v", rec.S3)
	case rec.S3.Object.Key != wantKey, rec.S3.Object.URLDecodedKey != key,
		rec.S3.Object.Size != int64(len(data)), rec.S3.Object.ETag != md5Hex(data),
		!regexp.MustCompile(`^[0-9A-F]{16}$`).MatchString(rec.S3.Object.Sequencer):
		t.Errorf("s3 object: %+v", rec.S3.Object)
	}
	if dec.More() {
		t.Errorf("more than one value in %s", lr.Data)
	}
	// eventTime has S3's millisecond form.
	if !bytes.Contains(lr.Data, []byte(`"eventTime":"2025-06-10T15:30:00.123Z"`)) {
		t.Errorf("eventTime not in S3's form: %s", lr.Data)
	}
	// S3 sends no urlDecodedKey.
	if bytes.Contains(lr.Data, []byte("urlDecodedKey")) {
		t.Errorf("urlDecodedKey in %s", lr.Data)
	}

	// The sequencer increases with each put, even with a frozen clock.
	prev := rec.S3.Object.Sequencer
	for i := range 5 {
		k := key
		if i%2 == 1 {
			k = fmt.Sprintf("other/%d", i)
		}
		if _, err := s.Put(ctx, k, data, ""); err != nil {
			t.Fatal(err)
		}
		recs := log.Records()
		var r events.S3EventRecord
		if err := json.Unmarshal(recs[len(recs)-1].Data, &r); err != nil {
			t.Fatal(err)
		}
		if r.S3.Object.Sequencer <= prev {
			t.Fatalf("sequencer %s after %s", r.S3.Object.Sequencer, prev)
		}
		prev = r.S3.Object.Sequencer
	}

	// A custom region and configuration.
	s2 := fsblob.NewStore(t.TempDir(), "doc-tales-raw-communications-dev")
	s2.Region, s2.ConfigurationID, s2.Events = "eu-west-1", "cfg", log
	if err := s2.Open(); err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.Put(ctx, "k", data, ""); err != nil {
		t.Fatal(err)
	}
	recs = log.Records()
	if err := json.Unmarshal(recs[len(recs)-1].Data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.AWSRegion != "eu-west-1" || rec.S3.ConfigurationID != "cfg" ||
		rec.S3.Bucket.Arn != "arn:aws:s3:::doc-tales-raw-communications-dev" {
		t.Fatalf("custom settings: %+v", rec)
	}
}

// TestStore_Put_Concurrent puts different contents to one key at once: the
// file ends whole and equal to one of them, that one is the last announced,
// and no temporary file remains.
func TestStore_Put_Concurrent(t *testing.T) {
	ctx := context.Background()
	log := &EventLog{}
	s := MustOpenStore(t, log)

	const writers, size = 16, 256 << 10
	key := "email/2025/06/10/same.json"
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			data := bytes.Repeat([]byte{byte('a' + i)}, size)
			if _, err := s.Put(ctx, key, data, ""); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	got, info, err := s.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != size || !bytes.Equal(got, bytes.Repeat(got[:1], size)) {
		t.Fatalf("torn object: %d bytes, starting %q", len(got), got[:min(len(got), 8)])
	}

	// Events: one per put, in increasing sequencer order, the last one
	// describing the surviving content.
	recs := log.Records()
	if len(recs) != writers {
		t.Fatalf("%d events, want %d", len(recs), writers)
	}
	prev := ""
	var last events.S3EventRecord
	for _, r := range recs {
		if err := json.Unmarshal(r.Data, &last); err != nil {
			t.Fatal(err)
		}
		if last.S3.Object.Sequencer <= prev {
			t.Fatalf("sequencer %s after %s", last.S3.Object.Sequencer, prev)
		}
		prev = last.S3.Object.Sequencer
	}
	if last.S3.Object.ETag != info.ETag {
		t.Fatalf("last event ETag %s, object ETag %s", last.S3.Object.ETag, info.ETag)
	}

	entries, err := os.ReadDir(filepath.Join(s.Root, "raw", "email", "2025", "06", "10"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "same.json" {
		t.Fatalf("folder holds %v", entries)
	}
}

func TestStore_Open(t *testing.T) {
	ctx := context.Background()

	t.Run("RemovesTempFiles", func(t *testing.T) {
		root := t.TempDir()
		s := fsblob.NewStore(root, "raw")
		if err := s.Open(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(ctx, "email/2025/06/10/x.json", []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}

		// Leave what a crash between write and rename leaves.
		dir := filepath.Join(root, "raw", "email", "2025", "06", "10")
		for _, name := range []string{
			filepath.Join(dir, ".fsblob-tmp-1234567"),
			filepath.Join(root, "raw", ".fsblob-tmp-89"),
		} {
			if err := os.WriteFile(name, []byte("half a wri"), 0o600); err != nil {
				t.Fatal(err)
			}
			old := time.Now().Add(-time.Hour)
			if err := os.Chtimes(name, old, old); err != nil {
				t.Fatal(err)
			}
		}
		// A temporary file newer than the sweep is a put of this
		// process in flight: it stays.
		fresh := filepath.Join(dir, ".fsblob-tmp-inflight")
		if err := os.WriteFile(fresh, []byte("a put in flig"), 0o600); err != nil {
			t.Fatal(err)
		}
		if list, err := listAfterOpen(s); err != nil || len(list) != 1 {
			t.Fatalf("List = %v, %v", list, err)
		}
		// The sweep runs in the background (issue 15: a million objects
		// take seconds to walk): wait for it.
		select {
		case <-s.Swept():
		case <-time.After(10 * time.Second):
			t.Fatal("the sweep of temporary files did not end within 10s")
		}
		if err := s.SweepErr(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(fresh); err != nil {
			t.Fatalf("the sweep removed a temporary file newer than Open: %v", err)
		}
		if err := os.Remove(fresh); err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 || entries[0].Name() != "x.json" {
			t.Fatalf("folder holds %v after Open", entries)
		}
		if entries, _ := os.ReadDir(filepath.Join(root, "raw")); len(entries) != 1 {
			t.Fatalf("bucket folder holds %v after Open", entries)
		}
	})

	// SweepAfter holds the sweep back until it is closed (serve closes it
	// once it listens, issue 15), and Close ends a sweep still waiting.
	t.Run("SweepAfter", func(t *testing.T) {
		root := t.TempDir()
		stale := filepath.Join(root, "raw", ".fsblob-tmp-42")
		if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(stale, []byte("half a wri"), 0o600); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(stale, old, old); err != nil {
			t.Fatal(err)
		}
		after := make(chan struct{})
		s := fsblob.NewStore(root, "raw")
		s.SweepAfter = after
		if err := s.Open(); err != nil {
			t.Fatal(err)
		}
		// A put works while the sweep waits, and its file is not swept.
		if _, err := s.Put(ctx, "email/x.json", []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		select {
		case <-s.Swept():
			t.Fatal("the sweep ended before SweepAfter was closed")
		default:
		}
		if _, err := os.Stat(stale); err != nil {
			t.Fatalf("the stale temporary file is gone before SweepAfter was closed: %v", err)
		}
		close(after)
		select {
		case <-s.Swept():
		case <-time.After(10 * time.Second):
			t.Fatal("the sweep did not end within 10s of SweepAfter's close")
		}
		if err := s.SweepErr(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("stale temporary file after the sweep: %v, want it removed", err)
		}
		if b, _, err := s.Get(ctx, "email/x.json"); err != nil || string(b) != "x" {
			t.Fatalf("Get after the sweep = %q, %v", b, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}

		// Close stops a sweep that is still waiting.
		s = fsblob.NewStore(root, "raw")
		s.SweepAfter = make(chan struct{})
		if err := s.Open(); err != nil {
			t.Fatal(err)
		}
		swept := s.Swept()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-swept:
		default:
			t.Fatal("Close returned with the sweep still waiting for SweepAfter")
		}
	})

	t.Run("ErrBucketName", func(t *testing.T) {
		for _, name := range []string{"", "ab", "Raw", "a_b", "-ab", "ab-", "a..b", "../x", strings.Repeat("b", 64)} {
			if err := fsblob.NewStore(t.TempDir(), name).Open(); err == nil {
				t.Errorf("bucket %q accepted", name)
			}
		}
	})

	t.Run("ErrRoot", func(t *testing.T) {
		if err := fsblob.NewStore("", "raw").Open(); err == nil {
			t.Fatal("empty root accepted")
		}
		file := filepath.Join(t.TempDir(), "file")
		os.WriteFile(file, nil, 0o600)
		if err := fsblob.NewStore(file, "raw").Open(); err == nil {
			t.Fatal("root under a file accepted")
		}
	})
}

// listAfterOpen opens s and lists all its objects.
func listAfterOpen(s *fsblob.Store) ([]doctales.ObjectInfo, error) {
	if err := s.Open(); err != nil {
		return nil, err
	}
	return s.List(context.Background(), "")
}

func TestStore_Get(t *testing.T) {
	ctx := context.Background()
	s := MustOpenStore(t, nil)
	if _, err := s.Put(ctx, "a/b.json", []byte("x"), ""); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"missing.json", "a", "a/c", "a/b.json/c"} {
		_, _, err := s.Get(ctx, key)
		if doctales.ErrorCode(err) != doctales.ENOTFOUND || !strings.Contains(doctales.ErrorMessage(err), key) {
			t.Errorf("Get(%q): %v, want ENOTFOUND naming the key", key, err)
		}
	}
}

func TestStore_Delete(t *testing.T) {
	ctx := context.Background()
	log := &EventLog{}
	s := MustOpenStore(t, log)
	if _, err := s.Put(ctx, "a/b.json", []byte("x"), ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "a/b.json"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, "a/b.json"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("Get after Delete: %v", err)
	}
	// Missing objects and folders: nothing to do, as on S3.
	if err := s.Delete(ctx, "a/b.json"); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	if err := s.Delete(ctx, "a"); err != nil {
		t.Fatalf("Delete of a folder: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.Root, "raw", "a")); err != nil {
		t.Fatalf("folder removed: %v", err)
	}
	if err := s.Delete(ctx, "../x"); doctales.ErrorCode(err) != doctales.EINVALID {
		t.Fatalf("Delete of an invalid key: %v", err)
	}
	if n := len(log.Records()); n != 1 {
		t.Fatalf("%d events, want 1 (deletes announce nothing)", n)
	}
}

func TestStore_List(t *testing.T) {
	ctx := context.Background()
	s := MustOpenStore(t, nil)
	for _, key := range []string{
		"social/2025/06/11/s.json", "email/2025/06/10/b.json", "email/2025/06/10/a.json", "email/2025/06/11/c.json", "emails.txt",
	} {
		if _, err := s.Put(ctx, key, []byte(key), ""); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"email/2025/06/10/a.json", "email/2025/06/10/b.json", "email/2025/06/11/c.json", "emails.txt", "social/2025/06/11/s.json"}},
		{"email", []string{"email/2025/06/10/a.json", "email/2025/06/10/b.json", "email/2025/06/11/c.json", "emails.txt"}},
		{"email/2025/06/1", []string{"email/2025/06/10/a.json", "email/2025/06/10/b.json", "email/2025/06/11/c.json"}},
		{"email/2025/06/10/", []string{"email/2025/06/10/a.json", "email/2025/06/10/b.json"}},
		{"document/", nil},
		{"../", nil},
	}
	for _, tt := range tests {
		list, err := s.List(ctx, tt.prefix)
		if err != nil {
			t.Fatalf("List(%q): %v", tt.prefix, err)
		}
		var keys []string
		for _, o := range list {
			keys = append(keys, o.Key)
			if o.Bucket != "raw" || o.Size != int64(len(o.Key)) {
				t.Errorf("List(%q): %+v", tt.prefix, o)
			}
		}
		if fmt.Sprint(keys) != fmt.Sprint(tt.want) {
			t.Errorf("List(%q) = %v, want %v", tt.prefix, keys, tt.want)
		}
	}
}

// BenchmarkPut puts 1 KB objects with no event log, spread over a few
// folders, each put synced to disk.
func BenchmarkPut(b *testing.B) {
	s := MustOpenStore(b, nil)
	ctx := context.Background()
	data := bytes.Repeat([]byte("x"), 1024)
	b.SetBytes(int64(len(data)))
	for i := 0; b.Loop(); i++ {
		key := fmt.Sprintf("email/2025/06/%02d/%d.json", i%8, i)
		if _, err := s.Put(ctx, key, data, "application/json"); err != nil {
			b.Fatal(err)
		}
	}
}
