package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales/fsblob"
)

// writeKeyFile writes a 32-byte key of byte b, as hex, to a file of mode
// perm and returns its path and the key's text.
func writeKeyFile(t *testing.T, b byte, perm os.FileMode) (string, string) {
	t.Helper()
	text := hex.EncodeToString(bytes.Repeat([]byte{b}, 32))
	path := filepath.Join(t.TempDir(), fmt.Sprintf("key-%02x", b))
	if err := os.WriteFile(path, []byte(text+"\n"), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // past the umask
		t.Fatal(err)
	}
	return path, text
}

func TestParseKey(t *testing.T) {
	key := bytes.Repeat([]byte{0xAB}, 32)
	for _, ok := range []string{
		hex.EncodeToString(key), strings.ToUpper(hex.EncodeToString(key)) + "\n",
		base64.StdEncoding.EncodeToString(key), " " + base64.RawURLEncoding.EncodeToString(key) + "\r\n",
	} {
		got, err := parseKey(ok)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("parseKey(%q) = %x, %v", ok, got, err)
		}
	}
	for _, c := range []struct{ text, want string }{
		{"", "empty"},
		{hex.EncodeToString(key[:16]), "32 hex digits (16 bytes); want 64 hex digits"},
		{base64.StdEncoding.EncodeToString(key[:24]), "base64 of 24 bytes; want 32 bytes"},
		{"correct horse battery staple, a passphrase", "neither 64 hex digits nor base64 of 32 bytes"},
	} {
		_, err := parseKey(c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseKey(%q) = %v; want an error with %q", c.text, err, c.want)
		}
		if err != nil && c.text != "" && strings.Contains(err.Error(), c.text) {
			t.Errorf("the error %q shows the key", err)
		}
	}
}

