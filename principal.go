package doctales

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// Scopes of API keys and sessions (issue 17). A scope names what a caller
// may do; ScopeAdmin includes the others.
const (
	// ScopeIngest may post communications.
	ScopeIngest = "ingest"
	// ScopeRead may read communications, people, projects, the live
	// stream, flow events and the profile.
	ScopeRead = "read"
	// ScopeAdmin may do everything: dead letters and redrive, stats and
	// metrics, and what the other scopes allow.
	ScopeAdmin = "admin"
)

// Scopes lists every scope, in the order they are documented.
var Scopes = []string{ScopeIngest, ScopeRead, ScopeAdmin}

// ParseScopes reads a comma-separated list of scopes ("read,ingest"),
// refusing an empty list or an unknown name with EINVALID.
func ParseScopes(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(Scopes, f) {
			return nil, FieldErrorf(EINVALID, "scope", "scope %q is not one of %s", f, strings.Join(Scopes, ", "))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, FieldErrorf(EINVALID, "scope", "at least one scope is required (%s)", strings.Join(Scopes, ", "))
	}
	return out, nil
}

// Principal is who a request acts for, resolved once by the HTTP layer from
// an API key or a session cookie (design.md, "Who"). Nothing below the HTTP
// layer reads headers; it reads the principal from the context.
type Principal struct {
	// UserID is the user the key or session belongs to.
	UserID string
	// Scopes are what the caller may do (ScopeIngest, ScopeRead,
	// ScopeAdmin).
	Scopes []string
	// Open is true when the server runs without authentication (loopback,
	// no user and no key yet): every request acts as an admin.
	Open bool
	// Via says how the principal was resolved: "key", "session" or "open".
	Via string
	// KeyID is the id of the API key, when Via is "key".
	KeyID string
}

// Can reports whether p holds scope; ScopeAdmin holds every scope. A nil
// principal can do nothing.
func (p *Principal) Can(scope string) bool {
	if p == nil {
		return false
	}
	return slices.Contains(p.Scopes, ScopeAdmin) || slices.Contains(p.Scopes, scope)
}

// principalKey is the context key of the request's principal.
type principalKey struct{}

// NewContextWithPrincipal returns ctx carrying p.
func NewContextWithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the principal ctx carries, or nil.
func PrincipalFromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// ownerKey is the context key of the owner scope.
type ownerKey struct{}

// WithOwner returns ctx scoped to owner's communications: every Table call
// made with it acts only on items whose Owner is owner. Another user's id
// is ENOTFOUND, never EFORBIDDEN, so that a caller cannot learn that it
// exists (issue 17). The HTTP layer scopes each request to its principal;
// the functions scope their work to the owner of the communication they
// handle. A context without an owner (the operator's CLI, an open server)
// sees every item.
func WithOwner(ctx context.Context, owner string) context.Context {
	return context.WithValue(ctx, ownerKey{}, OwnerOf(owner))
}

// OwnerFromContext returns the owner ctx is scoped to, and whether it is.
func OwnerFromContext(ctx context.Context) (string, bool) {
	o, ok := ctx.Value(ownerKey{}).(string)
	return o, ok
}

// VisibleTo reports whether an item of owner may be seen in ctx: always
// when ctx has no owner scope, else only when the owners match.
func VisibleTo(ctx context.Context, owner string) bool {
	o, ok := OwnerFromContext(ctx)
	return !ok || o == OwnerOf(owner)
}

// User is a person who may sign in to the dashboard with a password. The
// password is stored only as a slow hash.
type User struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	// Adopted is, when the user was just added, how many communications
	// of DefaultUserID (stored while the server ran open) it took over:
	// the first user added adopts them.
	Adopted int64 `json:"adopted,omitempty"`
}

// APIKey is the stored part of an API key: its public id, owner and
// scopes. The secret is shown once at creation and stored only as a hash.
type APIKey struct {
	ID        string     `json:"id"`
	UserID    string     `json:"userId"`
	Scopes    []string   `json:"scopes"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
}

// Session is a signed-in dashboard session. Its id and CSRF token are
// secrets held by the browser; the store keeps only the id's hash.
type Session struct {
	UserID    string
	Scopes    []string
	CSRFToken Secret
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Secret is a string that must never reach a log: it logs as "REDACTED"
// and prints as such with %v.
type Secret string

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue("REDACTED") }

// String implements fmt.Stringer, so that %v and %s never show the value.
func (Secret) String() string { return "REDACTED" }

// GoString implements fmt.GoStringer for %#v.
func (Secret) GoString() string { return `doctales.Secret("REDACTED")` }

var (
	_ fmt.Stringer   = Secret("")
	_ slog.LogValuer = Secret("")
)
