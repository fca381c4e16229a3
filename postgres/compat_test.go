package postgres_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/tabletest"
	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/sqlite"
)

// TestStreamRecords_SameBytesAsSQLite: the same writes on the SQLite
// table and on the PostgreSQL table, at the same clock, give stream
// records that are byte for byte the same but for their random eventID.
func TestStreamRecords_SameBytesAsSQLite(t *testing.T) {
	ctx := context.Background()
	clock := func() time.Time { return tabletest.Start }
	lite := sqlite.NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	lite.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	lite.Now = clock
	if err := lite.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lite.Close() })
	pg, _ := mustOpen(t, postgres.Options{Now: clock})

	high, status := doctales.UrgencyHigh, doctales.StatusExtracted
	dims := &doctales.Dimensions{Urgency: "high", UrgencyScore: 0.9, KeyPhrases: []doctales.KeyPhrase{{Text: "wire transfer", Score: 0.8}, {Text: "ünïcödé", Score: 0.5}}, RequiresAction: true}
	for _, tbl := range []doctales.Table{lite, pg} {
		it := tabletest.NewItem("email-1", time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC), "alpha", "ana@example.com", "low")
		it.Subject = `Ünïcödé "quoted" <subject> ✓`
		if _, _, err := tbl.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		if _, err := tbl.UpdateItem(ctx, "email-1", doctales.ItemUpdate{Urgency: &high, Status: &status, Dimensions: dims}); err != nil {
			t.Fatal(err)
		}
		if err := tbl.DeleteItem(ctx, "email-1"); err != nil {
			t.Fatal(err)
		}
	}
	a, b := tabletest.ReadStream(t, lite), tabletest.ReadStream(t, pg)
	if len(a) != 3 || len(b) != 3 {
		t.Fatalf("%d and %d records, want 3 each", len(a), len(b))
	}
	eventID := regexp.MustCompile(`"eventID":"[0-9a-f]{32}"`)
	for i := range a {
		x := eventID.ReplaceAllString(string(a[i].Log.Data), `"eventID":"-"`)
		y := eventID.ReplaceAllString(string(b[i].Log.Data), `"eventID":"-"`)
		if x != y {
			t.Fatalf("record %d differs:\nsqlite:   %s\npostgres: %s", i+1, x, y)
		}
		if a[i].Log.Seq != b[i].Log.Seq || a[i].Log.Key != b[i].Log.Key || !a[i].Log.Time.Equal(b[i].Log.Time) {
			t.Fatalf("record %d: sqlite %+v, postgres %+v", i+1, a[i].Log, b[i].Log)
		}
	}
}
