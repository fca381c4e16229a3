// Package runtime delivers events from the durable log to functions, the way
// AWS Lambda event source mappings deliver S3 notifications and DynamoDB
// stream records.
//
// # Where it sits
//
// The object store appends s3:ObjectCreated records to the log, the table
// appends its stream records, the topic appends its messages. A
// [Subscription] connects one source of the log to one function, with the
// settings of an event source mapping: filter patterns, batch size, maximum
// retry attempts, maximum record age, bisect-on-error, an on-failure
// destination (the dead-letter store) and a concurrency.
//
// # Guarantees
//
//   - Delivery is at least once. A checkpoint per subscription records how
//     far every record is finished; after a crash delivery resumes from it,
//     so a record may be delivered again and functions must be idempotent.
//   - Order is kept per record key (except S3 records under AWS semantics):
//     records with the same key go to the same worker, in log order. A
//     failing record blocks only its worker, and only until it is
//     dead-lettered.
//   - Records that match no filter are dropped and counted, never retried or
//     dead-lettered. The filters of every subscription read one flattening
//     of each record, shared through Runtime.Flats (a pattern.FlatCache
//     keyed by Seq), not one each.
//   - A failing batch is retried with exponential backoff and full jitter; with
//     BisectOnError it is split in halves until the failing record stands
//     alone; a record that fails MaxRetryAttempts+1 times, or is older than
//     MaxRecordAge, goes to the dead-letter store with its error, attempt
//     count and timestamps, and delivery moves on.
//   - A handler error with a Permanent method reporting true
//     ([PermanentError]) is not retried: that record is dead-lettered at
//     once and the others go on.
//   - Close stops reading, lets in-flight invocations see a cancelled context,
//     and does not count their failure: they are delivered again after the
//     next start.
//
// # Partitions
//
// Several processes can share one subscription on a shared log (NATS
// JetStream, package nats): each runs it with its own [Partition]
// {Index, Count} and takes only the records whose key falls in its
// partition by doctales.KeyPartition, so one key always goes to one
// process and keeps its order there. Each partition keeps its own
// checkpoint ("name/part-i-of-n"); one that has none yet starts from the
// unpartitioned subscription's. A log that is a [PartitionReader] (the
// NATS log, for a power-of-two Count) hands each partition its own
// records only; on another log each partition reads the whole source and
// skips the others' records. Partitions are static: a process that stops
// leaves its keys waiting until it (or another process with the same
// Index) starts again; it resumes from its checkpoint.
//
// # Acknowledged feeds
//
// A Runtime with [Runtime.Feeds] set reads each subscription (but those
// that start at the latest record) from a [Feed] of deliveries instead of
// the log after its checkpoint: package nats gives one on a JetStream
// durable pull consumer per subscription and partition. Each [Delivery]
// is acknowledged where the checkpoint path finishes its record (done,
// filtered, another partition's or subscription's, dead-lettered), kept
// in progress every [Feed.KeepAlive] while the runtime holds it (queued,
// in an invocation, waiting for a retry), and its delivery count carries
// on the attempts of a record whose process died. Filters, batches,
// bisect, per-key order, retries and dead letters are the same on both
// paths; the feed's server keeps what was finished and gives what a dead
// process held to the next.
//
// # AWS semantics
//
// By default ([SemanticsAWS]) an S3 or DynamoDB subscription behaves as AWS
// Lambda does, by the documented values of awsbehaviour.go (each with the
// AWS page it comes from): a stream subscription takes AWS's defaults
// (MaxRetryAttempts -1, retry until the record is older than MaxRecordAge;
// no age limit; one worker), a partial batch response with BisectOnError
// retries the records from the failed one whole instead of halving them;
// an S3 subscription is an asynchronous invocation: one record per
// invocation, retried on its own after RetryBaseDelay (one minute) and
// twice that while the records behind it go on, so S3 records are not
// ordered; a record's age counts from the runtime's start at the earliest;
// and an invocation longer than Timeout (3 s by default) fails. The
// guarantees above hold under both semantics, except that S3 records are
// ordered per key only under [SemanticsLocal], which keeps the earlier
// local behaviour. [SemanticsTable] lists the differences; the conformance
// test runs the same scenarios on the runtime and on a model of AWS.
//
// # Delivery subscriptions
//
// A subscription with a [DeliveryPolicy] (a topic subscriber such as a
// webhook) delivers the way SNS delivers to HTTP/S endpoints instead: each
// failed record is retried on the policy's four phases (immediate,
// pre-backoff, backoff, post-backoff; [DeliveryPolicy.Delay]) and
// dead-lettered only when they are exhausted; calls are throttled to
// maxReceivesPerSecond; the records after a failed one are not charged an
// attempt; and a circuit ([CircuitState]) pauses the subscription after
// consecutive failures, probing at the policy's pace with one record while
// the others wait, unattempted and in order, until the endpoint answers.
package runtime
