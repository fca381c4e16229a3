package httpapi

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/auth"
)

// Who may call what (issue 17). The HTTP layer resolves an API key
// (Authorization: Bearer) or a session cookie to a doctales.Principal once,
// in ServeHTTP, checks the route's scope in one place (authorize) and puts
// the principal in the request's context; no handler reads the headers.
//
//	GET    /auth/session   the caller's state: open mode, user, scopes, CSRF token
//	POST   /auth/session   sign in: {"user","password"} or {"key"}; sets the session cookie
//	DELETE /auth/session   sign out (CSRF token required)
func init() {
	routeHooks = append(routeHooks, (*Handler).authRoutes)
}

// Authenticator resolves API keys and sessions; *sqlite.DB provides it.
type Authenticator interface {
	// AuthConfigured reports whether a user or an unrevoked key exists.
	AuthConfigured(ctx context.Context) (bool, error)
	// AuthenticateKey returns the key's record, or EUNAUTHORIZED for a
	// malformed, unknown or revoked key.
	AuthenticateKey(ctx context.Context, key string) (*doctales.APIKey, error)
	// PasswordHash returns a user's password hash, or ENOTFOUND.
	PasswordHash(ctx context.Context, name string) (string, error)
	// CreateSession stores a session under the hash of id.
	CreateSession(ctx context.Context, id doctales.Secret, s *doctales.Session) error
	// Session returns a live session, or EUNAUTHORIZED.
	Session(ctx context.Context, id string) (*doctales.Session, error)
	// DeleteSession ends a session; an unknown id is not an error.
	DeleteSession(ctx context.Context, id string) error
}

// Defaults of the browser surface.
const (
	// SessionCookie is the name of the dashboard's session cookie. It
	// cannot take the __Host- prefix, which needs Secure, as the embedded
	// server speaks plain HTTP on loopback.
	SessionCookie = "doctales_session"
	// CSRFHeader carries the session's CSRF token on state-changing
	// requests from the dashboard.
	CSRFHeader = "X-CSRF-Token"
	// DefaultSessionTTL is how long a dashboard session lives (12 h: a
	// working day, then sign in again).
	DefaultSessionTTL = 12 * time.Hour
	// SignInPath is the dashboard's sign-in page.
	SignInPath = "/ui/signin.html"
	// maxSignInBodyBytes bounds a POST /auth/session body.
	maxSignInBodyBytes = 4 << 10
)

// APIContentSecurityPolicy is sent with every answer that does not set its
// own (the dashboard's pages do): nothing may load, run or frame it.
const APIContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// Scope requirements of routes that need no scope at all.
const (
	scopePublic = "public" // no principal needed
	scopeAny    = "any"    // any authenticated principal
	scopePage   = "page"   // the dashboard page: sign-in redirect when needed
)

