package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/snstest"
	"github.com/doctales/doctales/internal/testutil"
)

// TestChannels_SNSAndOwnDeadLetters (issue 13): each channel is its own
// subscription with its own retries and dead letters. With one webhook
// down (503, retried by its delivery policy for an hour), one refusing
// (400, dead-lettered at once), an e-mail channel (Mailpit) and an sns
// channel to a fake SNS, an urgent communication reaches the e-mail box
// and the SNS topic at once, the latter with its reason, link and
// messageId; only the refusing webhook's delivery is dead-lettered; and
// `dlq list --channel` lists each channel's dead letters apart.
func TestChannels_SNSAndOwnDeadLetters(t *testing.T) {
	const arn = "arn:aws:sns:eu-west-1:123456789012:doctales-me"
	fake := snstest.New(t, arn)
	mp := testutil.StartMailpit(t)
	t.Setenv("TEST_SMTP_PASSWORD", testutil.MailpitPassword)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	var downCalls atomic.Int64
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		downCalls.Add(1)
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such hook", http.StatusBadRequest)
	}))
	t.Cleanup(refusing.Close)

	data := t.TempDir()
	m := MustRunMain(t, nil, "--data", data, "--config", writeConfig(t, `
topic:
  allowPrivateTargets: ["127.0.0.1/32"]
  subscriptions:
    - protocol: webhook
      endpoint: `+down.URL+`/hook
    - protocol: webhook
      endpoint: `+refusing.URL+`/hook
    - protocol: sns
      endpoint: `+arn+`
      snsEndpoint: `+fake.URL+`
      dashboardUrl: https://doctales.example/
    - protocol: email
      endpoint: mailto:me@example.com
      smtp:
        host: 127.0.0.1
        port: `+strconv.Itoa(mp.SMTPPort)+`
        username: `+testutil.MailpitUser+`
        password: ${TEST_SMTP_PASSWORD}
        from: Doc-Tales <doctales@example.com>
        caFile: `+mp.CertFile+`
`))
	id := postJSON(t, m.URL(), map[string]any{"source": "email", "subject": "Wire transfer", "from": "Ana Ruiz",
		"from_email": "ana@acme.example", "to": []string{"me@example.com"},
		"body": "URGENT: please approve the wire before 5pm today."})

	// The SNS channel is not held back by the webhook that is down.
	waitFor(t, 20*time.Second, func() bool { return len(fake.Published()) > 0 })
	p := fake.Published()[0]
	if p.Attributes["communicationId"] != id || p.Attributes["messageId"] == "" || p.Attributes["reason"] == "" ||
		p.Attributes["link"] != "https://doctales.example/#/prioritizer?open="+id || !strings.Contains(p.Message, "Open it: https://doctales.example/") {
		t.Errorf("published %+v, want the communication's id, messageId, reason and link", p)
	}
	if msgs := mp.Messages(t, 1); len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "Wire transfer") {
		t.Errorf("e-mails = %+v, want the one notification, not held back by the webhook that is down", msgs)
	}
	if downCalls.Load() == 0 {
		t.Error("the webhook that is down was never tried")
	}

	// Only the refusing webhook's delivery is dead-lettered.
	dlq := func(channel string) []*doctales.DeadLetter {
		t.Helper()
		var out, errb bytes.Buffer
		if err := runDLQ(context.Background(), []string{"list", "--data", data, "--channel", channel, "--json"}, &out, &errb); err != nil {
			t.Fatalf("dlq list --channel %s: %v (%s)", channel, err, errb.String())
		}
		var dls []*doctales.DeadLetter
		if err := json.Unmarshal(out.Bytes(), &dls); err != nil {
			t.Fatalf("dlq list --channel %s: %v in %q", channel, err, out.String())
		}
		return dls
	}
	waitFor(t, 20*time.Second, func() bool { return len(dlq("webhook")) == 1 })
	if dls := dlq("webhook"); dls[0].Subscription != "topic/webhook-2" {
		t.Errorf("webhook dead letter of %s, want topic/webhook-2 (the refusing one)", dls[0].Subscription)
	}
	for _, ch := range []string{"sns", "email", "log"} {
		if dls := dlq(ch); len(dls) != 0 {
			t.Errorf("dlq list --channel %s = %d dead letters, want none", ch, len(dls))
		}
	}
	if n := len(fake.Published()); n != 1 {
		t.Errorf("SNS got %d publishes, want 1", n)
	}
	var out, errb bytes.Buffer
	err := runDLQ(context.Background(), []string{"list", "--data", data, "--channel", "pager"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), `"pager"`) {
		t.Errorf("dlq list --channel pager = %v, want an error naming it", err)
	}
}

// TestConfig_SNSErrors: an sns subscription's mistakes are named at start.
func TestConfig_SNSErrors(t *testing.T) {
	for _, tc := range []struct{ sub, want string }{
		{"endpoint: doctales-me", `topic.subscriptions[0]: sns: endpoint "doctales-me" is not an SNS topic ARN`},
		{"endpoint: arn:aws:sqs:eu-west-1:1:q", `is not an SNS topic ARN`},
		{"endpoint: arn:aws:sns:eu-west-1:1:t\n      snsEndpoint: localhost:9911", `snsEndpoint "localhost:9911" is not an http(s) URL`},
	} {
		_, err := ReadConfig(writeConfig(t, "topic:\n  subscriptions:\n    - protocol: sns\n      "+tc.sub+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.sub, err, tc.want)
		}
	}
}
