package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/upload"
)

var _ upload.Claims = (*postgres.Uploads)(nil)

// TestUploads_ClaimRace: two processes (two pools on one database) claim
// the same uploads at once, four claimers each per upload; for every
// upload exactly one claim wins and the seven others are ECONFLICT naming
// "token". It fails if the claim is a read then an insert, or if the
// conflict is ignored.
func TestUploads_ClaimRace(t *testing.T) {
	ctx := context.Background()
	a, dsn := mustOpen(t, postgres.Options{})
	b := mustOpenDSN(t, dsn, postgres.Options{})
	stores := []*postgres.Uploads{{DB: a}, {DB: b}}
	exp := time.Now().Add(time.Hour)
	const uploads, perStore = 20, 4
	ids := make([]string, uploads)
	for i := range ids {
		ids[i] = doctales.NewUploadID()
	}
	var (
		mu    sync.Mutex
		wins  = map[string]int{}
		other []error
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for _, st := range stores {
		for range perStore {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for _, id := range ids {
					err := st.ClaimUpload(ctx, id, "ana", 1000, exp)
					mu.Lock()
					switch {
					case err == nil:
						wins[id]++
					case doctales.ErrorCode(err) != doctales.ECONFLICT || doctales.ErrorField(err) != "token" || !strings.Contains(err.Error(), id):
						other = append(other, err)
					}
					mu.Unlock()
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	if len(other) > 0 {
		t.Fatalf("claims that neither won nor lost with ECONFLICT naming token and the id: %v", other)
	}
	for _, id := range ids {
		if wins[id] != 1 {
			t.Errorf("upload %s was claimed %d times by %d claimers, want exactly once", id, wins[id], len(stores)*perStore)
		}
	}
	var rows int
	if err := a.Pool().QueryRow(ctx, `SELECT count(*) FROM uploads`).Scan(&rows); err != nil || rows != uploads {
		t.Fatalf("uploads rows: %d (%v), want %d", rows, err, uploads)
	}
}

// TestUploads_Expiry: a claim of an upload whose expiry has passed is
// EFORBIDDEN naming "token" and the time it expired, and leaves no row;
// one that expires while used is swept once the database's clock passes
// it, and a later claim of it is refused as expired too.
func TestUploads_Expiry(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	u := &postgres.Uploads{DB: db}

	id, past := doctales.NewUploadID(), time.Now().Add(-time.Second).Truncate(time.Second)
	err := u.ClaimUpload(ctx, id, "ana", 10, past)
	if doctales.ErrorCode(err) != doctales.EFORBIDDEN || doctales.ErrorField(err) != "token" ||
		!strings.Contains(err.Error(), "expired at "+past.UTC().Format(time.RFC3339)) {
		t.Fatalf("claim of an expired upload: %v; want EFORBIDDEN naming token and when it expired", err)
	}
	var rows int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM uploads WHERE id = $1`, id).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("the expired upload has %d rows (%v), want none", rows, err)
	}

	soon := doctales.NewUploadID()
	soonExp := time.Now().Add(300 * time.Millisecond)
	if err := u.ClaimUpload(ctx, soon, "ana", 10, soonExp); err != nil {
		t.Fatal(err)
	}
	if n, err := u.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("Sweep before the expiry = %d, %v; want 0", n, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := u.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the upload that expired at %s was not swept within 10s", soonExp)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := u.ClaimUpload(ctx, soon, "ana", 10, soonExp); doctales.ErrorCode(err) != doctales.EFORBIDDEN || doctales.ErrorField(err) != "token" {
		t.Fatalf("claim of the swept, expired upload: %v; want EFORBIDDEN naming token", err)
	}
}

// TestUploads_Release: a released upload may be claimed again (its body
// was not ingested, its URL may be sent again); releasing an unknown one
// is no error.
func TestUploads_Release(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	u := &postgres.Uploads{DB: db}
	id, exp := doctales.NewUploadID(), time.Now().Add(time.Hour)
	if err := u.ClaimUpload(ctx, id, "ana", 10, exp); err != nil {
		t.Fatal(err)
	}
	if err := u.ClaimUpload(ctx, id, "ana", 10, exp); doctales.ErrorCode(err) != doctales.ECONFLICT {
		t.Fatalf("second claim: %v, want ECONFLICT", err)
	}
	if err := u.ReleaseUpload(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := u.ClaimUpload(ctx, id, "ana", 10, exp); err != nil {
		t.Fatalf("claim after release: %v, want success", err)
	}
	if err := u.ReleaseUpload(ctx, doctales.NewUploadID()); err != nil {
		t.Fatalf("release of an unknown upload: %v", err)
	}
}

// TestUploads_Hostile: fields PostgreSQL cannot hold, or no upload has,
// are refused before the database, naming the field and the limit.
func TestUploads_Hostile(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	u := &postgres.Uploads{DB: db}
	exp := time.Now().Add(time.Hour)
	for _, c := range []struct {
		id, owner string
		size      int64
		field     string
	}{
		{"a/b", "ana", 1, "id"},
		{"", "ana", 1, "id"},
		{doctales.NewUploadID(), "an\xffa", 1, "owner"},
		{doctales.NewUploadID(), "an\x00a", 1, "owner"},
		{doctales.NewUploadID(), strings.Repeat("o", 257), 1, "owner"},
		{doctales.NewUploadID(), "", 1, "owner"},
		{doctales.NewUploadID(), "ana", 0, "size"},
		{doctales.NewUploadID(), "ana", -5, "size"},
	} {
		err := u.ClaimUpload(ctx, c.id, c.owner, c.size, exp)
		if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != c.field {
			t.Errorf("ClaimUpload(%q, %q, %d) = %v; want EINVALID naming %s", c.id, c.owner, c.size, err, c.field)
		}
	}
	if err := u.ClaimUpload(ctx, doctales.NewUploadID(), strings.Repeat("o", 257), 1, exp); err == nil || !strings.Contains(err.Error(), fmt.Sprint(256)) {
		t.Errorf("a long owner's error %v does not name the limit 256", err)
	}
}
