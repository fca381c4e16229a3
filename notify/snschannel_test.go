package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	awssns "github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/snstest"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/sns"
)

const snsTopicARN = "arn:aws:sns:eu-west-1:123456789012:doctales-ann"

// snsChannel returns an SNS channel to a fake SNS holding snsTopicARN,
// through the real SDK client and package sns, with no SDK retries (the
// subscription's delivery policy retries).
func snsChannel(t *testing.T) (*notify.SNSChannel, *snstest.Fake) {
	t.Helper()
	fake := snstest.New(t, snsTopicARN)
	cfg := testutil.AWSConfig(fake.URL)
	cfg.RetryMaxAttempts = 1
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	c := &notify.SNSChannel{Topic: sns.NewTopic(awssns.NewFromConfig(cfg), snsTopicARN), TopicARN: snsTopicARN,
		User: "ann", DashboardURL: "https://doctales.example/", Location: berlin}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c, fake
}

func snsMessage(owner string) *doctales.Message {
	deadline := time.Date(2025, 12, 5, 16, 0, 0, 0, time.UTC)
	item := &doctales.Item{
		ID: "email-42", Owner: owner, Subject: "Wire approval", Sender: "Ann Lee", SenderID: "ann@example.com",
		Metadata:   doctales.Metadata{Urgency: doctales.UrgencyHigh},
		Dimensions: &doctales.Dimensions{Deadline: &deadline, UrgencyReasons: []string{"deadline today", "request"}},
	}
	return notify.NewMessage(item, "arn:aws:sns:local:000000000000:doctales", time.Date(2025, 12, 5, 9, 0, 0, 0, time.UTC))
}

// TestSNSChannel_Publishes: a notification goes to the SNS topic once, with
// its subject, the reason in words, the deadline in the person's zone,
// the link to the item, and the MessageId, reason and link attributes.
func TestSNSChannel_Publishes(t *testing.T) {
	c, fake := snsChannel(t)
	m := snsMessage("ann")
	if err := c.Deliver(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := fake.Published()
	if len(got) != 1 {
		t.Fatalf("published %d messages, want 1", len(got))
	}
	p := got[0]
	if p.TopicArn != snsTopicARN || p.Subject != "High Priority: Wire approval" {
		t.Errorf("topic %q subject %q", p.TopicArn, p.Subject)
	}
	for _, want := range []string{"Why: deadline today; request", "Deadline: Fri 5 Dec 2025, 17:00 CET",
		"Open it: https://doctales.example/#/prioritizer?open=email-42"} {
		if !strings.Contains(p.Message, want) {
			t.Errorf("body lacks %q:\n%s", want, p.Message)
		}
	}
	for name, want := range map[string]string{
		"messageId":       m.MessageID,
		"communicationId": "email-42",
		"reason":          "deadline today; request",
		"link":            "https://doctales.example/#/prioritizer?open=email-42",
	} {
		if p.Attributes[name] != want {
			t.Errorf("attribute %s = %q, want %q", name, p.Attributes[name], want)
		}
	}
	if strings.Contains(m.Message, "Open it") || m.MessageAttributes["link"].StringValue != "" {
		t.Error("Deliver changed the message it was given")
	}
}

// TestSNSChannel_OtherUser: a channel for ann skips bob's notifications.
func TestSNSChannel_OtherUser(t *testing.T) {
	c, fake := snsChannel(t)
	if err := c.Deliver(context.Background(), snsMessage("bob")); err != nil {
		t.Fatal(err)
	}
	if fake.Requests() != 0 {
		t.Errorf("bob's notification reached ann's topic (%d requests)", fake.Requests())
	}
}

// TestSNSChannel_Errors: a missing topic or a rejected message is
// permanent (dead-lettered at once); throttling and a 5xx are retried by
// the delivery policy.
func TestSNSChannel_Errors(t *testing.T) {
	type permanent interface{ Permanent() bool }
	for code, wantPermanent := range map[string]bool{"NotFound": true, "InvalidParameter": true, "Throttled": false, "InternalError": false} {
		t.Run(code, func(t *testing.T) {
			c, fake := snsChannel(t)
			fake.Fail(code)
			err := c.Deliver(context.Background(), snsMessage("ann"))
			if err == nil {
				t.Fatal("Deliver = nil, want an error")
			}
			var p permanent
			if got := errors.As(err, &p) && p.Permanent(); got != wantPermanent {
				t.Errorf("permanent = %v, want %v (%v)", got, wantPermanent, err)
			}
			if !strings.Contains(err.Error(), snsTopicARN) {
				t.Errorf("error %q does not name the topic", err)
			}
		})
	}
}

func TestSNSChannel_Validate(t *testing.T) {
	c, _ := snsChannel(t)
	bad := *c
	bad.TopicARN = "doctales-ann"
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), `"doctales-ann"`) {
		t.Errorf("Validate of a bare name = %v, want an error naming it", err)
	}
	bad = *c
	bad.DashboardURL = "ftp://x"
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "dashboardUrl") {
		t.Errorf("Validate of an ftp dashboard = %v, want an error naming dashboardUrl", err)
	}
}
