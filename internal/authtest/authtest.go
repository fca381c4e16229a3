// Package authtest is the shared contract test of the users, API keys,
// dashboard sessions, audit log and ack-link key of issue 17: what
// httpapi.Handler needs (Auth, AuditLog, AckKey) and what the `doctales
// users`, `keys` and `audit` commands call. Package sqlite's DB (one data
// folder) and package postgres's DB (the api processes of a cluster) run
// it, so that a server or a command cannot tell which one it talks to:
// the same errors, the same hashing (no key or session id stored in
// clear), a revoked key refused, a second handle on the same store (a
// command beside a running server, or another api process) seeing every
// change at once.
package authtest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/auth"
)

// Store is the store under test.
type Store interface {
	// What httpapi.Authenticator needs.
	AuthConfigured(ctx context.Context) (bool, error)
	AuthenticateKey(ctx context.Context, key string) (*doctales.APIKey, error)
	PasswordHash(ctx context.Context, name string) (string, error)
	CreateSession(ctx context.Context, id doctales.Secret, s *doctales.Session) error
	Session(ctx context.Context, id string) (*doctales.Session, error)
	DeleteSession(ctx context.Context, id string) error
	// What the users and keys commands call.
	AddUser(ctx context.Context, name, passwordHash string) (*doctales.User, error)
	AdoptOpenItems(ctx context.Context, user string) (int64, error)
	Users(ctx context.Context) ([]*doctales.User, error)
	RemoveUser(ctx context.Context, name string) error
	CreateAPIKey(ctx context.Context, userID string, scopes []string) (*doctales.APIKey, doctales.Secret, error)
	APIKeys(ctx context.Context) ([]*doctales.APIKey, error)
	RevokeAPIKey(ctx context.Context, id string) error
	// The ack links' key (httpapi.Handler.AckKey).
	AckKey(ctx context.Context) ([]byte, error)
	doctales.AuditLog
}

// Subject is a store under test: Store, the table whose items the first
// user adopts, and Reopen, which returns another handle on the same
// store (as another process would open it), closed at test end.
type Subject struct {
	Store  Store
	Table  doctales.Table
	Reopen func(t *testing.T) Store
}

// Clock is a fake clock: the store under test reads its time from Now.
// Safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Start is the time of every Clock when its store opens (whole
// microseconds: PostgreSQL's precision).
var Start = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// Run runs the contract; open returns a new, empty store reading its time
// from c.
func Run(t *testing.T, open func(t *testing.T, c *Clock) Subject) {
	subject := func(t *testing.T) (Subject, *Clock) {
		c := &Clock{t: Start}
		return open(t, c), c
	}
	t.Run("Users", func(t *testing.T) { s, _ := subject(t); testUsers(t, s) })
	t.Run("Keys", func(t *testing.T) { s, c := subject(t); testKeys(t, s, c) })
	t.Run("SessionExpiry", func(t *testing.T) { s, c := subject(t); testSessionExpiry(t, s, c) })
	t.Run("OtherHandle", func(t *testing.T) { s, _ := subject(t); testOtherHandle(t, s) })
	t.Run("Audit", func(t *testing.T) { s, c := subject(t); testAudit(t, s, c) })
	t.Run("Adopt", func(t *testing.T) { s, _ := subject(t); testAdopt(t, s) })
	t.Run("Hostile", func(t *testing.T) { s, _ := subject(t); testHostile(t, s) })
}

func code(err error) string { return doctales.ErrorCode(err) }

