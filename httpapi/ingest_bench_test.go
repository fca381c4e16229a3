//go:build unix

package httpapi_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/doctales/doctales/fsblob"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/sqlite"
)

// BenchmarkPostCommunication is the ingest path of issue 15 without the
// network: POST /communications through the whole Handler (security
// headers, open-mode check, routing, JSON, normalisation) into the
// ingestion function, with a real object store folder (fsynced, its
// ObjectCreated event appended to the log) and a real SQLite file (group
// commit), as serve wires them, minus telemetry. Each op is one accepted,
// durable communication; 32 requests run at once per GOMAXPROCS so that
// the group commits batch as under load.
//
// Besides ns/op and allocs/op it reports the process's CPU per op, split
// into user-µs/op (the program's work) and sys-µs/op (the kernel's:
// creating the object's file, fsync, syncfs), which is steadier than
// ns/op on a shared machine:
//
//	go test -run '^$' -bench PostCommunication -benchtime 2000x -count 5 ./httpapi/
func BenchmarkPostCommunication(b *testing.B) {
	db := sqlite.NewDB(filepath.Join(b.TempDir(), "doctales.db"))
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	store := fsblob.NewStore(filepath.Join(b.TempDir(), "objects"), "raw")
	store.Events = db
	if err := store.Open(); err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	h := &httpapi.Handler{
		Normalizer: &ingest.Normalizer{}, Ingestion: &function.Ingestion{Store: store, Table: db}, Store: store,
		Table: db, DeadLetters: db, Profiles: db, Directory: db, CommunicationLog: db,
		Auth:   db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	h.Init()

	var next atomic.Int64
	var failed atomic.Value
	b.ReportAllocs()
	b.SetParallelism(32)
	user0, sys0 := rusage()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			body := fmt.Sprintf(`{"id":"bench-%d","source":"email","subject":"Report %d","from":"Bo Lind","from_email":"bo@example.com","body":"Here is the weekly report number %d. Nothing urgent."}`, i, i, i)
			req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/communications", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusAccepted {
				failed.CompareAndSwap(nil, fmt.Sprintf("POST %d: status %d, want 202: %s", i, w.Code, w.Body))
			}
		}
	})
	b.StopTimer()
	user1, sys1 := rusage()
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}
	b.ReportMetric(float64((user1-user0).Microseconds())/float64(b.N), "user-µs/op")
	b.ReportMetric(float64((sys1-sys0).Microseconds())/float64(b.N), "sys-µs/op")
}

// rusage returns the CPU time this process has used in user space and in
// the kernel.
func rusage() (user, sys time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}
