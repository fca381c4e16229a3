package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
)

// TestConfig_WebhookTargets: a literal webhook endpoint in a refused range
// is an error at start naming the field, unless topic.allowPrivateTargets
// names it; a bad allow-list entry is an error naming the entry; the
// rotation settings are checked.
func TestConfig_WebhookTargets(t *testing.T) {
	hook := func(allow, endpoint, extra string) string {
		return "topic:\n" + allow + "  subscriptions:\n    - protocol: webhook\n      endpoint: " + endpoint + "\n" + extra
	}
	for name, tc := range map[string]struct{ body, want string }{
		"Private":   {hook("", "http://10.0.0.1/hook", ""), "topic.subscriptions[0].endpoint: refused address 10.0.0.1: private range 10.0.0.0/8; allow it with topic.allowPrivateTargets"},
		"Metadata":  {hook("", "http://169.254.169.254/latest/", ""), "topic.subscriptions[0].endpoint: refused address 169.254.169.254: metadata range"},
		"IPv6Local": {hook("", "http://[::1]:9/hook", ""), "topic.subscriptions[0].endpoint: refused address ::1: loopback"},
		"Localhost": {hook("", "http://localhost:9/hook", ""), "topic.subscriptions[0].endpoint: refused address 127.0.0.1 (localhost): loopback"},
		"Mapped":    {hook("", "http://[::ffff:192.168.1.1]/hook", ""), "refused address 192.168.1.1 (::ffff:192.168.1.1): private"},
		"OtherCIDR": {hook("  allowPrivateTargets: [10.1.2.0/24]\n", "http://10.1.3.1/hook", ""), "topic.subscriptions[0].endpoint: refused address 10.1.3.1"},
		"MetadataByRange": {hook("  allowPrivateTargets: [169.254.0.0/16]\n", "http://169.254.169.254/", ""),
			"topic.subscriptions[0].endpoint: refused address 169.254.169.254: metadata"},
		"BadCIDR": {hook("  allowPrivateTargets: [127.0.0.1/32, 10.1.2.0/33]\n", "http://127.0.0.1:9/hook", ""),
			"topic.allowPrivateTargets[1]: not a CIDR prefix such as 10.1.2.0/24 or an IP address (value 10.1.2.0/33)"},
		"BadCIDRWord": {hook("  allowPrivateTargets: [intranet]\n", "https://hooks.example.com/", ""),
			"topic.allowPrivateTargets[0]: not a CIDR prefix"},
		"PreviousWithoutCurrent": {hook("", "https://hooks.example.com/", "      previousSecret: old\n"),
			"topic.subscriptions[0].previousSecret: a previous secret needs a current one"},
		"SameKeyID": {hook("", "https://hooks.example.com/", "      secret: new\n      keyId: k\n      previousSecret: old\n      previousKeyId: k\n"),
			"topic.subscriptions[0].previousKeyId: the previous key needs an id other than the current key's"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadConfig(writeConfig(t, tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to say %q", err, tc.want)
			}
			if strings.Contains(fmtErr(err), "old") && name == "PreviousWithoutCurrent" {
				t.Fatalf("error %q shows the secret", err)
			}
		})
	}

	t.Run("OK", func(t *testing.T) {
		cfg, err := ReadConfig(writeConfig(t, hook("  allowPrivateTargets: [127.0.0.1/32, 10.1.2.0/24, \"169.254.169.254/32\"]\n",
			"http://10.1.2.3/hook", "      secret: new-secret\n      previousSecret: old-secret\n      previousKeyId: k2025\n")))
		if err != nil {
			t.Fatal(err)
		}
		keys := cfg.Topic.Subscriptions[0].signingKeys()
		if len(keys) != 2 || keys[0].ID != notify.KeyID("new-secret") || keys[0].Secret != "new-secret" ||
			keys[1].ID != "k2025" || keys[1].Secret != "old-secret" {
			t.Fatalf("signing keys %+v, want the new key (fingerprint id) then k2025", keys)
		}
		wh, err := cfg.Topic.webhook(&cfg.Topic.Subscriptions[0])
		if err != nil || len(wh.AllowPrivate) != 3 || len(wh.Keys) != 2 {
			t.Fatalf("webhook %+v, %v", wh, err)
		}
	})

	// The real program refuses to start, saying why.
	t.Run("Serve", func(t *testing.T) {
		_, stderr, err := runBin(t, "", nil, "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0",
			"--config", writeConfig(t, hook("", "http://169.254.169.254/latest/", "")))
		if err == nil || !strings.Contains(stderr, "topic.subscriptions[0].endpoint: refused address 169.254.169.254: metadata") {
			t.Fatalf("serve with a metadata webhook: %v\n%s", err, stderr)
		}
	})
}

