// Package emf writes the pipeline's counters as CloudWatch Embedded Metric
// Format (EMF) lines: on AWS Lambda, a function prints one JSON object to
// stdout at the end of each invocation, CloudWatch Logs extracts its
// metrics asynchronously, and no PutMetricData call (nor its latency,
// permission or failure) is on the invocation's path.
//
// The metrics are those GET /metrics serves on the embedded server, named
// as there without the "doctales_" prefix (function_invocations_total is
// doctales_function_invocations_total), so one dashboard vocabulary serves
// both; what exists only on AWS (comprehend_fallbacks_total,
// subscription_records_failed_total) is listed in docs/aws.md.
//
// The line follows the EMF specification
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
// a root "_aws" member with "Timestamp" (milliseconds since the epoch) and
// "CloudWatchMetrics", one metric directive with the namespace, the
// dimension sets and the metric definitions (name and unit); then each
// dimension and each metric as a root member, the dimension values strings
// and the metric values numbers.
//
// The package has no dependency beyond the standard library, so the Lambda
// binaries do not link the Prometheus client.
package emf

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of every metric.
const Namespace = "DocTales"

// Dimension names. Every metric has both: FunctionName is the deployed
// function's name (AWS_LAMBDA_FUNCTION_NAME, unique per stack, what the
// template's alarms select), Function the role of the code ("api",
// "extraction", "notification") whatever the stack.
const (
	DimFunctionName = "FunctionName"
	DimFunction     = "function"
)

// Unit is a CloudWatch unit.
type Unit string

// The units the metrics use.
const (
	Count   Unit = "Count"
	Seconds Unit = "Seconds"
	Bytes   Unit = "Bytes"
)

// The metrics. The names are those of GET /metrics without "doctales_".
const (
	// FunctionInvocations counts invocations (1 per line).
	FunctionInvocations = "function_invocations_total"
	// FunctionErrors counts invocations that returned an error to Lambda.
	FunctionErrors = "function_errors_total"
	// FunctionDuration is the handler's time, in seconds.
	FunctionDuration = "function_duration_seconds"
	// RecordsRead counts the event's records (S3 records, stream records).
	RecordsRead = "subscription_records_read_total"
	// RecordsDelivered counts the records handled without error.
	RecordsDelivered = "subscription_records_delivered_total"
	// RecordsFailed counts the records that failed: an extraction event
	// that returned an error (Lambda retries it, then sends it to the
	// dead-letter queue), a stream record in BatchItemFailures. There is
	// no local counterpart: locally they are retried and dead-lettered
	// (subscription_records_retried_total, _dead_lettered_total).
	RecordsFailed = "subscription_records_failed_total"
	// HTTPRequests counts the API requests served.
	HTTPRequests = "http_requests_total"
	// IngestBytes counts the bytes of accepted POST /communications bodies.
	IngestBytes = "ingest_bytes_total"
	// ComprehendFallbacks counts communications whose Comprehend calls
	// failed, so that the built-in engine's dimensions stand.
	ComprehendFallbacks = "comprehend_fallbacks_total"
)

// Units gives each metric its unit; a name not listed is not a metric of
// this package.
var Units = map[string]Unit{
	FunctionInvocations: Count,
	FunctionErrors:      Count,
	FunctionDuration:    Seconds,
	RecordsRead:         Count,
	RecordsDelivered:    Count,
	RecordsFailed:       Count,
	HTTPRequests:        Count,
	IngestBytes:         Bytes,
	ComprehendFallbacks: Count,
}

// MaxMetrics is the most metrics one EMF metric directive may define
// (the specification's limit of 100).
const MaxMetrics = 100

// Recorder adds up one invocation's metrics until Flush writes them as a
// line. The zero value is ready; it is safe for concurrent use (a Lambda
// instance runs one invocation at a time, but a handler may count from
// several goroutines).
type Recorder struct {
	mu     sync.Mutex
	values map[string]float64
}

// Add adds v to the metric name. A name that is not in Units panics: it is
// a programming error, and an unknown name would be written without a
// unit.
func (r *Recorder) Add(name string, v float64) {
	if _, ok := Units[name]; !ok {
		panic(fmt.Sprintf("emf: unknown metric %q", name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.values == nil {
		r.values = map[string]float64{}
	}
	r.values[name] += v
}

// Value returns the metric's value so far.
func (r *Recorder) Value(name string) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.values[name]
}

// Flush writes the metrics added since the last Flush as one EMF line
// stamped at, with the dimensions functionName and function, and starts
// over. Only metrics that were added are written (a zero added is
// written: it tells CloudWatch "none" rather than "no data"). Nothing is
// written when none was added. An empty dimension value is an error
// naming it, as CloudWatch would drop the line.
func (r *Recorder) Flush(w io.Writer, at time.Time, functionName, function string) error {
	r.mu.Lock()
	values := r.values
	r.values = nil
	r.mu.Unlock()
	if len(values) == 0 {
		return nil
	}
	line, err := Line(at, map[string]string{DimFunctionName: functionName, DimFunction: function}, values)
	if err != nil {
		return err
	}
	_, err = w.Write(line)
	return err
}

// Directive is an EMF metric directive, the element of "CloudWatchMetrics".
type Directive struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []Definition `json:"Metrics"`
}

// Definition is an EMF metric definition.
type Definition struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit,omitempty"`
}

// Metadata is the root "_aws" member.
type Metadata struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []Directive `json:"CloudWatchMetrics"`
}

// Line returns one EMF line (JSON and a newline) with the dimensions dims
// (one dimension set of all of them) and the metrics values, in the
// Namespace. It is an error if a dimension value is empty, a metric is not
// in Units, a name is both, or there are more than MaxMetrics metrics.
func Line(at time.Time, dims map[string]string, values map[string]float64) ([]byte, error) {
	if len(values) > MaxMetrics {
		return nil, fmt.Errorf("emf: %d metrics; a line may define at most %d", len(values), MaxMetrics)
	}
	root := map[string]any{}
	set := slices.Sorted(maps.Keys(dims))
	for _, k := range set {
		if dims[k] == "" {
			return nil, fmt.Errorf("emf: dimension %q is empty", k)
		}
		root[k] = dims[k]
	}
	d := Directive{Namespace: Namespace, Dimensions: [][]string{set}, Metrics: []Definition{}}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		unit, ok := Units[name]
		if !ok {
			return nil, fmt.Errorf("emf: unknown metric %q", name)
		}
		if _, dup := dims[name]; dup {
			return nil, fmt.Errorf("emf: %q is both a dimension and a metric", name)
		}
		d.Metrics = append(d.Metrics, Definition{Name: name, Unit: unit})
		root[name] = values[name]
	}
	root["_aws"] = Metadata{Timestamp: at.UnixMilli(), CloudWatchMetrics: []Directive{d}}
	b, err := json.Marshal(root)
	if err != nil {
		return nil, fmt.Errorf("emf: %w", err)
	}
	return append(b, '\n'), nil
}
