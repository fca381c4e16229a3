package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales/extract"
)

func TestConfig_Timezone(t *testing.T) {
	cfg, err := ReadConfig(writeConfig(t, "timezone: Europe/Berlin\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if loc, err := cfg.Location(); err != nil || loc == nil || loc.String() != "Europe/Berlin" {
		t.Errorf("location = %v, %v, want Europe/Berlin", loc, err)
	}

	cfg, err = ReadConfig(writeConfig(t, "timezone: Mars/Olympus_Mons\n"))
	if err == nil {
		err = cfg.Validate()
	}
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "timezone" || ce.Value != "Mars/Olympus_Mons" {
		t.Fatalf("err = %v, want a ConfigError for timezone", err)
	}
	if !strings.Contains(err.Error(), "timezone") || !strings.Contains(err.Error(), "Mars/Olympus_Mons") {
		t.Errorf("err = %q, want the field and the value", err)
	}

	// The flag wins over the file and is checked the same way.
	cf := commonFlags{config: writeConfig(t, "timezone: Europe/Berlin\n"), timezone: "Asia/Tokyo", logLevel: "error", logFmt: "text"}
	if cfg, _, err := cf.load(&bytes.Buffer{}); err != nil || cfg.Timezone != "Asia/Tokyo" {
		t.Errorf("--timezone Asia/Tokyo: timezone %q, %v", cfg.Timezone, err)
	}
	cf.timezone = "Nowhere/Land"
	if _, _, err := cf.load(&bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--timezone") || !strings.Contains(err.Error(), "Nowhere/Land") {
		t.Errorf("--timezone Nowhere/Land: err = %v, want one naming the flag and the value", err)
	}
}

func TestRunExtract_NowAndTimezone(t *testing.T) {
	// Sent 09:00 at -07:00, which is 17:00 in Berlin.
	in := `{"id":"a","text":"Please approve the wire before 5pm today.","timestamp":"2025-12-03T09:00:00-07:00"}`
	run := func(args ...string) (extract.Result, error) {
		var out, errOut bytes.Buffer
		err := runExtract(context.Background(), args, strings.NewReader(in), &out, &errOut)
		var r extract.Result
		if err == nil {
			err = json.Unmarshal(out.Bytes(), &r)
		}
		return r, err
	}
	r, err := run()
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Dimensions.Deadline.Format(time.RFC3339); got != "2025-12-03T17:00:00-07:00" {
		t.Errorf("deadline = %s, want the sender's 5pm", got)
	}
	r, err = run("--timezone", "Europe/Berlin", "--now", "2025-12-04T08:00:00+01:00")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Dimensions.Deadline.Format(time.RFC3339); got != "2025-12-03T17:00:00+01:00" {
		t.Errorf("deadline = %s, want the reader's 5pm", got)
	}
	if want := time.Date(2025, 12, 4, 7, 0, 0, 0, time.UTC); !r.Dimensions.ExtractedAt.Equal(want) {
		t.Errorf("extractedAt = %s, want --now %s", r.Dimensions.ExtractedAt, want)
	}
	if _, err := run("--timezone", "Nowhere/Land"); err == nil || !strings.Contains(err.Error(), "--timezone") || !strings.Contains(err.Error(), "Nowhere/Land") {
		t.Errorf("err = %v, want one naming --timezone and the value", err)
	}
	if _, err := run("--now", "yesterday"); err == nil || !strings.Contains(err.Error(), "--now") {
		t.Errorf("err = %v, want one naming --now", err)
	}
}
