package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/postgres"
)

// clusterEnv is a NATS server, a PostgreSQL database and a shared data
// folder (the objects, Data/objects) for the processes of one cluster.
type clusterEnv struct {
	NATS     string
	Postgres string
	Data     string
	Config   string
	// Env is added to the processes' environment.
	Env []string
}

// newClusterEnv starts nats-server and a PostgreSQL database (skipped with
// how to install them when missing, failed under CI=true) and writes the
// configuration file: the webhook at hook, retried once then
// dead-lettered.
// appendConfig appends YAML keys to the cluster's configuration file, for
// the processes started after it.
func (e *clusterEnv) appendConfig(t testing.TB, yaml string) {
	t.Helper()
	f, err := os.OpenFile(e.Config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(yaml)
	if err := errors.Join(err, f.Close()); err != nil {
		t.Fatalf("append to %s: %v", e.Config, err)
	}
}

func newClusterEnv(t testing.TB, hook string) *clusterEnv {
	t.Helper()
	ns := testutil.StartNATS(t)
	dsn := testutil.PostgresDSN(t)
	env := &clusterEnv{NATS: ns.URL, Postgres: dsn, Data: t.TempDir()}
	env.Config = filepath.Join(t.TempDir(), "doctales.yaml")
	body := fmt.Sprintf(`topic:
  allowPrivateTargets: [127.0.0.1/32]
  subscriptions:
    - protocol: webhook
      endpoint: %s
      deliveryPolicy:
        healthyRetryPolicy: {numRetries: 1, numNoDelayRetries: 1, minDelayTarget: 1, maxDelayTarget: 1}
`, hook)
	if err := os.WriteFile(env.Config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return env
}

// clusterProc is one `doctales serve --role ...` process.
type clusterProc struct {
	t    testing.TB
	name string
	args []string
	env  []string
	addr string
	cmd  *exec.Cmd
	logs *bytes.Buffer
	mu   sync.Mutex
}

// start runs `doctales serve --role role` with env's engines on a free
// port and waits until it answers /healthz.
func (env *clusterEnv) start(t testing.TB, name, role string, extra ...string) *clusterProc {
	t.Helper()
	return env.serve(t, name, append([]string{"--role", role, "--nats", env.NATS, "--postgres", env.Postgres}, extra...)...)
}

// serve runs `doctales serve args...` on env's data folder and
// configuration, on a free port, and waits until it answers /healthz.
func (env *clusterEnv) serve(t testing.TB, name string, args ...string) *clusterProc {
	t.Helper()
	p := &clusterProc{t: t, name: name, addr: freeAddr(t), logs: &bytes.Buffer{}, env: env.Env}
	p.args = append([]string{"serve", "--data", env.Data, "--config", env.Config, "--addr", p.addr,
		"--log-format", "text", "--log-level", "warn"}, args...)
	t.Cleanup(p.kill)
	p.run()
	return p
}

func (p *clusterProc) url() string { return "http://" + p.addr }

func (p *clusterProc) run() {
	p.t.Helper()
	p.cmd = exec.Command(binPath, p.args...)
	p.cmd.Env = append(os.Environ(), p.env...)
	p.cmd.Stderr = lockedWriter{&p.mu, p.logs}
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			p.t.Fatalf("%s exited at start: %s\n%s", p.name, p.cmd.ProcessState, p.Logs())
		default:
		}
		if resp, err := http.Get(p.url() + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Fatalf("%s did not answer /healthz within 30s; logs:\n%s", p.name, p.Logs())
}

func (p *clusterProc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// kill sends SIGKILL: no shutdown code runs.
func (p *clusterProc) kill() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
		for p.cmd.ProcessState == nil {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// hookReceiver counts the notifications POSTed to it by MessageId and by
// communication; failing makes it answer 500.
type hookReceiver struct {
	*httptest.Server
	failing atomic.Bool
	mu      sync.Mutex
	posts   int
	byMsg   map[string]int
	byComm  map[string]map[string]bool // communication id -> message ids
	first   map[string]time.Time       // communication id -> first delivery
}

func newHookReceiver(t testing.TB) *hookReceiver {
	h := &hookReceiver{byMsg: map[string]int{}, byComm: map[string]map[string]bool{}, first: map[string]time.Time{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		if h.failing.Load() {
			http.Error(w, "receiver down", 500)
			return
		}
		id, _ := m["MessageId"].(string)
		comm := communicationID(m)
		h.mu.Lock()
		h.posts++
		h.byMsg[id]++
		if h.byComm[comm] == nil {
			h.byComm[comm] = map[string]bool{}
			h.first[comm] = time.Now()
		}
		h.byComm[comm][id] = true
		h.mu.Unlock()
		w.WriteHeader(204)
	}))
	t.Cleanup(h.Close)
	return h
}

// notified returns how many distinct messages reached the receiver for
// communication id.
func (h *hookReceiver) notified(id string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.byComm[id])
}

func (h *hookReceiver) snapshot() (posts int, comms map[string]int, repeats int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	comms = map[string]int{}
	for c, ids := range h.byComm {
		comms[c] = len(ids)
	}
	for _, n := range h.byMsg {
		repeats += n - 1
	}
	return h.posts, comms, repeats
}

// waitCond polls cond every 25 ms until it holds, failing after timeout
// with what describe says.
func waitCond(t testing.TB, timeout time.Duration, describe func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, describe())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func status(t *testing.T, api, id string) string {
	var c map[string]any
	getJSON(t, api+"/communications/"+id, &c)
	s, _ := c["status"].(string)
	return s
}

const urgentOps = `{"source":"email","subject":"Contract signature","from":"Carla Diaz","from_email":"carla@acme.example","to":["me@example.com"],"body":"URGENT: please sign the contract before noon today, the client is waiting.","project":"ops"}`

// TestCluster_EndToEnd is TestEndToEnd and TestDeadLetterAndRedrive
// against a cluster: the API, two extraction workers (partitions 0/2 and
// 1/2) and a notification worker, each a separate process, on a real
// nats-server and PostgreSQL; the objects in a folder they share. One
// notification for the urgent mail, none for the calm one, the filters,
// and a notification dead-lettered (the webhook down) then redriven.
func TestCluster_EndToEnd(t *testing.T) { testClusterEndToEnd(t, false) }

// TestCluster_EndToEndDurable is TestCluster_EndToEnd with natsConsumers:
// durable: every worker subscription on a JetStream durable consumer.
// The workers' /stats show their consumers, and the notification the
// runtime dead-letters is acknowledged, not also given up by JetStream
// (one dead letter, none from an advisory).
func TestCluster_EndToEndDurable(t *testing.T) { testClusterEndToEnd(t, true) }

func testClusterEndToEnd(t *testing.T, durable bool) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	if durable {
		env.appendConfig(t, "natsConsumers: durable\nnatsAckWait: 2s\n")
	}
	api := env.start(t, "api", RoleAPI)
	ext0 := env.start(t, "extraction-0", RoleExtraction, "--partition", "0/2")
	env.start(t, "extraction-1", RoleExtraction, "--partition", "1/2")
	notif := env.start(t, "notification", RoleNotification)
	if durable {
		checkConsumers(t, ext0, "extraction", "extraction-0of2")
		checkConsumers(t, notif, "notification", "notification")
	}

	// A browser's live stream on the API process.
	sse := make(chan string, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", api.url()+"/notifications/stream?events=notification", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /notifications/stream = %d", resp.StatusCode)
	}
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				sse <- line
			}
		}
	}()

	code, urgent := post(t, api.url(), urgentEmail)
	if code != http.StatusAccepted {
		t.Fatalf("POST urgent = %d %v", code, urgent)
	}
	code, calm := post(t, api.url(), calmEmail)
	if code != http.StatusAccepted {
		t.Fatalf("POST calm = %d %v", code, calm)
	}
	uid, cid := urgent["id"].(string), calm["id"].(string)
	for _, id := range []string{uid, cid} {
		waitCond(t, 30*time.Second, func() string { return id + " is " + status(t, api.url(), id) + ", not extracted" },
			func() bool { return status(t, api.url(), id) == "extracted" })
	}
	waitCond(t, 30*time.Second, func() string { return "no notification for the urgent mail" },
		func() bool { return hook.notified(uid) == 1 })
	select {
	case data := <-sse:
		if !strings.Contains(data, uid) {
			t.Fatalf("SSE notification %s does not name %s", data, uid)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no notification on the API's live stream")
	}

	// A later urgent mail, notified, means the notification worker has
	// passed the calm one's change (the relay copies in order); once it is
	// idle, nothing more is coming for the calm one.
	_, sentinel := post(t, api.url(), urgentOps)
	sid := sentinel["id"].(string)
	waitCond(t, 30*time.Second, func() string {
		var c map[string]any
		getJSON(t, api.url()+"/communications/"+sid, &c)
		return fmt.Sprintf("no notification for the second urgent mail: %v", c)
	},
		func() bool { return hook.notified(sid) == 1 })
	waitIdle(t, notif.url(), 20*time.Second)
	if n := hook.notified(cid); n != 0 {
		t.Fatalf("the calm mail was notified %d times", n)
	}
	if n := hook.notified(uid); n != 1 {
		t.Fatalf("the urgent mail was notified %d times, want 1", n)
	}

	// The flow history the workers wrote in PostgreSQL, through the API.
	waitCond(t, 30*time.Second, func() string { return "no extraction and notification steps in the urgent mail's events" }, func() bool {
		var tr map[string]any
		getJSON(t, api.url()+"/communications/"+uid+"/events", &tr)
		b, _ := json.Marshal(tr)
		return strings.Contains(string(b), `"extraction"`) && strings.Contains(string(b), `"published"`)
	})

	var list struct {
		Communications []map[string]any
		Count          int
		Total          *int64
	}
	getJSON(t, api.url()+"/communications?urgency=high", &list)
	if list.Count != 2 {
		t.Fatalf("?urgency=high listed %d, want 2 (the two urgent mails): %v", list.Count, list.Communications)
	}
	// With its total, which PostgreSQL reads from its counts (item_counts).
	getJSON(t, api.url()+"/communications?project=finance&limit=1&total=true", &list)
	if list.Count != 1 || list.Total == nil || *list.Total != 2 {
		t.Fatalf("?project=finance&limit=1&total=true listed %d of total %v, want 1 of 2", list.Count, list.Total)
	}
	list.Total = nil
	getJSON(t, api.url()+"/communications?project=finance", &list)
	if list.Count != 2 {
		t.Fatalf("?project=finance listed %d, want 2", list.Count)
	}
	getJSON(t, api.url()+"/communications?project=finance&urgency=high", &list)
	if list.Count != 1 || list.Communications[0]["id"] != uid {
		t.Fatalf("?project=finance&urgency=high listed %v, want %s", list.Communications, uid)
	}
	getJSON(t, api.url()+"/communications?project=other", &list)
	if list.Count != 0 {
		t.Fatalf("?project=other listed %d, want 0", list.Count)
	}

	// The webhook is down: the notification is retried once, then
	// dead-lettered in PostgreSQL, listed by the API; redriven once the
	// receiver is back, it is delivered and the dead letter is gone.
	hook.failing.Store(true)
	_, third := post(t, api.url(), strings.Replace(urgentOps, "Contract signature", "Contract signature, second copy", 1))
	tid := third["id"].(string)
	var dl struct {
		DeadLetters []struct {
			ID           int64
			Subscription string
			Key          string
		}
		Count int
	}
	waitCond(t, 60*time.Second, func() string { return fmt.Sprintf("dead letters: %+v", dl) }, func() bool {
		getJSON(t, api.url()+"/dlq", &dl)
		return dl.Count == 1
	})
	if dl.DeadLetters[0].Subscription != "topic/webhook-1" {
		t.Fatalf("dead letter %+v, want one of topic/webhook-1", dl.DeadLetters[0])
	}
	hook.failing.Store(false)
	resp, err = http.Post(fmt.Sprintf("%s/dlq/%d/redrive", api.url(), dl.DeadLetters[0].ID), "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("redrive = %d", resp.StatusCode)
	}
	waitCond(t, 60*time.Second, func() string { return "the redriven notification did not arrive" },
		func() bool { return hook.notified(tid) == 1 })
	getJSON(t, api.url()+"/dlq", &dl)
	if dl.Count != 0 {
		t.Fatalf("%d dead letters after the redrive", dl.Count)
	}
	if durable {
		// Every delivery acknowledged, the dead-lettered one too: had the
		// runtime not acknowledged it, JetStream would give it up after
		// its deliveries and an advisory would make a second dead letter.
		var st struct {
			Subscriptions []struct {
				Name string
				Feed *struct{ AckPending int64 }
			}
		}
		waitCond(t, 20*time.Second, func() string { return fmt.Sprintf("notification /stats: %+v", st) }, func() bool {
			getJSON(t, notif.url()+"/stats", &st)
			for _, s := range st.Subscriptions {
				if s.Feed == nil || s.Feed.AckPending != 0 {
					return false
				}
			}
			return true
		})
		getJSON(t, api.url()+"/dlq", &dl)
		if dl.Count != 0 {
			t.Fatalf("%d dead letters after the redrive and the ack waits: %+v", dl.Count, dl.DeadLetters)
		}
	}
}

