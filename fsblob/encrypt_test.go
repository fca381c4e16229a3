package fsblob_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/fsblob"
)

// phrase is a known plaintext whose bytes must never be found on disk.
const phrase = "the quarterly wire to Ana Ruiz is approved"

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, fsblob.KeySize) }

func mustCipher(tb testing.TB, b byte) *fsblob.Cipher {
	tb.Helper()
	c, err := fsblob.NewCipher(testKey(b))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// openAt opens bucket "raw" in root with cipher c (nil: none).
func openAt(tb testing.TB, root string, c *fsblob.Cipher) (*fsblob.Store, error) {
	tb.Helper()
	s := fsblob.NewStore(root, "raw")
	s.Now = func() time.Time { return testNow }
	s.Cipher = c
	if err := s.Open(); err != nil {
		return nil, err
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s, nil
}

func mustOpenAt(tb testing.TB, root string, c *fsblob.Cipher) *fsblob.Store {
	tb.Helper()
	s, err := openAt(tb, root, c)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestEncrypt_RoundTrip puts and gets through a cipher: Get returns the
// plaintext with the plaintext's size and ETag, the event announces them
// too, the file holds no byte sequence of the plaintext, and List reports
// the plaintext size.
func TestEncrypt_RoundTrip(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "root")
	log := &EventLog{}
	s := fsblob.NewStore(root, "raw")
	s.Cipher = mustCipher(t, 1)
	s.Events = log
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	data := []byte(`{"body":"` + phrase + `"}`)
	sum := md5.Sum(data)
	info, err := s.Put(ctx, "email/a.json", data, "application/json")
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(data)) || info.ETag != hex.EncodeToString(sum[:]) {
		t.Fatalf("put info %+v; want the plaintext's size %d and MD5", info, len(data))
	}
	got, ginfo, err := s.Get(ctx, "email/a.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) || ginfo.Size != info.Size || ginfo.ETag != info.ETag {
		t.Fatalf("get = %q %+v; want %q %+v", got, ginfo, data, info)
	}
	if recs := log.Records(); len(recs) != 1 || !strings.Contains(string(recs[0].Data), `"size":`+strconv.Itoa(len(data))) {
		t.Fatalf("events %v; want one announcing size %d", recs, len(data))
	}

	file, err := os.ReadFile(filepath.Join(root, "raw", "email", "a.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !fsblob.IsEncrypted(file) || len(file) != len(data)+fsblob.Overhead {
		t.Fatalf("file is %d bytes starting %q; want %d encrypted", len(file), file[:8], len(data)+fsblob.Overhead)
	}
	for _, word := range strings.Fields(phrase) {
		if len(word) > 3 && bytes.Contains(file, []byte(word)) {
			t.Fatalf("the file on disk contains %q in clear", word)
		}
	}

	// Two puts of the same bytes write different files (fresh nonces).
	if _, err := s.Put(ctx, "email/b.json", data, ""); err != nil {
		t.Fatal(err)
	}
	file2, _ := os.ReadFile(filepath.Join(root, "raw", "email", "b.json"))
	if bytes.Equal(file[22:], file2[22:]) {
		t.Fatal("two puts of one plaintext wrote the same ciphertext")
	}

	list, err := s.List(ctx, "email/")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Size != int64(len(data)) {
		t.Fatalf("list = %+v; want 2 objects of %d bytes", list, len(data))
	}

	// An empty object round-trips too.
	if _, err := s.Put(ctx, "empty", nil, ""); err != nil {
		t.Fatal(err)
	}
	if got, info, err := s.Get(ctx, "empty"); err != nil || len(got) != 0 || info.Size != 0 {
		t.Fatalf("empty object: %q %+v %v", got, info, err)
	}

	// The key check file is next to the bucket folder, not an object.
	if _, err := os.Stat(fsblob.KeyCheckPath(root, "raw")); err != nil {
		t.Fatalf("no key check file: %v", err)
	}
	if all, _ := s.List(ctx, ""); len(all) != 3 {
		t.Fatalf("list of all = %+v; want the 3 objects only", all)
	}
}

// TestEncrypt_WrongKeyAtOpen: a folder written with one key refuses to
// open with another, naming both key ids, before any object is read.
func TestEncrypt_WrongKeyAtOpen(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	a, b := mustCipher(t, 1), mustCipher(t, 2)
	s := mustOpenAt(t, root, a)
	if _, err := s.Put(context.Background(), "x", []byte(phrase), ""); err != nil {
		t.Fatal(err)
	}
	s.Close()

	_, err := openAt(t, root, b)
	var ke *fsblob.KeyError
	if !errors.As(err, &ke) || ke.Missing() {
		t.Fatalf("open with another key: %v; want a *KeyError", err)
	}
	want := "the encryption key does not match the one this data folder was encrypted with (key id " + b.KeyID() + ", folder written with key id " + a.KeyID() + ")"
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q\nwant it to contain %q", err, want)
	}
	// The right key still opens it.
	if s := mustOpenAt(t, root, a); s == nil {
		t.Fatal("reopen")
	}
}

// TestEncrypt_MissingKeyAtOpen: a folder holding encrypted objects refuses
// to open without a key.
func TestEncrypt_MissingKeyAtOpen(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	a := mustCipher(t, 1)
	s := mustOpenAt(t, root, a)
	if _, err := s.Put(context.Background(), "x", []byte(phrase), ""); err != nil {
		t.Fatal(err)
	}
	s.Close()

	_, err := openAt(t, root, nil)
	var ke *fsblob.KeyError
	if !errors.As(err, &ke) || !ke.Missing() {
		t.Fatalf("open without a key: %v; want a missing-key *KeyError", err)
	}
	if !strings.Contains(err.Error(), "holds encrypted objects (key id "+a.KeyID()) || !strings.Contains(err.Error(), "no encryption key is configured") {
		t.Fatalf("error %q does not say the folder is encrypted and no key is given", err)
	}
}

// TestEncrypt_DamagedCheckFile: a check file that is not an encrypted
// check, or does not decrypt, is an error at Open.
func TestEncrypt_DamagedCheckFile(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	a := mustCipher(t, 1)
	mustOpenAt(t, root, a).Close()
	path := fsblob.KeyCheckPath(root, "raw")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 1
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openAt(t, root, a); err == nil || !strings.Contains(err.Error(), "does not decrypt with key id "+a.KeyID()) {
		t.Fatalf("open with a damaged check file: %v", err)
	}
	if err := os.WriteFile(path, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openAt(t, root, a); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("open with a garbage check file: %v", err)
	}
}

// TestEncrypt_Tampered: one changed byte anywhere in the file (header,
// nonce, ciphertext, tag) or a truncation is a DecryptError naming the
// object key and "decryption failed (wrong key or damaged)", coded
// EDAMAGED; never other bytes.
func TestEncrypt_Tampered(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "root")
	s := mustOpenAt(t, root, mustCipher(t, 1))
	if _, err := s.Put(ctx, "email/t.json", []byte(phrase), ""); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "raw", "email", "t.json")
	orig, _ := os.ReadFile(path)
	for _, i := range []int{6, 9, 10, 21, 22, len(orig) / 2, len(orig) - 1} {
		b := bytes.Clone(orig)
		b[i] ^= 0x40
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		got, _, err := s.Get(ctx, "email/t.json")
		checkDecryptError(t, err, "email/t.json")
		if got != nil {
			t.Fatalf("byte %d changed: Get returned %q with the error", i, got)
		}
	}
	if err := os.WriteFile(path, orig[:20], 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.Get(ctx, "email/t.json")
	checkDecryptError(t, err, "email/t.json")
	if !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("truncated: %v", err)
	}
}

