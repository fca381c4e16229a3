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
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

const benchUsage = `Usage: doctales bench [--n N] [--clients C] [--rate R] [--duration D] [--data DIR] [--encryption-key-file F]

Measures the pipeline on embedded defaults, over HTTP on 127.0.0.1, in a
temporary data folder (or --data):
  ingest       N communications posted by C clients; accepted per second
               (every 2xx is durable: fsynced object, SQLite commit)
  end-to-end   urgent communications posted at R per second for D; the time
               from POST to the webhook receiving the notification, as
               percentiles

Example:
  doctales bench
  doctales bench --n 20000 --clients 64 --ingest-only --cpuprofile cpu.out

Flags:
`

// BenchReport is what bench --json prints: the same numbers as the table,
// durations in seconds. The latency fields are absent with --ingest-only.
type BenchReport struct {
	Machine                string   `json:"machine"`
	Telemetry              bool     `json:"telemetry"`
	Posted                 int      `json:"posted"`
	Clients                int      `json:"clients"`
	Failed                 int64    `json:"failed"`
	AcceptedPerSecond      float64  `json:"acceptedPerSecond"`
	CPUPerAcceptedSeconds  float64  `json:"cpuPerAcceptedSeconds"`
	CPUPerEndToEndSeconds  float64  `json:"cpuPerEndToEndSeconds"`
	ExtractedPerSecond     float64  `json:"extractedPerSecond"`
	CatchUpSeconds         float64  `json:"catchUpSeconds"`
	Rate                   int      `json:"rate,omitempty"`
	Notified               int      `json:"notified,omitempty"`
	Missing                int      `json:"missing,omitempty"`
	NotificationP50Seconds *float64 `json:"notificationP50Seconds,omitempty"`
	NotificationP95Seconds *float64 `json:"notificationP95Seconds,omitempty"`
	NotificationP99Seconds *float64 `json:"notificationP99Seconds,omitempty"`
	NotificationMaxSeconds *float64 `json:"notificationMaxSeconds,omitempty"`
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
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	telemetry := fs.Bool("telemetry", true, "metrics, tracing, the flow history and invocation logs on (false measures their cost)")
	skipLatency := fs.Bool("ingest-only", false, "run only the ingest throughput part")
	keyFile := fs.String("encryption-key-file", "", "encrypt the objects at rest with this key (measures its cost; see serve)")
	asJSON := fs.Bool("json", false, "print the results as JSON (BenchReport)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("bench", pos); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
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
	url := m.URL() + "/communications"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients * 2}, Timeout: 30 * time.Second}
	postOne := func(body string) error {
		resp, err := client.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}

	// 1. Ingest throughput.
	fmt.Fprintf(stderr, "ingest: posting %d communications with %d clients...\n", *n, *clients)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start, cpuStart := time.Now(), processCPU()
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(*n) {
					return
				}
				body := fmt.Sprintf(`{"id":"bench-%d","source":"email","subject":"Report %d","from":"Bo Lind","from_email":"bo@example.com","body":"Here is the weekly report number %d. Nothing urgent."}`, i, i, i)
				if postOne(body) != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	ingestDur := time.Since(start)
	// CPU per accepted communication (this process, extraction included)
	// is steadier than throughput on a shared machine.
	cpuPer := (processCPU() - cpuStart) / time.Duration(max(int64(*n)-failed.Load(), 1))
	ingestRate := float64(int64(*n)-failed.Load()) / ingestDur.Seconds()

	// Let extraction catch up before measuring latency.
	fmt.Fprintln(stderr, "waiting for extraction to catch up...")
	catchStart := time.Now()
	dctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	err = m.Pipeline.Runtime.Drain(dctx)
	cancel()
	if err != nil {
		return err
	}
	catchUp := time.Since(catchStart)
	// All the work for every communication, ingested, extracted and (if
	// urgent) notified: the fair measure of what telemetry costs.
	cpuAll := (processCPU() - cpuStart) / time.Duration(max(int64(*n)-failed.Load(), 1))
	extractRate := float64(*n) / (ingestDur + catchUp).Seconds()

	rep := BenchReport{Machine: fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version()),
		Telemetry: *telemetry, Posted: *n, Clients: *clients, Failed: failed.Load(), AcceptedPerSecond: ingestRate,
		CPUPerAcceptedSeconds: cpuPer.Seconds(), CPUPerEndToEndSeconds: cpuAll.Seconds(), ExtractedPerSecond: extractRate, CatchUpSeconds: catchUp.Seconds()}
	if *skipLatency && *asJSON {
		return writeJSONLine(stdout, rep)
	}
	if *skipLatency {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "machine\t%s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
		fmt.Fprintf(tw, "ingest (durable 2xx), telemetry %v\t%.0f communications/s\t%d posted by %d clients in %s, %d failed\n", *telemetry, ingestRate, *n, *clients, ingestDur.Round(time.Millisecond), failed.Load())
		fmt.Fprintf(tw, "CPU per accepted communication\t%s\twhile ingesting, this process (extraction included)\n", cpuPer.Round(time.Microsecond))
		fmt.Fprintf(tw, "CPU per communication, end to end\t%s\tingested and extracted, until the flow is idle\n", cpuAll.Round(time.Microsecond))
		return tw.Flush()
	}

	// 2. End-to-end latency at a fixed rate.
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
			if postOne(body) == nil {
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
	fmt.Fprintf(tw, "machine\t%s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(tw, "ingest (durable 2xx), telemetry %v\t%.0f communications/s\t%d posted by %d clients in %s, %d failed\n", *telemetry, ingestRate, *n, *clients, ingestDur.Round(time.Millisecond), failed.Load())
	fmt.Fprintf(tw, "CPU per accepted communication\t%s\twhile ingesting, this process (extraction included)\n", cpuPer.Round(time.Microsecond))
	fmt.Fprintf(tw, "CPU per communication, end to end\t%s\tingested and extracted, until the flow is idle\n", cpuAll.Round(time.Microsecond))
	fmt.Fprintf(tw, "extraction caught up\t%.0f communications/s end to end\t%s after the last 2xx\n", extractRate, catchUp.Round(time.Millisecond))
	fmt.Fprintf(tw, "ingest→notification p50\t%s\tat %d/s for %s, %d notified, %d missing\n", pct(0.50), *rate, *dur, len(lat), missing)
	fmt.Fprintf(tw, "ingest→notification p95\t%s\t\n", pct(0.95))
	fmt.Fprintf(tw, "ingest→notification p99\t%s\t\n", pct(0.99))
	fmt.Fprintf(tw, "ingest→notification max\t%s\t\n", pct(1))
	return tw.Flush()
}
