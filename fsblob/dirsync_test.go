package fsblob

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestDirSyncer_SharesSyncs(t *testing.T) {
	var calls atomic.Int64
	var mu sync.Mutex
	var starts []time.Time
	syncDirFunc = func(string) error {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		calls.Add(1)
		time.Sleep(5 * time.Millisecond)
		return nil
	}
	defer func() { syncDirFunc = syncDir }()

	var d dirSyncer
	var wg sync.WaitGroup
	const n = 100
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			registered := time.Now()
			if err := d.sync("/x"); err != nil {
				t.Error(err)
			}
			// A sync that started after this caller registered must have
			// happened: otherwise its rename might not be covered.
			mu.Lock()
			defer mu.Unlock()
			covered := false
			for _, s := range starts {
				if !s.Before(registered) {
					covered = true
				}
			}
			if !covered {
				t.Error("returned without a sync that started after registration")
			}
		}()
	}
	wg.Wait()
	if c := calls.Load(); c >= n/2 || c < 1 {
		t.Fatalf("%d fsyncs for %d concurrent callers; want them shared", c, n)
	}
}

// TestStore_GroupSyncUsesSyncFS checks that a put under GroupSync waits
// for the shared file-system sync (syncfs on Linux): its unnamed file had
// no fsync of its own, and a sync of the bucket folder alone would leave
// its data and its folder's entry volatile.
func TestStore_GroupSyncUsesSyncFS(t *testing.T) {
	s := NewStore(filepath.Join(t.TempDir(), "root"), "raw")
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	orig := s.fsSyncs.syncFunc
	if orig == nil {
		t.Fatal("Open left the shared file-system sync unset: puts would sync the bucket folder only")
	}
	var calls atomic.Int64
	s.fsSyncs.syncFunc = func(dir string) error { calls.Add(1); return orig(dir) }
	if _, err := s.Put(context.Background(), "d/x.json", []byte("{}"), ""); err != nil {
		t.Fatal(err)
	}
	// (Without /proc/self/fd, Linux too falls back to a named file and an
	// fsync per put.)
	if _, err := os.Stat("/proc/self/fd"); canSyncFS && err == nil && calls.Load() == 0 {
		t.Fatal("a GroupSync put returned without a file-system sync")
	}
}
