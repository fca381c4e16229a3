package fsblob

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/doctales/doctales"
)

// Encryption at rest. An encrypted object file is
//
//	"DTENC1" | key id (4 bytes) | nonce (12 bytes) | AES-256-GCM ciphertext and tag
//
// where the key id is the first 4 bytes of SHA-256("doctales fsblob key
// id\x00" || key) and the additional authenticated data is the magic, the
// key id and the object key, so a file copied or moved to another key does
// not decrypt.
const (
	// KeySize is the length of an encryption key in bytes (AES-256).
	KeySize = 32

	// Overhead is how many bytes encryption adds to an object's file: the
	// header (magic, key id, nonce) and the GCM tag.
	Overhead = headerLen + tagLen

	encMagic  = "DTENC1"
	keyIDLen  = 4
	nonceLen  = 12
	tagLen    = 16
	headerLen = len(encMagic) + keyIDLen + nonceLen

	// checkPlain is the content of the key check file, and checkAADPrefix,
	// followed by the bucket name, its additional data: control characters
	// are not allowed in object keys, so no object can be mistaken for it.
	checkPlain     = "doctales fsblob encryption key check v1"
	checkAADPrefix = "\x00fsblob-key-check\x00"
)

// Cipher encrypts and decrypts objects with one AES-256-GCM key. It is safe
// for concurrent use. It never prints its key: %v shows its key id only.
type Cipher struct {
	aead cipher.AEAD
	id   [keyIDLen]byte
}

// NewCipher returns the Cipher of a 32-byte key.
func NewCipher(key []byte) (*Cipher, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("fsblob: an encryption key is %d bytes (AES-256), not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("fsblob: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("fsblob: %w", err)
	}
	c := &Cipher{aead: aead}
	h := sha256.New()
	h.Write([]byte("doctales fsblob key id\x00"))
	h.Write(key)
	copy(c.id[:], h.Sum(nil))
	return c, nil
}

// KeyID returns the key's id: 8 hex digits derived from the key by a
// one-way hash, safe to log and show, that tell keys apart.
func (c *Cipher) KeyID() string { return hex.EncodeToString(c.id[:]) }

// String shows the key id, never the key.
func (c *Cipher) String() string { return "fsblob.Cipher(key id " + c.KeyID() + ")" }

// GoString shows the key id, never the key.
func (c *Cipher) GoString() string { return c.String() }

// seal returns the file content of plain stored under objectKey (the
// additional data is aadKey).
func (c *Cipher) seal(aadKey string, plain []byte) []byte {
	out := make([]byte, headerLen, headerLen+len(plain)+tagLen)
	copy(out, encMagic)
	copy(out[len(encMagic):], c.id[:])
	nonce := make([]byte, nonceLen)
	rand.Read(nonce) // never fails
	copy(out[len(encMagic)+keyIDLen:], nonce)
	return c.aead.Seal(out, nonce, plain, aad(out, aadKey))
}

// aad returns the additional data of a file with header hdr under key.
func aad(hdr []byte, key string) []byte {
	a := make([]byte, 0, len(encMagic)+keyIDLen+len(key))
	a = append(a, hdr[:len(encMagic)+keyIDLen]...)
	return append(a, key...)
}

// IsEncrypted reports whether data, the content of an object's file (or its
// first bytes), is encrypted: whether it starts with the magic "DTENC1".
func IsEncrypted(data []byte) bool { return bytes.HasPrefix(data, []byte(encMagic)) }

// Decode returns the plaintext of data, the content of the file of the
// object objectKey: data itself when it is not encrypted (an object written
// before encryption was switched on), else its decryption with c. An
// encrypted object that c cannot decrypt (no key, another key, a changed
// byte, a file moved from another key) is a *DecryptError, never garbage.
func Decode(c *Cipher, objectKey string, data []byte) ([]byte, error) {
	if !IsEncrypted(data) {
		return data, nil
	}
	e := &DecryptError{Key: objectKey}
	if c != nil {
		e.KeyID = c.KeyID()
	}
	if len(data) < Overhead {
		e.Reason = fmt.Sprintf("%d bytes, shorter than the %d bytes of an encrypted object's header and tag (truncated)", len(data), Overhead)
		return nil, e
	}
	e.ObjectKeyID = hex.EncodeToString(data[len(encMagic) : len(encMagic)+keyIDLen])
	switch {
	case c == nil:
		e.Reason = fmt.Sprintf("it is encrypted with key id %s and no encryption key is configured", e.ObjectKeyID)
		return nil, e
	case subtle.ConstantTimeCompare(c.id[:], data[len(encMagic):len(encMagic)+keyIDLen]) != 1:
		e.Reason = fmt.Sprintf("it is encrypted with key id %s, the configured key is key id %s", e.ObjectKeyID, e.KeyID)
		return nil, e
	}
	nonce := data[len(encMagic)+keyIDLen : headerLen]
	plain, err := c.aead.Open(nil, nonce, data[headerLen:], aad(data, objectKey))
	if err != nil {
		e.Reason = fmt.Sprintf("authentication failed under key id %s: a changed byte, or a file written under another object key", e.KeyID)
		return nil, e
	}
	return plain, nil
}

