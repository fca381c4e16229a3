package pattern_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/doctales/doctales/pattern"
)

// TestFlat_Alias: with NewImage aliased to OldImage, a Flat matches as the
// record whose new image is its old one would (encoded and flattened
// anew), for every pattern of the table benchmark; Unalias and Reset end
// it; a path that is not an object changes nothing.
func TestFlat_Alias(t *testing.T) {
	event := readEvent(t, "bench-modify-1k.json")
	swapped := []byte(`{"dynamodb":{"NewImage":{"PK":{"S":"COMM"},"SK":{"S":"COMM#email-123"},"status":{"S":"received"},"metadata":{"M":{"urgency":{"S":"low"}}}},` +
		`"OldImage":{"PK":{"S":"COMM"},"SK":{"S":"COMM#email-123"},"status":{"S":"received"},"metadata":{"M":{"urgency":{"S":"low"}}}},"SizeBytes":1650},"eventName":"MODIFY"}`)
	var f, want pattern.Flat
	if err := f.Reset(event); err != nil {
		t.Fatal(err)
	}
	if err := want.Reset(swapped); err != nil {
		t.Fatal(err)
	}
	texts := append(mixedPatterns(100),
		`{"dynamodb":{"NewImage":{"status":{"S":["received"]}}}}`,
		`{"dynamodb":{"NewImage":{"subject":{"S":[{"exists":false}]}}}}`,
		`{"dynamodb":{"OldImage":{"status":{"S":["received"]}}}}`)
	pats := make([]*pattern.Pattern, len(texts))
	for i, text := range texts {
		pats[i] = pattern.MustCompile(text)
	}
	before := make([]bool, len(pats))
	for i, p := range pats {
		before[i] = p.MatchFlat(&f)
	}
	if !f.Alias([]string{"dynamodb"}, "NewImage", "OldImage") {
		t.Fatal("Alias(dynamodb) = false")
	}
	differ := 0
	for i, p := range pats {
		got, w := p.MatchFlat(&f), p.MatchFlat(&want)
		if got != w {
			t.Errorf("aliased: %s = %v, the swapped record %v", texts[i], got, w)
		}
		if got != before[i] {
			differ++
		}
	}
	if differ == 0 {
		t.Error("no pattern answered differently under the alias: the test tests nothing")
	}
	f.Unalias()
	for i, p := range pats {
		if got := p.MatchFlat(&f); got != before[i] {
			t.Errorf("after Unalias: %s = %v, want %v", texts[i], got, before[i])
		}
	}
	if f.Alias([]string{"dynamodb", "SizeBytes"}, "NewImage", "OldImage") || f.Alias([]string{"nope"}, "a", "b") {
		t.Error("Alias on a path that is not an object reported true")
	}
	f.Alias([]string{"dynamodb"}, "NewImage", "OldImage")
	if err := f.Reset(event); err != nil {
		t.Fatal(err)
	}
	for i, p := range pats {
		if got := p.MatchFlat(&f); got != before[i] {
			t.Errorf("after Reset: %s = %v, want %v", texts[i], got, before[i])
		}
	}
}

// TestMatcher_MatchesMemo: Matches answers as AppendMatches, remembers
// the answer for the same event and matcher, and forgets it on Reset,
// Alias and for another matcher.
func TestMatcher_MatchesMemo(t *testing.T) {
	event := readEvent(t, "bench-modify-1k.json")
	var m, other pattern.Matcher
	for i, text := range mixedPatterns(100) {
		if err := m.AddPattern(fmt.Sprintf("p%03d", i), text); err != nil {
			t.Fatal(err)
		}
	}
	if err := other.AddPattern("old-low", `{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["low"]}}}}}}`); err != nil {
		t.Fatal(err)
	}
	var f pattern.Flat
	if err := f.Reset(event); err != nil {
		t.Fatal(err)
	}
	want := m.AppendMatches(nil, &f)
	if _, ok := m.Cached(&f); ok {
		t.Error("Cached before any Matches reported an answer")
	}
	got := m.Matches(&f)
	if ids, ok := m.Cached(&f); !ok || !slices.Equal(ids, want) {
		t.Errorf("Cached after Matches = %v %v, want %v", ids, ok, want)
	}
	if _, ok := other.Cached(&f); ok {
		t.Error("another matcher's Cached reported m's answer")
	}
	if !slices.Equal(got, want) || len(want) != 4 {
		t.Fatalf("Matches = %v, want %v", got, want)
	}
	if again := m.Matches(&f); &again[0] != &got[0] {
		t.Error("the second Matches of the same event matched again")
	}
	if ids := other.Matches(&f); len(ids) != 0 {
		t.Errorf("other matcher: %v, want none", ids)
	}
	f.Alias([]string{"dynamodb"}, "NewImage", "OldImage")
	if ids := other.Matches(&f); !slices.Equal(ids, []string{"old-low"}) {
		t.Errorf("other matcher under the alias: %v, want [old-low] (a stale memo?)", ids)
	}
	f.Unalias()
	if ids := m.Matches(&f); !slices.Equal(ids, want) {
		t.Errorf("after Unalias: %v, want %v", ids, want)
	}
	if err := f.Reset([]byte(`{"eventName":"REMOVE"}`)); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Cached(&f); ok {
		t.Error("Cached after Reset reported the last event's answer")
	}
	if ids := m.Matches(&f); len(ids) != 0 {
		t.Errorf("after Reset to another event: %v, want none (a stale memo?)", ids)
	}
}

