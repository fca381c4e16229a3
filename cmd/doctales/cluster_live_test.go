package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestCluster_LiveChanges: a dashboard's live stream on an api process
// shows a communication appear and then its extraction fill in, though
// another process extracts it. The table's change records go from the
// PostgreSQL outbox, through the relay, into JetStream, and every api
// process sends them to its browsers as the embedded mode does
// ("communication" events carrying the item). Without NATS, the all role
// on PostgreSQL alone reads them from the PostgreSQL log.
func TestCluster_LiveChanges(t *testing.T) {
	t.Run("APIAndExtraction", func(t *testing.T) {
		env := newClusterEnv(t, newHookReceiver(t).URL)
		api := env.start(t, "api", RoleAPI)
		extraction := env.start(t, "extraction", RoleExtraction)
		assertLiveChanges(t, api, extraction)
	})
	t.Run("PostgresAlone", func(t *testing.T) {
		env := newClusterEnv(t, newHookReceiver(t).URL)
		all := env.serve(t, "all", "--postgres", env.Postgres)
		assertLiveChanges(t, all)
	})
}

// assertLiveChanges opens api's live stream of "communication" events,
// posts the urgent mail and waits for its creation (no dimensions yet)
// and then its extracted update (urgency high), in that order. procs'
// logs are shown on failure.
func assertLiveChanges(t *testing.T, api *clusterProc, procs ...*clusterProc) {
	t.Helper()
	live := sseEvents(t, api.url(), "", "?events=communication")
	code, res := post(t, api.url(), urgentEmail)
	if code != http.StatusAccepted {
		t.Fatalf("POST = %d %v", code, res)
	}
	id, _ := res["id"].(string)
	logs := func() string {
		var b strings.Builder
		for _, p := range append([]*clusterProc{api}, procs...) {
			b.WriteString("--- " + p.name + ":\n" + p.Logs())
		}
		return b.String()
	}
	var seen []string // the events of id so far, for the failure message
	deadline := time.After(60 * time.Second)
	created := false
	for {
		select {
		case ev := <-live:
			name, data, _ := strings.Cut(ev, "\t")
			var item struct {
				ID         string
				Status     string
				Dimensions *struct{ Urgency string }
			}
			if name != EventCommunication {
				t.Fatalf("event %q on a stream of %q events: %s", name, EventCommunication, data)
			}
			if err := json.Unmarshal([]byte(data), &item); err != nil {
				t.Fatalf("communication event is not an item: %v: %s", err, data)
			}
			if item.ID != id {
				continue
			}
			seen = append(seen, data)
			switch {
			case item.Dimensions == nil || item.Dimensions.Urgency == "":
				if item.Status == "extracted" {
					t.Fatalf("extracted item without urgency on the live stream: %s", data)
				}
				created = true
			case !created:
				t.Fatalf("the live stream sent the extracted item before its creation: %s", data)
			case item.Dimensions.Urgency != "high":
				t.Fatalf("urgency %q on the live stream, want high: %s", item.Dimensions.Urgency, data)
			default:
				return // created, then extracted
			}
		case <-deadline:
			t.Fatalf("after 60s the live stream of %s sent %d events of %s, not its creation then its extraction:\n%s\nlogs:\n%s",
				api.name, len(seen), id, strings.Join(seen, "\n"), logs())
		}
	}
}