// routeScopes is the scope each route pattern needs. A pattern not listed
// needs ScopeAdmin, so a route added without thought fails closed.
var routeScopes = map[string]string{
	"POST /communications":            doctales.ScopeIngest,
	"GET /communications":             doctales.ScopeRead,
	"GET /communications/{id}":        doctales.ScopeRead,
	"GET /communications/{id}/events": doctales.ScopeRead,
	"GET /communications/{id}/log":    doctales.ScopeRead,
	"DELETE /communications/{id}":     doctales.ScopeIngest,
	"PATCH /communications/{id}":      doctales.ScopeRead, // the reader's own triage state, like the profile
	"GET /notifications/stream":       doctales.ScopeRead,
	"GET /people":                     doctales.ScopeRead,
	"GET /projects":                   doctales.ScopeRead,
	"GET /user-profile":               doctales.ScopeRead,
	"PUT /user-profile":               doctales.ScopeRead,
	"POST /user-profile/activity":     doctales.ScopeRead,
	"GET /archetypes":                 doctales.ScopeRead,
	// A person's notification rules (issue 13): reading and previewing
	// need read; changing them, like posting or deleting communications,
	// ingest.
	"GET /rules":             doctales.ScopeRead,
	"GET /rules/{id}":        doctales.ScopeRead,
	"POST /rules/test":       doctales.ScopeRead,
	"POST /rules/{id}/test":  doctales.ScopeRead,
	"POST /rules":            doctales.ScopeIngest,
	"PUT /rules/{id}":        doctales.ScopeIngest,
	"DELETE /rules/{id}":     doctales.ScopeIngest,
	"GET /dlq":               doctales.ScopeAdmin,
	"GET /dlq/{id}":          doctales.ScopeAdmin,
	"POST /dlq/{id}/redrive": doctales.ScopeAdmin,
	"POST /dlq/redrive":      doctales.ScopeAdmin,
	"GET /stats":             doctales.ScopeAdmin,
	"GET /metrics":           doctales.ScopeAdmin,
	"GET /audit":             doctales.ScopeAdmin,
	"GET /healthz":           scopePublic,
	"GET /openapi.yaml":      scopePublic, // the API's description, no data
	"GET /openapi.json":      scopePublic,
	"GET /readyz":            scopePublic, // probes carry no key; it shows no mail
	"GET /ui/":               scopePublic, // the page's code, no data
	"GET /{$}":               scopePage,
	"GET /auth/session":      scopePublic,
	"POST /auth/session":     scopePublic,
	"DELETE /auth/session":   scopeAny,
	"/":                      scopeAny, // 404s, after authentication
	"":                       scopeAny, // 405s, after authentication
}

// authState is the Handler's authentication state.
type authState struct {
	// enforced latches once a user or key is seen: removing the last one
	// does not reopen a running server (fail closed; restart to reopen).
	enforced atomic.Bool
}

// enforced reports whether requests must authenticate.
func (h *Handler) authEnforced(ctx context.Context) (bool, error) {
	if h.Auth == nil {
		return false, nil
	}
	if h.auth.enforced.Load() {
		return true, nil
	}
	ok, err := h.Auth.AuthConfigured(ctx)
	if err != nil {
		return true, err // fail closed
	}
	if ok {
		h.auth.enforced.Store(true)
	}
	return ok, nil
}

// OpenMode reports whether the server answers without authentication
// (no Auth, or no user and no key yet), for /stats and the start message.
func (h *Handler) OpenMode(ctx context.Context) bool {
	on, err := h.authEnforced(ctx)
	return err == nil && !on
}

