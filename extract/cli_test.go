package extract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
)

func TestRun(t *testing.T) {
	e := extract.New(extract.WithNow(func() time.Time { return tuesday }))
	t.Run("JSONL", func(t *testing.T) {
		in := strings.Join([]string{
			`{"id":"a","text":"URGENT: please approve the wire before 5pm today.","timestamp":"2025-06-10T09:30:00Z"}`,
			`not json`,
			``,
			`{"id":"b","type":"email","subject":"Weekend","content":"Just sharing the photos.","timestamp":"2025-06-10T09:30:00Z"}`,
		}, "\n")
		var out bytes.Buffer
		if err := extract.Run(context.Background(), e, strings.NewReader(in), &out, true); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 3 {
			t.Fatalf("got %d lines, want 3:\n%s", len(lines), out.String())
		}
		var rs [3]extract.Result
		for i, l := range lines {
			if err := json.Unmarshal([]byte(l), &rs[i]); err != nil {
				t.Fatal(err)
			}
		}
		if rs[0].ID != "a" || rs[0].Dimensions == nil || rs[0].Dimensions.Urgency != doctales.UrgencyHigh {
			t.Errorf("line 1 = %+v", rs[0])
		}
		if rs[1].Code != doctales.EINVALID {
			t.Errorf("line 2 code = %q, want EINVALID", rs[1].Code)
		}
		if rs[2].ID != "b" || rs[2].Dimensions == nil || rs[2].Dimensions.Urgency != doctales.UrgencyLow {
			t.Errorf("line 3 = %+v", rs[2])
		}
	})
	t.Run("RawMail", func(t *testing.T) {
		raw := "From: Ann Lee <ann@acme-widgets.com>\r\nTo: Bob Stone <bob@example.org>\r\nSubject: Contract\r\nDate: Tue, 10 Jun 2025 09:30:00 +0000\r\n\r\nBob, please sign the contract by Friday.\r\n\r\nBest regards,\r\nAnn Lee\r\n"
		var out bytes.Buffer
		if err := extract.Run(context.Background(), e, strings.NewReader(raw), &out, false); err != nil {
			t.Fatal(err)
		}
		var r extract.Result
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		d := r.Dimensions
		if d == nil || !d.RequiresAction || d.Deadline == nil || d.Deadline.Weekday() != time.Friday {
			t.Fatalf("dimensions = %+v", d)
		}
		var person, org bool
		for _, en := range d.Entities {
			person = person || en.Type == doctales.EntityPerson && en.Text == "Ann Lee"
			org = org || en.Type == doctales.EntityOrganization && en.Source == doctales.SourceSenderID
		}
		if !person || !org {
			t.Errorf("entities = %+v, want sender person and domain organisation", d.Entities)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		var out bytes.Buffer
		err := extract.Run(context.Background(), e, strings.NewReader("{not json"), &out, false)
		if doctales.ErrorCode(err) != doctales.EINVALID {
			t.Fatalf("err = %v, want EINVALID", err)
		}
	})
}

// TestRun_Now replays a reading time per line: "now" sets ExtractedAt and
// the reference of a communication without a timestamp.
func TestRun_Now(t *testing.T) {
	e := extract.New(extract.WithNow(func() time.Time { return tuesday }))
	in := strings.Join([]string{
		`{"id":"a","text":"Please send the report by tomorrow.","now":"2025-12-03T09:00:00-07:00"}`,
		`{"id":"b","text":"Please send the report by tomorrow."}`,
		`{"id":"c","text":"Please send the report by tomorrow.","now":"last week"}`,
	}, "\n")
	var out bytes.Buffer
	if err := extract.Run(context.Background(), e, strings.NewReader(in), &out, true); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(lines), out.String())
	}
	var rs [3]extract.Result
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &rs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if d := rs[0].Dimensions; d == nil || d.ExtractedAt.Format(time.RFC3339) != "2025-12-03T09:00:00-07:00" ||
		d.Deadline == nil || d.Deadline.Format(time.RFC3339) != "2025-12-04T17:00:00-07:00" {
		t.Errorf("line 1 = %+v, want now and tomorrow 17:00 of the line's now", d)
	}
	if d := rs[1].Dimensions; d == nil || !d.ExtractedAt.Equal(tuesday) {
		t.Errorf("line 2 = %+v, want the engine's clock", d)
	}
	if rs[2].Code != doctales.EINVALID || !strings.Contains(rs[2].Error, "now") {
		t.Errorf("line 3 = %+v, want EINVALID naming now", rs[2])
	}
}
