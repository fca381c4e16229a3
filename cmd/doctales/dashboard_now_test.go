package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// easyHam is the public SpamAssassin corpus of 2002 list and personal
// mail, shared by the projects' tests.
const easyHam = "../../../shared/data/mail/easy-ham-1"

// postMailDir posts the first n files of dir as raw mail, four at a time,
// and returns the ids stored.
func postMailDir(t *testing.T, base, dir string, n int) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(names) == 0 {
		msg := fmt.Sprintf("no mail in %s (%v): the test reads the shared corpus", dir, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	sort.Strings(names)
	names = names[:min(n, len(names))]
	var mu sync.Mutex
	var ids []string
	var wg sync.WaitGroup
	work := make(chan string)
	for range 4 {
		wg.Go(func() {
			for name := range work {
				b, err := os.ReadFile(name)
				if err != nil {
					t.Error(err)
					continue
				}
				code, _, out := postRaw(t, base+"/communications?project=inbox", "message/rfc822", b)
				if code != 202 {
					t.Errorf("POST %s = %d %v", filepath.Base(name), code, out)
					continue
				}
				mu.Lock()
				ids = append(ids, out["id"].(string))
				mu.Unlock()
			}
		})
	}
	for _, name := range names {
		work <- name
	}
	close(work)
	wg.Wait()
	return ids
}

// TestDashboard_NeedsYouNow imports real 2002 mail and a few fresh urgent
// posts: the first screen is "needs you now", its first card is the
// freshest urgent post with its reason in words, no 2002 mail is on it,
// each section's count is the server's exact count, done takes a card
// away live, a new urgent post arrives on top live; Threads lists real conversations and opens one with its
// messages in date order.
func TestDashboard_NeedsYouNow(t *testing.T) {
	chromiumPath(t)
	m := MustRunMain(t, nil)
	base := m.URL()
	old := postMailDir(t, base, easyHam, 300)

	now := time.Now().UTC()
	type obj = map[string]any
	deadline := postJSON(t, base, obj{"source": "email", "subject": "Contract to sign", "from": "Lena Park", "from_email": "lena@partner.example",
		"to": []string{"alex@example.com"}, "timestamp": now.Add(-20 * time.Minute).Format(time.RFC3339),
		"body": "Hi Alex, please sign the contract and send it back before 5pm tomorrow. Thanks, Lena"})
	outage := postJSON(t, base, obj{"source": "email", "subject": "Checkout is down", "from": "Ana Ruiz", "from_email": "ana@acme.example",
		"to": []string{"alex@example.com"}, "timestamp": now.Add(-2 * time.Minute).Format(time.RFC3339),
		"body": "URGENT: checkout has been down since 9:40 and customers cannot pay. Please call me right away. Ana"})
	waitIdle(t, base, 60*time.Second)

	var api struct {
		Sections []struct {
			ID    string
			Count int
			Items []struct{ ID string }
		}
	}
	getJSON(t, base+"/communications/now?limit=100", &api)
	if len(api.Sections) != 4 || len(api.Sections[0].Items) == 0 || api.Sections[0].Items[0].ID != outage {
		t.Fatalf("API: now = %+v, want the outage first", api.Sections)
	}

	for _, s := range api.Sections {
		t.Logf("section %s: %d", s.ID, s.Count)
	}

	b := newBrowser(t, 1280, 900)
	b.do(chromedp.Navigate(base + "/"))
	b.wait("needs you now", `document.querySelectorAll('.now-now article.card').length >= 1`, 15*time.Second)
	b.wait("the live stream", `window.__doctales.live === 'live'`, 10*time.Second)
	if v := evalJS[string](b, `document.documentElement.dataset.rendered`); v != "now" {
		t.Errorf("the first screen is %q, want now", v)
	}
	first := evalJS[map[string]string](b, `(() => {
		const item = document.querySelector('.now-now .now-item');
		return { id: item.querySelector('article.card').dataset.id, reason: item.querySelector('.now-reason')?.textContent || '' };
	})()`)
	if first["id"] != outage {
		t.Errorf("first card %s, want the outage %s", first["id"], outage)
	}
	if !strings.Contains(first["reason"], "high priority") || !strings.Contains(first["reason"], "URGENT") {
		t.Errorf("the first card's reason is %q: want it in words, quoting the words behind it", first["reason"])
	}
	shown := evalJS[[]string](b, `[...document.querySelectorAll('#main article.card')].map((c) => c.dataset.id)`)
	if !slices.Contains(shown, deadline) {
		t.Errorf("the contract due tomorrow is not on the first screen: %v", shown)
	}
	for _, id := range shown {
		if slices.Contains(old, id) {
			t.Errorf("2002 mail %s is on the first screen", id)
		}
	}
	// Exact counts: the page shows the server's, not what it lists.
	counts := evalJS[map[string]string](b, `Object.fromEntries([...document.querySelectorAll('.now-section')].map((s) => [s.dataset.section, s.querySelector('h3 .count').dataset.count]))`)
	for _, s := range api.Sections {
		if counts[s.ID] != fmt.Sprint(s.Count) {
			t.Errorf("section %s shows count %s, the API %d", s.ID, counts[s.ID], s.Count)
		}
	}
	b.audit("Needs you now")
	b.screenshot("now")

	// j chooses the first card, e marks it done: it leaves, the count
	// drops by one.
	before := api.Sections[0].Count
	b.do(chromedp.KeyEvent("j"), chromedp.KeyEvent("e"))
	b.wait("the done card to leave", fmt.Sprintf(`!document.querySelector('.now-now article.card[data-id=%q]')`, outage), 5*time.Second)
	b.wait("the count to drop", fmt.Sprintf(`document.querySelector('.now-now h3 .count').dataset.count === '%d'`, before-1), 5*time.Second)

	// A new urgent post arrives live at the top, without a reload.
	evalJS[chromedp.Void](b, `window.__noReload = true`)
	live := postJSON(t, base, obj{"source": "email", "subject": "Payroll file rejected", "from": "Ben Ode", "from_email": "ben@acme.example",
		"to": []string{"alex@example.com"}, "body": "URGENT: the bank rejected the payroll file. Please fix it right now or nobody gets paid."})
	b.wait("the live urgent post at the top", fmt.Sprintf(`document.querySelector('.now-now article.card')?.dataset.id === %q`, live), 15*time.Second)
	if !evalJS[bool](b, `window.__noReload === true`) {
		t.Error("the page reloaded")
	}

	// Threads: real conversations, newest first; one opens in date order.
	b.click(`nav.views a[data-view="threads"]`)
	b.wait("the threads", `document.querySelectorAll('.thread-row').length >= 1`, 10*time.Second)
	var threads struct {
		Threads []struct {
			ID    string
			Count int
		}
	}
	getJSON(t, base+"/threads?min=2&limit=50", &threads)
	rows := evalJS[[]string](b, `[...document.querySelectorAll('.thread-row')].map((r) => r.dataset.thread)`)
	if len(threads.Threads) == 0 || len(rows) != len(threads.Threads) || rows[0] != threads.Threads[0].ID {
		t.Fatalf("thread rows %v, API %+v", rows, threads.Threads)
	}
	b.audit("Threads")
	evalJS[chromedp.Void](b, `document.querySelectorAll('.toast .btn-quiet').forEach((b) => b.click())`)
	b.screenshot("threads")
	th := threads.Threads[0]
	b.click(`.thread-row .thread-subject`)
	b.wait("the thread's messages", fmt.Sprintf(`document.querySelectorAll('.thread-message article.card').length === %d`, th.Count), 10*time.Second)
	if h := evalJS[string](b, `location.hash`); h != "#/threads?"+(url.Values{"id": {th.ID}}).Encode() {
		t.Errorf("hash %q", h)
	}
	times := evalJS[[]string](b, `[...document.querySelectorAll('.thread-message article.card time')].map((t) => t.getAttribute('datetime'))`)
	for i := 1; i < len(times); i++ {
		a, err1 := time.Parse(time.RFC3339, times[i-1])
		c, err2 := time.Parse(time.RFC3339, times[i])
		if err1 != nil || err2 != nil || c.Before(a) {
			t.Errorf("messages not in date order: %v", times)
			break
		}
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %s", strings.Join(errs, "\n"))
	}
}
