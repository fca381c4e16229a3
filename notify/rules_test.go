package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/pattern"
)

// ruleStore is an in-memory notify.RuleReader whose version moves on every
// Set.
type ruleStore struct {
	mu    sync.Mutex
	rules []*doctales.Rule
	v     atomic.Int64
	loads atomic.Int64
}

func (s *ruleStore) AllRules(context.Context) ([]*doctales.Rule, error) {
	s.loads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*doctales.Rule(nil), s.rules...), nil
}

func (s *ruleStore) RulesVersion() int64 { return s.v.Load() }

func (s *ruleStore) Set(rules ...*doctales.Rule) {
	s.mu.Lock()
	s.rules = rules
	s.mu.Unlock()
	s.v.Add(1)
}

const projectPattern = `{"dynamodb":{"NewImage":{"project":{"S":["launch"]}}}}`

func projectRule(enabled bool, targets ...string) *doctales.Rule {
	return &doctales.Rule{ID: "launch", Owner: doctales.DefaultUserID, Name: "Launch project", Enabled: enabled,
		Pattern: json.RawMessage(projectPattern), Targets: targets}
}

// TestFunction_Rules checks the notification function with people's
// rules: a rule on the project notifies a low-urgency item once, to the
// rule's targets, and not again while it stays matched; a rule change is
// seen on the next record without a new function (read-through); a
// disabled rule notifies nothing; the default rule keeps the message id
// of the built-in rule.
func TestFunction_Rules(t *testing.T) {
	store := &ruleStore{}
	f, tp, _ := newFunction(t)
	f.Rules = &notify.RuleBook{Store: store}

	low := testItem("c1", doctales.UrgencyLow)
	low.Project = "launch"
	// Only the built-in default applies: a low item is not notified.
	MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record(t, "INSERT", "1", nil, low)}})
	if len(tp.Published) != 0 {
		t.Fatalf("published %d before any rule, want 0", len(tp.Published))
	}

	store.Set(projectRule(true, "log", "webhook"))
	low2 := testItem("c2", doctales.UrgencyLow)
	low2.Project = "launch"
	MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record(t, "INSERT", "2", nil, low2)}})
	if len(tp.Published) != 1 {
		t.Fatalf("published %d after the rule was added, want 1", len(tp.Published))
	}
	m := tp.Published[0]
	if m.MessageAttributes[notify.AttrRule].StringValue != "launch" ||
		m.MessageAttributes[notify.AttrTargets].StringValue != `["log","webhook"]` ||
		!strings.HasPrefix(m.Subject, "Launch project: ") ||
		!strings.Contains(m.Message, `matched your rule "Launch project"`) {
		t.Errorf("message = %+v", m)
	}
	if !notify.ForChannel(m, "webhook") || notify.ForChannel(m, "browser") {
		t.Error("ForChannel does not follow the targets")
	}

	// The same item modified while it stays matched: nothing new.
	low2b := *low2
	low2b.Subject = "changed"
	MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record(t, "MODIFY", "3", low2, &low2b)}})
	if len(tp.Published) != 1 {
		t.Fatalf("published %d after a modify that stays matched, want 1", len(tp.Published))
	}

	// Disabled: nothing.
	store.Set(projectRule(false, "log"))
	low3 := testItem("c3", doctales.UrgencyLow)
	low3.Project = "launch"
	MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record(t, "INSERT", "4", nil, low3)}})
	if len(tp.Published) != 1 {
		t.Fatalf("published %d with the rule disabled, want 1", len(tp.Published))
	}

	// The default rule: the built-in message id, to every channel.
	high := testItem("c4", doctales.UrgencyHigh)
	MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record(t, "INSERT", "5", nil, high)}})
	if len(tp.Published) != 2 {
		t.Fatalf("published %d for a high item, want 2", len(tp.Published))
	}
	if got, want := tp.Published[1].MessageID, notify.MessageID("c4", notify.EscalationUrgencyHigh); got != want {
		t.Errorf("default rule message id = %s, want the built-in %s", got, want)
	}
	if !notify.ForChannel(tp.Published[1], "browser") {
		t.Error("the default rule's message does not go to every channel")
	}

	// The default rule disabled: a high item is not notified.
	def := doctales.DefaultRule("")
	def.Enabled = false
	store.Set(projectRule(false, "log"), def)
	high2 := testItem("c5", doctales.UrgencyHigh)
	MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record(t, "INSERT", "6", nil, high2)}})
	if len(tp.Published) != 2 {
		t.Fatalf("published %d with the default rule disabled, want 2", len(tp.Published))
	}
	if loads := store.loads.Load(); loads != 4 {
		t.Errorf("rules loaded %d times, want 4 (once per version: none, then three sets)", loads)
	}
}

