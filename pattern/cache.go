package pattern

import (
	"bytes"
	"sync"
	"sync/atomic"
)

// DefaultFlatCacheSlots is the number of flattenings a FlatCache made by
// NewFlatCache(0) keeps: two pages of what a subscription reads from its
// log at once (runtime.DefaultReadLimit, 500), so that subscriptions
// reading the same burst share it even when one runs a page ahead of the
// others. Measured with three filtered subscriptions on a SQLite log, 2
// cores: records appended 20 at a time are flattened once each (hit rate
// 2/3, the most with three readers) with as few as 64 slots; bursts of
// 1,000 records appended at once reach 2/3 only at 1,024 slots (32 % at
// 512, 3 % at 256), as the first reader runs through a whole page before
// the others start. A slot costs about 6.3 KB plus 24 bytes per value of
// the record (about 10 KB for a 1.2 KB stream record), so a full default
// cache holds about 10 MB.
const DefaultFlatCacheSlots = 1024

// FlatCache shares the flattening of an event between its readers: the
// filters of every subscription that reads a record, and the notification
// rule judge after them, flatten it once instead of once each. It keeps
// the last flattening per slot, the slot chosen by the caller's key (a
// log record's sequence number), so it is bounded by its number of slots;
// each slot's Flat keeps the buffers of the largest event it held, except
// those above the pool's bound, which are dropped after use.
//
// Why a cache keyed by sequence rather than a flattening carried with the
// record: each subscription reads the log on its own goroutine with its
// own cursor and gets its own copy of a record, at its own pace, and the
// function's handler receives the record later on a worker; there is no
// one reader to carry a flattening from. Subscriptions of the same source
// read the same records at nearly the same time (they wake on the same
// append), so a cache indexed by sequence catches every repeat while
// they stay within its slots of each other (see DefaultFlatCacheSlots),
// and a reader further behind costs one flattening more, as before.
//
// A hit is decided by the event's bytes, not by the key alone: the key
// only chooses the slot, so two logs, or a redriven copy, sharing one
// cache never see each other's flattening. A miss flattens again, which
// is what every reader did before the cache.
//
// A FlatCache is safe for concurrent use; a slot is locked while its
// Flat is in use. The nil *FlatCache caches nothing: Do flattens into a
// pooled Flat each time.
type FlatCache struct {
	slots        []flatSlot
	hits, misses atomic.Int64
}

// flatSlot is one cached flattening: f holds the event last flattened
// under key, or err its failure.
type flatSlot struct {
	mu  sync.Mutex
	key int64
	f   *Flat
	err error
}

// NewFlatCache returns a cache of n flattenings; n <= 0 means
// DefaultFlatCacheSlots. A slot's Flat is made when first used.
func NewFlatCache(n int) *FlatCache {
	if n <= 0 {
		n = DefaultFlatCacheSlots
	}
	return &FlatCache{slots: make([]flatSlot, n)}
}

// Do calls fn with event flattened (fully, as by Flat.Reset), reusing the
// flattening cached under key when it is of the same bytes. fn must not
// keep f, nor reset it, after it returns: f stays in the cache for the
// next reader, and may refer to event's bytes, which must not change
// afterwards. fn may use Alias (it is undone after fn) and
// Matcher.Matches, whose answer the next reader of the same event reuses.
// fn runs with the slot locked: it must not call Do on the same cache.
//
// The only error is that of Flat.Reset, wrapping ErrInvalidEvent; fn is
// then not called (and the next Do of the same bytes fails at once).
func (c *FlatCache) Do(key int64, event []byte, fn func(f *Flat)) error {
	if c == nil || len(c.slots) == 0 {
		f := getFlat()
		defer putFlat(f)
		if err := f.Reset(event); err != nil {
			return err
		}
		fn(f)
		return nil
	}
	s := &c.slots[uint64(key)%uint64(len(c.slots))]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil && s.key == key && bytes.Equal(s.f.src, event) {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
		if s.f == nil {
			s.f = new(Flat)
		}
		s.key = key
		s.err = s.f.Reset(event) // on failure f is empty but keeps event: the next reader fails at once
	}
	if s.err != nil {
		return s.err
	}
	fn(s.f)
	s.f.Unalias()
	if cap(s.f.nodes) > maxPooledNodes || cap(s.f.arena) > 16*maxPooledNodes {
		s.f = nil // one huge event does not pin its buffers
	}
	return nil
}

// FlatCacheStats are the counters of a FlatCache.
type FlatCacheStats struct {
	Hits   int64 `json:"hits"`   // Do calls that found the event flattened
	Misses int64 `json:"misses"` // Do calls that flattened it
}

// Stats returns the cache's counters; the nil cache's are zero.
func (c *FlatCache) Stats() FlatCacheStats {
	if c == nil {
		return FlatCacheStats{}
	}
	return FlatCacheStats{Hits: c.hits.Load(), Misses: c.misses.Load()}
}
