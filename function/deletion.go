package function

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/doctales/doctales"
)

// ObjectRemover is an object store that can list and delete objects (the
// embedded fsblob store and the S3 adapter).
type ObjectRemover interface {
	// Keys returns the keys that start with prefix, in key order.
	Keys(ctx context.Context, prefix string) ([]string, error)
	// Delete removes an object; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Deletion deletes communications: DELETE /communications/{id} and the
// retention sweep (issue 17).
type Deletion struct {
	Store ObjectRemover
	Table doctales.Table
	// Purge, if set, removes the communication's history and the content
	// of the log records about it, and returns how many log records it
	// redacted (see sqlite.DB.PurgeCommunication).
	Purge  func(ctx context.Context, id string) (int, error)
	Logger *slog.Logger
}

// Deleted is what a deletion removed.
type Deleted struct {
	ID      string   `json:"id"`
	Objects []string `json:"objects"` // object keys removed
	// Redacted is how many log records lost the communication's content.
	Redacted int `json:"redactedLogRecords"`
}

// Delete removes the communication id of the owner ctx is scoped to (any
// owner when it is not): its JSON object, its raw original and
// attachments, then its row, which appends a REMOVE stream record, then
// its history. Another user's id, or one that does not exist, is
// ENOTFOUND.
//
// Objects go first: if deleting one fails, the row is still there and
// the delete can be retried. An extraction in flight for the
// communication finds its object gone, or its row deleted, and skips it
// (Extraction.Extract asks the table whether the id was deleted).
func (f *Deletion) Delete(ctx context.Context, id string) (*Deleted, error) {
	item, err := f.Table.GetItem(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &Deleted{ID: id, Objects: []string{}}
	if item.S3Key != "" {
		keys, err := f.Store.Keys(ctx, strings.TrimSuffix(item.S3Key, ".json"))
		if err != nil {
			return nil, fmt.Errorf("delete %q: list objects: %w", id, err)
		}
		prefix := strings.TrimSuffix(item.S3Key, ".json")
		for _, k := range keys {
			if !belongsTo(k, prefix) {
				continue // another communication whose id starts with this one
			}
			if err := f.Store.Delete(ctx, k); err != nil {
				return nil, fmt.Errorf("delete %q: object %q: %w", id, k, err)
			}
			out.Objects = append(out.Objects, k)
		}
	}
	if err := f.Table.DeleteItem(ctx, id); err != nil {
		return nil, fmt.Errorf("delete %q: %w", id, err)
	}
	if f.Purge != nil {
		n, err := f.Purge(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("delete %q: %w", id, err)
		}
		out.Redacted = n
	}
	f.log().InfoContext(ctx, "communication deleted", "id", id, "objects", len(out.Objects), "redactedLogRecords", out.Redacted)
	return out, nil
}

// belongsTo reports whether key is an object of the communication whose
// JSON object is prefix+".json": that object, its raw original
// (prefix+".eml", ".pdf", ...) or an attachment (prefix+"/attachments/...").
// "prefix2.json" or "prefix.v2.json" belong to other communications.
func belongsTo(key, prefix string) bool {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return false
	}
	if strings.HasPrefix(rest, "/attachments/") {
		return true
	}
	ext, ok := strings.CutPrefix(rest, ".")
	return ok && ext != "" && !strings.ContainsAny(ext, "./")
}

// log returns the function's logger, or the default one.
func (f *Deletion) log() *slog.Logger {
	if f.Logger != nil {
		return f.Logger
	}
	return slog.Default()
}
