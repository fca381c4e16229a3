package runtime

//go:generate go test -run TestSemanticsTableInDocs -update .

import (
	"fmt"
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// Semantics of a Lambda-like subscription (Subscription.Semantics).
//
// SemanticsAWS (the default, also meant by "") delivers S3 and DynamoDB
// stream records as AWS Lambda does, by the table below (the AWS…
// constants); SemanticsLocal keeps the runtime's earlier local choices
// (the Local… constants). Topic (SNS source) and delivery subscriptions are
// not Lambda event source mappings and are not affected.
const (
	SemanticsAWS   = "aws"
	SemanticsLocal = "local"
)

// Special values of Subscription.MaxRetryAttempts.
const (
	// RetryUntilExpired is AWS's -1: a failed record is retried until it is
	// older than MaxRecordAge (with SemanticsAWS). With SemanticsLocal, -1
	// keeps its old meaning: no retries.
	RetryUntilExpired = -1
	// NoRetries asks for zero retries under either semantics: 0 means the
	// default, as everywhere in Subscription.
	NoRetries = -2
)

// AWS's documented behaviour of a DynamoDB Streams event source mapping.
//
// Parameters, defaults and limits:
// https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html
// ("MaximumRetryAttempts … -1 means infinite: failed records are retried
// until the record expires … Minimum: 0 Maximum: 10,000";
// "MaximumRecordAgeInSeconds -1 … Minimum: -1 Maximum: 604,800";
// "BatchSize 100 Maximum: 10,000"; "BisectBatchOnFunctionError false";
// "ParallelizationFactor 1 Maximum: 10"). The 60-second minimum of a
// positive record age: the announcement of the setting,
// https://www.amazonaws.cn/en/new/2019/aws-lambda-supports-failure-handling-features-for-kinesis-and-dynamodb-event-sources/
// ("Maximum Record Age … can be configured from 60 seconds to 7 days"),
// and the CDK's DynamoEventSource (maxRecordAge "Minimum value of 60
// seconds - Maximum value of 7 days").
//
// Partial batch response:
// https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html
// ("If the batchItemFailures array contains multiple items, Lambda uses the
// record with the lowest sequence number as the checkpoint. Lambda then
// retries all records starting from that checkpoint." — records after a
// failed one are retried, not skipped; "If the invocation fails and
// BisectBatchOnFunctionError is turned on, the batch is bisected regardless
// of your ReportBatchItemFailures setting. When a partial batch success
// response is received and both BisectBatchOnFunctionError and
// ReportBatchItemFailures are turned on, the batch is bisected at the
// returned sequence number and Lambda retries only the remaining records.")
const (
	AWSStreamDefaultBatchSize       = 100
	AWSStreamMaxBatchSize           = 10000
	AWSStreamDefaultRetryAttempts   = RetryUntilExpired
	AWSStreamMaxRetryAttempts       = 10000
	AWSStreamDefaultRecordAge       = time.Duration(-1) // infinite: until the stream trims the record (24 h on DynamoDB)
	AWSStreamMinRecordAge           = 60 * time.Second
	AWSStreamMaxRecordAge           = 604800 * time.Second
	AWSStreamDefaultBisect          = false
	AWSStreamDefaultParallelization = 1
	AWSStreamMaxParallelization     = 10
)

// AWS's documented behaviour of an asynchronous invocation, which is how S3
// invokes a function (one event per object: a Records array of one).
//
// S3 invokes asynchronously: https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html
// ("Amazon S3 invokes your function asynchronously with an event that
// contains details about the object"), one record per event. Order is not
// promised: notifications are "designed to be delivered at least once"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventNotifications.html),
// each carries a sequencer "used to determine event sequence"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html)
// because arrival does not, and Lambda's asynchronous queue puts a failed
// event back for a retry minutes later while the others go on.
//
// Retries: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
// ("If the function returns an error, by default Lambda attempts to run it
// two more times, with a one-minute wait between the first two attempts,
// and two minutes between the second and third attempts. Function errors
// include … timeouts."). Limits:
// https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-configuring.html
// ("Maximum age of event … up to 6 hours"; "Retry attempts … between 0
// and 2"); the 60-second minimum of the event age: the CDK's
// EventInvokeConfig (maxEventAge "Minimum: 60 seconds Maximum: 6 hours
// Default: Duration.hours(6)").
const (
	AWSAsyncBatchSize          = 1
	AWSAsyncDefaultRetries     = 2
	AWSAsyncMaxRetries         = 2
	AWSAsyncFirstRetryDelay    = time.Minute
	AWSAsyncSecondRetryDelay   = 2 * time.Minute
	AWSAsyncDefaultMaxEventAge = 6 * time.Hour
	AWSAsyncMinMaxEventAge     = 60 * time.Second
	AWSAsyncMaxMaxEventAge     = 6 * time.Hour
	AWSAsyncOrdered            = false
)

// AWS's function timeout: "The default value for this setting is 3
// seconds, but you can adjust this in increments of 1 second up to a
// maximum value of 900 seconds (15 minutes)",
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html.
// An invocation past it fails, and is retried as any function error (see
// the asynchronous retries above: "Function errors include … timeouts").
const (
	AWSFunctionDefaultTimeout = 3 * time.Second
	AWSFunctionMaxTimeout     = 900 * time.Second
)

// The local runtime's earlier choices, kept behind SemanticsLocal.
const (
	LocalDefaultBatchSize     = DefaultBatchSize
	LocalDefaultRetryAttempts = DefaultMaxRetryAttempts
	LocalDefaultRecordAge     = DefaultMaxRecordAge
	LocalDefaultConcurrency   = DefaultConcurrency
	LocalDefaultTimeout       = time.Duration(0) // none
)

// isLambda reports whether s is a Lambda-like subscription (an S3 or
// DynamoDB stream source without a delivery policy) under AWS semantics.
func (s *Subscription) isAWS() bool {
	return s.Semantics != SemanticsLocal && s.Delivery == nil &&
		(s.Source == doctales.SourceS3 || s.Source == doctales.SourceDynamoDB)
}

// isAsync reports whether s is delivered as an asynchronous invocation (S3
// under AWS semantics): one record per invocation, each retried on its own
// schedule without holding up the others.
func (s *Subscription) isAsync() bool {
	return s.isAWS() && s.Source == doctales.SourceS3
}

// validateSemantics checks the AWS limits of s under AWS semantics.
func (s *Subscription) validateSemantics() error {
	switch s.Semantics {
	case "", SemanticsAWS, SemanticsLocal:
	default:
		return doctales.FieldErrorf(doctales.EINVALID, "Semantics", "subscription %q: semantics %q is not %q or %q", s.Name, s.Semantics, SemanticsAWS, SemanticsLocal)
	}
	if s.Timeout < 0 || s.Timeout > AWSFunctionMaxTimeout {
		return doctales.FieldErrorf(doctales.EINVALID, "Timeout", "subscription %q: timeout %s is outside 0..%s", s.Name, s.Timeout, AWSFunctionMaxTimeout)
	}
	if !s.isAWS() {
		return nil
	}
	age := s.MaxRecordAge
	if s.isAsync() {
		switch {
		case s.MaxRetryAttempts == RetryUntilExpired || s.MaxRetryAttempts > AWSAsyncMaxRetries:
			return doctales.FieldErrorf(doctales.EINVALID, "MaxRetryAttempts", "subscription %q: an S3 (asynchronous) invocation is retried 0..%d times, not %d", s.Name, AWSAsyncMaxRetries, s.MaxRetryAttempts)
		case age != 0 && (age < AWSAsyncMinMaxEventAge || age > AWSAsyncMaxMaxEventAge):
			return doctales.FieldErrorf(doctales.EINVALID, "MaxRecordAge", "subscription %q: the maximum event age of an S3 (asynchronous) invocation is %s..%s, not %s", s.Name, AWSAsyncMinMaxEventAge, AWSAsyncMaxMaxEventAge, age)
		}
		return nil
	}
	switch {
	case s.MaxRetryAttempts > AWSStreamMaxRetryAttempts:
		return doctales.FieldErrorf(doctales.EINVALID, "MaxRetryAttempts", "subscription %q: maximum retry attempts %d is more than %d", s.Name, s.MaxRetryAttempts, AWSStreamMaxRetryAttempts)
	case age > 0 && (age < AWSStreamMinRecordAge || age > AWSStreamMaxRecordAge):
		return doctales.FieldErrorf(doctales.EINVALID, "MaxRecordAge", "subscription %q: maximum record age %s is outside %s..%s (or -1, infinite)", s.Name, age, AWSStreamMinRecordAge, AWSStreamMaxRecordAge)
	case s.Concurrency > AWSStreamMaxParallelization:
		return doctales.FieldErrorf(doctales.EINVALID, "Concurrency", "subscription %q: parallelization factor %d is more than %d", s.Name, s.Concurrency, AWSStreamMaxParallelization)
	}
	return nil
}

// RetryDelay returns the wait before retry n (1 for the first) of a
// subscription as configured: for an S3 subscription under AWS semantics
// the asynchronous schedule (RetryBaseDelay, default one minute, then twice
// that), otherwise the exponential backoff's upper bound (the runtime waits
// between half of it and it: full jitter).
func (s Subscription) RetryDelay(n int) time.Duration {
	s = s.withDefaults()
	if s.isAsync() {
		return s.RetryBaseDelay << min(max(n-1, 0), 20)
	}
	d := s.RetryBaseDelay << min(max(n-1, 0), 20)
	if d <= 0 || d > s.RetryMaxDelay {
		d = s.RetryMaxDelay
	}
	return d
}

// SemanticsRow is one line of the "local vs AWS" table.
type SemanticsRow struct {
	Setting string
	AWS     string // the AWS behaviour (and the runtime's under SemanticsAWS)
	Local   string // the runtime's under SemanticsLocal
}

// SemanticsTable is the comparison of the local runtime's two semantics,
// built from the constants above, for docs/aws.md (a test checks that the
// table there is this one).
func SemanticsTable() []SemanticsRow {
	retries := func(n int) string {
		if n == RetryUntilExpired {
			return "-1 (until the record expires)"
		}
		return fmt.Sprint(n)
	}
	age := func(d time.Duration) string {
		if d < 0 {
			return "-1 (infinite)"
		}
		return fmt.Sprintf("%d s", int64(d/time.Second))
	}
	return []SemanticsRow{
		{"stream batch size (default, max)", fmt.Sprintf("%d, %d", AWSStreamDefaultBatchSize, AWSStreamMaxBatchSize), fmt.Sprintf("%d, %d", LocalDefaultBatchSize, MaxBatchSize)},
		{"stream `MaximumRetryAttempts` default", retries(AWSStreamDefaultRetryAttempts), retries(LocalDefaultRetryAttempts)},
		{"stream `MaximumRetryAttempts: -1`", "retry until the record expires", "no retries"},
		{"stream `MaximumRetryAttempts` range", fmt.Sprintf("-1, 0..%d", AWSStreamMaxRetryAttempts), "-1 (none), 0..10000"},
		{"stream `MaximumRecordAgeInSeconds` default", age(AWSStreamDefaultRecordAge), age(LocalDefaultRecordAge)},
		{"stream `MaximumRecordAgeInSeconds` range", fmt.Sprintf("-1, %d..%d", int64(AWSStreamMinRecordAge/time.Second), int64(AWSStreamMaxRecordAge/time.Second)), "-1, any positive"},
		{"stream `ParallelizationFactor` default (max)", fmt.Sprintf("%d (%d)", AWSStreamDefaultParallelization, AWSStreamMaxParallelization), fmt.Sprintf("%d (%d)", LocalDefaultConcurrency, MaxConcurrency)},
		{"stream `BisectBatchOnFunctionError` default", fmt.Sprint(AWSStreamDefaultBisect), "false"},
		{"partial batch response (`ReportBatchItemFailures`)", "records before the lowest failed one are checkpointed; it and all after it are retried", "same"},
		{"partial batch response with bisect", "split at the failed record; the rest is retried whole", "the rest is halved again"},
		{"S3 records per invocation", fmt.Sprint(AWSAsyncBatchSize), "up to the batch size, in order"},
		{"S3 order", "none: a failing event does not hold up others", "per object key; a failing record holds up its worker"},
		{"S3 retries (default, max)", fmt.Sprintf("%d, %d", AWSAsyncDefaultRetries, AWSAsyncMaxRetries), fmt.Sprintf("%d, 10000", LocalDefaultRetryAttempts)},
		{"S3 retry delays", fmt.Sprintf("%s, %s", AWSAsyncFirstRetryDelay, AWSAsyncSecondRetryDelay), fmt.Sprintf("exponential from %s to %s, jittered", DefaultRetryBaseDelay, DefaultRetryMaxDelay)},
		{"S3 maximum event age (default, range)", fmt.Sprintf("%s, %s..%s", AWSAsyncDefaultMaxEventAge, AWSAsyncMinMaxEventAge, AWSAsyncMaxMaxEventAge), fmt.Sprintf("%s, any", LocalDefaultRecordAge)},
		{"record age counted from", "the record's creation, or the runtime's start if later (AWS is never down)", "the record's creation: downtime counts"},
		{"function timeout (default, max)", fmt.Sprintf("%s, %s", AWSFunctionDefaultTimeout, AWSFunctionMaxTimeout), "none"},
	}
}

// SemanticsMarkdown renders SemanticsTable as the Markdown table of
// docs/aws.md.
func SemanticsMarkdown() string {
	var b strings.Builder
	b.WriteString("| setting | AWS, and the local runtime by default (`Semantics: aws`) | the local runtime with `Semantics: local` |\n|---|---|---|\n")
	for _, r := range SemanticsTable() {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.Setting, r.AWS, r.Local)
	}
	return b.String()
}

// Effective returns s with its defaults filled in, as the runtime runs it:
// MaxRetryAttempts is then -1 (until the record expires) or the number of
// retries, and MaxRecordAge -1 (no limit) or the limit.
func (s Subscription) Effective() Subscription { return s.withDefaults() }
