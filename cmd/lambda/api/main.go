// Command api is the Lambda function behind API Gateway: ingestion
// (POST /communications, POST /uploads), the read API (GET /communications,
// GET /communications/{id}, DELETE /communications/{id}, GET/PUT
// /user-profile, GET /archetypes), one HTTP handler for REST (v1) and HTTP API
// (v2) events. The SAM template deploys it three times, as IngestionFunction
// with write access, ApiFunction with read access and UploadFunction, which
// ingests the objects POST /uploads URLs received, on their
// s3:ObjectCreated:* events under uploads/ (issue 16).
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
	"github.com/doctales/doctales/livews"
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
		Parser:     parser,
		Normalizer: &ingest.Normalizer{MaxBodyBytes: env.MaxBodyBytes},
		Ingestion:  &function.Ingestion{Store: store, Table: table},
		// DELETE /communications/{id}: the objects, then the item (DynamoDB
		// Streams carries the REMOVE record).
		Deletion:    &function.Deletion{Store: store, Table: table, Logger: logger},
		Table:       table,
		Store:       store,
		DeadLetters: awslambda.DeadLetterQueues{Queues: env.DeadLetterQs},
		// People's rules, items of the table (dynamodb/rules.go); their
		// targets are the SNS subscriptions' channels (boot.AWSChannels).
		Rules:    table,
		Channels: boot.AWSChannels,
		Logger:   logger,
		// API Gateway's JWT authorizer (a Cognito user pool, see the SAM
		// template) has checked the token; awslambda.API puts its subject
		// and scopes in the request's context, and every table call is
		// scoped to that user (issue 17).
		PlatformAuth: true,
		// Same origin unless ALLOW_ORIGINS names others; never "*".
		AllowOrigins: env.AllowOrigins,
	}
	if profiles := env.Profiles(cfg); profiles != nil {
		h.Profiles = profiles
	}
	// The live stream on AWS (issue 16): POST /live/ticket sends the
	// dashboard to the WebSocket API, with a ticket kept in the
	// connections table (package livews).
	live, err := boot.ReadLive(os.Getenv)
	if err != nil {
		boot.Fatal(logger, "api", err)
	}
	if live.WebSocketURL != "" {
		h.Live = &httpapi.Live{URL: live.WebSocketURL, Tickets: &livews.Tickets{Store: live.Connections(cfg)}}
	}
	// A span per invocation and per routed request, and an EMF line per
	// invocation (docs/aws.md, "Tracing and metrics on AWS").
	obs, err := boot.NewObserver(ctx, "api", logger)
	if err != nil {
		boot.Fatal(logger, "api", err)
	}
	h.Middleware = obs.HTTP
	// Large bodies: POST /uploads answers a presigned S3 PUT; the object's
	// ObjectCreated event comes back to this binary (UploadFunction) and is
	// ingested as POST /communications would ingest the same bytes; its
	// invocation is observed as an S3-triggered one (no traceparent: the
	// object was put by the client).
	uploads := env.Uploads(cfg)
	h.Uploads = uploads
	h.Init()
	onUpload := obs.Extraction(awslambda.ExtractionFunc(awslambda.Uploads(uploads, h.IngestUpload, logger)),
		func(context.Context, string) (string, error) { return "", nil })
	lambda.Start(awslambda.WithUploads(obs.API(awslambda.API(h)), awslambda.UploadFunc(onUpload)))
}
