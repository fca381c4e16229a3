package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/doctales/doctales/client"
)

const benchUsage = `Usage: doctales bench [--n N] [--clients C] [--rate R] [--duration D] [--data DIR] [--encryption-key-file F]

Measures the pipeline on embedded defaults, over HTTP on 127.0.0.1, in a
temporary data folder (or --data):
  ingest       N communications posted by C clients from a separate load
               generator process (bench starts itself again as one), with
               extraction not yet running; accepted per second, and the
               server's own CPU per accepted communication (every 2xx is
               durable: fsynced object, SQLite commit)
  catch-up     then extraction starts and works through the N stored
               communications; its time and CPU, and the whole run's CPU
               per communication
  end-to-end   urgent communications posted at R per second for D; the time
               from POST to the webhook receiving the notification, as
               percentiles

--cpuprofile profiles the server process during the ingest phase only.

Example:
  doctales bench
  doctales bench --n 20000 --clients 64 --ingest-only --cpuprofile cpu.out

Flags:
`

// benchLoadEnv, when set in bench's environment, makes bench the load
// generator of a parent bench: it posts --n communications with --clients
// clients to the server whose base URL the variable holds, through the
// client package, and prints a benchLoad as JSON.
// The load generator runs in its own process so that its CPU (building,
// sending and reading requests) is not counted as the server's.
const benchLoadEnv = "DOCTALES_BENCH_LOAD_URL"

// benchLoad is the load generator's answer to its parent bench.
type benchLoad struct {
	Accepted   int64   `json:"accepted"`
	Failed     int64   `json:"failed"`
	FirstError string  `json:"firstError,omitempty"`
	Seconds    float64 `json:"seconds"`    // from the first request to the last answer
	CPUSeconds float64 `json:"cpuSeconds"` // the load generator's own CPU while posting
}

// BenchReport is what bench --json prints: the same numbers as the table,
// durations in seconds. The latency fields are absent with --ingest-only.
//
// The CPU figures name what they count. CPUPerAcceptedSeconds is the
// server process alone during the ingest phase (HTTP, JSON, the object
// write, the SQLite insert; no extraction, no load generator);
// LoadGeneratorCPUPerAcceptedSeconds is the separate load generator
// process; CatchUpCPUPerCommunicationSeconds is the server during the
// catch-up (extraction, notification, the live and analytics
// subscriptions); CPUPerEndToEndSeconds is the server over both phases;
// CPUPerEndToEndWithLoadSeconds adds the load generator, which is what the
// single-process bench before issue 15 counted. The User and System parts
// split CPUPerAcceptedSeconds into the program's own work and the
// kernel's (creating the object's file, fsync, sockets).
type BenchReport struct {
	Machine                            string   `json:"machine"`
	Telemetry                          bool     `json:"telemetry"`
	Posted                             int      `json:"posted"`
	Clients                            int      `json:"clients"`
	Failed                             int64    `json:"failed"`
	IngestSeconds                      float64  `json:"ingestSeconds"`
	AcceptedPerSecond                  float64  `json:"acceptedPerSecond"`
	CPUPerAcceptedSeconds              float64  `json:"cpuPerAcceptedSeconds"`
	CPUPerAcceptedUserSeconds          float64  `json:"cpuPerAcceptedUserSeconds"`
	CPUPerAcceptedSystemSeconds        float64  `json:"cpuPerAcceptedSystemSeconds"`
	LoadGeneratorCPUPerAcceptedSeconds float64  `json:"loadGeneratorCpuPerAcceptedSeconds"`
	CatchUpSeconds                     float64  `json:"catchUpSeconds"`
	CatchUpPerSecond                   float64  `json:"catchUpPerSecond"`
	CatchUpCPUPerCommunicationSeconds  float64  `json:"catchUpCpuPerCommunicationSeconds"`
	ExtractedPerSecond                 float64  `json:"extractedPerSecond"`
	CPUPerEndToEndSeconds              float64  `json:"cpuPerEndToEndSeconds"`
	CPUPerEndToEndWithLoadSeconds      float64  `json:"cpuPerEndToEndWithLoadSeconds"`
	Rate                               int      `json:"rate,omitempty"`
	Notified                           int      `json:"notified,omitempty"`
	Missing                            int      `json:"missing,omitempty"`
	NotificationP50Seconds             *float64 `json:"notificationP50Seconds,omitempty"`
	NotificationP95Seconds             *float64 `json:"notificationP95Seconds,omitempty"`
	NotificationP99Seconds             *float64 `json:"notificationP99Seconds,omitempty"`
	NotificationMaxSeconds             *float64 `json:"notificationMaxSeconds,omitempty"`
}

