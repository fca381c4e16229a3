package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/httpapi"
)

// TestListAttention: ?attention= keeps the items whose judgement at the
// time of asking has that level, page by page without loss or repeat,
// and every listed item says what it asks of the reader now.
func TestListAttention(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	f := mustAuthServer(t, func(h *httpapi.Handler) { h.Now = func() time.Time { return now } })
	ctx := context.Background()
	want := map[string]bool{}
	for i := range 30 {
		it := &doctales.Item{ID: fmt.Sprintf("c%02d", i), Type: "email", Timestamp: now.Add(-time.Duration(i) * time.Hour), Status: doctales.StatusExtracted}
		switch i % 3 {
		case 0: // fresh and high: now
			it.Metadata.Urgency = doctales.UrgencyHigh
			want[it.ID] = true
		case 1: // high, with a deadline long gone: missed
			it.Metadata.Urgency = doctales.UrgencyHigh
			dl := now.AddDate(-1, 0, 0)
			it.Dimensions = &doctales.Dimensions{Deadline: &dl}
		default: // calm
			it.Metadata.Urgency = doctales.UrgencyLow
		}
		if _, _, err := f.db.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]bool{}
	next, pages := "", 0
	for {
		q := url.Values{"attention": {"now"}, "limit": {"3"}}
		if next != "" {
			q.Set("next", next)
		}
		resp, body := send(t, "GET", f.srv.URL+"/communications?"+q.Encode(), "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("GET = %d %s", resp.StatusCode, body)
		}
		var list httpapi.ListResponse
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Fatal(err)
		}
		for _, it := range list.Communications {
			if it.Attention.Level != doctales.AttentionNow || got[it.ID] {
				t.Fatalf("page %d: %s attention %+v (seen before: %v)", pages, it.ID, it.Attention, got[it.ID])
			}
			got[it.ID] = true
		}
		pages++
		if next = list.Next; next == "" || pages > 20 {
			break
		}
	}
	if len(got) != len(want) {
		t.Fatalf("attention=now listed %d items %v, want %d", len(got), got, len(want))
	}
	resp, body := send(t, "GET", f.srv.URL+"/communications?attention=urgent", "", nil)
	if resp.StatusCode != 400 {
		t.Fatalf("attention=urgent = %d %s, want 400 naming the field", resp.StatusCode, body)
	}
	// A plain list carries the judgement too: the long-gone deadline is
	// missed, not "overdue by a year".
	_, body = send(t, "GET", f.srv.URL+"/communications?limit=3", "", nil)
	var list httpapi.ListResponse
	_ = json.Unmarshal([]byte(body), &list)
	if len(list.Communications) != 3 || list.Communications[1].Attention.Level != doctales.AttentionMissed {
		t.Fatalf("plain list attention: %s", body)
	}
	// A listed item names its type as GET by id does ("type"), and as
	// the table does ("commType").
	var raw struct {
		Communications []map[string]any `json:"communications"`
	}
	if err := json.Unmarshal([]byte(body), &raw); err != nil || len(raw.Communications) == 0 {
		t.Fatalf("list: %v %s", err, body)
	}
	if c := raw.Communications[0]; c["type"] != "email" || c["commType"] != "email" {
		t.Errorf("listed item type %v, commType %v; want both email", c["type"], c["commType"])
	}
}
