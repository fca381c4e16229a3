package lambda_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/doctales/doctales"
	dtddb "github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/internal/snstest"
	"github.com/doctales/doctales/internal/testutil"
)

// whenStack is the tables, fake SNS topic and environment of the
// notification and timers functions for a quiet hours or digest test.
type whenStack struct {
	tbl *dtddb.Table
	sns *snstest.Fake
	env map[string]string
}

func newWhenStack(t *testing.T, extra map[string]string) *whenStack {
	t.Helper()
	ctx := context.Background()
	ddbEnd := testutil.DynamoDBEndpoint(t)
	suffix := fmt.Sprint(time.Now().UnixNano())
	table, ledger, timers := "doc-tales-communications-"+suffix, "doc-tales-ledger-"+suffix, "doc-tales-timers-"+suffix
	const arn = "arn:aws:sns:us-east-1:123456789012:doc-tales-notifications-test"
	ddb := dynamodb.NewFromConfig(testutil.AWSConfig(ddbEnd))
	s := &whenStack{tbl: dtddb.NewTable(ddb, table), sns: snstest.New(t, arn)}
	if err := s.tbl.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	if err := dtddb.NewLedger(ddb, ledger).CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	if err := dtddb.NewTimers(ddb, timers).CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	s.env = map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB": ddbEnd,
		"AWS_ENDPOINT_URL_SNS":      s.sns.URL,
		"COMMUNICATIONS_TABLE":      table,
		"RAW_BUCKET":                "unused",
		"LEDGER_TABLE":              ledger,
		"TIMERS_TABLE":              timers,
		"NOTIFICATION_TOPIC_ARN":    arn,
		"DOCTALES_FRESHNESS":        "0",
	}
	for k, v := range extra {
		s.env[k] = v
	}
	return s
}

// notify stores the high items and runs the notification function on
// their MODIFY records with its clock at now.
func (s *whenStack) notify(t *testing.T, now time.Time, items ...*doctales.Item) {
	t.Helper()
	var recs []events.DynamoDBEventRecord
	for i, it := range items {
		if _, _, err := s.tbl.CreateItem(context.Background(), it); err != nil {
			t.Fatal(err)
		}
		img, err := it.Image()
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, events.DynamoDBEventRecord{EventName: "MODIFY", EventSource: "aws:dynamodb", Change: events.DynamoDBStreamRecord{
			Keys: it.Keys(), NewImage: img, SequenceNumber: fmt.Sprint(500 + i), StreamViewType: "NEW_AND_OLD_IMAGES"}})
	}
	rt := newFakeRuntime(t)
	start(t, rt, "notification", s.withNow(now))
	if res := rt.invoke(t, events.DynamoDBEvent{Records: recs}); res.kind != "response" || string(res.body) != `{"batchItemFailures":[]}` {
		t.Fatalf("notification: %s %s", res.kind, res.body)
	}
}

// timers starts the timers function with its clock at now and invokes
// it as the minute schedule does, returning its answer.
func (s *whenStack) timers(t *testing.T, now time.Time) string {
	t.Helper()
	rt := newFakeRuntime(t)
	start(t, rt, "timers", s.withNow(now))
	res := rt.invoke(t, map[string]any{"source": "aws.scheduler"})
	if res.kind != "response" {
		t.Fatalf("timers at %s: %s %s", now, res.kind, res.body)
	}
	return string(res.body)
}

func (s *whenStack) withNow(now time.Time) map[string]string {
	env := map[string]string{"DOCTALES_TEST_NOW": now.UTC().Format(time.RFC3339)}
	for k, v := range s.env {
		env[k] = v
	}
	return env
}

// highItem is ana's high item id at ts.
func highItem(id, subject string, ts time.Time) *doctales.Item {
	return &doctales.Item{ID: id, Owner: "ana-sub-1", Type: "email", Source: "email", Subject: subject,
		Sender: "Ana Ruiz", SenderID: "ana@acme.example", Timestamp: ts, Status: doctales.StatusExtracted,
		Metadata: doctales.Metadata{Urgency: doctales.UrgencyHigh}}
}

// nextUTC returns the first time after now at hh:mm UTC, a day ahead
// at least, so the test clock runs ahead of the real one (a claim's
// lease is never longer than the real one).
func nextUTC(hh, mm int) time.Time {
	n := time.Now().UTC().AddDate(0, 0, 1)
	return time.Date(n.Year(), n.Month(), n.Day(), hh, mm, 0, 0, time.UTC)
}

