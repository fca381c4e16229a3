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
		live := sseEvents(t, api.url(), "", "?events=communication")
		id := postFor(t, api, "", urgentEmail)
		waitCreatedThenExtracted(t, live, api, id, api, extraction)
	})
	t.Run("PostgresAlone", func(t *testing.T) {
		env := newClusterEnv(t, newHookReceiver(t).URL)
		all := env.serve(t, "all", "--postgres", env.Postgres)
		live := sseEvents(t, all.url(), "", "?events=communication")
		id := postFor(t, all, "", urgentEmail)
		waitCreatedThenExtracted(t, live, all, id, all)
	})
	// Two api processes and two users: a communication posted through
	// one process reaches its owner's stream on the other, and never the
	// other user's stream there.
	t.Run("OtherAPIOwnerOnly", func(t *testing.T) {
		env := newClusterEnv(t, newHookReceiver(t).URL)
		a := env.start(t, "api-a", RoleAPI)
		b := env.start(t, "api-b", RoleAPI)
		extraction := env.start(t, "extraction", RoleExtraction)
		keys := map[string]string{}
		for _, user := range []string{"ana", "bo"} {
			if _, stderr, err := runBin(t, "password-of-"+user+"-42\n", nil, "users", "add", user, "--postgres", env.Postgres); err != nil {
				t.Fatalf("users add %s: %v\n%s", user, err, stderr)
			}
			key, stderr, err := runBin(t, "", nil, "keys", "create", "--user", user, "--scope", "ingest,read", "--postgres", env.Postgres)
			if err != nil {
				t.Fatalf("keys create --user %s: %v\n%s", user, err, stderr)
			}
			keys[user] = strings.TrimSpace(key)
		}
		anaLive := sseEvents(t, b.url(), keys["ana"], "?events=communication")
		boLive := sseEvents(t, b.url(), keys["bo"], "?events=communication")
		anaID := postFor(t, a, keys["ana"], urgentEmail)
		waitCreatedThenExtracted(t, anaLive, b, anaID, a, b, extraction)
		// Bo's own mail, posted after Ana's was extracted, comes after
		// every change of Ana's on the api's one ordered subscription: had
		// Bo's stream been sent any of Ana's, it would have come first.
		boID := postFor(t, a, keys["bo"], urgentOps)
		if others := waitCreatedThenExtracted(t, boLive, b, boID, a, b, extraction); len(others) > 0 {
			t.Fatalf("bo's live stream carried other users' communications %v (ana's is %s)", others, anaID)
		}
	})
}

// postFor posts body to p's /communications with key ("" for none) and
// returns the accepted id.
func postFor(t *testing.T, p *clusterProc, key, body string) string {
	t.Helper()
	code, res := doKey(t, http.MethodPost, p.url()+"/communications", key, body, "application/json")
	var created struct{ ID string }
	if code != http.StatusAccepted || json.Unmarshal([]byte(res), &created) != nil || created.ID == "" {
		t.Fatalf("POST %s/communications = %d %s", p.name, code, res)
	}
	return created.ID
}

// waitCreatedThenExtracted reads the "communication" events of live (from
// sseEvents, on api) until id's extracted update (urgency high) arrives,
// failing if it comes before id's creation (an item without dimensions),
// if an event is not an item, or after a minute. It returns the other
// communications' ids seen meanwhile. procs' logs are shown on failure.
func waitCreatedThenExtracted(t *testing.T, live <-chan string, api *clusterProc, id string, procs ...*clusterProc) (others []string) {
	t.Helper()
	logs := func() string {
		var b strings.Builder
		for _, p := range procs {
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
			if err := json.Unmarshal([]byte(data), &item); err != nil || item.ID == "" {
				t.Fatalf("communication event is not an item (%v): %s", err, data)
			}
			if item.ID != id {
				others = append(others, item.ID)
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
				return others // created, then extracted
			}
		case <-deadline:
			t.Fatalf("after 60s the live stream of %s sent %d events of %s, not its creation then its extraction:\n%s\nlogs:\n%s",
				api.name, len(seen), id, strings.Join(seen, "\n"), logs())
		}
	}
}
