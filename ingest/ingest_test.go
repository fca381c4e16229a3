package ingest_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/ingest"
	"github.com/google/uuid"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testNow is the clock of every test normalizer.
var testNow = time.Date(2025, 6, 14, 9, 0, 0, 0, time.UTC)

// testID is the id a test normalizer gives a communication without one.
const testID = "00000000-0000-4000-8000-000000000001"

// newNormalizer returns a normalizer with the default limits, a fixed clock
// and a fixed new id, so its output is stable.
func newNormalizer() *ingest.Normalizer {
	n := ingest.NewNormalizer()
	n.Now = func() time.Time { return testNow }
	n.NewID = func() string { return testID }
	return n
}

// inputs returns the names of the JSON inputs in testdata.
func inputs(tb testing.TB) []string {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(names) == 0 {
		tb.Fatalf("no inputs in testdata: %v", err)
	}
	return names
}

// TestNormalizer_Normalize_Golden normalises each testdata/*.json and compares
// the result with testdata/*.golden. Run with -update to rewrite them.
func TestNormalizer_Normalize_Golden(t *testing.T) {
	for _, in := range inputs(t) {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			c, err := newNormalizer().Normalize(body)
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			got, err := json.MarshalIndent(c, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')

			golden := strings.TrimSuffix(in, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s:\ngot:\n%s\nwant:\n%s", in, golden, got, want)
			}
		})
	}
}

// mustNormalizeFile normalises a testdata input with newNormalizer.
func mustNormalizeFile(tb testing.TB, name string) *doctales.Communication {
	tb.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	c, err := newNormalizer().Normalize(body)
	if err != nil {
		tb.Fatalf("Normalize %s: %v", name, err)
	}
	return c
}

// TestNormalizer_Normalize_Email checks the two e-mails of the spec field by
// field, beyond the golden files.
func TestNormalizer_Normalize_Email(t *testing.T) {
	t.Run("WorkedExample", func(t *testing.T) {
		c := mustNormalizeFile(t, "email-closing.json")
		ts := time.Date(2025, 6, 10, 15, 30, 0, 0, time.UTC)
		switch {
		case c.ID != testID, c.Type != "email", c.Source != "email", !c.Timestamp.Equal(ts),
			c.Project != "home-purchase", c.Subject != "Closing documents", c.Sender != "Jane Smith",
			c.SenderID != "jane@realty.example", len(c.Recipients) != 1 || c.Recipients[0] != "alex@example.com",
			c.Content != "Please review the closing documents. Deadline: June 20, 2025",
			len(c.Attachments) != 0, c.Fields != nil:
			t.Fatalf("unexpected communication: %+v", c)
		case c.Metadata.Urgency != "high", c.Metadata.SenderUrgency != "high", c.Metadata.Read:
			t.Fatalf("unexpected metadata: %+v", c.Metadata)
		}
		if got, want := doctales.ObjectKey(c), "email/2025/06/10/"+testID+".json"; got != want {
			t.Fatalf("ObjectKey = %q, want %q", got, want)
		}
	})
	t.Run("WireTransfer", func(t *testing.T) {
		c := mustNormalizeFile(t, "email-wire.json")
		switch {
		case c.Type != "email", c.Subject != "Wire transfer", c.Sender != "Ana Ruiz",
			c.SenderID != "ana@acme.example", len(c.Recipients) != 1 || c.Recipients[0] != "me@example.com",
			c.Content != "URGENT: please approve the wire before 5pm today.",
			c.Project != ingest.DefaultProject, !c.Timestamp.Equal(testNow), c.Metadata.Urgency != "":
			t.Fatalf("unexpected communication: %+v", c)
		}
		body, _ := os.ReadFile(filepath.Join("testdata", "email-wire.json"))
		if c.RequestHash != doctales.ContentHash(body) {
			t.Fatalf("RequestHash = %q, want the ContentHash of the body", c.RequestHash)
		}
	})
}

