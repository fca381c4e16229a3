package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// clusterCLI runs the doctales binary with args and the cluster's
// --postgres, as an operator would, failing the test on an error.
func clusterCLI(t *testing.T, env *clusterEnv, args ...string) string {
	t.Helper()
	out, stderr, err := runBin(t, "", nil, append(args, "--postgres", env.Postgres)...)
	if err != nil {
		t.Fatalf("doctales %s --postgres DSN: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, stderr)
	}
	return out
}

// binExit is the exit status of a runBin error (0 for nil).
func binExit(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// clusterStatusJSON runs status --postgres DSN --json (with --nats when
// withNATS) and decodes it.
func clusterStatusJSON(t *testing.T, env *clusterEnv, withNATS bool) ClusterStatusReport {
	t.Helper()
	args := []string{"status", "--json"}
	if withNATS {
		args = append(args, "--nats", env.NATS)
	}
	var rep ClusterStatusReport
	out := clusterCLI(t, env, args...)
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("status --json printed %q: %v", out, err)
	}
	return rep
}

// checkpoint returns the report's checkpoint named name, or nil.
func (rep ClusterStatusReport) checkpoint(name string) *CheckpointStatus {
	for i := range rep.Checkpoints {
		if rep.Checkpoints[i].Name == name {
			return &rep.Checkpoints[i]
		}
	}
	return nil
}

// TestCluster_CLI: trace, status and dlq against a cluster of separate
// processes (an api, an extraction and a notification worker on
// nats-server and PostgreSQL), run as the doctales binary with the
// cluster's --postgres (and --nats). trace shows the urgent mail's stages
// and verdict, and why the calm one was dropped (read from JetStream with
// --nats); status shows the relay's checkpoint, and with --nats the
// subscriptions' with a lag while the notification worker is down; a
// notification dead-lettered while the webhook fails is listed, shown,
// counted by status, redriven, and then delivered by the worker.
func TestCluster_CLI(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	api := env.start(t, "api", RoleAPI)
	env.start(t, "extraction", RoleExtraction)
	notif := env.start(t, "notification", RoleNotification)

	_, urgent := post(t, api.url(), urgentEmail)
	_, calm := post(t, api.url(), calmEmail)
	uid, cid := urgent["id"].(string), calm["id"].(string)
	waitCond(t, 60*time.Second, func() string { return "the urgent mail was not notified" }, func() bool { return hook.notified(uid) == 1 })

	// trace: the stages the workers wrote, from PostgreSQL (the journal
	// writes in the background: wait for the delivery step).
	var tr string
	waitCond(t, 30*time.Second, func() string { return "trace --postgres lacks the webhook delivery:\n" + tr }, func() bool {
		tr = clusterCLI(t, env, "trace", uid)
		return strings.Contains(tr, "topic/webhook-1")
	})
	t.Logf("trace %s --postgres:\n%s", uid, tr)
	for _, want := range []string{"extraction", "notification", "topic/webhook-1", "notified: message "} {
		if !strings.Contains(tr, want) {
			t.Errorf("trace %s --postgres lacks %q:\n%s", uid, want, tr)
		}
	}
	var trj struct {
		Verdict string
		Events  []struct{ Step, Kind, Detail string }
	}
	if err := json.Unmarshal([]byte(clusterCLI(t, env, "trace", uid, "--json")), &trj); err != nil || !strings.HasPrefix(trj.Verdict, "notified") || len(trj.Events) < 3 {
		t.Errorf("trace --json --postgres: %+v, %v", trj, err)
	}
	// The calm mail: dropped by the notification's filter, explained from
	// the JetStream record with --nats, pointed there without.
	waitCond(t, 30*time.Second, func() string { return "trace of the calm mail has no verdict:\n" + tr }, func() bool {
		tr = clusterCLI(t, env, "trace", cid, "--nats", env.NATS)
		return strings.Contains(tr, "not notified")
	})
	if !strings.Contains(tr, "dropped by filter: urgency was low") {
		t.Errorf("trace %s --postgres --nats does not say why it was dropped:\n%s", cid, tr)
	}
	if tr := clusterCLI(t, env, "trace", cid); !strings.Contains(tr, "give --nats URL") {
		t.Errorf("trace %s --postgres without --nats on a NATS cluster does not point to --nats:\n%s", cid, tr)
	}
	if _, stderr, err := runBin(t, "", nil, "trace", "no-such-id", "--postgres", env.Postgres); binExit(err) != 1 || !strings.Contains(stderr, `no communication with id "no-such-id"`) {
		t.Errorf("trace of an unknown id: %v\n%s", err, stderr)
	}

	// status: the relay's checkpoint in PostgreSQL; with --nats the
	// subscriptions' in JetStream.
	st := clusterCLI(t, env, "status")
	for _, want := range []string{"log head", RelayCheckpoint, "(all)", "give --nats URL", "dead letters waiting: 0"} {
		if !strings.Contains(st, want) {
			t.Errorf("status --postgres lacks %q:\n%s", want, st)
		}
	}
	// A subscription saves its checkpoint once it finds nothing more to
	// read: wait for each.
	var rep ClusterStatusReport
	waitCond(t, 30*time.Second, func() string {
		return fmt.Sprintf("status --postgres --nats --json lacks a checkpoint of %s, extraction, notification, topic/webhook-1: %+v", RelayCheckpoint, rep.Checkpoints)
	}, func() bool {
		rep = clusterStatusJSON(t, env, true)
		for _, name := range []string{RelayCheckpoint, "extraction", "notification", "topic/webhook-1"} {
			if rep.checkpoint(name) == nil {
				return false
			}
		}
		return true
	})
	if c := rep.checkpoint("extraction"); c != nil && (c.Log != "jetstream" || c.Source != doctales.SourceS3) {
		t.Errorf("extraction's checkpoint: %+v, want in jetstream, of aws:s3", c)
	}
	if !rep.OnNATS || rep.StreamHead == 0 || rep.LogHead == 0 {
		t.Errorf("status --json: %+v", rep)
	}

	// The notification worker down, an urgent mail waits: its checkpoint
	// falls behind, with a lag.
	notif.kill()
	_, second := post(t, api.url(), urgentOps)
	sid := second["id"].(string)
	waitCond(t, 60*time.Second, func() string { return fmt.Sprintf("notification not behind: %+v", rep.checkpoint("notification")) }, func() bool {
		rep = clusterStatusJSON(t, env, true)
		c := rep.checkpoint("notification")
		return c != nil && c.Behind >= 1 && c.LagSeconds > 0
	})
	st = clusterCLI(t, env, "status", "--nats", env.NATS)
	t.Logf("status --postgres --nats, the notification worker down:\n%s", st)
	if !strings.Contains(st, "notification") || !strings.Contains(st, "jetstream") || !strings.Contains(st, "BEHIND") {
		t.Errorf("status --postgres --nats text:\n%s", st)
	}

	// The webhook down and the worker back: retried once, dead-lettered.
	hook.failing.Store(true)
	notif.run()
	var dls []*doctales.DeadLetter
	waitCond(t, 60*time.Second, func() string { return fmt.Sprintf("dead letters: %v", dls) }, func() bool {
		dls = nil
		_ = json.Unmarshal([]byte(clusterCLI(t, env, "dlq", "list", "--json")), &dls)
		return len(dls) == 1
	})
	dl := dls[0]
	if dl.Subscription != "topic/webhook-1" || dl.Source != doctales.SourceSNS {
		t.Fatalf("dead letter %+v, want one of topic/webhook-1", dl)
	}
	id := strconv.FormatInt(dl.ID, 10)
	if out := clusterCLI(t, env, "dlq", "list"); !strings.Contains(out, "topic/webhook-1") || !strings.Contains(out, "1 dead letter(s)") {
		t.Errorf("dlq list --postgres:\n%s", out)
	}
	if out := clusterCLI(t, env, "dlq", "list", "--channel", "webhook"); !strings.Contains(out, "1 dead letter(s)") {
		t.Errorf("dlq list --channel webhook --postgres:\n%s", out)
	}
	if out := clusterCLI(t, env, "dlq", "list", "--channel", "email"); !strings.Contains(out, "0 dead letter(s)") {
		t.Errorf("dlq list --channel email --postgres:\n%s", out)
	}
	var shown doctales.DeadLetter
	if err := json.Unmarshal([]byte(clusterCLI(t, env, "dlq", "show", id)), &shown); err != nil || shown.ID != dl.ID || shown.Attempts < 2 || shown.Error == "" {
		t.Errorf("dlq show %s --postgres: %+v, %v", id, shown, err)
	}
	st = clusterCLI(t, env, "status")
	t.Logf("status --postgres, a dead letter:\n%s", st)
	if !strings.Contains(st, "dead letters waiting: 1") || !strings.Contains(st, "topic/webhook-1: 1") {
		t.Errorf("status --postgres with a dead letter:\n%s", st)
	}

	// Redriven once the webhook is back: the running worker delivers it.
	hook.failing.Store(false)
	out := clusterCLI(t, env, "dlq", "redrive", id)
	t.Logf("dlq redrive %s --postgres:\n%s", id, out)
	for _, want := range []string{"redriven " + id + " as log record ", "for topic/webhook-1", "1 dead letter(s) redriven", "a running worker"} {
		if !strings.Contains(out, want) {
			t.Errorf("dlq redrive --postgres lacks %q:\n%s", want, out)
		}
	}
	waitCond(t, 60*time.Second, func() string { return "the redriven notification did not arrive" }, func() bool { return hook.notified(sid) == 1 })
	if out := clusterCLI(t, env, "dlq", "list"); !strings.Contains(out, "0 dead letter(s)") {
		t.Errorf("dlq list after the redrive:\n%s", out)
	}
	if _, stderr, err := runBin(t, "", nil, "dlq", "redrive", id, "--postgres", env.Postgres); binExit(err) != 1 || !strings.Contains(stderr, "not found") {
		t.Errorf("a second redrive of %s: %v\n%s", id, err, stderr)
	}
}

// TestCluster_CLIOnPostgres: a cluster whose runtime runs on PostgreSQL
// alone (serve --postgres, no NATS). status reads the subscriptions'
// checkpoints in PostgreSQL: once the server is stopped, an item written
// through the postgres package leaves the notification subscription one
// record behind with a lag; trace explains a filtered record from the
// PostgreSQL log; the configuration's postgres: is read as --postgres; a
// dead letter redriven while no worker runs waits in the log until the
// server starts again, and is then delivered.
func TestCluster_CLIOnPostgres(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	srv := env.serve(t, "all", "--postgres", env.Postgres)
	_, urgent := post(t, srv.url(), urgentEmail)
	_, calm := post(t, srv.url(), calmEmail)
	uid, cid := urgent["id"].(string), calm["id"].(string)
	waitCond(t, 60*time.Second, func() string { return "the urgent mail was not notified" }, func() bool { return hook.notified(uid) == 1 })
	waitCond(t, 30*time.Second, func() string { return "the calm mail is not extracted" }, func() bool { return status(t, srv.url(), cid) == "extracted" })
	waitIdle(t, srv.url(), 20*time.Second)
	// A subscription saves its checkpoint when it finds nothing more to
	// read: wait until status shows every one caught up, then stop the
	// server (a kill loses nothing stored).
	var rep ClusterStatusReport
	waitCond(t, 30*time.Second, func() string { return fmt.Sprintf("status --json of the idle server: %+v", rep) }, func() bool {
		rep = clusterStatusJSON(t, env, false)
		for _, name := range []string{"extraction", "notification", "topic/webhook-1"} {
			if c := rep.checkpoint(name); c == nil || c.Behind != 0 {
				return false
			}
		}
		return true
	})
	// The one process, role all, is registered and its /stats read: the
	// runtime's subscriptions, no relay without NATS.
	if p := processAt(rep.Processes, srv.addr); p == nil || p.Role != RoleAll || p.State != "running" || p.Stats == nil || p.Stats.Subscriptions < 3 || p.Relay != "" {
		t.Errorf("status --json lists the all process as %+v (processes %+v)", p, rep.Processes)
	}
	srv.kill()

	var tr string
	waitCond(t, 10*time.Second, func() string { return "trace of the calm mail:\n" + tr }, func() bool {
		tr = clusterCLI(t, env, "trace", cid)
		return strings.Contains(tr, "dropped by filter: urgency was low")
	})

	rep = clusterStatusJSON(t, env, false)
	n := rep.checkpoint("notification")
	if rep.OnNATS || n == nil || n.Log != "postgres" || n.Source != doctales.SourceDynamoDB || n.Behind != 0 || n.LagSeconds != 0 {
		t.Fatalf("status --json of an idle cluster on PostgreSQL: notification %+v in %+v", n, rep)
	}
	if rep.checkpoint("extraction") == nil || rep.checkpoint("topic/webhook-1") == nil {
		t.Fatalf("status --json lacks the extraction or webhook checkpoint: %+v", rep.Checkpoints)
	}

	// Written with no worker running: the INSERT record waits.
	db := clusterDB(t, env.Postgres)
	if _, _, err := db.CreateItem(context.Background(), &doctales.Item{ID: "written-directly", Subject: "hello", Timestamp: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	rep = clusterStatusJSON(t, env, false)
	if n := rep.checkpoint("notification"); n == nil || n.Behind != 1 || n.LagSeconds <= 0 || n.Oldest.IsZero() {
		t.Fatalf("status --json after a write with no worker: notification %+v, want 1 record behind with a lag", n)
	}
	// Hostile input: a subscription PostgreSQL text cannot hold is a usage
	// error naming the flag.
	for _, bad := range []string{"topic/\x00webhook", "topic/\xffwebhook"} {
		err := run(context.Background(), []string{"dlq", "list", "--subscription", bad, "--postgres", env.Postgres}, nil, io.Discard, io.Discard)
		if exitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), "--subscription") {
			t.Errorf("dlq list --subscription %q: %v, want exit 2 naming --subscription", bad, err)
		}
	}
	// The same from the configuration's postgres: (a ${VAR}).
	cfg := env.Config + ".pg.yaml"
	if err := os.WriteFile(cfg, []byte("postgres: ${CLI_TEST_DSN}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runBin(t, "", []string{"CLI_TEST_DSN=" + env.Postgres}, "status", "--config", cfg)
	if err != nil || !strings.Contains(out, "notification") || !strings.Contains(out, "aws:dynamodb") {
		t.Fatalf("status --config with postgres: %v\n%s\n%s", err, out, stderr)
	}

	// A redrive with no worker running waits in the log (status shows the
	// webhook's subscription one record behind) until the server starts
	// again and delivers it. The dead letter is the urgent mail's message
	// as the webhook subscription saw it.
	ctx := context.Background()
	msgs, err := db.ReadLog(ctx, doctales.SourceSNS, 0, 10)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("the topic's messages in the PostgreSQL log: %d, %v; want the urgent mail's", len(msgs), err)
	}
	dl := &doctales.DeadLetter{Subscription: "topic/webhook-1", Source: doctales.SourceSNS, Key: msgs[0].Key, Seq: msgs[0].Seq,
		Record: msgs[0].Data, Error: "webhook 500", Reason: "retries exhausted", Attempts: 2}
	if err := db.AddDeadLetter(ctx, dl); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(dl.ID, 10)
	if out := clusterCLI(t, env, "dlq", "list", "--subscription", "topic/webhook-1"); !strings.Contains(out, "1 dead letter(s)") {
		t.Fatalf("dlq list --subscription topic/webhook-1 --postgres:\n%s", out)
	}
	posts, _, _ := hook.snapshot()
	if out := clusterCLI(t, env, "dlq", "redrive", "--all"); !strings.Contains(out, "redriven "+id+" as log record ") || !strings.Contains(out, "a running worker") {
		t.Fatalf("dlq redrive --all --postgres:\n%s", out)
	}
	rep = clusterStatusJSON(t, env, false)
	if c := rep.checkpoint("topic/webhook-1"); c == nil || c.Behind != 1 || rep.DeadLetters != 0 {
		t.Fatalf("status --json after the redrive, no worker running: topic/webhook-1 %+v, %d dead letters; want 1 record behind, none", c, rep.DeadLetters)
	}
	if p, _, _ := hook.snapshot(); p != posts {
		t.Fatalf("the webhook received %d posts with no worker running", p-posts)
	}
	srv.run()
	waitCond(t, 30*time.Second, func() string { return "the redriven message did not reach the webhook once the server ran" }, func() bool {
		p, _, _ := hook.snapshot()
		return p == posts+1
	})
	waitCond(t, 30*time.Second, func() string {
		return fmt.Sprintf("topic/webhook-1 still behind: %+v", rep.checkpoint("topic/webhook-1"))
	}, func() bool {
		rep = clusterStatusJSON(t, env, false)
		c := rep.checkpoint("topic/webhook-1")
		return c != nil && c.Behind == 0
	})
}

// TestCluster_CLIFlags: a malformed --postgres or --nats on trace, status
// and dlq is exit 2 naming it; --nats without --postgres likewise; an
// unreachable PostgreSQL names its address; status refuses --postgres with
// --url.
func TestCluster_CLIFlags(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"trace", "x", "--postgres", "nonsense"}, 2, `--postgres "nonsense": give a PostgreSQL DSN`},
		{[]string{"status", "--postgres", "nonsense"}, 2, `--postgres "nonsense": give a PostgreSQL DSN`},
		{[]string{"dlq", "list", "--postgres", "nonsense"}, 2, `--postgres "nonsense": give a PostgreSQL DSN`},
		{[]string{"trace", "x", "--postgres", "postgres://u@127.0.0.1:5432/d", "--nats", "http://x"}, 2, `--nats "http://x": give a NATS server URL`},
		{[]string{"dlq", "list", "--postgres", "postgres://u@127.0.0.1:5432/d", "--nats", "nats://127.0.0.1:4222"}, 2, "flag provided but not defined: -nats"},
		{[]string{"status", "--nats", "nats://127.0.0.1:4222"}, 2, `--nats "nats://127.0.0.1:4222" needs --postgres`},
		{[]string{"trace", "x", "--postgres", "postgres://u:secret@127.0.0.1:1/d"}, 1, "127.0.0.1:1"},
		{[]string{"status", "--url", "http://127.0.0.1:1", "--postgres", "postgres://u@127.0.0.1:1/d"}, 2, "give --postgres or --url/--data, not both"},
	}
	for _, c := range cases {
		var out, errOut strings.Builder
		err := run(ctx, c.args, nil, &out, &errOut)
		if exitCode(err) != c.code || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("doctales %s: exit %d, %v; want exit %d naming %q", strings.Join(c.args, " "), exitCode(err), err, c.code, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("doctales %s: the error shows the password: %v", strings.Join(c.args, " "), err)
		}
	}
}
