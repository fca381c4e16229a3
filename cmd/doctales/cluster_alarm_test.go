package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales/alarm"
)

// alarmOf returns the state of alarm name in ss, or nil.
func alarmOf(ss []alarm.State, name string) *alarm.State {
	for i := range ss {
		if ss[i].Rule.Name == name {
			return &ss[i]
		}
	}
	return nil
}

// TestCluster_Alarms: each process of a cluster evaluates the
// configuration's alarms on its own figures and shows them in its /stats,
// so that status --postgres lists them per process. The webhook fails:
// the notification worker's topic/webhook-1 has errors, so its
// "webhook-errors" alarm (errors of that subscription > 0) fires, while
// the extraction worker, which has no such subscription, keeps it OK; the
// message is dead-lettered, so "dead-letters" (the cluster's dead letters
// waiting, which every process reads alike) fires in every process. The
// worker's /readyz names the alarm, and the text of status has it.
func TestCluster_Alarms(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	env.appendConfig(t, `heartbeat: 200ms
alarmInterval: 100ms
alarms:
  - {name: webhook-errors, metric: errors, subscription: topic/webhook-1, comparison: ">", threshold: 0}
  - {name: dead-letters, metric: dead_letters, comparison: ">", threshold: 0}
`)
	api := env.start(t, "api", RoleAPI)
	ext := env.start(t, "extraction", RoleExtraction)
	notif := env.start(t, "notification", RoleNotification)
	procs := []*clusterProc{api, ext, notif}

	// All three running, each with both alarms, OK.
	var ps []ProcessStatus
	describe := func(what string) func() string {
		return func() string {
			b, _ := json.MarshalIndent(ps, "", "  ")
			return what + "; status --postgres --json processes:\n" + string(b)
		}
	}
	waitCond(t, 30*time.Second, describe("not every process shows its two alarms OK"), func() bool {
		ps = statusProcesses(t, env, "--interval", "0")
		for _, p := range procs {
			s := processAt(ps, p.addr)
			if s == nil || s.State != "running" || len(s.Alarms) != 2 {
				return false
			}
			for _, a := range s.Alarms {
				if a.Alarm {
					return false
				}
			}
		}
		return true
	})

	// The webhook fails: the urgent mail's notification errors, then is
	// dead-lettered.
	hook.failing.Store(true)
	post(t, api.url(), urgentEmail)
	waitCond(t, 60*time.Second, describe("the alarms do not show the webhook's errors and the dead letter"), func() bool {
		ps = statusProcesses(t, env, "--interval", "0")
		n, e, a := processAt(ps, notif.addr), processAt(ps, ext.addr), processAt(ps, api.addr)
		if n == nil || e == nil || a == nil {
			return false
		}
		nw, ew := alarmOf(n.Alarms, "webhook-errors"), alarmOf(e.Alarms, "webhook-errors")
		if nw == nil || !nw.Alarm || nw.Value < 1 || ew == nil || ew.Alarm || ew.Value != 0 {
			return false
		}
		for _, p := range []*ProcessStatus{n, e, a} {
			if d := alarmOf(p.Alarms, "dead-letters"); d == nil || !d.Alarm || d.Value != 1 {
				return false
			}
		}
		return true
	})
	n := processAt(ps, notif.addr)
	if n.Alarms[0].Alarm != true || n.Alarms[0].Rule.Name != "dead-letters" || n.Alarms[1].Rule.Name != "webhook-errors" {
		t.Errorf("the notification worker's alarms are not sorted ALARM first, then by name: %+v", n.Alarms)
	}

	// The worker's /readyz names its alarms in ALARM.
	var ready map[string]any
	getJSON(t, notif.url()+"/readyz", &ready)
	if got := fmt.Sprint(ready["alarms"]); !strings.Contains(got, "webhook-errors") || !strings.Contains(got, "dead-letters") {
		t.Errorf("the notification worker's /readyz: %v", ready)
	}

	// The text: NOTES names the alarms in ALARM, and each process's
	// alarms follow the table.
	st := clusterCLI(t, env, "status", "--interval", "0")
	for _, want := range []string{
		"ALARM dead-letters, webhook-errors",
		"alarms, as each process evaluates them on its own figures:",
		"alarm webhook-errors   ALARM errors > 0: value ",
		"(notification at " + notif.addr + ")",
		"(extraction at " + ext.addr + ")",
	} {
		if !strings.Contains(st, want) {
			t.Errorf("status --postgres lacks %q:\n%s", want, st)
		}
	}
	t.Logf("status --postgres:\n%s", st)
}
