package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/notify"
)

// TestAck: with auth on, the ack link of a notification e-mail marks the
// communication read without a key when its token is right (again on a
// second click, and by POST), and is 404 for a wrong token, another id's
// token, or a server without an ack key.
func TestAck(t *testing.T) {
	var f *authFixture
	f = mustAuthServer(t, func(h *httpapi.Handler) {
		h.AckKey = func(ctx context.Context) ([]byte, error) { return f.db.AckKey(ctx) }
	})
	_, ana := f.mustKey(t, "ana", doctales.ScopeRead, doctales.ScopeIngest)
	body := `{"id":"a1","source":"email","subject":"wire","from":"Ana","from_email":"ana@acme.example","body":"URGENT: approve the wire now please"}`
	if resp, b := send(t, "POST", f.srv.URL+"/communications", body, bearer(ana)); resp.StatusCode != 202 {
		t.Fatalf("POST = %d %s", resp.StatusCode, b)
	}
	key, err := f.db.AckKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tok := notify.AckToken(key, "a1")
	for _, c := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/communications/a1/ack?token=" + strings.Repeat("0", len(tok)), 404},
		{"GET", "/communications/a1/ack", 404},
		{"GET", "/communications/zz/ack?token=" + tok, 404},
		{"GET", "/communications/a1/ack?token=" + tok, 200},
		{"POST", "/communications/a1/ack?token=" + tok, 200},
	} {
		resp, b := send(t, c.method, f.srv.URL+c.path, "", nil)
		if resp.StatusCode != c.code {
			t.Errorf("%s %s = %d %s, want %d", c.method, c.path, resp.StatusCode, b, c.code)
		}
	}
	it, err := f.db.GetItem(context.Background(), "a1")
	if err != nil || !it.Metadata.Read {
		t.Fatalf("after the ack link: read = %v, %v", it != nil && it.Metadata.Read, err)
	}
	none := mustAuthServer(t, nil)
	if resp, _ := send(t, "GET", none.srv.URL+"/communications/a1/ack?token="+tok, "", nil); resp.StatusCode != 404 {
		t.Errorf("without an ack key: %d, want 404", resp.StatusCode)
	}
}
