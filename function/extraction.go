package function

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
)

// Extraction is the dimension extraction function, subscribed to the raw
// bucket's s3:ObjectCreated:* events.
type Extraction struct {
	Store     doctales.ObjectStore
	Table     doctales.Table
	Extractor doctales.Extractor
	Logger    *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Handle extracts the dimensions of every object named in ev, in order, and
// stops at the first failure, which it returns so the runtime retries that
// record (and dead-letters it when retries run out).
func (f *Extraction) Handle(ctx context.Context, ev events.S3Event) error {
	for i := range ev.Records {
		if key, err := objectKey(&ev.Records[i]); err == nil && !IsCommunicationKey(key) {
			continue // a raw original or an attachment stored beside a communication
		}
		if _, err := f.Extract(ctx, &ev.Records[i]); err != nil {
			return err
		}
	}
	return nil
}

// Extract handles one S3 event record and returns the updated item.
//
// The item gets status "extracted", the dimensions, and metadata.urgency =
// the higher of the sender's urgency and the extracted one. If the item does
// not exist yet (ingestion crashed, or has not created it yet), it is created
// from the object first, so no stored communication is left without an item.
func (f *Extraction) Extract(ctx context.Context, rec *events.S3EventRecord) (*doctales.Item, error) {
	key, err := objectKey(rec)
	if err != nil {
		return nil, err
	}
	data, _, err := f.Store.Get(ctx, key)
	if errNotFound(err) {
		// Deleted (DELETE /communications/{id} or the retention sweep)
		// after this event was sent: nothing is left to extract.
		id := strings.TrimSuffix(path.Base(key), ".json")
		if gone, derr := f.deletedSince(ctx, id, rec.EventTime); derr == nil && gone {
			f.log().Info("extraction skipped: communication deleted", "key", key, "id", id)
			return nil, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("extract %q: %w", key, err)
	}
	var c doctales.Communication
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("extract %q: %w: %w", key,
			doctales.Errorf(doctales.EDAMAGED, "The stored object %s is damaged (%d bytes that are not a communication); run doctales doctor.", key, len(data)), err)
	}
	if c.ID == "" {
		return nil, fmt.Errorf("extract %q: the stored communication has no id", key)
	}
	dims, err := f.Extractor.Extract(ctx, &c)
	if err != nil {
		return nil, fmt.Errorf("extract %q: %w", key, err)
	}
	// Every table call acts for the communication's owner, so that an
	// object can only ever change its own owner's item. An object without
	// an owner was stored by an open server or the local CLI (which may
	// act for anyone); its item may since have been adopted by a user
	// (sqlite.DB.AdoptOpenItems), so it is not scoped.
	if c.Owner != "" {
		ctx = doctales.WithOwner(ctx, c.Owner)
	}
	urgency := doctales.MaxUrgency(c.Metadata.SenderUrgency, dims.Urgency)
	if urgency == "" {
		urgency = doctales.MaxUrgency(c.Metadata.Urgency, dims.Urgency)
	}
	status, empty := doctales.StatusExtracted, ""
	upd := doctales.ItemUpdate{Status: &status, Urgency: &urgency, Dimensions: dims, Error: &empty}

	item, err := f.Table.UpdateItem(ctx, c.ID, upd)
	if errNotFound(err) {
		if gone, err := f.deletedSince(ctx, c.ID, rec.EventTime); err != nil {
			return nil, fmt.Errorf("extract %q: %w", key, err)
		} else if gone {
			f.log().Info("extraction skipped: communication deleted", "key", key, "id", c.ID)
			return nil, nil
		}
		now := time.Now
		if f.Now != nil {
			now = f.Now
		}
		missing := doctales.NewItem(&c, now().UTC())
		missing.Recovered = true
		if _, _, err = f.Table.CreateItem(ctx, missing); doctales.ErrorCode(err) == doctales.ECONFLICT {
			// The id belongs to another user's communication: this object
			// was left by an ingest that was refused with 409.
			f.log().Warn("extraction skipped: id held by another communication", "key", key, "id", c.ID)
			return nil, nil
		} else if err != nil {
			return nil, fmt.Errorf("extract %q: create missing item: %w", key, err)
		}
		item, err = f.Table.UpdateItem(ctx, c.ID, upd)
	}
	if err != nil {
		return nil, fmt.Errorf("extract %q: update item: %w", key, err)
	}
	return item, nil
}

// DeletedTable is implemented by a table that remembers deleted ids (the
// embedded SQLite table): see sqlite.DB.DeletedSince.
type DeletedTable interface {
	DeletedSince(ctx context.Context, id string, t time.Time) (bool, error)
}

// deletedSince reports whether the table remembers id as deleted at or
// after t (the time of the event that announced the object); false when
// the table keeps no such memory.
func (f *Extraction) deletedSince(ctx context.Context, id string, t time.Time) (bool, error) {
	d, ok := f.Table.(DeletedTable)
	if !ok {
		return false, nil
	}
	return d.DeletedSince(ctx, id, t)
}

// log returns the function's logger, or the default one.
func (f *Extraction) log() *slog.Logger {
	if f.Logger != nil {
		return f.Logger
	}
	return slog.Default()
}

// objectKey returns the decoded object key of an S3 event record. S3
// URL-encodes keys in notifications (a space is "+").
func objectKey(rec *events.S3EventRecord) (string, error) {
	if rec.S3.Object.URLDecodedKey != "" {
		return rec.S3.Object.URLDecodedKey, nil
	}
	key, err := url.QueryUnescape(rec.S3.Object.Key)
	if err != nil {
		return "", fmt.Errorf("extract: object key %q is not URL-encoded correctly: %w", rec.S3.Object.Key, err)
	}
	if key == "" {
		return "", fmt.Errorf("extract: S3 event record names no object key")
	}
	return key, nil
}
