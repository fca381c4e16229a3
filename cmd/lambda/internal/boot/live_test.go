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

// TestLiveEnvNames: the SAM template (deploy/sam/live_test.go) sets these
// names; renaming one here must change the template too.
func TestLiveEnvNames(t *testing.T) {
	got := []string{EnvConnectionsTable, EnvWebSocketURL, EnvWebSocketEndpoint}
	want := []string{"CONNECTIONS_TABLE", "WEBSOCKET_URL", "WEBSOCKET_MANAGEMENT_ENDPOINT"}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s, want %s as in deploy/sam/template.yaml", got[i], want[i])
		}
	}
}
