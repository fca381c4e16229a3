// Package function holds two of the pipeline's three functions, written as
// plain Go over the AWS event shapes so the same code runs in the embedded
// runtime, on a self-hosted cluster and on AWS Lambda:
//
//   - [Ingestion] stores a normalised communication raw in the object store
//     (whose put announces it with an s3:ObjectCreated:Put event) and records
//     it in the table (whose insert appends an INSERT stream record).
//   - [Extraction] handles events.S3Event: it reads the object back, asks the
//     extractor for its dimensions and updates the item (a MODIFY stream
//     record).
//
// The third, notification, lives in package notify.
//
// Both are idempotent: delivery is at least once, so the same event may
// arrive twice; a retried ingestion gives the same answer, a repeated
// extraction overwrites with the same result and the table then writes no
// stream record.
package function
