package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	dtnats "github.com/doctales/doctales/nats"
)

// relayStats is the relay's part of an api process's /stats.
type relayStats struct {
	Relay struct {
		State  string
		Copied int64
		Terms  int64
	}
}

func relayOf(t *testing.T, p *clusterProc) relayStats {
	t.Helper()
	var st relayStats
	getJSON(t, p.url()+"/stats", &st)
	return st
}

// TestCluster_RelayElection: two api processes on one database relay the
// PostgreSQL outbox one at a time. One is elected (/stats and /readyz say
// "leader", the other "standby") and copies every record while the other
// copies none; killed with SIGKILL mid-load, its session ends, the other
// takes over and copies the rest. Every outbox record is in JetStream
// exactly once (by its Nats-Msg-Id "postgres/<seq>"), and
// doctales_relay_leader says who leads.
func TestCluster_RelayElection(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	env.appendConfig(t, "relayElection: 200ms\n")
	db := clusterDB(t, env.Postgres)
	ctx := context.Background()

	apis := []*clusterProc{env.start(t, "api-1", RoleAPI), env.start(t, "api-2", RoleAPI)}
	leaders := func() (leader, standby *clusterProc, desc string) {
		n := 0
		for _, p := range apis {
			st := relayOf(t, p)
			desc += fmt.Sprintf("%s %s (copied %d, terms %d); ", p.name, st.Relay.State, st.Relay.Copied, st.Relay.Terms)
			switch st.Relay.State {
			case "leader":
				leader, n = p, n+1
			case "standby":
				standby = p
			default:
				t.Fatalf("%s /stats relay state %q, want leader or standby", p.name, st.Relay.State)
			}
		}
		if n > 1 {
			t.Fatalf("two relays lead at once: %s", desc)
		}
		return leader, standby, desc
	}
	var leader, standby *clusterProc
	var desc string
	waitCond(t, 30*time.Second, func() string { return "no relay elected: " + desc }, func() bool {
		leader, standby, desc = leaders()
		return leader != nil && standby != nil
	})
	var ready map[string]any
	for p, want := range map[*clusterProc]string{leader: "leader", standby: "standby"} {
		if code := getJSON(t, p.url()+"/readyz", &ready); code != http.StatusOK || ready["relay"] != want {
			t.Fatalf("%s /readyz = %d %v, want relay %q", p.name, code, ready, want)
		}
		f := scrape(t, p.url())
		if v := value(t, f, "doctales_relay_leader", nil); v != map[string]float64{"leader": 1, "standby": 0}[want] {
			t.Fatalf("%s doctales_relay_leader = %v, want it to say %s", p.name, v, want)
		}
	}

	head := func() int64 {
		var h int64
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM log WHERE seq IS NOT NULL`).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	relayed := func() int64 {
		cp, err := db.Checkpoint(ctx, RelayCheckpoint)
		if err != nil {
			t.Fatal(err)
		}
		return cp
	}

	// Posts go to the standby, so that the leader's death fails none.
	var accepted, failed atomic.Int64
	postN := func(from, to int) {
		var wg sync.WaitGroup
		next := make(chan int)
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					body := strings.Replace(calmEmail, "Weekend photos", fmt.Sprintf("Weekend photos %d", i), 1)
					resp, err := http.Post(standby.url()+"/communications", "application/json", strings.NewReader(body))
					if err != nil {
						failed.Add(1)
						t.Errorf("POST %d: %v", i, err)
						continue
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusAccepted {
						failed.Add(1)
						t.Errorf("POST %d = %s", i, resp.Status)
						continue
					}
					accepted.Add(1)
				}
			}()
		}
		for i := from; i < to; i++ {
			next <- i
		}
		close(next)
		wg.Wait()
	}

	// Only the leader copies.
	postN(0, 50)
	waitCond(t, 30*time.Second, func() string { return fmt.Sprintf("relayed %d of %d", relayed(), head()) },
		func() bool { return relayed() == head() })
	if l, s := relayOf(t, leader), relayOf(t, standby); l.Relay.Copied != head() || s.Relay.Copied != 0 || s.Relay.Terms != 0 {
		t.Fatalf("after 50 posts (%d records): leader %+v, standby %+v; want the leader to copy them all and the standby none",
			head(), l.Relay, s.Relay)
	}

	// Kill the leader mid-load; the standby takes over and copies the rest.
	loadDone := make(chan struct{})
	go func() { defer close(loadDone); postN(50, 300) }()
	waitCond(t, time.Minute, func() string { return fmt.Sprintf("%d accepted", accepted.Load()) },
		func() bool { return accepted.Load() >= 150 })
	leader.kill()
	killed := time.Now()
	apis = []*clusterProc{standby}
	waitCond(t, 30*time.Second, func() string { return "no takeover: " + desc }, func() bool {
		var l *clusterProc
		l, _, desc = leaders()
		return l == standby
	})
	takeover := time.Since(killed)
	<-loadDone
	if failed.Load() != 0 {
		t.Fatalf("%d posts failed", failed.Load())
	}
	waitCond(t, time.Minute, func() string { return fmt.Sprintf("relayed %d of %d", relayed(), head()) },
		func() bool { return relayed() == head() })
	n := head()
	if st := relayOf(t, standby); st.Relay.Copied == 0 || st.Relay.Terms != 1 {
		t.Fatalf("the new leader: %+v, want one term with records copied", st.Relay)
	}

	// JetStream holds each outbox record once.
	nc, err := natsgo.Connect(env.NATS)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(ctx, dtnats.DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	copies := map[int64]int{}
	last := s.CachedInfo().State.LastSeq
	for seq := uint64(1); seq <= last; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("stream message %d: %v", seq, err)
		}
		if id, ok := strings.CutPrefix(m.Header.Get(jetstream.MsgIDHeader), RelayOrigin+"/"); ok {
			o, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				t.Fatalf("stream message %d: Nats-Msg-Id %q", seq, m.Header.Get(jetstream.MsgIDHeader))
			}
			copies[o]++
		}
	}
	for seq := int64(1); seq <= n; seq++ {
		if copies[seq] != 1 {
			t.Errorf("outbox record %d is in JetStream %d times, want once", seq, copies[seq])
		}
	}
	if len(copies) != int(n) {
		t.Errorf("JetStream holds copies of %d outbox records, the outbox %d", len(copies), n)
	}
	t.Logf("%d outbox records, each once in JetStream; takeover %s after the kill (relayElection 200ms); new leader copied %d",
		n, takeover.Round(time.Millisecond), relayOf(t, standby).Relay.Copied)
}

// TestConfig_RelayElection: relayElection is read from the file; outside
// 100ms..1m it is a ConfigError naming the key, the value and the bounds.
func TestConfig_RelayElection(t *testing.T) {
	cfg, err := ReadConfig(writeConfig(t, "relayElection: 500ms\n"))
	if err != nil || cfg.RelayElection != 500*time.Millisecond {
		t.Fatalf("relayElection: 500ms read as %s, %v", cfg.RelayElection, err)
	}
	cfg, err = ReadConfig(writeConfig(t, "data: ./data\n"))
	if err != nil || cfg.RelayElection != 0 {
		t.Fatalf("relayElection unset read as %s, %v; want 0 (postgres.DefaultElectionInterval)", cfg.RelayElection, err)
	}
	for _, v := range []string{"10ms", "2m", "-1s"} {
		_, err := ReadConfig(writeConfig(t, "relayElection: "+v+"\n"))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "relayElection" || !strings.Contains(err.Error(), "from 100ms to 1m0s") {
			t.Errorf("relayElection: %s = %v, want a ConfigError naming relayElection and its bounds", v, err)
		}
	}
}