// TestFlatCache: readers of the same key and bytes share one flattening
// (one miss, then hits); other bytes under the same key, or a key on the
// same slot, flatten anew and match their own event; an invalid event
// fails every reader without calling fn; the nil cache works uncached.
func TestFlatCache(t *testing.T) {
	event := readEvent(t, "bench-modify-1k.json")
	urgency := pattern.MustCompile(urgencyPattern)
	c := pattern.NewFlatCache(4)
	match := func(key int64, ev []byte) bool {
		t.Helper()
		var ok bool
		if err := c.Do(key, ev, func(f *pattern.Flat) { ok = urgency.MatchFlat(f) }); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for range 3 {
		if !match(7, slices.Clone(event)) {
			t.Fatal("the record does not match the urgency pattern")
		}
	}
	if s := c.Stats(); s.Misses != 1 || s.Hits != 2 {
		t.Errorf("stats %+v, want 1 miss and 2 hits", s)
	}
	low := []byte(`{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["low"]}}}}}}`)
	if match(7, low) {
		t.Error("other bytes under key 7 matched as the cached record")
	}
	if match(11, low) || !match(11, event) || !match(7, event) { // 11 and 7 share slot 3
		t.Error("keys on the same slot mixed their events")
	}
	called := false
	for range 2 {
		err := c.Do(9, []byte(`{"dynamodb":`), func(*pattern.Flat) { called = true })
		if !errors.Is(err, pattern.ErrInvalidEvent) {
			t.Errorf("invalid event: %v, want ErrInvalidEvent", err)
		}
	}
	if called {
		t.Error("fn was called for an invalid event")
	}
	var none *pattern.FlatCache
	ok := false
	if err := none.Do(1, event, func(f *pattern.Flat) { ok = urgency.MatchFlat(f) }); err != nil || !ok {
		t.Errorf("nil cache: %v, %v", ok, err)
	}
	if none.Stats() != (pattern.FlatCacheStats{}) {
		t.Error("nil cache has counters")
	}
	// An alias set by a reader does not outlive its Do.
	_ = c.Do(5, event, func(f *pattern.Flat) { f.Alias([]string{"dynamodb"}, "NewImage", "OldImage") })
	if err := c.Do(5, event, func(f *pattern.Flat) { ok = urgency.MatchFlat(f) }); err != nil || !ok {
		t.Errorf("after a reader's alias: %v, %v", ok, err)
	}
}

// TestFlatCache_Concurrent: many goroutines reading the same keys get
// the right answer (run with -race).
func TestFlatCache_Concurrent(t *testing.T) {
	event := readEvent(t, "bench-modify-1k.json")
	low := []byte(`{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["low"]}}}}}}`)
	urgency := pattern.MustCompile(urgencyPattern)
	c := pattern.NewFlatCache(8)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				key := int64(i % 16)
				ev, want := event, true
				if (i+g)%3 == 0 {
					ev, want = low, false
				}
				var got bool
				if err := c.Do(key, ev, func(f *pattern.Flat) { got = urgency.MatchFlat(f) }); err != nil || got != want {
					t.Errorf("key %d: %v, %v, want %v", key, got, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}
