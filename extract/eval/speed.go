package eval

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
)

func init() {
	runners["speed"] = runSpeed
	runners["headers"] = runHeaders
}

// readMails parses every message of a mail folder.
func readMails(dir string) ([]*doctales.Communication, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []*doctales.Communication
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if c, err := extract.ParseMail(b); err == nil {
			c.ID = filepath.Base(f)
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no messages in %s", dir)
	}
	return out, nil
}

// runSpeed measures messages per second on one core and the latency
// percentiles over easy-ham-1, after one warm-up pass that loads the
// models, and the resident memory of the process.
func runSpeed(dataDir string) (*Table, error) {
	msgs, err := readMails(filepath.Join(dataDir, "mail", "easy-ham-1"))
	if err != nil {
		return nil, err
	}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	eng := extract.New()
	ctx := context.Background()
	// Warm up: load the models.
	for _, c := range msgs[:min(len(msgs), 50)] {
		if _, err := eng.Extract(ctx, c); err != nil {
			return nil, err
		}
	}
	runtime.GC()
	lat := make([]time.Duration, 0, len(msgs))
	cpu0 := cpuTime()
	start := time.Now()
	for _, c := range msgs {
		t0 := time.Now()
		if _, err := eng.Extract(ctx, c); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t0))
	}
	total := time.Since(start)
	cpu := cpuTime() - cpu0
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	mem := procMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t := &Table{Set: "speed"}
	t.Rows = append(t.Rows,
		Row{fmt.Sprintf("easy-ham-1 messages/s on one core (n=%d)", len(msgs)), fmt.Sprintf("%.0f", float64(len(msgs))/total.Seconds()), "target >= 200"},
		Row{"messages per CPU-second (user+sys; unaffected by other load)", perCPUSecond(len(msgs), cpu), "target >= 200"},
		Row{"latency p50", p(0.5).Round(10 * time.Microsecond).String(), ""},
		Row{"latency p95", p(0.95).Round(10 * time.Microsecond).String(), "target <= 20ms"},
		Row{"latency max", lat[len(lat)-1].Round(10 * time.Microsecond).String(), ""},
		Row{"resident memory now / peak (VmRSS / VmHWM)", fmt.Sprintf("%d MB / %d MB", mem.rss>>20, mem.hwm>>20), "target <= 150 MB"},
		Row{"resident now: anonymous / file-backed (RssAnon / RssFile)", fmt.Sprintf("%d MB / %d MB", mem.anon>>20, mem.file>>20), "file: the executable's pages read"},
		Row{"Go heap in use", fmt.Sprintf("%d MB", ms.HeapInuse>>20), ""},
	)
	return t, nil
}

// procMem is the process's resident memory from /proc/self/status, in
// bytes: VmRSS and VmHWM, and the resident set split into anonymous
// memory (the Go heap, stacks, the runtime's own) and file-backed pages
// (the executable's code and read-only data as far as they were read,
// which the kernel shares and may drop). The split shows what a build's
// layout moves: the same code with one more line in a table read 139 or
// 157 MB of VmHWM, its anonymous memory the same.
type procMem struct {
	rss, hwm, anon, file uint64
}

// procMemory returns procMem, or zeros where it is not available.
func procMemory() (m procMem) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return m
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.ParseUint(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.rss = n << 10
		case "VmHWM:":
			m.hwm = n << 10
		case "RssAnon:":
			m.anon = n << 10
		case "RssFile:":
			m.file = n << 10
		}
	}
	return m
}

// runHeaders lists how the engine types the display names of the ham
// headers. Precision of PERSON was judged by hand on the listed names (see
// docs/extraction.md); the table gives the counts and a sample.
func runHeaders(dataDir string) (*Table, error) {
	msgs, err := readMails(filepath.Join(dataDir, "mail", "easy-ham-1"))
	if err != nil {
		return nil, err
	}
	eng := extract.New()
	byType := map[string]map[string]bool{}
	for _, c := range msgs {
		d, err := eng.Extract(context.Background(), c)
		if err != nil {
			return nil, err
		}
		for _, e := range d.Entities {
			if e.Source == doctales.SourceSender || e.Source == doctales.SourceRecipients || e.Source == doctales.SourceCc {
				if byType[e.Type] == nil {
					byType[e.Type] = map[string]bool{}
				}
				byType[e.Type][e.Text] = true
			}
		}
	}
	t := &Table{Set: "headers"}
	for _, typ := range sortedKeys(byType) {
		names := sortedKeys(byType[typ])
		t.Rows = append(t.Rows, Row{fmt.Sprintf("distinct header names typed %s", typ), strconv.Itoa(len(names)), ""})
		if os.Getenv("EVAL_VERBOSE") != "" {
			for _, n := range names {
				t.Rows = append(t.Rows, Row{"  " + typ, n, ""})
			}
		}
	}
	return t, nil
}

// perCPUSecond formats n per CPU-second, or "n/a" where CPU time is not
// measured.
func perCPUSecond(n int, cpu time.Duration) string {
	if cpu <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f", float64(n)/cpu.Seconds())
}
