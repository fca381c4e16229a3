package pattern_test

import "testing"

// TestMatch_FullCaseFolding covers equals-ignore-case and its prefix,
// suffix and anything-but forms under Unicode full case folding, where one
// character may fold to several: "ß" folds to "ss", U+0390 (ΐ) to
// U+03B9 U+0308 U+0301, the folding of U+0399 U+0308 U+0301 (Ϊ́) too.
func TestMatch_FullCaseFolding(t *testing.T) {
	const (
		iotaTonos   = "\u0390"             // ΐ, one code point
		iotaCapital = "\u0399\u0308\u0301" // Ι with dialytika and tonos, three
	)
	runMatchCases(t, []matchCase{
		{"equals/precomposed vs decomposed capital", `{"a": [{"equals-ignore-case": "` + iotaTonos + `"}]}`, `{"a": "` + iotaCapital + `"}`, true},
		{"equals/decomposed capital vs precomposed", `{"a": [{"equals-ignore-case": "` + iotaCapital + `"}]}`, `{"a": "` + iotaTonos + `"}`, true},
		{"equals/sharp s vs SS", `{"a": [{"equals-ignore-case": "ß"}]}`, `{"a": "SS"}`, true},
		{"equals/SS vs sharp s", `{"a": [{"equals-ignore-case": "SS"}]}`, `{"a": "ß"}`, true},
		{"equals/strasse", `{"a": [{"equals-ignore-case": "STRASSE"}]}`, `{"a": "Straße"}`, true},
		{"equals/sharp s vs S", `{"a": [{"equals-ignore-case": "ß"}]}`, `{"a": "S"}`, false},
		{"equals/kelvin sign", `{"a": [{"equals-ignore-case": "\u212a"}]}`, `{"a": "k"}`, true},
		{"equals/ascii", `{"a": [{"equals-ignore-case": "High"}]}`, `{"a": "hIGH"}`, true},
		{"equals/ascii other", `{"a": [{"equals-ignore-case": "High"}]}`, `{"a": "higher"}`, false},
		{"equals/escaped event", `{"a": [{"equals-ignore-case": "STRASSE"}]}`, `{"a": "Stra\u00dfe"}`, true},
		{"prefix/sharp s", `{"a": [{"prefix": {"equals-ignore-case": "STRASS"}}]}`, `{"a": "straße 5"}`, true},
		{"prefix/other", `{"a": [{"prefix": {"equals-ignore-case": "STRASS"}}]}`, `{"a": "strand"}`, false},
		{"suffix/sharp s", `{"a": [{"suffix": {"equals-ignore-case": "SSE"}}]}`, `{"a": "Große Straße"}`, true},
		{"suffix/iota", `{"a": [{"suffix": {"equals-ignore-case": "` + iotaTonos + `"}}]}`, `{"a": "x` + iotaCapital + `"}`, true},
		{"anything-but/sharp s excluded", `{"a": [{"anything-but": {"equals-ignore-case": ["STRASSE", "weg"]}}]}`, `{"a": "straße"}`, false},
		{"anything-but/other", `{"a": [{"anything-but": {"equals-ignore-case": ["STRASSE", "weg"]}}]}`, `{"a": "gasse"}`, true},
	})
}
