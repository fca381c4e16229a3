package extract

import (
	"github.com/doctales/doctales/extract/internal/fastre"
	"strings"
	"unicode"
	"unicode/utf8"
)

// span is a piece of a text with its byte offsets [start, end).
type span struct {
	text       string
	start, end int
	quoted     bool // inside a quoted reply, a forwarded part or a signature
}

// sanitize returns s with every invalid UTF-8 byte and every NUL replaced by
// one '?' or ' ' byte, so that offsets into the result are offsets into s.
func sanitize(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	b := []byte(s)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			b[i] = '?'
		} else if r == 0 {
			b[i] = ' '
		}
		i += n
	}
	return string(b)
}

// cut returns the longest prefix of s that is at most n bytes and ends on a
// rune boundary.
func cut(s string, n int) string {
	if n <= 0 || len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// abbreviations that end with a period without ending a sentence.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "sr": true, "jr": true,
	"st": true, "vs": true, "etc": true, "inc": true, "ltd": true, "co": true, "corp": true,
	"e.g": true, "i.e": true, "no": true, "approx": true, "dept": true, "est": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true,
	"sep": true, "sept": true, "oct": true, "nov": true, "dec": true, "mon": true, "tue": true,
	"wed": true, "thu": true, "fri": true, "sat": true, "sun": true, "a.m": true, "p.m": true,
	"u.s": true, "fig": true, "al": true, "ave": true, "rd": true, "blvd": true,
	// Other languages': "kl. 14" (Scandinavian o'clock), "ca.", "Nr.",
	// "Tel.", "ggf.", "bzw.", "z.B.", "evt.", "Hr."/"Fr." (Mr/Mrs), "Sra.",
	// "Mme", "Dott.", "Str.", "usw.", "vgl.".
	"kl": true, "ca": true, "nr": true, "tel": true, "ggf": true, "bzw": true, "z.b": true,
	"evt": true, "hr": true, "fr": true, "sra": true, "mme": true, "dott": true, "str": true,
	"usw": true, "vgl": true,
}

// maxSentenceBytes bounds one sentence so that per-sentence work stays
// bounded on text without punctuation.
const maxSentenceBytes = 600

// splitSentences cuts text into sentences with offsets. It breaks at
// sentence punctuation followed by space, at blank lines, before list
// items, and at the last space before maxSentenceBytes. Lines quoted with
// '>' and everything after a reply header ("On ... wrote:", "-----Original
// Message-----") or a signature delimiter ("-- ") are marked quoted.
func splitSentences(text string) []span {
	return splitSentencesFrom(text, replyStart(text))
}

// splitSentencesFrom is splitSentences with replyStart(text) given as
// quotedFrom: the engine reads it once for two uses.
func splitSentencesFrom(text string, quotedFrom int) []span {
	var out []span
	// Bottom-posted and inline replies: what the sender wrote between
	// and below the "> " lines is new text.
	newText := interleaved(text, quotedFrom)
	emit := func(start, end int) {
		for start < end {
			r, n := utf8.DecodeRuneInString(text[start:])
			if !unicode.IsSpace(r) {
				break
			}
			start += n
		}
		for end > start {
			r, n := utf8.DecodeLastRuneInString(text[start:end])
			if !unicode.IsSpace(r) {
				break
			}
			end -= n
		}
		if end <= start {
			return
		}
		s := span{text: text[start:end], start: start, end: end}
		s.quoted = start >= quotedFrom && !inRegions(newText, start) || isQuotedLine(text, start)
		out = append(out, s)
	}

	start := 0
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '\n':
			// A blank line, a list item or a quoted line starts a new sentence.
			j := i + 1
			for j < len(text) && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r') {
				j++
			}
			if j >= len(text) || text[j] == '\n' || isListStart(text[j:]) || text[j] == '>' || lineIsShort(text, start, i) {
				emit(start, i)
				start = i + 1
			}
			i++
		case c == '.' || c == '!' || c == '?':
			j := i + 1
			for j < len(text) && (text[j] == '.' || text[j] == '!' || text[j] == '?' || text[j] == '"' || text[j] == ')' || text[j] == '\'') {
				j++
			}
			if j >= len(text) || text[j] == ' ' || text[j] == '\n' || text[j] == '\t' || text[j] == '\r' {
				if c != '.' || !endsWithAbbreviation(text[start:i]) && !ordinalBeforeMonth(text, i) {
					emit(start, j)
					start = j
				}
			}
			i = j
		default:
			if i-start >= maxSentenceBytes && (c == ' ' || c == '\t') {
				emit(start, i)
				start = i
			}
			i++
		}
	}
	emit(start, len(text))
	return out
}