// TestNormalizer_Normalize_Shapes checks what each source shape maps where.
func TestNormalizer_Normalize_Shapes(t *testing.T) {
	t.Run("Document", func(t *testing.T) {
		c := mustNormalizeFile(t, "document.json")
		if c.Type != "document" || c.Subject != "Mortgage pre-approval letter" || c.Sender != "Michael Chen" ||
			c.SenderID != "michael.chen@lender.example" || c.Fields["fileType"] != "pdf" || c.Fields["fileSize"] != int64(183422) {
			t.Fatalf("unexpected communication: %+v", c)
		}
	})
	t.Run("Social", func(t *testing.T) {
		c := mustNormalizeFile(t, "social.json")
		if c.Type != "social" || c.Sender != "TechCorp Recruiting" || c.SenderID != "@techcorp_jobs" ||
			!strings.HasPrefix(c.Content, "We're hiring") || c.Fields["platform"] != "twitter" ||
			fmt.Sprint(c.Fields["hashtags"]) != "[hiring golang]" || fmt.Sprint(c.Fields["mentions"]) != "[@alexm]" {
			t.Fatalf("unexpected communication: %+v", c)
		}
	})
	t.Run("OtherSource", func(t *testing.T) {
		c := mustNormalizeFile(t, "other-source.json")
		if c.Type != ingest.TypeUnknown || c.Source != "crm" || c.Subject != "Follow-up call" ||
			c.Content != "Call the broker back about the rate lock." || c.Sender != "Broker Desk" ||
			c.Fields["message"] != "not the content" || c.Fields["ticket"] == nil || c.Fields["priority"] == nil {
			t.Fatalf("unexpected communication: %+v", c)
		}
		// Big numbers in kept fields survive exactly.
		b, _ := json.Marshal(c)
		if !bytes.Contains(b, []byte("12345678901234567890")) {
			t.Fatalf("big number lost: %s", b)
		}
	})
	t.Run("SampleEvent", func(t *testing.T) {
		// The original system's SAM ingestion event: no source, contact
		// objects for from and to, files.
		c := mustNormalizeFile(t, "sample-event.json")
		if c.Type != ingest.TypeUnknown || c.Sender != "Inspector Gadget" || c.SenderID != "inspector@homeinspections.example" ||
			fmt.Sprint(c.Recipients) != "[alex@example.com pat@example.com]" || c.Metadata.Urgency != "high" ||
			c.Metadata.Category != "finance" || c.Fields["files"] == nil || c.Fields["from"] == nil {
			t.Fatalf("unexpected communication: %+v", c)
		}
	})
	t.Run("GmailMetadata", func(t *testing.T) {
		c := mustNormalizeFile(t, "gmail-attachments.json")
		want := time.Date(2025, 5, 16, 10, 30, 0, 0, time.UTC)
		if c.Type != "email" || c.ID != "email-001" || !c.Timestamp.Equal(want) || c.Timestamp.Location() != time.UTC ||
			len(c.Cc) != 2 || len(c.Recipients) != 1 || len(c.Attachments) != 1 || c.Attachments[0].Size != 245760 ||
			c.Metadata.Urgency != "medium" || !c.Metadata.Read || !c.Metadata.Flagged || c.Metadata.Category != "real-estate" ||
			c.Fields["metadata"] == nil || c.Fields["platform"] != "web" {
			t.Fatalf("unexpected communication: %+v", c)
		}
	})
	t.Run("DuplicateKeys", func(t *testing.T) {
		c := mustNormalizeFile(t, "duplicate-keys.json")
		if c.Subject != "second" || !strings.HasPrefix(c.Content, "The last body wins") {
			t.Fatalf("unexpected communication: %+v", c)
		}
	})
	t.Run("DefaultIDAndTime", func(t *testing.T) {
		var n ingest.Normalizer // zero value: uuid v4 and the system clock
		before := time.Now().UTC()
		c, err := n.Normalize([]byte(`{"content":"hello"}`))
		if err != nil {
			t.Fatal(err)
		}
		id, err := uuid.Parse(c.ID)
		if err != nil || id.Version() != 4 {
			t.Fatalf("id %q is not a UUID v4: %v", c.ID, err)
		}
		if c.Timestamp.Before(before.Add(-time.Second)) || c.Timestamp.Location() != time.UTC {
			t.Fatalf("timestamp %v is not now in UTC", c.Timestamp)
		}
		if c.Type != ingest.TypeUnknown || c.Project != ingest.DefaultProject || c.Recipients == nil || c.Attachments == nil {
			t.Fatalf("unexpected defaults: %+v", c)
		}
	})
	t.Run("TypeFromSource", func(t *testing.T) {
		for source, want := range map[string]string{
			"email": "email", "gmail": "email", "Outlook": "email", "document": "document", "dropbox": "document",
			"gdrive": "document", "social": "social", "twitter": "social", "linkedin": "social", "slack": "social",
			"crm": "unknown",
		} {
			body := fmt.Sprintf(`{"source":%q,"content":"x","body":"x","text":"x"}`, source)
			c, err := newNormalizer().Normalize([]byte(body))
			if err != nil {
				t.Fatalf("%s: %v", source, err)
			} else if c.Type != want {
				t.Errorf("source %q: type %q, want %q", source, c.Type, want)
			}
		}
	})
	t.Run("NewIDInvalid", func(t *testing.T) {
		n := newNormalizer()
		n.NewID = func() string { return "../bad" }
		_, err := n.Normalize([]byte(`{"content":"x"}`))
		if code := doctales.ErrorCode(err); code != doctales.EINTERNAL {
			t.Fatalf("code %q, want %q (%v)", code, doctales.EINTERNAL, err)
		}
	})
}

