package boot

import (
	"strings"
	"testing"
)

func TestReadLive(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		l, err := ReadLive(env(map[string]string{
			EnvConnectionsTable:  "conns",
			EnvWebSocketURL:      "wss://abcd123.execute-api.us-east-1.amazonaws.com/prod",
			EnvWebSocketEndpoint: "https://abcd123.execute-api.us-east-1.amazonaws.com/prod",
		}))
		if err != nil || l.ConnectionsTable != "conns" || l.WebSocketURL == "" || l.ManagementEndpoint == "" {
			t.Errorf("= %+v, %v", l, err)
		}
	})
	t.Run("Off", func(t *testing.T) {
		l, err := ReadLive(env(nil))
		if err != nil || l != (Live{}) {
			t.Errorf("= %+v, %v", l, err)
		}
	})
	for _, c := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"HTTPSocket", map[string]string{EnvConnectionsTable: "c", EnvWebSocketURL: "https://x.example/prod"}, EnvWebSocketURL},
		{"RelativeSocket", map[string]string{EnvConnectionsTable: "c", EnvWebSocketURL: "/prod"}, EnvWebSocketURL},
		{"WSSEndpoint", map[string]string{EnvConnectionsTable: "c", EnvWebSocketEndpoint: "wss://x.example/prod"}, EnvWebSocketEndpoint},
		{"NoTable", map[string]string{EnvWebSocketURL: "wss://x.example/prod"}, EnvConnectionsTable},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ReadLive(env(c.env)); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one naming %s", err, c.want)
			}
		})
	}
}
