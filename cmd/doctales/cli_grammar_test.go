package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doctales/doctales"
)

// TestCLI_FlagsAfterArguments checks that flags may follow the positional
// argument ("import FILE --data DIR"), as they may precede it.
func TestCLI_FlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mail := filepath.Join(dir, "one.eml")
	if err := os.WriteFile(mail, []byte("From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: Lunch\r\nDate: Mon, 02 Jun 2025 10:00:00 +0000\r\nMessage-ID: <lunch-1@example.com>\r\n\r\nLunch at noon?\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"import", mail, "--data", data, "--yield", "0", "--progress", "none"}, nil, &out, io.Discard); err != nil {
		t.Fatalf("import FILE --data DIR: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "imported 1") {
		t.Fatalf("import summary = %q, want one imported", out.String())
	}
	if _, err := os.Stat(filepath.Join(data, "doctales.db")); err != nil {
		t.Fatalf("--data after the path was not used: %v", err)
	}
}

// TestCLI_ImportNothingFails checks that an import that finds nothing
// importable says so and fails, naming the path.
func TestCLI_ImportNothingFails(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.bin")
	if err := os.WriteFile(junk, []byte{0x00, 0xff, 0x13, 0x37}, 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"import", "--data", filepath.Join(dir, "data"), "--progress", "none", junk}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "nothing to import in "+junk) || !strings.Contains(err.Error(), "1 file(s) of no known kind") {
		t.Fatalf("import junk.bin: err = %v, want a failure naming the path and the unknown file", err)
	}
}

