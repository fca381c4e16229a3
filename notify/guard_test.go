package notify_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/runtime"
)

// countingListener is a TCP listener that counts the connections it
// accepts and closes them; it stands for a refused target that must get
// no traffic.
type countingListener struct {
	net.Listener
	n atomic.Int64
}

// MustCountConnections listens on addr (such as "127.0.0.2:0") and counts
// the connections made to it until test end.
func MustCountConnections(tb testing.TB, addr string) *countingListener {
	tb.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatalf("listen on %s: %v", addr, err)
	}
	cl := &countingListener{Listener: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			cl.n.Add(1)
			_ = c.Close()
		}
	}()
	tb.Cleanup(func() { _ = ln.Close() })
	return cl
}

// fakeResolver answers names from a map, standing for DNS (a rebinding
// attacker's name pointing at an internal address, say).
type fakeResolver map[string][]netip.Addr

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// mustRefuse asserts that err is a permanent *RefusedTargetError for addr
// under rule, whose message names both.
func mustRefuse(t *testing.T, err error, addr, rule string) {
	t.Helper()
	var re *notify.RefusedTargetError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v, want a *RefusedTargetError", err)
	}
	if re.Addr.String() != addr || re.Rule != rule {
		t.Fatalf("refused %s under %q, want %s under %q (%v)", re.Addr, re.Rule, addr, rule, err)
	}
	var p runtime.PermanentError
	if !errors.As(err, &p) || !p.Permanent() {
		t.Fatalf("refusal %v is not permanent", err)
	}
	if !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), rule) {
		t.Fatalf("error %q does not name %s and %s", err, addr, rule)
	}
}

// TestWebhook_RefusedTargets is issue 17's Must-show: a webhook to a
// private, loopback, link-local or metadata address, literal or behind a
// name, is refused before any connection, permanently.
func TestWebhook_RefusedTargets(t *testing.T) {
	// 127.0.0.2 is loopback too (Linux answers the whole /8), so a
	// listener there shows whether any traffic reached a refused target
	// while 127.0.0.1 is allowed.
	trap := MustCountConnections(t, "127.0.0.2:0")
	trapPort := trap.Addr().(*net.TCPAddr).Port
	resolver := fakeResolver{
		"internal.example": {netip.MustParseAddr("10.0.0.1")},
		"metadata.example": {netip.MustParseAddr("169.254.169.254")},
		"trap.example":     {netip.MustParseAddr("127.0.0.2")},
		"mapped.example":   {netip.MustParseAddr("::ffff:127.0.0.2")},
	}
	for _, tc := range []struct {
		url, addr, rule string
	}{
		{"http://10.0.0.1/hook", "10.0.0.1", "private"},
		{"http://169.254.169.254/latest/meta-data/", "169.254.169.254", "metadata"},
		{"http://[fd00:ec2::254]/", "fd00:ec2::254", "metadata"},
		{"http://[::1]:9/hook", "::1", "loopback"},
		{"http://[::ffff:10.0.0.1]/hook", "10.0.0.1", "private"},
		{"http://100.64.1.1/hook", "100.64.1.1", "cgnat"},
		{"http://[fd12::1]/hook", "fd12::1", "unique-local"},
		{"http://0.0.0.0/hook", "0.0.0.0", "unspecified"},
		{"http://224.0.0.1/hook", "224.0.0.1", "multicast"},
		{"http://internal.example/hook", "10.0.0.1", "private"},
		{"http://metadata.example/hook", "169.254.169.254", "metadata"},
		{fmt.Sprintf("http://127.0.0.2:%d/hook", trapPort), "127.0.0.2", "loopback"},
		{fmt.Sprintf("http://trap.example:%d/hook", trapPort), "127.0.0.2", "loopback"},
		{fmt.Sprintf("http://mapped.example:%d/hook", trapPort), "127.0.0.2", "loopback"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			w := &notify.Webhook{URL: tc.url, AllowPrivate: loopback, Resolver: resolver, Timeout: time.Second}
			err := w.Deliver(context.Background(), testMessage())
			mustRefuse(t, err, tc.addr, tc.rule)
		})
	}
	if n := trap.n.Load(); n != 0 {
		t.Fatalf("the refused 127.0.0.2 got %d connections, want 0", n)
	}

	// localhost, with the real resolver, is loopback: refused unless allowed.
	t.Run("localhost", func(t *testing.T) {
		err := (&notify.Webhook{URL: fmt.Sprintf("http://localhost:%d/", trapPort), Timeout: time.Second}).Deliver(context.Background(), testMessage())
		var re *notify.RefusedTargetError
		if !errors.As(err, &re) || re.Rule != "loopback" {
			t.Fatalf("localhost: error = %v, want a loopback refusal", err)
		}
		if n := trap.n.Load(); n != 0 {
			t.Fatalf("127.0.0.2 got %d connections", n)
		}
	})

	// Control: allowed, the same target is dialled, so the counter above
	// would have seen a connection.
	t.Run("AllowedIsDialled", func(t *testing.T) {
		all, _ := notify.ParseAllowList([]string{"127.0.0.0/8"})
		w := &notify.Webhook{URL: fmt.Sprintf("http://trap.example:%d/hook", trapPort), AllowPrivate: all, Resolver: resolver, Timeout: time.Second}
		_ = w.Deliver(context.Background(), testMessage())
		deadline := time.Now().Add(2 * time.Second)
		for trap.n.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if trap.n.Load() == 0 {
			t.Fatal("allowed 127.0.0.2 got no connection: the counter cannot see traffic")
		}
	})
}

