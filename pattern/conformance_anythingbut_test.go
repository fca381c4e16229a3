package pattern_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/doctales/doctales/pattern"
)

// TestMatch_AnythingButLists covers anything-but with a list of prefixes,
// a list of suffixes and a list of equals-ignore-case strings, besides
// their single-string forms: the value matches when it matches none of
// them.
func TestMatch_AnythingButLists(t *testing.T) {
	const (
		prefixes = `{"s3": {"object": {"key": [{"anything-but": {"prefix": ["tmp/", "archive/"]}}]}}}`
		suffixes = `{"s3": {"object": {"key": [{"anything-but": {"suffix": [".tmp", ".part"]}}]}}}`
		fold     = `{"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": {"equals-ignore-case": ["failed", "Rejected"]}}]}}}}`
	)
	key := func(k string) string { return `{"s3": {"object": {"key": "` + k + `"}}}` }
	status := func(s string) string { return `{"dynamodb": {"NewImage": {"status": {"S": "` + s + `"}}}}` }
	runMatchCases(t, []matchCase{
		{"prefixes/neither", prefixes, key("email/2025/06/10/e-1.json"), true},
		{"prefixes/first", prefixes, key("tmp/e-1.json"), false},
		{"prefixes/second", prefixes, key("archive/2024/e-1.json"), false},
		{"prefixes/not anchored", prefixes, key("email/tmp/e-1.json"), true},
		{"prefixes/number", prefixes, `{"s3": {"object": {"key": 5}}}`, true},
		{"prefixes/missing", prefixes, `{"s3": {"object": {}}}`, false},
		{"prefixes/array with one other", prefixes, `{"s3": {"object": {"key": ["tmp/a", "email/b"]}}}`, true},
		{"prefixes/array all excluded", prefixes, `{"s3": {"object": {"key": ["tmp/a", "archive/b"]}}}`, false},
		{"prefix single/list of one", `{"a": [{"anything-but": {"prefix": ["x"]}}]}`, `{"a": "xy"}`, false},
		{"suffixes/neither", suffixes, key("email/e-1.json"), true},
		{"suffixes/first", suffixes, key("email/e-1.json.tmp"), false},
		{"suffixes/second", suffixes, key("email/e-1.json.part"), false},
		{"suffixes/case differs", suffixes, key("email/e-1.json.TMP"), true},
		{"ignore case list/other", fold, status("delivered"), true},
		{"ignore case list/first", fold, status("FAILED"), false},
		{"ignore case list/second", fold, status("rejected"), false},
		{"ignore case single", `{"a": [{"anything-but": {"equals-ignore-case": "Failed"}}]}`, `{"a": "fAILED"}`, false},
	})
}

// TestCompile_AnythingButListErrors checks that invalid anything-but lists
// are refused with the field path, the offset of the offending value and
// what is wrong with it.
func TestCompile_AnythingButListErrors(t *testing.T) {
	for _, tc := range []struct {
		pattern, path, msg string
		offset             int64
	}{
		{`{"a": [{"anything-but": {"prefix": []}}]}`, "a", "anything-but prefix list cannot be empty", 35},
		{`{"a": [{"anything-but": {"prefix": ["x", 1]}}]}`, "a", "anything-but prefix list must hold only strings; element [1] is a number", 41},
		{`{"a": [{"anything-but": {"prefix": ["x", ""]}}]}`, "a", `anything-but prefix cannot be empty; element [1] is ""`, 41},
		{`{"a": [{"anything-but": {"prefix": [["x"]]}}]}`, "a", "element [0] is an array", 36},
		{`{"a": [{"anything-but": {"prefix": null}}]}`, "a", "anything-but prefix needs a string or an array of strings, not null", 35},
		{`{"a": [{"anything-but": {"suffix": [".tmp", null]}}]}`, "a", "anything-but suffix list must hold only strings; element [1] is null", 44},
		{`{"a": [{"anything-but": {"suffix": [""]}}]}`, "a", "anything-but suffix cannot be empty", 36},
		{`{"a": [{"anything-but": {"suffix": {"equals-ignore-case": ".x"}}}]}`, "a", "anything-but suffix needs a string or an array of strings, not an object", 35},
		{`{"b": {"a": [{"anything-but": {"equals-ignore-case": ["x", true]}}]}}`, "b.a", "anything-but equals-ignore-case list must hold only strings; element [1] is a boolean", 59},
		{`{"a": [{"anything-but": {"equals-ignore-case": 5}}]}`, "a", "anything-but equals-ignore-case needs a string or an array of strings, not a number", 47},
		{`{"a": [{"anything-but": {"wildcard": ["x*", "a**"]}}]}`, "a", `anything-but wildcard "a**" (element [1]): consecutive * are not allowed`, 44},
	} {
		t.Run(tc.pattern, func(t *testing.T) {
			p, err := pattern.Compile(tc.pattern)
			if err == nil {
				t.Fatalf("Compile succeeded: %v", p)
			}
			var se *pattern.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SyntaxError", err, err)
			}
			if se.Path != tc.path {
				t.Errorf("Path = %q, want %q", se.Path, tc.path)
			}
			if !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("Msg = %q, want it to contain %q", se.Msg, tc.msg)
			}
			if se.Offset != tc.offset {
				t.Errorf("Offset = %d, want %d (%q)", se.Offset, tc.offset, tc.pattern[min(se.Offset, int64(len(tc.pattern))):])
			}
		})
	}
}
