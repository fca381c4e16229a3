package notify

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// Message attributes the [SNSChannel] adds to what it forwards, so that an
// SNS subscription's filter policy, an SQS consumer or a Lambda can read
// them without parsing the body. The deterministic MessageId travels as
// the attribute "messageId" (package sns adds it to every Publish).
const (
	// AttrReason is the notification's reason in words (its "Why:" line).
	AttrReason = "reason"
	// AttrLink is the dashboard URL that opens the communication.
	AttrLink = "link"
)

// SNSChannel is the "sns" channel (issue 13): a topic subscriber that
// forwards each notification to an SNS topic (or any server speaking
// SNS's Publish API, through a configured endpoint), so a person can
// subscribe to it there by SMS, e-mail, SQS, HTTPS or Lambda. What it
// publishes is the notification a person reads: the subject, the body
// with the reason in words, the deadline in Location and a link to the
// item, and the message's attributes plus [AttrReason] and [AttrLink];
// the publisher adds the MessageId as the "messageId" attribute, so
// subscribers drop a repeat by it.
//
// Each SNSChannel is its own subscription of the local topic, with its own
// delivery policy and dead letters: a failing SNS endpoint delays and
// dead-letters only its own notifications, never the e-mail or the
// webhooks. Set the fields before the first Deliver; Deliver is then safe
// for concurrent use.
type SNSChannel struct {
	// Topic publishes to the SNS topic; *sns.Topic satisfies it. Required.
	Topic Publisher
	// TopicARN names the topic in errors and logs.
	TopicARN string
	// User, when set, limits the channel to that user's notifications
	// (the message's userId attribute).
	User string
	// DashboardURL is the base URL of the dashboard the link points to,
	// "https://doctales.example/"; empty leaves the link out.
	DashboardURL string
	// Location is the person's time zone for the deadline; nil is UTC.
	Location *time.Location
}

// Validate checks the channel's settings, naming the first wrong one.
func (c *SNSChannel) Validate() error {
	switch {
	case c.Topic == nil:
		return fmt.Errorf("sns channel %q: no topic publisher", c.TopicARN)
	case !strings.HasPrefix(c.TopicARN, "arn:") || strings.Count(c.TopicARN, ":") != 5:
		return fmt.Errorf("sns channel: topic %q is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)", c.TopicARN)
	}
	if c.DashboardURL != "" {
		if u, err := url.Parse(c.DashboardURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("sns channel %q: dashboardUrl %q is not an http(s) URL", c.TopicARN, c.DashboardURL)
		}
	}
	return nil
}

// Deliver publishes m to the topic, as [SNSChannel.Message] writes it. A
// message of another user than User is skipped. A refusal that retrying
// cannot fix (a rejected parameter, a missing topic, a message too large:
// EINVALID, ENOTFOUND, ETOOLARGE from package sns) is a [PermanentError],
// dead-lettered at once; anything else (throttling, a 5xx, the network)
// is returned for the subscription's delivery policy to retry.
func (c *SNSChannel) Deliver(ctx context.Context, m *doctales.Message) error {
	if c.User != "" {
		if a, ok := m.MessageAttributes[AttrUserID]; ok && a.StringValue != c.User {
			return nil
		}
	}
	if err := c.Topic.Publish(ctx, c.Message(m)); err != nil {
		err = fmt.Errorf("sns channel: publish %q to %s: %w", m.MessageID, c.TopicARN, err)
		switch doctales.ErrorCode(err) {
		case doctales.EINVALID, doctales.ENOTFOUND, doctales.ETOOLARGE:
			return &PermanentError{Err: err}
		}
		return err
	}
	return nil
}

// Message returns what Deliver publishes for m: a copy with the same
// MessageID and Subject, the body as an e-mail says it (the deadline in
// Location, the link to the item) and the attributes of m plus the reason
// and the link. It does not change m.
func (c *SNSChannel) Message(m *doctales.Message) *doctales.Message {
	text := &Email{DashboardURL: c.DashboardURL, Location: c.Location}
	out := *m
	out.Message = strings.TrimRight(text.Body(m), "\n")
	out.MessageAttributes = make(map[string]doctales.MessageAttribute, len(m.MessageAttributes)+2)
	for k, v := range m.MessageAttributes {
		out.MessageAttributes[k] = v
	}
	for _, l := range strings.Split(m.Message, "\n") {
		if why, ok := strings.CutPrefix(l, "Why: "); ok && why != "" {
			out.MessageAttributes[AttrReason] = doctales.MessageAttribute{DataType: stringAttr, StringValue: why}
		}
	}
	if link := text.Link(m); link != "" {
		out.MessageAttributes[AttrLink] = doctales.MessageAttribute{DataType: stringAttr, StringValue: link}
	}
	return &out
}
