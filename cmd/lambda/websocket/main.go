// Command websocket is the live stream on AWS (issue 16, package livews):
// one binary that the SAM template deploys twice. As WebSocketFunction it
// is the integration of the WebSocket API's $connect (a ticket from
// POST /live/ticket in ?ticket=), $disconnect and $default routes, on the
// connections table CONNECTIONS_TABLE. As LiveFanoutFunction it consumes
// the communications table's stream and the notification topic and posts
// each event to its owner's connections through the management API at
// WEBSOCKET_MANAGEMENT_ENDPOINT.
//
// Build: CGO_ENABLED=0 GOOS=linux go build -tags lambda.norpc -o bootstrap ./cmd/lambda/websocket
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/doctales/doctales/cmd/lambda/internal/boot"
	"github.com/doctales/doctales/livews"
)

func main() {
	ctx := context.Background()
	env, err := boot.ReadEnv("websocket", os.Getenv)
	logger := env.Logger()
	if err != nil {
		boot.Fatal(logger, "websocket", err)
	}
	live, err := boot.ReadLive(os.Getenv)
	if err != nil {
		boot.Fatal(logger, "websocket", err)
	}
	if live.ConnectionsTable == "" {
		boot.Fatal(logger, "websocket", errors.New("environment variable "+boot.EnvConnectionsTable+" is required by the websocket function"))
	}
	cfg, err := boot.AWSConfig(ctx)
	if err != nil {
		boot.Fatal(logger, "websocket", err)
	}
	store := live.Connections(cfg)
	fn := &livews.Function{Routes: &livews.Handler{Store: store, Logger: logger}}
	// The fan-out needs the management API; the routes do not.
	if live.ManagementEndpoint != "" {
		fn.Fanout = &livews.Fanout{
			Store:  store,
			Poster: &livews.ManagementAPI{Endpoint: live.ManagementEndpoint, Region: cfg.Region, Credentials: cfg.Credentials},
			Logger: logger,
		}
	}
	lambda.Start(fn)
}
