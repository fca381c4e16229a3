package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/doctales/doctales/extract"
)

// scrape reads /metrics through the Prometheus text parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value returns the value of the metric in fams with the given labels.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	if _, ok := fams[name]; !ok {
		t.Fatalf("metric %s not exported", name)
	}
	return metricValue(fams[name], labels)
}

// valueOK reports whether metric name with labels is exported and is want.
func valueOK(fams map[string]*dto.MetricFamily, name string, labels map[string]string, want float64) bool {
	fam, ok := fams[name]
	return ok && metricValue(fam, labels) == want
}

// metricValue returns the value of fam's metric with labels (a
// histogram's sample count), or 0 when it has none.
func metricValue(fam *dto.MetricFamily, labels map[string]string) float64 {
	for _, m := range fam.Metric {
		match := true
		for k, v := range labels {
			found := false
			for _, lp := range m.Label {
				if lp.GetName() == k && lp.GetValue() == v {
					found = true
				}
			}
			match = match && found
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

func TestMetrics(t *testing.T) {
	fx := &faultyExtractor{next: extract.New()}
	fx.broken.Store(true)
	cfgFile := fastRetriesConfig(t, 1, 1, false, "")
	// A webhook that takes everything, so that its delivery subscription's
	// metrics (the circuit) are exported too.
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(hook.Close)
	m := MustRunMain(t, func(m *Main) { m.Pipeline.Extractor = fx }, "--config", cfgFile, "--webhook", hook.URL)
	url := m.URL()

	before := scrape(t, url)
	if v := value(t, before, "doctales_subscription_records_read_total", map[string]string{"subscription": "extraction"}); v != 0 {
		t.Fatalf("read before any post = %v", v)
	}
	post(t, url, calmEmail)
	post(t, url, calmEmail)
	post(t, url, urgentEmail)
	post(t, url, `{"id":"poison","source":"email","body":"POISON"}`)
	waitIdle(t, url, 20*time.Second)

	ext := map[string]string{"subscription": "extraction"}
	not := map[string]string{"subscription": "notification"}
	want := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"doctales_http_requests_total", map[string]string{"route": "POST /communications", "code": "202"}, 4},
		{"doctales_subscription_records_read_total", ext, 4},
		{"doctales_subscription_records_delivered_total", ext, 3},
		{"doctales_subscription_records_retried_total", ext, 1},
		{"doctales_subscription_records_dead_lettered_total", ext, 1},
		{"doctales_subscription_records_filtered_total", ext, 0},
		{"doctales_function_errors_total", ext, 2},
		// The stream: 4 INSERTs, 3 MODIFYs to extracted, 1 MODIFY to failed.
		// Only the urgent item's MODIFY has urgency high.
		{"doctales_subscription_records_read_total", not, 8},
		{"doctales_subscription_records_filtered_total", not, 7},
		{"doctales_subscription_records_delivered_total", not, 1},
		{"doctales_subscription_record_outcomes_total", map[string]string{"subscription": "notification", "outcome": "filtered"}, 7},
		{"doctales_subscription_records_delivered_total", map[string]string{"subscription": "topic/log"}, 1},
		{"doctales_subscription_records_delivered_total", map[string]string{"subscription": "topic/webhook-2"}, 1},
		{"doctales_subscription_circuit_open", map[string]string{"subscription": "topic/webhook-2"}, 0},
		{"doctales_function_duration_seconds", map[string]string{"subscription": "extraction", "result": "ok"}, 3},
		{"doctales_subscription_iterator_age_seconds", ext, 0},
		{"doctales_store_size", map[string]string{"what": "dead_letters"}, 1},
		{"doctales_store_size", map[string]string{"what": "items_extracted"}, 3},
	}
	// Some counters settle just after the flow is idle (the last
	// delivery's outcome, the store sizes): scrape until they all match, or
	// 10 s have passed and the checks below say which do not.
	f := scrape(t, url)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); f = scrape(t, url) {
		settled := true
		for _, c := range want {
			settled = settled && valueOK(f, c.name, c.labels, c.want)
		}
		if settled {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, c := range want {
		if got := value(t, f, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if v := value(t, f, "doctales_ingest_bytes_total", nil); v < 300 {
		t.Errorf("ingest bytes = %v, want the bodies' sizes", v)
	}

	// Every metric the Grafana dashboard and the operations guide name is
	// exported.
	for _, file := range []string{"../../deploy/grafana/doctales.json", "../../docs/operations.md"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range regexp.MustCompile(`doctales_[a-z_]+`).FindAllString(string(b), -1) {
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
			if _, ok := f[base]; !ok {
				t.Errorf("%s names %s, which /metrics does not export", file, name)
			}
		}
	}
}
