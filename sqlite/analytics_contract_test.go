package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/doctales/doctales/internal/analyticstest"
)

// TestAnalytics_Contract runs the shared contract of the aggregate tables
// (internal/analyticstest), which package postgres's tables pass too;
// Second is another handle on the same file. The table and the aggregate
// tables share one file here; the server keeps the aggregates in
// analytics.db, a file of their own, with the same code.
func TestAnalytics_Contract(t *testing.T) {
	analyticstest.Run(t, func(t *testing.T) analyticstest.Subject {
		path := filepath.Join(t.TempDir(), "doctales.db")
		db := MustOpenDBAt(t, path, nil)
		return analyticstest.Subject{Table: db, Log: db, Store: db, Second: MustOpenDBAt(t, path, nil)}
	})
}
