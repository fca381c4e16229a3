package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// newTab opens another tab in b's browser, closed at test end.
func newTab(t *testing.T, b *browser) *browser {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return &browser{t: t, ctx: ctx}
}

// TestDashboard_Delete deletes a communication with the detail pane's
// Delete button in one tab while a second tab shows it in another view
// with its detail pane open: it disappears from both, the second tab's
// pane closes with a message, the API no longer knows it, and the other
// communications stay. A failed delete (the network down) says so and
// leaves the communication.
func TestDashboard_Delete(t *testing.T) {
	chromiumPath(t)
	m := MustRunMain(t, nil)
	url := m.URL()
	seedCommunications(t, url)
	subject := "Old bank statement to delete"
	id := postJSON(t, url, map[string]any{"source": "email", "subject": subject, "from": "First Bank", "from_email": "statements@firstbank.example",
		"to": []string{"alex@example.com"}, "project": "home-purchase", "urgency": "high",
		"body": "Your statement for March is ready. Nothing to do."})
	waitIdle(t, url, 20*time.Second)
	var list struct {
		Count int `json:"count"`
	}
	getJSON(t, url+"/communications?limit=100", &list)
	total := list.Count
	if total != 8 {
		t.Fatalf("%d communications before the delete, want 8", total)
	}

	cardSel := fmt.Sprintf(`.card[data-id=%q]`, id)
	rowSel := fmt.Sprintf(`tr[data-id=%q]`, id)

	// Tab A: the prioritizer. Tab B: the analyst's table, with the
	// communication's detail pane open.
	a := newBrowser(t, 1280, 900)
	a.do(chromedp.Navigate(url + "/#/prioritizer"))
	b := newTab(t, a)
	b.do(chromedp.Navigate(url + "/#/analyst"))
	for _, tab := range []*browser{a, b} {
		tab.wait("the live stream", `window.__doctales.live === 'live'`, 10*time.Second)
	}
	a.wait("the card", fmt.Sprintf(`!!document.querySelector(%q)`, `.section-high `+cardSel), 10*time.Second)
	b.wait("the table", fmt.Sprintf(`document.querySelectorAll('table.dims tbody tr').length === %d`, total), 10*time.Second)
	cardsBefore := evalJS[int](a, `document.querySelectorAll('#main .card').length`)
	b.click(rowSel + ` button.link`)
	b.wait("tab B's detail pane", `!document.getElementById('detail').hidden && !!document.querySelector('#detail #detail-delete')`, 10*time.Second)

	// Tab A: open the pane from the card, reach Delete with the keyboard.
	a.click(cardSel + ` .card-title button`)
	a.wait("the Delete button", `!!document.querySelector('#detail #detail-delete')`, 10*time.Second)
	if name := evalJS[string](a, `document.getElementById('detail-delete').textContent`); !strings.Contains(name, "Delete") {
		t.Errorf("the Delete button reads %q", name)
	}
	evalJS[chromedp.Void](a, `document.getElementById('detail-delete').focus()`)
	a.do(chromedp.KeyEvent(kb.Enter))
	a.wait("the confirmation, focus on Cancel", `!!document.querySelector('#detail .confirm[role=group]') && document.activeElement?.id === 'delete-cancel'`, 5*time.Second)
	if q := evalJS[string](a, `document.getElementById('delete-q').textContent`); !strings.Contains(q, "Delete this communication for good?") {
		t.Errorf("the confirmation reads %q", q)
	}
	a.audit("delete confirmation")
	a.screenshot("delete-confirm")

	// Escape cancels the confirmation, not the pane; the focus goes back
	// to Delete.
	a.do(chromedp.KeyEvent(kb.Escape))
	a.wait("the confirmation to go", `!document.querySelector('#detail .confirm') && document.activeElement?.id === 'detail-delete' && !document.getElementById('detail').hidden`, 5*time.Second)

	// The network down: an error, and the communication stays.
	evalJS[chromedp.Void](a, `window.__fetch = window.fetch; window.fetch = (u, init) => (init && init.method === 'DELETE') ? Promise.reject(new TypeError('Failed to fetch')) : window.__fetch(u, init)`)
	a.click("#detail-delete")
	a.click("#delete-confirm")
	a.wait("the error", `(document.getElementById('delete-error')?.textContent || '').includes('Could not reach the server')`, 5*time.Second)
	if !evalJS[bool](a, fmt.Sprintf(`!document.getElementById('detail').hidden && !!document.querySelector(%q)`, cardSel)) {
		t.Fatal("a failed delete closed the pane or dropped the card")
	}
	if code := getWith(t, url+"/communications/"+id, ""); code != http.StatusOK {
		t.Fatalf("after the failed delete GET = %d, want 200", code)
	}
	evalJS[chromedp.Void](a, `window.fetch = window.__fetch`)

	// Delete for real.
	a.click("#detail-delete")
	a.click("#delete-confirm")
	a.wait("the pane to close", `document.getElementById('detail').hidden`, 10*time.Second)
	a.wait("the card to go", fmt.Sprintf(`!document.querySelector(%q)`, cardSel), 10*time.Second)
	a.wait("the result", fmt.Sprintf(`[...document.querySelectorAll('.toast')].some((t) => t.textContent.includes('Deleted') && t.textContent.includes(%q))`, subject), 5*time.Second)
	if n := evalJS[int](a, `document.querySelectorAll('#main .card').length`); n != cardsBefore-1 {
		t.Errorf("tab A shows %d cards after the delete, want %d", n, cardsBefore-1)
	}

	// Tab B: the row goes live, and the open pane closes with a message.
	b.wait("the removed event", fmt.Sprintf(`window.__doctales.removed.includes(%q)`, id), 10*time.Second)
	b.wait("the row to go", fmt.Sprintf(`!document.querySelector(%q) && document.querySelectorAll('table.dims tbody tr').length === %d`, rowSel, total-1), 10*time.Second)
	b.wait("tab B's pane to close", `document.getElementById('detail').hidden`, 10*time.Second)
	b.wait("the message", `[...document.querySelectorAll('.toast')].some((t) => t.textContent.includes('deleted elsewhere'))`, 5*time.Second)

	// The server: the communication is gone, the others remain.
	if code := getWith(t, url+"/communications/"+id, ""); code != http.StatusNotFound {
		t.Errorf("after the delete GET /communications/%s = %d, want 404", id, code)
	}
	getJSON(t, url+"/communications?limit=100", &list)
	if list.Count != total-1 {
		t.Errorf("%d communications after the delete, want %d", list.Count, total-1)
	}

	// A reload of tab B does not bring it back.
	b.do(chromedp.Navigate(url + "/#/prioritizer"))
	b.do(chromedp.Navigate(url + "/#/analyst"))
	b.wait("the table", fmt.Sprintf(`document.documentElement.dataset.rendered === 'analyst' && document.querySelectorAll('table.dims tbody tr').length === %d`, total-1), 10*time.Second)
	if evalJS[bool](b, fmt.Sprintf(`!!document.querySelector(%q)`, rowSel)) {
		t.Error("the deleted communication is back after a reload")
	}

	if errs := a.consoleErrors(); len(errs) > 0 {
		var bad []string
		for _, e := range errs {
			// The failed fetch of the network-down step.
			if !strings.Contains(e, "Failed to fetch") {
				bad = append(bad, e)
			}
		}
		if len(bad) > 0 {
			t.Errorf("console errors:\n%s", strings.Join(bad, "\n"))
		}
	}
}