// TestNormalizer_Normalize_Invalid checks the code and field of each kind of
// bad input.
func TestNormalizer_Normalize_Invalid(t *testing.T) {
	big := `{"content":"` + strings.Repeat("a", 2<<20) + `"}`
	tests := []struct {
		name  string
		body  string
		code  string
		field string
		msg   string // a part of the message, if set
	}{
		{"Empty", ``, doctales.EINVALID, "body", "empty"},
		{"Whitespace", " \n", doctales.EINVALID, "body", "empty"},
		{"Malformed", `{"source":"email",`, doctales.EINVALID, "body", "not valid JSON"},
		{"MalformedToken", `{"source":emai}`, doctales.EINVALID, "body", "byte offset"},
		{"NotObject", `["content"]`, doctales.EINVALID, "body", "must be a JSON object, not an array"},
		{"Null", `null`, doctales.EINVALID, "body", "not null"},
		{"TrailingObject", `{"content":"x"} {}`, doctales.EINVALID, "body", "after the JSON object"},
		{"TrailingGarbage", `{"content":"x"}x`, doctales.EINVALID, "body", "after the JSON object"},
		{"TooLarge", big, doctales.ETOOLARGE, "body", "the limit is 1048576 bytes"},
		{"InvalidUTF8Subject", "{\"source\":\"email\",\"subject\":\"caf\xe9\",\"body\":\"x\"}", doctales.EINVALID, "subject", "not valid UTF-8"},
		{"InvalidUTF8Recipient", "{\"source\":\"email\",\"to\":[\"a@x\",\"\xff\"],\"body\":\"x\"}", doctales.EINVALID, "to[1]", "UTF-8"},
		{"InvalidUTF8Nested", "{\"content\":\"x\",\"extra\":{\"a\":[\"ok\",\"\xc3\"]}}", doctales.EINVALID, "extra.a[1]", "UTF-8"},
		{"InvalidUTF8Key", "{\"content\":\"x\",\"\xff\":1}", doctales.EINVALID, "body", "UTF-8"},
		{"InvalidUTF8Content", "{\"content\":\"\xed\xa0\x80\"}", doctales.EINVALID, "content", "UTF-8"},
		{"ToNumber", `{"source":"email","to":5,"body":"x"}`, doctales.EINVALID, "to", "to must be a string or an array of strings, not a number"},
		{"ToEntryNumber", `{"source":"email","to":["a@x",5],"body":"x"}`, doctales.EINVALID, "to[1]", "to must be a string or an array of strings"},
		{"CcObject", `{"source":"email","cc":{"a":1},"body":"x"}`, doctales.EINVALID, "cc", "cc must be a string or an array of strings"},
		{"SubjectNumber", `{"source":"email","subject":1,"body":"x"}`, doctales.EINVALID, "subject", "subject must be a string, not a number"},
		{"FromNumber", `{"source":"email","from":1,"body":"x"}`, doctales.EINVALID, "from", "contact object"},
		{"FromEmptyContact", `{"source":"email","from":{},"body":"x"}`, doctales.EINVALID, "from", "without name"},
		{"SourceNumber", `{"source":1,"content":"x"}`, doctales.EINVALID, "source", "must be a string"},
		{"UrgencyUnknown", `{"content":"x","urgency":"urgent"}`, doctales.EINVALID, "urgency", "urgency must be one of high, medium, low"},
		{"UrgencyNumber", `{"content":"x","urgency":3}`, doctales.EINVALID, "urgency", "must be a string"},
		{"MetadataUrgencyUnknown", `{"content":"x","metadata":{"urgency":"normal"}}`, doctales.EINVALID, "metadata.urgency", "high, medium, low"},
		{"MetadataUrgencyDisagrees", `{"content":"x","urgency":"high","metadata":{"urgency":"low"}}`, doctales.EINVALID, "metadata.urgency", "disagrees"},
		{"MetadataCategoryDisagrees", `{"content":"x","category":"a","metadata":{"category":"b"}}`, doctales.EINVALID, "metadata.category", "disagrees"},
		{"MetadataNotObject", `{"content":"x","metadata":"high"}`, doctales.EINVALID, "metadata", "must be an object"},
		{"MetadataReadString", `{"content":"x","metadata":{"read":"yes"}}`, doctales.EINVALID, "metadata.read", "must be a boolean"},
		{"IDTraversal", `{"id":"../x","content":"x"}`, doctales.EINVALID, "id", `"/" or ".."`},
		{"IDSlash", `{"id":"a/b","content":"x"}`, doctales.EINVALID, "id", ""},
		{"IDDotDot", `{"id":"..","content":"x"}`, doctales.EINVALID, "id", ""},
		{"IDLeadingDot", `{"id":".hidden","content":"x"}`, doctales.EINVALID, "id", `start with "."`},
		{"IDSpace", `{"id":"a b","content":"x"}`, doctales.EINVALID, "id", "only letters"},
		{"IDBackslash", `{"id":"a\\b","content":"x"}`, doctales.EINVALID, "id", ""},
		{"IDNUL", `{"id":"a\u0000b","content":"x"}`, doctales.EINVALID, "id", "NUL"},
		{"IDNumber", `{"id":42,"content":"x"}`, doctales.EINVALID, "id", "id must be a string, not a number"},
		{"IDTooLong", `{"id":"` + strings.Repeat("a", 129) + `","content":"x"}`, doctales.ETOOLARGE, "id", "the limit is 128"},
		{"TypeTraversal", `{"type":"../etc","content":"x"}`, doctales.EINVALID, "type", ""},
		{"TypeNumber", `{"type":1,"content":"x"}`, doctales.EINVALID, "type", "must be a string"},
		{"TimestampWords", `{"timestamp":"yesterday","content":"x"}`, doctales.EINVALID, "timestamp", "RFC 3339"},
		{"TimestampDateOnly", `{"timestamp":"2025-06-10","content":"x"}`, doctales.EINVALID, "timestamp", "RFC 3339"},
		{"TimestampNumber", `{"timestamp":1718030000,"content":"x"}`, doctales.EINVALID, "timestamp", "must be a string"},
		{"EmailBodyMissing", `{"source":"email","subject":"s"}`, doctales.EINVALID, "body", "body is required"},
		{"EmailBodyEmpty", `{"source":"email","body":""}`, doctales.EINVALID, "body", "blank"},
		{"EmailBodyBlank", `{"source":"email","body":" \n\t"}`, doctales.EINVALID, "body", "blank"},
		{"EmailBodyNull", `{"source":"email","body":null}`, doctales.EINVALID, "body", "required"},
		{"EmailBodyNumber", `{"source":"email","body":1}`, doctales.EINVALID, "body", "body must be a string, not a number"},
		{"DocumentContentMissing", `{"source":"document","title":"t"}`, doctales.EINVALID, "content", "content is required"},
		{"SocialTextEmpty", `{"source":"social","text":""}`, doctales.EINVALID, "text", "text is blank"},
		{"SocialTextMissing", `{"source":"twitter"}`, doctales.EINVALID, "text", "text is required"},
		{"NoSourceNoContent", `{"subject":"s"}`, doctales.EINVALID, "content", "content is required"},
		{"SubjectTooLong", `{"source":"email","subject":"` + strings.Repeat("é", 1204) + `","body":"x"}`, doctales.ETOOLARGE, "subject", "subject is 1204 characters; the limit is 998"},
		{"TitleTooLong", `{"source":"document","title":"` + strings.Repeat("t", 999) + `","content":"x"}`, doctales.ETOOLARGE, "title", "the limit is 998"},
		{"SenderTooLong", `{"source":"email","from":"` + strings.Repeat("s", 321) + `","body":"x"}`, doctales.ETOOLARGE, "from", "the limit is 320"},
		{"RecipientTooLong", `{"source":"email","to":["` + strings.Repeat("s", 321) + `"],"body":"x"}`, doctales.ETOOLARGE, "to[0]", "the limit is 320"},
		{"TooManyRecipients", `{"source":"email","to":[` + repeatList(`"a@x"`, 1001) + `],"body":"x"}`, doctales.ETOOLARGE, "to", "to has 1001 entries; the limit is 1000"},
		{"TooManyHashtags", `{"source":"social","text":"x","hashtags":[` + repeatList(`"a"`, 1001) + `]}`, doctales.ETOOLARGE, "hashtags", "the limit is 1000"},
		{"ProjectTooLong", `{"project":"` + strings.Repeat("p", 129) + `","content":"x"}`, doctales.ETOOLARGE, "project", "the limit is 128"},
		{"ProjectNumber", `{"project":1,"content":"x"}`, doctales.EINVALID, "project", "must be a string"},
		{"AttachmentsNotArray", `{"content":"x","attachments":{}}`, doctales.EINVALID, "attachments", "must be an array of objects"},
		{"AttachmentNotObject", `{"content":"x","attachments":["a.pdf"]}`, doctales.EINVALID, "attachments[0]", "must be an object"},
		{"AttachmentNoName", `{"content":"x","attachments":[{"size":1}]}`, doctales.EINVALID, "attachments[0].name", "required"},
		{"AttachmentNegativeSize", `{"content":"x","attachments":[{"name":"a","size":-1}]}`, doctales.EINVALID, "attachments[0].size", "non-negative integer"},
		{"AttachmentFractionalSize", `{"content":"x","attachments":[{"name":"a","size":1.5}]}`, doctales.EINVALID, "attachments[0].size", "non-negative integer"},
		{"AttachmentScriptURL", `{"content":"x","attachments":[{"name":"a","url":"javascript:alert(1)"}]}`, doctales.EINVALID, "attachments[0].url", "http or https"},
		{"AttachmentUnknownKey", `{"content":"x","attachments":[{"name":"a","id":"1"}]}`, doctales.EINVALID, "attachments[0].id", "not an attachment field"},
		{"TooManyAttachments", `{"content":"x","attachments":[` + repeatList(`{"name":"a"}`, 101) + `]}`, doctales.ETOOLARGE, "attachments", "the limit is 100"},
		{"AttachmentURLTooLong", `{"content":"x","attachments":[{"name":"a","url":"https://x.example/` + strings.Repeat("u", 2048) + `"}]}`, doctales.ETOOLARGE, "attachments[0].url", "the limit is 2048"},
		{"FileSizeString", `{"source":"document","content":"x","fileSize":"big"}`, doctales.EINVALID, "fileSize", "non-negative integer"},
		{"FileTypeNumber", `{"source":"document","content":"x","fileType":1}`, doctales.EINVALID, "fileType", "must be a string"},
		{"MentionNumber", `{"source":"social","text":"x","mentions":[1]}`, doctales.EINVALID, "mentions[0]", "array of strings"},
		{"FieldTooDeep", `{"content":"x","extra":[[[[[[[[[1]]]]]]]]]}`, doctales.EINVALID, "extra", "nested 9 levels deep; the limit is 8"},
		{"MetadataExtraTooDeep", `{"content":"x","metadata":{"sourceSpecific":[[[[[[[[1]]]]]]]]}}`, doctales.EINVALID, "metadata", "the limit is 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := newNormalizer().Normalize([]byte(tt.body))
			if err == nil {
				t.Fatalf("Normalize accepted the body: %+v", c)
			}
			if code := doctales.ErrorCode(err); code != tt.code {
				t.Errorf("code %q, want %q (%v)", code, tt.code, err)
			}
			if field := doctales.ErrorField(err); field != tt.field {
				t.Errorf("field %q, want %q (%v)", field, tt.field, err)
			}
			if msg := doctales.ErrorMessage(err); !strings.Contains(msg, tt.msg) {
				t.Errorf("message %q does not contain %q", msg, tt.msg)
			}
		})
	}
}