// testUsers: add, a name taken, an invalid name, list; removing a user
// revokes their keys and ends their sessions; with no user and only
// revoked keys the server is open again.
func testUsers(t *testing.T, s Subject) {
	ctx := context.Background()
	db := s.Store
	if ok, err := db.AuthConfigured(ctx); err != nil || ok {
		t.Fatalf("new store: AuthConfigured = %v, %v", ok, err)
	}
	if _, err := db.AddUser(ctx, "ana", "$argon2id$x"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddUser(ctx, "ana", "$argon2id$y"); code(err) != doctales.ECONFLICT {
		t.Fatalf("second ana: %v, want ECONFLICT", err)
	}
	if _, err := db.AddUser(ctx, "../x", "h"); code(err) != doctales.EINVALID {
		t.Fatalf("bad name: %v, want EINVALID", err)
	} else if !strings.Contains(err.Error(), "name") {
		t.Fatalf("bad name: %q does not name the field", err)
	}
	if ok, _ := db.AuthConfigured(ctx); !ok {
		t.Fatal("AuthConfigured = false with a user")
	}
	if h, err := db.PasswordHash(ctx, "ana"); err != nil || h != "$argon2id$x" {
		t.Fatalf("PasswordHash(ana) = %q, %v; want the first hash", h, err)
	}
	if _, err := db.PasswordHash(ctx, "nobody"); code(err) != doctales.ENOTFOUND {
		t.Fatalf("PasswordHash(nobody): %v, want ENOTFOUND", err)
	}
	if _, err := db.AddUser(ctx, "bea", "$argon2id$z"); err != nil {
		t.Fatal(err)
	}
	users, err := db.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
		if u.CreatedAt.IsZero() {
			t.Errorf("user %s has no CreatedAt", u.Name)
		}
	}
	if !slices.Equal(names, []string{"ana", "bea"}) {
		t.Fatalf("Users = %v, want [ana bea]", names)
	}
	k, key, err := db.CreateAPIKey(ctx, "ana", []string{doctales.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	sid := auth.NewSessionID()
	if err := db.CreateSession(ctx, sid, &doctales.Session{UserID: "ana", Scopes: []string{"admin"}, CreatedAt: Start, ExpiresAt: Start.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// Removing the user revokes the keys and ends the sessions.
	if err := db.RemoveUser(ctx, "ana"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AuthenticateKey(ctx, string(key)); code(err) != doctales.EUNAUTHORIZED {
		t.Fatalf("key %s of a removed user: %v", k.ID, err)
	}
	if _, err := db.Session(ctx, string(sid)); code(err) != doctales.EUNAUTHORIZED {
		t.Fatalf("session of a removed user: %v", err)
	}
	if err := db.RemoveUser(ctx, "ana"); code(err) != doctales.ENOTFOUND {
		t.Fatalf("remove twice: %v", err)
	}
	if err := db.RemoveUser(ctx, "bea"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.AuthConfigured(ctx); ok {
		t.Fatal("AuthConfigured = true with no user and only revoked keys")
	}
}

// testKeys: a key authenticates to its user and scopes; a wrong secret,
// a malformed key and an unknown id are refused with one message; a
// revoked key is refused; revoking twice keeps the first time; the list
// holds revoked keys; bad input is EINVALID naming the field.
func testKeys(t *testing.T, s Subject, c *Clock) {
	ctx := context.Background()
	db := s.Store
	k, key, err := db.CreateAPIKey(ctx, "ana", []string{doctales.ScopeIngest, doctales.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(key), auth.KeyPrefix+k.ID+"_") {
		t.Fatalf("key %q does not start with %s%s_", key, auth.KeyPrefix, k.ID)
	}
	if ok, _ := db.AuthConfigured(ctx); !ok {
		t.Fatal("AuthConfigured = false with a live key")
	}
	got, err := db.AuthenticateKey(ctx, string(key))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != k.ID || got.UserID != "ana" || !slices.Equal(got.Scopes, []string{"ingest", "read"}) || got.RevokedAt != nil {
		t.Fatalf("AuthenticateKey = %+v", got)
	}
	if !got.CreatedAt.Equal(Start) {
		t.Fatalf("CreatedAt = %s, want the clock's %s", got.CreatedAt, Start)
	}
	wrong := string(key[:len(key)-2]) + "xx"
	if wrong == string(key) {
		wrong = string(key[:len(key)-2]) + "yy"
	}
	var msgs []string
	for _, bad := range []string{wrong, "dt_nothex_abc", "", "dt_0123456789abcdef_abc", string(key) + "x"} {
		_, err := db.AuthenticateKey(ctx, bad)
		if code(err) != doctales.EUNAUTHORIZED {
			t.Fatalf("AuthenticateKey(%q): %v, want EUNAUTHORIZED", bad, err)
		}
		msgs = append(msgs, doctales.ErrorMessage(err))
	}
	for _, m := range msgs[1:] {
		if m != msgs[0] {
			t.Fatalf("refusals differ: %q and %q (a caller must not learn which part was wrong)", msgs[0], m)
		}
	}
	c.Advance(time.Minute)
	k2, _, err := db.CreateAPIKey(ctx, "bea", []string{doctales.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	if err := db.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	revokedAt := c.Now()
	if _, err := db.AuthenticateKey(ctx, string(key)); code(err) != doctales.EUNAUTHORIZED {
		t.Fatalf("revoked key: %v, want EUNAUTHORIZED", err)
	}
	c.Advance(time.Minute)
	if err := db.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatalf("revoke twice: %v", err)
	}
	if err := db.RevokeAPIKey(ctx, "0123456789abcdef"); code(err) != doctales.ENOTFOUND {
		t.Fatalf("revoke unknown: %v, want ENOTFOUND", err)
	}
	keys, err := db.APIKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != k.ID || keys[1].ID != k2.ID {
		t.Fatalf("APIKeys = %+v, want %s then %s (oldest first)", keys, k.ID, k2.ID)
	}
	if keys[0].RevokedAt == nil || !keys[0].RevokedAt.Equal(revokedAt) {
		t.Fatalf("revoked at %v, want the first revocation's %s", keys[0].RevokedAt, revokedAt)
	}
	if keys[1].RevokedAt != nil || keys[1].UserID != "bea" || !slices.Equal(keys[1].Scopes, []string{"admin"}) {
		t.Fatalf("second key %+v", keys[1])
	}
	if _, _, err := db.CreateAPIKey(ctx, "a/b", []string{"read"}); code(err) != doctales.EINVALID || !strings.Contains(err.Error(), "user") {
		t.Fatalf("key for user a/b: %v, want EINVALID naming user", err)
	}
	if _, _, err := db.CreateAPIKey(ctx, "ana", []string{"root"}); code(err) != doctales.EINVALID {
		t.Fatalf("scope root: %v, want EINVALID", err)
	}
	if err := db.RevokeAPIKey(ctx, k2.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.AuthConfigured(ctx); ok {
		t.Fatal("AuthConfigured = true with only revoked keys")
	}
}

// testSessionExpiry: a session lives until its expiry, by the store's
// clock, carries its CSRF token, and ends at sign-out.
func testSessionExpiry(t *testing.T, s Subject, c *Clock) {
	ctx := context.Background()
	db := s.Store
	now := c.Now()
	sid := auth.NewSessionID()
	if err := db.CreateSession(ctx, sid, &doctales.Session{UserID: "ana", Scopes: []string{"read"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Session(ctx, string(sid))
	if err != nil || got.UserID != "ana" || got.CSRFToken != auth.CSRFToken(string(sid)) || !slices.Equal(got.Scopes, []string{"read"}) {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	if !got.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("ExpiresAt = %s, want %s", got.ExpiresAt, now.Add(time.Hour))
	}
	if _, err := db.Session(ctx, "not-a-session"); code(err) != doctales.EUNAUTHORIZED {
		t.Fatalf("unknown session: %v", err)
	}
	c.Advance(time.Hour - time.Second)
	if _, err := db.Session(ctx, string(sid)); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	c.Advance(time.Second)
	if _, err := db.Session(ctx, string(sid)); code(err) != doctales.EUNAUTHORIZED {
		t.Fatalf("expired session: %v", err)
	}
	sid2 := auth.NewSessionID()
	now = c.Now()
	if err := db.CreateSession(ctx, sid2, &doctales.Session{UserID: "ana", Scopes: []string{"read"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSession(ctx, string(sid2)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Session(ctx, string(sid2)); code(err) != doctales.EUNAUTHORIZED {
		t.Fatalf("session after sign-out: %v", err)
	}
	if err := db.DeleteSession(ctx, "never-was"); err != nil {
		t.Fatalf("sign-out of an unknown session: %v", err)
	}
}

// testOtherHandle: what one handle writes, another on the same store
// sees at once, with nothing remembered: `doctales users add` beside a
// running server, or a second api process of a cluster. The ack key is
// the same for both, so a link signed by one checks on the other.
func testOtherHandle(t *testing.T, s Subject) {
	ctx := context.Background()
	server := s.Store
	if ok, err := server.AuthConfigured(ctx); err != nil || ok {
		t.Fatalf("new store: AuthConfigured = %v, %v", ok, err)
	}
	other := s.Reopen(t)
	if _, err := other.AddUser(ctx, "ana", "$argon2id$x"); err != nil {
		t.Fatal(err)
	}
	if ok, err := server.AuthConfigured(ctx); err != nil || !ok {
		t.Fatalf("after a user was added by another handle: AuthConfigured = %v, %v; want true", ok, err)
	}
	k, key, err := other.CreateAPIKey(ctx, "ana", []string{doctales.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := server.AuthenticateKey(ctx, string(key)); err != nil || got.ID != k.ID {
		t.Fatalf("a key made by another handle: %+v, %v", got, err)
	}
	sid := auth.NewSessionID()
	if err := server.CreateSession(ctx, sid, &doctales.Session{UserID: "ana", Scopes: []string{"read"}, CreatedAt: Start, ExpiresAt: Start.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, err := other.Session(ctx, string(sid)); err != nil || got.UserID != "ana" {
		t.Fatalf("a session made by another handle: %+v, %v", got, err)
	}
	if err := other.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := server.AuthenticateKey(ctx, string(key)); code(err) != doctales.EUNAUTHORIZED {
		t.Fatalf("a key revoked by another handle: %v, want EUNAUTHORIZED", err)
	}
	a, err := server.AckKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := other.AckKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) < 16 || string(a) != string(b) {
		t.Fatalf("ack keys: %d bytes and %d bytes, equal %v; want the same key of at least 16 bytes", len(a), len(b), string(a) == string(b))
	}
	if err := other.AppendAudit(ctx, &doctales.AuditEntry{UserID: "root", Via: "cli", Action: doctales.AuditKeyRevoke, Target: k.ID, Outcome: doctales.AuditOK}); err != nil {
		t.Fatal(err)
	}
	es, err := server.AuditEntries(ctx, doctales.AuditFilter{})
	if err != nil || len(es) != 1 || es[0].Target != k.ID {
		t.Fatalf("an audit entry written by another handle: %+v, %v", es, err)
	}
}

// testAudit: entries get increasing seqs and the clock's time when none
// is given, come back newest first with every field and the detail, and
// filter by action, time and limit.
func testAudit(t *testing.T, s Subject, c *Clock) {
	ctx := context.Background()
	db := s.Store
	if es, err := db.AuditEntries(ctx, doctales.AuditFilter{}); err != nil || len(es) != 0 {
		t.Fatalf("empty log: %v, %v", es, err)
	}
	in := []*doctales.AuditEntry{
		{UserID: "ana", KeyID: "0123456789abcdef", Via: "key", Action: doctales.AuditRedrive, Target: "17", Outcome: doctales.AuditOK, ClientIP: "192.0.2.1"},
		{UserID: "root", Via: "cli", Action: doctales.AuditKeyCreate, Target: "fedcba9876543210", Outcome: doctales.AuditOK, Detail: map[string]any{"user": "ana", "scopes": "read"}},
		{UserID: "", Via: "open", Action: doctales.AuditSignIn, Target: "bea", Outcome: doctales.EUNAUTHORIZED, ClientIP: "::1"},
	}
	for i, e := range in {
		if err := db.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
		if !e.Time.Equal(c.Now()) {
			t.Fatalf("entry %d: Time %s, want the clock's %s", i, e.Time, c.Now())
		}
		if i > 0 && e.Seq <= in[i-1].Seq {
			t.Fatalf("entry %d: Seq %d after %d", i, e.Seq, in[i-1].Seq)
		}
		c.Advance(time.Hour)
	}
	es, err := db.AuditEntries(ctx, doctales.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 {
		t.Fatalf("got %d entries, want 3", len(es))
	}
	for i, e := range es {
		want := in[len(in)-1-i]
		if e.Seq != want.Seq || !e.Time.Equal(want.Time) || e.UserID != want.UserID || e.KeyID != want.KeyID || e.Via != want.Via ||
			e.Action != want.Action || e.Target != want.Target || e.Outcome != want.Outcome || e.ClientIP != want.ClientIP {
			t.Fatalf("entry %d = %+v, want %+v", i, e, want)
		}
	}
	if d := es[1].Detail; d["user"] != "ana" || d["scopes"] != "read" || len(d) != 2 {
		t.Fatalf("detail = %v", d)
	}
	if es[0].Detail != nil {
		t.Fatalf("an entry without detail came back with %v", es[0].Detail)
	}
	action := doctales.AuditKeyCreate
	if es, err := db.AuditEntries(ctx, doctales.AuditFilter{Action: &action}); err != nil || len(es) != 1 || es[0].Seq != in[1].Seq {
		t.Fatalf("action filter: %+v, %v", es, err)
	}
	since := in[1].Time
	if es, err := db.AuditEntries(ctx, doctales.AuditFilter{Since: &since}); err != nil || len(es) != 2 || es[1].Seq != in[1].Seq {
		t.Fatalf("since filter: %+v, %v", es, err)
	}
	if es, err := db.AuditEntries(ctx, doctales.AuditFilter{Limit: 1}); err != nil || len(es) != 1 || es[0].Seq != in[2].Seq {
		t.Fatalf("limit 1: %+v, %v", es, err)
	}
	given := Start.Add(-24 * time.Hour)
	e := &doctales.AuditEntry{UserID: "root", Via: "cli", Action: doctales.AuditUserAdd, Target: "carl", Outcome: doctales.AuditOK, Time: given}
	if err := db.AppendAudit(ctx, e); err != nil || !e.Time.Equal(given) {
		t.Fatalf("an entry with its time: %s, %v", e.Time, err)
	}
}

// testAdopt: the first user added takes over the communications stored
// while open (and no other user's), a later user does not, and users
// adopt hands over what came since.
func testAdopt(t *testing.T, s Subject) {
	ctx := context.Background()
	db := s.Store
	for _, it := range []*doctales.Item{
		{ID: "open-1", Type: "email", Status: doctales.StatusAccepted, Subject: "first"},
		{ID: "open-2", Type: "email", Status: doctales.StatusAccepted, Subject: "second"},
		{ID: "bobs", Type: "email", Status: doctales.StatusAccepted, Owner: "bob"},
	} {
		if _, _, err := s.Table.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	u, err := db.AddUser(ctx, "ana", "$argon2id$x")
	if err != nil {
		t.Fatal(err)
	}
	if u.Adopted != 2 {
		t.Fatalf("the first user adopted %d, want 2", u.Adopted)
	}
	owner := func(id string) string {
		t.Helper()
		it, err := s.Table.GetItem(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return it.Owner
	}
	if o := owner("open-1"); o != "ana" {
		t.Fatalf("open-1 is %q's, want ana's", o)
	}
	if it, err := s.Table.GetItem(doctales.WithOwner(ctx, "ana"), "open-2"); err != nil || it.Subject != "second" {
		t.Fatalf("ana reads open-2: %+v, %v", it, err)
	}
	if o := owner("bobs"); o != "bob" {
		t.Fatalf("bob's item is now %q's", o)
	}
	u, err = db.AddUser(ctx, "carl", "$argon2id$y")
	if err != nil || u.Adopted != 0 {
		t.Fatalf("the second user: %+v, %v; want nothing adopted", u, err)
	}
	if _, _, err := s.Table.CreateItem(ctx, &doctales.Item{ID: "open-3", Type: "email", Status: doctales.StatusAccepted}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.AdoptOpenItems(ctx, "carl"); err != nil || n != 1 {
		t.Fatalf("AdoptOpenItems(carl) = %d, %v; want 1", n, err)
	}
	if o := owner("open-3"); o != "carl" {
		t.Fatalf("open-3 is %q's, want carl's", o)
	}
	if n, err := db.AdoptOpenItems(ctx, "carl"); err != nil || n != 0 {
		t.Fatalf("AdoptOpenItems again = %d, %v; want 0", n, err)
	}
	if _, err := db.AdoptOpenItems(ctx, "a/b"); code(err) != doctales.EINVALID {
		t.Fatalf("AdoptOpenItems(a/b): %v, want EINVALID", err)
	}
}

// testHostile: names and ids no store can hold (a NUL byte, invalid
// UTF-8) are refused as unknown, not as a failure of the store; an audit
// entry of a sign-in with such a name is still recorded.
func testHostile(t *testing.T, s Subject) {
	ctx := context.Background()
	db := s.Store
	for _, bad := range []string{"a\x00b", "\xff\xfe", strings.Repeat("x", 10000)} {
		if _, err := db.PasswordHash(ctx, bad); code(err) != doctales.ENOTFOUND {
			t.Errorf("PasswordHash(%.20q): %v, want ENOTFOUND", bad, err)
		}
		if err := db.RemoveUser(ctx, bad); code(err) != doctales.ENOTFOUND {
			t.Errorf("RemoveUser(%.20q): %v, want ENOTFOUND", bad, err)
		}
		if err := db.RevokeAPIKey(ctx, bad); code(err) != doctales.ENOTFOUND {
			t.Errorf("RevokeAPIKey(%.20q): %v, want ENOTFOUND", bad, err)
		}
		if _, err := db.AuthenticateKey(ctx, bad); code(err) != doctales.EUNAUTHORIZED {
			t.Errorf("AuthenticateKey(%.20q): %v, want EUNAUTHORIZED", bad, err)
		}
		if _, err := db.Session(ctx, bad); code(err) != doctales.EUNAUTHORIZED {
			t.Errorf("Session(%.20q): %v, want EUNAUTHORIZED", bad, err)
		}
		if _, err := db.AddUser(ctx, bad, "h"); code(err) != doctales.EINVALID && code(err) != doctales.ETOOLARGE {
			t.Errorf("AddUser(%.20q): %v, want EINVALID or ETOOLARGE", bad, err)
		}
		e := &doctales.AuditEntry{Via: "open", Action: doctales.AuditSignIn, Target: bad, Outcome: doctales.EUNAUTHORIZED, ClientIP: "192.0.2.9",
			Detail: map[string]any{"name": bad}}
		if err := db.AppendAudit(ctx, e); err != nil {
			t.Errorf("AppendAudit of a sign-in as %.20q: %v", bad, err)
		}
	}
	action := doctales.AuditSignIn
	if es, err := db.AuditEntries(ctx, doctales.AuditFilter{Action: &action}); err != nil || len(es) != 3 {
		t.Fatalf("sign-in entries: %d, %v; want 3", len(es), err)
	}
	bad := "x\x00"
	if es, err := db.AuditEntries(ctx, doctales.AuditFilter{Action: &bad}); err != nil || len(es) != 0 {
		t.Fatalf("entries of action %q: %+v, %v; want none", bad, es, err)
	}
}
