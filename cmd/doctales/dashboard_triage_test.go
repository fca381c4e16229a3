package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestDashboard_Triage drives the keyboard in two tabs of the Prioritizer
// (issue 12): j/k choose a card, e marks it done and it leaves the second
// tab within a second (a MODIFY through the live stream), s snoozes the
// next one until tomorrow 9:00 local, ? opens the help, / focuses the
// search box, and a search finds a word of a body.
func TestDashboard_Triage(t *testing.T) {
	chromiumPath(t)
	m := MustRunMain(t, nil)
	url := m.URL()
	seedCommunications(t, url)
	waitIdle(t, url, 20*time.Second)

	a := newBrowser(t, 1280, 900)
	a.do(chromedp.Navigate(url + "/#/prioritizer"))
	b := newTab(t, a)
	b.do(chromedp.Navigate(url + "/#/prioritizer"))
	for _, tab := range []*browser{a, b} {
		tab.wait("the live stream", `window.__doctales.live === 'live'`, 10*time.Second)
		tab.wait("the cards", `document.querySelectorAll('#main article.card').length >= 3`, 10*time.Second)
	}
	selected := func() string {
		return evalJS[string](a, `(document.querySelector('article.card.selected') || {dataset: {}}).dataset.id || ''`)
	}
	cardIDs := evalJS[[]string](a, `[...document.querySelectorAll('#main article.card')].map((c) => c.dataset.id)`)
	a.do(chromedp.KeyEvent("j"))
	if got := selected(); got != cardIDs[0] {
		t.Fatalf("j chose %q, want the first card %q", got, cardIDs[0])
	}
	a.do(chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("k"))
	if got := selected(); got != cardIDs[1] {
		t.Fatalf("j j k chose %q, want the second card %q", got, cardIDs[1])
	}

	// e: done. The card leaves both tabs; the API says done.
	done := cardIDs[1]
	start := time.Now()
	a.do(chromedp.KeyEvent("e"))
	b.wait("the done card to leave the second tab", fmt.Sprintf(`!document.querySelector('#main article.card[data-id=%q]')`, done), 5*time.Second)
	if d := time.Since(start); d > time.Second {
		t.Errorf("done reached the second tab after %v, want within 1 s", d)
	}
	a.wait("the done card to leave the first tab", fmt.Sprintf(`!document.querySelector('#main article.card[data-id=%q]')`, done), 5*time.Second)
	var it map[string]any
	getJSON(t, url+"/communications/"+done, &it)
	if it["state"] != "done" {
		t.Fatalf("after e, state = %v, want done", it["state"])
	}

	// s: snooze the card chosen after it, until tomorrow 9:00 local.
	// (The choice moves once the done answer is in; a live re-render in
	// between keeps it.)
	a.wait("a card chosen after e", fmt.Sprintf(`(() => { const c = document.querySelector('#main article.card.selected'); return c && c.dataset.id !== %q; })()`, done), 5*time.Second)
	snoozed := selected()
	if snoozed == "" || snoozed == done {
		t.Fatalf("after e the chosen card is %q", snoozed)
	}
	a.do(chromedp.KeyEvent("s"))
	a.wait("the snoozed card to leave", fmt.Sprintf(`!document.querySelector('#main article.card[data-id=%q]')`, snoozed), 5*time.Second)
	getJSON(t, url+"/communications/"+snoozed, &it)
	want := evalJS[string](a, `(() => { const n = new Date(); return new Date(n.getFullYear(), n.getMonth(), n.getDate() + 1, 9).toISOString(); })()`)
	if it["state"] != "snoozed" || !sameInstant(fmt.Sprint(it["stateUntil"]), want) {
		t.Fatalf("after s: state %v until %v, want snoozed until %s", it["state"], it["stateUntil"], want)
	}

	// ?: the help; Escape closes it.
	a.do(chromedp.KeyEvent("?"))
	a.wait("the keyboard help", `document.getElementById('keys-help').open`, 5*time.Second)
	a.do(chromedp.KeyEvent(kb.Escape))
	a.wait("the help to close", `!document.getElementById('keys-help').open`, 5*time.Second)

	// /: the search box; a word of a body finds its communication.
	a.do(chromedp.KeyEvent("/"))
	a.wait("the search box to have the focus", `document.activeElement && document.activeElement.id === 'search'`, 5*time.Second)
	a.do(chromedp.KeyEvent("roof"), chromedp.KeyEvent(kb.Enter))
	a.wait("the search results", `location.hash.startsWith('#/search') && [...document.querySelectorAll('#search-results article.card')].some((c) => c.textContent.includes('Inspection report'))`, 10*time.Second)
	if n := evalJS[int](a, `document.querySelectorAll('#search-results article.card').length`); n != 1 {
		t.Errorf("search for roof shows %d cards, want 1", n)
	}
	if errs := a.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %s", strings.Join(errs, "\n"))
	}
}

// sameInstant reports whether two RFC 3339 times are the same instant.
func sameInstant(a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339Nano, a)
	tb, err2 := time.Parse(time.RFC3339Nano, b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}
