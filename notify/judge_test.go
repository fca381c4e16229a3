package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/pattern"
	"github.com/doctales/doctales/sqlite"
)

// judgePatterns are rule patterns over the change record: every kind of
// condition, both images, $or, arrays of maps, and the default rule's own
// text (shared in the matcher).
var judgePatterns = []string{
	`{"dynamodb":{"NewImage":{"project":{"S":["launch"]}}}}`,
	`{"dynamodb":{"NewImage":{"sender_id":{"S":[{"suffix":"@acme.example"}]}}}}`,
	`{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high","medium"]}}}}}}`,
	`{"dynamodb":{"NewImage":{"dimensions":{"M":{"category":{"S":["person"]},"requiresAction":{"BOOL":[true]}}}}}}`,
	`{"dynamodb":{"NewImage":{"dimensions":{"M":{"entities":{"L":{"M":{"Type":{"S":["ORGANIZATION"]},"Text":{"S":[{"prefix":"Acme"}]}}}}}}}}}`,
	`{"eventName":["INSERT"],"dynamodb":{"NewImage":{"project":{"S":[{"anything-but":"launch"}]}}}}`,
	`{"dynamodb":{"NewImage":{"subject":{"S":[{"wildcard":"*URGENT*"}]}}}}`,
	`{"$or":[{"dynamodb":{"NewImage":{"project":{"S":["q3"]}}}},{"dynamodb":{"OldImage":{"project":{"S":["launch"]}}}}]}`,
	`{"dynamodb":{"NewImage":{"metadata":{"M":{"category":{"S":[{"exists":false}]}}}}}}`,
	doctales.DefaultRulePattern,
	`{"dynamodb":{"NewImage":{"sender":{"S":[{"equals-ignore-case":"alice smith"}]}}}}`,
	`{"dynamodb":{"OldImage":{"metadata":{"M":{"urgency":{"S":["low"]}}}}}}`,
	`{"dynamodb":{"NewImage":{"metadata":{"M":{"read":{"BOOL":[false]}}}},"OldImage":{"project":{"S":[{"exists":true}]}}}}`,
}

// judgeOwners are the owners of the generated rules and items.
var judgeOwners = []string{doctales.DefaultUserID, "ana", "bob"}

// randomRules returns a rule set for judgeOwners: up to six rules each,
// some disabled, in a random order, and sometimes the default rule
// disabled or given another pattern.
func randomRules(rng *rand.Rand) []*doctales.Rule {
	var rules []*doctales.Rule
	for _, owner := range judgeOwners {
		for i := range rng.IntN(7) {
			rules = append(rules, &doctales.Rule{
				ID: fmt.Sprintf("r%d", i), Owner: owner, Name: fmt.Sprintf("%s rule %d", owner, i),
				Order: rng.IntN(10), Enabled: rng.IntN(4) != 0, Targets: []string{"log"},
				Pattern: json.RawMessage(judgePatterns[rng.IntN(len(judgePatterns))]),
			})
		}
		if rng.IntN(4) == 0 {
			d := doctales.DefaultRule(owner)
			d.Enabled = rng.IntN(2) == 0
			d.Pattern = json.RawMessage(judgePatterns[rng.IntN(len(judgePatterns))])
			rules = append(rules, d)
		}
	}
	return rules
}

// randomItem returns an item of one of judgeOwners with fields the
// patterns name, each picked at random.
func randomItem(rng *rand.Rand, id string) *doctales.Item {
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	it := testItem(id, pick("", doctales.UrgencyLow, "medium", doctales.UrgencyHigh))
	it.Owner = judgeOwners[rng.IntN(len(judgeOwners))]
	it.Project = pick("launch", "q3", "")
	it.SenderID = pick("ceo@acme.example", "ann@example.org")
	it.Sender = pick("Alice Smith", "ALICE SMITH", "Bob")
	it.Subject = pick("URGENT: sign", "lunch?", "")
	it.Metadata.Category = pick("", "list")
	it.Metadata.Read = rng.IntN(3) == 0
	if rng.IntN(2) == 0 {
		it.Dimensions = &doctales.Dimensions{Category: pick("person", "list"), RequiresAction: rng.IntN(2) == 0}
		if rng.IntN(2) == 0 {
			it.Dimensions.Entities = []doctales.Entity{{Text: pick("Acme Corp", "Initech"), Type: pick("ORGANIZATION", "PERSON")}}
		}
	}
	return it
}

