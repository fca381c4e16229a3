// Package extract is the dimension extraction engine: it reads a
// [doctales.Communication] and finds its [doctales.Dimensions] with local
// models only (no network, nothing fetched at run time).
//
// The extraction function calls [Engine.Extract] once per stored
// communication; the command line calls [Run]. The package imports the root
// package and pure-Go NLP libraries only.
//
// # Steps
//
//   - Sentences: a cheap splitter that knows e-mail layout (quoted replies,
//     signatures, list items).
//   - Sentiment: VADER per sentence, aggregated.
//   - Dates: go-dateparser over the sentences that may hold a date, resolved
//     against the communication's timestamp; deadline cues mark deadlines.
//   - Requires action: request cues, imperatives and questions to "you".
//   - Urgency: the rules of [Urgency].
//
// # Limits
//
// The costly steps read at most [Engine.MaxAnalyzeBytes] of the content;
// [doctales.Dimensions.Truncated] tells when that cut anything.
package extract
