// Package importer brings whole mailboxes, document folders and social
// exports into Doc-Tales through the same ingestion function as
// POST /communications:
//
//	path ─► Walker ─► Item ─► Importer (bounded workers) ─► Sink ─► ingestion ─► object store, table
//
// # Finding items
//
// A [Walker] reads a single message, an mbox (streaming, one message in
// memory at a time), a Maildir, a Slack export folder, a JSON-lines file of
// posts, documents, or a folder tree of these, and yields one [Item] per
// message, document or post, with the file and byte offset it came from.
// An item that cannot be read (a message over the size limit, a line that
// is not JSON) carries its error and the walk goes on.
//
// The walk is safe on a hostile tree: it opens regular files only, follows
// no symbolic link out of its root (and none inside unless
// [Walker.FollowSymlinks]), walks each folder once, refuses a file over
// its kind's size limit before reading it, and quotes names with control
// characters when reporting them ([Escape]). Entries it does not read are
// items whose error is a [SkipError] or a [TooLargeError].
//
// # Importing them
//
// An [Importer] sends the items to a [Sink] with a bounded number of
// workers: [Local] parses them with the ingest package and stores them
// through function.Ingestion in this process; [Remote] posts them to a
// running server. Ids are deterministic (Message-ID, content hash, post id),
// so an item already in replays and is counted as skipped: an interrupted
// import is simply run again. [Stats] counts what was imported, skipped and
// failed, grouping failures by reason with the first places of each, and
// [Progress] shows them as they change.
package importer
