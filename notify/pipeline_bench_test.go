package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/pattern"
	"github.com/doctales/doctales/runtime"
)

// benchSubscriptions are the three subscriptions of the stream in
// BenchmarkPipeline: the notification trigger (urgency high, widened by
// people's rules through Admit) and two others with filters of their own.
var benchSubscriptions = []struct {
	name, filter string
	admit        bool
}{
	{"notification", doctales.DefaultRulePattern, true},
	{"analytics", `{"eventName":["INSERT","MODIFY"]}`, false},
	{"projects", `{"dynamodb":{"NewImage":{"project":{"S":[{"prefix":"apo"}]}}}}`, false},
}

// benchRules returns n rules of n/10 owners, ten each, of the kinds people
// write; the record's owner (the default user) is one of them, and only
// its sixth rule (project apollo) matches the benchmark record; it turned
// the default rule off, so the judge tries five rules before. n = 0 is
// the default rule alone.
func benchRules(n int) []*doctales.Rule {
	var rules []*doctales.Rule
	for o := range n / 10 {
		owner := fmt.Sprintf("owner-%d", o)
		if o == 0 {
			owner = doctales.DefaultUserID
		}
		for i := range 10 {
			var p string
			switch i {
			case 0:
				p = fmt.Sprintf(`{"dynamodb":{"NewImage":{"sender_id":{"S":[{"suffix":"@client-%d.example"}]}}}}`, o)
			case 1:
				p = fmt.Sprintf(`{"dynamodb":{"NewImage":{"project":{"S":["project-%d"]}}}}`, o)
			case 2:
				p = fmt.Sprintf(`{"dynamodb":{"NewImage":{"metadata":{"M":{"category":{"S":["cat-%d"]},"urgency":{"S":["high"]}}}}}}`, o)
			case 3:
				p = fmt.Sprintf(`{"dynamodb":{"NewImage":{"entities":{"L":{"M":{"type":{"S":["person"]},"text":{"S":[{"prefix":"Boss %d"}]}}}}}}}`, o)
			case 4:
				p = fmt.Sprintf(`{"dynamodb":{"NewImage":{"subject":{"S":[{"wildcard":"*invoice %d*"}]}}}}`, o)
			case 5:
				p = fmt.Sprintf(`{"dynamodb":{"NewImage":{"project":{"S":["apollo"]},"sender":{"S":[{"anything-but":["Nobody %d"]}]}}}}`, o)
				if o != 0 {
					p = fmt.Sprintf(`{"dynamodb":{"NewImage":{"project":{"S":["apollo-%d"]}}}}`, o)
				}
			case 6:
				p = fmt.Sprintf(`{"dynamodb":{"NewImage":{"sender":{"S":[{"equals-ignore-case":"JANE ROE %d"}]}}}}`, o)
			case 7:
				p = fmt.Sprintf(`{"eventName":["INSERT"],"dynamodb":{"NewImage":{"source":{"S":["outlook-%d"]}}}}`, o)
			case 8:
				p = fmt.Sprintf(`{"$or":[{"dynamodb":{"NewImage":{"status":{"S":["archived-%d"]}}}},{"dynamodb":{"SizeBytes":[{"numeric":[">",%d]}]}}]}`, o, 100000+o)
			case 9:
				p = fmt.Sprintf(`{"dynamodb":{"NewImage":{"metadata":{"M":{"senderUrgency":{"S":["urgent-%d"]}}}}}}`, o)
			}
			rules = append(rules, &doctales.Rule{ID: fmt.Sprintf("r%d", i), Owner: owner, Name: fmt.Sprintf("rule %d", i),
				Order: i, Enabled: true, Pattern: json.RawMessage(p), Targets: []string{"log"}})
		}
		if o == 0 { // the record's owner turned the default rule off: its own rules decide
			d := doctales.DefaultRule(owner)
			d.Enabled = false
			rules = append(rules, d)
		}
	}
	return rules
}