// randomRecord returns a stream record for item: an INSERT, or a MODIFY
// from a variant of it (another urgency, project or sender), as the log
// holds it (raw, encoded as sqlite encodes it) and as the function gets
// it (decoded from raw).
func randomRecord(tb testing.TB, rng *rand.Rand, seq int64, it *doctales.Item) (*doctales.LogRecord, events.DynamoDBEventRecord, *doctales.Item) {
	tb.Helper()
	var old *doctales.Item
	name := notify.EventInsert
	if rng.IntN(3) != 0 {
		name = notify.EventModify
		o := *it
		o.Metadata.Urgency = []string{"", doctales.UrgencyLow, doctales.UrgencyHigh}[rng.IntN(3)]
		o.Project = []string{"launch", "q3", it.Project}[rng.IntN(3)]
		if rng.IntN(2) == 0 {
			o.SenderID = "old@acme.example"
		}
		old = &o
	}
	data, err := json.Marshal(record(tb, name, fmt.Sprint(seq), old, it))
	if err != nil {
		tb.Fatal(err)
	}
	var rec events.DynamoDBEventRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		tb.Fatal(err)
	}
	return &doctales.LogRecord{Seq: seq, Source: doctales.SourceDynamoDB, Key: it.ID, Data: data}, rec, old
}

// checkAgreement judges n random records under one random rule set by
// the old path (re-encode, each rule alone) and the shared one, three
// ways: the filter's Admit on the cached flattening, then the judge from
// its matcher answer; the judge alone on a cached flattening (no Admit);
// and the judge without raw bytes, as on Lambda. All give the same
// admission, the same rule and the same reason.
func checkAgreement(t *testing.T, seed uint64, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 13))
	store := &ruleStore{}
	store.Set(randomRules(rng)...)
	f := &notify.Function{Rules: &notify.RuleBook{Store: store}, Flats: pattern.NewFlatCache(8)}
	// unadmitted shares the rules but not the cache: its judge finds no
	// matcher answer in the flattening (a record that matched the
	// trigger's own filter, so Admit never ran).
	unadmitted := &notify.Function{Rules: f.Rules, Flats: pattern.NewFlatCache(8)}
	ctx := context.Background()
	for i := range n {
		it := randomItem(rng, fmt.Sprintf("c%d", i))
		raw, rec, old := randomRecord(t, rng, int64(i+1), it)
		item, err := doctales.ItemFromImage(rec.Change.NewImage)
		if err != nil {
			t.Fatal(err)
		}
		var admitted bool
		if err := f.Flats.Do(raw.Seq, raw.Data, func(fl *pattern.Flat) { admitted = f.Rules.Admit(fl) }); err != nil {
			t.Fatal(err)
		}
		if want := notify.OldAdmit(f.Rules, raw.Data); admitted != want {
			t.Errorf("seed %d record %d: Admit = %v, the old Admit %v\n%s", seed, i, admitted, want, raw.Data)
		}
		wantID, wantWhy, err := notify.JudgeOld(f, ctx, &rec, old, item)
		if err != nil {
			t.Fatal(err)
		}
		for k, c := range []struct {
			f   *notify.Function
			raw *doctales.LogRecord
		}{{f, raw}, {unadmitted, raw}, {f, nil}} {
			id, why, err := notify.Judge(c.f, ctx, &rec, c.raw, old, item)
			if err != nil || id != wantID || why != wantWhy {
				t.Errorf("seed %d record %d (way %d): rule %q %q %v; the old path: %q %q\n%s", seed, i, k, id, why, err, wantID, wantWhy, raw.Data)
			}
		}
	}
}

