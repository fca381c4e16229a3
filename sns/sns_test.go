package sns_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/internal/topictest"
	dtsns "github.com/doctales/doctales/sns"
)

// fakeSNS answers Publish in SNS's query protocol and keeps the requests.
type fakeSNS struct {
	mu       sync.Mutex
	requests []url.Values
	status   int    // answer with this error status when set
	code     string // and this error code
}

func (f *fakeSNS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, r.PostForm)
	n, status, code := len(f.requests), f.status, f.code
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	if status != 0 {
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>no</Message></Error><RequestId>r</RequestId></ErrorResponse>`, code)
		return
	}
	fmt.Fprintf(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>sns-%d</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`, n)
}

// attrs returns the message attributes of a Publish request by name.
func attrs(v url.Values) map[string]string {
	out := map[string]string{}
	for i := 1; ; i++ {
		name := v.Get(fmt.Sprintf("MessageAttributes.entry.%d.Name", i))
		if name == "" {
			return out
		}
		out[name] = v.Get(fmt.Sprintf("MessageAttributes.entry.%d.Value.StringValue", i))
	}
}

func newTopic(t *testing.T, arn string) (*dtsns.Topic, *fakeSNS) {
	t.Helper()
	fake := &fakeSNS{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	cfg := testutil.AWSConfig(srv.URL)
	cfg.RetryMaxAttempts = 1
	return dtsns.NewTopic(sns.NewFromConfig(cfg), arn), fake
}

func message() *doctales.Message {
	return &doctales.Message{
		MessageID: "2d1c6a8e-0000-5000-8000-000000000001",
		Subject:   "High Priority: Meeting Reminder",
		Message:   "You have a high priority communication that requires your attention.",
		MessageAttributes: map[string]doctales.MessageAttribute{
			"communicationId": {DataType: "String", StringValue: "email-123"},
			"urgency":         {DataType: "String", StringValue: "high"},
			"project":         {DataType: "String", StringValue: ""},
		},
	}
}

func TestTopic_Publish(t *testing.T) {
	ctx := context.Background()
	const arn = "arn:aws:sns:us-east-1:123456789012:doc-tales-notifications-dev"

	t.Run("OK", func(t *testing.T) {
		topic, fake := newTopic(t, arn)
		id, err := topic.PublishMessage(ctx, message())
		if err != nil {
			t.Fatal(err)
		}
		if id != "sns-1" {
			t.Errorf("SNS message id = %q", id)
		}
		req := fake.requests[0]
		if req.Get("Action") != "Publish" || req.Get("TopicArn") != arn || req.Get("Subject") != "High Priority: Meeting Reminder" ||
			!strings.HasPrefix(req.Get("Message"), "You have a high priority") || req.Get("MessageGroupId") != "" {
			t.Errorf("request = %v", req)
		}
		a := attrs(req)
		if a["communicationId"] != "email-123" || a["urgency"] != "high" || a["messageId"] != message().MessageID {
			t.Errorf("attributes = %v", a)
		}
		if _, ok := a["project"]; ok {
			t.Errorf("empty attribute sent: %v", a)
		}
	})

	t.Run("FIFO", func(t *testing.T) {
		topic, fake := newTopic(t, arn+".fifo")
		if err := topic.Publish(ctx, message()); err != nil {
			t.Fatal(err)
		}
		req := fake.requests[0]
		if req.Get("MessageGroupId") != "email-123" || req.Get("MessageDeduplicationId") != message().MessageID {
			t.Errorf("FIFO request = %v", req)
		}
	})

	t.Run("Truncated", func(t *testing.T) {
		topic, fake := newTopic(t, arn)
		topic.MaxMessageBytes = 1000
		m := message()
		m.Message = strings.Repeat("é", 2000) // 4000 bytes
		if err := topic.Publish(ctx, m); err != nil {
			t.Fatal(err)
		}
		req := fake.requests[0]
		body := req.Get("Message")
		if !strings.HasSuffix(body, dtsns.TruncationMarker) || !utf8.ValidString(body) {
			t.Errorf("body not cut cleanly: %q", body[max(0, len(body)-80):])
		}
		size := len(body) + len(req.Get("Subject"))
		for k, v := range attrs(req) {
			size += len(k) + len("String") + len(v)
		}
		if size > 1000 {
			t.Errorf("message is %d bytes, over the limit of 1000", size)
		}
		if attrs(req)["truncated"] != "true" {
			t.Errorf("no truncated attribute: %v", attrs(req))
		}
	})

	t.Run("AtLimit", func(t *testing.T) {
		// Exactly at the limit is not cut; one byte more is.
		topic, fake := newTopic(t, arn)
		m := message()
		m.MessageAttributes = nil
		m.MessageID, m.Subject = "", ""
		m.Message = strings.Repeat("a", dtsns.MaxMessageBytes)
		if err := topic.Publish(ctx, m); err != nil {
			t.Fatal(err)
		}
		m.Message += "a"
		if err := topic.Publish(ctx, m); err != nil {
			t.Fatal(err)
		}
		if got := fake.requests[0].Get("Message"); len(got) != dtsns.MaxMessageBytes {
			t.Errorf("at the limit: %d bytes sent", len(got))
		}
		if got := fake.requests[1].Get("Message"); !strings.HasSuffix(got, dtsns.TruncationMarker) {
			t.Errorf("over the limit by one: not truncated")
		}
	})

	t.Run("ErrTooLarge", func(t *testing.T) {
		topic, _ := newTopic(t, arn)
		topic.MaxMessageBytes = 50
		if err := topic.Publish(ctx, message()); doctales.ErrorCode(err) != doctales.ETOOLARGE {
			t.Errorf("attributes over the limit: %v", err)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		topic, _ := newTopic(t, arn)
		if err := topic.Publish(ctx, &doctales.Message{}); doctales.ErrorCode(err) != doctales.EINVALID {
			t.Errorf("empty body: %v", err)
		}
	})

	t.Run("ErrThrottled", func(t *testing.T) {
		topic, fake := newTopic(t, arn)
		fake.status, fake.code = 400, "Throttled"
		if err := topic.Publish(ctx, message()); doctales.ErrorCode(err) != doctales.EOVERLOADED {
			t.Errorf("throttled: code %q, %v", doctales.ErrorCode(err), err)
		}
		fake.status, fake.code = 404, "NotFound"
		if err := topic.Publish(ctx, message()); doctales.ErrorCode(err) != doctales.ENOTFOUND {
			t.Errorf("missing topic: code %q, %v", doctales.ErrorCode(err), err)
		}
	})
}

// TestTopic_Contract runs the shared topic contract on the SNS adapter
// against a standard topic: every Publish delivers, repeats included, with
// the messageId attribute subscribers dedupe on.
func TestTopic_Contract(t *testing.T) {
	topictest.Run(t, func(t *testing.T) topictest.Subject {
		topic, fake := newTopic(t, "arn:aws:sns:us-east-1:123456789012:doc-tales-notifications-dev")
		return topictest.Subject{
			Topic: topic,
			Delivered: func(t *testing.T) []string {
				fake.mu.Lock()
				defer fake.mu.Unlock()
				var ids []string
				for _, r := range fake.requests {
					ids = append(ids, attrs(r)[dtsns.AttrMessageID])
				}
				return ids
			},
		}
	})
}
