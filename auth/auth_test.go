package auth_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/auth"
)

func TestPassword(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "horse") {
		t.Fatalf("hash %q", h)
	}
	if !auth.CheckPassword(h, "correct horse battery") {
		t.Fatal("the right password does not match")
	}
	for _, pw := range []string{"correct horse batterY", "", "correct horse battery "} {
		if auth.CheckPassword(h, pw) {
			t.Errorf("password %q matches", pw)
		}
	}
	// Two hashes of one password differ (salt).
	if h2, _ := auth.HashPassword("correct horse battery"); h2 == h {
		t.Error("no salt: two hashes are equal")
	}
	for _, bad := range []string{"", "$argon2id$", h[:len(h)-4] + "$$$$", strings.Replace(h, "m=19456", "m=0", 1)} {
		if auth.CheckPassword(bad, "correct horse battery") {
			t.Errorf("malformed hash %q matches", bad)
		}
	}
	if _, err := auth.HashPassword("short"); doctales.ErrorCode(err) != doctales.EINVALID {
		t.Errorf("short password: %v", err)
	}
}

func TestKey(t *testing.T) {
	id, key := auth.NewKey()
	got, err := auth.ParseKey(string(key))
	if err != nil || got != id {
		t.Fatalf("ParseKey(%q) = %q, %v; want %q", key, got, err, id)
	}
	if len(key) < 50 {
		t.Fatalf("key %d characters", len(key))
	}
	for _, bad := range []string{"", "dt_", "dt_zz_secret", "xx_" + id + "_s", "dt_" + id + "_"} {
		if _, err := auth.ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
	if auth.HashKey(string(key)) == auth.HashKey(string(key)+"x") || !auth.EqualHash(auth.HashKey("a"), auth.HashKey("a")) {
		t.Error("HashKey or EqualHash")
	}
	if a, b := auth.CSRFToken("s1"), auth.CSRFToken("s2"); a == b || string(a) == "s1" {
		t.Error("CSRF tokens of two sessions are equal, or the token is the session id")
	}
}

// TestSecretNeverLogged: a Secret logs and prints as REDACTED.
func TestSecretNeverLogged(t *testing.T) {
	_, key := auth.NewKey()
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("created", "key", key)
	s := buf.String() + fmt.Sprint(key) + fmt.Sprintf("%v %s %#v", key, key, key)
	if strings.Contains(s, string(key)) || !strings.Contains(s, "REDACTED") {
		t.Fatalf("the key shows: %s", s)
	}
}