// BenchmarkPipeline is issue 13's pipeline benchmark: one 1.2 KB
// DynamoDB stream record (a MODIFY that becomes high) through what the
// stream does with it before the notification is built, on one
// goroutine: the filters of three subscriptions (the notification
// trigger's, widened by Admit, and two others), then the judgement of the
// owner's rules, with the default rule alone and with 100 rules of 10
// owners, and with the same 101 rules on a medium record that the
// trigger's own filter drops and a rule admits (Admit runs the matcher of
// every rule).
//
//   - old: each subscription flattens the record for its own filter
//     (Set.Match on the raw bytes, then Admit flattening it again), and
//     the judge re-encodes the decoded record and flattens it once per
//     rule tried, and once more with the old image for the rule that
//     matched (the code before the shared flattening, kept as
//     oldJudgeRules).
//   - new: the runtime's own filter (Runtime.Accepts) with its FlatCache:
//     the first subscription flattens, the others and the judge
//     (Function.HandleLog's path) read the same flattening; every rule is
//     in one Matcher pass, and the old image is read through Flat.Alias.
//
// Each iteration is a new record (a new Seq), so the new path flattens
// once per record, as in the pipeline. Decoding the record into
// events.DynamoDBEventRecord and its images into items, which the
// function does on both paths, is measured apart ("decode").
func BenchmarkPipeline(b *testing.B) {
	ctx := context.Background()
	high := readBenchRecord(b)
	// The same record, medium: the trigger's filter drops it and Admit
	// (the rules' matcher) lets it through for the owner's rule.
	medium := bytes.Replace(high, []byte(`"urgency":{"S":"high"}`), []byte(`"urgency":{"S":"medium"}`), 1)
	if bytes.Equal(medium, high) {
		b.Fatal("no urgency to replace in the benchmark record")
	}
	for _, c := range []struct {
		name     string
		rules    int
		data     []byte
		wantRule string
	}{
		{"1-rule", 0, high, "default"},
		{"101-rules", 100, high, "r5"},
		{"101-rules-admitted", 100, medium, "r5"},
	} {
		data, wantRule, rules := c.data, c.wantRule, c.name
		var rec events.DynamoDBEventRecord
		if err := json.Unmarshal(data, &rec); err != nil {
			b.Fatal(err)
		}
		item, err := doctales.ItemFromImage(rec.Change.NewImage)
		if err != nil {
			b.Fatal(err)
		}
		old, err := doctales.ItemFromImage(rec.Change.OldImage)
		if err != nil {
			b.Fatal(err)
		}
		store := &ruleStore{}
		store.Set(benchRules(c.rules)...)
		book := &notify.RuleBook{Store: store}
		run := func(b *testing.B, event func(seq int64) string) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			seq := int64(0)
			for b.Loop() {
				seq++
				if got := event(seq); got != wantRule {
					b.Fatalf("rule %q, want %q", got, wantRule)
				}
			}
			b.ReportMetric(float64(seq)/b.Elapsed().Seconds(), "events/s")
		}

		b.Run(rules+"/old", func(b *testing.B) {
			sets := make([]*pattern.Set, len(benchSubscriptions))
			for i, s := range benchSubscriptions {
				if sets[i], err = pattern.NewSet(s.filter); err != nil {
					b.Fatal(err)
				}
			}
			f := &notify.Function{Rules: book}
			run(b, func(int64) string {
				for i, s := range benchSubscriptions {
					ok, err := sets[i].Match(data)
					if err != nil {
						b.Fatal(err)
					}
					if !ok && s.admit {
						ok = notify.OldAdmit(book, data)
					}
					if !ok && s.name == "notification" {
						b.Fatal("the trigger dropped the record")
					}
				}
				id, _, err := notify.JudgeOld(f, ctx, &rec, old, item)
				if err != nil {
					b.Fatal(err)
				}
				return id
			})
		})

		b.Run(rules+"/new", func(b *testing.B) {
			rt := &runtime.Runtime{Flats: pattern.NewFlatCache(0)}
			recs := make([]*doctales.LogRecord, len(benchSubscriptions)+1)
			for _, s := range benchSubscriptions {
				sub := runtime.Subscription{Name: s.name, Source: doctales.SourceDynamoDB, Filters: []string{s.filter},
					Handler: runtime.HandlerFunc(func(context.Context, []*doctales.LogRecord) (int, error) { return -1, nil })}
				if s.admit {
					sub.Admit = book.Admit
				}
				if err := rt.Add(sub); err != nil {
					b.Fatal(err)
				}
			}
			for i := range recs { // each reader has its own copy, as ReadLog gives
				recs[i] = &doctales.LogRecord{Source: doctales.SourceDynamoDB, Key: item.ID, Data: bytes.Clone(data)}
			}
			f := &notify.Function{Rules: book, Flats: rt.Flats}
			run(b, func(seq int64) string {
				for i, s := range benchSubscriptions {
					recs[i].Seq = seq
					if !rt.Accepts(s.name, recs[i]) && s.name == "notification" {
						b.Fatal("the trigger dropped the record")
					}
				}
				raw := recs[len(recs)-1]
				raw.Seq = seq
				id, _, err := notify.Judge(f, ctx, &rec, raw, old, item)
				if err != nil {
					b.Fatal(err)
				}
				return id
			})
			if st := rt.Flats.Stats(); st.Misses > st.Hits/3+1 {
				b.Errorf("flat cache %+v: more than one flattening per record", st)
			}
		})
	}

	b.Run("decode", func(b *testing.B) {
		data := high
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		n := 0
		for b.Loop() {
			var r events.DynamoDBEventRecord
			if err := json.Unmarshal(data, &r); err != nil {
				b.Fatal(err)
			}
			if _, err := doctales.ItemFromImage(r.Change.NewImage); err != nil {
				b.Fatal(err)
			}
			if _, err := doctales.ItemFromImage(r.Change.OldImage); err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	})
}

// readBenchRecord reads the 1.2 KB MODIFY record of the pattern
// benchmark, compacted as the log holds records.
func readBenchRecord(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "events", "bench-modify-1k.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		tb.Fatal(err)
	}
	return slices.Clip(buf.Bytes())
}
