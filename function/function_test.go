package function_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
	"github.com/doctales/doctales/fsblob"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/sqlite"
)

func open(t *testing.T) (*sqlite.DB, *fsblob.Store) {
	t.Helper()
	dir := t.TempDir()
	db := sqlite.NewDB(filepath.Join(dir, "doctales.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store := fsblob.NewStore(filepath.Join(dir, "objects"), "doc-tales-raw-communications-test")
	store.Events = db
	if err := store.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return db, store
}

func comm(id, content, hash string) *doctales.Communication {
	return &doctales.Communication{ID: id, Type: "email", Source: "email", Project: "p", Content: content,
		Timestamp: time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC), RequestHash: hash}
}

func TestIngestion_ReplayAndConflict(t *testing.T) {
	db, store := open(t)
	f := &function.Ingestion{Store: store, Table: db}
	ctx := context.Background()
	res, err := f.Ingest(ctx, comm("a", "hello", "h1"))
	if err != nil || res.Replayed || res.S3Key != "email/2025/06/10/a.json" || res.Status != doctales.StatusAccepted {
		t.Fatalf("first ingest = %+v, %v", res, err)
	}
	again, err := f.Ingest(ctx, comm("a", "hello", "h1"))
	if err != nil || !again.Replayed || again.S3Key != res.S3Key {
		t.Fatalf("replay = %+v, %v", again, err)
	}
	if _, err := f.Ingest(ctx, comm("a", "other", "h2")); doctales.ErrorCode(err) != doctales.ECONFLICT || doctales.ErrorField(err) != "id" {
		t.Fatalf("same id, other content: %v; want ECONFLICT on id", err)
	}
	// One object event and one INSERT: the replay wrote nothing.
	s3, _ := db.ReadLog(ctx, doctales.SourceS3, 0, 10)
	stream, _ := db.ReadLog(ctx, doctales.SourceDynamoDB, 0, 10)
	if len(s3) != 1 || len(stream) != 1 {
		t.Fatalf("%d S3 events and %d stream records, want 1 and 1", len(s3), len(stream))
	}
}

func TestExtraction_CreatesMissingItem(t *testing.T) {
	db, store := open(t)
	ctx := context.Background()
	// The object is stored but ingestion crashed before creating the item.
	c := comm("b", "URGENT: please approve the wire before 5pm today.", "h")
	c.Metadata.SenderUrgency = doctales.UrgencyLow
	if _, err := store.Put(ctx, doctales.ObjectKey(c), mustJSON(t, c), "application/json"); err != nil {
		t.Fatal(err)
	}
	f := &function.Extraction{Store: store, Table: db, Extractor: extract.New()}
	rec := events.S3EventRecord{EventName: "ObjectCreated:Put"}
	rec.S3.Object.Key = doctales.ObjectKey(c)
	item, err := f.Extract(ctx, &rec)
	if err != nil {
		t.Fatal(err)
	}
	if item.Status != doctales.StatusExtracted || item.Dimensions == nil || item.ContentHash != "h" || !item.Recovered {
		t.Fatalf("item = %+v", item)
	}
	// The higher of the sender's and the extracted urgency.
	if item.Metadata.Urgency != doctales.MaxUrgency(doctales.UrgencyLow, item.Dimensions.Urgency) {
		t.Fatalf("urgency %q, sender low, extracted %q", item.Metadata.Urgency, item.Dimensions.Urgency)
	}
	// A missing object is an error the runtime retries.
	rec.S3.Object.Key = "email/2025/06/10/none.json"
	if _, err := f.Extract(ctx, &rec); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("missing object: %v", err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lateTable answers the first GetItem "not found", as if the item were
// created (by the extraction of the object) right after the look-up.
type lateTable struct {
	doctales.Table
	missed bool
}

func (l *lateTable) GetItem(ctx context.Context, id string) (*doctales.Item, error) {
	if !l.missed {
		l.missed = true
		return nil, doctales.Errorf(doctales.ENOTFOUND, "not yet")
	}
	return l.Table.GetItem(ctx, id)
}

func TestIngestion_ItemCreatedByExtractionMeanwhile(t *testing.T) {
	db, store := open(t)
	ctx := context.Background()
	// Created by the extraction of the object: not a replay.
	c := comm("c", "hello", "h")
	recovered := doctales.NewItem(c, time.Now())
	recovered.Recovered = true
	if _, _, err := db.CreateItem(ctx, recovered); err != nil {
		t.Fatal(err)
	}
	res, err := (&function.Ingestion{Store: store, Table: &lateTable{Table: db}}).Ingest(ctx, c)
	if err != nil || res.Replayed {
		t.Fatalf("Ingest = %+v, %v; want accepted, not a replay: this request stored it", res, err)
	}
	// Created by an identical request in flight: a replay.
	d := comm("d", "hello", "h")
	if _, _, err := db.CreateItem(ctx, doctales.NewItem(d, time.Now())); err != nil {
		t.Fatal(err)
	}
	res, err = (&function.Ingestion{Store: store, Table: &lateTable{Table: db}}).Ingest(ctx, d)
	if err != nil || !res.Replayed {
		t.Fatalf("Ingest = %+v, %v; want a replay of the request in flight", res, err)
	}
}
