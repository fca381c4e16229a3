package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
