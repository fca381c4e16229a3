package dynamodb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/doctales/doctales"
	dtddb "github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/internal/ledgertest"
	"github.com/doctales/doctales/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.StopServers()
	os.Exit(code)
}

// MustClient returns a DynamoDB client for the test server.
func MustClient(tb testing.TB) *dynamodb.Client {
	tb.Helper()
	return dynamodb.NewFromConfig(testutil.AWSConfig(testutil.DynamoDBEndpoint(tb)))
}

// MustOpenTable returns a new, empty communications table on the test server.
func MustOpenTable(tb testing.TB) *dtddb.Table {
	tb.Helper()
	tbl := dtddb.NewTable(MustClient(tb), fmt.Sprintf("doctales-test-%d", time.Now().UnixNano()))
	if err := tbl.CreateTable(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return tbl
}

var t0 = time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)

// newItem returns an item with id, sent i minutes after t0.
func newItem(id string, i int, project, senderID string) *doctales.Item {
	return &doctales.Item{
		ID: id, Type: "email", Source: "email", Project: project,
		Subject: "Subject " + id, Sender: "Name " + senderID, SenderID: senderID,
		Timestamp: t0.Add(time.Duration(i) * time.Minute),
		S3Key:     "email/2025/06/10/" + id + ".json",
		Metadata:  doctales.Metadata{Urgency: doctales.UrgencyMedium},
		Status:    doctales.StatusAccepted, ContentHash: "h-" + id,
	}
}

