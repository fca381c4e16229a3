package postgres_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/tabletest"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/postgres"
	"github.com/jackc/pgx/v5"
)

// killDSNEnv passes the database to TestKillHelper.
const killDSNEnv = "DOCTALES_TEST_PG_KILL_DSN"

// TestKill_WriterDuringWrites runs a child process that creates and
// updates items from 8 goroutines and prints each acknowledged write,
// kills it with SIGKILL while it writes (some of its records committed
// but not yet numbered, some transactions open), and checks the database
// after: every acknowledged item is there with its records; every item has
// exactly one INSERT record and every record its item; each item's records
// chain (each MODIFY's old image is the previous new image); and the seqs
// are 1 to N without a gap once the next Open has numbered what the child
// left.
func TestKill_WriterDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dsn := testutil.PostgresDSN(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$")
	cmd.Env = append(os.Environ(), killDSNEnv+"="+dsn)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]int{} // id → acknowledged updates
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var id string
		var n int
		if _, err := fmt.Sscanf(sc.Text(), "acked %s %d", &id, &n); err == nil {
			acked[id] = max(acked[id], n)
		}
		if len(acked) == 300 {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = cmd.Wait()
	if len(acked) < 300 {
		t.Fatalf("the child acknowledged only %d items before it ended", len(acked))
	}

	ctx := context.Background()
	// What the child left unnumbered (committed, not yet numbered: the
	// next Open numbers it).
	if c, err := pgx.Connect(ctx, dsn); err == nil {
		var left int
		_ = c.QueryRow(ctx, `SELECT count(*) FROM log WHERE seq IS NULL`).Scan(&left)
		t.Logf("%d records committed but not numbered when the child died", left)
		c.Close(ctx)
	}
	db := mustOpenDSN(t, dsn, postgres.Options{}) // numbers what the child left
	var unnumbered int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM log WHERE seq IS NULL`).Scan(&unnumbered); err != nil || unnumbered != 0 {
		t.Fatalf("%d records unnumbered after Open, %v", unnumbered, err)
	}
	recs := tabletest.ReadStream(t, db)
	for i, r := range recs {
		if r.Log.Seq != int64(i+1) {
			t.Fatalf("record %d has seq %d: the seqs have a gap", i+1, r.Log.Seq)
		}
	}
	type chain struct {
		inserts, modifies int
		last              string
	}
	chains := map[string]*chain{}
	for _, r := range recs {
		c := chains[r.Log.Key]
		if c == nil {
			c = &chain{}
			chains[r.Log.Key] = c
		}
		img := func(m map[string]events.DynamoDBAttributeValue) string {
			if av, ok := m["error"]; ok {
				return av.String()
			}
			return ""
		}
		switch r.Record.EventName {
		case "INSERT":
			c.inserts++
			c.last = img(r.Record.Change.NewImage)
		case "MODIFY":
			c.modifies++
			if old := img(r.Record.Change.OldImage); old != c.last {
				t.Fatalf("%s seq %d: old image %q, the previous new image %q", r.Log.Key, r.Log.Seq, old, c.last)
			}
			c.last = img(r.Record.Change.NewImage)
		}
	}
	var items int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM items`).Scan(&items); err != nil {
		t.Fatal(err)
	}
	if items != len(chains) {
		t.Fatalf("%d items, %d keys in the stream", items, len(chains))
	}
	for id, c := range chains {
		it, err := db.GetItem(ctx, id)
		if err != nil {
			t.Fatalf("stream record of %q without its item: %v", id, err)
		}
		if c.inserts != 1 || it.Error != c.last {
			t.Fatalf("%q: %d INSERT records; item says %q, last record %q", id, c.inserts, it.Error, c.last)
		}
	}
	for id, n := range acked {
		c := chains[id]
		if c == nil {
			t.Fatalf("acknowledged item %q has no records", id)
		}
		if c.modifies < n {
			t.Fatalf("acknowledged item %q: %d updates acknowledged, %d MODIFY records", id, n, c.modifies)
		}
	}
	t.Logf("%d items acknowledged, %d items and %d records after the kill", len(acked), items, len(recs))
}

// TestKillHelper is the child process of TestKill_WriterDuringWrites: it
// writes until killed. It does nothing in a normal test run.
func TestKillHelper(t *testing.T) {
	dsn := os.Getenv(killDSNEnv)
	if dsn == "" {
		return
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ack := func(id string, n int) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Printf("acked %s %d\n", id, n)
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				if _, _, err := db.CreateItem(ctx, tabletest.NewItem(id, time.Now(), "p", "s", "low")); err != nil {
					fmt.Fprintln(os.Stderr, err)
					return
				}
				ack(id, 0)
				for n := 1; n <= 2; n++ {
					msg := fmt.Sprintf("update %d", n)
					if _, err := db.UpdateItem(ctx, id, doctales.ItemUpdate{Error: &msg}); err != nil {
						fmt.Fprintln(os.Stderr, err)
						return
					}
					ack(id, n)
				}
			}
		})
	}
	wg.Wait()
}
