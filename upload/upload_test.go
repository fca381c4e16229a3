package upload_test

import (
	"context"
	"fmt"
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

// recordingClaims is an upload.Claims that records its calls, in memory:
// the real shared one is PostgreSQL's (postgres/uploads_test.go).
type recordingClaims struct {
	used     map[string]time.Time
	released []string
	ctxErr   error
}

func (c *recordingClaims) ClaimUpload(ctx context.Context, id, owner string, size int64, expiresAt time.Time) error {
	c.ctxErr = ctx.Err()
	if _, ok := c.used[id]; ok {
		return doctales.FieldErrorf(doctales.ECONFLICT, "token", "upload %s was already used", id)
	}
	c.used[id+"/"+owner+"/"+fmt.Sprint(size)] = expiresAt
	c.used[id] = expiresAt
	return nil
}

func (c *recordingClaims) ReleaseUpload(ctx context.Context, id string) error {
	c.released = append(c.released, id)
	delete(c.used, id)
	return nil
}

// TestLocal_Claims: with Claims set, Claim records the ticket's id,
// owner, size and expiry there (with a context the request's
// cancellation does not reach) and no marker file is written; Release
// forgets it and deletes the stored body; Sweep has nothing to do.
func TestLocal_Claims(t *testing.T) {
	ctx := context.Background()
	dir, now := t.TempDir(), time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	l := newLocal(t, dir, &now)
	claims := &recordingClaims{used: map[string]time.Time{}}
	l.Claims = claims
	u, err := l.CreateUpload(ctx, "ana", doctales.UploadRequest{Size: 10, ContentType: "text/plain"})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := l.Check(ctx, u.ID, u.URL[len("/uploads/"+u.ID+"?token="):])
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.Claim(cancelled, tk); err != nil || claims.ctxErr != nil {
		t.Fatalf("Claim = %v (context seen by Claims: %v); want success, not cancelled", err, claims.ctxErr)
	}
	if exp, ok := claims.used[tk.ID+"/ana/10"]; !ok || !exp.Equal(u.ExpiresAt) {
		t.Fatalf("Claims recorded %v; want %s/ana/10 expiring at %s", claims.used, tk.ID, u.ExpiresAt)
	}
	if err := l.Claim(ctx, tk); doctales.ErrorCode(err) != doctales.ECONFLICT {
		t.Fatalf("second Claim = %v, want Claims' ECONFLICT", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "uploads")); err == nil {
		t.Fatalf("a marker folder was made with Claims set")
	}
	if err := l.Put(ctx, tk, []byte("0123456789")); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(ctx, tk); err != nil || len(claims.released) != 1 || claims.released[0] != tk.ID {
		t.Fatalf("Release = %v, released %v; want %s", err, claims.released, tk.ID)
	}
	if _, _, err := l.Store.(*fsblob.Store).Get(ctx, tk.Key()); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("the body after Release: %v, want ENOTFOUND", err)
	}
	if err := l.Claim(ctx, tk); err != nil {
		t.Fatalf("Claim after Release = %v, want success", err)
	}
	if n, err := l.Sweep(); n != 0 || err != nil {
		t.Fatalf("Sweep with Claims = %d, %v; want 0, nil", n, err)
	}
}
