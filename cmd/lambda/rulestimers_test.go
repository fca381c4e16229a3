package lambda_test

import (
	"context"
	"encoding/json"
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

// TestBootstrap_RulesAndTimers (issue 13 on AWS) runs the api, notification
// and timers bootstraps over dynalite and a fake SNS: a rule written with
// POST /rules is stored in the table and read back; the notification
// function judges the change by it (the message targets the rule's
// channel and names it) and plans the escalation step in the timers
// table; the timers function, as the minute schedule invokes it, sends
// that step once, however often it is invoked.
func TestBootstrap_RulesAndTimers(t *testing.T) {
	ctx := context.Background()
	ddbEnd := testutil.DynamoDBEndpoint(t)
	suffix := fmt.Sprint(time.Now().UnixNano())
	table, ledger, timers := "doc-tales-communications-"+suffix, "doc-tales-ledger-"+suffix, "doc-tales-timers-"+suffix
	const arn = "arn:aws:sns:us-east-1:123456789012:doc-tales-notifications-test"

	ddb := dynamodb.NewFromConfig(testutil.AWSConfig(ddbEnd))
	tbl := dtddb.NewTable(ddb, table)
	if err := tbl.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	if err := dtddb.NewLedger(ddb, ledger).CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	if err := dtddb.NewTimers(ddb, timers).CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	sns := snstest.New(t, arn)
	env := map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB":    ddbEnd,
		"AWS_ENDPOINT_URL_SNS":         sns.URL,
		"COMMUNICATIONS_TABLE":         table,
		"RAW_BUCKET":                   "unused",
		"LEDGER_TABLE":                 ledger,
		"TIMERS_TABLE":                 timers,
		"NOTIFICATION_TOPIC_ARN":       arn,
		"DOCTALES_FRESHNESS":           "0",
		"DOCTALES_ESCALATION_AFTER":    "1s",
		"DOCTALES_ESCALATION_CHANNELS": "email",
	}

	// A rule through the API function (it answered 501 on DynamoDB).
	rt := newFakeRuntime(t)
	start(t, rt, "api", env)
	rule := `{"id":"ana","name":"From Ana","order":-1,"pattern":{"dynamodb":{"NewImage":{"sender":{"S":["Ana Ruiz"]}}}},"targets":["sns"]}`
	res := rt.invoke(t, apiV2("POST", "/rules", rule))
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res.body, &resp); err != nil || resp.StatusCode != 201 {
		t.Fatalf("POST /rules: %s %s", res.kind, res.body)
	}
	res = rt.invoke(t, apiV2("GET", "/rules", ""))
	if err := json.Unmarshal(res.body, &resp); err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Body, `"From Ana"`) || !strings.Contains(resp.Body, `"default"`) {
		t.Fatalf("GET /rules: %s %s", res.kind, res.body)
	}
	if rules, err := tbl.Rules(ctx, "ana-sub-1"); err != nil || len(rules) != 2 || rules[0].ID != "ana" {
		t.Fatalf("stored rules of ana = %+v, %v", rules, err)
	}

	// Ana's urgent item, and the MODIFY record DynamoDB Streams would send.
	item := &doctales.Item{ID: "rt-1", Owner: "ana-sub-1", Type: "email", Source: "email", Subject: "Wire transfer",
		Sender: "Ana Ruiz", SenderID: "ana@acme.example", Timestamp: time.Now().UTC(), Status: doctales.StatusExtracted,
		Metadata: doctales.Metadata{Urgency: doctales.UrgencyHigh}}
	if _, _, err := tbl.CreateItem(ctx, item); err != nil {
		t.Fatal(err)
	}
	img, err := item.Image()
	if err != nil {
		t.Fatal(err)
	}
	rec := events.DynamoDBEventRecord{EventName: "MODIFY", EventSource: "aws:dynamodb", Change: events.DynamoDBStreamRecord{
		Keys: item.Keys(), NewImage: img, SequenceNumber: "400", StreamViewType: "NEW_AND_OLD_IMAGES"}}
	rtn := newFakeRuntime(t)
	start(t, rtn, "notification", env)
	res = rtn.invoke(t, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}})
	if res.kind != "response" || string(res.body) != `{"batchItemFailures":[]}` {
		t.Fatalf("notification: %s %s", res.kind, res.body)
	}
	pub := sns.Published()
	if len(pub) != 1 || pub[0].Attributes["rule"] != "ana" || pub[0].Attributes["targets"] != `["sns"]` {
		t.Fatalf("SNS got %+v, want one message of rule ana to [\"sns\"]", pub)
	}

	// The timers function, invoked as the schedule does, sends the
	// escalation step once it is due, and once only.
	rtt := newFakeRuntime(t)
	start(t, rtt, "timers", env)
	deadline := time.Now().Add(20 * time.Second)
	for len(sns.Published()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no escalation after 20 s; SNS got %+v", sns.Published())
		}
		res := rtt.invoke(t, map[string]any{"source": "aws.scheduler"})
		if res.kind != "response" {
			t.Fatalf("timers: %s %s", res.kind, res.body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for range 2 {
		if res := rtt.invoke(t, map[string]any{}); res.kind != "response" || string(res.body) != `{"sent":0}` {
			t.Fatalf("timers again: %s %s, want nothing sent", res.kind, res.body)
		}
	}
	pub = sns.Published()
	if len(pub) != 2 || pub[1].Attributes["targets"] != `["email"]` || pub[1].Attributes["communicationId"] != "rt-1" ||
		pub[1].Attributes["messageId"] == pub[0].Attributes["messageId"] {
		t.Fatalf("SNS got %+v, want the escalation to [\"email\"] with its own messageId", pub)
	}
}