// benchBody is the JSON body of the i-th communication of the ingest run.
func benchBody(i int64) string {
	return fmt.Sprintf(`{"id":"bench-%d","source":"email","subject":"Report %d","from":"Bo Lind","from_email":"bo@example.com","body":"Here is the weekly report number %d. Nothing urgent."}`, i, i, i)
}

// newBenchClient returns the API client of c concurrent posters to the
// server at base: the typed client package every --url command uses, so
// that bench measures the requests and answers a Go program sends and
// reads, with connections kept for every poster.
func newBenchClient(base string, clients int) (*client.Client, error) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2}, Timeout: 30 * time.Second}
	return client.New(base, client.WithHTTPClient(hc))
}

// benchPost posts body as a new communication; anything but a first 202
// (an error answer, or a replay of an earlier post) is an error.
func benchPost(ctx context.Context, c *client.Client, body string) error {
	res, err := c.Ingest(ctx, []byte(body))
	if err != nil {
		return err
	}
	if res.Replayed {
		return fmt.Errorf("POST %s/communications: answered as a replay of an earlier post of %s", c.BaseURL(), res.ID)
	}
	return nil
}

// runBenchLoad is the load generator (see benchLoadEnv): n posts by
// clients goroutines to the server at base, then one JSON line on stdout.
func runBenchLoad(ctx context.Context, base string, n, clients int, stdout io.Writer) error {
	api, err := newBenchClient(base, clients)
	if err != nil {
		return err
	}
	var next, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start, cpuStart := time.Now(), processCPU()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				if err := benchPost(ctx, api, benchBody(i)); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	out := benchLoad{Accepted: int64(n) - failed.Load(), Failed: failed.Load(),
		Seconds: time.Since(start).Seconds(), CPUSeconds: (processCPU() - cpuStart).Seconds()}
	if e, ok := firstErr.Load().(string); ok {
		out.FirstError = e
	}
	return writeJSONLine(stdout, out)
}

// startBenchLoad runs this program again as the load generator against
// the server at base and returns its answer.
func startBenchLoad(ctx context.Context, base string, n, clients int, stderr io.Writer) (*benchLoad, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench: find this program to start the load generator: %w", err)
	}
	var out strings.Builder
	cmd := exec.CommandContext(ctx, exe, "bench", "--n", strconv.Itoa(n), "--clients", strconv.Itoa(clients))
	cmd.Env = append(os.Environ(), benchLoadEnv+"="+base)
	cmd.Stdout, cmd.Stderr = &out, stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("bench: load generator %s: %w", exe, err)
	}
	var load benchLoad
	if err := json.Unmarshal([]byte(out.String()), &load); err != nil {
		return nil, fmt.Errorf("bench: load generator answered %q: %w", out.String(), err)
	}
	return &load, nil
}

