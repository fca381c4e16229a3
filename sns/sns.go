// Package sns is the notification topic of Doc-Tales on Amazon SNS: the
// notification function publishes each [doctales.Message] to the topic
// named by NOTIFICATION_TOPIC_ARN, and SNS delivers it to the topic's
// subscriptions (e-mail, HTTPS, SQS, Lambda...).
//
//	notification ─▶ [Topic.Publish] ─▶ SNS topic ─▶ subscribers
//
// # Repeats
//
// A standard SNS topic does not drop a repeated message: every Publish
// delivers. One notification is kept to one Publish by the notification
// function's ledger (package dynamodb's Ledger): it claims the message id
// before publishing and marks it sent after. Each message carries its
// deterministic id in the message attribute "messageId" so that receivers
// can drop the one repeat the ledger allows: after a crash between
// publishing and marking, the claim's lease runs out and the retry
// publishes the same id again. On a FIFO
// topic (an ARN ending in ".fifo") the id is also the
// MessageDeduplicationId, and SNS drops repeats within five minutes.
//
// # Size
//
// SNS accepts at most 256 KiB (262,144 bytes) per message, counting the body
// and every message attribute's name, type and value. Publish keeps the
// attributes whole and, when the total is over, cuts the body at a UTF-8
// boundary and ends it with [TruncationMarker], and adds the attribute
// "truncated" = "true"; readers find the whole communication through its
// communicationId. If the attributes and subject alone exceed the limit,
// Publish returns ETOOLARGE.
package sns

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/doctales/doctales"
)

// MaxMessageBytes is the largest message SNS accepts: 256 KiB, body and
// attributes together.
const MaxMessageBytes = 256 << 10

// TruncationMarker ends a body that Publish cut to fit MaxMessageBytes.
const TruncationMarker = "\n[truncated: the message was longer than SNS allows]"

// Message attributes Publish adds.
const (
	AttrMessageID = "messageId"
	AttrTruncated = "truncated"
)

// Topic publishes to one SNS topic. Create it with NewTopic; it is safe for
// concurrent use.
type Topic struct {
	client *sns.Client
	arn    string

	// MaxMessageBytes is the size limit Publish keeps to. Default
	// MaxMessageBytes; tests lower it.
	MaxMessageBytes int
}

var _ doctales.Topic = (*Topic)(nil)

// NewTopic returns the topic with that ARN through client.
func NewTopic(client *sns.Client, arn string) *Topic {
	return &Topic{client: client, arn: arn, MaxMessageBytes: MaxMessageBytes}
}

// ARN returns the topic's ARN.
func (t *Topic) ARN() string { return t.arn }

// FIFO reports whether the topic is a FIFO topic.
func (t *Topic) FIFO() bool { return strings.HasSuffix(t.arn, ".fifo") }

// Publish sends m to the topic; see PublishMessage.
func (t *Topic) Publish(ctx context.Context, m *doctales.Message) error {
	_, err := t.PublishMessage(ctx, m)
	return err
}

// PublishMessage sends m with its subject and attributes (those with an
// empty value are left out, as SNS rejects them), plus the attribute
// messageId = m.MessageID, and returns the id SNS gave the message. A body
// over the size limit is cut (see the package doc). An empty body is
// EINVALID; SNS throttling is EOVERLOADED after the SDK's retries.
func (t *Topic) PublishMessage(ctx context.Context, m *doctales.Message) (string, error) {
	if m == nil || m.Message == "" {
		return "", doctales.FieldErrorf(doctales.EINVALID, "Message", "Message body required.")
	}
	attrs := map[string]types.MessageAttributeValue{}
	for name, a := range m.MessageAttributes {
		if a.StringValue == "" {
			continue
		}
		dt := a.DataType
		if dt == "" {
			dt = "String"
		}
		attrs[name] = types.MessageAttributeValue{DataType: aws.String(dt), StringValue: aws.String(a.StringValue)}
	}
	if m.MessageID != "" {
		attrs[AttrMessageID] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(m.MessageID)}
	}

	body, truncated, err := fit(m.Message, m.Subject, attrs, t.limit())
	if err != nil {
		return "", err
	}
	if truncated {
		attrs[AttrTruncated] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("true")}
	}

	in := &sns.PublishInput{
		TopicArn:          aws.String(t.arn),
		Message:           aws.String(body),
		MessageAttributes: attrs,
	}
	if m.Subject != "" {
		in.Subject = aws.String(m.Subject)
	}
	if t.FIFO() {
		group := "doctales"
		if a, ok := m.MessageAttributes["communicationId"]; ok && a.StringValue != "" {
			group = a.StringValue
		}
		in.MessageGroupId = aws.String(group)
		if m.MessageID != "" {
			in.MessageDeduplicationId = aws.String(m.MessageID)
		}
	}
	out, err := t.client.Publish(ctx, in)
	if err != nil {
		return "", fmt.Errorf("publish message %q: %w", m.MessageID, formatError(err))
	}
	return aws.ToString(out.MessageId), nil
}

func (t *Topic) limit() int {
	if t.MaxMessageBytes > 0 {
		return t.MaxMessageBytes
	}
	return MaxMessageBytes
}

// fit returns body cut to fit limit together with the subject and the
// attributes, and whether it was cut.
func fit(body, subject string, attrs map[string]types.MessageAttributeValue, limit int) (string, bool, error) {
	base := len(subject)
	for name, a := range attrs {
		base += len(name) + len(aws.ToString(a.DataType)) + len(aws.ToString(a.StringValue))
	}
	if base+len(body) <= limit {
		return body, false, nil
	}
	// Cut the body, leaving room for the marker and the "truncated"
	// attribute.
	overhead := base + len(AttrTruncated) + len("String") + len("true")
	room := limit - overhead - len(TruncationMarker)
	if room <= 0 {
		return "", false, doctales.Errorf(doctales.ETOOLARGE, "The message's subject and attributes take %d bytes; SNS allows %d in all.", base, limit)
	}
	cut := room
	for cut > 0 && !utf8.RuneStart(body[cut]) {
		cut--
	}
	return body[:cut] + TruncationMarker, true, nil
}

// formatError translates SNS errors: throttling is EOVERLOADED, a missing
// topic ENOTFOUND, a rejected parameter EINVALID.
func formatError(err error) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return err
	}
	switch ae.ErrorCode() {
	case "Throttled", "ThrottledException", "Throttling", "KMSThrottling", "KMSThrottlingException":
		return &appError{doctales.Errorf(doctales.EOVERLOADED, "The topic is busy; retry later."), err}
	case "NotFound", "NotFoundException":
		return &appError{doctales.Errorf(doctales.ENOTFOUND, "Topic not found."), err}
	case "InvalidParameter", "InvalidParameterException", "InvalidParameterValue", "InvalidParameterValueException":
		return &appError{doctales.Errorf(doctales.EINVALID, "SNS rejected the message: %s", ae.ErrorMessage()), err}
	}
	return err
}

// appError is an application error that keeps the SNS error as its cause.
type appError struct {
	app   *doctales.Error
	cause error
}

func (e *appError) Error() string   { return e.app.Error() + ": " + e.cause.Error() }
func (e *appError) Unwrap() []error { return []error{e.app, e.cause} }
