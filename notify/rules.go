package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/pattern"
)

// Message attributes of a notification sent for a rule (issue 13).
const (
	// AttrRule is the id of the rule that decided the notification.
	AttrRule = "rule"
	// AttrTargets lists the channels the notification goes to, as SNS's
	// String.Array: a JSON array of channel names such as
	// ["log","webhook"], or ["all"]. A message without it (an alarm, a
	// notification from before rules) goes to every channel.
	AttrTargets = "targets"
)

// ValidateRule checks r for channels (the channel names that exist here):
// the fields doctales.Rule.Validate checks, and the pattern, compiled by
// package pattern. A bad pattern is EINVALID on field "pattern" with the
// compiler's message, which names the byte offset, the field path and the
// problem.
func ValidateRule(r *doctales.Rule, channels []string) error {
	if err := r.Validate(channels); err != nil {
		return err
	}
	if _, err := pattern.Compile(string(r.Pattern)); err != nil {
		return doctales.FieldErrorf(doctales.EINVALID, "pattern", "pattern %v", err)
	}
	return nil
}

// RuleReader is what a [RuleBook] reads: every stored rule, and a version
// that moves on every write. doctales.RuleStore satisfies it.
type RuleReader interface {
	AllRules(ctx context.Context) ([]*doctales.Rule, error)
	RulesVersion() int64
}

// RuleBook holds people's rules compiled, for the notification function
// and the notification subscription's filter. It reads through with a
// version check: every use compares the store's RulesVersion (an atomic
// load) with the version it compiled, and reloads every rule when it
// moved. So a rule written through the API applies to the very next
// record judged, without a restart and without racing the rule's own
// stream record (which another subscription, on another worker, reads).
//
// The zero RuleBook is not usable: set Store. A RuleBook is safe for
// concurrent use.
type RuleBook struct {
	Store RuleReader

	mu  sync.Mutex // serialises reloads
	cur atomic.Pointer[ruleSnapshot]
}

// compiledRule is one rule with its pattern compiled.
type compiledRule struct {
	*doctales.Rule
	p   *pattern.Pattern
	pid string // the id of its pattern in the snapshot's matcher ("" when disabled)
}

// ruleSnapshot is the rules at one version.
//
// Every enabled rule of every owner, and the default rule, is compiled
// into one pattern.Matcher, each distinct pattern text once: one pass over
// a record's flattening answers which patterns match, for Admit (any?),
// and Matcher.Matches remembers the answer in the Flat, so that the judge
// of a record the trigger admitted picks the owner's first enabled rule
// from it without matching again (see judge).
type ruleSnapshot struct {
	version int64
	byOwner map[string][]*compiledRule // stored rules, with the default, in order
	def     []*compiledRule            // the built-in default alone, for owners with no stored rule
	all     *pattern.Matcher           // every enabled pattern once, ids are compiledRule.pid
}

// defaultPattern is the built-in default rule's pattern, compiled once.
var defaultPattern = pattern.MustCompile(doctales.DefaultRulePattern)

