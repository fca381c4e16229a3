// Command extraction is the Lambda function on the raw bucket's
// s3:ObjectCreated:* notifications: it reads the object, extracts its
// dimensions with the built-in engine (or Amazon Comprehend, with
// DOCTALES_EXTRACTOR=comprehend, falling back to the built-in engine) and
// updates the item in the communications table.
//
// Build: CGO_ENABLED=0 GOOS=linux go build -tags lambda.norpc -o bootstrap ./cmd/lambda/extraction
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awscomprehend "github.com/aws/aws-sdk-go-v2/service/comprehend"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/awslambda"
	"github.com/doctales/doctales/cmd/lambda/internal/boot"
	"github.com/doctales/doctales/comprehend"
	"github.com/doctales/doctales/extract"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/metrics/emf"
)

func main() {
	ctx := context.Background()
	env, err := boot.ReadEnv("extraction", os.Getenv)
	logger := env.Logger()
	if err != nil {
		boot.Fatal(logger, "extraction", err)
	}
	cfg, err := boot.AWSConfig(ctx)
	if err != nil {
		boot.Fatal(logger, "extraction", err)
	}
	// A span per invocation, continuing the ingestion's trace from the
	// object's metadata, and an EMF line per invocation (docs/aws.md).
	obs, err := boot.NewObserver(ctx, "extraction", logger)
	if err != nil {
		boot.Fatal(logger, "extraction", err)
	}
	var extractor doctales.Extractor = extract.New(extract.WithFreshness(env.Freshness), extract.WithReader(env.Reader...))
	if env.Extractor == "comprehend" {
		extractor = &comprehend.Extractor{Client: awscomprehend.NewFromConfig(cfg), Base: extractor, Logger: logger,
			OnFallback: func(context.Context, string, error) { obs.Metrics.Add(emf.ComprehendFallbacks, 1) }}
	}
	table, store := env.Table(cfg), env.Store(cfg)
	fn := &function.Extraction{Store: store, Table: table, Extractor: extractor, Logger: logger}
	// A failed attempt marks the item failed (a later success clears it),
	// so a dead-lettered extraction leaves it failed, as locally.
	lambda.Start(obs.Extraction(awslambda.Extraction(fn.Handle, table, logger), store.TraceParent))
}
