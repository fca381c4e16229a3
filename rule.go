package doctales

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// A Rule is one of a person's notification rules (issue 13): an
// EventBridge-style event pattern over the table's change-stream record
// (the DynamoDB stream shape, so any dimension of the NewImage can be
// named: sender, project, category, urgency, entities, requiresAction,
// deadline), the channels a match goes to, and its place in the order.
//
// Rules are evaluated in Order (then ID); the first enabled rule whose
// pattern matches a change decides: the communication is notified once,
// to that rule's Targets, if the rule did not already match before the
// change. Rules live in the table and change through its stream like any
// other item, so the notification function applies a change without a
// restart.
type Rule struct {
	ID    string `json:"id"`
	Owner string `json:"userId"`
	Name  string `json:"name"`
	// Order places the rule among the owner's rules: lower first.
	Order   int  `json:"order"`
	Enabled bool `json:"enabled"`
	// Pattern is the event pattern, a JSON object (see package pattern).
	Pattern json.RawMessage `json:"pattern"`
	// Targets are channel names (ChannelLog, ChannelWebhook,
	// ChannelEmail, ChannelBrowser, ChannelSNS) or TargetAll.
	Targets []string `json:"targets"`
	// Default marks the built-in rule (DefaultRuleID): it can be edited
	// and disabled, not deleted.
	Default   bool      `json:"default,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// The default rule: the architecture document's filter, urgency high, to
// every channel. Every person has it from the first start until they
// change it; editing it stores their own copy under the same id.
const (
	DefaultRuleID      = "default"
	DefaultRuleName    = "High urgency"
	DefaultRulePattern = `{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high"]}}}}}}`
)

// Channel names a rule's Targets may hold: each names every configured
// subscriber of that protocol (every webhook, every e-mail address), and
// TargetAll names them all, those added to the configuration later too.
const (
	ChannelLog     = "log"
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
	ChannelBrowser = "browser" // the dashboard's live stream
	ChannelSNS     = "sns"     // an SNS(-compatible) topic a person subscribes to there
	TargetAll      = "all"
)

// RuleSortPrefix starts the sort key (SK) of a rule's item, beside the
// "COMM#" of communications, in the owner's partition.
const RuleSortPrefix = "RULE#"

// Limits of a rule.
const (
	MaxRuleNameRunes = 100
	MaxRulesPerOwner = 100
	MaxRuleIDBytes   = 64
	MaxRuleOrder     = 1_000_000
)

// DefaultRule returns the built-in default rule of owner.
func DefaultRule(owner string) *Rule {
	return &Rule{ID: DefaultRuleID, Owner: OwnerOf(owner), Name: DefaultRuleName, Enabled: true,
		Pattern: json.RawMessage(DefaultRulePattern), Targets: []string{TargetAll}, Default: true}
}

// WithDefaultRule returns owner's effective rules: the stored ones and,
// unless one of them is the default rule, the built-in DefaultRule,
// sorted by Order then ID. It does not change stored.
func WithDefaultRule(stored []*Rule, owner string) []*Rule {
	out := slices.Clone(stored)
	if !slices.ContainsFunc(out, func(r *Rule) bool { return r.ID == DefaultRuleID }) {
		out = append(out, DefaultRule(owner))
	}
	SortRules(out)
	return out
}

// SortRules sorts rules by Order, then ID: the order they are evaluated in.
func SortRules(rules []*Rule) {
	slices.SortStableFunc(rules, func(a, b *Rule) int {
		if a.Order != b.Order {
			return a.Order - b.Order
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// Validate checks the parts of a rule that need no pattern compiler: the
// id, the name, the order and the targets against channels (the channel
// names that exist here; TargetAll is always valid). The pattern itself is
// compiled by the caller (notify.ValidateRule). Errors are EINVALID and
// name the field and the value.
func (r *Rule) Validate(channels []string) error {
	switch {
	case r.ID == "":
		return FieldErrorf(EINVALID, "id", "rule id is required")
	case len(r.ID) > MaxRuleIDBytes:
		return FieldErrorf(EINVALID, "id", "rule id is %d bytes; the limit is %d", len(r.ID), MaxRuleIDBytes)
	case strings.ContainsFunc(r.ID, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')
	}):
		return FieldErrorf(EINVALID, "id", "rule id %q may hold only letters, digits, '-' and '_'", r.ID)
	case strings.TrimSpace(r.Name) == "":
		return FieldErrorf(EINVALID, "name", "rule name is required")
	case utf8.RuneCountInString(r.Name) > MaxRuleNameRunes:
		return FieldErrorf(EINVALID, "name", "rule name is %d characters; the limit is %d", utf8.RuneCountInString(r.Name), MaxRuleNameRunes)
	case r.Order < -MaxRuleOrder || r.Order > MaxRuleOrder:
		return FieldErrorf(EINVALID, "order", "order %d is outside %d..%d", r.Order, -MaxRuleOrder, MaxRuleOrder)
	case len(r.Pattern) == 0:
		return FieldErrorf(EINVALID, "pattern", `pattern is required, an event pattern such as %s`, DefaultRulePattern)
	case len(r.Targets) == 0:
		return FieldErrorf(EINVALID, "targets", "targets are required: one or more of %s", strings.Join(append(slices.Clone(channels), TargetAll), ", "))
	}
	for i, t := range r.Targets {
		if t != TargetAll && !slices.Contains(channels, t) {
			return FieldErrorf(EINVALID, fmt.Sprintf("targets[%d]", i), "channel %q does not exist here; use one of %s", t, strings.Join(append(slices.Clone(channels), TargetAll), ", "))
		}
	}
	return nil
}

// Sends reports whether the rule sends to channel.
func (r *Rule) Sends(channel string) bool {
	return slices.Contains(r.Targets, TargetAll) || slices.Contains(r.Targets, channel)
}

// Keys returns the rule item's primary key: the owner's partition and
// "RULE#<id>".
func (r *Rule) Keys() map[string]events.DynamoDBAttributeValue {
	return map[string]events.DynamoDBAttributeValue{
		"PK": events.NewStringAttribute(PartitionFor(r.Owner)),
		"SK": events.NewStringAttribute(RuleSortPrefix + r.ID),
	}
}

// IsRuleRecord reports whether a stream record's keys are a rule's (SK
// "RULE#..."), not a communication's: consumers of the stream that handle
// communications skip these.
func IsRuleRecord(keys map[string]events.DynamoDBAttributeValue) bool {
	sk, ok := keys["SK"]
	return ok && sk.DataType() == events.DataTypeString && strings.HasPrefix(sk.String(), RuleSortPrefix)
}

// RuleStore keeps people's rules in the table. Every write appends a
// change-stream record (INSERT, MODIFY, REMOVE, with Keys PK and SK
// "RULE#<id>") atomically with the change, as item writes do.
// Implementations are safe for concurrent use.
type RuleStore interface {
	// Rules returns owner's effective rules in evaluation order: the
	// stored ones and the built-in default unless stored (WithDefaultRule).
	Rules(ctx context.Context, owner string) ([]*Rule, error)
	// AllRules returns every stored rule of every owner.
	AllRules(ctx context.Context) ([]*Rule, error)
	// PutRule stores r, creating it or replacing the stored rule with its
	// owner and id (create true when it was new); it sets CreatedAt and
	// UpdatedAt. Rules beyond MaxRulesPerOwner are EINVALID.
	PutRule(ctx context.Context, r *Rule) (created bool, err error)
	// DeleteRule removes owner's rule id: ENOTFOUND when absent,
	// EINVALID for the default rule (disable it instead).
	DeleteRule(ctx context.Context, owner, id string) error
	// RulesVersion changes after every rule write this store made, so a
	// reader can keep compiled rules and reload only when it moves.
	RulesVersion() int64
}

// Channels lists every channel name a notification can be delivered on.
var Channels = []string{ChannelLog, ChannelWebhook, ChannelEmail, ChannelSNS, ChannelBrowser}

// Subscription names of the channels in the embedded runtime: each topic
// subscriber is its own subscription, "topic/<channel>" or
// "topic/<channel>-<n>" (the n-th subscriber in the configuration), with
// its own cursor, delivery policy and dead letters; the browser channel is
// the dashboard's live subscription.
const (
	ChannelSubscriptionPrefix = "topic/"
	BrowserSubscription       = "dashboard/live"
)

// SubscriptionChannel returns the channel a subscription delivers to, by
// the names above: "email" for "topic/email-2", "log" for "topic/log",
// "browser" for BrowserSubscription, and "" for a subscription that is no
// channel (extraction, notification).
func SubscriptionChannel(subscription string) string {
	if subscription == BrowserSubscription {
		return ChannelBrowser
	}
	rest, ok := strings.CutPrefix(subscription, ChannelSubscriptionPrefix)
	if !ok {
		return ""
	}
	name, n, numbered := strings.Cut(rest, "-")
	if numbered && (n == "" || strings.Trim(n, "0123456789") != "") {
		return ""
	}
	if !slices.Contains(Channels, name) || name == ChannelBrowser {
		return ""
	}
	return name
}
