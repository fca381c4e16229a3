// Command api is the Lambda function behind API Gateway: ingestion
// (POST /communications) and the read API (GET /communications,
// GET /communications/{id}), one HTTP handler for REST (v1) and HTTP API
// (v2) events. The SAM template deploys it twice, as IngestionFunction with
// write access and ApiFunction with read access.
//
// Build: CGO_ENABLED=0 GOOS=linux go build -tags lambda.norpc -o bootstrap ./cmd/lambda/api
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/doctales/doctales/awslambda"
	"github.com/doctales/doctales/cmd/lambda/internal/boot"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/sandbox"
)

func main() {
	// The document parser worker (a child process of this binary, see
	// package sandbox) serves here and exits.
	sandbox.Main(ingest.SandboxJobs())
	ctx := context.Background()
	env, err := boot.ReadEnv("api", os.Getenv)
	logger := env.Logger()
	if err != nil {
		boot.Fatal(logger, "api", err)
	}
	cfg, err := boot.AWSConfig(ctx)
	if err != nil {
		boot.Fatal(logger, "api", err)
	}
	store, table := env.Store(cfg), env.Table(cfg)
	parser, err := env.Parser(logger)
	if err != nil {
		boot.Fatal(logger, "api", err)
	}
	h := &httpapi.Handler{
		Parser:      parser,
		Normalizer:  &ingest.Normalizer{MaxBodyBytes: env.MaxBodyBytes},
		Ingestion:   &function.Ingestion{Store: store, Table: table},
		Table:       table,
		Store:       store,
		DeadLetters: awslambda.DeadLetterQueues{Queues: env.DeadLetterQs},
		Logger:      logger,
		// The original system's wildcard CORS stays on AWS until its
		// authorizer (issue 17 item 7); the embedded server sends none.
		AllowOrigins: []string{"*"},
	}
	h.Init()
	lambda.Start(awslambda.API(h))
}