// lineIsShort reports whether the line ending at i (within the sentence
// that starts at start) is a short line such as a greeting, a heading or a
// signature line, which ends a sentence even without punctuation.
func lineIsShort(text string, start, i int) bool {
	ls := strings.LastIndexByte(text[:i], '\n') + 1
	midLine := ls < start // the sentence began after another on this line
	if midLine {
		ls = start
	}
	line := strings.TrimSpace(text[ls:i])
	if line == "" {
		return true
	}
	if strings.HasSuffix(line, ":") || strings.HasSuffix(line, ",") && len(line) < 30 && !midLine {
		return true
	}
	// A short whole line is a greeting, a heading or a signature line;
	// the short tail of a wrapped line ("… report. Can you share the
	// consolidated report") is a sentence going on.
	return len(line) < 40 && !midLine
}

func isListStart(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '-', '*', '+':
		return len(s) > 1 && s[1] == ' '
	}
	if strings.HasPrefix(s, "•") {
		return true
	}
	i := 0
	for i < len(s) && i < 3 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	// "15. Dezember" at the start of a wrapped line is a date going on,
	// not item 15.
	return i > 0 && i+1 < len(s) && (s[i] == '.' || s[i] == ')') && s[i+1] == ' ' && !(s[i] == '.' && ordinalBeforeMonth(s, i))
}