// snapshot returns the rules at the store's current version, reloading
// them if they changed.
func (b *RuleBook) snapshot(ctx context.Context) (*ruleSnapshot, error) {
	v := b.Store.RulesVersion()
	if s := b.cur.Load(); s != nil && s.version == v {
		return s, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if s := b.cur.Load(); s != nil && s.version == v {
		return s, nil
	}
	all, err := b.Store.AllRules(ctx)
	if err != nil {
		return nil, fmt.Errorf("load rules: %w", err)
	}
	s := &ruleSnapshot{version: v, byOwner: map[string][]*compiledRule{}, all: &pattern.Matcher{}}
	// pids names each distinct enabled pattern text in the matcher.
	pids := map[string]string{}
	pid := func(text string) string {
		id, ok := pids[text]
		if !ok {
			id = strconv.Itoa(len(pids))
			pids[text] = id
			_ = s.all.AddPattern(id, text) // compiled once already: it compiles
		}
		return id
	}
	s.def = []*compiledRule{{Rule: doctales.DefaultRule(""), p: defaultPattern, pid: pid(doctales.DefaultRulePattern)}}
	owners := map[string][]*doctales.Rule{}
	for _, r := range all {
		owners[r.Owner] = append(owners[r.Owner], r)
	}
	for owner, stored := range owners {
		var list []*compiledRule
		for _, r := range doctales.WithDefaultRule(stored, owner) {
			p, err := pattern.Compile(string(r.Pattern))
			if err != nil {
				// Stored rules were validated; one that no longer
				// compiles (a newer pattern syntax, a hand edit) is
				// left out rather than stopping every notification.
				continue
			}
			cr := &compiledRule{Rule: r, p: p}
			if r.Enabled {
				cr.pid = pid(string(r.Pattern))
			}
			list = append(list, cr)
		}
		s.byOwner[owner] = list
	}
	b.cur.Store(s)
	return s, nil
}

// rulesFor returns owner's compiled rules in order.
func (s *ruleSnapshot) rulesFor(owner string) []*compiledRule {
	if list, ok := s.byOwner[doctales.OwnerOf(owner)]; ok {
		return list
	}
	return s.def
}

// Admit reports whether a flattened stream record matches any person's
// enabled rule, in one pass of the snapshot's matcher, whose answer the
// Flat keeps for the judge (see ruleSnapshot). It widens the notification
// subscription's filter (see runtime.Subscription.Admit) so that a record
// a rule names reaches the function, whatever the configured filter says.
// When the rules cannot be read it admits the record: the function then
// decides, or fails and the record is retried, rather than being dropped
// unseen.
func (b *RuleBook) Admit(f *pattern.Flat) bool {
	s, err := b.snapshot(context.Background())
	if err != nil {
		return true
	}
	return len(s.all.Matches(f)) > 0
}

// judgement is what ruleSnapshot.judge found for one record.
type judgement struct {
	rule    *compiledRule // the first enabled rule that matches, or nil
	was     bool          // rule matched the record with its old image too
	enabled int           // the enabled rules tried
}

// judge finds, among rules (one owner's, in order), the first enabled one
// whose pattern matches f, and whether it matched the old image too
// (hasOld: the record has one), read through Flat.Alias: NewImage as
// OldImage, with no re-encoding.
//
// When the trigger's Admit already ran the matcher of every rule on f
// (the record matched no configured filter), its answer is in f and the
// judge only looks its rules up in it. Otherwise it matches the owner's
// enabled rules on f in order, stopping at the first that matches, rather
// than running the matcher of every owner's rules, whose cost grows with
// everyone's rules: in BenchmarkPipeline (a 1.2 KB record, 101 rules of
// 10 owners, the owner's sixth rule matching), the whole path took about
// 10 µs this way and about 30 µs with a full matcher pass (medians of 4,
// on 2 shared, loaded cores). Both read the one shared flattening.
func (s *ruleSnapshot) judge(f *pattern.Flat, rules []*compiledRule, hasOld bool) judgement {
	ids, known := s.all.Cached(f)
	var j judgement
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		j.enabled++
		if known && !slices.Contains(ids, r.pid) || !known && !r.p.MatchFlat(f) {
			continue
		}
		j.rule = r
		if hasOld && f.Alias(streamRecordPath, "NewImage", "OldImage") {
			j.was = r.p.MatchFlat(f)
			f.Unalias()
		}
		return j
	}
	return j
}

// streamRecordPath is the path of a stream record's images, for Alias.
var streamRecordPath = []string{"dynamodb"}

// rules returns owner's compiled rules in evaluation order.
func (b *RuleBook) rules(ctx context.Context, owner string) ([]*compiledRule, error) {
	s, err := b.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return s.rulesFor(owner), nil
}

// ItemRecord returns the stream record a stored item stands for when a
// pattern is tried on it ("test against my last 100"): a MODIFY whose
// NewImage is the item as it is now, with its keys, as the notification
// function would see the item's last change.
func ItemRecord(item *doctales.Item) ([]byte, error) {
	img, err := item.Image()
	if err != nil {
		return nil, err
	}
	rec := events.DynamoDBEventRecord{
		EventName:   EventModify,
		EventSource: doctales.SourceDynamoDB,
		Change: events.DynamoDBStreamRecord{
			Keys:           item.Keys(),
			NewImage:       img,
			StreamViewType: "NEW_AND_OLD_IMAGES",
		},
	}
	return json.Marshal(rec)
}

// MatchItems returns the items whose ItemRecord matches pat (a pattern
// text), in the order given. A bad pattern is EINVALID on "pattern",
// naming the offset and the problem.
func MatchItems(pat string, items []*doctales.Item) ([]*doctales.Item, error) {
	p, err := pattern.Compile(pat)
	if err != nil {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "pattern", "pattern %v", err)
	}
	var out []*doctales.Item
	for _, it := range items {
		data, err := ItemRecord(it)
		if err != nil {
			return nil, fmt.Errorf("record of item %q: %w", it.ID, err)
		}
		if ok, err := p.Match(data); err == nil && ok {
			out = append(out, it)
		}
	}
	return out, nil
}

