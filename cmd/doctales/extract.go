package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/doctales/doctales/extract"
	"github.com/doctales/doctales/ingest"
)

const extractUsage = `Usage: doctales extract [--now RFC3339] [--timezone ZONE] [--reader NAMES] [FILE ...]
       doctales extract --jsonl [--now RFC3339] [--timezone ZONE] [--reader NAMES] < input.jsonl

Prints the dimensions the extraction engine finds. Input (standard input,
or each FILE; "-" is standard input) is a JSON communication (or
{"id":..,"text":..}) or a raw e-mail, which is read by the same parser as
the pipeline's ingestion. Several files give one result per line (JSON
Lines), each with the file name as its id. With --jsonl, one
JSON object per line, answered one result per line in order. A JSON input
may carry its own reading time as "now" (RFC 3339), which wins over --now.
Anything else is read as plain text (the body of a message); a line on
standard error says which form was read. The output is JSON (--json is
accepted and changes nothing).

Example:
  echo "URGENT: please approve the wire before 5pm today." | doctales extract
  doctales extract < message.eml
  doctales extract --now 2026-12-08T10:00:00+01:00 a.eml b.eml
  doctales extract --jsonl < messages.jsonl

Flags:
`

// runExtract is the extract command.
func runExtract(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales extract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, extractUsage); fs.PrintDefaults() }
	jsonl := fs.Bool("jsonl", false, "read one JSON object per line and write one result per line")
	nowFlag := fs.String("now", "", "the reading time, RFC 3339 such as 2025-06-10T09:30:00+02:00 (default the current time); a \"now\" field of a JSON input wins")
	tz := fs.String("timezone", "", `time zone of the person who reads the mail, an IANA name such as Europe/Berlin: "today", "5pm" and business days are read in it (default: each message's own zone)`)
	reader := fs.String("reader", "", `who reads the mail, comma-separated names and addresses such as "Priya Shah,priya@example.com": a mailing-list post that names the reader asks the reader (the config's reader:)`)
	fs.Bool("json", true, "print JSON (always)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	var opts []extract.Option
	if *nowFlag != "" {
		now, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return fmt.Errorf("extract: --now must be an RFC 3339 date-time such as 2025-06-10T09:30:00Z, not %q", *nowFlag)
		}
		opts = append(opts, extract.WithNow(func() time.Time { return now }))
	}
	loc, err := loadTimezone("--timezone", *tz)
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	opts = append(opts, extract.WithLocation(loc))
	var names []string
	for _, r := range strings.Split(*reader, ",") {
		if r = strings.TrimSpace(r); r != "" {
			names = append(names, r)
		}
	}
	opts = append(opts, extract.WithReader(names...))
	if *jsonl {
		if len(pos) > 0 {
			return usageErrorf("extract", "extract: --jsonl reads standard input; unexpected argument %q", pos[0])
		}
		return extract.Run(ctx, extract.New(opts...), stdin, stdout, true)
	}
	if len(pos) == 0 {
		pos = []string{"-"}
	}
	for _, name := range pos {
		if err := extractOne(ctx, name, len(pos) > 1, stdin, stdout, stderr, opts); err != nil {
			return err
		}
	}
	return nil
}

// extractOne extracts from one input, a file or "-" for standard input,
// and prints its result: indented, or on one line when several files are
// read (JSON Lines, each with its file name as the id when it has none).
func extractOne(ctx context.Context, name string, many bool, stdin io.Reader, stdout, stderr io.Writer, opts []extract.Option) error {
	var b []byte
	var err error
	what := "standard input"
	if name == "-" {
		b, err = io.ReadAll(io.LimitReader(stdin, extract.MaxInputBytes+1))
	} else {
		what = name
		b, err = readLimited(name, extract.MaxInputBytes+1)
	}
	if err != nil {
		return fmt.Errorf("extract: read %s: %w", what, err)
	}
	form, in, err := extractInput(b)
	if err != nil {
		return fmt.Errorf("extract: %s: %w", what, err)
	}
	if form == formMail {
		// Raw mail is read by the ingestion parser, as the pipeline and
		// the evaluation read it: MIME parts, HTML to text, the headers
		// that tell what kind of message it is.
		if in, err = mailAsJSON(ctx, b, name); err != nil {
			return fmt.Errorf("extract: %s: %w", what, err)
		}
	}
	fmt.Fprintf(stderr, "extract: read %s from %s (%d bytes)\n", form, what, len(b))
	if !many {
		return extract.Run(ctx, extract.New(opts...), bytes.NewReader(in), stdout, false)
	}
	line, err := jsonLine(in)
	if err != nil {
		return fmt.Errorf("extract: %s: %w", what, err)
	}
	return extract.Run(ctx, extract.New(opts...), bytes.NewReader(line), stdout, true)
}

// mailAsJSON parses a raw e-mail with the ingestion parser and returns its
// communication as the JSON extract.Decode reads, with the file's name
// as its id (standard input keeps the parser's id).
func mailAsJSON(ctx context.Context, raw []byte, name string) ([]byte, error) {
	p, err := (&ingest.Parser{}).ParseMail(ctx, raw, ingest.Options{})
	if err != nil {
		return nil, err
	}
	c := p.Communication
	if name != "-" {
		c.ID = name // which file the result is of
	}
	return json.Marshal(c)
}

// jsonLine returns a JSON object on one line, ended by a newline, for
// JSON Lines mode.
func jsonLine(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, bytes.TrimSpace(b)); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// readLimited reads at most limit bytes of a file.
func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// Input forms of extract, as the line on standard error names them.
const (
	formJSON  = "a JSON communication"
	formMail  = "a raw e-mail"
	formPlain = "plain text"
)

// mailHeaders are header fields of which a raw e-mail has at least one;
// text that merely starts with "Word: ..." is not mail.
var mailHeaders = []string{"From", "To", "Subject", "Date", "Message-Id", "Received", "Mime-Version", "Content-Type", "Return-Path", "Delivered-To", "Cc"}

// extractInput tells which form b is, the way extract.Decode reads it (a
// JSON object, else a raw e-mail) and, when it is neither, plain text:
// that it returns as the {"text": ...} input, so that it is read as a
// message's body rather than refused as a malformed mail header.
func extractInput(b []byte) (form string, in []byte, err error) {
	t := bytes.TrimSpace(b)
	if len(t) > 0 && t[0] == '{' {
		return formJSON, b, nil
	}
	if len(b) > extract.MaxInputBytes { // extract.Run refuses it, naming the limit
		return formPlain, b, nil
	}
	raw := t
	if bytes.HasPrefix(raw, []byte("From ")) { // an mbox separator line
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	if m, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		for _, h := range mailHeaders {
			if _, ok := m.Header[h]; ok {
				return formMail, b, nil
			}
		}
	}
	in, err = json.Marshal(map[string]string{"text": string(t)})
	if err != nil {
		return "", nil, fmt.Errorf("encode plain text input: %w", err)
	}
	return formPlain, in, nil
}
