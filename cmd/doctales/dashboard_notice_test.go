package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// fakeNotificationJS replaces the browser's Notification API in every
// document of the tab: it records what is shown (window.__notes) and
// each permission request (window.__asked), and keeps the permission it
// grants in localStorage, as the browser keeps its own across reloads.
const fakeNotificationJS = `(() => {
  const key = '__test_notification_permission';
  window.__notes = [];
  window.__asked = 0;
  class FakeNotification {
    constructor(title, opts) { window.__notes.push({ title, body: (opts || {}).body || '', tag: (opts || {}).tag || '' }); }
    close() {}
    static get permission() { return localStorage.getItem(key) || 'default'; }
    static requestPermission() {
      window.__asked++;
      localStorage.setItem(key, 'granted');
      return Promise.resolve('granted');
    }
  }
  Object.defineProperty(window, 'Notification', { value: FakeNotification, configurable: true, writable: true });
})()`

// onEveryDocument runs js in each document the tab opens from now on.
func (b *browser) onEveryDocument(js string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: js}); err != nil {
		b.t.Fatalf("add script: %v", err)
	}
}

// browserZone makes the browser believe it is in zone.
func (b *browser) browserZone(zone string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone}); err != nil {
		b.t.Fatalf("time zone override: %v", err)
	}
}

