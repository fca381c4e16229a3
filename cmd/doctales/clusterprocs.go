package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/alarm"
	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/runtime"
)

// What `doctales status --postgres` shows of each process of a cluster:
// the processes registered in PostgreSQL (postgres.Registration, joined by
// every `serve` with --postgres at start), and per process a few figures
// read from its /stats at the address it registered. A process that does
// not answer is shown as such; status never fails for it.

// processStatsTimeout bounds each GET of a process's /stats (and
// /readyz): a process that hangs delays status by this much, no more.
const processStatsTimeout = 2 * time.Second

// maxProcessStatsBytes bounds a /stats answer read: a process is not
// trusted to answer with a sane size.
const maxProcessStatsBytes = 4 << 20

// ProcessStatus is one registered process in status --postgres --json:
// its row in the registry and what its /stats said.
type ProcessStatus struct {
	ID        string `json:"id"`
	Role      string `json:"role"`
	Partition string `json:"partition,omitempty"` // "i/n"
	Host      string `json:"host"`
	PID       int    `json:"pid"`
	// Address is where it serves /stats, /readyz and /metrics.
	Address          string    `json:"address"`
	Version          string    `json:"version"`
	HeartbeatSeconds float64   `json:"heartbeatSeconds"`
	StartedAt        time.Time `json:"startedAt"`
	LastSeen         time.Time `json:"lastSeen"`
	UpSeconds        float64   `json:"upSeconds"`
	SeenAgoSeconds   float64   `json:"seenAgoSeconds"`
	// State is "running" (its /stats read), "lost" (not seen for three
	// heartbeats: not asked), "unreachable" (its /stats not read; Error
	// says why) or "unauthorized" (an api process that wants an admin
	// key for /stats; its relay state is read from /readyz).
	State string `json:"state"`
	Error string `json:"error,omitempty"`
	// Stats are the figures of its /stats; nil unless running.
	Stats *ProcessFigures `json:"stats,omitempty"`
	// Relay is "leader" or "standby" for a process that may relay (an
	// api or all process on NATS), from /stats or /readyz.
	Relay string `json:"relay,omitempty"`
	// Alarms are the states of the alarms it evaluates on its figures
	// (clusteralarm.go), ALARM first, from its /stats; [] when it has
	// none or was not read.
	Alarms []alarm.State `json:"alarms"`
}

// ProcessFigures sum a process's subscriptions (runtime.Stats) as its
// /stats gave them, with the rates between two samples --interval apart.
type ProcessFigures struct {
	Subscriptions int   `json:"subscriptions"`
	Read          int64 `json:"read"`
	Succeeded     int64 `json:"succeeded"`
	Errors        int64 `json:"errors"`
	DeadLettered  int64 `json:"deadLettered"`
	InFlight      int64 `json:"inFlight"`
	// ReadPerSecond and DonePerSecond are the rates over the interval
	// (0 with --interval 0, one sample).
	ReadPerSecond float64 `json:"readPerSecond"`
	DonePerSecond float64 `json:"donePerSecond"`
	// LagSeconds is the largest iterator age of its subscriptions.
	LagSeconds float64 `json:"lagSeconds"`
	// OpenCircuits names its delivery subscriptions whose circuit is open.
	OpenCircuits []string `json:"openCircuits"`
	// LastError is a subscription's last error ("name: error"), the first
	// found.
	LastError string `json:"lastError,omitempty"`
	// RelayCopied is how many records its relay copied, while it led.
	RelayCopied int64 `json:"relayCopied,omitempty"`
	// Consumers are its subscriptions' JetStream durable consumers
	// (natsConsumers: durable), as the server counts them.
	Consumers []*runtime.FeedStats `json:"consumers,omitempty"`
}

// processStats is the part of a cluster process's GET /stats read here
// (Cluster.stats).
type processStats struct {
	Role          string          `json:"role"`
	Subscriptions []runtime.Stats `json:"subscriptions"`
	Relay         *struct {
		State  string `json:"state"`
		Copied int64  `json:"copied"`
	} `json:"relay"`
	Alarms []alarm.State `json:"alarms"`
}

// processSample is one read of a process's /stats.
type processSample struct {
	stats *processStats
	state string // running, unreachable, unauthorized
	err   string
	relay string
}

