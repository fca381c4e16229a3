package main

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/doctales/doctales/httpapi"
)

// TestCluster_SharedRateLimits: two api processes on one PostgreSQL, with
// a read limit of 6 per window (rateLimits.readBurst: 6 at readPerSecond
// 0.001: a sliding window of 6,000 s, so one refill in 6,000/6 s), read
// alternately with one key until each has refused once: 6 reads in all
// were accepted, not 12, and both answer the in-memory limiter's 429 (the
// code, the message naming the limit and the key, a Retry-After within
// the window). Failed sign-ins are counted across both, a success giving
// its hit back. Neither counted a request on its own
// (doctales_rate_limit_fallbacks_total 0).
func TestCluster_SharedRateLimits(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	env.appendConfig(t, "rateLimits:\n  readPerSecond: 0.001\n  readBurst: 6\n  signInPerMinute: 0.06\n")
	a := env.start(t, "api-a", RoleAPI, "--data", t.TempDir())
	b := env.start(t, "api-b", RoleAPI, "--data", t.TempDir())

	// A user closes the open mode (in which loopback is never limited),
	// and a key to read with.
	pg := []string{"--postgres", env.Postgres}
	const password = "rate-limit-password-42"
	if _, stderr, err := runBin(t, password+"\n", nil, append([]string{"users", "add", "ana"}, pg...)...); err != nil {
		t.Fatalf("users add: %v\n%s", err, stderr)
	}
	out, stderr, err := runBin(t, "", nil, append([]string{"keys", "create", "--user", "ana", "--scope", "read"}, pg...)...)
	if err != nil {
		t.Fatalf("keys create: %v\n%s", err, stderr)
	}
	key := strings.TrimSpace(out)
	keyID := strings.SplitN(strings.TrimPrefix(key, "dt_"), "_", 2)[0]

	accepted := map[string]int{}
	refused := map[string]int{}
	for i := 0; refused[a.name] == 0 || refused[b.name] == 0; i++ {
		if i >= 40 {
			t.Fatalf("40 reads with a limit of 6: accepted %v, refused %v; the limit is not applied", accepted, refused)
		}
		p := []*clusterProc{a, b}[i%2]
		req, _ := http.NewRequest(http.MethodGet, p.url()+"/communications", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			if refused[a.name]+refused[b.name] > 0 {
				t.Fatalf("read %d on %s accepted after a refusal (accepted %v, refused %v)", i+1, p.name, accepted, refused)
			}
			accepted[p.name]++
		case http.StatusTooManyRequests:
			refused[p.name]++
			secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			if err != nil || secs < 1 || secs > 7000 {
				t.Fatalf("%s: Retry-After %q, want 1..7000 s (the rest of the 6,000 s window and a sixth of the next)", p.name, resp.Header.Get("Retry-After"))
			}
			want := fmt.Sprintf("the limit is 0.001 requests/s for reads (key %s)", keyID)
			if !strings.Contains(string(body), httpapi.CodeRateLimited) || !strings.Contains(string(body), want) {
				t.Fatalf("%s: 429 body %s, want the code %s and %q", p.name, body, httpapi.CodeRateLimited, want)
			}
		default:
			t.Fatalf("read %d on %s: %d %s", i+1, p.name, resp.StatusCode, body)
		}
	}
	if total := accepted[a.name] + accepted[b.name]; total != 6 {
		t.Fatalf("accepted %v: %d reads in all, want the limit, 6 (12 would be the limit per process)", accepted, total)
	}
	t.Logf("accepted %v, refused %v", accepted, refused)
	// Failed sign-ins (signInPerMinute 0.06: one per 1,000 min window)
	// are shared too, and a success gives its hit back: signed in on A,
	// then a wrong password on B (the one failure allowed), then one on A
	// is refused, by the count B took.
	signIn := func(p *clusterProc, pw string) (int, string) {
		return doWith(t, http.MethodPost, p.url()+"/auth/session", "", "", `{"user":"ana","password":"`+pw+`"}`)
	}
	if code, body := signIn(a, password); code != http.StatusOK {
		t.Fatalf("sign in on %s: %d %s", a.name, code, body)
	}
	if code, body := signIn(b, "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("a wrong password on %s after a success on %s: %d %s, want 401 (the success gave its hit back)", b.name, a.name, code, body)
	}
	if code, body := signIn(a, "wrong"); code != http.StatusTooManyRequests || !strings.Contains(body, "attempts/min for sign-in") {
		t.Fatalf("a second wrong password, on %s: %d %s, want 429 for sign-in (the failure on %s counted)", a.name, code, body, b.name)
	}

	// /metrics is a read too: another key, another caller.
	out, stderr, err = runBin(t, "", nil, append([]string{"keys", "create", "--user", "ana", "--scope", "admin"}, pg...)...)
	if err != nil {
		t.Fatalf("keys create: %v\n%s", err, stderr)
	}
	admin := strings.TrimSpace(out)
	for _, p := range []*clusterProc{a, b} {
		code, m := doWith(t, http.MethodGet, p.url()+"/metrics", admin, "", "")
		if code != http.StatusOK || !strings.Contains(m, "\ndoctales_rate_limit_fallbacks_total 0\n") {
			t.Fatalf("%s /metrics: %d, want doctales_rate_limit_fallbacks_total 0; logs:\n%s", p.name, code, p.Logs())
		}
	}
}
