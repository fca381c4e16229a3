package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/runtime"
)

// clusterProcesses runs status --postgres DSN --json with one sample of
// each process's /stats (--interval 0, fast for polling) and returns its
// processes.
func statusProcesses(t *testing.T, env *clusterEnv, args ...string) []ProcessStatus {
	t.Helper()
	var rep ClusterStatusReport
	out := clusterCLI(t, env, append([]string{"status", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("status --json printed %q: %v", out, err)
	}
	if rep.Processes == nil {
		t.Fatalf("status --json has no processes list: %s", out)
	}
	return rep.Processes
}

// processAt returns the process registered at addr, or nil.
func processAt(ps []ProcessStatus, addr string) *ProcessStatus {
	for i := range ps {
		if ps[i].Address == addr {
			return &ps[i]
		}
	}
	return nil
}

// TestCluster_Processes: every process of a cluster registers in
// PostgreSQL, and status --postgres lists each with its role, partition,
// address, pid and figures from its /stats (the relay's leader, the
// extraction's records done, its rate); a process registered at an
// address where nothing answers is shown unreachable without failing the
// command; a process killed with SIGKILL is shown lost once it missed
// three heartbeats (heartbeat: 200ms here); one stopped cleanly (SIGINT)
// removes its row.
func TestCluster_Processes(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	env.appendConfig(t, "heartbeat: 200ms\n")
	api := env.start(t, "api", RoleAPI)
	ext := env.start(t, "extraction", RoleExtraction)

	// Both listed, running, with their /stats read.
	var ps []ProcessStatus
	waitCond(t, 30*time.Second, func() string { return "status does not show both processes running with the relay leading" }, func() bool {
		ps = statusProcesses(t, env, "--interval", "0")
		a, e := processAt(ps, api.addr), processAt(ps, ext.addr)
		return len(ps) == 2 && a != nil && e != nil && a.State == "running" && e.State == "running" && a.Relay == "leader"
	})
	a, e := processAt(ps, api.addr), processAt(ps, ext.addr)
	if a.Role != RoleAPI || a.PID != api.cmd.Process.Pid || a.Partition != "" || a.HeartbeatSeconds != 0.2 || a.Stats == nil {
		t.Errorf("the api process is listed as %+v", a)
	}
	if e.Role != RoleExtraction || e.PID != ext.cmd.Process.Pid || e.Stats == nil || e.Stats.Subscriptions < 1 || e.Relay != "" {
		t.Errorf("the extraction process is listed as %+v", e)
	}
	host, _ := os.Hostname()
	if a.Host != host || a.Version == "" || a.StartedAt.IsZero() || a.UpSeconds <= 0 {
		t.Errorf("the api process's host, version, start: %+v (host %q)", a, host)
	}

	// A figure from the extraction's /stats: the mail it extracted.
	_, urgent := post(t, api.url(), urgentEmail)
	waitCond(t, 60*time.Second, func() string { return "the extraction's figures do not count the mail" }, func() bool {
		e = processAt(statusProcesses(t, env, "--interval", "0"), ext.addr)
		return e != nil && e.Stats != nil && e.Stats.Succeeded >= 1
	})
	if e.Stats.Errors != 0 || e.Stats.DeadLettered != 0 || len(e.Stats.OpenCircuits) != 0 {
		t.Errorf("the extraction's figures after one mail: %+v", e.Stats)
	}
	t.Logf("mail %v extracted; the extraction's figures: %+v", urgent["id"], e.Stats)

	// A process registered where nothing answers: unreachable, and the
	// command still answers (exit 0).
	db := clusterDB(t, env.Postgres)
	ghost := freeAddr(t)
	if _, err := db.RegisterProcess(context.Background(), postgres.Process{ID: postgres.NewProcessID(), Role: RoleNotification,
		Partition: "1/2", Host: "elsewhere", PID: 99, Address: ghost, Heartbeat: time.Hour}); err != nil {
		t.Fatal(err)
	}

	// The text: the PROCESSES table after the existing output, with the
	// rates over the default interval.
	var st string
	waitCond(t, 10*time.Second, func() string { return "status --postgres lacks the PROCESSES table after the dead letters:\n" + st }, func() bool {
		st = clusterCLI(t, env, "status")
		i, j := strings.Index(st, "dead letters waiting"), strings.Index(st, "ROLE ")
		if i < 0 || j < i {
			return false
		}
		for _, want := range []string{api.addr, ext.addr, ghost, "relay leader", "running", "unreachable", "1/2"} {
			if !strings.Contains(st[j:], want) {
				return false
			}
		}
		return true
	})
	t.Logf("status --postgres:\n%s", st)
	var g *ProcessStatus
	waitCond(t, 10*time.Second, func() string { return fmt.Sprintf("the process at a dead address is listed as %+v", g) }, func() bool {
		g = processAt(statusProcesses(t, env, "--interval", "0"), ghost)
		return g != nil && g.State == "unreachable" && g.Error != "" && g.Stats == nil
	})

	// Once the cluster has a user, the api process's /stats wants an
	// admin key: without one it is "unauthorized" (its relay state read
	// from /readyz), the workers' figures are read still; with
	// $DOCTALES_API_KEY it is running again.
	runCLI := func(stdin string, envv []string, args ...string) string {
		t.Helper()
		out, stderr, err := runBin(t, stdin, envv, append(args, "--postgres", env.Postgres)...)
		if err != nil {
			t.Fatalf("doctales %s --postgres DSN: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return strings.TrimSpace(out)
	}
	runCLI("process-registry-password-42\n", nil, "users", "add", "ana")
	// (Each check waits a little: on a loaded machine a late heartbeat
	// may show a live process lost for a moment.)
	waitCond(t, 10*time.Second, func() string {
		return fmt.Sprintf("once the cluster has a user, without a key: the api process is %+v, the extraction %+v", processAt(ps, api.addr), processAt(ps, ext.addr))
	}, func() bool {
		ps = statusProcesses(t, env, "--interval", "0")
		a, e := processAt(ps, api.addr), processAt(ps, ext.addr)
		return a != nil && a.State == "unauthorized" && a.Relay == "leader" && a.Stats == nil && strings.Contains(a.Error, "DOCTALES_API_KEY") &&
			e != nil && e.State == "running"
	})
	key := runCLI("", nil, "keys", "create", "--user", "ana", "--scope", "admin")
	var rep ClusterStatusReport
	waitCond(t, 10*time.Second, func() string {
		return fmt.Sprintf("the api process with an admin key in $%s: %+v", EnvAPIKey, processAt(rep.Processes, api.addr))
	}, func() bool {
		if err := json.Unmarshal([]byte(runCLI("", []string{EnvAPIKey + "=" + key}, "status", "--json", "--interval", "0")), &rep); err != nil {
			t.Fatal(err)
		}
		a := processAt(rep.Processes, api.addr)
		return a != nil && a.State == "running" && a.Stats != nil && a.Relay == "leader"
	})

	// kill -9 the extraction worker: its row stays, shown lost once it
	// missed three heartbeats.
	killed := time.Now()
	ext.kill()
	waitCond(t, 20*time.Second, func() string { return "the killed extraction process is not shown lost" }, func() bool {
		e = processAt(statusProcesses(t, env, "--interval", "0"), ext.addr)
		return e != nil && e.State == "lost"
	})
	if e.SeenAgoSeconds <= 3*0.2 {
		t.Errorf("shown lost when last seen %.3fs ago, within three heartbeats of 200ms", e.SeenAgoSeconds)
	}
	if e.Stats != nil || !strings.Contains(e.Error, "not seen for") {
		t.Errorf("the lost process is listed as %+v", e)
	}
	t.Logf("lost %s after the kill -9: %s", time.Since(killed).Round(time.Millisecond), e.Error)
	if st := clusterCLI(t, env, "status", "--interval", "0"); !strings.Contains(st, "lost") {
		t.Errorf("status --postgres does not say lost:\n%s", st)
	}

	// A clean stop (SIGINT) removes the api's row.
	if err := api.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	waitCond(t, 30*time.Second, func() string { return "the api process stopped cleanly is still listed:\n" + api.Logs() }, func() bool {
		return processAt(statusProcesses(t, env, "--interval", "0"), api.addr) == nil
	})
	if ps := statusProcesses(t, env, "--interval", "0"); len(ps) != 2 || processAt(ps, ext.addr) == nil || processAt(ps, ghost) == nil {
		t.Errorf("after the api's clean stop: %+v; want the lost extraction and the ghost", ps)
	}
}

// TestProcessFigures: a process's figures sum its subscriptions, the
// rates come from two samples an interval apart, an open circuit and a
// last error are named; the table prints a dash for what is unknown.
func TestProcessFigures(t *testing.T) {
	first := &processStats{Subscriptions: []runtime.Stats{{Name: "topic/webhook-1", Read: 10, Succeeded: 8}, {Name: "notification", Read: 5, Succeeded: 5}}}
	second := &processStats{Subscriptions: []runtime.Stats{
		{Name: "topic/webhook-1", Read: 30, Succeeded: 12, Errors: 3, DeadLettered: 1, InFlight: 2, IteratorAge: 1500 * time.Millisecond,
			LastError: "webhook answered 500", Circuit: &runtime.CircuitState{State: runtime.CircuitOpen}},
		{Name: "notification", Read: 15, Succeeded: 15, IteratorAge: time.Second}}}
	f := figures(first, second, 2*time.Second)
	if f.Subscriptions != 2 || f.Read != 45 || f.Succeeded != 27 || f.Errors != 3 || f.DeadLettered != 1 || f.InFlight != 2 ||
		f.ReadPerSecond != 15 || f.DonePerSecond != 7 || f.LagSeconds != 1.5 ||
		len(f.OpenCircuits) != 1 || f.OpenCircuits[0] != "topic/webhook-1" || f.LastError != "topic/webhook-1: webhook answered 500" {
		t.Fatalf("figures = %+v", f)
	}
	if one := figures(second, second, 0); one.ReadPerSecond != 0 || one.DonePerSecond != 0 || one.Read != 45 {
		t.Fatalf("figures of one sample = %+v; want no rates", one)
	}
	var b strings.Builder
	if err := writeProcesses(&b, []ProcessStatus{
		{Role: RoleNotification, Partition: "0/2", Address: "w1:8093", PID: 7, UpSeconds: 75, SeenAgoSeconds: 1.24, State: "running", Stats: f},
		{Role: RoleExtraction, Address: "w2:8091", PID: 8, State: "lost", Error: "not seen for 16s"},
	}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"ROLE", "notification  0/2", "w1:8093", "1m15s", "1.2s ago", "15.0", "7.0", "1.5s",
		"circuit open: topic/webhook-1", "last error topic/webhook-1: webhook answered 500", "lost", "not seen for 16s"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := writeProcesses(&b, nil); err != nil || !strings.Contains(b.String(), "none registered") {
		t.Errorf("the table of no process: %q, %v", b.String(), err)
	}
}

// TestConfig_Heartbeat: heartbeat and advertise are read from the file;
// a heartbeat outside 100ms..1m, or an advertise that is not host:port,
// is a ConfigError naming the key and what it must be; advertisedAddr
// puts the machine's name in place of an unspecified host.
func TestConfig_Heartbeat(t *testing.T) {
	cfg, err := ReadConfig(writeConfig(t, "heartbeat: 2s\nadvertise: worker-1.internal:8091\n"))
	if err != nil || cfg.Heartbeat != 2*time.Second || cfg.Advertise != "worker-1.internal:8091" {
		t.Fatalf("heartbeat: 2s, advertise read as %s, %q, %v", cfg.Heartbeat, cfg.Advertise, err)
	}
	for _, c := range []struct{ body, field, says string }{
		{"heartbeat: 10ms\n", "heartbeat", "from 100ms to 1m0s"},
		{"heartbeat: 2m\n", "heartbeat", "from 100ms to 1m0s"},
		{"advertise: worker-1\n", "advertise", "must be host:port"},
		{"advertise: :8091\n", "advertise", "must be host:port"},
	} {
		_, err := ReadConfig(writeConfig(t, c.body))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != c.field || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s= %v, want a ConfigError naming %s: %s", c.body, err, c.field, c.says)
		}
	}
	host, _ := os.Hostname()
	for _, c := range []struct{ advertise, listening, want string }{
		{"", "127.0.0.1:8091", "127.0.0.1:8091"},
		{"", "0.0.0.0:8091", net.JoinHostPort(host, "8091")},
		{"", "[::]:8091", net.JoinHostPort(host, "8091")},
		{"w1:9000", "0.0.0.0:8091", "w1:9000"},
	} {
		if got := advertisedAddr(c.advertise, c.listening); got != c.want {
			t.Errorf("advertisedAddr(%q, %q) = %q, want %q", c.advertise, c.listening, got, c.want)
		}
	}
}