// TestReadConfig_Encryption: the encryption section, its errors naming
// the field, and the flags over it.
func TestReadConfig_Encryption(t *testing.T) {
	keyPath, keyText := writeKeyFile(t, 0x11, 0o600)
	write := func(body string) string {
		path := filepath.Join(t.TempDir(), "doctales.yaml")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	t.Setenv("DT_TEST_KEYFILE", keyPath)
	cfg, err := ReadConfig(write("encryption:\n  keyFile: ${DT_TEST_KEYFILE}\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := cfg.Encryption.cipher()
	if err != nil || c == nil {
		t.Fatalf("cipher: %v %v", c, err)
	}

	// The same key from the environment, in base64: the same key id.
	raw, _ := hex.DecodeString(keyText)
	t.Setenv("DT_TEST_KEY", base64.StdEncoding.EncodeToString(raw))
	cfg, err = ReadConfig(write("encryption: {keyEnv: DT_TEST_KEY}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c2, err := cfg.Encryption.cipher(); err != nil || c2.KeyID() != c.KeyID() {
		t.Fatalf("key from env: %v %v; want key id %s", c2, err, c.KeyID())
	}

	// Both sources.
	if _, err := ReadConfig(write("encryption: {keyEnv: DT_TEST_KEY, keyFile: " + keyPath + "}\n")); err == nil ||
		!strings.Contains(err.Error(), "encryption.keyFile") || !strings.Contains(err.Error(), "not both") {
		t.Fatalf("both sources: %v", err)
	}
	// An unknown field.
	if _, err := ReadConfig(write("encryption: {key: abc}\n")); err == nil {
		t.Fatal("encryption.key accepted")
	}
	// An unset variable named by keyEnv.
	os.Unsetenv("DT_TEST_NOKEY")
	_, err = EncryptionConfig{KeyEnv: "DT_TEST_NOKEY"}.cipher()
	if err == nil || !strings.Contains(err.Error(), "encryption.keyEnv") || !strings.Contains(err.Error(), "DT_TEST_NOKEY is not set") {
		t.Fatalf("unset keyEnv: %v", err)
	}
	// A bad key names the setting, not the key.
	t.Setenv("DT_TEST_BADKEY", "0123456789abcdef")
	_, err = EncryptionConfig{KeyEnv: "DT_TEST_BADKEY"}.cipher()
	if err == nil || !strings.Contains(err.Error(), "encryption.keyEnv") || strings.Contains(err.Error(), "(value 0123456789abcdef)") {
		t.Fatalf("bad key: %v", err)
	}
	// A key file others can read.
	if runtime.GOOS != "windows" {
		open, _ := writeKeyFile(t, 0x12, 0o644)
		_, err = EncryptionConfig{KeyFile: open}.cipher()
		if err == nil || !strings.Contains(err.Error(), "mode 0644") || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("key file mode 0644: %v", err)
		}
	}
	// The flags replace the section and name themselves in errors.
	cfg = DefaultConfig()
	cfg.Encryption = EncryptionConfig{KeyEnv: "DT_TEST_KEY"}
	f := encryptionFlags{keyFile: filepath.Join(t.TempDir(), "absent")}
	if err := f.apply(&cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Encryption.cipher(); err == nil || !strings.Contains(err.Error(), "--encryption-key-file") {
		t.Fatalf("absent key file by flag: %v", err)
	}
}

// serveFails runs `doctales serve` with args and expects it to refuse to
// start; it returns the exit code and stderr.
func serveFails(t *testing.T, data string, args ...string) (int, string) {
	t.Helper()
	return serveUntilExit(t, data, 10*time.Second, fmt.Sprintf("serve %v started; want it to refuse", args), args...)
}

// TestServe_EncryptionAtRest runs the real binary with a key: a posted
// communication is extracted and GET returns its text, while no file under
// the data folder's objects holds it; the folder then refuses another key
// and no key at start with clear errors; the same key from the
// environment opens it; doctor checks it with the key; the key never
// reaches the logs.
func TestServe_EncryptionAtRest(t *testing.T) {
	data := t.TempDir()
	keyA, keyAText := writeKeyFile(t, 0x11, 0o600)
	keyB, _ := writeKeyFile(t, 0x22, 0o600)
	cA := mustTestCipher(t, keyAText)

	const secret = "Obsidian-4471"
	srv := startServer(t, data, "--encryption-key-file", keyA, "--log-level", "info")
	body := `{"id":"enc-1","source":"email","subject":"Vault","from":"Ana Ruiz","from_email":"ana@acme.example","body":"URGENT: the vault code is ` + secret + `, change it today."}`
	if code, out := post(t, srv.url, body); code != http.StatusAccepted {
		t.Fatalf("POST = %d %v", code, out)
	}
	waitIdle(t, srv.url, 30*time.Second)
	var c map[string]any
	if code := getJSON(t, srv.url+"/communications/enc-1", &c); code != 200 || c["status"] != "extracted" || !strings.Contains(fmt.Sprint(c["content"]), secret) {
		t.Fatalf("GET = %d %v; want it extracted with its content", code, c)
	}
	stopServer(t, srv)
	logs := srv.Logs()
	mustContain(t, "serve log", logs, "objects are encrypted at rest", cA.KeyID())
	if strings.Contains(logs, keyAText) {
		t.Fatal("the server log holds the key")
	}

	// No object file holds the secret; every one is encrypted.
	def := DefaultConfig()
	n := 0
	err := filepath.WalkDir(filepath.Join(data, objectsDir, def.BucketName()), func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		if bytes.Contains(b, []byte(secret)) || bytes.Contains(b, []byte("vault code")) {
			t.Errorf("%s holds the plaintext", path)
		}
		if !fsblob.IsEncrypted(b) {
			t.Errorf("%s is not encrypted", path)
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("walk objects: %d files, %v", n, err)
	}

	// Another key, and no key: refused at start, clearly.
	code, stderr := serveFails(t, data, "--encryption-key-file", keyB)
	t.Logf("serve with another key: exit %d\n%s", code, stderr)
	cB := mustTestCipher(t, strings.Repeat("22", 32))
	mustContain(t, "serve with another key", stderr, "the encryption key does not match the one this data folder was encrypted with",
		"key id "+cB.KeyID()+", folder written with key id "+cA.KeyID())
	code, stderr = serveFails(t, data)
	t.Logf("serve without a key: exit %d\n%s", code, stderr)
	mustContain(t, "serve without a key", stderr, "holds encrypted objects", "no encryption key is configured", "--encryption-key-file", "keyEnv")
	if code == 0 {
		t.Fatal("serve without a key exited 0")
	}
	// A key file others can read is refused.
	if runtime.GOOS != "windows" {
		if err := os.Chmod(keyA, 0o640); err != nil {
			t.Fatal(err)
		}
		_, stderr = serveFails(t, data, "--encryption-key-file", keyA)
		mustContain(t, "serve with mode 0640", stderr, "--encryption-key-file", "mode 0640", "chmod 600")
		if err := os.Chmod(keyA, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// doctor reads the objects with the key, and refuses to run without.
	if code, r := doctorJSON(t, data, "--encryption-key-file", keyA); code != 0 || len(r.Problems) != 0 || r.Objects != 1 {
		t.Fatalf("doctor with the key: exit %d, %+v", code, r)
	}
	code, _, stderr = runBinary(t, "doctor", "--data", data)
	if code == 0 || !strings.Contains(stderr, "no encryption key is configured") {
		t.Fatalf("doctor without a key: exit %d\n%s", code, stderr)
	}

	// Rotation by export and restore: the export is plaintext, the
	// restored folder is encrypted with the new key only.
	out := filepath.Join(t.TempDir(), "export")
	if code, _, stderr := runBinary(t, "export", "--data", data, "--out", out, "--encryption-key-file", keyA, "--log-level", "error"); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	rotated := t.TempDir()
	if code, _, stderr := runBinary(t, "restore", "--data", rotated, "--from", out, "--encryption-key-file", keyB, "--log-level", "error"); code != 0 {
		t.Fatalf("restore: exit %d\n%s", code, stderr)
	}
	if code, r := doctorJSON(t, rotated, "--encryption-key-file", keyB); code != 0 || len(r.Problems) != 0 || r.Objects != 1 {
		t.Fatalf("doctor of the rotated folder: exit %d, %+v", code, r)
	}
	if _, stderr := serveFails(t, rotated, "--encryption-key-file", keyA); !strings.Contains(stderr, "folder written with key id "+cB.KeyID()) {
		t.Fatalf("the rotated folder with the old key:\n%s", stderr)
	}

	// The same key, base64 in the environment, opens it.
	raw, _ := hex.DecodeString(keyAText)
	t.Setenv("DT_TEST_ENC_KEY", base64.StdEncoding.EncodeToString(raw))
	srv = startServer(t, data, "--encryption-key-env", "DT_TEST_ENC_KEY")
	c = nil
	if code := getJSON(t, srv.url+"/communications/enc-1", &c); code != 200 || !strings.Contains(fmt.Sprint(c["content"]), secret) {
		t.Fatalf("GET with the key from the environment = %d %v", code, c)
	}
}

func mustTestCipher(t *testing.T, hexKey string) *fsblob.Cipher {
	t.Helper()
	b, err := hex.DecodeString(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := fsblob.NewCipher(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
