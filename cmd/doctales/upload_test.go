package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/client"
)

// TestIngestRemote_LargeMail: `doctales ingest --url` sends a 10 MB
// e-mail, over client.DefaultUploadThresholdBytes, through POST /uploads
// and the server's own upload URL to a real server, and --wait sees it
// extracted; the data folder keeps no uploaded copy.
func TestIngestRemote_LargeMail(t *testing.T) {
	m := MustRunMain(t, nil)
	var b bytes.Buffer
	b.WriteString("From: Ana Ruiz <ana@acme.example>\r\nTo: me@example.com\r\nSubject: Full ledger export\r\nMessage-ID: <ledger@acme.example>\r\nDate: Fri, 04 Dec 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe full ledger is below; please check it by Friday.\r\n")
	for i := 0; b.Len() < 10<<20; i++ {
		fmt.Fprintf(&b, "%08d  invoice settled, amount carried to the next period as agreed\r\n", i)
	}
	if b.Len() <= client.DefaultUploadThresholdBytes {
		t.Fatal("the test mail is not over the upload threshold")
	}
	path := filepath.Join(t.TempDir(), "ledger.eml")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"ingest", "--url", m.URL(), "--wait", path}, nil, &out, &errOut); err != nil {
		t.Fatalf("ingest: %v\n%s", err, errOut.String())
	}
	var res struct{ ID, Status string }
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.ID == "" || res.Status != doctales.StatusExtracted {
		t.Fatalf("ingest printed %s (%v), want an extracted id", out.String(), err)
	}
	it, err := m.Pipeline.DB.GetItem(context.Background(), res.ID)
	if err != nil || it.Subject != "Full ledger export" {
		t.Fatalf("item %+v, %v", it, err)
	}
	// It went through an upload URL: its marker of use is in the data
	// folder (a POST /communications of the same bytes leaves none).
	if used, err := os.ReadDir(filepath.Join(m.Pipeline.Config.Data, "uploads")); err != nil || len(used) != 1 {
		t.Errorf("upload markers %v, %v; want one", used, err)
	}
	keys, err := m.Pipeline.Store.Keys(context.Background(), doctales.UploadPrefix)
	if err != nil || len(keys) != 0 {
		t.Errorf("uploaded copies left: %v, %v", keys, err)
	}
	if !strings.Contains(out.String(), res.ID) {
		t.Errorf("output %s", out.String())
	}
}
