// Package snstest is a fake of Amazon SNS's Publish action for tests of
// what publishes to SNS (package sns, the notify "sns" channel, the
// binary's sns subscriptions). SNS cannot run here, so the fake answers
// the documented shapes of the query protocol the SDK speaks:
//
//   - the request is a form POST, Action=Publish, Version=2010-03-31,
//     TopicArn, Message, Subject, MessageAttributes.entry.N.Name and
//     .Value.DataType / .Value.StringValue
//     (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html);
//   - success is 200 with <PublishResponse><PublishResult><MessageId>;
//   - an error is <ErrorResponse><Error><Type/><Code/><Message/></Error>
//     with the status the reference gives each code: NotFound 404,
//     InvalidParameter 400, Throttled 400, InternalError 500
//     (https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html).
package snstest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// Published is one accepted Publish request.
type Published struct {
	TopicArn   string
	Subject    string
	Message    string
	Attributes map[string]string // by name: StringValue
	MessageID  string            // the id SNS answered
}

// Fake is a fake SNS endpoint. Topics lists the ARNs that exist (a
// Publish to another is NotFound); Fail, when set, makes every Publish
// answer that error code. Safe for concurrent use.
type Fake struct {
	URL string

	mu        sync.Mutex
	topics    map[string]bool
	fail      string
	published []Published
	requests  int
}

// New starts a fake SNS on 127.0.0.1 with the given topics, closed at the
// end of the test.
func New(tb testing.TB, topics ...string) *Fake {
	tb.Helper()
	f := &Fake{topics: map[string]bool{}}
	for _, t := range topics {
		f.topics[t] = true
	}
	srv := httptest.NewServer(f)
	tb.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// Fail makes every Publish answer the error code (one of NotFound,
// InvalidParameter, Throttled, InternalError) until Fail("").
func (f *Fake) Fail(code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = code
}

// Published returns the accepted Publish requests so far, in order.
func (f *Fake) Published() []Published {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Published(nil), f.published...)
}

// Requests returns how many Publish requests arrived, accepted or not.
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

var errStatus = map[string]int{"NotFound": 404, "InvalidParameter": 400, "Throttled": 400, "InternalError": 500}

// ServeHTTP answers one query-protocol request.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, "InvalidParameter", err.Error())
		return
	}
	v := r.PostForm
	if v.Get("Action") != "Publish" {
		writeError(w, "InvalidAction", fmt.Sprintf("the fake answers Publish only, not %q", v.Get("Action")))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	switch {
	case f.fail != "":
		writeError(w, f.fail, "the fake was told to fail")
		return
	case !f.topics[v.Get("TopicArn")]:
		writeError(w, "NotFound", "Topic does not exist")
		return
	case v.Get("Message") == "":
		writeError(w, "InvalidParameter", "Invalid parameter: Empty message")
		return
	}
	p := Published{TopicArn: v.Get("TopicArn"), Subject: v.Get("Subject"), Message: v.Get("Message"),
		Attributes: attributes(v), MessageID: fmt.Sprintf("sns-%d", len(f.published)+1)}
	f.published = append(f.published, p)
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>%s</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`, p.MessageID)
}

// attributes returns the message attributes of a Publish request by name.
func attributes(v url.Values) map[string]string {
	out := map[string]string{}
	for i := 1; ; i++ {
		name := v.Get(fmt.Sprintf("MessageAttributes.entry.%d.Name", i))
		if name == "" {
			return out
		}
		out[name] = v.Get(fmt.Sprintf("MessageAttributes.entry.%d.Value.StringValue", i))
	}
}

func writeError(w http.ResponseWriter, code, msg string) {
	status, ok := errStatus[code]
	if !ok {
		status = 400
	}
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>r</RequestId></ErrorResponse>`, typ, code, msg)
}