// TestNormalizer_Limits crosses each limit by one, with default and custom
// values: at the limit is accepted, one over is not.
func TestNormalizer_Limits(t *testing.T) {
	tests := []struct {
		name  string
		set   func(n *ingest.Normalizer, limit int)
		def   int
		body  func(n int) string
		field string
	}{
		{"MaxIDLength", func(n *ingest.Normalizer, l int) { n.MaxIDLength = l }, ingest.DefaultMaxIDLength,
			func(n int) string { return `{"content":"x","id":"` + strings.Repeat("i", n) + `"}` }, "id"},
		{"MaxTypeLength", func(n *ingest.Normalizer, l int) { n.MaxTypeLength = l }, ingest.DefaultMaxTypeLength,
			func(n int) string { return `{"content":"x","type":"` + strings.Repeat("t", n) + `"}` }, "type"},
		{"MaxSubjectLength", func(n *ingest.Normalizer, l int) { n.MaxSubjectLength = l }, ingest.DefaultMaxSubjectLength,
			func(n int) string { return `{"content":"x","subject":"` + strings.Repeat("ß", n) + `"}` }, "subject"},
		{"MaxNameLength", func(n *ingest.Normalizer, l int) { n.MaxNameLength = l }, ingest.DefaultMaxNameLength,
			func(n int) string { return `{"content":"x","sender_id":"` + strings.Repeat("n", n) + `"}` }, "sender_id"},
		{"MaxProjectLength", func(n *ingest.Normalizer, l int) { n.MaxProjectLength = l }, ingest.DefaultMaxProjectLength,
			func(n int) string { return `{"content":"x","project":"` + strings.Repeat("p", n) + `"}` }, "project"},
		{"MaxURLLength", func(n *ingest.Normalizer, l int) { n.MaxURLLength = l }, ingest.DefaultMaxURLLength,
			func(n int) string {
				return `{"content":"x","attachments":[{"name":"a","url":"http://h/` + strings.Repeat("u", n-9) + `"}]}`
			}, "attachments[0].url"},
		{"MaxRecipients", func(n *ingest.Normalizer, l int) { n.MaxRecipients = l }, ingest.DefaultMaxRecipients,
			func(n int) string { return `{"content":"x","cc":[` + repeatList(`"c"`, n) + `]}` }, "cc"},
		{"MaxAttachments", func(n *ingest.Normalizer, l int) { n.MaxAttachments = l }, ingest.DefaultMaxAttachments,
			func(n int) string { return `{"content":"x","attachments":[` + repeatList(`{"name":"a"}`, n) + `]}` }, "attachments"},
		{"MaxFieldDepth", func(n *ingest.Normalizer, l int) { n.MaxFieldDepth = l }, ingest.DefaultMaxFieldDepth,
			func(n int) string {
				return `{"content":"x","deep":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`
			}, "deep"},
		{"MaxBodyBytes", func(n *ingest.Normalizer, l int) { n.MaxBodyBytes = int64(l) }, ingest.DefaultMaxBodyBytes,
			func(n int) string { return `{"content":"` + strings.Repeat("b", n-14) + `"}` }, "body"},
	}
	for _, tt := range tests {
		// Zero means the default; 40 is a custom limit every body can meet.
		for _, set := range []int{0, 40} {
			n := newNormalizer()
			tt.set(n, set)
			limit := cmp.Or(set, tt.def)
			t.Run(fmt.Sprintf("%s=%d", tt.name, limit), func(t *testing.T) {
				if _, err := n.Normalize([]byte(tt.body(limit))); err != nil {
					t.Fatalf("at the limit: %v", err)
				}
				_, err := n.Normalize([]byte(tt.body(limit + 1)))
				if code := doctales.ErrorCode(err); code != doctales.ETOOLARGE && code != doctales.EINVALID {
					t.Fatalf("over the limit: code %q (%v)", code, err)
				}
				if field := doctales.ErrorField(err); field != tt.field {
					t.Fatalf("over the limit: field %q, want %q (%v)", field, tt.field, err)
				}
				if msg := doctales.ErrorMessage(err); !strings.Contains(msg, fmt.Sprintf("the limit is %d", limit)) {
					t.Fatalf("message %q does not name the limit %d", msg, limit)
				}
			})
		}
	}
}

// repeatList returns n copies of elem separated by commas.
func repeatList(elem string, n int) string {
	return strings.TrimSuffix(strings.Repeat(elem+",", n), ",")
}

func ExampleNormalizer_Normalize() {
	n := ingest.NewNormalizer()
	n.NewID = func() string { return "email-123" }

	c, err := n.Normalize([]byte(`{"source":"email","subject":"Wire transfer","from":"Ana Ruiz",` +
		`"from_email":"ana@acme.example","to":["me@example.com"],` +
		`"body":"URGENT: please approve the wire before 5pm today.","timestamp":"2025-06-10T15:30:00Z"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Type, c.Sender, c.SenderID, c.Recipients)
	fmt.Println(doctales.ObjectKey(c))

	_, err = n.Normalize([]byte(`{"source":"email","body":"hi","urgency":"asap"}`))
	fmt.Println(doctales.ErrorField(err)+":", doctales.ErrorMessage(err))
	// Output:
	// email Ana Ruiz ana@acme.example [me@example.com]
	// email/2025/06/10/email-123.json
	// urgency: urgency must be one of high, medium, low, not "asap"
}
