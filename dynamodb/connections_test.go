package dynamodb_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/doctales/doctales"
	dtddb "github.com/doctales/doctales/dynamodb"
)

// MustOpenConnections returns a new, empty connections table on the test
// server, with its clock at *now.
func MustOpenConnections(tb testing.TB, now *time.Time) *dtddb.Connections {
	tb.Helper()
	c := dtddb.NewConnections(MustClient(tb), fmt.Sprintf("doctales-conns-%d", time.Now().UnixNano()))
	c.Now = func() time.Time { return *now }
	if err := c.CreateTable(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestConnections_ByOwner(t *testing.T) {
	ctx := context.Background()
	now := t0
	c := MustOpenConnections(t, &now)
	put := func(id, owner string, events ...string) {
		t.Helper()
		err := c.PutConnection(ctx, &doctales.LiveConnection{ID: id, Owner: owner, Events: events, ConnectedAt: now, ExpiresAt: now.Add(2 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
	}
	put("AAA=", "ana", "notification")
	put("BBB=", "ana")
	put("CCC=", "bob")
	// A ticket of ana's is not one of her connections (the index is sparse).
	if err := c.PutTicket(ctx, "h1", "ana", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	ids := func(owner string) []string {
		t.Helper()
		conns, err := c.Connections(ctx, owner)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, cn := range conns {
			if cn.Owner != owner {
				t.Errorf("connection %s of %q listed for %q", cn.ID, cn.Owner, owner)
			}
			ids = append(ids, cn.ID)
		}
		sort.Strings(ids)
		return ids
	}
	if got := fmt.Sprint(ids("ana")); got != "[AAA= BBB=]" {
		t.Errorf("ana's connections = %s", got)
	}
	if got := fmt.Sprint(ids("bob")); got != "[CCC=]" {
		t.Errorf("bob's connections = %s", got)
	}

	t.Run("Events", func(t *testing.T) {
		conns, _ := c.Connections(ctx, "ana")
		for _, cn := range conns {
			if cn.ID == "AAA=" && (cn.Wants("communication") || !cn.Wants("notification")) {
				t.Errorf("AAA= events = %v", cn.Events)
			}
			if cn.ID == "BBB=" && !cn.Wants("communication") {
				t.Errorf("BBB= events = %v, want all", cn.Events)
			}
			if !cn.ConnectedAt.Equal(now) {
				t.Errorf("connectedAt = %v", cn.ConnectedAt)
			}
		}
	})

	t.Run("Delete", func(t *testing.T) {
		if err := c.DeleteConnection(ctx, "BBB="); err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteConnection(ctx, "BBB="); err != nil {
			t.Fatalf("second delete: %v", err)
		}
		if got := fmt.Sprint(ids("ana")); got != "[AAA=]" {
			t.Errorf("after delete = %s", got)
		}
	})

	t.Run("Expired", func(t *testing.T) {
		now = t0.Add(2 * time.Hour)
		defer func() { now = t0 }()
		if got := ids("ana"); len(got) != 0 {
			t.Errorf("expired connections listed: %v", got)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		for _, conn := range []*doctales.LiveConnection{{Owner: "ana"}, {ID: "x#y", Owner: "ana"}, {ID: "DDD="}} {
			if err := c.PutConnection(ctx, conn); doctales.ErrorCode(err) != doctales.EINVALID {
				t.Errorf("put %+v = %v, want EINVALID", conn, err)
			}
		}
		if err := c.DeleteConnection(ctx, dtddb.TicketKeyPrefix+"h1"); doctales.ErrorCode(err) != doctales.EINVALID {
			t.Errorf("deleting a ticket as a connection = %v", err)
		}
	})
}

func TestConnections_Ticket(t *testing.T) {
	ctx := context.Background()
	now := t0
	c := MustOpenConnections(t, &now)

	t.Run("OnceOnly", func(t *testing.T) {
		if err := c.PutTicket(ctx, "h1", "ana", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		owner, err := c.TakeTicket(ctx, "h1")
		if err != nil || owner != "ana" {
			t.Fatalf("take = %q, %v", owner, err)
		}
		if _, err := c.TakeTicket(ctx, "h1"); doctales.ErrorCode(err) != doctales.EUNAUTHORIZED {
			t.Errorf("second take = %v, want EUNAUTHORIZED", err)
		}
	})

	t.Run("Expired", func(t *testing.T) {
		if err := c.PutTicket(ctx, "h2", "ana", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		now = t0.Add(time.Minute)
		defer func() { now = t0 }()
		if _, err := c.TakeTicket(ctx, "h2"); doctales.ErrorCode(err) != doctales.EUNAUTHORIZED {
			t.Errorf("expired take = %v, want EUNAUTHORIZED", err)
		}
	})

	t.Run("Unknown", func(t *testing.T) {
		for _, h := range []string{"nope", ""} {
			if _, err := c.TakeTicket(ctx, h); doctales.ErrorCode(err) != doctales.EUNAUTHORIZED {
				t.Errorf("take %q = %v, want EUNAUTHORIZED", h, err)
			}
		}
	})
}
