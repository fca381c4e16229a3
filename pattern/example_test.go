package pattern_test

import (
	"errors"
	"fmt"
	"slices"

	"github.com/doctales/doctales/pattern"
)

// The notification subscription passes only changes that leave an item at
// high urgency.
func Example() {
	p, err := pattern.Compile(`{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high"]}}}}}}`)
	if err != nil {
		panic(err)
	}
	for _, urgency := range []string{"high", "medium"} {
		record := fmt.Sprintf(`{"eventName":"MODIFY","dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":%q}}}}}}`, urgency)
		ok, err := p.Match([]byte(record))
		fmt.Println(urgency, ok, err)
	}
	// Output:
	// high true <nil>
	// medium false <nil>
}

// A Set is the filter criteria of one event source mapping: up to five
// patterns, ORed.
func ExampleNewSet() {
	s, err := pattern.NewSet(
		`{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"commType": {"S": ["email"]}}}}`,
		`{"eventName": ["REMOVE"]}`,
	)
	if err != nil {
		panic(err)
	}
	for _, record := range []string{
		`{"eventName": "INSERT", "dynamodb": {"NewImage": {"commType": {"S": "email"}}}}`,
		`{"eventName": "INSERT", "dynamodb": {"NewImage": {"commType": {"S": "social"}}}}`,
		`{"eventName": "REMOVE", "dynamodb": {"OldImage": {"commType": {"S": "social"}}}}`,
	} {
		ok, _ := s.Match([]byte(record))
		fmt.Println(ok)
	}
	// Output:
	// true
	// false
	// true
}

// Invalid patterns are reported with their index, field path and offset.
func ExampleSyntaxError() {
	_, err := pattern.NewSet(
		`{"eventName": ["INSERT"]}`,
		`{"dynamodb": {"SizeBytes": [{"numeric": [">", "10"]}]}}`,
	)
	var se *pattern.SyntaxError
	if errors.As(err, &se) {
		fmt.Println(se.Pattern, se.Path, se.Offset)
	}
	fmt.Println(err)
	// Output:
	// 1 dynamodb.SizeBytes 46
	// pattern 1: at "dynamodb.SizeBytes" (offset 46): numeric: the operand of ">" must be a number, not a string
}

// A Matcher tells which of many subscriptions' patterns a record matches,
// reading the record once.
func ExampleMatcher() {
	var m pattern.Matcher
	for id, text := range map[string]string{
		"notifier": `{"dynamodb": {"NewImage": {"metadata": {"M": {"urgency": {"S": ["high"]}}}}}}`,
		"emails":   `{"dynamodb": {"NewImage": {"commType": {"S": [{"equals-ignore-case": "EMAIL"}]}}}}`,
		"no-tmp":   `{"dynamodb": {"NewImage": {"s3Key": {"S": [{"anything-but": {"prefix": ["tmp/", "archive/"]}}]}}}}`,
	} {
		if err := m.AddPattern(id, text); err != nil {
			panic(err)
		}
	}
	ids, err := m.MatchesForEvent([]byte(`{"eventName": "INSERT", "dynamodb": {"NewImage": {
		"commType": {"S": "email"}, "s3Key": {"S": "tmp/e-1.json"},
		"metadata": {"M": {"urgency": {"S": "high"}}}}}}`))
	slices.Sort(ids) // ids come in the order added, here a map's
	fmt.Println(ids, err)
	// Output:
	// [emails notifier] <nil>
}
