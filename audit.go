package doctales

import (
	"context"
	"time"
)

// Audited actions (issue 17, item 5). Each is one row in the audit log.
const (
	AuditRedrive       = "dlq.redrive"     // POST /dlq/{id}/redrive; target the dead letter id
	AuditRedriveAll    = "dlq.redrive_all" // POST /dlq/redrive; target the subscription or "*"
	AuditKeyCreate     = "key.create"      // doctales keys create; target the key id
	AuditKeyRevoke     = "key.revoke"      // doctales keys revoke; target the key id
	AuditUserAdd       = "user.add"        // doctales users add; target the user name
	AuditUserRemove    = "user.remove"     // doctales users rm; target the user name
	AuditSignIn        = "auth.sign_in"    // POST /auth/session; target the user name or key id
	AuditProfileUpdate = "profile.update"  // PUT /user-profile; target the profile id
	// AuditDelete is DELETE /communications/{id}; target the id.
	AuditDelete = "communication.delete"
	// AuditAdopt is users adopt; target the user who took over the
	// communications stored while the server ran open.
	AuditAdopt = "user.adopt"
	// AuditRetention is one run of the retention sweep; target the
	// retention period, detail how many communications it deleted.
	AuditRetention = "retention.sweep"
	// AuditRulePut and AuditRuleDelete are POST and PUT /rules and DELETE
	// /rules/{id} (issue 13): a notification rule changed; target its id.
	AuditRulePut    = "rule.put"
	AuditRuleDelete = "rule.delete"
)

// Outcomes of an audited action besides an error code (such as
// "unauthorized" or "not_found").
const (
	AuditOK = "ok"
)

// AuditEntry is one row of the audit log: who did what to which thing,
// from where, and how it ended. It never holds a secret: not a key, a
// password, a session id or a CSRF token; Detail holds only what the
// caller passes, which must follow the same rule.
type AuditEntry struct {
	Seq      int64          `json:"seq"`
	Time     time.Time      `json:"time"`
	UserID   string         `json:"user"`            // the principal's user; for the CLI, the OS user
	KeyID    string         `json:"keyId,omitempty"` // the API key's public id, when a key was used
	Via      string         `json:"via"`             // "key", "session", "open" or "cli"
	Action   string         `json:"action"`          // one of the Audit… constants
	Target   string         `json:"target"`          // what was acted on
	Outcome  string         `json:"outcome"`         // AuditOK or an error code
	ClientIP string         `json:"clientIp,omitempty"`
	Detail   map[string]any `json:"detail,omitempty"`
}

// AuditFilter selects audit entries; nil fields select all.
type AuditFilter struct {
	Since  *time.Time
	Action *string
	// Limit is the most entries returned, newest first; zero means
	// MaxPageSize.
	Limit int
}

// AuditLog stores audit entries durably. Implementations are safe for
// concurrent use; *sqlite.DB provides one.
type AuditLog interface {
	// AppendAudit stores e, setting its Seq and, when zero, its Time.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// AuditEntries returns entries matching f, newest first.
	AuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
}

// AuditOutcome returns AuditOK for a nil error, else err's code.
func AuditOutcome(err error) string {
	if err == nil {
		return AuditOK
	}
	return ErrorCode(err)
}
