package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/sqlite"
)

// waitAnalytics waits until the aggregate tables count every stored
// communication: the analytics consumer has caught up.
func waitAnalytics(t testing.TB, base string, want int, timeout time.Duration) httpapi.VolumeResponse {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var v httpapi.VolumeResponse
		if code := getJSON(t, base+"/analytics/volume", &v); code != http.StatusOK {
			t.Fatalf("GET /analytics/volume = %d", code)
		}
		if v.Total == want {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("the aggregates count %d communications after %s, want %d", v.Total, timeout, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDashboard_Views imports real mail (easy-ham-1, from 2002) and checks
// the three views of issue 12, item 5 on it: the Visualizer draws the
// timeline with uPlot (a canvas, one point per day with mail), the
// deadline calendar and the people graph from the aggregate tables; the
// Connector lists people with the server's counts, open requests and
// response times, and organisations without free mail; the Analyst's CSV
// export holds every row. With -update-screenshots it writes
// docs/screenshots/{visualizer,connector,analyst}.png from this real mail.
func TestDashboard_Views(t *testing.T) {
	chromiumPath(t)
	m := MustRunMain(t, nil)
	base := m.URL()
	ids := postMailDir(t, base, easyHam, 400)
	waitIdle(t, base, 90*time.Second)
	vol := waitAnalytics(t, base, len(ids), 30*time.Second)
	var people httpapi.AnalyticsPeopleResponse
	getJSON(t, base+"/analytics/people?limit=1000", &people)
	if len(people.People) < 20 {
		t.Fatalf("the aggregates know %d people in %d mails", len(people.People), len(ids))
	}
	for _, o := range people.Organizations {
		if strings.Contains(o.Name, "hotmail") || strings.Contains(o.Name, "yahoo") || strings.HasPrefix(o.Name, "lists.") || o.Name == "example.com" {
			t.Errorf("organisation %q: free mail and lists are not organisations", o.Name)
		}
	}

	b := newBrowser(t, 1280, 1400) // tall enough for the three charts in one screenshot
	b.do(chromedp.Navigate(base + "/#/visualizer"))

	t.Run("Visualizer", func(t *testing.T) {
		defer b.use(t)()
		b.wait("the timeline", `!!document.querySelector('.timeline-chart canvas') && (window.__doctales.charts?.timeline?.points || 0) > 0`, 15*time.Second)
		got := evalJS[map[string]int](b, `(() => { const c = window.__doctales.charts; return { points: c.timeline.points, total: c.timeline.total, days: c.timeline.days, people: c.graph.people, groups: c.graph.groups, circles: document.querySelectorAll('.graph-svg circle.g-person').length, canvasW: document.querySelector('.timeline-chart canvas').width } })()`)
		if got["points"] != len(vol.Days) || got["total"] != len(ids) {
			t.Errorf("timeline: %d points for %d communications, the API %d days for %d", got["points"], got["total"], len(vol.Days), vol.Total)
		}
		if got["canvasW"] < 200 || got["days"] < got["points"] {
			t.Errorf("timeline canvas %dpx wide over %d days", got["canvasW"], got["days"])
		}
		if got["circles"] < 10 || got["circles"] != got["people"] || got["groups"] < 3 {
			t.Errorf("graph: %d person circles (%d drawn by the view) in %d groups", got["circles"], got["people"], got["groups"])
		}
		// The busiest sender's circle is there and leads to Connector.
		top := people.People[0]
		if !evalJS[bool](b, fmt.Sprintf(`!!document.querySelector('.graph-svg circle[data-person=%q]')`, top.ID)) {
			t.Errorf("the busiest sender %s has no circle", top.ID)
		}
		// The calendar opens on the month of the next deadline, else of
		// the latest, shows that month's deadlines as the API counts
		// them, moves month by month and jumps to the months with one.
		deadlines := func(q string) httpapi.DeadlinesResponse {
			var dl httpapi.DeadlinesResponse
			getJSON(t, base+"/analytics/deadlines?"+q, &dl)
			return dl
		}
		first := deadlines("from=" + time.Now().UTC().Format("2006-01-02") + "&limit=1")
		if first.Count == 0 {
			first = deadlines("order=latest&limit=1")
		}
		if first.Count == 0 {
			t.Fatal("no deadline in 400 mails: the calendar cannot be checked")
		}
		month := first.Deadlines[0].Deadline.Format("2006-01")
		m0, _ := time.Parse("2006-01", month)
		inMonth := deadlines("from=" + m0.Format("2006-01-02") + "&to=" + m0.AddDate(0, 1, -1).Format("2006-01-02"))
		b.wait("the calendar", fmt.Sprintf(`window.__doctales.charts?.calendar?.month === %q`, month), 10*time.Second)
		cal := evalJS[map[string]any](b, `window.__doctales.charts.calendar`)
		if int(cal["deadlines"].(float64)) != inMonth.Count || inMonth.Count < 1 {
			t.Errorf("calendar %s shows %v deadlines, the API %d", month, cal["deadlines"], inMonth.Count)
		}
		if cells := evalJS[int](b, `[...document.querySelectorAll('.cal-cell.cal-has')].reduce((n, c) => n + Number(c.dataset.count), 0)`); cells != inMonth.Count {
			t.Errorf("the calendar's days hold %d deadlines, want %d", cells, inMonth.Count)
		}
		b.click("#cal-next")
		b.wait("the next month", fmt.Sprintf(`window.__doctales.charts.calendar.month === %q`, m0.AddDate(0, 1, 0).Format("2006-01")), 5*time.Second)
		b.click("#cal-prev")
		b.wait("back", fmt.Sprintf(`window.__doctales.charts.calendar.month === %q`, month), 5*time.Second)
		if before := deadlines("to=" + m0.AddDate(0, 0, -1).Format("2006-01-02") + "&order=latest&limit=1"); before.Count > 0 {
			b.click("#cal-prev-dl")
			b.wait("the earlier deadline's month", fmt.Sprintf(`window.__doctales.charts.calendar.month === %q && window.__doctales.charts.calendar.deadlines > 0`, before.Deadlines[0].Deadline.Format("2006-01")), 5*time.Second)
		}
		b.audit("Visualizer")
		b.screenshot("visualizer")
		// A person's circle opens them in Connector.
		evalJS[chromedp.Void](b, fmt.Sprintf(`document.querySelector('.graph-svg circle[data-person=%q]').dispatchEvent(new MouseEvent('click', { bubbles: true }))`, top.ID))
		b.wait("Connector on the person", `document.documentElement.dataset.rendered === 'connector' && document.querySelectorAll('.person-comms .card').length > 0`, 10*time.Second)
	})

	t.Run("Connector", func(t *testing.T) {
		defer b.use(t)()
		b.do(chromedp.Navigate(base + "/#/connector"))
		// (The Connector opened on a person above is replaced by this one:
		// wait for the new one, with no person chosen.)
		b.wait("the people", `!document.querySelector('.person-comms .card') && document.querySelectorAll('.people-table tbody tr').length >= 20 && document.querySelectorAll('.org-list li').length > 0`, 10*time.Second)
		rows := evalJS[[]map[string]string](b, `[...document.querySelectorAll('.people-table tbody tr')].slice(0, 5).map((r) => ({ id: r.dataset.person, total: r.children[2].firstChild.textContent, open: r.children[3].textContent, last: r.children[4].textContent, they: r.children[5].textContent, answered: r.children[6].textContent }))`)
		for i, r := range rows {
			p := people.People[i]
			if r["id"] != p.ID || r["total"] != fmt.Sprint(p.Total) || r["open"] != fmt.Sprint(p.Open) || r["last"] == "" {
				t.Errorf("row %d = %v, the API %s total %d open %d", i, r, p.ID, p.Total, p.Open)
			}
		}
		// Some real thread has answers both ways.
		if !evalJS[bool](b, `[...document.querySelectorAll('.people-table tbody tr')].some((r) => r.children[5].textContent !== '–' && r.children[6].textContent !== '–')`) {
			t.Error("no person shows response times both ways")
		}
		if n := evalJS[int](b, `document.querySelectorAll('.org-list li').length`); n != min(len(people.Organizations), 1000) {
			t.Errorf("%d organisations listed, the API %d", n, len(people.Organizations))
		}
		b.audit("Connector")
		b.screenshot("connector")
	})

	t.Run("Analyst", func(t *testing.T) {
		defer b.use(t)()
		b.do(chromedp.Navigate(base + "/#/analyst"))
		b.wait("every row", fmt.Sprintf(`window.__doctales.analyst?.done && window.__doctales.analyst.loaded === %d`, len(ids)), 15*time.Second)
		// The export link: every row the filters select, as CSV.
		lines := evalJS[int](b, `fetch(document.getElementById('analyst-csv').href).then((r) => r.text()).then((t) => t.trim().split('\n').length)`)
		if lines != len(ids)+1 {
			t.Errorf("the CSV export has %d lines, want a header and %d rows", lines, len(ids))
		}
		b.audit("Analyst")
		b.screenshot("analyst")
	})
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// TestDashboard_Analyst10k: with 10,000 communications the Analyst's table
// keeps some forty rows in the DOM however far it is scrolled, reads the
// server's pages as the reader scrolls, and reaches the last row.
func TestDashboard_Analyst10k(t *testing.T) {
	chromiumPath(t)
	if testing.Short() {
		t.Skip("seeds 10,000 communications")
	}
	const n = 10_000
	data := t.TempDir()
	seedItems(t, data, n)
	m := MustRunMain(t, nil, "--data", data)
	base := m.URL()

	b := newBrowser(t, 1280, 900)
	b.do(chromedp.Navigate(base + "/#/analyst"))
	b.wait("the first page", `(window.__doctales.analyst?.loaded || 0) >= 1000`, 15*time.Second)
	maxRows := 0
	for i := 0; ; i++ {
		if i > 200 {
			t.Fatalf("not at the end after %d scrolls: %v", i, evalJS[map[string]any](b, `window.__doctales.analyst`))
		}
		st := evalJS[map[string]any](b, `(() => { const s = document.querySelector('.vt-scroll'); s.scrollTop = s.scrollHeight; return new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => ok({ ...window.__doctales.analyst, dom: document.querySelectorAll('table.vt tbody tr').length })))); })()`)
		if d := int(st["dom"].(float64)); d > maxRows {
			maxRows = d
		}
		if st["done"] == true && int(st["loaded"].(float64)) == n && int(st["last"].(float64)) == n {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if maxRows > 80 {
		t.Errorf("up to %d rows in the DOM: the table must draw only what is in view", maxRows)
	}
	// The last row is there, in view, and is the oldest communication.
	last := evalJS[map[string]any](b, `(() => { const r = document.querySelector('table.vt tbody tr:last-child'); const s = document.querySelector('.vt-scroll').getBoundingClientRect(); const b = r.getBoundingClientRect(); return { index: r.dataset.index, id: r.dataset.id, inView: b.bottom <= s.bottom + 1 && b.top >= s.top } })()`)
	if last["index"] != fmt.Sprint(n-1) || last["id"] != "seed-00000" || last["inView"] != true {
		t.Errorf("the last row = %v, want index %d, seed-00000, in view", last, n-1)
	}
	t.Logf("10,000 rows scrolled with at most %d rows in the DOM", maxRows)
}

// BenchmarkDashboard_FirstRender measures each view's first render in
// Chromium, from navigation start to the view's first full draw
// (window.__doctales.firstRender), at 10,000 and 100,000 communications
// seeded into the table, once the server's backfill has filled the
// aggregate tables. Run:
//
//	go test -run XXX -bench Dashboard_FirstRender -benchtime 5x ./cmd/doctales/
func BenchmarkDashboard_FirstRender(b *testing.B) {
	chromiumPath(b)
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			data := b.TempDir()
			seedItems(b, data, n)
			m := MustRunMain(b, nil, "--data", data)
			base := m.URL()
			waitAnalytics(b, base, n, 10*time.Minute) // the server's backfill, in the background
			br := newBrowser(b, 1280, 900)
			br.do(chromedp.Navigate(base + "/healthz")) // the browser's own start is not the page's cost
			for _, view := range []struct{ name, ready string }{
				{"now", `document.querySelectorAll('.now-section').length > 0`},
				{"analyst", `document.querySelectorAll('table.vt tbody tr').length > 0`},
				{"visualizer", `!!document.querySelector('.timeline-chart canvas') && document.querySelectorAll('.graph-svg circle').length > 0`},
				{"connector", `document.querySelectorAll('.people-table tbody tr').length > 0`},
			} {
				b.Run(view.name, func(b *testing.B) {
					var total float64
					for b.Loop() {
						br.do(chromedp.Navigate(base + "/healthz"))
						br.do(chromedp.Navigate(base + "/#/" + view.name))
						br.wait(view.name, fmt.Sprintf(`window.__doctales && window.__doctales.firstRender > 0 && document.documentElement.dataset.rendered === %q && (%s)`, view.name, view.ready), 60*time.Second)
						total += evalJS[float64](br, `window.__doctales.firstRender`)
					}
					b.ReportMetric(total/float64(b.N), "ms/first-render")
				})
			}
		})
	}
}

// TestServe_AnalyticsBackfill: a data folder whose items are older than
// its change log (the log compacted away) gets its aggregates filled from
// the items when the server starts, and the consumer's later records
// count on top without double counting.
func TestServe_AnalyticsBackfill(t *testing.T) {
	data := t.TempDir()
	seedItems(t, data, 120)
	db := sqlite.NewDB(filepath.Join(data, "doctales.db"))
	cfg := DefaultConfig()
	db.TableName = cfg.TableName()
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	if n, err := db.DeleteLogBefore(context.Background(), 1<<62); err != nil || n != 120 {
		t.Fatalf("compacting the log deleted %d records (%v), want the 120 INSERTs", n, err)
	}
	db.Close()

	m := MustRunMain(t, nil, "--data", data)
	base := m.URL()
	waitAnalytics(t, base, 120, 30*time.Second)
	postJSON(t, base, map[string]any{"source": "email", "subject": "One more", "from": "Ana", "from_email": "ana@acme.example", "body": "Hello."})
	waitIdle(t, base, 30*time.Second)
	waitAnalytics(t, base, 121, 10*time.Second)
}
