package sqlite_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/doctales/doctales"
)

// TestChannelDeadLetters: each channel's dead letters are listed apart
// (issue 13): every subscription of a channel ("topic/email",
// "topic/email-3"), never another channel's or a function's, and an
// unknown channel is refused naming the field.
func TestChannelDeadLetters(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	for _, sub := range []string{"topic/webhook-2", "topic/email-3", "extraction", "topic/email", "topic/emailx-1",
		"topic/webhook-1", "topic/sns-4", "dashboard/live", "topic/log"} {
		dl := &doctales.DeadLetter{Subscription: sub, Source: doctales.SourceSNS, Key: sub, Record: json.RawMessage(`{}`), Error: "boom"}
		if err := db.AddDeadLetter(ctx, dl); err != nil {
			t.Fatal(err)
		}
	}
	for channel, want := range map[string][]string{
		"email":   {"topic/email-3", "topic/email"},
		"webhook": {"topic/webhook-2", "topic/webhook-1"},
		"sns":     {"topic/sns-4"},
		"log":     {"topic/log"},
		"browser": {"dashboard/live"},
	} {
		dls, err := db.ChannelDeadLetters(ctx, channel, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, dl := range dls {
			got = append(got, dl.Subscription)
		}
		if len(got) != len(want) || (len(got) > 0 && (got[0] != want[0] || got[len(got)-1] != want[len(want)-1])) {
			t.Errorf("ChannelDeadLetters(%s) = %v, want %v", channel, got, want)
		}
	}
	if dls, _ := db.ChannelDeadLetters(ctx, "email", 1); len(dls) != 1 {
		t.Errorf("limit 1 gave %d", len(dls))
	}
	_, err := db.ChannelDeadLetters(ctx, "pager", 0)
	if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "channel" {
		t.Errorf("unknown channel = %v, want EINVALID on channel", err)
	}
}
