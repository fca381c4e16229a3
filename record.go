package doctales

import (
	"encoding/json"
	"strings"
)

// RecordOwner returns the user a log record's communication belongs to:
// the userId of a stream record's image, of a topic message's attributes,
// or the "users/<owner>/" prefix of an S3 event's object key;
// DefaultUserID when the record names none.
func RecordOwner(source string, data []byte) string {
	switch source {
	case SourceDynamoDB:
		var rec struct {
			Dynamodb struct {
				NewImage, OldImage map[string]struct {
					S string `json:"S"`
				}
			} `json:"dynamodb"`
		}
		if json.Unmarshal(data, &rec) == nil {
			for _, img := range []map[string]struct {
				S string `json:"S"`
			}{rec.Dynamodb.NewImage, rec.Dynamodb.OldImage} {
				if o := img["userId"].S; o != "" {
					return o
				}
			}
		}
	case SourceSNS:
		var m Message
		if json.Unmarshal(data, &m) == nil {
			if o := m.MessageAttributes["userId"].StringValue; o != "" {
				return o
			}
		}
	case SourceS3:
		var rec struct {
			S3 struct {
				Object struct {
					Key string `json:"key"`
				} `json:"object"`
			} `json:"s3"`
		}
		if json.Unmarshal(data, &rec) == nil {
			if rest, ok := strings.CutPrefix(rec.S3.Object.Key, "users/"); ok {
				if o, _, ok := strings.Cut(rest, "/"); ok && o != "" {
					return o
				}
			}
		}
	}
	return DefaultUserID
}

// StripContent returns a log record without the content of its
// communication, and whether anything changed: a stream record keeps its
// Keys and loses its images, but for a REMOVE record's id and userId (and
// says StreamViewType KEYS_ONLY); a topic message keeps its MessageId and attributes
// and loses its subject and text. An S3 event names only an object key
// and is returned as it is. Deleting a communication strips the records
// about it (sqlite.DB.PurgeCommunication); an admin reading another
// user's dead letter sees it stripped.
func StripContent(source string, data []byte) ([]byte, bool, error) {
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, false, err
	}
	changed := false
	switch source {
	case SourceDynamoDB:
		var change map[string]json.RawMessage
		if err := json.Unmarshal(rec["dynamodb"], &change); err != nil {
			return nil, false, err
		}
		// A REMOVE record keeps which communication and whose: the live
		// stream tells that owner's dashboards to drop the id, and the
		// purge of a delete usually runs before it reads the record.
		var keep json.RawMessage
		if string(rec["eventName"]) == `"REMOVE"` {
			keep = minimalImage(change["OldImage"])
		}
		for _, f := range []string{"NewImage", "OldImage"} {
			v, ok := change[f]
			if !ok {
				continue
			}
			if f == "OldImage" && keep != nil {
				if string(v) == string(keep) {
					continue // stripped before
				}
				change[f] = keep
			} else {
				delete(change, f)
			}
			changed = true
		}
		if !changed {
			return data, false, nil
		}
		change["StreamViewType"] = json.RawMessage(`"KEYS_ONLY"`)
		b, err := json.Marshal(change)
		if err != nil {
			return nil, false, err
		}
		rec["dynamodb"] = b
	case SourceSNS:
		for _, f := range []string{"Subject", "Message"} {
			if v, ok := rec[f]; ok && string(v) != `"(withheld)"` {
				rec[f] = json.RawMessage(`"(withheld)"`)
				changed = true
			}
		}
		if !changed {
			return data, false, nil
		}
	default:
		return data, false, nil
	}
	out, err := json.Marshal(rec)
	return out, true, err
}

// keptAttributes are what a stripped REMOVE record keeps of its OldImage:
// which communication, and whose.
var keptAttributes = []string{"id", "userId"}

// minimalImage returns the keptAttributes of an image, or nil when it has
// none.
func minimalImage(raw json.RawMessage) json.RawMessage {
	var old map[string]json.RawMessage
	if json.Unmarshal(raw, &old) != nil || old == nil {
		return nil
	}
	img := map[string]json.RawMessage{}
	for _, k := range keptAttributes {
		if v, ok := old[k]; ok {
			img[k] = v
		}
	}
	if len(img) == 0 {
		return nil
	}
	b, err := json.Marshal(img)
	if err != nil {
		return nil
	}
	return b
}
