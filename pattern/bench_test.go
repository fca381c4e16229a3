package pattern_test

import (
	"testing"

	"github.com/doctales/doctales/pattern"
)

// BenchmarkMatch matches the DynamoDB urgency pattern against a 2.2 KB
// INSERT record, decoding the record each time as Pattern.Match does.
func BenchmarkMatch(b *testing.B) {
	p := mustCompileFile(b, "dynamodb-urgency-high.json")
	event := readEvent(b, "dynamodb-insert-high.json")
	b.SetBytes(int64(len(event)))
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := p.Match(event); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkMatchValue matches the same pattern against the record decoded
// once, as the runtime does when several subscriptions read one stream.
func BenchmarkMatchValue(b *testing.B) {
	p := mustCompileFile(b, "dynamodb-urgency-high.json")
	event, err := pattern.Decode(readEvent(b, "dynamodb-insert-high.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !p.MatchValue(event) {
			b.Fatal("no match")
		}
	}
}

// BenchmarkSetMatchValue matches five patterns, the most a Set holds, of
// which only the last matches.
func BenchmarkSetMatchValue(b *testing.B) {
	s, err := pattern.NewSet(
		`{"eventName": ["REMOVE"]}`,
		`{"dynamodb": {"NewImage": {"commType": {"S": [{"anything-but": ["email", "document"]}]}}}}`,
		`{"dynamodb": {"NewImage": {"s3Key": {"S": [{"wildcard": "social/*.json"}]}}}}`,
		`{"dynamodb": {"SizeBytes": [{"numeric": [">", 4096]}]}}`,
		`{"dynamodb": {"NewImage": {"metadata": {"M": {"urgency": {"S": ["high"]}}}}}}`,
	)
	if err != nil {
		b.Fatal(err)
	}
	event, err := pattern.Decode(readEvent(b, "dynamodb-insert-high.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !s.MatchValue(event) {
			b.Fatal("no match")
		}
	}
}

// BenchmarkCompile compiles the urgency pattern.
func BenchmarkCompile(b *testing.B) {
	const text = `{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high"]}}}}}}`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pattern.Compile(text); err != nil {
			b.Fatal(err)
		}
	}
}
