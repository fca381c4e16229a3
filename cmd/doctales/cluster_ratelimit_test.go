package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/doctales/doctales/httpapi"
)

// TestCluster_SharedRateLimits: two api processes on one PostgreSQL, with
// a read limit of 6 per window (rateLimits.readBurst: 6 at readPerSecond
// 0.001: a window of 6,000 s, which this test does not outlast), read
// alternately with one key until each has refused once: 6 reads in all
// were accepted, not 12, and both answer the in-memory limiter's 429 (the
// code, the message naming the limit and the key, a Retry-After within
// the window). Neither counted a request on its own
// (doctales_rate_limit_fallbacks_total 0).
func TestCluster_SharedRateLimits(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	f, err := os.OpenFile(env.Config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("rateLimits:\n  readPerSecond: 0.001\n  readBurst: 6\n"); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	a := env.start(t, "api-a", RoleAPI, "--data", t.TempDir())
	b := env.start(t, "api-b", RoleAPI, "--data", t.TempDir())

	// A user closes the open mode (in which loopback is never limited),
	// and a key to read with.
	pg := []string{"--postgres", env.Postgres}
	if _, stderr, err := runBin(t, "rate-limit-password-42\n", nil, append([]string{"users", "add", "ana"}, pg...)...); err != nil {
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
			if err != nil || secs < 1 || secs > 6000 {
				t.Fatalf("%s: Retry-After %q, want 1..6000 s (the rest of the window)", p.name, resp.Header.Get("Retry-After"))
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
