package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDashboard_AnalystSort: a click on the Analyst's Urgency header asks
// the server for sort=urgency (the request is in the page's resource
// timing) and shows the high items first, the newest of them on top,
// with aria-sort="descending"; a second click gives low first
// (sort=-urgency, ascending), and scrolling reads every page in that
// order, down to the oldest high item last.
func TestDashboard_AnalystSort(t *testing.T) {
	chromiumPath(t)
	const n = 3000 // three pages of 1,000
	data := t.TempDir()
	seedItems(t, data, n) // every 20th (i % 20 == 19) is high
	m := MustRunMain(t, nil, "--data", data)
	base := m.URL()

	b := newBrowser(t, 1280, 900)
	b.do(chromedp.Navigate(base + "/#/analyst"))
	b.wait("the first page", `(window.__doctales.analyst?.loaded || 0) >= 1000`, 15*time.Second)
	rows := `[...document.querySelectorAll('table.vt tbody tr')].slice(0, 10).map((r) => r.dataset.id + ':' + (r.querySelector('.badge')?.textContent || ''))`
	requested := func(sort string) string {
		return fmt.Sprintf(`performance.getEntriesByType('resource').some((e) => /\/communications\?/.test(e.name) && new URL(e.name).searchParams.get('sort') === %q)`, sort)
	}

	// High first: seed-02999, 02979, 02959... (the newest among equals).
	b.click(`#sort-urgency`)
	want := "["
	for i := range 10 {
		if i > 0 {
			want += ","
		}
		want += fmt.Sprintf(`"seed-%05d:high"`, n-1-20*i)
	}
	want += "]"
	b.wait("high first", fmt.Sprintf(`JSON.stringify(%s) === %q`, rows, want), 15*time.Second)
	if !evalJS[bool](b, requested("urgency")) {
		t.Errorf("no GET /communications?sort=urgency was made: the order must be the server's")
	}
	if got := evalJS[string](b, `document.querySelector('th[data-col="urgency"]').getAttribute('aria-sort') || ''`); got != "descending" {
		t.Errorf("Urgency header aria-sort = %q, want descending", got)
	}
	if got := evalJS[string](b, `document.querySelector('th[data-col="time"]').getAttribute('aria-sort') || 'none'`); got != "none" {
		t.Errorf("Received header aria-sort = %q once sorted by urgency, want none", got)
	}

	// Low first, and every page in that order: the last row is the
	// oldest high item, far beyond the first page.
	b.click(`#sort-urgency`)
	b.wait("low first", `document.querySelector('th[data-col="urgency"]').getAttribute('aria-sort') === 'ascending' && document.querySelector('table.vt tbody tr .badge')?.textContent === 'low'`, 15*time.Second)
	if !evalJS[bool](b, requested("-urgency")) {
		t.Errorf("no GET /communications?sort=-urgency was made")
	}
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatalf("not at the end after %d scrolls: %v", i, evalJS[map[string]any](b, `window.__doctales.analyst`))
		}
		st := evalJS[map[string]any](b, `(() => { const s = document.querySelector('.vt-scroll'); s.scrollTop = s.scrollHeight; return new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => ok(window.__doctales.analyst)))); })()`)
		if st["done"] == true && int(st["loaded"].(float64)) == n && int(st["last"].(float64)) == n {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	last := evalJS[string](b, `(() => { const r = document.querySelector('table.vt tbody tr:last-child'); return r.dataset.index + ':' + r.dataset.id + ':' + (r.querySelector('.badge')?.textContent || ''); })()`)
	if want := fmt.Sprintf("%d:seed-00019:high", n-1); last != want {
		t.Errorf("last row = %s, want %s (the oldest high item, low first)", last, want)
	}
	if !evalJS[bool](b, `performance.getEntriesByType('resource').some((e) => /\/communications\?/.test(e.name) && new URL(e.name).searchParams.get('sort') === '-urgency' && new URL(e.name).searchParams.get('next'))`) {
		t.Errorf("no later page of sort=-urgency was read")
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
