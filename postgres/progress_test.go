package postgres_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/tabletest"
	"github.com/doctales/doctales/postgres"
)

// TestProgress: the log head, the checkpoints, the records after a
// checkpoint (how many, since when) and the dead letters per subscription, as
// `doctales status --postgres` reads them.
func TestProgress(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	if head, err := db.LogHead(ctx); err != nil || head != 0 {
		t.Fatalf("LogHead of an empty log = %d, %v; want 0", head, err)
	}
	if cps, err := db.Checkpoints(ctx); err != nil || len(cps) != 0 {
		t.Fatalf("Checkpoints of a new database = %v, %v; want none", cps, err)
	}
	if n, at, err := db.Backlog(ctx, "", 0); err != nil || n != 0 || !at.IsZero() {
		t.Fatalf("Backlog of an empty log = %d, %v, %v; want none", n, at, err)
	}
	before := time.Now().Add(-time.Second)
	for _, src := range []string{doctales.SourceS3, doctales.SourceDynamoDB, doctales.SourceS3} {
		if err := db.Append(ctx, &doctales.LogRecord{Source: src, Key: "k", Data: json.RawMessage(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if head, err := db.LogHead(ctx); err != nil || head != 3 {
		t.Fatalf("LogHead after 3 appends = %d, %v; want 3", head, err)
	}
	if err := db.SetCheckpoint(ctx, "notification", 2); err != nil {
		t.Fatal(err)
	}
	if err := db.SetCheckpoint(ctx, "extraction/part-0-of-2", 1); err != nil {
		t.Fatal(err)
	}
	cps, err := db.Checkpoints(ctx)
	if err != nil || len(cps) != 2 || cps[0].Name != "extraction/part-0-of-2" || cps[0].Seq != 1 || cps[1].Name != "notification" ||
		cps[1].Seq != 2 || cps[1].UpdatedAt.Before(before) {
		t.Fatalf("Checkpoints = %+v, %v", cps, err)
	}
	n, at, err := db.Backlog(ctx, doctales.SourceS3, 1)
	if err != nil || n != 1 || at.Before(before) || at.After(time.Now().Add(time.Second)) {
		t.Fatalf("Backlog(s3, 1) = %d, %v, %v; want the third record and its time", n, at, err)
	}
	if n, at, err := db.Backlog(ctx, "", 0); err != nil || n != 3 || at.IsZero() {
		t.Fatalf("Backlog(any, 0) = %d, %v, %v; want 3", n, at, err)
	}
	if n, at, err := db.Backlog(ctx, doctales.SourceDynamoDB, 2); err != nil || n != 0 || !at.IsZero() {
		t.Fatalf("Backlog(dynamodb, 2) = %d, %v, %v; want none", n, at, err)
	}

	for _, sub := range []string{"topic/webhook-1", "topic/webhook-1", "topic/email", "topic/webhook-1x", "extraction"} {
		if err := db.AddDeadLetter(ctx, &doctales.DeadLetter{Subscription: sub, Source: doctales.SourceSNS, Key: "k", Record: json.RawMessage(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	counts, err := db.DeadLetterCounts(ctx)
	if err != nil || len(counts) != 4 || counts["topic/webhook-1"] != 2 || counts["extraction"] != 1 {
		t.Fatalf("DeadLetterCounts = %v, %v", counts, err)
	}
	hooks, err := db.ChannelDeadLetters(ctx, doctales.ChannelWebhook, 0)
	if err != nil || len(hooks) != 2 || hooks[0].Subscription != "topic/webhook-1" {
		t.Fatalf("ChannelDeadLetters(webhook) = %v, %v; want the two of topic/webhook-1, not topic/webhook-1x", hooks, err)
	}
	if mails, err := db.ChannelDeadLetters(ctx, doctales.ChannelEmail, 0); err != nil || len(mails) != 1 {
		t.Fatalf("ChannelDeadLetters(email) = %v, %v", mails, err)
	}
	_, err = db.ChannelDeadLetters(ctx, "pigeon", 0)
	tabletest.AssertCode(t, err, doctales.EINVALID)
}