// TestBootstrap_QuietHours (issue 13's quiet hours on AWS): with
// DOCTALES_QUIET_HOURS=email=22:00-07:00, a high item notified at 23:00
// goes at once to the channels that are not quiet and is held for e-mail
// in the timers table; the timers function sends nothing for it before
// 07:00, and after 07:00 sends it to e-mail once, however often it runs.
func TestBootstrap_QuietHours(t *testing.T) {
	s := newWhenStack(t, map[string]string{"DOCTALES_QUIET_HOURS": "email=22:00-07:00"})
	night := nextUTC(23, 0)
	s.notify(t, night, highItem("qh-1", "Wire transfer", night))
	pub := s.sns.Published()
	if len(pub) != 1 || pub[0].Attributes["targets"] != `["webhook","sns"]` {
		t.Fatalf("SNS got %+v, want one message to [\"webhook\",\"sns\"] (e-mail is quiet)", pub)
	}
	if got := s.timers(t, night.Add(7*time.Hour+59*time.Minute)); got != `{"sent":0}` {
		t.Fatalf("timers at 06:59: %s, want nothing sent inside quiet hours", got)
	}
	morning := night.Add(8*time.Hour + 30*time.Second)
	if got := s.timers(t, morning); got != `{"sent":1}` {
		t.Fatalf("timers at 07:00:30: %s, want the held message sent", got)
	}
	if got := s.timers(t, morning.Add(time.Minute)); got != `{"sent":0}` {
		t.Fatalf("timers again: %s, want nothing sent", got)
	}
	pub = s.sns.Published()
	if len(pub) != 2 || pub[1].Attributes["targets"] != `["email"]` || pub[1].Attributes["communicationId"] != "qh-1" ||
		pub[1].Attributes["messageId"] == pub[0].Attributes["messageId"] || pub[1].Subject != pub[0].Subject {
		t.Fatalf("SNS got %+v, want the held message to [\"email\"] with its own messageId", pub)
	}
}

// TestBootstrap_Digest (issue 13's digest on AWS): with quiet hours and
// DOCTALES_DIGEST=24h@08:00:email in Europe/Berlin, two high items
// notified at midnight Berlin time are listed in the next digest instead
// of e-mailed; the timers function sends nothing before 08:00 Berlin
// (07:00 UTC in winter, 06:00 in summer) and then one digest e-mail
// listing both, once.
func TestBootstrap_Digest(t *testing.T) {
	s := newWhenStack(t, map[string]string{
		"DOCTALES_QUIET_HOURS": "email=22:00-07:00",
		"DOCTALES_DIGEST":      "24h@08:00:email",
		"DOCTALES_TIMEZONE":    "Europe/Berlin",
	})
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	n := time.Now().In(berlin).AddDate(0, 0, 2)
	midnight := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, berlin)
	eight := time.Date(n.Year(), n.Month(), n.Day(), 8, 0, 0, 0, berlin)
	s.notify(t, midnight, highItem("dg-1", "Wire transfer", midnight), highItem("dg-2", "Contract signature", midnight))
	pub := s.sns.Published()
	if len(pub) != 2 || pub[0].Attributes["targets"] != `["webhook","sns"]` || pub[1].Attributes["targets"] != `["webhook","sns"]` {
		t.Fatalf("SNS got %+v, want two messages to [\"webhook\",\"sns\"] (e-mail is quiet, folded into the digest)", pub)
	}
	if got := s.timers(t, eight.Add(-time.Minute)); got != `{"sent":0}` {
		t.Fatalf("timers at 07:59 Berlin: %s, want nothing sent before the digest's time", got)
	}
	if got := s.timers(t, eight.Add(30*time.Second)); got != `{"sent":1}` {
		t.Fatalf("timers at 08:00:30 Berlin: %s, want the digest sent", got)
	}
	if got := s.timers(t, eight.Add(90*time.Second)); got != `{"sent":0}` {
		t.Fatalf("timers again: %s, want nothing sent", got)
	}
	pub = s.sns.Published()
	if len(pub) != 3 {
		t.Fatalf("SNS got %d messages, want 3 (two at once, one digest): %+v", len(pub), pub)
	}
	d := pub[2]
	if d.Attributes["targets"] != `["email"]` || d.Attributes["timer"] != "digest" || d.Subject != "Doc-Tales digest: 2 communication(s)" ||
		!strings.Contains(d.Message, "Wire transfer") || !strings.Contains(d.Message, "Contract signature") ||
		!strings.Contains(d.Message, "id dg-1") || !strings.Contains(d.Message, "id dg-2") || !strings.Contains(d.Message, "08:00") {
		t.Fatalf("digest = %+v, want one e-mail listing dg-1 and dg-2", d)
	}
}