// PlainSize returns the size of an object's plaintext from the size of its
// file and the file's first bytes (at least 6): the file size less
// Overhead when it is encrypted.
func PlainSize(fileSize int64, head []byte) int64 {
	if IsEncrypted(head) && fileSize >= int64(Overhead) {
		return fileSize - int64(Overhead)
	}
	return fileSize
}

// DecryptError is an encrypted object that could not be decrypted. It
// unwraps to a doctales EDAMAGED error, so the API answers 500 "damaged"
// with the object's key in the server log.
type DecryptError struct {
	Key         string // the object key
	KeyID       string // the configured key's id; "" without a key
	ObjectKeyID string // the key id in the object's header; "" if unreadable
	Reason      string
}

func (e *DecryptError) Error() string {
	return fmt.Sprintf("fsblob: object %q: decryption failed (wrong key or damaged): %s", e.Key, e.Reason)
}

// Unwrap returns the EDAMAGED error the API shows.
func (e *DecryptError) Unwrap() error {
	return doctales.Errorf(doctales.EDAMAGED,
		"The stored object %s could not be decrypted (wrong key or damaged); check the encryption key, then run doctales doctor.", e.Key)
}

// KeyError is a configured encryption key (or its absence) that does not
// fit the folder, found by Open or CheckKey before any object is read.
type KeyError struct {
	CheckFile   string // the key check file
	KeyID       string // the configured key's id; "" without a key
	FolderKeyID string // the key id the folder was written with
	Reason      string // set when the check file itself is at fault
}

func (e *KeyError) Error() string {
	switch {
	case e.Reason != "":
		return fmt.Sprintf("fsblob: encryption key check %s: %s", e.CheckFile, e.Reason)
	case e.KeyID == "":
		return fmt.Sprintf("fsblob: this data folder holds encrypted objects (key id %s, per %s) and no encryption key is configured", e.FolderKeyID, e.CheckFile)
	default:
		return fmt.Sprintf("fsblob: the encryption key does not match the one this data folder was encrypted with (key id %s, folder written with key id %s)", e.KeyID, e.FolderKeyID)
	}
}

// Missing reports whether the error is a folder of encrypted objects opened
// without a key.
func (e *KeyError) Missing() bool { return e.KeyID == "" && e.Reason == "" }

// KeyCheckPath returns the key check file of bucket in root: a file next to
// the bucket folder (not in it, so it is no object), named after the
// bucket with a leading "." that bucket names cannot have.
func KeyCheckPath(root, bucket string) string {
	return filepath.Join(root, "."+bucket+".fsblob-key")
}

// CheckKey compares c with the key check file of bucket in root, without
// writing anything. No check file is no error (a folder never encrypted,
// or one whose first Open with a key has not run yet). A check file and no
// key, another key, or a check file that does not decrypt, is a *KeyError.
func CheckKey(root, bucket string, c *Cipher) error {
	path := KeyCheckPath(root, bucket)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("fsblob: read encryption key check: %w", err)
	}
	e := &KeyError{CheckFile: path}
	if c != nil {
		e.KeyID = c.KeyID()
	}
	if !IsEncrypted(data) || len(data) < Overhead {
		e.Reason = fmt.Sprintf("%d bytes that are not an encrypted key check (damaged); if no object was ever encrypted, remove it", len(data))
		return e
	}
	e.FolderKeyID = hex.EncodeToString(data[len(encMagic) : len(encMagic)+keyIDLen])
	if c == nil || e.KeyID != e.FolderKeyID {
		return e
	}
	plain, err := Decode(c, checkAADPrefix+bucket, data)
	if err != nil || string(plain) != checkPlain {
		e.Reason = fmt.Sprintf("does not decrypt with key id %s: the key is wrong (with a colliding id) or the check file is damaged", e.KeyID)
		return e
	}
	return nil
}

// writeKeyCheck writes the key check file of the store durably.
func (s *Store) writeKeyCheck() error {
	path := KeyCheckPath(s.Root, s.BucketName)
	data := s.Cipher.seal(checkAADPrefix+s.BucketName, []byte(checkPlain))
	f, err := os.CreateTemp(s.Root, tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("fsblob: write encryption key check: %w", err)
	}
	name := f.Name()
	_, err = io.Copy(f, bytes.NewReader(data))
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("fsblob: write encryption key check: %w", err)
	}
	if err := syncDir(s.Root); err != nil {
		return fmt.Errorf("fsblob: write encryption key check: %w", err)
	}
	return nil
}

// plainSizeOf returns the plaintext size of the object file at path, of
// size fileSize, reading its first bytes.
func plainSizeOf(path string, fileSize int64) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	head := make([]byte, len(encMagic))
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, err
	}
	return PlainSize(fileSize, head[:n]), nil
}
