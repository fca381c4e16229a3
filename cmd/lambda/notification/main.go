// Command notification is the Lambda function on the communications
// table's stream: it publishes one notification per escalation to the SNS
// topic NOTIFICATION_TOPIC_ARN, checking the DynamoDB ledger LEDGER_TABLE so
// that a redelivered record does not notify twice, and reports failed
// records in BatchItemFailures. With COMMUNICATIONS_TABLE set it judges
// changes by people's rules stored there (issue 13), read again at most
// dynamodb.DefaultRulesTTL after another function wrote them; with
// TIMERS_TABLE it plans each notified item's reminders and escalation
// steps there, holds a notification on a channel in its quiet hours
// (DOCTALES_QUIET_HOURS) as a timer there, and lists it in the digest
// (DOCTALES_DIGEST) when one is set.
//
// Build: CGO_ENABLED=0 GOOS=linux go build -tags lambda.norpc -o bootstrap ./cmd/lambda/notification
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/doctales/doctales/awslambda"
	"github.com/doctales/doctales/cmd/lambda/internal/boot"
	"github.com/doctales/doctales/notify"
)

func main() {
	ctx := context.Background()
	env, err := boot.ReadEnv("notification", os.Getenv)
	logger := env.Logger()
	if err != nil {
		boot.Fatal(logger, "notification", err)
	}
	cfg, err := boot.AWSConfig(ctx)
	if err != nil {
		boot.Fatal(logger, "notification", err)
	}
	topic := env.Topic(cfg)
	ledger := env.Ledger(cfg)
	fn := &notify.Function{Topic: topic, Ledger: ledger, Logger: logger, TopicArn: topic.ARN(), Now: env.Clock}
	if env.TableName != "" {
		table := env.Table(cfg)
		fn.Rules = &notify.RuleBook{Store: table}
		// Reminders, escalation steps, held notifications and the
		// digest are planned in TIMERS_TABLE; the timers function fires
		// them (cmd/lambda/timers).
		fn.When = env.When(cfg, table, topic, ledger, logger)
	}
	if env.Freshness > 0 {
		fn.Freshness = env.Freshness
	}
	if err := fn.Validate(); err != nil {
		boot.Fatal(logger, "notification", err)
	}
	// A span per invocation, linked to the extraction's through the
	// stream record's NewImage, and an EMF line per invocation (docs/aws.md).
	obs, err := boot.NewObserver(ctx, "notification", logger)
	if err != nil {
		boot.Fatal(logger, "notification", err)
	}
	lambda.Start(obs.Notification(awslambda.Notification(fn.Handle, logger)))
}