// judgeRules finds the rule that decides rec for item, the first enabled
// rule of the item's owner, in order, whose pattern matches the record,
// and reports whether that rule fires: it did not match the record with
// the old image in place of the new one (an item that stays matched was
// notified when it began to match). It returns nil and a reason when no
// rule applies.
//
// raw, when set, is the log record rec was decoded from: the record is
// then read from the flattening the subscription's filter made, through
// f.Flats, and the matcher's answer the filter's Admit left in it. Without
// raw (on Lambda, or `invoke`), rec is encoded once and flattened once for
// every rule.
func (f *Function) judgeRules(ctx context.Context, rec *events.DynamoDBEventRecord, raw *doctales.LogRecord, old, item *doctales.Item) (*compiledRule, string, error) {
	s, err := f.Rules.snapshot(ctx)
	if err != nil {
		return nil, "", err
	}
	rules := s.rulesFor(item.Owner)
	cache, key, data := f.Flats, int64(0), []byte(nil)
	if raw != nil {
		key, data = raw.Seq, raw.Data
	} else {
		cache = nil
		if data, err = json.Marshal(rec); err != nil {
			return nil, "", fmt.Errorf("encode record: %w", err)
		}
	}
	var j judgement
	hasOld := len(rec.Change.OldImage) > 0
	if err := cache.Do(key, data, func(fl *pattern.Flat) { j = s.judge(fl, rules, hasOld) }); err != nil {
		return nil, "", fmt.Errorf("read record %q: %w", rec.Change.SequenceNumber, err)
	}
	switch r := j.rule; {
	case r == nil && j.enabled == 0:
		return nil, "no rule is enabled", nil
	case r == nil:
		return nil, fmt.Sprintf("no rule matched (%d enabled)", j.enabled), nil
	case j.was:
		return nil, fmt.Sprintf("rule %q already matched before this change", r.Name), nil
	}
	r := j.rule
	reason := fmt.Sprintf("matched rule %q", r.Name)
	if r.ID == doctales.DefaultRuleID {
		if yes, why := Escalation(old, item); yes {
			reason = why
		}
	}
	return r, reason, nil
}

// newRuleMessage returns the notification rule r sends for item. The
// default rule's keeps NewMessage's id, subject and body (so the ledger of
// notifications sent before rules still holds); another rule's says which
// rule matched, and its id is MessageID(item.ID, "rule:<id>@<updated>"):
// the same for a re-delivered record, new for the next time the item
// begins to match. Both carry AttrRule and AttrTargets.
func newRuleMessage(item *doctales.Item, r *doctales.Rule, topicArn string, now time.Time) *doctales.Message {
	m := NewMessage(item, topicArn, now)
	if r.ID != doctales.DefaultRuleID {
		m.MessageID = MessageID(item.ID, "rule:"+r.ID+"@"+item.UpdatedAt.UTC().Format(time.RFC3339Nano))
		name := oneLine(r.Name)
		m.Subject = truncate(name+": "+subjectOrFallback(item.Subject), MaxSubjectRunes)
		m.Message = strings.Replace(m.Message, bodyIntro, fmt.Sprintf("A communication matched your rule %q.", name), 1)
		if item.Metadata.Urgency != "" {
			m.MessageAttributes[AttrUrgency] = doctales.MessageAttribute{DataType: stringAttr, StringValue: item.Metadata.Urgency}
		} else {
			delete(m.MessageAttributes, AttrUrgency)
		}
	}
	m.MessageAttributes[AttrRule] = doctales.MessageAttribute{DataType: stringAttr, StringValue: r.ID}
	targets, _ := json.Marshal(r.Targets)
	m.MessageAttributes[AttrTargets] = doctales.MessageAttribute{DataType: "String.Array", StringValue: string(targets)}
	return m
}

// subjectOrFallback is the one-line subject, or "(no subject)".
func subjectOrFallback(s string) string {
	if s = oneLine(s); s == "" {
		return noSubject
	}
	return s
}

// ForChannel reports whether m goes to channel: it has no AttrTargets, or
// they name the channel or doctales.TargetAll.
func ForChannel(m *doctales.Message, channel string) bool {
	a, ok := m.MessageAttributes[AttrTargets]
	if !ok {
		return true
	}
	var targets []string
	if err := json.Unmarshal([]byte(a.StringValue), &targets); err != nil {
		return true // unreadable: deliver rather than lose it
	}
	return slices.Contains(targets, doctales.TargetAll) || slices.Contains(targets, channel)
}

// ChannelFilter returns the filter pattern, over the SNS-shaped messages
// of the topic, that lets through to a subscriber of channel the messages
// meant for it: those without AttrTargets, and those whose targets name
// the channel or "all". It is an SNS subscription filter policy in the
// event-pattern syntax, so the runtime drops (and counts) the others.
func ChannelFilter(channel string) string {
	q := func(s string) string {
		b, _ := json.Marshal(`*"` + s + `"*`)
		return string(b)
	}
	return `{"$or":[{"MessageAttributes":{"` + AttrTargets + `":{"StringValue":[{"exists":false}]}}},` +
		`{"MessageAttributes":{"` + AttrTargets + `":{"StringValue":[{"wildcard":` + q(channel) + `},{"wildcard":` + q(doctales.TargetAll) + `}]}}}]}`
}

// errNoRules is returned by a Function whose Rules has no Store.
var errNoRules = errors.New("notify function: Rules.Store required")
