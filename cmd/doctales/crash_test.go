package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// TestCrash posts 1,000 communications, kills the server with SIGKILL while
// they are being posted, restarts it and re-sends what did not get a 2xx. In
// the end every accepted id is stored once and extracted, every high one is
// notified with exactly one distinct MessageId, and no calm one is notified.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test posts 1,000 communications")
	}
	const total = 1000
	hook := newWebhookReceiver(t)
	data := t.TempDir()
	srv := startServer(t, data, "--webhook", hook.URL)

	body := func(i int) string {
		if i%5 == 0 {
			return fmt.Sprintf(`{"id":"c-%04d","source":"email","subject":"Wire %d","from":"Ana Ruiz","from_email":"ana@acme.example","urgency":"high","body":"URGENT: please approve wire %d before 5pm today."}`, i, i, i)
		}
		return fmt.Sprintf(`{"id":"c-%04d","source":"email","subject":"Photos %d","from":"Bo Lind","from_email":"bo@family.example","urgency":"low","body":"Hi, just sharing photo %d from the weekend. Have a nice week."}`, i, i, i)
	}
	var accepted sync.Map // id -> true
	var nAccepted atomic.Int64
	client := &http.Client{Timeout: 5 * time.Second}
	send := func(url string, i int) bool {
		resp, err := client.Post(url+"/communications", "application/json", strings.NewReader(body(i)))
		if err != nil {
			return false
		}
		resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			accepted.Store(i, true)
			nAccepted.Add(1)
			return true
		}
		return false
	}

	// Post with 8 clients; kill -9 the server once 300 are accepted.
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				send(srv.url, i)
			}
		}()
	}
	killed := false
	for i := 0; i < total; i++ {
		if !killed && nAccepted.Load() >= 300 {
			srv.kill()
			killed = true
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if !killed {
		t.Fatal("the server was never killed: all posts finished before 300 were accepted")
	}
	t.Logf("accepted before and around the crash: %d of %d", nAccepted.Load(), total)

	// Restart on the same data and re-send whatever did not get a 2xx.
	srv2 := startServer(t, data, "--webhook", hook.URL)
	for i := 0; i < total; i++ {
		if _, ok := accepted.Load(i); ok {
			continue
		}
		for attempt := 0; !send(srv2.url, i); attempt++ {
			if attempt > 5 {
				t.Fatalf("communication %d not accepted after restart", i)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitIdle(t, srv2.url, 120*time.Second)

	// Every id stored once and extracted.
	seen := map[string]int{}
	next := ""
	for {
		var page struct {
			Communications []doctales.Item
			Next           string
		}
		getJSON(t, srv2.url+"/communications?limit=1000&next="+next, &page)
		for _, it := range page.Communications {
			seen[it.ID]++
			if it.Status != doctales.StatusExtracted {
				t.Errorf("%s: status %q, want extracted", it.ID, it.Status)
			}
		}
		if page.Next == "" {
			break
		}
		next = page.Next
	}
	if len(seen) != total {
		t.Fatalf("%d distinct communications stored, want %d", len(seen), total)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s listed %d times", id, n)
		}
	}

	// Every high one notified with exactly one distinct MessageId; no calm
	// one notified. Repeats of the same MessageId are allowed (at least
	// once) and counted.
	ids := map[string]map[string]bool{}
	deliveries := 0
	for _, m := range hook.Messages() {
		id := communicationID(m)
		if ids[id] == nil {
			ids[id] = map[string]bool{}
		}
		ids[id][m["MessageId"].(string)] = true
		deliveries++
	}
	for i := 0; i < total; i++ {
		id := fmt.Sprintf("c-%04d", i)
		if i%5 == 0 {
			if len(ids[id]) != 1 {
				t.Errorf("high %s notified with %d distinct MessageIds, want 1", id, len(ids[id]))
			}
		} else if len(ids[id]) != 0 {
			t.Errorf("calm %s was notified", id)
		}
	}
	t.Logf("webhook deliveries: %d for %d high communications", deliveries, total/5)
}
