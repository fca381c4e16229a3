package pattern

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// materialize rebuilds the value at i of a Flat as encoding/json decodes
// it with UseNumber, to compare the tape with Decode.
func (f *Flat) materialize(i int32) any {
	switch f.nodes[i].kind {
	case vObject:
		m := map[string]any{}
		for j := i + 1; j < f.nodes[i].end; j = f.nodes[j].end {
			m[f.key(j)] = f.materialize(j)
		}
		return m
	case vArray:
		a := []any{}
		for j := i + 1; j < f.nodes[i].end; j = f.nodes[j].end {
			a = append(a, f.materialize(j))
		}
		return a
	case vString:
		return f.val(i)
	case vNumber:
		return json.Number(f.val(i))
	case vTrue:
		return true
	case vFalse:
		return false
	}
	return nil
}

// TestFlat_Decode checks that the tape holds what encoding/json decodes,
// for escapes, surrogates, numbers and nesting.
func TestFlat_Decode(t *testing.T) {
	for _, event := range []string{
		`{}`, `[]`, `"x"`, `0`, `-0.5e+3`, `true`, `null`, ` {"a" : [ 1 , 2 ] } `,
		`{"a\"b": "c\\d\/e\b\f\n\r\t", "k\u00e9y": "\u00e9\ud83d\ude00"}`,
		`{"lone": "\ud800x", "low": "\udc00", "pair": "\uD83D\uDE00"}`,
		`{"a": {"b": [{"c": [[], {}, [null]]}]}, "a": 2}`, // a repeated key: the last counts
		`{"n": 12345678901234567890123, "f": 1e400, "z": -0}`,
		`{"utf8": "ßΐ日本語😀"}`,
	} {
		var f Flat
		if err := f.Reset([]byte(event)); err != nil {
			t.Errorf("Reset(%s): %v", event, err)
			continue
		}
		want, err := Decode([]byte(event))
		if err != nil {
			t.Fatalf("Decode(%s): %v", event, err)
		}
		// A repeated key appears twice on the tape; get returns the last.
		got := f.materialize(0)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Reset(%s) holds %#v, want %#v", event, got, want)
		}
	}
}

