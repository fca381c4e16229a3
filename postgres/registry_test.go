package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/tabletest"
	"github.com/doctales/doctales/postgres"
)

// processByID returns the registered process id, or nil.
func processByID(t *testing.T, db *postgres.DB, id string) *postgres.ProcessState {
	t.Helper()
	ps, err := db.Processes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range ps {
		if ps[i].ID == id {
			return &ps[i]
		}
	}
	return nil
}

// TestRegistry: a process registers with its fields, a heartbeat moves
// last_seen, a process that stops beating is lost after three of its
// heartbeats and pruned after PruneAfter, one that keeps beating (a
// Registration) is never lost, and Close deletes its row.
func TestRegistry(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	if ps, err := db.Processes(ctx); err != nil || len(ps) != 0 {
		t.Fatalf("Processes of a new database = %v, %v; want none", ps, err)
	}

	// Registered, then silent: lost after 3 × 100 ms.
	silent := postgres.Process{ID: postgres.NewProcessID(), Role: "extraction", Partition: "1/2", Host: "box-1", PID: 4242,
		Address: "10.0.0.5:8091", Version: "v1.2.3", Heartbeat: 100 * time.Millisecond}
	reg, err := db.RegisterProcess(ctx, silent)
	if err != nil {
		t.Fatal(err)
	}
	if reg.StartedAt.IsZero() || !reg.LastSeen.Equal(reg.StartedAt) {
		t.Fatalf("RegisterProcess = %+v; want started_at = last_seen = now", reg)
	}
	got := processByID(t, db, silent.ID)
	if got == nil || got.Role != "extraction" || got.Partition != "1/2" || got.Host != "box-1" || got.PID != 4242 ||
		got.Address != "10.0.0.5:8091" || got.Version != "v1.2.3" || got.Heartbeat != 100*time.Millisecond || got.Lost {
		t.Fatalf("Processes has %+v; want the registered fields, not lost", got)
	}
	time.Sleep(20 * time.Millisecond)
	if ok, err := db.HeartbeatProcess(ctx, silent.ID); !ok || err != nil {
		t.Fatalf("HeartbeatProcess = %v, %v", ok, err)
	}
	if after := processByID(t, db, silent.ID); !after.LastSeen.After(reg.LastSeen) || !after.StartedAt.Equal(reg.StartedAt) {
		t.Fatalf("after a heartbeat: %+v; want last_seen moved, started_at kept (%s)", after, reg.StartedAt)
	}
	waitFor(t, 10*time.Second, func() string { return "the silent process is not lost" }, func() bool {
		p := processByID(t, db, silent.ID)
		return p != nil && p.Lost
	})
	if p := processByID(t, db, silent.ID); p.SeenAgo <= postgres.LostHeartbeats*p.Heartbeat {
		t.Fatalf("lost after %s, within %d heartbeats of %s", p.SeenAgo, postgres.LostHeartbeats, p.Heartbeat)
	}

	// A Registration keeps beating: not lost over 10 of its heartbeats;
	// it prunes the silent one once that was not seen for PruneAfter.
	live := &postgres.Registration{DB: db, PruneAfter: 500 * time.Millisecond, Process: postgres.Process{ID: postgres.NewProcessID(),
		Role: "api", Host: "box-2", PID: 7, Address: "[::1]:8080", Heartbeat: 50 * time.Millisecond}}
	if err := live.Open(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		if p := processByID(t, db, live.Process.ID); p == nil || p.Lost {
			t.Fatalf("a beating process shows as %+v", p)
		}
		time.Sleep(25 * time.Millisecond)
	}
	waitFor(t, 10*time.Second, func() string { return "the silent process was not pruned" }, func() bool {
		return processByID(t, db, silent.ID) == nil
	})

	// Its row deleted behind its back (pruned while it was cut off): the
	// next beat registers it again, with its first start time.
	started := processByID(t, db, live.Process.ID).StartedAt
	if err := db.RemoveProcess(ctx, live.Process.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() string { return "the pruned live process did not register again" }, func() bool {
		p := processByID(t, db, live.Process.ID)
		return p != nil && p.StartedAt.Equal(started)
	})

	// Close deletes the row; a second Close does nothing.
	if err := live.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if p := processByID(t, db, live.Process.ID); p != nil {
		t.Fatalf("after Close the row is still there: %+v", p)
	}
	if err := live.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.HeartbeatProcess(ctx, live.Process.ID); ok || err != nil {
		t.Fatalf("HeartbeatProcess of a removed process = %v, %v; want false", ok, err)
	}
}

// TestRegistry_Invalid: a process with a field the registry cannot hold
// is refused naming the field, its value and the limit.
func TestRegistry_Invalid(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	good := postgres.Process{ID: "p-1", Role: "api", PID: 1, Address: "127.0.0.1:8080"}
	for _, c := range []struct {
		name  string
		edit  func(*postgres.Process)
		code  string
		field string
	}{
		{"no id", func(p *postgres.Process) { p.ID = "" }, doctales.EINVALID, "id is empty"},
		{"long id", func(p *postgres.Process) { p.ID = strings.Repeat("x", 129) }, doctales.ETOOLARGE, "id is 129 bytes; the limit is 128"},
		{"NUL role", func(p *postgres.Process) { p.Role = "a\x00b" }, doctales.EINVALID, "role"},
		{"bad UTF-8 host", func(p *postgres.Process) { p.Host = "\xff" }, doctales.EINVALID, "host"},
		{"no port", func(p *postgres.Process) { p.Address = "10.0.0.1" }, doctales.EINVALID, `address "10.0.0.1" is not host:port`},
		{"long address", func(p *postgres.Process) { p.Address = strings.Repeat("a", 300) + ":1" }, doctales.ETOOLARGE, "address is 302 bytes"},
		{"pid 0", func(p *postgres.Process) { p.PID = 0 }, doctales.EINVALID, "pid 0 is outside"},
		{"heartbeat", func(p *postgres.Process) { p.Heartbeat = time.Nanosecond }, doctales.EINVALID, "heartbeat 1ns is outside 10ms..1h0m0s"},
	} {
		p := good
		c.edit(&p)
		_, err := db.RegisterProcess(ctx, p)
		tabletest.AssertCode(t, err, c.code)
		if err == nil || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: error %v does not say %q", c.name, err, c.field)
		}
	}
	if ps, err := db.Processes(ctx); err != nil || len(ps) != 0 {
		t.Fatalf("after refused registrations: %v, %v", ps, err)
	}
}
