package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The cluster's scaling (issue 11, docs/cluster.md "Measured: roles"):
//
//	go test -run '^$' -bench 'BenchmarkCluster' -benchtime 1x ./cmd/doctales/
//
// Each sub-benchmark measures once, whatever b.N, on fresh servers; the
// sizes can be changed with DOCTALES_SCALING_N (communications per
// throughput run, default 1000) and DOCTALES_LATENCY_SECONDS (length of
// the 200/s run, default 10).

func scalingN() int {
	if n, err := strconv.Atoi(os.Getenv("DOCTALES_SCALING_N")); err == nil && n > 0 {
		return n
	}
	return 1000
}

// clusterBenchBody is communication i: every fifth one urgent.
func clusterBenchBody(i int) (string, bool) {
	if i%5 == 0 {
		return strings.Replace(urgentEmail, "Wire transfer", fmt.Sprintf("Wire transfer %d", i), 1), true
	}
	return strings.Replace(calmEmail, "Weekend photos", fmt.Sprintf("Weekend photos %d", i), 1), false
}

// extractedCount sums the records the extraction subscriptions of the
// processes at urls finished (GET /stats).
func extractedCount(tb testing.TB, urls []string) int64 {
	var sum int64
	for _, u := range urls {
		var st struct {
			Subscriptions []struct {
				Name      string
				Succeeded int64
			}
		}
		getJSON(tb, u+"/stats", &st)
		for _, s := range st.Subscriptions {
			if s.Name == FuncExtraction {
				sum += s.Succeeded
			}
		}
	}
	return sum
}

// measureThroughput posts n communications with 16 clients to api and
// reports accepted/s (until the last 202) and extracted/s (until the
// extraction subscriptions at extractors finished n records), both from
// the first post.
func measureThroughput(b *testing.B, api string, extractors []string, n int) {
	base := extractedCount(b, extractors)
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []string
	start := time.Now()
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				body, _ := clusterBenchBody(i)
				resp, err := http.Post(api+"/communications", "application/json", strings.NewReader(body))
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode != http.StatusAccepted {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					failed = append(failed, err.Error())
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	accepted := time.Since(start)
	if len(failed) > 0 {
		b.Fatalf("%d posts failed: %v", len(failed), failed[:min(5, len(failed))])
	}
	waitCond(b, 10*time.Minute, func() string {
		return fmt.Sprintf("%d of %d extracted", extractedCount(b, extractors)-base, n)
	}, func() bool { return extractedCount(b, extractors)-base >= int64(n) })
	extracted := time.Since(start)
	b.ReportMetric(float64(n)/accepted.Seconds(), "accepted/s")
	b.ReportMetric(float64(n)/extracted.Seconds(), "extracted/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkCluster_Scaling: accepted/s and end-to-end extraction/s of the
// embedded mode, then of a cluster (API, N extraction workers as
// partitions i/N, one notification worker, each a process, on nats-server
// and PostgreSQL) with 1, 2 and 4 extraction workers.
func BenchmarkCluster_Scaling(b *testing.B) {
	n := scalingN()
	b.Run("embedded", func(b *testing.B) {
		hook := newHookReceiver(b)
		srv := startServer(b, b.TempDir(), "--webhook", hook.URL)
		measureThroughput(b, srv.url, []string{srv.url}, n)
	})
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("cluster-%d-extraction", workers), func(b *testing.B) {
			hook := newHookReceiver(b)
			env := newClusterEnv(b, hook.URL)
			api, urls := startScalingCluster(b, env, workers)
			measureThroughput(b, api, urls, n)
		})
	}
}

// measureLatency posts at rate per second for d (open loop: one goroutine
// per post, each at its due time) and reports the time from each urgent post to its
// notification at the webhook, p50 and p99, once all are notified.
func measureLatency(b *testing.B, api string, hook *hookReceiver, rate int, d time.Duration) {
	var mu sync.Mutex
	sent := map[string]time.Time{}
	var failed int
	var wg sync.WaitGroup
	// Post i is due at start + i/rate: a sender that falls behind
	// catches up rather than dropping posts, as a ticker would.
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	posts := int(d / interval)
	for i := 0; i < posts; i++ {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body, urgent := clusterBenchBody(i)
			t0 := time.Now()
			resp, err := http.Post(api+"/communications", "application/json", strings.NewReader(body))
			if err != nil {
				mu.Lock()
				failed++
				mu.Unlock()
				return
			}
			var out struct{ ID string }
			_ = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			mu.Lock()
			if resp.StatusCode != http.StatusAccepted {
				failed++
			} else if urgent {
				sent[out.ID] = t0
			}
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	acceptedPerSecond := float64(posts) / time.Since(start).Seconds()
	if failed > 0 {
		b.Fatalf("%d posts failed", failed)
	}
	waitCond(b, 5*time.Minute, func() string { return "not every urgent post was notified" }, func() bool {
		hook.mu.Lock()
		defer hook.mu.Unlock()
		for id := range sent {
			if _, ok := hook.first[id]; !ok {
				return false
			}
		}
		return true
	})
	var lat []time.Duration
	hook.mu.Lock()
	for id, t0 := range sent {
		lat = append(lat, hook.first[id].Sub(t0))
	}
	hook.mu.Unlock()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
	b.ReportMetric(float64(len(lat)), "notifications")
	b.ReportMetric(acceptedPerSecond, "accepted/s") // below rate: the API fell behind
	b.ReportMetric(0, "ns/op")
}

// BenchmarkCluster_Latency: ingest to notification at 200 posts/s (and at
// 50/s, which this 2-core machine keeps up with), the embedded mode and a
// cluster of API, two extraction workers and one notification worker.
func BenchmarkCluster_Latency(b *testing.B) {
	d := 10 * time.Second
	if s, err := strconv.Atoi(os.Getenv("DOCTALES_LATENCY_SECONDS")); err == nil && s > 0 {
		d = time.Duration(s) * time.Second
	}
	for _, rate := range []int{200, 50} {
		b.Run(fmt.Sprintf("embedded-%d", rate), func(b *testing.B) {
			hook := newHookReceiver(b)
			srv := startServer(b, b.TempDir(), "--webhook", hook.URL)
			measureLatency(b, srv.url, hook, rate, d)
		})
		b.Run(fmt.Sprintf("cluster-2-extraction-%d", rate), func(b *testing.B) {
			hook := newHookReceiver(b)
			env := newClusterEnv(b, hook.URL)
			api := env.start(b, "api", RoleAPI)
			env.start(b, "extraction-0", RoleExtraction, "--partition", "0/2")
			env.start(b, "extraction-1", RoleExtraction, "--partition", "1/2")
			env.start(b, "notification", RoleNotification)
			measureLatency(b, api.url(), hook, rate, d)
		})
	}
}

// startScalingCluster starts on env an api process, workers extraction
// processes (each its own partition when there are several) and a
// notification process, and returns the api's URL and the extraction
// processes' URLs, as the scaling benchmarks measure them.
func startScalingCluster(b *testing.B, env *clusterEnv, workers int) (string, []string) {
	api := env.start(b, "api", RoleAPI)
	var urls []string
	for i := 0; i < workers; i++ {
		args := []string{}
		if workers > 1 {
			args = append(args, "--partition", fmt.Sprintf("%d/%d", i, workers))
		}
		urls = append(urls, env.start(b, fmt.Sprintf("extraction-%d", i), RoleExtraction, args...).url())
	}
	env.start(b, "notification", RoleNotification)
	return api.url(), urls
}
