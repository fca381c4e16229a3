// Package ingest validates and normalises the JSON bodies clients send to
// POST /communications. It is the first step of the pipeline:
//
//	HTTP POST /communications ─► ingest.Normalizer ─► object store ─► extraction
//
// # Input shapes
//
// The "source" key selects how the other keys are read, as in the original
// Doc-Tales ingestion function:
//
//   - email (and gmail, outlook): subject, from, from_email, to, cc, body,
//     attachments [{name, type, size, url}].
//   - document (and dropbox, gdrive): title, author, author_id, content,
//     fileType, fileSize.
//   - social (and twitter, linkedin, slack): platform, user, user_id, text,
//     mentions, hashtags.
//   - any other source, or none: keys are mapped where they match
//     (subject/title, content/body/text, sender/from/author/user,
//     sender_id/from_email/author_id/user_id, recipients/to); every other key
//     is kept in [doctales.Communication.Fields].
//
// A sender or a recipient may also be a contact object {name, email, id}, as
// in the original system's sample event: the sender's name and address are
// mapped and the object is kept in Fields; a recipient becomes its address.
// `to` and `cc` may be one string or an array.
//
// Every source also reads id, type, timestamp, project, urgency, category and
// metadata {urgency, category, read, flagged}. Keys with no place in a
// [doctales.Communication] (fileType, fileSize, platform, mentions, hashtags,
// and any unknown key) are kept in Fields, so nothing the client sent is lost.
//
// # Errors and limits
//
// [Normalizer.Normalize] returns a *[doctales.Error] whose Field names the
// input key at fault, with the name the client used ("text" for a social
// post's content, "to[2]" for a recipient). A value that is too big
// (characters, bytes or entries) is [doctales.ETOOLARGE]; anything else that
// is wrong (JSON syntax, types, formats, charset) is [doctales.EINVALID].
// Every limit is a Default… constant and a [Normalizer] field.
//
// Whole-body problems (size, syntax, not an object, trailing data) name the
// field "body", the name the API edge uses for the request body. An e-mail's
// "body" key names the same field; the message tells them apart.
//
// # Raw sources
//
// A [Parser] reads what does not arrive as JSON, each into a [Parsed]: the
// communication and the objects to store beside it (the original bytes,
// attachments).
//
//   - [Parser.ParseMail]: a raw RFC 5322 message (github.com/jhillyerd/enmime/v2):
//     addresses with display names, date, thread, list, priority headers as
//     evidence, text or readable HTML, charsets, attachments. The id derives
//     from the Message-ID, so the same message again replays.
//   - [Parser.ParseDocument]: .txt, .md, .html, .pdf and .docx, in pure Go,
//     with title, author, page count and the visual counts.
//   - [SocialPost] and [SlackDirectory]: posts of a JSON-lines export and
//     messages of a Slack export, as request bodies for the [Normalizer].
//
// Every safety limit (message and document size, attachments, MIME parts
// and depth, DOCX expansion and ratio, time) is a Default… constant and a
// Parser field; a breach is an ETOOLARGE error naming the limit.
//
// # Parsing in isolation
//
// A third-party reader given a hostile file can die of a fatal runtime
// error that recover() cannot catch, or loop for ever (issue 10). With
// [Parser.Sandbox] set (a *sandbox.Pool of this program), ParseDocument
// runs the format-specific step, [Parser.ExtractDocument], for PDF, DOCX,
// HTML and any format but plain text and Markdown, as the job [ExtractJob]
// in a worker process with memory, stack, CPU and time limits; a worker's
// death is that document's ETOOLARGE or EINVALID error naming the field
// "file" ("pdf: parser ran out of memory (limit 512 MiB)"). A program that
// uses it calls sandbox.Main([SandboxJobs]()) first thing in main. Without
// a Sandbox, documents are read in the caller's process, as library users
// and most tests do. [Parser.PDFToText] optionally takes PDF text from
// poppler's pdftotext, under limits of its own.
package ingest
