package emf_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales/metrics/emf"
)

// specExample is the example of the EMF specification's page.
const specExample = `{
  "_aws": {
    "Timestamp": 1574109732004,
    "CloudWatchMetrics": [
      {
        "Namespace": "lambda-function-metrics",
        "Dimensions": [["functionVersion"]],
        "Metrics": [{"Name": "time", "Unit": "Milliseconds", "StorageResolution": 60}]
      }
    ]
  },
  "functionVersion": "$LATEST",
  "time": 100,
  "requestId": "989ffbf8-9ace-4817-a57c-e4dd734019ee"
}`

func TestValidate(t *testing.T) {
	if err := emf.Validate([]byte(specExample)); err != nil {
		t.Fatalf("the specification's example: %v", err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"NoAws", `"_aws"`, `"aws"`, "no _aws"},
		{"NoTimestamp", `"Timestamp": 1574109732004,`, ``, "Timestamp is missing"},
		{"FloatTimestamp", `1574109732004`, `1574109732.004`, "not an integer"},
		{"NoNamespace", `"Namespace": "lambda-function-metrics",`, ``, "Namespace"},
		{"DimensionMissing", `"functionVersion": "$LATEST",`, ``, `dimension "functionVersion"`},
		{"DimensionNotString", `"functionVersion": "$LATEST"`, `"functionVersion": 1`, `dimension "functionVersion"`},
		{"MetricMissing", `"time": 100,`, ``, `metric "time"`},
		{"MetricNotNumber", `"time": 100`, `"time": "100"`, `metric "time"`},
		{"BadUnit", `"Milliseconds"`, `"Millis"`, `unit "Millis"`},
		{"BadResolution", `"StorageResolution": 60`, `"StorageResolution": 30`, "StorageResolution 30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line := strings.Replace(specExample, tc.from, tc.to, 1)
			if line == specExample {
				t.Fatalf("%q not in the example", tc.from)
			}
			if err := emf.Validate([]byte(line)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestRecorder_Flush(t *testing.T) {
	var r emf.Recorder
	r.Add(emf.FunctionInvocations, 1)
	r.Add(emf.RecordsRead, 3)
	r.Add(emf.RecordsFailed, 1)
	r.Add(emf.RecordsRead, 2)
	r.Add(emf.ComprehendFallbacks, 0) // a zero added is written
	r.Add(emf.FunctionDuration, 0.25)
	at := time.Date(2026, 12, 5, 22, 0, 0, 123e6, time.UTC)
	var buf bytes.Buffer
	if err := r.Flush(&buf, at, "doc-tales-extraction-dev", "extraction"); err != nil {
		t.Fatal(err)
	}
	line := buf.Bytes()
	if bytes.Count(line, []byte("\n")) != 1 || !bytes.HasSuffix(line, []byte("\n")) {
		t.Fatalf("not one line: %q", line)
	}
	if err := emf.Validate(line); err != nil {
		t.Fatalf("%v in %s", err, line)
	}
	var got struct {
		Aws          emf.Metadata `json:"_aws"`
		FunctionName string
		Function     string   `json:"function"`
		Read         float64  `json:"subscription_records_read_total"`
		Failed       float64  `json:"subscription_records_failed_total"`
		Invocations  float64  `json:"function_invocations_total"`
		Fallbacks    *float64 `json:"comprehend_fallbacks_total"`
		Duration     float64  `json:"function_duration_seconds"`
		Errors       *float64 `json:"function_errors_total"`
	}
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatal(err)
	}
	if got.Aws.Timestamp != at.UnixMilli() || len(got.Aws.CloudWatchMetrics) != 1 {
		t.Fatalf("_aws %+v", got.Aws)
	}
	d := got.Aws.CloudWatchMetrics[0]
	if d.Namespace != "DocTales" || len(d.Dimensions) != 1 || strings.Join(d.Dimensions[0], ",") != "FunctionName,function" {
		t.Fatalf("directive %+v", d)
	}
	units := map[string]emf.Unit{}
	for _, m := range d.Metrics {
		units[m.Name] = m.Unit
	}
	if len(units) != 5 || units["function_duration_seconds"] != emf.Seconds || units["subscription_records_read_total"] != emf.Count {
		t.Fatalf("metrics %+v", d.Metrics)
	}
	if got.FunctionName != "doc-tales-extraction-dev" || got.Function != "extraction" || got.Read != 5 || got.Failed != 1 ||
		got.Invocations != 1 || got.Fallbacks == nil || *got.Fallbacks != 0 || got.Duration != 0.25 || got.Errors != nil {
		t.Fatalf("values %+v", got)
	}

	// Flushed: the next invocation starts from zero, and with nothing
	// added nothing is written.
	buf.Reset()
	if err := r.Flush(&buf, at, "f", "extraction"); err != nil || buf.Len() != 0 || r.Value(emf.RecordsRead) != 0 {
		t.Fatalf("second flush wrote %q, %v", buf.String(), err)
	}
	r.Add(emf.FunctionInvocations, 1)
	if err := r.Flush(&buf, at, "", "extraction"); err == nil || !strings.Contains(err.Error(), `"FunctionName"`) {
		t.Fatalf("empty FunctionName: %v", err)
	}
}

func TestRecorder_UnknownMetric(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), `"nope"`) {
			t.Fatalf("recover() = %v", r)
		}
	}()
	var r emf.Recorder
	r.Add("nope", 1)
}

func TestLine_Limits(t *testing.T) {
	values := map[string]float64{}
	for name := range emf.Units {
		values[name] = 1
	}
	if _, err := emf.Line(time.Now(), map[string]string{"function": "x"}, values); err != nil {
		t.Fatal(err)
	}
	values["nope"] = 1
	if _, err := emf.Line(time.Now(), map[string]string{"function": "x"}, values); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("an unknown metric: %v", err)
	}
}