func TestTable_CreateItem(t *testing.T) {
	ctx := context.Background()
	tbl := MustOpenTable(t)

	t.Run("OK", func(t *testing.T) {
		it, created, err := tbl.CreateItem(ctx, newItem("a", 0, "home-purchase", "jane@realty.example"))
		if err != nil || !created {
			t.Fatalf("create = %v, %v", created, err)
		}
		if it.CreatedAt.IsZero() || it.UpdatedAt.IsZero() {
			t.Errorf("timestamps not set: %+v", it)
		}
		got, err := tbl.GetItem(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if got.Subject != "Subject a" || got.Project != "home-purchase" || got.SenderID != "jane@realty.example" ||
			!got.Timestamp.Equal(t0) || got.Metadata.Urgency != "medium" || got.ContentHash != "h-a" {
			t.Errorf("get = %+v", got)
		}
	})

	t.Run("Conditional", func(t *testing.T) {
		second := newItem("a", 5, "other", "x@y")
		second.ContentHash = "other"
		it, created, err := tbl.CreateItem(ctx, second)
		if err != nil || created {
			t.Fatalf("create again = %v, %v", created, err)
		}
		if it.ContentHash != "h-a" || it.Project != "home-purchase" {
			t.Errorf("create again returned %+v, want the first item", it)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		createdN := 0
		for range 8 {
			wg.Go(func() {
				_, created, err := tbl.CreateItem(ctx, newItem("race", 1, "p", "s"))
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				defer mu.Unlock()
				if created {
					createdN++
				}
			})
		}
		wg.Wait()
		if createdN != 1 {
			t.Errorf("%d of 8 concurrent creates created the item, want 1", createdN)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		if _, _, err := tbl.CreateItem(ctx, &doctales.Item{}); doctales.ErrorCode(err) != doctales.EINVALID {
			t.Errorf("empty id: %v", err)
		}
	})
}

func TestTable_UpdateItem(t *testing.T) {
	ctx := context.Background()
	tbl := MustOpenTable(t)
	now := t0.Add(time.Hour)
	tbl.Now = func() time.Time { return now }
	if _, _, err := tbl.CreateItem(ctx, newItem("a", 0, "p", "s")); err != nil {
		t.Fatal(err)
	}

	t.Run("OK", func(t *testing.T) {
		now = now.Add(time.Minute)
		status, urgency := doctales.StatusExtracted, doctales.UrgencyHigh
		dims := &doctales.Dimensions{Urgency: "high", UrgencyScore: 0.9, Sentiment: "NEGATIVE", Entities: []doctales.Entity{{Text: "Acme", Type: "ORGANIZATION", Score: 0.8}}}
		it, err := tbl.UpdateItem(ctx, "a", doctales.ItemUpdate{Status: &status, Urgency: &urgency, Dimensions: dims})
		if err != nil {
			t.Fatal(err)
		}
		if it.Status != "extracted" || it.Metadata.Urgency != "high" || !it.UpdatedAt.Equal(now) {
			t.Errorf("update = %+v", it)
		}
		got, _ := tbl.GetItem(ctx, "a")
		if got.Dimensions == nil || got.Dimensions.UrgencyScore != 0.9 || len(got.Dimensions.Entities) != 1 || got.Dimensions.Entities[0].Text != "Acme" {
			t.Errorf("stored dimensions = %+v", got.Dimensions)
		}
	})

	t.Run("NoChange", func(t *testing.T) {
		before, _ := tbl.GetItem(ctx, "a")
		now = now.Add(time.Minute)
		status := doctales.StatusExtracted
		it, err := tbl.UpdateItem(ctx, "a", doctales.ItemUpdate{Status: &status})
		if err != nil {
			t.Fatal(err)
		}
		if !it.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("an update that changes nothing wrote: updatedAt %v, was %v", it.UpdatedAt, before.UpdatedAt)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		// Every concurrent update lands: optimistic locking retries.
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				msg := fmt.Sprintf("e%d", i)
				if _, err := tbl.UpdateItem(ctx, "a", doctales.ItemUpdate{Error: &msg}); err != nil && doctales.ErrorCode(err) != doctales.EOVERLOADED {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		s := "x"
		if _, err := tbl.UpdateItem(ctx, "nope", doctales.ItemUpdate{Status: &s}); doctales.ErrorCode(err) != doctales.ENOTFOUND {
			t.Errorf("update missing: %v", err)
		}
	})
}

func TestTable_DeleteItem(t *testing.T) {
	ctx := context.Background()
	tbl := MustOpenTable(t)
	if _, _, err := tbl.CreateItem(ctx, newItem("a", 0, "p", "s")); err != nil {
		t.Fatal(err)
	}
	if err := tbl.DeleteItem(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := tbl.GetItem(ctx, "a"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Errorf("get deleted: %v", err)
	}
	if err := tbl.DeleteItem(ctx, "a"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Errorf("delete again: %v", err)
	}
}

func TestTable_FindItems(t *testing.T) {
	ctx := context.Background()
	tbl := MustOpenTable(t)
	// 12 items, one per minute: projects alternate, senders cycle over
	// three, every third is high.
	for i := range 12 {
		it := newItem(fmt.Sprintf("c%02d", i), i, []string{"home-purchase", "career-change"}[i%2], fmt.Sprintf("s%d@x.example", i%3))
		if i%3 == 0 {
			it.Metadata.Urgency = doctales.UrgencyHigh
		}
		if _, _, err := tbl.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	str := func(s string) *string { return &s }
	tm := func(min int) *time.Time { x := t0.Add(time.Duration(min) * time.Minute); return &x }

	// all pages through f, with limit per page.
	all := func(t *testing.T, f doctales.ItemFilter) (ids []string, pages int) {
		t.Helper()
		for {
			items, next, err := tbl.FindItems(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, it := range items {
				ids = append(ids, it.ID)
			}
			if next == "" {
				return ids, pages
			}
			f.Cursor = next
			if pages > 50 {
				t.Fatal("too many pages")
			}
		}
	}

	for _, tc := range []struct {
		name  string
		f     doctales.ItemFilter
		want  []string
		pages int
	}{
		{"All", doctales.ItemFilter{Limit: 5}, []string{"c11", "c10", "c09", "c08", "c07", "c06", "c05", "c04", "c03", "c02", "c01", "c00"}, 3},
		{"ExactPages", doctales.ItemFilter{Limit: 6}, []string{"c11", "c10", "c09", "c08", "c07", "c06", "c05", "c04", "c03", "c02", "c01", "c00"}, 2},
		{"Project", doctales.ItemFilter{Project: str("home-purchase"), Limit: 2}, []string{"c10", "c08", "c06", "c04", "c02", "c00"}, 3},
		{"Sender", doctales.ItemFilter{Sender: str("s1@x.example"), Limit: 3}, []string{"c10", "c07", "c04", "c01"}, 2},
		// A name matches as in the embedded table (issue 16: the sender
		// filter matched only ids on DynamoDB).
		{"SenderByName", doctales.ItemFilter{Sender: str("Name s1@x.example")}, []string{"c10", "c07", "c04", "c01"}, 1},
		{"ProjectAndSender", doctales.ItemFilter{Project: str("career-change"), Sender: str("s0@x.example"), Limit: 1}, []string{"c09", "c03"}, 2},
		{"Urgency", doctales.ItemFilter{Urgency: str("high"), Limit: 2}, []string{"c09", "c06", "c03", "c00"}, 2},
		{"Type", doctales.ItemFilter{Type: str("document")}, nil, 1},
		{"SinceUntil", doctales.ItemFilter{Since: tm(3), Until: tm(7), Limit: 3}, []string{"c06", "c05", "c04", "c03"}, 2},
		{"ProjectSince", doctales.ItemFilter{Project: str("home-purchase"), Since: tm(7)}, []string{"c10", "c08"}, 1},
		{"Status", doctales.ItemFilter{Status: str("accepted"), Urgency: str("high")}, []string{"c09", "c06", "c03", "c00"}, 1},
		// ?sort=oldest (issue 12): the same indexes read forward.
		{"Oldest", doctales.ItemFilter{Oldest: true, Limit: 5}, []string{"c00", "c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09", "c10", "c11"}, 3},
		{"OldestProject", doctales.ItemFilter{Project: str("home-purchase"), Oldest: true, Limit: 4}, []string{"c00", "c02", "c04", "c06", "c08", "c10"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids, pages := all(t, tc.f)
			if fmt.Sprint(ids) != fmt.Sprint(tc.want) {
				t.Errorf("ids = %v, want %v", ids, tc.want)
			}
			if pages != tc.pages {
				t.Errorf("%d pages, want %d", pages, tc.pages)
			}
		})
	}

	t.Run("FilterBudget", func(t *testing.T) {
		// With one Query per call and a selective filter, pages come
		// short but the listing stays complete.
		tbl.MaxQueryPages = 1
		defer func() { tbl.MaxQueryPages = dtddb.DefaultMaxQueryPages }()
		f := doctales.ItemFilter{Urgency: str("high"), Limit: 1}
		items, next, err := tbl.FindItems(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 1 || next == "" {
			t.Fatalf("first page %d items, next %q", len(items), next)
		}
	})

	t.Run("ErrCursor", func(t *testing.T) {
		_, next, err := tbl.FindItems(ctx, doctales.ItemFilter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []doctales.ItemFilter{
			{Cursor: "not-base64!"},
			{Cursor: "e30"},                               // {}
			{Cursor: next, Project: str("home-purchase")}, // another index
		} {
			if _, _, err := tbl.FindItems(ctx, f); doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != "next" {
				t.Errorf("cursor %q: %v", f.Cursor, err)
			}
		}
		if _, _, err := tbl.FindItems(ctx, doctales.ItemFilter{Limit: -1}); doctales.ErrorField(err) != "limit" {
			t.Errorf("negative limit: %v", err)
		}
	})
}

func TestLedger(t *testing.T) {
	ctx := context.Background()
	l := dtddb.NewLedger(MustClient(t), fmt.Sprintf("doctales-ledger-%d", time.Now().UnixNano()))
	l.TTL = 30 * 24 * time.Hour
	if err := l.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	if sent, err := l.Sent(ctx, "m1"); err != nil || sent {
		t.Fatalf("sent before marking = %v, %v", sent, err)
	}
	if err := l.MarkSent(ctx, "m1", "email-123"); err != nil {
		t.Fatal(err)
	}
	if err := l.MarkSent(ctx, "m1", "email-123"); err != nil {
		t.Errorf("marking twice: %v", err)
	}
	if sent, err := l.Sent(ctx, "m1"); err != nil || !sent {
		t.Errorf("sent after marking = %v, %v", sent, err)
	}
	if err := l.MarkSent(ctx, "", "x"); doctales.ErrorCode(err) != doctales.EINVALID {
		t.Errorf("empty id: %v", err)
	}
}

// TestTable_Owners: each user's communications live in their own
// partition (USER#<id>; the default user's stay in COMM): a call scoped to
// one user never reads, lists, updates or deletes another's, even with the
// same id, and the project and sender indexes are per user too.
func TestTable_Owners(t *testing.T) {
	tbl := MustOpenTable(t)
	bg := context.Background()
	ana, ben := doctales.WithOwner(bg, "ana"), doctales.WithOwner(bg, "ben")
	for _, c := range []struct {
		ctx     context.Context
		subject string
	}{{ana, "ana's"}, {ben, "ben's"}, {bg, "default's"}} {
		it := newItem("same-id", 0, "taxes", "irs@gov.example")
		it.Subject = c.subject
		if _, created, err := tbl.CreateItem(c.ctx, it); err != nil || !created {
			t.Fatalf("create %s: created %v, %v", c.subject, created, err)
		}
	}
	for _, c := range []struct {
		ctx  context.Context
		want string
	}{{ana, "ana's"}, {ben, "ben's"}, {bg, "default's"}} {
		it, err := tbl.GetItem(c.ctx, "same-id")
		if err != nil || it.Subject != c.want {
			t.Fatalf("get: %+v %v, want %s", it, err, c.want)
		}
		project, sender := "taxes", "irs@gov.example"
		for _, f := range []doctales.ItemFilter{{}, {Project: &project}, {Sender: &sender}} {
			items, _, err := tbl.FindItems(c.ctx, f)
			if err != nil || len(items) != 1 || items[0].Subject != c.want {
				t.Fatalf("find %+v for %s: %d items %v", f, c.want, len(items), err)
			}
		}
	}
	high := doctales.UrgencyHigh
	if _, err := tbl.UpdateItem(ana, "same-id", doctales.ItemUpdate{Urgency: &high}); err != nil {
		t.Fatal(err)
	}
	if it, _ := tbl.GetItem(ben, "same-id"); it.Metadata.Urgency == high {
		t.Fatal("ana's update changed ben's item")
	}
	if err := tbl.DeleteItem(ana, "same-id"); err != nil {
		t.Fatal(err)
	}
	if _, err := tbl.GetItem(ana, "same-id"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("ana's after delete: %v", err)
	}
	if _, err := tbl.GetItem(ben, "same-id"); err != nil {
		t.Fatalf("ben's after ana's delete: %v", err)
	}
	if err := tbl.DeleteItem(ana, "never"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("delete unknown: %v", err)
	}
}

// TestProfiles: GET and PUT /user-profile's store on AWS, keyed USER#<id>,
// keeps what a partial update leaves out.
func TestProfiles(t *testing.T) {
	ctx := context.Background()
	p := dtddb.NewProfiles(MustClient(t), fmt.Sprintf("doctales-profiles-%d", time.Now().UnixNano()))
	if err := p.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p.UserProfile(ctx, "ana"); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("absent profile: %v", err)
	}
	if err := p.PutUserProfile(ctx, &doctales.UserProfile{ID: "ana", PrimaryArchetype: "analyst", Preferences: []byte(`{"theme":"dark"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := p.PutUserProfile(ctx, &doctales.UserProfile{ID: "ana", PrimaryArchetype: "connector"}); err != nil {
		t.Fatal(err)
	}
	got, err := p.UserProfile(ctx, "ana")
	if err != nil || got.PrimaryArchetype != "connector" || string(got.Preferences) != `{"theme":"dark"}` || len(got.ArchetypeConfidence) != 4 {
		t.Fatalf("profile = %+v, %v", got, err)
	}
	if err := p.PutUserProfile(ctx, &doctales.UserProfile{ID: "ana", PrimaryArchetype: "wizard"}); doctales.ErrorCode(err) != doctales.EINVALID {
		t.Fatalf("bad archetype: %v", err)
	}
}

// TestLedger_Contract runs the shared ledger contract (claim, in flight,
// take over after the lease, mark sent) on the DynamoDB ledger against the
// emulator: the claim's conditional put as DynamoDB evaluates it.
func TestLedger_Contract(t *testing.T) {
	client := MustClient(t)
	ledgertest.Run(t, func(t *testing.T, c *ledgertest.Clock) doctales.Ledger {
		l := dtddb.NewLedger(client, fmt.Sprintf("doctales-ledger-%d", time.Now().UnixNano()))
		l.TTL, l.Now = 30*24*time.Hour, c.Now
		if err := l.CreateTable(context.Background()); err != nil {
			t.Fatal(err)
		}
		return l
	})
}

// TestLedger_EntryBeforeClaims: an entry written before claims existed
// (no state attribute) counts as sent, so an upgrade notifies nothing again.
func TestLedger_EntryBeforeClaims(t *testing.T) {
	ctx := context.Background()
	client := MustClient(t)
	name := fmt.Sprintf("doctales-ledger-%d", time.Now().UnixNano())
	l := dtddb.NewLedger(client, name)
	if err := l.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &name,
		Item: map[string]types.AttributeValue{
			dtddb.AttrMessageID: &types.AttributeValueMemberS{Value: "m-old"},
			"communicationId":   &types.AttributeValueMemberS{Value: "email-1"},
			"sentAt":            &types.AttributeValueMemberS{Value: "2025-01-01T00:00:00Z"},
		},
	}); err != nil {
		t.Fatal(err)
	}
	if sent, err := l.Sent(ctx, "m-old"); err != nil || !sent {
		t.Fatalf("Sent = %v, %v", sent, err)
	}
	if got, err := l.Claim(ctx, "m-old", "email-1", time.Minute); err != nil || got != doctales.ClaimSent {
		t.Fatalf("Claim = %v, %v; want sent", got, err)
	}
}

func TestTable_TraceParent(t *testing.T) {
	client := MustClient(t)
	tbl := MustOpenTable(t)
	const ingestTP = "00-6b1489604bf92f3577b34da6a3ce9290-00f067aa0ba902b7-01"
	const extractTP = "00-6b1489604bf92f3577b34da6a3ce9290-1111111111111111-01"
	// raw returns the item as DynamoDB holds it, which is the NewImage
	// of its stream record.
	raw := func(id string) map[string]events.DynamoDBAttributeValue {
		t.Helper()
		out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(tbl.Name()), Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: doctales.PartitionKey}, "SK": &types.AttributeValueMemberS{Value: doctales.SortPrefix + id}}})
		if err != nil {
			t.Fatal(err)
		}
		img, err := dtddb.ToStreamImage(out.Item)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}

	// Created under the ingestion's span, updated under the extraction's.
	if _, _, err := tbl.CreateItem(doctales.WithTraceParent(context.Background(), ingestTP), newItem("tp-1", 0, "p", "s")); err != nil {
		t.Fatal(err)
	}
	if got := dtddb.ImageTraceParent(raw("tp-1")); got != ingestTP {
		t.Fatalf("after create: %q", got)
	}
	status := doctales.StatusExtracted
	ctx := doctales.WithTraceParent(context.Background(), extractTP)
	it, err := tbl.UpdateItem(ctx, "tp-1", doctales.ItemUpdate{Status: &status})
	if err != nil {
		t.Fatal(err)
	}
	if got := dtddb.ImageTraceParent(raw("tp-1")); got != extractTP {
		t.Fatalf("after update: %q", got)
	}
	// Not part of the item the API serves.
	if b, _ := json.Marshal(it); strings.Contains(string(b), "traceparent") {
		t.Fatalf("item JSON has the traceparent: %s", b)
	}
	// An update that changes nothing writes nothing, traceparent included.
	if _, err := tbl.UpdateItem(doctales.WithTraceParent(context.Background(), ingestTP), "tp-1", doctales.ItemUpdate{Status: &status}); err != nil {
		t.Fatal(err)
	}
	if got := dtddb.ImageTraceParent(raw("tp-1")); got != extractTP {
		t.Fatalf("after a no-op update: %q", got)
	}
	// Without one in the context, none is written.
	if _, _, err := tbl.CreateItem(context.Background(), newItem("tp-2", 0, "p", "s")); err != nil {
		t.Fatal(err)
	}
	if img := raw("tp-2"); dtddb.ImageTraceParent(img) != "" || len(img) == 0 {
		t.Fatalf("untraced item: %v", img)
	}
	if got := dtddb.ImageTraceParent(map[string]events.DynamoDBAttributeValue{"traceparent": events.NewNumberAttribute("1")}); got != "" {
		t.Fatalf("a number traceparent read as %q", got)
	}
}