// TestDashboard_Notice: on real 2002 mail and fresh posts, with the server
// in Asia/Tokyo and the browser in New York,
//
//   - the notifications button asks for the permission on its click only,
//     and the choice survives a reload;
//   - a new urgent post that arrives while Operations is shown pops up a
//     browser notification with its subject, puts "(1)" in the tab's title
//     and a dot on its icon; on Needs you now it is the first card,
//     highlighted until it has been on the screen about a second, and the
//     badge goes;
//   - times are shown in the server's zone, with the year only when it is
//     not this year; the pop-up's deadline is not a raw ISO time.
func TestDashboard_Notice(t *testing.T) {
	chromiumPath(t)
	m := MustRunMain(t, nil, "--timezone", "Asia/Tokyo")
	base := m.URL()
	postMailDir(t, base, easyHam, 40)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	received := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Minute)
	contract := postJSON(t, base, map[string]any{"source": "email", "subject": "Contract to sign", "from": "Lena Park", "from_email": "lena@partner.example",
		"to": []string{"alex@example.com"}, "timestamp": received.Format(time.RFC3339),
		"body": "Hi Alex, please sign the contract and send it back before 5pm tomorrow. Thanks, Lena"})
	waitIdle(t, base, 60*time.Second)

	b := newBrowser(t, 1280, 900)
	b.onEveryDocument(fakeNotificationJS)
	b.browserZone("America/New_York")
	b.do(chromedp.Navigate(base + "/#/operations"))
	b.wait("Operations", `document.documentElement.dataset.rendered === 'operations'`, 15*time.Second)
	b.wait("the live stream", `window.__doctales.live === 'live'`, 10*time.Second)

	t.Run("PermissionOnClick", func(t *testing.T) {
		defer b.use(t)()
		if n := evalJS[int](b, `window.__asked`); n != 0 {
			t.Fatalf("the page asked for the notification permission %d times on load", n)
		}
		if s := evalJS[string](b, `document.getElementById('notify-toggle')?.textContent || ''`); s != "Notify me" {
			t.Fatalf("the button says %q", s)
		}
		b.click("#notify-toggle")
		b.wait("notifications on", `document.getElementById('notify-toggle').getAttribute('aria-pressed') === 'true'`, 5*time.Second)
		if n := evalJS[int](b, `window.__asked`); n != 1 {
			t.Errorf("asked %d times after one click", n)
		}
		b.audit("header with the notifications button")
	})

	var urgent string
	subject := "Server room is flooding"
	t.Run("BadgeAndNotification", func(t *testing.T) {
		defer b.use(t)()
		urgent = postJSON(t, base, map[string]any{"source": "email", "subject": subject, "from": "Ben Ode", "from_email": "ben@acme.example",
			"to":   []string{"alex@example.com"},
			"body": "URGENT: water is coming into the server room. Please call facilities right now and confirm by 6pm today."})
		b.wait("the browser notification", fmt.Sprintf(`window.__notes.some((n) => n.title === %q && n.tag === %q)`, subject, urgent), 15*time.Second)
		b.wait("the tab badge", `document.title.startsWith('(1) ') && document.getElementById('favicon').getAttribute('href').includes('dot')`, 5*time.Second)
		if n := evalJS[int](b, `window.__notes.length`); n != 1 {
			t.Errorf("%d notifications, want 1: %v", n, evalJS[any](b, `window.__notes`))
		}
		// Operations keeps counting it: nothing was seen yet.
		if s := evalJS[string](b, `document.title`); !strings.HasPrefix(s, "(1) Operations") {
			t.Errorf("title %q", s)
		}
		// The pop-up (the topic's notification) shows the deadline in words.
		b.wait("the pop-up", fmt.Sprintf(`[...document.querySelectorAll('.toast')].some((t) => t.dataset.id === %q)`, urgent), 15*time.Second)
		toast := evalJS[string](b, fmt.Sprintf(`[...document.querySelectorAll('.toast')].find((t) => t.dataset.id === %q).textContent`, urgent))
		if regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:`).MatchString(toast) {
			t.Errorf("the pop-up shows a raw ISO time: %q", toast)
		}
	})

	t.Run("TopOfNowUntilSeen", func(t *testing.T) {
		defer b.use(t)()
		b.click(`nav.views a[data-view="now"]`)
		b.wait("the live item first and highlighted", fmt.Sprintf(`(() => { const c = document.querySelector('.now-now article.card');
			return !!c && c.dataset.id === %q && c.classList.contains('unseen') && !!c.querySelector('.badge-new'); })()`, urgent), 10*time.Second)
		b.screenshot("now-new")
		// On the screen for about a second, it is seen: the highlight and
		// the badge go.
		b.wait("the highlight to go", fmt.Sprintf(`!document.querySelector('article.card.unseen') && !!document.querySelector('.now-now article.card[data-id=%q]')`, urgent), 10*time.Second)
		b.wait("the badge to go", `!document.title.startsWith('(') && !document.getElementById('favicon').getAttribute('href').includes('dot')`, 5*time.Second)
		seen := evalJS[map[string]any](b, fmt.Sprintf(`window.__doctales.notice.seen[%q] || {}`, urgent))
		if seen["how"] != "scrolled" {
			t.Errorf("seen %v, want by being on the screen", seen)
		}
		if v, _ := seen["visibleFor"].(float64); v < 900 {
			t.Errorf("seen after %v ms on the screen, want about a second", seen["visibleFor"])
		}
	})

	t.Run("RememberedAfterReload", func(t *testing.T) {
		defer b.use(t)()
		b.do(chromedp.Reload())
		b.wait("the page", `document.documentElement.dataset.rendered === 'now' && !!document.getElementById('notify-toggle')`, 15*time.Second)
		if s := evalJS[string](b, `document.getElementById('notify-toggle').textContent`); s != "Notifications on" {
			t.Errorf("after a reload the button says %q", s)
		}
		if n := evalJS[int](b, `window.__asked`); n != 0 {
			t.Errorf("asked %d times after a reload", n)
		}
		// Old mail on the reloaded page is not new: no badge.
		if s := evalJS[string](b, `document.title`); strings.HasPrefix(s, "(") {
			t.Errorf("title %q after a reload", s)
		}
	})

	t.Run("TimesInTheZoneWithTheYear", func(t *testing.T) {
		defer b.use(t)()
		if z := evalJS[string](b, `import('/ui/js/format.js').then((m) => m.zone())`); z != "Asia/Tokyo" {
			t.Fatalf("the page shows times in %q, want the server's Asia/Tokyo", z)
		}
		year := fmt.Sprint(time.Now().In(tokyo).Year())
		// The detail pane's "Received" in Tokyo time, without this year.
		b.do(chromedp.Navigate(base + "/#/prioritizer?open=" + contract))
		b.wait("the detail pane", `!!document.querySelector('#detail dl.facts time')`, 10*time.Second)
		got := evalJS[string](b, `document.querySelector('#detail dl.facts time').textContent`)
		inTokyo := received.In(tokyo)
		if !strings.Contains(got, inTokyo.Format("3:04")) || !strings.Contains(got, fmt.Sprint(inTokyo.Day())) {
			t.Errorf("received %q, want %s in Tokyo (%s)", got, inTokyo.Format("Jan 2 3:04 PM"), received)
		}
		if strings.Contains(got, year) {
			t.Errorf("received %q shows this year", got)
		}
		// Every time printed for 2002 mail says 2002: the threads list,
		// the Analyst table, a card.
		b.do(chromedp.Navigate(base + "/#/threads"))
		b.wait("the threads", `document.querySelectorAll('.thread-row time').length >= 1`, 10*time.Second)
		for _, s := range evalJS[[]string](b, `[...document.querySelectorAll('.thread-row time')].map((t) => t.textContent + ' | ' + t.title)`) {
			if strings.Count(s, "2002") != 2 {
				t.Errorf("thread time %q: want the year 2002 in the text and the title", s)
			}
		}
		b.click(`nav.views a[data-view="analyst"]`)
		// The table draws the rows in view (issue 12: virtualised), so
		// wait for all to be loaded and check those drawn.
		b.wait("the table", `(window.__doctales.analyst?.loaded || 0) >= 40 && document.querySelectorAll('table.dims tbody tr').length >= 10`, 10*time.Second)
		rows := evalJS[[]string](b, `[...document.querySelectorAll('table.dims tbody tr td:first-child time')].map((t) => t.getAttribute('datetime').slice(0, 4) + ' ' + t.textContent + ' | ' + t.title)`)
		for _, s := range rows {
			y, shown, _ := strings.Cut(s, " ")
			if y == year {
				if strings.Contains(shown, year) {
					t.Errorf("a time of this year shows the year: %q", shown)
				}
			} else if strings.Count(shown, y) != 2 {
				t.Errorf("a time of %s lacks its year: %q", y, shown)
			}
		}
		b.audit("Analyst with times")
	})
}

// TestDashboard_OperationsWidth: a detail pane opened in Analyst does not
// follow to Operations, whose columns stay at least 200px wide at a
// desktop's and a phone's width; the pane comes back with Analyst, and
// one opened on Operations floats over it.
func TestDashboard_OperationsWidth(t *testing.T) {
	chromiumPath(t)
	m := MustRunMain(t, nil)
	base := m.URL()
	seedCommunications(t, base)
	waitIdle(t, base, 20*time.Second)
	var list struct{ Communications []struct{ ID string } }
	getJSON(t, base+"/communications?limit=1", &list)
	if len(list.Communications) == 0 {
		t.Fatal("no communication")
	}
	one := list.Communications[0].ID

	// narrowest is the narrowest of Operations' columns: the flow's stages
	// and the two columns of dead letters and the form.
	const narrowest = `Math.min(...[...document.querySelectorAll('.flow-diagram .stage, .operations .split > *')].map((e) => e.getBoundingClientRect().width))`
	for _, size := range []struct {
		name string
		w, h int64
	}{{"Desktop", 1280, 900}, {"Phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			b := newBrowser(t, int(size.w), int(size.h))
			b.do(chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(base+"/#/analyst"))
			b.wait("the table", `document.querySelectorAll('table.dims tbody tr').length >= 7`, 10*time.Second)
			b.click(`table.dims tbody tr button.link`)
			b.wait("the detail pane", `!!document.querySelector('#detail .content-text')`, 10*time.Second)
			b.click(`nav.views a[data-view="operations"]`)
			b.wait("Operations", `document.documentElement.dataset.rendered === 'operations' && document.querySelectorAll('.flow-diagram .stage').length === 6`, 10*time.Second)
			if !evalJS[bool](b, `document.getElementById('detail').hidden`) {
				t.Error("the pane opened in Analyst is open on Operations")
			}
			if w := evalJS[float64](b, narrowest); w < 200 {
				t.Errorf("an Operations column is %.0fpx wide", w)
			}
			if n := evalJS[int](b, `document.documentElement.scrollWidth - window.innerWidth`); n > 0 {
				t.Errorf("Operations is %dpx wider than the screen", n)
			}
			// Back in Analyst, its pane is there again.
			b.click(`nav.views a[data-view="analyst"]`)
			b.wait("the pane back in Analyst", `!document.getElementById('detail').hidden && !!document.querySelector('#detail .content-text')`, 10*time.Second)
			// A pane opened on Operations floats: the columns keep their width.
			b.do(chromedp.Navigate(base + "/#/operations?open=" + one))
			b.wait("the pane on Operations", `document.documentElement.dataset.rendered === 'operations' && !!document.querySelector('#detail .content-text') && document.querySelectorAll('.flow-diagram .stage').length === 6`, 10*time.Second)
			if w := evalJS[float64](b, narrowest); w < 200 {
				t.Errorf("with the pane open on Operations a column is %.0fpx wide", w)
			}
			if errs := b.consoleErrors(); len(errs) > 0 {
				t.Errorf("console errors: %s", strings.Join(errs, "\n"))
			}
		})
	}
}
