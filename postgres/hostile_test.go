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

// TestHostileInput: values PostgreSQL cannot store or index (NUL bytes,
// invalid UTF-8, an indexed column over MaxColumnBytes, an id over
// doctales.MaxIDBytes) are EINVALID naming the field and the limit,
// never a database error, and write nothing.
func TestHostileInput(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	item := func(f func(*doctales.Item)) *doctales.Item {
		it := tabletest.NewItem("email-1", time.Now(), "p", "s", "low")
		f(it)
		return it
	}
	for _, tc := range []struct {
		name, field, says string
		it                *doctales.Item
	}{
		{"NULInProject", "project", "NUL byte", item(func(it *doctales.Item) { it.Project = "a\x00b" })},
		{"BadUTF8Sender", "sender", "UTF-8", item(func(it *doctales.Item) { it.Sender = "\xff\xfe" })},
		{"LongSenderID", "senderId", "limit of 2000", item(func(it *doctales.Item) { it.SenderID = strings.Repeat("a", 3000) })},
		{"LongID", "id", "limit of 128", item(func(it *doctales.Item) { it.ID = strings.Repeat("x", 200) })},
		{"NULInID", "id", "NUL byte", item(func(it *doctales.Item) { it.ID = "a\x00" })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := db.CreateItem(ctx, tc.it)
			tabletest.AssertCode(t, err, doctales.EINVALID)
			if doctales.ErrorField(err) != tc.field || !strings.Contains(doctales.ErrorMessage(err), tc.says) {
				t.Fatalf("field %q, message %q; want field %q saying %q", doctales.ErrorField(err), doctales.ErrorMessage(err), tc.field, tc.says)
			}
		})
	}
	if recs, err := db.ReadLog(ctx, "", 0, 0); err != nil || len(recs) != 0 {
		t.Fatalf("%d records after refused creates, %v", len(recs), err)
	}

	// An update that would store such a value is refused and changes
	// nothing.
	if _, _, err := db.CreateItem(ctx, tabletest.NewItem("ok", time.Now(), "p", "s", "low")); err != nil {
		t.Fatal(err)
	}
	thread := "t\x00"
	_, err := db.UpdateItem(ctx, "ok", doctales.ItemUpdate{ThreadID: &thread})
	tabletest.AssertCode(t, err, doctales.EINVALID)
	if doctales.ErrorField(err) != "threadId" {
		t.Fatalf("field %q, want threadId", doctales.ErrorField(err))
	}

	// Reads: an id no item can have is not found; a filter value that
	// cannot be text is EINVALID naming the filter.
	_, err = db.GetItem(ctx, "\xff")
	tabletest.AssertCode(t, err, doctales.ENOTFOUND)
	bad := "x\x00"
	_, _, err = db.FindItems(ctx, doctales.ItemFilter{Project: &bad})
	tabletest.AssertCode(t, err, doctales.EINVALID)
	_, _, err = db.FindItems(ctx, doctales.ItemFilter{Sender: &bad})
	tabletest.AssertCode(t, err, doctales.EINVALID)
	_, _, err = db.FindItems(ctx, doctales.ItemFilter{Sort: "urgency"})
	tabletest.AssertCode(t, err, doctales.EINVALID)
	if doctales.ErrorField(err) != "sort" {
		t.Fatalf("sort: field %q", doctales.ErrorField(err))
	}
}