func endsWithAbbreviation(s string) bool {
	i := len(s)
	for i > 0 && (isASCIILetter(s[i-1]) || s[i-1] == '.') {
		i--
	}
	w := strings.ToLower(s[i:])
	if len(w) == 1 && isASCIILetter(w[0]) {
		return true // an initial: "J. Smith"
	}
	return abbreviations[w]
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// interleaved returns the parts of text after quotedFrom that the sender
// wrote below or between the quoted lines of a reply: the new text of a
// bottom-posted or inline reply ("On … wrote:", "> …" lines, then the
// answer). Only under an attribution line whose quote is marked with '>'
// (its first line after the attribution is), and only after a blank line
// below a '>' line, so that a quoted line wrapped without its '>' stays
// quoted; a part ends at the next '>' line, or at a signature, separator
// or attribution within it (replyStart).
func interleaved(text string, quotedFrom int) [][2]int {
	if quotedFrom >= len(text) || !strings.Contains(text[quotedFrom:], "\n>") && !strings.HasPrefix(text[quotedFrom:], ">") {
		return nil
	}
	start := attributionEnd(text, quotedFrom)
	if start < 0 {
		return nil
	}
	var out [][2]int
	from := -1 // start of the new text being read, or -1
	quote, blank, first := false, false, true
	for pos := start; pos < len(text); {
		end := strings.IndexByte(text[pos:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += pos
		}
		switch line := strings.TrimSpace(text[pos:end]); {
		case line == "":
			blank = true
		case line[0] == '>':
			if from >= 0 {
				out = append(out, [2]int{from, pos})
				from = -1
			}
			quote, blank, first = true, false, false
		default:
			if first {
				return nil // the quote is not marked with '>'
			}
			if from < 0 && quote && blank {
				from = pos
			}
			blank = false
		}
		pos = end + 1
	}
	if from >= 0 {
		out = append(out, [2]int{from, len(text)})
	}
	for i := range out {
		b, e := out[i][0], out[i][1]
		// (From the newline before it: replyStart's markers begin
		// with one.)
		if r := replyStart(text[b-1 : e]); b-1+r < e {
			out[i][1] = b - 1 + r
		}
	}
	return out
}

// attributionEnd returns where the quote under the attribution at
// quotedFrom begins: after an "On … wrote:" line, or after an original
// message's separator ("-----Original Message-----", "-----Ursprüngliche
// Nachricht-----") and its header lines ("From: …", "Sent: …", "Betreff:
// …"); -1 when quotedFrom holds neither, or a forward (whose text is not
// the reader's to answer line by line).
func attributionEnd(text string, quotedFrom int) int {
	rest := text[quotedFrom:]
	if m := wroteLine.FindStringIndex(rest); m != nil && strings.TrimSpace(rest[:m[0]]) == "" {
		if strings.Contains(strings.ToLower(rest[m[0]:m[1]]), "forward") {
			return -1
		}
		return quotedFrom + m[1]
	}
	// A separator line, then header lines up to the first other line.
	pos, lines := 0, 0
	for pos < len(rest) {
		end := strings.IndexByte(rest[pos:], '\n')
		if end < 0 {
			end = len(rest)
		} else {
			end += pos
		}
		line := strings.TrimSpace(rest[pos:end])
		switch {
		case line == "" && lines == 0:
		case lines == 0 && originalSeparator.MatchString(line):
			lines++
		case lines > 0 && quoteHeaderLine.MatchString(line):
			lines++
		default:
			if lines < 3 { // the separator and at least "From:" and "Sent:"
				return -1
			}
			return quotedFrom + pos
		}
		pos = end + 1
	}
	return -1
}

// originalSeparator is the line above a replied-to message (not a
// forwarded one), and quoteHeaderLine one of the header lines under it.
var (
	originalSeparator = lazyRE(`(?i)^-{2,}\s*(?:original message|original-?nachricht|urspr[üu]ngliche nachricht|message d['’]origine|message original|mensaje original|messaggio originale|mensagem original|oorspronkelijk bericht|origineel bericht)\s*-{2,}$`)
	quoteHeaderLine   = lazyRE(`(?i)^\*?(?:from|sent|date|to|cc|subject|von|gesendet|an|betreff|datum|de|envoy[ée]|[àa]|objet|date|enviado(?: el)?|para|asunto|fecha|da|inviato|oggetto|data|van|verzonden|aan|onderwerp|enviada(?: em)?|assunto)\*?\s*:`)
)

// inRegions reports whether offset off falls in one of rs.
func inRegions(rs [][2]int, off int) bool {
	for _, r := range rs {
		if r[0] <= off && off < r[1] {
			return true
		}
	}
	return false
}

// isQuotedLine reports whether the line holding offset off starts with '>'.
func isQuotedLine(text string, off int) bool {
	ls := strings.LastIndexByte(text[:off], '\n') + 1
	return strings.HasPrefix(strings.TrimLeft(text[ls:], " \t"), ">")
}

// replyStart returns the offset where the quoted or forwarded part of an
// e-mail body, or its signature, begins, or len(text) if none does.
func replyStart(text string) int {
	best := len(text)
	for _, m := range []string{
		"\n-----Original Message-----", "\n----- Original Message -----",
		"\n-------- Original Message --------", "\n---------- Forwarded message",
		"\n-----Forwarded", "\n-- \n", "\n--\n", "\n______________________________",
	} {
		if i := strings.Index(text, m); i >= 0 && i < best {
			best = i
		}
	}
	// "-------- Message transféré --------": the other languages'
	// separators above a forwarded or original message.
	if strings.Contains(text[:best], "----") {
		if m := foreignSeparator.FindStringIndex(text[:best]); m != nil {
			best = m[0]
		}
	}
	// "On <date>, <name> wrote:" on one line, in the languages mail
	// clients write it: "Le … a écrit :", "Am … schrieb …:", "El …
	// escribió:", "Il … ha scritto:", "Op … schreef …:", "Em … escreveu:".
	if quoteWord.MatchString(text[:best]) {
		// An attribution names when or whose address: "il sig. Rossi
		// (condominio di via Solferino) mi ha scritto direttamente:"
		// introduces the sender's own account (blind-49, 2388).
		for _, m := range wroteLine.FindAllStringIndex(text[:best], 4) {
			if strings.ContainsAny(text[m[0]:m[1]], "0123456789@") || strings.Contains(strings.ToLower(text[m[0]:m[1]]), "forwarded") {
				best = m[0]
				break
			}
		}
	}
	// An Outlook header block: "From: …" then "Sent:"/"Date:" and
	// "To:"/"Subject:" on the next lines, in a forward or a reply.
	if headerWord.MatchString(text[:best]) {
		if m := outlookHeader.FindStringIndex(text[:best]); m != nil {
			best = m[0]
		}
	}
	return best
}

// quoteWord and headerWord are cheap gates for wroteLine and
// outlookHeader, which are anchored and so scan every line.
var (
	quoteWord  = fastre.MustCompile(`(?i)(wrote|a écrit|schrieb|escribi|scritto|schreef|escreveu|skrev|forwarded message)`)
	headerWord = fastre.MustCompile(`(?i)\b(sent|date|gesendet|datum|envoyé|enviado|enviada|inviato|verzonden|fecha|data|skickat|sendt)[ \t]*:`)
)

// foreignSeparator matches the line mail clients write above a forwarded
// or original message in es/fr/de/pt/it/nl (Thunderbird, Outlook, Gmail).
var foreignSeparator = lazyRE(`(?im)^[ \t]*-{2,}[ \t]*(?:message transf[ée]r[ée]|message d['’]origine|message original|weitergeleitete nachricht|original-?nachricht|urspr[üu]ngliche nachricht|mensaje reenviado|mensaje original|messaggio inoltrato|messaggio originale|mensagem encaminhada|mensagem original|doorgestuurd bericht|oorspronkelijk bericht|origineel bericht)[ \t]*-{2,}`)

// wroteLine matches the attribution line above a quoted message, on one
// line or wrapped over two ("Il giorno … Marco Bianchi\n<marco@…> ha
// scritto:").
var wroteLine = lazyRE(`(?im)^[ \t]*(?:on|le|am|el|il|op|em|den|på)\b[^\n]{4,200}?\b(?:wrote|a écrit|schrieb|escribió|escribio|ha scritto|schreef|escreveu|skrev)[^\n]{0,80}:[ \t]*\r?$|(?im)^[ \t]*(?:on|le|am|el|il|op|em|den|på)\b[^\n]{4,200}\r?\n(?:[^>\n][^\n]{0,119})?\b(?:wrote|a écrit|schrieb|escribió|escribio|ha scritto|schreef|escreveu|skrev)[^\n]{0,80}:[ \t]*\r?$|(?im)^[^\n]{0,120}@[^\n]{0,120} wrote:[ \t]*\r?$|(?im)^[ \t]*begin forwarded message:`)

// outlookHeader matches the header block Outlook writes above a quoted or
// forwarded message, in English and the other languages the set reads.
var outlookHeader = lazyRE(`(?im)^[ \t*]*(?:from|de|von|da|van|från|fra)[ \t]*:[^\n]{1,200}\r?\n(?:[^\n]{0,200}\r?\n){0,2}?[ \t*]*(?:sent|date|gesendet|datum|envoyé|enviado|enviada|inviato|verzonden|fecha|data|skickat|sendt)[ \t]*:[^\n]*\r?\n(?:[^\n]{0,200}\r?\n){0,3}?[ \t*]*(?:to|an|à|para|a|aan|till|subject|betreff|objet|asunto|oggetto|onderwerp|assunto|ämne|til|emne)[ \t]*:`)

// words returns the lower-case words (letters, digits, apostrophes) of s.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’')
	})
}