// fmtErr returns err's text, or "" for nil.
func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestFlagLoopbackAllow: `--webhook` on the command line allows the
// address of a literal loopback URL, and nothing else.
func TestFlagLoopbackAllow(t *testing.T) {
	for url, want := range map[string]string{
		"http://127.0.0.1:9000/hook":  "[127.0.0.1/32]",
		"http://[::1]:9000/hook":      "[::1/128]",
		"http://localhost:9000/":      "[127.0.0.1/32 ::1/128]",
		"http://10.0.0.1/hook":        "[]",
		"http://169.254.169.254/":     "[]",
		"https://hooks.example.com/":  "[]",
		"http://[::ffff:127.0.0.5]/x": "[127.0.0.5/32]",
	} {
		if got := strings.Join(flagLoopbackAllow(url), " "); "["+got+"]" != want {
			t.Errorf("flagLoopbackAllow(%s) = [%s], want %s", url, got, want)
		}
	}
	// A private literal on the command line is refused at start.
	m := NewMain()
	err := m.ParseFlags([]string{"--data", t.TempDir(), "--addr", "127.0.0.1:0", "--webhook", "http://10.0.0.1/hook"})
	if err == nil || !strings.Contains(err.Error(), "topic.subscriptions[1].endpoint: refused address 10.0.0.1: private") {
		t.Fatalf("--webhook http://10.0.0.1/hook: %v", err)
	}
}

// TestWebhook_RedirectDeadLettered runs the program with a webhook on an
// allowed 127.0.0.1 receiver that redirects to 127.0.0.2, which is not
// allowed: the notification is dead-lettered at once (one attempt), with
// the refusal as its error, and 127.0.0.2 gets no connection.
func TestWebhook_RedirectDeadLettered(t *testing.T) {
	// The refused target counts connections.
	trap, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	defer trap.Close()
	var trapped atomic.Int64
	go func() {
		for {
			c, err := trap.Accept()
			if err != nil {
				return
			}
			trapped.Add(1)
			c.Close()
		}
	}()
	var hits atomic.Int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "http://"+trap.Addr().String()+"/stolen", http.StatusFound)
	}))
	defer rcv.Close()

	m := MustRunMain(t, nil, "--webhook", rcv.URL+"/hook")
	code, _ := post(t, m.URL(), `{"source":"email","subject":"Wire transfer","from":"Ana Ruiz","from_email":"ana@acme.example","to":["me@example.com"],"body":"URGENT: please approve the wire before 5pm today.","project":"finance"}`)
	if code != http.StatusAccepted {
		t.Fatalf("POST /communications: %d", code)
	}

	// Dead-lettered at once: the default policy would otherwise retry for
	// about 53 minutes.
	var dl struct {
		DeadLetters []doctales.DeadLetter
		Count       int
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		getJSON(t, m.URL()+"/dlq", &dl)
		if dl.Count > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if dl.Count != 1 {
		t.Fatalf("dead letters %+v, want 1", dl)
	}
	d := dl.DeadLetters[0]
	if !strings.HasPrefix(d.Subscription, "topic/webhook-") || d.Attempts != 1 || d.Reason != "permanent failure" ||
		!strings.Contains(d.Error, "refused address 127.0.0.2: loopback range 127.0.0.0/8") {
		t.Fatalf("dead letter %+v, want one attempt refused for 127.0.0.2", d)
	}
	if hits.Load() != 1 {
		t.Errorf("the allowed receiver got %d requests, want 1", hits.Load())
	}
	if n := trapped.Load(); n != 0 {
		t.Fatalf("the refused 127.0.0.2 got %d connections, want 0", n)
	}
}
