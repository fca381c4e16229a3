// Command timers is the Lambda function that fires the notification
// timers (issue 13, "When" on AWS): an EventBridge Scheduler schedule
// invokes it every minute (rate(1 minute), see the SAM template), and it
// publishes every reminder, escalation step, notification held by quiet
// hours (DOCTALES_QUIET_HOURS) and digest (DOCTALES_DIGEST) due by then from the
// timers table TIMERS_TABLE to the SNS topic NOTIFICATION_TOPIC_ARN, with
// the notification function's claim protocol in the ledger LEDGER_TABLE
// (claim the MessageId, publish, mark sent), so a timer fired twice (a
// retried invocation, two overlapping ones) publishes once. A timer whose
// communication was read, done, acknowledged or deleted since, or whose
// deadline moved, is dropped.
//
// Build: CGO_ENABLED=0 GOOS=linux go build -tags lambda.norpc -o bootstrap ./cmd/lambda/timers
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/doctales/doctales/awslambda"
	"github.com/doctales/doctales/cmd/lambda/internal/boot"
)

func main() {
	ctx := context.Background()
	env, err := boot.ReadEnv("timers", os.Getenv)
	logger := env.Logger()
	if err != nil {
		boot.Fatal(logger, "timers", err)
	}
	cfg, err := boot.AWSConfig(ctx)
	if err != nil {
		boot.Fatal(logger, "timers", err)
	}
	w := env.When(cfg, env.Table(cfg), env.Topic(cfg), env.Ledger(cfg), logger)
	if err := w.Validate(); err != nil {
		boot.Fatal(logger, "timers", err)
	}
	// A span per invocation and an EMF line of its counters (docs/aws.md).
	obs, err := boot.NewObserver(ctx, "timers", logger)
	if err != nil {
		boot.Fatal(logger, "timers", err)
	}
	lambda.Start(obs.Timers(awslambda.Timers(w.FireDue, logger)))
}
