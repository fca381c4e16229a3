// Package upload is the embedded server's doctales.Uploader: the local
// stand-in for S3's presigned PUT URLs (issue 16, item 2).
//
// POST /uploads answers a URL on the server itself,
// "/uploads/<id>?token=<token>", where the token is the upload's terms
// (id, owner, expiry, size, content type, name, project, source, notify)
// signed with HMAC-SHA256 under a key only the server holds. The PUT to
// that URL ([Local.Check], then [Local.Claim], then [Local.Put]) is
// accepted once, before the expiry, with at most the declared size; the
// body is stored durably in the object store under
// doctales.UploadKey(owner, id) and ingested as POST /communications
// would ingest it. The token is the credential, as S3's signature is, so
// the PUT needs no API key; nothing in it can be changed without the key.
//
// Used uploads are remembered by a marker file per id in Dir, created
// with O_EXCL and synced before the body is stored, so a URL is used
// once even across a restart; a PUT whose body was not ingested gives it
// back ([Local.Release]), so the URL can be sent again while it lasts.
// [Local.Sweep] removes the markers of expired URLs.
//
// In a cluster (docs/cluster.md, "Large uploads") several servers share
// the signing secret (PostgreSQL's ack key) and set [Local.Claims] to a
// store of used uploads they share (package postgres), so that any of
// them takes the PUT of a URL another handed out, and only once.
package upload

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// Store is the part of the object store an upload needs: the body is put
// durably, read back by the ingestion and deleted once ingested (the
// ingestion keeps its own copy of the original bytes beside the
// communication).
type Store interface {
	Put(ctx context.Context, key string, data []byte, contentType string) (doctales.ObjectInfo, error)
	Delete(ctx context.Context, key string) error
}

// Local hands out and receives signed upload URLs. Set the fields, then
// use it; safe for concurrent use.
type Local struct {
	// Secret returns the server's secret; the signing key is derived from
	// it with a label of its own, so a token of another kind (an ack
	// link's) is never a valid upload token.
	Secret func(ctx context.Context) ([]byte, error)
	// Store keeps the uploaded bodies.
	Store Store
	// Dir holds the markers of used uploads; created if missing. Unused
	// when Claims is set.
	Dir string
	// Claims, if set, records the used uploads in place of Dir's marker
	// files: a store shared by every server that takes the PUTs (in a
	// cluster, PostgreSQL), so that a URL is used once whichever server
	// receives it.
	Claims Claims
	// Expiry is how long a URL accepts its PUT; zero means
	// doctales.DefaultUploadExpiry.
	Expiry time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

var _ doctales.Uploader = (*Local)(nil)

// Claims is a shared record of used uploads: the part of an upload's
// state that a signed token cannot carry.
type Claims interface {
	// ClaimUpload marks upload id (owner's, of size bytes, whose URL
	// expires at expiresAt) used. The first claim of an id succeeds;
	// any later one, from any server, is ECONFLICT naming "token"; an
	// id whose expiresAt has passed is EFORBIDDEN naming "token". It is
	// durable before ClaimUpload returns.
	ClaimUpload(ctx context.Context, id, owner string, size int64, expiresAt time.Time) error
	// ReleaseUpload forgets id's claim, so that its URL may be sent
	// again while it lasts; releasing an unknown id is no error.
	ReleaseUpload(ctx context.Context, id string) error
}

// Ticket is a checked token: the terms of one upload.
type Ticket struct {
	ID        string                 `json:"id"`
	Owner     string                 `json:"owner"`
	ExpiresAt int64                  `json:"exp"` // Unix seconds
	Request   doctales.UploadRequest `json:"req"`
}

// Key returns the ticket's object key.
func (t *Ticket) Key() string { return doctales.UploadKey(t.Owner, t.ID) }

func (l *Local) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Local) expiry() time.Duration {
	if l.Expiry > 0 {
		return l.Expiry
	}
	return doctales.DefaultUploadExpiry
}

// signingKey derives the upload key from the server's secret.
func (l *Local) signingKey(ctx context.Context) ([]byte, error) {
	if l.Secret == nil {
		return nil, errors.New("upload: no secret configured")
	}
	s, err := l.Secret(ctx)
	if err != nil {
		return nil, fmt.Errorf("upload: read secret: %w", err)
	}
	m := hmac.New(sha256.New, s)
	m.Write([]byte("doctales upload token v1"))
	return m.Sum(nil), nil
}

func sign(key, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(payload)
	return m.Sum(nil)
}

// CreateUpload signs the terms of one upload of req for owner and
// returns its URL, relative to the server: "/uploads/<id>?token=…".
// req must have been validated (doctales.UploadRequest.Validate).
func (l *Local) CreateUpload(ctx context.Context, owner string, req doctales.UploadRequest) (*doctales.Upload, error) {
	if owner == "" {
		owner = doctales.DefaultUserID
	}
	key, err := l.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	exp := l.now().Add(l.expiry()).Truncate(time.Second)
	t := Ticket{ID: doctales.NewUploadID(), Owner: owner, ExpiresAt: exp.Unix(), Request: req}
	payload, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	enc := base64.RawURLEncoding
	token := enc.EncodeToString(payload) + "." + enc.EncodeToString(sign(key, payload))
	headers := map[string]string{"Content-Type": req.ContentType}
	return &doctales.Upload{
		ID:        t.ID,
		Key:       t.Key(),
		URL:       "/uploads/" + t.ID + "?" + url.Values{"token": {token}}.Encode(),
		Method:    "PUT",
		Headers:   headers,
		MaxBytes:  req.Size,
		ExpiresAt: exp.UTC(),
	}, nil
}