// TestJudge_SharedAgreesWithOld: on 100 rule sets × 20 records, the
// shared path (one flattening, one matcher pass, the old image read
// through Flat.Alias) decides as the old one (re-encoding, each rule
// alone).
func TestJudge_SharedAgreesWithOld(t *testing.T) {
	for seed := range uint64(100) {
		checkAgreement(t, seed, 20)
	}
}

// FuzzJudgeAgrees is TestJudge_SharedAgreesWithOld on fuzzed seeds.
func FuzzJudgeAgrees(f *testing.F) {
	for seed := range uint64(8) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) { checkAgreement(t, seed, 10) })
}

// TestJudge_RuleAppliesToNextRecord: on a real SQLite table, a record the
// trigger's filter already flattened and judged under the old rules (its
// Admit answer kept in the shared Flat) is judged by a rule written right
// after: the RuleBook's version check makes a new matcher, whose answer is
// not the stale one.
func TestJudge_RuleAppliesToNextRecord(t *testing.T) {
	ctx := context.Background()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	db.Logger = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	f, tp, _ := newFunction(t)
	f.Rules = &notify.RuleBook{Store: db}
	f.Flats = pattern.NewFlatCache(0)

	it := testItem("launch-1", doctales.UrgencyLow)
	it.Project = "launch"
	it.Timestamp = time.Now().Add(-time.Minute)
	f.Now = time.Now
	if _, _, err := db.CreateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	recs, err := db.ReadLog(ctx, doctales.SourceDynamoDB, 0, 10)
	if err != nil || len(recs) != 1 {
		t.Fatalf("log: %d records, %v", len(recs), err)
	}
	var admitted bool
	if err := f.Flats.Do(recs[0].Seq, recs[0].Data, func(fl *pattern.Flat) { admitted = f.Rules.Admit(fl) }); err != nil {
		t.Fatal(err)
	}
	if admitted {
		t.Fatal("a low item of project launch admitted before any rule names it")
	}
	rule := projectRule(true, "log")
	if _, err := db.PutRule(ctx, rule); err != nil {
		t.Fatal(err)
	}
	handle := func() {
		t.Helper()
		var ev events.DynamoDBEvent
		for _, r := range recs {
			var rec events.DynamoDBEventRecord
			if err := json.Unmarshal(r.Data, &rec); err != nil {
				t.Fatal(err)
			}
			ev.Records = append(ev.Records, rec)
		}
		resp, err := f.HandleLog(ctx, ev, recs)
		if err != nil || len(resp.BatchItemFailures) > 0 {
			t.Fatalf("HandleLog: %v %v", resp.BatchItemFailures, err)
		}
	}
	handle()
	if len(tp.Published) != 1 || tp.Published[0].MessageAttributes[notify.AttrRule].StringValue != rule.ID {
		t.Fatalf("published %d messages, want one by rule %q: the judge used the rules from before the write", len(tp.Published), rule.ID)
	}
	if st := f.Flats.Stats(); st.Misses != 1 || st.Hits != 1 {
		t.Errorf("flat cache %+v: the judge did not read the filter's flattening", st)
	}

	// Disabled: the next record of the same kind is not notified.
	rule.Enabled = false
	if _, err := db.PutRule(ctx, rule); err != nil {
		t.Fatal(err)
	}
	it2 := testItem("launch-2", doctales.UrgencyLow)
	it2.Project = "launch"
	it2.Timestamp = time.Now().Add(-time.Minute)
	if _, _, err := db.CreateItem(ctx, it2); err != nil {
		t.Fatal(err)
	}
	// The rule's own records (RULE#) come too; the function skips them.
	if recs, err = db.ReadLog(ctx, doctales.SourceDynamoDB, recs[0].Seq, 10); err != nil || len(recs) == 0 {
		t.Fatalf("log: %d records, %v", len(recs), err)
	}
	handle()
	if len(tp.Published) != 1 {
		t.Fatalf("published %d messages after the rule was disabled, want still 1", len(tp.Published))
	}
}
