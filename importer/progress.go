package importer

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress reports an import as it runs: on a terminal, one line redrawn
// in place (a bar when the input size is known, the count, the rate, the
// estimated time left and the errors); elsewhere, a plain line at most
// every LogInterval. Its Update method is an Importer.Progress function.
type Progress struct {
	// W receives the output (usually standard error).
	W io.Writer
	// Terminal selects the redrawn line.
	Terminal bool
	// Width is the terminal's width in columns; zero means 80.
	Width int
	// LogInterval is the shortest time between two plain lines; zero
	// means 5s.
	LogInterval time.Duration

	mu      sync.Mutex
	lastLog time.Time
	drawn   bool
}

// Update shows s. It is safe for concurrent use.
func (p *Progress) Update(s Stats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.Terminal {
		p.draw(s)
		return
	}
	interval := p.LogInterval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	if s.Done || time.Since(p.lastLog) >= interval {
		p.lastLog = time.Now()
		fmt.Fprintf(p.W, "import: %d found, %d imported, %d skipped, %d failed, %.0f/s, %s elapsed%s\n",
			s.Found, s.Imported, s.Skipped, s.Failed, s.Rate(), s.Elapsed.Round(time.Second), eta(s, " left"))
	}
}

// draw redraws the progress line.
func (p *Progress) draw(s Stats) {
	width := p.Width
	if width <= 0 {
		width = 80
	}
	processed := s.Imported + s.Skipped + s.Failed
	info := fmt.Sprintf(" %d/%d %.0f/s%s", processed, s.Found, s.Rate(), eta(s, ""))
	if s.Failed > 0 {
		info += fmt.Sprintf(" %d errors", s.Failed)
	}
	bar := ""
	if s.Total > 0 {
		n := width - len(info) - 8
		if n >= 10 {
			frac := min(1, float64(s.Bytes)/float64(s.Total))
			if s.Done {
				frac = 1
			}
			fill := int(frac * float64(n))
			bar = fmt.Sprintf("[%s%s] %3.0f%%", strings.Repeat("=", fill), strings.Repeat(" ", n-fill), frac*100)
		}
	}
	line := bar + info
	if len(line) > width-1 {
		line = line[:width-1]
	}
	fmt.Fprintf(p.W, "\r%-*s", width-1, line)
	p.drawn = true
	if s.Done {
		fmt.Fprintln(p.W)
		p.drawn = false
	}
}

// eta estimates the time left from the bytes done and the total.
func eta(s Stats, suffix string) string {
	if s.Done || s.Total <= 0 || s.Bytes <= 0 || s.Elapsed < time.Second {
		return ""
	}
	left := time.Duration(float64(s.Elapsed) * float64(s.Total-s.Bytes) / float64(s.Bytes))
	if left < 0 {
		left = 0
	}
	return fmt.Sprintf(" ETA %s%s", left.Round(time.Second), suffix)
}
