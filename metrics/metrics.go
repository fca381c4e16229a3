// Package metrics exposes the pipeline's state as Prometheus metrics at
// GET /metrics: the runtime's counters per subscription (records read,
// filtered, retried, dead-lettered, the iterator age that says whether a
// function is falling behind), function durations and batch sizes, the HTTP
// API's requests and ingested bytes, and the sizes of the table and the log.
//
// Every metric is named doctales_<what>_<unit> and documented in
// docs/operations.md. Counters kept by the runtime are read at scrape time,
// so they cost nothing on the hot path; histograms are fed by an
// [Observer] the runtime calls.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/runtime"
)

// Namespace prefixes every metric.
const Namespace = "doctales"

// Metrics holds the registry and the metrics fed on the hot path. Create it
// with New; it is safe for concurrent use.
type Metrics struct {
	Registry *prometheus.Registry

	duration    *prometheus.HistogramVec
	batchSize   *prometheus.HistogramVec
	httpReqs    *prometheus.CounterVec
	httpDur     *prometheus.HistogramVec
	ingestBytes prometheus.Counter
	outcomes    *prometheus.CounterVec
}

// New returns metrics registered in a new registry, with the Go and process
// collectors.
func New() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "function_duration_seconds",
		Help:    "Duration of function invocations, by subscription and result (ok, error).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"subscription", "result"})
	m.batchSize = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "subscription_batch_size",
		Help:    "Records per function invocation, by subscription.",
		Buckets: []float64{1, 2, 5, 10, 25, 50, 100, 250, 500, 1000},
	}, []string{"subscription"})
	m.outcomes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "subscription_record_outcomes_total",
		Help: "Record outcomes by subscription: filtered, delivered, retry, dead_lettered.",
	}, []string{"subscription", "outcome"})
	m.httpReqs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "http_requests_total",
		Help: "HTTP requests by method, route pattern and status code.",
	}, []string{"method", "route", "code"})
	m.httpDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "http_request_duration_seconds",
		Help:    "HTTP request durations by method and route pattern.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route"})
	m.ingestBytes = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: Namespace, Name: "ingest_bytes_total",
		Help: "Bytes of communication bodies accepted by POST /communications.",
	})
	m.Registry.MustRegister(m.duration, m.batchSize, m.outcomes, m.httpReqs, m.httpDur, m.ingestBytes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// StartInvocation implements runtime.Observer: it times the invocation and
// records the batch size.
func (m *Metrics) StartInvocation(ctx context.Context, inv *runtime.Invocation) (context.Context, func(int, error)) {
	start := time.Now()
	sub := inv.Subscription
	m.batchSize.WithLabelValues(sub).Observe(float64(len(inv.Records)))
	return ctx, func(_ int, err error) {
		result := "ok"
		if err != nil {
			result = "error"
		}
		m.duration.WithLabelValues(sub, result).Observe(time.Since(start).Seconds())
	}
}

// RecordOutcome implements runtime.Observer.
func (m *Metrics) RecordOutcome(sub string, _ *doctales.LogRecord, o runtime.Outcome) {
	m.outcomes.WithLabelValues(sub, o.Kind).Inc()
}

// Middleware counts and times the requests h serves, labelled by the route
// pattern that matched (never the raw path, to keep label sets bounded),
// and counts the bytes of accepted POST /communications bodies.
func (m *Metrics) Middleware(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		m.httpReqs.WithLabelValues(r.Method, route, strconv.Itoa(sw.code)).Inc()
		m.httpDur.WithLabelValues(r.Method, route).Observe(time.Since(start).Seconds())
		if r.Method == http.MethodPost && r.Pattern == "POST /communications" && sw.code/100 == 2 && r.ContentLength > 0 {
			m.ingestBytes.Add(float64(r.ContentLength))
		}
	})
}

// statusWriter remembers the status code; it passes Flush through for the
// live stream.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) { w.code = code; w.ResponseWriter.WriteHeader(code) }
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// StatsFunc returns the runtime's per-subscription counters.
type StatsFunc func() []runtime.Stats

// RegisterRuntime exports the runtime's counters, read at scrape time.
func (m *Metrics) RegisterRuntime(stats StatsFunc) {
	m.Registry.MustRegister(&runtimeCollector{stats: stats})
}

// SizesFunc returns gauge values by name: "items_accepted", "log_records",
// "dead_letters", "database_bytes", ...
type SizesFunc func(ctx context.Context) (map[string]float64, error)

// RegisterSizes exports the table, log and store sizes, read at scrape time.
func (m *Metrics) RegisterSizes(sizes SizesFunc) {
	m.Registry.MustRegister(&sizesCollector{sizes: sizes})
}