// inQuotes reports whether offset at of text lies inside quotation marks
// opened on the same paragraph: a ticket system quoting the reader's own
// request ("This is urgent as I work from home."), a report quoting a
// customer. Straight double quotes pair up in order; typographic ones
// (“…”, «…», „…“) by their shape.
func inQuotes(text string, at int) bool {
	if at <= 0 || at > len(text) {
		return false
	}
	// The paragraph before at: back to the last blank line.
	start := strings.LastIndex(text[:at], "\n\n") + 1
	before := text[start:at]
	if strings.Count(before, "\"")%2 == 1 && strings.Contains(paragraphAfter(text, at), "\"") {
		return true
	}
	for _, q := range [][2]string{{"“", "”"}, {"«", "»"}, {"„", "“"}} {
		if o := strings.LastIndex(before, q[0]); o >= 0 && !strings.Contains(before[o:], q[1]) && strings.Contains(paragraphAfter(text, at), q[1]) {
			return true
		}
	}
	return false
}

// paragraphAfter returns text from at to the next blank line.
func paragraphAfter(text string, at int) string {
	rest := text[at:]
	if i := strings.Index(rest, "\n\n"); i >= 0 {
		return rest[:i]
	}
	return rest
}

// ordinalBeforeMonth reports whether the period at i ends a German or
// Scandinavian ordinal day before a month name ("am 8. Dezember 2026"),
// which is no sentence end.
func ordinalBeforeMonth(text string, i int) bool {
	d := i
	for d > 0 && i-d < 2 && text[d-1] >= '0' && text[d-1] <= '9' {
		d--
	}
	if d == i || d > 0 && text[d-1] >= '0' && text[d-1] <= '9' {
		return false
	}
	j := i + 1
	for j < len(text) && text[j] == ' ' {
		j++
	}
	k := j
	for k < len(text) {
		r, n := utf8.DecodeRuneInString(text[k:])
		if !unicode.IsLetter(r) {
			break
		}
		k += n
	}
	if k > j && (text[j:k] == "und" || text[j:k] == "bis" || text[j:k] == "oder") {
		// "zwischen dem 12. und 14. Januar", "vom 12. bis 14.": a
		// range's first day (blind-86, 3858).
		return k+1 < len(text) && text[k] == ' ' && text[k+1] >= '0' && text[k+1] <= '9'
	}
	return k > j && monthWords()[strings.ToLower(text[j:k])]
}
