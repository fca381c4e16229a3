// Package tabletest is the shared contract test of [doctales.Table] with
// its change stream: conditional create, update, an update that changes
// nothing appends nothing, delete, pages with a cursor, and the stream
// records' DynamoDB Streams shape and order, read back through the
// [doctales.EventLog] the table appends to. Package sqlite's DB and
// package postgres's DB run it, so that a subscriber cannot tell which
// table it reads.
package tabletest

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
)

// Subject is a table under test and the log its stream records go to.
type Subject struct {
	Table doctales.Table
	Log   doctales.EventLog
}

// Clock is a fake clock: the table under test reads its time from Now.
// Safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Start is the time of every Clock when its table opens: the stream
// label in eventSourceARN is made of it.
var Start = time.Date(2025, 6, 10, 12, 0, 1, 500e6, time.UTC)

// StreamARN is the eventSourceARN of a table opened at Start with the
// default table name and region.
const StreamARN = "arn:aws:dynamodb:us-east-1:000000000000:table/doc-tales-communications/stream/2025-06-10T12:00:01.500"

// Run runs the contract on fresh, empty tables from open, each reading
// its time from the clock it is given (at Start; the tests advance it).
func Run(t *testing.T, open func(t *testing.T, c *Clock) Subject) {
	fresh := func(t *testing.T) (Subject, *Clock) {
		c := &Clock{t: Start}
		return open(t, c), c
	}
	ctx := context.Background()

	t.Run("Create", func(t *testing.T) {
		s, c := fresh(t)
		c.Advance(time.Second)
		now := c.Now()
		item := NewItem("email-123", time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC), "alpha", "a@example.com", "low")
		got, created, err := s.Table.CreateItem(ctx, item)
		if err != nil {
			t.Fatal(err)
		} else if !created {
			t.Fatal("created = false for a new id")
		} else if got.ID != item.ID || got.Subject != item.Subject {
			t.Fatalf("CreateItem returned %+v", got)
		}
		back, err := s.Table.GetItem(ctx, "email-123")
		if err != nil {
			t.Fatal(err)
		} else if back.Subject != item.Subject || back.SenderID != item.SenderID || back.Status != doctales.StatusAccepted ||
			back.Metadata.Urgency != "low" || !back.Timestamp.Equal(item.Timestamp) || back.ContentHash != item.ContentHash {
			t.Fatalf("GetItem = %+v", back)
		}

		recs := ReadStream(t, s.Log)
		if len(recs) != 1 {
			t.Fatalf("%d stream records, want 1", len(recs))
		}
		lr, r := recs[0].Log, recs[0].Record
		if lr.Key != "email-123" || lr.Target != "" || !lr.Time.Equal(now) {
			t.Fatalf("log record = key %q target %q time %v; want email-123, \"\", %v", lr.Key, lr.Target, lr.Time, now)
		}
		if r.EventName != "INSERT" || r.EventVersion != "1.1" || r.EventSource != "aws:dynamodb" || r.AWSRegion != "us-east-1" {
			t.Fatalf("record header = %+v", r)
		}
		if r.EventSourceArn != StreamARN {
			t.Fatalf("eventSourceARN = %q, want %q", r.EventSourceArn, StreamARN)
		}
		if len(r.EventID) != 32 || strings.Trim(r.EventID, "0123456789abcdef") != "" {
			t.Fatalf("eventID = %q, want 32 hex digits", r.EventID)
		}
		ch := r.Change
		if ch.StreamViewType != "NEW_AND_OLD_IMAGES" || ch.SizeBytes <= 0 || ch.OldImage != nil {
			t.Fatalf("dynamodb = %+v", ch)
		}
		if !ch.ApproximateCreationDateTime.Equal(now.Truncate(time.Second)) {
			t.Fatalf("ApproximateCreationDateTime = %v, want %v", ch.ApproximateCreationDateTime, now.Truncate(time.Second))
		}
		if ch.Keys["PK"].String() != "COMM" || ch.Keys["SK"].String() != "COMM#email-123" {
			t.Fatalf("Keys = %v", ch.Keys)
		}
		if ch.NewImage["id"].String() != "email-123" || ch.NewImage["GSI1PK"].String() != "PROJ#alpha" ||
			ch.NewImage["metadata"].Map()["urgency"].String() != "low" {
			t.Fatalf("NewImage = %v", ch.NewImage)
		}
		if img, err := doctales.ItemFromImage(ch.NewImage); err != nil || img.Subject != item.Subject {
			t.Fatalf("ItemFromImage = %+v, %v", img, err)
		}
	})

	t.Run("ConditionalCreate", func(t *testing.T) {
		s, _ := fresh(t)
		first := NewItem("email-1", time.Now(), "alpha", "a@example.com", "low")
		if _, _, err := s.Table.CreateItem(ctx, first); err != nil {
			t.Fatal(err)
		}
		second := NewItem("email-1", time.Now(), "beta", "b@example.com", "high")
		second.Subject = "different"
		got, created, err := s.Table.CreateItem(ctx, second)
		if err != nil {
			t.Fatal(err)
		} else if created {
			t.Fatal("created = true for an existing id")
		} else if got.Subject != first.Subject || got.Project != "alpha" {
			t.Fatalf("returned %+v, want the existing item", got)
		}
		// Another owner's create of the id is a conflict that tells
		// nothing of the item.
		other := NewItem("email-1", time.Now(), "x", "x", "")
		other.Owner = "someone-else"
		_, _, err = s.Table.CreateItem(ctx, other)
		AssertCode(t, err, doctales.ECONFLICT)
		if strings.Contains(doctales.ErrorMessage(err), first.Subject) {
			t.Fatalf("the conflict shows the other item: %v", err)
		}
		if recs := ReadStream(t, s.Log); len(recs) != 1 {
			t.Fatalf("%d stream records after a refused create, want 1", len(recs))
		}
	})

	t.Run("CreateInvalid", func(t *testing.T) {
		s, _ := fresh(t)
		_, _, err := s.Table.CreateItem(ctx, &doctales.Item{})
		AssertCode(t, err, doctales.EINVALID)
		if doctales.ErrorField(err) != "id" {
			t.Fatalf("field = %q, want id", doctales.ErrorField(err))
		}
		_, _, err = s.Table.CreateItem(ctx, nil)
		AssertCode(t, err, doctales.EINVALID)
	})

	t.Run("Update", func(t *testing.T) {
		s, c := fresh(t)
		if _, _, err := s.Table.CreateItem(ctx, NewItem("email-1", time.Now(), "alpha", "a@example.com", "low")); err != nil {
			t.Fatal(err)
		}
		changed := s.Log.Changed()
		c.Advance(time.Second)
		status, urgency := doctales.StatusExtracted, doctales.UrgencyHigh
		dims := &doctales.Dimensions{Urgency: "high", UrgencyScore: 0.9, UrgencyReasons: []string{"deadline in 3h"}, RequiresAction: true}
		got, err := s.Table.UpdateItem(ctx, "email-1", doctales.ItemUpdate{Status: &status, Urgency: &urgency, Dimensions: dims})
		if err != nil {
			t.Fatal(err)
		} else if got.Status != status || got.Metadata.Urgency != "high" || got.Metadata.Escalation != 1 || got.Dimensions == nil || got.Dimensions.UrgencyScore != 0.9 {
			t.Fatalf("UpdateItem = %+v", got)
		}
		if back, err := s.Table.GetItem(ctx, "email-1"); err != nil {
			t.Fatal(err)
		} else if back.Status != status || back.Metadata.Urgency != "high" || !back.Dimensions.RequiresAction || !back.UpdatedAt.After(back.CreatedAt) {
			t.Fatalf("GetItem = %+v", back)
		}
		select {
		case <-changed:
		case <-time.After(10 * time.Second):
			t.Fatal("Changed not closed by UpdateItem within 10s")
		}
		recs := ReadStream(t, s.Log)
		if len(recs) != 2 {
			t.Fatalf("%d records, want 2", len(recs))
		}
		r := recs[1].Record
		if r.EventName != "MODIFY" || r.Change.OldImage == nil || r.Change.NewImage == nil {
			t.Fatalf("record = %+v", r)
		}
		if got := r.Change.NewImage["metadata"].Map()["urgency"].String(); got != "high" {
			t.Fatalf("NewImage urgency = %q, want high", got)
		}
		if got := r.Change.OldImage["metadata"].Map()["urgency"].String(); got != "low" {
			t.Fatalf("OldImage urgency = %q, want low", got)
		}
		if r.Change.NewImage["status"].String() != "extracted" || r.Change.OldImage["status"].String() != "accepted" {
			t.Fatal("status images wrong")
		}
		if r.Change.NewImage["dimensions"].Map()["urgencyScore"].Number() != "0.9" {
			t.Fatalf("NewImage.dimensions = %v", r.Change.NewImage["dimensions"])
		}
		// Only the set fields change: an error alone keeps the rest.
		msg := "boom"
		if got, err := s.Table.UpdateItem(ctx, "email-1", doctales.ItemUpdate{Error: &msg}); err != nil {
			t.Fatal(err)
		} else if got.Error != "boom" || got.Status != status || got.Metadata.Urgency != "high" {
			t.Fatalf("UpdateItem = %+v", got)
		}
	})

	t.Run("UpdateChangesNothingAppendsNothing", func(t *testing.T) {
		s, c := fresh(t)
		created, _, err := s.Table.CreateItem(ctx, NewItem("email-1", time.Now(), "alpha", "a@example.com", "low"))
		if err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Minute)
		status, urgency := created.Status, "low"
		got, err := s.Table.UpdateItem(ctx, "email-1", doctales.ItemUpdate{Status: &status, Urgency: &urgency})
		if err != nil {
			t.Fatal(err)
		} else if !got.UpdatedAt.Equal(created.UpdatedAt) {
			t.Fatalf("UpdatedAt moved from %v to %v on a no-op update", created.UpdatedAt, got.UpdatedAt)
		}
		if back, err := s.Table.GetItem(ctx, "email-1"); err != nil || !back.UpdatedAt.Equal(created.UpdatedAt) {
			t.Fatalf("no-op update wrote the item: %+v, %v", back, err)
		}
		if recs := ReadStream(t, s.Log); len(recs) != 1 {
			t.Fatalf("%d stream records after a no-op update, want 1", len(recs))
		}
	})

	t.Run("UpdateNotFound", func(t *testing.T) {
		s, _ := fresh(t)
		status := "extracted"
		_, err := s.Table.UpdateItem(ctx, "nope", doctales.ItemUpdate{Status: &status})
		AssertCode(t, err, doctales.ENOTFOUND)
		if msg := doctales.ErrorMessage(err); msg != `Item "nope" not found.` {
			t.Fatalf("message = %q", msg)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s, _ := fresh(t)
		if _, _, err := s.Table.CreateItem(ctx, NewItem("email-1", time.Now(), "alpha", "a@example.com", "low")); err != nil {
			t.Fatal(err)
		}
		if err := s.Table.DeleteItem(ctx, "email-1"); err != nil {
			t.Fatal(err)
		}
		_, err := s.Table.GetItem(ctx, "email-1")
		AssertCode(t, err, doctales.ENOTFOUND)
		recs := ReadStream(t, s.Log)
		if len(recs) != 2 {
			t.Fatalf("%d records, want 2", len(recs))
		}
		r := recs[1].Record
		if r.EventName != "REMOVE" || r.Change.NewImage != nil || r.Change.OldImage["id"].String() != "email-1" ||
			r.Change.Keys["SK"].String() != "COMM#email-1" {
			t.Fatalf("record = %+v", r)
		}
		if av, ok := r.Change.OldImage["subject"]; ok && av.String() != "" {
			t.Fatal("the REMOVE record keeps the subject of a deleted communication")
		}
		// The id is free again.
		if _, created, err := s.Table.CreateItem(ctx, NewItem("email-1", time.Now(), "alpha", "a@example.com", "low")); err != nil || !created {
			t.Fatalf("recreate: %v, %v", created, err)
		}
		// A delete of nothing appends nothing.
		AssertCode(t, s.Table.DeleteItem(ctx, "nope"), doctales.ENOTFOUND)
		if recs := ReadStream(t, s.Log); len(recs) != 3 {
			t.Fatalf("%d records after a failed delete, want 3", len(recs))
		}
	})

	t.Run("StreamOrder", func(t *testing.T) {
		// Records come in the order of the writes, numbered by their log
		// seq, with distinct event ids; other sources interleave.
		s, _ := fresh(t)
		var want []string
		for i := range 5 {
			id := fmt.Sprintf("e%d", i)
			if _, _, err := s.Table.CreateItem(ctx, NewItem(id, time.Now(), "p", "s", "low")); err != nil {
				t.Fatal(err)
			}
			if err := s.Log.Append(ctx, &doctales.LogRecord{Source: doctales.SourceS3, Key: id, Data: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
			u := "high"
			if _, err := s.Table.UpdateItem(ctx, id, doctales.ItemUpdate{Urgency: &u}); err != nil {
				t.Fatal(err)
			}
			want = append(want, "INSERT "+id, "MODIFY "+id)
		}
		if err := s.Table.DeleteItem(ctx, "e2"); err != nil {
			t.Fatal(err)
		}
		want = append(want, "REMOVE e2")
		recs := ReadStream(t, s.Log)
		var got []string
		ids := map[string]bool{}
		for i, r := range recs {
			got = append(got, r.Record.EventName+" "+r.Log.Key)
			if i > 0 && r.Record.Change.SequenceNumber <= recs[i-1].Record.Change.SequenceNumber {
				t.Fatalf("SequenceNumber %q after %q", r.Record.Change.SequenceNumber, recs[i-1].Record.Change.SequenceNumber)
			}
			if ids[r.Record.EventID] {
				t.Fatalf("duplicate eventID %q", r.Record.EventID)
			}
			ids[r.Record.EventID] = true
		}
		if !slices.Equal(got, want) {
			t.Fatalf("stream:\n got %v\nwant %v", got, want)
		}
	})

	t.Run("ConcurrentUpdates", func(t *testing.T) {
		// Updates of one item from many goroutines all land, and their
		// MODIFY records chain: each old image is the previous new one.
		s, _ := fresh(t)
		if _, _, err := s.Table.CreateItem(ctx, &doctales.Item{ID: "x", Type: "email", Status: doctales.StatusAccepted}); err != nil {
			t.Fatal(err)
		}
		const n = 20
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				msg := fmt.Sprintf("update %d", i)
				if _, err := s.Table.UpdateItem(ctx, "x", doctales.ItemUpdate{Error: &msg}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		recs := ReadStream(t, s.Log)
		if len(recs) != n+1 {
			t.Fatalf("%d stream records, want 1 INSERT and %d MODIFY", len(recs), n)
		}
		str := func(img map[string]events.DynamoDBAttributeValue) string {
			if av, ok := img["error"]; ok {
				return av.String()
			}
			return ""
		}
		prev, seen := "", map[string]bool{}
		for _, r := range recs[1:] {
			old, cur := str(r.Record.Change.OldImage), str(r.Record.Change.NewImage)
			if old != prev {
				t.Fatalf("MODIFY's old image has error %q, the previous new image %q: an update was lost", old, prev)
			}
			seen[cur], prev = true, cur
		}
		if len(seen) != n {
			t.Fatalf("%d distinct updates recorded, want %d", len(seen), n)
		}
	})

	t.Run("Find", func(t *testing.T) { find(t, fresh) })

	t.Run("FindByState", func(t *testing.T) {
		// Open includes a snooze whose time has passed, judged at the
		// table's clock; snoozed is a snooze still running.
		s, c := fresh(t)
		for id, change := range map[string]*doctales.StateChange{
			"a": nil,
			"b": {State: doctales.ChangeDone},
			"c": {State: doctales.ChangeWaiting},
			"d": {State: doctales.ChangeSnoozed, Until: Start.Add(time.Hour)},
			"e": {State: doctales.ChangeSnoozed, Until: Start.Add(time.Minute)},
		} {
			if _, _, err := s.Table.CreateItem(ctx, NewItem(id, Start, "p", "s", "")); err != nil {
				t.Fatal(err)
			}
			if change != nil {
				if _, err := s.Table.UpdateItem(ctx, id, doctales.ItemUpdate{State: change}); err != nil {
					t.Fatal(err)
				}
			}
		}
		c.Advance(2 * time.Minute)
		for state, want := range map[string][]string{
			doctales.StateOpen:    {"e", "a"},
			doctales.StateDone:    {"b"},
			doctales.StateWaiting: {"c"},
			doctales.StateSnoozed: {"d"},
		} {
			items, _, err := s.Table.FindItems(ctx, doctales.ItemFilter{State: &state})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				got = append(got, it.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("state %s: got %v, want %v", state, got, want)
			}
		}
		bad := "sleeping"
		_, _, err := s.Table.FindItems(ctx, doctales.ItemFilter{State: &bad})
		AssertCode(t, err, doctales.EINVALID)
		if doctales.ErrorField(err) != "state" {
			t.Fatalf("field = %q, want state", doctales.ErrorField(err))
		}
	})
}

// find checks FindItems' filters and pages.
func find(t *testing.T, fresh func(t *testing.T) (Subject, *Clock)) {
	ctx := context.Background()
	s, _ := fresh(t)
	tbl := s.Table
	// Items across projects, senders, urgencies and statuses; every third
	// shares its timestamp with the previous so that ids break ties.
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	projects := []string{"alpha", "beta", "gamma"}
	senders := []string{"ann@example.com", "bob@example.com"}
	urgencies := []string{"low", "medium", "high", ""}
	var all []*doctales.Item
	var wg sync.WaitGroup
	for i := range 57 {
		ts := base.Add(time.Duration(i-i%3/2) * time.Hour)
		it := NewItem(fmt.Sprintf("c-%02d", i), ts, projects[i%3], senders[i%2], urgencies[i%4])
		if i%5 == 0 {
			it.Status = doctales.StatusExtracted
		}
		if i%7 == 0 {
			it.Type = doctales.TypeDocument
		}
		if i%11 == 0 {
			it.Sender = "ann@example.com" // a name equal to an address: found once
		}
		all = append(all, it)
		wg.Go(func() {
			if _, _, err := tbl.CreateItem(ctx, it); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	slices.SortFunc(all, func(a, b *doctales.Item) int {
		if c := b.Timestamp.Compare(a.Timestamp); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})

	ptr := func(s string) *string { return &s }
	tptr := func(t time.Time) *time.Time { return &t }
	for _, tc := range []struct {
		name   string
		filter doctales.ItemFilter
		match  func(*doctales.Item) bool
	}{
		{"All", doctales.ItemFilter{}, func(*doctales.Item) bool { return true }},
		{"EmptyIsNoFilter", doctales.ItemFilter{Project: ptr("")}, func(*doctales.Item) bool { return true }},
		{"Project", doctales.ItemFilter{Project: ptr("beta")}, func(i *doctales.Item) bool { return i.Project == "beta" }},
		{"Type", doctales.ItemFilter{Type: ptr("document")}, func(i *doctales.Item) bool { return i.Type == "document" }},
		{"SenderID", doctales.ItemFilter{Sender: ptr("ann@example.com")}, func(i *doctales.Item) bool {
			return i.SenderID == "ann@example.com" || i.Sender == "ann@example.com"
		}},
		{"SenderName", doctales.ItemFilter{Sender: ptr("Name of bob@example.com")}, func(i *doctales.Item) bool { return i.Sender == "Name of bob@example.com" }},
		{"Urgency", doctales.ItemFilter{Urgency: ptr("high")}, func(i *doctales.Item) bool { return i.Metadata.Urgency == "high" }},
		{"Status", doctales.ItemFilter{Status: ptr("extracted")}, func(i *doctales.Item) bool { return i.Status == "extracted" }},
		{"SinceUntil", doctales.ItemFilter{Since: tptr(base.Add(10 * time.Hour)), Until: tptr(base.Add(30 * time.Hour))}, func(i *doctales.Item) bool {
			return !i.Timestamp.Before(base.Add(10*time.Hour)) && i.Timestamp.Before(base.Add(30*time.Hour))
		}},
		{"Combined", doctales.ItemFilter{Project: ptr("alpha"), Sender: ptr("ann@example.com"), Status: ptr("accepted")}, func(i *doctales.Item) bool {
			return i.Project == "alpha" && (i.SenderID == "ann@example.com" || i.Sender == "ann@example.com") && i.Status == "accepted"
		}},
		{"NoMatch", doctales.ItemFilter{Project: ptr("delta")}, func(*doctales.Item) bool { return false }},
		{"Oldest", doctales.ItemFilter{Oldest: true, Project: ptr("gamma")}, func(i *doctales.Item) bool { return i.Project == "gamma" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, it := range all {
				if tc.match(it) {
					want = append(want, it.ID)
				}
			}
			if tc.filter.Oldest {
				slices.Reverse(want)
			}
			for _, limit := range []int{1, 4, 7, 100} {
				var got []string
				f := tc.filter
				f.Limit = limit
				for pages := 0; ; pages++ {
					if pages > len(all)+1 {
						t.Fatal("pagination does not end")
					}
					items, next, err := tbl.FindItems(ctx, f)
					if err != nil {
						t.Fatal(err)
					} else if len(items) > limit {
						t.Fatalf("page of %d items, limit %d", len(items), limit)
					} else if next != "" && len(items) != limit {
						t.Fatalf("short page of %d with a next cursor", len(items))
					}
					for _, it := range items {
						got = append(got, it.ID)
					}
					if next == "" {
						break
					}
					f.Cursor = next
				}
				if !slices.Equal(got, want) {
					t.Fatalf("limit %d:\n got %v\nwant %v", limit, got, want)
				}
			}
		})
	}

	t.Run("DefaultLimit", func(t *testing.T) {
		items, next, err := tbl.FindItems(ctx, doctales.ItemFilter{})
		if err != nil {
			t.Fatal(err)
		} else if len(items) != doctales.DefaultPageSize || next == "" {
			t.Fatalf("%d items, next %q; want %d and a cursor", len(items), next, doctales.DefaultPageSize)
		}
	})

	t.Run("InsertDuringListing", func(t *testing.T) {
		items, next, err := tbl.FindItems(ctx, doctales.ItemFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := tbl.CreateItem(ctx, NewItem("z-new", base.Add(1000*time.Hour), "alpha", "x", "")); err != nil {
			t.Fatal(err)
		}
		page2, _, err := tbl.FindItems(ctx, doctales.ItemFilter{Limit: 10, Cursor: next})
		if err != nil {
			t.Fatal(err)
		}
		if page2[0].ID != all[10].ID || items[9].ID != all[9].ID {
			t.Fatalf("page 2 starts at %q, want %q", page2[0].ID, all[10].ID)
		}
		if err := tbl.DeleteItem(ctx, "z-new"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("InvalidCursor", func(t *testing.T) {
		for _, c := range []string{
			"!!!",
			base64.RawURLEncoding.EncodeToString([]byte("not json")),
			base64.RawURLEncoding.EncodeToString([]byte(`{"ts":"yesterday","id":"x"}`)),
			base64.RawURLEncoding.EncodeToString([]byte(`{"ts":"2025-06-01T00:00:00.000000000Z"}`)),
		} {
			_, _, err := tbl.FindItems(ctx, doctales.ItemFilter{Cursor: c})
			AssertCode(t, err, doctales.EINVALID)
			if doctales.ErrorField(err) != "next" {
				t.Fatalf("cursor %q: field = %q, want next", c, doctales.ErrorField(err))
			}
		}
	})

	t.Run("NegativeLimit", func(t *testing.T) {
		_, _, err := tbl.FindItems(ctx, doctales.ItemFilter{Limit: -1})
		AssertCode(t, err, doctales.EINVALID)
		if doctales.ErrorField(err) != "limit" {
			t.Fatalf("field = %q, want limit", doctales.ErrorField(err))
		}
	})
}

// NewItem returns an item for a communication with the given fields.
func NewItem(id string, ts time.Time, project, sender, urgency string) *doctales.Item {
	c := &doctales.Communication{
		ID:        id,
		Type:      doctales.TypeEmail,
		Source:    "email",
		Timestamp: ts,
		Project:   project,
		Subject:   "Subject of " + id,
		Sender:    "Name of " + sender,
		SenderID:  sender,
		Metadata:  doctales.Metadata{Urgency: urgency},
	}
	return doctales.NewItem(c, time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC))
}

// StreamRecord is a stream record as read from the log.
type StreamRecord struct {
	Log    *doctales.LogRecord
	Record events.DynamoDBEventRecord
}

// ReadStream reads and decodes every stream record of log, checking that
// each one's SequenceNumber is its log seq, 20 digits wide.
func ReadStream(tb testing.TB, log doctales.EventLog) []StreamRecord {
	tb.Helper()
	recs, err := log.ReadLog(context.Background(), doctales.SourceDynamoDB, 0, 10_000)
	if err != nil {
		tb.Fatal(err)
	}
	var out []StreamRecord
	for _, rec := range recs {
		var r events.DynamoDBEventRecord
		if err := json.Unmarshal(rec.Data, &r); err != nil {
			tb.Fatalf("stream record %d: %v", rec.Seq, err)
		}
		if want := fmt.Sprintf("%020d", rec.Seq); r.Change.SequenceNumber != want {
			tb.Fatalf("record %d: SequenceNumber = %q, want %q", rec.Seq, r.Change.SequenceNumber, want)
		}
		out = append(out, StreamRecord{Log: rec, Record: r})
	}
	return out
}

// AssertCode fails the test unless err carries the code.
func AssertCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := doctales.ErrorCode(err); got != code {
		tb.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}