// setSecurityHeaders sets the headers every answer carries.
func setSecurityHeaders(hdr http.Header) {
	hdr.Set("Content-Security-Policy", APIContentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// checkHost refuses a Host header that names neither the server nor a
// configured name: a DNS-rebinding page reaches a loopback server under
// the attacker's name, which this refuses. IP literals are accepted (they
// cannot be rebound); "localhost" is accepted on the listening port;
// AllowedHosts adds names, with or without a port.
func (h *Handler) checkHost(r *http.Request) bool {
	if r.Host == "" {
		// No Host: HTTP/1.0, or a request made in-process from an API
		// Gateway event. A browser always sends one.
		return true
	}
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		host, port = r.Host, ""
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	for _, a := range h.AllowedHosts {
		a = strings.ToLower(a)
		if a == host || (port != "" && a == host+":"+port) {
			return true
		}
	}
	if net.ParseIP(host) != nil {
		return true
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return h.ListenPort == "" || port == h.ListenPort
	}
	return false
}

// cors sets the CORS headers for an Origin in AllowOrigins ("*" in the list
// allows any, without credentials); for any other origin it sets none, and
// the browser keeps the answer from the page.
func (h *Handler) cors(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	hdr := w.Header()
	hdr.Add("Vary", "Origin")
	switch {
	case slices.Contains(h.AllowOrigins, "*"):
		// The original system's wildcard, kept only where it is asked for
		// (the AWS handler until its authorizer, issue 17 item 7). No
		// cookie rides with a wildcard answer.
		origin = "*"
	case origin == "" || !slices.Contains(h.AllowOrigins, origin):
		return
	}
	hdr.Set("Access-Control-Allow-Origin", origin)
	hdr.Set("Access-Control-Allow-Headers", "Content-Type,Authorization")
	hdr.Set("Access-Control-Allow-Methods", "GET,POST,PUT,PATCH,DELETE,OPTIONS")
	hdr.Set("Access-Control-Max-Age", "600")
}

// principal resolves the request's key or session. It returns nil and no
// error when the request carries neither.
func (h *Handler) principal(r *http.Request) (*doctales.Principal, *doctales.Session, string, error) {
	if v := r.Header.Get("Authorization"); v != "" {
		scheme, key, _ := strings.Cut(v, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
			return nil, nil, "", doctales.Errorf(doctales.EUNAUTHORIZED, "The Authorization header must be \"Bearer <key>\".")
		}
		k, err := h.Auth.AuthenticateKey(r.Context(), strings.TrimSpace(key))
		if err != nil {
			return nil, nil, "", err
		}
		return &doctales.Principal{UserID: k.UserID, Scopes: k.Scopes, Via: "key", KeyID: k.ID}, nil, "", nil
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		s, err := h.Auth.Session(r.Context(), c.Value)
		if err != nil {
			return nil, nil, "", err
		}
		return &doctales.Principal{UserID: s.UserID, Scopes: s.Scopes, Via: "session"}, s, c.Value, nil
	}
	return nil, nil, "", nil
}

// authorize is the one scope check: it returns EFORBIDDEN unless p holds
// scope (or the scope is one of the pseudo-scopes p satisfies).
func authorize(p *doctales.Principal, scope string) error {
	switch scope {
	case scopePublic:
		return nil
	case scopeAny, scopePage:
		if p != nil {
			return nil
		}
	default:
		if p.Can(scope) {
			return nil
		}
	}
	return doctales.Errorf(doctales.EFORBIDDEN, "This needs the %q scope.", scope)
}

// unsafeMethod reports whether a method changes state (and so needs the
// CSRF token from a cookie session).
func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// authenticate resolves the principal and checks the route's scope and, for
// a cookie session, the CSRF token. It returns the request to serve, or nil
// when it has answered.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) *http.Request {
	_, pattern := h.mux.Handler(r)
	scope, ok := routeScopes[pattern]
	if !ok {
		scope = doctales.ScopeAdmin
	}
	if h.PlatformAuth {
		return h.platformPrincipal(w, r, scope)
	}
	enforced, err := h.authEnforced(r.Context())
	if err != nil {
		Error(w, r, h.Logger, err)
		return nil
	}
	if !enforced {
		p := &doctales.Principal{UserID: doctales.DefaultUserID, Scopes: []string{doctales.ScopeAdmin}, Open: true, Via: "open"}
		return r.WithContext(doctales.NewContextWithPrincipal(r.Context(), p))
	}
	if scope == scopePublic {
		// The sign-in routes read the cookie themselves.
		return r
	}
	p, s, sid, err := h.principal(r)
	if err != nil || p == nil {
		if scope == scopePage {
			http.Redirect(w, r, SignInPath, http.StatusSeeOther)
			return nil
		}
		if err == nil {
			err = doctales.Errorf(doctales.EUNAUTHORIZED, "Authentication required: send \"Authorization: Bearer <key>\" or sign in.")
		}
		if doctales.ErrorCode(err) == doctales.EUNAUTHORIZED {
			w.Header().Set("WWW-Authenticate", `Bearer realm="doctales"`)
		}
		Error(w, r, h.Logger, err)
		return nil
	}
	// A cookie rides along with any request the browser sends, so a
	// state change from a session must prove it comes from the page.
	if s != nil && unsafeMethod(r.Method) {
		got := r.Header.Get(CSRFHeader)
		if got == "" || !auth.EqualHash(got, string(auth.CSRFToken(sid))) {
			Error(w, r, h.Logger, doctales.Errorf(doctales.EFORBIDDEN, "The %s header is missing or wrong; reload the page.", CSRFHeader))
			return nil
		}
	}
	if err := authorize(p, scope); err != nil {
		Error(w, r, h.Logger, err)
		return nil
	}
	// Every table call of the request acts for the caller's own
	// communications (issue 17: per-person isolation); an admin key is
	// scoped too: admins see operations, not other people's mail.
	ctx := doctales.WithOwner(doctales.NewContextWithPrincipal(r.Context(), p), p.UserID)
	return r.WithContext(ctx)
}

// platformPrincipal authorizes a request whose principal the platform
// put in its context (API Gateway's JWT authorizer, read by package
// awslambda from the event, never from a header): no principal is 401, a
// missing scope 403, as on the embedded server.
func (h *Handler) platformPrincipal(w http.ResponseWriter, r *http.Request, scope string) *http.Request {
	if scope == scopePublic {
		return r
	}
	p := doctales.PrincipalFromContext(r.Context())
	if p == nil || p.UserID == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="doctales"`)
		Error(w, r, h.Logger, doctales.Errorf(doctales.EUNAUTHORIZED, "Authentication required: send \"Authorization: Bearer <access token>\" from the user pool."))
		return nil
	}
	if err := authorize(p, scope); err != nil {
		Error(w, r, h.Logger, err)
		return nil
	}
	return r.WithContext(doctales.WithOwner(r.Context(), p.UserID))
}

// RouteScopes returns the scope each route needs, by its pattern ("POST
// /communications": "ingest"), for the routes a key or token can call:
// the SAM template's authorizer scopes are checked against it.
func RouteScopes() map[string]string {
	out := map[string]string{}
	for pattern, scope := range routeScopes {
		switch scope {
		case doctales.ScopeIngest, doctales.ScopeRead, doctales.ScopeAdmin:
			out[pattern] = scope
		}
	}
	return out
}

// callerOwner returns the user whose communications the request acts on:
// the signed-in caller, or "" (doctales.DefaultUserID) on an open server.
func callerOwner(r *http.Request) string {
	owner, _ := doctales.OwnerFromContext(r.Context())
	return owner
}

// authRoutes registers the sign-in routes.
func (h *Handler) authRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /auth/session", h.getSession)
	m.HandleFunc("POST /auth/session", h.signIn)
	m.HandleFunc("DELETE /auth/session", h.signOut)
}

// SessionResponse is the body of GET and POST /auth/session.
type SessionResponse struct {
	// Open is true when the server runs without authentication.
	Open     bool     `json:"open"`
	SignedIn bool     `json:"signedIn"`
	User     string   `json:"user,omitempty"`
	Scopes   []string `json:"scopes,omitempty"`
	// CSRFToken goes in the X-CSRF-Token header of state-changing
	// requests made with the session cookie.
	CSRFToken string `json:"csrfToken,omitempty"`
}

// getSession reports the caller's state, for the dashboard to decide
// between the sign-in page and the views.
func (h *Handler) getSession(w http.ResponseWriter, r *http.Request) {
	if h.OpenMode(r.Context()) {
		writeJSON(w, http.StatusOK, SessionResponse{Open: true, SignedIn: true, User: doctales.DefaultUserID, Scopes: []string{doctales.ScopeAdmin}})
		return
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || h.Auth == nil {
		writeJSON(w, http.StatusOK, SessionResponse{})
		return
	}
	s, err := h.Auth.Session(r.Context(), c.Value)
	if err != nil {
		if doctales.ErrorCode(err) != doctales.EUNAUTHORIZED {
			Error(w, r, h.Logger, err)
			return
		}
		writeJSON(w, http.StatusOK, SessionResponse{})
		return
	}
	writeJSON(w, http.StatusOK, SessionResponse{SignedIn: true, User: s.UserID, Scopes: s.Scopes, CSRFToken: string(s.CSRFToken)})
}

// signInRequest is the body of POST /auth/session: a user and password, or
// an API key.
type signInRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
	Key      string `json:"key"`
}

// signIn checks a password or a key and starts a session. Only JSON is
// accepted: a cross-origin page cannot send JSON without a CORS preflight,
// which it does not pass, so no other site can sign a browser in.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	if h.Auth == nil {
		h.notEnabled(w, r, "sign-in")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		Error(w, r, h.Logger, doctales.Errorf(doctales.EUNSUPPORTED, "Sign in with a JSON body."))
		return
	}
	body, err := readBody(w, r, maxSignInBodyBytes)
	if err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	var in signInRequest
	if err := json.Unmarshal(body, &in); err != nil {
		Error(w, r, h.Logger, doctales.Errorf(doctales.EINVALID, "The sign-in body is not valid JSON."))
		return
	}
	refused := doctales.Errorf(doctales.EUNAUTHORIZED, "The user name and password, or the key, are not valid.")
	// Slow password guessing: every attempt takes a token from the
	// client address's bucket and the user name's; a success gives them
	// back, so only failures count (ratelimit.go). A refused attempt is
	// not audited: a flood of them would otherwise fill the audit log at
	// the attacker's pace; the failures before it are.
	ipKey, userKey := "ip "+clientIP(r), "user "+in.User
	if wait := h.limits.signInIP.take(r.Context(), ipKey); wait > 0 {
		rateLimited(w, h.limits.signInIP, ipKey, wait)
		return
	}
	if in.User != "" {
		if wait := h.limits.signInUser.take(r.Context(), userKey); wait > 0 {
			rateLimited(w, h.limits.signInUser, userKey, wait)
			return
		}
	}
	var s doctales.Session
	var via, keyID string
	switch {
	case in.Key != "":
		k, err := h.Auth.AuthenticateKey(r.Context(), in.Key)
		if err != nil {
			// The key is a secret: the audit row names no target.
			h.Audit(r.Context(), doctales.AuditSignIn, "", err, map[string]any{"with": "key"})
			Error(w, r, h.Logger, err)
			return
		}
		s.UserID, s.Scopes, via, keyID = k.UserID, k.Scopes, "key", k.ID
	case in.User != "" && in.Password != "":
		hash, err := h.Auth.PasswordHash(r.Context(), in.User)
		if err != nil && doctales.ErrorCode(err) != doctales.ENOTFOUND {
			Error(w, r, h.Logger, err)
			return
		}
		// An unknown user costs the same time as a wrong password.
		if err != nil {
			hash = auth.DummyPasswordHash()
		}
		if !auth.CheckPassword(hash, in.Password) || err != nil {
			h.Logger.InfoContext(r.Context(), "sign-in refused", "user", in.User)
			h.Audit(r.Context(), doctales.AuditSignIn, in.User, refused, map[string]any{"with": "password"})
			Error(w, r, h.Logger, refused)
			return
		}
		via = "password"
		// A person signing in with their password owns this server's
		// mail (one person per server until issue 17 item 2).
		s.UserID, s.Scopes = in.User, []string{doctales.ScopeAdmin}
	default:
		Error(w, r, h.Logger, doctales.Errorf(doctales.EINVALID, "Send a user and password, or a key."))
		return
	}
	ttl := h.SessionTTL
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	now := time.Now()
	s.CreatedAt, s.ExpiresAt = now, now.Add(ttl)
	id := auth.NewSessionID()
	if err := h.Auth.CreateSession(r.Context(), id, &s); err != nil {
		Error(w, r, h.Logger, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: string(id), Path: "/",
		Expires: s.ExpiresAt, MaxAge: int(ttl.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	h.limits.signInIP.giveBack(r.Context(), ipKey)
	if in.User != "" {
		h.limits.signInUser.giveBack(r.Context(), userKey)
	}
	h.Audit(doctales.NewContextWithPrincipal(r.Context(), &doctales.Principal{UserID: s.UserID, KeyID: keyID, Via: "session"}),
		doctales.AuditSignIn, s.UserID, nil, map[string]any{"with": via})
	h.Logger.InfoContext(r.Context(), "signed in", "user", s.UserID, "via", map[bool]string{true: "key", false: "password"}[in.Key != ""])
	writeJSON(w, http.StatusOK, SessionResponse{SignedIn: true, User: s.UserID, Scopes: s.Scopes, CSRFToken: string(auth.CSRFToken(string(id)))})
}

// signOut ends the session and clears the cookie.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil && h.Auth != nil {
		if err := h.Auth.DeleteSession(r.Context(), c.Value); err != nil {
			Error(w, r, h.Logger, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	w.WriteHeader(http.StatusNoContent)
}
