package boot

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/doctales/doctales/dynamodb"
)

// Environment variables of the live stream on AWS (issue 16; package
// livews).
const (
	// EnvConnectionsTable is the WebSocket connections table: the
	// websocket functions' and, for POST /live/ticket, the API's.
	EnvConnectionsTable = "CONNECTIONS_TABLE"
	// EnvWebSocketURL is the wss:// URL of the WebSocket API's stage, that
	// POST /live/ticket gives the dashboard; empty, the dashboard keeps
	// the SSE stream.
	EnvWebSocketURL = "WEBSOCKET_URL"
	// EnvWebSocketEndpoint is the https:// URL of the stage's management
	// API (PostToConnection), for the fan-out function.
	EnvWebSocketEndpoint = "WEBSOCKET_MANAGEMENT_ENDPOINT"
)

// Live is the live stream's settings.
type Live struct {
	ConnectionsTable   string
	WebSocketURL       string
	ManagementEndpoint string
}

// ReadLive reads the live stream's settings through getenv. A URL that is
// set must be absolute, wss:// for EnvWebSocketURL and https:// (http://
// for a local server) for EnvWebSocketEndpoint; a URL without the table
// is an error, as tickets could not be kept.
func ReadLive(getenv func(string) string) (Live, error) {
	l := Live{
		ConnectionsTable:   getenv(EnvConnectionsTable),
		WebSocketURL:       getenv(EnvWebSocketURL),
		ManagementEndpoint: getenv(EnvWebSocketEndpoint),
	}
	check := func(name, v string, schemes ...string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || u.Host == "" {
			return fmt.Errorf("%s=%q: not an absolute URL", name, v)
		}
		for _, s := range schemes {
			if strings.EqualFold(u.Scheme, s) {
				return nil
			}
		}
		return fmt.Errorf("%s=%q: want a %s URL", name, v, strings.Join(schemes, " or "))
	}
	if err := check(EnvWebSocketURL, l.WebSocketURL, "wss", "ws"); err != nil {
		return l, err
	}
	if err := check(EnvWebSocketEndpoint, l.ManagementEndpoint, "https", "http"); err != nil {
		return l, err
	}
	if (l.WebSocketURL != "" || l.ManagementEndpoint != "") && l.ConnectionsTable == "" {
		return l, fmt.Errorf("environment variable %s is required with %s or %s", EnvConnectionsTable, EnvWebSocketURL, EnvWebSocketEndpoint)
	}
	return l, nil
}

// Connections returns the connections table, or nil when none is set.
func (l Live) Connections(cfg aws.Config) *dynamodb.Connections {
	if l.ConnectionsTable == "" {
		return nil
	}
	return dynamodb.NewConnections(awsdynamodb.NewFromConfig(cfg), l.ConnectionsTable)
}