// TestWebhook_RedirectToRefused: an allowed receiver on 127.0.0.1 that
// redirects to a refused address gets the notification refused
// permanently, and the refused address gets no connection.
func TestWebhook_RedirectToRefused(t *testing.T) {
	trap := MustCountConnections(t, "127.0.0.2:0")
	for _, location := range []string{
		"http://" + trap.Addr().String() + "/stolen",
		"http://169.254.169.254/latest/meta-data/",
		"http://internal.example/",
	} {
		var hits atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			http.Redirect(w, r, location, http.StatusTemporaryRedirect)
		}))
		w := &notify.Webhook{URL: srv.URL, AllowPrivate: loopback, Timeout: time.Second,
			Resolver: fakeResolver{"internal.example": {netip.MustParseAddr("10.0.0.1")}}}
		err := w.Deliver(context.Background(), testMessage())
		srv.Close()
		var re *notify.RefusedTargetError
		var p runtime.PermanentError
		if !errors.As(err, &re) || !errors.As(err, &p) || !p.Permanent() {
			t.Fatalf("redirect to %s: error = %v, want a permanent refusal", location, err)
		}
		if hits.Load() != 1 {
			t.Fatalf("allowed receiver got %d requests, want 1", hits.Load())
		}
	}
	if n := trap.n.Load(); n != 0 {
		t.Fatalf("the redirect target 127.0.0.2 got %d connections, want 0", n)
	}
}

// TestWebhook_AllowPrivate: an allow-list entry lets its range through,
// and only its range; the metadata address needs to be named itself.
func TestWebhook_AllowPrivate(t *testing.T) {
	allow, err := notify.ParseAllowList([]string{"127.0.0.1/32", "10.1.2.0/24", "169.254.0.0/16", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	for addr, refused := range map[string]bool{
		"127.0.0.1": false, "127.0.0.2": true, "10.1.2.3": false, "10.1.3.1": true,
		"::1": false, "::ffff:127.0.0.1": false, "169.254.1.1": false,
		"169.254.169.254": true, // a /16 does not open the metadata service
		"93.184.215.14":   false, "2606:4700::1": false,
	} {
		err := notify.CheckAddr("", netip.MustParseAddr(addr), allow)
		if (err != nil) != refused {
			t.Errorf("CheckAddr(%s) = %v, want refused %v", addr, err, refused)
		}
	}
	meta, _ := notify.ParseAllowList([]string{"169.254.169.254/32"})
	if err := notify.CheckAddr("", netip.MustParseAddr("169.254.169.254"), meta); err != nil {
		t.Errorf("metadata named in the allow-list: %v", err)
	}

	// A real delivery to an allowed 127.0.0.1 receiver.
	srv, ch := MustServe(t, http.StatusOK)
	if err := (&notify.Webhook{URL: srv.URL, AllowPrivate: allow}).Deliver(context.Background(), testMessage()); err != nil {
		t.Fatal(err)
	}
	<-ch

	for _, bad := range []string{"10.1.2.0/33", "not-a-cidr", "10.1.2.0/"} {
		if _, err := notify.ParseAllowList([]string{"127.0.0.1/32", bad}); err == nil || !strings.Contains(err.Error(), "entry 1") {
			t.Errorf("ParseAllowList(%q) = %v, want an error naming entry 1", bad, err)
		}
	}
}

// rebindingResolver answers first with first, then with then: a name
// whose owner points it at an allowed receiver until the check is passed,
// then at an internal address (DNS rebinding).
type rebindingResolver struct {
	calls       atomic.Int64
	first, then netip.Addr
}

func (r *rebindingResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	if r.calls.Add(1) == 1 {
		return []netip.Addr{r.first}, nil
	}
	return []netip.Addr{r.then}, nil
}

// TestWebhook_Rebinding: each new connection is checked on the address it
// dials, so a name that switches to a refused address after a first
// delivery gets no connection there.
func TestWebhook_Rebinding(t *testing.T) {
	// The allowed receiver on 127.0.0.1 and the trap on 127.0.0.2 share a
	// port, so the URL reaches either one according to DNS alone.
	var (
		ln   net.Listener
		trap *countingListener
		port int
	)
	for try := 0; trap == nil; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		if tl, err := net.Listen("tcp", fmt.Sprintf("127.0.0.2:%d", port)); err == nil {
			_ = tl.Close()
			ln, trap = l, MustCountConnections(t, fmt.Sprintf("127.0.0.2:%d", port))
			break
		}
		_ = l.Close()
		if try == 10 {
			t.Fatal("no port free on both 127.0.0.1 and 127.0.0.2")
		}
	}
	var hits atomic.Int64
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Connection", "close") // the next delivery dials again
	})}}
	srv.Start()
	defer srv.Close()

	r := &rebindingResolver{first: netip.MustParseAddr("127.0.0.1"), then: netip.MustParseAddr("127.0.0.2")}
	w := &notify.Webhook{URL: fmt.Sprintf("http://rebind.example:%d/hook", port), AllowPrivate: loopback, Resolver: r, Timeout: time.Second}
	if err := w.Deliver(context.Background(), testMessage()); err != nil {
		t.Fatalf("first delivery, to 127.0.0.1: %v", err)
	}
	err := w.Deliver(context.Background(), testMessage())
	mustRefuse(t, err, "127.0.0.2", "loopback")
	if hits.Load() != 1 || trap.n.Load() != 0 || r.calls.Load() != 2 {
		t.Fatalf("receiver hits %d, trap connections %d, lookups %d; want 1, 0, 2", hits.Load(), trap.n.Load(), r.calls.Load())
	}
}