func checkDecryptError(t *testing.T, err error, key string) {
	t.Helper()
	var de *fsblob.DecryptError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v; want a *DecryptError", err)
	}
	if !strings.Contains(err.Error(), "decryption failed (wrong key or damaged)") || !strings.Contains(err.Error(), `"`+key+`"`) {
		t.Fatalf("error %q does not name %q and the failure", err, key)
	}
	if doctales.ErrorCode(err) != doctales.EDAMAGED {
		t.Fatalf("code %q; want %q", doctales.ErrorCode(err), doctales.EDAMAGED)
	}
}

// TestEncrypt_Moved: a file moved or copied to another object key, or to
// a folder of another key, does not decrypt.
func TestEncrypt_Moved(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "root")
	s := mustOpenAt(t, root, mustCipher(t, 1))
	if _, err := s.Put(ctx, "users/ana/a.json", []byte(phrase), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "users/bo/b.json", []byte("bo's mail"), ""); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(root, "raw", "users", "ana", "a.json"))
	if err := os.WriteFile(filepath.Join(root, "raw", "users", "bo", "b.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.Get(ctx, "users/bo/b.json")
	checkDecryptError(t, err, "users/bo/b.json")

	// A file of another key's folder, under its own name.
	other := filepath.Join(t.TempDir(), "other")
	o := mustOpenAt(t, other, mustCipher(t, 2))
	if _, err := o.Put(ctx, "users/ana/a.json", []byte("another folder's"), ""); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(filepath.Join(other, "raw", "users", "ana", "a.json"))
	if err := os.WriteFile(filepath.Join(root, "raw", "users", "ana", "a.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Get(ctx, "users/ana/a.json")
	checkDecryptError(t, err, "users/ana/a.json")
	if !strings.Contains(err.Error(), "encrypted with key id "+o.Cipher.KeyID()) {
		t.Fatalf("error %q does not name the object's key id", err)
	}
}

// TestEncrypt_PlaintextLegacy: a folder written without encryption opens
// with a key; its objects read as they are, new puts are encrypted, and
// from then on the folder needs the key.
func TestEncrypt_PlaintextLegacy(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "root")
	s := mustOpenAt(t, root, nil)
	old := []byte(`{"body":"written before encryption"}`)
	if _, err := s.Put(ctx, "old.json", old, ""); err != nil {
		t.Fatal(err)
	}
	s.Close()

	e := mustOpenAt(t, root, mustCipher(t, 1))
	got, info, err := e.Get(ctx, "old.json")
	sum := md5.Sum(old)
	if err != nil || !bytes.Equal(got, old) || info.ETag != hex.EncodeToString(sum[:]) {
		t.Fatalf("legacy object: %q %+v %v", got, info, err)
	}
	if _, err := e.Put(ctx, "new.json", []byte(phrase), ""); err != nil {
		t.Fatal(err)
	}
	file, _ := os.ReadFile(filepath.Join(root, "raw", "new.json"))
	if !fsblob.IsEncrypted(file) || bytes.Contains(file, []byte("quarterly")) {
		t.Fatal("a put after encryption was switched on is not encrypted")
	}
	list, _ := e.List(ctx, "")
	if len(list) != 2 || list[0].Key != "new.json" || list[0].Size != int64(len(phrase)) || list[1].Size != int64(len(old)) {
		t.Fatalf("list = %+v", list)
	}
	e.Close()
	if _, err := openAt(t, root, nil); err == nil {
		t.Fatal("the folder opened without its key after encrypted puts")
	}
}

// TestEncrypt_NoKeyReadsEncrypted: an encrypted object read by a store
// without a key (its check file removed) is an error, not ciphertext.
func TestEncrypt_NoKeyReadsEncrypted(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "root")
	a := mustCipher(t, 1)
	s := mustOpenAt(t, root, a)
	if _, err := s.Put(ctx, "x.json", []byte(phrase), ""); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Remove(fsblob.KeyCheckPath(root, "raw")); err != nil {
		t.Fatal(err)
	}
	p := mustOpenAt(t, root, nil)
	got, _, err := p.Get(ctx, "x.json")
	checkDecryptError(t, err, "x.json")
	if got != nil || !strings.Contains(err.Error(), "no encryption key is configured") {
		t.Fatalf("get without key: %q %v", got, err)
	}
}

func TestNewCipher_KeySize(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := fsblob.NewCipher(make([]byte, n)); err == nil {
			t.Errorf("NewCipher of %d bytes: no error", n)
		}
	}
	c := mustCipher(t, 7)
	if s := c.String(); strings.Contains(s, "0707") || !strings.Contains(s, c.KeyID()) {
		t.Fatalf("String() = %q", s)
	}
	if len(c.KeyID()) != 8 || c.KeyID() == mustCipher(t, 8).KeyID() {
		t.Fatalf("key ids %q, %q", c.KeyID(), mustCipher(t, 8).KeyID())
	}
}

// BenchmarkPutGet puts and gets a 16 KiB object (a typical communication
// with its raw original), without and with encryption. Run with
// go test -run '^$' -bench PutGet ./fsblob/
func BenchmarkPutGet(b *testing.B) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1024)
	for _, enc := range []bool{false, true} {
		name := "plain"
		var c *fsblob.Cipher
		if enc {
			name, c = "aes-gcm", mustCipher(b, 1)
		}
		b.Run("Put/"+name, func(b *testing.B) {
			s := mustOpenAt(b, filepath.Join(b.TempDir(), "root"), c)
			ctx := context.Background()
			b.SetBytes(int64(len(data)))
			for i := 0; b.Loop(); i++ {
				if _, err := s.Put(ctx, "k/"+strconv.Itoa(i%64), data, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Get/"+name, func(b *testing.B) {
			s := mustOpenAt(b, filepath.Join(b.TempDir(), "root"), c)
			ctx := context.Background()
			if _, err := s.Put(ctx, "k", data, ""); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, _, err := s.Get(ctx, "k"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