// TestFlat_Hostile checks that malformed and hostile events are refused
// with an error wrapping ErrInvalidEvent that names the problem, without
// a panic.
func TestFlat_Hostile(t *testing.T) {
	deep := strings.Repeat("[", MaxEventDepth+1) + strings.Repeat("]", MaxEventDepth+1)
	for _, tc := range []struct{ name, event, msg string }{
		{"empty", ``, "unexpected end of input"},
		{"space", `  `, "unexpected end of input"},
		{"truncated object", `{"a": [1, 2`, "unexpected end of input"},
		{"truncated string", `{"a": "xy`, "closing a string"},
		{"truncated escape", `{"a": "x\`, "unexpected end of input"},
		{"truncated literal", `{"a": tru`, "expected true"},
		{"deep nesting", deep, "deeper than 10000 levels"},
		{"invalid UTF-8", "{\"a\": \"\xff\"}", "invalid UTF-8"},
		{"invalid UTF-8 after escape", "{\"a\": \"\\n\xc3\"}", "invalid UTF-8"},
		{"invalid UTF-8 in a key", "{\"\xe2\x82\": 1}", "invalid UTF-8"},
		{"control character", "{\"a\": \"\x01\"}", "control character"},
		{"bad escape", `{"a": "\x"}`, `invalid escape "\\x"`},
		{"bad unicode escape", `{"a": "\u12g4"}`, `invalid \u escape`},
		{"leading zero", `[01]`, "expected ',' or ']'"},
		{"bare minus", `[-]`, "expected a digit"},
		{"bare point", `[1.]`, "digit after '.'"},
		{"bare exponent", `[1e]`, "digit in the exponent"},
		{"plus sign", `[+1]`, "expected a value"},
		{"trailing comma", `[1,]`, "expected a value"},
		{"trailing data", `{} {}`, "data after the top-level value"},
		{"single quotes", `{'a': 1}`, "expected a member name"},
		{"missing colon", `{"a" 1}`, "expected ':'"},
		{"NaN", `[NaN]`, "expected a value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Flat
			err := f.Reset([]byte(tc.event))
			if err == nil {
				t.Fatalf("Reset accepted %q", tc.event)
			}
			if !errors.Is(err, ErrInvalidEvent) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Reset(%q) = %v; want ErrInvalidEvent mentioning %q", tc.event, err, tc.msg)
			}
			if f.Len() != 0 {
				t.Errorf("Len = %d after an error, want 0", f.Len())
			}
		})
	}
	// Every prefix of a valid record is refused, none panics.
	record := []byte(`{"eventName":"MODIFY","dynamodb":{"NewImage":{"a":{"S":"x\u00e9"},"n":{"N":"1"},"l":{"L":[true,null,-1.5e3]}}}}`)
	for i := range len(record) - 1 {
		var f Flat
		if err := f.Reset(record[:i]); err == nil {
			t.Errorf("Reset accepted the truncated record %q", record[:i])
		}
	}
}

// TestFlat_HugeValues checks that huge numbers and long strings are kept
// as text, in memory proportional to the event.
func TestFlat_HugeValues(t *testing.T) {
	digits := strings.Repeat("9", 100000)
	event := `{"n": ` + digits + `, "e": 1e999999, "s": "` + strings.Repeat("é", 50000) + `"}`
	var f Flat
	if err := f.Reset([]byte(event)); err != nil {
		t.Fatal(err)
	}
	if f.Len() != 4 {
		t.Errorf("Len = %d, want 4", f.Len())
	}
	p := MustCompile(`{"e": [{"numeric": [">", 1e300]}], "n": [{"exists": true}]}`)
	if !p.MatchFlat(&f) {
		t.Error("huge numbers do not match numeric > 1e300")
	}
}

// TestFlat_Allocs checks that flattening a record and matching it allocate
// nothing once the Flat has grown.
func TestFlat_Allocs(t *testing.T) {
	event := []byte(`{"eventName":"MODIFY","dynamodb":{"NewImage":{"s":{"S":"Stra\u00dfe"},"metadata":{"M":{"urgency":{"S":"high"}}},"l":{"L":[{"N":"1"},{"N":"2"}]}},"SizeBytes":26}}`)
	p := MustCompile(`{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high"]}}},"s":{"S":[{"equals-ignore-case":"STRASSE"}]}},"SizeBytes":[{"numeric":[">",1]}]}}`)
	var f Flat
	if n := testing.AllocsPerRun(100, func() {
		if err := f.Reset(event); err != nil || !p.MatchFlat(&f) {
			t.Fatal("no match", err)
		}
	}); n != 0 {
		t.Errorf("Reset and MatchFlat allocate %v times per run", n)
	}
}

// FuzzFlat checks that Reset never panics, accepts exactly the JSON texts
// in UTF-8 that encoding/json accepts, and holds what Decode returns.
func FuzzFlat(f *testing.F) {
	for _, s := range []string{
		`{"a": [1, "x", null, true, false, {"b": -1.5e3}]}`, `"\u00e9\ud83d\ude00\ud800"`,
		`[[[[]]]]`, `{"a":1,"a":2}`, "{\"a\": \"\xff\"}", `{"a": "x\`, `01`, `1e`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, event []byte) {
		var fl Flat
		err := fl.Reset(event)
		want := json.Valid(event) && utf8.Valid(event)
		if (err == nil) != want {
			t.Fatalf("Reset(%q) = %v; json.Valid && utf8.Valid = %v", event, err, want)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidEvent) {
				t.Fatalf("error %v does not wrap ErrInvalidEvent", err)
			}
			return
		}
		v, err := Decode(event)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if got := fl.materialize(0); !reflect.DeepEqual(got, v) {
			t.Fatalf("tape %#v, Decode %#v", got, v)
		}
	})
}
