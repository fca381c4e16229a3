// Package sqlite is the embedded store of the Doc-Tales pipeline: in one
// SQLite file it plays DynamoDB (the communications table), DynamoDB
// Streams (the table's change stream), SNS (topics) and the durable event
// log that the in-process runtime delivers from, in place of Lambda's event
// source mappings.
//
//	ingestion ──Append(aws:s3)──────────────┐
//	ingestion ──CreateItem──► items ─INSERT─┤
//	extraction ─UpdateItem──► items ─MODIFY─┼──► log ──ReadLog/Changed──► runtime ──► handlers
//	notification ─Topic.Publish(aws:sns)────┘            Checkpoint, dead letters, Redrive
//
// [DB] satisfies [doctales.Table], [doctales.EventLog],
// [doctales.DeadLetterStore] and [doctales.Ledger]; [DB.Topic] returns a
// [doctales.Topic].
//
// # Change stream
//
// Every write to the table appends, in the same transaction, a log record
// with source "aws:dynamodb" whose data is an events.DynamoDBEventRecord
// with both images (StreamViewType NEW_AND_OLD_IMAGES), so a filter pattern
// such as {"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high"]}}}}}}
// reads the same here as on AWS. The row and its record commit together or
// not at all: there is no outbox to drain. As on DynamoDB Streams, an update
// that changes nothing appends nothing. SequenceNumber is the log seq,
// zero-padded to 20 digits, so it increases in both numeric and text order.
//
// # Durability and group commit
//
// The file runs in WAL mode with synchronous=FULL: when a write method
// returns nil, its transaction is on disk and survives kill -9 or a power
// loss. That costs one fsync per commit, so writes are not committed one by
// one: a single writer goroutine takes every request waiting in a bounded
// queue (up to [DB.MaxBatchSize]), runs each in its own SAVEPOINT inside one
// transaction, commits once and then acknowledges them all. A request that
// fails is rolled back to its savepoint and fails alone. When the queue is
// full ([DB.WriteQueueSize]), callers block on their context. Reads use a
// separate pool of query-only connections that WAL lets run beside the
// writer, and a background connection checkpoints the WAL every
// [DB.CheckpointInterval] so that commits do not pay for it.
//
// A request whose context ends while it waits in the queue is skipped. Once
// the writer has started it, it commits or fails with its batch; a caller
// that stopped waiting gets ctx.Err() and cannot tell which, so writes are
// idempotent where it matters (CreateItem, Topic.Publish, MarkSent).
//
// # Errors
//
// Methods return *doctales.Error for conditions a client can act on:
// ENOTFOUND for a missing item or dead letter, EINVALID for bad input (a
// malformed page cursor names the field "next"), EOVERLOADED when another
// process holds the database lock longer than [DB.BusyTimeout]. Other
// errors are internal and wrapped with what was being done.
package sqlite
