package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/ingest"
)

// DefaultWorkers is how many items are parsed and stored at once. Storing
// waits on fsync more than on the CPU, so a few per core keep the disk's
// group commits full.
const DefaultWorkers = 8

// Skip reasons.
const (
	ReasonAlreadyIn = "already imported"
	ReasonDuplicate = "id already used by different content (a post changed since it was imported, or an id reused)"
)

// Importer walks a path and sends every item it finds to a Sink, with a
// bounded number of workers, and counts what happened. A failing item is
// recorded with its place and reason and the import goes on.
type Importer struct {
	// Sink receives the items. Required.
	Sink Sink
	// Walker finds them; nil means a Walker with default limits.
	Walker *Walker
	// Options are the project and source given to every item.
	Options ingest.Options
	// Workers is how many items are in flight at once. Zero means
	// DefaultWorkers.
	Workers int
	// Progress, if set, is called with the counts at most every
	// ProgressInterval and once at the end.
	Progress func(Stats)
	// ProgressInterval is the shortest time between Progress calls. Zero
	// means 200ms.
	ProgressInterval time.Duration
	// Logger gets one Debug record per item and one Warn record per
	// failure. Nil means no logging.
	Logger *slog.Logger

	stats Stats
	mu    sync.Mutex // guards stats.Failures and stats.Skips
}

// Stats are the counts of an import.
type Stats struct {
	Found    int64 // items found so far
	Imported int64
	Skipped  int64         // already in, or an entry the walk did not read (a link, a FIFO: see SkipError)
	Failed   int64         // including files over their size limit (TooLargeError)
	Bytes    int64         // bytes of the items processed
	Total    int64         // bytes of the input files, when known (0 otherwise)
	Elapsed  time.Duration // since the start
	Done     bool          // the import is over
	Ignored  int           // files whose kind was not recognised
	// Failures and Skips group the items by reason, most frequent first
	// in Summary.
	Failures map[string]*Reason
	Skips    map[string]*Reason
	// IgnoredPaths names the first ignored files.
	IgnoredPaths []string
}

// Reason is a group of items that failed or were skipped for one reason.
type Reason struct {
	Code     string   // the error code (EINVALID, ETOOLARGE, ...); "" for a replay
	Message  string   // the first item's message
	Count    int      // items
	Examples []string // the first items' places and messages
}

// maxExamples is how many items each reason names.
const maxExamples = 5

// Rate returns the items processed per second.
func (s Stats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Imported+s.Skipped+s.Failed) / s.Elapsed.Seconds()
}