// checkConsumers checks that p's /stats shows subscription sub on the
// durable consumer named consumer.
func checkConsumers(t *testing.T, p *clusterProc, sub, consumer string) {
	t.Helper()
	var st struct {
		Subscriptions []struct {
			Name string
			Feed *struct {
				Consumer            string
				Pending, AckPending int64
				Redelivered         int64
				Pinned              *bool
			}
		}
	}
	waitCond(t, 20*time.Second, func() string {
		return fmt.Sprintf("%s /stats: %+v, want %s on consumer %s", p.name, st, sub, consumer)
	}, func() bool {
		getJSON(t, p.url()+"/stats", &st)
		for _, s := range st.Subscriptions {
			if s.Name == sub && s.Feed != nil && s.Feed.Consumer == consumer && s.Feed.Pinned != nil {
				return true
			}
		}
		return false
	})
}

// TestRole_InvalidFlags: combinations that cannot run exit 2 with an error
// naming the flag and its value.
func TestRole_InvalidFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--role", "worker"}, `--role "worker": use api, extraction, notification or all`},
		{[]string{"--role", "extraction", "--postgres", "postgres://x@127.0.0.1/x"}, "--role extraction needs --nats"},
		{[]string{"--role", "api", "--nats", "nats://127.0.0.1:4222"}, "--role api needs --postgres"},
		{[]string{"--nats", "nats://127.0.0.1:4222"}, `--nats "nats://127.0.0.1:4222" needs --postgres`},
		{[]string{"--nats", "http://127.0.0.1:4222", "--postgres", "postgres://x@h/x"}, `--nats "http://127.0.0.1:4222": give a NATS server URL`},
		{[]string{"--s3", "s3://a/b", "--postgres", "postgres://x@h/x"}, `--s3 "s3://a/b": use s3://BUCKET`},
		{[]string{"--role", "extraction", "--nats", "nats://h:1", "--postgres", "postgres://x@h/x", "--partition", "3/2"}, `--partition "3/2": the index 3 is outside 0..1`},
		{[]string{"--role", "extraction", "--nats", "nats://h:1", "--postgres", "postgres://x@h/x", "--partition", "two"}, `--partition "two": write it i/n`},
		{[]string{"--role", "api", "--nats", "nats://h:1", "--postgres", "postgres://x@h/x", "--partition", "0/2"}, `--partition "0/2": only the extraction and notification roles are partitioned`},
	} {
		cmd := exec.Command(binPath, append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, tc.args...)...)
		out, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); err == nil || code != 2 || !strings.Contains(string(out), tc.want) {
			t.Errorf("serve %v: exit %d, output:\n%s\nwant exit 2 and %q", tc.args, code, out, tc.want)
		}
	}
	// The same from the configuration file names the key.
	cfg := filepath.Join(t.TempDir(), "doctales.yaml")
	if err := os.WriteFile(cfg, []byte("role: extraction\npostgres: postgres://x@127.0.0.1/x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binPath, "serve", "--data", t.TempDir(), "--config", cfg)
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), "role (config) extraction needs --nats (or nats: in the configuration file)") {
		t.Errorf("role in the file: exit %d, output:\n%s", code, out)
	}
}