// clusterProcesses lists the registered processes and asks each that is
// not lost for its /stats, twice interval apart (once when interval is
// 0), all at once. key, when set, is sent to api and all processes (whose
// /stats wants an admin key once the cluster has users), never to the
// workers, which ask for none.
func clusterProcesses(ctx context.Context, db *postgres.DB, key doctales.Secret, interval time.Duration) ([]ProcessStatus, error) {
	ps, err := db.Processes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ProcessStatus, len(ps))
	for i, p := range ps {
		out[i] = ProcessStatus{ID: p.ID, Role: p.Role, Partition: p.Partition, Host: p.Host, PID: p.PID, Address: p.Address,
			Version: p.Version, HeartbeatSeconds: p.Heartbeat.Seconds(), StartedAt: p.StartedAt, LastSeen: p.LastSeen,
			UpSeconds: p.Up.Seconds(), SeenAgoSeconds: p.SeenAgo.Seconds(), State: "lost", Alarms: []alarm.State{}}
		if p.Lost {
			out[i].Error = fmt.Sprintf("not seen for %s (%d heartbeats of %s): killed, or cut off from PostgreSQL", p.SeenAgo.Round(time.Second/10), postgres.LostHeartbeats, p.Heartbeat)
		}
	}
	client := &http.Client{Timeout: processStatsTimeout}
	sampleAll := func() []processSample {
		samples := make([]processSample, len(ps))
		var wg sync.WaitGroup
		for i, p := range ps {
			if p.Lost {
				continue
			}
			wg.Go(func() {
				k := doctales.Secret("")
				if p.Role == RoleAPI || p.Role == RoleAll {
					k = key
				}
				samples[i] = sampleProcess(ctx, client, p.Address, k)
			})
		}
		wg.Wait()
		return samples
	}
	first := sampleAll()
	second := first
	if interval > 0 && slices.ContainsFunc(first, func(s processSample) bool { return s.stats != nil }) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(interval):
		}
		second = sampleAll()
	}
	for i, p := range ps {
		if p.Lost {
			continue
		}
		s := second[i]
		out[i].State, out[i].Error, out[i].Relay = s.state, s.err, s.relay
		if s.stats != nil {
			out[i].Stats = figures(first[i].stats, s.stats, interval)
			out[i].Alarms = nonNil(s.stats.Alarms)
			alarm.SortStates(out[i].Alarms)
		}
	}
	return out, nil
}

// sampleProcess reads the /stats of the process at addr; an api process
// that wants a key it was not given (or refuses the one given) is asked
// its relay state on /readyz, which needs none.
func sampleProcess(ctx context.Context, client *http.Client, addr string, key doctales.Secret) processSample {
	get := func(path string, v any) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
		if err != nil {
			return 0, err
		}
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+string(key))
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			return resp.StatusCode, nil
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxProcessStatsBytes)).Decode(v); err != nil {
			return resp.StatusCode, fmt.Errorf("GET %s: the answer is not the JSON expected: %w", path, err)
		}
		return resp.StatusCode, nil
	}
	var st processStats
	code, err := get("/stats", &st)
	switch {
	case err != nil:
		return processSample{state: "unreachable", err: err.Error()}
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		s := processSample{state: "unauthorized", err: fmt.Sprintf("GET /stats answered %d: set $%s (or --api-key-file) to an admin key to see its figures", code, EnvAPIKey)}
		var ready struct {
			Relay string `json:"relay"`
		}
		if _, err := get("/readyz", &ready); err == nil {
			s.relay = ready.Relay
		}
		return s
	case code != http.StatusOK:
		return processSample{state: "unreachable", err: fmt.Sprintf("GET /stats answered %d", code)}
	}
	s := processSample{stats: &st, state: "running"}
	if st.Relay != nil {
		s.relay = st.Relay.State
	}
	return s
}

// figures sums second's subscriptions, with the rates since first (the
// same process read interval earlier; nil or interval 0 gives no rates).
func figures(first, second *processStats, interval time.Duration) *ProcessFigures {
	f := &ProcessFigures{Subscriptions: len(second.Subscriptions), OpenCircuits: []string{}}
	for _, s := range second.Subscriptions {
		f.Read += s.Read
		f.Succeeded += s.Succeeded
		f.Errors += s.Errors
		f.DeadLettered += s.DeadLettered
		f.InFlight += s.InFlight
		f.LagSeconds = max(f.LagSeconds, s.IteratorAge.Seconds())
		if s.Circuit != nil && s.Circuit.State == runtime.CircuitOpen {
			f.OpenCircuits = append(f.OpenCircuits, s.Name)
		}
		if f.LastError == "" && s.LastError != "" {
			f.LastError = s.Name + ": " + s.LastError
		}
		if s.Feed != nil {
			f.Consumers = append(f.Consumers, s.Feed)
		}
	}
	if second.Relay != nil {
		f.RelayCopied = second.Relay.Copied
	}
	if first != nil && first != second && interval > 0 {
		var read, done int64
		for _, s := range first.Subscriptions {
			read += s.Read
			done += s.Succeeded
		}
		f.ReadPerSecond = max(0, float64(f.Read-read)/interval.Seconds())
		f.DonePerSecond = max(0, float64(f.Succeeded-done)/interval.Seconds())
	}
	return f
}

