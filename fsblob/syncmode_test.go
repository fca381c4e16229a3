package fsblob_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/doctales/doctales/fsblob"
)

// TestStore_SyncModes puts new and replaced objects concurrently with the
// shared file-system sync (GroupSync) and with a sync per file: every
// object reads back whole and no temporary file is left.
func TestStore_SyncModes(t *testing.T) {
	for _, group := range []bool{true, false} {
		t.Run(fmt.Sprintf("GroupSync=%v", group), func(t *testing.T) {
			ctx := context.Background()
			s := fsblob.NewStore(filepath.Join(t.TempDir(), "root"), "raw")
			s.GroupSync = group
			if err := s.Open(); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var wg sync.WaitGroup
			for i := range 40 {
				wg.Go(func() {
					key := fmt.Sprintf("d/%d.json", i%20) // every key put twice
					if _, err := s.Put(ctx, key, bytes.Repeat([]byte{byte('a' + i%20)}, 1000+i%20), ""); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			for i := range 20 {
				got, _, err := s.Get(ctx, fmt.Sprintf("d/%d.json", i))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, bytes.Repeat([]byte{byte('a' + i)}, 1000+i)) {
					t.Fatalf("object %d: %d bytes, %q...", i, len(got), got[:4])
				}
			}
			entries, err := os.ReadDir(filepath.Join(s.Root, "raw", "d"))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".") {
					t.Fatalf("temporary file %s left behind", e.Name())
				}
			}
			if len(entries) != 20 {
				t.Fatalf("%d entries, want 20", len(entries))
			}
		})
	}
}
