package ingest_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/doctales/doctales"
)

// FuzzNormalize feeds arbitrary bodies to Normalize, seeded with the inputs in
// testdata. Normalize must not panic; an error must be a client error
// (EINVALID or ETOOLARGE); an accepted communication must marshal to valid
// UTF-8 JSON with an id, a type and content, and give a safe object key.
func FuzzNormalize(f *testing.F) {
	for _, name := range inputs(f) {
		body, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	for _, s := range []string{
		``, `null`, `[]`, `{}`, `{"content":"x"} {}`, `{"id":"../x","content":"x"}`,
		"{\"subject\":\"\xff\",\"content\":\"x\"}", `{"content":"\ud800"}`, `{"to":[{"name":"a"}],"content":"x"}`,
		`{"content":"x","urgency":"HIGH","metadata":{"urgency":"high","extra":[1,{"a":null}]}}`,
	} {
		f.Add([]byte(s))
	}

	n := newNormalizer()
	n.MaxBodyBytes = 64 << 10 // keep each run fast; the limit itself is tested elsewhere
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := n.Normalize(body)
		if err != nil {
			if code := doctales.ErrorCode(err); code != doctales.EINVALID && code != doctales.ETOOLARGE {
				t.Fatalf("code %q for a client body: %v", code, err)
			}
			if doctales.ErrorField(err) == "" || doctales.ErrorMessage(err) == "" {
				t.Fatalf("error without field or message: %v", err)
			}
			return
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("marshal %+v: %v", c, err)
		}
		if !utf8.Valid(b) {
			t.Fatalf("output is not valid UTF-8: %q", b)
		}
		var back doctales.Communication
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("output does not unmarshal: %v\n%s", err, b)
		}
		if back.ID == "" || back.Type == "" || strings.TrimSpace(back.Content) == "" {
			t.Fatalf("empty id, type or content: %s", b)
		}
		key := doctales.ObjectKey(c)
		if segs := strings.Split(key, "/"); len(segs) != 5 || strings.Contains(key, "..") || strings.HasPrefix(segs[0], ".") {
			t.Fatalf("unsafe object key %q", key)
		}
	})
}
