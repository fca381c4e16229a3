// Package topictest is the shared contract test of [doctales.Topic], in
// the semantics of an SNS standard topic: every Publish that returns nil
// delivers once, carrying its MessageID so subscribers can dedupe; a
// repeated MessageID is delivered again unless the topic drops repeats
// (the local topic does, SNS does not). Package sqlite's Topic, package
// sns's Topic (against a fake of SNS's Publish) and the notify tests'
// mock run it.
package topictest

import (
	"context"
	"testing"

	"github.com/doctales/doctales"
)

// Subject is a topic under test.
type Subject struct {
	// Topic is the topic.
	Topic doctales.Topic
	// Delivered returns the MessageIDs the topic delivered so far, in
	// order, as its subscribers see them (on SNS, the "messageId"
	// attribute).
	Delivered func(t *testing.T) []string
	// DropsRepeats is whether the topic drops a MessageID it delivered.
	DropsRepeats bool
}

func message(id string) *doctales.Message {
	return &doctales.Message{
		MessageID: id,
		Subject:   "High Priority: Contract signature",
		Message:   "You have a high priority communication that requires your attention.",
		MessageAttributes: map[string]doctales.MessageAttribute{
			"communicationId": {DataType: "String", StringValue: "email-1"},
		},
	}
}

// Run runs the contract on fresh topics from newSubject.
func Run(t *testing.T, newSubject func(t *testing.T) Subject) {
	ctx := context.Background()

	t.Run("DeliversWithMessageID", func(t *testing.T) {
		s := newSubject(t)
		for _, id := range []string{"m1", "m2"} {
			if err := s.Topic.Publish(ctx, message(id)); err != nil {
				t.Fatalf("Publish(%s): %v", id, err)
			}
		}
		if got := s.Delivered(t); len(got) != 2 || got[0] != "m1" || got[1] != "m2" {
			t.Fatalf("delivered %v, want [m1 m2]", got)
		}
	})

	t.Run("Repeat", func(t *testing.T) {
		// The crash between publish and mark sent: the same MessageID
		// published twice. A standard topic delivers it twice, both with
		// the id; a topic that drops repeats delivers it once.
		s := newSubject(t)
		for range 2 {
			if err := s.Topic.Publish(ctx, message("m1")); err != nil {
				t.Fatalf("Publish: %v", err)
			}
		}
		got := s.Delivered(t)
		want := 2
		if s.DropsRepeats {
			want = 1
		}
		if len(got) != want {
			t.Fatalf("delivered %v for one MessageID published twice, want %d deliveries (drops repeats: %v)", got, want, s.DropsRepeats)
		}
		for _, id := range got {
			if id != "m1" {
				t.Fatalf("delivered %v, want only m1", got)
			}
		}
		// What a subscriber that dedupes by MessageID keeps.
		seen := map[string]bool{}
		for _, id := range got {
			seen[id] = true
		}
		if len(seen) != 1 {
			t.Fatalf("a deduping subscriber keeps %d, want 1", len(seen))
		}
	})
}
