package pattern_test

import (
	"fmt"
	"testing"

	"github.com/doctales/doctales/pattern"
)

// urgencyPattern is the notification subscription's filter.
const urgencyPattern = `{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high"]}}}}}}`

// mixedPatterns returns n patterns of the kinds subscriptions use, over
// the fields of a DynamoDB stream record: exact values, prefixes and
// suffixes, anything-but, numeric ranges, exists, equals-ignore-case,
// wildcards, $or and arrays of maps. Most do not match the benchmark
// record, a few do, as in a table with many subscribers.
func mixedPatterns(n int) []string {
	out := make([]string, 0, n)
	for i := range n {
		var p string
		switch i % 10 {
		case 0:
			p = fmt.Sprintf(`{"eventName":["INSERT","MODIFY"],"dynamodb":{"NewImage":{"project":{"S":["project-%d"]}}}}`, i)
		case 1:
			p = fmt.Sprintf(`{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high"]},"category":{"S":["cat-%d"]}}}}}}`, i)
		case 2:
			p = fmt.Sprintf(`{"dynamodb":{"NewImage":{"s3Key":{"S":[{"prefix":"email/2025/%02d/"}]}}}}`, i%13)
		case 3:
			p = fmt.Sprintf(`{"dynamodb":{"NewImage":{"sender_id":{"S":[{"suffix":"@example-%d.com"}]}}}}`, i)
		case 4:
			p = fmt.Sprintf(`{"dynamodb":{"SizeBytes":[{"numeric":[">",%d,"<=",%d]}]}}`, i*20, i*20+100)
		case 5:
			p = fmt.Sprintf(`{"eventName":["MODIFY"],"dynamodb":{"NewImage":{"status":{"S":[{"anything-but":["failed","pending-%d"]}]},"commType":{"S":["sms"]}}}}`, i)
		case 6:
			p = fmt.Sprintf(`{"dynamodb":{"NewImage":{"sender":{"S":[{"equals-ignore-case":"JANE DOE %d"}]}}}}`, i)
		case 7:
			p = fmt.Sprintf(`{"dynamodb":{"NewImage":{"subject":{"S":[{"wildcard":"*contract*%d*"}]}}}}`, i)
		case 8:
			p = fmt.Sprintf(`{"$or":[{"dynamodb":{"NewImage":{"source":{"S":["outlook-%d"]}}}},{"dynamodb":{"OldImage":{"status":{"S":["archived-%d"]}}}}]}`, i, i)
		case 9:
			p = fmt.Sprintf(`{"dynamodb":{"NewImage":{"entities":{"L":{"M":{"type":{"S":["person"]},"text":{"S":[{"prefix":"Jane %d"}]}}}}}}}`, i)
		}
		out = append(out, p)
	}
	// A few that match the record.
	out[10] = urgencyPattern
	out[20] = `{"dynamodb":{"NewImage":{"s3Key":{"S":[{"prefix":"email/"}]}}}}`
	out[30] = `{"dynamodb":{"NewImage":{"metadata":{"M":{"senderUrgency":{"S":[{"exists":true}]},"escalated":{"BOOL":[{"exists":false}]}}}}}}`
	return out
}

// BenchmarkTable is the benchmark table of issue 13: a 1.2 KB DynamoDB
// MODIFY record matched by the urgency pattern alone and by 100 mixed
// patterns at once, on one goroutine, by the old path (encoding/json
// decode, then a walk of the decoded maps per pattern) and by the new one
// (one flattening with a reused Flat, shared by every pattern). It reports
// events/s besides ns/op and allocs/op.
func BenchmarkTable(b *testing.B) {
	event := readEvent(b, "bench-modify-1k.json")
	urgency := pattern.MustCompile(urgencyPattern)
	texts := mixedPatterns(100)
	compiled := make([]*pattern.Pattern, len(texts))
	var m pattern.Matcher
	for i, text := range texts {
		compiled[i] = pattern.MustCompile(text)
		if err := m.AddPattern(fmt.Sprintf("p%03d", i), text); err != nil {
			b.Fatal(err)
		}
	}
	const wantMatches = 4

	run := func(b *testing.B, match func() bool) {
		b.SetBytes(int64(len(event)))
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			if !match() {
				b.Fatal("no match")
			}
			n++
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	}

	b.Run("urgency/old-decode", func(b *testing.B) {
		run(b, func() bool {
			v, err := pattern.Decode(event)
			return err == nil && urgency.MatchValue(v)
		})
	})
	b.Run("urgency/new-Match", func(b *testing.B) {
		run(b, func() bool {
			ok, err := urgency.Match(event)
			return err == nil && ok
		})
	})
	b.Run("urgency/new-Flat", func(b *testing.B) {
		var f pattern.Flat
		run(b, func() bool {
			return f.Reset(event) == nil && urgency.MatchFlat(&f)
		})
	})
	b.Run("100-patterns/old-decode", func(b *testing.B) {
		ids := make([]string, 0, len(texts))
		run(b, func() bool {
			v, err := pattern.Decode(event)
			if err != nil {
				return false
			}
			ids = ids[:0]
			for i, p := range compiled {
				if p.MatchValue(v) {
					ids = append(ids, texts[i])
				}
			}
			return len(ids) == wantMatches
		})
	})
	b.Run("100-patterns/new-MatchesForEvent", func(b *testing.B) {
		run(b, func() bool {
			ids, err := m.MatchesForEvent(event)
			return err == nil && len(ids) == wantMatches
		})
	})
	b.Run("100-patterns/new-Flat", func(b *testing.B) {
		var f pattern.Flat
		ids := make([]string, 0, m.Len())
		run(b, func() bool {
			if f.Reset(event) != nil {
				return false
			}
			ids = m.AppendMatches(ids[:0], &f)
			return len(ids) == wantMatches
		})
	})
	b.Run("scan-only", func(b *testing.B) {
		var f pattern.Flat
		run(b, func() bool { return f.Reset(event) == nil })
	})
}