// runBench is the bench command.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	n := fs.Int("n", 5000, "communications for the ingest throughput run")
	clients := fs.Int("clients", 32, "concurrent HTTP clients for the ingest run")
	rate := fs.Int("rate", 200, "communications per second for the end-to-end latency run")
	dur := fs.Duration("duration", 10*time.Second, "length of the end-to-end latency run")
	data := fs.String("data", "", "data folder (default: a temporary folder, removed after)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the server during the ingest phase to this file")
	telemetry := fs.Bool("telemetry", true, "metrics, tracing, the flow history and invocation logs on (false measures their cost)")
	skipLatency := fs.Bool("ingest-only", false, "run only the ingest throughput and catch-up parts")
	catchUpOn := fs.Bool("catch-up", true, "after the ingest phase, start extraction and time its catch-up (false: ingest alone, e.g. to compare builds; implies --ingest-only)")
	keyFile := fs.String("encryption-key-file", "", "encrypt the objects at rest with this key (measures its cost; see serve)")
	asJSON := fs.Bool("json", false, "print the results as JSON (BenchReport)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("bench", pos); err != nil {
		return err
	}
	if *n < 1 || *clients < 1 {
		return usageErrorf("bench", "--n %d and --clients %d must both be at least 1", *n, *clients)
	}
	if base := os.Getenv(benchLoadEnv); base != "" {
		return runBenchLoad(ctx, base, *n, *clients, stdout)
	}
	dir := *data
	if dir == "" {
		tmp, err := os.MkdirTemp("", "doctales-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}

	// A webhook receiver that timestamps arrivals by communication id.
	var mu sync.Mutex
	arrived := map[string]time.Time{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hook := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			MessageAttributes map[string]struct{ Value string }
		}
		_ = json.NewDecoder(r.Body).Decode(&m)
		id := m.MessageAttributes["communicationId"].Value
		mu.Lock()
		if _, ok := arrived[id]; !ok {
			arrived[id] = time.Now()
		}
		mu.Unlock()
		w.WriteHeader(204)
	})}
	go hook.Serve(ln)
	defer hook.Close()

	m := NewMain()
	m.Stderr = stderr
	m.DeferStart = true // extraction starts after the ingest phase
	serveArgs := []string{"--data", dir, "--addr", "127.0.0.1:0", "--log-level", "error", "--webhook", "http://" + ln.Addr().String() + "/"}
	if *keyFile != "" {
		serveArgs = append(serveArgs, "--encryption-key-file", *keyFile)
	}
	if err := m.ParseFlags(serveArgs); err != nil {
		return err
	}
	m.Pipeline.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	m.Pipeline.NoTelemetry = !*telemetry
	if err := m.Run(ctx); err != nil {
		return err
	}
	defer m.Close()
	base := m.URL()

	// 1. Ingest throughput: the server alone, the load from another
	// process, nothing extracting.
	fmt.Fprintf(stderr, "ingest: posting %d communications with %d clients from a load generator process...\n", *n, *clients)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	userStart, sysStart := processCPUSplit()
	load, err := startBenchLoad(ctx, base, *n, *clients, stderr)
	userEnd, sysEnd := processCPUSplit()
	cpuIngest := userEnd - userStart + sysEnd - sysStart
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	if load.FirstError != "" {
		fmt.Fprintf(stderr, "ingest: %d of %d failed, the first: %s\n", load.Failed, *n, load.FirstError)
	}
	accepted := max(load.Accepted, 1)
	ingestDur := time.Duration(load.Seconds * float64(time.Second))
	cpuPer := cpuIngest / time.Duration(accepted)
	loadPer := time.Duration(load.CPUSeconds*float64(time.Second)) / time.Duration(accepted)
	ingestRate := float64(load.Accepted) / ingestDur.Seconds()

	// 2. Extraction starts and catches up with what was stored.
	var catchUp, cpuCatch time.Duration
	if *catchUpOn {
		fmt.Fprintln(stderr, "starting extraction and waiting for it to catch up...")
		catchStart, cpuCatchStart := time.Now(), processCPU()
		if err := m.Pipeline.Start(); err != nil {
			return fmt.Errorf("bench: start runtime: %w", err)
		}
		dctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		err = m.Pipeline.Runtime.Drain(dctx)
		cancel()
		if err != nil {
			return err
		}
		catchUp = time.Since(catchStart)
		cpuCatch = (processCPU() - cpuCatchStart) / time.Duration(accepted)
	} else {
		*skipLatency = true
	}
	// All the server's work for every communication, ingested, extracted
	// and (if urgent) notified: the fair measure of what telemetry costs.
	cpuAll := cpuPer + cpuCatch
	extractRate := float64(load.Accepted) / (ingestDur + catchUp).Seconds()

	rep := BenchReport{Machine: fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version()),
		Telemetry: *telemetry, Posted: *n, Clients: *clients, Failed: load.Failed,
		IngestSeconds: ingestDur.Seconds(), AcceptedPerSecond: ingestRate,
		CPUPerAcceptedSeconds:              cpuPer.Seconds(),
		CPUPerAcceptedUserSeconds:          ((userEnd - userStart) / time.Duration(accepted)).Seconds(),
		CPUPerAcceptedSystemSeconds:        ((sysEnd - sysStart) / time.Duration(accepted)).Seconds(),
		LoadGeneratorCPUPerAcceptedSeconds: loadPer.Seconds(),
		CatchUpSeconds:                     catchUp.Seconds(), CatchUpPerSecond: float64(load.Accepted) / catchUp.Seconds(),
		CatchUpCPUPerCommunicationSeconds: cpuCatch.Seconds(), ExtractedPerSecond: extractRate,
		CPUPerEndToEndSeconds: cpuAll.Seconds(), CPUPerEndToEndWithLoadSeconds: (cpuAll + loadPer).Seconds()}
	if !*catchUpOn { // nothing measured: zero, not ingest figures under other names
		rep.CatchUpPerSecond, rep.ExtractedPerSecond, rep.CPUPerEndToEndSeconds, rep.CPUPerEndToEndWithLoadSeconds = 0, 0, 0, 0
	}
	ingestRows := func(tw io.Writer) {
		fmt.Fprintf(tw, "machine\t%s\n", rep.Machine)
		fmt.Fprintf(tw, "ingest (durable 2xx), telemetry %v\t%.0f communications/s\t%d posted by %d clients in %s, %d failed\n", *telemetry, ingestRate, *n, *clients, ingestDur.Round(time.Millisecond), load.Failed)
		fmt.Fprintf(tw, "CPU per accepted communication\t%s\tthe server's ingest path alone (no extraction, load generator in another process): %s user, %s kernel\n",
			cpuPer.Round(time.Microsecond), ((userEnd - userStart) / time.Duration(accepted)).Round(time.Microsecond), ((sysEnd - sysStart) / time.Duration(accepted)).Round(time.Microsecond))
		fmt.Fprintf(tw, "load generator CPU per communication\t%s\tthe posting process, not counted above\n", loadPer.Round(time.Microsecond))
		if !*catchUpOn {
			return
		}
		fmt.Fprintf(tw, "extraction catch-up\t%.0f communications/s\t%s for the %d stored, %s CPU each\n", rep.CatchUpPerSecond, catchUp.Round(time.Millisecond), load.Accepted, cpuCatch.Round(time.Microsecond))
		fmt.Fprintf(tw, "extraction caught up\t%.0f communications/s end to end\tfrom the first POST until the flow is idle\n", extractRate)
		fmt.Fprintf(tw, "CPU per communication, end to end\t%s\tthe server: ingested, extracted, notified (%s with the load generator)\n", cpuAll.Round(time.Microsecond), (cpuAll + loadPer).Round(time.Microsecond))
	}
	if *skipLatency && *asJSON {
		return writeJSONLine(stdout, rep)
	}
	if *skipLatency {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		ingestRows(tw)
		return tw.Flush()
	}
	api, err := newBenchClient(base, *clients)
	if err != nil {
		return err
	}

	// 3. End-to-end latency at a fixed rate.
	fmt.Fprintf(stderr, "end-to-end: %d urgent communications per second for %s...\n", *rate, *dur)
	total := int(float64(*rate) * dur.Seconds())
	sent := make(map[string]time.Time, total)
	var sentMu sync.Mutex
	tick := time.NewTicker(time.Second / time.Duration(*rate))
	var lwg sync.WaitGroup
	for i := 0; i < total; i++ {
		<-tick.C
		id := fmt.Sprintf("urgent-%d", i)
		lwg.Add(1)
		go func() {
			defer lwg.Done()
			t0 := time.Now()
			body := fmt.Sprintf(`{"id":%q,"source":"email","subject":"Wire %s","from":"Ana Ruiz","from_email":"ana@acme.example","body":"URGENT: please approve the wire before 5pm today."}`, id, id)
			if benchPost(ctx, api, body) == nil {
				sentMu.Lock()
				sent[id] = t0
				sentMu.Unlock()
			}
		}()
	}
	tick.Stop()
	lwg.Wait()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		got := 0
		for id := range sent {
			if _, ok := arrived[id]; ok {
				got++
			}
		}
		mu.Unlock()
		if got == len(sent) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var lat []time.Duration
	missing := 0
	mu.Lock()
	for id, t0 := range sent {
		if t1, ok := arrived[id]; ok {
			lat = append(lat, t1.Sub(t0))
		} else {
			missing++
		}
	}
	mu.Unlock()
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(100 * time.Microsecond)
	}

	if *asJSON {
		secs := func(p float64) *float64 { s := pct(p).Seconds(); return &s }
		rep.Rate, rep.Notified, rep.Missing = *rate, len(lat), missing
		rep.NotificationP50Seconds, rep.NotificationP95Seconds = secs(0.50), secs(0.95)
		rep.NotificationP99Seconds, rep.NotificationMaxSeconds = secs(0.99), secs(1)
		return writeJSONLine(stdout, rep)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	ingestRows(tw)
	fmt.Fprintf(tw, "ingest→notification p50\t%s\tat %d/s for %s, %d notified, %d missing\n", pct(0.50), *rate, *dur, len(lat), missing)
	fmt.Fprintf(tw, "ingest→notification p95\t%s\t\n", pct(0.95))
	fmt.Fprintf(tw, "ingest→notification p99\t%s\t\n", pct(0.99))
	fmt.Fprintf(tw, "ingest→notification max\t%s\t\n", pct(1))
	return tw.Flush()
}
