package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// spamMail sets X-Priority 1 and asks for nothing by a date: the header
// alone must not make it urgent.
const spamMail = "From: \"Lucky Draw\" <win@prizes.example>\r\n" +
	"To: Me <me@example.com>\r\n" +
	"Subject: You have been selected\r\n" +
	"Date: Thu, 22 Aug 2002 12:36:23 +0100\r\n" +
	"Message-ID: <prize-1@prizes.example>\r\n" +
	"X-Priority: 1 (Highest)\r\n" +
	"X-MSMail-Priority: High\r\n" +
	"Content-Type: text/plain; charset=us-ascii\r\n" +
	"\r\n" +
	"Dear friend, you have been selected for our exclusive prize program.\r\n"

// postRaw posts body with a content type and returns the status, the
// Idempotent-Replayed header and the decoded answer.
func postRaw(t testing.TB, url, ctype string, body []byte) (int, bool, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header.Get("Idempotent-Replayed") == "true", out
}

func TestAPI_RawMail(t *testing.T) {
	m := MustRunMain(t, nil)
	url := m.URL() + "/communications?project=inbox"

	status, replayed, out := postRaw(t, url, "message/rfc822", []byte(spamMail))
	if status != http.StatusAccepted || replayed {
		t.Fatalf("POST = %d %v", status, out)
	}
	id, _ := out["id"].(string)
	status, replayed, again := postRaw(t, url, "message/rfc822", []byte(spamMail))
	if status != http.StatusAccepted || !replayed || again["id"] != id {
		t.Fatalf("second POST = %d replayed=%v %v: want the same answer, replayed", status, replayed, again)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := m.Pipeline.Runtime.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	getJSON(t, m.URL()+"/communications/"+id, &c)
	fields, _ := c["fields"].(map[string]any)
	if c["sender_id"] != "win@prizes.example" || c["project"] != "inbox" || fields["messageId"] != "prize-1@prizes.example" || fields["x-priority"] != "1 (Highest)" {
		t.Errorf("communication = %v", c)
	}
	if c["status"] != doctales.StatusExtracted {
		t.Errorf("status = %v, want extracted", c["status"])
	}
	if meta, _ := c["metadata"].(map[string]any); meta["urgency"] == doctales.UrgencyHigh {
		t.Errorf("urgency high from a priority header alone: %v", meta)
	}
	// The original bytes are stored beside the communication.
	raw, _, err := m.Pipeline.Store.Get(ctx, fields["rawKey"].(string))
	if err != nil || string(raw) != spamMail {
		t.Errorf("raw object: %v, %d bytes", err, len(raw))
	}
	// Only one event chain: one item, extracted once.
	items, _, _ := m.Pipeline.DB.FindItems(ctx, doctales.ItemFilter{})
	if len(items) != 1 {
		t.Errorf("items = %d, want 1", len(items))
	}

	t.Run("Upload", func(t *testing.T) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("project", "docs")
		w, _ := mw.CreateFormFile("file", "plan.md")
		w.Write([]byte("# Launch plan\n\n| task | owner |\n|---|---|\n| docs | bo |\n"))
		mw.Close()
		status, _, out := postRaw(t, m.URL()+"/communications", mw.FormDataContentType(), body.Bytes())
		if status != http.StatusAccepted {
			t.Fatalf("upload = %d %v", status, out)
		}
		var c map[string]any
		getJSON(t, m.URL()+"/communications/"+out["id"].(string), &c)
		fields, _ := c["fields"].(map[string]any)
		if c["commType"] != nil || c["type"] != "document" || c["subject"] != "Launch plan" || c["project"] != "docs" ||
			fields["fileType"] != "md" || fields["tableCount"] != 1.0 {
			t.Errorf("document = %v", c)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		status, _, out := postRaw(t, url, "message/rfc822", []byte("no headers here, just words\n"))
		if status != http.StatusBadRequest || out["code"] != doctales.EINVALID {
			t.Errorf("not a message: %d %v", status, out)
		}
		big := append([]byte("From: a@example.com\r\nSubject: big\r\n\r\n"), bytes.Repeat([]byte("x"), 26<<20)...)
		status, _, out = postRaw(t, url, "message/rfc822", big)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(fmt.Sprint(out["error"]), "limit") {
			t.Errorf("over the size limit: %d %v", status, out)
		}
		status, _, out = postRaw(t, m.URL()+"/communications", "application/zip", []byte("PK"))
		if status != http.StatusUnsupportedMediaType {
			t.Errorf("zip: %d %v", status, out)
		}
	})
}

// writeImportTree writes a small tree of every kind of source.
func writeImportTree(t testing.TB) string {
	dir := t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("inbox.mbox", "From win@prizes.example Thu Aug 22 12:36:23 2002\n"+strings.ReplaceAll(spamMail, "\r\n", "\n")+"\n"+
		"From ana@acme.example Thu Aug 22 12:40:00 2002\nFrom: Ana <ana@acme.example>\nSubject: Wire\nMessage-ID: <wire@acme.example>\n\nURGENT: please approve the wire before 5pm today.\n")
	write("notes/plan.md", "# Plan\n\nShip it.\n")
	write("feed.jsonl", `{"platform":"twitter","id":7,"user":"ana","text":"launch day #q3"}`+"\n")
	write("broken.eml", "\x00\x01 not mail")
	return dir
}

func TestImportCommand(t *testing.T) {
	ctx := context.Background()

	t.Run("Remote", func(t *testing.T) {
		m := MustRunMain(t, nil)
		dir := writeImportTree(t)
		var out, errOut bytes.Buffer
		if err := run(ctx, []string{"import", "--url", m.URL(), "--project", "p1", "--progress", "log", dir}, nil, &out, &errOut); err != nil {
			t.Fatalf("import: %v\n%s", err, errOut.String())
		}
		if !strings.Contains(out.String(), "imported 4, skipped 0, failed 1 of 5 found") || !strings.Contains(out.String(), "broken.eml") {
			t.Errorf("summary:\n%s", out.String())
		}
		if !strings.Contains(errOut.String(), "import: 5 found") {
			t.Errorf("progress lines:\n%s", errOut.String())
		}
		out.Reset()
		if err := run(ctx, []string{"import", "--url", m.URL(), "--project", "p1", "--progress", "none", dir}, nil, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "imported 0, skipped 4, failed 1") || !strings.Contains(out.String(), "already imported") {
			t.Errorf("second run:\n%s", out.String())
		}
		items, _, _ := m.Pipeline.DB.FindItems(ctx, doctales.ItemFilter{})
		if len(items) != 4 {
			t.Errorf("items = %d, want 4", len(items))
		}
	})

	t.Run("Local", func(t *testing.T) {
		dir := writeImportTree(t)
		data := t.TempDir()
		var out bytes.Buffer
		err := run(ctx, []string{"import", "--data", data, "--wait", "--json", "--progress", "none", dir}, nil, &out, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		var sum struct {
			Imported, Skipped, Failed int
			ExtractionCaughtUpSeconds float64
		}
		if err := json.Unmarshal(out.Bytes(), &sum); err != nil || sum.Imported != 4 || sum.Failed != 1 {
			t.Fatalf("summary %s (%v)", out.String(), err)
		}
		// Dry run on the same tree: parsed, nothing stored.
		out.Reset()
		if err := run(ctx, []string{"import", "--dry-run", "--progress", "none", dir}, nil, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "dry run") || !strings.Contains(out.String(), "imported 4") {
			t.Errorf("dry run:\n%s", out.String())
		}

		// ingest: one file into the same folder, extracted by then.
		out.Reset()
		if err := run(ctx, []string{"ingest", "--data", data, filepath.Join(dir, "notes", "plan.md")}, nil, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		var res map[string]any
		if err := json.Unmarshal(out.Bytes(), &res); err != nil || res["replayed"] != true || !strings.HasPrefix(fmt.Sprint(res["s3Key"]), "document/") {
			t.Errorf("ingest printed %s (%v): want the already imported document, replayed", out.String(), err)
		}
		if err := run(ctx, []string{"ingest", "--data", data, filepath.Join(dir, "broken.eml")}, nil, io.Discard, io.Discard); err == nil {
			t.Error("ingest of a broken message succeeded")
		}
	})
}
