package doctales_test

import (
	"testing"

	"github.com/doctales/doctales"
)

// TestUploadRequest: Validate names the field and the limit; Encode and
// DecodeUploadRequest round-trip any text as ASCII; UploadKey and
// ParseUploadKey agree and refuse other keys.
func TestUploadRequest(t *testing.T) {
	for _, c := range []struct {
		r     doctales.UploadRequest
		code  string
		field string
	}{
		{doctales.UploadRequest{Size: 10, ContentType: "message/rfc822"}, "", ""},
		{doctales.UploadRequest{Size: 10, ContentType: "text/plain; charset=utf-8"}, "", ""},
		{doctales.UploadRequest{Size: 0, ContentType: "message/rfc822"}, doctales.EINVALID, "size"},
		{doctales.UploadRequest{Size: 101, ContentType: "message/rfc822"}, doctales.ETOOLARGE, "size"},
		{doctales.UploadRequest{Size: 10, ContentType: "image/png"}, doctales.EUNSUPPORTED, "contentType"},
		{doctales.UploadRequest{Size: 10, ContentType: "text/plain", Project: string(make([]byte, 257))}, doctales.ETOOLARGE, "project"},
		{doctales.UploadRequest{Size: 10, ContentType: "text/plain", Notify: "sometimes"}, doctales.EINVALID, "notify"},
	} {
		err := c.r.Validate(100)
		if doctales.ErrorCode(err) != c.code && !(c.code == "" && err == nil) || doctales.ErrorField(err) != c.field {
			t.Errorf("%+v: %v, want %s on %s", c.r, err, c.code, c.field)
		}
	}
	r := doctales.UploadRequest{Size: 42, ContentType: "application/octet-stream", Name: "Été & co.md", Project: "q3=x&y", Source: "drive", Notify: doctales.NotifyNever}
	enc := r.Encode()
	for _, b := range []byte(enc) {
		if b >= 0x80 {
			t.Fatalf("Encode is not ASCII: %q", enc)
		}
	}
	if got, err := doctales.DecodeUploadRequest(enc, 42); err != nil || got != r {
		t.Errorf("round trip: %+v, %v", got, err)
	}
	key := doctales.UploadKey("ana", "0a1b")
	if owner, id, err := doctales.ParseUploadKey(key); err != nil || owner != "ana" || id != "0a1b" {
		t.Errorf("ParseUploadKey(%q) = %q %q %v", key, owner, id, err)
	}
	for _, k := range []string{"uploads/ana/x.json", "email/2026/12/05/x.json", "uploads/../x.upload", "uploads/ana/b/c.upload"} {
		if _, _, err := doctales.ParseUploadKey(k); doctales.ErrorCode(err) != doctales.EINVALID {
			t.Errorf("ParseUploadKey(%q) = %v, want EINVALID", k, err)
		}
	}
}