// Run imports everything under path and returns the counts. It returns an
// error only when path cannot be read or ctx is done (the counts so far are
// still returned); item failures are in Stats.Failures.
func (im *Importer) Run(ctx context.Context, path string) (Stats, error) {
	if im.Sink == nil {
		return Stats{}, errors.New("importer: sink required")
	}
	w := im.Walker
	if w == nil {
		w = &Walker{}
	}
	w.Options = im.Options
	workers := im.Workers
	if workers <= 0 {
		workers = DefaultWorkers
	}
	interval := im.ProgressInterval
	if interval <= 0 {
		interval = 200 * time.Millisecond
	}
	im.stats = Stats{Failures: map[string]*Reason{}, Skips: map[string]*Reason{}, Total: inputBytes(path)}
	start := time.Now()
	var found, imported, skipped, failed, done atomic.Int64

	snapshot := func(final bool) Stats {
		im.mu.Lock()
		defer im.mu.Unlock()
		s := im.stats
		s.Found, s.Imported, s.Skipped, s.Failed, s.Bytes = found.Load(), imported.Load(), skipped.Load(), failed.Load(), done.Load()
		s.Elapsed, s.Done = time.Since(start), final
		if final {
			// The walker's counts are read once it has stopped.
			s.Ignored, s.IgnoredPaths = w.Ignored, w.IgnoredPaths
			s.Failures, s.Skips = copyReasons(im.stats.Failures), copyReasons(im.stats.Skips)
		} else {
			s.Failures, s.Skips = nil, nil
		}
		return s
	}

	// Progress ticker.
	stopProgress := make(chan struct{})
	var pwg sync.WaitGroup
	if im.Progress != nil {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				select {
				case <-stopProgress:
					return
				case <-t.C:
					im.Progress(snapshot(false))
				}
			}
		}()
	}

	// Workers take items from a bounded queue: the walker blocks when they
	// fall behind, so memory holds at most 2×workers items.
	items := make(chan *Item, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range items {
				var se *SkipError
				switch res, err := im.one(ctx, it); {
				case errors.As(err, &se):
					// Not read: a link, a special file, a loop.
					skipped.Add(1)
					where := it.Where()
					if se.Target != "" {
						where += " -> " + Escape(se.Target)
					}
					im.record(im.stats.Skips, "", se.Reason, where, true)
					if im.Logger != nil {
						im.Logger.Warn("entry skipped", "item", where, "reason", se.Reason)
					}
				case err == nil && res.Replayed:
					skipped.Add(1)
					im.record(im.stats.Skips, "", ReasonAlreadyIn, it.Where(), false)
				case err == nil:
					imported.Add(1)
				case doctales.ErrorCode(err) == doctales.ECONFLICT:
					skipped.Add(1)
					im.record(im.stats.Skips, doctales.ECONFLICT, ReasonDuplicate, it.Where(), true)
				default:
					failed.Add(1)
					im.fail(it, err)
				}
				done.Add(int64(len(it.Data)))
			}
		}()
	}
	walkErr := w.Walk(ctx, path, func(it *Item) error {
		found.Add(1)
		select {
		case items <- it:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(items)
	wg.Wait()
	close(stopProgress)
	pwg.Wait()
	s := snapshot(true)
	if im.Progress != nil {
		im.Progress(s)
	}
	if walkErr == nil {
		walkErr = ctx.Err()
	}
	return s, walkErr
}

// one sends a single item, unless it could not even be read.
func (im *Importer) one(ctx context.Context, it *Item) (*Result, error) {
	if it.Err != nil {
		return nil, it.Err
	}
	res, err := im.Sink.Send(ctx, it, im.Options)
	if im.Logger != nil && err == nil {
		im.Logger.DebugContext(ctx, "item imported", "item", it.Where(), "id", res.ID, "replayed", res.Replayed)
	}
	return res, err
}

// digits matches the numbers of a message, to group failures that differ
// only in sizes and counts.
var digits = regexp.MustCompile(`\d+`)

// fail records a failed item.
func (im *Importer) fail(it *Item, err error) {
	msg := doctales.ErrorMessage(err)
	code := doctales.ErrorCode(err)
	if code == doctales.EINTERNAL {
		msg = err.Error() // a local failure (a file, the disk): the whole chain helps
	}
	msg = Escape(msg) // it may hold a file name
	if im.Logger != nil {
		im.Logger.Warn("item failed", "item", it.Where(), "code", code, "reason", msg)
	}
	im.record(im.stats.Failures, code, msg, it.Where(), true)
}

// record adds an item to its reason group; the group key is the message
// with its numbers blanked.
func (im *Importer) record(groups map[string]*Reason, code, msg, where string, example bool) {
	key := code + "\x00" + digits.ReplaceAllString(msg, "N")
	im.mu.Lock()
	defer im.mu.Unlock()
	r := groups[key]
	if r == nil {
		r = &Reason{Code: code, Message: msg}
		groups[key] = r
	}
	r.Count++
	if example && len(r.Examples) < maxExamples {
		if msg != r.Message {
			where += ": " + msg
		}
		r.Examples = append(r.Examples, where)
	}
}

// copyReasons returns a deep copy of a reason map.
func copyReasons(m map[string]*Reason) map[string]*Reason {
	out := make(map[string]*Reason, len(m))
	for k, r := range m {
		c := *r
		c.Examples = append([]string(nil), r.Examples...)
		out[k] = &c
	}
	return out
}

// SortedReasons returns the reasons of m, most items first.
func SortedReasons(m map[string]*Reason) []*Reason {
	out := make([]*Reason, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Message < out[j].Message
	})
	return out
}

// WriteSummary writes the closing report: the counts and rate, then each
// failure and skip reason with its count and first items.
func (s Stats) WriteSummary(w io.Writer) {
	fmt.Fprintf(w, "imported %d, skipped %d, failed %d of %d found in %s (%.0f items/s)\n",
		s.Imported, s.Skipped, s.Failed, s.Found, s.Elapsed.Round(time.Millisecond), s.Rate())
	for _, group := range []struct {
		title string
		m     map[string]*Reason
	}{{"skipped", s.Skips}, {"failed", s.Failures}} {
		rs := SortedReasons(group.m)
		if len(rs) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s:\n", group.title)
		for _, r := range rs {
			if r.Code != "" {
				fmt.Fprintf(w, "  %6d  %s [%s]\n", r.Count, r.Message, r.Code)
			} else {
				fmt.Fprintf(w, "  %6d  %s\n", r.Count, r.Message)
			}
			for _, e := range r.Examples {
				fmt.Fprintf(w, "          %s\n", e)
			}
			if more := r.Count - len(r.Examples); more > 0 && len(r.Examples) > 0 {
				fmt.Fprintf(w, "          … and %d more\n", more)
			}
		}
	}
	if s.Ignored > 0 {
		names := make([]string, len(s.IgnoredPaths))
		for i, p := range s.IgnoredPaths {
			names[i] = Escape(p)
		}
		fmt.Fprintf(w, "ignored %d files of no known kind, such as %s\n", s.Ignored, strings.Join(names, ", "))
	}
}

// inputBytes returns the total size of the regular files under path, for
// the progress estimate; 0 when it cannot tell.
func inputBytes(path string) int64 {
	var n int64
	_ = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && p != path && strings.HasPrefix(d.Name(), ".") && !isMaildir(p) {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
