package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// sendJSON sends method url with a JSON body and returns the status and
// the body.
func sendJSON(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// launchEmail is a calm communication of project "launch": the default
// rule (urgency high) never notifies it.
func launchEmail(subject string) map[string]any {
	return map[string]any{"source": "email", "subject": subject, "from": "Bo Lind", "from_email": "bo@family.example",
		"to": []string{"me@example.com"}, "project": "launch", "body": "Hi, the launch notes are attached, no rush. Have a nice week."}
}

// TestRules_ApplyWithoutRestart: a rule created through the API on a
// running server applies to the next communication, which matches only
// that rule (a calm item of project "launch"): one notification, to the
// rule's webhook target. Disabled through the API, the next such item
// notifies nobody; no restart in between.
func TestRules_ApplyWithoutRestart(t *testing.T) {
	hook := newWebhookReceiver(t)
	m := MustRunMain(t, nil, "--webhook", hook.URL)

	first := postJSON(t, m.URL(), launchEmail("Launch notes"))
	waitIdle(t, m.URL(), 20*time.Second)
	if n := len(hook.Messages()); n != 0 {
		t.Fatalf("%d notifications before the rule, want 0 (the item is calm)", n)
	}

	code, body := sendJSON(t, "POST", m.URL()+"/rules",
		`{"id":"launch","name":"Launch","pattern":{"dynamodb":{"NewImage":{"project":{"S":["launch"]}}}},"targets":["webhook"]}`)
	if code != http.StatusCreated {
		t.Fatalf("POST /rules = %d %s", code, body)
	}
	id := postJSON(t, m.URL(), launchEmail("Launch plan v2"))
	waitFor(t, 20*time.Second, func() bool { return len(hook.Messages()) >= 1 })
	waitIdle(t, m.URL(), 20*time.Second)
	msgs := hook.Messages()
	if len(msgs) != 1 || communicationID(msgs[0]) != id || msgs[0]["Subject"] != "Launch: Launch plan v2" {
		t.Fatalf("webhook got %v; want one notification of %s by the rule", msgs, id)
	}
	for _, m := range msgs {
		if communicationID(m) == first {
			t.Fatal("the item stored before the rule was notified")
		}
	}

	if code, body := sendJSON(t, "PUT", m.URL()+"/rules/launch", `{"enabled":false}`); code != 200 {
		t.Fatalf("PUT enabled=false = %d %s", code, body)
	}
	postJSON(t, m.URL(), launchEmail("Launch plan v3"))
	waitIdle(t, m.URL(), 20*time.Second)
	if n := len(hook.Messages()); n != 1 {
		t.Fatalf("%d notifications after the rule was disabled, want still 1: %v", n, hook.Messages())
	}

	// The preview sees all three launch items.
	code, body = sendJSON(t, "POST", m.URL()+"/rules/launch/test", "")
	if code != 200 || strings.Count(body, `"subject":"Launch`) != 3 {
		t.Errorf("POST /rules/launch/test = %d %s; want the three launch items", code, body)
	}
}

// TestRules_TargetsRouteChannels: a rule targeting the log only keeps its
// notification from the webhook, while the default rule's still reaches it.
func TestRules_TargetsRouteChannels(t *testing.T) {
	hook := newWebhookReceiver(t)
	m := MustRunMain(t, nil, "--webhook", hook.URL)
	code, body := sendJSON(t, "POST", m.URL()+"/rules",
		`{"id":"acme","name":"Acme","order":-1,"pattern":{"dynamodb":{"NewImage":{"sender_id":{"S":[{"suffix":"@acme.example"}]}}}},"targets":["log"]}`)
	if code != http.StatusCreated {
		t.Fatalf("POST /rules = %d %s", code, body)
	}
	post(t, m.URL(), urgentEmail) // from ana@acme.example: rule acme decides, to the log
	urgent := strings.Replace(urgentEmail, "ana@acme.example", "ana@other.example", 1)
	_, other := post(t, m.URL(), urgent) // the default rule: everywhere
	waitIdle(t, m.URL(), 20*time.Second)
	msgs := hook.Messages()
	if len(msgs) != 1 || communicationID(msgs[0]) != other["id"] {
		t.Fatalf("webhook got %v; want only the default rule's notification of %v", msgs, other["id"])
	}
}

// TestCLI_Rules runs the rules command without a server (the folder opened
// here) and then beside one (through its API, which applies the rule).
func TestCLI_Rules(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	rules := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append(append([]string{"rules"}, args...), "--data", data), nil, &out, &errOut)
		return out.String(), errOut.String(), err
	}
	pat := `{"dynamodb":{"NewImage":{"project":{"S":["launch"]}}}}`
	if out, stderr, err := rules("add", "--id", "launch", "--name", "Launch", "--target", "log", "--pattern", pat); err != nil ||
		!strings.Contains(out, "rule launch") {
		t.Fatalf("rules add: %v %q %q", err, out, stderr)
	}
	_, _, err := rules("add", "--name", "Bad", "--pattern", `{"dynamodb":{"NewImage":{"project":{"S":[{"numeric":[">"]}]}}}}`)
	if err == nil || exitCode(err) != 1 || !strings.Contains(errorMessage(err), "offset 56") {
		t.Errorf("rules add with a bad pattern: %v; want a failure naming the offset", err)
	}
	if _, _, err := rules("add", "--name", "x"); exitCode(err) != 2 {
		t.Errorf("rules add without --pattern: %v; want a usage error", err)
	}
	out, _, err := rules("list", "--json")
	var list []doctales.Rule
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 || list[0].ID != "default" || list[1].ID != "launch" {
		t.Fatalf("rules list --json = %v %q; want default and launch", err, out)
	}
	if _, _, err := rules("rm", "default"); err == nil || !strings.Contains(errorMessage(err), "disable it") {
		t.Errorf("rules rm default: %v; want a refusal saying to disable it", err)
	}

	// Beside a server: through its API, as the server's (open) user.
	m := MustRunMain(t, nil, "--data", data)
	postJSON(t, m.URL(), launchEmail("Launch notes"))
	waitIdle(t, m.URL(), 20*time.Second)
	out, stderr, err := rules("test", "launch", "--json")
	var matches []map[string]any
	if err != nil || !strings.Contains(stderr, "going through its API") || json.Unmarshal([]byte(out), &matches) != nil ||
		len(matches) != 1 || matches[0]["subject"] != "Launch notes" {
		t.Fatalf("rules test launch beside a server = %v %q %q; want the one launch item, through the API", err, out, stderr)
	}
	if out, _, err := rules("rm", "launch"); err != nil || !strings.Contains(out, "removed") {
		t.Fatalf("rules rm launch: %v %q", err, out)
	}
	var got struct{ Rules []doctales.Rule }
	getJSON(t, m.URL()+"/rules", &got)
	if len(got.Rules) != 1 || got.Rules[0].ID != "default" {
		t.Errorf("GET /rules after rm = %+v; want the default alone", got.Rules)
	}
	if out, _, err := rules("list", "--user", "ana"); err == nil {
		t.Errorf("rules list --user beside a server = %q; want a refusal (the key's user decides)", out)
	}
}