// Check verifies token for upload id: signed by this server, for this id,
// not expired. A token that does not verify is EFORBIDDEN naming "token"
// (the same answer whatever was wrong with it, so a forger learns
// nothing); an expired one is EFORBIDDEN saying when it expired. Check
// does not use the upload up: Claim does.
func (l *Local) Check(ctx context.Context, id, token string) (*Ticket, error) {
	bad := doctales.FieldErrorf(doctales.EFORBIDDEN, "token", "the token is not a valid upload token for upload %.40q; use the URL POST /uploads answered, unchanged", id)
	p64, m64, ok := strings.Cut(token, ".")
	if !ok {
		return nil, bad
	}
	enc := base64.RawURLEncoding
	payload, err1 := enc.DecodeString(p64)
	mac, err2 := enc.DecodeString(m64)
	if err1 != nil || err2 != nil {
		return nil, bad
	}
	key, err := l.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(mac, sign(key, payload)) {
		return nil, bad
	}
	var t Ticket
	if err := json.Unmarshal(payload, &t); err != nil || t.ID != id {
		return nil, bad
	}
	if exp := time.Unix(t.ExpiresAt, 0); !l.now().Before(exp) {
		return nil, doctales.UploadExpired(t.ID, exp, l.expiry())
	}
	return &t, nil
}

// Claim uses t's upload up: the first Claim of an id succeeds, every
// later one (a second PUT, concurrent or after a restart) is ECONFLICT
// naming the upload. The marker (or Claims' record) is durable before
// Claim returns.
func (l *Local) Claim(ctx context.Context, t *Ticket) error {
	if err := doctales.ValidateID("id", t.ID); err != nil {
		return err
	}
	if l.Claims != nil {
		// Not cancelled with the request: a claim committed as its
		// client went away would use the URL up without its body.
		return l.Claims.ClaimUpload(context.WithoutCancel(ctx), t.ID, t.Owner, t.Request.Size, time.Unix(t.ExpiresAt, 0))
	}
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return fmt.Errorf("upload: create %q: %w", l.Dir, err)
	}
	f, err := os.OpenFile(filepath.Join(l.Dir, t.ID), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return doctales.FieldErrorf(doctales.ECONFLICT, "token", "upload %s was already used; an upload URL takes one body, ask POST /uploads for a new one", t.ID)
	} else if err != nil {
		return fmt.Errorf("upload: claim %s: %w", t.ID, err)
	}
	_, werr := fmt.Fprintf(f, "%d\n", t.ExpiresAt)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("upload: claim %s: %w", t.ID, err)
	}
	if d, err := os.Open(l.Dir); err == nil {
		err = errors.Join(d.Sync(), d.Close())
		if err != nil {
			return fmt.Errorf("upload: claim %s: sync %q: %w", t.ID, l.Dir, err)
		}
	}
	return nil
}

// Release gives t's upload back after a PUT whose body was not ingested
// (the server was busy, its disk full, the body refused): the marker and
// the stored body go, so that the same URL may be sent again until it
// expires. A URL is thus used up by the one PUT that was ingested.
func (l *Local) Release(ctx context.Context, t *Ticket) error {
	err := l.Done(ctx, t)
	if l.Claims != nil {
		if rerr := l.Claims.ReleaseUpload(ctx, t.ID); rerr != nil {
			err = errors.Join(err, fmt.Errorf("upload: release %s: %w", t.ID, rerr))
		}
		return err
	}
	if rerr := os.Remove(filepath.Join(l.Dir, t.ID)); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = errors.Join(err, fmt.Errorf("upload: release %s: %w", t.ID, rerr))
	}
	return err
}

// Put puts body under t's key, durably.
func (l *Local) Put(ctx context.Context, t *Ticket, body []byte) error {
	if _, err := l.Store.Put(ctx, t.Key(), body, t.Request.ContentType); err != nil {
		return fmt.Errorf("upload %s: store: %w", t.ID, err)
	}
	return nil
}

// Done deletes t's stored body once it is ingested.
func (l *Local) Done(ctx context.Context, t *Ticket) error {
	if err := l.Store.Delete(ctx, t.Key()); err != nil && doctales.ErrorCode(err) != doctales.ENOTFOUND {
		return fmt.Errorf("upload %s: delete: %w", t.ID, err)
	}
	return nil
}

// Sweep removes the markers of uploads whose URLs expired before now:
// their tokens are refused as expired anyway. It returns how many it
// removed. With Claims set there are no markers: the shared store
// sweeps its own records (postgres.DB.SweepUploads).
func (l *Local) Sweep() (int, error) {
	if l.Claims != nil {
		return 0, nil
	}
	entries, err := os.ReadDir(l.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	n, now := 0, l.now()
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(l.Dir, e.Name()))
		if err != nil {
			continue
		}
		var exp int64
		if _, err := fmt.Sscan(string(b), &exp); err == nil && now.After(time.Unix(exp, 0)) {
			if os.Remove(filepath.Join(l.Dir, e.Name())) == nil {
				n++
			}
		}
	}
	return n, nil
}