// TestCLI_DLQListJSONEmpty checks that an empty list is [] in JSON, not null.
func TestCLI_DLQListJSONEmpty(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mail := filepath.Join(dir, "one.eml")
	if err := os.WriteFile(mail, []byte("From: a@example.com\r\nSubject: x\r\nMessage-ID: <x-1@example.com>\r\n\r\nhello\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"import", "--data", data, "--progress", "none", mail}, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"dlq", "list", "--json", "--data", data}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "[]" {
		t.Fatalf("dlq list --json on no dead letters = %q, want []", got)
	}
	if errOut.Len() != 0 {
		t.Fatalf("dlq list logged on a success: %q (only warnings and errors by default)", errOut.String())
	}
}

// TestWithScheme checks that server URLs are accepted without a scheme.
func TestWithScheme(t *testing.T) {
	for in, want := range map[string]string{
		"localhost:8080":           "http://localhost:8080",
		"127.0.0.1:8080/":          "http://127.0.0.1:8080/",
		"https://doctales.example": "https://doctales.example",
		"":                         "",
	} {
		if got := withScheme(in); got != want {
			t.Errorf("withScheme(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCLI_Grammar checks the grammar rules on every command and verb of
// the command table, so that a new command cannot skip them:
//   - -h and --help print the usage with an example and succeed (exit 0),
//     also after a positional argument;
//   - an unknown flag is a usage error (exit 2) naming the flag, also
//     after a positional argument (so flags after arguments are parsed as
//     flags, not taken as arguments);
//   - a command that prints data takes --json; one that does not says why;
//   - a command with verbs given none is a usage error.
func TestCLI_Grammar(t *testing.T) {
	// Nothing below may touch ./data: every case fails or stops while
	// parsing its flags.
	t.Chdir(t.TempDir())
	ctx := context.Background()
	for _, c := range commands {
		if c.JSON == (c.NoJSON != "") {
			t.Errorf("%s: set exactly one of JSON (it prints data) and NoJSON (why not)", c.Name)
		}
		if !strings.Contains(c.Usage, "Usage") || !strings.Contains(c.Usage, "Example:") {
			t.Errorf("%s: its usage lacks a Usage line or an Example: section:\n%s", c.Name, c.Usage)
		}
		if !strings.Contains(usage(), "doctales "+c.Name) {
			t.Errorf("%s: missing from the top-level usage", c.Name)
		}
		verbs := c.Verbs
		if verbs == nil {
			verbs = []string{""}
		} else {
			var out, errOut bytes.Buffer
			err := run(ctx, []string{c.Name}, strings.NewReader(""), &out, &errOut)
			if exitCode(err) != 2 || !strings.Contains(errOut.String(), "Usage") {
				t.Errorf("%s without a verb: err %v (exit %d), stderr %q; want the usage and exit 2", c.Name, err, exitCode(err), errOut.String())
			}
		}
		for _, verb := range verbs {
			prefix := []string{c.Name}
			if verb != "" {
				prefix = append(prefix, verb)
			}
			name := strings.Join(prefix, " ")
			cases := [][]string{nil}
			if c.Arg != "" {
				cases = append(cases, []string{"some-arg"}) // flags after a positional
			}
			for _, pos := range cases {
				for _, help := range []string{"-h", "--help"} {
					args := append(append(append([]string{}, prefix...), pos...), help)
					var out, errOut bytes.Buffer
					err := run(ctx, args, strings.NewReader(""), &out, &errOut)
					if err != nil || !strings.Contains(out.String(), "Usage") || !strings.Contains(out.String(), "Example:") {
						t.Errorf("doctales %s: err %v, stdout %q; want the usage with an example on stdout and exit 0",
							strings.Join(args, " "), err, out.String())
						continue
					}
					if c.JSON && !strings.Contains(out.String(), "-json") {
						t.Errorf("doctales %s: its flags lack --json (it prints data):\n%s", strings.Join(args, " "), out.String())
					}
				}
				args := append(append(append([]string{}, prefix...), pos...), "--no-such-flag")
				var out, errOut bytes.Buffer
				err := run(ctx, args, strings.NewReader(""), &out, &errOut)
				if code := exitCode(err); code != 2 || !strings.Contains(errorMessage(err), "no-such-flag") || !strings.Contains(errorMessage(err), "-h)") {
					t.Errorf("doctales %s: err %v, exit %d; want a usage error (exit 2) naming the flag and pointing to -h", strings.Join(args, " "), err, code)
				}
				if strings.Contains(errOut.String(), "flag provided but not defined") {
					t.Errorf("doctales %s: the flag error was printed besides being returned (twice in all):\n%s", name, errOut.String())
				}
			}
		}
	}
	for _, args := range [][]string{nil, {"no-such-command"}} {
		if err := run(ctx, args, nil, io.Discard, io.Discard); exitCode(err) != 2 {
			t.Errorf("doctales %v: err %v, exit %d; want 2", args, err, exitCode(err))
		}
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"help", "dlq"}, nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "doctales dlq list") {
		t.Errorf("doctales help dlq: %v %q; want dlq's usage", err, out.String())
	}
}

// TestCLI_ExitCodes runs the binary: 0 for help, 2 for a usage error, 1
// for a failure while running, and one message on stderr.
func TestCLI_ExitCodes(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"dlq", "-h"}, 0, ""},
		{[]string{"invoke", "-h"}, 0, ""},
		{[]string{"dlq", "list", "--bogus"}, 2, "dlq: flag provided but not defined: -bogus (see doctales dlq -h)"},
		{[]string{"dlq", "frobnicate"}, 2, `unknown verb "frobnicate"`},
		{[]string{"trace"}, 2, "give one communication id"},
		{[]string{"trace", "some-id", "--data", missing}, 1, "does not exist"},
	} {
		code, _, stderr := runBinary(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("doctales %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), code, stderr, tc.code, tc.msg)
		}
		if n := strings.Count(stderr, "doctales:"); tc.code != 0 && n != 1 {
			t.Errorf("doctales %s: %d error lines, want one:\n%s", strings.Join(tc.args, " "), n, stderr)
		}
	}
}

// TestCLI_JSONEmptyLists checks that the list commands print [] for an
// empty list with --json, never null or nothing.
func TestCLI_JSONEmptyLists(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mail := filepath.Join(dir, "one.eml")
	if err := os.WriteFile(mail, []byte("From: a@example.com\r\nSubject: x\r\nMessage-ID: <x-2@example.com>\r\n\r\nhello\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"import", "--data", data, "--progress", "none", mail}, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"dlq", "list"}, {"keys", "list"}, {"users", "list"}, {"audit"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), append(args, "--data", data, "--json"), nil, &out, &errOut); err != nil {
			t.Fatalf("doctales %s --json: %v %s", strings.Join(args, " "), err, errOut.String())
		}
		if got := strings.TrimSpace(out.String()); got != "[]" {
			t.Errorf("doctales %s --json on an empty list = %q, want []", strings.Join(args, " "), got)
		}
	}
}

// TestCLI_ErrorMessage checks that an error is printed once, without the
// structured form of a *doctales.Error ("doctales: doctales error:
// code=invalid message=…", issue 15).
func TestCLI_ErrorMessage(t *testing.T) {
	err := fmt.Errorf("extract: %w", doctales.Errorf(doctales.EINVALID, "Message header is malformed."))
	if got, want := errorMessage(err), "extract: Message header is malformed."; got != want {
		t.Errorf("errorMessage = %q, want %q", got, want)
	}
	err = fmt.Errorf("config: %w", doctales.FieldErrorf(doctales.EINVALID, "addr", "must be host:port, not %q", "x"))
	if got, want := errorMessage(err), `config: addr: must be host:port, not "x"`; got != want {
		t.Errorf("errorMessage = %q, want %q", got, want)
	}
	// Through the binary: a configuration file with a bad value.
	cfg := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(cfg, []byte("extractor: nonsense\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runBinary(t, "doctor", "--config", cfg, "--data", t.TempDir())
	if code != 1 || strings.Contains(stderr, "doctales error") || strings.Count(stderr, "doctales:") != 1 {
		t.Errorf("doctor --config bad.yaml: exit %d, stderr %q; want exit 1 and one plain message", code, stderr)
	}
}

// TestCLI_ExtractPlainText checks that extract reads plain text as a
// message body, and says on stderr which form it read.
func TestCLI_ExtractPlainText(t *testing.T) {
	for _, tc := range []struct{ in, form string }{
		{"URGENT: please approve the wire before 5pm today.", formPlain},
		{"Hello Bob,\nthe report is due Friday.\n", formPlain},
		{"From: Ann <ann@example.com>\r\nSubject: Wire\r\n\r\nURGENT: please approve the wire before 5pm today.\r\n", formMail},
		{`{"text":"URGENT: please approve the wire before 5pm today."}`, formJSON},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"extract", "--now", "2025-06-10T09:00:00Z"}, strings.NewReader(tc.in), &out, &errOut)
		if err != nil {
			t.Fatalf("extract %q: %v", tc.in, err)
		}
		if !strings.Contains(errOut.String(), "extract: read "+tc.form) {
			t.Errorf("extract %q: stderr %q, want it to say %q", tc.in, errOut.String(), tc.form)
		}
		var res struct {
			Dimensions *doctales.Dimensions `json:"dimensions"`
		}
		if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Dimensions == nil {
			t.Fatalf("extract %q printed %q: %v", tc.in, out.String(), err)
		}
		if strings.Contains(tc.in, "URGENT") && res.Dimensions.Urgency != "high" {
			t.Errorf("extract %q: urgency %q, want high (the text was read as the body)", tc.in, res.Dimensions.Urgency)
		}
	}
}

// TestCLI_IngestWait checks ingest without a server: without --wait an
// item left accepted comes with a hint on stderr; with --wait ingest
// prints the item extracted.
func TestCLI_IngestWait(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mail := filepath.Join(dir, "one.eml")
	if err := os.WriteFile(mail, []byte("From: Ann <ann@example.com>\r\nSubject: Wire\r\nMessage-ID: <wire-1@example.com>\r\n\r\nplease approve the wire\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	// --yield 1h: extraction waits while ingest runs, so the item stays accepted.
	if err := run(context.Background(), []string{"ingest", mail, "--data", data, "--yield", "1h"}, nil, &out, &errOut); err != nil {
		t.Fatalf("ingest: %v %s", err, errOut.String())
	}
	if !strings.Contains(out.String(), `"status":"accepted"`) || !strings.Contains(errOut.String(), "no server holds data folder "+data) ||
		!strings.Contains(errOut.String(), "--wait") {
		t.Fatalf("ingest without a server: stdout %q, stderr %q; want accepted and a hint", out.String(), errOut.String())
	}
	mail2 := filepath.Join(dir, "two.eml")
	if err := os.WriteFile(mail2, []byte("From: Ann <ann@example.com>\r\nSubject: Lunch\r\nMessage-ID: <lunch-9@example.com>\r\n\r\nlunch?\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if err := run(context.Background(), []string{"ingest", mail2, "--data", data, "--wait", "--wait-timeout", "30s"}, nil, &out, &errOut); err != nil {
		t.Fatalf("ingest --wait: %v %s", err, errOut.String())
	}
	if !strings.Contains(out.String(), `"status":"extracted"`) || strings.Contains(errOut.String(), "no server holds") {
		t.Fatalf("ingest --wait: stdout %q, stderr %q; want extracted and no hint", out.String(), errOut.String())
	}
}

// TestCLI_Version checks that version prints the module version from the
// build information, and JSON with --json.
func TestCLI_Version(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, nil, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "doctales ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"version", "--json"}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var v VersionInfo
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || v.Version == "" || v.Go == "" || v.Platform == "" {
		t.Fatalf("version --json = %q (%v)", out.String(), err)
	}
	// A binary built with VCS stamping in a Git checkout names its commit
	// (a linked worktree, whose .git is a file, is not stamped by go build).
	if fi, err := os.Stat("../../.git"); err != nil || !fi.IsDir() {
		t.Log("not a Git checkout with a .git folder: the commit is not checked")
		return
	}
	bin := filepath.Join(t.TempDir(), "doctales")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=true", "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -buildvcs=true: %v\n%s", err, b)
	}
	b, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &v); err != nil || len(v.Commit) != 40 || v.Time == "" || v.Version == "(devel)" {
		t.Errorf("doctales version --json = %s (%v); want the commit, its time and a module version", b, err)
	}
}

// TestCLI_ExtractFiles checks that extract reads files named on the
// command line, one result line per file with its name as the id, and that
// raw mail goes through the ingestion parser: an HTML reply's quoted
// <blockquote> is not read as the sender's words, and the HTML part of a
// multipart message is read.
func TestCLI_ExtractFiles(t *testing.T) {
	dir := t.TempDir()
	quoted := filepath.Join(dir, "quoted.eml")
	urgent := filepath.Join(dir, "urgent.eml")
	write := func(path, s string) {
		if err := os.WriteFile(path, []byte(strings.ReplaceAll(s, "\n", "\r\n")), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(quoted, `From: Tom Reyes <tom@acme.example>
To: Ann Lee <ann@acme.example>
Subject: Re: Q4 numbers
Date: Tue, 08 Dec 2026 09:12:00 +0100
Message-ID: <r2@acme.example>
In-Reply-To: <q1@acme.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><body><p>Thanks Ann, looks good. No rush on the rest.</p>
<div class="gmail_quote">On Mon, Dec 7, 2026 at 5:00 PM Ann Lee wrote:<blockquote>URGENT: please send the Q4 numbers ASAP, the board meets tomorrow at 9am.</blockquote></div></body></html>
`)
	write(urgent, `From: Tom Reyes <tom@acme.example>
To: Ann Lee <ann@acme.example>
Subject: board deck
Date: Tue, 08 Dec 2026 09:12:00 +0100
Message-ID: <r3@acme.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/html; charset=utf-8

<p>Hi Ann,</p><p>Could you send me the final deck by 2pm today? It's urgent.</p>
--b1--
`)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"extract", "--now", "2026-12-08T10:00:00+01:00", quoted, urgent}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("extract: %v (stderr %q)", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("extract of two files printed %d lines: %q", len(lines), out.String())
	}
	want := []struct{ id, urgency, category string }{{quoted, "low", "reply"}, {urgent, "high", "person"}}
	for i, line := range lines {
		var res struct {
			ID         string               `json:"id"`
			Dimensions *doctales.Dimensions `json:"dimensions"`
		}
		if err := json.Unmarshal([]byte(line), &res); err != nil || res.Dimensions == nil {
			t.Fatalf("line %d %q: %v", i, line, err)
		}
		if res.ID != want[i].id || res.Dimensions.Urgency != want[i].urgency || res.Dimensions.Category != want[i].category {
			t.Errorf("line %d: id %q urgency %q category %q (%v); want %+v", i, res.ID, res.Dimensions.Urgency, res.Dimensions.Category, res.Dimensions.UrgencyReasons, want[i])
		}
	}
	if err := run(context.Background(), []string{"extract", filepath.Join(dir, "missing.eml")}, strings.NewReader(""), &out, &errOut); err == nil || !strings.Contains(err.Error(), "missing.eml") {
		t.Errorf("extract of a missing file: %v, want an error naming it", err)
	}
}
