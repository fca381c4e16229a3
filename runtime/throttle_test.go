package runtime

import (
	"testing"
	"time"
)

func TestThrottle_Reserve(t *testing.T) {
	if newThrottle(0) != nil {
		t.Fatal("maxReceivesPerSecond 0 throttles")
	}
	th := newThrottle(10) // one call per 100ms
	t0 := time.Unix(1000, 0)
	// Five calls at the same instant are spread 100ms apart.
	for i := 0; i < 5; i++ {
		if w := th.reserve(t0, 1); w != time.Duration(i)*100*time.Millisecond {
			t.Fatalf("call %d waits %s, want %dms", i+1, w, i*100)
		}
	}
	// A batch of 3 books 3 slots.
	if w := th.reserve(t0, 3); w != 500*time.Millisecond {
		t.Fatalf("batch waits %s, want 500ms", w)
	}
	if w := th.reserve(t0, 1); w != 800*time.Millisecond {
		t.Fatalf("call after batch waits %s, want 800ms", w)
	}
	// After an idle second no burst is saved: the next call goes at once,
	// the one after 100ms later.
	t1 := t0.Add(2 * time.Second)
	if w := th.reserve(t1, 1); w != 0 {
		t.Fatalf("call after idle waits %s", w)
	}
	if w := th.reserve(t1, 1); w != 100*time.Millisecond {
		t.Fatalf("second call after idle waits %s", w)
	}
}
