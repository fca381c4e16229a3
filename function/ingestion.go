package function

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// Ingestion is the ingestion function: it makes an accepted communication
// durable. Its answer is sent to the client only after both the raw object
// and the table item are durable.
type Ingestion struct {
	Store doctales.ObjectStore
	Table doctales.Table
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Result is the ingestion function's answer, the body of the API's 202.
type Result struct {
	ID     string `json:"id"`
	S3Key  string `json:"s3Key"`
	Status string `json:"status"`
	// Replayed is true when the communication was already stored by an
	// earlier request with the same id and content: nothing was written.
	Replayed bool `json:"-"`
}

// Ingest stores c. c.RequestHash should be the ContentHash of the request
// bytes: a second request with the same id and hash gets the first answer and
// writes nothing (no second event); the same id with another hash is
// ECONFLICT.
//
// Order matters for durability and idempotence: the object is written first
// (its event starts extraction), then the item is created conditionally. A
// crash between the two leaves an object the client was never told about; the
// client's retry writes it again and creates the item. Extraction tolerates
// an object whose item does not exist yet (see Extraction.Handle).
//
// objects are stored before the communication's own object, in order, so
// that a communication whose event starts extraction never names a raw
// original or an attachment that is not there yet; each key should lie
// beside the communication's (see IsCommunicationKey). A replay writes none
// of them.
func (f *Ingestion) Ingest(ctx context.Context, c *doctales.Communication, objects ...Object) (*Result, error) {
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	// A retry of an earlier request?
	if existing, err := f.Table.GetItem(ctx, c.ID); err == nil {
		return replay(existing, c)
	} else if doctales.ErrorCode(err) != doctales.ENOTFOUND {
		return nil, fmt.Errorf("ingest %q: look up item: %w", c.ID, err)
	}

	data, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("ingest %q: encode: %w", c.ID, err)
	}
	for _, o := range objects {
		if _, err := f.Store.Put(ctx, o.Key, o.Data, o.ContentType); err != nil {
			return nil, fmt.Errorf("ingest %q: %w", c.ID, err)
		}
	}
	key := doctales.ObjectKey(c)
	if _, err := f.Store.Put(ctx, key, data, "application/json"); err != nil {
		return nil, fmt.Errorf("ingest %q: %w", c.ID, err)
	}
	item, created, err := f.Table.CreateItem(ctx, doctales.NewItem(c, now().UTC()))
	if err != nil {
		return nil, fmt.Errorf("ingest %q: %w", c.ID, err)
	}
	if !created {
		// Created between the look-up and now: by an identical request in
		// flight (a replay), or by the extraction of this very object,
		// which this request stored (not a replay).
		res, err := replay(item, c)
		if err != nil {
			return nil, err
		}
		res.Replayed = !item.Recovered
		return res, nil
	}
	return &Result{ID: item.ID, S3Key: item.S3Key, Status: item.Status}, nil
}

// Object is an object stored beside a communication's JSON object: the
// original bytes it was read from (an .eml, a PDF) or one of its
// attachments. Its bytes are stored, never run.
type Object struct {
	Key         string
	Data        []byte
	ContentType string
}

// IsCommunicationKey reports whether key is the key of a communication's
// JSON object ("<type>/<yyyy>/<mm>/<dd>/<id>.json", see
// doctales.ObjectKey) rather than an object stored beside one, such as
// "<type>/<yyyy>/<mm>/<dd>/<id>.eml" or
// "<type>/<yyyy>/<mm>/<dd>/<id>/attachments/1-report.pdf". Extraction reads
// only the former.
//
// A key under "users/<owner>/" (another user than the default, see
// doctales.ObjectKey) is read the same way below that prefix.
func IsCommunicationKey(key string) bool {
	if rest, ok := strings.CutPrefix(key, "users/"); ok {
		_, key, ok = strings.Cut(rest, "/")
		if !ok {
			return false
		}
	}
	return strings.HasSuffix(key, ".json") && strings.Count(key, "/") == 4
}

// replay answers a request whose id is already stored.
func replay(existing *doctales.Item, c *doctales.Communication) (*Result, error) {
	if existing.ContentHash != "" && c.RequestHash != "" && existing.ContentHash != c.RequestHash {
		return nil, &doctales.Error{
			Code:    doctales.ECONFLICT,
			Field:   "id",
			Message: fmt.Sprintf("id %q is already used by a different communication; send a new id or the same content", c.ID),
		}
	}
	return &Result{ID: existing.ID, S3Key: existing.S3Key, Status: existing.Status, Replayed: true}, nil
}

// errNotFound reports whether err is an ENOTFOUND application error.
func errNotFound(err error) bool {
	var e *doctales.Error
	return errors.As(err, &e) && e.Code == doctales.ENOTFOUND
}
