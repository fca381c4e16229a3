package fsblob

import (
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
