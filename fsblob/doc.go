// Package fsblob is the object store of the embedded runtime: the S3 role
// played by a local folder. The ingestion step puts each raw communication
// here; every put announces itself with an s3:ObjectCreated:Put event, the
// event the extraction step subscribes to:
//
//	ingestion ─► fsblob.Store.Put ─► file + doctales.EventLog (aws:s3) ─► extraction
//
// # Layout and durability
//
// Bucket b keeps object "email/2025/06/10/x.json" in the file
// <root>/b/email/2025/06/10/x.json, so the folder can be browsed and backed
// up with ordinary tools. [Store.Put] writes a temporary file in the target's
// folder, syncs it, renames it over the target and syncs the folder (and any
// folder it created), so a reader or a crash sees either the old object or
// the new one, never a torn file. Temporary files a crash leaves behind are
// removed by [Store.Open]; their names start with ".fsblob-tmp-", which a key
// segment may not. Object files are readable by their owner only: they hold
// people's communications.
//
// Because objects are files, one key cannot be both an object and a folder
// of objects: putting "a/b" when "a" exists (or the reverse) fails with
// ECONFLICT. S3 allows it; the pipeline's keys never need it.
//
// # Events
//
// When [Store.Events] is set, each put appends one [doctales.LogRecord] with
// Source [doctales.SourceS3], Key the object key and Data one record in the
// exact shape of an S3 event notification (an events.S3EventRecord from
// github.com/aws/aws-lambda-go/events): eventVersion 2.1, a millisecond
// eventTime, the key URL-encoded as S3 encodes it, the size, the ETag (hex
// MD5) and a sequencer that increases with each put, so a consumer that
// receives two events for a key keeps the one with the larger sequencer, as
// on S3. Events of one key are appended in sequencer order.
//
// # Encryption at rest
//
// With [Store.Cipher] set (see [NewCipher]), each put writes its object
// encrypted with AES-256-GCM: the file is the magic "DTENC1", a 4-byte key
// id (from a SHA-256 of the key, never the key), a random 96-bit nonce, then
// the ciphertext and tag. The additional authenticated data is the magic,
// the key id and the object key, so a file moved or copied to another key
// fails to decrypt. Get returns the plaintext; Size and ETag (in events,
// Put, Get and List) are the plaintext's, as S3 reports them under
// server-side encryption. Anything that cannot be decrypted (a changed
// byte, another key, no key) is a [DecryptError] naming the object key and
// "decryption failed (wrong key or damaged)", coded EDAMAGED; never other
// bytes.
//
// Objects that are not encrypted (written before a key was configured)
// read as they are, so encryption can be switched on for an existing
// folder: new puts are encrypted, old objects stay in clear until they are
// put again (an export and restore rewrites them all). A file whose bytes
// begin with "DTENC1" is always taken for an encrypted object.
//
// The first Open with a key writes a key check file next to the bucket
// folder ([KeyCheckPath]: <root>/.<bucket>.fsblob-key), a small marker
// encrypted with the key. Every later Open compares: another key, or no
// key at all, is a [KeyError] at Open, before any object is read.
//
// A folder belongs to one open Store at a time: Open starts removing, in the
// background, the temporary files older than itself, including those of
// another Store writing to the same folder ([Store.Swept] tells when it is
// done; a million objects take seconds to walk, issue 15).
package fsblob
