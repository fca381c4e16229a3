package pattern_test

import "testing"

// TestMatch_ExistsFalseInElement covers exists:false inside arrays of
// objects, as Event Ruler decides it: when other fields of the pattern
// match in one array element, absence is decided inside that same element;
// when nothing but exists:false conditions apply, no element is chosen and
// the field must be absent from all of them.
func TestMatch_ExistsFalseInElement(t *testing.T) {
	const cb = `{"a": {"c": [2], "b": [{"exists": false}]}}`
	const bc = `{"a": {"b": [{"exists": false}], "c": [2]}}` // same fields, other order
	// A DynamoDB list of maps: a recipient reached by SMS that has not
	// opted out.
	const sms = `{"dynamodb": {"NewImage": {"recipients": {"L": {"M": {
		"channel": {"S": ["sms"]},
		"optOut": {"BOOL": [{"exists": false}]}
	}}}}}}`
	record := func(recipients string) string {
		return `{"eventName": "INSERT", "dynamodb": {"NewImage": {"recipients": {"L": [` + recipients + `]}}}}`
	}
	const (
		email     = `{"M": {"channel": {"S": "email"}}}`
		smsOptOut = `{"M": {"channel": {"S": "sms"}, "optOut": {"BOOL": true}}}`
		smsPlain  = `{"M": {"channel": {"S": "sms"}}}`
	)
	runMatchCases(t, []matchCase{
		{"other element has the field", cb, `{"a": [{"b": 1}, {"c": 2}]}`, true},
		{"other element has the field/key order", bc, `{"a": [{"b": 1}, {"c": 2}]}`, true},
		{"same element has the field", cb, `{"a": [{"b": 1, "c": 2}]}`, false},
		{"same element has the field/key order", bc, `{"a": [{"b": 1, "c": 2}]}`, false},
		{"a later element qualifies", cb, `{"a": [{"b": 1, "c": 2}, {"c": 2}]}`, true},
		{"no element has the other field", cb, `{"a": [{"c": 3}, {"d": 2}]}`, false},
		{"null is a value", cb, `{"a": [{"b": null, "c": 2}]}`, false},
		{"empty array is absent", cb, `{"a": [{"b": [], "c": 2}]}`, true},
		{"dynamodb list/one sms recipient without opt-out", sms, record(email + "," + smsOptOut + "," + smsPlain), true},
		{"dynamodb list/every sms recipient opted out", sms, record(email + "," + smsOptOut), false},
		{"dynamodb list/no sms recipient", sms, record(email), false},
		// A nested array that no other field pins is searched whole, inside
		// the element that the other fields chose.
		{"nested array unpinned/present", `{"a": {"c": [1], "d": {"f": [{"exists": false}]}}}`,
			`{"a": [{"c": 1, "d": [{"f": 1}, {}]}]}`, false},
		{"nested array unpinned/in another element", `{"a": {"c": [1], "d": {"f": [{"exists": false}]}}}`,
			`{"a": [{"c": 1, "d": [{"g": 1}, {}]}, {"d": [{"f": 1}]}]}`, true},
		// An exists:false alternative of $or is pinned by the fields beside
		// the $or.
		{"$or alternative pinned by a sibling", `{"a": {"c": [1], "$or": [{"b": [{"exists": false}]}, {"b": [2]}]}}`,
			`{"a": [{"b": 1}, {"c": 1}]}`, true},
		{"$or alternative pinned/present", `{"a": {"c": [1], "$or": [{"b": [{"exists": false}]}, {"b": [2]}]}}`,
			`{"a": [{"b": 1, "c": 1}]}`, false},
		// A value or absence in one match array: the value pins an
		// element, absence alone does not.
		{"value or absent/value in one element", `{"a": {"b": ["x", {"exists": false}]}}`, `{"a": [{"b": "x"}, {"b": "y"}]}`, true},
		{"value or absent/absent from one element only", `{"a": {"b": ["x", {"exists": false}]}}`, `{"a": [{"b": "y"}, {}]}`, false},
		{"value or absent/absent from all", `{"a": {"b": ["x", {"exists": false}]}}`, `{"a": [{"c": "y"}, {}]}`, true},
	})
}
