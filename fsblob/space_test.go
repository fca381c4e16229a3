package fsblob_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/fsblob"
	"github.com/doctales/doctales/internal/testutil"
)

// TestStore_Put_NoSpace fills a tmpfs the test mounts: a put fails with
// ENOSPACE naming the folder and the bytes free, is counted, leaves no file
// behind and the old version of the key intact; after space is freed the
// put works.
func TestStore_Put_NoSpace(t *testing.T) {
	for _, group := range []bool{true, false} {
		name := "GroupSync"
		if !group {
			name = "SyncEach"
		}
		t.Run(name, func(t *testing.T) {
			root := testutil.MustMountTmpfs(t, 4<<20)
			log := &EventLog{}
			s := fsblob.NewStore(filepath.Join(root, "objects"), "raw")
			s.Events, s.GroupSync = log, group
			if err := s.Open(); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			old := []byte(`{"v":1}`)
			if _, err := s.Put(ctx, "a/b.json", old, "application/json"); err != nil {
				t.Fatal(err)
			}
			filler := testutil.MustFillDisk(t, root)

			_, err := s.Put(ctx, "a/b.json", bytes.Repeat([]byte("x"), 64<<10), "application/json")
			if doctales.ErrorCode(err) != doctales.ENOSPACE {
				t.Fatalf("Put on a full disk = %v, want ENOSPACE", err)
			}
			msg := doctales.ErrorMessage(err)
			for _, want := range []string{s.Root, "no space left", "bytes free", "free space and retry"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not contain %q", msg, want)
				}
			}
			if n := s.NoSpaceErrors(); n != 1 {
				t.Errorf("NoSpaceErrors = %d, want 1", n)
			}
			if got, _, err := s.Get(ctx, "a/b.json"); err != nil || !bytes.Equal(got, old) {
				t.Fatalf("the old version is not intact: %q %v", got, err)
			}
			if len(log.Records()) != 1 {
				t.Errorf("%d events, want 1 (the failed put announced nothing)", len(log.Records()))
			}
			_ = filepath.WalkDir(s.Root, func(path string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() && path != filepath.Join(s.Root, "raw", "a", "b.json") {
					t.Errorf("left behind: %s", path)
				}
				return err
			})

			if err := os.Remove(filler); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Put(ctx, "a/b.json", []byte(`{"v":2}`), "application/json"); err != nil {
				t.Fatalf("Put after freeing space: %v", err)
			}
		})
	}
}
