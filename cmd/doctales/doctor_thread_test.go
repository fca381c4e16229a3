package main

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

// TestDoctor_ThreadIDs: mail stored before items kept their thread id
// (migration 0140) is reported by doctor, and --repair copies the thread
// id from each object onto its item, so the replies join their thread.
func TestDoctor_ThreadIDs(t *testing.T) {
	data := t.TempDir()
	storeMail(t, data,
		"Message-ID: <root@x.example>\r\nFrom: Ana <ana@x.example>\r\nTo: me@example.com\r\nSubject: Plan\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\n\r\nThe plan.\r\n",
		"Message-ID: <re1@x.example>\r\nFrom: Bo <bo@x.example>\r\nTo: me@example.com\r\nSubject: Re: Plan\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\nIn-Reply-To: <root@x.example>\r\nReferences: <root@x.example>\r\n\r\nFine.\r\n",
	)

	// As an older doctales left them: no thread id on the items.
	editTable(t, data, `UPDATE items SET thread_id = '', body = json_remove(body, '$.threadId')`)

	code, r := doctorJSON(t, data)
	if _, ok := findProblem(r, ProblemThread, ""); code == 0 || !ok || r.Remain != 2 {
		t.Fatalf("doctor: exit %d, %+v; want two thread_id problems", code, r.Problems)
	}
	code, r = doctorJSON(t, data, "--repair")
	if p, ok := findProblem(r, ProblemThread, ""); code != 0 || !ok || !p.Repaired || r.Remain != 0 {
		t.Fatalf("doctor --repair: exit %d, %+v", code, r.Problems)
	}
	if code, r = doctorJSON(t, data); code != 0 || len(r.Problems) != 0 {
		t.Fatalf("doctor after the repair: exit %d, %+v", code, r.Problems)
	}

	db := sqlite.NewDB(filepath.Join(data, tableFile))
	db.Logger = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ths, _, err := db.FindThreads(context.Background(), doctales.ThreadFilter{MinCount: 2})
	if err != nil || len(ths) != 1 || ths[0].ID != "root@x.example" || ths[0].Count != 2 {
		t.Fatalf("threads after the repair: %+v, %v", ths, err)
	}
}

// TestDoctor_ItemCounts: a counter of item_counts changed outside
// Doctales is reported by doctor, naming the owner, the dimension and
// both numbers, and --repair recounts it, so lists' totals are right
// again.
func TestDoctor_ItemCounts(t *testing.T) {
	data := t.TempDir()
	storeMail(t, data,
		"Message-ID: <a@x.example>\r\nFrom: Ana <ana@x.example>\r\nTo: me@example.com\r\nSubject: One\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\n\r\nOne.\r\n",
		"Message-ID: <b@x.example>\r\nFrom: Bo <bo@x.example>\r\nTo: me@example.com\r\nSubject: Two\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n\r\nTwo.\r\n",
	)

	editTable(t, data, `UPDATE item_counts SET n = n + 40 WHERE dim = ''`)

	code, r := doctorJSON(t, data)
	p, ok := findProblem(r, ProblemCounts, "")
	if code == 0 || !ok || r.Remain != 1 || !strings.Contains(p.Detail, "the counter says 42, the items 2") {
		t.Fatalf("doctor: exit %d, %+v; want one item_counts problem naming 42 and 2", code, r.Problems)
	}
	code, r = doctorJSON(t, data, "--repair")
	if p, ok := findProblem(r, ProblemCounts, ""); code != 0 || !ok || !p.Repaired || r.Remain != 0 {
		t.Fatalf("doctor --repair: exit %d, %+v", code, r.Problems)
	}
	if code, r = doctorJSON(t, data); code != 0 || len(r.Problems) != 0 {
		t.Fatalf("doctor after the repair: exit %d, %+v", code, r.Problems)
	}
}

// storeMail starts the server on data, posts each raw message, waits
// until the pipeline is idle and stops the server: a folder as serve
// leaves it, for doctor to check.
func storeMail(t *testing.T, data string, msgs ...string) {
	t.Helper()
	srv := startServer(t, data)
	for _, m := range msgs {
		if code, _, out := postRaw(t, srv.url+"/communications", "message/rfc822", []byte(m)); code != 202 {
			t.Fatalf("POST = %d %v", code, out)
		}
	}
	waitIdle(t, srv.url, 60*time.Second)
	stopServer(t, srv)
}

// editTable runs stmt on the table file of data with the server stopped,
// as a hand edit outside Doctales (or an older version) would leave it.
func editTable(t *testing.T, data, stmt string) {
	t.Helper()
	raw, err := sql.Open("sqlite", filepath.Join(data, tableFile))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}
