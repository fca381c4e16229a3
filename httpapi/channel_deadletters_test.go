package httpapi_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/httpapi"
)

// TestDeadLetters_Channel: GET /dlq?channel= lists one channel's dead
// letters (issue 13), each naming its channel; an unknown channel is 400
// naming the field.
func TestDeadLetters_Channel(t *testing.T) {
	srv, db := mustOperationsServer(t)
	ctx := context.Background()
	for _, sub := range []string{"topic/webhook-1", "topic/email-2", "extraction", "topic/webhook-1", "topic/sns-3"} {
		dl := &doctales.DeadLetter{Subscription: sub, Source: doctales.SourceSNS, Key: "m", Record: json.RawMessage(`{}`), Error: "boom"}
		if err := db.AddDeadLetter(ctx, dl); err != nil {
			t.Fatal(err)
		}
	}
	var list struct {
		DeadLetters []httpapi.DeadLetterView
		Count       int
	}
	for channel, want := range map[string]int{"webhook": 2, "email": 1, "sns": 1, "log": 0} {
		list.DeadLetters = nil
		if code := do(t, "GET", srv.URL+"/dlq?channel="+channel, "", &list); code != 200 || len(list.DeadLetters) != want || list.Count != want {
			t.Fatalf("GET /dlq?channel=%s = %d, %d dead letters (count %d), want %d", channel, code, len(list.DeadLetters), list.Count, want)
		}
		for _, dl := range list.DeadLetters {
			if dl.Channel != channel {
				t.Errorf("channel %s listed %s (channel %q)", channel, dl.Subscription, dl.Channel)
			}
		}
	}
	if code := do(t, "GET", srv.URL+"/dlq", "", &list); code != 200 || len(list.DeadLetters) != 5 || list.DeadLetters[2].Channel != "" {
		t.Errorf("GET /dlq = %d, %d dead letters, extraction's channel %q; want all 5, the function's without a channel", code, len(list.DeadLetters), list.DeadLetters[2].Channel)
	}
	var e struct{ Field string }
	if code := do(t, "GET", srv.URL+"/dlq?channel=pager", "", &e); code != 400 || e.Field != "channel" {
		t.Errorf("GET /dlq?channel=pager = %d field %q, want 400 naming channel", code, e.Field)
	}
}