// clusterDB opens the cluster's database for the test's own checks.
func clusterDB(t *testing.T, dsn string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestCluster_Kill9: 1,000 communications posted to the API while one of
// the two extraction workers and the notification worker are killed with
// SIGKILL and later started again. Every accepted id is stored once (one
// item, one INSERT record) and extracted, every high one reaches the
// webhook as exactly one message (a delivery cut by the kill may be
// repeated with the same MessageId, which receivers drop: counted and
// logged), and no calm one is notified.
func TestCluster_Kill9(t *testing.T) { testClusterKill9(t, false) }

// TestCluster_Kill9Durable is TestCluster_Kill9 with natsConsumers:
// durable and a standby for the killed extraction worker's partition: a
// third extraction process on partition 1/2, which JetStream does not
// deliver to while extraction-1 is pinned, takes the partition over
// (with the records extraction-1 held, redelivered after their ack wait)
// when extraction-1 is killed.
func TestCluster_Kill9Durable(t *testing.T) { testClusterKill9(t, true) }

func testClusterKill9(t *testing.T, durable bool) {
	if testing.Short() {
		t.Skip("-short: 1,000 communications through a cluster of processes")
	}
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	if durable {
		env.appendConfig(t, "natsConsumers: durable\nnatsAckWait: 3s\n")
	}
	api := env.start(t, "api", RoleAPI)
	ext0 := env.start(t, "extraction-0", RoleExtraction, "--partition", "0/2")
	ext1 := env.start(t, "extraction-1", RoleExtraction, "--partition", "1/2")
	var standby *clusterProc
	if durable {
		checkConsumers(t, ext1, "extraction", "extraction-1of2")
		standby = env.start(t, "extraction-1-standby", RoleExtraction, "--partition", "1/2")
	}
	notif := env.start(t, "notification", RoleNotification)
	db := clusterDB(t, env.Postgres)

	const n = 1000
	var (
		mu              sync.Mutex
		urgent, calm    = map[string]bool{}, map[string]bool{}
		accepted, fails atomic.Int64
		failMsgs        []string
	)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				high := i%5 == 0
				body := strings.Replace(calmEmail, "Weekend photos", fmt.Sprintf("Weekend photos %d", i), 1)
				if high {
					body = strings.Replace(urgentEmail, "Wire transfer", fmt.Sprintf("Wire transfer %d", i), 1)
				}
				resp, err := http.Post(api.url()+"/communications", "application/json", strings.NewReader(body))
				if err != nil {
					fails.Add(1)
					mu.Lock()
					failMsgs = append(failMsgs, err.Error())
					mu.Unlock()
					continue
				}
				var out map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					fails.Add(1)
					mu.Lock()
					failMsgs = append(failMsgs, fmt.Sprintf("%d %v", resp.StatusCode, out))
					mu.Unlock()
					continue
				}
				id, _ := out["id"].(string)
				mu.Lock()
				if high {
					urgent[id] = true
				} else {
					calm[id] = true
				}
				mu.Unlock()
				accepted.Add(1)
			}
		}()
	}
	feedDone := make(chan struct{})
	go func() {
		defer close(feedDone)
		for i := 0; i < n; i++ {
			next <- i
		}
		close(next)
	}()
	progress := func() string { return fmt.Sprintf("%d accepted, %d failed", accepted.Load(), fails.Load()) }

	// Mid-load: kill -9 one extraction worker and the notification
	// worker; start them again (same partitions) while the load goes on.
	waitCond(t, 2*time.Minute, progress, func() bool { return accepted.Load() >= n/4 })
	if durable && pinnedTo(t, standby, "extraction") {
		// The one JetStream delivers partition 1 to is killed.
		ext1, standby = standby, ext1
	}
	ext1.kill()
	notif.kill()
	killedAt := time.Now()
	t.Logf("killed %s and notification at %s", ext1.name, progress())
	if durable {
		// The standby is pinned once JetStream delivers to it: PinnedTTL
		// after the killed one's last pull.
		waitCond(t, 30*time.Second, func() string { return standby.name + " not pinned" },
			func() bool { return pinnedTo(t, standby, "extraction") })
		t.Logf("%s took partition 1/2 over %s after the kill", standby.name, time.Since(killedAt).Round(10*time.Millisecond))
	}
	waitCond(t, 2*time.Minute, progress, func() bool { return accepted.Load() >= n*45/100 })
	if !durable {
		ext1.run() // with durable consumers the standby has taken over
	}
	notif.run()
	t.Logf("restarted them at %s", progress())
	<-feedDone
	wg.Wait()
	if fails.Load() != 0 || accepted.Load() != n {
		t.Fatalf("%s; first failures: %v", progress(), failMsgs[:min(len(failMsgs), 5)])
	}

	ctx := context.Background()
	count := func(q string) int {
		var c int
		if err := db.Pool().QueryRow(ctx, q).Scan(&c); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return c
	}
	extracted := func() string {
		return fmt.Sprintf("%d of %d items extracted", count(`SELECT count(*) FROM items WHERE status = 'extracted'`), n)
	}
	waitCond(t, 3*time.Minute, extracted, func() bool {
		return count(`SELECT count(*) FROM items WHERE status = 'extracted'`) == n
	})
	if c := count(`SELECT count(*) FROM items`); c != n {
		t.Fatalf("%d items stored, want %d", c, n)
	}
	rows, err := db.Pool().Query(ctx, `SELECT id, urgency FROM items`)
	if err != nil {
		t.Fatal(err)
	}
	high := map[string]bool{}
	for rows.Next() {
		var id, urgency string
		if err := rows.Scan(&id, &urgency); err != nil {
			t.Fatal(err)
		}
		if !urgent[id] && !calm[id] {
			t.Fatalf("item %s was never accepted", id)
		}
		if urgency == "high" {
			high[id] = true
		}
	}
	rows.Close()
	for id := range urgent {
		if !high[id] {
			t.Fatalf("urgent mail %s is not high", id)
		}
	}
	if len(high) != len(urgent) {
		t.Fatalf("%d items are high, %d urgent mails were posted", len(high), len(urgent))
	}
	// Stored once: one INSERT record per item in the outbox.
	if c := count(`SELECT count(*) FROM log WHERE source = 'aws:dynamodb' AND convert_from(data, 'UTF8')::jsonb->>'eventName' = 'INSERT'`); c != n {
		t.Fatalf("%d INSERT records for %d items", c, n)
	}
	if c := count(`SELECT count(DISTINCT key) FROM log WHERE source = 'aws:dynamodb'`); c != n {
		t.Fatalf("stream records name %d items, want %d", c, n)
	}

	// Every high one notified; then a sentinel notified and the worker
	// idle: nothing more is coming.
	notifiedAll := func() (missing int) {
		for id := range urgent {
			if hook.notified(id) == 0 {
				missing++
			}
		}
		return missing
	}
	waitCond(t, 3*time.Minute, func() string { return fmt.Sprintf("%d of %d high ones not notified", notifiedAll(), len(urgent)) },
		func() bool { return notifiedAll() == 0 })
	_, sentinel := post(t, api.url(), urgentOps)
	sid := sentinel["id"].(string)
	waitCond(t, time.Minute, func() string { return "the sentinel was not notified" }, func() bool { return hook.notified(sid) == 1 })
	waitIdle(t, notif.url(), 30*time.Second)

	posts, comms, repeats := hook.snapshot()
	for id := range urgent {
		if comms[id] != 1 {
			t.Errorf("high %s notified with %d messages, want 1", id, comms[id])
		}
	}
	for id := range calm {
		if comms[id] != 0 {
			t.Errorf("calm %s notified %d times", id, comms[id])
		}
	}
	var st struct {
		Subscriptions []struct {
			Name        string
			Invocations int64
		}
	}
	getJSON(t, ext0.url()+"/stats", &st)
	t.Logf("%d high of %d; webhook: %d POSTs, %d repeats of a MessageId (dropped by receivers); extraction-0 stats %+v",
		len(urgent), n, posts, repeats, st.Subscriptions)
	if durable {
		// The standby took partition 1 over and did its share.
		var sb struct {
			Subscriptions []struct {
				Name      string
				Succeeded int64
				Feed      *struct{ Pinned *bool }
			}
		}
		if !pinnedTo(t, standby, "extraction") {
			t.Fatalf("%s is not pinned after %s was killed", standby.name, ext1.name)
		}
		getJSON(t, standby.url()+"/stats", &sb)
		took := false
		for _, s := range sb.Subscriptions {
			if s.Name == "extraction" && s.Succeeded > 0 && s.Feed != nil && s.Feed.Pinned != nil && *s.Feed.Pinned {
				took = true
			}
		}
		if !took {
			t.Fatalf("the standby of partition 1/2 did not take over: %+v", sb.Subscriptions)
		}
		if c := count(`SELECT count(*) FROM dead_letters`); c != 0 {
			t.Fatalf("%d dead letters", c)
		}
	}
}