var (
	subLabels = []string{"subscription", "source"}
	descRead  = prometheus.NewDesc(Namespace+"_subscription_records_read_total",
		"Records read from the event log by the subscription.", subLabels, nil)
	descFiltered = prometheus.NewDesc(Namespace+"_subscription_records_filtered_total",
		"Records dropped because they matched no filter pattern (never retried).", subLabels, nil)
	descInvocations = prometheus.NewDesc(Namespace+"_function_invocations_total",
		"Function invocations by subscription.", subLabels, nil)
	descErrors = prometheus.NewDesc(Namespace+"_function_errors_total",
		"Function invocations that failed.", subLabels, nil)
	descSucceeded = prometheus.NewDesc(Namespace+"_subscription_records_delivered_total",
		"Records the function handled successfully.", subLabels, nil)
	descRetried = prometheus.NewDesc(Namespace+"_subscription_records_retried_total",
		"Record retries after a failed invocation.", subLabels, nil)
	descDead = prometheus.NewDesc(Namespace+"_subscription_records_dead_lettered_total",
		"Records sent to the dead-letter store.", subLabels, nil)
	descInFlight = prometheus.NewDesc(Namespace+"_subscription_records_in_flight",
		"Records read and not yet finished.", subLabels, nil)
	descAge = prometheus.NewDesc(Namespace+"_subscription_iterator_age_seconds",
		"Age of the oldest unfinished record: the 'are we falling behind' signal.", subLabels, nil)
	descCircuit = prometheus.NewDesc(Namespace+"_subscription_circuit_open",
		"1 while a delivery subscription's circuit is open (its endpoint is down and deliveries are paused), else 0; delivery subscriptions only.", subLabels, nil)
)

type runtimeCollector struct{ stats StatsFunc }

func (c *runtimeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRead, descFiltered, descInvocations, descErrors, descSucceeded, descRetried, descDead, descInFlight, descAge, descCircuit} {
		ch <- d
	}
}

func (c *runtimeCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.stats() {
		l := []string{s.Name, s.Source}
		ch <- prometheus.MustNewConstMetric(descRead, prometheus.CounterValue, float64(s.Read), l...)
		ch <- prometheus.MustNewConstMetric(descFiltered, prometheus.CounterValue, float64(s.Filtered), l...)
		ch <- prometheus.MustNewConstMetric(descInvocations, prometheus.CounterValue, float64(s.Invocations), l...)
		ch <- prometheus.MustNewConstMetric(descErrors, prometheus.CounterValue, float64(s.Errors), l...)
		ch <- prometheus.MustNewConstMetric(descSucceeded, prometheus.CounterValue, float64(s.Succeeded), l...)
		ch <- prometheus.MustNewConstMetric(descRetried, prometheus.CounterValue, float64(s.Retried), l...)
		ch <- prometheus.MustNewConstMetric(descDead, prometheus.CounterValue, float64(s.DeadLettered), l...)
		ch <- prometheus.MustNewConstMetric(descInFlight, prometheus.GaugeValue, float64(s.InFlight), l...)
		ch <- prometheus.MustNewConstMetric(descAge, prometheus.GaugeValue, s.IteratorAge.Seconds(), l...)
		if s.Circuit != nil {
			open := 0.0
			if s.Circuit.State == runtime.CircuitOpen {
				open = 1
			}
			ch <- prometheus.MustNewConstMetric(descCircuit, prometheus.GaugeValue, open, l...)
		}
	}
}

var descSize = prometheus.NewDesc(Namespace+"_store_size",
	"Sizes of the table, the event log and the stores, by what (items_<status>, log_records, dead_letters, database_bytes).",
	[]string{"what"}, nil)

type sizesCollector struct{ sizes SizesFunc }

func (c *sizesCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descSize }

func (c *sizesCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	sizes, err := c.sizes(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descSize, err)
		return
	}
	for what, v := range sizes {
		ch <- prometheus.MustNewConstMetric(descSize, prometheus.GaugeValue, v, what)
	}
}

var _ runtime.Observer = (*Metrics)(nil)

// RegisterRelay exports a cluster api process's relay (docs/cluster.md,
// "The relay"): doctales_relay_leader is 1 while this process holds the
// relay's leadership and copies the PostgreSQL outbox into JetStream, 0
// while it stands by; doctales_relay_records_copied_total counts the
// records it appended to JetStream. Both are read at scrape time.
func (m *Metrics) RegisterRelay(leading func() bool, copied func() int64) {
	m.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "relay_leader",
			Help: "1 while this process is the elected relay and copies the PostgreSQL outbox into JetStream, 0 while it stands by.",
		}, func() float64 {
			if leading() {
				return 1
			}
			return 0
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: Namespace, Name: "relay_records_copied_total",
			Help: "Records this process's relay appended to JetStream (a batch copied again after a takeover counts again).",
		}, func() float64 { return float64(copied()) }),
	)
}

// RegisterRateLimitFallbacks exports doctales_rate_limit_fallbacks_total:
// the requests a cluster api process's rate limits counted in the process
// itself because PostgreSQL, which shares the counts between the api
// processes, failed (postgres.RateLimits). Read at scrape time.
func (m *Metrics) RegisterRateLimitFallbacks(fallbacks func() int64) {
	m.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Namespace: Namespace, Name: "rate_limit_fallbacks_total",
		Help: "Requests whose rate limit was counted in this process only because PostgreSQL, which shares the counts between api processes, failed.",
	}, func() float64 { return float64(fallbacks()) }))
}