// TestRules_SenderAndProject: with the default rule disabled, a rule on
// sender and project routes only the items that have both (issue 13's
// "must show"): of Ana's finance mail, Ana's other mail and Bo's finance
// mail, only the first is notified, urgent or not.
func TestRules_SenderAndProject(t *testing.T) {
	hook := newWebhookReceiver(t)
	m := MustRunMain(t, nil, "--webhook", hook.URL)
	if code, body := sendJSON(t, "PUT", m.URL()+"/rules/default", `{"enabled":false}`); code != 200 {
		t.Fatalf("PUT /rules/default = %d %s", code, body)
	}
	if code, body := sendJSON(t, "POST", m.URL()+"/rules",
		`{"id":"ana-finance","name":"Ana on finance","pattern":{"dynamodb":{"NewImage":{"sender_id":{"S":["ana@acme.example"]},"project":{"S":["finance"]}}}},"targets":["webhook"]}`); code != 201 {
		t.Fatalf("POST /rules = %d %s", code, body)
	}
	mail := func(from, project, body string) map[string]any {
		return map[string]any{"source": "email", "subject": from + " on " + project, "from": "Someone", "from_email": from,
			"to": []string{"me@example.com"}, "project": project, "body": body}
	}
	want := postJSON(t, m.URL(), mail("ana@acme.example", "finance", "Here are the quarterly figures, no rush."))
	postJSON(t, m.URL(), mail("ana@acme.example", "garden", "URGENT: please approve the wire before 5pm today."))
	postJSON(t, m.URL(), mail("bo@family.example", "finance", "URGENT: please approve the wire before 5pm today."))
	waitIdle(t, m.URL(), 20*time.Second)
	msgs := hook.Messages()
	if len(msgs) != 1 || communicationID(msgs[0]) != want {
		t.Fatalf("webhook got %d notifications %v; want only %s (Ana, finance)", len(msgs), msgs, want)
	}
}