// TestCluster_S3: with --s3 the API puts the objects into an S3-compatible
// server (the s3rver emulator the s3 package's tests use) and announces
// them on the JetStream log; an extraction worker reads them from there.
func TestCluster_S3(t *testing.T) {
	endpoint := testutil.S3Endpoint(t)
	client := awss3.NewFromConfig(testutil.AWSConfig(endpoint), func(o *awss3.Options) { o.UsePathStyle = true })
	bucket := fmt.Sprintf("cluster-%d", time.Now().UnixNano())
	if _, err := client.CreateBucket(context.Background(), &awss3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	env.Env = []string{"AWS_ACCESS_KEY_ID=" + testutil.TestAccessKey, "AWS_SECRET_ACCESS_KEY=" + testutil.TestSecretKey,
		"AWS_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"}
	s3URL := endpoint + "/" + bucket
	api := env.start(t, "api", RoleAPI, "--s3", s3URL)
	env.start(t, "extraction", RoleExtraction, "--s3", s3URL)
	env.start(t, "notification", RoleNotification)

	code, urgent := post(t, api.url(), urgentEmail)
	if code != http.StatusAccepted {
		t.Fatalf("POST = %d %v", code, urgent)
	}
	id, key := urgent["id"].(string), urgent["s3Key"].(string)
	waitCond(t, 30*time.Second, func() string { return id + " is " + status(t, api.url(), id) },
		func() bool { return status(t, api.url(), id) == "extracted" })
	waitCond(t, 30*time.Second, func() string { return "no notification" }, func() bool { return hook.notified(id) == 1 })
	if _, err := client.HeadObject(context.Background(), &awss3.HeadObjectInput{Bucket: &bucket, Key: &key}); err != nil {
		t.Fatalf("object %s is not in bucket %s: %v", key, bucket, err)
	}
	if _, err := os.Stat(filepath.Join(env.Data, "objects")); err == nil {
		t.Fatalf("with --s3 the data folder has an objects folder")
	}
	// A bucket that does not exist stops the process, naming it.
	cmd := exec.Command(binPath, "serve", "--role", RoleAPI, "--nats", env.NATS, "--postgres", env.Postgres,
		"--data", t.TempDir(), "--addr", freeAddr(t), "--s3", endpoint+"/no-such-bucket")
	cmd.Env = append(os.Environ(), env.Env...)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), `bucket "no-such-bucket"`) {
		t.Fatalf("missing bucket: %v\n%s", err, out)
	}
}

