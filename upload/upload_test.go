package upload_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/fsblob"
	"github.com/doctales/doctales/upload"
)

func newLocal(t *testing.T, dir string, now *time.Time) *upload.Local {
	t.Helper()
	store := fsblob.NewStore(filepath.Join(dir, "objects"), "raw")
	if err := store.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return &upload.Local{
		Secret: func(context.Context) ([]byte, error) { return []byte("0123456789abcdef0123456789abcdef"), nil },
		Store:  store,
		Dir:    filepath.Join(dir, "uploads"),
		Now:    func() time.Time { return *now },
	}
}

// TestLocal_ClaimSurvivesRestart: a used upload stays used for another
// Local on the same folder (a restarted server), and a token signed under
// another secret is refused.
func TestLocal_ClaimSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir, now := t.TempDir(), time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	l := newLocal(t, dir, &now)
	u, err := l.CreateUpload(ctx, "ana", doctales.UploadRequest{Size: 10, ContentType: "text/plain"})
	if err != nil {
		t.Fatal(err)
	}
	token := u.URL[len("/uploads/"+u.ID+"?token="):]
	tk, err := l.Check(ctx, u.ID, token)
	if err != nil || tk.Owner != "ana" || tk.Request.Size != 10 || tk.Key() != u.Key {
		t.Fatalf("Check = %+v, %v", tk, err)
	}
	if err := l.Claim(ctx, tk); err != nil {
		t.Fatal(err)
	}
	again := newLocal(t, dir, &now)
	if err := again.Claim(ctx, tk); doctales.ErrorCode(err) != doctales.ECONFLICT {
		t.Errorf("claim after a restart: %v, want ECONFLICT", err)
	}
	other := newLocal(t, t.TempDir(), &now)
	other.Secret = func(context.Context) ([]byte, error) { return []byte("another secret of thirty-two b.."), nil }
	if _, err := other.Check(ctx, u.ID, token); doctales.ErrorCode(err) != doctales.EFORBIDDEN {
		t.Errorf("another server's token: %v, want EFORBIDDEN", err)
	}
}

// TestLocal_Sweep: markers of uploads whose URLs expired go; the others
// stay.
func TestLocal_Sweep(t *testing.T) {
	ctx := context.Background()
	dir, now := t.TempDir(), time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	l := newLocal(t, dir, &now)
	claim := func() {
		u, err := l.CreateUpload(ctx, "ana", doctales.UploadRequest{Size: 10, ContentType: "text/plain"})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := l.Check(ctx, u.ID, u.URL[len("/uploads/"+u.ID+"?token="):])
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Claim(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	claim()
	now = now.Add(10 * time.Minute)
	claim()
	now = now.Add(doctales.DefaultUploadExpiry - 5*time.Minute) // the first has expired, the second not
	if n, err := l.Sweep(); err != nil || n != 1 {
		t.Errorf("Sweep = %d, %v; want 1", n, err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "uploads")); len(left) != 1 {
		t.Errorf("%d markers left, want 1", len(left))
	}
}