// TestFunction_RulesOrder checks that the first matching rule in order
// decides: an earlier rule to the log alone wins over the default rule.
func TestFunction_RulesOrder(t *testing.T) {
	store := &ruleStore{}
	store.Set(&doctales.Rule{ID: "acme", Owner: doctales.DefaultUserID, Name: "Acme", Order: -1, Enabled: true,
		Pattern: json.RawMessage(`{"dynamodb":{"NewImage":{"sender_id":{"S":[{"suffix":"@acme.example"}]}}}}`), Targets: []string{"log"}})
	f, tp, _ := newFunction(t)
	f.Rules = &notify.RuleBook{Store: store}
	it := testItem("c1", doctales.UrgencyHigh)
	it.SenderID = "ceo@acme.example"
	MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record(t, "INSERT", "1", nil, it)}})
	if len(tp.Published) != 1 || tp.Published[0].MessageAttributes[notify.AttrRule].StringValue != "acme" {
		t.Fatalf("published %+v, want one message by rule acme", tp.Published)
	}
	if !store.admits(t, f, it) {
		t.Error("RuleBook.Admit refuses a record a rule matches")
	}
}

func (s *ruleStore) admits(t *testing.T, f *notify.Function, it *doctales.Item) bool {
	t.Helper()
	data, err := notify.ItemRecord(it)
	if err != nil {
		t.Fatal(err)
	}
	var fl pattern.Flat
	if err := fl.Reset(data); err != nil {
		t.Fatal(err)
	}
	return f.Rules.Admit(&fl)
}

