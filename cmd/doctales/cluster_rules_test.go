package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/postgres"
)

// launchMail is a calm mail of project "launch" from bo@family.example:
// the default rule (urgency high) never notifies it.
func launchMail(subject string) string {
	b, _ := json.Marshal(launchEmail(subject))
	return string(b)
}

// TestCluster_Rules: people's rules in a cluster, as in the embedded
// mode. An api process serves /rules (GET, POST, PUT, DELETE) over
// PostgreSQL, its live stream sends each rule change ("rule" events, from
// the rule's stream record in the outbox), and the notification worker,
// another process, applies each rule written through it to the next
// communication without a restart:
//
//   - a calm mail of project "launch" is not notified by the default rule
//     (urgency high); after a rule on project "launch" to the webhook,
//     the next one is, by that rule;
//   - an urgent mail from @acme.example, which the default rule sends to
//     the webhook, goes to the browser only once a rule of order -1 on
//     that sender decides it ("mutes" it for the webhook), while an
//     urgent mail from another sender still reaches the webhook;
//   - once the launch rule is deleted, the next launch mail is not
//     notified.
func TestCluster_Rules(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	api := env.start(t, "api", RoleAPI)
	extraction := env.start(t, "extraction", RoleExtraction)
	notif := env.start(t, "notification", RoleNotification)
	procs := []*clusterProc{api, extraction, notif}
	logs := func() string {
		var b strings.Builder
		for _, p := range procs {
			b.WriteString("--- " + p.name + ":\n" + p.Logs())
		}
		return b.String()
	}
	ctx := context.Background()
	pg, err := postgres.Open(ctx, env.Postgres, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	// flow returns id's flow events of the notification subscription.
	flow := func(id string) []*doctales.FlowEvent {
		evs, err := pg.FlowEvents(ctx, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []*doctales.FlowEvent
		for _, ev := range evs {
			if ev.Step == FuncNotification {
				out = append(out, ev)
			}
		}
		return out
	}
	describe := func(id string) func() string {
		return func() string {
			b, _ := json.Marshal(flow(id))
			return fmt.Sprintf("communication %s: %d notifications on the webhook; its notification flow %s\nlogs:\n%s", id, hook.notified(id), b, logs())
		}
	}
	// judged reports whether the notification subscription has seen id's
	// extracted version (its MODIFY record), whatever it decided.
	judged := func(id string) bool {
		for _, ev := range flow(id) {
			if ev.Event == "MODIFY" {
				return true
			}
		}
		return false
	}
	// decided reports whether the notification function decided kind
	// (published, skipped) for id.
	decided := func(id, kind string) bool {
		for _, ev := range flow(id) {
			if ev.Kind == kind && ev.Event == "" {
				return true
			}
		}
		return false
	}

	// A dashboard's live stream of rule changes, on the api process.
	live := sseEvents(t, api.url(), "", "?events="+EventRule)

	// The rules routes answer on the api process (501 before this).
	var list struct {
		Rules    []*doctales.Rule
		Channels []string
	}
	if code := getJSON(t, api.url()+"/rules", &list); code != http.StatusOK || len(list.Rules) != 1 || list.Rules[0].ID != doctales.DefaultRuleID {
		t.Fatalf("GET /rules = %d %+v; want 200 and the default rule alone", code, list)
	}

	// The default rule: a calm launch mail is not notified.
	calm := postFor(t, api, "", launchMail("Launch notes"))
	waitCond(t, 60*time.Second, describe(calm), func() bool { return judged(calm) })
	if n := hook.notified(calm); n != 0 || decided(calm, "published") {
		t.Fatalf("the calm launch mail was notified (%d on the webhook) before any rule\n%s", n, describe(calm)())
	}

	// A rule on project launch, to the webhook, and one muting acme for
	// the webhook (to the browser only), both through the api process.
	code, body := sendJSON(t, http.MethodPost, api.url()+"/rules",
		`{"id":"launch","name":"Launch","pattern":{"dynamodb":{"NewImage":{"project":{"S":["launch"]}}}},"targets":["webhook"]}`)
	if code != http.StatusCreated {
		t.Fatalf("POST /rules = %d %s", code, body)
	}
	code, body = sendJSON(t, http.MethodPut, api.url()+"/rules/acme",
		`{"name":"Acme to the browser","order":-1,"pattern":{"dynamodb":{"NewImage":{"sender_id":{"S":[{"suffix":"@acme.example"}]}}}},"targets":["browser"]}`)
	if code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("PUT /rules/acme = %d %s", code, body)
	}

	// Each write's stream record went through the outbox and the relay
	// to the live stream, as the embedded mode sends it.
	for _, want := range []string{`{"event":"INSERT","id":"launch"}`, `{"event":"INSERT","id":"acme"}`} {
		select {
		case ev := <-live:
			if ev != EventRule+"\t"+want {
				t.Fatalf("live stream event %q, want %s %s", ev, EventRule, want)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("no %s event %s on the live stream within 60s\nlogs:\n%s", EventRule, want, logs())
		}
	}

	launch := postFor(t, api, "", launchMail("Launch plan v2"))
	waitCond(t, 60*time.Second, describe(launch), func() bool { return hook.notified(launch) == 1 })
	// The flow history (written in the background) says which rule.
	waitCond(t, 30*time.Second, describe(launch), func() bool { return decided(launch, "published") })
	for _, ev := range flow(launch) {
		if ev.Kind == "published" && !strings.Contains(ev.Detail, `matched rule "Launch"`) {
			t.Errorf("launch mail published because %q; want the Launch rule", ev.Detail)
		}
	}

	// Acme's urgent mail: decided by the acme rule, published for the
	// browser only. Then another sender's urgent mail, published after
	// it on the same topic: once the webhook has that one, it has passed
	// acme's by.
	acme := postFor(t, api, "", urgentOps) // carla@acme.example
	waitCond(t, 60*time.Second, describe(acme), func() bool { return decided(acme, "published") })
	other := postFor(t, api, "", strings.Replace(urgentOps, "carla@acme.example", "carla@other.example", 1))
	waitCond(t, 60*time.Second, describe(other), func() bool { return hook.notified(other) == 1 })
	if n := hook.notified(acme); n != 0 {
		t.Fatalf("acme's urgent mail reached the webhook %d times; the acme rule sends it to the browser only\n%s", n, describe(acme)())
	}

	// Deleted, the launch rule notifies nothing more.
	if code, body := sendJSON(t, http.MethodDelete, api.url()+"/rules/launch", ""); code != http.StatusNoContent && code != http.StatusOK {
		t.Fatalf("DELETE /rules/launch = %d %s", code, body)
	}
	after := postFor(t, api, "", launchMail("Launch plan v3"))
	waitCond(t, 60*time.Second, describe(after), func() bool { return judged(after) })
	if n := hook.notified(after); n != 0 || decided(after, "published") {
		t.Fatalf("a launch mail after the rule's delete was notified %d times\n%s", n, describe(after)())
	}
	if code := getJSON(t, api.url()+"/rules", &list); code != http.StatusOK || len(list.Rules) != 2 || list.Rules[0].ID != "acme" || list.Rules[1].ID != doctales.DefaultRuleID {
		t.Fatalf("GET /rules at the end = %d %+v; want acme, then the default rule", code, list.Rules)
	}

	// `doctales rules --url` manages them through the api process.
	data := t.TempDir()
	out, stderr, err := runBin(t, "", nil, "rules", "add", "--url", api.url(), "--data", data, "--id", "cli", "--name", "From the CLI",
		"--pattern", `{"dynamodb":{"NewImage":{"project":{"S":["cli"]}}}}`, "--target", "webhook")
	if err != nil || !strings.Contains(out, "rule cli") {
		t.Fatalf("rules add --url = %q, %v\n%s", out, err, stderr)
	}
	out, stderr, err = runBin(t, "", nil, "rules", "list", "--url", api.url(), "--data", data, "--json")
	var listed []doctales.Rule
	if err != nil || json.Unmarshal([]byte(out), &listed) != nil || len(listed) != 3 || listed[0].ID != "acme" || listed[1].ID != "cli" {
		t.Fatalf("rules list --url = %q, %v\n%s; want acme, cli, default", out, err, stderr)
	}
	if _, stderr, err := runBin(t, "", nil, "rules", "list", "--url", "ftp://"+api.addr, "--data", data); exitStatus(err) != 2 || !strings.Contains(stderr, `--url "ftp://`) {
		t.Fatalf("rules list --url ftp://… = exit %d %q; want 2 naming --url", exitStatus(err), stderr)
	}
}

// exitStatus is the exit status of a finished command's error (0 for
// nil, -1 when it did not run).
func exitStatus(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestCluster_Escalation: escalation ("When" timers) in a cluster. With
// escalation after 2s on the webhook, an urgent mail that nobody reads
// reaches the webhook twice: its notification, then one escalation,
// fired by one of two notification workers (partitions 0/2 and 1/2),
// which both run the timers' loop on the timers they share in
// PostgreSQL. Its timer ends fired, and no message reaches the webhook
// twice.
func TestCluster_Escalation(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	env.appendConfig(t, "escalation:\n  after: 2s\n  channels: [webhook]\n")
	api := env.start(t, "api", RoleAPI)
	procs := []*clusterProc{api, env.start(t, "extraction", RoleExtraction),
		env.start(t, "notification-0", RoleNotification, "--partition", "0/2"),
		env.start(t, "notification-1", RoleNotification, "--partition", "1/2")}
	ctx := context.Background()
	pg, err := postgres.Open(ctx, env.Postgres, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	escalations := func(id string) (fired, pending int) {
		if err := pg.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE fired), count(*) FILTER (WHERE NOT fired)
			FROM notify_timers WHERE communication_id = $1 AND kind = 'escalation'`, id).Scan(&fired, &pending); err != nil {
			t.Fatal(err)
		}
		return fired, pending
	}
	id := postFor(t, api, "", urgentOps)
	describe := func() string {
		fired, pending := escalations(id)
		posts, _, repeats := hook.snapshot()
		var b strings.Builder
		for _, p := range procs {
			b.WriteString("--- " + p.name + ":\n" + p.Logs())
		}
		return fmt.Sprintf("communication %s: %d messages on the webhook (%d posts, %d repeated); escalation timers %d fired, %d pending\nlogs:\n%s",
			id, hook.notified(id), posts, repeats, fired, pending, b.String())
	}
	waitCond(t, 60*time.Second, describe, func() bool {
		fired, _ := escalations(id)
		return hook.notified(id) == 2 && fired == 1
	})
	if fired, pending := escalations(id); fired != 1 || pending != 0 {
		t.Fatalf("escalation timers: %d fired, %d pending; want the one step fired\n%s", fired, pending, describe())
	}
	if _, _, repeats := hook.snapshot(); repeats != 0 {
		t.Fatalf("%d messages reached the webhook more than once\n%s", repeats, describe())
	}
}

// TestCluster_Digest: a rule whose target is the digest, PUT through the
// api process, lists a calm launch mail in the next digest (every minute,
// on the webhook) rather than notifying it at once; of two notification
// workers (partitions 0/2 and 1/2), sharing the digest's timer and
// entries in PostgreSQL, one sends it, once, listing the mail.
func TestCluster_Digest(t *testing.T) {
	var mu sync.Mutex
	var posts []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		posts = append(posts, m)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hook.Close)
	received := func() []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		return append([]map[string]any(nil), posts...)
	}
	env := newClusterEnv(t, hook.URL)
	env.appendConfig(t, "timezone: UTC\ndigest:\n  every: 1m\n  at: \"00:00\"\n  channel: webhook\n")
	api := env.start(t, "api", RoleAPI)
	procs := []*clusterProc{api, env.start(t, "extraction", RoleExtraction),
		env.start(t, "notification-0", RoleNotification, "--partition", "0/2"),
		env.start(t, "notification-1", RoleNotification, "--partition", "1/2")}
	code, body := sendJSON(t, http.MethodPut, api.url()+"/rules/launch",
		`{"name":"Launch","pattern":{"dynamodb":{"NewImage":{"project":{"S":["launch"]}}}},"targets":["digest"]}`)
	if code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("PUT /rules/launch = %d %s", code, body)
	}
	id := postFor(t, api, "", launchMail("Launch plan"))
	describe := func() string {
		var b strings.Builder
		for _, m := range received() {
			fmt.Fprintf(&b, "webhook: %v: %v\n", m["Subject"], m["Message"])
		}
		for _, p := range procs {
			b.WriteString("--- " + p.name + ":\n" + p.Logs())
		}
		return b.String()
	}
	digests := func() []map[string]any {
		var out []map[string]any
		for _, m := range received() {
			if s, _ := m["Subject"].(string); strings.HasPrefix(s, "Doc-Tales digest") {
				out = append(out, m)
			}
		}
		return out
	}
	waitCond(t, 150*time.Second, func() string { return "no digest on the webhook:\n" + describe() }, func() bool { return len(digests()) > 0 })
	d := digests()
	if len(d) != 1 || d[0]["Subject"] != "Doc-Tales digest: 1 communication(s)" || !strings.Contains(fmt.Sprint(d[0]["Message"]), "- Launch plan (") ||
		!strings.Contains(fmt.Sprint(d[0]["Message"]), id) {
		t.Fatalf("digests on the webhook: %v; want one listing %s\n%s", d, id, describe())
	}
	for _, m := range received() {
		if communicationID(m) == id {
			t.Fatalf("the launch mail was notified at once (%v); its rule sends it to the digest\n%s", m["Subject"], describe())
		}
	}
}