// TestCluster_All: `serve --postgres DSN` alone is one process whose
// table, event log, ledger and dead letters are all in PostgreSQL (no
// NATS, no relay); with --nats too, one process runs every role on
// JetStream, its relay included. Either way the urgent mail is notified
// once and the calm one not.
func TestCluster_All(t *testing.T) {
	for _, withNATS := range []bool{false, true} {
		t.Run(map[bool]string{false: "Postgres", true: "PostgresAndNATS"}[withNATS], func(t *testing.T) {
			hook := newHookReceiver(t)
			env := newClusterEnv(t, hook.URL)
			args := []string{"--postgres", env.Postgres}
			if withNATS {
				args = append(args, "--nats", env.NATS)
			}
			srv := env.serve(t, "all", args...)
			_, urgent := post(t, srv.url(), urgentEmail)
			_, calm := post(t, srv.url(), calmEmail)
			_, sentinel := post(t, srv.url(), urgentOps)
			for _, id := range []string{urgent["id"].(string), sentinel["id"].(string)} {
				waitCond(t, 30*time.Second, func() string { return id + " not notified; it is " + status(t, srv.url(), id) },
					func() bool { return hook.notified(id) == 1 })
			}
			waitCond(t, 30*time.Second, func() string { return "the calm mail is not extracted" },
				func() bool { return status(t, srv.url(), calm["id"].(string)) == "extracted" })
			waitIdle(t, srv.url(), 20*time.Second)
			if n := hook.notified(calm["id"].(string)); n != 0 {
				t.Fatalf("the calm mail was notified %d times", n)
			}
			var st struct{ Role string }
			getJSON(t, srv.url()+"/stats", &st)
			if st.Role != RoleAll {
				t.Fatalf("/stats role = %q, want all", st.Role)
			}
		})
	}
}

// pinnedTo reports whether p's /stats shows subscription sub's consumer
// pinned to p.
func pinnedTo(t *testing.T, p *clusterProc, sub string) bool {
	t.Helper()
	var st struct {
		Subscriptions []struct {
			Name string
			Feed *struct{ Pinned *bool }
		}
	}
	getJSON(t, p.url()+"/stats", &st)
	for _, s := range st.Subscriptions {
		if s.Name == sub && s.Feed != nil && s.Feed.Pinned != nil {
			return *s.Feed.Pinned
		}
	}
	return false
}
