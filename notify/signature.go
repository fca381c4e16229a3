package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// Webhook signature limits (issue 17).
const (
	// DefaultSignatureTolerance is how far a signature's timestamp may lie
	// from the receiver's clock, before or after, for [VerifySignature] to
	// accept it (5 minutes, as Stripe and Slack): a captured request can
	// be replayed only within it, and receivers drop repeats by MessageId.
	DefaultSignatureTolerance = 5 * time.Minute
	// MaxSigningKeys is how many keys may sign at once: the current one
	// and, during a rotation, the previous one.
	MaxSigningKeys = 2
	// SignatureVersion prefixes each signature in [HeaderSignature].
	SignatureVersion = "v1"
)

// Sentinel errors of [VerifySignature].
var (
	// ErrSignatureMissing means the request carries no timestamp or no v1
	// signature.
	ErrSignatureMissing = errors.New("webhook signature missing")
	// ErrSignatureTimestamp means the timestamp is malformed or further
	// than the tolerance from now (a replay, or a clock far off).
	ErrSignatureTimestamp = errors.New("webhook signature timestamp outside tolerance")
	// ErrSignatureMismatch means no signature matches under any of the
	// receiver's keys: a tampered body or timestamp, or a wrong key.
	ErrSignatureMismatch = errors.New("webhook signature mismatch")
)

// SigningKey is a webhook's shared HMAC key and its id. The id is sent in
// [HeaderKeyID] so that a receiver can tell which key signed (and log it);
// it is not secret.
type SigningKey struct {
	ID     string
	Secret doctales.Secret
}

// KeyID returns the default id of a key: "k" and the first 8 hex digits
// of the SHA-256 of the secret. It tells keys apart without naming them in
// configuration and reveals nothing an HMAC signature does not.
func KeyID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "k" + hex.EncodeToString(sum[:4])
}

// validateKeys refuses more than MaxSigningKeys keys, an empty secret and
// two keys with one id, naming the field "keys".
func validateKeys(keys []SigningKey) error {
	if len(keys) > MaxSigningKeys {
		return doctales.FieldErrorf(doctales.EINVALID, "keys",
			"Webhook has %d signing keys; at most %d (current and previous).", len(keys), MaxSigningKeys)
	}
	for i, k := range keys {
		if k.Secret == "" || k.ID == "" || strings.ContainsAny(k.ID, ", ") {
			return doctales.FieldErrorf(doctales.EINVALID, "keys",
				"Webhook signing key %d needs a secret and an id without commas or spaces, got id %q.", i, k.ID)
		}
		if i > 0 && k.ID == keys[0].ID {
			return doctales.FieldErrorf(doctales.EINVALID, "keys",
				"Webhook signing keys share the id %q.", k.ID)
		}
	}
	return nil
}

// Sign returns the hex HMAC-SHA256, keyed with secret, of the signed
// content: the decimal Unix timestamp, a dot, and the body. Signing the
// timestamp with the body is what bounds a replay.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// SignatureHeaders returns the signature headers of body signed at now
// with every key in keys, in order:
//
//	X-Doctales-Timestamp: 1749546000
//	X-Doctales-Key-Id: k1a2b3c4d,k9f8e7d6c
//	X-Doctales-Signature: v1=<hex>,v1=<hex>
func SignatureHeaders(keys []SigningKey, now time.Time, body []byte) http.Header {
	ts := now.Unix()
	ids := make([]string, len(keys))
	sigs := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
		sigs[i] = SignatureVersion + "=" + Sign(string(k.Secret), ts, body)
	}
	h := http.Header{}
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderKeyID, strings.Join(ids, ","))
	h.Set(HeaderSignature, strings.Join(sigs, ","))
	return h
}

// VerifySignature checks a webhook request's signature headers against
// body, for a receiver holding keys (during a rotation, the old key, the
// new one, or both). It returns nil if the timestamp lies within tolerance
// of now (zero means DefaultSignatureTolerance) and any v1 signature in
// the header is the HMAC of timestamp "." body under any of keys; the
// comparison is in constant time. Otherwise it returns an error wrapping
// ErrSignatureMissing, ErrSignatureTimestamp or ErrSignatureMismatch.
// Key ids are not needed to verify: every key is tried.
func VerifySignature(keys []SigningKey, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultSignatureTolerance
	}

	// The timestamp: present, a number, and recent.
	raw := header.Get(HeaderTimestamp)
	if raw == "" {
		return fmt.Errorf("%w: no %s header", ErrSignatureMissing, HeaderTimestamp)
	}
	ts, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s %q is not Unix seconds", ErrSignatureTimestamp, HeaderTimestamp, raw)
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > tolerance || skew < -tolerance {
		return fmt.Errorf("%w: signed at %s, %s from now, tolerance %s",
			ErrSignatureTimestamp, time.Unix(ts, 0).UTC().Format(time.RFC3339), skew.Round(time.Second), tolerance)
	}

	// The signatures: any v1 one under any key.
	var sigs [][]byte
	for _, part := range strings.Split(header.Get(HeaderSignature), ",") {
		v, ok := strings.CutPrefix(strings.TrimSpace(part), SignatureVersion+"=")
		if !ok {
			continue
		}
		if b, err := hex.DecodeString(v); err == nil {
			sigs = append(sigs, b)
		}
	}
	if len(sigs) == 0 {
		return fmt.Errorf("%w: no %s= signature in %s", ErrSignatureMissing, SignatureVersion, HeaderSignature)
	}
	for _, k := range keys {
		want, _ := hex.DecodeString(Sign(string(k.Secret), ts, body))
		for _, sig := range sigs {
			if hmac.Equal(want, sig) {
				return nil
			}
		}
	}
	return fmt.Errorf("%w: none of %d signatures (key ids %q) matches the %d keys known",
		ErrSignatureMismatch, len(sigs), header.Get(HeaderKeyID), len(keys))
}
