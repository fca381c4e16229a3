package notify_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales/notify"
)

// TestVerifySignature is issue 17's Must-show for signatures: a good
// signature passes; a tampered body, a wrong key, a stale or future
// timestamp fail, each with its own sentinel.
func TestVerifySignature(t *testing.T) {
	now := time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)
	keys := []notify.SigningKey{{ID: "k1", Secret: "s3cret"}}
	body := []byte(`{"Type":"Notification","MessageId":"m-1"}`)
	signed := func(at time.Time, b []byte) http.Header { return notify.SignatureHeaders(keys, at, b) }

	if err := notify.VerifySignature(keys, signed(now, body), body, now, 0); err != nil {
		t.Fatalf("good signature: %v", err)
	}
	if err := notify.VerifySignature(keys, signed(now.Add(-4*time.Minute), body), body, now, 0); err != nil {
		t.Fatalf("4 minutes old: %v", err)
	}
	for name, tc := range map[string]struct {
		header http.Header
		body   []byte
		keys   []notify.SigningKey
		want   error
	}{
		"TamperedBody":  {signed(now, body), []byte(`{"Type":"Notification","MessageId":"m-2"}`), keys, notify.ErrSignatureMismatch},
		"WrongKey":      {signed(now, body), body, []notify.SigningKey{{ID: "k1", Secret: "other"}}, notify.ErrSignatureMismatch},
		"Stale6Minutes": {signed(now.Add(-6*time.Minute), body), body, keys, notify.ErrSignatureTimestamp},
		"Future6Min":    {signed(now.Add(6*time.Minute), body), body, keys, notify.ErrSignatureTimestamp},
		"TamperedTimestamp": {func() http.Header {
			h := signed(now.Add(-time.Minute), body)
			h.Set(notify.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10)) // moved, still in the window
			return h
		}(), body, keys, notify.ErrSignatureMismatch},
		"NoSignature": {http.Header{notify.HeaderTimestamp: {"1749546000"}}, body, keys, notify.ErrSignatureMissing},
		"OldScheme": {http.Header{notify.HeaderTimestamp: {"1749546000"},
			notify.HeaderSignature: {"sha256=" + notify.Sign("s3cret", 0, body)}}, body, keys, notify.ErrSignatureMissing},
		"NoTimestamp": {http.Header{notify.HeaderSignature: {"v1=00"}}, body, keys, notify.ErrSignatureMissing},
		"BadTimestamp": {http.Header{notify.HeaderTimestamp: {"yesterday"},
			notify.HeaderSignature: {"v1=00"}}, body, keys, notify.ErrSignatureTimestamp},
	} {
		t.Run(name, func(t *testing.T) {
			err := notify.VerifySignature(tc.keys, tc.header, tc.body, now, 0)
			if !errors.Is(err, tc.want) {
				t.Fatalf("VerifySignature = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestWebhook_Rotation: while a webhook signs with the new key and the
// previous one, a receiver knowing only the old key and one knowing only
// the new key both verify; after the rotation ends, the old one fails.
func TestWebhook_Rotation(t *testing.T) {
	oldKey := notify.SigningKey{ID: notify.KeyID("old-secret"), Secret: "old-secret"}
	newKey := notify.SigningKey{ID: notify.KeyID("new-secret"), Secret: "new-secret"}
	srv, ch := MustServe(t, http.StatusOK)
	w := &notify.Webhook{URL: srv.URL, AllowPrivate: loopback, Keys: []notify.SigningKey{newKey, oldKey}}
	if err := w.Deliver(context.Background(), testMessage()); err != nil {
		t.Fatal(err)
	}
	got := <-ch
	if ids := got.header.Get(notify.HeaderKeyID); ids != newKey.ID+","+oldKey.ID {
		t.Errorf("key ids %q, want the new key's then the old key's", ids)
	}
	if n := strings.Count(got.header.Get(notify.HeaderSignature), "v1="); n != 2 {
		t.Errorf("%d signatures, want 2: %q", n, got.header.Get(notify.HeaderSignature))
	}
	for name, keys := range map[string][]notify.SigningKey{
		"OldOnly": {oldKey}, "NewOnly": {newKey}, "Both": {oldKey, newKey},
	} {
		if err := notify.VerifySignature(keys, got.header, got.body, time.Now(), 0); err != nil {
			t.Errorf("receiver %s: %v", name, err)
		}
	}

	// Rotation over: the sender drops the old key.
	srv2, ch2 := MustServe(t, http.StatusOK)
	w2 := &notify.Webhook{URL: srv2.URL, AllowPrivate: loopback, Keys: []notify.SigningKey{newKey}}
	if err := w2.Deliver(context.Background(), testMessage()); err != nil {
		t.Fatal(err)
	}
	got = <-ch2
	if err := notify.VerifySignature([]notify.SigningKey{oldKey}, got.header, got.body, time.Now(), 0); !errors.Is(err, notify.ErrSignatureMismatch) {
		t.Errorf("old key after the rotation: %v, want ErrSignatureMismatch", err)
	}
	if notify.KeyID("old-secret") == notify.KeyID("new-secret") {
		t.Error("KeyID gives two secrets one id")
	}
}