// writeProcesses prints the PROCESSES table of status --postgres.
func writeProcesses(w io.Writer, procs []ProcessStatus) error {
	fmt.Fprintln(w)
	if len(procs) == 0 {
		fmt.Fprintln(w, "processes: none registered (each serve --postgres registers at start)")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tPARTITION\tADDRESS\tPID\tUP\tSEEN\tSTATE\tREAD/s\tDONE/s\tERRORS\tDEAD\tLAG\tNOTES")
	for _, p := range procs {
		notes := []string{}
		if p.Relay != "" {
			note := "relay " + p.Relay
			if p.Stats != nil && p.Relay == "leader" {
				note += fmt.Sprintf(" (copied %d)", p.Stats.RelayCopied)
			}
			notes = append(notes, note)
		}
		read, done, errs, dead, lag := "-", "-", "-", "-", "-"
		if f := p.Stats; f != nil {
			read, done = fmt.Sprintf("%.1f", f.ReadPerSecond), fmt.Sprintf("%.1f", f.DonePerSecond)
			errs, dead = fmt.Sprint(f.Errors), fmt.Sprint(f.DeadLettered)
			lag = (time.Duration(f.LagSeconds * float64(time.Second))).Round(time.Millisecond).String()
			if len(f.OpenCircuits) > 0 {
				notes = append(notes, "circuit open: "+strings.Join(f.OpenCircuits, ", "))
			}
			if f.LastError != "" {
				notes = append(notes, "last error "+truncate(f.LastError, 60))
			}
			for _, c := range f.Consumers {
				note := fmt.Sprintf("consumer %s: pending %d, ack pending %d, redelivered %d", c.Consumer, c.Pending, c.AckPending, c.Redelivered)
				if c.Pinned != nil && !*c.Pinned {
					note += ", standby"
				}
				notes = append(notes, note)
			}
		}
		if firing := alarmNames(p.Alarms, true); len(firing) > 0 {
			notes = append(notes, "ALARM "+strings.Join(firing, ", "))
		}
		if p.Error != "" {
			notes = append(notes, truncate(p.Error, 100))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s ago\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Role, orDash(p.Partition), p.Address, p.PID,
			roundAge(p.UpSeconds), roundAge(p.SeenAgoSeconds), p.State, read, done, errs, dead, lag, orDash(strings.Join(notes, "; ")))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeProcessAlarms(w, procs)
}

// writeProcessAlarms prints each process's alarms as status prints a
// server's ("alarm NAME STATE metric > threshold: value, since"), with the
// process they were evaluated in; nothing when no process has any.
func writeProcessAlarms(w io.Writer, procs []ProcessStatus) error {
	first := true
	for _, p := range procs {
		for _, a := range p.Alarms {
			if first {
				fmt.Fprintln(w, "\nalarms, as each process evaluates them on its own figures:")
				first = false
			}
			where := p.Role
			if p.Partition != "" {
				where += " " + p.Partition
			}
			fmt.Fprintf(w, "alarm %-16s %-5s %s %s %g: value %g, since %s (%s at %s)\n", a.Rule.Name, stateWord(a.Alarm), a.Rule.Metric,
				a.Rule.Comparison, a.Rule.Threshold, a.Value, a.Since.Format(time.RFC3339), where, p.Address)
		}
	}
	return nil
}

// stateWord is an alarm's state as status prints it.
func stateWord(firing bool) string {
	if firing {
		return "ALARM"
	}
	return "OK"
}

// alarmNames names the alarms of ss in ALARM (firing) or OK.
func alarmNames(ss []alarm.State, firing bool) []string {
	var names []string
	for _, a := range ss {
		if a.Alarm == firing {
			names = append(names, a.Rule.Name)
		}
	}
	return names
}

// roundAge prints seconds as a duration to the tenth of a second (to the
// second from a minute on).
func roundAge(secs float64) string {
	d := time.Duration(secs * float64(time.Second))
	if d >= time.Minute {
		return d.Round(time.Second).String()
	}
	return d.Round(time.Second / 10).String()
}
