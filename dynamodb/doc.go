// Package dynamodb is the table of Doc-Tales on Amazon DynamoDB (or a
// DynamoDB-compatible server such as dynalite): the communications table of
// the architecture, whose stream feeds the notification function, and the
// notification ledger.
//
//	ingestion ─▶ [Table.CreateItem] ─▶ table ◀─ [Table.UpdateItem] ◀─ extraction
//	                                     │
//	                     DynamoDB Streams (NEW_AND_OLD_IMAGES) ─▶ notification ─▶ [Ledger]
//
// # Single-table design
//
// Every communication is one item in partition "COMM" under sort key
// "COMM#<id>", as in the original system; GSI1 (PROJ#<project>, timestamp)
// serves the project filter, GSI2 (ENTITY#<sender_id>, timestamp) the
// sender filter, and GSI3 (COMM, timestamp) the unfiltered list, newest
// first. [TableDefinition] is the layout; the SAM template declares the
// same. An item's attributes are its doctales.Item JSON converted to
// attribute values (doctales.Item.Image), plus a revision number for
// optimistic locking.
//
// # Idempotency
//
// [Table.CreateItem] is a conditional put (attribute_not_exists(SK)): the
// same id twice stores once and returns the first item.
// [Table.UpdateItem] reads, applies and writes back on condition that the
// revision is unchanged, and writes nothing when the update changes
// nothing, so a repeated extraction leaves no stream record.
// [Ledger.Claim] and [Ledger.MarkSent] are conditional puts too: a claim
// succeeds on an unknown id or a "sending" entry whose lease ran out, a mark
// on an absent or "sending" entry.
//
// # Pages
//
// [Table.FindItems] returns pages newest first with an opaque cursor, the
// base64url JSON of the last item's key (DynamoDB's ExclusiveStartKey) and
// the index name. Filters that DynamoDB applies after reading never make a
// page skip items: the cursor points after the last item returned, not
// after the last item read.
//
// # Stream images
//
// The aws-lambda-go events (what a Lambda function receives from a stream)
// and the SDK (what the DynamoDB API speaks) have different attribute value
// types; [FromStreamImage], [ToStreamImage], [FromStreamValue] and
// [ToStreamValue] convert between them.
package dynamodb
