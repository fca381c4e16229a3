// Package s3 is the object store of Doc-Tales on Amazon S3, or on any
// S3-compatible server (MinIO, SeaweedFS, s3rver): the raw communications
// bucket of the architecture.
//
//	ingestion ─▶ [Store.Put] ─▶ bucket ──s3:ObjectCreated:*──▶ extraction ─▶ [Store.Get]
//
// [Store] satisfies [doctales.ObjectStore]. Unlike the embedded store
// (package fsblob) it does not announce objects itself: on AWS the bucket's
// event notification does, and the SAM template (deploy/sam) wires it to the
// extraction function.
//
// # Objects
//
// [Store.Put] writes one object with its content type and a Content-MD5
// header, so S3 rejects a body damaged in transit; [Store.PutObject] also
// sets user metadata (x-amz-meta-*). [Store.Get] and [Store.Head] return the
// ETag (without quotes), size, modification time, content type and
// metadata. [Store.List] walks a prefix page by page (ListObjectsV2).
//
// # Errors
//
// A missing key is ENOTFOUND, an invalid key EINVALID (field "key"), a
// missing bucket ENOTFOUND; throttling (SlowDown, 503) is EOVERLOADED after
// the SDK's own retries. Everything else is returned wrapped with the
// operation and key.
package s3