// TestValidateRule checks that errors name the field and the problem, and
// that a bad pattern's error gives the offset.
func TestValidateRule(t *testing.T) {
	channels := []string{"log", "browser", "webhook"}
	ok := projectRule(true, "log")
	if err := notify.ValidateRule(ok, channels); err != nil {
		t.Fatalf("valid rule: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(r *doctales.Rule)
		field string
		want  string
	}{
		{"bad pattern", func(r *doctales.Rule) { r.Pattern = json.RawMessage(`{"a":[{"numeric":[">"]}]}`) }, "pattern", "offset"},
		{"not JSON", func(r *doctales.Rule) { r.Pattern = json.RawMessage(`{"a":`) }, "pattern", "offset"},
		{"unknown channel", func(r *doctales.Rule) { r.Targets = []string{"log", "sms"} }, "targets[1]", `"sms"`},
		{"no targets", func(r *doctales.Rule) { r.Targets = nil }, "targets", "required"},
		{"no name", func(r *doctales.Rule) { r.Name = " " }, "name", "required"},
		{"bad id", func(r *doctales.Rule) { r.ID = "a/b" }, "id", `"a/b"`},
	} {
		r := *projectRule(true, "log")
		tc.edit(&r)
		err := notify.ValidateRule(&r, channels)
		if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != tc.field ||
			!strings.Contains(doctales.ErrorMessage(err), tc.want) {
			t.Errorf("%s: %v, want EINVALID on %s naming %s", tc.name, err, tc.field, tc.want)
		}
	}
}

// TestChannelFilter checks the subscription filter of a channel against
// messages with and without targets.
func TestChannelFilter(t *testing.T) {
	p := pattern.MustCompile(notify.ChannelFilter("webhook"))
	for _, tc := range []struct {
		attrs string
		want  bool
	}{
		{`{}`, true},
		{`{"targets":{"DataType":"String.Array","StringValue":"[\"log\",\"webhook\"]"}}`, true},
		{`{"targets":{"DataType":"String.Array","StringValue":"[\"all\"]"}}`, true},
		{`{"targets":{"DataType":"String.Array","StringValue":"[\"log\"]"}}`, false},
		{`{"targets":{"DataType":"String.Array","StringValue":"[\"webhooks\"]"}}`, false},
	} {
		ev := `{"MessageId":"m","MessageAttributes":` + tc.attrs + `}`
		if got, err := p.Match([]byte(ev)); err != nil || got != tc.want {
			t.Errorf("%s: match = %v, %v; want %v", tc.attrs, got, err, tc.want)
		}
	}
}

// TestMatchItems checks the preview: which items a pattern matches.
func TestMatchItems(t *testing.T) {
	a, b := testItem("a", doctales.UrgencyHigh), testItem("b", doctales.UrgencyLow)
	got, err := notify.MatchItems(doctales.DefaultRulePattern, []*doctales.Item{a, b})
	if err != nil || len(got) != 1 || got[0].ID != "a" {
		t.Fatalf("MatchItems = %v, %v; want a alone", got, err)
	}
	if _, err := notify.MatchItems(`{"x":1}`, nil); doctales.ErrorField(err) != "pattern" {
		t.Errorf("bad pattern: %v, want an error on pattern", err)
	}
}

// ruleExamples are the patterns docs/operations.md gives, one per
// dimension; TestRuleExamples checks each against an item that has it.
var ruleExamples = map[string]string{
	"sender":         `{"dynamodb":{"NewImage":{"sender_id":{"S":[{"suffix":"@acme.example"}]}}}}`,
	"sender+project": `{"dynamodb":{"NewImage":{"sender_id":{"S":["ana@acme.example"]},"project":{"S":["finance"]}}}}`,
	"project":        `{"dynamodb":{"NewImage":{"project":{"S":["finance","legal"]}}}}`,
	"category":       `{"dynamodb":{"NewImage":{"dimensions":{"M":{"category":{"S":["person","reply"]}}}}}}`,
	"urgency":        `{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high","medium"]}}}}}}`,
	"entities":       `{"dynamodb":{"NewImage":{"dimensions":{"M":{"entities":{"L":{"M":{"Type":{"S":["ORGANIZATION"]},"Text":{"S":[{"equals-ignore-case":"acme corp"}]}}}}}}}}}`,
	"requiresAction": `{"dynamodb":{"NewImage":{"dimensions":{"M":{"requiresAction":{"BOOL":[true]}}}}}}`,
	"deadline":       `{"dynamodb":{"NewImage":{"dimensions":{"M":{"deadline":{"S":[{"exists":true}]}}}}}}`,
	"not a list":     `{"dynamodb":{"NewImage":{"dimensions":{"M":{"category":{"S":[{"anything-but":["list","bulk","automated"]}]}}}}}}`,
}

func TestRuleExamples(t *testing.T) {
	deadline := testNow.Add(24 * time.Hour)
	it := testItem("x", doctales.UrgencyHigh)
	it.Project, it.SenderID = "finance", "ana@acme.example"
	it.Dimensions = &doctales.Dimensions{Category: "person", RequiresAction: true, Deadline: &deadline,
		Entities: []doctales.Entity{{Text: "Ana Ruiz", Type: "PERSON"}, {Text: "Acme Corp", Type: "ORGANIZATION"}}}
	other := testItem("y", doctales.UrgencyLow)
	other.Project, other.SenderID = "home", "bo@family.example"
	other.Dimensions = &doctales.Dimensions{Category: "list", Entities: []doctales.Entity{{Text: "Acme Corp", Type: "PERSON"}}}
	for name, p := range ruleExamples {
		got, err := notify.MatchItems(p, []*doctales.Item{it, other})
		if err != nil || len(got) != 1 || got[0].ID != "x" {
			t.Errorf("%s: %s matched %v (%v); want the item with the dimension alone", name, p, got, err)
		}
	}
}

// BenchmarkRules measures what rules add to the notification path, one
// goroutine: Admit (run by the trigger's filter on every record the
// configured filter drops) and the function's judgement of a high item,
// with the default rule alone and with ten more rules.
func BenchmarkRules(b *testing.B) {
	it := testItem("bench", doctales.UrgencyLow)
	it.Dimensions = &doctales.Dimensions{Category: "person", Entities: []doctales.Entity{{Text: "Acme Corp", Type: "ORGANIZATION"}}}
	data, err := notify.ItemRecord(it)
	if err != nil {
		b.Fatal(err)
	}
	high := testItem("bench-high", doctales.UrgencyHigh)
	for _, n := range []int{0, 10} {
		store := &ruleStore{}
		var rules []*doctales.Rule
		for i := range n {
			rules = append(rules, &doctales.Rule{ID: fmt.Sprintf("r%d", i), Owner: doctales.DefaultUserID, Name: "r", Order: i, Enabled: true,
				Pattern: json.RawMessage(fmt.Sprintf(`{"dynamodb":{"NewImage":{"project":{"S":["p%d"]}}}}`, i)), Targets: []string{"log"}})
		}
		store.Set(rules...)
		book := &notify.RuleBook{Store: store}
		b.Run(fmt.Sprintf("Admit/%d-rules", n+1), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			var fl pattern.Flat
			for b.Loop() {
				if err := fl.Reset(data); err != nil {
					b.Fatal(err)
				}
				book.Admit(&fl)
			}
		})
		for _, withRules := range []bool{false, true} {
			name := "Handle/builtin"
			if withRules {
				name = fmt.Sprintf("Handle/%d-rules", n+1)
			} else if n > 0 {
				continue
			}
			b.Run(name, func(b *testing.B) {
				f, _, _ := newFunction(b)
				f.Logger = slog.New(slog.DiscardHandler)
				if withRules {
					f.Rules = book
				}
				ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record(b, "INSERT", "1", nil, high)}}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := f.Handle(context.Background(), ev); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
