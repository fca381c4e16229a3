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

// The specification's limits and units.
const (
	maxDimensionsPerSet = 30
	maxNameLen          = 1024
)

// units are the units the specification allows.
var units = map[string]bool{
	"Seconds": true, "Microseconds": true, "Milliseconds": true, "Bytes": true, "Kilobytes": true,
	"Megabytes": true, "Gigabytes": true, "Terabytes": true, "Bits": true, "Kilobits": true,
	"Megabits": true, "Gigabits": true, "Terabits": true, "Percent": true, "Count": true,
	"Bytes/Second": true, "Kilobytes/Second": true, "Megabytes/Second": true, "Gigabytes/Second": true,
	"Terabytes/Second": true, "Bits/Second": true, "Kilobits/Second": true, "Megabits/Second": true,
	"Gigabits/Second": true, "Terabits/Second": true, "Count/Second": true, "None": true,
}

// Validate checks that line is one EMF log event as the specification
// describes it, and returns the first violation: a JSON object with a root
// "_aws" object holding an integer "Timestamp" and a "CloudWatchMetrics"
// array of directives, each with a "Namespace" of 1 to 1024 characters,
// "Dimensions" an array of dimension sets (arrays of at most 30 names,
// each naming a root member whose value is a string) and "Metrics" an
// array of at most 100 definitions, each with a "Name" naming a root
// member whose value is a number (or an array of at most 100 numbers), an
// optional "Unit" among the CloudWatch units and an optional
// "StorageResolution" of 1 or 60. CloudWatch drops a line that fails these
// checks; tests use Validate on what the functions print.
func Validate(line []byte) error {
	var root map[string]json.RawMessage
	if err := json.Unmarshal(line, &root); err != nil {
		return fmt.Errorf("emf: not a JSON object: %w", err)
	}
	var aws struct {
		Timestamp         *json.Number `json:"Timestamp"`
		CloudWatchMetrics *[]struct {
			Namespace  *string     `json:"Namespace"`
			Dimensions *[][]string `json:"Dimensions"`
			Metrics    *[]struct {
				Name              *string `json:"Name"`
				Unit              *string `json:"Unit"`
				StorageResolution *int    `json:"StorageResolution"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	}
	raw, ok := root["_aws"]
	if !ok {
		return fmt.Errorf("emf: no _aws member")
	}
	if err := json.Unmarshal(raw, &aws); err != nil {
		return fmt.Errorf("emf: _aws: %w", err)
	}
	if aws.Timestamp == nil {
		return fmt.Errorf("emf: _aws.Timestamp is missing")
	}
	if _, err := aws.Timestamp.Int64(); err != nil {
		return fmt.Errorf("emf: _aws.Timestamp %s is not an integer number of milliseconds", *aws.Timestamp)
	}
	if aws.CloudWatchMetrics == nil {
		return fmt.Errorf("emf: _aws.CloudWatchMetrics is missing")
	}
	member := func(name string, want func(json.RawMessage) bool) bool {
		v, ok := root[name]
		return ok && want(v)
	}
	isString := func(v json.RawMessage) bool { var s string; return json.Unmarshal(v, &s) == nil }
	isNumber := func(v json.RawMessage) bool {
		var f float64
		if json.Unmarshal(v, &f) == nil {
			return true
		}
		var fs []float64
		return json.Unmarshal(v, &fs) == nil && len(fs) > 0 && len(fs) <= MaxMetrics
	}
	for i, d := range *aws.CloudWatchMetrics {
		if d.Namespace == nil || len(*d.Namespace) < 1 || len(*d.Namespace) > maxNameLen {
			return fmt.Errorf("emf: CloudWatchMetrics[%d].Namespace is missing or not 1 to %d characters", i, maxNameLen)
		}
		if d.Dimensions == nil {
			return fmt.Errorf("emf: CloudWatchMetrics[%d].Dimensions is missing", i)
		}
		for j, set := range *d.Dimensions {
			if len(set) > maxDimensionsPerSet {
				return fmt.Errorf("emf: CloudWatchMetrics[%d].Dimensions[%d] has %d dimensions; the limit is %d", i, j, len(set), maxDimensionsPerSet)
			}
			for _, name := range set {
				if !member(name, isString) {
					return fmt.Errorf("emf: dimension %q has no string member at the root", name)
				}
			}
		}
		if d.Metrics == nil {
			return fmt.Errorf("emf: CloudWatchMetrics[%d].Metrics is missing", i)
		}
		if len(*d.Metrics) > MaxMetrics {
			return fmt.Errorf("emf: CloudWatchMetrics[%d].Metrics has %d metrics; the limit is %d", i, len(*d.Metrics), MaxMetrics)
		}
		for _, m := range *d.Metrics {
			if m.Name == nil || len(*m.Name) < 1 || len(*m.Name) > maxNameLen {
				return fmt.Errorf("emf: CloudWatchMetrics[%d] has a metric without a name of 1 to %d characters", i, maxNameLen)
			}
			if !member(*m.Name, isNumber) {
				return fmt.Errorf("emf: metric %q has no numeric member at the root", *m.Name)
			}
			if m.Unit != nil && !units[*m.Unit] {
				return fmt.Errorf("emf: metric %q: unit %q is not a CloudWatch unit", *m.Name, *m.Unit)
			}
			if m.StorageResolution != nil && *m.StorageResolution != 1 && *m.StorageResolution != 60 {
				return fmt.Errorf("emf: metric %q: StorageResolution %d is not 1 or 60", *m.Name, *m.StorageResolution)
			}
		}
	}
	return nil
}
