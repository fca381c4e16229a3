package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/testutil"
)

// TestDB_Write_NoSpace fills a tmpfs the test mounts: a commit that needs
// more space fails with ENOSPACE naming the folder and the bytes free, is
// counted and leaves nothing behind; after space is freed writes work and
// the earlier item is intact.
func TestDB_Write_NoSpace(t *testing.T) {
	dir := testutil.MustMountTmpfs(t, 8<<20)
	db := MustOpenDBAt(t, filepath.Join(dir, "doctales.db"), nil)
	ctx := context.Background()
	ts := time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)
	if _, _, err := db.CreateItem(ctx, newItem("before", ts, "alpha", "a@example.com", "low")); err != nil {
		t.Fatal(err)
	}
	filler := testutil.MustFillDisk(t, dir)

	big := newItem("during", ts, "alpha", "a@example.com", "low")
	big.Subject = strings.Repeat("s", 2<<20) // needs the WAL to grow
	_, _, err := db.CreateItem(ctx, big)
	if doctales.ErrorCode(err) != doctales.ENOSPACE {
		t.Fatalf("CreateItem on a full disk = %v, want ENOSPACE", err)
	}
	msg := doctales.ErrorMessage(err)
	for _, want := range []string{dir, "no space left", "bytes free"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q", msg, want)
		}
	}
	if n := db.NoSpaceErrors(); n < 1 {
		t.Errorf("NoSpaceErrors = %d, want at least 1", n)
	}
	if _, err := db.GetItem(ctx, "during"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("the failed item is visible: %v", err)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateItem(ctx, big); err != nil {
		t.Fatalf("CreateItem after freeing space: %v", err)
	}
	if it, err := db.GetItem(ctx, "before"); err != nil || it.ID != "before" {
		t.Fatalf("the earlier item: %v %v", it, err)
	}
}
